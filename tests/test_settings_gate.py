"""The scanned tree cannot weaken or run the gate: settings never load code, name no file outside
the repository, and with --diff-base a settings change that weakens the gate blocks (IAG-GR-005)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import run_cli
from test_e2e_gate import ADMIN_TF, _git, _repo, _scan, _write

# A check module whose import leaves a mark: it must never be imported from the scanned tree.
MARKING_CHECK = """\
from pathlib import Path
Path(__file__).with_name("IMPORTED").write_text("imported")
from iacguard.checks_api import check

@check("ACME-001", family="guardrails", severity="high", title="Every role", why="w", fix="f")
def every_role(ctx):
    \"\"\"Reports every role.\"\"\"
    for principal in ctx.model.principals.values():
        if principal.kind == "role":
            ctx.report(principal.resource, f"{principal.address}: custom finding")
"""


# ================================================================ settings never load code

@pytest.mark.parametrize("settings_file, text, key", [
    (".iacguard.yaml", "checks_dirs: [evil]\n", "'checks_dirs'"),
    (".iacguard.yaml", "checks-dirs: [evil]\n", "'checks-dirs'"),
    (".iacguard.yaml", "checks_dir: evil\n", "'checks_dir'"),
    ("pyproject.toml", '[tool.iacguard]\nchecks_dirs = ["evil"]\n', "'checks_dirs'"),
])
def test_a_settings_key_that_would_load_code_is_an_error(tmp_path, settings_file, text, key):
    repo = _repo(tmp_path, {"main.tf": ADMIN_TF, "evil/acme.py": MARKING_CHECK, settings_file: text})
    for command in (["scan", "."], ["baseline", ".", "-o", "b.json"], ["graph", "."]):
        proc = run_cli(*command, cwd=repo)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert f"{settings_file}: setting {key} is not allowed" in proc.stderr
        assert "--checks-dir" in proc.stderr
        assert not (repo / "evil" / "IMPORTED").exists()


def test_custom_checks_load_from_the_environment_variable_of_the_ci_owner(tmp_path):
    repo = _repo(tmp_path, {"main.tf": ADMIN_TF})
    checks = tmp_path / "owner-checks"
    checks.mkdir()
    (checks / "acme.py").write_text(MARKING_CHECK)
    env = {"IACGUARD_CHECKS_DIR": str(checks)}
    proc = run_cli("scan", ".", "--format", "json", "--fail-on", "none", cwd=repo, env=env)
    assert proc.returncode == 0, proc.stderr
    custom = [(f["rule_id"], f["resource"], f["file"]) for f in json.loads(proc.stdout)["findings"]
              if f["rule_id"] == "ACME-001"]
    assert custom == [("ACME-001", "aws_iam_role.app", "main.tf")]
    assert "ACME-001" in run_cli("list-checks", cwd=repo, env=env).stdout
    assert "Every role" in run_cli("explain", "ACME-001", cwd=repo, env=env).stdout
    missing = run_cli("scan", ".", cwd=repo, env={"IACGUARD_CHECKS_DIR": str(tmp_path / "nope")})
    assert missing.returncode == 2 and "checks directory not found" in missing.stderr


def test_cfn_lint_reads_no_cfnlintrc_from_the_scanned_checkout(tmp_path):
    """cfn-lint's project config (.cfnlintrc in the working directory) could import rules written
    in Python (append_rules) and hide its errors (ignore_checks); --cfn-lint reads none."""
    repo = _repo(tmp_path, {
        "stack.yaml": """\
            AWSTemplateFormatVersion: "2010-09-09"
            Resources:
              Bucket:
                Type: AWS::S3::Bucket
                Properties:
                  Nope: 1
            """,
        ".cfnlintrc": "append_rules: [rules]\nignore_checks: [E3002]\n",
        "rules/evil.py": 'from pathlib import Path\nPath(__file__).with_name("IMPORTED").write_text("x")\n',
    })
    report, proc = _scan(repo, "stack.yaml", "--cfn-lint")
    assert not (repo / "rules" / "IMPORTED").exists()
    lint = [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]
            if f["family"] == "template-validity"]
    assert lint == [("E3002", "Bucket", "stack.yaml", 6)] and proc.returncode == 1


# ================================================================ settings name no file outside the repository

VARIABLE_TF = """\
variable "action" {}

resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "app" {
  role   = aws_iam_role.app.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = var.action, Resource = "*" }] })
}
"""


@pytest.mark.parametrize("settings_file, text, key, named", [
    (".iacguard.yaml", "var_files: [../outside.tfvars]\n", "'var_files'", "'../outside.tfvars'"),
    (".iacguard.yaml", "parameter_files: [../outside.json]\n", "'parameter_files'", "'../outside.json'"),
    (".iacguard.yaml", "baseline: ../outside.json\n", "'baseline'", "'../outside.json'"),
    (".iacguard.yaml", "paths:\n  infra: {var_files: [../../outside.tfvars]}\n", "'paths.infra.var_files'",
     "'../../outside.tfvars'"),
    (".iacguard.yaml", "paths:\n  infra: {parameter_files: [OUTSIDE/outside.json]}\n",
     "'paths.infra.parameter_files'", "/outside.json'"),
    (".iacguard.yaml", "var_files: [link.tfvars]\n", "'var_files'", "'link.tfvars'"),  # a symlink out
    ("pyproject.toml", '[tool.iacguard]\nvar_files = ["../outside.tfvars"]\n', "'var_files'", "'../outside.tfvars'"),
])
def test_settings_may_not_name_files_outside_the_repository(tmp_path, settings_file, text, key, named):
    outside = tmp_path  # the repository is tmp_path/repo
    (outside / "outside.tfvars").write_text('action = "s3:GetObject"\n')
    (outside / "outside.json").write_text('{"fingerprint": "x"}\n')
    repo = _repo(tmp_path, {"infra/main.tf": VARIABLE_TF,
                            settings_file: text.replace("OUTSIDE", str(outside))})
    (repo / "link.tfvars").symlink_to(outside / "outside.tfvars")
    for command in (["scan", "."], ["scan", "infra"], ["baseline", ".", "-o", "b.json"]):
        proc = run_cli(*command, cwd=repo)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert f"{settings_file}: setting {key}: " in proc.stderr and named in proc.stderr, proc.stderr
        assert "is outside the repository" in proc.stderr


def test_settings_files_inside_the_repository_and_command_line_files_anywhere_are_read(tmp_path):
    (tmp_path / "outside.tfvars").write_text('action = "*"\n')
    repo = _repo(tmp_path, {"infra/main.tf": VARIABLE_TF, "infra/prod.tfvars": 'action = "*"\n',
                            ".iacguard.yaml": "paths:\n  infra: {var_files: [infra/prod.tfvars]}\n"})
    report, proc = _scan(repo, "infra")
    assert [(f["rule_id"], f["resource"]) for f in report["findings"] if f["rule_id"] == "IAG-LP-001"] == \
        [("IAG-LP-001", "aws_iam_role_policy.app")]
    _write(repo, {".iacguard.yaml": "fail_on: high\n"})
    report, proc = _scan(repo, "infra", "--var-file", str(tmp_path / "outside.tfvars"))
    assert [(f["rule_id"], f["resource"]) for f in report["findings"] if f["rule_id"] == "IAG-LP-001"] == \
        [("IAG-LP-001", "aws_iam_role_policy.app")]


# ================================================================ IAG-GR-005: settings that weaken the gate

BASE_SETTINGS = """\
fail_on: medium
severity_overrides: {IAG-AK-001: critical}
trusted_accounts: ["111122223333"]
profiles: [account-baseline]
require_permissions_boundary: true
"""

ACCESS_KEY_TF = """\
resource "aws_iam_user" "ci" {
  name = "ci"
}

resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}
"""


def _weakenings(report: dict) -> list[tuple]:
    return [(f["resource"], f["file"], f["line"], f["severity"], f["message"])
            for f in report["findings"] if f["rule_id"] == "IAG-GR-005"]


@pytest.mark.parametrize("head, expected", [
    (BASE_SETTINGS.replace("fail_on: medium", "fail_on: critical"),
     [("fail_on", 1, "fail_on: raised from medium to critical")]),
    (BASE_SETTINGS.replace("fail_on: medium", "fail_on: none"),
     [("fail_on", 1, "fail_on: raised from medium to none")]),
    (BASE_SETTINGS + "disable: [access-keys]\n",
     [("disable", 6, "disable: turns off IAG-AK-001, IAG-AK-002, IAG-AK-003")]),
    (BASE_SETTINGS + "enable: [least-privilege]\n", None),  # every other check turned off by enable
    (BASE_SETTINGS.replace("{IAG-AK-001: critical}", "{IAG-AK-001: low}"),
     [("severity_overrides", 2, "severity_overrides: lowers IAG-AK-001 from critical to low")]),
    (BASE_SETTINGS.replace('["111122223333"]', '["111122223333", "444455556666"]'),
     [("trusted_accounts", 3, "trusted_accounts: adds 444455556666 to the zone of trust")]),
    (BASE_SETTINGS + 'deploy_accounts: ["444455556666"]\n',
     [("deploy_accounts", 6, "deploy_accounts: adds 444455556666 to the zone of trust")]),
    (BASE_SETTINGS + "organization_id: o-a1b2c3d4e5\n",
     [("organization_id", 6, "organization_id: trusts organization o-a1b2c3d4e5 (base: none)")]),
    (BASE_SETTINGS.replace("profiles: [account-baseline]", "profiles: []"),
     [("profiles", 4, "profiles: removes account-baseline (its checks stop running)")]),
    (BASE_SETTINGS + "allow_unresolved: true\n",
     [("allow_unresolved", 6, "allow_unresolved: turned on: policies that cannot be resolved no longer fail the run")]),
    (BASE_SETTINGS.replace("require_permissions_boundary: true", "require_permissions_boundary: false"),
     [("require_permissions_boundary", 5, "require_permissions_boundary: turned off")]),
])
def test_a_settings_change_that_weakens_the_gate_blocks(tmp_path, head, expected):
    repo = _repo(tmp_path, {"main.tf": ACCESS_KEY_TF, ".iacguard.yaml": BASE_SETTINGS})
    _write(repo, {".iacguard.yaml": head})
    report, proc = _scan(repo, ".", "--diff-base", "main")
    found = _weakenings(report)
    if expected is None:  # enable: only least-privilege: every other check that ran is turned off
        assert [(r, line) for r, _, line, _, _ in found] == [("enable", 6)]
        evidence = next(f["evidence"] for f in report["findings"] if f["rule_id"] == "IAG-GR-005")
        assert {"IAG-AK-001", "IAG-GR-005", "IAG-EXT-001"} <= set(evidence["checks"])
        assert not any(c.startswith("IAG-LP-") for c in evidence["checks"])
    else:
        assert found == [(r, ".iacguard.yaml", line, "high", message) for r, line, message in expected]
    assert all(f["diff"] == "new" for f in report["findings"] if f["rule_id"] == "IAG-GR-005")
    assert proc.returncode == 1
    # the same settings without --diff-base: nothing to compare with, no finding
    report, _ = _scan(repo, ".")
    assert _weakenings(report) == []


def test_turning_modules_not_on_disk_back_to_report_weakens_the_gate(tmp_path):
    base = BASE_SETTINGS + "modules_not_on_disk: error\n"
    repo = _repo(tmp_path, {"main.tf": ACCESS_KEY_TF, ".iacguard.yaml": base})
    _write(repo, {".iacguard.yaml": base.replace("modules_not_on_disk: error", "modules_not_on_disk: report")})
    report, proc = _scan(repo, ".", "--diff-base", "main")
    assert _weakenings(report) == [
        ("modules_not_on_disk", ".iacguard.yaml", 6, "high", "modules_not_on_disk: turned to report: Terraform "
         "module calls whose code is not on disk no longer fail the run")]
    assert proc.returncode == 1


def test_settings_cannot_turn_off_or_soften_the_rule_that_judges_them(tmp_path):
    repo = _repo(tmp_path, {"main.tf": ACCESS_KEY_TF, ".iacguard.yaml": BASE_SETTINGS})
    _write(repo, {".iacguard.yaml": BASE_SETTINGS.replace("fail_on: medium", "fail_on: none")
                  + "disable: [IAG-GR-005, guardrails, access-keys]\nseverity_overrides: {IAG-GR-005: low}\n"})
    report, proc = _scan(repo, ".", "--diff-base", "main")
    assert proc.returncode == 1, proc.stderr
    found = {(r, line, severity) for r, _, line, severity, _ in _weakenings(report)}
    assert found == {("fail_on", 1, "high"), ("disable", 6, "high")}
    disabled = next(f for f in report["findings"] if f["rule_id"] == "IAG-GR-005" and f["resource"] == "disable")
    assert {"IAG-GR-005", "IAG-GR-000", "IAG-AK-001"} <= set(disabled["evidence"]["checks"])
    # fail_on raised by the file gives way to the base's: the summary says what decided
    assert report["summary"]["fail_on"] == "medium"
    # the CI owner's command line still decides: --fail-on none reports without blocking
    report, proc = _scan(repo, ".", "--diff-base", "main", "--fail-on", "none")
    assert proc.returncode == 0 and len(_weakenings(report)) == 2


def test_stricter_or_unchanged_settings_are_no_finding(tmp_path):
    repo = _repo(tmp_path, {"main.tf": ACCESS_KEY_TF, ".iacguard.yaml": BASE_SETTINGS + "disable: [IAG-AK-002]\n"})
    _write(repo, {".iacguard.yaml": "# reformatted, stricter\nfail_on: low\nseverity_overrides: {IAG-AK-001: critical, "
                                    "IAG-GR-002: high}\ntrusted_accounts: []\nprofiles: [account-baseline]\n"
                                    "require_permissions_boundary: true\n"})
    report, proc = _scan(repo, ".", "--diff-base", "main")
    assert _weakenings(report) == [] and proc.returncode == 0  # the access key is unchanged since the base


@pytest.mark.parametrize("settings_file, text, line", [
    (".iacguard.yaml", "# added by the pull request\ndisable: [access-keys]\n", 2),
    ("pyproject.toml", '[project]\nname = "x"\n\n[tool.iacguard]\nfail_on = "none"\ndisable = ["access-keys"]\n', 6),
])
def test_a_settings_file_added_since_the_base_is_compared_with_the_defaults(tmp_path, settings_file, text, line):
    repo = _repo(tmp_path, {"infra/main.tf": ACCESS_KEY_TF})
    _write(repo, {settings_file: text})
    report, proc = _scan(repo, "infra", "--diff-base", "main")
    found = [(r, f, n) for r, f, n, _, _ in _weakenings(report)]
    assert ("disable", f"../{settings_file}", line) in found, found
    assert proc.returncode == 1


def test_a_settings_file_deleted_since_the_base_is_compared_with_the_defaults(tmp_path):
    repo = _repo(tmp_path, {"main.tf": ACCESS_KEY_TF, ".iacguard.yaml": "fail_on: low\n"})
    _write(repo, {".iacguard.yaml": None})
    report, proc = _scan(repo, ".", "--diff-base", "main")
    assert [(r, f, m) for r, f, _, _, m in _weakenings(report)] == \
        [("fail_on", ".iacguard.yaml", "fail_on: raised from low to high")]


def test_baseline_entries_added_since_the_base_block(tmp_path):
    repo = _repo(tmp_path, {"main.tf": ACCESS_KEY_TF, ".iacguard.yaml": "baseline: .iacguard-baseline.json\n",
                            ".iacguard-baseline.json": '{"version": 1, "tool": "iacguard", "findings": []}\n'})
    proc = run_cli("baseline", ".", "-o", ".iacguard-baseline.json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    report, proc = _scan(repo, ".", "--diff-base", "main")
    recorded = json.loads((repo / ".iacguard-baseline.json").read_text())["findings"]
    assert recorded and all(f["baselined"] for f in report["findings"] if f["rule_id"] != "IAG-GR-005")
    found = [f for f in report["findings"] if f["rule_id"] == "IAG-GR-005"]
    assert [(f["resource"], f["file"]) for f in found] == [("baseline", ".iacguard-baseline.json")]
    text = (repo / ".iacguard-baseline.json").read_text()
    first = text[: text.index(recorded[0]["fingerprint"])].count("\n") + 1
    assert found[0]["line"] == first
    assert sorted((e["rule_id"], e["resource"]) for e in found[0]["evidence"]["added"]) == \
        sorted((e["rule_id"], e["resource"]) for e in recorded)
    assert proc.returncode == 1
    # the same baseline given on the command line is the pull request's file too
    report, proc = _scan(repo, ".", "--diff-base", "main", "--baseline", ".iacguard-baseline.json")
    assert [f["resource"] for f in report["findings"] if f["rule_id"] == "IAG-GR-005"] == ["baseline"]
    # once the baseline is on the base branch, it hides the recorded findings and nothing blocks
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "baseline")
    report, proc = _scan(repo, ".", "--diff-base", "main")
    assert _weakenings(report) == [] and proc.returncode == 0, report


def test_settings_and_baseline_from_outside_the_repository_are_the_ci_owners(tmp_path):
    repo = _repo(tmp_path, {"main.tf": ACCESS_KEY_TF, ".iacguard.yaml": "fail_on: low\n"})
    owner = tmp_path / "owner.yaml"
    owner.write_text("disable: [access-keys]\n")
    report, proc = _scan(repo, ".", "--diff-base", "main", "--config", str(owner))
    assert _weakenings(report) == [] and proc.returncode == 0, proc.stderr


def test_the_documented_step_lets_the_base_branch_settings_decide(tmp_path):
    """docs/github-actions.md: the step that copies the base branch's settings and baseline next to
    the pull request's, run as written; the scan given them (the action's config and baseline
    inputs) then blocks as the base's settings would."""
    import re
    import subprocess

    import yaml

    from helpers import ROOT

    doc = (ROOT / "docs" / "github-actions.md").read_text()
    section = doc[doc.index("## The base branch's settings govern"):]
    workflow = yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1))
    steps = workflow["jobs"]["iacguard"]["steps"]
    step = next(s for s in steps if s.get("name") == "Gate settings and baseline from the base branch")
    gate = next(s for s in steps if s.get("id") == "iacguard")["with"]
    config, baseline = (re.search(r"&& '([^']*)'", gate[name]).group(1) for name in ("config", "baseline"))
    repo = _repo(tmp_path, {"main.tf": ACCESS_KEY_TF, ".iacguard.yaml": "fail_on: medium\n"})
    _git(repo, "checkout", "-qb", "pr")
    _write(repo, {".iacguard.yaml": "disable: [access-keys]\n",
                  ".iacguard-baseline.json": '{"version": 1, "tool": "iacguard", "findings": []}\n'})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "weaken")
    weakened, proc = _scan(repo, ".")
    assert proc.returncode == 0 and not [f for f in weakened["findings"] if f["family"] == "access-keys"]
    subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env={"BASE": "main", "PATH": "/usr/bin:/bin"},
                   check=True)
    assert (repo / config).read_text() == "fail_on: medium\n"
    assert json.loads((repo / baseline).read_text()) == {"version": 1, "findings": []}  # the base had none
    report, proc = _scan(repo, ".", "--diff-base", "main", "--config", config, "--baseline", baseline)
    assert proc.returncode == 0 and report["summary"]["fail_on"] == "medium" and _weakenings(report) == []
    assert [f["rule_id"] for f in report["findings"] if f["family"] == "access-keys"]  # scanned again


