"""The catalogue of resource types: one row (a ``Kind``) per kind of resource iacguard reads.

Each row names the resource types of each format (``cloudformation``, ``terraform``) and says,
per format, what the resource holds and under which properties that format writes it
(``cfn``/``tf``: a tuple of the classes below, one per thing held: a principal, an inline
policy, a resource policy, an access key, a share ...). A Terraform row may also give the ARN
shape of its attributes known only after apply (``arns``, read by ``iacguard.arns``).

Everything else is derived from these rows: the IAM model's type tables, the analyses' tables,
the format-neutral credential views of ``iacguard.credential_views``, the CloudFormation Hook's
target list and docs/resource-types.md. Adding a resource type is adding (or extending) a row
here; the command below regenerates the hook's targets and the docs page:

    python -m iacguard.catalogue hook-targets [--write]
    python -m iacguard.catalogue docs [--write]

Lookups go through dictionaries built once at import (``spellings``), never by scanning rows.
"""

import sys
from typing import Any, Mapping, NamedTuple, TypeVar

CLOUDFORMATION = "cloudformation"
TERRAFORM = "terraform"

# (principal kind, property naming it): user | group | role
Targets = tuple[tuple[str, str], ...]


# --- what a resource holds, and how one format spells it ---------------------------------------
# A property is a name, a dotted path (``ResourcePolicy.PolicyDocument``), ``a|b`` (the first of
# several places that is set), ``a&b`` (several documents) or ``List[].x`` (one per list item).

class _Held:
    """What a resource holds, as one format spells it: fields in ``__slots__``, set by
    ``__init__``, read-only by convention. (Plain classes: forty named tuples or dataclasses cost
    milliseconds to define, and every scan imports this module.)"""

    __slots__: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(repr(getattr(self, name)) for name in self.__slots__)})"

    def fields(self) -> list[tuple[str, Any]]:
        return [(name, getattr(self, name)) for name in self.__slots__]


class Principal(_Held):
    """An IAM user, group or role, the property that names it and (users) the property listing
    the groups it joins."""
    __slots__ = ("kind", "name", "groups")

    def __init__(self, kind: str, name: str, groups: str | None = None) -> None:
        self.kind = kind
        self.name = name
        self.groups = groups


class InlinePolicy(_Held):
    """An identity policy written for the principals named by ``targets``."""
    __slots__ = ("targets", "policy", "name")

    def __init__(self, targets: Targets, policy: str, name: str) -> None:
        self.targets = targets
        self.policy = policy
        self.name = name


class ManagedPolicy(_Held):
    """A customer managed policy; ``targets``: principals it attaches itself to."""
    __slots__ = ("policy", "name", "targets")

    def __init__(self, policy: str, name: str, targets: Targets = ()) -> None:
        self.policy = policy
        self.name = name
        self.targets = targets


class Attachment(_Held):
    """Attaches the policy (or policies) named by ``policy_arn`` to ``targets``."""
    __slots__ = ("targets", "policy_arn")

    def __init__(self, targets: Targets, policy_arn: str) -> None:
        self.targets = targets
        self.policy_arn = policy_arn


class ResourcePolicy(_Held):
    """A resource policy at ``policy``; ``target``: the property naming the protected resource
    (None: the resource itself); ``bucket``: the property naming the S3 bucket it concerns, when
    the resource names one. The service is the row's ``service``."""
    __slots__ = ("policy", "target", "bucket")

    def __init__(self, policy: str, target: str | None = None, bucket: str | None = None) -> None:
        self.policy = policy
        self.target = target
        self.bucket = bucket


class LambdaPermission(_Held):
    """A permission that is no document: it becomes a one-statement resource policy."""
    __slots__ = ("principal", "action", "function", "source_arn", "source_account", "org_id", "url_auth_type")

    def __init__(self, principal: str,
                 action: str,
                 function: str,
                 source_arn: str | None,
                 source_account: str | None,
                 org_id: str | None,
                 url_auth_type: str | None) -> None:
        self.principal = principal
        self.action = action
        self.function = function
        self.source_arn = source_arn
        self.source_account = source_account
        self.org_id = org_id
        self.url_auth_type = url_auth_type


class EventBusPermission(_Held):
    """One statement of an EventBridge bus policy (the legacy Principal/Action/Condition form, or
    a whole Statement object)."""
    __slots__ = ()


class Membership(_Held):
    """Puts users into groups."""
    __slots__ = ("users", "groups")

    def __init__(self, users: str, groups: str) -> None:
        self.users = users
        self.groups = groups


class AccessKey(_Held):
    """A long-lived access key of ``user``; ``secrets``: attributes holding its secret."""
    __slots__ = ("user", "status", "secrets")

    def __init__(self, user: str, status: str, secrets: tuple[str, ...]) -> None:
        self.user = user
        self.status = status
        self.secrets = secrets


class LoginProfile(_Held):
    """A console password: a resource of its own (``user`` names the user) or a block of the
    user resource (``user`` None, ``block`` the property holding it)."""
    __slots__ = ("user", "block", "password", "password_reset_required", "pgp_key")

    def __init__(self, user: str | None,
                 block: str | None,
                 password: str | None,
                 password_reset_required: str,
                 pgp_key: str | None) -> None:
        self.user = user
        self.block = block
        self.password = password
        self.password_reset_required = password_reset_required
        self.pgp_key = pgp_key


class InstanceProfile(_Held):
    __slots__ = ("roles",)

    def __init__(self, roles: str) -> None:
        self.roles = roles


class Scp(_Held):
    """An Organizations policy; ``type`` tells a service control policy from the others."""
    __slots__ = ("content", "type")

    def __init__(self, content: str, type: str) -> None:
        self.content = content
        self.type = type


class PermissionSet(_Held):
    __slots__ = ("inline", "managed")

    def __init__(self, inline: str, managed: str | None) -> None:
        self.inline = inline
        self.managed = managed


class SsoAttachment(_Held):
    __slots__ = ("policy_arn",)

    def __init__(self, policy_arn: str) -> None:
        self.policy_arn = policy_arn


class NotModelled(_Held):
    """A property holding a policy-like document that is not modelled, and why."""
    __slots__ = ("property", "reason")

    def __init__(self, property: str, reason: str) -> None:
        self.property = property
        self.reason = reason


class Share(_Held):
    """Shares something with other accounts (``what``, for messages)."""
    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what


class Environment(_Held):
    """Environment variables (a map) at this path."""
    __slots__ = ("path",)

    def __init__(self, path: tuple[str, ...]) -> None:
        self.path = path


class ContainerDefinitions(_Held):
    __slots__ = ("property",)

    def __init__(self, property: str) -> None:
        self.property = property


class Bucket(_Held):
    """An S3 bucket: name, inline public access block, canned ACL and grant properties."""
    __slots__ = ("name", "block", "acl", "grant")

    def __init__(self, name: str, block: str | None, acl: str, grant: str | None) -> None:
        self.name = name
        self.block = block
        self.acl = acl
        self.grant = grant


class PublicAccessBlock(_Held):
    __slots__ = ("bucket",)

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket


class AccountPublicAccessBlock(_Held):
    __slots__ = ()


class BucketAcl(_Held):
    __slots__ = ("bucket", "acl", "access_control_policy")

    def __init__(self, bucket: str, acl: str, access_control_policy: str) -> None:
        self.bucket = bucket
        self.acl = acl
        self.access_control_policy = access_control_policy


class AccessPoint(_Held):
    __slots__ = ("block", "bucket")

    def __init__(self, block: str, bucket: str) -> None:
        self.block = block
        self.bucket = bucket


class FunctionUrl(_Held):
    __slots__ = ("auth_type", "function")

    def __init__(self, auth_type: str, function: str) -> None:
        self.auth_type = auth_type
        self.function = function


class EventRule(_Held):
    """An EventBridge rule; its targets are a property of its own (``targets``) or separate
    resources naming the rule (by reference or by ``name``)."""
    __slots__ = ("pattern", "state", "enabled", "targets", "name")

    def __init__(self, pattern: str,
                 state: str,
                 enabled: str | None,
                 targets: str | None = None,
                 name: str | None = None) -> None:
        self.pattern = pattern
        self.state = state
        self.enabled = enabled
        self.targets = targets
        self.name = name


class EventTarget(_Held):
    __slots__ = ("rule",)

    def __init__(self, rule: str) -> None:
        self.rule = rule


class MetricFilter(_Held):
    __slots__ = ("pattern", "transformation", "name", "namespace")

    def __init__(self, pattern: str, transformation: str, name: str, namespace: str) -> None:
        self.pattern = pattern
        self.transformation = transformation
        self.name = name
        self.namespace = namespace


class Alarm(_Held):
    __slots__ = ("metric", "namespace")

    def __init__(self, metric: str, namespace: str) -> None:
        self.metric = metric
        self.namespace = namespace


class Trail(_Held):
    __slots__ = ()


class SsmParameter(_Held):
    """A parameter: its type property and the properties that may hold its value."""
    __slots__ = ("type", "values")

    def __init__(self, type: str, values: tuple[str, ...]) -> None:
        self.type = type
        self.values = values


class OidcProvider(_Held):
    __slots__ = ("url",)

    def __init__(self, url: str) -> None:
        self.url = url


class SamlProvider(_Held):
    __slots__ = ()


