"""Condition parsing and evaluation: every operator family, IfExists, set operators, negation,
Null, policy variables and unknown values."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, strategies as st

from iacguard.iam.conditions import Condition, arn_match, as_unknown, parse_conditions
from iacguard.values import Choice, PDict, Ref, Unknown


def one(operator: str, values, key: str = "k:Key") -> Condition:
    conditions, problems = parse_conditions({operator: {key: values}})
    assert len(conditions) == 1, problems
    return conditions[0]


ABSENT = None

# (operator, policy values, request values, expected)
CASES = [
    # --- String
    ("StringEquals", "a", ["a"], True),
    ("StringEquals", "a", ["A"], False),
    ("StringEquals", "a", ABSENT, False),
    ("StringEquals", "a", [], False),
    ("StringEquals", ["a", "b"], ["b"], True),
    ("StringEquals", "foo*", ["foobar"], False),           # no wildcards in Equals
    ("StringEquals", "foo*", ["foo*"], True),
    ("StringNotEquals", "a", ["a"], False),
    ("StringNotEquals", "a", ["b"], True),
    ("StringNotEquals", "a", ABSENT, True),                 # negated + missing key
    ("StringNotEquals", ["a", "b"], ["b"], False),          # must match none of them
    ("StringNotEquals", ["a", "b"], ["c"], True),
    ("StringEqualsIgnoreCase", "AbC", ["aBc"], True),
    ("StringEqualsIgnoreCase", "abc", ["abd"], False),
    ("StringNotEqualsIgnoreCase", "abc", ["ABC"], False),
    ("StringNotEqualsIgnoreCase", "abc", ["xyz"], True),
    ("StringNotEqualsIgnoreCase", "abc", ABSENT, True),
    ("StringLike", "foo*", ["foobar"], True),
    ("StringLike", "foo*", ["foo"], True),
    ("StringLike", "fo?", ["foo"], True),
    ("StringLike", "fo?", ["fooo"], False),
    ("StringLike", "Foo*", ["foobar"], False),              # case-sensitive
    ("StringLike", "*", ["anything"], True),
    ("StringLike", "a*c", ["abbbc"], True),
    ("StringLike", "a.c", ["abc"], False),                  # regex characters are literal
    ("StringLike", "a${*}", ["a*"], True),                  # ${*} is a literal *
    ("StringLike", "a${*}", ["ab"], False),
    ("StringLike", "a${?}", ["a?"], True),
    ("StringLike", "a${?}", ["ab"], False),
    ("StringLike", "cost${$}", ["cost$"], True),
    ("StringNotLike", "foo*", ["bar"], True),
    ("StringNotLike", "foo*", ["foobar"], False),
    ("StringNotLike", "foo*", ABSENT, True),
    ("StringLike", "foo*", ABSENT, False),
    # --- IfExists
    ("StringEqualsIfExists", "a", ABSENT, True),
    ("StringEqualsIfExists", "a", [], True),
    ("StringEqualsIfExists", "a", ["a"], True),
    ("StringEqualsIfExists", "a", ["b"], False),
    ("StringNotEqualsIfExists", "a", ["a"], False),
    ("StringLikeIfExists", "x*", ["y"], False),
    ("NumericLessThanIfExists", "5", ABSENT, True),
    ("ArnLikeIfExists", "arn:aws:iam::*:role/x", ABSENT, True),
    ("BoolIfExists", "false", ABSENT, True),
    ("BoolIfExists", "false", ["true"], False),
    ("IpAddressIfExists", "10.0.0.0/8", ["11.0.0.1"], False),
    # --- Numeric
    ("NumericEquals", "10", ["10"], True),
    ("NumericEquals", "10", ["10.0"], True),
    ("NumericEquals", "10", ["11"], False),
    ("NumericNotEquals", "10", ["11"], True),
    ("NumericNotEquals", "10", ["10"], False),
    ("NumericNotEquals", "10", ABSENT, True),
    ("NumericLessThan", "10", ["5"], True),
    ("NumericLessThan", "10", ["10"], False),
    ("NumericLessThanEquals", "10", ["10"], True),
    ("NumericLessThanEquals", "10", ["11"], False),
    ("NumericGreaterThan", "10", ["11"], True),
    ("NumericGreaterThan", "10", ["10"], False),
    ("NumericGreaterThanEquals", "10", ["10"], True),
    ("NumericGreaterThanEquals", "10", ["9.99"], False),
    ("NumericLessThan", 3600, ["100"], True),               # number in the policy
    ("NumericLessThan", "10", ["abc"], False),              # not a number
    ("NumericLessThan", "abc", ["1"], False),
    ("NumericLessThan", "10", ABSENT, False),
    ("NumericEquals", ["1", "2"], ["2"], True),
    # --- Date
    ("DateLessThan", "2024-01-01T00:00:00Z", ["2023-12-31T23:59:59Z"], True),
    ("DateLessThan", "2024-01-01T00:00:00Z", ["2024-01-01T00:00:00Z"], False),
    ("DateLessThanEquals", "2024-01-01T00:00:00Z", ["2024-01-01T00:00:00Z"], True),
    ("DateGreaterThan", "2024-01-01T00:00:00Z", ["2024-01-01T01:00:00+00:00"], True),
    ("DateGreaterThan", "2024-01-01T02:00:00+02:00", ["2024-01-01T00:30:00Z"], True),  # offsets honoured
    ("DateGreaterThanEquals", "2024-01-01", ["2024-01-01T00:00:00Z"], True),  # date only = midnight UTC
    ("DateEquals", "2024-01-01T00:00:00Z", ["1704067200"], True),  # epoch seconds
    ("DateNotEquals", "2024-01-01T00:00:00Z", ["2024-01-02T00:00:00Z"], True),
    ("DateNotEquals", "2024-01-01T00:00:00Z", ABSENT, True),
    ("DateLessThan", "2024-01-01T00:00:00Z", ["not a date"], False),
    ("DateLessThan", "2024-01-01T00:00:00Z", ABSENT, False),
    ("DateLessThan", "1704067200", ["2023-06-01T00:00:00Z"], True),
    # --- Bool
    ("Bool", "true", ["true"], True),
    ("Bool", "true", ["false"], False),
    ("Bool", True, ["true"], True),                          # YAML boolean in the policy
    ("Bool", "True", ["true"], True),
    ("Bool", "true", ABSENT, False),
    ("Bool", "false", ABSENT, False),                        # absent is not false
    ("Bool", "yes", ["true"], False),
    # --- IP
    ("IpAddress", "10.0.0.0/8", ["10.1.2.3"], True),
    ("IpAddress", "10.0.0.0/8", ["192.168.1.1"], False),
    ("IpAddress", "203.0.113.7", ["203.0.113.7"], True),    # a single address
    ("IpAddress", "203.0.113.7/24", ["203.0.113.200"], True),  # host bits set: not strict
    ("IpAddress", ["10.0.0.0/8", "192.168.0.0/16"], ["192.168.5.5"], True),
    ("IpAddress", "2001:db8::/32", ["2001:db8::1"], True),
    ("IpAddress", "2001:db8::/32", ["10.0.0.1"], False),     # version mismatch
    ("IpAddress", "0.0.0.0/0", ["8.8.8.8"], True),
    ("IpAddress", "not-an-ip", ["10.0.0.1"], False),
    ("IpAddress", "10.0.0.0/8", ["garbage"], False),
    ("IpAddress", "10.0.0.0/8", ABSENT, False),
    ("NotIpAddress", "10.0.0.0/8", ["192.168.1.1"], True),
    ("NotIpAddress", "10.0.0.0/8", ["10.9.9.9"], False),
    ("NotIpAddress", "10.0.0.0/8", ABSENT, True),
    # --- ARN
    ("ArnLike", "arn:aws:iam::*:role/Admin*", ["arn:aws:iam::123456789012:role/AdminOps"], True),
    ("ArnLike", "arn:aws:iam::*:role/Admin*", ["arn:aws:iam::123456789012:role/admin"], False),  # case
    ("ArnLike", "arn:aws:s3:::*", ["arn:aws:s3:::bucket/key:with:colons"], True),
    ("ArnLike", "arn:aws:sqs:*:123456789012:q*", ["arn:aws:sqs:us-east-1:123456789012:queue"], True),
    # a wildcard does not spill over a colon in the first five parts
    ("ArnLike", "arn:aws:sqs:us-*:111122223333:q", ["arn:aws:sqs:us-east-1:x:111122223333:q"], False),
    ("ArnLike", "arn:aws:sqs:us-eas?-1:1:q", ["arn:aws:sqs:us-east-1:1:q"], True),
    ("ArnEquals", "arn:aws:iam::*:role/x", ["arn:aws:iam::111122223333:role/x"], True),  # same as ArnLike
    ("ArnEquals", "arn:aws:iam::111122223333:role/x", ["arn:aws:iam::111122223333:role/x"], True),
    ("ArnEquals", "arn:aws:iam::111122223333:role/x", ["arn:aws:iam::111122223333:role/y"], False),
    ("ArnNotLike", "arn:aws:iam::111122223333:*", ["arn:aws:iam::444455556666:role/x"], True),
    ("ArnNotLike", "arn:aws:iam::111122223333:*", ["arn:aws:iam::111122223333:role/x"], False),
    ("ArnNotLike", "arn:aws:iam::111122223333:*", ABSENT, True),
    ("ArnNotEquals", "arn:aws:iam::1:role/x", ["arn:aws:iam::1:role/x"], False),
    ("ArnLike", "*", ["arn:aws:iam::1:role/x"], True),
    ("ArnLike", "arn:aws:iam::1:role/x", ["not-an-arn"], False),
    # --- Null
    ("Null", "true", ABSENT, True),
    ("Null", "true", [], True),
    ("Null", "true", ["x"], False),
    ("Null", "false", ABSENT, False),
    ("Null", "false", ["x"], True),
    ("Null", True, ABSENT, True),
    ("Null", "TRUE", ABSENT, True),
    ("Null", "maybe", ABSENT, False),
    # --- Binary
    ("BinaryEquals", "QmluYXJ5", ["QmluYXJ5"], True),
    ("BinaryEquals", "QmluYXJ5", ["QmluYXI="], False),
    ("BinaryEquals", "QmluYXJ5", ABSENT, False),
    # --- set operators
    ("ForAllValues:StringEquals", ["a", "b"], ["a"], True),
    ("ForAllValues:StringEquals", ["a", "b"], ["a", "b"], True),
    ("ForAllValues:StringEquals", ["a", "b"], ["a", "c"], False),
    ("ForAllValues:StringEquals", ["a", "b"], ABSENT, True),    # the documented trap
    ("ForAllValues:StringEquals", ["a", "b"], [], True),
    ("ForAllValues:StringLike", "Created*", ["CreatedBy", "CreatedAt"], True),
    ("ForAllValues:StringLike", "Created*", ["CreatedBy", "Owner"], False),
    ("ForAllValues:StringNotEquals", "a", ["b", "c"], True),
    ("ForAllValues:StringNotEquals", "a", ["a", "b"], False),
    ("ForAllValues:StringNotEquals", "a", ABSENT, True),
    ("ForAnyValue:StringEquals", "a", ["x", "a"], True),
    ("ForAnyValue:StringEquals", "a", ["x"], False),
    ("ForAnyValue:StringEquals", "a", ABSENT, False),
    ("ForAnyValue:StringEquals", "a", [], False),
    ("ForAnyValue:StringEqualsIfExists", "a", ABSENT, True),
    ("ForAnyValue:StringNotEquals", "a", ["a", "b"], True),
    ("ForAnyValue:StringNotEquals", "a", ["a"], False),
    ("ForAnyValue:StringNotEquals", "a", ABSENT, False),
    ("ForAnyValue:StringLike", ["o-abc/*"], ["o-xyz/r-1/", "o-abc/r-2/"], True),
    ("ForAnyValue:ArnLike", "arn:aws:iam::*:role/x", ["arn:aws:iam::1:role/y", "arn:aws:iam::2:role/x"], True),
    ("ForAllValues:NumericLessThan", "10", ["1", "2", "20"], False),
    ("forallvalues:stringequals", "a", ["a"], True),            # operator names are matched case-insensitively
    # --- several request values without a set operator: any matches; negation inverts
    ("StringEquals", "a", ["a", "b"], True),
    ("StringNotEquals", "a", ["a", "b"], False),
    ("StringNotEquals", "a", ["b", "c"], True),
    # --- a bare string as request value is one value; scalars are stringified
    ("StringEquals", "a", "a", True),
    ("Bool", "true", [True], True),
    ("NumericLessThan", "10", [3], True),
]


@pytest.mark.parametrize("operator,policy_values,request_values,expected", CASES)
def test_condition_semantics(operator, policy_values, request_values, expected) -> None:
    assert one(operator, policy_values).matches(request_values) is expected


# --- policy variables and unknowns: the answer is None when they decide it
@pytest.mark.parametrize("operator,policy_values,request_values,expected", [
    ("StringEquals", "${aws:username}", ["bob"], None),
    ("StringLike", "home/${aws:username}/*", ["home/bob/file"], None),
    ("StringLike", "home/${aws:username}/*", ["other/bob/file"], False),  # cannot match whatever the name
    ("StringNotLike", "home/${aws:username}/*", ["other/x"], True),
    ("StringNotLike", "home/${aws:username}/*", ["home/x/y"], None),
    ("StringEquals", ["${aws:username}", "alice"], ["alice"], True),     # a known value decides
    ("ArnLike", "arn:aws:iam::*:user/${aws:username}", ["arn:aws:iam::1:user/bob"], None),
    ("ArnLike", "arn:aws:iam::*:user/${aws:username}", ["arn:aws:iam::1:role/bob"], False),
    # a variable holding a colon-free value inside an early ARN part
    ("ArnLike", "arn:aws:iam::${aws:PrincipalAccount}:role/x", ["arn:aws:iam::111122223333:role/x"], None),
    ("ArnLike", "arn:aws:iam::${aws:PrincipalAccount}:role/x", ["arn:aws:iam::111122223333:role/y"], False),
    ("NumericLessThan", "${aws:MultiFactorAuthAge}", ["5"], None),
    ("StringEquals", "${aws:PrincipalTag/team, 'none'}", ["x"], None),   # variable with default
    ("StringEquals", Unknown("var.env"), ["prod"], None),
    ("StringEquals", [Unknown("var.env"), "dev"], ["dev"], True),
    ("StringEquals", [Unknown("var.env"), "dev"], ["prod"], None),
    ("StringNotEquals", [Unknown("var.env"), "dev"], ["dev"], False),
    ("StringNotEquals", Unknown("var.env"), ABSENT, True),               # negated + absent decides
    ("StringEquals", Unknown("var.env"), ABSENT, False),
    ("ForAllValues:StringEquals", Unknown("x"), ABSENT, True),
    ("ForAllValues:StringEquals", Unknown("x"), ["a"], None),
    ("StringEquals", "a", [Unknown("ctx")], None),
    ("Null", Unknown("x"), ABSENT, None),
    ("Bool", Ref("aws_iam_role.r", "arn"), ["true"], None),
])
def test_variables_and_unknowns(operator, policy_values, request_values, expected) -> None:
    assert one(operator, policy_values).matches(request_values) is expected


def test_choice_value_is_unknown_not_union() -> None:
    # A Choice inside a condition stays one unknown value: a union would loosen negations.
    condition = one("StringNotEquals", Choice(["a", "b"]))
    assert condition.matches(["a"]) is None


# --- parsing
def test_parse_operator_parts() -> None:
    condition = one("ForAnyValue:StringLikeIfExists", ["x*"])
    assert (condition.operator, condition.base, condition.set_op, condition.if_exists, condition.negated) == \
        ("ForAnyValue:StringLikeIfExists", "StringLike", "ForAnyValue", True, False)
    assert condition.canonical_operator == "ForAnyValue:StringLikeIfExists"
    lower = one("forallvalues:stringnotequalsifexists", "x")
    assert (lower.base, lower.set_op, lower.if_exists, lower.negated) == ("StringNotEquals", "ForAllValues", True, True)
    assert lower.canonical_operator == "ForAllValues:StringNotEqualsIfExists"


@pytest.mark.parametrize("operator,negated", [
    ("StringNotEquals", True), ("StringNotLike", True), ("ArnNotEquals", True), ("ArnNotLike", True),
    ("NotIpAddress", True), ("NumericNotEquals", True), ("StringNotEqualsIgnoreCase", True),
    ("DateNotEquals", True), ("StringEquals", False), ("IpAddress", False), ("Null", False), ("Bool", False),
])
def test_negated_flag(operator: str, negated: bool) -> None:
    assert one(operator, "x").negated is negated


def test_parse_keys_values_and_lines() -> None:
    block = PDict({"StringEquals": PDict({"aws:PrincipalOrgID": "o-1", "AWS:SourceAccount": ["1", "2"]}, line=12),
                   "Bool": PDict({"aws:SecureTransport": False}, line=15)}, line=11)
    conditions, problems = parse_conditions(block, line=3)
    assert problems == []
    assert [(c.key, c.key_lc, c.values, c.line) for c in conditions] == [
        ("aws:PrincipalOrgID", "aws:principalorgid", ("o-1",), 12),
        ("AWS:SourceAccount", "aws:sourceaccount", ("1", "2"), 12),
        ("aws:SecureTransport", "aws:securetransport", ("false",), 15),
    ]


def test_parse_stringifies_scalars() -> None:
    assert one("NumericLessThan", [1, 2.5, True]).values == ("1", "2.5", "true")


def test_parse_yaml_dates() -> None:
    import datetime

    condition = one("DateGreaterThan", datetime.date(2024, 1, 1))
    assert condition.values == ("2024-01-01",)
    assert condition.matches(["2024-06-01T00:00:00Z"]) is True
    stamp = one("DateLessThan", datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc))
    assert stamp.matches(["2023-12-31T00:00:00Z"]) is True


def test_parse_line_falls_back_to_caller() -> None:
    conditions, _ = parse_conditions({"StringEquals": {"a:b": "c"}}, line=7)
    assert conditions[0].line == 7


@pytest.mark.parametrize("raw,problem_part", [
    ({"StringEquals": {"k": None}}, "null value"),
    ({"StringEquals": {"k": [["a"]]}}, "nested list"),
    ({"StringEquals": {"k": []}}, "no values"),
    ({"StringEquals": {"k": {"a": 1, "b": 2}}}, "dict is not a valid"),
    ({"StringEquals": "oops"}, "must map keys"),
    ({"StringEquals": {}}, "has no keys"),
    ("a string", "must be an object"),
    ([{"StringEquals": {"k": "v"}}], "must be an object"),
    (42, "must be an object"),
    ({"StringEqualz": {"k": "v"}}, "unknown condition operator"),
    ({"ForSomeValues:StringEquals": {"k": "v"}}, "unknown condition operator"),
    ({"NullIfExists": {"k": "true"}}, "Null takes no IfExists"),
    ({"Null": {"k": "maybe"}}, "Null takes 'true' or 'false'"),
    ({"Bool": {"k": "yes"}}, "Bool takes"),
    ({"StringEquals": {"k": {"Fn::GetAtt": ["R", "Arn"]}}}, "unresolved intrinsic"),
    ({"Fn::If": ["C", {}, {}]}, "unresolved intrinsic"),
])
def test_parse_problems_never_raise(raw, problem_part: str) -> None:
    conditions, problems = parse_conditions(raw)
    assert any(problem_part in p for p in problems), problems


def test_unknown_operator_evaluates_to_none() -> None:
    conditions, _ = parse_conditions({"StringEqualz": {"k": "v"}})
    assert conditions[0].is_unknown and conditions[0].matches(["v"]) is None


def test_intrinsic_value_becomes_unknown() -> None:
    condition = one("StringEquals", {"Fn::GetAtt": ["R", "Arn"]})
    assert isinstance(condition.values[0], Unknown)
    assert condition.matches(["x"]) is None


@pytest.mark.parametrize("raw", [Unknown("var.cond"), Choice([{"Bool": {"a:b": "true"}}, None]),
                                 {"Ref": "Cond"}, {"unknown": "var.cond"}])
def test_whole_block_unknown(raw) -> None:
    conditions, _ = parse_conditions(raw)
    assert len(conditions) == 1 and conditions[0].is_unknown
    assert conditions[0].matches(["x"]) is None and conditions[0].matches(None) is None


def test_operator_block_unknown() -> None:
    conditions, problems = parse_conditions({"StringEquals": Unknown("local.c")})
    assert problems == []
    assert len(conditions) == 1 and conditions[0].matches(None) is None
    assert conditions[0].operator == "StringEquals"


def test_absent_condition() -> None:
    assert parse_conditions(None) == ([], [])


def test_as_unknown() -> None:
    assert as_unknown({"unknown": "var.x"}) == Unknown("var.x")
    assert isinstance(as_unknown({"Fn::Sub": "arn:${AWS::Partition}"}), Unknown)
    assert as_unknown({"Ref": "X"}) is not None
    assert as_unknown({"a": 1}) is None
    assert as_unknown("x") is None


@pytest.mark.parametrize("pattern,arn,expected", [
    ("arn:aws:s3:::bucket", "arn:aws:s3:::bucket", True),
    ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", False),
    ("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket/key", True),
    ("arn:aws:logs:*:*:log-group:app:*", "arn:aws:logs:eu-west-1:1:log-group:app:log-stream:x", True),
    ("arn:*:iam::*:role/*", "arn:aws-cn:iam::1:role/r", True),
    ("arn:aws:iam::1:role/R", "arn:aws:iam::1:role/r", False),
    ("*", "*", True),
    ("arn:aws:s3:::*", "*", False),
])
def test_arn_match(pattern: str, arn: str, expected: bool) -> None:
    assert arn_match(pattern, arn) is expected


# --- properties
_word = st.text(alphabet=string.ascii_letters + string.digits + "/-_", min_size=0, max_size=8)
_request = st.one_of(st.none(), st.lists(_word, max_size=4))
_positive = ["StringEquals", "StringLike", "StringEqualsIgnoreCase", "ArnLike", "NumericEquals",
             "IpAddress", "DateEquals"]
_negative = {"StringEquals": "StringNotEquals", "StringLike": "StringNotLike",
             "StringEqualsIgnoreCase": "StringNotEqualsIgnoreCase", "ArnLike": "ArnNotLike",
             "NumericEquals": "NumericNotEquals", "IpAddress": "NotIpAddress", "DateEquals": "DateNotEquals"}


@given(st.sampled_from(_positive), st.lists(_word, min_size=1, max_size=3), _request)
def test_negated_operator_is_negation_without_set_operator(operator, policy_values, request) -> None:
    positive = one(operator, policy_values).matches(request)
    negative = one(_negative[operator], policy_values).matches(request)
    assert negative is (not positive)


@given(st.sampled_from(_positive + list(_negative.values())), st.lists(_word, min_size=1, max_size=3))
def test_for_all_values_true_for_missing_and_empty(operator, policy_values) -> None:
    condition = one("ForAllValues:" + operator, policy_values)
    assert condition.matches(None) is True and condition.matches([]) is True
    assert one("ForAnyValue:" + operator, policy_values).matches(None) is False


@given(st.sampled_from(_positive), st.lists(_word, min_size=1, max_size=3), st.lists(_word, min_size=1, max_size=4))
def test_set_operators_against_single_checks(operator, policy_values, request) -> None:
    single = [one(operator, policy_values).matches([v]) for v in request]
    assert one("ForAllValues:" + operator, policy_values).matches(request) is all(single)
    assert one("ForAnyValue:" + operator, policy_values).matches(request) is any(single)


@given(st.sampled_from(_positive + list(_negative.values())), st.lists(_word, min_size=1, max_size=3), _request)
def test_if_exists_only_changes_missing_key(operator, policy_values, request) -> None:
    plain = one(operator, policy_values).matches(request)
    if_exists = one(operator + "IfExists", policy_values).matches(request)
    if request:
        assert if_exists is plain
    else:
        assert if_exists is True
