"""iacguard.iam.credentials: credentials written in values, masking, secret references."""

from __future__ import annotations

import pytest

from iacguard.iam.credentials import (environment_scopes, find_credentials, is_documentation_example, mask,
                                      secret_references)
from iacguard.iam.model import IamModel
from iacguard.resource import Resource
from iacguard.values import Encoded, PDict, Ref, Unknown

KEY = "AKIA2E4G6J2L4N6P2R4T"
SESSION_KEY = "ASIA7Q3M5K2J4H6G2F4D"
SECRET = "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"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
CAMEL = "ReportGeneratorForQuarterlyFinanceTeamsX"


@pytest.mark.parametrize("value, path, expected", [
    # (value, base path, [(kind, path, example)])
    ({"access_key": KEY, "secret_key": SECRET}, "",
     [("access-key-id", "access_key", False), ("secret-access-key", "secret_key", False)]),
    ({"AWS_SECRET_ACCESS_KEY": SECRET}, "", [("secret-access-key", "AWS_SECRET_ACCESS_KEY", False)]),
    ({"TOKEN": SECRET}, "", []),  # 40 characters, no key id, name says nothing: not a secret
    ({"id": KEY, "other": SECRET}, "", [("access-key-id", "id", False), ("secret-access-key", "other", False)]),
    ({"id": SESSION_KEY}, "", [("access-key-id", "id", False)]),
    ({"id": KEY, "commit": SHA1, "class": CAMEL}, "", [("access-key-id", "id", False)]),  # hex / CamelCase
    ({"secret": SHA1}, "", []),
    ({"url": f"https://{KEY}:{SECRET}@host"}, "", [("access-key-id", "url", False), ("secret-access-key", "url", False)]),
    ({"id": "AKIAIOSFODNN7EXAMPLE", "secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}, "",
     [("access-key-id", "id", True), ("secret-access-key", "secret", True)]),
    ([{"Name": "UPLOAD_SECRET", "Value": SECRET}], "env", [("secret-access-key", "env[0].UPLOAD_SECRET", False)]),
    ([{"name": "KEY_ID", "value": KEY}], "", [("access-key-id", "[0].KEY_ID", False)]),
    (SECRET, "deploy_secret_key", [("secret-access-key", "deploy_secret_key", False)]),
    (SECRET, "deploy_token", []),
    ({"k": Unknown(f"prefix-{KEY}-${{var.x}}")}, "", [("access-key-id", "k", False)]),  # literal part of a template
    ({"k": Ref("aws_iam_access_key.x", "secret")}, "", []),  # a reference is not a written credential
    ({"k": "AKIA2E4G6J2L4N6P2R4TX"}, "", []),  # too long: not a key id
    ({"k": "AKIA2E4G6J2L4N6P2R41"}, "", []),  # 1 is not base-32
    ({"k": "xAKIA2E4G6J2L4N6P2R4T"}, "", []),  # inside a longer word
    ({"a": KEY, "b": KEY}, "", [("access-key-id", "a", False)]),  # reported once
])
def test_find_credentials(value, path, expected):
    hits = find_credentials(value, path=path)
    assert [(h.kind, h.path, h.example) for h in hits] == expected


def test_hits_never_carry_the_value_and_keep_lines():
    value = PDict({"secret_key": SECRET, "access_key": KEY}, line=7)
    hits = find_credentials(value)
    for hit in hits:
        assert SECRET not in repr(hit) and KEY not in repr(hit)
        assert hit.line == 7
    assert mask(SECRET).startswith("q8Rk…#") and len(mask(SECRET)) == len("q8Rk…#") + 8
    assert mask(SECRET) != mask(KEY)


@pytest.mark.parametrize("text, example", [
    ("AKIAIOSFODNN7EXAMPLE", True), ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", True), (KEY, False), (SECRET, False),
])
def test_documentation_examples(text, example):
    assert is_documentation_example(text) is example


def _resource(address, rtype, props, mode="managed", group="g"):
    return Resource(address=address, type=rtype, properties=props, file="f", line=1, end_line=1,
                    source="terraform", mode=mode, group=group)


@pytest.mark.parametrize("rtype, props, expected_paths", [
    ("aws_lambda_function", {"environment": [{"variables": {"A": "1"}}]}, ["environment.variables"]),
    ("aws_lambda_function", {"environment": {"variables": {"A": "1"}}}, ["environment.variables"]),
    ("aws_lambda_function", {}, []),
    ("AWS::Lambda::Function", {"Environment": {"Variables": {"A": "1"}}}, ["Environment.Variables"]),
    ("AWS::ECS::TaskDefinition", {"ContainerDefinitions": [{"Name": "app", "Environment": [{"Name": "A", "Value": "1"}]}]},
     ["ContainerDefinitions[app].Environment"]),
    ("aws_ecs_task_definition", {"container_definitions": '[{"name": "web", "environment": []}]'},
     ["container_definitions[web].environment"]),
    ("aws_ecs_task_definition", {"container_definitions": Encoded([{"environment": [{"name": "A", "value": "1"}]}])},
     ["container_definitions[0].environment"]),
    ("aws_ecs_task_definition", {"container_definitions": "not json"}, []),
    ("aws_ecs_task_definition", {"container_definitions": Unknown("file(x)")}, []),
    ("aws_s3_bucket", {"bucket": "b"}, []),
])
def test_environment_scopes(rtype, props, expected_paths):
    assert [path for path, _ in environment_scopes(_resource("r", rtype, props))] == expected_paths


def test_secret_references_follow_refs_to_access_keys_only():
    key = _resource("aws_iam_access_key.ci", "aws_iam_access_key", {"user": "ci"})
    role = _resource("aws_iam_role.r", "aws_iam_role", {"name": "r", "assume_role_policy": "{}"})
    output = _resource("output.x", "output", {}, mode="output")
    model = IamModel([key, role, output])
    cases = [
        (Ref("aws_iam_access_key.ci", "secret"), [("v", "secret", True)]),
        (Ref("aws_iam_access_key.ci", "ses_smtp_password_v4"), [("v", "ses_smtp_password_v4", True)]),
        (Ref("aws_iam_access_key.ci", "encrypted_secret"), []),
        (Ref("aws_iam_access_key.ci", "id"), []),
        (Ref("aws_iam_role.r", "secret"), []),  # not an access key
        (Ref("aws_iam_access_key.other", "secret"), []),  # not in the group
        (Unknown("${a}:${b}", [Ref("aws_iam_access_key.ci", "id"), Ref("aws_iam_access_key.ci", "secret")]),
         [("v", "secret", False)]),
        ({"inner": Ref("aws_iam_access_key.ci", "secret")}, [("v.inner", "secret", True)]),
    ]
    for value, expected in cases:
        found = secret_references(model, output, value, path="v")
        assert [(r.path, r.attribute, r.exact) for r in found] == expected, value
        assert all(r.key is key for r in found)


# --- IAG-ROOT-002 end to end: keys pasted anywhere in a resource's configuration ---------------

_KEY_ID, _SECRET = "AKIAZ7QWERTYUIOPASDF", "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm12"


def _root_002(tmp_path, name: str, text: str) -> list[tuple]:
    import textwrap

    from iacguard.engine import scan

    (tmp_path / name).write_text(textwrap.dedent(text))
    result = scan([str(tmp_path)], root=tmp_path)
    assert not result.errors, result.errors
    found = [f for f in result.findings if f.rule_id == "IAG-ROOT-002"]
    assert all(_KEY_ID not in f.message and _SECRET not in f.message for f in found)  # masked
    return sorted((f.resource, f.severity, f.message.count("AKIA…"), f.message.count("Zx9Q…")) for f in found)


def test_keys_in_ec2_user_data_terraform(tmp_path):
    got = _root_002(tmp_path, "main.tf", f'''
        resource "aws_instance" "app" {{
          ami           = "ami-12345678"
          instance_type = "t3.micro"
          user_data = <<EOF
        #!/bin/bash
        export AWS_ACCESS_KEY_ID={_KEY_ID}
        export AWS_SECRET_ACCESS_KEY={_SECRET}
        EOF
        }}
        resource "aws_launch_template" "lt" {{
          user_data = base64encode("aws configure set aws_access_key_id {_KEY_ID}")
        }}
        resource "aws_codebuild_project" "build" {{
          environment {{
            environment_variable {{
              name  = "AWS_SECRET_ACCESS_KEY"
              value = "{_SECRET}"
            }}
          }}
        }}
    ''')
    assert got == [("aws_codebuild_project.build", "critical", 0, 1), ("aws_instance.app", "critical", 1, 1),
                   ("aws_launch_template.lt", "medium", 1, 0)]


def test_keys_in_cloudformation_user_data_and_no_second_report_for_the_environment(tmp_path):
    got = _root_002(tmp_path, "t.yaml", f'''
        Resources:
          Instance:
            Type: AWS::EC2::Instance
            Properties:
              ImageId: ami-12345678
              UserData:
                Fn::Base64: |
                  #!/bin/bash
                  export AWS_ACCESS_KEY_ID={_KEY_ID}
                  export AWS_SECRET_ACCESS_KEY={_SECRET}
          Fn:
            Type: AWS::Lambda::Function
            Properties:
              Role: arn:aws:iam::111122223333:role/fn
              Environment:
                Variables:
                  AWS_ACCESS_KEY_ID: {_KEY_ID}
                  AWS_SECRET_ACCESS_KEY: {_SECRET}
    ''')
    assert got == [("Fn", "critical", 1, 1), ("Instance", "critical", 1, 1)]


def test_secret_after_an_equals_sign_but_not_base64_padding():
    text = f"AWS_ACCESS_KEY_ID={_KEY_ID} AWS_SECRET_ACCESS_KEY={_SECRET}"
    assert [h.kind for h in find_credentials({"script": text})] == ["access-key-id", "secret-access-key"]
    padded = f"id {_KEY_ID} blob {_SECRET}=="  # the tail of a base64 blob, not a secret
    assert [h.kind for h in find_credentials({"script": padded})] == ["access-key-id"]


def test_might_hold_credentials_answers_each_text_by_its_content():
    """The first look keeps its answer per text: a text asked before must not answer for
    another of the same length, nor a text seen first without a key for itself with one."""
    import base64

    from iacguard.iam.credentials import might_hold_credentials

    plain = "arn:aws:iam::123456789012:role/app"  # over 20 characters, nothing key-shaped
    assert not might_hold_credentials({"a": plain, "b": [plain]})
    same_length = KEY + "/" + "x" * (len(plain) - len(KEY) - 1)
    assert len(same_length) == len(plain)
    assert might_hold_credentials({"a": plain, "b": same_length})
    assert might_hold_credentials({f"{KEY} as a key": 1})  # keys are texts too
    assert not might_hold_credentials(["x" * 39 + "!"])
    assert might_hold_credentials(["x" * 39 + "!", SECRET])
    # shapes never span two texts (they were joined by newlines): neither half alone matches
    assert not might_hold_credentials([KEY[:10], KEY[10:]])
    assert not might_hold_credentials([SECRET[:20], SECRET[20:]])
    # base64 text of a key id is decoded and looked at, asked again it answers the same
    encoded = base64.b64encode(f"export KEY={KEY}\n".encode()).decode()
    assert might_hold_credentials(encoded) and might_hold_credentials([encoded])
    assert might_hold_credentials(Unknown(f"format(\"{KEY}%s\", var.x)"))


def test_might_hold_credentials_cache_is_bounded(monkeypatch):
    from iacguard.iam import credentials

    from iacguard.values import TextBudgetCache

    monkeypatch.setattr(credentials, "_MIGHT_HOLD", TextBudgetCache(100))
    for i in range(20):
        assert not credentials.might_hold_credentials(f"text number {i:02d} with nothing")
    assert credentials._MIGHT_HOLD.chars <= 100
    assert sum(map(len, credentials._MIGHT_HOLD)) == credentials._MIGHT_HOLD.chars
    assert credentials.might_hold_credentials("AKIA2E4G6J2L4N6P2R4T")
    # an encoded document is looked at as its text and kept as a plain str (not its structure)
    assert credentials.might_hold_credentials(Encoded({"k": "AKIA2E4G6J2L4N6P2R4Z"}))
    assert all(type(text) is str for text in credentials._MIGHT_HOLD)
