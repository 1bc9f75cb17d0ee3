"""Broken input: a clear error naming file and line, exit code 2, and everything else still reported."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import yaml

from helpers import SAMPLES, run_cli, scan_json

BROKEN_YAML = "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies: [\n        - bad\n"
BROKEN_TF = 'resource "aws_iam_user" "u" {\n  name = "x"\n\nresource "aws_iam_access_key" "k" {\n  user = "x"\n'
BROKEN_JSON = '{"AWSTemplateFormatVersion": "2010-09-09",\n "Resources": {"A": {"Type": "AWS::IAM::User",}}}\n'


def _tree(tmp_path):
    shutil.copy(SAMPLES / "cloudformation" / "public_queue.json", tmp_path / "public_queue.json")
    (tmp_path / "broken.yaml").write_text(BROKEN_YAML)
    (tmp_path / "broken.template.json").write_text(BROKEN_JSON)
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "broken.tf").write_text(BROKEN_TF)
    (tmp_path / "tf" / "ok.tf").write_text('resource "aws_iam_user" "ok" {\n  name = "ok"\n}\n'
                                           'resource "aws_iam_access_key" "ok" {\n  user = aws_iam_user.ok.name\n}\n')
    (tmp_path / "empty.yaml").write_text("")
    (tmp_path / "notes.yaml").write_text("just: a config file\n")  # not a template: skipped silently
    return tmp_path


def test_broken_files_are_errors_and_the_rest_is_reported(tmp_path):
    root = _tree(tmp_path)
    report, proc = scan_json(str(root), str(root / "empty.yaml"))
    assert proc.returncode == 2
    errors = {(e["file"], e["line"]) for e in report["errors"]}
    assert errors == {("broken.yaml", 6), ("broken.template.json", 2), ("tf/broken.tf", 6), ("empty.yaml", None)}
    messages = {e["file"]: e["message"] for e in report["errors"]}
    assert "YAML syntax error" in messages["broken.yaml"]
    assert "JSON syntax error" in messages["broken.template.json"]
    assert "HCL syntax error" in messages["tf/broken.tf"]
    assert "empty" in messages["empty.yaml"]
    # every other file is still scanned and reported in full
    found = {(f["rule_id"], f["resource"], f["file"]) for f in report["findings"]}
    assert found == {
        ("IAG-EXT-001", "JobsQueuePolicy", "public_queue.json"),
        ("IAG-LP-001", "AdminsPolicy", "public_queue.json"),
        ("IAG-AK-001", "OperatorKey", "public_queue.json"),
        ("IAG-AK-001", "aws_iam_access_key.ok", "tf/ok.tf"),
        # the user is in no group but holds no policy: nothing to move into a group, no IAG-GR-002
    }


def test_text_output_lists_errors_without_traceback(tmp_path):
    root = _tree(tmp_path)
    proc = run_cli("scan", str(root))
    assert proc.returncode == 2
    assert "broken.yaml:6: error: YAML syntax error" in proc.stdout
    assert "tf/broken.tf:6: error: HCL syntax error" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_only_an_empty_file(tmp_path):
    (tmp_path / "empty.yaml").write_text("")
    report, proc = scan_json(str(tmp_path / "empty.yaml"))
    assert proc.returncode == 2
    assert [(e["file"], e["kind"]) for e in report["errors"]] == [("empty.yaml", "input")]


def test_invalid_utf8_template_is_an_error_with_line(tmp_path):
    (tmp_path / "t.yaml").write_bytes(b"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A:\n"
                                      b"    Type: AWS::IAM::User\n    Description: \xff\xfe\xfa\n")
    report, proc = scan_json(str(tmp_path))
    assert proc.returncode == 2
    assert [(e["file"], e["line"]) for e in report["errors"]] == [("t.yaml", 5)]


def test_unresolvable_policy_fails_closed_unless_allowed(tmp_path):
    (tmp_path / "main.tf").write_text("""\
