"""A resource or trust policy whose Principal, or a condition that limits who may call, comes from
a parameter or variable without a value or from a dynamic reference could let anyone in once
deployed: an `unresolved` error (exit 2 unless --allow-unresolved), not a low finding. Unknowns
that cannot change the verdict (in a Deny, beside a closing condition, under NotPrincipal of an
Allow that is public anyway) are no error."""

from __future__ import annotations

from helpers import ROOT, scan_json

CFN = ROOT / "tests" / "fixtures" / "unknown_access" / "cfn"
TF = ROOT / "tests" / "fixtures" / "unknown_access" / "tf"
# A zone of trust: without one, a literal other account is a low "unknown" finding
# (tests/test_zone_unconfigured.py); these tests are about values not known before deploy.
ZONE = ("--deploy-account", "111122223333")


def _unresolved(report: dict) -> list[tuple]:
    return sorted((e["file"], e["line"], e["message"]) for e in report["errors"] if e["kind"] == "unresolved")


def test_cloudformation_unknown_principal_and_condition_are_unresolved():
    report, proc = scan_json(str(CFN), "--fail-on", "none", *ZONE)
    assert proc.returncode == 2
    assert _unresolved(report) == [
        ("template.yaml", 20, "QueuePolicy: statement 1 of the resource policy lets in callers not known before "
                              "deployment (could be anyone): Principal.AWS: parameter TrustedAccount has no "
                              "default: pass --parameter TrustedAccount=..."),
        ("template.yaml", 32, "TopicPolicy: statement 1 of the resource policy lets in callers not known before "
                              "deployment (could be anyone): Condition StringEquals aws:PrincipalOrgID: "
                              "parameter OrgId has no default: pass --parameter OrgId=..."),
        ("template.yaml", 44, "SsmTrustRole: statement 1 of the trust policy lets in callers not known before "
                              "deployment (could be anyone): Principal.AWS: the dynamic reference "
                              "{{resolve:ssm:/trusted/account}} is resolved only at deploy time"),
    ]
    assert [e for e in report["errors"] if e["kind"] != "unresolved"] == []
    # no low "could not be checked" finding beside the error
    assert not [f for f in report["findings"] if f["rule_id"] == "IAG-EXT-002" and f["severity"] == "low"]
    found = {(f["rule_id"], f["resource"], f["line"], f["severity"]) for f in report["findings"]}
    # a parameter with a default is judged on its value
    assert ("IAG-EXT-002", "PartnerRole", 52, "high") in found
    # the unknown in the Deny of Key, in BucketPolicy (closed by aws:PrincipalAccount of the
    # deploying account) and in the NotPrincipal of a public Allow change no verdict
    assert ("IAG-EXT-001", "OpenTopicPolicy", 92, "critical") in found
    assert not [f for f in report["findings"] if f["resource"] in ("Key", "BucketPolicy")]


def test_cloudformation_parameters_given_are_judged_on_their_value():
    report, proc = scan_json(str(CFN), "--fail-on", "none", *ZONE, "--parameter", "TrustedAccount=444455556666",
                             "--parameter", "OrgId=o-abcdefghij")
    # a dynamic reference has no value before deploy whatever is passed
    assert [(line, message.split(":")[0]) for _, line, message in _unresolved(report)] == [(44, "SsmTrustRole")]
    assert [e for e in report["errors"] if e["kind"] != "unresolved"] == []
    found = {(f["rule_id"], f["resource"], f["line"], f["severity"]) for f in report["findings"]}
    assert ("IAG-EXT-002", "QueuePolicy", 20, "high") in found
    assert ("IAG-EXT-002", "PartnerRole", 52, "high") in found


def test_allow_unresolved_accepts_unknown_principals():
    report, proc = scan_json(str(CFN), "--fail-on", "none", "--allow-unresolved")
    assert proc.returncode == 0
    assert len(_unresolved(report)) == 3


