"""Plans: an unknown value is a hole only where the configuration writes it (issue [3/7] item 1).

The AWS provider leaves optional-and-computed attributes (a bucket's ``policy``, a role's
``managed_policy_arns``) unknown on create even when nothing sets them. The base fixture,
tests/fixtures/plan/unknowns/platform_plan.json, is a provider-v5-shaped plan that creates a
role, a bucket, a queue, a topic, a key and a secret without any policy; each test below adds or
changes a few entries of it, as a real plan of that configuration would show them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from helpers import scan_json
from iacguard.loaders.plan import _address_steps, _instance_parts
from iacguard.values import Unknown

FIXTURE = Path(__file__).parent / "fixtures" / "plan" / "unknowns" / "platform_plan.json"
AWS = "registry.terraform.io/hashicorp/aws"
ADMIN = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
READ = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                            "Resource": "arn:aws:s3:::acme-orders-eu/*"}]})


def base() -> dict:
    return json.loads(FIXTURE.read_text())


def add(plan: dict, address: str, after: dict, after_unknown: dict, expressions: dict, *,
        actions: tuple = ("create",), mode: str = "managed", before: dict | None = None,
        reason: str | None = None, planned: bool = True) -> None:
    """One resource instance as Terraform writes it: its change, its planned value and (once
    per resource, without instance keys) its configuration."""
    steps = _address_steps(address)
    type_, name = steps[-2][0], steps[-1][0]
    entry = {"address": address, "mode": mode, "type": type_, "name": name, "provider_name": AWS}
    if steps[-1][1]:
        entry["index"] = json.loads(steps[-1][1][1:-1])
    if reason:
        entry["action_reason"] = reason
    entry["change"] = {"actions": list(actions), "before": before, "after": after, "after_unknown": after_unknown,
                       "before_sensitive": False if before is None else {}, "after_sensitive": {}}
    plan["resource_changes"].append(entry)
    if planned and "delete" not in actions:
        plan["planned_values"]["root_module"]["resources"].append(
            {"address": address, "mode": mode, "type": type_, "name": name, "provider_name": AWS,
             "schema_version": 0, "values": after, "sensitive_values": {}})
    local = address.split("[")[0]
    configured = plan["configuration"]["root_module"]["resources"]
    if not any(c["address"] == local for c in configured):
        configured.append({"address": local, "mode": mode, "type": type_, "name": name,
                           "provider_config_key": "aws", "expressions": expressions, "schema_version": 0})


def drop(plan: dict, address: str) -> None:
    plan["resource_changes"] = [c for c in plan["resource_changes"] if c["address"] != address]
    planned = plan["planned_values"]["root_module"]
    planned["resources"] = [r for r in planned["resources"] if r["address"] != address]
    configured = plan["configuration"]["root_module"]
    configured["resources"] = [r for r in configured["resources"] if r["address"] != address]


def scan_plan(tmp_path: Path, plan: dict) -> tuple[dict, object]:
    path = tmp_path / "tfplan.json"
    path.write_text(json.dumps(plan, indent=1))
    return scan_json(str(path), cwd=tmp_path)


def line_in(tmp_path: Path, needle: str) -> int:
    for number, line in enumerate((tmp_path / "tfplan.json").read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def findings(report: dict) -> list[tuple]:
    return sorted((f["rule_id"], f["resource"], f["severity"]) for f in report["findings"])


def deferred_document(plan: dict, address: str, statements: list, statements_unknown: list,
                      statement_expressions: list) -> None:
    """A data aws_iam_policy_document whose read waits for apply (its arguments mention a
    resource the plan creates): in resource_changes with action "read", json unknown."""
    add(plan, address, {"statement": statements, "version": None, "policy_id": None,
                        "source_policy_documents": None, "override_policy_documents": None},
        {"id": True, "json": True, "minified_json": True, "statement": statements_unknown},
        {"statement": statement_expressions}, actions=("read",), mode="data", reason="read_because_config_unknown")


def statement(sid: str, actions: list, principals: list | None = None, resources: list | None = None) -> dict:
    return {"sid": sid, "effect": "Allow", "actions": actions, "not_actions": [], "resources": resources or [],
            "not_resources": [], "principals": principals or [], "not_principals": [], "condition": []}


BUCKET_ARN = {"references": ["aws_s3_bucket.orders.arn", "aws_s3_bucket.orders"]}


# -- what the configuration does not write ------------------------------------------------------

def test_a_plan_creating_resources_without_policies_exits_0(tmp_path):
    report, proc = scan_plan(tmp_path, base())
    assert (proc.returncode, report["errors"], report["findings"]) == (0, [], [])
    assert report["summary"]["resources"] == 9  # 8 resources and the provider configuration


def test_the_same_plan_without_a_configuration_section_keeps_every_unknown(tmp_path):
    """Nothing says what the configuration writes: an unknown policy is not silently a pass."""
    plan = base()
    del plan["configuration"]
    report, proc = scan_plan(tmp_path, plan)
    assert proc.returncode == 2
    assert sorted(e["message"] for e in report["errors"] if e["kind"] == "unresolved") == [
        "aws_iam_role.worker attaches a policy that could not be resolved: aws_iam_role.worker.managed_policy_arns "
        "is not known before deploy (known after apply)",
    ] + [f"policy of {address} could not be resolved: {address}.policy is not known before deploy (known after apply)"
         for address in ("aws_kms_key.orders", "aws_s3_bucket.orders", "aws_secretsmanager_secret.orders",
                         "aws_sns_topic.orders", "aws_sqs_queue.orders")]


def test_read_back_managed_policy_arns_of_an_unchanged_role_are_not_judged_there(tmp_path):
    """An unchanged role shows the policies attachments gave it (read back from AWS). The plan
    deletes the admin attachment: nothing is left to judge. Kept, it is judged once, on the
    attachment."""
    plan = base()
    role = next(c for c in plan["resource_changes"] if c["address"] == "aws_iam_role.worker")["change"]
    after = dict(role["after"], arn="arn:aws:iam::111122223333:role/orders-worker", id="orders-worker",
                 managed_policy_arns=["arn:aws:iam::aws:policy/AdministratorAccess"], inline_policy=[])
    role.update(actions=["no-op"], before=after, after=after, after_unknown={})
    plan["planned_values"]["root_module"]["resources"][0]["values"] = after
    admin = {"role": "orders-worker", "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess",
             "id": "orders-worker-admin"}
    expressions = {"role": {"references": ["aws_iam_role.worker.name", "aws_iam_role.worker"]},
                   "policy_arn": {"constant_value": "arn:aws:iam::aws:policy/AdministratorAccess"}}
    deleting = copy.deepcopy(plan)
    add(deleting, "aws_iam_role_policy_attachment.worker_admin", None, {}, expressions, actions=("delete",),
        before=admin)
    deleting["configuration"]["root_module"]["resources"].pop()  # gone from the configuration
    report, proc = scan_plan(tmp_path, deleting)
    assert (proc.returncode, report["errors"], report["findings"]) == (0, [], [])

    add(plan, "aws_iam_role_policy_attachment.worker_admin", admin, {}, expressions, actions=("no-op",), before=admin)
    report, proc = scan_plan(tmp_path, plan)
    assert proc.returncode == 1 and report["errors"] == []
    admin_findings = [(f["rule_id"], f["resource"]) for f in report["findings"] if f["rule_id"] == "IAG-LP-001"]
    assert admin_findings == [("IAG-LP-001", "aws_iam_role_policy_attachment.worker_admin")]


# -- deferred aws_iam_policy_document ------------------------------------------------------------

def public_bucket_policy(plan: dict, principals: list, principals_unknown: list | None = None) -> None:
    drop(plan, "aws_s3_bucket_public_access_block.orders")
    deferred_document(
        plan, "data.aws_iam_policy_document.public_read",
        [statement("PublicRead", ["s3:GetObject"], principals, [None])],
        [{"actions": [False], "principals": principals_unknown or [{"identifiers": [False]}], "resources": [True]}],
        [{"sid": {"constant_value": "PublicRead"}, "actions": {"constant_value": ["s3:GetObject"]},
          "principals": [{"type": {"constant_value": "*"}, "identifiers": {"constant_value": ["*"]}}],
          "resources": BUCKET_ARN}])
    add(plan, "aws_s3_bucket_policy.orders", {}, {"bucket": True, "id": True, "policy": True},
        {"bucket": {"references": ["aws_s3_bucket.orders.id", "aws_s3_bucket.orders"]},
         "policy": {"references": ["data.aws_iam_policy_document.public_read.json",
                                   "data.aws_iam_policy_document.public_read"]}})


def test_a_public_bucket_policy_from_a_deferred_document_is_found(tmp_path):
    plan = base()
    public_bucket_policy(plan, [{"type": "*", "identifiers": ["*"]}])
    report, proc = scan_plan(tmp_path, plan)
    assert proc.returncode == 1, report["errors"]
    assert report["errors"] == []
    public = [f for f in report["findings"] if f["rule_id"] == "IAG-EXT-001"]
    assert [(f["resource"], f["severity"], f["line"]) for f in public] == [
        ("aws_s3_bucket_policy.orders", "critical", line_in(tmp_path, '"sid": "PublicRead"') - 1)]
    assert "s3:GetObject" in public[0]["message"] and "aws_s3_bucket.orders" in public[0]["message"]


def test_a_deferred_document_whose_statements_are_not_known_is_unresolved_naming_it(tmp_path):
    plan = base()
    public_bucket_policy(plan, [{"type": "*", "identifiers": ["*"]}])
    document = next(c for c in plan["resource_changes"] if c["address"] == "data.aws_iam_policy_document.public_read")
    # a dynamic "statement" whose for_each is known only after apply: not in the configuration
    del document["change"]["after"]["statement"]
    document["change"]["after_unknown"]["statement"] = True
    configured = next(r for r in plan["configuration"]["root_module"]["resources"]
                      if r["address"] == "data.aws_iam_policy_document.public_read")
    configured["expressions"] = {}
    report, proc = scan_plan(tmp_path, plan)
    assert proc.returncode == 2
    assert [(e["kind"], e["message"]) for e in report["errors"]] == [
        ("unresolved", "policy of aws_s3_bucket_policy.orders could not be resolved: "
                       "data.aws_iam_policy_document.public_read.json is read only during apply "
                       "(the plan defers the data source's read)")]


@pytest.mark.parametrize("block", [None, "*", ["*"]])
def test_a_principals_block_that_is_not_an_object_is_an_unknown_principal_never_nobody(tmp_path, block):
    """A mangled plan (found by mutation testing) with null where a principals block belongs:
    no internal error, and the statement names a principal that is not known, as any
    unresolvable principal does, rather than nobody."""
    plan = base()
    public_bucket_policy(plan, [block])
    report, proc = scan_plan(tmp_path, plan)
    assert report["errors"] == []
    shared = [f for f in report["findings"] if f["resource"] == "aws_s3_bucket_policy.orders"]
    assert [(f["rule_id"], f["line"]) for f in shared] == [("IAG-EXT-002", line_in(tmp_path, '"sid": "PublicRead"') - 1)]
    assert "could not resolve account ${principals}" in shared[0]["message"]


def test_a_principal_created_by_the_plan_is_followed_through_the_deferred_document(tmp_path):
    """The identifiers are the ARN of a role the plan creates: a reference, so the statement
    lets that role in (inside the account), not anyone."""
    plan = base()
    public_bucket_policy(plan, [{"type": "AWS", "identifiers": [None]}], [{"identifiers": [True]}])
    document = plan["configuration"]["root_module"]["resources"][-2]
    document["expressions"]["statement"][0]["principals"] = [
        {"type": {"constant_value": "AWS"},
         "identifiers": {"references": ["aws_iam_role.worker.arn", "aws_iam_role.worker"]}}]
    report, proc = scan_plan(tmp_path, plan)
    assert (proc.returncode, report["errors"]) == (0, [])
    assert [f for f in report["findings"] if f["severity"] in ("high", "critical")] == []


def team_documents(plan: dict) -> None:
    """data.aws_iam_policy_document.team["admin"] (everything) and ["reader"] (one bucket),
    both read during apply."""
    for key, actions, resources in (("admin", ["*"], ["*"]), ("reader", ["s3:GetObject"], [None])):
        deferred_document(
            plan, f'data.aws_iam_policy_document.team["{key}"]',
            [statement(key, actions, resources=resources)],
            [{"actions": [False] * len(actions), "resources": [r is None for r in resources]}],
            [{"sid": {"references": ["each.key"]}, "actions": {"references": ["each.value.actions"]},
              "resources": {"references": ["each.value.resources", "aws_s3_bucket.orders.arn", "aws_s3_bucket.orders"]}}])


def worker_role_policy(plan: dict, address: str, name: str, name_expression: dict, policy_references: list) -> None:
    """An aws_iam_role_policy of the worker role whose policy is written from ``policy_references``."""
    add(plan, address, {"name": name, "role": "orders-worker"}, {"id": True, "policy": True},
        {"name": name_expression,
         "role": {"references": ["aws_iam_role.worker.name", "aws_iam_role.worker"]},
         "policy": {"references": policy_references}})


def admin_policies(tmp_path: Path, plan: dict) -> list[tuple]:
    """(resource, line) of each IAG-LP-001 finding of a plan that must exit 1 without errors."""
    report, proc = scan_plan(tmp_path, plan)
    assert (proc.returncode, report["errors"]) == (1, [])
    return [(f["resource"], f["line"]) for f in report["findings"] if f["rule_id"] == "IAG-LP-001"]


def test_for_each_documents_reach_the_instance_with_the_same_key(tmp_path):
    plan = base()
    team_documents(plan)
    for key in ("admin", "reader"):
        worker_role_policy(plan, f'aws_iam_role_policy.team["{key}"]', key, {"references": ["each.key"]},
                           ["data.aws_iam_policy_document.team", "each.key"])
    assert admin_policies(tmp_path, plan) == [
        ('aws_iam_role_policy.team["admin"]', line_in(tmp_path, '"sid": "admin"') - 1)]


def test_a_literal_key_wins_over_the_owner_key(tmp_path):
    """``aws_iam_role_policy.team["reader"]`` written with ``team["admin"].json``: the admin
    document, whatever the owner's own key (reading the reader one hid the admin policy)."""
    plan = base()
    team_documents(plan)
    worker_role_policy(plan, 'aws_iam_role_policy.team["reader"]', "reader", {"references": ["each.key"]},
                       ['data.aws_iam_policy_document.team["admin"].json',
                        'data.aws_iam_policy_document.team["admin"]', "data.aws_iam_policy_document.team"])
    assert admin_policies(tmp_path, plan) == [
        ('aws_iam_role_policy.team["reader"]', line_in(tmp_path, '"sid": "admin"') - 1)]


