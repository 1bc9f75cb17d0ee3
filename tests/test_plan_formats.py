"""Every plan format Terraform and OpenTofu write, the odd keys of real plans, and the files
Terraform writes that are not plan JSON (tests/fixtures/plan/formats, .../not_plans)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from helpers import run_cli, scan_json, triples

FORMATS = Path(__file__).parent / "fixtures" / "plan" / "formats"
NOT_PLANS = Path(__file__).parent / "fixtures" / "plan" / "not_plans"
HINT = "run terraform show -json tfplan > plan.json and scan plan.json"


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """1-based line of the object (its "{" on the line above) whose n-th line in ``path`` holds
    ``needle``: a plan resource is reported at its object."""
    lines = [n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return lines[occurrence - 1] - 1


def errors(report: dict) -> list[tuple]:
    return [(e["kind"], e["file"], e["line"], e["message"]) for e in report["errors"]]


# -- format_version ------------------------------------------------------------------------------

def deployer_findings(path: Path) -> set[tuple]:
    """What the version fixtures hold whatever their format: a role trusting another account
    without an external id, with AdministratorAccess attached."""
    role = line_of(path, '"address": "aws_iam_role.deployer"')
    attachment = line_of(path, '"address": "aws_iam_role_policy_attachment.deployer_admin"')
    return {("IAG-EXT-002", "aws_iam_role.deployer", path.name, role),
            ("IAG-EXT-007", "aws_iam_role.deployer", path.name, role),
            ("IAG-MFA-002", "aws_iam_role.deployer", path.name, role),
            ("IAG-LP-001", "aws_iam_role_policy_attachment.deployer_admin", path.name, attachment)}


@pytest.mark.parametrize("name", [
    "tf0_12.plan.json",     # format 0.1: short provider names, references without attributes
    "tf1_0.plan.json",      # format 0.2: sensitive_values, before_sensitive false, resource_drift
    "opentofu.plan.json",   # format 1.2 by OpenTofu: registry.opentofu.org providers, an ephemeral resource
])
def test_every_format_version_loads_like_1x(name):
    report, proc = scan_json(str(FORMATS / name), cwd=FORMATS)
    assert errors(report) == []
    assert triples(report) == deployer_findings(FORMATS / name)
    assert proc.returncode == 1


def test_unknown_major_version_is_an_error_naming_the_file():
    report, proc = scan_json("format2.plan.json", cwd=FORMATS)
    assert errors(report) == [("input", "format2.plan.json", 1,
                               "unsupported plan format_version 2.0: only 0.x (Terraform 0.12 to 1.0) and 1.x "
                               "(Terraform 1.1 and later, OpenTofu) are understood")]
    assert report["findings"] == []
    assert proc.returncode == 2


def test_unknown_major_version_does_not_stop_other_files(tmp_path):
    shutil.copy(FORMATS / "format2.plan.json", tmp_path)
    shutil.copy(FORMATS / "tf0_12.plan.json", tmp_path)
    report, proc = scan_json(".", cwd=tmp_path)
    assert [e[1] for e in errors(report)] == ["format2.plan.json"]
    assert triples(report) == deployer_findings(tmp_path / "tf0_12.plan.json")
    assert proc.returncode == 2


# -- odd keys of real plans --------------------------------------------------------------------

def test_odd_keys_and_shapes_load_without_errors():
    """Nested module instances, for_each keys holding dots, brackets and quotes, a deposed
    object, resource_drift, deferred_changes, relevant_attributes, output_changes, checks that
    fail, importing, generated_config, action_reason, previous_address, replace_paths and
    sensitivity marks as true, false, objects and lists."""
    path = FORMATS / "odd_keys.plan.json"
    report, proc = scan_json(path.name, cwd=FORMATS)
    nested = 'module.a["x"].module.b[0].aws_iam_role.r'
    user = 'aws_iam_user.team["ops.a[\\"b\\"]"]'
    assert triples(report) == {
        ("IAG-LP-001", "aws_iam_role_policy.admin", path.name, line_of(path, '"address": "aws_iam_role_policy.admin"')),
        ("IAG-GR-002", user, path.name, line_of(path, '"address": "aws_iam_user.team[')),
        # the user's policy, what makes it a user to judge, is written on the line that closes the
        # user (its "{" on that same line)
        ("IAG-GR-001", "aws_iam_user_policy_attachment.team", path.name,
         line_of(path, '"address": "aws_iam_user_policy_attachment.team"') + 1),
        ("IAG-EXT-002", nested, path.name, line_of(path, f'"address": "{nested}"'.replace('"x"', '\\"x\\"'))),
        ("IAG-EXT-007", nested, path.name, line_of(path, f'"address": "{nested}"'.replace('"x"', '\\"x\\"'))),
        # a deferred change will be applied in a later round: judged like a planned one
        ("IAG-LP-001", "aws_iam_role_policy.later", path.name,
         line_of(path, '"address": "aws_iam_role_policy.later"')),
    }
    # a deferred change with nothing known is named, never dropped silently
    assert errors(report) == [
        ("unresolved", path.name, line_of(path, '"address": "aws_iam_policy.many[*]"'),
         "aws_iam_policy.many[*] is deferred to a later plan (instance_count_unknown) and none of its values "
         "are known yet: it is judged when it is planned")]
    # the deposed object and the drifted copy are no second resource; failed checks are not ours
    assert report["summary"]["resources"] == 8
    assert proc.returncode == 2


def test_errored_plan_is_judged_but_never_passes():
    path = FORMATS / "errored.plan.json"
    report, proc = scan_json(path.name, cwd=FORMATS)
    assert triples(report) == deployer_findings(path)
    assert errors(report) == [
        ("input", path.name, 1, "plan is errored: Terraform stopped planning on an error, so the plan is "
                                "incomplete and cannot be applied; fix the errors and plan again")]
    assert proc.returncode == 2


def test_errored_plan_without_findings_still_exits_2(tmp_path):
    text = (FORMATS / "errored.plan.json").read_text().replace("444455556666", "111122223333")
    text = text.replace("arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess")
    (tmp_path / "plan.json").write_text(text)
    report, proc = scan_json("plan.json", "--fail-on", "critical", cwd=tmp_path)
    assert [e[3][:16] for e in errors(report)] == ["plan is errored:"]
    assert proc.returncode == 2


# -- named files that are not plan JSON --------------------------------------------------------

def binary_plan(path: Path) -> Path:
    """What terraform plan -out writes: a zip archive of the plan, state and configuration."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tfplan", b"\x0a\x04\x08\x01\x10\x02")
        archive.writestr("tfstate", '{"version": 4}')
        archive.writestr("tfconfig/main.tf", 'resource "aws_iam_role" "deployer" {}\n')
    return path


