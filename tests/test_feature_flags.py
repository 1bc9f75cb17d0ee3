"""Feature flags: a resource the defaults leave out, but one input creates, is analysed as written
and its findings say which input turns it on (``evidence.when``). Values given by callers,
tfvars, --var and --parameter decide as before."""

from __future__ import annotations

from helpers import ROOT, run_cli, scan_json

FLAGS = ROOT / "tests" / "fixtures" / "flags"


def _found(report: dict) -> set[tuple]:
    """(rule, resource, file, line, when) of every finding."""
    out = set()
    for f in report["findings"]:
        evidence = f.get("evidence")
        when = evidence.get("when") if isinstance(evidence, dict) else None
        out.add((f["rule_id"], f["resource"], f["file"], f["line"], when))
    return out


def test_terraform_flags_off_by_default_are_analysed_with_the_input_that_turns_them_on():
    report, proc = scan_json(str(FLAGS / "tf_root"), cwd=FLAGS / "tf_root")
    assert _found(report) == {
        # bool flag (through a local: var.public_queue && var.tag != "")
        ("IAG-EXT-001", "aws_sqs_queue_policy.public[0]", "main.tf", 37, "var.public_queue = true"),
        # a flag whose default switches it on: as before, no `when`
        ("IAG-EXT-001", "aws_sqs_queue_policy.dead_letter[0]", "main.tf", 51, None),
        # count = var.admin_roles, default 0: one instance
        ("IAG-LP-001", "aws_iam_role_policy_attachment.ops_admin[0]", "main.tf", 73,
         "var.admin_roles = 1"),
        # a role the defaults deploy escalates only through the flagged policy: the finding on
        # the role says so too
        ("IAG-PE-001", "aws_iam_role.ci", "main.tf", 86, "var.deployer = true"),
        ("IAG-LP-005", "aws_iam_role_policy.deploy[0]", "main.tf", 99, "var.deployer = true"),
        ("IAG-LP-006", "aws_iam_role_policy.deploy[0]", "main.tf", 99, "var.deployer = true"),
        # for_each over an empty default: one element of unknown key (the base address)
        ("IAG-LP-001", "aws_iam_user_policy_attachment.admins", "main.tf", 113,
         "var.admin_users is not empty"),
        ("IAG-GR-001", "aws_iam_user_policy_attachment.admins", "main.tf", 113,
         "var.admin_users is not empty"),
    }
    assert report["errors"] == []
    assert proc.returncode == 1


def test_terraform_flag_finding_is_shown_in_text_and_keeps_its_fingerprint_when_given():
    text = run_cli("scan", ".", cwd=FLAGS / "tf_root").stdout
    assert "only when var.public_queue = true" in text
    flagged, _ = scan_json(".", cwd=FLAGS / "tf_root")
    given, _ = scan_json(".", "--var", "public_queue=true", cwd=FLAGS / "tf_root")
    prints = {f["resource"]: f["fingerprint"] for f in flagged["findings"]}
    # the same content deployed by a value given: the same finding, without `when`
    public = [f for f in given["findings"] if f["resource"] == "aws_sqs_queue_policy.public[0]"]
    assert len(public) == 1 and "when" not in (public[0].get("evidence") or {})
    assert public[0]["fingerprint"] == prints["aws_sqs_queue_policy.public[0]"]


def test_terraform_tfvars_turning_a_flag_on_decides_without_when():
    report, _ = scan_json(".", cwd=FLAGS / "tf_tfvars")
    found = _found(report)
    assert ("IAG-EXT-001", "aws_sqs_queue_policy.public[0]", "main.tf", 37, None) in found
    # the flag the tfvars leave alone is still switched from its default
    assert ("IAG-LP-001", "aws_iam_role_policy_attachment.ops_admin[0]", "main.tf", 73,
            "var.admin_roles = 1") in found
    assert not [f for f in report["findings"] if "when" in (f.get("evidence") or {})
                and f["resource"].startswith("aws_sqs_queue_policy.public")]


def test_terraform_var_switching_flags_off_decides():
    report, proc = scan_json(".", "--var", "public_queue=false", "--var", "admin_roles=0",
                             "--var", "dead_letter=false", "--var", "deployer=false",
                             "--var", "admin_users=[]",
                             cwd=FLAGS / "tf_root")
    assert report["findings"] == [] and report["errors"] == []
    assert proc.returncode == 0


def test_terraform_module_flags_default_caller_value_and_module_count():
    report, _ = scan_json(".", cwd=FLAGS / "tf_modules")
    assert _found(report) == {
        # the module's own default
        ("IAG-EXT-001", "module.orders.aws_sqs_queue_policy.this[0]", "modules/queue/main.tf", 19,
         "module.orders.var.create_policy = true"),
        # the root's default passed by the caller: named as the root's input
        ("IAG-EXT-001", "module.events.aws_sqs_queue_policy.this[0]", "modules/queue/main.tf", 19,
         "var.share_events = true"),
        # a module call with count = var.break_glass ? 1 : 0
        ("IAG-LP-001", "module.break_glass[0].aws_iam_role_policy_attachment.admin",
         "modules/admin/main.tf", 13, "var.break_glass = true"),
    }
    # module "audit" gets create_policy = false from its caller: not created, no finding
    assert not [f for f in report["findings"] if f["resource"].startswith("module.audit")]
    assert report["errors"] == []