def test_an_instance_chosen_by_a_value_the_plan_does_not_show_is_each_of_them(tmp_path):
    """``team[local.pick].json``: Terraform lists only ``local.pick``; which document is not
    shown, so every instance is judged, as for any value chosen at apply."""
    plan = base()
    team_documents(plan)
    worker_role_policy(plan, "aws_iam_role_policy.picked", "picked", {"constant_value": "picked"},
                       ["data.aws_iam_policy_document.team", "local.pick"])
    assert admin_policies(tmp_path, plan) == [
        ("aws_iam_role_policy.picked", line_in(tmp_path, '"sid": "admin"') - 1)]


def test_an_inline_policy_the_configuration_writes_is_kept_when_a_role_policy_of_that_name_goes(tmp_path):
    """Moving an aws_iam_role_policy into the role's own inline_policy block: the plan deletes
    the old resource (same role, same name) and updates the role. The block is the role's own
    and is judged; dropping it as read back hid an admin policy no other resource carries."""
    plan = base()
    role = next(c for c in plan["resource_changes"] if c["address"] == "aws_iam_role.worker")
    role["change"]["after"]["inline_policy"] = [{"name": "orders", "policy": ADMIN}]
    role["change"]["after_unknown"].pop("inline_policy")  # written by the configuration: known
    planned = next(r for r in plan["planned_values"]["root_module"]["resources"] if r["address"] == "aws_iam_role.worker")
    planned["values"]["inline_policy"] = [{"name": "orders", "policy": ADMIN}]
    configured = next(r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == "aws_iam_role.worker")
    configured["expressions"]["inline_policy"] = [{"name": {"constant_value": "orders"},
                                                   "policy": {"constant_value": ADMIN}}]
    add(plan, "aws_iam_role_policy.old", None, {}, {}, actions=("delete",),
        before={"name": "orders", "role": "orders-worker", "policy": ADMIN})
    drop_configuration = plan["configuration"]["root_module"]["resources"]
    drop_configuration[:] = [r for r in drop_configuration if r["address"] != "aws_iam_role_policy.old"]
    report, proc = scan_plan(tmp_path, plan)
    assert (proc.returncode, report["errors"]) == (1, [])
    admin = [f["resource"] for f in report["findings"] if f["rule_id"] == "IAG-LP-001"]
    assert admin == ["aws_iam_role.worker"]


