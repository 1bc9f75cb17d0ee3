"""Realistic ``terraform show -json`` plans from a compact description, for tests.

Terraform cannot run on the test machines, so plan fixtures are built here. What a plan holds
for an attribute the configuration does not write depends on the provider schema: an
attribute with a default is known (``"path": "/"``), an optional one without a default is
``null``, and a Computed or Optional+Computed one is unknown on create (``after_unknown``
``true``, absent from ``after`` and ``planned_values``). The tables below give that per
resource type and AWS provider major version. They were read from the provider's schemas
(hashicorp/terraform-provider-aws ``internal/service/{iam,s3,sqs,sns,kms,secretsmanager,sts}``,
the resource files named in each entry) and checked against real public plans, which the
builder reproduces for the same configuration (after, after_unknown, after_sensitive,
planned_values, configuration expressions; ids and dates aside): Terraform 1.10 + provider 5
creating a bucket and a bucket policy from a deferred ``aws_iam_policy_document`` and leaving an
IAM role, policy and attachment unchanged; Terraform 1.13 + provider 5 creating a role, policy
and attachment; Terraform 1.1 + provider 4.48 (format 1.0) creating a role and attachment;
Terraform 1.1 + provider 4.6 creating a bucket and a KMS key.

The layout per ``format_version`` follows Terraform's ``jsonplan``/``jsonstate`` writers and
real plans of each: ``0.1`` (Terraform 0.12-1.0.0; 0.12-0.14 without sensitivity masks, as here;
references name the resource only),
``0.2`` (1.0.1-1.0.11) adds ``sensitive_values``, ``before_sensitive``/``after_sensitive``
(0.15 had the latter two already) and ``action_reason``; ``1.0`` (1.1)
has the same keys and a state ``format_version`` of ``"1.0"``; ``1.1`` (1.2-1.4) adds
``relevant_attributes``; ``1.2`` (1.5 and later) adds ``checks``, ``timestamp`` and
``applyable``/``complete``/``errored``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = "111122223333"
REGION = "eu-west-1"
CREATED = "2024-03-11T09:41:27Z"
UNKNOWN = object()  # a value only apply can know (it depends on something computed)

TERRAFORM_FOR_FORMAT = {"0.1": "0.14.11", "0.2": "1.0.11", "1.0": "1.1.9", "1.1": "1.3.10", "1.2": "1.9.8"}
FORMAT_VERSIONS = tuple(TERRAFORM_FOR_FORMAT)
PROVIDER_VERSION = {"v4": "~> 4.0", "v5": "~> 5.0"}
SENSITIVE_FROM = "0.2"  # first format_version with sensitive_values and *_sensitive masks
RELEVANT_FROM = "1.1"
CHECKS_FROM = "1.2"
# Terraform 0.12 to 1.0.0 (format 0.1) list references to the resource only: aws_kms_key.k for
# aws_kms_key.k.arn; later ones add the attribute traversals (aws_kms_key.k.arn, aws_kms_key.k).
QUALIFIED_REFERENCES_FROM = "0.2"


@dataclass(frozen=True)
class Schema:
    """How one resource type looks in a plan when an attribute is not configured.

    ``defaults``: known after create (a schema Default, or null for Optional without one).
    ``computed``: Computed or Optional+Computed: unknown on create, ``applied`` gives the value
    in state afterwards (``{name}``, ``{account}``, ``{region}``, ``{id}`` are filled in).
    ``masks``: the empty containers ``sensitive_values``/``after_sensitive`` hold for blocks,
    sets and maps (Terraform writes ``[]``/``{}`` for them even when nothing is sensitive).
    """

    defaults: dict
    computed: dict
    masks: dict = field(default_factory=dict)
    source: str = ""


def _tags_masks(**extra: Any) -> dict:
    return {**extra, "tags": {}, "tags_all": {}}


_IAM_ROLE = Schema(  # internal/service/iam/role.go (same in v4 and v5)
    defaults={"description": None, "force_detach_policies": False, "max_session_duration": 3600,
              "path": "/", "permissions_boundary": None, "tags": None},
    computed={"arn": "arn:aws:iam::{account}:role/{name}", "create_date": CREATED, "id": "{name}",
              "inline_policy": [], "managed_policy_arns": [], "name_prefix": "",
              "unique_id": "AROAEXAMPLE{hash}", "tags_all": {}},
    masks={"inline_policy": [], "managed_policy_arns": [], "tags": {}, "tags_all": {}},
    source="iam/role.go")
_IAM_POLICY_V4 = Schema(  # internal/service/iam/policy.go
    defaults={"description": None, "path": "/", "tags": None},
    computed={"arn": "arn:aws:iam::{account}:policy/{name}", "id": "arn:aws:iam::{account}:policy/{name}",
              "name_prefix": "", "policy_id": "ANPAEXAMPLE{hash}", "tags_all": {}},
    masks=_tags_masks(), source="iam/policy.go")
_IAM_POLICY_V5 = Schema(  # v5 adds attachment_count (Computed)
    defaults=_IAM_POLICY_V4.defaults,
    computed={**_IAM_POLICY_V4.computed, "attachment_count": 0},
    masks=_tags_masks(), source="iam/policy.go")
_IAM_ROLE_POLICY = Schema(  # internal/service/iam/role_policy.go
    defaults={"name_prefix": None}, computed={"id": "{role}:{name}"}, source="iam/role_policy.go")
_IAM_ROLE_POLICY_ATTACHMENT = Schema(  # internal/service/iam/role_policy_attachment.go
    defaults={}, computed={"id": "{role}-20240311094127{hash4}0000000{hash1}"},
    source="iam/role_policy_attachment.go")
_IAM_USER = Schema(  # internal/service/iam/user.go
    defaults={"force_destroy": False, "path": "/", "permissions_boundary": None, "tags": None},
    computed={"arn": "arn:aws:iam::{account}:user/{name}", "id": "{name}",
              "unique_id": "AIDAEXAMPLE{hash}", "tags_all": {}},
    masks=_tags_masks(), source="iam/user.go")
_IAM_USER_POLICY_ATTACHMENT = Schema(  # internal/service/iam/user_policy_attachment.go
    defaults={}, computed={"id": "{user}-20240311094127{hash4}0000000{hash1}"},
    source="iam/user_policy_attachment.go")
_IAM_GROUP = Schema(  # internal/service/iam/group.go
    defaults={"path": "/"},
    computed={"arn": "arn:aws:iam::{account}:group/{name}", "id": "{name}", "unique_id": "AGPAEXAMPLE{hash}"},
    source="iam/group.go")
_S3_BUCKET_COMPUTED = {
    # v4 split acl/policy/versioning/... into their own resources and left them Computed on the
    # bucket (Optional+Computed and deprecated from 4.9): unknown on every create.
    "acceleration_status": "", "acl": None, "arn": "arn:aws:s3:::{bucket}",
    "bucket_domain_name": "{bucket}.s3.amazonaws.com",
    "bucket_regional_domain_name": "{bucket}.s3.{region}.amazonaws.com", "cors_rule": [], "grant": [
        {"id": "EXAMPLECANONICALID", "permissions": ["FULL_CONTROL"], "type": "CanonicalUser", "uri": ""}],
    "hosted_zone_id": "Z1BKCTXD74EZPE", "id": "{bucket}", "lifecycle_rule": [], "logging": [],
    "object_lock_configuration": [], "object_lock_enabled": False, "policy": "", "region": "{region}",
    "replication_configuration": [], "request_payer": "BucketOwner",
    "server_side_encryption_configuration": [{"rule": [{"apply_server_side_encryption_by_default": [
        {"kms_master_key_id": "", "sse_algorithm": "AES256"}], "bucket_key_enabled": False}]}],
    "tags_all": {}, "versioning": [{"enabled": False, "mfa_delete": False}], "website": [],
    "website_domain": None, "website_endpoint": None}
_S3_BUCKET_MASKS = _tags_masks(
    cors_rule=[], grant=[], lifecycle_rule=[], logging=[], object_lock_configuration=[],
    replication_configuration=[], server_side_encryption_configuration=[], versioning=[], website=[])
_S3_BUCKET_V4 = Schema(  # internal/service/s3/bucket.go in v4: bucket_prefix Optional only, no timeouts
    defaults={"bucket_prefix": None, "force_destroy": False, "tags": None},
    computed=_S3_BUCKET_COMPUTED, masks=_S3_BUCKET_MASKS, source="s3/bucket.go")
_S3_BUCKET_V5 = Schema(  # v5: bucket_prefix Optional+Computed
    defaults={"force_destroy": False, "tags": None, "timeouts": None},
    computed={**_S3_BUCKET_COMPUTED, "bucket_prefix": ""}, masks=_S3_BUCKET_MASKS, source="s3/bucket.go")
_S3_BUCKET_POLICY = Schema(  # internal/service/s3/bucket_policy.go
    defaults={}, computed={"id": "{bucket}"}, source="s3/bucket_policy.go")
_S3_PUBLIC_ACCESS_BLOCK = Schema(  # internal/service/s3/bucket_public_access_block.go
    defaults={"block_public_acls": False, "block_public_policy": False, "ignore_public_acls": False,
              "restrict_public_buckets": False},
    computed={"id": "{bucket}"}, source="s3/bucket_public_access_block.go")
_SQS_QUEUE = Schema(  # internal/service/sqs/queue.go (policy: Optional+Computed)
    defaults={"content_based_deduplication": False, "delay_seconds": 0, "fifo_queue": False,
              "kms_master_key_id": None, "max_message_size": 262144, "message_retention_seconds": 345600,
              "receive_wait_time_seconds": 0, "tags": None, "visibility_timeout_seconds": 30},
    computed={"arn": "arn:aws:sqs:{region}:{account}:{name}", "deduplication_scope": "",
              "fifo_throughput_limit": "", "id": "https://sqs.{region}.amazonaws.com/{account}/{name}",
              "kms_data_key_reuse_period_seconds": 300, "name_prefix": "", "policy": "",
              "redrive_allow_policy": "", "redrive_policy": "", "sqs_managed_sse_enabled": True,
              "tags_all": {}, "url": "https://sqs.{region}.amazonaws.com/{account}/{name}"},
    masks=_tags_masks(), source="sqs/queue.go")
_SQS_QUEUE_POLICY = Schema(  # internal/service/sqs/queue_policy.go
    defaults={}, computed={"id": "{queue_url}"}, source="sqs/queue_policy.go")
_SNS_FEEDBACK = {f"{kind}_{what}": None for kind in ("application", "firehose", "http", "lambda", "sqs")
                 for what in ("failure_feedback_role_arn", "success_feedback_role_arn",
                              "success_feedback_sample_rate")}
_SNS_TOPIC_V4 = Schema(  # internal/service/sns/topic.go at v4.67 (policy: Optional+Computed)
    defaults={**_SNS_FEEDBACK, "content_based_deduplication": False, "delivery_policy": None,
              "display_name": None, "fifo_topic": False, "kms_master_key_id": None, "tags": None},
    computed={"arn": "arn:aws:sns:{region}:{account}:{name}", "id": "arn:aws:sns:{region}:{account}:{name}",
              "name_prefix": "", "owner": "{account}", "policy": "", "signature_version": 0,
              "tags_all": {}, "tracing_config": ""},
    masks=_tags_masks(), source="sns/topic.go")
_SNS_TOPIC_V5 = Schema(  # v5 adds archive_policy (Optional) and beginning_archive_time (Computed)
    defaults={**_SNS_TOPIC_V4.defaults, "archive_policy": None},
    computed={**_SNS_TOPIC_V4.computed, "beginning_archive_time": ""},
    masks=_tags_masks(), source="sns/topic.go")
_SNS_TOPIC_POLICY = Schema(  # internal/service/sns/topic_policy.go
    defaults={}, computed={"id": "{arn}", "owner": "{account}"}, source="sns/topic_policy.go")
_KMS_KEY_V4 = Schema(  # internal/service/kms/key.go in v4 (description, policy: Optional+Computed)
    defaults={"bypass_policy_lockout_safety_check": False,
              "customer_master_key_spec": "SYMMETRIC_DEFAULT", "deletion_window_in_days": None,
              "enable_key_rotation": False, "is_enabled": True, "key_usage": "ENCRYPT_DECRYPT", "tags": None},
    computed={"arn": "arn:aws:kms:{region}:{account}:key/{key_id}", "description": "",
              "id": "{key_id}", "key_id": "{key_id}", "multi_region": False,
              "policy": ('{{"Id":"key-default-1","Statement":[{{"Action":"kms:*","Effect":"Allow",'
                         '"Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Resource":"*",'
                         '"Sid":"Enable IAM User Permissions"}}],"Version":"2012-10-17"}}'),
              "tags_all": {}},
    masks=_tags_masks(), source="kms/key.go")
_KMS_KEY_V5 = Schema(  # v5 has custom_key_store_id and xks_key_id (Optional), rotation_period_in_days
    defaults={**_KMS_KEY_V4.defaults, "custom_key_store_id": None, "xks_key_id": None},  # (Optional+Computed)
    computed={**_KMS_KEY_V4.computed, "rotation_period_in_days": 0},
    masks=_tags_masks(), source="kms/key.go")
_SECRET_V4 = Schema(  # internal/service/secretsmanager/secret.go at v4.67 (rotation_* still there)
    defaults={"description": None, "force_overwrite_replica_secret": False, "kms_key_id": None,
              "recovery_window_in_days": 30, "tags": None},
    computed={"arn": "arn:aws:secretsmanager:{region}:{account}:secret:{name}-AbCdEf",
              "id": "arn:aws:secretsmanager:{region}:{account}:secret:{name}-AbCdEf", "name_prefix": "",
              "policy": "", "replica": [], "rotation_enabled": False, "rotation_lambda_arn": "",
              "rotation_rules": [], "tags_all": {}},
    masks=_tags_masks(replica=[], rotation_rules=[]), source="secretsmanager/secret.go")
_SECRET_V5 = Schema(  # v5 removed rotation_enabled/rotation_lambda_arn/rotation_rules
    defaults=_SECRET_V4.defaults,
    computed={k: v for k, v in _SECRET_V4.computed.items() if not k.startswith("rotation_")},
    masks=_tags_masks(replica=[]), source="secretsmanager/secret.go")
_SECRET_POLICY = Schema(  # internal/service/secretsmanager/secret_policy.go
    defaults={"block_public_policy": None}, computed={"id": "{secret_arn}"},
    source="secretsmanager/secret_policy.go")
_POLICY_DOCUMENT_V4 = Schema(  # internal/service/iam/policy_document_data_source.go at v4.67
    defaults={"override_json": None, "override_policy_documents": None, "policy_id": None,
              "source_json": None, "source_policy_documents": None, "statement": None, "version": None},
    computed={"id": "{hash}", "json": ""}, masks={"statement": []}, source="iam/policy_document_data_source.go")
_POLICY_DOCUMENT_V5 = Schema(  # v5 adds minified_json (Computed)
    defaults=_POLICY_DOCUMENT_V4.defaults, computed={"id": "{hash}", "json": "", "minified_json": ""},
    masks={"statement": []}, source="iam/policy_document_data_source.go")
_CALLER_IDENTITY = Schema(  # internal/service/sts/caller_identity_data_source.go
    defaults={}, computed={"account_id": "{account}", "arn": "arn:aws:iam::{account}:user/ci",
                           "id": "{account}", "user_id": "AIDAEXAMPLECI"},
    source="sts/caller_identity_data_source.go")
# Unset optional attributes that the provider does not read back as "" (numbers, blocks).
_STAYS_NULL_IN_STATE = frozenset({"timeouts", "deletion_window_in_days", "application_success_feedback_sample_rate",
                                  "firehose_success_feedback_sample_rate", "http_success_feedback_sample_rate",
                                  "lambda_success_feedback_sample_rate", "sqs_success_feedback_sample_rate"})
# The statement block of aws_iam_policy_document: unset members of a written block.
_STATEMENT_DEFAULTS = {"actions": None, "condition": [], "effect": "Allow", "not_actions": None,
                       "not_principals": [], "not_resources": None, "principals": [], "resources": None,
                       "sid": None}

_COMMON = {
    "aws_iam_role": _IAM_ROLE, "aws_iam_role_policy": _IAM_ROLE_POLICY,
    "aws_iam_role_policy_attachment": _IAM_ROLE_POLICY_ATTACHMENT, "aws_iam_user": _IAM_USER,
    "aws_iam_user_policy_attachment": _IAM_USER_POLICY_ATTACHMENT, "aws_iam_group": _IAM_GROUP,
    "aws_s3_bucket_policy": _S3_BUCKET_POLICY, "aws_s3_bucket_public_access_block": _S3_PUBLIC_ACCESS_BLOCK,
    "aws_sqs_queue": _SQS_QUEUE, "aws_sqs_queue_policy": _SQS_QUEUE_POLICY,
    "aws_sns_topic_policy": _SNS_TOPIC_POLICY, "aws_secretsmanager_secret_policy": _SECRET_POLICY,
    "data.aws_caller_identity": _CALLER_IDENTITY,
}
SCHEMAS = {
    "v4": {**_COMMON, "aws_iam_policy": _IAM_POLICY_V4, "aws_s3_bucket": _S3_BUCKET_V4,
           "aws_sns_topic": _SNS_TOPIC_V4, "aws_kms_key": _KMS_KEY_V4,
           "aws_secretsmanager_secret": _SECRET_V4, "data.aws_iam_policy_document": _POLICY_DOCUMENT_V4},
    "v5": {**_COMMON, "aws_iam_policy": _IAM_POLICY_V5, "aws_s3_bucket": _S3_BUCKET_V5,
           "aws_sns_topic": _SNS_TOPIC_V5, "aws_kms_key": _KMS_KEY_V5,
           "aws_secretsmanager_secret": _SECRET_V5, "data.aws_iam_policy_document": _POLICY_DOCUMENT_V5},
}


# -- arguments ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Arg:
    """One configured argument: its value in the plan (``UNKNOWN`` when only apply knows it)
    and how ``configuration`` shows its expression. ``traversal``: for a plain reference, the
    attribute it reads (``aws_iam_role.worker[each.key].name``), whose value the builder
    takes from the plan as Terraform does: known when the target's attribute is known."""

    value: Any
    expression: dict
    traversal: str | None = None


