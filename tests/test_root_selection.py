"""How the Terraform roots of a scan are chosen: a caller does not hide a directory that can be
applied on its own, nor one it never makes an instance of (count = 0, an empty for_each); a
module analysed both through a caller and on its own is reported once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from helpers import ROOT, scan_json, triples

from iacguard import engine
from iacguard.report import json_report, text
from iacguard.settings import Settings

FIXTURES = ROOT / "tests" / "fixtures" / "tf" / "roots"

# An inline admin policy with a required variable: IAG-LP-001 at line 9 when judged.
ADMIN = """\
variable "name" {
  type = string
}

resource "aws_iam_policy" "admin" {
  name = var.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content))


def scan_fixture(name: str, *args: str) -> dict:
    report, proc = scan_json(str(FIXTURES / name), *args)
    assert report["errors"] == [], report["errors"]
    assert proc.returncode == report["summary"]["exit_code"], proc.stderr
    return report


# -- a call that makes no instance -----------------------------------------------------------------


def test_module_called_with_count_zero_is_judged_on_its_own():
    report = scan_fixture("count_zero")
    assert triples(report) == {("IAG-LP-001", "aws_iam_policy.admin", "modules/admin/main.tf", 9)}
    assert report["summary"]["unresolved"] == 0  # var.name has no value, and no verdict needs it
    assert report["summary"]["exit_code"] == 1


def test_modules_called_with_empty_for_each_are_judged_on_their_own():
    report = scan_fixture("for_each_empty")
    assert triples(report) == {
        ("IAG-LP-001", "aws_iam_policy.admin", "modules/map/main.tf", 9),  # for_each = {}
        ("IAG-LP-001", "aws_iam_policy.admin", "modules/set/main.tf", 9),  # for_each = toset([])
    }


def test_module_instantiated_by_a_caller_is_reported_through_it_only():
    report = scan_fixture("with_arguments")
    assert triples(report) == {("IAG-LP-001", "module.admin.aws_iam_policy.admin", "modules/admin/main.tf", 9)}
    assert report["summary"]["unresolved"] == 0  # not analysed alone: var.name is the caller's


def test_terraform_aws_modules_layout():
    """examples/complete calls ../../ (required variables without defaults): the module is judged
    through the example, not alone; its sub-module that the example never enables (count =
    var.flag ? 1 : 0, false by default) is judged through it as the flag would create it."""
    report = scan_fixture("tfaws")
    assert triples(report) == {
        ("IAG-LP-001", "module.role.aws_iam_role_policy.this", "main.tf", 27),
        ("IAG-LP-001", "module.role.module.break_glass[0].aws_iam_role_policy.break_glass",
         "modules/disabled/main.tf", 9),
    }
    flagged = [f for f in report["findings"] if "break_glass" in f["resource"]]
    assert flagged[0]["evidence"]["when"] == "module.role.var.create_break_glass = true"
    assert report["summary"]["unresolved"] == 0


def test_uninstantiated_module_is_a_library_unless_applied_as_it_stands(tmp_path):
    """Alone, a variable without a default is unknown. A directory no caller instantiates is, like
    one no directory calls, a library unless it is applied as it stands: its input is listed in
    the summary (exit 0); with a provider configuration a policy built from it is an unresolved
    error naming the module's file, line and the input (exit 2), never a pass."""
    write(tmp_path, {
        "main.tf": 'module "m" {\n  source  = "./m"\n  count   = 0\n  actions = ["*"]\n}\n',
        "m/main.tf": ADMIN.replace('Action = "*"', "Action = var.actions") +
        'variable "actions" {\n  type = list(string)\n}\n',
    })
    report, proc = scan_json(str(tmp_path))
    assert (report["findings"], report["errors"]) == ([], [])
    assert report["summary"]["libraries"] == [{"directory": "m", "inputs": ["var.actions"]}]
    assert proc.returncode == 0
    write(tmp_path, {"m/provider.tf": 'provider "aws" {\n  region = "eu-west-1"\n}\n'})
    report, proc = scan_json(str(tmp_path))
    assert report["findings"] == [] and report["summary"]["libraries"] == []
    assert [(e["file"], e["line"], e["kind"], e["message"]) for e in report["errors"]] == [
        ("m/main.tf", 7, "unresolved", "policy of aws_iam_policy.admin could not be resolved: "
                                       "statement 1 Action: var.actions has no value: pass --var actions=... "
                                       "or a var file")]
    assert proc.returncode == 2


def test_uninstantiated_module_reaches_the_modules_it_calls(tmp_path):
    """Rounds: root -(count 0)-> a -> b -(count 0)-> c. a is a root of its own, which makes b
    an instance (module.b); c, never instantiated anywhere, is a root too."""
    write(tmp_path, {
        "main.tf": 'module "a" {\n  source = "./a"\n  count  = 0\n}\n',
        "a/main.tf": 'module "b" {\n  source = "../b"\n  name   = "b"\n}\n',
        "b/main.tf": ADMIN + 'module "c" {\n  source = "../c"\n  count  = 0\n  name   = "c"\n}\n',
        "c/main.tf": ADMIN,
    })
    report, _ = scan_json(str(tmp_path))
    assert report["errors"] == [] and report["summary"]["unresolved"] == 0
    assert triples(report) == {
        ("IAG-LP-001", "module.b.aws_iam_policy.admin", "b/main.tf", 9),
        ("IAG-LP-001", "aws_iam_policy.admin", "c/main.tf", 9),
    }


