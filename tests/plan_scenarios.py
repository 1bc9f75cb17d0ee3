"""The plans of the issue's "Done when", described for plan_builder.

``no_policies``: a plan that creates buckets, roles, queues, topics, keys and secrets (and a user
in a group) and attaches no policy to any of them: every policy attribute the provider computes
is unknown, and nothing in the configuration writes one.
``with_admin_*`` / ``with_public_bucket_*`` add one thing a gate must block.
"""

from __future__ import annotations

from plan_builder import UNKNOWN, Arg, PlanBuilder, Res, call, const, data, policy, ref, statement

EC2_TRUST = policy({"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}})
LAMBDA_TRUST = policy({"Action": "sts:AssumeRole", "Effect": "Allow",
                       "Principal": {"Service": "lambda.amazonaws.com"}})
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_ARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
CHANGE_PASSWORD_ARN = "arn:aws:iam::aws:policy/IAMUserChangePassword"


def no_policy_resources(prefix: str = "app", module: str = "", *, blocked: bool = True,
                        instance_key: str = "", user_policy: bool = False) -> list[Res]:
    """One of each kind, none with a policy written in the configuration. ``blocked``: the
    bucket's public access block refuses public policies (a public site turns it off).
    ``instance_key``: ``count.index`` or ``each.key`` when the blocks have several instances (a
    reference to a sibling instance, ``aws_s3_bucket.assets[count.index].id``, then lists the
    resource and the key, not the attribute). ``user_policy``: the user (in no group) also gets
    AWS's IAMUserChangePassword attached, a policy that makes it something to judge (IAG-GR-002
    reports only users that hold policies) and grants nothing risky."""
    def m(res: Res) -> Res:
        res.module = module
        return res

    bucket_id = ref(f"aws_s3_bucket.assets[{instance_key}].id" if instance_key else "aws_s3_bucket.assets.id")

    def named(text: str):
        """A name unique per instance ("${prefix}-jobs-${count.index}") or a literal."""
        if not instance_key:
            return const(text)
        return lambda key: Arg(f"{text}-{key}", {"references": [instance_key]})

    return [m(r) for r in (
        Res("aws_s3_bucket", "assets", {"bucket": named(f"{prefix}-assets-111122223333"),
                                        "tags": const({"team": "web"})}),
        Res("aws_s3_bucket_public_access_block", "assets", {
            "bucket": bucket_id, "block_public_acls": const(True),
            "block_public_policy": const(blocked), "ignore_public_acls": const(True),
            "restrict_public_buckets": const(blocked)}),
        Res("aws_iam_role", "worker", {"name": named(f"{prefix}-worker"),
                                       "assume_role_policy": call(EC2_TRUST)}),
        Res("aws_sqs_queue", "jobs", {"name": named(f"{prefix}-jobs")}),
        Res("aws_sns_topic", "events", {"name": named(f"{prefix}-events")}),
        Res("aws_kms_key", "data", {"description": const(f"{prefix} data key"),
                                    "enable_key_rotation": const(True)}),
        Res("aws_secretsmanager_secret", "db", {"name": named(f"{prefix}/db")}),
        Res("aws_iam_group", "readers", {"name": named(f"{prefix}-readers")}),
        Res("aws_iam_user", "deploy", {"name": named(f"{prefix}-deploy")}),
    ) + ((Res("aws_iam_user_policy_attachment", "deploy", {
        "user": ref(f"aws_iam_user.deploy[{instance_key}].name" if instance_key else "aws_iam_user.deploy.name"),
        "policy_arn": const(CHANGE_PASSWORD_ARN)}),) if user_policy else ())]


def no_policies(provider: str = "v5", format_version: str = "1.2", *, blocked: bool = True,
                user_policy: bool = False) -> PlanBuilder:
    plan = PlanBuilder(provider, format_version)
    plan.add(*no_policy_resources(blocked=blocked, user_policy=user_policy))
    plan.add(data("aws_caller_identity", "current"))
    plan.checks.append("assets_versioned")  # a check block: format 1.2 lists its status
    return plan


def with_admin_attachment(provider: str = "v5", format_version: str = "1.2") -> PlanBuilder:
    """AdministratorAccess attached to the new role by a separate attachment resource."""
    return no_policies(provider, format_version).add(
        Res("aws_iam_role_policy_attachment", "worker_admin", {
            "role": ref("aws_iam_role.worker.name"), "policy_arn": const(ADMIN_ARN)}))


def with_inline_admin(provider: str = "v5", format_version: str = "1.2") -> PlanBuilder:
    """An inline policy allowing every action on every resource, written with jsonencode."""
    return no_policies(provider, format_version).add(
        Res("aws_iam_role_policy", "worker_all", {
            "name": const("everything"), "role": ref("aws_iam_role.worker.id"),
            "policy": call(policy({"Action": "*", "Effect": "Allow", "Resource": "*"}))}))


def with_public_bucket_document(provider: str = "v5", format_version: str = "1.2") -> PlanBuilder:
    """Anyone may read the bucket's objects: the policy is a data aws_iam_policy_document whose
    resources reference the new bucket's ARN, so the provider reads it at apply."""
    return no_policies(provider, format_version, blocked=False).add(
        data("aws_iam_policy_document", "assets_public", {"statement": [statement(
            sid=const("PublicRead"), effect=const("Allow"), actions=const(["s3:GetObject"]),
            resources=call([UNKNOWN], "aws_s3_bucket.assets.arn"),
            principals=[{"type": const("*"), "identifiers": const(["*"])}])]}, deferred=True),
        Res("aws_s3_bucket_policy", "assets_public", {
            "bucket": ref("aws_s3_bucket.assets.id"),
            "policy": ref("data.aws_iam_policy_document.assets_public.json")}))


def with_public_bucket_jsonencode(provider: str = "v5", format_version: str = "1.2") -> PlanBuilder:
    """The same grant written with jsonencode and the bucket's name as a literal: the policy is
    known at plan time, only the bucket argument (its id) waits for apply."""
    return no_policies(provider, format_version, blocked=False).add(
        Res("aws_s3_bucket_policy", "assets_public", {
            "bucket": ref("aws_s3_bucket.assets.id"),
            "policy": call(policy({"Sid": "PublicRead", "Action": "s3:GetObject", "Effect": "Allow",
                                   "Principal": "*", "Resource": "arn:aws:s3:::app-assets-111122223333/*"}))}))


def large_no_policies(copies: int, provider: str = "v5", *, user_policy: bool = False) -> PlanBuilder:
    """``copies`` instances of every no-policy resource, half through for_each in a child
    module and half through count at the root."""
    plan = PlanBuilder(provider, "1.2")
    half = copies // 2
    for res in no_policy_resources(instance_key="count.index", user_policy=user_policy):
        res.keys = list(range(half))
        plan.add(res)
    for res in no_policy_resources(module="module.tenants", instance_key="each.key", user_policy=user_policy):
        res.keys = [f"tenant-{i:05d}" for i in range(copies - half)]
        plan.add(res)
    plan.add(data("aws_caller_identity", "current"))
    return plan
