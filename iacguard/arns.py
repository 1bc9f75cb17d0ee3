"""The shape of an ARN known only after apply.

``aws_sqs_queue.q.arn`` is not known before deploy, but it is always
``arn:<partition>:sqs:<region>:<account>:<queue name>``: the resource type fixes the service and
the beginning of the resource part. String functions and ``==`` read that shape (``split(":",
arn)[2]`` is ``"sqs"``, an ARN is never ``"*"``); everywhere else the value stays the ``Ref``, so
policies and graph links still name the resource itself.

Each hole of a shape (``ArnHole``) says which characters it may hold: partition, region and
account never contain ``:`` or ``/``; a name holds what AWS accepts for that resource's names,
written a little wider than AWS documents it, never narrower (a wider set only leaves more
questions undecided). The one hole that may hold ``:`` is a DynamoDB stream label (a timestamp),
so ``split(":", stream_arn)`` has a known length only up to it. Data sources are not shaped: what
they read may belong to anything the lookup matches.
"""

from __future__ import annotations

import functools
import re

from .values import Partial, Ref, Unknown


class ArnHole(Unknown):
    """One unknown piece of an ARN shape: at least one character, each matching ``allowed``
    (the body of a regular-expression character class)."""

    __slots__ = ("allowed",)

    def __init__(self, text: str, allowed: str, ref: Ref):
        super().__init__(text, (ref,), ref.reason or "known after apply")
        self.allowed = allowed

    def may_hold(self, char: str) -> bool:
        return _char_class(self.allowed).match(char) is not None

    def __repr__(self) -> str:
        return f"ArnHole({self.text!r}, {self.allowed!r})"


@functools.lru_cache(maxsize=None)
def _char_class(allowed: str) -> re.Pattern:
    return re.compile(f"[{allowed}]")


# What each hole may hold (a character-class body).
_HOLES = {
    "partition": "a-z-",  # aws, aws-cn, aws-us-gov, aws-iso-b ...
    "region": "a-z0-9-",
    "account": "0-9",
    "name": "A-Za-z0-9_.-",  # queue, topic, stream, table, function, cluster ... names
    "rest": "A-Za-z0-9_./-",  # a name with more path after it (rule/bus/name, cluster/name/uuid)
    "iam": "A-Za-z0-9_+=,.@/-",  # an IAM path and name (role/path/to/name)
    "bucket": "A-Za-z0-9_.-",  # lower case today; legacy buckets have capitals and _
    "loggroup": "A-Za-z0-9_./#-",
    "secret": "A-Za-z0-9/_+=.@-",
    "statemachine": "^\\s<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/",  # what Step Functions refuses in names
    "version": "$A-Za-z0-9_-",  # $LATEST, a number or an alias name
    "revision": "0-9",
    "id": "A-Za-z0-9-",
    "streamlabel": "0-9A-Za-z:._-",  # 2015-05-11T21:21:33.291: holds ':'
    "provider": "^\\s",  # an OIDC provider's URL without scheme (may hold a port)
}

_REGIONAL = "arn:{partition}:%s:{region}:{account}:%s"
_GLOBAL_IAM = "arn:{partition}:iam::{account}:%s"

