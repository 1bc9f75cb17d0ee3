"""Format-neutral views of the resources checks read directly: credentials (access keys, login
profiles, the account password policy), identity providers, outputs and defaults.

Each view is an immutable named tuple built from a loaded ``Resource`` through the spellings of
``iacguard.catalogue``, so a check reads ``key.status`` instead of ``Status`` (CloudFormation) or
``status`` (Terraform). Values stay as loaded (``Unknown``, ``Ref``, positioned ``PDict``...);
``line`` is where the thing is written. Offered to checks through ``iacguard.checks_api``.

(Named tuples with annotations evaluated at import, not dataclasses: every scan imports this
module, and a dataclass, or a postponed annotation, costs milliseconds to define.)
"""

from typing import TYPE_CHECKING, Any, Iterator, Mapping, NamedTuple

from . import catalogue
from .resource import CLOUDFORMATION, Resource

if TYPE_CHECKING:
    from .iam.model import IamModel

_ACCESS_KEYS = catalogue.spellings(catalogue.AccessKey)
_LOGIN_PROFILES = catalogue.spellings(catalogue.LoginProfile)
_LOGIN_PROFILE_TYPES = catalogue.types_holding(catalogue.LoginProfile)
_PASSWORD_POLICIES = catalogue.spellings(catalogue.PasswordPolicy)
_PASSWORD_POLICY_TYPES = catalogue.types_holding(catalogue.PasswordPolicy)
_OIDC_PROVIDERS = catalogue.spellings(catalogue.OidcProvider)
_SAML_PROVIDERS = catalogue.spellings(catalogue.SamlProvider)
_SSM_PARAMETERS = catalogue.spellings(catalogue.SsmParameter)
_RESOURCE_POLICIES = catalogue.spellings(catalogue.ResourcePolicy)
_MANAGED_POLICIES = catalogue.spellings(catalogue.ManagedPolicy)


class AccessKey(NamedTuple):
    """An IAM access key: the user as written (a name, a reference, an unknown) and its status
    (None when unset, which means active)."""
    resource: Resource
    user: Any
    status: Any

    @property
    def line(self) -> int:
        return self.resource.line


def access_key(resource: Resource) -> AccessKey | None:
    """The access key ``resource`` creates; None for any other resource."""
    spelling = _ACCESS_KEYS.get(resource.type)
    if spelling is None:
        return None
    return AccessKey(resource, resource.get(spelling.user), resource.get(spelling.status))


class LoginProfile(NamedTuple):
    """A console password of an IAM user. ``resource`` is where it is written: a login profile
    resource of its own, or the user resource holding it as a block. ``user``: the user as
    written (None when the profile is the user's own block). ``password``: the password as
    written, None when the format generates it. ``pgp_key``: the key the generated password is
    encrypted with; ``pgp_key_property`` is None when the format never stores a generated
    password. The ``*_property`` fields are the paths as written, for messages."""
    resource: Resource
    user: Any
    password: Any
    password_property: str | None
    password_reset_required: Any
    password_reset_property: str
    pgp_key: Any
    pgp_key_property: str | None
    line: int


def login_profile(resource: Resource) -> LoginProfile | None:
    """The login profile ``resource`` writes (a profile resource, or a user with a profile
    block); None when it writes none."""
    spelling = _LOGIN_PROFILES.get(resource.type)
    if spelling is None:
        return None
    if spelling.block is None:
        holder: Any = resource.properties
        prefix, line = "", resource.line
    else:
        holder = resource.get(spelling.block)
        if not isinstance(holder, dict):
            return None
        prefix, line = spelling.block + ".", getattr(holder, "line", 0) or resource.line

    def read(prop: str | None) -> Any:
        return holder.get(prop) if prop is not None else None

    def path(prop: str | None) -> str | None:
        return prefix + prop if prop is not None else None

    return LoginProfile(resource, resource.get(spelling.user) if spelling.user else None,
                        read(spelling.password), path(spelling.password),
                        read(spelling.password_reset_required), prefix + spelling.password_reset_required,
                        read(spelling.pgp_key), path(spelling.pgp_key), line)


