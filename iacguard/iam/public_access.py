"""S3 public access blocks and ACLs, and Lambda function URLs, read from loaded resources.

These are not policy documents, so the IAM model's tables do not cover them; this module maps
each format's resource types onto the same shapes (tables below; adding a type is a row):

* ``BucketExposure``: a bucket, its effective public access block (the bucket's own block --
  inline in CloudFormation, ``aws_s3_bucket_public_access_block`` in Terraform -- combined
  with an account-level ``aws_s3_account_public_access_block`` of the same deployment) and its
  ACLs (canned ``AccessControl``/``acl``, and grants to the AllUsers / AuthenticatedUsers
  groups, written on the bucket or in ``aws_s3_bucket_acl``);
* access points with their own block (AWS turns every flag on when none is given);
* function URLs with their auth type.

A flag is True, False, or an Unknown (decided at deploy time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import catalogue
from ..resource import Resource
from ..values import Choice, Unknown

if TYPE_CHECKING:
    from .model import IamModel

__all__ = ["FLAGS", "BlockConfig", "BucketExposure", "AccessPointBlock", "FunctionUrl", "bucket_exposures",
           "access_point_blocks", "function_urls", "PUBLIC_CANNED_ACLS", "PUBLIC_GROUPS", "bucket_for"]

FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
_TF_FLAGS = {"BlockPublicAcls": "block_public_acls", "IgnorePublicAcls": "ignore_public_acls",
             "BlockPublicPolicy": "block_public_policy", "RestrictPublicBuckets": "restrict_public_buckets"}

# bucket type -> (name property, inline block property or None, canned ACL property, grant property)
# (the tables below are views of iacguard/catalogue.py)
BUCKET_TYPES = {t: (p.name, p.block, p.acl, p.grant) for t, p in catalogue.spellings(catalogue.Bucket).items()}
# separate bucket-level block resources: type -> bucket property
BLOCK_TYPES = {t: p.bucket for t, p in catalogue.spellings(catalogue.PublicAccessBlock).items()}
ACCOUNT_BLOCK_TYPES = catalogue.types_holding(catalogue.AccountPublicAccessBlock)
# separate ACL resources: type -> (bucket property, canned ACL property, access-control-policy property)
ACL_TYPES = {t: (p.bucket, p.acl, p.access_control_policy) for t, p in catalogue.spellings(catalogue.BucketAcl).items()}
# access points: type -> (block property, bucket property)
ACCESS_POINT_TYPES = {t: (p.block, p.bucket) for t, p in catalogue.spellings(catalogue.AccessPoint).items()}
# function URLs: type -> (auth type property, function property)
FUNCTION_URL_TYPES = {t: (p.auth_type, p.function) for t, p in catalogue.spellings(catalogue.FunctionUrl).items()}

# canned ACLs that grant to everyone / every AWS account (CloudFormation and S3 API spellings)
PUBLIC_CANNED_ACLS = {
    "publicread": "anyone may read", "public-read": "anyone may read",
    "publicreadwrite": "anyone may read and write", "public-read-write": "anyone may read and write",
    "authenticatedread": "every AWS account may read", "authenticated-read": "every AWS account may read",
}
PUBLIC_GROUPS = {"http://acs.amazonaws.com/groups/global/AllUsers": "anyone",
                 "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "every AWS account"}


def _first_block(value: Any) -> Any:
    """HCL and plan JSON give a nested block as a one-element list."""
    if isinstance(value, list):
        return value[0] if value else {}
    return value


@dataclass
class BlockConfig:
    """One public access block: flag name -> True / False / Unknown; where it is written."""

    flags: dict[str, Any]
    resource: Resource | None
    level: str  # "bucket" | "account" | "access point" | "default"

    def flag(self, name: str) -> Any:
        return self.flags.get(name, False)

    @property
    def off(self) -> list[str]:
        return [f for f in FLAGS if self.flag(f) is not True and not isinstance(self.flag(f), Unknown)]

    @property
    def unknown(self) -> list[str]:
        return [f for f in FLAGS if isinstance(self.flag(f), Unknown)]


def _flags(raw: Any, terraform: bool, default: Any = False) -> dict[str, Any]:
    raw = _first_block(raw)
    if not isinstance(raw, dict):
        if isinstance(raw, Unknown):
            return {f: raw for f in FLAGS}
        return {f: default for f in FLAGS}
    result: dict[str, Any] = {}
    for name in FLAGS:
        value = raw.get(_TF_FLAGS[name] if terraform else name, default)
        if isinstance(value, Choice):
            value = value if any(o is not True for o in value.options) else True
        if isinstance(value, str) and not isinstance(value, Unknown):
            value = value.strip().lower() == "true"  # "true" in YAML/plan strings
        result[name] = value if isinstance(value, (bool, Unknown)) else bool(value)
    return result


def combine(bucket: BlockConfig | None, account: BlockConfig | None) -> BlockConfig | None:
    """S3 applies the most restrictive of the bucket and account settings, flag by flag."""
    if bucket is None or account is None:
        return bucket or account
    flags = {}
    for name in FLAGS:
        values = (bucket.flag(name), account.flag(name))
        flags[name] = True if True in values else next((v for v in values if isinstance(v, Unknown)), False)
    return BlockConfig(flags, bucket.resource, "bucket and account")


@dataclass
class BucketExposure:
    bucket: Resource
    block: BlockConfig | None  # None: no block anywhere in the scan
    bucket_block: BlockConfig | None
    account_block: BlockConfig | None
    # (resource where written, what is public, the line)
    public_acls: list[tuple[Resource, str, int]] = field(default_factory=list)


def _name(resource: Resource) -> Any:
    spec = BUCKET_TYPES.get(resource.type)
    return resource.get(spec[0]) if spec else None


def bucket_for(model: IamModel, resource: Resource, value: Any) -> Resource | None:
    """The bucket of the scan a value designates: a reference to it, or its literal name
    (plans and hand-written names)."""
    for target in model.referenced(resource, value):
        if target.type in BUCKET_TYPES:
            return target
    if isinstance(value, str) and not isinstance(value, Unknown):
        name = value.rsplit(":::", 1)[-1].split("/", 1)[0]
        for bucket in model.resources_of(*BUCKET_TYPES):
            if bucket.group == resource.group and _name(bucket) == name:
                return bucket
    return None


def _public_grants(grants: Any) -> list[str]:
    found = []
    for grant in grants if isinstance(grants, list) else [grants]:
        if not isinstance(grant, dict):
            continue
        grantee = _first_block(grant.get("grantee")) if "grantee" in grant else grant
        uri = grantee.get("uri") if isinstance(grantee, dict) else None
        if isinstance(uri, str) and uri in PUBLIC_GROUPS:
            permissions = grant.get("permissions", grant.get("permission"))
            listed = ", ".join(permissions) if isinstance(permissions, list) else str(permissions)
            found.append(f"{PUBLIC_GROUPS[uri]} ({uri.rsplit('/', 1)[-1]}) is granted {listed}")
    return found


def _canned(value: Any) -> str | None:
    if isinstance(value, str) and not isinstance(value, Unknown):
        meaning = PUBLIC_CANNED_ACLS.get(value.strip().lower())
        return f"canned ACL {value} ({meaning})" if meaning else None
    return None


def bucket_exposures(model: IamModel) -> list[BucketExposure]:
    """Every bucket of the scan with its effective block and its public ACLs."""
    result: dict[int, BucketExposure] = {}
    account_blocks: dict[str, BlockConfig] = {}
    for resource in model.resources_of(*ACCOUNT_BLOCK_TYPES):
        account_blocks[resource.group] = BlockConfig(_flags(resource.properties, True), resource, "account")
    for bucket in model.resources_of(*BUCKET_TYPES):
        _, inline_prop, acl_prop, grant_prop = BUCKET_TYPES[bucket.type]
        own = None
        if inline_prop and bucket.get(inline_prop) is not None:
            own = BlockConfig(_flags(bucket.get(inline_prop), False), bucket, "bucket")
        exposure = BucketExposure(bucket, None, own, account_blocks.get(bucket.group))
        canned = _canned(bucket.get(acl_prop))
        if canned:
            exposure.public_acls.append((bucket, canned, bucket.line))
        if grant_prop:
            for text in _public_grants(bucket.get(grant_prop)):
                exposure.public_acls.append((bucket, text, bucket.line))
        result[id(bucket)] = exposure
    for resource in model.resources_of(*BLOCK_TYPES):
        blocked = bucket_for(model, resource, resource.get(BLOCK_TYPES[resource.type]))
        if blocked is not None:
            result[id(blocked)].bucket_block = BlockConfig(_flags(resource.properties, True), resource, "bucket")
    for resource in model.resources_of(*ACL_TYPES):
        bucket_prop, acl_prop, policy_prop = ACL_TYPES[resource.type]
        granted = bucket_for(model, resource, resource.get(bucket_prop))
        if granted is None:
            continue
        texts = [t for t in [_canned(resource.get(acl_prop))] if t]
        policy = _first_block(resource.get(policy_prop))
        if isinstance(policy, dict):
            texts += _public_grants(policy.get("grant"))
        result[id(granted)].public_acls.extend((resource, t, resource.line) for t in texts)
    for exposure in result.values():
        exposure.block = combine(exposure.bucket_block, exposure.account_block)
    return list(result.values())


@dataclass
class AccessPointBlock:
    access_point: Resource
    block: BlockConfig
    explicit: bool  # written in the template (AWS defaults every flag to true otherwise)


def access_point_blocks(model: IamModel) -> list[AccessPointBlock]:
    found = []
    for resource in model.resources_of(*ACCESS_POINT_TYPES):
        prop, _ = ACCESS_POINT_TYPES[resource.type]
        raw = resource.get(prop)
        terraform = not resource.type.startswith("AWS::")
        if raw is None or raw == []:
            found.append(AccessPointBlock(resource, BlockConfig({f: True for f in FLAGS}, resource, "default"), False))
        else:
            # Terraform's block defaults each omitted flag to true; CloudFormation's to false.
            flags = _flags(raw, terraform, default=True if terraform else False)
            found.append(AccessPointBlock(resource, BlockConfig(flags, resource, "access point"), True))
    return found


@dataclass
class FunctionUrl:
    resource: Resource
    auth_type: Any  # "NONE" | "AWS_IAM" | Unknown | None (missing)
    function: Resource | None


def function_urls(model: IamModel) -> list[FunctionUrl]:
    found = []
    for resource in model.resources_of(*FUNCTION_URL_TYPES):
        auth_prop, function_prop = FUNCTION_URL_TYPES[resource.type]
        target = next(iter(model.referenced(resource, resource.get(function_prop))), None)
        found.append(FunctionUrl(resource, resource.get(auth_prop), target))
    return found
