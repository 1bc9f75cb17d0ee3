"""Build the hostile-input corpus: one directory per class of bad input.

Small cases are committed next to this script (``tests/bad_inputs/<case>/``) and copied; large
ones (50 MB templates, 10,000-deep nesting, billion laughs) and things git cannot hold (FIFOs,
symlink loops, links out of the tree) are written here, into a temporary directory, so nothing
big is ever committed.

    python tests/bad_inputs/generate.py DEST [CASE ...]   # build cases into DEST/<case>

Every case directory also gets the same two well-formed inputs (``good_cfn/public_queue.json``
and ``good_tf/main.tf``) so tests can check that the rest of the run is still reported in full.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
SAMPLES = HERE.parent / "fixtures" / "check_samples"
DEEP = 10_000
HUGE_BYTES = 50 * 1024 * 1024

CFN_HEAD = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"

GOOD_TF = """\
resource "aws_iam_user" "ok" {
  name = "ok"
}

resource "aws_iam_access_key" "ok" {
  user = aws_iam_user.ok.name
}
"""
# The findings the two good inputs must always produce, whatever else is in the run.
GOOD_FINDINGS = {
    ("IAG-EXT-001", "JobsQueuePolicy", "good_cfn/public_queue.json"),
    ("IAG-LP-001", "AdminsPolicy", "good_cfn/public_queue.json"),
    ("IAG-AK-001", "OperatorKey", "good_cfn/public_queue.json"),
    ("IAG-AK-001", "aws_iam_access_key.ok", "good_tf/main.tf"),
}


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def add_good_inputs(dest: Path) -> None:
    _write(dest / "good_cfn" / "public_queue.json",
           (SAMPLES / "cloudformation" / "public_queue.json").read_text(encoding="utf-8"))
    _write(dest / "good_tf" / "main.tf", GOOD_TF)


# -- generated cases -------------------------------------------------------------------------------


def billion_laughs(dest: Path) -> None:
    """Ten levels of aliases, each ten times the previous: 10^10 nodes once expanded."""
    lines = [CFN_HEAD.rstrip("\n").replace("Resources:", "Metadata:"),
             '  l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"  l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    lines += ["Resources:", "  User:", "    Type: AWS::IAM::User", "    Properties:", "      Tags: *l9"]
    _write(dest / "laughs.yaml", "\n".join(lines) + "\n")


def deep_nesting(dest: Path) -> None:
    """10,000 levels in every syntax: YAML flow and block sequences, JSON, a plan, HCL, .tf.json."""
    prefix = CFN_HEAD + "  User:\n    Type: AWS::IAM::User\n    Properties:\n"
    _write(dest / "deep_flow.yaml", prefix + "      Tags: " + "[" * DEEP + "]" * DEEP + "\n")
    _write(dest / "deep_block.yaml", prefix + "      Tags:\n        " + "- " * DEEP + "x\n")
    _write(dest / "deep.json", '{"AWSTemplateFormatVersion": "2010-09-09",\n"Resources": {"U": '
           '{"Type": "AWS::IAM::User", "Properties": {"Tags": ' + "[" * DEEP + "]" * DEEP + "}}}}\n")
    _write(dest / "deep.plan.json", '{"format_version": "1.2",\n"planned_values": {"root_module": '
           '{"resources": ' + "[" * DEEP + "]" * DEEP + "}}}\n")
    _write(dest / "tf_deep" / "main.tf", 'resource "aws_iam_user" "u" {\n  name = '
           + "[" * DEEP + '"x"' + "]" * DEEP + "\n}\n")
    _write(dest / "tf_deep_json" / "main.tf.json", '{"locals":\n{"x": ' + "[" * DEEP + "]" * DEEP + "}}\n")


def huge_template(dest: Path) -> None:
    """A well-formed 50 MB CloudFormation template (many users), over the default size limit."""
    path = dest / "huge.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(CFN_HEAD)
        index = 0
        while handle.tell() < HUGE_BYTES:
            handle.write(f"  User{index}:\n    Type: AWS::IAM::User\n    Properties:\n"
                         f"      UserName: user-{index}\n      Path: /generated/\n")
            index += 1


def terraform_expansion(dest: Path) -> None:
    """Terraform "billion laughs": locals doubling a string and a list 40 times, then encoded."""
    lines = ["locals {", '  s0 = "lollollollollollollollollollollollol"', '  l0 = ["lol", "lol"]']
    for level in range(1, 41):
        lines.append(f'  s{level} = "${{local.s{level - 1}}}${{local.s{level - 1}}}"')
        lines.append(f"  l{level} = [local.l{level - 1}, local.l{level - 1}]")
    lines += ["}", 'resource "aws_iam_user" "u" {', "  name = local.s40", "}",
              'resource "aws_iam_policy" "p" {', "  policy = jsonencode(local.l40)", "}"]
    _write(dest / "tf_laughs" / "main.tf", "\n".join(lines) + "\n")


def module_limits(dest: Path) -> None:
    """A chain of 30 local modules, a huge count, a huge for_each, and 1000 x 1000 module fan-out."""
    root = dest / "tf_module_chain"
    _write(root / "main.tf", 'module "m1" {\n  source = "./m1"\n}\n')
    current = root / "m1"
    for level in range(1, 31):
        _write(current / "main.tf", f'module "m{level + 1}" {{\n  source = "./m{level + 1}"\n}}\n'
               f'resource "aws_iam_user" "u" {{\n  name = "level-{level}"\n}}\n')
        current = current / f"m{level + 1}"
    _write(current / "main.tf", 'resource "aws_iam_user" "bottom" {\n  name = "bottom"\n}\n')

    _write(dest / "tf_count" / "main.tf", """\