def test_modules_calling_each_other_that_no_caller_instantiates(tmp_path):
    """a and b call each other (Terraform refuses the cycle; the loader reports it), and the
    root calls a with count = 0: neither is instantiated, and both are still judged."""
    write(tmp_path, {
        "main.tf": 'module "a" {\n  source = "./a"\n  count  = 0\n}\n',
        "a/main.tf": ADMIN + 'module "b" {\n  source = "../b"\n  name   = "b"\n}\n',
        "b/main.tf": ADMIN + 'module "a" {\n  source = "../a"\n  count  = 0\n  name   = "a"\n}\n',
    })
    report, _ = scan_json(str(tmp_path))
    assert triples(report) == {
        ("IAG-LP-001", "aws_iam_policy.admin", "a/main.tf", 9),
        ("IAG-LP-001", "module.b.aws_iam_policy.admin", "b/main.tf", 9),
    }


# -- a called directory that can be applied on its own -----------------------------------------------


def test_module_whose_variables_all_have_defaults_is_also_a_root():
    """The caller narrows `actions`; alone, the default `["*"]` applies. The `fixed` admin policy
    is the same either way and is reported once, through the caller."""
    report = scan_fixture("all_defaults")
    assert triples(report) == {
        ("IAG-LP-001", "aws_iam_policy.configurable", "modules/defaults/main.tf", 10),
        ("IAG-LP-007", "module.defaults.aws_iam_policy.configurable", "modules/defaults/main.tf", 10),
        ("IAG-LP-001", "module.defaults.aws_iam_policy.fixed", "modules/defaults/main.tf", 18),
    }


def test_module_with_a_backend_is_also_a_root():
    report = scan_fixture("backend")
    assert triples(report) == {
        ("IAG-LP-001", "aws_iam_policy.stack", "modules/stack/main.tf", 18),
        ("IAG-LP-007", "module.stack.aws_iam_policy.stack", "modules/stack/main.tf", 18),
    }


def test_module_whose_variables_its_own_tfvars_give_is_also_a_root():
    report = scan_fixture("tfvars")
    assert triples(report) == {
        ("IAG-LP-001", "aws_iam_policy.named", "modules/named/main.tf", 9),
        ("IAG-LP-007", "module.named.aws_iam_policy.named", "modules/named/main.tf", 9),
    }


@pytest.mark.parametrize("given", [["--var", "name=admin"], ["--var-file", "values.tfvars"], []])
def test_required_variable_given_on_the_command_line(tmp_path, given):
    """A module with a required variable is applied alone once --var/--var-file give it (here
    its own default `actions` is then judged); without them it is judged through its caller."""
    module = ADMIN.replace('Action = "*"', "Action = var.actions") + \
        'variable "actions" {\n  default = ["*"]\n}\n'
    write(tmp_path, {
        "main.tf": 'module "m" {\n  source  = "./m"\n  name    = "m"\n  actions = ["s3:GetObject"]\n}\n',
        "m/main.tf": module,
        "values.tfvars": 'name = "from-file"\n',
    })
    report, _ = scan_json(str(tmp_path), *given, cwd=tmp_path)
    alone = {("IAG-LP-001", "aws_iam_policy.admin", "m/main.tf", 9)} if given else set()
    assert triples(report) == alone | {("IAG-LP-007", "module.m.aws_iam_policy.admin", "m/main.tf", 9)}


def test_error_in_a_module_read_twice_is_reported_once(tmp_path):
    write(tmp_path, {
        "main.tf": 'module "m" {\n  source = "./m"\n}\n',
        "m/main.tf": 'resource "aws_iam_user" "u" {\n  name = \n}\n',
    })
    report, proc = scan_json(str(tmp_path))
    assert [(e["file"], e["line"]) for e in report["errors"]] == [("m/main.tf", 2)]
    assert proc.returncode == 2


# -- the same answer however the work is split ----------------------------------------------------


def _rendered(path: Path, jobs: int, keep_model: bool) -> tuple:
    settings = Settings()
    result = engine.scan([str(path)], settings, root=path, jobs=jobs, keep_model=keep_model)
    return json_report.render(result, settings), text.render(result, settings), result.exit_code(settings)


def test_parallel_root_rounds_are_byte_identical():
    sequential = _rendered(FIXTURES, 1, keep_model=True)
    assert sequential[0].count('"rule_id"') == 13
    assert _rendered(FIXTURES, 2, keep_model=False) == sequential
    assert _rendered(FIXTURES, 3, keep_model=True) == sequential


def test_fingerprints_do_not_depend_on_the_caller_order(tmp_path):
    """The finding kept for a module analysed through its caller and alone is the caller's,
    with the caller's fingerprint, whichever of them is loaded first."""
    for name in ("a_caller", "z_caller"):
        write(tmp_path / name, {
            "main.tf": 'module "m" {\n  source = "../mod"\n}\n',
        })
    write(tmp_path, {"mod/main.tf": ADMIN.replace("var.name", '"fixed"').replace(
        'variable "name" {\n  type = string\n}\n', "")})
    report, _ = scan_json(str(tmp_path))
    assert {(f["resource"], f["file"]) for f in report["findings"]} == {
        ("module.m.aws_iam_policy.admin", "mod/main.tf")}
    assert len({f["fingerprint"] for f in report["findings"]}) == 2  # one per caller group
