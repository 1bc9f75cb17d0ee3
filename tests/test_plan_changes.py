"""Plans are changes, not history: what a plan does to each resource (evidence.plan_action),
what it deletes (not judged), --diff-base against the state the plan was made against
(prior_state), and state files from ``terraform show -json`` read as the deployed state.

Fixtures: tests/fixtures/plan_changes (written by its build.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import run_cli, scan_json
from iacguard.jsonpos import loads_positioned
from iacguard.loaders.plan import load_plan, load_state, plan_action
from iacguard.resource import TERRAFORM_PLAN, Resource

FIXTURES = Path(__file__).parent / "fixtures" / "plan_changes"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


def line_of(name: str, address: str) -> int:
    """The line of a resource's object in the plan's planned_values (or the state's values):
    the fixtures write each on one line, and the values come first."""
    needle = '{"address": ' + json.dumps(address) + ","
    for number, line in enumerate((FIXTURES / name).read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{address} not in {name}")


def copy(tmp_path: Path, *names: str) -> Path:
    for name in names:
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def findings(report: dict) -> list[tuple]:
    return sorted((f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"])


def plan_marks(report: dict) -> dict[tuple, tuple]:
    return {(f["rule_id"], f["resource"]): (f["evidence"].get("plan_action"), f["evidence"].get("plan_actions"))
            for f in report["findings"]}


# -- evidence.plan_action ------------------------------------------------------------------------

def test_a_finding_says_what_the_plan_does_to_its_resource_and_to_the_others_it_names(tmp_path):
    copy(tmp_path, "admin_attached.json")
    report, proc = scan_json("admin_attached.json", cwd=tmp_path)
    assert proc.returncode == 1
    line = line_of("admin_attached.json", "aws_iam_role_policy_attachment.app_admin")
    assert findings(report) == [("IAG-LP-001", "aws_iam_role_policy_attachment.app_admin", "admin_attached.json", line)]
    # the attachment is created; the role it makes admin is left unchanged by the plan
    assert report["findings"][0]["evidence"] == {"policy_arn": ADMIN_ARN, "plan_action": "create",
                                                 "plan_actions": {"aws_iam_role.app": "unchanged"}}
    text = run_cli("scan", "admin_attached.json", cwd=tmp_path).stdout
    assert f"{line:>5}  CRITICAL IAG-LP-001 aws_iam_role_policy_attachment.app_admin (create) - " in text
    assert "         with aws_iam_role.app unchanged\n" in text
    sarif = json.loads(run_cli("scan", "admin_attached.json", "--format", "sarif", cwd=tmp_path).stdout)
    properties = sarif["runs"][0]["results"][0]["properties"]
    assert properties["planAction"] == "create"
    assert properties["planActions"] == {"aws_iam_role.app": "unchanged"}


def test_update_and_both_kinds_of_replace(tmp_path):
    copy(tmp_path, "readonly_to_admin.json")
    report, proc = scan_json("readonly_to_admin.json", cwd=tmp_path)
    assert proc.returncode == 1
    name = "readonly_to_admin.json"
    assert findings(report) == sorted([
        ("IAG-EXT-001", "aws_iam_role.batch", name, line_of(name, "aws_iam_role.batch")),
        ("IAG-EXT-002", "aws_iam_role.ops", name, line_of(name, "aws_iam_role.ops")),
        ("IAG-EXT-007", "aws_iam_role.ops", name, line_of(name, "aws_iam_role.ops")),
        ("IAG-EXT-007", "aws_iam_role.ops", name, line_of(name, "aws_iam_role.ops")),
        ("IAG-LP-001", "aws_iam_role_policy.app", name, line_of(name, "aws_iam_role_policy.app")),
    ])
    assert plan_marks(report) == {
        ("IAG-LP-001", "aws_iam_role_policy.app"): ("update", {"aws_iam_role.app": "unchanged"}),
        ("IAG-EXT-002", "aws_iam_role.ops"): ("replace", None),    # ["delete", "create"]
        ("IAG-EXT-007", "aws_iam_role.ops"): ("replace", None),
        ("IAG-EXT-001", "aws_iam_role.batch"): ("replace", None),  # ["create", "forget"]
    }
    # a replaced role is judged by its new trust policy: the one partner account of before is
    # judged together with the one added, and anyone is trusted now
    ops = [f for f in report["findings"] if f["rule_id"] == "IAG-EXT-002"]
    assert "777788889999" in json.dumps(ops[0]["evidence"])


@pytest.mark.parametrize("actions, mode, expected", [
    (["create"], "managed", "create"),
    (["update"], "managed", "update"),
    (["no-op"], "managed", "unchanged"),
    (["delete", "create"], "managed", "replace"),
    (["create", "delete"], "managed", "replace"),
    (["create", "forget"], "managed", "replace"),
    (["forget", "create"], "managed", "replace"),  # OpenTofu's order
    (["read"], "data", "read"),                     # read at apply time
    (None, "data", "read"),                         # read while planning (prior_state only)
    (None, "managed", None),                        # the plan says nothing about it
])
def test_plan_action_words(actions, mode, expected):
    metadata = {"actions": actions} if actions is not None else {}
    resource = Resource("x.y", "aws_iam_role", {}, "p.json", 1, 1, TERRAFORM_PLAN, mode=mode, metadata=metadata)
    assert plan_action(resource) == expected


def test_plan_action_written_in_a_plan_value_cannot_pose_as_the_plan_action(tmp_path):
    plan = json.loads((FIXTURES / "admin_attached.json").read_text())
    statement = {"Effect": "Allow", "Action": "*", "Resource": "*", "plan_action": "unchanged"}
    for entry in plan["planned_values"]["root_module"]["resources"] + [
            c["change"] for c in plan["resource_changes"]]:
        values = entry.get("values") or entry.get("after")
        if "assume_role_policy" in values:  # the role: give it an inline admin policy
            values["inline_policy"] = [{"name": "all", "policy": json.dumps({"Statement": [statement]})}]
    for configured in plan["configuration"]["root_module"]["resources"]:
        if configured["address"] == "aws_iam_role.app":
            configured["expressions"]["inline_policy"] = [{"name": {"constant_value": "all"}, "policy": {}}]
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=1))
    report, _ = scan_json("plan.json", cwd=tmp_path)
    inline = [f for f in report["findings"] if f["resource"] == "aws_iam_role.app" and f["rule_id"] == "IAG-LP-001"]
    assert len(inline) == 1
    assert inline[0]["evidence"]["plan_action"] == "unchanged"
    assert inline[0]["evidence"]["value"]["plan_action"] == "unchanged"  # the template's key, kept apart


# -- deletes are not judged ----------------------------------------------------------------------

def test_deleted_forgotten_and_deposed_resources_are_not_judged(tmp_path):
    copy(tmp_path, "deletes.json")
    report, proc = scan_json("deletes.json", cwd=tmp_path)
    # the admin policies that stay are judged on their own (no role of the plan holds them any
    # more); the deleted role that held them, the attachment deleted from aws_iam_role.keep (whose
    # read-back managed_policy_arns still lists it), the forgotten role and its inline admin
    # policy, the deposed admin policy of the replaced role: none is judged
    assert findings(report) == [
        ("IAG-LP-001", "aws_iam_policy.broad", "deletes.json", line_of("deletes.json", "aws_iam_policy.broad")),
        ("IAG-LP-001", "aws_iam_role_policy.gone_inline", "deletes.json",
         line_of("deletes.json", "aws_iam_role_policy.gone_inline"))]
    assert plan_marks(report) == {("IAG-LP-001", "aws_iam_policy.broad"): ("unchanged", None),
                                  ("IAG-LP-001", "aws_iam_role_policy.gone_inline"): ("unchanged", None)}
    inline = [f for f in report["findings"] if f["resource"] == "aws_iam_role_policy.gone_inline"][0]
    assert inline["message"].endswith("(granted to role gone (not defined in the scanned files))")
    assert not any("aws_iam_role.gone" in f["message"] for f in report["findings"])
    assert proc.returncode == 1 and report["errors"] == []


def test_loader_drops_what_the_plan_removes():
    data = loads_positioned((FIXTURES / "deletes.json").read_text())
    loaded = load_plan(data, "deletes.json")
    assert loaded.errors == []
    by_address = {r.address: r for r in loaded.resources}
    # the data source the configuration no longer has is gone with this plan
    assert sorted(by_address) == ["aws_iam_policy.broad", "aws_iam_role.keep", "aws_iam_role.swap",
                                  "aws_iam_role_policy.gone_inline"]
    assert by_address["aws_iam_role.swap"].metadata == {"actions": ["create", "delete"]}
    # what the provider read back from the deleted attachment is not the role's
    assert "managed_policy_arns" not in by_address["aws_iam_role.keep"].properties


def test_read_back_attribute_written_by_the_configuration_is_kept():
    data = json.loads((FIXTURES / "deletes.json").read_text())
    for configured in data["configuration"]["root_module"]["resources"]:
        if configured["address"] == "aws_iam_role.keep":
            configured["expressions"]["managed_policy_arns"] = {"constant_value": [ADMIN_ARN]}
    keep = {r.address: r for r in load_plan(data, "deletes.json").resources}["aws_iam_role.keep"]
    assert keep.properties["managed_policy_arns"] == [ADMIN_ARN]


def test_inline_policy_written_by_a_deleted_role_policy_is_not_the_roles():
    data = json.loads((FIXTURES / "deletes.json").read_text())
    blocks = [{"name": "admin", "policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "*",
                                                                     "Resource": "*"}]})},
              {"name": "own", "policy": json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                                   "Resource": "*"}]})}]
    data["resource_changes"].append({"address": "aws_iam_role_policy.keep_admin", "mode": "managed",
                                     "type": "aws_iam_role_policy", "name": "keep_admin",
                                     "change": {"actions": ["delete"], "after": None, "after_unknown": {},
                                                "before": {"role": "keep", "name": "admin", "policy": "{}"}}})
    for entry in data["planned_values"]["root_module"]["resources"]:
        if entry["address"] == "aws_iam_role.keep":
            entry["values"]["inline_policy"] = blocks
    keep = {r.address: r for r in load_plan(data, "deletes.json").resources}["aws_iam_role.keep"]
    # the block a dynamic block may write stays; the one the deleted aws_iam_role_policy wrote goes
    assert [block["name"] for block in keep.properties["inline_policy"]] == ["own"]


# -- state files -----------------------------------------------------------------------------------

def test_state_from_terraform_show_json_is_read_as_deployed(tmp_path):
    copy(tmp_path, "state.json", "empty_state.json")
    report, proc = scan_json("state.json", "empty_state.json", cwd=tmp_path)
    assert proc.returncode == 1 and report["errors"] == []
    assert findings(report) == [("IAG-LP-001", "aws_iam_role_policy_attachment.app_admin", "state.json",
                                 line_of("state.json", "aws_iam_role_policy_attachment.app_admin"))]
    assert plan_marks(report) == {("IAG-LP-001", "aws_iam_role_policy_attachment.app_admin"): ("deployed", None)}
    # the deposed admin policy awaits destruction: not part of what stays deployed
    assert report["summary"]["resources"] == 2 and report["summary"]["files_scanned"] == 2


def test_state_loader_shares_the_plan_representation():
    data = loads_positioned((FIXTURES / "state.json").read_text())
    loaded = load_state(data, "state.json")
    assert loaded.errors == [] and loaded.files == ["state.json"]
    assert [(r.address, r.mode, r.source, r.metadata) for r in loaded.resources] == [
        ("aws_iam_role.app", "managed", TERRAFORM_PLAN, {"deployed": True}),
        ("aws_iam_role_policy_attachment.app_admin", "managed", TERRAFORM_PLAN, {"deployed": True}),
    ]
    assert loaded.resources[0].properties["managed_policy_arns"] == [ADMIN_ARN]  # deployed: as read


def test_state_in_a_walked_directory_is_scanned_and_a_raw_state_is_not_mistaken(tmp_path):
    copy(tmp_path, "state.json", "raw_state.json")
    report, proc = scan_json(".", cwd=tmp_path)
    assert [(f["rule_id"], f["file"]) for f in report["findings"]] == [("IAG-LP-001", "state.json")]
    assert report["errors"] == [] and report["summary"]["files_scanned"] == 1
    report, proc = scan_json("raw_state.json", cwd=tmp_path)
    assert proc.returncode == 2 and report["findings"] == []
    assert [(e["kind"], e["file"], e["line"], e["message"]) for e in report["errors"]] == [
        ("input", "raw_state.json", None, "a raw Terraform state (terraform.tfstate) is not read: run "
                                          "terraform show -json > state.json and scan that")]


# -- --diff-base on plans ----------------------------------------------------------------------------

def diffs(report: dict) -> list[tuple]:
    return sorted((f["rule_id"], f["resource"], f["diff"]) for f in report["findings"])


def test_diff_base_prior_state_needs_no_git(tmp_path):
    copy(tmp_path, "admin_unchanged.json", "admin_attached.json", "readonly_to_admin.json", "deletes.json")
    # an admin role the plan leaves as deployed does not fail a gate on new findings
    report, proc = scan_json("admin_unchanged.json", "--diff-base", "prior-state", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert diffs(report) == [("IAG-LP-001", "aws_iam_role_policy_attachment.app_admin", "unchanged")]
    assert report["summary"]["diff"] == {"base": "prior-state", "new": 0, "worse": 0, "unchanged": 1, "fixed": 0}
    _, proc = scan_json("admin_unchanged.json", cwd=tmp_path)
    assert proc.returncode == 1  # without the base it blocks
    # the same attachment created by the plan is new
    report, proc = scan_json("admin_attached.json", "--diff-base", "prior-state", cwd=tmp_path)
    assert proc.returncode == 1
    assert diffs(report) == [("IAG-LP-001", "aws_iam_role_policy_attachment.app_admin", "new")]
    # read-only to admin is new; one more partner account trusted is worse
    report, proc = scan_json("readonly_to_admin.json", "--diff-base", "prior-state", cwd=tmp_path)
    assert proc.returncode == 1
    assert diffs(report) == [("IAG-EXT-001", "aws_iam_role.batch", "new"),
                             ("IAG-EXT-002", "aws_iam_role.ops", "worse"),
                             ("IAG-EXT-007", "aws_iam_role.ops", "worse"),
                             ("IAG-EXT-007", "aws_iam_role.ops", "worse"),
                             ("IAG-LP-001", "aws_iam_role_policy.app", "new")]
    # the admin attachment the plan deletes is fixed; the admin policy left without its role is
    # unchanged; the inline admin policy left naming the deleted role by name now goes to a role
    # the plan does not define, which the comparison cannot tell is the same: worse
    report, proc = scan_json("deletes.json", "--diff-base", "prior-state", cwd=tmp_path)
    assert proc.returncode == 1
    assert diffs(report) == [("IAG-LP-001", "aws_iam_policy.broad", "unchanged"),
                             ("IAG-LP-001", "aws_iam_role_policy.gone_inline", "worse")]
    assert report["summary"]["diff"] == {"base": "prior-state", "new": 0, "worse": 1, "unchanged": 1, "fixed": 1}
    text = run_cli("scan", "deletes.json", "--diff-base", "prior-state", cwd=tmp_path).stdout
    assert "against prior-state: 0 new, 1 worse, 1 unchanged (not blocking), 1 fixed\n" in text


def test_diff_base_revision_on_plans_outside_git_compares_with_prior_state(tmp_path):
    copy(tmp_path, "admin_unchanged.json")
    report, proc = scan_json("admin_unchanged.json", "--diff-base", "main", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert diffs(report) == [("IAG-LP-001", "aws_iam_role_policy_attachment.app_admin", "unchanged")]
    assert report["summary"]["diff"]["base"] == "main (plans: their prior state)"


def test_diff_base_prior_state_refuses_other_files(tmp_path):
    copy(tmp_path, "admin_unchanged.json")
    (tmp_path / "main.tf").write_text('resource "aws_iam_role" "x" {\n  name = "x"\n  assume_role_policy = "{}"\n}\n')
    proc = run_cli("scan", ".", "--diff-base", "prior-state", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert ("iacguard: error: --diff-base prior-state compares plans with the state they were made against; "
            "main.tf is not a plan: give a git revision to compare it") in proc.stderr


ADMIN_TF = """resource "aws_iam_role" "svc" {
  name = "svc"
  assume_role_policy = jsonencode({Statement = [{Effect = "Allow", Action = "sts:AssumeRole",
    Principal = {Service = "ec2.amazonaws.com"}}]})
}

resource "aws_iam_role_policy_attachment" "svc_admin" {
  role       = aws_iam_role.svc.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
"""


def test_diff_base_revision_with_plans_and_terraform(tmp_path):
    """Terraform files compare with the git revision; the plan beside them with its prior state
    (a plan committed at the base is not what is deployed)."""
    repo = tmp_path / "repo"
    (repo / "tf").mkdir(parents=True)
    (repo / "tf" / "main.tf").write_text(ADMIN_TF)
    shutil.copy(FIXTURES / "admin_attached.json", repo / "plan.json")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]
    subprocess.run(git + ["init", "-q"], cwd=repo, check=True)
    subprocess.run(git + ["add", "-A"], cwd=repo, check=True)
    subprocess.run(git + ["commit", "-qm", "base"], cwd=repo, check=True)
    report, proc = scan_json("tf", "plan.json", "--diff-base", "main", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert diffs(report) == [("IAG-LP-001", "aws_iam_role_policy_attachment.app_admin", "new"),        # the plan's
                             ("IAG-LP-001", "aws_iam_role_policy_attachment.svc_admin", "unchanged")]  # main.tf's
    assert report["summary"]["diff"] == {"base": "main (plans: their prior state)", "new": 1, "worse": 0,
                                         "unchanged": 1, "fixed": 0}


@pytest.mark.parametrize("text", [
    '{"format_version": 2, "values": {"a": 1}}\n',           # another tool's file: not a version string
    '{"format_version": "1.0", "values": {"replicas": 3}}\n',  # values that are not a state's
    '{"format_version": "1.0", "values": {}, "kind": "x"}\n',  # keys a state does not have
])
def test_walked_json_that_only_resembles_a_state_is_not_ours(tmp_path, text):
    (tmp_path / "settings.json").write_text(text)
    report, proc = scan_json(".", cwd=tmp_path)
    assert proc.returncode == 0 and report["errors"] == [] and report["summary"]["files_scanned"] == 0
