"""Libraries versus roots, and messages a person can act on.

A Terraform directory that nothing in the scan calls and that is not applied as it stands (no
backend, no provider configuration, no tfvars of its own or given for it, not named by the
settings `roots`) is a library: what its own variables without a value decide is judged where its
callers pass them, so they are listed once in the summary instead of failing the run. Everything
else that cannot be known is an unresolved error naming the input in one line, and a summary line
says why the run exited 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import ROOT, run_cli, scan_json

FIXTURES = ROOT / "tests" / "fixtures" / "libraries"

LIBRARY_INPUTS = [{"directory": "lib", "inputs": ["var.policy", "var.principals"]}]
POLICY_ERROR = ("lib/main.tf", 17, "unresolved",
                "policy of aws_iam_policy.this could not be resolved: var.policy has no value: "
                "pass --var policy=... or a var file")
PRINCIPALS_ERROR = ("lib/main.tf", 26, "unresolved",
                    "aws_s3_bucket_policy.this: statement 1 of the resource policy lets in callers not known "
                    "before deployment (could be anyone): Principal.AWS: var.principals has no value: "
                    "pass --var principals=... or a var file")
EXIT_REASON = ("exit 2: 2 unresolved (inputs without value: var.policy, var.principals; "
               "--allow-unresolved accepts them)")


def _library(tmp_path: Path, **extra: str) -> Path:
    """A repository holding the library fixture as lib/, plus ``extra`` files (name: text)."""
    (tmp_path / ".git").mkdir(parents=True)
    shutil.copytree(FIXTURES / "library", tmp_path / "lib")
    for name, text in extra.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def _errors(report: dict) -> list[tuple]:
    return [(e["file"], e["line"], e["kind"], e["message"]) for e in report["errors"]]


def _findings(report: dict) -> list[tuple]:
    return [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]]


def test_a_library_lists_its_inputs_instead_of_failing(tmp_path):
    repo = _library(tmp_path)
    report, proc = scan_json(str(repo), cwd=repo)
    # what is written literally is still judged: the admin policy is found
    assert _findings(report) == [("IAG-LP-001", "aws_iam_policy.break_glass", "lib/main.tf", 40)]
    assert report["errors"] == []
    assert report["summary"]["libraries"] == LIBRARY_INPUTS
    assert report["summary"]["unresolved"] == 0 and report["summary"]["exit_reason"] is None
    assert proc.returncode == 1  # the finding blocks; the library inputs do not
    text = run_cli("scan", str(repo), "--fail-on", "none", cwd=repo)
    assert text.returncode == 0
    assert "lib: inputs not known: var.policy, var.principals (library: judged where callers pass them)" \
        in text.stdout.splitlines()


def test_libraries_are_the_same_across_processes(tmp_path):
    # two roots, so that --jobs 2 scans them in two worker processes
    repo = _library(tmp_path, **{"other/main.tf": 'resource "aws_iam_user" "ci" {\n  name = "ci"\n}\n'})
    one, _ = scan_json(str(repo), "--jobs", "1", cwd=repo)
    two, _ = scan_json(str(repo), "--jobs", "2", cwd=repo)
    assert one["summary"]["libraries"] == two["summary"]["libraries"] == LIBRARY_INPUTS


@pytest.mark.parametrize("extra", [
    {"lib/providers.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n'},
    {"lib/backend.tf": 'terraform {\n  backend "s3" {}\n}\n'},
    # values of its own make it a root even when they leave these variables without a value
    {"lib/terraform.tfvars": 'unused = "x"\n'},
    {"lib/prod.auto.tfvars": 'unused = "x"\n'},
    {".iacguard.yaml": "roots: [lib]\n"},
    {".iacguard.yaml": "paths:\n  lib: {var_files: [lib/prod.tfvars]}\n", "lib/prod.tfvars": 'unused = "x"\n'},
], ids=["provider", "backend", "terraform.tfvars", "auto.tfvars", "settings-roots", "settings-var-files"])
def test_a_root_applied_as_it_stands_fails_on_its_unknown_inputs(tmp_path, extra):
    repo = _library(tmp_path, **extra)
    report, proc = scan_json(str(repo), cwd=repo)
    assert _errors(report) == [POLICY_ERROR, PRINCIPALS_ERROR]
    assert report["summary"]["libraries"] == []
    assert report["summary"]["exit_reason"] == EXIT_REASON
    assert proc.returncode == 2
    text = run_cli("scan", str(repo), cwd=repo)
    # the text verdict says ERROR and why, then the findings count
    assert text.stdout.splitlines()[-2] == "ERROR: " + EXIT_REASON.removeprefix("exit 2: ")
    assert "  lib/main.tf:17: unresolved: " + POLICY_ERROR[3] in text.stdout.splitlines()


def test_a_var_file_on_the_command_line_makes_a_root(tmp_path):
    repo = _library(tmp_path, **{"prod.tfvars": 'policy = "{}"\n'})
    report, proc = scan_json(str(repo), "--var-file", str(repo / "prod.tfvars"), cwd=repo)
    assert _errors(report) == [PRINCIPALS_ERROR]
    assert report["summary"]["exit_reason"] == ("exit 2: 1 unresolved (inputs without value: var.principals; "
                                                "--allow-unresolved accepts them)")
    assert proc.returncode == 2


def test_settings_roots_must_name_directories(tmp_path):
    repo = _library(tmp_path, **{".iacguard.yaml": "roots: [lib, envs/prod]\n"})
    proc = run_cli("scan", str(repo), cwd=repo)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "setting 'roots': 'envs/prod' is not a directory" in proc.stderr
    repo = _library(tmp_path / "other", **{".iacguard.yaml": "roots: lib\n"})
    proc = run_cli("scan", str(repo), cwd=repo)
    assert proc.returncode == 2 and "setting 'roots' must be a list, got string" in proc.stderr


def test_exit_reason_counts_input_errors_too(tmp_path):
    repo = _library(tmp_path, **{"lib/providers.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n',
                                 "broken.yaml": "Resources:\n  Role:\n    Type: AWS::IAM::Role\n  - x\n"})
    report, proc = scan_json(str(repo), cwd=repo)
    assert report["summary"]["exit_reason"] == (
        "exit 2: 2 unresolved (inputs without value: var.policy, var.principals; --allow-unresolved accepts "
        "them), 1 input error in 1 file")
    allowed, proc = scan_json(str(repo), "--allow-unresolved", cwd=repo)
    assert allowed["summary"]["exit_reason"] == "exit 2: 1 input error in 1 file"
    assert proc.returncode == 2


def test_an_input_passed_down_through_for_each_is_named_where_a_person_sets_it():
    """each.value.boundary of a module's for_each over var.roles, which the root passes from its own
    var.roles: the message names the root variable, not the expression."""
    report, proc = scan_json(str(FIXTURES / "with_caller"))
    assert _errors(report) == [
        ("modules/role/main.tf", 5, "unresolved",
         "module.roles.aws_iam_role.this attaches a policy that could not be resolved: var.roles has no value: "
         "pass --var roles=... or a var file")]
    assert report["summary"]["exit_reason"] == ("exit 2: 1 unresolved (inputs without value: var.roles; "
                                                "--allow-unresolved accepts them)")
    assert proc.returncode == 2


@pytest.mark.parametrize("policy, message", [
    ("data.aws_iam_role.deployer.arn",
     "data.aws_iam_role.deployer.arn is read at plan time"),
    ("aws_ssm_parameter.boundary.value",
     "aws_ssm_parameter.boundary.value is known only after apply"),
    # several inputs: what a person can pass first, whatever the order they are written in
    ("format(\"%s%s\", data.aws_iam_role.deployer.arn, var.suffix)",
     "var.suffix has no value: pass --var suffix=... or a var file; data.aws_iam_role.deployer.arn is read at "
     "plan time"),
], ids=["data", "after-apply", "several"])
def test_other_unknowns_name_their_source_in_one_line(tmp_path, policy, message):
    (tmp_path / "main.tf").write_text(f'''provider "aws" {{
  region = "eu-west-1"
}}

variable "suffix" {{
  type = string
}}

data "aws_iam_role" "deployer" {{
  name = "deployer"
}}

resource "aws_ssm_parameter" "boundary" {{
  name  = "/boundary/policy"
  type  = "String"
  value = "{{}}"
}}

resource "aws_iam_policy" "p" {{
  name = "p"
  policy = replace(
    {policy},
    "x",
    "y"
  )
}}
''')
    report, proc = scan_json(str(tmp_path))
    assert _errors(report) == [("main.tf", 19, "unresolved", f"policy of aws_iam_policy.p could not be resolved: {message}")]
    assert proc.returncode == 2


def test_cloudformation_parameter_without_default_stays_unresolved():
    """Templates are deployed as they stand: no library rule for CloudFormation."""
    report, proc = scan_json(str(FIXTURES / "cfn"))
    assert _errors(report) == [
        ("template.yaml", 7, "unresolved", "AppRole attaches a policy that could not be resolved: parameter Boundary "
                                           "has no default: pass --parameter Boundary=...")]
    assert report["summary"]["libraries"] == []
    assert report["summary"]["exit_reason"] == ("exit 2: 1 unresolved (inputs without value: parameter Boundary; "
                                                "--allow-unresolved accepts them)")
    assert proc.returncode == 2
    text = run_cli("scan", str(FIXTURES / "cfn"))
    assert text.stdout.splitlines()[-2] == "ERROR: " + report["summary"]["exit_reason"].removeprefix("exit 2: ")
