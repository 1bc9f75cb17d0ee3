"""Terraform modules where they live: local sources anywhere in the repository that holds the
scanned path, registry and git sources through `.terraform/modules/modules.json`, calls whose
code is not on disk named in every report (an error only when the settings ask), and policies
written in the arguments of such a call judged where they are written."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from helpers import ROOT, run_cli, scan_json, triples

FIXTURES = ROOT / "tests" / "fixtures" / "tf_modules"
LAYOUT = FIXTURES / "layout"

# modules/app judged through envs/prod, paths relative to the scan root (envs/prod)
LAYOUT_FINDINGS = {
    ("IAG-LP-001", "module.app.aws_iam_policy.admin", "../../modules/app/main.tf", 9),
    ("IAG-LP-003", "module.app.aws_iam_role_policy.trust_file", "../../modules/app/main.tf", 17),
    ("IAG-LP-007", "module.app.aws_iam_role_policy.trust_file", "../../modules/app/main.tf", 17),
    ("IAG-PE-001", "module.app.aws_iam_role_policy.trust_file", "../../modules/app/main.tf", 17),
}


def test_envs_prod_follows_a_module_elsewhere_in_the_repository():
    """`iacguard scan envs/prod` reads ../../modules/app (inside the git repository of the
    fixture: this checkout) and its file() reads, and reports findings at the module's file."""
    report, proc = scan_json(str(LAYOUT / "envs" / "prod"))
    assert report["errors"] == [] and report["not_analysed"] == []
    assert triples(report) == LAYOUT_FINDINGS
    assert "../../modules/app/main.tf" in [f["file"] for f in report["findings"]]
    assert proc.returncode == 1
    parallel, _ = scan_json(str(LAYOUT / "envs" / "prod"), "--jobs", "2")
    assert parallel == report  # the same fingerprints and paths whichever way the work is split