def test_turning_off_the_ci_owners_custom_check_is_a_weakening(tmp_path):
    repo = _repo(tmp_path, {"main.tf": ADMIN_TF})
    checks = tmp_path / "owner-checks"
    checks.mkdir()
    (checks / "acme.py").write_text(MARKING_CHECK)
    _write(repo, {".iacguard.yaml": "severity_overrides: {ACME-001: low}\n\n\ndisable: [ACME-001]\n"})
    proc = run_cli("scan", ".", "--diff-base", "main", "--format", "json", cwd=repo,
                   env={"IACGUARD_CHECKS_DIR": str(checks)})
    found = [(f["resource"], f["line"], f["message"]) for f in json.loads(proc.stdout)["findings"]
             if f["rule_id"] == "IAG-GR-005"]
    assert found == [("disable", 4, "disable: turns off ACME-001")] and proc.returncode == 1


def test_a_root_removed_from_the_settings_weakens_the_gate(tmp_path):
    """A directory taken out of `roots` becomes a library: its variables without a value stop
    failing the run, so the change is judged like any other that lets more through."""
    repo = _repo(tmp_path, {"main.tf": ACCESS_KEY_TF, "envs/prod/main.tf": ACCESS_KEY_TF,
                            ".iacguard.yaml": BASE_SETTINGS + "roots: [envs/prod, .]\n"})
    _write(repo, {".iacguard.yaml": BASE_SETTINGS + "roots: [.]\n"})
    report, proc = _scan(repo, ".", "--diff-base", "main")
    assert _weakenings(report) == [("roots", ".iacguard.yaml", 6, "high", "roots: removes envs/prod (a library "
                                    "then: its variables without a value no longer fail the run)")]
    assert proc.returncode == 1
    # the same root removed from the tree along with its entry: nothing left to weaken
    shutil.rmtree(repo / "envs")
    report, proc = _scan(repo, ".", "--diff-base", "main")
    assert _weakenings(report) == [] and "Traceback" not in proc.stderr