TEXT = "the text output of terraform plan or terraform show (without -json)"


@pytest.mark.parametrize("name, line, what", [
    ("plan_output.txt", 2, TEXT),   # colour codes, the line Terraform starts with
    ("show_state.txt", 1, TEXT),    # terraform show of a state: "# aws_iam_role.deployer:"
    ("no_changes.txt", 5, TEXT),    # Terraform 0.12: refresh lines, "No changes. Infrastructure is up-to-date."
    ("plan_ui.json", 1, "the machine-readable output of terraform plan -json (JSON lines)"),
])
def test_named_terraform_output_is_an_error_with_the_hint(name, line, what):
    report, proc = scan_json(name, cwd=NOT_PLANS)
    assert errors(report) == [("input", name, line, f"looks like {what}, not plan JSON: {HINT}")]
    assert proc.returncode == 2


def test_named_binary_plan_is_an_error_with_the_hint(tmp_path):
    binary_plan(tmp_path / "tfplan")
    report, proc = scan_json("tfplan", cwd=tmp_path)
    assert errors(report) == [("input", "tfplan", None, "looks like a binary plan (terraform plan -out writes a zip "
                                                        f"archive), not plan JSON: {HINT}")]
    assert proc.returncode == 2


def test_one_line_of_plan_json_ui_is_recognised(tmp_path):
    # a single line parses as a JSON object; it is still the machine-readable UI
    first = (NOT_PLANS / "plan_ui.json").read_text().splitlines()[0]
    (tmp_path / "version.json").write_text(first + "\n")
    report, _ = scan_json("version.json", cwd=tmp_path)
    assert errors(report) == [("input", "version.json", 1, "looks like the machine-readable output of terraform "
                                                           f"plan -json (JSON lines), not plan JSON: {HINT}")]