FROM_PLAN = object()  # ref(): the value is whatever the plan knows of the referenced attribute


def const(value: Any) -> Arg:
    """A literal: ``{"constant_value": ...}``."""
    return Arg(value, {"constant_value": copy.deepcopy(value)})


def ref(traversal: str, *, value: Any = FROM_PLAN) -> Arg:
    """A reference to one attribute (``aws_s3_bucket.site.arn``, ``aws_iam_role.r[each.key].name``,
    ``var.x``). Terraform lists every prefix of the traversal, deepest first; a key that is not a
    literal (``[each.key]``, ``[count.index]``) ends the traversal at the resource and adds the
    key's own reference."""
    return Arg(value, {"references": _references(traversal)}, traversal)


def call(value: Any, *traversals: str) -> Arg:
    """A function call or template (``jsonencode(...)``, ``file(...)``, ``"${x.arn}/*"``):
    ``{}`` without references."""
    refs: list[str] = []
    for traversal in traversals:
        refs.extend(r for r in _references(traversal) if r not in refs)
    return Arg(value, {"references": refs} if refs else {})


_DYNAMIC_KEY = re.compile(r"\[(count\.index|each\.key|each\.value)\]")


def _references(traversal: str) -> list[str]:
    dynamic = _DYNAMIC_KEY.search(traversal)
    if dynamic:
        return [traversal[:dynamic.start()], dynamic.group(1)]
    parts = traversal.split(".")
    size = 3 if parts[0] == "data" else 2  # var.x, count.index, aws_iam_role.r
    return [".".join(parts[:end]) for end in range(len(parts), size - 1, -1)]


