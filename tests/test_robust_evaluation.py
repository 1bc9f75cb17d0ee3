"""Robust Terraform evaluation (issue 14, item 6): the instance limit counts resource and module
instances only and names the root module; an internal error in one expression or resource is
an error there while the rest is analysed; a finding points where the offending value is
written; references inside a module instance resolve to that instance."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import ROOT, scan_json


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def errors(report: dict) -> list[tuple]:
    return sorted((e["kind"], e["file"], e["line"], e["message"]) for e in report["errors"])


# -- the instance limit -----------------------------------------------------------------------


def test_variables_locals_and_outputs_are_not_instances(tmp_path):
    """A library with 2,000 variables, 2,000 locals, 2,000 outputs and 10 resources, called
    once: 10 resource instances, far below the limit of 1,000."""
    declarations = "".join(f'variable "v{i}" {{\n  default = "x{i}"\n}}\n' for i in range(2000))
    declarations += "locals {\n" + "".join(f"  l{i} = var.v{i}\n" for i in range(2000)) + "}\n"
    declarations += "".join(f'output "o{i}" {{\n  value = local.l{i}\n}}\n' for i in range(2000))
    write(tmp_path, {
        "modules/many/variables.tf": declarations,
        "modules/many/main.tf": """\
            resource "aws_iam_user" "u" {
              count = 10
              name  = "user-${count.index}"
            }
            """,
        "examples/complete/main.tf": """\
            module "many" {
              source = "../../modules/many"
            }
            """,
    })
    report, proc = scan_json(".", cwd=tmp_path)
    assert errors(report) == []
    assert proc.returncode == 0, proc.stderr
    assert report["summary"]["resources"] >= 10


def test_resource_limit_names_the_root_module_and_the_largest_declaration(tmp_path):
    many_variables = "".join(f'variable "v{i}" {{\n  default = {i}\n}}\n' for i in range(1500))
    write(tmp_path, {
        "examples/complete/variables.tf": many_variables,
        "examples/complete/main.tf": """\
            resource "aws_iam_user" "few" {
              count = 5
              name  = "few-${count.index}"
            }

            resource "aws_iam_user" "most" {
              count = 700
              name  = "most-${count.index}"
            }

            resource "aws_iam_user" "rest" {
              count = 400
              name  = "rest-${count.index}"
            }
            """,
    })
    report, proc = scan_json(".", cwd=tmp_path)
    assert errors(report) == [(
        "input", "examples/complete/main.tf", 6,
        "root module examples/complete: more than 1000 resource instances (aws_iam_user.most has 700); "
        "the rest are not loaded; raise the limit with --max-instances")]
    assert proc.returncode == 2


def test_module_instance_limit_names_the_root_module(tmp_path):
    write(tmp_path, {
        "modules/one/main.tf": 'variable "n" {}\n',
        "main.tf": """\
            module "first" {
              source = "./modules/one"
              count  = 600
              n      = count.index
            }

            module "second" {
              source = "./modules/one"
              count  = 600
              n      = count.index
            }
            """,
    })
    report, proc = scan_json(".", cwd=tmp_path)
    assert errors(report) == [(
        "input", "main.tf", 7,
        "root module .: more than 1000 module instances (module.second would add 600); it is not "
        "loaded; raise the limit with --max-instances")]
    assert proc.returncode == 2


# -- references inside module instances --------------------------------------------------------

INSTANCES = "tests/fixtures/tf/module_instances"
ADMIN = "AdministratorAccess"
READ_ONLY = "ReadOnlyAccess"


def test_a_reference_inside_a_module_instance_names_that_instance_only():
    from iacguard.engine import scan

    result = scan([str(ROOT / INSTANCES)])
    attached = {(p.resource.group, p.resource.address): sorted(node.name for node in p.managed)
                for p in result.model.principals.values() if p.kind == "role"}
    envs = "envs"  # paths are relative to the scanned directory
    expected = {}
    for env in ("unknown_names", "same_names"):
        for call in ("by_reference", "by_name"):
            expected[(f"{envs}/{env}", f'module.{call}["admin"].aws_iam_role.this')] = [ADMIN]
            expected[(f"{envs}/{env}", f'module.{call}["ro"].aws_iam_role.this')] = [READ_ONLY]
    expected[(f"{envs}/inner_for_each", 'module.teams["platform"].aws_iam_role.this["ops"]')] = [ADMIN]
    expected[(f"{envs}/inner_for_each", 'module.teams["data"].aws_iam_role.this["ops"]')] = [READ_ONLY]
    assert attached == expected
    assert result.errors == [] and result.unresolved == []

    # each finding names the attachment's own role, once
    findings = sorted((f.group.rsplit("/", 1)[-1], f.rule_id, f.resource, f.file, f.line, f.message.split(" to role ")[1]
                       .split(",")[0].split(" (")[0]) for f in result.findings)
    module_file = {"by_reference": "modules/role/main.tf", "by_name": "modules/role_by_name/main.tf"}
    wanted = []
    for env in ("unknown_names", "same_names"):
        for call, file in module_file.items():
            for key, rule in (("admin", "IAG-LP-001"), ("ro", "IAG-LP-008")):
                wanted.append((env, rule, f'module.{call}["{key}"].aws_iam_role_policy_attachment.{call}', file, 18,
                               f'module.{call}["{key}"].aws_iam_role.this'))
    for team, rule in (("platform", "IAG-LP-001"), ("data", "IAG-LP-008")):
        wanted.append(("inner_for_each", rule, f'module.teams["{team}"].aws_iam_role_policy_attachment.this["ops"]',
                       "modules/roles_each/main.tf", 18, f'module.teams["{team}"].aws_iam_role.this["ops"]'))
    assert findings == sorted(wanted)


# -- where a finding points ----------------------------------------------------------------------


def test_a_policy_passed_into_a_module_is_reported_where_the_caller_writes_it():
    report, proc = scan_json("tests/fixtures/tf/module_argument_policy")
    found = sorted((f["rule_id"], f["resource"], f["file"], f["line"], bool(f.get("suppressed")))
                   for f in report["findings"])
    assert found == sorted([
        # the heredoc's statement, in the caller
        ("IAG-LP-001", "module.deployer.aws_iam_policy.this", "envs/dev/main.tf", 7, False),
        # the "Everything" statement of the caller's jsonencode(), not the module's file
        ("IAG-LP-001", "module.deployer.aws_iam_policy.this", "envs/prod/main.tf", 12, False),
        # the suppression in the module's resource still applies to its findings
        ("IAG-LP-001", "module.break_glass.aws_iam_policy.this", "envs/prod/main.tf", 26, True),
    ])
    assert report["errors"] == []
    assert proc.returncode == 1


def test_a_policy_document_in_a_sibling_file_is_reported_at_its_statement(tmp_path):
    write(tmp_path, {
        "documents.tf": """\
            data "aws_iam_policy_document" "admin" {
              statement {
                sid       = "ReadLogs"
                actions   = ["logs:GetLogEvents"]
                resources = ["*"]
              }
              statement {
                sid       = "Everything"
                actions   = ["*"]
                resources = ["*"]
              }
            }
            """,
        "main.tf": """\
            resource "aws_iam_policy" "admin" {
              name   = "admin"
              policy = data.aws_iam_policy_document.admin.json
            }
            """,
    })
    report, proc = scan_json(".", cwd=tmp_path)
    assert sorted((f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]) == [
        ("IAG-LP-001", "aws_iam_policy.admin", "documents.tf", 7)]
    assert proc.returncode == 1