@pytest.mark.parametrize("expression", [
    {"constant_value": "orders-worker", "references": 5},
    {"constant_value": "orders-worker", "references": {"a": 1}},
    {"references": [5, None, "aws_iam_role.worker.arn"]},
])
def test_references_that_are_not_a_list_of_names_are_none(tmp_path, expression):
    plan = base()
    configured = next(r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == "aws_iam_role.worker")
    configured["expressions"]["name"] = expression
    report, proc = scan_plan(tmp_path, plan)
    assert [e["kind"] for e in report["errors"]] == []


def test_mangled_document_blocks_and_numbers_too_long_to_read_are_no_internal_error(tmp_path):
    """A condition test seen first with a variable that is not a name, then with one; a merged
    document holding a 5,000-digit number (Python refuses to convert it)."""
    plan = base()
    public_bucket_policy(plan, [{"type": "*", "identifiers": ["*"]}])
    document = next(c for c in plan["resource_changes"] if c["address"] == "data.aws_iam_policy_document.public_read")
    document["change"]["after"]["statement"][0]["condition"] = [
        {"test": "StringEquals", "variable": 5, "values": ["x"]},
        {"test": "StringEquals", "variable": "aws:SourceVpc", "values": ["vpc-1"]}]
    document["change"]["after"]["source_policy_documents"] = ['{"Statement": [], "x": ' + "1" * 5000 + "}"]
    report, proc = scan_plan(tmp_path, plan)
    assert [e["kind"] for e in report["errors"]] == ["unresolved"]
    assert report["errors"][0]["message"].startswith("policy of aws_s3_bucket_policy.orders could not be resolved")