resource "aws_iam_user" "many" {
  count = 100000000
  name  = "u-${count.index}"
}
resource "aws_iam_user" "each" {
  for_each = {for i in range(1024) : "k${i}" => i}
  name     = each.key
}
""")
    fan = dest / "tf_fanout"
    _write(fan / "main.tf", 'module "a" {\n  count  = 1000\n  source = "./a"\n}\n')
    _write(fan / "a" / "main.tf", 'module "b" {\n  count  = 1000\n  source = "../b"\n}\n')
    _write(fan / "b" / "main.tf", 'locals {\n  nothing = "here"\n}\n')


def file_escapes(dest: Path) -> None:
    """file()/templatefile() at paths outside the root, /dev/zero, a FIFO, links out and in loops."""
    root = dest / "tf_files"
    outside = dest.parent / (dest.name + "_outside_secret.txt")
    _write(outside, "TOP-SECRET-OUTSIDE-THE-ROOT\n")
    _write(root / "inside.json", '{"Version": "2012-10-17", "Statement": []}\n')
    _write(root / "main.tf", f"""\
resource "aws_iam_policy" "absolute" {{
  policy = file("{outside}")
}}
resource "aws_iam_policy" "dotdot" {{
  policy = file("../../{outside.name}")
}}
resource "aws_iam_policy" "devzero" {{
  policy = file("/dev/zero")
}}
resource "aws_iam_policy" "fifo" {{
  policy = file("${{path.module}}/pipe")
}}
resource "aws_iam_policy" "link_out" {{
  policy = file("${{path.module}}/link_out")
}}
resource "aws_iam_policy" "link_loop" {{
  policy = templatefile("${{path.module}}/loop_a", {{}})
}}
resource "aws_iam_policy" "tpl_zero" {{
  policy = templatefile("/dev/zero", {{}})
}}
resource "aws_iam_policy" "tpl_self" {{
  policy = templatefile("${{path.module}}/self.tpl", {{}})
}}
resource "aws_iam_policy" "ok" {{
  policy = file("${{path.module}}/inside.json")
}}
""")
    _write(root / "self.tpl", '${templatefile("self.tpl", {})}\n')
    os.mkfifo(root / "pipe")
    os.symlink(outside, root / "link_out")
    os.symlink("loop_b", root / "loop_a")
    os.symlink("loop_a", root / "loop_b")


def symlink_loops(dest: Path) -> None:
    """Directory links to an ancestor and to itself, file links in a loop, a dangling link."""
    root = dest / "links"
    _write(root / "sub" / "inner" / "note.txt", "not IaC\n")
    os.symlink("../..", root / "sub" / "inner" / "up")
    os.symlink(".", root / "sub" / "self")
    os.symlink("b.yaml", root / "a.yaml")
    os.symlink("a.yaml", root / "b.yaml")
    os.symlink("missing.yaml", root / "dangling.yaml")
    os.mkfifo(root / "fifo.yaml")


def copy_static(case: str, dest: Path) -> None:
    source = HERE / case
    if source.is_dir():
        shutil.copytree(source, dest, dirs_exist_ok=True)


GENERATED: dict[str, Callable[[Path], None]] = {
    "billion_laughs": billion_laughs,
    "deep_nesting": deep_nesting,
    "huge_template": huge_template,
    "terraform_expansion": terraform_expansion,
    "module_limits": module_limits,
    "file_escapes": file_escapes,
    "symlink_loops": symlink_loops,
}
STATIC = sorted(p.name for p in HERE.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
CASES = sorted(set(GENERATED) | set(STATIC))


def build(case: str, dest: Path) -> Path:
    """Write one case (its hostile inputs and the two good inputs) into ``dest``."""
    if case not in CASES:
        raise KeyError(f"unknown case {case!r}; known: {', '.join(CASES)}")
    dest.mkdir(parents=True, exist_ok=True)
    copy_static(case, dest)
    if case in GENERATED:
        GENERATED[case](dest)
    add_good_inputs(dest)
    return dest


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    dest = Path(argv[0])
    for case in argv[1:] or CASES:
        build(case, dest / case)
        print(dest / case)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
