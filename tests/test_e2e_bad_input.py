"""Broken input: a clear error naming file and line, exit code 2, and everything else still reported."""

from __future__ import annotations

import shutil

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
        ("IAG-GR-002", "aws_iam_user.ok", "tf/ok.tf"),  # the user is in no group
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
    report, proc = scan_json(str(tmp_path))
    assert proc.returncode == 2
    assert [(e["kind"], e["file"], e["line"]) for e in report["errors"]] == [("unresolved", "main.tf", 2)]
    assert "could not be resolved" in report["errors"][0]["message"]
    report, proc = scan_json(str(tmp_path), "--allow-unresolved")
    assert proc.returncode == 0
    assert report["errors"][0]["kind"] == "unresolved"  # still listed
