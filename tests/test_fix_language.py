"""Issue [5/7] item 7: a finding says how it would be fixed in the language of its file.

The same risk written in CloudFormation (YAML and JSON) and in Terraform (HCL and a plan) gives
the fix in each: `data.aws_caller_identity.current.account_id` and `condition { ... }` blocks
for Terraform, `!Sub "${AWS::AccountId}"` and `Condition:` maps for CloudFormation; every fix
follows "would be fixed by:".
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from helpers import SAMPLES, scan_json
from iacguard.engine import scan
from iacguard.fixtext import CLOUDFORMATION, CLOUDFORMATION_JSON, DEPLOYING_ACCOUNT, TERRAFORM, FixText, fix_for
from iacguard.resource import Resource
from iacguard.settings import Settings


def fixes(tmp_path: Path, name: str, text: str, rule: str) -> list[str]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text) if not name.endswith(".json") else text)
    result = scan([str(tmp_path)], Settings(), root=tmp_path)
    assert not result.errors, result.errors
    messages = [f.message for f in result.findings if f.rule_id == rule]
    assert messages, [f.rule_id for f in result.findings]
    return [m.split("; would be fixed by: ", 1)[1] for m in messages]


PUBLIC_QUEUE_YAML = """\
    Resources:
      Queue:
        Type: AWS::SQS::Queue
      QueuePolicy:
        Type: AWS::SQS::QueuePolicy
        Properties:
          Queues: [!Ref Queue]
          PolicyDocument:
            Statement:
              - Effect: Allow
                Principal: "*"
                Action: sqs:SendMessage
                Resource: !GetAtt Queue.Arn
    """
PUBLIC_QUEUE_JSON = json.dumps({"Resources": {
    "Queue": {"Type": "AWS::SQS::Queue"},
    "QueuePolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
        "Queues": [{"Ref": "Queue"}], "PolicyDocument": {"Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
            "Resource": {"Fn::GetAtt": ["Queue", "Arn"]}}]}}}}}, indent=1)
PUBLIC_QUEUE_TF = """\
    resource "aws_sqs_queue" "q" {
      name = "q"
    }

    resource "aws_sqs_queue_policy" "q" {
      queue_url = aws_sqs_queue.q.id
      policy = jsonencode({
        Statement = [{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = aws_sqs_queue.q.arn }]
      })
    }
    """


@pytest.mark.parametrize("name, text, fix", [
    ("t.yaml", PUBLIC_QUEUE_YAML,
     'adding Condition: {StringEquals: {"aws:PrincipalAccount": !Sub "${AWS::AccountId}"}} (the deploying account)'),
    ("t.json", PUBLIC_QUEUE_JSON,
     'adding "Condition": {"StringEquals": {"aws:PrincipalAccount": {"Fn::Sub": "${AWS::AccountId}"}}} '
     "(the deploying account)"),
    ("main.tf", PUBLIC_QUEUE_TF,
     'adding a condition block (test = "StringEquals", variable = "aws:PrincipalAccount", '
     "values = [data.aws_caller_identity.current.account_id]) (the deploying account)"),
], ids=["cloudformation-yaml", "cloudformation-json", "terraform"])
def test_public_policy_fix_in_the_file_language(tmp_path, name, text, fix):
    assert fixes(tmp_path, name, text, "IAG-EXT-001") == [fix]


def test_public_policy_fix_names_the_configured_zone(tmp_path):
    (tmp_path / "main.tf").write_text(textwrap.dedent(PUBLIC_QUEUE_TF))
    result = scan([str(tmp_path)], Settings(organization_id="o-a1b2c3d4e5"), root=tmp_path)
    [message] = [f.message for f in result.findings if f.rule_id == "IAG-EXT-001"]
    assert message.endswith('; would be fixed by: adding a condition block (test = "StringEquals", '
                            'variable = "aws:PrincipalOrgID", values = ["o-a1b2c3d4e5"])')


@pytest.mark.parametrize("name, text, fix", [
    ("t.yaml", """\
        Resources:
          FromUploads:
            Type: AWS::Lambda::Permission
            Properties:
              FunctionName: resize
              Action: lambda:InvokeFunction
              Principal: s3.amazonaws.com
        """, 'SourceArn of the invoking resource and SourceAccount: !Sub "${AWS::AccountId}"'),
    ("main.tf", """\
        resource "aws_lambda_permission" "from_uploads" {
          function_name = "resize"
          action        = "lambda:InvokeFunction"
          principal     = "s3.amazonaws.com"
        }
        """, "source_arn of the invoking resource and source_account = data.aws_caller_identity.current.account_id"),
], ids=["cloudformation", "terraform"])
def test_lambda_permission_fix_in_the_file_language(tmp_path, name, text, fix):
    assert fixes(tmp_path, name, text, "IAG-EXT-006") == [fix]


@pytest.mark.parametrize("name, text, fix", [
    ("t.yaml", """\
        Resources:
          VendorRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { AWS: arn:aws:iam::444455556666:root }
                    Action: sts:AssumeRole
        """, 'Condition: {StringEquals: {"sts:ExternalId": <id agreed with the account owner>}}'),
    ("main.tf", """\
        resource "aws_iam_role" "vendor" {
          name = "vendor"
          assume_role_policy = jsonencode({
            Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                           Principal = { AWS = "arn:aws:iam::444455556666:root" } }]
          })
        }
        """, 'a condition block (test = "StringEquals", variable = "sts:ExternalId", '
             'values = ["<id agreed with the account owner>"])'),
], ids=["cloudformation", "terraform"])
def test_external_id_fix_in_the_file_language(tmp_path, name, text, fix):
    assert fixes(tmp_path, name, text, "IAG-EXT-007") == [fix]


@pytest.mark.parametrize("name, text, fix", [
    ("t.yaml", """\
        Resources:
          HookUrl:
            Type: AWS::Lambda::Url
            Properties:
              TargetFunctionArn: arn:aws:lambda:eu-west-1:111122223333:function:hook
              AuthType: NONE
        """, "AuthType: AWS_IAM"),
    ("main.tf", """\
        resource "aws_lambda_function_url" "hook" {
          function_name      = "hook"
          authorization_type = "NONE"
        }
        """, 'authorization_type = "AWS_IAM"'),
], ids=["cloudformation", "terraform"])
def test_function_url_fix_in_the_file_language(tmp_path, name, text, fix):
    found = [f for f in scan([str(_write(tmp_path, name, text))], Settings(), root=tmp_path).findings
             if f.message.endswith("; would be fixed by: " + fix)]
    assert len(found) == 1


def _write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(textwrap.dedent(text))
    return tmp_path


@pytest.mark.parametrize("name, text, fix", [
    ("t.yaml", """\
        Resources:
          DeployRole:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal:
                      Federated: arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com
                    Action: sts:AssumeRoleWithWebIdentity
                    Condition:
                      StringEquals: { "token.actions.githubusercontent.com:aud": sts.amazonaws.com }
        """, 'Condition: {StringLike: {"token.actions.githubusercontent.com:sub": "repo:<owner>/<repo>:*"}}'),
    ("main.tf", """\
        resource "aws_iam_role" "deploy" {
          name = "deploy"
          assume_role_policy = jsonencode({
            Statement = [{
              Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity"
              Principal = { Federated = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" }
              Condition = { StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" } }
            }]
          })
        }
        """, 'a condition block (test = "StringLike", variable = "token.actions.githubusercontent.com:sub", '
             'values = ["repo:<owner>/<repo>:*"])'),
], ids=["cloudformation", "terraform"])
def test_oidc_subject_fix_in_the_file_language(tmp_path, name, text, fix):
    assert fixes(tmp_path, name, text, "IAG-EXT-008") == [fix]


def test_a_plan_is_terraform():
    plan = Resource("aws_sqs_queue_policy.q", "aws_sqs_queue_policy", {}, "plan.json", 1, 1, source="terraform-plan")
    assert fix_for(plan).language == TERRAFORM
    assert fix_for(Resource("Q", "AWS::SQS::QueuePolicy", {}, "t.template.json", 1, 1,
                            source="cloudformation")).language == CLOUDFORMATION_JSON
    assert fix_for(Resource("Q", "AWS::SQS::QueuePolicy", {}, "t.yml", 1, 1,
                            source="cloudformation")).language == CLOUDFORMATION


@pytest.mark.parametrize("language, condition, setting", [
    (CLOUDFORMATION, 'Condition: {StringEquals: {"aws:PrincipalAccount": [!Sub "${AWS::AccountId}", "444455556666"]}}',
     'SourceAccount: !Sub "${AWS::AccountId}"'),
    (CLOUDFORMATION_JSON, '"Condition": {"StringEquals": {"aws:PrincipalAccount": '
                          '[{"Fn::Sub": "${AWS::AccountId}"}, "444455556666"]}}',
     '"SourceAccount": {"Fn::Sub": "${AWS::AccountId}"}'),
    (TERRAFORM, 'a condition block (test = "StringEquals", variable = "aws:PrincipalAccount", '
                'values = [data.aws_caller_identity.current.account_id, "444455556666"])',
     "source_account = data.aws_caller_identity.current.account_id"),
])
def test_fix_text_spelling(language, condition, setting):
    fix = FixText(language)
    assert fix.condition("StringEquals", "aws:PrincipalAccount", [DEPLOYING_ACCOUNT, "444455556666"]) == condition
    assert fix.setting("SourceAccount", "source_account", DEPLOYING_ACCOUNT) == setting


def test_no_report_says_closed_by():
    report, _ = scan_json(str(SAMPLES / "cloudformation"), str(SAMPLES / "terraform"), str(SAMPLES / "plan"),
                          str(SAMPLES / "checks"), "--fail-on", "none", "--allow-unresolved")
    messages = [f["message"] for f in report["findings"]]
    assert not [m for m in messages if "closed by" in m]
    assert sum("would be fixed by: " in m for m in messages) >= 20


def test_a_check_documents_its_fix_in_each_language():
    from iacguard.framework import load_checks

    meta = load_checks()["IAG-EXT-006"]
    assert "source_account = data.aws_caller_identity.current.account_id" in meta.fix_in("terraform")
    assert "SourceAccount: !Ref AWS::AccountId" in meta.fix_in("cloudformation")
    assert meta.fix_in("cloudformation-json") == meta.fix_in("cloudformation")
    # explain and the docs show both, each named
    assert meta.fix.startswith("CloudFormation: Add `SourceArn`") and "\n\nTerraform: Add `source_arn`" in meta.fix
    # a check with one text for both keeps it
    single = load_checks()["IAG-EXT-002"]
    assert single.fixes == {} and single.fix_in("terraform") == single.fix


def test_a_fix_for_an_unknown_format_is_refused():
    from iacguard.framework import check

    with pytest.raises(ValueError, match="unknown formats"):
        check("X-1", family="guardrails", severity="low", title="t", why="w", fix={"pulumi": "no"})
