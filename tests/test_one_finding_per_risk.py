"""Issue [5/7] item 6, one finding per risk: IAG-PE-001 reports each policy that lets a principal
escalate, so a second risky attachment is visible before the first is fixed; the first keeps
a fingerprint of its own, which it keeps whatever else the principal holds."""

from __future__ import annotations

import textwrap
from pathlib import Path

from iacguard.engine import scan
from iacguard.settings import Settings

ROLE = """\
    Resources:
      App:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Statement:
              - Effect: Allow
                Principal: { Service: ec2.amazonaws.com }
                Action: sts:AssumeRole
          Policies:
            - PolicyName: versions
              PolicyDocument:
                Statement:
                  - Effect: Allow
                    Action: iam:CreatePolicyVersion
                    Resource: "*"
"""
SECOND = """\
          ManagedPolicyArns: [!Ref Attach]
      Attach:
        Type: AWS::IAM::ManagedPolicy
        Properties:
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: iam:AttachRolePolicy
                Resource: "*"
"""


def escalations(tmp_path: Path, name: str, *parts: str) -> list:
    (tmp_path / name).write_text(textwrap.dedent("".join(parts)))
    result = scan([str(tmp_path)], Settings(), root=tmp_path)
    assert not result.errors, result.errors
    return [f for f in result.findings if f.rule_id == "IAG-PE-001"]


def test_two_risky_policies_on_one_role_are_two_findings_each_with_its_own_fingerprint(tmp_path):
    [alone] = escalations(tmp_path, "t.yaml", ROLE)
    # the second policy's risk alone (the first policy made harmless): baselined before, it must
    # not take over the fingerprint of the first policy's risk when that one is removed
    [only_second] = escalations(tmp_path, "t.yaml", ROLE.replace("iam:CreatePolicyVersion", "s3:ListBucket"), SECOND)
    both = escalations(tmp_path, "t.yaml", ROLE, SECOND)
    assert sorted((f.resource, f.line, f.severity) for f in both) == [("App", 2, "high"), ("App", 14, "high")]
    first = next(f for f in both if "CreatePolicyVersion" in f.message)
    second = next(f for f in both if "AttachRolePolicy" in f.message)
    assert first.fingerprint == alone.fingerprint
    assert second.fingerprint == only_second.fingerprint != first.fingerprint
    assert first.message.startswith("role App can escalate privileges through policy versions by one method: "
                                    "CreatePolicyVersion")
    assert second.message.startswith("role App can escalate privileges through policy Attach by one method: "
                                     "AttachRolePolicy")
    assert "AttachRolePolicy" not in first.message and "CreatePolicyVersion" not in second.message
    assert first.evidence["policies"] == ["versions"] and list(second.evidence["methods"]) == ["AttachRolePolicy"]


def test_terraform_two_attachments_are_two_findings(tmp_path):
    found = escalations(tmp_path, "main.tf", """\
        resource "aws_iam_role" "app" {
          name               = "app"
          assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                                                           Principal = { Service = "ec2.amazonaws.com" } }] })
        }
        resource "aws_iam_policy" "versions" {
          policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "iam:CreatePolicyVersion", Resource = "*" }] })
        }
        resource "aws_iam_policy" "keys" {
          policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "iam:AttachRolePolicy", Resource = "*" }] })
        }
        resource "aws_iam_role_policy_attachment" "versions" {
          role       = aws_iam_role.app.name
          policy_arn = aws_iam_policy.versions.arn
        }
        resource "aws_iam_role_policy_attachment" "keys" {
          role       = aws_iam_role.app.name
          policy_arn = aws_iam_policy.keys.arn
        }
        """)
    assert sorted((f.resource, next(iter(f.evidence["methods"]))) for f in found) == [
        ("aws_iam_role.app", "AttachRolePolicy"), ("aws_iam_role.app", "CreatePolicyVersion")]
    assert len({f.fingerprint for f in found}) == 2


def test_the_same_method_from_two_policies_is_a_finding_for_each(tmp_path):
    """Removing one of two policies that each allow the method leaves the other: both are shown."""
    found = escalations(tmp_path, "t.yaml", ROLE.replace("iam:CreatePolicyVersion", "iam:AttachRolePolicy"), SECOND)
    assert sorted(f.evidence["policies"][0] for f in found) == ["Attach", "versions"]
    assert all(list(f.evidence["methods"]) == ["AttachRolePolicy"] for f in found)


def test_a_method_that_needs_two_policies_is_one_finding_for_both(tmp_path):
    found = escalations(tmp_path, "t.yaml", """\
        Resources:
          Exec:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: lambda.amazonaws.com }
                    Action: sts:AssumeRole
              ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
          Builder:
            Type: AWS::IAM::Role
            Properties:
              AssumeRolePolicyDocument:
                Statement:
                  - Effect: Allow
                    Principal: { Service: ec2.amazonaws.com }
                    Action: sts:AssumeRole
              Policies:
                - PolicyName: pass
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: iam:PassRole
                        Resource: !GetAtt Exec.Arn
                - PolicyName: functions
                  PolicyDocument:
                    Statement:
                      - Effect: Allow
                        Action: [lambda:CreateFunction, lambda:InvokeFunction]
                        Resource: "*"
        """)
    builder = [f for f in found if f.resource == "Builder"]
    assert len(builder) == 1
    assert builder[0].evidence["policies"] == ["pass", "functions"]
    assert " through policies pass and functions together by " in builder[0].message


def test_a_service_wildcard_is_one_finding_not_two():
    """IAG-LP-002 reports events:* on "*"; IAG-LP-005 names only the writes the wildcard does
    not cover (before, the same statement was also 42 blocking events writes)."""
    from helpers import ROOT, scan_json

    report, _ = scan_json(str(ROOT / "tests" / "fixtures" / "calibration" / "one_statement_one_risk.yaml"))
    found = sorted((f["rule_id"], f["resource"], f["line"], f["severity"]) for f in report["findings"])
    assert found == [("IAG-LP-002", "Notifier", 34, "medium"), ("IAG-LP-002", "Orchestrator", 17, "high"),
                     ("IAG-LP-005", "Notifier", 34, "high"), ("IAG-LP-005", "Orchestrator", 17, "medium")]
    writes = {f["resource"]: f for f in report["findings"] if f["rule_id"] == "IAG-LP-005"}
    assert writes["Orchestrator"]["evidence"]["actions"] == ["sqs:DeleteQueue"]
    assert "sns:AddPermission" in writes["Notifier"]["evidence"]["actions"]
