"""One IAM model for CloudFormation, Terraform HCL and Terraform plans.

Built from loaded Resources only (never from raw syntax). Each input format maps its resource
types onto the same few shapes: principals (users, groups, roles) with their inline and attached
policies, group memberships, trust policies, permissions boundaries, access keys and login
profiles; customer-managed and AWS-managed policies; resource policies on the resources that
can be shared; SCPs and SSO permission sets. References between resources are followed through
``Ref`` values (``!GetAtt Role.Arn``, ``aws_iam_role.app.name``), literal names and ARNs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from ..resource import CLOUDFORMATION, MODULE_ARGUMENT_POLICY, Resource
from ..values import Choice, Encoded, PDict, PList, PStr, Unknown, describe_unknown_value, line_of
from . import managed as managed_policies
from .policy import PolicyDocument, parse_policy


class LineInFile(int):
    """A line in another file than the reported resource's (``file``): a policy passed into a
    module by its caller, a policy document data source in a sibling file. ``CheckContext.report``
    points the finding there: where the offending statement is written."""

    file: str

    def __new__(cls, line: int, file: str) -> "LineInFile":
        obj = super().__new__(cls, line)
        obj.file = file
        return obj


def _written_in(value: Any) -> str | None:
    """The file a loaded policy value (a mapping, jsonencode() of one, a heredoc) was written
    in, when the loader recorded it."""
    if isinstance(value, Encoded):
        value = value.value
    return getattr(value, "file", None)


@dataclass
class PolicyNode:
    """One policy document and where it lives."""

    id: str
    name: str
    kind: str  # inline | managed | aws-managed | trust | boundary | resource | scp | permission-set
    resource: Resource  # the resource where it is written (or that names it, for AWS managed)
    document: PolicyDocument | None  # None: an AWS managed policy whose content we do not know
    arn: Any = None
    attached_to: list[str] = field(default_factory=list)  # principal ids
    via: Resource | None = None  # the attachment resource, when separate from ``resource``

    @property
    def line(self) -> int:
        """The document's line (a ``LineInFile`` when it is written in another file than the
        resource's), else the resource's."""
        line = self.document.line if self.document and self.document.line else 0
        if not line or self.document is None:
            return self.resource.line
        elsewhere = _written_in(self.document.raw)
        if elsewhere and elsewhere != self.resource.file:
            return LineInFile(line, elsewhere)
        return line

    def statement_line(self, statement: Any) -> int:
        """The statement's own line: a ``LineInFile`` when it is written in another file than
        the reported resource's."""
        line = getattr(statement, "line", 0)
        elsewhere = _written_in(statement.raw)
        if elsewhere and elsewhere != self.resource.file:
            return LineInFile(line, elsewhere) if line else self.resource.line
        return line or self.line


@dataclass
class Principal:
    id: str
    kind: str  # user | group | role
    name: Any  # str or Unknown
    resource: Resource
    inline: list[PolicyNode] = field(default_factory=list)
    managed: list[PolicyNode] = field(default_factory=list)
    groups: list["Principal"] = field(default_factory=list)
    members: list["Principal"] = field(default_factory=list)
    trust: PolicyNode | None = None
    boundary: PolicyNode | None = None
    access_keys: list[Resource] = field(default_factory=list)
    login_profiles: list[Resource] = field(default_factory=list)
    instance_profiles: list[Resource] = field(default_factory=list)
    # (policy, the resource that makes the attachment: an attachment resource or the principal itself)
    attachments: list[tuple[PolicyNode, Resource]] = field(default_factory=list)
    # True for a principal named by an attachment, membership or key but not defined in the scan
    # (an existing role by name, a data source); its ``resource`` is the first resource naming it
    external: bool = False

    @property
    def label(self) -> str:
        if self.external:
            return f"{self.kind} {self.name} (not defined in the scanned files)"
        return f"{self.kind} {self.address}"

    @property
    def address(self) -> str:
        return self.resource.address

    def own_policies(self) -> list[PolicyNode]:
        return self.inline + self.managed

    def identity_policies(self) -> list[PolicyNode]:
        """Everything that grants this principal permissions: its own and its groups' policies."""
        result = list(self.own_policies())
        for group in self.groups:
            result.extend(group.own_policies())
        return result


@dataclass
class ResourcePolicy:
    node: PolicyNode
    service: str  # s3, kms, sqs, sns, lambda, ecr, secretsmanager, es, glacier, ...
    target: Resource | None  # the protected resource when it is in the same template/module


@dataclass
class Unresolved:
    resource: Resource
    line: int
    message: str
    # the inputs it comes from (values.Origin); None when a part has no known input
    origins: tuple | None = None


# --- resource type tables -------------------------------------------------------------------

# principal resource type -> (kind, name property)
PRINCIPAL_TYPES = {
    "aws_iam_user": ("user", "name"),
    "aws_iam_group": ("group", "name"),
    "aws_iam_role": ("role", "name"),
    "AWS::IAM::User": ("user", "UserName"),
    "AWS::IAM::Group": ("group", "GroupName"),
    "AWS::IAM::Role": ("role", "RoleName"),
}

# inline policy resources: type -> ((principal kind, principal property), ...), policy property, name property
INLINE_POLICY_TYPES = {
    "aws_iam_user_policy": ((("user", "user"),), "policy", "name"),
    "aws_iam_group_policy": ((("group", "group"),), "policy", "name"),
    "aws_iam_role_policy": ((("role", "role"),), "policy", "name"),
    "AWS::IAM::UserPolicy": ((("user", "UserName"),), "PolicyDocument", "PolicyName"),
    "AWS::IAM::GroupPolicy": ((("group", "GroupName"),), "PolicyDocument", "PolicyName"),
    "AWS::IAM::RolePolicy": ((("role", "RoleName"),), "PolicyDocument", "PolicyName"),
    # AWS::IAM::Policy is an inline policy added to each listed principal
    "AWS::IAM::Policy": ((("user", "Users"), ("group", "Groups"), ("role", "Roles")), "PolicyDocument", "PolicyName"),
}

# managed policy resources: type -> (policy property, name property, ((kind, property), ...) attachments)
MANAGED_POLICY_TYPES = {
    "aws_iam_policy": ("policy", "name", ()),
    "AWS::IAM::ManagedPolicy": ("PolicyDocument", "ManagedPolicyName",
                                (("user", "Users"), ("group", "Groups"), ("role", "Roles"))),
}

