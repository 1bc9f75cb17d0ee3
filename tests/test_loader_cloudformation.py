"""Tests for the CloudFormation loader: parsing, detection, resolution, parameter files."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from iacguard.errors import InputError
from iacguard.loaders import cfn_yaml
from iacguard.loaders.cloudformation import (
    build_resources,
    load_parameter_file,
    looks_like_cloudformation,
    parse_document,
)
from iacguard.values import Choice, Encoded, PDict, PList, Ref, Unknown, to_plain

FIXTURES = Path(__file__).parent / "fixtures" / "cfn"


def yaml_doc(text: str) -> Any:
    return parse_document(textwrap.dedent(text), "t.yaml")


def plain(value: Any) -> Any:
    """Strip PDict/PList to dict/list recursively (for type-exact comparisons)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def resolve_property(value_yaml: str, *, head: str = "", parameters: dict | None = None,
                     pseudo: dict | None = None) -> tuple[Any, list]:
    """Resolve one property value written in YAML inside a small template."""
    template = (textwrap.dedent(head) + "Resources:\n"
                "  Res:\n    Type: AWS::IAM::Role\n    Properties:\n"
                f"      Value: {value_yaml}\n"
                "  Other:\n    Type: AWS::S3::Bucket\n")
    result = build_resources(parse_document(template, "t.yaml"), "t.yaml",
                             parameters=parameters, pseudo=pseudo)
    props = result.resources[0].properties
    return props.get("Value", "<absent>"), result.errors


HEAD = """\
Parameters:
  Env: {Type: String, Default: prod}
  Acct: {Type: String}
  Num: {Type: Number, Default: 5}
  Names: {Type: CommaDelimitedList, Default: "a, b ,c"}
  Subnets: {Type: "List<AWS::EC2::Subnet::Id>", Default: "s-1,s-2"}
  Secret: {Type: String, NoEcho: true, Default: hunter2}
  Ami: {Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", Default: /aws/ami}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Equals [!Ref Env, dev]
  AcctSet: !Not [!Equals [!Ref Acct, ""]]
Mappings:
  M:
    prod: {Role: admin, Count: 3}
    dev: {Role: dev}
"""


# --------------------------------------------------------------------------------------------
# YAML short forms become long forms; YAML and JSON give equal values