# The settings of an account password policy, by their IAM API names in snake case.
PASSWORD_SETTINGS = ("minimum_password_length", "require_uppercase_characters", "require_lowercase_characters",
                     "require_numbers", "require_symbols", "password_reuse_prevention", "max_password_age",
                     "allow_users_to_change_password", "hard_expiry")


class PasswordPolicy(_Held):
    """The account's password policy: (setting of PASSWORD_SETTINGS, property) pairs."""
    __slots__ = ("settings",)

    def __init__(self, settings: tuple[tuple[str, str], ...]) -> None:
        self.settings = settings


# What each thing held is called in docs/resource-types.md and what it counts as for the hook.
HOLDING = {
    Principal: ("principal", "principal"), InlinePolicy: ("inline policy", "policy"),
    ManagedPolicy: ("managed policy", "policy"), Attachment: ("policy attachment", "policy"),
    ResourcePolicy: ("resource policy", "policy"), LambdaPermission: ("permission", "policy"),
    EventBusPermission: ("bus permission", "policy"), Membership: ("group membership", "principal"),
    AccessKey: ("access key", "credential"), LoginProfile: ("login profile", "credential"),
    InstanceProfile: ("instance profile", "principal"), Scp: ("organizations policy", "policy"),
    PermissionSet: ("permission set", "policy"), SsoAttachment: ("permission set attachment", "policy"),
    NotModelled: ("not modelled", None), Share: ("share", "share"),
    Environment: ("environment variables", None), ContainerDefinitions: ("container definitions", None),
    Bucket: ("bucket ACL and public access block", None), PublicAccessBlock: ("public access block", None),
    AccountPublicAccessBlock: ("account public access block", None), BucketAcl: ("bucket ACL", None),
    AccessPoint: ("access point public access block", None), FunctionUrl: ("function URL", "policy"),
    EventRule: ("event rule", None), EventTarget: ("event target", None),
    MetricFilter: ("metric filter", None), Alarm: ("alarm", None), Trail: ("trail", None),
    SsmParameter: ("parameter value", None), OidcProvider: ("OIDC provider", None),
    SamlProvider: ("SAML provider", None), PasswordPolicy: ("password policy", "credential"),
}

Holding = (Principal | InlinePolicy | ManagedPolicy | Attachment | ResourcePolicy | LambdaPermission
           | EventBusPermission | Membership | AccessKey | LoginProfile | InstanceProfile | Scp | PermissionSet
           | SsoAttachment | NotModelled | Share | Environment | ContainerDefinitions | Bucket | PublicAccessBlock
           | AccountPublicAccessBlock | BucketAcl | AccessPoint | FunctionUrl | EventRule | EventTarget
           | MetricFilter | Alarm | Trail | SsmParameter | OidcProvider | SamlProvider | PasswordPolicy)


class Kind:
    """One kind of resource: its types per format and what each format's resource holds
    (``cfn``/``tf``), the IAM service prefix of its resource policies or permissions, the ARN
    shapes of its Terraform attributes known only after apply (attribute -> shape), and the
    Terraform attributes its provider reads back from what separate resources attach
    (Optional+Computed: a plan's value there that the configuration does not write is theirs).
    Rows are compared by identity (each is one named constant) and may key tables (``by_type``);
    read-only by convention."""

    __slots__ = ("name", "cloudformation", "cfn", "terraform", "tf", "service", "arns", "read_back", "types")

    def __init__(self, name: str, *, cloudformation: tuple[str, ...] = (), cfn: tuple[Holding, ...] = (),
                 terraform: tuple[str, ...] = (), tf: tuple[Holding, ...] = (), service: str | None = None,
                 arns: Mapping[str, str] | None = None, read_back: tuple[str, ...] = ()) -> None:
        self.name = name
        self.cloudformation = cloudformation
        self.cfn = cfn
        self.terraform = terraform
        self.tf = tf
        self.service = service
        self.arns: Mapping[str, str] = arns or {}
        self.read_back = read_back
        self.types = cloudformation + terraform

    def __repr__(self) -> str:
        return f"Kind({self.name!r})"

    def spellings(self) -> list[tuple[str, str, tuple[Holding, ...]]]:
        """(format, resource type, what it holds) for each of the row's types."""
        return [(CLOUDFORMATION, t, self.cfn) for t in self.cloudformation] + \
               [(TERRAFORM, t, self.tf) for t in self.terraform]


class BlockProperty(NamedTuple):
    """A property of a block that is not a resource (an output, a variable or parameter), as
    CloudFormation and as Terraform spell it."""
    cloudformation: str
    terraform: str


OUTPUT_VALUE = BlockProperty("Value", "value")
DEFAULT_VALUE = BlockProperty("Default", "default")  # of a Terraform variable, a CloudFormation parameter


def _regional(service: str, resource: str) -> str:
    return f"arn:{{partition}}:{service}:{{region}}:{{account}}:{resource}"


def _iam(resource: str) -> str:
    return f"arn:{{partition}}:iam::{{account}}:{resource}"


# --- the rows ------------------------------------------------------------------------------------

IAM_USER = Kind(
    "iam_user",
    cloudformation=("AWS::IAM::User",),
    cfn=(
        Principal("user", "UserName", groups="Groups"),
        LoginProfile(user=None, block="LoginProfile", password="Password",
                     password_reset_required="PasswordResetRequired", pgp_key=None),
    ),
    terraform=("aws_iam_user",),
    tf=(Principal("user", "name"),),
    arns={"arn": _iam("user/{iam}")})

IAM_GROUP = Kind(
    "iam_group",
    cloudformation=("AWS::IAM::Group",),
    cfn=(Principal("group", "GroupName"),),
    terraform=("aws_iam_group",),
    tf=(Principal("group", "name"),),
    arns={"arn": _iam("group/{iam}")})

IAM_ROLE = Kind(
    "iam_role",
    cloudformation=("AWS::IAM::Role",),
    cfn=(Principal("role", "RoleName"),),
    terraform=("aws_iam_role",),
    tf=(Principal("role", "name"),),
    arns={"arn": _iam("role/{iam}")},
    read_back=("managed_policy_arns",))

IAM_USER_POLICY = Kind(
    "iam_user_policy",
    cloudformation=("AWS::IAM::UserPolicy",),
    cfn=(InlinePolicy((("user", "UserName"),), "PolicyDocument", "PolicyName"),),
    terraform=("aws_iam_user_policy",),
    tf=(InlinePolicy((("user", "user"),), "policy", "name"),))

IAM_GROUP_POLICY = Kind(
    "iam_group_policy",
    cloudformation=("AWS::IAM::GroupPolicy",),
    cfn=(InlinePolicy((("group", "GroupName"),), "PolicyDocument", "PolicyName"),),
    terraform=("aws_iam_group_policy",),
    tf=(InlinePolicy((("group", "group"),), "policy", "name"),))

IAM_ROLE_POLICY = Kind(
    "iam_role_policy",
    cloudformation=("AWS::IAM::RolePolicy",),
    cfn=(InlinePolicy((("role", "RoleName"),), "PolicyDocument", "PolicyName"),),
    terraform=("aws_iam_role_policy",),
    tf=(InlinePolicy((("role", "role"),), "policy", "name"),))

IAM_POLICY = Kind(
    "iam_policy",
    cloudformation=("AWS::IAM::Policy",),
    cfn=(
        InlinePolicy((("user", "Users"), ("group", "Groups"), ("role", "Roles")), "PolicyDocument", "PolicyName"),
    ))

IAM_MANAGED_POLICY = Kind(
    "iam_managed_policy",
    cloudformation=("AWS::IAM::ManagedPolicy",),
    cfn=(
        ManagedPolicy("PolicyDocument", "ManagedPolicyName",
                      (("user", "Users"), ("group", "Groups"), ("role", "Roles"))),
    ),
    terraform=("aws_iam_policy",),
    tf=(ManagedPolicy("policy", "name", ()),),
    arns={"arn": _iam("policy/{iam}"), "id": _iam("policy/{iam}")})

IAM_USER_POLICY_ATTACHMENT = Kind(
    "iam_user_policy_attachment",
    terraform=("aws_iam_user_policy_attachment",),
    tf=(Attachment((("user", "user"),), "policy_arn"),))

IAM_GROUP_POLICY_ATTACHMENT = Kind(
    "iam_group_policy_attachment",
    terraform=("aws_iam_group_policy_attachment",),
    tf=(Attachment((("group", "group"),), "policy_arn"),))

IAM_ROLE_POLICY_ATTACHMENT = Kind(
    "iam_role_policy_attachment",
    terraform=("aws_iam_role_policy_attachment",),
    tf=(Attachment((("role", "role"),), "policy_arn"),))

IAM_POLICY_ATTACHMENT = Kind(
    "iam_policy_attachment",
    terraform=("aws_iam_policy_attachment",),
    tf=(Attachment((("user", "users"), ("group", "groups"), ("role", "roles")), "policy_arn"),))

IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE = Kind(
    "iam_role_policy_attachments_exclusive",
    terraform=("aws_iam_role_policy_attachments_exclusive",),
    tf=(Attachment((("role", "role_name"),), "policy_arns"),))

IAM_USER_POLICY_ATTACHMENTS_EXCLUSIVE = Kind(
    "iam_user_policy_attachments_exclusive",
    terraform=("aws_iam_user_policy_attachments_exclusive",),
    tf=(Attachment((("user", "user_name"),), "policy_arns"),))

