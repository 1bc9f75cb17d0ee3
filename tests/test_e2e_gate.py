"""The gate workflow end to end through the real CLI, each case in a temporary git repository:
settings (files, discovery, per-path inputs, overrides, init), inline suppressions, baselines
with stable fingerprints, --diff-base, and failing closed in every mode."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from helpers import run_cli

# ---------------------------------------------------------------- repository helpers


def _git(repo: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com")
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env, check=True)
    return proc.stdout


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _write(repo, files)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    return repo


def _write(repo: Path, files: dict[str, str | None]) -> None:
    for name, text in files.items():
        path = repo / name
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def _scan(repo: Path, *args: str) -> tuple[dict, subprocess.CompletedProcess]:
    proc = run_cli("scan", *args, "--format", "json", cwd=repo)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout, proc.stderr
    return json.loads(proc.stdout), proc


def _active(report: dict, rule: str | None = None) -> list[dict]:
    return [f for f in report["findings"] if not f.get("suppressed") and not f.get("baselined")
            and (rule is None or f["rule_id"] == rule)]


def _rules(report: dict) -> list[str]:
    return sorted(f["rule_id"] for f in _active(report))


# ---------------------------------------------------------------- templates

ADMIN_TF = """\
resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "app" {
  role = aws_iam_role.app.id
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::reports/*" },
      { Effect = "Allow", Action = "*", Resource = "*" },
    ]
  })
}
"""

BUCKET_CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  ReportsPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: reports
      PolicyDocument:
        Statement:
          - Sid: Logs
            Effect: Allow
            Principal: { Service: logging.s3.amazonaws.com }
            Action: s3:PutObject
            Resource: arn:aws:s3:::reports/logs/*
          - Sid: Public
            Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: arn:aws:s3:::reports/public/*
"""


# ================================================================ 1. settings

def test_settings_file_sets_fail_on_severity_and_disabled_checks(tmp_path):
    repo = _repo(tmp_path, {"main.tf": ADMIN_TF, "bucket.yaml": BUCKET_CFN})
    report, proc = _scan(repo, ".")
    assert proc.returncode == 1 and {"IAG-LP-001", "IAG-EXT-001"} <= set(_rules(report))
    _write(repo, {".iacguard.yaml": """\
        fail_on: critical
        disable: [external-access]
        severity_overrides: {IAG-LP-001: medium}
        """})
    report, proc = _scan(repo, ".")
    assert "IAG-EXT-001" not in _rules(report)
    assert {f["severity"] for f in _active(report, "IAG-LP-001")} == {"medium"}
    assert proc.returncode == 0
    # the command line overrides the file
    report, proc = _scan(repo, ".", "--fail-on", "medium")
    assert proc.returncode == 1
    report, proc = _scan(repo, ".", "--severity", "IAG-LP-001=critical")
    assert {f["severity"] for f in _active(report, "IAG-LP-001")} == {"critical"} and proc.returncode == 1
    report, proc = _scan(repo, ".", "--disable", "IAG-LP-001")
    assert "IAG-LP-001" not in _rules(report)


def test_pyproject_table_found_walking_up_but_not_beyond_the_repository(tmp_path):
    repo = _repo(tmp_path, {"infra/main.tf": ADMIN_TF})
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.iacguard]\nfail_on = "none"\n')
    report, proc = _scan(repo, "infra")
    assert proc.returncode == 0 and report["summary"]["fail_on"] == "none"
    # settings above the repository root are not picked up
    (repo / "pyproject.toml").unlink()
    (tmp_path / ".iacguard.yaml").write_text("fail_on: none\n")
    report, proc = _scan(repo, "infra")
    assert proc.returncode == 1 and report["summary"]["fail_on"] == "high"


@pytest.mark.parametrize("text, named", [
    ("fail_on: high\nfial_on: low\n", "'fial_on'"),
    ("trusted_accounts: [123456789012, '210987654321']\n", "'trusted_accounts'"),
    ("trusted_accounts: ['12345']\n", "'trusted_accounts'"),
    ("organization_id: acme\n", "'organization_id'"),
    ("require_permissions_boundary: 'yes'\n", "'require_permissions_boundary'"),
    ("profiles: [acount-baseline]\n", "'profiles'"),
    ("disable: [IAG-LP-999]\n", "'disable'"),
    ("paths:\n  infra: {varfiles: [a.tfvars]}\n", "'paths.infra.varfiles'"),
    ("paths:\n  infra: [a.tfvars]\n", "'paths.infra'"),
    ("paths:\n  infra: {parameters: [A]}\n", "'paths.infra.parameters'"),
    ("baseline: 3\n", "'baseline'"),
])
def test_bad_settings_are_errors_naming_the_key(tmp_path, text, named):
    repo = _repo(tmp_path, {"main.tf": ADMIN_TF, ".iacguard.yaml": text})
    proc = run_cli("scan", ".", cwd=repo)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert named in proc.stderr and ".iacguard.yaml" in proc.stderr


@pytest.mark.parametrize("args, named", [
    (["--trusted-account", "12345"], "'trusted_accounts'"),
    (["--organization-id", "acme"], "'organization_id'"),
    (["--enable", "IAG-NOPE-001"], "'enable'"),
    (["--severity", "IAG-LP-001=severe"], "'severity_overrides'"),
    (["--profile", "nope"], "'profiles'"),
])
def test_bad_overrides_are_errors_naming_the_setting(tmp_path, args, named):
    repo = _repo(tmp_path, {"main.tf": ADMIN_TF})
    proc = run_cli("scan", ".", *args, cwd=repo)
    assert proc.returncode == 2 and named in proc.stderr and "Traceback" not in proc.stderr


def test_zone_of_trust_and_profile_overrides_are_accepted(tmp_path):
    repo = _repo(tmp_path, {"main.tf": ADMIN_TF})
    report, proc = _scan(repo, ".", "--trusted-account", "111122223333", "--deploy-account", "444455556666",
                         "--organization-id", "o-a1b2c3d4e5", "--profile", "account-baseline",
                         "--require-permissions-boundary")
    assert proc.returncode == 1 and "IAG-LP-001" in _rules(report)


VAR_TF = """\
variable "actions" {
  type = list(string)
}

resource "aws_iam_policy" "p" {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = var.actions, Resource = "*" }]
  })
}

# an environment applied as it stands, not a library
provider "aws" {
  region = "eu-west-1"
}
"""

PARAM_CFN = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Action:
    Type: String
Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: !Ref Action
            Resource: "*"
"""


def test_per_path_var_files_and_parameters(tmp_path):
    repo = _repo(tmp_path, {
        "infra/prod/main.tf": VAR_TF, "infra/dev/main.tf": VAR_TF,
        "vars/prod.tfvars": 'actions = ["*"]\n', "vars/dev.tfvars": 'actions = ["s3:GetObject"]\n',
        "stacks/prod/policy.yaml": PARAM_CFN, "stacks/dev/policy.yaml": PARAM_CFN,
        "params/prod.json": '{"Parameters": {"Action": "*"}}\n',
        ".iacguard.yaml": """\
            paths:
              infra/prod: {var_files: [vars/prod.tfvars]}
              infra/dev: {var_files: [vars/dev.tfvars]}
              stacks: {parameters: {Action: "s3:GetObject"}}
              stacks/prod: {parameter_files: [params/prod.json]}
            """,
    })
    # run from elsewhere: file names in the settings resolve against the settings file
    report, proc = _scan(tmp_path, str(repo))
    assert report["errors"] == []
    admin = sorted(f["file"] for f in _active(report, "IAG-LP-001"))
    assert admin == ["infra/prod/main.tf", "stacks/prod/policy.yaml"]
    assert proc.returncode == 1


def test_unresolved_without_per_path_inputs(tmp_path):
    repo = _repo(tmp_path, {"infra/prod/main.tf": VAR_TF})
    report, proc = _scan(repo, ".")
    assert proc.returncode == 2 and [e["kind"] for e in report["errors"]] == ["unresolved"]


def test_init_writes_a_commented_starter_that_scan_accepts(tmp_path):
    repo = _repo(tmp_path, {"main.tf": ADMIN_TF})
    proc = run_cli("init", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    text = (repo / ".iacguard.yaml").read_text()
    assert text.count("#") > 10 and "fail_on: high" in text and "paths:" in text
    report, proc = _scan(repo, ".")
    assert proc.returncode == 1 and report["summary"]["fail_on"] == "high"
    again = run_cli("init", cwd=repo)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert run_cli("init", "--force", cwd=repo).returncode == 0


# ================================================================ 2. suppressions

SUPPRESSED_TF = """\
resource "aws_iam_policy" "ok" {
  # iacguard:ignore IAG-LP-001 break-glass policy, reviewed in SEC-42
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

resource "aws_iam_policy" "by_family" {
  // iacguard:ignore least-privilege: platform admin role, SEC-43
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

resource "aws_iam_policy" "no_reason" {
  # iacguard:ignore IAG-LP-001
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

resource "aws_iam_policy" "typo" {
  # iacguard:ignore IAG-LP-01 reviewed
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

resource "aws_iam_policy" "many" {
  count = 2
  # iacguard:ignore IAG-GR-000 silence the silencer
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }] })
}
"""


def test_terraform_suppressions(tmp_path):
    repo = _repo(tmp_path, {"main.tf": SUPPRESSED_TF})
    report, proc = _scan(repo, ".")
    admin = {f["resource"]: f for f in report["findings"] if f["rule_id"] == "IAG-LP-001"}
    assert admin["aws_iam_policy.ok"]["suppressed"] is True
    assert "SEC-42" in admin["aws_iam_policy.ok"]["suppression_reason"]
    assert admin["aws_iam_policy.by_family"]["suppressed"] is True
    assert "SEC-43" in admin["aws_iam_policy.by_family"]["suppression_reason"]
    assert not admin["aws_iam_policy.no_reason"].get("suppressed")
    assert not admin["aws_iam_policy.typo"].get("suppressed")
    meta = {(f["resource"], f["line"]): f["message"] for f in _active(report, "IAG-GR-000")}
    assert set(meta) == {("aws_iam_policy.no_reason", 12), ("aws_iam_policy.typo", 17),
                         ("aws_iam_policy.many[0]", 23)}  # once per block, not per instance
    assert "no reason" in meta[("aws_iam_policy.no_reason", 12)]
    assert "unknown rule 'IAG-LP-01'" in meta[("aws_iam_policy.typo", 17)]
    assert "cannot itself be suppressed" in meta[("aws_iam_policy.many[0]", 23)]
    assert report["summary"]["suppressed"] == 2
    assert proc.returncode == 1
    text = run_cli("scan", ".", cwd=repo).stdout
    assert "(suppressed)" in text and "SEC-42" in text and "2 suppressed inline" in text


def test_a_broken_suppression_blocks_at_any_fail_on_but_none(tmp_path):
    repo = _repo(tmp_path, {"main.tf": """\
        resource "aws_iam_policy" "p" {
          # iacguard:ignore IAG-AK-001
          policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::r/*" }] })
        }
        """})
    report, proc = _scan(repo, ".", "--fail-on", "critical")
    assert _rules(report) == ["IAG-GR-000"] and proc.returncode == 1
    assert _scan(repo, ".", "--fail-on", "none")[1].returncode == 0


CFN_SUPPRESSIONS = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Ours:
    Type: AWS::IAM::ManagedPolicy
    Metadata:
      iacguard:
        ignore:
          - id: IAG-LP-001
            reason: break-glass, SEC-7
    Properties:
      PolicyDocument: {Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}
  NagMapped:
    Type: AWS::IAM::ManagedPolicy
    Metadata:
      cfn_nag:
        rules_to_suppress:
          - id: F5
            reason: admin policy for the platform team
    Properties:
      PolicyDocument: {Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}
  NagUnmapped:
    Type: AWS::IAM::ManagedPolicy
    Metadata:
      cfn_nag:
        rules_to_suppress:
          - id: W76
            reason: complex policy
    Properties:
      PolicyDocument: {Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}
  GuardNoReason:
    Type: AWS::S3::BucketPolicy
    Metadata:
      guard:
        SuppressedRules:
          - S3_BUCKET_POLICY_NO_WILDCARD_PRINCIPAL
    Properties:
      Bucket: public-a
      PolicyDocument: {Statement: [{Effect: Allow, Principal: "*", Action: s3:GetObject, Resource: "arn:aws:s3:::public-a/*"}]}
  GuardWithReason:
    Type: AWS::S3::BucketPolicy
    Metadata:
      guard:
        SuppressedRules:
          - id: S3_BUCKET_POLICY_NO_WILDCARD_PRINCIPAL
            reason: static website bucket
    Properties:
      Bucket: public-b
      PolicyDocument: {Statement: [{Effect: Allow, Principal: "*", Action: s3:GetObject, Resource: "arn:aws:s3:::public-b/*"}]}
  Malformed:
    Type: AWS::IAM::ManagedPolicy
    Metadata:
      iacguard:
        ignore: IAG-LP-001
    Properties:
      PolicyDocument: {Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "*"}]}
"""


def test_cloudformation_metadata_suppressions(tmp_path):
    repo = _repo(tmp_path, {"stack.yaml": CFN_SUPPRESSIONS})
    report, proc = _scan(repo, ".")
    state = {(f["rule_id"], f["resource"]): bool(f.get("suppressed")) for f in report["findings"]
             if f["rule_id"] != "IAG-GR-000"}
    assert state[("IAG-LP-001", "Ours")] is True
    assert state[("IAG-LP-001", "NagMapped")] is True
    assert state[("IAG-LP-001", "NagUnmapped")] is False
    assert state[("IAG-EXT-001", "GuardNoReason")] is True  # guard's list has no reason field
    assert state[("IAG-EXT-001", "GuardWithReason")] is True
    meta = {f["resource"]: f["message"] for f in _active(report, "IAG-GR-000")}
    # another tool's suppression of a rule iacguard does not map is not addressed to iacguard
    assert set(meta) == {"Malformed"}
    assert "must be a list" in meta["Malformed"]
    reasons = {f["resource"]: f["suppression_reason"] for f in report["findings"] if f.get("suppressed")}
    assert "SEC-7" in reasons["Ours"] and "cfn_nag F5" in reasons["NagMapped"]
    assert proc.returncode == 1


# ================================================================ 3. baselines

def test_baseline_then_only_new_findings_block(tmp_path):
    repo = _repo(tmp_path, {"main.tf": ADMIN_TF, "bucket.yaml": BUCKET_CFN})
    proc = run_cli("baseline", ".", "-o", ".iacguard-baseline.json", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    recorded = json.loads((repo / ".iacguard-baseline.json").read_text())
    assert {e["rule_id"] for e in recorded["findings"]} >= {"IAG-LP-001", "IAG-EXT-001"}
    report, proc = _scan(repo, ".", "--baseline", ".iacguard-baseline.json")
    assert proc.returncode == 0 and _active(report) == []
    assert report["summary"]["baselined"] == len(recorded["findings"])
    text = run_cli("scan", ".", "--baseline", ".iacguard-baseline.json", cwd=repo).stdout
    assert f"{len(recorded['findings'])} baselined" in text and "(baselined)" in text
    # a new risk blocks, the recorded ones still do not
    _write(repo, {"new.tf": 'resource "aws_iam_access_key" "k" {\n  user = "ci"\n}\n'})
    report, proc = _scan(repo, ".", "--baseline", ".iacguard-baseline.json", "--fail-on", "medium")
    assert _rules(report) == ["IAG-AK-001"] and proc.returncode == 1
    # the settings file can name the baseline
    _write(repo, {".iacguard.yaml": "baseline: .iacguard-baseline.json\nfail_on: medium\n", "new.tf": None})
    report, proc = _scan(tmp_path, str(repo))
    assert proc.returncode == 0 and report["summary"]["baseline"].endswith(".iacguard-baseline.json")


ADMIN_TF_REWRITTEN = """\
# moved around and reformatted: same risk
resource "aws_iam_role_policy" "app" {
  role   = aws_iam_role.app.id
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Resource": "*", "Action": ["*"], "Effect": "Allow", "Sid": "Admin"},
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::reports/*"]}
      ]
    }
  EOT
}


resource "aws_iam_role" "app" {
  name = "app"

  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}
"""

BUCKET_CFN_REWRITTEN = """\
{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "ReportsPolicy": {
      "Type": "AWS::S3::BucketPolicy",
      "Properties": {
        "PolicyDocument": {
          "Statement": [
            {"Sid": "Public", "Principal": {"AWS": "*"}, "Effect": "Allow",
             "Resource": ["arn:aws:s3:::reports/public/*"], "Action": ["S3:GetObject"]},
            {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": "arn:aws:s3:::reports/logs/*"}
          ]
        },
        "Bucket": "reports"
      }
    }
  }
}
"""


def test_fingerprints_survive_moves_reformatting_and_reordering(tmp_path):
    repo = _repo(tmp_path, {"main.tf": ADMIN_TF, "bucket.yaml": BUCKET_CFN})
    before, _ = _scan(repo, ".")
    assert run_cli("baseline", ".", "-o", "b.json", cwd=repo).returncode == 0
    # statements reordered, JSON heredoc instead of jsonencode, blocks swapped and moved down,
    # YAML rewritten as JSON with "*" as {"AWS": "*"} and a differently cased action
    _write(repo, {"main.tf": ADMIN_TF_REWRITTEN, "bucket.yaml": None, "bucket.template": BUCKET_CFN_REWRITTEN})
    (repo / "bucket.yaml").write_text("")  # keep the file name: fingerprints are per template file
    (repo / "bucket.template").rename(repo / "bucket.yaml")
    after, proc = _scan(repo, ".", "--baseline", "b.json")
    assert {f["fingerprint"] for f in after["findings"]} == {f["fingerprint"] for f in before["findings"]}
    assert {f["line"] for f in after["findings"]} != {f["line"] for f in before["findings"]}
    assert proc.returncode == 0 and _active(after) == []


@pytest.mark.parametrize("change", [
    # a widened action, a widened resource, a removed condition-free restriction
    ("bucket.yaml", "Action: s3:GetObject", "Action: [s3:GetObject, s3:PutObject]"),
    ("bucket.yaml", "Resource: arn:aws:s3:::reports/public/*", "Resource: arn:aws:s3:::reports/*"),
    ("main.tf", 'Action = "*", Resource = "*"', 'NotAction = "iam:*", Resource = "*"'),
])
def test_fingerprints_change_when_the_risky_content_changes(tmp_path, change):
    repo = _repo(tmp_path, {"main.tf": ADMIN_TF, "bucket.yaml": BUCKET_CFN})
    assert run_cli("baseline", ".", "-o", "b.json", cwd=repo).returncode == 0
    file, old, new = change
    text = (repo / file).read_text()
    assert old in text
    (repo / file).write_text(text.replace(old, new))
    report, proc = _scan(repo, ".", "--baseline", "b.json", "--fail-on", "low")
    rule = "IAG-EXT-001" if file == "bucket.yaml" else None
    active = _active(report, rule)
    assert active and proc.returncode == 1, report["findings"]


def test_a_more_severe_finding_is_not_baselined(tmp_path):
    repo = _repo(tmp_path, {"main.tf": 'resource "aws_iam_access_key" "k" {\n  user = "ci"\n'
                                       '  status = "Inactive"\n}\n'})
    assert run_cli("baseline", ".", "-o", "b.json", cwd=repo).returncode == 0
    _write(repo, {"main.tf": 'resource "aws_iam_access_key" "k" {\n  user = "ci"\n}\n'})
    report, proc = _scan(repo, ".", "--baseline", "b.json", "--fail-on", "low")
    assert _rules(report) == ["IAG-AK-001"] and proc.returncode == 1


@pytest.mark.parametrize("content", ["not json", '{"version": 9, "findings": []}', '{"version": 1}'])
def test_a_bad_baseline_file_is_a_usage_error(tmp_path, content):
    repo = _repo(tmp_path, {"main.tf": ADMIN_TF, "b.json": content})
    proc = run_cli("scan", ".", "--baseline", "b.json", cwd=repo)
    assert proc.returncode == 2 and "b.json" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("scan", ".", "--baseline", "missing.json", cwd=repo)
    assert proc.returncode == 2 and "missing.json" in proc.stderr


@pytest.mark.parametrize("severity, problem", [(None, "has no severity"),
                                               ("severe", "has an unknown severity 'severe'"),
                                               (["high"], "has an unknown severity ['high']")])
def test_a_baseline_entry_without_a_known_severity_is_an_error(tmp_path, severity, problem):
    # The recorded severity is what an entry accepts: without one, the gate must not guess.
    repo = _repo(tmp_path, {"main.tf": ADMIN_TF, "bucket.yaml": BUCKET_CFN})
    assert run_cli("baseline", ".", "-o", "b.json", cwd=repo).returncode == 0
    document = json.loads((repo / "b.json").read_text())
    assert len(document["findings"]) >= 2
    if severity is None:
        del document["findings"][1]["severity"]
    else:
        document["findings"][1]["severity"] = severity
    text = json.dumps(document, indent=2)
    (repo / "b.json").write_text(text)
    line = text.splitlines().index("    {", text.splitlines().index("    {") + 1) + 1  # second entry
    proc = run_cli("scan", ".", "--baseline", "b.json", cwd=repo)
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert f"iacguard: error: b.json:{line}: baseline entry 2 {problem} (one of low, medium, high, critical)" \
        in proc.stderr


# ================================================================ 4. --diff-base

ROLE_TF = """\
resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}
"""

INLINE_TF = ROLE_TF + """
resource "aws_iam_role_policy" "app" {
  role = aws_iam_role.app.id
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = "*", Resource = "*" },
      { Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "arn:aws:s3:::reports/*" },
    ]
  })
}
"""

REORDERED_TF = ROLE_TF + """
resource "aws_iam_role_policy" "app" {
  role = aws_iam_role.app.id
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = ["s3:PutObject", "s3:GetObject"], Resource = "arn:aws:s3:::reports/*" },
      { Effect = "Allow", Action = "*", Resource = "*" },
    ]
  })
}
"""

MANAGED_TF = ROLE_TF + """
resource "aws_iam_role_policy" "app" {
  role = aws_iam_role.app.id
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "arn:aws:s3:::reports/*" }]
  })
}

resource "aws_iam_policy" "admin" {
  policy = jsonencode({ Statement = [{ Sid = "Admin", Effect = "Allow", Action = ["*"], Resource = ["*"] }] })
}

resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.app.name
  policy_arn = aws_iam_policy.admin.arn
}
"""

MANAGED_OTHER_ROLE_TF = MANAGED_TF.replace("role       = aws_iam_role.app.name", "role       = aws_iam_role.ops.name") + \
    ROLE_TF.replace('"app"', '"ops"')

SPLIT_CFN = BUCKET_CFN.replace("""\
          - Sid: Public
            Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: arn:aws:s3:::reports/public/*
""", """\
          - Sid: PublicA
            Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: arn:aws:s3:::reports/public/a/*
          - Sid: PublicB
            Effect: Allow
            Principal: { AWS: "*" }
            Action: [s3:GetObject]
            Resource: arn:aws:s3:::reports/public/b/*
""")


def _diff(repo: Path, *args: str) -> tuple[dict, subprocess.CompletedProcess]:
    status_before = _git(repo, "status", "--porcelain")
    head_before = _git(repo, "rev-parse", "HEAD")
    report, proc = _scan(repo, ".", "--diff-base", "main", *args)
    assert _git(repo, "status", "--porcelain") == status_before  # the working tree is untouched
    assert _git(repo, "rev-parse", "HEAD") == head_before
    return report, proc


def _diff_states(report: dict, rule: str) -> list[str]:
    return sorted(f["diff"] for f in report["findings"] if f["rule_id"] == rule)


@pytest.mark.parametrize("rewrite", [REORDERED_TF, MANAGED_TF], ids=["reordered", "moved-to-managed"])
def test_same_effective_access_introduces_nothing_new(tmp_path, rewrite):
    repo = _repo(tmp_path, {"infra/main.tf": INLINE_TF})
    _write(repo, {"infra/main.tf": rewrite})
    report, proc = _diff(repo)
    assert _diff_states(report, "IAG-LP-001") == ["unchanged"]
    assert proc.returncode == 0, report["findings"]
    assert report["summary"]["diff"]["new"] == 0 and report["summary"]["diff"]["worse"] == 0
    # without --diff-base the same tree blocks
    assert _scan(repo, ".")[1].returncode == 1


def test_split_statement_introduces_nothing_new(tmp_path):
    repo = _repo(tmp_path, {"bucket.yaml": BUCKET_CFN})
    _write(repo, {"bucket.yaml": SPLIT_CFN})
    report, proc = _diff(repo)
    assert _diff_states(report, "IAG-EXT-001") == ["unchanged", "unchanged"]
    assert proc.returncode == 0


CFN_ROLE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
"""
CFN_INLINE = CFN_ROLE + """\
      Policies:
        - PolicyName: admin
          PolicyDocument: {Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}
"""
CFN_MANAGED = CFN_ROLE + """\
  Admin:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Roles: [!Ref AppRole]
      PolicyDocument: {Statement: [{Effect: Allow, Action: ["*"], Resource: ["*"]}]}
"""


def test_cloudformation_inline_to_managed_policy_of_the_same_role(tmp_path):
    repo = _repo(tmp_path, {"stack.yaml": CFN_INLINE})
    _write(repo, {"stack.yaml": CFN_MANAGED})
    report, proc = _diff(repo)
    assert _diff_states(report, "IAG-LP-001") == ["unchanged"] and proc.returncode == 0


@pytest.mark.parametrize("old, new, state", [
    ("Action: s3:GetObject", "Action: [s3:GetObject, s3:DeleteObject]", "worse"),       # widened action
    ("Resource: arn:aws:s3:::reports/public/*", "Resource: arn:aws:s3:::reports/*", "worse"),  # widened resource
    ("Principal: { Service: logging.s3.amazonaws.com }", 'Principal: "*"', "worse"),   # widened principal
])
def test_widened_access_blocks(tmp_path, old, new, state):
    repo = _repo(tmp_path, {"bucket.yaml": BUCKET_CFN})
    assert old in BUCKET_CFN
    _write(repo, {"bucket.yaml": BUCKET_CFN.replace(old, new)})
    report, proc = _diff(repo)
    assert state in _diff_states(report, "IAG-EXT-001")
    assert proc.returncode == 1
    text = run_cli("scan", ".", "--diff-base", "main", cwd=repo).stdout
    assert f"[{state}]" in text and "against main:" in text


def test_admin_policy_attached_to_another_role_is_new(tmp_path):
    repo = _repo(tmp_path, {"infra/main.tf": INLINE_TF})
    _write(repo, {"infra/main.tf": MANAGED_OTHER_ROLE_TF})
    report, proc = _diff(repo)
    assert _diff_states(report, "IAG-LP-001") == ["new"] and proc.returncode == 1


def test_diff_base_reads_only_the_scanned_paths_and_new_directories(tmp_path):
    repo = _repo(tmp_path, {"a/main.tf": INLINE_TF, "b/main.tf": INLINE_TF})
    _write(repo, {"c/main.tf": INLINE_TF})  # not in the base at all, and untracked
    report, proc = _scan(repo, "a", "c", "--diff-base", "main")
    states = {f["file"]: f["diff"] for f in report["findings"] if f["rule_id"] == "IAG-LP-001"}
    assert states == {"a/main.tf": "unchanged", "c/main.tf": "new"}
    assert proc.returncode == 1


def test_diff_base_errors(tmp_path):
    repo = _repo(tmp_path, {"main.tf": INLINE_TF})
    proc = run_cli("scan", ".", "--diff-base", "no-such-branch", cwd=repo)
    assert proc.returncode == 2 and "no-such-branch" in proc.stderr
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "main.tf").write_text(INLINE_TF)
    proc = run_cli("scan", ".", "--diff-base", "main", cwd=outside)
    assert proc.returncode == 2 and "git repository" in proc.stderr and "Traceback" not in proc.stderr


# ================================================================ 5. fail closed

BROKEN_YAML = "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties: [\n"


@pytest.mark.parametrize("mode", ["scan", "baseline-file", "diff-base", "baseline-command"])
@pytest.mark.parametrize("problem", ["unreadable", "unresolved"])
def test_unreadable_and_unresolved_fail_in_every_mode(tmp_path, mode, problem):
    repo = _repo(tmp_path, {"main.tf": ROLE_TF})
    assert run_cli("baseline", ".", "-o", "b.json", cwd=repo).returncode == 0
    if problem == "unreadable":
        _write(repo, {"broken.yaml": BROKEN_YAML})
    else:
        _write(repo, {"prod/main.tf": VAR_TF})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "problem in base too")
    args = {"scan": ["scan", "."], "baseline-file": ["scan", ".", "--baseline", "b.json"],
            "diff-base": ["scan", ".", "--diff-base", "main"],
            "baseline-command": ["baseline", ".", "-o", "b2.json"]}[mode]
    proc = run_cli(*args, cwd=repo)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert ("broken.yaml" if problem == "unreadable" else "could not be resolved") in proc.stdout + proc.stderr
    if mode == "baseline-command":
        assert not (repo / "b2.json").exists()
    allowed = run_cli(*args, "--allow-unresolved", cwd=repo)
    assert allowed.returncode == (2 if problem == "unreadable" else 0), allowed.stdout + allowed.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission_fails(tmp_path):
    repo = _repo(tmp_path, {"main.tf": ROLE_TF, "secret.yaml": BUCKET_CFN})
    (repo / "secret.yaml").chmod(0)
    try:
        report, proc = _scan(repo, ".")
        assert proc.returncode == 2 and any(e["file"] == "secret.yaml" for e in report["errors"])
    finally:
        (repo / "secret.yaml").chmod(0o644)