# -- what only apply can know ----------------------------------------------------------------------

def test_a_policy_built_from_an_arn_known_after_apply_is_unresolved_naming_the_arn(tmp_path):
    """``policy = jsonencode({... Resource = aws_s3_bucket.orders.arn})``: the plan records the
    references, not the document; which statements it holds is not known before apply."""
    plan = base()
    add(plan, "aws_iam_role_policy.worker", {"name": "orders", "role": "orders-worker"}, {"id": True, "policy": True},
        {"name": {"constant_value": "orders"},
         "role": {"references": ["aws_iam_role.worker.name", "aws_iam_role.worker"]},
         "policy": {"references": ["aws_s3_bucket.orders.arn", "aws_s3_bucket.orders", "aws_sqs_queue.orders.arn",
                                   "aws_sqs_queue.orders"]}})
    report, proc = scan_plan(tmp_path, plan)
    assert proc.returncode == 2
    assert [(e["kind"], e["message"]) for e in report["errors"]] == [
        ("unresolved", "policy of aws_iam_role_policy.worker could not be resolved: aws_s3_bucket.orders.arn is "
                       "known only after apply; aws_sqs_queue.orders.arn is known only after apply")]
    assert report["errors"][0]["line"] == line_in(tmp_path, '"address": "aws_iam_role_policy.worker"') - 1