# (resource type, attribute) -> ARN template. The attribute is the one whose value is the ARN
# (``id`` where the provider sets the ID to the ARN).
ARN_SHAPES: dict[tuple[str, str], str] = {
    # EventBridge Pipes sources, enrichments and targets
    ("aws_sqs_queue", "arn"): _REGIONAL % ("sqs", "{name}"),
    ("aws_kinesis_stream", "arn"): _REGIONAL % ("kinesis", "stream/{name}"),
    ("aws_dynamodb_table", "arn"): _REGIONAL % ("dynamodb", "table/{name}"),
    ("aws_dynamodb_table", "stream_arn"): _REGIONAL % ("dynamodb", "table/{name}/stream/{streamlabel}"),
    ("aws_lambda_function", "arn"): _REGIONAL % ("lambda", "function:{name}"),
    ("aws_lambda_function", "qualified_arn"): _REGIONAL % ("lambda", "function:{name}:{version}"),
    ("aws_lambda_alias", "arn"): _REGIONAL % ("lambda", "function:{name}:{version}"),
    ("aws_sfn_state_machine", "arn"): _REGIONAL % ("states", "stateMachine:{statemachine}"),
    ("aws_sfn_state_machine", "id"): _REGIONAL % ("states", "stateMachine:{statemachine}"),
    ("aws_cloudwatch_event_bus", "arn"): _REGIONAL % ("events", "event-bus/{rest}"),
    ("aws_cloudwatch_event_api_destination", "arn"): _REGIONAL % ("events", "api-destination/{rest}"),
    ("aws_cloudwatch_event_connection", "arn"): _REGIONAL % ("events", "connection/{rest}"),
    ("aws_cloudwatch_event_rule", "arn"): _REGIONAL % ("events", "rule/{rest}"),
    ("aws_cloudwatch_event_archive", "arn"): _REGIONAL % ("events", "archive/{rest}"),
    ("aws_cloudwatch_log_group", "arn"): _REGIONAL % ("logs", "log-group:{loggroup}"),  # no ":*"
    ("aws_sns_topic", "arn"): _REGIONAL % ("sns", "{name}"),
    ("aws_sns_topic", "id"): _REGIONAL % ("sns", "{name}"),
    ("aws_kinesis_firehose_delivery_stream", "arn"): _REGIONAL % ("firehose", "deliverystream/{name}"),
    ("aws_ecs_cluster", "arn"): _REGIONAL % ("ecs", "cluster/{name}"),
    ("aws_ecs_cluster", "id"): _REGIONAL % ("ecs", "cluster/{name}"),
    ("aws_ecs_task_definition", "arn"): _REGIONAL % ("ecs", "task-definition/{name}:{revision}"),
    ("aws_ecs_task_definition", "arn_without_revision"): _REGIONAL % ("ecs", "task-definition/{name}"),
    ("aws_batch_job_queue", "arn"): _REGIONAL % ("batch", "job-queue/{name}"),
    ("aws_batch_job_definition", "arn"): _REGIONAL % ("batch", "job-definition/{name}:{revision}"),
    ("aws_batch_compute_environment", "arn"): _REGIONAL % ("batch", "compute-environment/{name}"),
    ("aws_msk_cluster", "arn"): _REGIONAL % ("kafka", "cluster/{rest}"),
    ("aws_msk_serverless_cluster", "arn"): _REGIONAL % ("kafka", "cluster/{rest}"),
    ("aws_mq_broker", "arn"): _REGIONAL % ("mq", "broker:{name}:{id}"),
    ("aws_api_gateway_rest_api", "execution_arn"): _REGIONAL % ("execute-api", "{id}"),
    ("aws_apigatewayv2_api", "execution_arn"): _REGIONAL % ("execute-api", "{id}"),
    ("aws_redshift_cluster", "arn"): _REGIONAL % ("redshift", "cluster:{name}"),
    # IAM
    ("aws_iam_role", "arn"): _GLOBAL_IAM % "role/{iam}",
    ("aws_iam_user", "arn"): _GLOBAL_IAM % "user/{iam}",
    ("aws_iam_group", "arn"): _GLOBAL_IAM % "group/{iam}",
    ("aws_iam_policy", "arn"): _GLOBAL_IAM % "policy/{iam}",
    ("aws_iam_policy", "id"): _GLOBAL_IAM % "policy/{iam}",
    ("aws_iam_instance_profile", "arn"): _GLOBAL_IAM % "instance-profile/{iam}",
    ("aws_iam_openid_connect_provider", "arn"): _GLOBAL_IAM % "oidc-provider/{provider}",
    ("aws_iam_saml_provider", "arn"): _GLOBAL_IAM % "saml-provider/{iam}",
    # storage, keys and secrets
    ("aws_s3_bucket", "arn"): "arn:{partition}:s3:::{bucket}",
    ("aws_kms_key", "arn"): _REGIONAL % ("kms", "key/{id}"),
    ("aws_kms_replica_key", "arn"): _REGIONAL % ("kms", "key/{id}"),
    ("aws_kms_alias", "arn"): _REGIONAL % ("kms", "alias/{rest}"),
    ("aws_secretsmanager_secret", "arn"): _REGIONAL % ("secretsmanager", "secret:{secret}"),
    ("aws_secretsmanager_secret", "id"): _REGIONAL % ("secretsmanager", "secret:{secret}"),
    ("aws_ssm_parameter", "arn"): _REGIONAL % ("ssm", "parameter/{rest}"),
    ("aws_ecr_repository", "arn"): _REGIONAL % ("ecr", "repository/{rest}"),
    ("aws_codebuild_project", "arn"): _REGIONAL % ("codebuild", "project/{name}"),
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def resource_type(ref: Ref) -> str | None:
    """The managed resource type a Ref points at (``module.a.aws_sqs_queue.q`` -> aws_sqs_queue);
    None for a data source or anything that is not a Terraform address."""
    parts = ref.target.split(".")
    while len(parts) > 2 and parts[0] == "module":
        parts = parts[2:]
    if len(parts) != 2 or parts[0] == "data":
        return None
    return parts[0]


def arn_shape(value: object) -> Partial | None:
    """The known shape of ``value`` when it is the ARN attribute of a resource type in
    ARN_SHAPES, else None."""
    if type(value) is not Ref or not value.attr:
        return None
    kind = resource_type(value)
    template = ARN_SHAPES.get((kind, value.attr)) if kind else None
    if template is None:
        return None
    parts: list = []
    pos = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(template[pos:match.start()])
        hole = match.group(1)
        parts.append(ArnHole(f"{hole} in {value.text}", _HOLES[hole], value))
        pos = match.end()
    parts.append(template[pos:])
    return Partial(parts, text=value.text, refs=(value,), reason=value.reason)