def statement(**members: Arg | list) -> dict:
    """One ``statement`` block of ``aws_iam_policy_document``; ``principals`` is a list of
    blocks ``{"type": Arg, "identifiers": Arg}``."""
    return members


# -- resources ----------------------------------------------------------------------------------

@dataclass
class Res:
    """One resource block (``count``/``for_each`` give several instances).

    ``action``: create / update / no-op / delete (removed from the configuration) / read (a data
    source read at apply) / plan-read (a data source read while planning: only in
    ``prior_state``). ``before``: the deployed arguments
    (update, no-op). ``state``: what the provider reads back into the deployed state beyond
    them (a role's ``managed_policy_arns`` lists what attachments attached). ``keys``: instance
    keys (ints for count, strings for for_each)."""

    type: str
    name: str
    args: dict = field(default_factory=dict)
    action: str = "create"
    before: dict | None = None
    module: str = ""  # "module.app" or "module.app.module.inner"
    keys: list | None = None
    mode: str = "managed"
    state: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        local = ("data." if self.mode == "data" else "") + f"{self.type}.{self.name}"
        return f"{self.module}.{local}" if self.module else local


def data(type_: str, name: str, args: dict | None = None, *, deferred: bool = False, **kw: Any) -> Res:
    return Res(type_, name, args or {}, action="read" if deferred else "plan-read", mode="data", **kw)


