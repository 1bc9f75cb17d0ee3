"""Which Terraform directories are analysed as roots: only real local `module` calls make a
directory "called" (and so analysed through its caller). Comments, strings, heredocs and
`source` arguments of other blocks must not hide a directory from the scan."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from iacguard.engine import _root_modules, scan
from iacguard.loaders.discover import discover, local_module_sources
from iacguard.settings import Settings

# A role with an "Action *" inline policy: IAG-LP-001 at the policy's line (3) when analysed.
ADMIN_MODULE = """\
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def roots(root: Path) -> list[str]:
    found = discover([root])
    return [d.relative_to(root).as_posix() for d in _root_modules(found.terraform_dirs, set())]


# -- the scanner ------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ('module "m" {\n  source = "./mods/m"\n}\n', ["./mods/m"]),
    ('module "m" { source = "../m" }', ["../m"]),
    ("module m {\n  source = \"./m\"\n}\n", ["./m"]),  # identifier label
    ('module "m" {\n  source = "./m"', ["./m"]),  # last line without a newline
    ('module "m" {\n  /* why */ source = "./m" # trailing\n}\n', ["./m"]),
    ('module "m" {\n  source = ".\\\\win"\n}\n', [".\\win"]),  # escapes are decoded
    ('# module "a" {\n#   source = "./a"\n# }\n', []),
    ('// module "a" { source = "./a" }\n', []),
    ('/* module "a" {\n  source = "./a"\n} */\n', []),
    ('resource "aws_s3_object" "o" {\n  source = "./files/x"\n}\n', []),
    ('resource aws_s3_object module {\n  source = "./x"\n}\n', []),  # `module` as a label
    ('module "m" {\n  source = "./m"\n  settings = {\n    source = "./not"\n  }\n}\n', ["./m"]),
    ('module "r" {\n  source = "terraform-aws-modules/iam/aws"\n}\n', []),  # registry
    ('module "g" {\n  source = "git::https://example.com/m.git"\n}\n', []),
    ('module "i" {\n  source = "./${var.x}"\n}\n', []),  # not a literal: Terraform rejects it
    ('locals {\n  x = <<EOF\nmodule "a" {\n  source = "./h"\n}\nEOF\n}\nmodule "b" {\n  source = "./b"\n}\n',
     ["./b"]),
    ('locals {\n  x = <<-EOT\n    module "a" { source = "./h" }\n    EOT\n}\n', []),
    ('locals {\n  x = "module \\"a\\" { source = \\"./s\\" }"\n}\n', []),
    ('locals {\n  x = "${jsonencode({ a = "}" })}"\n}\nmodule "c" {\n  source = "./c"\n}\n', ["./c"]),
    ('locals {\n  x = "/* not a comment"\n}\nmodule "c" {\n  source = "./c"\n}\n', ["./c"]),
])
def test_local_module_sources_hcl(text: str, expected: list[str]):
    assert local_module_sources(text) == expected


def test_local_module_sources_json():
    text = json.dumps({
        "module": {"a": {"source": "./a"}, "b": [{"source": "../b"}], "r": {"source": "hashicorp/x/aws"}},
        "resource": {"aws_s3_object": {"o": {"source": "./files/x"}}},
    })
    assert local_module_sources(text, json_syntax=True) == ["./a", "../b"]
    assert local_module_sources(json.dumps({"module": [{"a": {"source": "./a"}}]}), True) == ["./a"]
    assert local_module_sources('{"module": ', True) == []  # broken JSON: the loader reports it


@pytest.mark.parametrize("text", ['"', 'module "m" {\n  source = "', "/*", "<<EOF\n",
                                  'module "m" {{{', "}}}"])
def test_local_module_sources_survives_broken_text(text: str):
    assert local_module_sources("module " + text) == []


# -- root selection ---------------------------------------------------------------------------


def test_only_real_module_calls_make_a_directory_called(tmp_path: Path):
    write(tmp_path, {
        "main.tf": """\
            # module "commented" {
            #   source = "./mods/commented"
            # }
            /*
            module "blocked" {
              source = "./mods/blocked"
            }
            */
            resource "aws_s3_object" "upload" {
              bucket = "b"
              key    = "k"
              source = "./mods/uploaded"
            }
            module "real" {
              source = "./mods/real"
            }
            """,
        "extra.tf.json": json.dumps({"module": {"j": {"source": "./mods/json"}}}),
        "mods/commented/main.tf": 'resource "aws_iam_user" "u" {}\n',
        "mods/blocked/main.tf": 'resource "aws_iam_user" "u" {}\n',
        "mods/uploaded/main.tf": 'resource "aws_iam_user" "u" {}\n',
        "mods/real/main.tf": 'resource "aws_iam_user" "u" {}\n',
        "mods/json/main.tf": 'resource "aws_iam_user" "u" {}\n',
    })
    assert roots(tmp_path) == [".", "mods/blocked", "mods/commented", "mods/uploaded"]


def test_commented_out_module_call_is_still_scanned(tmp_path: Path):
    write(tmp_path, {
        "main.tf": '# module "admin" {\n#   source = "./mods/admin"\n# }\n',
        "mods/admin/main.tf": ADMIN_MODULE,
    })
    result = scan([str(tmp_path)], Settings(), root=tmp_path)
    assert result.errors == [] and result.unresolved == []
    assert "mods/admin/main.tf" in result.files
    assert {(f.rule_id, f.resource, f.file, f.line) for f in result.findings} == {
        ("IAG-LP-001", "aws_iam_role_policy.p", "mods/admin/main.tf", 7),
    }


def test_called_module_is_reported_through_its_caller_once(tmp_path: Path):
    write(tmp_path, {
        "main.tf": 'module "admin" {\n  source = "./mods/admin"\n}\n',
        "mods/admin/main.tf": ADMIN_MODULE,
    })
    result = scan([str(tmp_path)], Settings(), root=tmp_path)
    assert result.errors == [] and result.unresolved == []
    assert {(f.rule_id, f.resource, f.file, f.line) for f in result.findings} == {
        ("IAG-LP-001", "module.admin.aws_iam_role_policy.p", "mods/admin/main.tf", 7),
    }