def test_named_json_that_is_not_a_plan_gets_the_hint():
    report, proc = scan_json("providers_schema.json", cwd=NOT_PLANS)
    assert errors(report) == [("input", "providers_schema.json", None,
                               "not a template or plan iacguard reads; expected a CloudFormation template (a "
                               "Resources mapping whose entries have a Type, or AWSTemplateFormatVersion), a "
                               "Terraform plan (terraform show -json), a .tf or a .tfvars file; for a plan, " + HINT)]
    assert proc.returncode == 2


def test_named_non_plans_do_not_stop_the_other_files(tmp_path):
    binary_plan(tmp_path / "tfplan")
    shutil.copy(NOT_PLANS / "plan_output.txt", tmp_path)
    shutil.copy(FORMATS / "tf1_0.plan.json", tmp_path)
    report, proc = scan_json("tfplan", "plan_output.txt", "tf1_0.plan.json", cwd=tmp_path)
    assert sorted(e[1] for e in errors(report)) == ["plan_output.txt", "tfplan"]
    assert triples(report) == deployer_findings(tmp_path / "tf1_0.plan.json")
    assert proc.returncode == 2


def test_walked_terraform_outputs_are_not_ours(tmp_path):
    """A binary plan, the text and the JSON lines of terraform plan beside the .tf files are
    normal in a checkout; a directory scan leaves them out without an error."""
    # a user with a policy of its own and no group: a finding that shows the .tf was scanned
    (tmp_path / "main.tf").write_text('resource "aws_iam_user" "ci" {\n  name = "ci"\n}\n'
                                      'resource "aws_iam_user_policy_attachment" "ci" {\n'
                                      '  user       = aws_iam_user.ci.name\n'
                                      '  policy_arn = "arn:aws:iam::aws:policy/IAMUserChangePassword"\n}\n')
    binary_plan(tmp_path / "tfplan")
    binary_plan(tmp_path / "plan.tfplan")
    for name in ("plan_output.txt", "plan_ui.json", "show_state.txt"):
        shutil.copy(NOT_PLANS / name, tmp_path)
    report, proc = scan_json(".", cwd=tmp_path)
    assert errors(report) == []
    assert triples(report) == {("IAG-GR-002", "aws_iam_user.ci", "main.tf", 1),
                               ("IAG-GR-001", "aws_iam_user_policy_attachment.ci", "main.tf", 4)}
    assert proc.returncode == 0