# -- addresses ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("address, steps, parts", [
    ("aws_iam_role.r", [("aws_iam_role", ""), ("r", "")], ("", "")),
    ('aws_iam_role.r["a.b"]', [("aws_iam_role", ""), ("r", '["a.b"]')], ("", '["a.b"]')),
    ('module.m["x]y"].module.n[0].data.aws_iam_policy_document.d["k\\"]"]',
     [("module", ""), ("m", '["x]y"]'), ("module", ""), ("n", "[0]"), ("data", ""),
      ("aws_iam_policy_document", ""), ("d", '["k\\"]"]')],
     ('module.m["x]y"].module.n[0]', '["k\\"]"]')),
])
def test_instance_parts_of_addresses(address, steps, parts):
    assert _address_steps(address) == steps
    assert _instance_parts(address) == parts


# -- across module boundaries ---------------------------------------------------------------------

def in_module(plan: dict, call: str, source: str, expressions: dict, resources: list, outputs: dict) -> None:
    """Move ``resources`` (configuration entries of the root module, by address) into a module
    call, with the call's arguments and the module's outputs."""
    root = plan["configuration"]["root_module"]
    moved = [r for r in root["resources"] if r["address"] in resources]
    root["resources"] = [r for r in root["resources"] if r["address"] not in resources]
    root.setdefault("module_calls", {})[call] = {
        "source": source, "expressions": expressions,
        "module": {"resources": moved, "outputs": outputs, "variables": {}}}


