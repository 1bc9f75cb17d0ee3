"""End to end: the real CLI over tests/fixtures/check_samples/, asserting the exact findings."""

from __future__ import annotations

import json

import pytest

from helpers import ROOT, SAMPLES, run_cli, scan_json, triples

EXPECTED = json.loads((SAMPLES / "expected_findings.json").read_text())
GOOD_SAMPLES = [
    "tests/fixtures/check_samples/cloudformation/least_privilege.yaml",
    "tests/fixtures/check_samples/cloudformation/scoped.json",
    "tests/fixtures/check_samples/terraform/scoped",
    "tests/fixtures/check_samples/plan/least_privilege.plan.json",
]
# the pipeline samples; per-check samples live in tests/fixtures/check_samples/checks (test_check_samples.py)
PIPELINE = tuple(f"tests/fixtures/check_samples/{kind}" for kind in ("cloudformation", "terraform", "plan"))
FINDING_KEYS = {"rule_id", "family", "severity", "title", "message", "resource", "resource_type", "file",
                "line", "fingerprint"}


def test_check_samples_give_exactly_the_expected_findings():
    report, proc = scan_json(*PIPELINE)
    assert proc.returncode == 1, proc.stderr
    assert report["errors"] == []
    assert triples(report) == {(e["rule_id"], e["resource"], e["file"], e["line"]) for e in EXPECTED}
    severities = {(f["rule_id"], f["resource"], f["line"]): f["severity"] for f in report["findings"]}
    for expected in EXPECTED:
        assert severities[(expected["rule_id"], expected["resource"], expected["line"])] == expected["severity"]


def test_every_format_is_covered_by_the_expected_findings():
    files = {e["file"] for e in EXPECTED}
    assert any(f.endswith(".yaml") for f in files)
    assert any(f.endswith(".json") and "plan" not in f for f in files)
    assert any(f.endswith(".tf") for f in files)
    assert any(f.endswith(".plan.json") for f in files)
    # the finding inside the local module called from the multi-file root module
    assert any(e["resource"].startswith("module.shared_bucket.") for e in EXPECTED)


@pytest.mark.parametrize("path", GOOD_SAMPLES)
def test_good_samples_have_no_findings(path):
    report, proc = scan_json(path)
    assert report["findings"] == [], report["findings"]
    assert report["errors"] == []
    assert proc.returncode == 0


def test_json_contract():
    report, _ = scan_json(*PIPELINE)
    assert set(report) == {"version", "findings", "errors", "not_analysed", "summary"}
    assert report["not_analysed"] == [] and report["summary"]["not_analysed"] == 0
    assert report["version"] == 1
    for finding in report["findings"]:
        assert FINDING_KEYS <= set(finding)
        assert finding["family"] in {"root-credentials", "mfa", "least-privilege", "privilege-escalation",
                                     "guardrails", "access-keys", "external-access"}
        assert finding["severity"] in {"critical", "high", "medium", "low"}
        assert len(finding["fingerprint"]) == 32
    summary = report["summary"]
    assert summary["findings"] == len(EXPECTED)
    assert summary["exit_code"] == 1 and summary["files_scanned"] == 13


def test_findings_name_the_statement_line_and_carry_evidence():
    report, _ = scan_json("tests/fixtures/check_samples/cloudformation/admin_and_public.yaml")
    public = next(f for f in report["findings"] if f["rule_id"] == "IAG-EXT-001")
    assert public["line"] == 23 and "PublicRead" in public["message"] and "s3:GetObject" in public["message"]
    assert public["evidence"]["Principal"] == "*"
    conditional = next(f for f in report["findings"] if f["resource"] == "OpsPolicy")
    assert conditional["severity"] == "high" and "aws:RequestedRegion" in conditional["message"]


def test_text_format_groups_by_file():
    proc = run_cli("scan", *PIPELINE)
    assert proc.returncode == 1
    out = proc.stdout
    assert out.index("cloudformation/admin_and_public.yaml") < out.index("terraform/app/iam.tf")
    assert "CRITICAL IAG-LP-001 aws_iam_role_policy_attachment.app_admin" in out
    # without a zone of trust the plan's trust of another account is a low "unknown" finding
    assert "FAILED: 15 blocking at fail-on high" in out


@pytest.mark.parametrize("fail_on,code", [("critical", 1), ("none", 0), ("low", 1)])
def test_fail_on(fail_on, code):
    proc = run_cli("scan", "tests/fixtures/check_samples/cloudformation/public_queue.json", "--fail-on", fail_on)
    assert proc.returncode == code


def test_fail_on_critical_passes_a_medium_only_template(tmp_path):
    (tmp_path / "key.yaml").write_text("Resources:\n  U:\n    Type: AWS::IAM::User\n"
                                       "  K:\n    Type: AWS::IAM::AccessKey\n    Properties:\n      UserName: !Ref U\n")
    assert run_cli("scan", str(tmp_path), "--fail-on", "critical").returncode == 0
    assert run_cli("scan", str(tmp_path), "--fail-on", "medium").returncode == 1


