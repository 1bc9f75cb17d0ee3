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
    def role_named(message: str) -> str:  # "... to role ROLE, which ..." / "... to role ROLE (...)"
        return message.split(" to role ")[1].split(",")[0].split(" (")[0]

    findings = sorted((f.group.rsplit("/", 1)[-1], f.rule_id, f.resource, f.file, f.line, role_named(f.message))
                      for f in result.findings)
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


# -- internal errors -----------------------------------------------------------------------------

ADMIN_POLICY = """\
resource "aws_iam_policy" "admin" {
  name = "admin"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
"""

NAMED_POLICY = """\
locals {
  team = "platform"
}

resource "aws_iam_policy" "named" {
  name = upper(local.team)
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }]
  })
}
"""


def scan_in_process(root: Path, monkeypatch, capsys, *args: str) -> tuple[dict, int]:
    """The real CLI in this process, so that a test can plant a bug in one function."""
    import json

    from iacguard.cli import main

    monkeypatch.delenv("IACGUARD_DEBUG", raising=False)
    monkeypatch.chdir(root)
    code = main(["scan", ".", "--format", "json", *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return json.loads(captured.out), code


def findings_of(report: dict) -> list[tuple]:
    return sorted((f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"])


def test_an_internal_error_in_one_expression_is_an_error_at_its_line(tmp_path, monkeypatch, capsys):
    from iacguard.loaders import hcl_eval

    def broken_upper(*args):
        raise RuntimeError("planted bug")

    monkeypatch.setitem(hcl_eval._FUNCTIONS, "upper", broken_upper)
    write(tmp_path, {"named.tf": NAMED_POLICY, "admin.tf": ADMIN_POLICY})
    report, code = scan_in_process(tmp_path, monkeypatch, capsys)
    assert errors(report) == [(
        "internal", "named.tf", 6, "internal error while evaluating upper(local.team) for aws_iam_policy.named: "
        "RuntimeError: planted bug; set IACGUARD_DEBUG=1 for details")]
    # the rest of the module, and of that resource, is still analysed
    assert findings_of(report) == [("IAG-LP-001", "aws_iam_policy.admin", "admin.tf", 5),
                                   ("IAG-LP-007", "aws_iam_policy.named", "named.tf", 9)]
    assert code == 2


def test_an_internal_error_loading_one_block_loses_that_block_only(tmp_path, monkeypatch, capsys):
    from iacguard.loaders import terraform

    def broken_lookup(self, decl, key):
        raise KeyError("planted bug")

    monkeypatch.setattr(terraform._Instance, "iam_policy_lookup", broken_lookup)
    write(tmp_path, {"main.tf": ADMIN_POLICY + """
data "aws_iam_policy" "read_only" {
  arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
"""})
    report, code = scan_in_process(tmp_path, monkeypatch, capsys)
    assert errors(report) == [(
        "internal", "main.tf", 9, "internal error while loading data.aws_iam_policy.read_only: KeyError: "
        "'planted bug'; set IACGUARD_DEBUG=1 for details; it is not analysed")]
    assert findings_of(report) == [("IAG-LP-001", "aws_iam_policy.admin", "main.tf", 5)]
    assert code == 2


def test_an_internal_error_modelling_one_resource_is_an_error_on_it(tmp_path, monkeypatch, capsys):
    from iacguard.iam.model import IamModel

    original = IamModel._add_managed_policy

    def broken_for_named(self, resource, *args):
        if resource.address == "aws_iam_policy.named":
            raise TypeError("planted bug")
        return original(self, resource, *args)

    monkeypatch.setattr(IamModel, "_add_managed_policy", broken_for_named)
    write(tmp_path, {"named.tf": NAMED_POLICY, "admin.tf": ADMIN_POLICY})
    report, code = scan_in_process(tmp_path, monkeypatch, capsys)
    assert errors(report) == [(
        "internal", "named.tf", 5, "internal error while analysing aws_iam_policy.named: TypeError: planted bug; "
        "set IACGUARD_DEBUG=1 for details; its analysis is incomplete")]
    assert findings_of(report) == [("IAG-LP-001", "aws_iam_policy.admin", "admin.tf", 5)]
    assert code == 2


def test_a_check_that_fails_is_an_error_and_the_other_checks_still_report(tmp_path):
    checks = tmp_path / "checks"
    write(tmp_path, {"checks/broken.py": """\
        from iacguard.checks_api import check


        @check("ACME-900", family="guardrails", severity="low", title="A check with a bug",
               why="w", fix="f")
        def broken(ctx):
            \"\"\"Fails on every model.\"\"\"
            raise ZeroDivisionError("planted bug")
        """, "infra/admin.tf": ADMIN_POLICY, "infra/stack.yaml": """\
        Resources:
          Admin:
            Type: AWS::IAM::ManagedPolicy
            Properties:
              PolicyDocument:
                Version: "2012-10-17"
                Statement: [{Effect: Allow, Action: "*", Resource: "*"}]
        """})
    # one error per group it fails on, named with what it was judging (the root module, the
    # template), whether the groups shared one analysis (--jobs 1) or not (the default)
    expected = [("internal", group, None, f"internal error while running check ACME-900 on {group}: "
                 "ZeroDivisionError: planted bug; set IACGUARD_DEBUG=1 for details; findings of this check may be missing")
                for group in ("infra", "infra/stack.yaml")]
    for jobs in ([], ["--jobs", "1"], ["--jobs", "2"]):
        report, proc = scan_json(".", "--checks-dir", str(checks), *jobs, cwd=tmp_path)
        assert errors(report) == expected
        assert findings_of(report) == [("IAG-LP-001", "Admin", "infra/stack.yaml", 7),
                                       ("IAG-LP-001", "aws_iam_policy.admin", "infra/admin.tf", 5)]
        assert proc.returncode == 2


def test_a_check_that_fails_on_one_group_keeps_its_findings_of_the_others(tmp_path):
    checks = tmp_path / "checks"
    write(tmp_path, {"checks/picky.py": """\
        from iacguard.checks_api import check


        @check("ACME-901", family="guardrails", severity="low", title="Users are counted, with a bug",
               why="w", fix="f")
        def picky(ctx):
            \"\"\"Reports every user, and fails on a model that holds a user named Boom.\"\"\"
            for principal in ctx.model.principals.values():
                if principal.kind == "user" and principal.name == "Boom":
                    raise ZeroDivisionError("planted bug")
            for principal in ctx.model.principals.values():
                if principal.kind == "user":
                    ctx.report(principal.resource, f"{principal.address} is a user")
        """, "ok.yaml": "Resources:\n  Fine:\n    Type: AWS::IAM::User\n    Properties:\n      UserName: Fine\n",
                     "bad.yaml": "Resources:\n  Bad:\n    Type: AWS::IAM::User\n    Properties:\n      UserName: Boom\n"})
    for jobs in ([], ["--jobs", "1"]):
        report, proc = scan_json(".", "--checks-dir", str(checks), "--enable", "ACME-901", *jobs, cwd=tmp_path)
        assert [e[:2] for e in errors(report)] == [("internal", "bad.yaml")]
        assert ("ACME-901", "Fine", "ok.yaml", 2) in findings_of(report)
        assert not [f for f in findings_of(report) if f[0] == "ACME-901" and f[2] == "bad.yaml"]


def test_references_chained_too_deep_are_an_error_not_a_silent_unknown(tmp_path):
    chain = ["locals {", '  l0 = "x"'] + [f'  l{i} = "${{local.l{i - 1}}}-"' for i in range(1, 3000)] + ["}"]
    write(tmp_path, {"chain.tf": "\n".join(chain) + '\nresource "aws_iam_user" "u" {\n  name = local.l2999\n}\n',
                     "admin.tf": ADMIN_POLICY})
    report, proc = scan_json(".", cwd=tmp_path)
    problems = errors(report)
    assert len(problems) == 1 and problems[0][:2] == ("input", "chain.tf")
    assert problems[0][3] == ("expression nested too deeply to evaluate (references chained too deep); "
                              "its value is not known")
    assert ("IAG-LP-001", "aws_iam_policy.admin", "admin.tf", 5) in findings_of(report)
    assert proc.returncode == 2


def test_a_value_refused_in_a_tfvars_file_is_an_error_there(tmp_path):
    """tfvars values were evaluated with nobody to tell: a refused value was silently unknown."""
    write(tmp_path, {
        "main.tf": 'variable "name" {\n  type = string\n}\n\nresource "aws_iam_user" "u" {\n  name = var.name\n}\n',
        "terraform.tfvars": 'name = format("%999999999s", "a")\n',
    })
    report, proc = scan_json(".", cwd=tmp_path)
    assert errors(report) == [("input", "terraform.tfvars", 1, "format() would be over 20 MB of text; refusing")]
    assert proc.returncode == 2