IAM_GROUP_POLICY_ATTACHMENTS_EXCLUSIVE = Kind(
    "iam_group_policy_attachments_exclusive",
    terraform=("aws_iam_group_policy_attachments_exclusive",),
    tf=(Attachment((("group", "group_name"),), "policy_arns"),))

S3_BUCKET_POLICY = Kind(
    "s3_bucket_policy",
    cloudformation=("AWS::S3::BucketPolicy",),
    cfn=(ResourcePolicy("PolicyDocument", "Bucket", bucket="Bucket"),),
    terraform=("aws_s3_bucket_policy",),
    tf=(ResourcePolicy("policy", "bucket", bucket="bucket"),),
    service="s3")

S3_BUCKET = Kind(
    "s3_bucket",
    cloudformation=("AWS::S3::Bucket",),
    cfn=(Bucket("BucketName", "PublicAccessBlockConfiguration", "AccessControl", None),),
    terraform=("aws_s3_bucket",),
    tf=(ResourcePolicy("policy", bucket="bucket"), Bucket("bucket", None, "acl", "grant")),
    service="s3",
    arns={"arn": "arn:{partition}:s3:::{bucket}"},
    read_back=("policy",))

S3_ACCESS_POINT = Kind(
    "s3_access_point",
    cloudformation=("AWS::S3::AccessPoint",),
    cfn=(ResourcePolicy("Policy", "Bucket", bucket="Bucket"),
         AccessPoint("PublicAccessBlockConfiguration", "Bucket")),
    terraform=("aws_s3_access_point",),
    tf=(ResourcePolicy("policy", "bucket", bucket="bucket"),
        AccessPoint("public_access_block_configuration", "bucket")),
    service="s3")

S3CONTROL_ACCESS_POINT_POLICY = Kind(
    "s3control_access_point_policy",
    terraform=("aws_s3control_access_point_policy",),
    tf=(ResourcePolicy("policy", "access_point_arn"),),
    service="s3")

KMS_KEY = Kind(
    "kms_key",
    cloudformation=("AWS::KMS::Key",),
    cfn=(ResourcePolicy("KeyPolicy"),),
    terraform=("aws_kms_key",),
    tf=(ResourcePolicy("policy"),),
    service="kms",
    arns={"arn": _regional("kms", "key/{id}")},
    read_back=("policy",))

KMS_KEY_POLICY = Kind(
    "kms_key_policy",
    terraform=("aws_kms_key_policy",),
    tf=(ResourcePolicy("policy", "key_id"),),
    service="kms")

SQS_QUEUE = Kind(
    "sqs_queue",
    cloudformation=("AWS::SQS::Queue",),
    cfn=(
        NotModelled("RedriveAllowPolicy", "which source queues may use it as a dead-letter queue"),
        NotModelled("RedrivePolicy", "dead-letter queue settings, not access"),
    ),
    terraform=("aws_sqs_queue",),
    tf=(ResourcePolicy("policy"),),
    service="sqs",
    arns={"arn": _regional("sqs", "{name}")},
    read_back=("policy",))

SQS_QUEUE_POLICY = Kind(
    "sqs_queue_policy",
    cloudformation=("AWS::SQS::QueuePolicy",),
    cfn=(ResourcePolicy("PolicyDocument", "Queues"),),
    terraform=("aws_sqs_queue_policy",),
    tf=(ResourcePolicy("policy", "queue_url"),),
    service="sqs")

SNS_TOPIC = Kind(
    "sns_topic",
    cloudformation=("AWS::SNS::Topic",),
    cfn=(
        NotModelled("ArchivePolicy", "message retention, not access"),
        NotModelled("DataProtectionPolicy", "masking of sensitive data, not access"),
    ),
    terraform=("aws_sns_topic",),
    tf=(ResourcePolicy("policy"),),
    service="sns",
    arns={"arn": _regional("sns", "{name}"), "id": _regional("sns", "{name}")},
    read_back=("policy",))

SNS_TOPIC_POLICY = Kind(
    "sns_topic_policy",
    cloudformation=("AWS::SNS::TopicPolicy",),
    cfn=(ResourcePolicy("PolicyDocument", "Topics"),),
    terraform=("aws_sns_topic_policy",),
    tf=(ResourcePolicy("policy", "arn"),),
    service="sns")

ECR_REPOSITORY_POLICY = Kind(
    "ecr_repository_policy",
    terraform=("aws_ecr_repository_policy",),
    tf=(ResourcePolicy("policy", "repository"),),
    service="ecr")

SECRETSMANAGER_SECRET = Kind(
    "secretsmanager_secret",
    terraform=("aws_secretsmanager_secret",),
    tf=(ResourcePolicy("policy"),),
    service="secretsmanager",
    arns={
        "arn": _regional("secretsmanager", "secret:{secret}"),
        "id": _regional("secretsmanager", "secret:{secret}"),
    },
    read_back=("policy",))

SECRETSMANAGER_SECRET_POLICY = Kind(
    "secretsmanager_secret_policy",
    cloudformation=("AWS::SecretsManager::ResourcePolicy",),
    cfn=(ResourcePolicy("ResourcePolicy", "SecretId"),),
    terraform=("aws_secretsmanager_secret_policy",),
    tf=(ResourcePolicy("policy", "secret_arn"),),
    service="secretsmanager")

OPENSEARCH_DOMAIN = Kind(
    "opensearch_domain",
    cloudformation=("AWS::OpenSearchService::Domain",),
    cfn=(ResourcePolicy("AccessPolicies"),),
    terraform=("aws_opensearch_domain",),
    tf=(ResourcePolicy("access_policies"),),
    service="es")

OPENSEARCH_DOMAIN_POLICY = Kind(
    "opensearch_domain_policy",
    terraform=("aws_opensearch_domain_policy",),
    tf=(ResourcePolicy("access_policies", "domain_name"),),
    service="es")

ELASTICSEARCH_DOMAIN = Kind(
    "elasticsearch_domain",
    cloudformation=("AWS::Elasticsearch::Domain",),
    cfn=(ResourcePolicy("AccessPolicies"),),
    terraform=("aws_elasticsearch_domain",),
    tf=(ResourcePolicy("access_policies"),),
    service="es")

ELASTICSEARCH_DOMAIN_POLICY = Kind(
    "elasticsearch_domain_policy",
    terraform=("aws_elasticsearch_domain_policy",),
    tf=(ResourcePolicy("access_policies", "domain_name"),),
    service="es")

GLACIER_VAULT = Kind(
    "glacier_vault",
    cloudformation=("AWS::Glacier::Vault",),
    cfn=(ResourcePolicy("AccessPolicy"),),
    terraform=("aws_glacier_vault",),
    tf=(ResourcePolicy("access_policy"),),
    service="glacier")

EFS_FILE_SYSTEM_POLICY = Kind(
    "efs_file_system_policy",
    terraform=("aws_efs_file_system_policy",),
    tf=(ResourcePolicy("policy", "file_system_id"),),
    service="elasticfilesystem")

BACKUP_VAULT_POLICY = Kind(
    "backup_vault_policy",
    terraform=("aws_backup_vault_policy",),
    tf=(ResourcePolicy("policy", "backup_vault_name"),),
    service="backup")

CLOUDWATCH_EVENT_BUS_POLICY = Kind(
    "cloudwatch_event_bus_policy",
    terraform=("aws_cloudwatch_event_bus_policy",),
    tf=(ResourcePolicy("policy", "event_bus_name"),),
    service="events")

API_GATEWAY_REST_API = Kind(
    "api_gateway_rest_api",
    cloudformation=("AWS::ApiGateway::RestApi",),
    cfn=(ResourcePolicy("Policy|Body.x-amazon-apigateway-policy"),),
    terraform=("aws_api_gateway_rest_api",),
    tf=(ResourcePolicy("policy"),),
    service="execute-api",
    arns={"execution_arn": _regional("execute-api", "{id}")})

API_GATEWAY_REST_API_POLICY = Kind(
    "api_gateway_rest_api_policy",
    terraform=("aws_api_gateway_rest_api_policy",),
    tf=(ResourcePolicy("policy", "rest_api_id"),),
    service="execute-api")

DYNAMODB_RESOURCE_POLICY = Kind(
    "dynamodb_resource_policy",
    terraform=("aws_dynamodb_resource_policy",),
    tf=(ResourcePolicy("policy", "resource_arn"),),
    service="dynamodb")

KINESIS_RESOURCE_POLICY = Kind(
    "kinesis_resource_policy",
    cloudformation=("AWS::Kinesis::ResourcePolicy",),
    cfn=(ResourcePolicy("ResourcePolicy", "ResourceArn"),),
    terraform=("aws_kinesis_resource_policy",),
    tf=(ResourcePolicy("policy", "resource_arn"),),
    service="kinesis")

GLUE_RESOURCE_POLICY = Kind(
    "glue_resource_policy",
    terraform=("aws_glue_resource_policy",),
    tf=(ResourcePolicy("policy"),),
    service="glue")

LOGS_RESOURCE_POLICY = Kind(
    "logs_resource_policy",
    cloudformation=("AWS::Logs::ResourcePolicy",),
    cfn=(ResourcePolicy("PolicyDocument"),),
    terraform=("aws_cloudwatch_log_resource_policy",),
    tf=(ResourcePolicy("policy_document"),),
    service="logs")

