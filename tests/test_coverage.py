"""Policy comparison for --diff-base (iacguard.iam.coverage): does a base policy already grant
everything a new statement grants? Wildcards in actions and resources, NotAction / NotResource /
NotPrincipal, Deny, conditions as subsets, Unknown values, and pattern containment checked
against expansions of the narrower pattern."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from iacguard.iam.coverage import action_covers, condition_set, resource_covers, statement_covered
from iacguard.iam.policy import parse_policy
from iacguard.iam.wildcard import glob_match, pattern_covers
from iacguard.values import Unknown


def _st(**fields):
    fields.setdefault("Effect", "Allow")
    document = parse_policy({"Version": "2012-10-17", "Statement": [fields]})
    assert len(document.statements) == 1, document.problems
    return document.statements[0]


def covered(statement: dict, *others: dict) -> bool:
    return statement_covered(_st(**statement), [_st(**o) for o in others])


# ---------------------------------------------------------------- patterns

@pytest.mark.parametrize("broad, narrow, expected", [
    ("*", "*", True),
    ("*", "anything:at:all", True),
    ("abc", "abc", True),
    ("abc", "abd", False),
    ("a*", "abc*", True),
    ("abc*", "a*", False),
    ("*c", "a*c", True),
    ("*c", "a*", False),
    ("a*c", "a*b*c", True),
    ("a*b*c", "a*c", False),
    ("a?c", "abc", True),
    ("a?c", "a?c", True),          # written the same
    ("a?c", "a*c", False),         # '?' is one character, '*' may be many
    ("a??", "a?c", False),         # '?' cannot vouch for another pattern's '?' (unless written the same)
    ("a*", "a?", True),            # '*' absorbs a '?'
    ("ab", "a?", False),
    ("ABC", "abc", False),         # case-sensitive by default
])
def test_pattern_covers(broad, narrow, expected):
    assert pattern_covers(broad, narrow) is expected


def test_pattern_covers_case_insensitive():
    assert pattern_covers("S3:Get*", "s3:getobject", case_sensitive=False) is True
    assert pattern_covers("s3:get*", "S3:GETOBJECT", case_sensitive=False) is True
    assert pattern_covers("s3:get*", "S3:put*", case_sensitive=False) is False


def _expansions(pattern: str, fills: tuple[str, ...]) -> set[str]:
    """Texts the pattern matches, each wildcard replaced by each fill in turn ('?' by one
    character fills only)."""
    texts = {""}
    for ch in pattern:
        if ch == "*":
            texts = {t + f for t in texts for f in fills}
        elif ch == "?":
            texts = {t + f for t in texts for f in fills if len(f) == 1}
        else:
            texts = {t + ch for t in texts}
    return texts


@settings(max_examples=400, deadline=None)
@given(st.text("ab*?", max_size=5), st.text("ab*?", max_size=5))
def test_pattern_covers_is_sound(broad, narrow):
    """Whenever broad is said to cover narrow, every sampled text narrow matches, broad matches."""
    if pattern_covers(broad, narrow):
        for text in _expansions(narrow, ("", "a", "b", "ab", "ba", "bb")):
            assert glob_match(broad, text, case_sensitive=True), (broad, narrow, text)


@settings(max_examples=400, deadline=None)
@given(st.text("ab*", max_size=5), st.text("ab*", max_size=5))
def test_pattern_covers_is_complete_without_question_marks(broad, narrow):
    """Without '?' the answer is exact: broad misses some text narrow matches when not covered
    (a '*' of narrow may stand for '*' itself, the witness)."""
    if not pattern_covers(broad, narrow):
        assert any(not glob_match(broad, text, case_sensitive=True)
                   for text in _expansions(narrow, ("", "a", "b", "*", "ab", "ba")))


@pytest.mark.parametrize("broad, narrow, expected", [
    ("*", "s3:GetObject", True),
    ("s3:*", "S3:Get*", True),
    ("s3:Get*", "s3:*", False),
    (" s3:GetObject ", "s3:getobject", True),
    ("s3:Get*Acl", "s3:GetObject*", False),
])
def test_action_covers(broad, narrow, expected):
    assert action_covers(broad, narrow) is expected


@pytest.mark.parametrize("broad, narrow, expected", [
    ("*", "arn:aws:s3:::b/x", True),
    ("arn:aws:s3:::b/*", "arn:aws:s3:::b/public/*", True),
    ("arn:aws:s3:::b/public/*", "arn:aws:s3:::b/*", False),
    ("arn:aws:s3:::B/*", "arn:aws:s3:::b/x", False),                                   # ARNs are case-sensitive
    ("arn:aws:logs:*:111122223333:log-group:*", "arn:aws:logs:us-east-1:111122223333:log-group:app:*", True),
    ("arn:*:iam::*:role/*", "arn:aws:iam::111122223333:role/app", True),
    # a wildcard stays inside its part of the ARN: '*' in the account cannot take "1:2"
    ("arn:aws:iam::*:role/x", "arn:aws:iam::1:2:role/x", False),
    # '?' in one part does not stop a '*' in another from covering its own part
    ("arn:aws:logs:us-east-?:1:log-group:*", "arn:aws:logs:us-east-1:1:log-group:app*", True),
    ("arn:aws:logs:us-east-?:1:log-group:*", "arn:aws:logs:us-east-*:1:log-group:app", False),
    ("arn:aws:s3:::*", "arn:aws:s3:::b/x", True),
    ("arn:aws:*", "arn:aws:s3:::b/x", True),                                          # not six parts: whole text
    ("arn:aws:s3:::${aws:username}/*", "arn:aws:s3:::${aws:username}/home", True),     # the same variable
    ("arn:aws:s3:::${aws:username}/*", "arn:aws:s3:::alice/home", False),
    ("${var.bucket_arn}", "${var.bucket_arn}", True),
    ("${var.bucket_arn}", "arn:aws:s3:::b", False),
])
def test_resource_covers(broad, narrow, expected):
    assert resource_covers(broad, narrow) is expected


# ---------------------------------------------------------------- statements

@pytest.mark.parametrize("statement, others, expected", [
    # wildcards in actions
    (dict(Action="s3:GetObject", Resource="*"), [dict(Action="*", Resource="*")], True),
    (dict(Action="s3:Get*", Resource="*"), [dict(Action="s3:GetObject", Resource="*")], False),
    (dict(Action="s3:Get*", Resource="*"), [dict(Action="S3:*", Resource="*")], True),
    (dict(Action=["s3:GetObject", "iam:PassRole"], Resource="*"), [dict(Action="s3:*", Resource="*")], False),
    (dict(Action=["s3:GetObject", "iam:PassRole"], Resource="*"),
     [dict(Action="s3:*", Resource="*"), dict(Action="iam:PassRole", Resource="*")], True),
    # wildcards in resources, every (action, resource) pair needs a cover
    (dict(Action="s3:GetObject", Resource=["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]),
     [dict(Action="s3:GetObject", Resource="arn:aws:s3:::a/*")], False),
    (dict(Action="s3:GetObject", Resource=["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]),
     [dict(Action="s3:GetObject", Resource="arn:aws:s3:::*")], True),
    (dict(Action="s3:GetObject", Resource="*"), [dict(Action="s3:GetObject", Resource="arn:aws:s3:::*")], False),
    # a statement without Resource (a resource policy's own resource) is covered by none or '*'
    (dict(Action="s3:GetObject", Principal="*"), [dict(Action="s3:GetObject", Principal="*")], True),
    (dict(Action="s3:GetObject", Principal="*"), [dict(Action="s3:GetObject", Principal="*", Resource="*")], True),
    (dict(Action="s3:GetObject", Principal="*"),
     [dict(Action="s3:GetObject", Principal="*", Resource="arn:aws:s3:::b/*")], False),
    # principals compare as written; '*' covers everyone
    (dict(Action="sts:AssumeRole", Principal={"AWS": "arn:aws:iam::111122223333:role/r"}),
     [dict(Action="sts:AssumeRole", Principal={"AWS": "arn:aws:iam::111122223333:role/r"})], True),
    (dict(Action="sts:AssumeRole", Principal={"AWS": "arn:aws:iam::111122223333:role/r"}),
     [dict(Action="sts:AssumeRole", Principal={"AWS": "*"})], True),
    (dict(Action="sts:AssumeRole", Principal={"AWS": "arn:aws:iam::111122223333:role/r"}),
     [dict(Action="sts:AssumeRole", Principal={"AWS": "111122223333"})], False),
    (dict(Action="sts:AssumeRole", Principal={"Service": "lambda.amazonaws.com"}),
     [dict(Action="sts:AssumeRole", Principal={"AWS": "lambda.amazonaws.com"})], False),   # kind differs
    (dict(Action="sts:AssumeRole", Principal={"AWS": ["111122223333", "444455556666"]}),
     [dict(Action="sts:AssumeRole", Principal={"AWS": "111122223333"})], False),
    (dict(Action="s3:GetObject", Resource="*"), [dict(Action="s3:GetObject", Principal="*")], False),
    # NotAction / NotResource / NotPrincipal: only the same statement covers
    (dict(NotAction="iam:*", Resource="*"), [dict(Action="*", Resource="*")], False),
    (dict(NotAction=["iam:*", "s3:*"], Resource="*"), [dict(NotAction=["S3:*", "iam:*"], Resource="*", Sid="Other")], True),
    (dict(NotAction="iam:*", Resource="*"), [dict(NotAction="iam:*", Resource="*", Effect="Deny")], False),
    (dict(Action="s3:GetObject", Resource="arn:aws:s3:::b/x"), [dict(NotAction="iam:*", Resource="*")], False),
    (dict(Action="*", NotResource="arn:aws:s3:::secret/*"), [dict(Action="*", Resource="*")], False),
    (dict(Action="*", NotResource="arn:aws:s3:::secret/*"), [dict(Action="*", NotResource="arn:aws:s3:::secret/*")], True),
    (dict(Action="s3:GetObject", Resource="arn:aws:s3:::b/x"),
     [dict(Action="s3:GetObject", NotResource="arn:aws:s3:::secret/*")], False),
    (dict(Action="s3:GetObject", Resource="*", NotPrincipal={"AWS": "111122223333"}),
     [dict(Action="s3:GetObject", Resource="*", NotPrincipal={"AWS": "111122223333"})], True),
    (dict(Action="s3:GetObject", Resource="*", NotPrincipal={"AWS": "111122223333"}),
     [dict(Action="s3:GetObject", Resource="*", Principal="*")], False),
    (dict(Action="s3:GetObject", Resource="*", Principal="*"),
     [dict(Action="s3:GetObject", Resource="*", NotPrincipal={"AWS": "111122223333"})], False),
    # Deny is covered by Deny only
    (dict(Effect="Deny", Action="s3:DeleteObject", Resource="*"), [dict(Effect="Deny", Action="s3:*", Resource="*")], True),
    (dict(Effect="Deny", Action="s3:DeleteObject", Resource="*"), [dict(Action="s3:*", Resource="*")], False),
    (dict(Action="s3:DeleteObject", Resource="*"), [dict(Effect="Deny", Action="s3:*", Resource="*")], False),
    # conditions: the base's must be a subset of the new statement's
    (dict(Action="*", Resource="*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"},
                                               "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
     [dict(Action="*", Resource="*", Condition={"Bool": {"AWS:MultiFactorAuthPresent": "true"}})], True),
    (dict(Action="*", Resource="*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
     [dict(Action="*", Resource="*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"},
                                                "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})], False),
    (dict(Action="*", Resource="*", Condition={"StringEquals": {"aws:PrincipalTag/team": ["b", "a"]}}),
     [dict(Action="*", Resource="*", Condition={"StringEquals": {"aws:PrincipalTag/team": ["a", "b"]}})], True),
    (dict(Action="*", Resource="*", Condition={"StringEquals": {"aws:PrincipalTag/team": "a"}}),
     [dict(Action="*", Resource="*", Condition={"StringEquals": {"aws:PrincipalTag/team": ["a", "b"]}})], False),
    (dict(Action="*", Resource="*", Condition={"StringLike": {"aws:PrincipalTag/team": "a"}}),
     [dict(Action="*", Resource="*", Condition={"StringEquals": {"aws:PrincipalTag/team": "a"}})], False),
    (dict(Action="*", Resource="*", Condition={"stringequals": {"aws:PrincipalTag/team": "a"}}),
     [dict(Action="*", Resource="*", Condition={"StringEquals": {"aws:principaltag/team": "a"}})], True),
    # nothing to compare with
    (dict(Action="s3:GetObject", Resource="*"), [], False),
])
def test_statement_covered(statement, others, expected):
    assert covered(statement, *others) is expected


def _unknown(text: str) -> Unknown:
    return Unknown(text)


def test_unknown_values_cover_only_themselves():
    action = {"Action": _unknown("var.action"), "Resource": "*"}
    assert covered(action, {"Action": _unknown("var.action"), "Resource": "*"}) is True
    assert covered(action, {"Action": _unknown("var.other"), "Resource": "*"}) is False
    assert covered(action, {"Action": "*", "Resource": "*"}) is True       # '*' covers whatever it becomes
    assert covered({"Action": "s3:GetObject", "Resource": "*"}, {"Action": _unknown("var.action"), "Resource": "*"}) is False
    resource = {"Action": "s3:GetObject", "Resource": _unknown("aws_s3_bucket.b.arn")}
    assert covered(resource, {"Action": "s3:GetObject", "Resource": _unknown("aws_s3_bucket.b.arn")}) is True
    assert covered(resource, {"Action": "s3:GetObject", "Resource": _unknown("aws_s3_bucket.c.arn")}) is False
    principal = {"Action": "sts:AssumeRole", "Principal": {"AWS": _unknown("var.account")}}
    assert covered(principal, {"Action": "sts:AssumeRole", "Principal": {"AWS": _unknown("var.account")}}) is True
    assert covered(principal, {"Action": "sts:AssumeRole", "Principal": {"AWS": "111122223333"}}) is False
    assert covered(principal, {"Action": "sts:AssumeRole", "Principal": "*"}) is True


def test_unknown_effect_needs_the_same_statement():
    statement = {"Effect": _unknown("var.effect"), "Action": "s3:GetObject", "Resource": "*"}
    assert covered(statement, dict(statement)) is True
    assert covered(statement, {"Action": "*", "Resource": "*"}) is False
    assert covered(statement, {"Effect": "Deny", "Action": "*", "Resource": "*"}) is False


def test_unknown_condition_values_compare_as_text():
    statement = {"Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpc": _unknown("var.vpc")}}}
    assert covered(statement, dict(statement)) is True
    other = {"Action": "*", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceVpc": _unknown("var.other")}}}
    assert covered(statement, other) is False
    assert condition_set(_st(**statement)) == {("StringEquals", "aws:sourcevpc", ("${var.vpc}",))}