def test_an_unknown_passed_through_module_inputs_and_outputs_names_the_resource(tmp_path):
    """module.iam's policy is built from var.bucket_arn, which the root passes from
    module.bucket's output "arn", which is aws_s3_bucket.this.arn of module.bucket."""
    plan = base()
    add(plan, "module.iam.aws_iam_policy.reader", {"name": "reader"}, {"arn": True, "id": True, "policy": True},
        {"name": {"constant_value": "reader"}, "policy": {"references": ["var.bucket_arn"]}})
    in_module(plan, "iam", "./modules/iam", {"bucket_arn": {"references": ["module.bucket.arn", "module.bucket"]}},
              ["module.iam.aws_iam_policy.reader"], {})
    plan["configuration"]["root_module"]["module_calls"]["iam"]["module"]["resources"][0]["address"] = \
        "aws_iam_policy.reader"
    add(plan, "module.bucket.aws_s3_bucket.this", {"bucket": "acme-reports"}, {"arn": True, "id": True},
        {"bucket": {"constant_value": "acme-reports"}})
    in_module(plan, "bucket", "./modules/bucket", {}, ["module.bucket.aws_s3_bucket.this"],
              {"arn": {"expression": {"references": ["aws_s3_bucket.this.arn", "aws_s3_bucket.this"]}}})
    plan["configuration"]["root_module"]["module_calls"]["bucket"]["module"]["resources"][0]["address"] = \
        "aws_s3_bucket.this"
    report, proc = scan_plan(tmp_path, plan)
    assert proc.returncode == 2
    assert [(e["kind"], e["message"]) for e in report["errors"]] == [
        ("unresolved", "policy of module.iam.aws_iam_policy.reader could not be resolved: "
                       "module.bucket.aws_s3_bucket.this.arn is known only after apply")]


def test_a_permissions_boundary_from_a_module_output_is_the_policy_it_names(tmp_path):
    """permissions_boundary = module.boundary.policy_arn, an aws_iam_policy the plan creates
    in that module: the boundary is that policy (here one allowing only s3:GetObject, which caps
    the role's admin attachment), not an unresolved policy attachment."""
    plan = base()
    role = next(c for c in plan["resource_changes"] if c["address"] == "aws_iam_role.worker")["change"]
    role["after_unknown"]["permissions_boundary"] = True
    del role["after"]["permissions_boundary"]
    plan["configuration"]["root_module"]["resources"][0]["expressions"]["permissions_boundary"] = {
        "references": ["module.boundary.policy_arn", "module.boundary"]}
    add(plan, "module.boundary.aws_iam_policy.this", {"name": "worker-boundary", "policy": READ},
        {"arn": True, "id": True}, {"name": {"constant_value": "worker-boundary"}, "policy": {}})
    in_module(plan, "boundary", "./modules/boundary", {}, ["module.boundary.aws_iam_policy.this"],
              {"policy_arn": {"expression": {"references": ["aws_iam_policy.this.arn", "aws_iam_policy.this"]}}})
    plan["configuration"]["root_module"]["module_calls"]["boundary"]["module"]["resources"][0]["address"] = \
        "aws_iam_policy.this"
    add(plan, "aws_iam_role_policy_attachment.worker_admin", {"role": "orders-worker",
        "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"}, {"id": True},
        {"role": {"references": ["aws_iam_role.worker.name", "aws_iam_role.worker"]},
         "policy_arn": {"constant_value": "arn:aws:iam::aws:policy/AdministratorAccess"}})
    report, proc = scan_plan(tmp_path, plan)
    assert (proc.returncode, report["errors"]) == (1, [])
    # the attachment itself is still written admin; nothing else is reported
    assert findings(report) == [("IAG-LP-001", "aws_iam_role_policy_attachment.worker_admin", "critical")]