LOGS_DESTINATION_POLICY = Kind(
    "logs_destination_policy",
    terraform=("aws_cloudwatch_log_destination_policy",),
    tf=(ResourcePolicy("access_policy", "destination_name"),),
    service="logs")

CODEARTIFACT_DOMAIN_PERMISSIONS_POLICY = Kind(
    "codeartifact_domain_permissions_policy",
    terraform=("aws_codeartifact_domain_permissions_policy",),
    tf=(ResourcePolicy("policy_document", "domain"),),
    service="codeartifact")

CODEARTIFACT_REPOSITORY_PERMISSIONS_POLICY = Kind(
    "codeartifact_repository_permissions_policy",
    terraform=("aws_codeartifact_repository_permissions_policy",),
    tf=(ResourcePolicy("policy_document", "repository"),),
    service="codeartifact")

ECR_REGISTRY_POLICY = Kind(
    "ecr_registry_policy",
    cloudformation=("AWS::ECR::RegistryPolicy",),
    cfn=(ResourcePolicy("PolicyText"),),
    terraform=("aws_ecr_registry_policy",),
    tf=(ResourcePolicy("policy"),),
    service="ecr")

ECRPUBLIC_REPOSITORY_POLICY = Kind(
    "ecrpublic_repository_policy",
    terraform=("aws_ecrpublic_repository_policy",),
    tf=(ResourcePolicy("policy", "repository_name"),),
    service="ecr-public")

S3CONTROL_OBJECT_LAMBDA_ACCESS_POINT_POLICY = Kind(
    "s3control_object_lambda_access_point_policy",
    terraform=("aws_s3control_object_lambda_access_point_policy",),
    tf=(ResourcePolicy("policy", "name"),),
    service="s3-object-lambda")

ACMPCA_POLICY = Kind(
    "acmpca_policy",
    terraform=("aws_acmpca_policy",),
    tf=(ResourcePolicy("policy", "resource_arn"),),
    service="acm-pca")

SES_IDENTITY_POLICY = Kind(
    "ses_identity_policy",
    terraform=("aws_ses_identity_policy",),
    tf=(ResourcePolicy("policy", "identity"),),
    service="ses")

ECR_REPOSITORY = Kind(
    "ecr_repository",
    cloudformation=("AWS::ECR::Repository",),
    cfn=(
        ResourcePolicy("RepositoryPolicyText"),
        NotModelled("LifecyclePolicy.LifecyclePolicyText", "image expiry rules, not access"),
    ),
    terraform=("aws_ecr_repository",),
    service="ecr",
    arns={"arn": _regional("ecr", "repository/{rest}")})

EFS_FILE_SYSTEM = Kind(
    "efs_file_system",
    cloudformation=("AWS::EFS::FileSystem",),
    cfn=(ResourcePolicy("FileSystemPolicy"),),
    service="elasticfilesystem")

BACKUP_BACKUP_VAULT = Kind(
    "backup_backup_vault",
    cloudformation=("AWS::Backup::BackupVault",),
    cfn=(ResourcePolicy("AccessPolicy"),),
    service="backup")

EVENT_BUS = Kind(
    "event_bus",
    cloudformation=("AWS::Events::EventBus",),
    cfn=(ResourcePolicy("Policy"),),
    terraform=("aws_cloudwatch_event_bus",),
    service="events",
    arns={"arn": _regional("events", "event-bus/{rest}")})

DYNAMODB_TABLE = Kind(
    "dynamodb_table",
    cloudformation=("AWS::DynamoDB::Table",),
    cfn=(ResourcePolicy("ResourcePolicy.PolicyDocument&StreamSpecification.ResourcePolicy.PolicyDocument"),),
    terraform=("aws_dynamodb_table",),
    service="dynamodb",
    arns={
        "arn": _regional("dynamodb", "table/{name}"),
        "stream_arn": _regional("dynamodb", "table/{name}/stream/{streamlabel}"),
    })

KINESIS_STREAM = Kind(
    "kinesis_stream",
    cloudformation=("AWS::Kinesis::Stream",),
    cfn=(ResourcePolicy("ResourcePolicy.PolicyDocument"),),
    terraform=("aws_kinesis_stream",),
    service="kinesis",
    arns={"arn": _regional("kinesis", "stream/{name}")})

LOGS_DESTINATION = Kind(
    "logs_destination",
    cloudformation=("AWS::Logs::Destination",),
    cfn=(ResourcePolicy("DestinationPolicy"),),
    service="logs")

CODE_ARTIFACT_DOMAIN = Kind(
    "code_artifact_domain",
    cloudformation=("AWS::CodeArtifact::Domain",),
    cfn=(ResourcePolicy("PermissionsPolicyDocument"),),
    service="codeartifact")

CODE_ARTIFACT_REPOSITORY = Kind(
    "code_artifact_repository",
    cloudformation=("AWS::CodeArtifact::Repository",),
    cfn=(ResourcePolicy("PermissionsPolicyDocument"),),
    service="codeartifact")

ECR_PUBLIC_REPOSITORY = Kind(
    "ecr_public_repository",
    cloudformation=("AWS::ECR::PublicRepository",),
    cfn=(ResourcePolicy("RepositoryPolicyText"),),
    service="ecr-public")

S3_MULTI_REGION_ACCESS_POINT_POLICY = Kind(
    "s3_multi_region_access_point_policy",
    cloudformation=("AWS::S3::MultiRegionAccessPointPolicy",),
    cfn=(ResourcePolicy("Policy", "MrapName"),),
    service="s3")

S3_OBJECT_LAMBDA_ACCESS_POINT_POLICY = Kind(
    "s3_object_lambda_access_point_policy",
    cloudformation=("AWS::S3ObjectLambda::AccessPointPolicy",),
    cfn=(ResourcePolicy("PolicyDocument", "ObjectLambdaAccessPoint"),),
    service="s3-object-lambda")

S3_EXPRESS_BUCKET_POLICY = Kind(
    "s3_express_bucket_policy",
    cloudformation=("AWS::S3Express::BucketPolicy",),
    cfn=(ResourcePolicy("PolicyDocument", "Bucket"),),
    service="s3express")

SSM_RESOURCE_POLICY = Kind(
    "ssm_resource_policy",
    cloudformation=("AWS::SSM::ResourcePolicy",),
    cfn=(ResourcePolicy("Policy", "ResourceArn"),),
    service="ssm")

SQS_QUEUE_INLINE_POLICY = Kind(
    "sqs_queue_inline_policy",
    cloudformation=("AWS::SQS::QueueInlinePolicy",),
    cfn=(ResourcePolicy("PolicyDocument", "Queue"),),
    service="sqs")

SNS_TOPIC_INLINE_POLICY = Kind(
    "sns_topic_inline_policy",
    cloudformation=("AWS::SNS::TopicInlinePolicy",),
    cfn=(ResourcePolicy("PolicyDocument", "TopicArn"),),
    service="sns")

KMS_REPLICA_KEY = Kind(
    "kms_replica_key",
    cloudformation=("AWS::KMS::ReplicaKey",),
    cfn=(ResourcePolicy("KeyPolicy"),),
    terraform=("aws_kms_replica_key",),
    tf=(ResourcePolicy("policy"),),
    service="kms",
    arns={"arn": _regional("kms", "key/{id}")},
    read_back=("policy",))

BACKUP_LOGICALLY_AIR_GAPPED_BACKUP_VAULT = Kind(
    "backup_logically_air_gapped_backup_vault",
    cloudformation=("AWS::Backup::LogicallyAirGappedBackupVault",),
    cfn=(ResourcePolicy("AccessPolicy"),),
    service="backup")

LAMBDA_RESOURCE_POLICY = Kind(
    "lambda_resource_policy",
    cloudformation=("AWS::Lambda::ResourcePolicy",),
    cfn=(ResourcePolicy("PolicyDocument", "ResourceArn"),),
    service="lambda")

EVENTS_V2_RESOURCE_POLICY = Kind(
    "events_v2_resource_policy",
    cloudformation=("AWS::EventsV2::ResourcePolicy",),
    cfn=(ResourcePolicy("PolicyDocument", "EventBusArn"),),
    service="events")

API_GATEWAY_DOMAIN_NAME_V2 = Kind(
    "api_gateway_domain_name_v2",
    cloudformation=("AWS::ApiGateway::DomainNameV2",),
    cfn=(ResourcePolicy("Policy"),),
    service="execute-api")

ECR_REPOSITORY_CREATION_TEMPLATE = Kind(
    "ecr_repository_creation_template",
    cloudformation=("AWS::ECR::RepositoryCreationTemplate",),
    cfn=(ResourcePolicy("RepositoryPolicy"),),
    service="ecr")

LOG_GROUP = Kind(
    "log_group",
    cloudformation=("AWS::Logs::LogGroup",),
    cfn=(
        ResourcePolicy("ResourcePolicyDocument"),
        NotModelled("DataProtectionPolicy", "masking of sensitive data, not access"),
    ),
    terraform=("aws_cloudwatch_log_group",),
    service="logs",
    arns={"arn": _regional("logs", "log-group:{loggroup}")})

LOGS_DELIVERY_DESTINATION = Kind(
    "logs_delivery_destination",
    cloudformation=("AWS::Logs::DeliveryDestination",),
    cfn=(ResourcePolicy("DeliveryDestinationPolicy.DeliveryDestinationPolicy"),),
    service="logs")

