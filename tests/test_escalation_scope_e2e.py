"""End to end (the real CLI): role edits on service-linked roles, SSM on instances with roles,
and resources known only at deploy time (issue 17, item 3). Fixtures in tests/fixtures/escalation_scope."""

from __future__ import annotations

import pytest

from helpers import ROOT, scan_json

FIXTURES = ROOT / "tests" / "fixtures" / "escalation_scope"
RULES = ("IAG-PE-001", "IAG-PE-002", "IAG-PE-003")


@pytest.fixture(scope="module")
def report():
    found, _ = scan_json(str(FIXTURES), "--fail-on", "none", "--allow-unresolved")
    assert found["errors"] == []
    return found


def test_exact_escalation_findings(report):
    got = sorted((f["rule_id"], f["file"], f["resource"], f["line"], f["severity"])
                 for f in report["findings"] if f["rule_id"] in RULES)
    assert got == [
        ("IAG-PE-001", "cfn/template.yaml", "FleetRunner", 71, "high"),
        ("IAG-PE-001", "tf/main.tf", "aws_iam_user.operator", 18, "high"),
        ("IAG-PE-003", "cfn/template.yaml", "LooseSlrEditor", 25, "high"),
        # a Deny on role/admin-* may cover the role the parameter names: conditional
        ("IAG-PE-003", "cfn/template.yaml", "ParamRoleEditor", 46, "medium"),
        ("IAG-PE-003", "cfn/template.yaml", "StackRoleEditor", 36, "high"),
        ("IAG-PE-003", "tf/main.tf", "aws_iam_user_policy.deployer", 57, "high"),
    ]


def test_evidence_names_the_instance_pattern_that_matches(report):
    by_resource = {f["resource"]: f for f in report["findings"] if f["rule_id"] == "IAG-PE-001"}
    fleet = by_resource["FleetRunner"]["evidence"]["methods"]["SSMSendCommand"]["actions"]["ssm:SendCommand"]
    assert fleet["on"] == "arn:aws:ec2:*:*:instance/*"
    operator = by_resource["aws_iam_user.operator"]["evidence"]["methods"]["SSMStartSession"]
    assert operator["actions"]["ssm:StartSession"]["on"] == "arn:aws:ec2:*:*:instance/i-0*"
    assert "document" not in by_resource["FleetRunner"]["message"]


def test_deploy_time_resources_are_named(report):
    messages = {f["resource"]: f["message"] for f in report["findings"] if f["rule_id"] == "IAG-PE-003"}
    assert "iam:CreateRole, iam:AttachRolePolicy" in messages["StackRoleEditor"]
    assert messages["ParamRoleEditor"].endswith(
        "call iam:PutRolePolicy without requiring a permissions boundary (no iam:PermissionsBoundary condition); "
        "only when the Deny of statement 2 does not cover it")