# attachment resources: type -> (((kind, property), ...), policy-arn property)
ATTACHMENT_TYPES = {
    "aws_iam_user_policy_attachment": ((("user", "user"),), "policy_arn"),
    "aws_iam_group_policy_attachment": ((("group", "group"),), "policy_arn"),
    "aws_iam_role_policy_attachment": ((("role", "role"),), "policy_arn"),
    "aws_iam_policy_attachment": ((("user", "users"), ("group", "groups"), ("role", "roles")), "policy_arn"),
    "aws_iam_role_policy_attachments_exclusive": ((("role", "role_name"),), "policy_arns"),
    "aws_iam_user_policy_attachments_exclusive": ((("user", "user_name"),), "policy_arns"),
    "aws_iam_group_policy_attachments_exclusive": ((("group", "group_name"),), "policy_arns"),
}

# resource policies: type -> (policy property, target property or None for "itself", service)
RESOURCE_POLICY_TYPES = {
    "aws_s3_bucket_policy": ("policy", "bucket", "s3"),
    "aws_s3_bucket": ("policy", None, "s3"),
    "aws_s3_access_point": ("policy", "bucket", "s3"),
    "aws_s3control_access_point_policy": ("policy", "access_point_arn", "s3"),
    "aws_kms_key": ("policy", None, "kms"),
    "aws_kms_key_policy": ("policy", "key_id", "kms"),
    "aws_sqs_queue": ("policy", None, "sqs"),
    "aws_sqs_queue_policy": ("policy", "queue_url", "sqs"),
    "aws_sns_topic": ("policy", None, "sns"),
    "aws_sns_topic_policy": ("policy", "arn", "sns"),
    "aws_ecr_repository_policy": ("policy", "repository", "ecr"),
    "aws_secretsmanager_secret": ("policy", None, "secretsmanager"),
    "aws_secretsmanager_secret_policy": ("policy", "secret_arn", "secretsmanager"),
    "aws_opensearch_domain": ("access_policies", None, "es"),
    "aws_opensearch_domain_policy": ("access_policies", "domain_name", "es"),
    "aws_elasticsearch_domain": ("access_policies", None, "es"),
    "aws_elasticsearch_domain_policy": ("access_policies", "domain_name", "es"),
    "aws_glacier_vault": ("access_policy", None, "glacier"),
    "aws_efs_file_system_policy": ("policy", "file_system_id", "elasticfilesystem"),
    "aws_backup_vault_policy": ("policy", "backup_vault_name", "backup"),
    "aws_cloudwatch_event_bus_policy": ("policy", "event_bus_name", "events"),
    "aws_api_gateway_rest_api": ("policy", None, "execute-api"),
    "aws_api_gateway_rest_api_policy": ("policy", "rest_api_id", "execute-api"),
    "aws_dynamodb_resource_policy": ("policy", "resource_arn", "dynamodb"),
    "aws_kinesis_resource_policy": ("policy", "resource_arn", "kinesis"),
    "aws_glue_resource_policy": ("policy", None, "glue"),
    "aws_cloudwatch_log_resource_policy": ("policy_document", None, "logs"),
    "aws_cloudwatch_log_destination_policy": ("access_policy", "destination_name", "logs"),
    "aws_codeartifact_domain_permissions_policy": ("policy_document", "domain", "codeartifact"),
    "aws_codeartifact_repository_permissions_policy": ("policy_document", "repository", "codeartifact"),
    "aws_ecr_registry_policy": ("policy", None, "ecr"),
    "aws_ecrpublic_repository_policy": ("policy", "repository_name", "ecr-public"),
    "aws_s3control_object_lambda_access_point_policy": ("policy", "name", "s3-object-lambda"),
    "aws_acmpca_policy": ("policy", "resource_arn", "acm-pca"),
    "aws_ses_identity_policy": ("policy", "identity", "ses"),
    "AWS::S3::BucketPolicy": ("PolicyDocument", "Bucket", "s3"),
    "AWS::S3::AccessPoint": ("Policy", "Bucket", "s3"),
    "AWS::KMS::Key": ("KeyPolicy", None, "kms"),
    "AWS::SQS::QueuePolicy": ("PolicyDocument", "Queues", "sqs"),
    "AWS::SNS::TopicPolicy": ("PolicyDocument", "Topics", "sns"),
    "AWS::ECR::Repository": ("RepositoryPolicyText", None, "ecr"),
    "AWS::SecretsManager::ResourcePolicy": ("ResourcePolicy", "SecretId", "secretsmanager"),
    "AWS::OpenSearchService::Domain": ("AccessPolicies", None, "es"),
    "AWS::Elasticsearch::Domain": ("AccessPolicies", None, "es"),
    "AWS::Glacier::Vault": ("AccessPolicy", None, "glacier"),
    "AWS::EFS::FileSystem": ("FileSystemPolicy", None, "elasticfilesystem"),
    "AWS::Backup::BackupVault": ("AccessPolicy", None, "backup"),
    "AWS::Events::EventBus": ("Policy", None, "events"),
    # an OpenAPI body may carry the policy instead (SAM writes Auth.ResourcePolicy there)
    "AWS::ApiGateway::RestApi": ("Policy|Body.x-amazon-apigateway-policy", None, "execute-api"),
    "AWS::DynamoDB::Table": ("ResourcePolicy.PolicyDocument&StreamSpecification.ResourcePolicy.PolicyDocument",
                             None, "dynamodb"),
    "AWS::Kinesis::ResourcePolicy": ("ResourcePolicy", "ResourceArn", "kinesis"),
    "AWS::Kinesis::Stream": ("ResourcePolicy.PolicyDocument", None, "kinesis"),
    "AWS::Logs::ResourcePolicy": ("PolicyDocument", None, "logs"),
    "AWS::Logs::Destination": ("DestinationPolicy", None, "logs"),
    "AWS::CodeArtifact::Domain": ("PermissionsPolicyDocument", None, "codeartifact"),
    "AWS::CodeArtifact::Repository": ("PermissionsPolicyDocument", None, "codeartifact"),
    "AWS::ECR::RegistryPolicy": ("PolicyText", None, "ecr"),
    "AWS::ECR::PublicRepository": ("RepositoryPolicyText", None, "ecr-public"),
    "AWS::S3::MultiRegionAccessPointPolicy": ("Policy", "MrapName", "s3"),
    "AWS::S3ObjectLambda::AccessPointPolicy": ("PolicyDocument", "ObjectLambdaAccessPoint", "s3-object-lambda"),
    "AWS::S3Express::BucketPolicy": ("PolicyDocument", "Bucket", "s3express"),
    "AWS::SSM::ResourcePolicy": ("Policy", "ResourceArn", "ssm"),
    "AWS::SQS::QueueInlinePolicy": ("PolicyDocument", "Queue", "sqs"),
    "AWS::SNS::TopicInlinePolicy": ("PolicyDocument", "TopicArn", "sns"),
    "AWS::KMS::ReplicaKey": ("KeyPolicy", None, "kms"),
    "AWS::Backup::LogicallyAirGappedBackupVault": ("AccessPolicy", None, "backup"),
    "AWS::Lambda::ResourcePolicy": ("PolicyDocument", "ResourceArn", "lambda"),
    "AWS::EventsV2::ResourcePolicy": ("PolicyDocument", "EventBusArn", "events"),
    "AWS::ApiGateway::DomainNameV2": ("Policy", None, "execute-api"),
    "AWS::ECR::RepositoryCreationTemplate": ("RepositoryPolicy", None, "ecr"),
    "AWS::Logs::LogGroup": ("ResourcePolicyDocument", None, "logs"),
    "AWS::Logs::DeliveryDestination": ("DeliveryDestinationPolicy.DeliveryDestinationPolicy", None, "logs"),
    "AWS::CloudTrail::ResourcePolicy": ("ResourcePolicy", "ResourceArn", "cloudtrail"),
    "AWS::APS::ResourcePolicy": ("PolicyDocument", "WorkspaceArn", "aps"),
    "AWS::AIOps::InvestigationGroup": ("InvestigationGroupPolicy", None, "aiops"),
    "AWS::Bedrock::ResourcePolicy": ("PolicyDocument", "ResourceArn", "bedrock"),
    "AWS::Bedrock::KnowledgeBasePolicy": ("PolicyDocument", "KnowledgeBaseId", "bedrock"),
    "AWS::BedrockAgentCore::ResourcePolicy": ("Policy", "ResourceArn", "bedrock-agentcore"),
    "AWS::Comprehend::DocumentClassifier": ("ModelPolicy", None, "comprehend"),
    "AWS::Comprehend::EntityRecognizer": ("ModelPolicy", None, "comprehend"),
    "AWS::DSQL::Cluster": ("PolicyDocument", None, "dsql"),
    "AWS::EventSchemas::RegistryPolicy": ("Policy", "RegistryName", "schemas"),
    "AWS::Lex::ResourcePolicy": ("Policy", "ResourceArn", "lex"),
    "AWS::MSK::ClusterPolicy": ("Policy", "ClusterArn", "kafka"),
    "AWS::MediaPackageV2::ChannelPolicy": ("Policy", "ChannelName", "mediapackagev2"),
    "AWS::MediaPackageV2::OriginEndpointPolicy": ("Policy", "OriginEndpointName", "mediapackagev2"),
    "AWS::MediaTailor::ChannelPolicy": ("Policy", "ChannelName", "mediatailor"),
    "AWS::OSIS::Pipeline": ("ResourcePolicy.Policy", None, "osis"),
    "AWS::Oam::Sink": ("Policy", None, "oam"),
    "AWS::PaymentCryptography::Key": ("Policy", None, "payment-cryptography"),
    "AWS::RUM::AppMonitor": ("ResourcePolicy.PolicyDocument", None, "rum"),
    "AWS::Redshift::Cluster": ("NamespaceResourcePolicy", None, "redshift"),
    "AWS::RedshiftServerless::Namespace": ("NamespaceResourcePolicy", None, "redshift-serverless"),
    "AWS::S3Express::AccessPoint": ("Policy", "Bucket", "s3express"),
    "AWS::S3Files::FileSystemPolicy": ("Policy", "FileSystemId", "s3files"),
    "AWS::S3Outposts::AccessPoint": ("Policy", "Bucket", "s3-outposts"),
    "AWS::S3Outposts::BucketPolicy": ("PolicyDocument", "Bucket", "s3-outposts"),
    "AWS::S3Tables::TableBucketPolicy": ("ResourcePolicy", "TableBucketARN", "s3tables"),
    "AWS::S3Tables::TablePolicy": ("ResourcePolicy", "TableARN", "s3tables"),
    "AWS::S3Vectors::VectorBucketPolicy": ("Policy", "VectorBucketArn|VectorBucketName", "s3vectors"),
    "AWS::SMSVOICE::ResourcePolicy": ("PolicyDocument", "ResourceArn", "sms-voice"),
    "AWS::SageMaker::ModelPackageGroup": ("ModelPackageGroupPolicy", None, "sagemaker"),
    "AWS::VpcLattice::AuthPolicy": ("Policy", "ResourceIdentifier", "vpc-lattice-svcs"),
    "AWS::VpcLattice::ResourcePolicy": ("Policy", "ResourceArn", "vpc-lattice"),
    "AWS::XRay::ResourcePolicy": ("PolicyDocument", None, "xray"),
    "AWS::Organizations::ResourcePolicy": ("Content", None, "organizations"),
    "AWS::FSx::S3AccessPointAttachment": ("S3AccessPoint.Policy", None, "s3"),
    "AWS::Omics::SequenceStore": ("S3AccessPolicy", None, "s3"),
    # several documents on one resource ("&"), one per list item ("[]")
    "AWS::DynamoDB::GlobalTable": ("Replicas[].ResourcePolicy.PolicyDocument"
                                   "&Replicas[].ReplicaStreamSpecification.ResourcePolicy.PolicyDocument",
                                   None, "dynamodb"),
}