CLOUDTRAIL_RESOURCE_POLICY = Kind(
    "cloudtrail_resource_policy",
    cloudformation=("AWS::CloudTrail::ResourcePolicy",),
    cfn=(ResourcePolicy("ResourcePolicy", "ResourceArn"),),
    service="cloudtrail")

APS_RESOURCE_POLICY = Kind(
    "aps_resource_policy",
    cloudformation=("AWS::APS::ResourcePolicy",),
    cfn=(ResourcePolicy("PolicyDocument", "WorkspaceArn"),),
    service="aps")

AIOPS_INVESTIGATION_GROUP = Kind(
    "aiops_investigation_group",
    cloudformation=("AWS::AIOps::InvestigationGroup",),
    cfn=(ResourcePolicy("InvestigationGroupPolicy"),),
    service="aiops")

BEDROCK_RESOURCE_POLICY = Kind(
    "bedrock_resource_policy",
    cloudformation=("AWS::Bedrock::ResourcePolicy",),
    cfn=(ResourcePolicy("PolicyDocument", "ResourceArn"),),
    service="bedrock")

BEDROCK_KNOWLEDGE_BASE_POLICY = Kind(
    "bedrock_knowledge_base_policy",
    cloudformation=("AWS::Bedrock::KnowledgeBasePolicy",),
    cfn=(ResourcePolicy("PolicyDocument", "KnowledgeBaseId"),),
    service="bedrock")

BEDROCK_AGENT_CORE_RESOURCE_POLICY = Kind(
    "bedrock_agent_core_resource_policy",
    cloudformation=("AWS::BedrockAgentCore::ResourcePolicy",),
    cfn=(ResourcePolicy("Policy", "ResourceArn"),),
    service="bedrock-agentcore")

COMPREHEND_DOCUMENT_CLASSIFIER = Kind(
    "comprehend_document_classifier",
    cloudformation=("AWS::Comprehend::DocumentClassifier",),
    cfn=(ResourcePolicy("ModelPolicy"),),
    service="comprehend")

COMPREHEND_ENTITY_RECOGNIZER = Kind(
    "comprehend_entity_recognizer",
    cloudformation=("AWS::Comprehend::EntityRecognizer",),
    cfn=(ResourcePolicy("ModelPolicy"),),
    service="comprehend")

DSQL_CLUSTER = Kind(
    "dsql_cluster",
    cloudformation=("AWS::DSQL::Cluster",),
    cfn=(ResourcePolicy("PolicyDocument"),),
    service="dsql")

EVENT_SCHEMAS_REGISTRY_POLICY = Kind(
    "event_schemas_registry_policy",
    cloudformation=("AWS::EventSchemas::RegistryPolicy",),
    cfn=(ResourcePolicy("Policy", "RegistryName"),),
    service="schemas")

LEX_RESOURCE_POLICY = Kind(
    "lex_resource_policy",
    cloudformation=("AWS::Lex::ResourcePolicy",),
    cfn=(ResourcePolicy("Policy", "ResourceArn"),),
    service="lex")

MSK_CLUSTER_POLICY = Kind(
    "msk_cluster_policy",
    cloudformation=("AWS::MSK::ClusterPolicy",),
    cfn=(ResourcePolicy("Policy", "ClusterArn"),),
    service="kafka")

MEDIA_PACKAGE_V2_CHANNEL_POLICY = Kind(
    "media_package_v2_channel_policy",
    cloudformation=("AWS::MediaPackageV2::ChannelPolicy",),
    cfn=(ResourcePolicy("Policy", "ChannelName"),),
    service="mediapackagev2")

MEDIA_PACKAGE_V2_ORIGIN_ENDPOINT_POLICY = Kind(
    "media_package_v2_origin_endpoint_policy",
    cloudformation=("AWS::MediaPackageV2::OriginEndpointPolicy",),
    cfn=(ResourcePolicy("Policy", "OriginEndpointName"),),
    service="mediapackagev2")

MEDIA_TAILOR_CHANNEL_POLICY = Kind(
    "media_tailor_channel_policy",
    cloudformation=("AWS::MediaTailor::ChannelPolicy",),
    cfn=(ResourcePolicy("Policy", "ChannelName"),),
    service="mediatailor")

OSIS_PIPELINE = Kind(
    "osis_pipeline",
    cloudformation=("AWS::OSIS::Pipeline",),
    cfn=(ResourcePolicy("ResourcePolicy.Policy"),),
    service="osis")

OAM_SINK = Kind(
    "oam_sink",
    cloudformation=("AWS::Oam::Sink",),
    cfn=(ResourcePolicy("Policy"),),
    service="oam")

PAYMENT_CRYPTOGRAPHY_KEY = Kind(
    "payment_cryptography_key",
    cloudformation=("AWS::PaymentCryptography::Key",),
    cfn=(ResourcePolicy("Policy"),),
    service="payment-cryptography")

RUM_APP_MONITOR = Kind(
    "rum_app_monitor",
    cloudformation=("AWS::RUM::AppMonitor",),
    cfn=(ResourcePolicy("ResourcePolicy.PolicyDocument"),),
    service="rum")

REDSHIFT_CLUSTER = Kind(
    "redshift_cluster",
    cloudformation=("AWS::Redshift::Cluster",),
    cfn=(ResourcePolicy("NamespaceResourcePolicy"),),
    terraform=("aws_redshift_cluster",),
    service="redshift",
    arns={"arn": _regional("redshift", "cluster:{name}")})

REDSHIFT_SERVERLESS_NAMESPACE = Kind(
    "redshift_serverless_namespace",
    cloudformation=("AWS::RedshiftServerless::Namespace",),
    cfn=(ResourcePolicy("NamespaceResourcePolicy"),),
    service="redshift-serverless")

S3_EXPRESS_ACCESS_POINT = Kind(
    "s3_express_access_point",
    cloudformation=("AWS::S3Express::AccessPoint",),
    cfn=(ResourcePolicy("Policy", "Bucket"),),
    service="s3express")

S3_FILES_FILE_SYSTEM_POLICY = Kind(
    "s3_files_file_system_policy",
    cloudformation=("AWS::S3Files::FileSystemPolicy",),
    cfn=(ResourcePolicy("Policy", "FileSystemId"),),
    service="s3files")

S3_OUTPOSTS_ACCESS_POINT = Kind(
    "s3_outposts_access_point",
    cloudformation=("AWS::S3Outposts::AccessPoint",),
    cfn=(ResourcePolicy("Policy", "Bucket"),),
    service="s3-outposts")

S3_OUTPOSTS_BUCKET_POLICY = Kind(
    "s3_outposts_bucket_policy",
    cloudformation=("AWS::S3Outposts::BucketPolicy",),
    cfn=(ResourcePolicy("PolicyDocument", "Bucket"),),
    service="s3-outposts")

S3_TABLES_TABLE_BUCKET_POLICY = Kind(
    "s3_tables_table_bucket_policy",
    cloudformation=("AWS::S3Tables::TableBucketPolicy",),
    cfn=(ResourcePolicy("ResourcePolicy", "TableBucketARN"),),
    service="s3tables")

S3_TABLES_TABLE_POLICY = Kind(
    "s3_tables_table_policy",
    cloudformation=("AWS::S3Tables::TablePolicy",),
    cfn=(ResourcePolicy("ResourcePolicy", "TableARN"),),
    service="s3tables")

S3_VECTORS_VECTOR_BUCKET_POLICY = Kind(
    "s3_vectors_vector_bucket_policy",
    cloudformation=("AWS::S3Vectors::VectorBucketPolicy",),
    cfn=(ResourcePolicy("Policy", "VectorBucketArn|VectorBucketName"),),
    service="s3vectors")

SMSVOICE_RESOURCE_POLICY = Kind(
    "smsvoice_resource_policy",
    cloudformation=("AWS::SMSVOICE::ResourcePolicy",),
    cfn=(ResourcePolicy("PolicyDocument", "ResourceArn"),),
    service="sms-voice")

SAGEMAKER_MODEL_PACKAGE_GROUP = Kind(
    "sagemaker_model_package_group",
    cloudformation=("AWS::SageMaker::ModelPackageGroup",),
    cfn=(ResourcePolicy("ModelPackageGroupPolicy"),),
    service="sagemaker")

VPC_LATTICE_AUTH_POLICY = Kind(
    "vpc_lattice_auth_policy",
    cloudformation=("AWS::VpcLattice::AuthPolicy",),
    cfn=(ResourcePolicy("Policy", "ResourceIdentifier"),),
    service="vpc-lattice-svcs")

VPC_LATTICE_RESOURCE_POLICY = Kind(
    "vpc_lattice_resource_policy",
    cloudformation=("AWS::VpcLattice::ResourcePolicy",),
    cfn=(ResourcePolicy("Policy", "ResourceArn"),),
    service="vpc-lattice")

XRAY_RESOURCE_POLICY = Kind(
    "xray_resource_policy",
    cloudformation=("AWS::XRay::ResourcePolicy",),
    cfn=(ResourcePolicy("PolicyDocument"),),
    service="xray")

ORGANIZATIONS_RESOURCE_POLICY = Kind(
    "organizations_resource_policy",
    cloudformation=("AWS::Organizations::ResourcePolicy",),
    cfn=(ResourcePolicy("Content"),),
    service="organizations")