def test_terraform_variable_without_value_is_unresolved():
    report, proc = scan_json(str(TF), "--fail-on", "none")
    assert proc.returncode == 2
    assert _unresolved(report) == [
        ("main.tf", 14, "aws_sqs_queue_policy.jobs: statement 1 of the resource policy lets in callers not "
                        "known before deployment (could be anyone): Principal.AWS: var.partner_account has no "
                        "value: pass --var partner_account=... or a var file"),
        ("main.tf", 24, "aws_iam_role.partner: statement 1 of the trust policy lets in callers not known before "
                        "deployment (could be anyone): Condition StringEquals aws:PrincipalAccount: "
                        "var.partner_account has no value: pass --var partner_account=... or a var file"),
        ("main.tf", 51, "aws_s3_bucket_policy.via_endpoint: statement 1 of the resource policy lets in callers "
                        "not known before deployment (could be anyone): Condition StringEquals aws:SourceVpce: "
                        "var.endpoint has no value: pass --var endpoint=... or a var file"),
    ]
    # data.aws_caller_identity stays the deploying account; a role looked up by a data source is
    # no value to pass: it stays the low "could not be checked" finding
    assert [(f["rule_id"], f["resource"], f["line"], f["severity"]) for f in report["findings"]] == [
        ("IAG-EXT-002", "aws_kms_key.admin", 61, "low")]


def test_terraform_variable_given_is_judged_on_its_value():
    report, proc = scan_json(str(TF), "--fail-on", "none", *ZONE, "--var", "partner_account=444455556666",
                             "--var", "endpoint=vpce-0a1b2c3d")
    assert report["errors"] == []
    found = {(f["rule_id"], f["resource"], f["line"], f["severity"]) for f in report["findings"]}
    assert ("IAG-EXT-002", "aws_sqs_queue_policy.jobs", 14, "high") in found
    assert ("IAG-EXT-002", "aws_iam_role.partner", 24, "high") in found


def test_unknown_principal_is_unresolved_even_with_external_access_checks_disabled(tmp_path):
    config = tmp_path / "settings.yaml"
    config.write_text("disable: [external-access]\n")
    report, proc = scan_json(str(CFN), "--fail-on", "none", "--config", str(config))
    assert proc.returncode == 2
    assert len(_unresolved(report)) == 3


def test_lambda_permission_source_from_parameter_without_value_is_unresolved():
    report, proc = scan_json(str(ROOT / "tests" / "fixtures" / "unknown_access" / "lambda"), "--fail-on", "none")
    assert proc.returncode == 2
    # the source account of FromOwnBucket is the deploying account: its unknown bucket changes nothing
    assert _unresolved(report) == [
        ("template.yaml", 12, "FromBucket: statement 1 of the resource policy lets an AWS service invoke the "
                              "function for a source not known before deployment (could be any account's): "
                              "Condition ArnLike AWS:SourceArn: parameter SourceBucketArn has no default: pass "
                              "--parameter SourceBucketArn=..."),
    ]
    assert [f for f in report["findings"] if f["rule_id"] == "IAG-EXT-006"] == []


def test_a_part_of_a_parameter_without_value_is_unresolved():
    # !Split / !Select over a parameter: each part is still the deployer's choice (AWS's own
    # VPC peering sample trusts !Split [",", !Ref PeerOwnerIds]); it was a low finding, exit 0
    report, proc = scan_json(str(ROOT / "tests" / "fixtures" / "unknown_access" / "parts"))
    assert proc.returncode == 2
    assert _unresolved(report) == [
        ("template.yaml", 16, "PeerRole: statement 1 of the trust policy lets in callers not known before "
                              "deployment (could be anyone): Principal.AWS: parameter PeerOwnerIds has no "
                              "default: pass --parameter PeerOwnerIds=..."),
        ("template.yaml", 26, "PartnerRole: statement 1 of the trust policy lets in callers not known before "
                              "deployment (could be anyone): Principal.AWS: parameter PartnerAccounts has no "
                              "default: pass --parameter PartnerAccounts=..."),
    ]
    assert report["findings"] == []
    given, proc = scan_json(str(ROOT / "tests" / "fixtures" / "unknown_access" / "parts"),
                            "--parameter", "PeerOwnerIds=111122223333,444455556666",
                            "--parameter", "PartnerAccounts=555566667777")
    assert _unresolved(given) == []
    assert {(f["rule_id"], f["resource"]) for f in given["findings"] if f["rule_id"] == "IAG-EXT-002"} == {
        ("IAG-EXT-002", "PeerRole"), ("IAG-EXT-002", "PartnerRole")}