# CloudFormation properties that hold a policy-like document but are not modelled, and why.
# tests/test_resource_policy_coverage.py walks cfn-lint's resource schemas and fails when a
# type has such a property that is neither modelled nor listed here.
NOT_MODELLED_POLICY_PROPERTIES = {
    ("AWS::EC2::VPCEndpoint", "PolicyDocument"):
        "an endpoint policy only narrows what callers already inside the VPC reach; it grants nothing "
        "by itself and Principal '*' is its normal form",
    ("AWS::ODB::OdbNetwork", "KmsPolicyDocument"): "an endpoint policy of the network's path to KMS",
    ("AWS::ODB::OdbNetwork", "StsPolicyDocument"): "an endpoint policy of the network's path to STS",
    ("AWS::EC2::VerifiedAccessEndpoint", "PolicyDocument"): "a Cedar policy over the user's claims, not IAM",
    ("AWS::EC2::VerifiedAccessGroup", "PolicyDocument"): "a Cedar policy over the user's claims, not IAM",
    ("AWS::IoT::Policy", "PolicyDocument"):
        "an IoT Core policy for device certificates and identities, not AWS account principals",
    ("AWS::OpenSearchServerless::AccessPolicy", "Policy"):
        "OpenSearch Serverless data access rules in their own format, not IAM grammar (not analysed)",
    ("AWS::OpenSearchServerless::LifecyclePolicy", "Policy"): "index retention rules, not access",
    ("AWS::OpenSearchServerless::SecurityPolicy", "Policy"): "encryption and network rules, not IAM",
    ("AWS::NetworkManager::CoreNetwork", "PolicyDocument"): "a network routing policy, not access",
    ("AWS::Logs::AccountPolicy", "PolicyDocument"): "data protection or subscription settings, not access",
    ("AWS::Logs::LogGroup", "DataProtectionPolicy"): "masking of sensitive data, not access",
    ("AWS::ECR::Repository", "LifecyclePolicy.LifecyclePolicyText"): "image expiry rules, not access",
    ("AWS::SNS::Topic", "ArchivePolicy"): "message retention, not access",
    ("AWS::SNS::Topic", "DataProtectionPolicy"): "masking of sensitive data, not access",
    ("AWS::SNS::Subscription", "DeliveryPolicy"): "delivery retries, not access",
    ("AWS::SNS::Subscription", "FilterPolicy"): "message filtering, not access",
    ("AWS::SNS::Subscription", "RedrivePolicy"): "dead-letter queue settings, not access",
    ("AWS::SNS::Subscription", "ReplayPolicy"): "message replay settings, not access",
    ("AWS::SQS::Queue", "RedriveAllowPolicy"): "which source queues may use it as a dead-letter queue",
    ("AWS::SQS::Queue", "RedrivePolicy"): "dead-letter queue settings, not access",
    ("AWS::StorageGateway::NFSFileShare", "NotificationPolicy"): "upload notifications, not access",
    ("AWS::StorageGateway::SMBFileShare", "NotificationPolicy"): "upload notifications, not access",
    ("AWS::Events::ApiDestination", "ArnForPolicy"): "an ARN to write in other policies, not a document",
    ("AWS::Events::Connection", "ArnForPolicy"): "an ARN to write in other policies, not a document",
}