variable "policy_json" {}
resource "aws_iam_policy" "p" {
  name   = "p"
  policy = var.policy_json
}
""")
    # a root applied as it stands (a library's inputs are its callers' to give)
    (tmp_path / "provider.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n}\n')
    report, proc = scan_json(str(tmp_path))
    assert proc.returncode == 2
    assert [(e["kind"], e["file"], e["line"]) for e in report["errors"]] == [("unresolved", "main.tf", 2)]
    assert "could not be resolved" in report["errors"][0]["message"]
    report, proc = scan_json(str(tmp_path), "--allow-unresolved")
    assert proc.returncode == 0
    assert report["errors"][0]["kind"] == "unresolved"  # still listed


# -- recognising what a file is by parsing it -------------------------------------------------------

EXPECTED = ("expected a CloudFormation template (a Resources mapping whose entries have a Type, or "
            "AWSTemplateFormatVersion), a Terraform plan (terraform show -json), a .tf or a .tfvars file")
ADMIN_USER = ("Resources:\n  Admin:\n    Type: AWS::IAM::User\n    Properties:\n      Policies:\n"
              "        - PolicyName: all\n          PolicyDocument:\n            Statement:\n"
              "              - {Effect: Allow, Action: '*', Resource: '*'}\n")


def _errors(report: dict) -> list[tuple]:
    return [(e["file"], e["line"], e["message"]) for e in report["errors"]]


def test_named_file_that_is_nothing_we_read_is_an_error(tmp_path):
    (tmp_path / "admin.yaml").write_text(ADMIN_USER)
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / "package.json").write_text('{"name": "x", "Resources": {"a": 1}}\n')
    (tmp_path / "state.json").write_text('{"version": 4, "terraform_version": "1.9.0", "lineage": "x", "resources": []}\n')
    (tmp_path / "list.yaml").write_text("- AWSTemplateFormatVersion\n")
    report, proc = scan_json("admin.yaml", "notes.txt", "package.json", "state.json", "list.yaml", cwd=tmp_path)
    assert proc.returncode == 2
    assert _errors(report) == [
        ("list.yaml", None, f"not a template or plan iacguard reads; {EXPECTED}"),
        ("notes.txt", None, f"not a template or plan iacguard reads; {EXPECTED}"),
        ("package.json", None, f"not a template or plan iacguard reads; {EXPECTED}; for a plan, run terraform "
                               "show -json tfplan > plan.json and scan plan.json"),
        ("state.json", None, "a raw Terraform state (terraform.tfstate) is not read: run terraform show -json > "
                             "state.json and scan that"),
    ]
    # the template named beside them is still scanned and reported
    assert ("IAG-LP-001", "Admin", "admin.yaml") in {(f["rule_id"], f["resource"], f["file"])
                                                      for f in report["findings"]}


def test_walked_file_that_parses_as_something_else_is_not_ours(tmp_path):
    (tmp_path / "package.json").write_text('{"name": "x", "Resources": {"a": 1}}\n')
    (tmp_path / "deploy.yaml").write_text("kind: Pod\nResources:\n  limits: {cpu: 1}\n")
    (tmp_path / "escaped.json").write_text('{"title": "caf\\u00e9"}\n')
    report, proc = scan_json(str(tmp_path))
    assert proc.returncode == 0 and report["errors"] == [] and report["summary"]["files_scanned"] == 0


def test_template_of_only_custom_resources_is_a_template(tmp_path):
    (tmp_path / "custom.yaml").write_text("Resources:\n  Thing:\n    Type: Custom::Thing\n"
                                          "    Properties: {ServiceToken: arn:aws:lambda:eu-west-1:111122223333:function:f}\n")
    report, proc = scan_json("custom.yaml", cwd=tmp_path)
    assert proc.returncode == 0 and report["errors"] == []
    assert report["summary"]["files_scanned"] == 1


@pytest.mark.parametrize("layout", [
    # the type on the next line
    ADMIN_USER.replace("Type: AWS::IAM::User", "Type:\n      AWS::IAM::User"),
    # JSON escapes in the key and the type
    json.dumps(yaml.safe_load(ADMIN_USER)).replace('"Resources"', '"\\u0052esources"')
    .replace('"AWS::IAM::User"', '"\\u0041WS::IAM::User"'),
    # YAML double-quoted escapes and an escaped line break inside an explicit key
    ADMIN_USER.replace("Resources:\n", '? "\\x52eso\\\n  urces"\n:\n'),
    # 64 KiB of comments first
    "# padding\n" * 7000 + ADMIN_USER,
    # a large Metadata section first
    "Metadata:\n  Notes:\n" + "    - padding padding padding\n" * 3000 + ADMIN_USER,
])
def test_template_in_any_layout_is_found_in_a_directory_scan(tmp_path, layout):
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "admin.template").write_text(layout)
    report, proc = scan_json(str(tmp_path))
    assert proc.returncode == 1 and report["errors"] == []
    assert ("IAG-LP-001", "Admin", "stacks/admin.template") in {(f["rule_id"], f["resource"], f["file"])
                                                                 for f in report["findings"]}


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_template_with_a_byte_order_mark_is_decoded(tmp_path, encoding):
    (tmp_path / "admin.yaml").write_bytes(ADMIN_USER.encode(encoding))  # these codecs write the BOM
    report, proc = scan_json(str(tmp_path))
    assert report["errors"] == []
    assert [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]
            if f["rule_id"] == "IAG-LP-001"] == [("IAG-LP-001", "Admin", "admin.yaml", 9)]


def test_named_tfvars_scans_the_module_that_reads_it(tmp_path):
    module = tmp_path / "app"
    module.mkdir()
    (module / "main.tf").write_text('resource "aws_iam_user" "u" {\n  name = "u"\n}\n'
                                    'resource "aws_iam_access_key" "k" {\n  user = aws_iam_user.u.name\n}\n')
    (module / "prod.tfvars").write_text('name = "prod"\n')
    (tmp_path / "orphan").mkdir()
    (tmp_path / "orphan" / "dev.tfvars").write_text('name = "dev"\n')
    report, proc = scan_json("app/prod.tfvars", "orphan/dev.tfvars", cwd=tmp_path)
    assert proc.returncode == 2
    assert _errors(report) == [("orphan/dev.tfvars", None, "no Terraform configuration (.tf) in its directory "
                                                           "reads these values; pass them to a module with --var-file")]
    assert ("IAG-AK-001", "aws_iam_access_key.k", "app/main.tf") in {
        (f["rule_id"], f["resource"], f["file"]) for f in report["findings"]}


# -- file-system edge cases --------------------------------------------------------------------------

def test_non_utf8_names_are_errors_and_every_other_file_is_reported(tmp_path):
    root = os.fsencode(tmp_path)
    (tmp_path / "admin.yaml").write_text(ADMIN_USER)
    with open(os.path.join(root, b"caf\xe9.yaml"), "w") as handle:
        handle.write(ADMIN_USER)
    os.mkdir(os.path.join(root, b"dir\xff"))
    with open(os.path.join(root, b"dir\xff", b"t.yaml"), "w") as handle:
        handle.write(ADMIN_USER)
    with open(os.path.join(root, b"notes\xff.txt"), "w") as handle:  # not a file we read: no error
        handle.write("x")
    report, proc = scan_json(str(tmp_path))
    assert proc.returncode == 2
    assert _errors(report) == [
        ("caf\\xe9.yaml", None, "file name is not valid UTF-8; not read (rename it)"),
        ("dir\\xff", None, "directory name is not valid UTF-8; not scanned (rename it)"),
    ]
    assert {f["file"] for f in report["findings"]} == {"admin.yaml"}
    sarif = run_cli("scan", str(tmp_path), "--format", "sarif")
    assert sarif.returncode == 2 and "Traceback" not in sarif.stderr
    notes = json.loads(sarif.stdout)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("file name is not valid UTF-8" in n["message"]["text"] for n in notes), notes
    text = run_cli("scan", str(tmp_path))
    assert "caf\\xe9.yaml: error: file name is not valid UTF-8" in text.stdout


def test_dot_directories_are_scanned_except_tool_state(tmp_path):
    for directory in (".github", ".cfn", ".aws-sam/build", ".terraform", ".venv/lib", ".git"):
        (tmp_path / directory).mkdir(parents=True)
        (tmp_path / directory / "admin.yaml").write_text(ADMIN_USER)
    report, proc = scan_json(str(tmp_path))
    assert {f["file"] for f in report["findings"]} == {".cfn/admin.yaml", ".github/admin.yaml"}


def test_directory_symlink_leaving_the_scan_root_is_reported_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "admin.yaml").write_text(ADMIN_USER)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "admin.yaml").write_text(ADMIN_USER)
    os.symlink(outside, repo / "shared")
    report, proc = scan_json(str(repo))
    assert proc.returncode == 2
    assert _errors(report) == [("shared", None, "symlink to a directory outside the scan root; not followed")]
    assert {f["file"] for f in report["findings"]} == {"admin.yaml"}
