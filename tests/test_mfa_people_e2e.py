"""End to end (the real CLI): IAG-MFA-002 reports roles people can assume without MFA, not roles
used by automation, and every trust that admits callers only without MFA (issue 17, item 4).
Fixtures in tests/fixtures/mfa_people, scanned with --deploy-account 111122223333."""

from __future__ import annotations

import pytest

from helpers import ROOT, scan_json

FIXTURES = ROOT / "tests" / "fixtures" / "mfa_people"


def _scan(*extra):
    report, _ = scan_json(str(FIXTURES), "--fail-on", "none", "--allow-unresolved", *extra)
    assert all(e["kind"] == "unresolved" for e in report["errors"]), report["errors"]
    return {(f["file"], f["resource"], f["line"]): f for f in report["findings"] if f["rule_id"] == "IAG-MFA-002"}


@pytest.fixture(scope="module")
def findings():
    return _scan("--deploy-account", "111122223333")


def test_exact_findings(findings):
    assert sorted((file, resource, line, f["severity"]) for (file, resource, line), f in findings.items()) == [
        ("cfn/roles.yaml", "AntiMfaPrivileged", 135, "high"),
        ("cfn/roles.yaml", "AntiMfaService", 154, "medium"),
        ("cfn/roles.yaml", "AntiMfaUnprivileged", 145, "medium"),
        ("cfn/roles.yaml", "CrossAccountPeople", 22, "high"),
        ("cfn/roles.yaml", "ParameterAccount", 114, "high"),
        ("cfn/roles.yaml", "SameAccount", 36, "high"),
        ("cfn/roles.yaml", "SameAccountLiteral", 45, "high"),
        ("cfn/roles.yaml", "SourceIdentity", 103, "high"),
        ("cfn/roles.yaml", "VendorAndUser", 89, "high"),
        ("cfn/roles.yaml", "VendorAndUser", 93, "high"),
        ("tf/main.tf", "aws_iam_role.anti_mfa", 77, "medium"),
        ("tf/main.tf", "aws_iam_role.federated", 63, "high"),
        ("tf/main.tf", "aws_iam_role.same_account", 18, "high"),
        ("tf/main.tf", "aws_iam_role.source_identity", 116, "high"),
        ("tf/main.tf", "aws_iam_role.user", 36, "high"),
        ("tf/main.tf", "aws_iam_role.variable_account", 105, "high"),
    ]


def _people(findings, file, resource, line):
    return findings[(file, resource, line)]["evidence"]["people"]


def test_the_judgement_is_in_the_evidence_and_the_message(findings):
    same = findings[("cfn/roles.yaml", "SameAccount", 36)]
    assert same["evidence"]["people"] == {"arn:aws:iam::${AWS::AccountId}:root": (
        "arn:aws:iam::${AWS::AccountId}:root is the deploying account: its IAM users are people of the same account")}
    assert "its IAM users are people" in same["message"]
    saml = findings[("cfn/roles.yaml", "CrossAccountPeople", 22)]
    assert saml["evidence"]["marked_for_people_by"][0] == (
        "SAML federation through arn:aws:iam::${AWS::AccountId}:saml-provider/Okta")
    assert "is another account, but the role is marked for people by SAML federation" in saml["message"]
    vendor = _people(findings, "cfn/roles.yaml", "VendorAndUser", 89)["arn:aws:iam::444455556666:root"]
    assert vendor.startswith("automation: it requires sts:ExternalId") and "IAM user" in vendor
    user = _people(findings, "tf/main.tf", "aws_iam_role.user", 36)
    assert user == {"aws_iam_user.alice.arn": "aws_iam_user.alice.arn is an IAM user: a person's long-lived credentials"}
    # the anti-MFA trust is reported on a role used by automation too, saying so
    anti = _people(findings, "tf/main.tf", "aws_iam_role.anti_mfa", 77)
    assert anti == {"arn:aws:iam::444455556666:root": "automation: arn:aws:iam::444455556666:root is another account, "
                                                      "and nothing in the trust policy marks the role for people"}
    assert "only WITHOUT MFA" in findings[("tf/main.tf", "aws_iam_role.anti_mfa", 77)]["message"]


def test_without_deploy_accounts_a_literal_account_may_be_the_deploying_one():
    findings = _scan()
    # 444455556666 may now be the deploying account: its IAM users would be people
    assert ("cfn/roles.yaml", "CrossAccountAutomation", 12) in findings
    assert ("tf/main.tf", "aws_iam_role.cross_account", 7) in findings
    why = findings[("cfn/roles.yaml", "CrossAccountAutomation", 12)]["evidence"]["people"]
    assert why == {"arn:aws:iam::444455556666:root": "arn:aws:iam::444455556666:root may be the deploying account "
                   "(set deploy_accounts, or trusted_accounts for a partner): its IAM users would be people"}
    # automation stays automation whatever the account: roles, external ids, aws:PrincipalArn pins
    for resource in ("RoleChain", "Vendor", "PinnedToRoles", "aws_iam_role.machines", "aws_iam_role.pinned"):
        assert not [k for k in findings if k[1] == resource]


def test_a_partner_in_trusted_accounts_is_another_account():
    findings = _scan("--trusted-account", "444455556666")
    assert not [k for k in findings if k[1] in ("CrossAccountAutomation", "aws_iam_role.cross_account")]