def test_output_file(tmp_path):
    target = tmp_path / "report.json"
    proc = run_cli("scan", "tests/fixtures/check_samples/plan", "--format", "json", "--output", str(target))
    assert proc.stdout == ""
    report = json.loads(target.read_text())
    assert {f["file"] for f in report["findings"]} == {"risky.plan.json"}


def test_list_checks_and_explain():
    proc = run_cli("list-checks")
    assert proc.returncode == 0
    for check_id in ("IAG-LP-001", "IAG-EXT-001", "IAG-AK-001"):
        assert check_id in proc.stdout
    proc = run_cli("explain", "IAG-EXT-001")
    assert proc.returncode == 0
    assert "## Why is this bad?" in proc.stdout and "## Failing example (Terraform)" in proc.stdout
    proc = run_cli("explain", "NOPE-1")
    assert proc.returncode == 2 and "unknown check" in proc.stderr


def test_custom_checks_directory(tmp_path):
    (tmp_path / "boundaries.py").write_text('''
from iacguard.checks_api import check

@check("ACME-001", family="guardrails", severity="high", title="Roles need a boundary",
       why="Boundaries cap what a role can ever be granted.", fix="Set PermissionsBoundary.")
def roles_need_boundary(ctx):
    """Every role without a permissions boundary."""
    for principal in ctx.model.principals.values():
        if principal.kind == "role" and principal.boundary is None:
            ctx.report(principal.resource, f"{principal.address} has no permissions boundary")
''')
    report, proc = scan_json("tests/fixtures/check_samples/cloudformation/scoped.json", "--checks-dir", str(tmp_path))
    assert [(f["rule_id"], f["resource"], f["line"]) for f in report["findings"]] == [("ACME-001", "WorkerRole", 25)]
    assert proc.returncode == 1
    assert "ACME-001" in run_cli("list-checks", "--checks-dir", str(tmp_path)).stdout


def test_broken_custom_check_is_a_clear_error(tmp_path):
    (tmp_path / "bad.py").write_text("raise RuntimeError('boom')\n")
    proc = run_cli("scan", "tests/fixtures/check_samples/plan", "--checks-dir", str(tmp_path))
    assert proc.returncode == 2
    assert "bad.py" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_path_is_a_usage_error():
    proc = run_cli("scan", "does/not/exist")
    assert proc.returncode == 2 and "path not found" in proc.stderr


def test_parameters_change_what_is_deployed(tmp_path):
    (tmp_path / "t.yaml").write_text("""\
Parameters:
  Principal:
    Type: String
    Default: arn:aws:iam::111122223333:root
Resources:
  Topic:
    Type: AWS::SNS::Topic
  TopicPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Topic]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { AWS: !Ref Principal }
            Action: sns:Publish
            Resource: !Ref Topic
""")
    # the default principal is an account outside the zone of trust until it is declared ours
    report, _ = scan_json(str(tmp_path))
    assert [(f["rule_id"], f["line"]) for f in report["findings"]] == [("IAG-EXT-002", 14)]
    report, _ = scan_json(str(tmp_path), "--deploy-account", "111122223333")
    assert report["findings"] == []
    report, _ = scan_json(str(tmp_path), "--parameter", "Principal=*")
    assert [(f["rule_id"], f["line"]) for f in report["findings"]] == [("IAG-EXT-001", 14)]
    params = tmp_path / "params.json"
    params.write_text('[{"ParameterKey": "Principal", "ParameterValue": "*"}]')
    report, _ = scan_json(str(tmp_path / "t.yaml"), "--parameters-file", str(params))
    assert [f["rule_id"] for f in report["findings"]] == ["IAG-EXT-001"]


def test_terraform_variables_from_the_command_line(tmp_path):
    (tmp_path / "main.tf").write_text("""\
variable "actions" {
  type    = list(string)
  default = ["s3:ListAllMyBuckets"]  # accepts only "*": no finding
}
resource "aws_iam_policy" "p" {
  name   = "p"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = var.actions, Resource = "*" }] })
}
""")
    report, _ = scan_json(str(tmp_path))
    assert report["findings"] == []
    report, _ = scan_json(str(tmp_path), "--var", 'actions=["*"]')
    assert [f["rule_id"] for f in report["findings"]] == ["IAG-LP-001"]
    (tmp_path / "admin.tfvars").write_text('actions = ["*"]\n')
    report, _ = scan_json(str(tmp_path), "--var-file", str(tmp_path / "admin.tfvars"))
    assert [f["rule_id"] for f in report["findings"]] == ["IAG-LP-001"]