CFN = FLAGS / "cfn"


def test_cloudformation_condition_and_if_branch_switched_by_permitted_parameter_values():
    report, proc = scan_json("flags.yaml", cwd=CFN)
    assert _found(report) == {
        # Condition IsPublic, false under the default; AllowedValues permit "true"
        ("IAG-EXT-001", "PublicPolicy", "flags.yaml", 30, "Public = true"),
        # the Fn::If branch a free String parameter selects when it equals what the condition
        # compares it with
        ("IAG-LP-001", "Worker", "flags.yaml", 34, "Access = admin"),
        # the branch the defaults take: as before, no `when`
        ("IAG-LP-008", "Worker", "flags.yaml", 34, None),
        # LegacyPolicy: no permitted value of Mode makes IsLegacy true, so nothing
    }
    assert report["errors"] == []
    # the copies of the template built with switched parameters are not counted again
    assert report["summary"]["resources"] == 5
    assert proc.returncode == 1


def test_cloudformation_parameters_given_decide_without_when():
    report, proc = scan_json("flags.yaml", "--parameter", "Public=true", "--parameter", "Access=read",
                             cwd=CFN)
    assert _found(report) == {
        ("IAG-EXT-001", "PublicPolicy", "flags.yaml", 30, None),
        ("IAG-LP-008", "Worker", "flags.yaml", 34, None),
    }
    flagged, _ = scan_json("flags.yaml", cwd=CFN)
    prints = {(f["rule_id"], f["resource"]): f["fingerprint"] for f in flagged["findings"]}
    assert {(f["rule_id"], f["resource"]): f["fingerprint"] for f in report["findings"]}.items() \
        <= prints.items()
    off, proc = scan_json("flags.yaml", "--parameter", "Public=false", "--parameter", "Access=read",
                          cwd=CFN)
    assert _found(off) == {("IAG-LP-008", "Worker", "flags.yaml", 34, None)}
    assert proc.returncode == 0


def test_terraform_flags_read_together_switch_only_those_that_are_off():
    """`var.create && var.audit && var.audit_write` (create on by default): var.audit_write is
    read only once var.audit is switched; both are, var.create is not."""
    report, _ = scan_json(".", cwd=FLAGS / "tf_combined")
    assert _found(report) == {
        ("IAG-LP-001", "aws_iam_role_policy_attachment.auditor_admin[0]", "main.tf", 29,
         "var.audit = true and var.audit_write = true"),
    }
    assert report["errors"] == []


def test_a_when_key_written_in_a_template_does_not_make_a_finding_look_switched():
    report, _ = scan_json("forged.yaml", cwd=FLAGS / "cfn_forged")
    assert _found(report) == {("IAG-EXT-001", "QueuePolicy", "forged.yaml", 13, None)}
    # the statement as written is still the evidence, under "value"
    assert report["findings"][0]["evidence"]["value"]["when"] == "Public = true"
    text = run_cli("scan", "forged.yaml", cwd=FLAGS / "cfn_forged").stdout
    assert "only when" not in text


def test_switched_resources_count_against_the_instance_limit_as_instances_only(tmp_path):
    """Variables, locals and outputs are not instances, with flags switched or not (the switched
    loads of terraform-aws-lambda and terraform-aws-iam were cut short by their variables)."""
    variables = "\n".join(f'variable "v{i}" {{\n  default = "x"\n}}' for i in range(20))
    (tmp_path / "main.tf").write_text(variables + '''
provider "aws" {
  region = "eu-west-1"
}

variable "create_admin" {
  default = false
}

resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}

resource "aws_iam_role_policy" "admin" {
  count  = var.create_admin ? 1 : 0
  role   = aws_iam_role.app.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}
''')
    report, _ = scan_json(".", "--max-instances", "3", cwd=tmp_path)
    assert report["errors"] == []
    assert [(f["rule_id"], f["resource"], f["evidence"]["when"]) for f in report["findings"]
            if f["rule_id"] == "IAG-LP-001"] == [("IAG-LP-001", "aws_iam_role_policy.admin[0]", "var.create_admin = true")]
    # over the limit with the switched instances: named with the root module
    report, _ = scan_json(".", "--max-instances", "1", cwd=tmp_path)
    assert [e["message"] for e in report["errors"] if "with flags switched on" in e["message"]] == [
        "root module .: more than 1 resource instances with flags switched on; the rest are not loaded; "
        "raise the limit with --max-instances"]