# Lambda permissions are not documents; they are turned into one-statement resource policies.
LAMBDA_PERMISSION_TYPES = {
    # columns: (principal, action, function, source_arn, source_account, org_id, url_auth_type)
    "aws_lambda_permission": ("principal", "action", "function_name", "source_arn", "source_account",
                              "principal_org_id", "function_url_auth_type", "lambda"),
    "AWS::Lambda::Permission": ("Principal", "Action", "FunctionName", "SourceArn", "SourceAccount",
                                "PrincipalOrgID", "FunctionUrlAuthType", "lambda"),
    "aws_lambda_layer_version_permission": ("principal", "action", "layer_name", None, None,
                                            "organization_id", None, "lambda-layer"),
    "AWS::Lambda::LayerVersionPermission": ("Principal", "Action", "LayerVersionArn", None, None,
                                            "OrganizationId", None, "lambda-layer"),
}

# EventBridge bus permissions: one statement each (the legacy Principal/Action/Condition form, or
# a whole Statement object in CloudFormation)
EVENT_BUS_PERMISSION_TYPES = {"AWS::Events::EventBusPolicy", "aws_cloudwatch_event_permission"}

MEMBERSHIP_TYPES = {
    # columns: (user property(s), group property(s), users-is-list, groups-is-list)
    "aws_iam_user_group_membership": ("user", "groups"),
    "aws_iam_group_membership": ("users", "group"),
    "AWS::IAM::UserToGroupAddition": ("Users", "GroupName"),
}

ACCESS_KEY_TYPES = {"aws_iam_access_key": "user", "AWS::IAM::AccessKey": "UserName"}
LOGIN_PROFILE_TYPES = {"aws_iam_user_login_profile": "user"}
INSTANCE_PROFILE_TYPES = {"aws_iam_instance_profile": "role", "AWS::IAM::InstanceProfile": "Roles"}
SCP_TYPES = {"aws_organizations_policy": ("content", "type"), "AWS::Organizations::Policy": ("Content", "Type")}
PERMISSION_SET_TYPES = {
    "aws_ssoadmin_permission_set_inline_policy": ("inline_policy", None),
    "AWS::SSO::PermissionSet": ("InlinePolicy", "ManagedPolicies"),
}
SSO_MANAGED_ATTACHMENT_TYPES = {"aws_ssoadmin_managed_policy_attachment": "managed_policy_arn"}


def _dig(properties: Any, path: str) -> Any:
    """A property, or a nested one (``ResourcePolicy.PolicyDocument``); ``a|b``: the first of
    several places that is set."""
    if "|" in path:
        for alternative in path.split("|"):
            found = _dig(properties, alternative)
            if found is not None:
                return found
        return None
    value = properties
    for step in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def _documents(properties: Any, spec: str) -> list:
    """Every document a policy spec designates: ``a&b`` several independent places, a step
    ``name[]`` each item of a list (one policy per DynamoDB global table replica)."""
    found: list = []
    for part in spec.split("&"):
        if "[]" not in part:
            found.extend(v for v in [_dig(properties, part)] if v is not None)
            continue
        values = [properties]
        for step in part.split("."):
            many = step.endswith("[]")
            name = step[:-2] if many else step
            nxt: list = []
            for value in values:
                if not isinstance(value, dict):
                    continue
                picked = value.get(name)
                if many:
                    nxt.extend(item for item in _as_list(picked))
                elif picked is not None:
                    nxt.append(picked)
            values = nxt
        found.extend(values)
    return found


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, Choice):
        out: list = []
        for option in value.options:
            out.extend(_as_list(option))
        return out
    if isinstance(value, list):
        out = []
        for item in value:
            out.extend(_as_list(item) if isinstance(item, (list, Choice)) else [item])
        return out
    return [value]


