"""Issue [5/7] item 5, the zone of trust without settings.

With no `deploy_accounts`, `trusted_accounts` or `organization_id`, only the deploying account is
known: a literal other account may be the user's own, a partner's or a stranger's, so IAG-EXT-002,
IAG-EXT-006 and IAG-EXT-009 report it low, as unknown, asking for `trusted_accounts`; with a zone
configured an account outside it keeps its severity. The deploying account, however it is
written, is trusted either way. Data sources only look something up and are never reported. A
user in no group that holds no policy is not IAG-GR-002.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from helpers import ROOT
from iacguard.engine import scan
from iacguard.settings import Settings
from plan_builder import PlanBuilder, Res, const, data, ref, statement, write

ME, OTHER = "111122223333", "444455556666"
DATA_SOURCES = ROOT / "tests" / "fixtures" / "data_sources"
CONFIGURE = ("unknown: 444455556666 may be your own account, a partner's or a stranger's, and no zone of trust is "
             "configured (configure `trusted_accounts` for partners, `deploy_accounts` for your own accounts, in "
             ".iacguard.yaml)")


def run(tmp_path: Path, files: dict[str, str], settings: Settings | None = None):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    result = scan([str(tmp_path)], settings or Settings(), root=tmp_path)
    assert not result.errors, result.errors
    return result.findings


def found(findings, *rules: str) -> list[tuple]:
    return sorted((f.rule_id, f.resource, f.line, f.severity) for f in findings if not rules or f.rule_id in rules)


KEY_TO_OTHER = {"t.yaml": f"""\
    Resources:
      Key:
        Type: AWS::KMS::Key
        Properties:
          KeyPolicy:
            Statement:
              - Sid: VendorDecrypt
                Effect: Allow
                Principal: {{ AWS: arn:aws:iam::{OTHER}:root }}
                Action: kms:Decrypt
                Resource: "*"
    """}


def test_other_account_without_a_zone_is_low_and_unknown(tmp_path):
    findings = run(tmp_path, KEY_TO_OTHER)
    assert found(findings) == [("IAG-EXT-002", "Key", 7, "low")]
    assert findings[0].message == (
        f"Key: statement 1 (VendorDecrypt) lets account {OTHER} perform kms:Decrypt on Key, {CONFIGURE}; "
        f"would be fixed by: removing account {OTHER} from the policy, or listing {OTHER} in trusted_accounts "
        "(partner) or deploy_accounts (yours)")


@pytest.mark.parametrize("settings", [Settings(deploy_accounts=[ME]), Settings(trusted_accounts=["555566667777"]),
                                      Settings(organization_id="o-a1b2c3d4e5")],
                         ids=["deploy_accounts", "trusted_accounts", "organization_id"])
def test_other_account_outside_a_configured_zone_keeps_its_severity(tmp_path, settings):
    findings = run(tmp_path, KEY_TO_OTHER, settings)
    assert found(findings) == [("IAG-EXT-002", "Key", 7, "high")]
    assert "outside the zone of trust" in findings[0].message and "configure" not in findings[0].message


def test_partner_in_trusted_accounts_is_no_finding(tmp_path):
    assert found(run(tmp_path, KEY_TO_OTHER, Settings(trusted_accounts=[OTHER])), "IAG-EXT-002") == []


def test_a_plan_account_is_no_configured_zone(tmp_path):
    """The account a plan was made in is the deploying account, trusted; it does not make every
    other account a stranger."""
    plan = PlanBuilder(account=ME).add(
        data("aws_caller_identity", "current"),
        Res("aws_sqs_queue_policy", "mine", {"queue_url": const("https://sqs/q"), "policy": const(json.dumps({
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ME}:root"},
                           "Action": "sqs:SendMessage", "Resource": "*"}]}))}),
        Res("aws_sqs_queue_policy", "theirs", {"queue_url": const("https://sqs/q"), "policy": const(json.dumps({
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                           "Action": "sqs:SendMessage", "Resource": "*"}]}))}))
    write(plan.build(), tmp_path / "plan.json")
    findings = scan([str(tmp_path)], Settings(), root=tmp_path).findings
    assert [(f.rule_id, f.resource, f.severity) for f in findings] == [
        ("IAG-EXT-002", "aws_sqs_queue_policy.theirs", "low")]
    configured = scan([str(tmp_path)], Settings(deploy_accounts=["999988887777"]), root=tmp_path).findings
    assert [(f.rule_id, f.resource, f.severity) for f in configured] == [
        ("IAG-EXT-002", "aws_sqs_queue_policy.theirs", "high")]


CFN_OWN = """\
    Resources:
      Topic:
        Type: AWS::SNS::Topic
      Policy:
        Type: AWS::SNS::TopicPolicy
        Properties:
          Topics: [!Ref Topic]
          PolicyDocument:
            Statement:
              - Effect: Allow
                Principal: { AWS: !Ref AWS::AccountId }
                Action: sns:Publish
                Resource: !Ref Topic
              - Effect: Allow
                Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
                Action: sns:Subscribe
                Resource: !Ref Topic
              - Effect: Allow
                Principal: { AWS: !Sub "arn:aws:iam::${AWS::AccountId}:role/publisher" }
                Action: sns:Publish
                Resource: !Ref Topic
              - Effect: Allow
                Principal: "*"
                Action: sns:Publish
                Resource: !Ref Topic
                Condition: { StringEquals: { "aws:SourceAccount": !Ref AWS::AccountId } }
              - Effect: Allow
                Principal: "*"
                Action: sns:Publish
                Resource: !Ref Topic
                Condition: { StringEquals: { "aws:PrincipalAccount": !Sub "${AWS::AccountId}" } }
      Share:
        Type: AWS::RAM::ResourceShare
        Properties:
          Name: own
          Principals: [!Ref AWS::AccountId]
      Permission:
        Type: AWS::Lambda::Permission
        Properties:
          FunctionName: handler
          Action: lambda:InvokeFunction
          Principal: s3.amazonaws.com
          SourceAccount: !Ref AWS::AccountId
    """
TF_OWN = """\
    data "aws_caller_identity" "current" {}
    data "aws_caller_identity" "me" {}

    resource "aws_sns_topic" "t" {
      name = "t"
    }

    resource "aws_sns_topic_policy" "t" {
      arn = aws_sns_topic.t.arn
      policy = jsonencode({
        Statement = [
          { Effect = "Allow", Action = "sns:Publish", Resource = aws_sns_topic.t.arn,
            Principal = { AWS = data.aws_caller_identity.current.account_id } },
          { Effect = "Allow", Action = "sns:Subscribe", Resource = aws_sns_topic.t.arn,
            Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.me.account_id}:root" } },
          { Effect = "Allow", Action = "sns:Publish", Resource = aws_sns_topic.t.arn, Principal = "*",
            Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } } },
        ]
      })
    }

    resource "aws_db_snapshot" "s" {
      db_instance_identifier = "db"
      db_snapshot_identifier = "s"
      shared_accounts        = [data.aws_caller_identity.current.account_id]
    }

    resource "aws_lambda_permission" "p" {
      function_name  = "handler"
      action         = "lambda:InvokeFunction"
      principal      = "s3.amazonaws.com"
      source_account = data.aws_caller_identity.current.account_id
    }
    """


@pytest.mark.parametrize("settings", [Settings(), Settings(trusted_accounts=[OTHER])], ids=["no zone", "zone"])
@pytest.mark.parametrize("files", [{"t.yaml": CFN_OWN}, {"main.tf": TF_OWN}], ids=["cloudformation", "terraform"])
def test_the_deploying_account_written_any_way_is_trusted(tmp_path, files, settings):
    findings = run(tmp_path, files, settings)
    assert found(findings, "IAG-EXT-001", "IAG-EXT-002", "IAG-EXT-006", "IAG-EXT-009") == []


def test_lambda_permission_source_account_without_a_zone_is_low(tmp_path):
    files = {"main.tf": f"""\
        resource "aws_lambda_permission" "p" {{
          function_name  = "handler"
          action         = "lambda:InvokeFunction"
          principal      = "s3.amazonaws.com"
          source_account = "{OTHER}"
        }}
        """}
    findings = run(tmp_path, files)
    assert found(findings, "IAG-EXT-006") == [("IAG-EXT-006", "aws_lambda_permission.p", 1, "low")]
    message = next(f.message for f in findings if f.rule_id == "IAG-EXT-006")
    assert message.startswith("aws_lambda_permission.p: lets s3.amazonaws.com invoke function handler on behalf of "
                              f"account {OTHER}, {CONFIGURE}")
    configured = run(tmp_path, {}, Settings(deploy_accounts=[ME]))
    assert found(configured, "IAG-EXT-006") == [("IAG-EXT-006", "aws_lambda_permission.p", 1, "high")]


def test_share_with_another_account_without_a_zone_is_low(tmp_path):
    files = {"main.tf": f"""\
        resource "aws_db_snapshot" "s" {{
          db_instance_identifier = "db"
          db_snapshot_identifier = "s"
          shared_accounts        = ["{OTHER}"]
        }}

        resource "aws_ami_launch_permission" "public" {{
          image_id = "ami-0123456789abcdef0"
          group    = "all"
        }}
        """}
    findings = run(tmp_path, files)
    # public stays critical: it is everyone, whatever the zone
    assert found(findings, "IAG-EXT-009") == [("IAG-EXT-009", "aws_ami_launch_permission.public", 7, "critical"),
                                              ("IAG-EXT-009", "aws_db_snapshot.s", 4, "low")]
    message = next(f.message for f in findings if f.resource == "aws_db_snapshot.s")
    assert CONFIGURE in message
    configured = run(tmp_path, {}, Settings(deploy_accounts=[ME]))
    assert ("IAG-EXT-009", "aws_db_snapshot.s", 4, "high") in found(configured, "IAG-EXT-009")


# -- data sources ------------------------------------------------------------------------------

FAMILIES = {"root-credentials", "mfa", "least-privilege", "privilege-escalation", "guardrails", "access-keys",
            "external-access"}


def test_data_sources_that_only_look_something_up_are_never_reported():
    """Documents (data "aws_iam_policy_document") nobody uses, roles, users, groups, policies,
    keys and bucket policies looked up: no finding of any family, even with the account
    baseline profile, whose checks report on a template as a whole."""
    settings = Settings(profiles=["account-baseline"])
    result = scan([str(DATA_SOURCES / "lookups")], settings, root=DATA_SOURCES / "lookups")
    assert result.errors == []
    assert [(f.rule_id, f.resource) for f in result.findings] == []
    # the same documents used by resources, and the looked-up things created: every family fires
    created = scan([str(DATA_SOURCES / "created")], settings, root=DATA_SOURCES / "created")
    assert {f.family for f in created.findings} == FAMILIES
    assert not [f for f in created.findings if f.resource.startswith("data.")]


def test_plan_data_sources_are_never_reported(tmp_path):
    """In a plan a policy document nobody uses is read like any data source: not a grant."""
    admin = [statement(effect=const("Allow"), actions=const(["*"]), resources=const(["*"]))]
    shared = [statement(effect=const("Allow"), actions=const(["s3:GetObject"]),
                        resources=const(["arn:aws:s3:::reports/*"]),
                        principals=[{"type": const("AWS"), "identifiers": const(["*", OTHER])}])]
    plan = PlanBuilder().add(data("aws_caller_identity", "current"),
                             data("aws_iam_policy_document", "admin", {"statement": admin}),
                             data("aws_iam_policy_document", "shared", {"statement": shared}))
    write(plan.build(), tmp_path / "plan.json")
    result = scan([str(tmp_path)], Settings(), root=tmp_path)
    assert result.errors == [] and result.findings == []
    # used by a policy, the document grants: the control that this test can fail
    plan.add(Res("aws_iam_policy", "admin", {"name": const("admin"),
                                             "policy": ref("data.aws_iam_policy_document.admin.json")}))
    write(plan.build(), tmp_path / "plan.json")
    used = scan([str(tmp_path)], Settings(), root=tmp_path)
    assert ("IAG-LP-001", "aws_iam_policy.admin") in {(f.rule_id, f.resource) for f in used.findings}


# -- IAG-GR-002 --------------------------------------------------------------------------------

@pytest.mark.parametrize("files", [
    {"t.yaml": """\
        Resources:
          Bare:
            Type: AWS::IAM::User
          Inline:
            Type: AWS::IAM::User
            Properties:
              Policies:
                - PolicyName: own
                  PolicyDocument:
                    Statement: [{ Effect: Allow, Action: iam:GetUser, Resource: "*" }]
          Managed:
            Type: AWS::IAM::User
            Properties:
              ManagedPolicyArns: [arn:aws:iam::aws:policy/IAMUserChangePassword]
          Attached:
            Type: AWS::IAM::User
          Attachment:
            Type: AWS::IAM::Policy
            Properties:
              PolicyName: attached
              Users: [!Ref Attached]
              PolicyDocument:
                Statement: [{ Effect: Allow, Action: iam:GetUser, Resource: "*" }]
        """},
    {"main.tf": """\
        resource "aws_iam_user" "bare" {
          name = "bare"
        }
        resource "aws_iam_user" "inline" {
          name = "inline"
        }
        resource "aws_iam_user_policy" "inline" {
          user   = aws_iam_user.inline.name
          policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "iam:GetUser", Resource = "*" }] })
        }
        resource "aws_iam_user" "managed" {
          name = "managed"
        }
        resource "aws_iam_user_policy_attachment" "managed" {
          user       = aws_iam_user.managed.name
          policy_arn = "arn:aws:iam::aws:policy/IAMUserChangePassword"
        }
        resource "aws_iam_user" "attached" {
          name = "attached"
        }
        resource "aws_iam_policy" "shared" {
          policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "iam:GetUser", Resource = "*" }] })
        }
        resource "aws_iam_policy_attachment" "shared" {
          name       = "shared"
          users      = [aws_iam_user.attached.name]
          policy_arn = aws_iam_policy.shared.arn
        }
        """},
], ids=["cloudformation", "terraform"])
def test_user_in_no_group_is_reported_only_when_it_holds_a_policy(tmp_path, files):
    users = {f.resource.lower() for f in run(tmp_path, files) if f.rule_id == "IAG-GR-002"}
    prefix = "aws_iam_user." if "main.tf" in files else ""
    assert users == {prefix + name for name in ("inline", "managed", "attached")}


TRUST_OTHER = {"main.tf": f"""\
    resource "aws_iam_role" "vendor" {{
      name = "vendor"
      assume_role_policy = jsonencode({{
        Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole",
                       Principal = {{ AWS = "arn:aws:iam::{OTHER}:root" }} }}]
      }})
    }}
    """}


def test_trust_without_external_id_of_an_account_of_unknown_owner_is_low(tmp_path):
    """IAG-EXT-007: the account may be the user's own, which needs no external id."""
    findings = run(tmp_path, TRUST_OTHER)
    assert found(findings, "IAG-EXT-007") == [("IAG-EXT-007", "aws_iam_role.vendor", 4, "low")]
    assert CONFIGURE in next(f.message for f in findings if f.rule_id == "IAG-EXT-007")
    configured = run(tmp_path, {}, Settings(trusted_accounts=[OTHER]))
    assert found(configured, "IAG-EXT-007") == [("IAG-EXT-007", "aws_iam_role.vendor", 4, "medium")]
    assert "configure" not in next(f.message for f in configured if f.rule_id == "IAG-EXT-007")
