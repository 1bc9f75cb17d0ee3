"""Every plan format Terraform and OpenTofu write, the odd keys of real plans, and the files
Terraform writes that are not plan JSON (tests/fixtures/plan/formats, .../not_plans)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import scan_json, triples

FORMATS = Path(__file__).parent / "fixtures" / "plan" / "formats"


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
    "opentofu.plan.json",   # format 1.2 written by OpenTofu (registry.opentofu.org providers)
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
    assert report["summary"]["resources"] == 7
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