def test_without_git_the_repository_is_the_working_directory(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(LAYOUT, repo)
    assert not any((parent / ".git").exists() for parent in [repo, *repo.parents])
    report, proc = scan_json("envs/prod", cwd=repo)
    assert report["errors"] == [] and triples(report) == LAYOUT_FINDINGS and proc.returncode == 1
    # from envs/, the working directory (and so the repository) does not hold modules/app
    report, proc = scan_json("prod", cwd=repo / "envs")
    assert [(e["file"], e["line"], e["message"]) for e in report["errors"]] == [
        ("main.tf", 2, "module source path escapes the repository: ../../modules/app")]
    assert report["findings"] == [] and proc.returncode == 2
    # a .git entry (a worktree's .git is a file) marks the repository wherever the command runs
    (repo / ".git").write_text("gitdir: /nowhere\n")
    report, proc = scan_json(str(repo / "envs" / "prod"), cwd=repo / "envs")
    assert report["errors"] == [] and triples(report) == LAYOUT_FINDINGS


def test_a_module_file_linking_out_of_the_repository_is_an_error(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(LAYOUT, repo)
    (repo / ".git").mkdir()
    (tmp_path / "outside.tf").write_text('resource "aws_iam_user" "hidden" {\n  name = "x"\n}\n')
    os.symlink(tmp_path / "outside.tf", repo / "modules" / "app" / "outside.tf")
    report, proc = scan_json("envs/prod", cwd=repo)
    assert [(e["file"], e["message"]) for e in report["errors"]] == [
        ("../../modules/app/outside.tf", "configuration path escapes the repository: ../../modules/app/outside.tf")]
    assert not any("hidden" in f["resource"] for f in report["findings"])
    assert triples(report) == LAYOUT_FINDINGS and proc.returncode == 2


def test_registry_module_installed_by_terraform_init_is_analysed():
    """The code `terraform init` put in .terraform/modules/roles is analysed through the call
    (and .terraform is never a root of its own); the call's arguments are judged inside it,
    not a second time as arguments of a call not analysed."""
    report, proc = scan_json(str(FIXTURES / "registry_installed"))
    assert report["errors"] == [] and report["not_analysed"] == []
    assert {(f["rule_id"], f["resource"], f["file"]) for f in report["findings"]} == {
        ("IAG-EXT-001", "module.roles.aws_iam_role.deployer", ".terraform/modules/roles/main.tf"),
        # written in the caller's arguments: reported where it is written (README "JSON output")
        ("IAG-LP-001", "module.roles.aws_iam_role_policy.deployer", "main.tf"),
    }
    assert report["summary"]["not_analysed"] == 0 and proc.returncode == 1


NOT_ANALYSED = [
    {"file": "main.tf", "line": 2, "module": "module.vpc", "source": "terraform-aws-modules/vpc/aws",
     "version": "~> 5.0",
     "message": "module.vpc (terraform-aws-modules/vpc/aws, ~> 5.0) not analysed: run terraform init or scan a plan"},
    {"file": "main.tf", "line": 8, "module": "module.dns", "source": "git::https://example.com/org/dns.git?ref=v2",
     "version": None,
     "message": "module.dns (git::https://example.com/org/dns.git?ref=v2) not analysed: "
                "run terraform init or scan a plan"},
    {"file": "main.tf", "line": 12, "module": "module.request", "source": "./modules/request", "version": None,
     "message": "module.request (./modules/request) not analysed: its source directory does not exist"},
]


def test_module_calls_without_code_on_disk_are_named_not_silent():
    path = str(FIXTURES / "registry_missing")
    report, proc = scan_json(path)
    assert report["not_analysed"] == NOT_ANALYSED
    assert report["errors"] == [] and report["findings"] == []
    assert report["summary"]["not_analysed"] == 3 and report["summary"]["exit_code"] == 0
    assert proc.returncode == 0
    text = run_cli("scan", path)
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    assert "Not analysed" in lines
    assert "  main.tf:2: module.vpc (terraform-aws-modules/vpc/aws, ~> 5.0) not analysed: " \
           "run terraform init or scan a plan" in lines
    assert "  main.tf:12: module.request (./modules/request) not analysed: its source directory does not exist" \
        in lines
    assert "1 files, 0 resources: 0 findings (0 critical, 0 high, 0 medium, 0 low); 0 errors, 0 unresolved, " \
           "3 module calls not analysed" in lines
    html = run_cli("scan", path, "--format", "html").stdout
    assert "<h2>Not analysed</h2><ul><li>main.tf:2: module.vpc (terraform-aws-modules/vpc/aws, ~&gt; 5.0) " \
           "not analysed: run terraform init or scan a plan</li>" in html
    sarif = json.loads(run_cli("scan", path, "--format", "sarif").stdout)
    notes = [n for n in sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
             if n["descriptor"]["id"] == "iacguard/not-analysed"]
    assert [(n["level"], n["locations"][0]["physicalLocation"]["region"]["startLine"]) for n in notes] == \
        [("note", 2), ("note", 8), ("note", 12)]


def test_modules_not_on_disk_error_setting_fails_the_run(tmp_path):
    report, proc = scan_json(str(FIXTURES / "registry_missing"), "--modules-not-on-disk", "error")
    assert proc.returncode == 2 and report["not_analysed"] == []
    assert [(e["file"], e["line"], e["message"], e["kind"]) for e in report["errors"]] == [
        (n["file"], n["line"], n["message"] + " (modules_not_on_disk: error)", "input") for n in NOT_ANALYSED]
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "registry_missing", repo)
    (repo / ".iacguard.yaml").write_text("modules_not_on_disk: error\n")
    report, proc = scan_json(".", cwd=repo)
    assert proc.returncode == 2 and len(report["errors"]) == 3
    (repo / ".iacguard.yaml").write_text("modules_not_on_disk: never\n")
    proc = run_cli("scan", ".", cwd=repo)
    assert proc.returncode == 2
    assert "setting 'modules_not_on_disk' must be one of report, error" in proc.stderr


def test_policies_in_arguments_of_a_call_not_analysed_are_judged_where_written():
    """An admin jsonencode() policy and a public bucket policy passed to registry modules that
    are not on disk get the findings the same documents get as an aws_iam_policy and an
    aws_s3_bucket_policy, at the statement where each is written."""
    report, proc = scan_json(str(FIXTURES / "registry_arguments"))
    assert triples(report) == {
        ("IAG-LP-001", "module.worker.var.inline_policy", "main.tf", 8),
        ("IAG-EXT-001", "module.reports.var.policy", "main.tf", 25),
    }
    by_rule = {f["rule_id"]: f for f in report["findings"]}
    assert by_rule["IAG-LP-001"]["resource_type"] == "module_argument_policy"
    assert by_rule["IAG-EXT-001"]["message"].startswith(
        "module.reports.var.policy: statement 1 lets anyone perform s3:GetObject")
    assert [n["module"] for n in report["not_analysed"]] == ["module.worker", "module.reports"]
    assert proc.returncode == 1


def test_module_manifest_directory_escaping_the_repository_is_an_error():
    report, proc = scan_json(str(FIXTURES / "manifest_escape"))
    assert [(e["file"], e["line"], e["message"]) for e in report["errors"]] == [
        (".terraform/modules/modules.json", None,
         "module manifest: the directory of module 'outside' escapes the repository: "
         "../../../../../../../../../../../tmp; not followed")]
    assert proc.returncode == 2


def test_malformed_module_manifest_is_an_error_naming_it():
    report, proc = scan_json(str(FIXTURES / "manifest_broken"))
    assert [(e["file"], e["line"]) for e in report["errors"]] == [(".terraform/modules/modules.json", 3)]
    assert report["errors"][0]["message"].startswith("module manifest is not valid JSON: ")
    assert [n["module"] for n in report["not_analysed"]] == ["module.roles"]
    assert proc.returncode == 2


def test_module_outside_the_scan_root_reads_files_only_in_its_own_directory(tmp_path):
    """file() in a module loaded from outside the scanned path may read the module's own files,
    not the rest of the repository."""
    repo = tmp_path / "repo"
    shutil.copytree(LAYOUT, repo)
    (repo / ".git").mkdir()
    (repo / "secrets.json").write_text('{"Statement": []}')
    main = repo / "modules" / "app" / "main.tf"
    main.write_text(main.read_text() + 'resource "aws_iam_role_policy" "shared" {\n  role   = "x"\n'
                    '  policy = file("${path.module}/../../secrets.json")\n}\n')
    report, proc = scan_json("envs/prod", cwd=repo)
    assert [(e["file"], e["line"], e["message"]) for e in report["errors"] if e["kind"] == "input"] == [
        ("../../modules/app/main.tf", 24, "file() path escapes the scan root: ../../modules/app/../../secrets.json")]
    assert triples(report) == LAYOUT_FINDINGS and proc.returncode == 2


def test_github_annotations_and_summary_name_calls_not_analysed(tmp_path):
    summary = tmp_path / "summary.md"
    proc = run_cli("scan", str(FIXTURES / "registry_missing"), "--format", "github",
                   env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 0
    notices = [line for line in proc.stdout.splitlines() if line.startswith("::notice")]
    assert len(notices) == 3 and "line=2," in notices[0] and notices[0].endswith(
        "::module.vpc (terraform-aws-modules/vpc/aws, ~> 5.0) not analysed: run terraform init or scan a plan")


def _installed_copy(tmp_path: Path, written: str, recorded: str) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "registry_installed", repo)
    main = repo / "main.tf"
    main.write_text(main.read_text().replace('"example-org/roles/aws"', json.dumps(written)))
    manifest = repo / ".terraform" / "modules" / "modules.json"
    manifest.write_text(manifest.read_text().replace('"registry.terraform.io/example-org/roles/aws"',
                                                     json.dumps(recorded)))
    return repo


def test_git_module_installed_by_terraform_init_is_analysed(tmp_path):
    """terraform init records a git shorthand in another form: the call's key decides."""
    repo = _installed_copy(tmp_path, "github.com/example-org/roles", "git::https://github.com/example-org/roles.git")
    report, proc = scan_json(".", cwd=repo)
    assert report["not_analysed"] == [] and report["errors"] == []
    assert {f["resource"] for f in report["findings"]} == {
        "module.roles.aws_iam_role.deployer", "module.roles.aws_iam_role_policy.deployer"}


def test_registry_module_installed_from_another_source_is_not_analysed(tmp_path):
    """The call's registry source changed since terraform init: the code on disk is not the code
    the call names, so it is not judged in its place."""
    repo = _installed_copy(tmp_path, "example-org/roles/aws", "registry.terraform.io/example-org/other-roles/aws")
    report, proc = scan_json(".", cwd=repo)
    assert [n["message"] for n in report["not_analysed"]] == [
        "module.roles (example-org/roles/aws, 1.2.0) not analysed: terraform init installed it from another "
        "source (registry.terraform.io/example-org/other-roles/aws): run terraform init again"]
    # the call's own arguments are still judged where they are written
    assert triples(report) == {("IAG-LP-001", "module.roles.var.permissions", "main.tf", 7)}
    assert proc.returncode == 1


def test_diff_base_reads_the_modules_outside_the_scanned_path_at_the_base(tmp_path):
    """`scan envs/prod --diff-base main` compares the module in ../../modules/app as it was at
    main: its unchanged findings are unchanged, only what the change added is new."""
    from test_e2e_gate import _git, _scan

    repo = tmp_path / "repo"
    shutil.copytree(LAYOUT, repo)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    main = repo / "modules" / "app" / "main.tf"
    main.write_text(main.read_text() + 'resource "aws_iam_policy" "more" {\n  name = "more"\n'
                    '  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })\n}\n')
    report, proc = _scan(repo, "envs/prod", "--diff-base", "main")
    assert report["errors"] == []
    diffs = {(f["rule_id"], f["resource"], f["diff"]) for f in report["findings"]}
    assert ("IAG-LP-001", "module.app.aws_iam_policy.admin", "unchanged") in diffs
    assert ("IAG-LP-001", "module.app.aws_iam_policy.more", "new") in diffs
    assert {d for _, _, d in diffs} == {"unchanged", "new"}
    assert [f["resource"] for f in report["findings"] if f["diff"] == "new"] == ["module.app.aws_iam_policy.more"]
    assert report["summary"]["diff"]["new"] == 1 and proc.returncode == 1


def test_a_policy_decided_by_a_call_not_analysed_names_that_call(tmp_path):
    """What a policy needs from a module whose code is not on disk is named as that call, with
    what to do, even through for filters and alternatives (terraform-aws-eventbridge's pipe
    policies said only "dynamic statements not known")."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.tf").write_text('''
provider "aws" {
  region = "eu-west-1"
}

module "target" {
  source  = "example-org/worker/aws"
  version = "2.0.0"
}

locals {
  arns     = [module.target.arn, "arn:aws:sqs:eu-west-1:111111111111:jobs"]
  # the service of each ARN decides the statement it gets
  services = [for arn in local.arns : split(":", arn)[2]]
}

data "aws_iam_policy_document" "pipe" {
  statement {
    actions   = [for service in local.services : "${service}:*"]
    resources = local.arns
  }
}

resource "aws_iam_policy" "pipe" {
  name   = "pipe"
  policy = data.aws_iam_policy_document.pipe.json
}
''')
    report, proc = scan_json(".", cwd=tmp_path)
    assert [(e["kind"], e["file"], e["message"]) for e in report["errors"]] == [
        ("unresolved", "main.tf", "policy of aws_iam_policy.pipe could not be resolved: statement 1 Action: "
                                  "module.target is not analysed (its code is not on disk): run terraform init "
                                  "or scan a plan")]
    assert [e["module"] for e in report["not_analysed"]] == ["module.target"]
    assert proc.returncode == 2