class PlanBuilder:
    def __init__(self, provider: str = "v5", format_version: str = "1.2", *, account: str = ACCOUNT,
                 region: str = REGION):
        self.provider = provider
        self.format_version = format_version
        self.account = account
        self.region = region
        self.resources: list[Res] = []
        self.variables: dict[str, Any] = {}
        self.checks: list[str] = []  # names of check blocks (format 1.2 lists their status)

    def add(self, *resources: Res) -> "PlanBuilder":
        self.resources.extend(resources)
        return self

    # -- values -------------------------------------------------------------------------------

    def schema(self, res: Res) -> Schema:
        key = ("data." if res.mode == "data" else "") + res.type
        return SCHEMAS[self.provider][key]

    def _fill(self, value: Any, res: Res, address: str, known: dict) -> Any:
        """A computed attribute's value after apply: the template filled from the instance."""
        if isinstance(value, str):
            digest = hashlib.sha256(address.encode()).hexdigest()
            fields = {
                "account": self.account, "region": self.region, "hash": digest[:9].upper(),
                "hash1": str(int(digest[:2], 16) % 10), "hash4": str(int(digest[2:6], 16) % 10000).zfill(4),
                "key_id": f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}",
                "name": known.get("name") or res.name, "bucket": known.get("bucket") or res.name}
            for key in ("role", "user", "queue_url", "arn", "secret_arn"):
                fields[key] = known.get(key) or ""
            return value.format(**fields)
        if isinstance(value, list):
            return [self._fill(v, res, address, known) for v in value]
        if isinstance(value, dict):
            return {k: self._fill(v, res, address, known) for k, v in value.items()}
        return copy.deepcopy(value)

    def planned(self, res: Res, args: dict, address: str) -> tuple[dict, dict]:
        """``after`` and ``after_unknown`` of a create (or a read at apply)."""
        schema = self.schema(res)
        after: dict = {}
        unknown: dict = {}
        for key, default in schema.defaults.items():
            after[key] = copy.deepcopy(default)
        for key in schema.computed:
            unknown[key] = True
        for key, arg in args.items():
            value = arg.value if isinstance(arg, Arg) else arg
            unknown.pop(key, None)
            if key == "statement":
                after[key], unknown[key] = self._statements(value)
            elif value is UNKNOWN:
                after.pop(key, None)
                unknown[key] = True
            else:
                after[key] = copy.deepcopy(value)
        tags = after.get("tags")
        if "tags_all" in schema.computed:
            if isinstance(tags, dict):
                after["tags_all"] = dict(tags)
                unknown["tags"] = {}
                unknown["tags_all"] = {}
            # unset tags: tags_all stays unknown (default_tags of the provider may add some)
        return after, unknown

    def _statements(self, blocks: list) -> tuple[list, list]:
        values, unknowns = [], []
        for block in blocks:
            value = copy.deepcopy(_STATEMENT_DEFAULTS)
            unknown: dict = {}
            for key, arg in block.items():
                if key == "principals":
                    value[key] = [{"identifiers": p["identifiers"].value, "type": p["type"].value} for p in arg]
                    unknown[key] = [{"identifiers": [False] * len(p["identifiers"].value)} for p in arg]
                    continue
                if isinstance(arg.value, list):
                    value[key] = [None if v is UNKNOWN else v for v in arg.value]
                    unknown[key] = [v is UNKNOWN for v in arg.value]
                elif arg.value is UNKNOWN:
                    value.pop(key, None)
                    unknown[key] = True
                else:
                    value[key] = arg.value
            unknown.setdefault("condition", [])
            unknown.setdefault("not_principals", [])
            unknown.setdefault("principals", [])
            values.append(value)
            unknowns.append(unknown)
        return values, unknowns

    def applied(self, res: Res, args: dict, address: str) -> dict:
        """The state of a deployed instance: every computed attribute filled in."""
        schema = self.schema(res)
        after, _ = self.planned(res, args, address)
        for key, default in schema.defaults.items():
            # the provider reads unset strings back as "" and unset tags as {}
            if default is None and key not in args and key not in _STAYS_NULL_IN_STATE and res.mode == "managed":
                after[key] = {} if key == "tags" else ""
        known = {k: v for k, v in after.items() if isinstance(v, str)}
        for key, template in schema.computed.items():
            if key not in after:
                after[key] = self._fill(template, res, address, known)
        if res.mode == "data" and res.type == "aws_iam_policy_document":
            document = policy_document_json(after.get("statement") or [])
            after["json"] = json.dumps(document, indent=2)
            if "minified_json" in schema.computed:
                after["minified_json"] = json.dumps(document, separators=(",", ":"))
            after["id"] = str(int(hashlib.sha256(after["json"].encode()).hexdigest()[:8], 16))
        return after

    def masks(self, res: Res, after: dict | None) -> dict:
        """``sensitive_values``/``after_sensitive`` with nothing sensitive: for each block, set,
        list or map attribute the shape of its value with ``false`` for list elements (object
        members and map entries that are not sensitive are left out); an unknown one keeps the
        schema's empty container, a known null none."""
        if after is None:
            return {}
        out = {}
        for key, empty in self.schema(res).masks.items():
            if key not in after:
                out[key] = copy.deepcopy(empty)
            elif after[key] is not None:
                out[key] = _mask(after[key])
        return out

    # -- the plan -----------------------------------------------------------------------------

    def instances(self, res: Res) -> list[tuple[str, Any]]:
        if res.keys is None:
            return [(res.base, None)]
        out = []
        for key in res.keys:
            suffix = f"[{key}]" if isinstance(key, int) else f"[{json.dumps(key)}]"
            out.append((res.base + suffix, key))
        return out

    def _args_for(self, res: Res, args: dict, key: Any) -> dict:
        """Arguments of one instance: callables of the instance key (``"${each.key}"``,
        ``count.index``) are called, references take their value from the plan."""
        out = {}
        for name, arg in args.items():
            if callable(arg) and not isinstance(arg, Arg):
                arg = arg(key)
            if isinstance(arg, Arg) and arg.value is FROM_PLAN:
                arg = Arg(self._lookup(res, arg.traversal, key), arg.expression, arg.traversal)
            out[name] = arg
        return out

    def _lookup(self, res: Res, traversal: str, key: Any) -> Any:
        """What the plan knows of ``traversal`` for the instance ``key`` of ``res``: the value,
        or ``UNKNOWN`` when the target's attribute is computed (absent from its after)."""
        if traversal.startswith("var."):
            return copy.deepcopy(self.variables[traversal[4:]])
        dynamic = _DYNAMIC_KEY.search(traversal)
        if dynamic:
            suffix = f"[{key}]" if isinstance(key, int) else f"[{json.dumps(key)}]"
            traversal = traversal[:dynamic.start()] + suffix + traversal[dynamic.end():]
        match = re.fullmatch(r"((?:data\.)?[\w-]+\.[\w-]+(?:\[[^\]]+\])?)\.([\w-]+)", traversal)
        if match is None:
            raise ValueError(f"ref({traversal!r}): one attribute of one resource instance")
        target = (f"{res.module}." if res.module else "") + match.group(1)
        if target not in self._values:
            raise ValueError(f"ref({traversal!r}) from {res.base}: {target} is not described before it")
        known = self._values[target]
        return copy.deepcopy(known[match.group(2)]) if match.group(2) in known else UNKNOWN

    def at_least(self, version: str) -> bool:
        return tuple(int(p) for p in self.format_version.split(".")) >= tuple(int(p) for p in version.split("."))

    def build(self) -> dict:
        sensitive = self.at_least(SENSITIVE_FROM)
        planned_modules: dict[str, list] = {}
        prior_modules: dict[str, list] = {}
        changes: list[dict] = []
        self._values: dict[str, dict] = {}  # what the plan knows of each instance, for ref()
        for res in self.resources:
            for address, key in self.instances(res):
                args = self._args_for(res, res.args, key)
                header = {"address": address, "mode": res.mode, "type": res.type, "name": res.name}
                if key is not None:
                    header["index"] = key
                provider = {"provider_name": "registry.terraform.io/hashicorp/aws"}
                if res.action == "plan-read":
                    state = self.applied(res, args, address)
                    entry = {**header, **provider, "schema_version": 0, "values": state}
                    if sensitive:
                        entry["sensitive_values"] = self.masks(res, state)
                    prior_modules.setdefault(res.module, []).append(entry)
                    self._values[address] = state
                    continue
                if res.action == "create" or res.action == "read":
                    before = None
                    after, unknown = self.planned(res, args, address)
                else:
                    before = self.applied(res, self._args_for(res, res.before or res.args, key), address)
                    before.update(copy.deepcopy(res.state))
                    after = copy.deepcopy(before)
                    unknown = {}
                    for name, arg in args.items():
                        value = arg.value if isinstance(arg, Arg) else arg
                        if value is UNKNOWN:
                            after.pop(name, None)
                            unknown[name] = True
                        else:
                            after[name] = copy.deepcopy(value)
                    if res.action in ("no-op", "delete") and after != before:
                        raise ValueError(f"{address}: no-op whose arguments change its state")
                    if res.mode == "managed":
                        state_entry = {**header, **provider, "schema_version": 0, "values": before}
                        if sensitive:
                            state_entry["sensitive_values"] = self.masks(res, before)
                        prior_modules.setdefault(res.module, []).append(state_entry)
                if res.action == "delete":  # gone from the configuration; only its state remains
                    after, unknown = None, {}
                change: dict = {"actions": [res.action], "before": before, "after": after,
                                "after_unknown": unknown}
                if sensitive:
                    change["before_sensitive"] = self.masks(res, before) if before is not None else False
                    change["after_sensitive"] = self.masks(res, after) if after is not None else False
                entry = {**header}
                if res.module:
                    entry["module_address"] = res.module
                entry.update(provider)
                entry["change"] = change
                if res.action in ("read", "delete") and self.at_least(SENSITIVE_FROM):  # 0.2 added reasons
                    entry["action_reason"] = ("read_because_config_unknown" if res.action == "read"
                                              else "delete_because_no_resource_config")
                changes.append(entry)
                if after is None:
                    continue
                self._values[address] = after
                values_entry = {**header, **provider, "schema_version": 0}
                if after:  # Terraform leaves values out when nothing is known yet
                    values_entry["values"] = after
                if sensitive:
                    values_entry["sensitive_values"] = self.masks(res, after)
                planned_modules.setdefault(res.module, []).append(values_entry)

        plan: dict = {"format_version": self.format_version,
                      "terraform_version": TERRAFORM_FOR_FORMAT[self.format_version]}
        if self.variables:
            plan["variables"] = {k: {"value": v} for k, v in self.variables.items()}
        plan["planned_values"] = {"root_module": _module_tree(planned_modules)}
        plan["resource_changes"] = changes
        if prior_modules:
            plan["prior_state"] = {"format_version": self.format_version if not self.at_least("1.0") else "1.0",
                                   "terraform_version": plan["terraform_version"],
                                   "values": {"root_module": _module_tree(prior_modules)}}
        plan["configuration"] = self.configuration()
        if self.at_least(RELEVANT_FROM):
            plan["relevant_attributes"] = self.relevant_attributes()
        if self.at_least(CHECKS_FROM):
            if self.checks:
                plan["checks"] = [{"address": {"kind": "check", "name": name, "to_display": f"check.{name}"},
                                   "status": "unknown",
                                   "instances": [{"address": {"to_display": f"check.{name}"}, "status": "unknown"}]}
                                  for name in self.checks]
            plan["timestamp"] = "2024-03-11T09:41:27Z"
            plan["applyable"] = True
            plan["complete"] = True
            plan["errored"] = False
        return plan

    def configuration(self) -> dict:
        modules: dict[str, dict] = {"": {"resources": []}}
        for res in self.resources:
            if res.action == "delete":
                continue
            configured: dict = {"address": f"{'data.' if res.mode == 'data' else ''}{res.type}.{res.name}",
                                "mode": res.mode, "type": res.type, "name": res.name,
                                "provider_config_key": "aws" if not res.module else f"{res.module.split('.')[-1]}:aws",
                                "expressions": _expressions(res.args)}
            if not self.at_least(QUALIFIED_REFERENCES_FROM):
                configured["expressions"] = _resource_level(configured["expressions"])
            configured["schema_version"] = 0
            if res.keys is not None:
                if all(isinstance(k, int) for k in res.keys):
                    configured["count_expression"] = {"constant_value": len(res.keys)}
                else:
                    configured["for_each_expression"] = {"references": ["var.names"]}
            modules.setdefault(res.module, {"resources": []})["resources"].append(configured)
        root = modules.pop("")
        for path in sorted(modules, key=lambda p: p.count(".")):
            parent = root
            steps = path.split(".")
            for index in range(1, len(steps), 2):
                calls = parent.setdefault("module_calls", {})
                name = steps[index]
                call_entry = calls.setdefault(name, {"source": f"./modules/{name}", "module": {}})
                parent = call_entry["module"]
            parent.setdefault("resources", []).extend(modules[path]["resources"])
        providers = {"aws": {"name": "aws", "full_name": "registry.terraform.io/hashicorp/aws",
                             "version_constraint": PROVIDER_VERSION[self.provider],
                             "expressions": {"region": {"constant_value": self.region}}}}
        if not self.at_least(RELEVANT_FROM):
            del providers["aws"]["full_name"]  # Terraform 1.2 added it
        variables = {k: {} for k in self.variables}
        if variables:
            root["variables"] = variables
        return {"provider_config": providers, "root_module": root}

    def relevant_attributes(self) -> list[dict]:
        seen: list[dict] = []
        for res in self.resources:
            if res.action == "delete":
                continue
            for arg in _walk_args(res.args):
                for reference in arg.expression.get("references", []):
                    parts = reference.split(".")
                    size = 3 if parts[0] == "data" else 2
                    if parts[0] in ("var", "local", "count", "each") or len(parts) <= size:
                        continue
                    item = {"resource": (f"{res.module}." if res.module else "") + ".".join(parts[:size]),
                            "attribute": parts[size:]}
                    if item not in seen:
                        seen.append(item)
        return seen


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items() if isinstance(v, (dict, list))}
    return [_mask(v) if isinstance(v, (dict, list)) else False for v in value]


