"""Memory and time stay bounded on the largest inputs the limits allow: a policy of 16,000
statements is judged in near-linear time, with the same findings a small one gets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT

STATEMENTS = 16_000

# Run the CLI from a fresh interpreter that reports the peak memory of everything it waited for
# (the scan and any worker processes), so one measurement never sees another test's.
_MEASURE = """
import resource, subprocess, sys, time
start = time.monotonic()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=280)  # killed, not left behind
seconds = time.monotonic() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
sys.stderr.write(proc.stderr)
sys.stdout.write(proc.stdout)
sys.stderr.write(f"\\nMEASURED {seconds:.2f} {peak}\\n")
sys.exit(proc.returncode)
"""


def scan_measured(*args: str, cwd: Path) -> tuple[dict, int, float, int]:
    """(JSON report, exit code, seconds, peak RSS in MB) of one real CLI run."""
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "iacguard", "scan", *args,
                           "--format", "json"], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    seconds, peak = proc.stderr.rsplit("MEASURED ", 1)[1].split()
    return json.loads(proc.stdout), proc.returncode, float(seconds), int(peak)


def _statements() -> list[dict]:
    """Allows of distinct buckets and unconditional Denies of distinct actions on "*", every
    Allow judged against every Deny, with four statements the checks must still tell apart."""
    found = []
    for i in range(STATEMENTS):
        if i % 2:
            found.append({"Sid": f"Deny{i}", "Effect": "Deny", "Action": f"ec2:Describe{i}*", "Resource": "*"})
        else:
            found.append({"Sid": f"Read{i}", "Effect": "Allow", "Action": "s3:GetObject",
                          "Resource": f"arn:aws:s3:::bucket-{i}/*"})
    found[4000] = {"Sid": "Cancelled", "Effect": "Allow", "Action": "iam:CreateUser", "Resource": "*"}
    found[15001] = {"Sid": "NoCreate", "Effect": "Deny", "Action": "IAM:Create*", "Resource": "*"}
    found[6000] = {"Sid": "Kept", "Effect": "Allow", "Action": "iam:DeleteUser", "Resource": "*"}
    found[8000] = {"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}
    found[12000] = {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
    return found


def _cloudformation(path: Path) -> tuple[str, str, int]:
    lines = ['{"Resources": {"Pol": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": '
             '{"Version": "2012-10-17", "Statement": [']
    lines += [json.dumps(s) + ("," if k < STATEMENTS - 1 else "") for k, s in enumerate(_statements())]
    lines.append("]}}}}}")
    (path / "policy.json").write_text("\n".join(lines) + "\n")
    return "policy.json", "Pol", 2  # statement k is on line k + 2


def _terraform_jsonencode(path: Path) -> tuple[str, str, int]:
    def hcl(statement: dict) -> str:
        return "{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in statement.items()) + "}"

    lines = ['resource "aws_iam_policy" "p" {', '  name = "p"',
             '  policy = jsonencode({Version = "2012-10-17", Statement = [']
    lines += [hcl(s) + ("," if k < STATEMENTS - 1 else "") for k, s in enumerate(_statements())]
    lines += ["]})", "}"]
    (path / "main.tf").write_text("\n".join(lines) + "\n")
    return "main.tf", "aws_iam_policy.p", 4


@pytest.mark.parametrize("write", [_cloudformation, _terraform_jsonencode])
def test_sixteen_thousand_statements_are_judged_in_near_linear_time(tmp_path, write) -> None:
    # Every Allow used to be compared with every statement of its policy, several times per
    # check: on main this scan ran for minutes. Generous bounds for a loaded 2-core machine.
    file, resource, first_line = write(tmp_path)
    report, code, seconds, peak_mb = scan_measured(file, "--max-seconds-per-file", "0", cwd=tmp_path)
    found = {(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]}
    assert found == {
        ("IAG-LP-005", resource, file, first_line + 6000),  # Kept: the Deny of iam:Create* spares it
        ("IAG-LP-001", resource, file, first_line + 8000),
        ("IAG-LP-006", resource, file, first_line + 12000),
    }, report["findings"]
    assert report["errors"] == [] and code == 1
    assert seconds < 60, seconds
    assert peak_mb < 1000, peak_mb


def test_identical_statements_are_judged_once(tmp_path) -> None:
    # 16,000 copies of one Allow and of one Deny that cancels it: nothing is granted
    statements = [{"Effect": "Allow", "Action": "s3:DeleteBucket", "Resource": "*"}] * STATEMENTS + \
        [{"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}] * STATEMENTS
    template = {"Resources": {"Pol": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}}}}
    (tmp_path / "same.json").write_text(json.dumps(template))
    report, code, seconds, _ = scan_measured("same.json", "--max-seconds-per-file", "0", cwd=tmp_path)
    assert (report["findings"], report["errors"], code) == ([], [], 0)
    assert seconds < 60, seconds


_HUGE_TEXT = {  # local name: (expression, error)
    "wide": ('format("%999999999d", 1)', "format() would be over 20 MB of text; refusing"),
    "star": ('format("%-${var.width}s", "x")', "format() would be over 20 MB of text; refusing"),
    "prec": ('format("%.999999999f", 1.5)', "format() would be over 20 MB of text; refusing"),
    "digits": ('format("%99999999999999999999s", "x")', "format() would be over 20 MB of text; refusing"),
    "pieces": ('format("%-15000000s%-15000000s", "x", "y")', "format() would be over 20 MB of text; refusing"),
    "rows": ('formatlist("%-30000s", range(1000))', "format() would be over 20 MB of text; refusing"),
    "joined": ('join(format("%-30000s", "x"), range(1000))', "join() would be over 20 MB of text; refusing"),
    "grown": ('replace(format("%-20000s", "x"), " ", format("%-2000s", "y"))',
              "replace() would be over 20 MB of text; refusing"),
    "regrown": ('replace(format("%-20000s", "x"), "/ /", format("%-2000s", "y"))',
                "replace() would be over 20 MB of text; refusing"),
    "chars": ('split("", format("%-200000s", "x"))', "split() would give more than 100000 elements; refusing"),
    # the same around a value known only at apply (its known text is kept, so it is bounded too)
    "grown_hole": ('replace("${format("%-20000s", "x")}${aws_s3_bucket.b.arn}", " ", format("%-2000s", "y"))',
                   "replace() would be over 20 MB of text; refusing"),
    "joined_hole": ('join(format("%-30000s", "x"), concat(range(1000), [aws_s3_bucket.b.arn]))',
                    "join() would be over 20 MB of text; refusing"),
}


def test_functions_refuse_results_over_the_text_limit_before_building_them(tmp_path) -> None:
    # A width, a separator or a replacement repeated many times described gigabytes in a few
    # bytes of source; each is now refused at its line, and the policy using it is not judged.
    lines = ['variable "width" {', "  default = 999999999", "}", "locals {"]
    line_of = {}
    for name, (expression, _) in _HUGE_TEXT.items():
        lines.append(f"  {name} = {expression}")
        line_of[name] = len(lines)
    lines.append("}")
    for name in _HUGE_TEXT:
        lines += [f'resource "aws_iam_policy" "{name}" {{',
                  '  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", '
                  f'Action = "s3:GetObject", Resource = local.{name}}}]}})', "}"]
    (tmp_path / "main.tf").write_text("\n".join(lines) + "\n")
    report, code, seconds, peak_mb = scan_measured(".", "--max-seconds-per-file", "0", cwd=tmp_path)
    errors = {(e["file"], e["line"], e["message"]) for e in report["errors"]}
    assert {("main.tf", line_of[name], message) for name, (_, message) in _HUGE_TEXT.items()} <= errors
    assert code == 2
    assert peak_mb < 500, peak_mb


def test_distinct_is_not_quadratic(tmp_path) -> None:
    # 99,000 elements, 49,500 of them distinct: comparing each with every kept one took hours
    (tmp_path / "main.tf").write_text(
        'locals {\n  ids = flatten([for i in range(990) : [for j in range(100) : "${i % 495}-${j}"]])\n}\n'
        'resource "aws_iam_policy" "p" {\n'
        '  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Resource = "*",\n'
        '    Action = length(distinct(local.ids)) == 49500 ? "*" : "s3:GetObject"}]})\n}\n')
    report, code, seconds, _ = scan_measured(".", "--max-seconds-per-file", "0", cwd=tmp_path)
    assert {(f["rule_id"], f["resource"], f["line"]) for f in report["findings"]} == \
        {("IAG-LP-001", "aws_iam_policy.p", 5)}  # the statement starts there
    assert report["errors"] == [] and code == 1
    assert seconds < 120, seconds


def test_a_tf_too_large_to_parse_is_refused_before_its_tree_fills_memory(tmp_path) -> None:
    # 4 MB of one list of short numbers (the file limit allows 20 MiB): tree-sitter kept a node
    # of a few hundred bytes per parser step (20 MiB: 4 GB, minutes). The file is an error at the
    # line where parsing stopped; the other file is still judged.
    elements = ",".join("1" for _ in range(2_000_000))
    (tmp_path / "big.tf").write_text(f"locals {{\n  unused = [\n{elements}]\n}}\n")
    (tmp_path / "admin.tf").write_text(
        'resource "aws_iam_policy" "admin" {\n'
        '  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "*", Resource = "*"}]})\n'
        '}\n')
    report, code, seconds, peak_mb = scan_measured(".", "--max-seconds-per-file", "0", cwd=tmp_path)
    assert [(e["file"], e["line"], e["message"]) for e in report["errors"]] == [
        ("big.tf", 3, "too large to parse: more than 10,000,000 parser steps (tree-sitter keeps memory for each); "
                      "split the file")]
    assert {(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]} == \
        {("IAG-LP-001", "aws_iam_policy.admin", "admin.tf", 2)}
    assert code == 2
    assert peak_mb < 800, peak_mb


def test_resource_policy_of_sixteen_thousand_statements(tmp_path) -> None:
    # Every Allow of a bucket policy was checked against every Deny (resources first): minutes.
    # Allow k to account k, Deny of other actions in between; one Deny takes statement 4000's
    # access away again and one Allow lets in anyone.
    statements = []
    for i in range(STATEMENTS):
        if i % 2:
            statements.append({"Sid": f"D{i}", "Effect": "Deny", "Principal": "*", "Action": f"s3:PutObject{i}*",
                               "Resource": f"arn:aws:s3:::b/p{i}/*"})
        else:
            statements.append({"Sid": f"A{i}", "Effect": "Allow", "Principal": {"AWS": f"{222233330000 + i}"},
                               "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::b/p{i}/*"})
    statements[8000] = {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::b/*"}
    statements[15001] = {"Sid": "NoReads", "Effect": "Deny", "Principal": "*", "Action": "s3:Get*",
                         "Resource": "arn:aws:s3:::b/p4000/*"}
    lines = ['{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}},',
             '"P": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": "b", "PolicyDocument": '
             '{"Version": "2012-10-17", "Statement": [']
    lines += [json.dumps(s) + ("," if k < STATEMENTS - 1 else "") for k, s in enumerate(statements)]
    lines.append("]}}}}}")
    (tmp_path / "bucket.json").write_text("\n".join(lines) + "\n")
    report, code, seconds, peak_mb = scan_measured("bucket.json", "--max-seconds-per-file", "0", cwd=tmp_path)
    found = {(f["rule_id"], f["line"]) for f in report["findings"] if f["resource"] == "P"}
    expected = {("IAG-EXT-001", 3 + 8000)} | {("IAG-EXT-002", 3 + i) for i in range(0, STATEMENTS, 2)
                                                if i not in (4000, 8000)}
    assert found == expected
    assert report["errors"] == [] and code == 1
    assert seconds < 60, seconds
    assert peak_mb < 1000, peak_mb


def test_policy_document_of_sixteen_thousand_sids(tmp_path) -> None:
    # aws_iam_policy_document merges statements by Sid: each new Sid was compared with every
    # statement before it (minutes). A repeated Sid still replaces the first statement with it.
    blocks = []
    for i in range(STATEMENTS):
        blocks.append(f'  statement {{\n    sid = "S{i}"\n    actions = ["s3:GetObject"]\n'
                      f'    resources = ["arn:aws:s3:::bucket-{i}/*"]\n  }}\n')
    blocks[9000] = '  statement {\n    sid = "S100"\n    actions = ["*"]\n    resources = ["*"]\n  }\n'
    (tmp_path / "main.tf").write_text(
        'data "aws_iam_policy_document" "d" {\n  source_policy_documents = [jsonencode({Version = "2012-10-17", '
        'Statement = [{Sid = "S200", Effect = "Allow", Action = "iam:DeleteUser", Resource = "*"}]})]\n'
        + "".join(blocks) + '}\nresource "aws_iam_policy" "p" {\n  policy = data.aws_iam_policy_document.d.json\n}\n')
    report, code, seconds, _ = scan_measured(".", "--max-seconds-per-file", "0", cwd=tmp_path)
    # statement k starts on line 3 + 5k; S200 from the source document is replaced by block 200
    assert {(f["rule_id"], f["resource"], f["line"]) for f in report["findings"]} == \
        {("IAG-LP-001", "aws_iam_policy.p", 3 + 5 * 9000)}
    assert report["errors"] == [] and code == 1
    assert seconds < 45, seconds  # main: 91 s on a loaded 2-core machine; now 14 s
