"""The "Done when" of issue 15 (Terraform plans as CI pipelines produce them), end to end.

Plans of every format version load; a plan of any size that creates buckets, roles, queues,
topics, keys and secrets without policies exits 0; the same plan with an admin policy or a public
bucket policy exits 1 naming it. The plans are built by plan_builder from the AWS provider v4 and
v5 schemas (see its docstring) and scanned with the real CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import plan_scenarios as scenarios
from helpers import scan_json, triples
from plan_builder import FORMAT_VERSIONS, PlanBuilder, Res, call, const, data, policy, ref, write

PROVIDERS = ("v4", "v5")
# Each format version with the provider versions of its time (v5 needs Terraform 1.x); 1.2 with
# both below, in the blocked plans.
FORMAT_CASES = [("v4", "0.1"), ("v4", "0.2"), ("v4", "1.0"), ("v4", "1.1"), ("v5", "1.1"), ("v5", "1.2")]
BLOCKING = {"high", "critical"}


def written(tmp_path: Path, name: str, plan: PlanBuilder) -> Path:
    path = tmp_path / f"{name}.json"
    write(plan.build(), path)
    return path


def object_line(path: Path, address: str) -> int:
    """Line of the ``{`` of the resource's object in planned_values (its first mention; written
    with ``"address"`` as the object's first key, so one line above it)."""
    needle = f'"address": {json.dumps(address)},'
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip() == needle:
            return number - 1
    raise AssertionError(f"{address} not in {path}")


def scan(path: Path, *extra: str) -> tuple[dict, int]:
    report, proc = scan_json(path.name, *extra, cwd=path.parent)
    return report, proc.returncode


def blocking(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["severity"] in BLOCKING]


def errors(report: dict) -> list[tuple]:
    return [(e.get("kind"), e.get("line"), e["message"]) for e in report["errors"]]


# -- no policies: exit 0 in every format version and provider ------------------------------------

@pytest.mark.parametrize("provider, format_version", FORMAT_CASES)
def test_plan_without_policies_exits_0_in_every_format_version(tmp_path, provider, format_version):
    path = written(tmp_path, "plan", scenarios.no_policies(provider, format_version, user_policy=True))
    report, code = scan(path)
    assert errors(report) == []
    assert blocking(report) == []
    # every resource was loaded and judged: the user (in no group, holding only a harmless
    # managed policy: IAG-GR-002 passes over users without policies) is reported, at low severity
    assert ("IAG-GR-002", "aws_iam_user.deploy", "plan.json", object_line(path, "aws_iam_user.deploy")) \
        in triples(report)
    assert report["summary"]["resources"] >= 10
    assert code == 0


def test_plan_of_thousands_of_instances_without_policies_exits_0(tmp_path):
    """2,000+ instances through count at the root and for_each in a child module. The claim is
    about size, not speed: no time limit, so a loaded machine cannot make it fail."""
    copies = 230
    path = written(tmp_path, "large", scenarios.large_no_policies(copies, user_policy=True))
    report, code = scan(path, "--max-seconds-per-file", "0")
    assert errors(report) == []
    assert blocking(report) == []
    users = {f["resource"] for f in report["findings"] if f["rule_id"] == "IAG-GR-002"}
    assert users == ({f"aws_iam_user.deploy[{i}]" for i in range(copies // 2)}
                     | {f'module.tenants.aws_iam_user.deploy["tenant-{i:05d}"]' for i in range(copies - copies // 2)})
    # every instance (each user's policy attachment too), the caller identity and the provider configuration
    assert report["summary"]["resources"] == copies * 10 + 2
    assert code == 0


def statement_line(path: Path, document: str) -> int:
    """Line of the ``{`` of the first statement of a data aws_iam_policy_document's value in
    planned_values: a document read at apply is built from those statements, and a finding
    points at the statement, as it does in the .tf files."""
    lines = path.read_text().splitlines()
    start = object_line(path, document)
    for number in range(start, len(lines)):
        if lines[number].strip() == '"statement": [':
            return number + 2
    raise AssertionError(f"no statement for {document} in {path}")


# -- the same plans with something to block: exit 1 naming it ------------------------------------

BLOCKED = [
    (scenarios.with_admin_attachment, "IAG-LP-001", "aws_iam_role_policy_attachment.worker_admin", None),
    (scenarios.with_inline_admin, "IAG-LP-001", "aws_iam_role_policy.worker_all", None),
    (scenarios.with_public_bucket_document, "IAG-EXT-001", "aws_s3_bucket_policy.assets_public",
     "data.aws_iam_policy_document.assets_public"),
    (scenarios.with_public_bucket_jsonencode, "IAG-EXT-001", "aws_s3_bucket_policy.assets_public", None),
]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("scenario, rule_id, address, document", BLOCKED, ids=[b[0].__name__ for b in BLOCKED])
def test_admin_or_public_bucket_policy_exits_1_naming_it(tmp_path, provider, scenario, rule_id, address, document):
    path = written(tmp_path, "plan", scenario(provider))
    report, code = scan(path)
    assert errors(report) == []
    line = statement_line(path, document) if document else object_line(path, address)
    assert [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in blocking(report)] == [
        (rule_id, address, "plan.json", line)]
    assert code == 1


@pytest.mark.parametrize("format_version", [v for v in FORMAT_VERSIONS if v != "1.2"])
def test_admin_attachment_is_named_in_every_format_version(tmp_path, format_version):
    path = written(tmp_path, "plan", scenarios.with_admin_attachment("v4", format_version))
    report, code = scan(path)
    address = "aws_iam_role_policy_attachment.worker_admin"
    assert errors(report) == []
    assert [(f["rule_id"], f["resource"], f["line"]) for f in blocking(report)] == [
        ("IAG-LP-001", address, object_line(path, address))]
    assert code == 1


def test_admin_attachment_on_one_for_each_instance_of_a_large_plan_is_named(tmp_path):
    plan = scenarios.large_no_policies(200)
    plan.add(Res("aws_iam_role_policy_attachment", "worker_admin", {
        "role": ref("aws_iam_role.worker[each.key].name"), "policy_arn": const(scenarios.ADMIN_ARN)},
        module="module.tenants", keys=["tenant-00042"]))
    path = written(tmp_path, "large", plan)
    report, code = scan(path, "--max-seconds-per-file", "0")
    address = 'module.tenants.aws_iam_role_policy_attachment.worker_admin["tenant-00042"]'
    assert errors(report) == []
    assert [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in blocking(report)] == [
        ("IAG-LP-001", address, "large.json", object_line(path, address))]
    assert code == 1


# -- an update plan: prior_state, unchanged resources, one change --------------------------------

def deployed(provider: str) -> PlanBuilder:
    """A deployed stack the plan leaves unchanged (no-op), with a private bucket policy."""
    private = policy({"Action": "s3:GetObject", "Effect": "Allow",
                      "Principal": {"AWS": "arn:aws:iam::111122223333:role/app-worker"},
                      "Resource": "arn:aws:s3:::app-assets-111122223333/*", "Sid": "WorkerRead"})
    plan = PlanBuilder(provider, "1.2")
    # the plan's account: without it, the account root in a key's default policy is a stranger
    plan.add(data("aws_caller_identity", "current"))
    for res in scenarios.no_policy_resources(blocked=False):
        res.action = "no-op"
        if res.type == "aws_iam_role":  # the provider reads attached policies back into the role
            res.state = {"managed_policy_arns": [scenarios.READ_ONLY_ARN]}
        plan.add(res)
    plan.add(Res("aws_iam_role_policy_attachment", "worker_read", {
        "role": ref("aws_iam_role.worker.name"), "policy_arn": const(scenarios.READ_ONLY_ARN)},
        action="no-op"))
    plan.add(Res("aws_s3_bucket_policy", "assets", {
        "bucket": ref("aws_s3_bucket.assets.id"), "policy": call(private)},
        action="no-op"))
    return plan


@pytest.mark.parametrize("provider", PROVIDERS)
def test_update_plan_with_nothing_new_exits_0(tmp_path, provider):
    path = written(tmp_path, "plan", deployed(provider))
    report, code = scan(path)
    assert errors(report) == []
    assert blocking(report) == []
    assert code == 0


@pytest.mark.parametrize("provider", PROVIDERS)
def test_update_that_opens_a_bucket_policy_to_anyone_exits_1_naming_it(tmp_path, provider):
    plan = deployed(provider)
    bucket_policy = plan.resources[-1]
    bucket_policy.before = dict(bucket_policy.args)
    bucket_policy.action = "update"
    bucket_policy.args["policy"] = call(PUBLIC_READ)
    path = written(tmp_path, "plan", plan)
    report, code = scan(path)
    address = "aws_s3_bucket_policy.assets"
    assert errors(report) == []
    assert [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in blocking(report)] == [
        ("IAG-EXT-001", address, "plan.json", object_line(path, address))]
    assert code == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_update_that_replaces_a_role_policy_with_admin_exits_1_naming_it(tmp_path, provider):
    plan = deployed(provider)
    narrow = policy({"Action": "sqs:SendMessage", "Effect": "Allow",
                     "Resource": "arn:aws:sqs:eu-west-1:111122223333:app-jobs"})
    plan.add(Res("aws_iam_role_policy", "worker", {
        "name": const("worker"), "role": ref("aws_iam_role.worker.id"),
        "policy": call(policy({"Action": "*", "Effect": "Allow", "Resource": "*"}))},
        action="update", before={"name": const("worker"), "role": const("app-worker"), "policy": call(narrow)}))
    path = written(tmp_path, "plan", plan)
    report, code = scan(path)
    address = "aws_iam_role_policy.worker"
    assert errors(report) == []
    assert [(f["rule_id"], f["resource"], f["file"], f["line"]) for f in blocking(report)] == [
        ("IAG-LP-001", address, "plan.json", object_line(path, address))]
    assert code == 1


PUBLIC_READ = policy({"Action": "s3:GetObject", "Effect": "Allow", "Principal": "*",
                      "Resource": "arn:aws:s3:::app-assets-111122223333/*", "Sid": "PublicRead"})


@pytest.mark.parametrize("provider", PROVIDERS)
def test_update_that_closes_a_public_bucket_policy_exits_0(tmp_path, provider):
    """The bucket's own ``policy`` is computed: the deployed state reads back what the bucket
    policy resource attached (here the public policy the plan replaces). The configuration never
    writes it, so it decides nothing; the plan's bucket policy is what gets deployed."""
    plan = deployed(provider)
    bucket_policy = plan.resources[-1]
    bucket_policy.before = dict(bucket_policy.args, policy=call(PUBLIC_READ))
    bucket_policy.action = "update"
    for res in plan.resources:
        if res.type == "aws_s3_bucket":
            res.state = {"policy": PUBLIC_READ}
    path = written(tmp_path, "plan", plan)
    report, code = scan(path)
    assert errors(report) == []
    assert blocking(report) == []
    assert code == 0


@pytest.mark.parametrize("provider", PROVIDERS)
def test_plan_that_deletes_an_admin_attachment_exits_0(tmp_path, provider):
    """The role's ``managed_policy_arns`` in the deployed state still lists AdministratorAccess,
    which the plan detaches (the attachment is deleted): the configuration does not write it, so
    it is no grant of the plan."""
    plan = deployed(provider)
    for res in plan.resources:
        if res.type == "aws_iam_role":
            res.state = {"managed_policy_arns": [scenarios.ADMIN_ARN, scenarios.READ_ONLY_ARN]}
    plan.add(Res("aws_iam_role_policy_attachment", "worker_admin", {
        "role": ref("aws_iam_role.worker.name"), "policy_arn": const(scenarios.ADMIN_ARN)}, action="delete"))
    path = written(tmp_path, "plan", plan)
    report, code = scan(path)
    assert errors(report) == []
    assert blocking(report) == []
    assert code == 0


def test_the_account_a_plan_was_made_in_is_inside_its_zone_of_trust(tmp_path):
    """data.aws_caller_identity read while planning names the plan's account: a deployed key's
    default policy (the account root may use it) and a bucket policy for a role of that account
    grant nothing outside. The model keeps data sources out of its resources, and the zone was
    read from there: both were IAG-EXT-002 (high) on every plan."""
    path = written(tmp_path, "plan", deployed("v5"))
    report, code = scan(path)
    assert [(f["rule_id"], f["resource"]) for f in report["findings"]
            if f["family"] == "external-access" and f["rule_id"] != "IAG-EXT-004"] == []
    assert code == 0