def login_profiles(model: "IamModel") -> Iterator[LoginProfile]:
    """Every login profile of the scan, type by type in catalogue order, each in scan order."""
    for rtype in _LOGIN_PROFILE_TYPES:
        for resource in model.resources_of(rtype):
            profile = login_profile(resource)
            if profile is not None:
                yield profile


class PasswordPolicy(NamedTuple):
    """The account password policy: each setting of ``catalogue.PASSWORD_SETTINGS`` that is
    written (missing: unset)."""
    resource: Resource
    settings: Mapping[str, Any]

    @property
    def line(self) -> int:
        return self.resource.line


def password_policies(model: "IamModel") -> Iterator[PasswordPolicy]:
    for resource in model.resources_of(*_PASSWORD_POLICY_TYPES):
        spelling = _PASSWORD_POLICIES[resource.type]
        yield PasswordPolicy(resource, {setting: resource.get(prop) for setting, prop in spelling.settings
                                        if resource.get(prop) is not None})


class IdentityProvider(NamedTuple):
    """An IAM identity provider: ``protocol`` "oidc" (``url`` as written) or "saml" (no url)."""
    resource: Resource
    protocol: str
    url: Any


def identity_provider(resource: Resource) -> IdentityProvider | None:
    oidc = _OIDC_PROVIDERS.get(resource.type)
    if oidc is not None:
        return IdentityProvider(resource, "oidc", resource.get(oidc.url))
    if resource.type in _SAML_PROVIDERS:
        return IdentityProvider(resource, "saml", None)
    return None


class SsmParameter(NamedTuple):
    """An SSM parameter: its type as written and its values (property path, value) that are set."""
    resource: Resource
    type: Any
    values: tuple[tuple[str, Any], ...]


def ssm_parameter(resource: Resource) -> SsmParameter | None:
    spelling = _SSM_PARAMETERS.get(resource.type)
    if spelling is None:
        return None
    return SsmParameter(resource, resource.get(spelling.type),
                        tuple((prop, resource.get(prop)) for prop in spelling.values
                              if resource.get(prop) is not None))


class BlockValue(NamedTuple):
    """The value of an output, or the default of a variable or parameter, with its property as
    written (for messages)."""
    resource: Resource
    property: str
    value: Any


def _block_value(resource: Resource, spelling: catalogue.BlockProperty) -> BlockValue:
    prop = spelling.cloudformation if resource.source == CLOUDFORMATION else spelling.terraform
    return BlockValue(resource, prop, resource.get(prop))


def output_value(resource: Resource) -> BlockValue:
    """What an output (``mode == "output"``) exposes."""
    return _block_value(resource, catalogue.OUTPUT_VALUE)


def default_value(resource: Resource) -> BlockValue:
    """The default of a Terraform variable or a CloudFormation parameter."""
    return _block_value(resource, catalogue.DEFAULT_VALUE)


def policy_bucket(resource: Resource) -> Any:
    """The S3 bucket a resource policy resource concerns, as written (a name or a reference);
    None when it names none."""
    spelling = _RESOURCE_POLICIES.get(resource.type)
    return resource.get(spelling.bucket) if spelling is not None and spelling.bucket else None


def policy_attached_to(resource: Resource, kind: str) -> Any:
    """The principals of ``kind`` (user, group, role) a managed policy resource attaches itself
    to, as written; None when it names none."""
    spelling = _MANAGED_POLICIES.get(resource.type)
    if spelling is None:
        return None
    return next((resource.get(prop) for target_kind, prop in spelling.targets if target_kind == kind), None)


__all__ = ["AccessKey", "access_key", "LoginProfile", "login_profile", "login_profiles", "PasswordPolicy",
           "password_policies", "IdentityProvider", "identity_provider", "SsmParameter", "ssm_parameter",
           "BlockValue", "output_value", "default_value", "policy_bucket", "policy_attached_to"]