FSX_S3_ACCESS_POINT_ATTACHMENT = Kind(
    "fsx_s3_access_point_attachment",
    cloudformation=("AWS::FSx::S3AccessPointAttachment",),
    cfn=(ResourcePolicy("S3AccessPoint.Policy"),),
    service="s3")

OMICS_SEQUENCE_STORE = Kind(
    "omics_sequence_store",
    cloudformation=("AWS::Omics::SequenceStore",),
    cfn=(ResourcePolicy("S3AccessPolicy"),),
    service="s3")

DYNAMODB_GLOBAL_TABLE = Kind(
    "dynamodb_global_table",
    cloudformation=("AWS::DynamoDB::GlobalTable",),
    cfn=(
        # several documents on one resource ("&"), one per list item ("[]")
        ResourcePolicy("Replicas[].ResourcePolicy.PolicyDocument"
                       "&Replicas[].ReplicaStreamSpecification.ResourcePolicy.PolicyDocument"),
    ),
    service="dynamodb")

LAMBDA_PERMISSION = Kind(
    "lambda_permission",
    cloudformation=("AWS::Lambda::Permission",),
    cfn=(
        LambdaPermission("Principal", "Action", "FunctionName", "SourceArn", "SourceAccount", "PrincipalOrgID",
                         "FunctionUrlAuthType"),
    ),
    terraform=("aws_lambda_permission",),
    tf=(
        LambdaPermission("principal", "action", "function_name", "source_arn", "source_account", "principal_org_id",
                         "function_url_auth_type"),
    ),
    service="lambda")

LAMBDA_LAYER_VERSION_PERMISSION = Kind(
    "lambda_layer_version_permission",
    cloudformation=("AWS::Lambda::LayerVersionPermission",),
    cfn=(LambdaPermission("Principal", "Action", "LayerVersionArn", None, None, "OrganizationId", None),),
    terraform=("aws_lambda_layer_version_permission",),
    tf=(LambdaPermission("principal", "action", "layer_name", None, None, "organization_id", None),),
    service="lambda-layer")

EVENT_BUS_PERMISSION = Kind(
    "event_bus_permission",
    cloudformation=("AWS::Events::EventBusPolicy",),
    cfn=(EventBusPermission(),),
    terraform=("aws_cloudwatch_event_permission",),
    tf=(EventBusPermission(),))

IAM_USER_GROUP_MEMBERSHIP = Kind(
    "iam_user_group_membership",
    terraform=("aws_iam_user_group_membership",),
    tf=(Membership("user", "groups"),))

IAM_GROUP_MEMBERSHIP = Kind(
    "iam_group_membership",
    cloudformation=("AWS::IAM::UserToGroupAddition",),
    cfn=(Membership("Users", "GroupName"),),
    terraform=("aws_iam_group_membership",),
    tf=(Membership("users", "group"),))

IAM_ACCESS_KEY = Kind(
    "iam_access_key",
    cloudformation=("AWS::IAM::AccessKey",),
    cfn=(AccessKey(user="UserName", status="Status", secrets=("SecretAccessKey",)),),
    terraform=("aws_iam_access_key",),
    tf=(AccessKey(user="user", status="status", secrets=("secret", "ses_smtp_password_v4")),))

IAM_USER_LOGIN_PROFILE = Kind(
    "iam_user_login_profile",
    terraform=("aws_iam_user_login_profile",),
    tf=(LoginProfile(user="user", block=None, password=None, password_reset_required="password_reset_required",
                     pgp_key="pgp_key"),))

IAM_INSTANCE_PROFILE = Kind(
    "iam_instance_profile",
    cloudformation=("AWS::IAM::InstanceProfile",),
    cfn=(InstanceProfile("Roles"),),
    terraform=("aws_iam_instance_profile",),
    tf=(InstanceProfile("role"),),
    arns={"arn": _iam("instance-profile/{iam}")})

ORGANIZATIONS_POLICY = Kind(
    "organizations_policy",
    cloudformation=("AWS::Organizations::Policy",),
    cfn=(Scp("Content", "Type"),),
    terraform=("aws_organizations_policy",),
    tf=(Scp("content", "type"),))

SSOADMIN_PERMISSION_SET_INLINE_POLICY = Kind(
    "ssoadmin_permission_set_inline_policy",
    terraform=("aws_ssoadmin_permission_set_inline_policy",),
    tf=(PermissionSet("inline_policy", None),))

SSO_PERMISSION_SET = Kind(
    "sso_permission_set",
    cloudformation=("AWS::SSO::PermissionSet",),
    cfn=(PermissionSet("InlinePolicy", "ManagedPolicies"),))

SSOADMIN_MANAGED_POLICY_ATTACHMENT = Kind(
    "ssoadmin_managed_policy_attachment",
    terraform=("aws_ssoadmin_managed_policy_attachment",),
    tf=(SsoAttachment("managed_policy_arn"),))

EC2_VPC_ENDPOINT = Kind(
    "ec2_vpc_endpoint",
    cloudformation=("AWS::EC2::VPCEndpoint",),
    cfn=(
        NotModelled("PolicyDocument", "an endpoint policy only narrows what callers already inside the VPC reach; "
                                      "it grants nothing by itself and Principal '*' is its normal form"),
    ))

ODB_NETWORK = Kind(
    "odb_network",
    cloudformation=("AWS::ODB::OdbNetwork",),
    cfn=(
        NotModelled("KmsPolicyDocument", "an endpoint policy of the network's path to KMS"),
        NotModelled("StsPolicyDocument", "an endpoint policy of the network's path to STS"),
    ))

EC2_VERIFIED_ACCESS_ENDPOINT = Kind(
    "ec2_verified_access_endpoint",
    cloudformation=("AWS::EC2::VerifiedAccessEndpoint",),
    cfn=(NotModelled("PolicyDocument", "a Cedar policy over the user's claims, not IAM"),))

EC2_VERIFIED_ACCESS_GROUP = Kind(
    "ec2_verified_access_group",
    cloudformation=("AWS::EC2::VerifiedAccessGroup",),
    cfn=(NotModelled("PolicyDocument", "a Cedar policy over the user's claims, not IAM"),))

IOT_POLICY = Kind(
    "iot_policy",
    cloudformation=("AWS::IoT::Policy",),
    cfn=(
        NotModelled("PolicyDocument",
                    "an IoT Core policy for device certificates and identities, not AWS account principals"),
    ))

OPENSEARCH_SERVERLESS_ACCESS_POLICY = Kind(
    "opensearch_serverless_access_policy",
    cloudformation=("AWS::OpenSearchServerless::AccessPolicy",),
    cfn=(
        NotModelled("Policy",
                    "OpenSearch Serverless data access rules in their own format, not IAM grammar (not analysed)"),
    ))

OPENSEARCH_SERVERLESS_LIFECYCLE_POLICY = Kind(
    "opensearch_serverless_lifecycle_policy",
    cloudformation=("AWS::OpenSearchServerless::LifecyclePolicy",),
    cfn=(NotModelled("Policy", "index retention rules, not access"),))

OPENSEARCH_SERVERLESS_SECURITY_POLICY = Kind(
    "opensearch_serverless_security_policy",
    cloudformation=("AWS::OpenSearchServerless::SecurityPolicy",),
    cfn=(NotModelled("Policy", "encryption and network rules, not IAM"),))

NETWORK_MANAGER_CORE_NETWORK = Kind(
    "network_manager_core_network",
    cloudformation=("AWS::NetworkManager::CoreNetwork",),
    cfn=(NotModelled("PolicyDocument", "a network routing policy, not access"),))

LOGS_ACCOUNT_POLICY = Kind(
    "logs_account_policy",
    cloudformation=("AWS::Logs::AccountPolicy",),
    cfn=(NotModelled("PolicyDocument", "data protection or subscription settings, not access"),))

SNS_SUBSCRIPTION = Kind(
    "sns_subscription",
    cloudformation=("AWS::SNS::Subscription",),
    cfn=(
        NotModelled("DeliveryPolicy", "delivery retries, not access"),
        NotModelled("FilterPolicy", "message filtering, not access"),
        NotModelled("RedrivePolicy", "dead-letter queue settings, not access"),
        NotModelled("ReplayPolicy", "message replay settings, not access"),
    ))

STORAGE_GATEWAY_NFS_FILE_SHARE = Kind(
    "storage_gateway_nfs_file_share",
    cloudformation=("AWS::StorageGateway::NFSFileShare",),
    cfn=(NotModelled("NotificationPolicy", "upload notifications, not access"),))

STORAGE_GATEWAY_SMB_FILE_SHARE = Kind(
    "storage_gateway_smb_file_share",
    cloudformation=("AWS::StorageGateway::SMBFileShare",),
    cfn=(NotModelled("NotificationPolicy", "upload notifications, not access"),))

EVENTS_API_DESTINATION = Kind(
    "events_api_destination",
    cloudformation=("AWS::Events::ApiDestination",),
    cfn=(NotModelled("ArnForPolicy", "an ARN to write in other policies, not a document"),))

EVENTS_CONNECTION = Kind(
    "events_connection",
    cloudformation=("AWS::Events::Connection",),
    cfn=(NotModelled("ArnForPolicy", "an ARN to write in other policies, not a document"),))

