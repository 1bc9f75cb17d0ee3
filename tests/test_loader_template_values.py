"""Template values that are not deployed resources: CloudFormation parameters and outputs, plan
providers, variables and outputs. Loaded only on request, never part of the IAM model."""

from __future__ import annotations

import json

from iacguard.iam.model import IamModel
from iacguard.jsonpos import loads_positioned
from iacguard.loaders.cloudformation import build_resources, parse_document
from iacguard.loaders.plan import load_plan
from iacguard.values import Ref

TEMPLATE = """\
Parameters:
  Secret:
    Type: String
    Default: abc
Resources:
  Key:
    Type: AWS::IAM::AccessKey
    Properties:
      UserName: bob
Outputs:
  KeySecret:
    Value: !GetAtt Key.SecretAccessKey
  Broken: not-a-mapping
"""


def test_cloudformation_parameters_and_outputs_only_on_request():
    data = parse_document(TEMPLATE, "t.yaml")
    assert [r.address for r in build_resources(data, "t.yaml").resources] == ["Key"]
    result = build_resources(data, "t.yaml", template_values=True)
    by_address = {r.address: r for r in result.resources}
    assert set(by_address) == {"Key", "Parameters.Secret", "Outputs.KeySecret"}
    parameter, output = by_address["Parameters.Secret"], by_address["Outputs.KeySecret"]
    assert (parameter.mode, parameter.type, parameter.line, parameter.get("Default")) == ("parameter", "parameter", 2, "abc")
    assert (output.mode, output.line) == ("output", 11)
    assert output.get("Value") == Ref("Key", "SecretAccessKey")
    model = IamModel(result.resources)
    assert [r.address for r in model.resources] == ["Key"]  # the model keeps deployed resources only
    assert len(model.all_resources) == 3


PLAN = {
    "format_version": "1.2",
    "planned_values": {"outputs": {"plain": {"value": "x", "sensitive": False}},
                       "root_module": {"resources": [
                           {"address": "aws_iam_access_key.k", "mode": "managed", "type": "aws_iam_access_key",
                            "name": "k", "values": {"user": "bob"}}]}},
    "configuration": {
        "provider_config": {"aws": {"name": "aws", "expressions": {"access_key": {"constant_value": "AKIA"}}},
                            "aws.west": {"name": "aws", "alias": "west", "expressions": {}}},
        "root_module": {
            "variables": {"v": {"default": "d"}, "w": {}},
            "outputs": {"secret": {"expression": {"references": ["aws_iam_access_key.k.secret", "aws_iam_access_key.k"]},
                                   "sensitive": True},
                        "plain": {"expression": {"constant_value": "x"}}},
            "module_calls": {"m": {"module": {"variables": {"inner": {"default": 1}},
                                              "outputs": {"hidden": {"expression": {"constant_value": 1}}}}}},
        }},
}


def test_plan_configuration_values_only_on_request():
    data = loads_positioned(json.dumps(PLAN, indent=1))
    assert [r.address for r in load_plan(data, "p.json").resources] == ["aws_iam_access_key.k"]
    result = load_plan(data, "p.json", config_values=True)
    assert result.errors == []
    by_address = {r.address: r for r in result.resources}
    assert set(by_address) == {"aws_iam_access_key.k", "provider.aws", "provider.aws.west", "var.v", "var.w",
                               "module.m.var.inner", "output.secret", "output.plain"}
    assert by_address["provider.aws"].get("access_key") == "AKIA"
    assert by_address["var.v"].get("default") == "d" and by_address["var.v"].mode == "variable"
    secret = by_address["output.secret"]
    assert secret.get("value") == Ref("aws_iam_access_key.k", "secret") and secret.get("sensitive") is True
    assert by_address["output.plain"].get("value") == "x" and by_address["output.plain"].get("sensitive") is False
    assert all(r.line > 0 for r in result.resources)
    assert [r.address for r in IamModel(result.resources).resources] == ["aws_iam_access_key.k"]


def test_plan_map_with_unknown_entries_names_the_resources_of_its_expression():
    plan = {
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": [
            {"address": "aws_lambda_function.f", "mode": "managed", "type": "aws_lambda_function", "name": "f",
             "values": {"environment": [{"variables": {"A": "known"}}]}}]}},
        "resource_changes": [{"address": "aws_lambda_function.f", "mode": "managed", "type": "aws_lambda_function",
                              "name": "f", "change": {"actions": ["create"], "after": {},
                                                      "after_unknown": {"environment": [{"variables": {"S": True}}]}}}],
        "configuration": {"root_module": {"resources": [
            {"address": "aws_lambda_function.f", "mode": "managed", "type": "aws_lambda_function", "name": "f",
             "expressions": {"environment": [{"variables": {"references": ["aws_iam_access_key.k.secret",
                                                                           "aws_iam_access_key.k"]}}]}}]}},
    }
    (function,) = load_plan(loads_positioned(json.dumps(plan)), "p.json").resources
    variables = function.get("environment")[0]["variables"]
    assert variables["A"] == "known"
    assert [(r.target, r.attr) for r in variables["S"].refs] == [("aws_iam_access_key.k", "secret")]