def _walk_args(args: dict):
    for value in args.values():
        if callable(value) and not isinstance(value, Arg):
            value = value(0)
        if isinstance(value, Arg):
            yield value
        elif isinstance(value, list):
            for block in value:
                if isinstance(block, dict):
                    yield from _walk_args(block)
                    for principal in block.get("principals", []) if isinstance(block.get("principals"), list) else []:
                        yield from _walk_args(principal)


def _expressions(args: dict) -> dict:
    out: dict = {}
    for key, value in args.items():
        if callable(value) and not isinstance(value, Arg):
            value = value(0)
        if isinstance(value, Arg):
            out[key] = copy.deepcopy(value.expression)
        elif isinstance(value, list):  # nested blocks (statement)
            blocks = []
            for block in value:
                exprs = {}
                for member, arg in block.items():
                    if member == "principals":
                        exprs[member] = [_expressions(p) for p in arg]
                    else:
                        exprs[member] = copy.deepcopy(arg.expression)
                blocks.append(exprs)
            out[key] = blocks
    return out


def _resource_level(expressions: Any) -> Any:
    """Configuration expressions as format 0.1 writes them: each reference cut to its resource
    (``data.x.y``, ``module.m.output``, ``var.v``), once."""
    if isinstance(expressions, list):
        return [_resource_level(e) for e in expressions]
    if not isinstance(expressions, dict):
        return expressions
    if isinstance(expressions.get("references"), list):
        cut: list[str] = []
        for reference in expressions["references"]:
            parts = reference.split(".")
            size = 3 if parts[0] in ("data", "module") else 2
            short = ".".join(parts[:size])
            if short not in cut:
                cut.append(short)
        return {**expressions, "references": cut}
    return {k: _resource_level(v) for k, v in expressions.items()}


