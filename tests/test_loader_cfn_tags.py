"""Unsupported YAML tags and rain modules in CloudFormation templates.

An unknown tag (``!Rain::Embed handler.py``, any ``!Foo``) is still an error with its line
(CloudFormation rejects the template), but only the tagged value is lost: it is read as Unknown
and every other resource of the template is analysed. A rain module declares its inputs under
``Inputs``, read like ``Parameters``."""

from __future__ import annotations

import textwrap
from pathlib import Path

from iacguard.engine import scan
from iacguard.loaders.cfn_yaml import document_problems
from iacguard.loaders.cloudformation import build_resources, parse_document
from iacguard.settings import Settings
from iacguard.values import Unknown

TAGGED = """\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Code:
        ZipFile: !Rain::Embed handler.py
      Role: !GetAtt R.Arn
      Handler: index.handler
      Runtime: python3.12
      Environment: !Custom
        Variables: {A: b}
      Layers: !Other [a, b]
  R:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement: [{Effect: Allow, Action: "*", Resource: "*"}]
"""


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def test_unknown_tags_become_unknown_values_and_errors():
    data = parse_document(TAGGED, "t.yaml")
    problems = [(e.file, e.line, e.message.split(" (")[0]) for e in document_problems(data)]
    assert problems == [("t.yaml", 7, "unsupported YAML tag !Rain::Embed"),
                        ("t.yaml", 11, "unsupported YAML tag !Custom"),
                        ("t.yaml", 13, "unsupported YAML tag !Other")]
    loaded = build_resources(data, "t.yaml")
    assert [(e.line, e.message.split(" (")[0]) for e in loaded.errors] == [
        (7, "unsupported YAML tag !Rain::Embed"), (11, "unsupported YAML tag !Custom"),
        (13, "unsupported YAML tag !Other")]
    function = next(r for r in loaded.resources if r.address == "Fn")
    zip_file = function.properties["Code"]["ZipFile"]
    assert isinstance(zip_file, Unknown) and zip_file.text == "!Rain::Embed handler.py"
    assert "!Rain::Embed" in zip_file.reason
    assert isinstance(function.properties["Environment"], Unknown)
    assert isinstance(function.properties["Layers"], Unknown)
    assert function.properties["Handler"] == "index.handler"  # the rest is read as usual
    assert [r.address for r in loaded.resources] == ["Fn", "R"]


def test_standard_tags_still_work_and_unknown_global_tags_are_unknown():
    data = parse_document(textwrap.dedent("""\
        Resources:
          U:
            Type: AWS::IAM::User
            Properties:
              Path: !!str /a/
              UserName: !!python/object/apply:os.system ["echo"]
        """), "t.yaml")
    properties = data["Resources"]["U"]["Properties"]
    assert properties["Path"] == "/a/"
    assert isinstance(properties["UserName"], Unknown)
    assert [e.message.split(" (")[0] for e in document_problems(data)] == [
        "unsupported YAML tag !!python/object/apply:os.system"]


def test_a_tagged_document_root_is_still_read_as_the_template():
    data = parse_document("--- !Foo\nResources:\n  U:\n    Type: AWS::IAM::User\n", "t.yaml")
    assert list(data["Resources"]) == ["U"]
    assert [e.line for e in document_problems(data)] == [1]


def test_template_with_unknown_tag_is_analysed_end_to_end(tmp_path: Path):
    write(tmp_path / "t.yaml", TAGGED)
    result = scan([str(tmp_path)], Settings(), root=tmp_path)
    assert result.files == ["t.yaml"]
    assert [(e.file, e.line) for e in result.errors] == [("t.yaml", 7), ("t.yaml", 11), ("t.yaml", 13)]
    assert all("unsupported YAML tag" in e.message for e in result.errors)
    assert {(f.rule_id, f.resource, f.file, f.line) for f in result.findings} == {
        ("IAG-LP-001", "R", "t.yaml", 22),
    }


# -- rain modules -----------------------------------------------------------------------------

RAIN_MODULE = """\
Inputs:
  PolicyBucketName:
    Type: String
  Prefix:
    Type: String
    Default: logs
Resources:
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref PolicyBucketName
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: "*"}
            Action: s3:GetObject
            Resource: !Sub "arn:${AWS::Partition}:s3:::${PolicyBucketName}/${Prefix}/*"
"""


def test_rain_module_inputs_are_read_like_parameters():
    data = parse_document(RAIN_MODULE, "m.yaml")
    loaded = build_resources(data, "m.yaml", template_values=True)
    assert loaded.errors == []
    policy = next(r for r in loaded.resources if r.address == "Policy")
    bucket = policy.properties["Bucket"]
    assert isinstance(bucket, Unknown) and bucket.text == "PolicyBucketName"
    resource = policy.properties["PolicyDocument"]["Statement"][0]["Resource"]
    assert isinstance(resource, Unknown) and resource.text == "arn:aws:s3:::${PolicyBucketName}/logs/*"
    declared = {r.address: r.line for r in loaded.resources if r.mode == "parameter"}
    assert declared == {"Inputs.PolicyBucketName": 2, "Inputs.Prefix": 4}


def test_rain_module_inputs_take_given_values_and_reject_duplicates():
    loaded = build_resources(parse_document(RAIN_MODULE, "m.yaml"), "m.yaml",
                             parameters={"PolicyBucketName": "logs-bucket"})
    policy = next(r for r in loaded.resources if r.address == "Policy")
    assert policy.properties["Bucket"] == "logs-bucket"
    both = "Parameters:\n  PolicyBucketName:\n    Type: String\n" + RAIN_MODULE
    loaded = build_resources(parse_document(both, "m.yaml"), "m.yaml")
    assert [(e.line, e.message) for e in loaded.errors] == [
        (5, "PolicyBucketName is declared both as a parameter and as a module input")]


def test_rain_module_scans_without_errors(tmp_path: Path):
    write(tmp_path / "bucket-policy.yaml", RAIN_MODULE)
    result = scan([str(tmp_path)], Settings(), root=tmp_path)
    assert result.errors == [] and result.unresolved == []
    assert result.files == ["bucket-policy.yaml"]
    assert {(f.rule_id, f.resource, f.line) for f in result.findings} == {
        ("IAG-EXT-001", "Policy", 14),
    }