def _module_path(resource: Resource) -> str:
    """``module.a["x"].module.b[0].`` for a resource of a called Terraform module instance,
    ``""`` otherwise: the scope in which a variable or local in a name template means the same
    value (each instance of a module called with count/for_each has its own variables)."""
    parts = resource.base_address.split(".")
    depth = 0
    while 2 * depth + 2 < len(parts) and parts[2 * depth] == "module":
        depth += 1
    if not depth:
        return ""
    address, position = resource.address, 0
    decoder = json.JSONDecoder()
    for _ in range(depth):  # module.NAME, then [0] or ["key"] (JSON, so a key may hold "." or "]")
        position += len("module.")
        while position < len(address) and address[position] not in ".[":
            position += 1
        if address.startswith("[", position):
            try:
                _, position = decoder.raw_decode(address, position + 1)
            except ValueError:  # not an address the Terraform loader writes
                return ".".join(parts[:2 * depth]) + "."
            position += 1  # the closing "]"
        position += 1  # the "." after the module segment
    return address[:position]


def _template_text(value: Any) -> str | None:
    """The expression text of a name not known before deploy (``mgmt_${var.id}``,
    ``random_pet.p.id``); None for anything else or for a Choice, whose text names no value."""
    if isinstance(value, Unknown) and not isinstance(value, Choice) and value.text.strip():
        return value.text.strip()
    return None


def _name_from_arn(text: str, kind: str) -> str | None:
    """'arn:aws:iam::1:role/path/app' -> 'app' for kind role."""
    marker = f":{kind}/"
    if ":iam::" in text and marker in text:
        return text.split(marker, 1)[1].rsplit("/", 1)[-1]
    return None


DATA_SOURCES_MODELLED = frozenset({"aws_iam_policy"})