def _module_tree(by_module: dict[str, list]) -> dict:
    root: dict = {"resources": by_module.get("", [])}
    if not root["resources"]:
        del root["resources"]
    nodes: dict[str, dict] = {"": root}
    for path in sorted((p for p in by_module if p), key=lambda p: p.count(".")):
        steps = path.split(".")
        for end in range(2, len(steps) + 1, 2):
            prefix = ".".join(steps[:end])
            if prefix not in nodes:
                node = {"address": prefix}
                parent = nodes[".".join(steps[:end - 2])]
                parent.setdefault("child_modules", []).append(node)
                nodes[prefix] = node
        nodes[path]["resources"] = by_module[path]
    return root


def policy_document_json(statements: list[dict]) -> dict:
    """The document ``aws_iam_policy_document`` renders: Version first, then statements with
    Sid, Effect, Action, Resource, Principal (single values unwrapped, as the provider does)."""
    def one(values: list) -> Any:
        return values[0] if len(values) == 1 else values

    rendered = []
    for block in statements:
        item: dict = {}
        if block.get("sid"):
            item["Sid"] = block["sid"]
        item["Effect"] = block.get("effect") or "Allow"
        if block.get("actions"):
            item["Action"] = one(block["actions"])
        if block.get("resources"):
            item["Resource"] = one(block["resources"])
        principals = block.get("principals") or []
        if principals:
            if len(principals) == 1 and principals[0]["type"] == "*":
                item["Principal"] = "*"
            else:
                item["Principal"] = {p["type"]: one(p["identifiers"]) for p in principals}
        rendered.append(item)
    return {"Version": "2012-10-17", "Statement": rendered}


def policy(*statements: dict) -> str:
    """A policy as ``jsonencode`` writes it: compact, keys sorted."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, separators=(",", ":"),
                      sort_keys=True)


def write(plan: dict, path) -> None:
    """Terraform writes one line; indented output gives findings distinct lines to assert."""
    path.write_text(json.dumps(plan, indent=2) + "\n")