# -- which instance a reference means ---------------------------------------------------------------

def bucket_instances(plan: dict, count: int) -> None:
    for index in range(count):
        add(plan, f"aws_s3_bucket.logs[{index}]", {"bucket_prefix": f"logs-{index}-"},
            {"arn": True, "bucket": True, "id": True, "policy": True},
            {"bucket_prefix": {"references": ["count.index"]}})


def test_count_index_references_mean_the_instance_with_the_same_index(tmp_path):
    """aws_s3_bucket_public_access_block.logs[count.index] guards aws_s3_bucket.logs[count.index]:
    Terraform prints the reference without its key (aws_s3_bucket.logs and count.index). The last
    bucket has no block of its own, and only it is reported."""
    plan = base()
    bucket_instances(plan, 3)
    for index in range(2):
        add(plan, f"aws_s3_bucket_public_access_block.logs[{index}]",
            {"block_public_acls": True, "block_public_policy": True, "ignore_public_acls": True,
             "restrict_public_buckets": True}, {"bucket": True, "id": True},
            {"bucket": {"references": ["aws_s3_bucket.logs", "count.index"]},
             "block_public_acls": {"constant_value": True}, "block_public_policy": {"constant_value": True},
             "ignore_public_acls": {"constant_value": True}, "restrict_public_buckets": {"constant_value": True}})
    report, proc = scan_plan(tmp_path, plan)
    assert report["errors"] == []
    assert findings(report) == [("IAG-EXT-004", "aws_s3_bucket.logs[2]", "low")]


def test_each_key_and_literal_key_references_mean_that_instance(tmp_path):
    """Roles named by name_prefix (unknown until apply) with for_each; the admin attachment of
    each.key "deploy" reaches only that role, and a literal key only its instance."""
    plan = base()
    for key in ("deploy", "read"):
        add(plan, f'aws_iam_role.team["{key}"]', {"name_prefix": f"{key}-", "assume_role_policy": json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "codebuild.amazonaws.com"}}]})},
            {"arn": True, "id": True, "name": True, "unique_id": True},
            {"name_prefix": {"references": ["each.key"]}, "assume_role_policy": {}})
        policy = "arn:aws:iam::aws:policy/AdministratorAccess" if key == "deploy" else \
            "arn:aws:iam::aws:policy/ReadOnlyAccess"
        add(plan, f'aws_iam_role_policy_attachment.team["{key}"]', {"policy_arn": policy}, {"id": True, "role": True},
            {"role": {"references": ["aws_iam_role.team", "each.key"]}, "policy_arn": {"references": ["each.value"]}})
    add(plan, "aws_iam_role_policy.read_extra", {"name": "extra", "policy": ADMIN}, {"id": True, "role": True},
        {"name": {"constant_value": "extra"}, "policy": {},
         "role": {"references": ['aws_iam_role.team["read"].name', 'aws_iam_role.team["read"]']}})
    report, proc = scan_plan(tmp_path, plan)
    assert report["errors"] == []
    assert sorted(f["message"] for f in report["findings"] if f["rule_id"] == "IAG-LP-001") == [
        'aws_iam_role_policy.read_extra: statement 1 allows every action on every resource '
        '(granted to role aws_iam_role.team["read"])',
        'aws_iam_role_policy_attachment.team["deploy"]: attaches the AWS managed policy AdministratorAccess to role '
        'aws_iam_role.team["deploy"], which allows every action on every resource']


