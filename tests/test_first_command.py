"""The README's first command, `iacguard scan sample_templates/`, run as a newcomer runs it: the real
CLI from the repository root on the example application (a Terraform service deployed from GitHub
Actions and a CloudFormation reporting stack). It must show the product on one screen: exactly
the example's real risks, no error and no unresolved value, exit 1 with a clear verdict."""

from __future__ import annotations

import json
import math

from helpers import ROOT, run_cli

# (rule, resource, file, line): every finding the example holds, each a risk a reviewer signs
EXPECTED = {
    ("IAG-EXT-002", "ReportsBucketPolicy", "cloudformation/reporting.yaml", 51),  # agency account not trusted
    ("IAG-EXT-007", "MonitoringRole", "cloudformation/reporting.yaml", 67),  # vendor trust, no ExternalId
    ("IAG-AK-001", "WarehouseAccessKey", "cloudformation/reporting.yaml", 102),  # long-lived key
    ("IAG-AK-002", "Outputs.WarehouseSecretAccessKey", "cloudformation/reporting.yaml", 112),  # secret in output
    ("IAG-EXT-008", "aws_iam_role.deploy", "terraform/ci.tf", 9),  # GitHub OIDC trust without sub
    ("IAG-PE-001", "aws_iam_role.deploy", "terraform/ci.tf", 23),  # iam:PassRole * + lambda:CreateFunction
}
BLOCKING = 4  # the critical and high ones at the default fail-on high
VERDICT = f"FAILED: {BLOCKING} blocking at fail-on high"
SCREEN_LINES = 45


def _readme_first_command() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    command = readme[readme.index("```sh") + 1]
    return command.split("&& iacguard ", 1)[1].split()


def test_the_readme_first_command_scans_sample_templates():
    assert _readme_first_command() == ["scan", "sample_templates/"]


def test_the_first_command_fails_on_exactly_the_example_risks():
    proc = run_cli(*_readme_first_command(), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    report = json.loads(proc.stdout)
    assert report["errors"] == []
    found = {(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]}
    assert found == EXPECTED
    summary = report["summary"]
    assert (summary["errors"], summary["unresolved"], summary["not_analysed"]) == (0, 0, 0)
    assert summary["blocking"] == BLOCKING and summary["exit_code"] == 1 and summary["exit_reason"] is None
    assert (summary["suppressed"], summary["baselined"]) == (0, 0)


def test_the_first_command_report_fits_one_screen_and_ends_with_the_verdict():
    proc = run_cli(*_readme_first_command())
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert len(lines) <= SCREEN_LINES, proc.stdout
    # the same at 100 columns, where a long message takes several rows
    assert sum(max(1, math.ceil(len(line) / 100)) for line in lines) <= SCREEN_LINES, proc.stdout
    assert lines[-1] == VERDICT
    assert lines[-2].endswith(f"{len(EXPECTED)} findings (1 critical, 3 high, 2 medium, 0 low); "
                              "0 errors, 0 unresolved")
    assert "Errors" not in lines and "Not analysed" not in lines
    shown = [line.split()[:3] for line in lines if line.startswith("  ") and line.split()[0].isdigit()]
    assert sorted((rule, int(line)) for line, _, rule in shown) == sorted((r, n) for r, _, _, n in EXPECTED)


def test_the_readme_says_what_the_first_command_gives():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert VERDICT in readme