class IamModel:
    """The principals, policies and resource policies of one scan."""

    def __init__(self, resources: Iterable[Resource]):
        self.all_resources: list[Resource] = list(resources)
        # A data source only looks something up: it creates nothing and shares nothing, so it is
        # never a principal, bucket or resource policy of the scanned code. It stays addressable
        # (a reference to data.aws_iam_role.x.arn names that role); of lookups, only a policy's
        # (data "aws_iam_policy") feeds the model: attachments name it.
        addressable = [r for r in self.all_resources if r.mode in ("managed", "data")]
        self.resources: list[Resource] = [r for r in addressable
                                          if r.mode == "managed" or r.type in DATA_SOURCES_MODELLED]
        self.principals: dict[str, Principal] = {}  # defined in the scanned files
        self.external_principals: dict[str, Principal] = {}  # only named by them
        self.policies: dict[str, PolicyNode] = {}
        self.resource_policies: list[ResourcePolicy] = []
        self.scps: list[PolicyNode] = []
        self.permission_sets: list[PolicyNode] = []
        # (managed policy, the resource that attaches it to a permission set)
        self.permission_set_attachments: list[tuple[PolicyNode, Resource]] = []
        self.access_keys: list[Resource] = []
        self.login_profiles: list[Resource] = []
        self.unresolved: list[Unresolved] = []
        # (resource, exception): a bug of ours while modelling that resource (see _guarded)
        self.internal_errors: list[tuple[Resource, Exception]] = []
        self._by_address: dict[tuple[str, str], list[Resource]] = {}
        self._principal_by_name: dict[tuple[str, str, str], Principal] = {}
        # the same by module instance: instances of one module may give their roles one name
        self._principal_by_instance_name: dict[tuple[str, str, str, str], Principal] = {}
        # principals whose name is a template not known before deploy, by (group, module path,
        # kind, expression text): AWS binds inline policies, attachments and memberships by name,
        # so a reference written as the same unresolved text in the same module names the same one
        self._principal_by_template: dict[tuple[str, str, str, str], Principal] = {}
        self._principal_by_resource: dict[int, Principal] = {}
        self._managed_by_resource: dict[int, PolicyNode] = {}
        self._managed_by_name: dict[tuple[str, str], PolicyNode] = {}
        self._managed_by_template: dict[tuple[str, str, str], PolicyNode] = {}
        self._graph = None
        # managed-policy ARNs and boundaries named on principals are linked once every policy is known
        self._pending_managed: list[tuple[Principal, Resource, Any]] = []
        self._pending_boundaries: list[tuple[Principal, Resource, Any]] = []
        for resource in addressable:
            self._by_address.setdefault((resource.group, resource.base_address), []).append(resource)
        self._build()

    # --- lookup helpers ----------------------------------------------------------------------

    @staticmethod
    def node_id(resource: Resource) -> str:
        return f"{resource.group}::{resource.address}"

    def resources_of(self, *types: str) -> Iterator[Resource]:
        # Indexed by type (in scan order): checks call this per resource, and a scan of every
        # resource each time grew with the square of the corpus.
        index = self.__dict__.get("_resources_by_type")
        if index is None or index[0] != len(self.resources):
            by_type: dict[str, list[tuple[int, Resource]]] = {}
            for position, resource in enumerate(self.resources):
                by_type.setdefault(resource.type, []).append((position, resource))
            index = self._resources_by_type = (len(self.resources), by_type)
        found = [entry for t in set(types) for entry in index[1].get(t, ())]
        if len(set(types)) > 1:
            found.sort(key=lambda entry: entry[0])  # scan order across the types
        return (resource for _, resource in found)

    def referenced(self, resource: Resource, value: Any) -> list[Resource]:
        """The template resources a value refers to (through Ref/Unknown refs)."""
        found: list[Resource] = []
        for item in _as_list(value):
            if isinstance(item, Unknown):
                for ref in item.refs:
                    candidates = self._by_address.get((resource.group, ref.target), [])
                    if ref.scope and len(candidates) > 1:
                        # written in one instance of a module called with count/for_each:
                        # that instance's resource, never its namesakes in the other instances
                        candidates = [r for r in candidates if r.address.startswith(ref.scope)]
                    instance = ref.instance_address
                    if instance is not None:  # one instance of a count/for_each resource
                        exact = [r for r in candidates if r.address == instance]
                        candidates = exact or candidates
                    found.extend(candidates)
        return found

    def _principals_for(self, resource: Resource, kind: str, value: Any) -> list[Principal]:
        """The principals a value names; one not defined in the scan becomes an external
        placeholder, so that what is attached to it is still analysed."""
        result: list[Principal] = []
        for item in _as_list(value):
            if isinstance(item, Unknown):
                found = False
                for target in self.referenced(resource, item):
                    principal = self._principal_by_resource.get(id(target))
                    if principal and principal.kind == kind:
                        result.append(principal)
                        found = True
                if not found:
                    named = self._principal_named_by_template(resource, kind, item)
                    result.append(named or self._external(resource, kind, item.text))
                continue
            if not isinstance(item, str):
                continue
            name = _name_from_arn(item, kind) if item.startswith("arn:") else item
            principal = self._principal_by_instance_name.get(
                (resource.group, _module_path(resource), kind, name or "")) \
                or self._principal_by_name.get((resource.group, kind, name or ""))
            result.append(principal or self._external(resource, kind, name or item))
        return result

    def _principal_named_by_template(self, resource: Resource, kind: str, value: Unknown) -> Principal | None:
        """The principal of this kind whose unresolved name (or the name part of an unresolved
        ARN) is written exactly as ``value`` in the same module of the same group."""
        text = _template_text(value)
        if text is None:
            return None
        if text.startswith("arn:"):
            text = _name_from_arn(text, kind) or ""
        return self._principal_by_template.get((resource.group, _module_path(resource), kind, text))

    def _external(self, resource: Resource, kind: str, name: str) -> Principal:
        key = f"{resource.group}::external-{kind}:{name}"
        principal = self.external_principals.get(key)
        if principal is None:
            principal = Principal(key, kind, name, resource, external=True)
            self.external_principals[key] = principal
        return principal

    def all_principals(self) -> list[Principal]:
        return list(self.principals.values()) + list(self.external_principals.values())

    def _document(self, resource: Resource, raw: Any) -> PolicyDocument:
        doc = parse_policy(raw, line=line_of(raw, resource.line) or resource.line)
        if isinstance(raw, str) and not isinstance(raw, (PStr, Encoded)):
            # JSON text whose position in the file is not known (file(), a YAML string):
            # its own line numbers would point at unrelated lines, so use the resource's
            for statement in doc.statements:
                statement.line = resource.line
        if doc.unresolved:
            self.unresolved.append(Unresolved(resource, doc.line or resource.line,
                                              f"policy of {resource.address} could not be resolved: {doc.unresolved}",
                                              doc.unresolved_origins))
        return doc

    def _add_policy(self, node: PolicyNode) -> PolicyNode:
        self.policies[node.id] = node
        return node

    # --- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        for resource in self.resources:
            spec = PRINCIPAL_TYPES.get(resource.type)
            if spec:
                self._guarded(resource, self._add_principal, resource, *spec)
        for resource in self.resources:
            managed = MANAGED_POLICY_TYPES.get(resource.type)
            if managed:
                self._guarded(resource, self._add_managed_policy, resource, *managed)
            elif resource.type == MODULE_ARGUMENT_POLICY and resource.get("policy_kind") == "identity":
                # a module not on disk will apply it to something: judged as a policy of its own
                self._guarded(resource, self._add_managed_policy, resource, "policy", "name", ())
        for resource in self.resources:
            self._guarded(resource, self._link, resource)
        self._finish_pending()

    def _guarded(self, resource: Resource, step: Any, *args: Any) -> None:
        """One resource's step of the model; a bug of ours in it is recorded against that
        resource (``internal_errors``) and every other resource is still modelled."""
        try:
            step(*args)
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported by the engine with the resource's file and line
            if os.environ.get("IACGUARD_DEBUG"):
                raise
            self.internal_errors.append((resource, exc))

    def _add_principal(self, resource: Resource, kind: str, name_prop: str) -> None:
        name = resource.get(name_prop)
        if name is None:
            name = Unknown(f"{resource.address}.name", reason="name generated at deploy time")
        principal = Principal(self.node_id(resource), kind, name, resource)
        self.principals[principal.id] = principal
        self._principal_by_resource[id(resource)] = principal
        if isinstance(name, str):
            self._principal_by_name[(resource.group, kind, name)] = principal
            self._principal_by_instance_name[(resource.group, _module_path(resource), kind, name)] = principal
        elif (template := _template_text(resource.get(name_prop))) is not None:
            self._principal_by_template.setdefault((resource.group, _module_path(resource), kind, template),
                                                   principal)
        # inline policies written in the principal itself
        props = resource.properties
        if resource.source == CLOUDFORMATION:
            inline = [(p.get("PolicyName"), p.get("PolicyDocument"), p) for p in _as_list(props.get("Policies"))
                      if isinstance(p, dict)]
            managed_arns = props.get("ManagedPolicyArns")
            trust_raw = props.get("AssumeRolePolicyDocument")
        else:
            inline = [(p.get("name"), p.get("policy"), p) for p in _as_list(props.get("inline_policy"))
                      if isinstance(p, dict) and p.get("policy") is not None]
            managed_arns = props.get("managed_policy_arns")
            trust_raw = props.get("assume_role_policy")
        for index, (policy_name, raw, holder) in enumerate(inline):
            doc = self._document(resource, raw if raw is not None else Unknown("missing PolicyDocument"))
            node = self._add_policy(PolicyNode(f"{principal.id}#inline/{policy_name or index}",
                                               str(policy_name or f"inline-{index}"), "inline", resource, doc,
                                               attached_to=[principal.id]))
            principal.inline.append(node)
        if kind == "role" and trust_raw is not None:
            doc = self._document(resource, trust_raw)
            principal.trust = self._add_policy(PolicyNode(f"{principal.id}#trust", "trust policy", "trust",
                                                          resource, doc, attached_to=[principal.id]))
        self._pending_managed.append((principal, resource, managed_arns))
        boundary = props.get("PermissionsBoundary" if resource.source == CLOUDFORMATION else "permissions_boundary")
        if boundary is not None:
            self._pending_boundaries.append((principal, resource, boundary))

    def _add_managed_policy(self, resource: Resource, policy_prop: str, name_prop: str,
                            attachments: tuple) -> None:
        raw = resource.get(policy_prop)
        name = resource.get(name_prop)
        if resource.mode == "data":
            # a lookup of a policy that already exists (data "aws_iam_policy"): the loader gives
            # the ARN (and an AWS managed policy's document); its content is not part of this
            # change, so an unknown one is not an unresolved policy of the scanned code
            doc = None if raw is None or isinstance(raw, Unknown) else self._document(resource, raw)
            arn = resource.get("arn")
            node = self._add_policy(PolicyNode(self.node_id(resource), name if isinstance(name, str) else resource.address,
                                               "managed", resource, doc,
                                               arn=arn if isinstance(arn, str) and not isinstance(arn, Unknown) else None))
        else:
            doc = self._document(resource, raw if raw is not None else Unknown("missing policy document"))
            node = self._add_policy(PolicyNode(self.node_id(resource), name if isinstance(name, str) else resource.address,
                                               "managed", resource, doc))
        self._managed_by_resource[id(resource)] = node
        if isinstance(name, str):
            self._managed_by_name[(resource.group, name)] = node
        elif (template := _template_text(name)) is not None:
            self._managed_by_template.setdefault((resource.group, _module_path(resource), template), node)
        for kind, prop in attachments:
            for principal in self._principals_for(resource, kind, resource.get(prop)):
                self._attach(principal, node, None)

    def _attach(self, principal: Principal, node: PolicyNode, via: Resource | None) -> None:
        if node not in principal.managed:
            principal.managed.append(node)
            principal.attachments.append((node, via or principal.resource))
        if principal.id not in node.attached_to:
            node.attached_to.append(principal.id)
        if via is not None and node.via is None:
            node.via = via

    def managed_policy_for(self, resource: Resource, value: Any) -> list[PolicyNode]:
        """The policy nodes a policy ARN value designates (customer managed or AWS managed)."""
        nodes: list[PolicyNode] = []
        for item in _as_list(value):
            targets = self.referenced(resource, item) if isinstance(item, Unknown) else []
            matched = False
            for target in targets:
                node = self._managed_by_resource.get(id(target))
                if node:
                    nodes.append(node)
                    matched = True
            if matched:
                continue
            text = item.text if isinstance(item, Unknown) else item
            if not isinstance(text, str):
                continue
            aws_name = managed_policies.managed_policy_name(text)
            if aws_name:
                nodes.append(self._aws_managed(resource, aws_name, text))
                continue
            if ":policy/" in text:
                policy_name = text.rsplit("/", 1)[-1]
                customer = self._managed_by_name.get((resource.group, policy_name))
                if customer is None and isinstance(item, Unknown):
                    # the same unresolved name template as a policy of this module
                    customer = self._managed_by_template.get((resource.group, _module_path(resource), policy_name))
                if customer:
                    nodes.append(customer)
                    continue
            if isinstance(item, Unknown):
                self.unresolved.append(Unresolved(resource, resource.line,
                                                  f"{resource.address} attaches a policy that could not be resolved: "
                                                  f"{describe_unknown_value(item)}", item.origins or None))
            else:
                nodes.append(self._add_policy(PolicyNode(f"external-policy:{text}", text, "managed", resource, None,
                                                         arn=text)))
        return nodes

    def _aws_managed(self, resource: Resource, name: str, arn: str) -> PolicyNode:
        node_id = f"{resource.group}::aws-managed:{name}"
        existing = self.policies.get(node_id)
        if existing:
            return existing
        known = managed_policies.KNOWN.get(name)
        doc = parse_policy(known[0]) if known else None
        return self._add_policy(PolicyNode(node_id, name, "aws-managed", resource, doc, arn=arn))

    def _link(self, resource: Resource) -> None:
        rtype = resource.type
        if rtype in INLINE_POLICY_TYPES:
            targets, policy_prop, name_prop = INLINE_POLICY_TYPES[rtype]
            raw = resource.get(policy_prop)
            doc = self._document(resource, raw if raw is not None else Unknown("missing policy document"))
            name = resource.get(name_prop)
            node = self._add_policy(PolicyNode(self.node_id(resource), name if isinstance(name, str) else resource.address,
                                               "inline", resource, doc))
            for kind, prop in targets:
                for principal in self._principals_for(resource, kind, resource.get(prop)):
                    principal.inline.append(node)
                    node.attached_to.append(principal.id)
        elif rtype in ATTACHMENT_TYPES:
            targets, arn_prop = ATTACHMENT_TYPES[rtype]
            for node in self.managed_policy_for(resource, resource.get(arn_prop)):
                for kind, prop in targets:
                    for principal in self._principals_for(resource, kind, resource.get(prop)):
                        self._attach(principal, node, resource)
        elif rtype in MEMBERSHIP_TYPES:
            users_prop, groups_prop = MEMBERSHIP_TYPES[rtype]
            users = self._principals_for(resource, "user", resource.get(users_prop))
            groups = self._principals_for(resource, "group", resource.get(groups_prop))
            for user in users:
                for group in groups:
                    self._add_membership(user, group)
        elif rtype in RESOURCE_POLICY_TYPES:
            policy_prop, target_prop, service = RESOURCE_POLICY_TYPES[rtype]
            for index, raw in enumerate(_documents(resource.properties, policy_prop)):
                doc = self._document(resource, raw)
                suffix = "#policy" if index == 0 else f"#policy{index + 1}"
                node = self._add_policy(PolicyNode(self.node_id(resource) + suffix, f"{resource.address} policy",
                                                   "resource", resource, doc))
                target = resource if target_prop is None else \
                    next(iter(self.referenced(resource, _dig(resource.properties, target_prop))), None)
                self.resource_policies.append(ResourcePolicy(node, service, target))
        elif rtype == MODULE_ARGUMENT_POLICY and resource.get("policy_kind") == "resource":
            node = self._add_policy(PolicyNode(self.node_id(resource) + "#policy", f"{resource.address} policy",
                                               "resource", resource, self._document(resource, resource.get("policy"))))
            self.resource_policies.append(ResourcePolicy(node, str(resource.get("service")), None))
        elif rtype in LAMBDA_PERMISSION_TYPES:
            self._add_lambda_permission(resource, *LAMBDA_PERMISSION_TYPES[rtype])
        elif rtype in EVENT_BUS_PERMISSION_TYPES:
            self._add_event_bus_permission(resource)
        elif rtype in ACCESS_KEY_TYPES:
            self.access_keys.append(resource)
            for user in self._principals_for(resource, "user", resource.get(ACCESS_KEY_TYPES[rtype])):
                user.access_keys.append(resource)
        elif rtype in LOGIN_PROFILE_TYPES:
            self.login_profiles.append(resource)
            for user in self._principals_for(resource, "user", resource.get(LOGIN_PROFILE_TYPES[rtype])):
                user.login_profiles.append(resource)
        elif rtype in INSTANCE_PROFILE_TYPES:
            for role in self._principals_for(resource, "role", resource.get(INSTANCE_PROFILE_TYPES[rtype])):
                role.instance_profiles.append(resource)
        elif rtype in SCP_TYPES:
            content_prop, type_prop = SCP_TYPES[rtype]
            ptype = resource.get(type_prop, "SERVICE_CONTROL_POLICY")
            if ptype == "SERVICE_CONTROL_POLICY" and resource.get(content_prop) is not None:
                doc = self._document(resource, resource.get(content_prop))
                self.scps.append(self._add_policy(PolicyNode(self.node_id(resource), resource.address, "scp", resource, doc)))
        elif rtype in PERMISSION_SET_TYPES:
            inline_prop, managed_prop = PERMISSION_SET_TYPES[rtype]
            if resource.get(inline_prop) is not None:
                doc = self._document(resource, resource.get(inline_prop))
                self.permission_sets.append(self._add_policy(
                    PolicyNode(self.node_id(resource) + "#inline", resource.address, "permission-set", resource, doc)))
            if managed_prop:
                for node in self.managed_policy_for(resource, resource.get(managed_prop)):
                    self.permission_sets.append(node)
                    self.permission_set_attachments.append((node, resource))
        elif rtype in SSO_MANAGED_ATTACHMENT_TYPES:
            for node in self.managed_policy_for(resource, resource.get(SSO_MANAGED_ATTACHMENT_TYPES[rtype])):
                self.permission_sets.append(node)
                self.permission_set_attachments.append((node, resource))
        if rtype in ("AWS::IAM::User",):
            for group in self._principals_for(resource, "group", resource.get("Groups")):
                self._add_membership(self._principal_by_resource[id(resource)], group)
            if isinstance(resource.get("LoginProfile"), dict):
                self._principal_by_resource[id(resource)].login_profiles.append(resource)
                self.login_profiles.append(resource)

    def _finish_pending(self) -> None:
        for principal, resource, arns in self._pending_managed:
            self._guarded(resource, self._attach_managed, principal, resource, arns)
        for principal, resource, boundary in self._pending_boundaries:
            self._guarded(resource, self._set_boundary, principal, resource, boundary)

    def _attach_managed(self, principal: Principal, resource: Resource, arns: Any) -> None:
        for node in self.managed_policy_for(resource, arns):
            self._attach(principal, node, None)

    def _set_boundary(self, principal: Principal, resource: Resource, boundary: Any) -> None:
        nodes = self.managed_policy_for(resource, boundary)
        if nodes:
            principal.boundary = nodes[0]

    def _add_membership(self, user: Principal, group: Principal) -> None:
        if group not in user.groups:
            user.groups.append(group)
        if user not in group.members:
            group.members.append(user)

    def _add_event_bus_permission(self, resource: Resource) -> None:
        bus_prop = "EventBusName" if resource.source == CLOUDFORMATION else "event_bus_name"
        statement = resource.get("Statement") if resource.source == CLOUDFORMATION else None
        if not isinstance(statement, dict):
            principal = resource.get("Principal", resource.get("principal"))
            statement = PDict({"Effect": "Allow",
                               "Action": resource.get("Action", resource.get("action", "events:PutEvents")),
                               "Resource": "*"}, line=resource.line)
            if isinstance(principal, str) and principal != "*":
                statement["Principal"] = {"AWS": principal}
            else:
                statement["Principal"] = principal if principal is not None else Unknown("missing principal")
            condition = resource.get("Condition", resource.get("condition"))
            if isinstance(condition, list):  # Terraform: a block list
                condition = condition[0] if condition else None
            if isinstance(condition, dict):
                key = condition.get("Key", condition.get("key"))
                operator = condition.get("Type", condition.get("type"))
                value = condition.get("Value", condition.get("value"))
                if isinstance(key, str) and isinstance(operator, str):
                    statement["Condition"] = {operator: {key: value}}
        raw = PDict({"Version": "2012-10-17", "Statement": PList([statement], line=resource.line)},
                    line=resource.line)
        doc = self._document(resource, raw)
        node = self._add_policy(PolicyNode(self.node_id(resource) + "#policy", f"{resource.address} permission",
                                           "resource", resource, doc))
        target = next(iter(self.referenced(resource, resource.get(bus_prop))), None)
        self.resource_policies.append(ResourcePolicy(node, "events", target))

    def _add_lambda_permission(self, resource: Resource, principal_prop: str, action_prop: str, function_prop: str,
                               source_arn_prop: str | None, source_account_prop: str | None, org_prop: str | None,
                               url_auth_prop: str | None, service: str) -> None:
        principal = resource.get(principal_prop)
        statement: dict = {"Effect": "Allow", "Action": resource.get(action_prop, "lambda:InvokeFunction"),
                           "Resource": resource.get(function_prop, "*")}
        if isinstance(principal, str) and principal != "*":
            if principal.endswith(".amazonaws.com") or principal.endswith(".amazonaws.com.cn"):
                statement["Principal"] = {"Service": principal}
            else:
                statement["Principal"] = {"AWS": principal}
        else:
            statement["Principal"] = principal if principal is not None else Unknown("missing principal")
        conditions: dict = {}
        for prop, operator, key in ((source_arn_prop, "ArnLike", "AWS:SourceArn"),
                                    (source_account_prop, "StringEquals", "AWS:SourceAccount"),
                                    (org_prop, "StringEquals", "aws:PrincipalOrgID")):
            value = resource.get(prop) if prop else None
            if value is not None:
                conditions.setdefault(operator, {})[key] = value
        if url_auth_prop and resource.get(url_auth_prop) is not None:
            conditions.setdefault("StringEquals", {})["lambda:FunctionUrlAuthType"] = resource.get(url_auth_prop)
        if conditions:
            statement["Condition"] = conditions
        raw = PDict({"Version": "2012-10-17", "Statement": PList([PDict(statement, line=resource.line)],
                                                                 line=resource.line)}, line=resource.line)
        doc = self._document(resource, raw)
        node = self._add_policy(PolicyNode(self.node_id(resource) + "#policy", f"{resource.address} permission",
                                           "resource", resource, doc))
        target = next(iter(self.referenced(resource, resource.get(function_prop))), None)
        self.resource_policies.append(ResourcePolicy(node, service, target))

    # --- queries ------------------------------------------------------------------------------

    def identity_policies(self) -> list[PolicyNode]:
        """Every identity policy document of the scan: inline, customer managed, AWS managed that
        something attaches, and SSO permission-set policies."""
        return [n for n in self.policies.values() if n.kind in ("inline", "managed", "aws-managed", "permission-set")]

    @property
    def graph(self):
        if self._graph is None:
            from ..graph import build_graph  # networkx is imported only when a graph is needed

            self._graph = build_graph(self)
        return self._graph