# -- hostile shapes -----------------------------------------------------------------------------------

def test_a_long_chain_of_deferred_documents_merged_into_each_other_loads(tmp_path):
    """Each document's override_policy_documents is the next one's json, 1,000 deep, the last one
    admin: every one is built (merged documents first, without recursion), no internal error,
    and the admin statement reaches the role policy that uses the first. One Sid throughout, so
    each document holds one statement (distinct Sids make the chain's documents quadratic in
    size, which is what the per-file time limit is for, not this test)."""
    plan = base()
    depth = 1000
    for index in range(depth):
        last = index == depth - 1
        deferred_document(
            plan, f"data.aws_iam_policy_document.d{index}",
            [statement("s", ["*"] if last else ["s3:GetObject"], resources=[None])],
            [{"actions": [False], "resources": [True]}],
            [{"actions": {"constant_value": ["s3:GetObject"]}, "resources": BUCKET_ARN}])
        entry = plan["resource_changes"][-1]["change"]
        if last:
            entry["after"]["statement"][0]["resources"] = ["*"]
            entry["after_unknown"]["statement"][0]["resources"] = [False]
        else:
            entry["after"]["override_policy_documents"] = [None]
            entry["after_unknown"]["override_policy_documents"] = [True]
            plan["configuration"]["root_module"]["resources"][-1]["expressions"]["override_policy_documents"] = {
                "references": [f"data.aws_iam_policy_document.d{index + 1}.json",
                               f"data.aws_iam_policy_document.d{index + 1}"]}
    add(plan, "aws_iam_role_policy.chain", {"name": "chain", "role": "orders-worker"}, {"id": True, "policy": True},
        {"name": {"constant_value": "chain"}, "role": {"references": ["aws_iam_role.worker.name", "aws_iam_role.worker"]},
         "policy": {"references": ["data.aws_iam_policy_document.d0.json", "data.aws_iam_policy_document.d0"]}})
    report, proc = scan_plan(tmp_path, plan)
    assert [e["kind"] for e in report["errors"]] == []
    assert ("IAG-LP-001", "aws_iam_role_policy.chain", "critical") in findings(report)


def test_an_expression_with_thousands_of_references_and_a_cycle_of_module_outputs_loads(tmp_path):
    """40,000 references in one expression (each traversal prefix listed, as Terraform does),
    and module a's input fed by its own output: both load within the default time limit per
    file (comparing every reference with every other one took minutes), the cycle names
    nothing and is not a finding either way."""
    plan = base()
    references = [text for n in range(20_000) for text in (f"aws_s3_bucket.b{n}.arn", f"aws_s3_bucket.b{n}")]
    add(plan, "aws_iam_policy.many", {"name": "many"}, {"arn": True, "id": True, "policy": True},
        {"name": {"constant_value": "many"}, "policy": {"references": references}})
    add(plan, "module.a.aws_iam_policy.loop", {"name": "loop"}, {"arn": True, "id": True, "policy": True},
        {"name": {"constant_value": "loop"}, "policy": {"references": ["var.x"]}})
    in_module(plan, "a", "./a", {"x": {"references": ["module.a.out", "module.a"]}}, ["module.a.aws_iam_policy.loop"],
              {"out": {"expression": {"references": ["var.x"]}}})
    plan["configuration"]["root_module"]["module_calls"]["a"]["module"]["resources"][0]["address"] = \
        "aws_iam_policy.loop"
    report, proc = scan_plan(tmp_path, plan)
    assert sorted((e["kind"], e["message"].split(": ")[0]) for e in report["errors"]) == [
        ("unresolved", "policy of aws_iam_policy.many could not be resolved"),
        ("unresolved", "policy of module.a.aws_iam_policy.loop could not be resolved")]
    many = next(e["message"] for e in report["errors"] if "aws_iam_policy.many" in e["message"])
    assert many.endswith("and 19997 more input(s)")