def test_text_report_shows_the_hint(tmp_path):
    binary_plan(tmp_path / "tfplan")
    proc = run_cli("scan", "tfplan", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"tfplan: error: looks like a binary plan (terraform plan -out writes a zip archive), not plan JSON: {HINT}" \
        in proc.stdout + proc.stderr


# -- sensitive values --------------------------------------------------------------------------

# printed in clear in the plan, marked by after_sensitive / sensitive_values / sensitive variables
SECRETS = ("Xq7-ext-secret-42",   # root variable declared sensitive, in a trust condition
           "m0dule-ext-id-77",    # constant argument to a module variable declared sensitive
           "svc-payroll-ops")     # attribute marked in after_sensitive, quoted in a message


def test_sensitive_values_are_judged_and_never_printed():
    path = FORMATS / "sensitive.plan.json"
    # a zone of trust is configured: the partner account is outside it, a blocking finding
    report, proc = scan_json(path.name, "--deploy-account", "111122223333", cwd=FORMATS)
    assert errors(report) == []
    found = {(f["rule_id"], f["resource"]): f for f in report["findings"]}
    assert set(found) == {("IAG-EXT-002", "aws_iam_role.partner"), ("IAG-EXT-002", "module.vendor.aws_iam_role.this"),
                          ("IAG-GR-002", "aws_iam_user.ops"), ("IAG-GR-001", "aws_iam_user_policy_attachment.ops")}
    assert found[("IAG-EXT-002", "aws_iam_role.partner")]["severity"] == "high"
    masked_statement = {"Effect": "Allow", "Action": "sts:AssumeRole",
                        "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                        "Condition": {"StringEquals": {"sts:ExternalId": "(sensitive)"}}}
    # the statement, and what the plan does to the role (evidence.plan_action)
    assert found[("IAG-EXT-002", "aws_iam_role.partner")]["evidence"] == {**masked_statement, "plan_action": "create"}
    assert found[("IAG-EXT-002", "module.vendor.aws_iam_role.this")]["evidence"] == {**masked_statement,
                                                                                     "plan_action": "create"}
    assert found[("IAG-GR-002", "aws_iam_user.ops")]["message"] == \
        "aws_iam_user.ops: IAM user (sensitive) is in no group"
    # known values all the same: the external id condition keeps IAG-EXT-007 away
    assert proc.returncode == 1


@pytest.mark.parametrize("report_format", ["text", "json", "sarif", "junit", "github", "html"])
def test_no_report_prints_a_sensitive_value(report_format):
    # with a zone of trust the partner account blocks: blocking output (junit failures, GitHub
    # errors) is held to the same masking
    proc = run_cli("scan", "sensitive.plan.json", "--deploy-account", "111122223333", "--format", report_format,
                   cwd=FORMATS)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "(sensitive)" in proc.stdout
    for secret in SECRETS:
        assert secret not in proc.stdout + proc.stderr, (report_format, secret)


def test_short_sensitive_values_are_masked_whole_or_quoted_only():
    from iacguard.redact import SensitiveMask

    mask = SensitiveMask({"7", "Xq7-ext-secret-42"})
    assert mask.text("statement 7 allows it") == "statement 7 allows it"
    assert mask.text('external id "7" and \'7\'') == 'external id "(sensitive)" and \'(sensitive)\''
    assert mask.value({"sts:ExternalId": "7", "n": 7, "k": ["id Xq7-ext-secret-42."]}) == \
        {"sts:ExternalId": "(sensitive)", "n": 7, "k": ["id (sensitive)."]}


def test_named_utf16_text_output_is_recognised(tmp_path):
    # Windows PowerShell: terraform plan > plan.txt writes UTF-16 with a byte-order mark
    text = (NOT_PLANS / "plan_output.txt").read_text()
    (tmp_path / "plan.txt").write_bytes(text.encode("utf-16"))
    report, _ = scan_json("plan.txt", cwd=tmp_path)
    assert errors(report) == [("input", "plan.txt", 2, f"looks like {TEXT}, not plan JSON: {HINT}")]


def test_walked_broken_template_quoting_plan_output_stays_an_error(tmp_path):
    # only the first line lets a walked file go as Terraform output: a template that quotes plan
    # text in a comment and has a syntax error is still reported
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  # aws_iam_role.deployer will be created by the pipeline\n"
        "  Role:\n    Type: AWS::IAM::Role\n    Properties: [unclosed\n")
    report, proc = scan_json(".", cwd=tmp_path)
    assert [(e[0], e[1]) for e in errors(report)] == [("input", "template.yaml")]
    assert "looks like" not in report["errors"][0]["message"]
    assert proc.returncode == 2


def test_sensitive_value_that_is_part_of_an_address_leaves_addresses_readable():
    # odd_keys marks the tag value "team" sensitive; aws_iam_user.team is an address, which
    # Terraform prints in clear and never builds from a sensitive value
    report, _ = scan_json("odd_keys.plan.json", cwd=FORMATS)
    user = [f for f in report["findings"] if f["rule_id"] == "IAG-GR-002"]
    assert [f["message"] for f in user] == ['aws_iam_user.team["ops.a[\\"b\\"]"]: IAM user ops is in no group']
    from iacguard.redact import SensitiveMask

    mask = SensitiveMask({"team", "s3cr3t-value"}, public="aws_iam_user.team")
    assert mask.text('aws_iam_user.team has tag "team" and s3cr3t-value') == \
        'aws_iam_user.team has tag "(sensitive)" and (sensitive)'