SHORT_VS_LONG = [
    ("!Ref X", {"Ref": "X"}),
    ("!GetAtt A.B", {"Fn::GetAtt": ["A", "B"]}),
    ("!GetAtt A.B.C", {"Fn::GetAtt": ["A", "B.C"]}),
    ("!GetAtt [A, B]", {"Fn::GetAtt": ["A", "B"]}),
    ("!Sub 'x-${A}'", {"Fn::Sub": "x-${A}"}),
    ("!Sub ['x-${v}', {v: !Ref A}]", {"Fn::Sub": ["x-${v}", {"v": {"Ref": "A"}}]}),
    ("!Join [',', [a, b]]", {"Fn::Join": [",", ["a", "b"]]}),
    ("!If [C, a, b]", {"Fn::If": ["C", "a", "b"]}),
    ("!Select [0, [a]]", {"Fn::Select": [0, ["a"]]}),
    ("!Split [',', 'a,b']", {"Fn::Split": [",", "a,b"]}),
    ("!FindInMap [M, K, L]", {"Fn::FindInMap": ["M", "K", "L"]}),
    ("!ImportValue Shared", {"Fn::ImportValue": "Shared"}),
    ("!Base64 text", {"Fn::Base64": "text"}),
    ("!Cidr ['10.0.0.0/16', 4, 8]", {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
    ("!GetAZs ''", {"Fn::GetAZs": ""}),
    ("!Equals [a, b]", {"Fn::Equals": ["a", "b"]}),
    ("!And [!Condition A, !Condition B]", {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]}),
    ("!Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
    ("!Not [!Condition A]", {"Fn::Not": [{"Condition": "A"}]}),
    ("!Condition A", {"Condition": "A"}),
    ("!Transform {Name: 'AWS::Include', Parameters: {Location: s3://b/k}}",
     {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/k"}}}),
    ("!ToJsonString {a: b}", {"Fn::ToJsonString": {"a": "b"}}),
    ("!Length [1, 2]", {"Fn::Length": [1, 2]}),
]


@pytest.mark.parametrize("short, long", SHORT_VS_LONG)
def test_short_form_equals_long_form(short: str, long: dict) -> None:
    from_yaml = parse_document(f"k: 1\nv: {short}\n", "t.yaml")["v"]
    from_json = parse_document(json.dumps({"k": 1, "v": long}), "t.json")["v"]
    assert from_yaml == long == from_json
    assert isinstance(from_yaml, PDict)
    assert from_yaml.line == 2  # the tag's line


def test_short_form_block_sequence_keeps_tag_line() -> None:
    data = yaml_doc("""\
        a: 1
        b: !If
          - C
          - x
          - y
        """)
    assert data["b"] == {"Fn::If": ["C", "x", "y"]}
    assert data["b"].line == 2


def test_malformed_short_getatt_is_an_error() -> None:
    with pytest.raises(InputError) as info:
        parse_document("a: 1\nb: !GetAtt NoDot\n", "t.yaml")
    assert info.value.line == 2


def test_unknown_tag_is_an_error() -> None:
    # reported with its line, but only the tagged value is lost (read as Unknown)
    data = parse_document("a: !Bogus x\nb: 1\n", "t.yaml")
    assert [e.line for e in cfn_yaml.document_problems(data)] == [1]
    assert isinstance(data["a"], Unknown) and data["b"] == 1
    data = parse_document("a: 1\nb: !Bogus [x]\n", "t.yaml")
    assert [e.line for e in cfn_yaml.document_problems(data)] == [2]
    assert isinstance(data["b"], Unknown)


def test_fixture_yaml_and_json_resolve_to_equal_resources() -> None:
    results = {}
    for suffix in ("yaml", "json"):
        path = FIXTURES / f"iam_template.{suffix}"
        data = parse_document(path.read_text(), path.name)
        assert looks_like_cloudformation(data)
        results[suffix] = build_resources(data, path.name)
    yaml_res, json_res = results["yaml"], results["json"]
    assert yaml_res.errors == [] and json_res.errors == []
    assert [r.address for r in yaml_res.resources] == ["AppRole", "AppPolicy", "MaybeTrustedRole"]
    for a, b in zip(yaml_res.resources, json_res.resources):
        assert (a.address, a.type, a.condition) == (b.address, b.type, b.condition)
        assert plain(a.properties) == plain(b.properties)
        assert a.metadata == b.metadata
    role = yaml_res.resources[0]
    assert role.properties["RoleName"] == Unknown("prod-app-${AWS::Region}")
    assert role.properties["ManagedPolicyArns"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    principal = role.properties["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"]
    assert isinstance(principal, Choice)
    assert principal.options == (Unknown("arn:aws:iam::${TrustedAccount}:root"), None)
    assert role.metadata == {"cfn_nag": {"rules_to_suppress": [{"id": "W28"}]}}
    policy = yaml_res.resources[1]
    statements = policy.properties["PolicyDocument"]["Statement"]
    assert statements[0]["Resource"] == "arn:aws:s3:::logs/*"
    assert statements[1]["Resource"] == Ref("AppRole", "Arn")
    assert policy.properties["Roles"] == [Ref("AppRole", None)]
    assert yaml_res.resources[2].condition == "TrustsOther"
    # JSON policy strings stay strings for the policy parser.
    assert yaml_res.resources[2].properties["AssumeRolePolicyDocument"] == \
        '{"Version": "2012-10-17", "Statement": []}'


def test_fixture_lines_yaml() -> None:
    data = parse_document((FIXTURES / "iam_template.yaml").read_text(), "t.yaml")
    res = {r.address: r for r in build_resources(data, "t.yaml").resources}
    assert (res["AppRole"].line, res["AppRole"].end_line) == (24, 43)
    assert (res["AppPolicy"].line, res["AppPolicy"].end_line) == (44, 57)
    assert (res["MaybeTrustedRole"].line, res["MaybeTrustedRole"].end_line) == (61, 65)
    statements = res["AppPolicy"].properties["PolicyDocument"]["Statement"]
    assert [s.line for s in statements] == [52, 55]
    assert statements.line == 52
    assert res["AppRole"].properties["AssumeRolePolicyDocument"]["Statement"][0].line == 35


def test_fixture_lines_json() -> None:
    text = (FIXTURES / "iam_template.json").read_text()
    lines = text.splitlines()

    def line_with(fragment: str, start: int = 0) -> int:
        return next(i + 1 for i, line in enumerate(lines) if i >= start and fragment in line)

    res = {r.address: r for r in build_resources(parse_document(text, "t.json"), "t.json").resources}
    assert res["AppRole"].line == line_with('"AppRole": {')
    assert res["AppPolicy"].line == line_with('"AppPolicy": {')
    assert res["AppRole"].end_line >= line_with('"ManagedPolicyArns"')
    statements = res["AppPolicy"].properties["PolicyDocument"]["Statement"]
    first = line_with('"Effect": "Allow"', line_with('"AppPolicy": {')) - 1  # the '{' line
    assert statements[0].line == first
    assert statements[1].line == line_with('"iam:PassRole"')


# --------------------------------------------------------------------------------------------
# Detection


@pytest.mark.parametrize("data, expected", [
    ({"AWSTemplateFormatVersion": "2010-09-09"}, True),
    ({"Resources": {"A": {"Type": "AWS::S3::Bucket"}}}, True),
    ({"Resources": {"A": {"Type": "Custom::Thing"}, "B": {"Type": "AWS::SNS::Topic"}}}, True),
    ({"Resources": {"A": {"Type": "Custom::Thing"}}}, True),       # only custom resources
    ({"Resources": {"A": {"Type": "Alexa::ASK::Skill"}}}, True),
    ({"Resources": {"A": {"Type": "Thing"}}}, False),              # not a resource type name
    ({"Resources": {"A": {"Type": 5}}}, False),
    ({"Resources": ["AWS::S3::Bucket"]}, False),
    ({"resource": {"aws_iam_role": {}}}, False),
    (["AWSTemplateFormatVersion"], False),
    (None, False),
    ("AWSTemplateFormatVersion", False),
])
def test_looks_like_cloudformation(data: Any, expected: bool) -> None:
    assert looks_like_cloudformation(data) is expected


# --------------------------------------------------------------------------------------------
# Resolution of property values


RESOLUTION_CASES = [
    # Ref
    ("!Ref Env", "prod"),
    ("!Ref Other", Ref("Other", None)),
    ("!Ref Acct", Unknown("Acct")),
    ("!Ref Num", "5"),
    ("!Ref Secret", "hunter2"),
    ("!Ref Names", ["a", "b", "c"]),
    ("!Ref Subnets", ["s-1", "s-2"]),
    ("!Ref Ami", Unknown("Ami")),
    ("!Ref AWS::Partition", "aws"),
    ("!Ref AWS::URLSuffix", "amazonaws.com"),
    ("!Ref AWS::AccountId", Unknown("AWS::AccountId")),
    ("!Ref AWS::Region", Unknown("AWS::Region")),
    ("!Ref AWS::StackName", Unknown("AWS::StackName")),
    # GetAtt
    ("!GetAtt Other.Arn", Ref("Other", "Arn")),
    ("!GetAtt Other.Outputs.Key", Ref("Other", "Outputs.Key")),
    ("!GetAtt [Other, Arn]", Ref("Other", "Arn")),
    ("!GetAtt [Other, !Ref Env]", Ref("Other", "prod")),
    ("!GetAtt [Other, !Ref Acct]", Unknown("Other.Acct")),
    # Sub
    ("!Sub '${Env}-x'", "prod-x"),
    ("!Sub 'arn:${AWS::Partition}:s3:::${Env}'", "arn:aws:s3:::prod"),
    ("!Sub '${!Literal}-${Env}'", "${Literal}-prod"),
    ("!Sub '${Other}'", Ref("Other", None)),
    ("!Sub '${Other.Arn}'", Ref("Other", "Arn")),
    ("!Sub 'arn:aws:iam::${AWS::AccountId}:root'", Unknown("arn:aws:iam::${AWS::AccountId}:root")),
    ("!Sub '${Other.Arn}/*'", Unknown("${Other.Arn}/*")),
    ("!Sub ['${a}-${b}-${Env}', {a: x, b: !Ref Num}]", "x-5-prod"),
    ("!Sub ['${a}', {a: !GetAtt Other.Arn}]", Ref("Other", "Arn")),
    ("!Sub ['${a}:${Acct}', {a: !Ref AWS::Region}]", Unknown("${a}:${Acct}")),
    ("!Sub 'no variables'", "no variables"),
    ("!Sub '{{resolve:ssm:/p}}'", Unknown("{{resolve:ssm:/p}}")),
    # Join / Select / Split / Length
    ("!Join ['-', [a, !Ref Env, 1]]", "a-prod-1"),
    ("!Join ['', []]", ""),
    ("!Join [',', !Ref Names]", "a,b,c"),
    ("!Join ['', [!GetAtt Other.Arn]]", Ref("Other", "Arn")),
    ("!Join ['', ['arn:', !Ref AWS::AccountId, ':', !GetAtt Other.Arn]]",
     Unknown("arn:${AWS::AccountId}:${Other.Arn}")),
    ("!Select [1, [a, b, c]]", "b"),
    ("!Select ['2', !Ref Names]", "c"),
    ("!Select [0, !Split [',', 'x,y']]", "x"),
    ("!Split ['/', 'a/b/c']", ["a", "b", "c"]),
    # a part of a parameter without a value names the parameter as ${Name}: still the deployer's input
    ("!Split [',', !Ref Acct]", Unknown("Fn::Split , ${Acct}")),
    ("!Length [a, b, c]", 3),
    ("{'Fn::Length': !Ref Names}", 3),
    # FindInMap
    ("!FindInMap [M, !Ref Env, Role]", "admin"),
    ("!FindInMap [M, prod, Count]", 3),
    ("!FindInMap [M, dev, Count, {DefaultValue: 1}]", 1),
    ("!FindInMap [M, !Ref Acct, Role]", Choice(["admin", "dev"])),
    # If and conditions
    ("!If [IsProd, yes-prod, no-prod]", "yes-prod"),
    ("!If [IsDev, yes-dev, no-dev]", "no-dev"),
    ("!If [AcctSet, a, b]", Choice(["a", "b"])),
    ("!If [AcctSet, same, same]", "same"),
    ("!If [IsDev, x, !Ref AWS::NoValue]", "<absent>"),
    ("!If [AcctSet, x, !Ref AWS::NoValue]", Choice(["x", None])),
    ("!Equals [!Ref Env, prod]", True),
    ("!Equals [!Ref Num, 5]", True),
    # Others
    ("!Base64 {'Fn::Sub': '${Env}'}", "prod"),
    ("!ImportValue SharedKeyArn", Unknown("Fn::ImportValue SharedKeyArn")),
    ("{'Fn::ImportValue': !Sub '${Env}-Key'}", Unknown("Fn::ImportValue prod-Key")),
    ("!GetAZs ''", Unknown("Fn::GetAZs ")),
    ("!Ref AWS::NoValue", "<absent>"),
    ("'{{resolve:secretsmanager:s}}'", Unknown("{{resolve:secretsmanager:s}}")),
    ("[a, !Ref AWS::NoValue, b]", ["a", "b"]),
    ("{k: !Ref AWS::NoValue, j: 1}", {"j": 1}),
    ("[a, !If [IsDev, b, !Ref AWS::NoValue]]", ["a"]),
]


@pytest.mark.parametrize("expression, expected", RESOLUTION_CASES)
def test_resolution(expression: str, expected: Any) -> None:
    value, errors = resolve_property(expression, head=HEAD)
    assert errors == []
    if isinstance(expected, Choice):
        assert isinstance(value, Choice)
        assert list(value.options) == list(expected.options)
    else:
        assert type(value) is type(expected) or isinstance(value, (PDict, PList))
        assert plain(value) == plain(expected)


def test_unknown_sub_keeps_refs() -> None:
    value, _ = resolve_property("!Sub '${Other.Arn}/${AWS::AccountId}/${Other}'", head=HEAD)
    assert isinstance(value, Unknown) and not isinstance(value, Ref)
    assert set(value.refs) == {Ref("Other", "Arn"), Ref("Other", None)}


def test_sub_and_join_texts_use_same_style() -> None:
    sub, _ = resolve_property("!Sub 'a-${Acct}-${Other.Arn}'", head=HEAD)
    join, _ = resolve_property("!Join ['-', [a, !Ref Acct, !GetAtt Other.Arn]]", head=HEAD)
    assert sub.text == join.text == "a-${Acct}-${Other.Arn}"
    assert join.refs == (Ref("Other", "Arn"),)


def test_unknown_parameter_reason() -> None:
    value, _ = resolve_property("!Ref Acct", head=HEAD)
    assert value.reason == "parameter without default"


def test_choice_in_list_drops_novalue_branch() -> None:
    value, _ = resolve_property("[a, !If [AcctSet, b, !Ref AWS::NoValue]]", head=HEAD)
    assert value[0] == "a"
    assert isinstance(value[1], Choice) and value[1].options == ("b",)


def test_choice_of_lists_in_list_stays_choice() -> None:
    value, _ = resolve_property("!If [AcctSet, [a, b], [c]]", head=HEAD)
    assert isinstance(value, Choice) and value.options == (["a", "b"], ["c"])


def test_nested_if_flattens() -> None:
    value, _ = resolve_property("!If [AcctSet, a, !If [AcctSet, b, !Ref AWS::NoValue]]", head=HEAD)
    assert value.options == ("a", "b", None)


def test_to_json_string_is_encoded() -> None:
    value, _ = resolve_property("!ToJsonString {Statement: [{Effect: Allow}], Env: !Ref Env}",
                                head=HEAD)
    assert isinstance(value, Encoded)
    assert json.loads(value) == {"Statement": [{"Effect": "Allow"}], "Env": "prod"}
    assert value.value["Statement"][0].line == 5 + HEAD.count("\n")


@pytest.mark.parametrize("expression, message", [
    ("!Ref Missing", "Missing"),
    ("!GetAtt Missing.Arn", "Missing"),
    ("!Sub '${Missing.Arn}'", "Missing.Arn"),
    ("!FindInMap [M, nope, Role]", "no such entry"),
    ("!FindInMap [Nope, prod, Role]", "no such entry"),
    ("!Select [5, [a]]", "outside"),
    ("!If [NoSuchCondition, a, b]", "NoSuchCondition"),
    ("!Join [',']", "two arguments"),
    ("!Split ['', abc]", "empty"),
    ("!If [IsProd, a]", "Fn::If"),
])
def test_template_errors_are_collected(expression: str, message: str) -> None:
    value, errors = resolve_property(expression, head=HEAD)
    assert isinstance(value, Unknown)
    assert len(errors) == 1
    error = errors[0]
    assert isinstance(error, InputError) and message in error.message
    assert error.file == "t.yaml" and error.line == 5 + HEAD.count("\n")


def test_pseudo_parameters_given() -> None:
    pseudo = {"AWS::AccountId": "111122223333", "AWS::Region": "cn-north-1",
              "AWS::Partition": "aws-cn", "AWS::StackName": "stack"}
    value, _ = resolve_property(
        "!Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:${AWS::Region}:${AWS::StackName}:"
        "${AWS::URLSuffix}'", pseudo=pseudo)
    assert value == "arn:aws-cn:iam::111122223333:cn-north-1:stack:amazonaws.com.cn"
    value, _ = resolve_property("!Ref AWS::StackId", pseudo=pseudo)
    assert value == Unknown("AWS::StackId")


# --------------------------------------------------------------------------------------------
# Parameters


def test_parameter_overrides_and_lists() -> None:
    params = {"Env": "dev", "Acct": "123", "Names": "x,y", "Num": "7"}
    for expression, expected in [
        ("!Ref Env", "dev"), ("!Ref Acct", "123"), ("!Ref Names", ["x", "y"]), ("!Ref Num", "7"),
        ("!If [IsDev, dev, prod]", "dev"), ("!If [AcctSet, set, unset]", "set"),
        ("!FindInMap [M, !Ref Env, Role]", "dev"),
    ]:
        value, errors = resolve_property(expression, head=HEAD, parameters=params)
        assert errors == []
        assert plain(value) == expected, expression


def test_parameter_given_but_not_declared_is_an_error() -> None:
    value, errors = resolve_property("!Ref Env", head=HEAD, parameters={"Nope": "1"})
    assert value == "prod"
    assert len(errors) == 1 and "Nope" in errors[0].message and errors[0].line == 1


def test_parameter_list_default_in_yaml_and_number_default() -> None:
    head = """\
        Parameters:
          L: {Type: CommaDelimitedList, Default: [a, 2]}
          N: {Type: Number, Default: 1.5}
          B: {Type: String, Default: true}
        """
    assert resolve_property("!Ref L", head=head)[0] == ["a", "2"]
    assert resolve_property("!Ref N", head=head)[0] == "1.5"
    assert resolve_property("!Ref B", head=head)[0] == "true"


def test_empty_string_given_parameter_makes_condition_false() -> None:
    value, _ = resolve_property("!If [AcctSet, a, b]", head=HEAD, parameters={"Acct": ""})
    assert value == "b"


# --------------------------------------------------------------------------------------------
# Conditions and conditional resources


COND_TEMPLATE = """\
Parameters:
  Env: {Type: String, Default: prod}
  Free: {Type: String}
Conditions:
  IsProd: !Equals [prod, !Ref Env]
  NotProd: !Not [!Condition IsProd]
  FreeIsX: !Equals [!Ref Free, x]
  AndTrue: !And [!Condition IsProd, !Not [!Condition NotProd]]
  AndFalseWins: !And [!Condition FreeIsX, !Condition NotProd]
  AndUndecided: !And [!Condition FreeIsX, !Condition IsProd]
  OrTrueWins: !Or [!Condition FreeIsX, !Condition IsProd]
  OrUndecided: !Or [!Condition FreeIsX, !Condition NotProd]
  OrFalse: !Or [!Condition NotProd, !Equals [a, b]]
  NotUndecided: !Not [!Condition FreeIsX]
Resources:
"""


@pytest.mark.parametrize("condition, expected", [
    ("IsProd", "deployed"), ("NotProd", "absent"), ("FreeIsX", "conditional"),
    ("AndTrue", "deployed"), ("AndFalseWins", "absent"), ("AndUndecided", "conditional"),
    ("OrTrueWins", "deployed"), ("OrUndecided", "conditional"), ("OrFalse", "absent"),
    ("NotUndecided", "conditional"),
])
def test_conditional_resources(condition: str, expected: str) -> None:
    template = COND_TEMPLATE + f"  R:\n    Type: AWS::SNS::Topic\n    Condition: {condition}\n"
    result = build_resources(parse_document(template, "t.yaml"), "t.yaml")
    assert result.errors == []
    if expected == "absent":
        assert result.resources == []
    else:
        (resource,) = result.resources
        assert resource.condition == (condition if expected == "conditional" else None)


def test_condition_values_follow_parameters() -> None:
    template = COND_TEMPLATE + "  R:\n    Type: AWS::SNS::Topic\n    Condition: NotProd\n"
    data = parse_document(template, "t.yaml")
    assert build_resources(data, "t.yaml", parameters={"Env": "dev"}).resources[0].condition is None
    assert build_resources(data, "t.yaml", parameters={"Env": "prod"}).resources == []


def test_cyclic_conditions_are_errors_not_crashes() -> None:
    template = """\
        Conditions:
          A: !Condition B
          B: !Not [!Condition A]
        Resources:
          R: {Type: AWS::SNS::Topic, Condition: A}
        """
    result = build_resources(yaml_doc(template), "t.yaml")
    assert [r.condition for r in result.resources] == ["A"]
    assert any("refers to itself" in e.message for e in result.errors)


def test_long_condition_chain_has_bounded_recursion() -> None:
    count = 3000
    conditions = {f"C{i}": {"Condition": f"C{i + 1}"} for i in range(count)}
    conditions[f"C{count}"] = {"Fn::Equals": ["a", "a"]}
    template = {"Conditions": conditions,
                "Resources": {"R": {"Type": "AWS::SNS::Topic", "Condition": "C0"}}}
    result = build_resources(parse_document(json.dumps(template), "t.json"), "t.json")
    assert len(result.resources) == 1
    assert any("too deeply" in e.message for e in result.errors)


def test_undefined_resource_condition() -> None:
    result = build_resources(yaml_doc("""\
        Resources:
          R: {Type: AWS::SNS::Topic, Condition: Nope}
        """), "t.yaml")
    assert [r.condition for r in result.resources] == ["Nope"]
    assert len(result.errors) == 1 and "Nope" in result.errors[0].message


# --------------------------------------------------------------------------------------------
# Resources section and resource shape


def test_resource_shape_and_defaults() -> None:
    result = build_resources(yaml_doc("""\
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Policies: [AWSLambdaBasicExecutionRole]
          Plain:
            Type: AWS::SNS::Topic
        """), "dir/t.yaml", group="stack-a")
    fn, topic = result.resources
    assert (fn.address, fn.base_address, fn.type, fn.source) == \
        ("Fn", "Fn", "AWS::Serverless::Function", "cloudformation")
    assert fn.properties == {"Policies": ["AWSLambdaBasicExecutionRole"]}
    assert (fn.file, fn.group, fn.metadata, fn.condition) == ("dir/t.yaml", "stack-a", {}, None)
    assert (fn.line, fn.end_line) == (2, 5)
    assert topic.properties == {} and (topic.line, topic.end_line) == (6, 7)
    assert result.files == ["dir/t.yaml"]
    assert build_resources(yaml_doc("Resources:\n  A: {Type: AWS::SNS::Topic}\n"),
                           "x.yaml").resources[0].group == "x.yaml"


def test_bad_resources_are_reported_and_others_kept() -> None:
    result = build_resources(yaml_doc("""\
        Resources:
          NoType:
            Properties: {}
          NumType:
            Type: 5
          NotMapping: [1]
          Good:
            Type: AWS::SNS::Topic
        """), "t.yaml")
    assert [r.address for r in result.resources] == ["Good"]
    assert [e.line for e in result.errors] == [2, 4, 6]
    assert all(e.file == "t.yaml" for e in result.errors)


def test_resources_not_a_mapping_raises() -> None:
    with pytest.raises(InputError) as info:
        build_resources(yaml_doc("AWSTemplateFormatVersion: x\nResources: [a]\n"), "t.yaml")
    assert info.value.line == 2


def test_missing_resources_section_is_an_error_entry() -> None:
    result = build_resources(yaml_doc("AWSTemplateFormatVersion: '2010-09-09'\n"), "t.yaml")
    assert result.resources == [] and len(result.errors) == 1


# --------------------------------------------------------------------------------------------
# YAML 1.1 traps, duplicates, syntax errors, limits


@pytest.mark.parametrize("text, expected", [
    ("2012-10-17", "2012-10-17"),
    ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
    ("yes", "yes"), ("No", "No"), ("on", "on"), ("OFF", "OFF"), ("y", "y"), ("n", "n"),
    ("true", True), ("True", True), ("FALSE", False), ("tRuE", True),
    ("012345678901", "012345678901"), ("0123", "0123"), ("123456789012", 123456789012),
    ("0", 0), ("-5", -5), ("1.5", 1.5), ("0x1F", "0x1F"), ("0o17", "0o17"),
    ("190:20:30", "190:20:30"), ("1_000", "1_000"), (".inf", ".inf"), ("1e3", "1e3"),
    ("~", None), ("null", None), ("", None),
    ("'012'", "012"), ('"true"', "true"), ("'2012-10-17'", "2012-10-17"),
    ("!!str 12", "12"), ("!!int '12'", 12), ("!!bool true", True),
])
def test_yaml_scalar_typing(text: str, expected: Any) -> None:
    value = parse_document(f"v: {text}\n", "t.yaml")["v"]
    assert value == expected and type(value) is type(expected)


def test_non_string_keys_become_strings() -> None:
    data = parse_document("1: a\ntrue: b\n2012-10-17: c\n012: d\nnull: e\n", "t.yaml")
    assert list(data) == ["1", "true", "2012-10-17", "012", "null"]


def test_collection_key_is_an_error() -> None:
    with pytest.raises(InputError) as info:
        parse_document("a: 1\n? [x]\n: y\n", "t.yaml")
    assert info.value.line == 2


@pytest.mark.parametrize("text, line", [
    ("a: 1\nb: 2\na: 3\n", 3),
    ("r:\n  x: 1\n  y: 2\n  x: 3\n", 4),
    ("r: {x: 1, x: 2}\n", 1),
    ("a: 1\n'a': 2\n", 2),
])
def test_duplicate_keys_are_errors(text: str, line: int) -> None:
    with pytest.raises(InputError) as info:
        parse_document(text, "t.yaml")
    assert info.value.line == line and "duplicate" in info.value.message
    assert info.value.file == "t.yaml"


@pytest.mark.parametrize("text, line", [
    ("a: 1\nb: [1, 2\nc: 3\n", 3),
    ("a: 1\n  b: 2\n", 2),
    ("a:\n  - x\n  y: 1\n", 3),
    ("a: 'unterminated\n", 2),
    ("a: *nope\n", 1),
    ("a: &x [*x]\n", 1),
    ("a: 1\n---\nb: 2\n", 2),
    ("a: \x01\n", 1),
])
def test_yaml_syntax_errors_have_lines(text: str, line: int) -> None:
    with pytest.raises(InputError) as info:
        parse_document(text, "t.yaml")
    assert info.value.line == line
    assert info.value.file == "t.yaml"


@pytest.mark.parametrize("text, line", [
    ('{"a": 1,\n "b": }', 2),
    ('{"a": 1}\n{"b": 2}', 2),
    ('[1,\n2,\n', 3),
    ('{"a": 1, "a"\n: }', 2),
])
def test_json_syntax_errors_have_lines(text: str, line: int) -> None:
    with pytest.raises(InputError) as info:
        parse_document(text, "t.json")
    assert info.value.line == line


def test_json_with_control_character_falls_back_to_yaml() -> None:
    data = parse_document('{"a": "x\ty", "b": [1]}', "t.json")
    assert data == {"a": "x\ty", "b": [1]}


def test_json_and_yaml_give_same_containers_and_lines() -> None:
    from_json = parse_document('{\n"a": [\n{"b": 1}\n]\n}', "t.json")
    from_yaml = parse_document("a:\n  -\n    b: 1\n", "t.yaml")
    assert from_json == from_yaml
    assert isinstance(from_json["a"], PList) and isinstance(from_yaml["a"], PList)
    assert from_json["a"][0].line == 3 and from_yaml["a"][0].line == 3


def test_billion_laughs_is_refused() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    with pytest.raises(InputError) as info:
        parse_document("\n".join(lines) + "\n", "t.yaml")
    assert "alias" in info.value.message and info.value.line is not None


def test_modest_aliases_are_fine_and_expand() -> None:
    data = parse_document("base: &b {Effect: Allow}\nuse: [*b, *b]\n", "t.yaml")
    assert data["use"] == [{"Effect": "Allow"}] * 2


@pytest.mark.parametrize("style", ["flow", "block"])
def test_deep_yaml_nesting_is_refused(style: str) -> None:
    depth = cfn_yaml.MAX_DEPTH + 5
    if style == "flow":
        text = "a: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "v\n"
    with pytest.raises(InputError) as info:
        parse_document(text, "t.yaml")
    assert "nesting" in info.value.message


def test_very_deep_json_is_refused_without_recursion_error() -> None:
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(InputError) as info:
        parse_document(text, "t.json")
    assert info.value.line == 1


@pytest.mark.parametrize("outer, accepted", [(40, True), (60, False)])
def test_alias_nesting_counts_toward_depth(outer: int, accepted: bool) -> None:
    # The anchor is within the depth limit on its own; placed deep via an alias it is not.
    inner = "{a: " * 150 + "!GetAtt R.Arn" + "}" * 150
    text = (f"d: &d {inner}\n"
            "v: " + "{a: " * outer + "[*d]" + "}" * outer + "\n")
    if accepted:
        assert parse_document(text, "t.yaml")["v"]["a"]
    else:
        with pytest.raises(InputError) as info:
            parse_document(text, "t.yaml")
        assert info.value.line == 2 and "deeper" in info.value.message


def test_nesting_within_limit_is_accepted() -> None:
    depth = cfn_yaml.MAX_DEPTH - 1
    assert parse_document("[" * depth + "]" * depth, "t.json") is not None
    assert parse_document("a: " + "[" * (depth - 1) + "]" * (depth - 1), "t.yaml") is not None


def test_deeply_nested_intrinsics_resolve_without_crash() -> None:
    value: Any = {"Fn::Join": ["", ["x"]]}
    for _ in range(190):
        value = {"Fn::Base64": value}
    template = {"Resources": {"R": {"Type": "AWS::SNS::Topic", "Properties": {"V": value}}}}
    result = build_resources(parse_document(json.dumps(template), "t.json"), "t.json")
    assert result.resources[0].properties["V"] == "x"


@pytest.mark.parametrize("text", ["", "   \n\t\n", "# only a comment\n", "---\n", "\ufeff"])
def test_empty_documents_are_none(text: str) -> None:
    assert parse_document(text, "t.yaml") is None


def test_bom_is_stripped() -> None:
    assert parse_document('\ufeff{"a": 1}', "t.json") == {"a": 1}
    assert parse_document("\ufeffa: 1\n", "t.yaml") == {"a": 1}


# --------------------------------------------------------------------------------------------
# Parameter files


@pytest.mark.parametrize("name, content", [
    ("cli.json", '[{"ParameterKey": "Env", "ParameterValue": "dev"},'
                 ' {"ParameterKey": "Count", "ParameterValue": 3},'
                 ' {"ParameterKey": "Old", "UsePreviousValue": true}]'),
    ("pipeline.json", '{"Parameters": {"Env": "dev", "Count": "3"}, "Tags": {"a": "b"}}'),
    ("plain.json", '{"Env": "dev", "Count": 3}'),
    ("plain.yaml", "Env: dev\nCount: 3\n"),
])
def test_parameter_files(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    assert load_parameter_file(str(path)) == {"Env": "dev", "Count": "3"}


def test_parameter_file_list_values_join(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("Subnets: [a, b]\nFlag: true\n")
    assert load_parameter_file(str(path)) == {"Subnets": "a,b", "Flag": "true"}


@pytest.mark.parametrize("content", [
    '"just a string"',
    "[1, 2]",
    '[{"ParameterKey": "A"}]',
    '{"A": {"nested": 1}}',
    '{"A": null}',
    "",
    "a: [\n",
])
def test_bad_parameter_files(tmp_path: Path, content: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(InputError) as info:
        load_parameter_file(str(path))
    assert info.value.file == str(path)


def test_missing_parameter_file(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        load_parameter_file(str(tmp_path / "absent.json"))


# --------------------------------------------------------------------------------------------
# Robustness: arbitrary input never escapes as a traceback


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab:-[]{}!&*'\"\n #,?|>.%@`\t\ufeff")
                                + ["!Ref ", "!If ", "  ", "&a ", "*a", "{{resolve:"]),
                max_size=40).map("".join))
def test_parse_document_only_raises_input_error(text: str) -> None:
    try:
        parse_document(text, "t.yaml")
    except InputError:
        pass


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5)
    | st.sampled_from(["Ref", "Fn::If", "C", "P", "R", "AWS::NoValue", "${P}", "${R.Arn}"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["Ref", "Fn::If", "Fn::Sub", "Fn::Join", "Fn::Select",
                                       "Fn::FindInMap", "Fn::Equals", "Fn::Not", "Condition",
                                       "Fn::GetAtt", "Fn::Split", "Fn::Length", "k"]),
                      children, max_size=2),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(props=_json_values, cond=_json_values, mapping=_json_values)
def test_build_resources_never_raises_for_content(props: Any, cond: Any, mapping: Any) -> None:
    template = {
        "Parameters": {"P": {"Type": "String"}},
        "Conditions": {"C": cond},
        "Mappings": {"M": mapping},
        "Resources": {"R": {"Type": "AWS::IAM::Role", "Condition": "C",
                            "Properties": {"V": props}}},
    }
    data = parse_document(json.dumps(template), "t.json")
    result = build_resources(data, "t.json")
    for resource in result.resources:
        to_plain(resource.properties)
    assert all(isinstance(e, InputError) for e in result.errors)


# --------------------------------------------------------------------------------------------
# libyaml and the pure-Python parser build the same values


class _PurePythonLoader(cfn_yaml.EventBuilderMixin, yaml.SafeLoader):
    pass


@pytest.mark.parametrize("text", [
    (FIXTURES / "iam_template.yaml").read_text(),
    "a: &x {b: [1, 2012-10-17, yes, '0', !GetAtt A.B.C]}\nc: *x\nd: |\n  text\n\ne: ~\n",
])
def test_pure_python_parser_gives_same_values(text: str) -> None:
    fast = cfn_yaml.load_yaml(text, "t.yaml")
    pure = cfn_yaml.load_yaml(text, "t.yaml", loader_class=_PurePythonLoader)
    assert fast == pure
    assert fast.key_lines == pure.key_lines and fast.end_line == pure.end_line


@pytest.mark.parametrize("text, line", [
    ("a: 1\nb: [1, 2\nc: 3\n", 3),
    ("a: 1\nb: 2\na: 3\n", 3),
    ("a: \x01\n", 1),
])
def test_pure_python_parser_errors_have_lines(text: str, line: int) -> None:
    with pytest.raises(InputError) as info:
        cfn_yaml.load_yaml(text, "t.yaml", loader_class=_PurePythonLoader)
    assert info.value.line == line


def test_block_scalar_end_line_ignores_trailing_blank_lines() -> None:
    data = yaml_doc("""\
        Resources:
          A:
            Type: AWS::IAM::Policy
            Properties:
              PolicyDocument: |
                {"Statement": []}


          # comment
          B:
            Type: AWS::SNS::Topic
        """)
    a, b = build_resources(data, "t.yaml").resources
    assert (a.line, a.end_line) == (2, 6)
    assert (b.line, b.end_line) == (10, 11)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_templates_with_non_standard_constants_are_errors_with_a_line(tmp_path, constant):
    """json.loads accepts NaN/Infinity; CloudFormation, Terraform and IAM do not."""
    (tmp_path / "t.json").write_text('{"AWSTemplateFormatVersion": "2010-09-09",\n "Resources": {"Q": {\n'
                                     f'  "Type": "AWS::SQS::Queue", "Properties": {{"DelaySeconds": {constant}}}}}}}}}\n')
    from iacguard.engine import scan

    result = scan([str(tmp_path)], root=tmp_path)
    assert [(e.file, e.line) for e in result.errors] == [("t.json", 3)]
    assert f"{constant} is not JSON" in result.errors[0].message
