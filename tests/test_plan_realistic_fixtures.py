"""Two hand-written plans of the AWS provider v4 and v5 (tests/fixtures/plan/provider_*.json),
checked against the builder's schema tables, and scanned end to end.

provider_v4_public_site.json: Terraform 1.3 (format 1.1), provider ~> 4.50. Creates a docs bucket
with its public access block turned off and a bucket policy from a data aws_iam_policy_document
that references the bucket's ARN (read at apply) and lets anyone s3:GetObject; a deploy role with
an inline policy written with jsonencode; aws_caller_identity read while planning.

provider_v5_update.json: Terraform 1.9 (format 1.2), provider ~> 5.40. An update: the CI role
gets an inline_policy block allowing everything; the queue's visibility timeout changes; a queue
policy is created; the key and one secret of a for_each module are unchanged, another secret is
created; resource_drift, prior_state, output_changes and checks as Terraform writes them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import scan_json
from plan_builder import UNKNOWN, PlanBuilder, Res, call, const, data, ref, statement

FIXTURES = Path(__file__).parent / "fixtures" / "plan"
V4_SITE = FIXTURES / "provider_v4_public_site.json"
V5_UPDATE = FIXTURES / "provider_v5_update.json"


def changes(path_or_plan) -> dict:
    plan = json.loads(path_or_plan.read_text()) if isinstance(path_or_plan, Path) else path_or_plan
    return {c["address"]: c for c in plan["resource_changes"]}


def configured(plan: dict) -> dict:
    found = {}

    def walk(module: dict, prefix: str) -> None:
        for res in module.get("resources", []):
            found[prefix + res["address"]] = res.get("expressions", {})
        for name, call_ in module.get("module_calls", {}).items():
            walk(call_["module"], f"{prefix}module.{name}.")

    walk(plan["configuration"]["root_module"], "")
    return found


def object_line(path: Path, address: str) -> int:
    needle = f'"address": {json.dumps(address)},'
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip() == needle:
            return number - 1
    raise AssertionError(f"{address} not in {path}")


def v4_site_description() -> PlanBuilder:
    written = json.loads(V4_SITE.read_text())
    after = changes(written)
    trust = after["aws_iam_role.deploy"]["change"]["after"]["assume_role_policy"]
    sync = after["aws_iam_role_policy.deploy_sync"]["change"]["after"]["policy"]
    plan = PlanBuilder("v4", "1.1")
    plan.variables = {"site_name": "example-docs-site-111122223333"}
    plan.add(
        data("aws_caller_identity", "current"),
        Res("aws_iam_role", "deploy", {"assume_role_policy": call(trust),
                                       "description": const("Publishes the docs site"),
                                       "name": const("docs-deploy")}),
        Res("aws_iam_role_policy", "deploy_sync", {"name": const("sync"), "policy": call(sync, "var.site_name"),
                                                   "role": ref("aws_iam_role.deploy.id")}),
        Res("aws_s3_bucket", "site", {"bucket": ref("var.site_name"), "tags": const({"site": "docs"})}),
        Res("aws_s3_bucket_public_access_block", "site", {
            "block_public_acls": const(False), "block_public_policy": const(False),
            "bucket": ref("aws_s3_bucket.site.id"), "ignore_public_acls": const(False),
            "restrict_public_buckets": const(False)}),
        data("aws_iam_policy_document", "public_read", {"statement": [statement(
            actions=const(["s3:GetObject"]),
            principals=[{"identifiers": const(["*"]), "type": const("*")}],
            resources=call([UNKNOWN], "aws_s3_bucket.site.arn"), sid=const("PublicRead"))]}, deferred=True),
        Res("aws_s3_bucket_policy", "site", {"bucket": ref("aws_s3_bucket.site.id"),
                                             "policy": ref("data.aws_iam_policy_document.public_read.json")}),
    )
    return plan


def test_v4_fixture_is_what_the_v4_schema_tables_give_for_its_configuration():
    """Every change of the hand-written v4 plan (after, after_unknown, the sensitivity masks)
    and every configuration expression is what the builder derives from the provider v4 tables:
    two descriptions of the same provider, written separately, agree."""
    written = json.loads(V4_SITE.read_text())
    built = v4_site_description().build()
    assert changes(built).keys() == changes(written).keys()
    for address, change in changes(written).items():
        mine = changes(built)[address]
        for key in ("actions", "before", "after", "after_unknown", "before_sensitive", "after_sensitive"):
            assert mine["change"][key] == change["change"][key], (address, key)
        assert mine.get("action_reason") == change.get("action_reason"), address
    assert configured(built) == configured(written)
    assert built["prior_state"]["values"]["root_module"]["resources"][0]["values"]["account_id"] == \
        written["prior_state"]["values"]["root_module"]["resources"][0]["values"]["account_id"]


def test_v5_fixture_has_the_attributes_and_masks_of_the_v5_schema_tables():
    """The deployed instances of the hand-written v5 update hold exactly the attributes the v5
    tables give a deployed instance (state values differ: ids, dates), with the same masks; the
    created secret leaves the same attributes unknown."""
    written = changes(V5_UPDATE)
    plan = PlanBuilder("v5", "1.2")
    plan.add(
        Res("aws_iam_role", "ci", {"assume_role_policy": call("{}"), "name": const("orders-ci")}, action="no-op"),
        Res("aws_kms_key", "orders", {"deletion_window_in_days": const(7), "description": const("orders queue"),
                                      "enable_key_rotation": const(True)}, action="no-op"),
        Res("aws_sqs_queue", "orders", {"name": const("orders")}, action="no-op"),
        Res("aws_secretsmanager_secret", "this", {"name": lambda key: const(f"orders/{key}")},
            module="module.secrets", keys=["db"], action="no-op"),
        Res("aws_secretsmanager_secret", "this", {"name": lambda key: const(f"orders/{key}")},
            module="module.secrets", keys=["api"]),
    )
    built = changes(plan.build())
    for address, mine in built.items():
        change = written[address]["change"]
        if mine["change"]["actions"] == ["create"]:
            assert mine["change"] == change, address
            continue
        assert set(mine["change"]["before"]) == set(change["before"]) == set(change["after"]), address
        assert mine["change"]["before_sensitive"] == change["before_sensitive"], address


@pytest.fixture(scope="module")
def v4_report():
    report, proc = scan_json(V4_SITE.name, cwd=FIXTURES)
    return report, proc.returncode


def test_v4_public_site_plan_exits_1_naming_the_public_bucket_policy(v4_report):
    """The bucket policy is read at apply from a policy document whose statement is in the plan
    (Principal "*", s3:GetObject; only the bucket ARN waits for apply): the grant to anyone is
    known. Nothing else is a hole: the bucket's and the role's computed policies are not written."""
    report, code = v4_report
    assert [(e.get("kind"), e["message"]) for e in report["errors"]] == []
    blocking = [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]
                if f["severity"] in ("high", "critical")]
    # at the statement of the document in planned_values, as a .tf finding is at its statement
    statement = object_line(V4_SITE, "data.aws_iam_policy_document.public_read") + 14
    assert V4_SITE.read_text().splitlines()[statement - 2].strip() == '"statement": ['
    assert blocking == [("IAG-EXT-001", "aws_s3_bucket_policy.site", V4_SITE.name, statement)]
    assert code == 1


def test_v4_public_site_plan_reports_the_open_public_access_block(v4_report):
    report, _ = v4_report
    assert ("IAG-EXT-004", "medium", "aws_s3_bucket_public_access_block.site",
            object_line(V4_SITE, "aws_s3_bucket_public_access_block.site")) in {
        (f["rule_id"], f["severity"], f["resource"], f["line"]) for f in report["findings"]}


def test_v5_update_plan_exits_1_naming_the_inline_admin_policy():
    """The role's inline_policy block (written in the configuration, known in the plan) allows
    everything. The created secret's policy is computed and not written: no hole; the unchanged
    key's default policy names the plan's own account: no external access."""
    report, proc = scan_json(V5_UPDATE.name, cwd=FIXTURES)
    assert [(e.get("kind"), e["message"]) for e in report["errors"]] == []
    assert [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]
            if f["severity"] in ("high", "critical")] == [
        ("IAG-LP-001", "aws_iam_role.ci", V5_UPDATE.name, object_line(V5_UPDATE, "aws_iam_role.ci"))]
    assert proc.returncode == 1
