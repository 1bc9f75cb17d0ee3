"""The scanned tree cannot weaken or run the gate: settings never load code, name no file outside
the repository, and with --diff-base a settings change that weakens the gate blocks (IAG-GR-005)."""

from __future__ import annotations

import json
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