AMI_LAUNCH_PERMISSION = Kind(
    "ami_launch_permission",
    terraform=("aws_ami_launch_permission",),
    tf=(Share("the AMI"),))

SNAPSHOT_CREATE_VOLUME_PERMISSION = Kind(
    "snapshot_create_volume_permission",
    terraform=("aws_snapshot_create_volume_permission",),
    tf=(Share("the EBS snapshot"),))

DB_SNAPSHOT = Kind(
    "db_snapshot",
    terraform=("aws_db_snapshot",),
    tf=(Share("the DB snapshot"),))

DB_CLUSTER_SNAPSHOT = Kind(
    "db_cluster_snapshot",
    terraform=("aws_db_cluster_snapshot",),
    tf=(Share("the DB cluster snapshot"),))

SSM_DOCUMENT = Kind(
    "ssm_document",
    terraform=("aws_ssm_document",),
    tf=(Share("the SSM document"),))

RAM_PRINCIPAL_ASSOCIATION = Kind(
    "ram_principal_association",
    terraform=("aws_ram_principal_association",),
    tf=(Share("the RAM resource share"),))

RAM_RESOURCE_SHARE = Kind(
    "ram_resource_share",
    cloudformation=("AWS::RAM::ResourceShare",),
    cfn=(Share("the RAM resource share"),))

LAMBDA_FUNCTION = Kind(
    "lambda_function",
    cloudformation=("AWS::Lambda::Function", "AWS::Serverless::Function"),
    cfn=(Environment(("Environment", "Variables")),),
    terraform=("aws_lambda_function",),
    tf=(Environment(("environment", "variables")),),
    arns={
        "arn": _regional("lambda", "function:{name}"),
        "qualified_arn": _regional("lambda", "function:{name}:{version}"),
    })

ECS_TASK_DEFINITION = Kind(
    "ecs_task_definition",
    cloudformation=("AWS::ECS::TaskDefinition",),
    cfn=(ContainerDefinitions("ContainerDefinitions"),),
    terraform=("aws_ecs_task_definition",),
    tf=(ContainerDefinitions("container_definitions"),),
    arns={
        "arn": _regional("ecs", "task-definition/{name}:{revision}"),
        "arn_without_revision": _regional("ecs", "task-definition/{name}"),
    })

S3_BUCKET_PUBLIC_ACCESS_BLOCK = Kind(
    "s3_bucket_public_access_block",
    terraform=("aws_s3_bucket_public_access_block",),
    tf=(PublicAccessBlock("bucket"),))

S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = Kind(
    "s3_account_public_access_block",
    terraform=("aws_s3_account_public_access_block",),
    tf=(AccountPublicAccessBlock(),))

S3_BUCKET_ACL = Kind(
    "s3_bucket_acl",
    terraform=("aws_s3_bucket_acl",),
    tf=(BucketAcl("bucket", "acl", "access_control_policy"),))

LAMBDA_FUNCTION_URL = Kind(
    "lambda_function_url",
    cloudformation=("AWS::Lambda::Url",),
    cfn=(FunctionUrl("AuthType", "TargetFunctionArn"),),
    terraform=("aws_lambda_function_url",),
    tf=(FunctionUrl("authorization_type", "function_name"),))

EVENT_RULE = Kind(
    "event_rule",
    cloudformation=("AWS::Events::Rule",),
    cfn=(EventRule("EventPattern", "State", None, targets="Targets"),),
    terraform=("aws_cloudwatch_event_rule",),
    tf=(EventRule("event_pattern", "state", "is_enabled", name="name"),),
    arns={"arn": _regional("events", "rule/{rest}")})

EVENT_TARGET = Kind(
    "event_target",
    terraform=("aws_cloudwatch_event_target",),
    tf=(EventTarget("rule"),))

LOG_METRIC_FILTER = Kind(
    "log_metric_filter",
    cloudformation=("AWS::Logs::MetricFilter",),
    cfn=(MetricFilter("FilterPattern", "MetricTransformations", "MetricName", "MetricNamespace"),),
    terraform=("aws_cloudwatch_log_metric_filter",),
    tf=(MetricFilter("pattern", "metric_transformation", "name", "namespace"),))

METRIC_ALARM = Kind(
    "metric_alarm",
    cloudformation=("AWS::CloudWatch::Alarm",),
    cfn=(Alarm("MetricName", "Namespace"),),
    terraform=("aws_cloudwatch_metric_alarm",),
    tf=(Alarm("metric_name", "namespace"),))

CLOUDTRAIL_TRAIL = Kind(
    "cloudtrail_trail",
    cloudformation=("AWS::CloudTrail::Trail",),
    cfn=(Trail(),),
    terraform=("aws_cloudtrail",),
    tf=(Trail(),))

SSM_PARAMETER = Kind(
    "ssm_parameter",
    cloudformation=("AWS::SSM::Parameter",),
    cfn=(SsmParameter("Type", ("Value",)),),
    terraform=("aws_ssm_parameter",),
    tf=(SsmParameter("type", ("value", "insecure_value")),),
    arns={"arn": _regional("ssm", "parameter/{rest}")})

IAM_OIDC_PROVIDER = Kind(
    "iam_oidc_provider",
    cloudformation=("AWS::IAM::OIDCProvider",),
    cfn=(OidcProvider("Url"),),
    terraform=("aws_iam_openid_connect_provider",),
    tf=(OidcProvider("url"),),
    arns={"arn": _iam("oidc-provider/{provider}")})

IAM_SAML_PROVIDER = Kind(
    "iam_saml_provider",
    cloudformation=("AWS::IAM::SAMLProvider",),
    cfn=(SamlProvider(),),
    terraform=("aws_iam_saml_provider",),
    tf=(SamlProvider(),),
    arns={"arn": _iam("saml-provider/{iam}")})

IAM_ACCOUNT_PASSWORD_POLICY = Kind(
    "iam_account_password_policy",
    terraform=("aws_iam_account_password_policy",),
    tf=(PasswordPolicy(tuple((setting, setting) for setting in PASSWORD_SETTINGS)),))

LAMBDA_ALIAS = Kind(
    "lambda_alias",
    terraform=("aws_lambda_alias",),
    arns={"arn": _regional("lambda", "function:{name}:{version}")})

SFN_STATE_MACHINE = Kind(
    "sfn_state_machine",
    terraform=("aws_sfn_state_machine",),
    arns={
        "arn": _regional("states", "stateMachine:{statemachine}"),
        "id": _regional("states", "stateMachine:{statemachine}"),
    })

CLOUDWATCH_EVENT_API_DESTINATION = Kind(
    "cloudwatch_event_api_destination",
    terraform=("aws_cloudwatch_event_api_destination",),
    arns={"arn": _regional("events", "api-destination/{rest}")})

CLOUDWATCH_EVENT_CONNECTION = Kind(
    "cloudwatch_event_connection",
    terraform=("aws_cloudwatch_event_connection",),
    arns={"arn": _regional("events", "connection/{rest}")})

CLOUDWATCH_EVENT_ARCHIVE = Kind(
    "cloudwatch_event_archive",
    terraform=("aws_cloudwatch_event_archive",),
    arns={"arn": _regional("events", "archive/{rest}")})

KINESIS_FIREHOSE_DELIVERY_STREAM = Kind(
    "kinesis_firehose_delivery_stream",
    terraform=("aws_kinesis_firehose_delivery_stream",),
    arns={"arn": _regional("firehose", "deliverystream/{name}")})

ECS_CLUSTER = Kind(
    "ecs_cluster",
    terraform=("aws_ecs_cluster",),
    arns={"arn": _regional("ecs", "cluster/{name}"), "id": _regional("ecs", "cluster/{name}")})

BATCH_JOB_QUEUE = Kind(
    "batch_job_queue",
    terraform=("aws_batch_job_queue",),
    arns={"arn": _regional("batch", "job-queue/{name}")})

BATCH_JOB_DEFINITION = Kind(
    "batch_job_definition",
    terraform=("aws_batch_job_definition",),
    arns={"arn": _regional("batch", "job-definition/{name}:{revision}")})

BATCH_COMPUTE_ENVIRONMENT = Kind(
    "batch_compute_environment",
    terraform=("aws_batch_compute_environment",),
    arns={"arn": _regional("batch", "compute-environment/{name}")})

MSK_CLUSTER = Kind(
    "msk_cluster",
    terraform=("aws_msk_cluster",),
    arns={"arn": _regional("kafka", "cluster/{rest}")})

MSK_SERVERLESS_CLUSTER = Kind(
    "msk_serverless_cluster",
    terraform=("aws_msk_serverless_cluster",),
    arns={"arn": _regional("kafka", "cluster/{rest}")})

MQ_BROKER = Kind(
    "mq_broker",
    terraform=("aws_mq_broker",),
    arns={"arn": _regional("mq", "broker:{name}:{id}")})

APIGATEWAYV2_API = Kind(
    "apigatewayv2_api",
    terraform=("aws_apigatewayv2_api",),
    arns={"execution_arn": _regional("execute-api", "{id}")})

KMS_ALIAS = Kind(
    "kms_alias",
    terraform=("aws_kms_alias",),
    arns={"arn": _regional("kms", "alias/{rest}")})

CODEBUILD_PROJECT = Kind(
    "codebuild_project",
    terraform=("aws_codebuild_project",),
    arns={"arn": _regional("codebuild", "project/{name}")})



# --- derived views -------------------------------------------------------------------------------

KINDS: tuple[Kind, ...] = tuple(value for value in list(globals().values()) if isinstance(value, Kind))
KIND_OF: dict[str, Kind] = {rtype: kind for kind in KINDS for rtype in kind.types}
# (format, type, what it holds) of every type, in catalogue order; and per thing held, type -> spelling
_SPELLED = [spelled for kind in KINDS for spelled in kind.spellings()]
_BY_HOLDING: dict[type, dict[str, Holding]] = {}
for _fmt, _rtype, _holds in _SPELLED:
    for _held in _holds:
        _BY_HOLDING.setdefault(type(_held), {})[_rtype] = _held

H = TypeVar("H")


def spellings(holding: type[H]) -> dict[str, H]:
    """Resource type -> how its format spells ``holding`` (e.g. ``spellings(AccessKey)``), for
    every type that holds one. Build it once (a module constant), then look types up in it."""
    return dict(_BY_HOLDING.get(holding, {}))  # type: ignore[arg-type]  # keyed by class, valued by its instances: not expressible as a dict type


def types_holding(*holdings: type) -> tuple[str, ...]:
    """The resource types holding any of ``holdings``, in catalogue order."""
    return tuple(rtype for _fmt, rtype, holds in _SPELLED if any(type(held) in holdings for held in holds))


def service_of(rtype: str) -> str:
    """The service prefix of the resource policies or permissions of ``rtype`` (its row's)."""
    service = KIND_OF[rtype].service
    if service is None:
        raise ValueError(f"{rtype} holds no resource policy or permission")
    return service


def by_type(table: Mapping[Kind, H]) -> dict[str, H]:
    """A table keyed by rows (``{S3_BUCKET: f}``) keyed by each of their resource types."""
    return {rtype: value for kind, value in table.items() for _fmt, rtype, _held in kind.spellings()}


def not_modelled() -> dict[tuple[str, str], str]:
    """(CloudFormation type, property) -> why its policy-like document is not modelled."""
    return {(rtype, held.property): held.reason for kind in KINDS for _fmt, rtype, holds in kind.spellings()
            for held in holds if isinstance(held, NotModelled)}


def read_back() -> dict[str, tuple[str, ...]]:
    """Terraform type -> the attributes its provider reads back (``Kind.read_back``)."""
    return {rtype: kind.read_back for kind in KINDS if kind.read_back for rtype in kind.terraform}


def arn_shapes() -> dict[tuple[str, str], str]:
    """(Terraform type, attribute) -> the ARN shape of that attribute."""
    return {(rtype, attribute): shape for kind in KINDS for rtype in kind.terraform
            for attribute, shape in kind.arns.items()}


# --- generated artefacts: the CloudFormation Hook's targets, docs/resource-types.md -------------

HOOK_TARGET_LIMIT = 50  # TargetFilters.TargetNames holds at most 50 names (CloudFormation Hooks)
HOOK_HOLDINGS = ("principal", "policy", "share", "credential")


def hook_types() -> list[str]:
    """The CloudFormation types the hook must be invoked for: each that holds a principal, a
    policy (or a permission or exposure), a share or a credential."""
    return sorted({rtype for kind in KINDS for rtype in kind.cloudformation
                   if any(HOLDING[type(held)][1] in HOOK_HOLDINGS for held in kind.cfn)})


def _common_suffix(names: list[str]) -> str:
    suffix = names[0]
    for name in names[1:]:
        while not name.endswith(suffix):
            suffix = suffix[1:]
    return suffix


def hook_targets(limit: int = HOOK_TARGET_LIMIT) -> list[str]:
    """``hook_types()`` in at most ``limit`` target names. While there are too many, the largest
    group of exact names becomes one wildcard: a resource name several services use
    (``AWS::*::ResourcePolicy``) or one service's names (``AWS::S::*Suffix`` when they share an
    ending that starts a word, else ``AWS::S::*``). Every type stays covered; a wildcard also
    covers types the hook then judges without finding anything to report."""
    exact = hook_types()
    wildcards: list[str] = []
    while len(exact) + len(wildcards) > limit:
        groups: dict[str, list[str]] = {}
        for rtype in exact:
            _aws, service, name = rtype.split("::")
            groups.setdefault(f"AWS::*::{name}", []).append(rtype)
            groups.setdefault(f"AWS::{service}::", []).append(rtype)
        # the largest group; on a tie, one service (narrower than a name across all services)
        target, members = sorted(groups.items(), key=lambda item: (-len(item[1]), "*" in item[0], item[0]))[0]
        if len(members) < 2:
            raise ValueError(f"{len(exact) + len(wildcards)} hook targets do not fit in {limit}")
        if target.endswith("::"):
            suffix = _common_suffix([m.split("::")[2] for m in members])
            while suffix and not suffix[0].isupper():
                suffix = suffix[1:]
            target += "*" + suffix
        wildcards.append(target)
        exact = [t for t in exact if t not in members]
    return sorted(exact + wildcards)


def _describe(held: Holding) -> str:
    label = HOLDING[type(held)][0]
    parts = []
    for name, value in held.fields():
        if name == "reason" or value is None or value == ():
            continue
        if name == "targets" and isinstance(value, tuple):
            value = ", ".join(f"{prop} ({kind})" for kind, prop in value)
        elif name == "kind":
            label = f"{value} ({label})"
            continue
        elif name == "settings":
            value = ", ".join(prop for _setting, prop in value)
        elif isinstance(value, tuple):
            value = (".".join if name == "path" else ", ".join)(value)
        parts.append(f"{name.replace('_', ' ')}: `{value}`")
    if isinstance(held, NotModelled):
        return f"{label}: `{held.property}` ({held.reason})"
    return label + (" (" + "; ".join(parts) + ")" if parts else "")


DOCS_PAGE = "docs/resource-types.md"


def docs_page() -> str:
    """docs/resource-types.md: per format, each resource type and what iacguard reads from it."""
    lines = ["# Resource types", "",
             "Generated from `iacguard/catalogue.py` by `python -m iacguard.catalogue docs --write`; do not",
             "edit by hand. Each row is one resource type, the catalogue row (kind) it belongs to and what",
             "iacguard reads from it, with the properties it reads. A type not listed is loaded (its",
             "references are followed) but holds nothing iacguard judges.", ""]
    for fmt, title in ((CLOUDFORMATION, "CloudFormation (and SAM after expansion)"),
                       (TERRAFORM, "Terraform (HCL and plans)")):
        rows = sorted((rtype, kind, holds) for kind in KINDS for f, rtype, holds in kind.spellings() if f == fmt)
        lines += [f"## {title}", "", f"{len(rows)} types.", "", "| type | kind | reads |", "| --- | --- | --- |"]
        for rtype, kind, holds in rows:
            read = [_describe(held) for held in holds]
            if fmt == TERRAFORM and kind.arns:
                read.append("ARN shape of " + ", ".join(f"`{a}`" for a in kind.arns) + " before apply")
            if kind.service and any(isinstance(h, (ResourcePolicy, LambdaPermission)) for h in holds):
                read[0] += f", service `{kind.service}`"
            lines.append(f"| `{rtype}` | {kind.name} | {'<br>'.join(read) or '-'} |")
        lines.append("")
    return "\n".join(lines)


HOOK_TEMPLATE = "integrations/cloudformation-hook/template.yaml"
_HOOK_COMMENT = "# generated: python -m iacguard.catalogue hook-targets --write (from iacguard/catalogue.py)"


def hook_template(text: str) -> str:
    """The hook template ``text`` with its TargetNames block replaced by ``hook_targets()``."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == "TargetNames:")
    indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
    end = start + 1
    while end < len(lines) and lines[end].startswith(indent + "  ") and lines[end].strip().startswith(("-", "#")):
        end += 1
    head = start
    while head > 0 and lines[head - 1].strip().startswith("#"):
        head -= 1
    block = [indent + _HOOK_COMMENT, indent + "TargetNames:"] + [f"{indent}  - {t}" for t in hook_targets()]
    return "\n".join(lines[:head] + block + lines[end:])


def main(argv: list[str]) -> int:
    """``hook-targets`` / ``docs``: print the generated text; with ``--write``, write it into the
    source tree this module belongs to (a checkout, not an installed copy)."""
    from pathlib import Path

    if not argv or argv[0] not in ("hook-targets", "docs") or argv[1:] not in ([], ["--write"]):
        print("usage: python -m iacguard.catalogue {hook-targets|docs} [--write]", file=sys.stderr)
        return 2
    if argv[1:] != ["--write"]:
        print("\n".join(hook_targets()) if argv[0] == "hook-targets" else docs_page().rstrip("\n"))
        return 0
    relative = HOOK_TEMPLATE if argv[0] == "hook-targets" else DOCS_PAGE
    path = Path(__file__).resolve().parent.parent / relative
    try:
        text = hook_template(path.read_text(encoding="utf-8")) if argv[0] == "hook-targets" else docs_page()
        path.write_text(text, encoding="utf-8")
    except (OSError, StopIteration) as exc:
        print(f"iacguard.catalogue: cannot write {path}: {exc or 'no TargetNames block'} (run it in a checkout "
              "of the repository)", file=sys.stderr)
        return 2
    print(f"wrote {relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
