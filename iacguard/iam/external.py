"""Who outside the zone of trust a resource or trust policy lets in, offline.

The zone of trust is the deploying account(s), the organisation and the partner accounts from
settings (``deploy_accounts``, ``organization_id``, ``trusted_accounts``); with nothing set it
is "the deploying account": ``${AWS::AccountId}``, ``data.aws_caller_identity.*.account_id``,
resources of the same template/module, and the accounts a plan was made in.

For each Allow statement of a resource or trust policy this module answers, the way IAM
Access Analyzer reasons about it:

* who gets in (a ``Party``): ``anyone``, an account, a role ARN, an organisation, accounts
  matching a pattern, or a value that could not be resolved;
* which conditions narrow the callers. Only keys that identify the caller, its source or its
  network path count (``IDENTITY_KEYS``), and only with a positive String/Arn operator without
  ``IfExists`` and without ``ForAllValues`` (those let a request *without* the key through: an
  anonymous caller has no ``aws:PrincipalAccount``). Negated operators in an Allow admit
  everyone else. A value that is only wildcards, an ``o-*`` org id, an ARN whose account is
  ``*``, or a policy variable other than ``${aws:ResourceAccount}``/``${aws:ResourceOrgID}``
  restricts nothing. Under ``StringEquals`` a ``*`` is a literal and matches no caller.
  ``aws:SourceIp`` never restricts: an address range does not identify the caller. A key that
  binds where the action delivers (``DESTINATION_KEYS``: ``sns:Endpoint``) counts like an ARN
  key: whoever subscribes, the messages reach only the listed endpoints;
* which Deny statements of the same policy take the access away again (a Deny whose
  condition on an identity key holds for that caller; a Deny conditioned on other keys, such
  as ``aws:SecureTransport``, can be avoided by the caller and closes nothing);
* what the remaining actions are, expanded from wildcards against the catalogue of the
  resource's service, and which condition would have closed the grant.

Nothing here raises on odd input: unknown values become ``UNKNOWN`` parties ("could not
resolve ..."), never a guess that they are dangerous, never a silent pass.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, TypeGuard

from .. import catalogue
from ..fixtext import CLOUDFORMATION, DEPLOYING_ACCOUNT, FixText
from ..values import Ref, Unknown
from .actions import action_info, expand_actions
from .conditions import Condition, arn_match
from .grants import DenyIndex
from .policy import PolicyDocument, Statement
from .principals import PrincipalRef
from ..lazy_regex import lazy_compile

if TYPE_CHECKING:
    from ..resource import Resource
    from ..settings import Settings
    from .model import IamModel, PolicyNode

__all__ = [
    "Zone", "Party", "Exposure", "ConditionEffect", "INSIDE", "OUTSIDE", "ANYONE", "UNKNOWN", "NOBODY",
    "IDENTITY_KEYS", "ELB_LOG_DELIVERY_ACCOUNTS", "is_caller_identity", "account_party", "org_party", "arn_party", "principal_party", "condition_effect",
    "deny_applies", "statement_exposures", "policy_exposures", "service_actions", "SERVICE_PREFIX",
]

INSIDE = "inside"      # inside the zone of trust
OUTSIDE = "outside"    # a named account, role or organisation outside it
ANYONE = "anyone"      # any caller at all (public)
UNKNOWN = "unknown"    # not known before deploy
NOBODY = "nobody"      # a value no caller can have (StringEquals "*")

_ACCOUNT = lazy_compile(r"\d{12}")
_VARIABLE = lazy_compile(r"\$\{([^}]*)\}")
# data.aws_caller_identity is the identity running the deployment: its account (account_id,
# id), its ARN and its unique id all lie in the deploying account, inside the zone of trust.
_CALLER_IDENTITY = lazy_compile(r"(module\.[\w-]+(\[[^\]]*\])?\.)*data\.aws_caller_identity\.[\w-]+(\[[^\]]*\])?"
                              r"\.(account_id|id|arn|user_id)")
# The AWS-owned accounts that Elastic Load Balancing writes Application and Classic Load Balancer
# access logs from, per region (Elastic Load Balancing user guides, "Enable access logs":
# regions opened before August 2022; newer ones use the logdelivery.elasticloadbalancing
# service principal). A bucket policy naming one lets AWS deliver logs, like a service principal.
ELB_LOG_DELIVERY_ACCOUNTS = {
    "127311923021": "us-east-1", "033677994240": "us-east-2", "027434742980": "us-west-1",
    "797873946194": "us-west-2", "098369216593": "af-south-1", "754344448648": "ap-east-1",
    "589379963580": "ap-southeast-3", "718504428378": "ap-south-1", "383597477331": "ap-northeast-3",
    "600734575887": "ap-northeast-2", "114774131450": "ap-southeast-1", "783225319266": "ap-southeast-2",
    "582318560864": "ap-northeast-1", "985666609251": "ca-central-1", "054676820928": "eu-central-1",
    "156460612806": "eu-west-1", "652711504416": "eu-west-2", "635631232127": "eu-south-1",
    "009996457667": "eu-west-3", "897822967062": "eu-north-1", "076674570225": "me-south-1",
    "507241528517": "sa-east-1", "048591011584": "us-gov-west-1", "190560391635": "us-gov-east-1",
    "638102146993": "cn-north-1", "037604701340": "cn-northwest-1",
}
# The id of the organisation that the deploying account reads (data.aws_organizations_organization)
# or creates: its own, as data.aws_caller_identity is its own account.
_OWN_ORGANIZATION_ID = lazy_compile(r"(module\.[\w-]+(\[[^\]]*\])?\.)*(data\.)?aws_organizations_organization"
                                  r"\.[\w-]+(\[[^\]]*\])?\.id")
_SELF_ACCOUNT_TOKENS = ("AWS::AccountId", "aws:ResourceAccount")
_SELF_ORG_TOKENS = ("aws:ResourceOrgID",)

# condition key (lowercase) -> what its value names
IDENTITY_KEYS = {
    "aws:principalaccount": "account", "kms:calleraccount": "account", "aws:sourceaccount": "account",
    "aws:sourceowner": "account", "aws:vpceaccount": "account",
    "aws:principalarn": "arn", "aws:sourcearn": "arn", "lambda:sourcefunctionarn": "arn",
    "ec2:sourceinstancearn": "arn", "ssm:sourceinstancearn": "arn",
    "aws:principalorgid": "org", "aws:sourceorgid": "org", "aws:vpceorgid": "org",
    "aws:principalorgpaths": "orgpath", "aws:sourceorgpaths": "orgpath", "aws:vpceorgpaths": "orgpath",
    "aws:sourcevpc": "network", "aws:sourcevpce": "network", "aws:ec2instancesourcevpc": "network",
    "aws:userid": "userid",
}
# condition key (lowercase) -> what its value names, for keys that bind where an action delivers
# (not who calls): a positive condition on one is met only by requests that carry the key (the
# actions that support it) with a listed destination, so Principal "*" with
# ``StringLike sns:Endpoint <our queue ARN>`` lets anyone subscribe only our own queue.
DESTINATION_KEYS = {"sns:endpoint": "destination"}
_POSITIVE = {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}
_NEGATIVE = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}
_WILDCARD_BASES = {"StringLike", "StringNotLike", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"}

# resource-policy service (IamModel.ResourcePolicy.service) -> action prefix
SERVICE_PREFIX = {"lambda-layer": "lambda", "trust": "sts"}


@dataclass(frozen=True)
class Zone:
    """The accounts and organisation that count as "us"."""

    deploy_accounts: frozenset[str] = frozenset()
    trusted_accounts: frozenset[str] = frozenset()
    organization_id: str | None = None
    # The settings name the zone (deploy_accounts, trusted_accounts or organization_id). Without
    # them only the deploying account is known, and another account may as well be the user's
    # own as a stranger's: checks report it as unknown, not as a grant outside the zone.
    configured: bool = False

    @classmethod
    def from_settings(cls, settings: Settings | None, extra_deploy_accounts: Iterable[str] = ()) -> "Zone":
        named = set(getattr(settings, "deploy_accounts", None) or ())
        trusted = frozenset(getattr(settings, "trusted_accounts", None) or ())
        organization = getattr(settings, "organization_id", None)
        return cls(frozenset(named | set(extra_deploy_accounts)), trusted, organization,
                   configured=bool(named or trusted or organization))

    @property
    def accounts(self) -> frozenset[str]:
        return self.deploy_accounts | self.trusted_accounts

    def unknown_account(self, party: "Party") -> bool:
        """A literal account id other than the deploying account, when no zone is configured:
        whose it is cannot be known (the user's other account, a partner, a stranger)."""
        return not self.configured and party.status == OUTSIDE and party.account is not None

    @staticmethod
    def configure_hint(party: "Party") -> str:
        """What a finding about an :meth:`unknown_account` says about it."""
        return (f"unknown: {party.account} may be your own account, a partner's or a stranger's, and no zone "
                "of trust is configured (configure `trusted_accounts` for partners, `deploy_accounts` for your "
                "own accounts, in .iacguard.yaml)")

    def closing_condition(self, fix: FixText | None = None) -> str:
        """The condition that would keep a public grant inside this zone, in the language of
        ``fix`` (CloudFormation YAML by default)."""
        fix = fix or FixText(CLOUDFORMATION)
        if self.organization_id:
            return fix.condition("StringEquals", "aws:PrincipalOrgID", self.organization_id)
        if self.accounts:
            return fix.condition("StringEquals", "aws:PrincipalAccount", sorted(self.accounts))
        return fix.condition("StringEquals", "aws:PrincipalAccount", DEPLOYING_ACCOUNT) + " (the deploying account)"


@dataclass(frozen=True)
class Party:
    """One kind of caller a statement lets in."""

    status: str  # INSIDE | OUTSIDE | ANYONE | UNKNOWN | NOBODY
    label: str   # "anyone", "account 444455556666", "organization o-..."
    account: str | None = None
    org: str | None = None

    @property
    def admits_outside(self) -> bool:
        return self.status in (OUTSIDE, ANYONE, UNKNOWN)


_ANYONE = Party(ANYONE, "anyone")
_NOBODY = Party(NOBODY, "no caller")


def _text_of(value: Any) -> str:
    return value.text if isinstance(value, Unknown) else str(value)


_RESOURCE_ATTRIBUTE = lazy_compile(r"(module\.[\w-]+(\[[^\]]*\])?\.)*(?!var\.|local\.|data\.|module\.)"
                                 r"[a-z][a-z0-9_]*\.[\w-]+(\[[^\]]*\])?\.[\w.]+")


def _is_template_reference(value: Any) -> bool:
    """A reference to a resource of the same template/module (a Ref, or a Terraform resource
    attribute whose block is not in the scanned files): created by the deploying account."""
    if isinstance(value, Ref):
        return not value.target.startswith(("var.", "local."))
    return isinstance(value, Unknown) and bool(_RESOURCE_ATTRIBUTE.fullmatch(value.text.strip()))


def is_caller_identity(value: Any) -> bool:
    """A value that is exactly an attribute of ``data.aws_caller_identity`` (bare, or as the
    only ``${...}`` of a template), possibly of a called module, possibly passed through a
    variable (the loader gives the variable's expression)."""
    text = _text_of(value).strip()
    whole = _VARIABLE.fullmatch(text)
    return bool(_CALLER_IDENTITY.fullmatch(whole.group(1).strip() if whole else text))


def _variable_party(inner: str, self_tokens: tuple[str, ...], what: str) -> Party:
    """A ``${...}`` inside a value: the deploying account/org, or a policy variable that the
    caller controls (restricts nothing), or a deploy-time unknown."""
    if inner in self_tokens or _CALLER_IDENTITY.fullmatch(inner) or \
            (what == "organization" and _OWN_ORGANIZATION_ID.fullmatch(inner)):
        return Party(INSIDE, f"the deploying {what}")
    # a policy variable is one key (aws:username, saml:sub); an intrinsic over a deploy-time
    # value (Fn::Split , Ids) or a pseudo parameter (AWS::AccountId) is no such thing
    if ":" in inner and "::" not in inner and inner.split(":", 1)[0].isalpha() and \
            not inner.startswith(("var.", "data.", "local.")):
        return Party(ANYONE, f"any {what} (policy variable ${{{inner}}})")
    return Party(UNKNOWN, f"could not resolve {what} ${{{inner}}}")


def account_party(value: Any, zone: Zone, *, wildcards: bool = True, label: str | None = None) -> Party:
    """Classify a value that names an account (a condition value or an ARN's account part)."""
    if isinstance(value, Unknown) and _is_template_reference(value):
        return Party(INSIDE, "a resource of this template")
    text = _text_of(value).strip()
    if isinstance(value, Unknown) and "${" not in text:
        text = "${" + text + "}"  # a bare reference: AWS::AccountId, var.x, data.aws_caller_identity...
    whole = _VARIABLE.fullmatch(text)
    if whole:
        return _variable_party(whole.group(1).strip(), _SELF_ACCOUNT_TOKENS, "account")
    if "${" in text:
        return Party(UNKNOWN, f"could not resolve account {text}")
    if _ACCOUNT.fullmatch(text):
        if text in zone.accounts:
            return Party(INSIDE, f"account {text}", account=text)
        return Party(OUTSIDE, label or f"account {text}", account=text)
    if any(c in text for c in "*?"):
        if not wildcards:
            return _NOBODY  # matched literally: no account is called "*"
        if not text.replace("*", "").replace("?", ""):
            return _ANYONE
        return Party(OUTSIDE, f"accounts matching {text}")
    if text in ("aws", "cloudfront"):  # arn:aws:iam::aws:... / CloudFront origin access identities
        return Party(INSIDE, f"AWS ({text})")
    return Party(UNKNOWN, f"could not resolve account {text!r}")


def org_party(value: Any, zone: Zone, *, wildcards: bool = True, path: bool = False) -> Party:
    """Classify an organisation id (``aws:PrincipalOrgID``) or path (``o-x/r-y/ou-z/``)."""
    text = _text_of(value).strip()
    if isinstance(value, Unknown) and "${" not in text:
        text = "${" + text + "}"
    org = text.split("/", 1)[0] if path else text
    whole = _VARIABLE.fullmatch(org)
    if whole:
        return _variable_party(whole.group(1).strip(), _SELF_ORG_TOKENS, "organization")
    if "${" in org:
        return Party(UNKNOWN, f"could not resolve organization {text}")
    if any(c in org for c in "*?"):
        if not wildcards:
            return _NOBODY
        return Party(ANYONE, f"any organization ({text})")
    if zone.organization_id and org == zone.organization_id:
        return Party(INSIDE, f"organization {org}", org=org)
    return Party(OUTSIDE, f"organization {org}" + (f" (path {text})" if path and text != org else ""), org=org)


def arn_party(value: Any, zone: Zone) -> Party:
    """Classify an ARN by its account part (``aws:PrincipalArn``, ``aws:SourceArn``)."""
    if isinstance(value, Unknown) and (_is_template_reference(value) or
                                       (value.refs and "${" not in value.text and ":" not in value.text)):
        return Party(INSIDE, "a resource of this template")
    if isinstance(value, Unknown) and is_caller_identity(value):
        return Party(INSIDE, "the deploying identity (aws_caller_identity)")
    text = _text_of(value).strip()
    if not text.replace("*", "").replace("?", ""):
        return _ANYONE
    whole = _VARIABLE.fullmatch(text)
    if whole:
        inner = whole.group(1).strip()
        if isinstance(value, Unknown) and value.refs:
            return Party(INSIDE, "a resource of this template")
        return _variable_party(inner, (), "ARN")
    parts = re.split(r":(?![^{]*\})", text, maxsplit=5)
    if len(parts) < 6 or parts[0] != "arn":
        return Party(UNKNOWN, f"could not resolve the account of {text}")
    account = parts[4]
    if account == "":
        if not parts[5].replace("*", "").replace("?", ""):
            return Party(ANYONE, f"any resource ({text})")
        if isinstance(value, Unknown) and value.refs:
            return Party(INSIDE, f"a resource of this template ({text})")
        return Party(UNKNOWN, f"could not resolve the owner of {text} (the ARN names no account)")
    party = account_party(account, zone)
    if party.status == OUTSIDE and party.account:
        kind = parts[5].split("/", 1)[0] if parts[2] in ("iam", "sts") else parts[2]
        label = f"account {account}" if kind == "root" else f"{kind} {text}"
        return Party(OUTSIDE, label, account=account)
    return party


def principal_party(principal: PrincipalRef, zone: Zone) -> Party | None:
    """Who one Principal entry names. None for principals handled by their own checks: AWS
    services (confused-deputy checks) and federated identity providers (OIDC/SAML checks)."""
    if principal.is_anyone:
        return _ANYONE
    if principal.kind in ("Service", "Federated", "CanonicalUser"):
        return None
    value = principal.value
    if isinstance(value, Unknown):
        text = value.text
        if is_caller_identity(value):
            return Party(INSIDE, "the deploying identity (aws_caller_identity)")
        if text.startswith("arn:") or "arn:" in text:
            return arn_party(value, zone)
        return account_party(value, zone)
    if principal.account and principal.is_account and principal.account in ELB_LOG_DELIVERY_ACCOUNTS:
        return None  # AWS's own log-delivery account for a region: an AWS service, not a party
    if principal.account:
        arn_kind = principal.arn_type
        if principal.is_account:
            return account_party(principal.account, zone)
        party = account_party(principal.account, zone)
        if party.status == OUTSIDE:
            return Party(OUTSIDE, f"{arn_kind} {value.strip()}", account=principal.account)
        return party
    if value.strip().startswith("arn:"):
        return arn_party(value.strip(), zone)
    return Party(UNKNOWN, f"could not resolve principal {value!r}")


# ---------------------------------------------------------------- conditions

@dataclass(frozen=True)
class ConditionEffect:
    """How one condition of an Allow narrows who gets in."""

    condition: Condition
    credited: bool  # it restricts the callers to ``parties``
    parties: tuple[Party, ...] = ()
    reason: str = ""  # why it does not restrict (when not credited)

    @property
    def closes(self) -> bool:
        """Every caller it admits is inside the zone (or no caller at all)."""
        return self.credited and all(p.status in (INSIDE, NOBODY) for p in self.parties)


def _is_arn_text(value: Any) -> bool:
    return _text_of(value).strip().startswith("arn:")


def _value_party(kind: str, value: Any, zone: Zone, wildcards: bool) -> Party:
    if isinstance(value, Unknown) and is_caller_identity(value):
        return Party(INSIDE, "the deploying identity (aws_caller_identity)")  # its account, ARN or user id
    if kind == "account":
        return account_party(value, zone, wildcards=wildcards)
    if kind == "org":
        return org_party(value, zone, wildcards=wildcards)
    if kind == "orgpath":
        return org_party(value, zone, wildcards=wildcards, path=True)
    if kind == "arn" or kind == "destination" and (isinstance(value, Unknown) or _is_arn_text(value)):
        if not wildcards and isinstance(value, str) and any(c in value for c in "*?"):
            return _NOBODY
        return arn_party(value, zone)
    text = _text_of(value).strip()
    if isinstance(value, str) and not text.replace("*", "").replace("?", ""):
        return _ANYONE if wildcards else _NOBODY
    if _VARIABLE.search(text) and not isinstance(value, Unknown):
        return Party(ANYONE, f"any caller (policy variable in {text})")
    if kind == "destination":
        # an e-mail address, URL or phone number: delivery leaves AWS, to whoever holds it; a
        # pattern of them (https://*, *@*) lets anyone subscribe an endpoint of their own
        if wildcards and any(c in text for c in "*?"):
            return Party(ANYONE, f"any endpoint matching {text}")
        return Party(UNKNOWN, f"could not tell whose endpoint {text} is (not an AWS resource)")
    if kind == "network":
        if is_deploy_input(value):  # chosen at deploy: could be any endpoint, or a wildcard
            return Party(UNKNOWN, f"could not resolve network {text}")
        # A VPC or endpoint named in the template is the deployer's network path.
        return Party(INSIDE, f"network {text}")
    return Party(UNKNOWN, f"could not resolve the account of unique id {text}")  # aws:userid


def condition_effect(condition: Condition, zone: Zone) -> ConditionEffect | None:
    """The effect of one Allow condition on who gets in; None when its key does not identify
    the caller (``aws:SourceIp``, ``aws:SecureTransport``, ``s3:prefix`` ...)."""
    if condition.is_unknown:
        if condition.key_lc and condition.key_lc not in IDENTITY_KEYS and condition.key_lc not in DESTINATION_KEYS:
            return None
        return ConditionEffect(condition, True, (Party(UNKNOWN, "could not resolve the condition "
                                                       f"{condition.operator or 'block'}"),))
    kind = IDENTITY_KEYS.get(condition.key_lc) or DESTINATION_KEYS.get(condition.key_lc)
    if kind is None:
        return None
    name = f"{condition.operator} {condition.key}"
    if condition.negated:
        return ConditionEffect(condition, False, reason=f"{name} admits every caller not listed")
    if condition.base not in _POSITIVE:
        return ConditionEffect(condition, False, reason=f"{name} does not name who may call")
    if condition.if_exists:
        return ConditionEffect(condition, False, reason=f"{name} lets in callers without the key "
                                                        "(anonymous callers, direct calls)")
    if condition.set_op == "ForAllValues":
        return ConditionEffect(condition, False, reason=f"{name} is true when the key is missing")
    if not condition.values:
        return ConditionEffect(condition, True, (_NOBODY,))
    wildcards = condition.base in _WILDCARD_BASES
    parties = tuple(_value_party(kind, v, zone, wildcards) for v in condition.values)
    if any(p.status == ANYONE for p in parties):
        which = next(p for p in parties if p.status == ANYONE)
        return ConditionEffect(condition, False, parties, reason=f"{name} matches {which.label}")
    return ConditionEffect(condition, True, parties)


def _negated_closes(condition: Condition, party: Party, zone: Zone) -> bool:
    """A Deny ``StringNotEquals key [V]`` holds for every caller not in V: does it hold for this
    party? For ``anyone`` only when every listed value is inside the zone (what stays is ours)."""
    kind = IDENTITY_KEYS.get(condition.key_lc)
    if kind is None or not condition.values:
        return False
    wildcards = condition.base in _WILDCARD_BASES
    listed = [_value_party(kind, v, zone, wildcards) for v in condition.values]
    if any(p.status in (ANYONE, UNKNOWN) for p in listed):
        return False
    if party.status == ANYONE:
        return all(p.status in (INSIDE, NOBODY) for p in listed)
    if party.status == OUTSIDE:
        return not any(_same_party(p, party, condition, kind) for p in listed)
    return False


def _same_party(listed: Party, party: Party, condition: Condition, kind: str) -> bool:
    if kind in ("org", "orgpath"):
        return listed.org is not None and listed.org == party.org
    if listed.account and party.account:
        return listed.account == party.account
    return listed.label == party.label or listed.status == OUTSIDE and listed.account is None


def _positive_holds(condition: Condition, party: Party, zone: Zone) -> bool:
    """A Deny ``StringEquals key [V]``: does it certainly hold for this named party?"""
    kind = IDENTITY_KEYS.get(condition.key_lc)
    if kind is None or party.status != OUTSIDE or condition.if_exists or condition.set_op == "ForAllValues":
        return False
    wildcards = condition.base in _WILDCARD_BASES
    if kind == "account" and party.account:
        return any(isinstance(v, str) and (v == party.account or wildcards and arn_match(v, party.account))
                   for v in condition.values)
    if kind in ("org", "orgpath") and party.org:
        return any(isinstance(v, str) and v.split("/", 1)[0] == party.org for v in condition.values)
    return False


def deny_applies(deny: Statement, party: Party, zone: Zone) -> bool:
    """Does this Deny certainly apply to requests from the party (principal and conditions;
    actions and resources are compared by the caller)?"""
    if not deny.is_deny:
        return False
    if deny.principals is not None:
        covered = False
        for entry in deny.principals:
            if entry.is_anyone:
                covered = True
            elif party.account and entry.kind == "AWS" and entry.account == party.account:
                covered = True
        if not covered:
            return False
    elif deny.not_principals is not None:
        exempt = [principal_party(p, zone) for p in deny.not_principals]
        if any(p is None or p.status != INSIDE for p in exempt):
            return False  # something outside is exempt: cannot say the party is denied
    for condition in deny.conditions:
        if condition.is_unknown:
            return False
        if condition.negated and condition.base in _NEGATIVE:
            if not _negated_closes(condition, party, zone):
                return False
        elif condition.base in _POSITIVE:
            if not _positive_holds(condition, party, zone):
                return False
        else:
            return False  # a condition the caller can avoid (aws:SecureTransport false, ...)
    return True


# ---------------------------------------------------------------- actions

def service_actions(service: str) -> list[str]:
    """The catalogued actions of a resource policy's service (``s3``, ``kms``, ``trust`` ...) that
    act on a resource; actions that accept only ``*`` (``sns:ListTopics``) cannot be granted by
    a policy attached to one resource."""
    return list(_resource_actions(service))


@functools.lru_cache(maxsize=256)
def _resource_actions(service: str) -> tuple[str, ...]:
    # read from the catalogue alone; every resource policy of a service asks again
    prefix = SERVICE_PREFIX.get(service, service)
    names = sorted(expand_actions(f"{prefix}:*"))
    scoped = [n for n in names if (info := action_info(n)) is None or info.resource_types]
    return tuple(scoped or names)


def _catalogue_matches(statement: Statement, service: str) -> list[str]:
    """The service's catalogued actions the statement certainly covers."""
    try:
        return list(_catalogue_matches_cached(statement.actions, statement.not_actions, service))
    except TypeError:  # an unhashable entry (a mapping where a string belongs): no cache
        return [a for a in _resource_actions(service) if statement.action_match(a) is True]


# Policies of a corpus repeat the same few Action lists; matching one against a whole service's
# catalogue costs hundreds of matches. The answer depends on the entries and the service only.
@functools.lru_cache(maxsize=4096)
def _catalogue_matches_cached(actions: tuple | None, not_actions: tuple | None, service: str) -> tuple[str, ...]:
    probe = Statement(0, None, "Allow", actions, not_actions, None, None, None, None, (), 0)
    return tuple(a for a in _resource_actions(service) if probe.action_match(a) is True)


def _allowed_actions(statement: Statement, service: str) -> tuple[list[str], list[str]]:
    """(expanded actions of the service the statement allows, patterns as written)."""
    written = [str(a) for a in (statement.actions if statement.actions is not None else statement.not_actions or ())]
    expanded = _catalogue_matches(statement, service)
    if not expanded:
        # actions of another service or missing from the catalogue: keep them as written
        expanded = [a for a in written if statement.actions is not None]
    return expanded, written


def _resources_covered(allow: Statement, deny: Statement) -> bool:
    if deny.resources is None and deny.not_resources is None:
        return True
    if deny.resources is not None and any(isinstance(r, str) and r.strip() == "*" for r in deny.resources):
        return True
    if allow.resources is None or deny.resources is None:
        return False
    for entry in allow.resources:
        if isinstance(entry, Unknown):
            if not any(isinstance(d, Unknown) and d.text == entry.text for d in deny.resources):
                return False
        elif deny.resource_match(entry) is not True:
            return False
    return True


# ---------------------------------------------------------------- exposures

@dataclass
class Exposure:
    """One kind of caller outside the zone that one Allow statement lets in."""

    statement: Statement
    party: Party
    actions: list[str]  # expanded, minus what a Deny takes away
    written_actions: list[str]
    resources: list[str]
    ignored_conditions: list[str] = field(default_factory=list)  # present but restricting nothing
    closing: str = ""  # what would have kept it inside the zone
    denied_actions: list[str] = field(default_factory=list)
    # for an unknown party: (element, value) of each value of the statement not known before
    # deploy that decides who gets in; empty when the party is unknown for another reason
    unknowns: list[tuple[str, Unknown]] = field(default_factory=list)
    # what ``closing`` was made from, to say it again in another language (``closing_in``)
    via_not_principal: bool = False
    zone: Zone | None = None

    def closing_in(self, fix: FixText) -> str:
        """``closing`` in the language of ``fix`` (the file the finding is about)."""
        if self.zone is None:
            return self.closing
        return _closing_hint(self.party, self.via_not_principal, self.zone, self.ignored_conditions, fix)

    @property
    def public(self) -> bool:
        return self.party.status == ANYONE

    @property
    def unresolved(self) -> bool:
        return self.party.status == UNKNOWN

    def actions_text(self, limit: int = 8) -> str:
        shown = self.actions[:limit]
        more = len(self.actions) - len(shown)
        text = ", ".join(shown) + (f" (+{more} more)" if more > 0 else "")
        if self.written_actions and self.actions != self.written_actions and \
                sorted(self.written_actions) != sorted(shown):
            text += " (from " + ", ".join(self.written_actions) + ")"
        return text


def _closing_hint(party: Party, via_not_principal: bool, zone: Zone, ignored: list[str],
                  fix: FixText | None = None) -> str:
    if party.status == ANYONE:
        hint = f"adding {zone.closing_condition(fix)}"
        if via_not_principal:
            hint = "an Allow with a named Principal instead of NotPrincipal, or " + hint
        return hint
    if party.status == UNKNOWN:
        return ("a resolvable value (pass the parameter/variable) inside deploy_accounts, trusted_accounts "
                "or organization_id")
    if party.org:
        return (f"organization_id: {party.org} in the settings if it is yours, or adding "
                f"{zone.closing_condition(fix)}")
    return (f"removing {party.label} from the policy, or listing {party.account or 'it'} in trusted_accounts "
            "(partner) or deploy_accounts (yours)")


def statement_exposures(statement: Statement, zone: Zone, service: str,
                        denies: Iterable[Statement] | DenyIndex = ()) -> list[Exposure]:
    """The callers outside the zone an Allow statement of a resource/trust policy lets in,
    after the conditions of the statement and the given Deny statements."""
    if not statement.is_allow or (statement.principals is None and statement.not_principals is None):
        return []
    via_not_principal = statement.not_principals is not None
    if via_not_principal:
        exempt = [principal_party(p, zone) for p in statement.not_principals or ()]
        names = ", ".join(str(p.value) for p in statement.not_principals or ())
        principal_parties = [Party(ANYONE, f"anyone except {names}" if names else "anyone")]
        del exempt
    else:
        principal_parties = [p for p in (principal_party(e, zone) for e in statement.principals or ())
                             if p is not None]
    candidates = [p for p in principal_parties if p.admits_outside]
    if not candidates:
        return []
    effects = [e for e in (condition_effect(c, zone) for c in statement.conditions) if e is not None]
    if any(e.closes for e in effects):
        return []
    ignored = [e.reason for e in effects if not e.credited]
    ignored += [f"{c.operator} {c.key} does not identify the caller" for c in statement.conditions
                if not c.is_unknown and c.key_lc == "aws:sourceip"]
    credited = [e for e in effects if e.credited]
    if credited and all(p.status == ANYONE for p in candidates):
        # Principal "*" narrowed by a condition: the condition's outside values are who gets in.
        chosen = next((e for e in credited if any(p.status == OUTSIDE for p in e.parties)), credited[0])
        candidates = [p for p in chosen.parties if p.admits_outside]
    elif credited:
        unresolved = [p for e in credited for p in e.parties if p.status == UNKNOWN]
        if unresolved and not any(p.status == OUTSIDE for e in credited for p in e.parties):
            candidates = [p if p.status != ANYONE else unresolved[0] for p in candidates]
    actions, written = _allowed_actions(statement, service)
    resources = [str(r) for r in (statement.resources or statement.not_resources or ())]
    found: list[Exposure] = []
    seen: set[Party] = set()
    deny_list = denies if isinstance(denies, DenyIndex) else DenyIndex([d for d in denies if d.is_deny], dedupe=False)
    for candidate in candidates:
        for party, remaining, denied in _apply_denies(statement, candidate, actions, deny_list, zone):
            if party in seen or (not remaining and (actions or denied)):
                continue
            seen.add(party)
            found.append(Exposure(statement, party, remaining, written, resources, ignored,
                                  _closing_hint(party, via_not_principal, zone, ignored), denied,
                                  deploy_time_unknowns(statement, zone) if party.status == UNKNOWN else [],
                                  via_not_principal, zone))
    return found


_INPUT_REASONS = ("parameter without default", "SSM parameter resolved at deploy time", "variable without default")
_TF_VARIABLE = lazy_compile(r"(?<![\w.])var\.\w")
_SUB_PARAMETER = lazy_compile(r"\$\{\s*[A-Za-z0-9]+\s*\}")  # ${Name} of Fn::Sub: a parameter


def is_deploy_input(value: Any) -> TypeGuard[Unknown]:
    """An unknown that the person deploying chooses: a CloudFormation parameter or Terraform
    variable given no value, or a dynamic reference (``{{resolve:...}}``). It could be ``*``.
    A data source or an imported value names something that exists and is not among them."""
    if not isinstance(value, Unknown):
        return False
    text = value.text
    return ("{{resolve:" in text or value.reason in _INPUT_REASONS or bool(_TF_VARIABLE.search(text))
            or bool(_SUB_PARAMETER.search(text)))


# Lambda function permissions for a service principal: what their source conditions decide is
# judged by IAG-EXT-006 (confused deputy)
FUNCTION_PERMISSION_TYPES = set(catalogue.LAMBDA_PERMISSION.types)
SERVICE_SOURCE_KEYS = {"aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:sourceorgid",
                       "aws:sourceorgpaths"}


def service_source_unknowns(statement: Statement, zone: Zone) -> list[tuple[str, Unknown]]:
    """For an Allow to a service principal: the values chosen at deploy time of its source
    conditions, when they alone decide whether the service acts only for the deployer's
    resources (no other source condition closes it or names an outsider)."""
    if not statement.is_allow or not any(p.is_service for p in statement.principals or ()):
        return []
    if any(c.key_lc == "aws:principalorgid" and not c.negated and not c.if_exists for c in statement.conditions):
        return []  # a service belongs to no organisation: the permission grants nothing
    effects = [condition_effect(c, zone) for c in statement.conditions if c.key_lc in SERVICE_SOURCE_KEYS]
    credited = [e for e in effects if e is not None and e.credited]
    if not credited or any(e.closes for e in credited) or \
            any(p.status in (OUTSIDE, ANYONE) for e in credited for p in e.parties):
        return []
    return [(f"Condition {e.condition.operator} {e.condition.key}", v) for e in credited
            for v in e.condition.values if is_deploy_input(v)]


def deploy_time_unknowns(statement: Statement, zone: Zone) -> list[tuple[str, Unknown]]:
    """The values of an Allow statement chosen only at deploy time (``is_deploy_input``) that
    decide who it lets in: a Principal entry, or the value (or whole block) of a condition on a
    key that identifies the caller. Values known to be the deploying account or a resource of
    the template are not among them; neither are principals other checks judge (services,
    identity providers)."""
    found: list[tuple[str, Unknown]] = []
    for entry in statement.principals or ():
        if is_deploy_input(entry.value):
            party = principal_party(entry, zone)
            if party is not None and party.status == UNKNOWN:
                found.append((f"Principal.{entry.kind}", entry.value))
    for condition in statement.conditions:
        if condition.is_unknown:
            if not condition.key_lc or condition.key_lc in IDENTITY_KEYS:
                where = f"Condition {condition.operator}".strip() if condition.operator else "Condition"
                found.extend((where, v) for v in condition.values if is_deploy_input(v))
            continue
        kind = IDENTITY_KEYS.get(condition.key_lc)
        if kind is None or condition.negated:
            continue  # a negated condition of an Allow already admits everyone not listed
        wildcards = condition.base in _WILDCARD_BASES
        for value in condition.values:
            if is_deploy_input(value) and _value_party(kind, value, zone, wildcards).status == UNKNOWN:
                found.append((f"Condition {condition.operator} {condition.key}", value))
    return found


def _narrowing(deny: Statement, zone: Zone) -> list[Party] | None:
    """A Deny to everyone unless a negated identity condition fails (``StringNotEquals
    aws:PrincipalOrgID o-x``): the parties it exempts, which alone keep the access. None when
    the Deny is not of that shape or exempts anyone."""
    if not deny.is_deny or not any(p.is_anyone for p in deny.principals or ()) or not deny.conditions:
        return None
    exempt: list[Party] = []
    for condition in deny.conditions:
        kind = IDENTITY_KEYS.get(condition.key_lc)
        if kind is None or condition.is_unknown or not condition.negated or condition.base not in _NEGATIVE \
                or not condition.values:
            return None
        wildcards = condition.base in _WILDCARD_BASES
        listed = [_value_party(kind, v, zone, wildcards) for v in condition.values]
        if any(p.status == ANYONE for p in listed):
            return None
        exempt.extend(listed)
    return exempt


def _apply_denies(statement: Statement, party: Party, actions: list[str], denies: "DenyIndex",
                  zone: Zone) -> list[tuple[Party, list[str], list[str]]]:
    """(party, actions left, actions denied) after the Deny statements; a Deny that spares
    only named callers turns ``anyone`` into those callers."""
    remaining = list(actions)
    denied: list[str] = []
    # only Denies that can match one of the actions change anything: asking every Deny of a
    # policy for every Allow was quadratic in statements
    for deny in denies.relevant(remaining):
        if not _resources_covered(statement, deny):
            continue
        if deny_applies(deny, party, zone):
            keep: list = []
            for action in remaining:
                (denied if deny.action_match(action) is True else keep).append(action)
            remaining = keep
        elif party.status == ANYONE and remaining and all(deny.action_match(a) is True for a in remaining):
            exempt = _narrowing(deny, zone)
            if exempt is not None:
                result = []
                for narrowed in dict.fromkeys(p for p in exempt if p.admits_outside):
                    result.extend(_apply_denies(statement, narrowed, remaining, denies, zone))
                return result
    return [(party, remaining, denied)]


def policy_exposures(document: PolicyDocument | None, zone: Zone, service: str) -> list[Exposure]:
    """Every exposure of a resource or trust policy document (Deny statements applied)."""
    if document is None:
        return []
    denies = DenyIndex([s for s in document.statements if s.is_deny], dedupe=False)  # once per policy
    found: list[Exposure] = []
    for statement in document.statements:
        found.extend(statement_exposures(statement, zone, service, denies))
    return found


# ---------------------------------------------------------------- the model's policies

def deploying_accounts(identities: Iterable[Any], group: str | None = None) -> set[str]:
    """Accounts a plan was made in: the ``account_id`` that a plan recorded for
    ``data.aws_caller_identity`` (HCL gives an Unknown there, already inside the zone), of the
    lookups ``identities`` (``caller_identities``). With a ``group``, only that group's: a plan
    says where its own resources deploy, nothing about the other templates of a scan."""
    found: set[str] = set()
    for resource in identities:
        if resource.type == "aws_caller_identity" and (group is None or resource.group == group):
            value = resource.get("account_id")
            if isinstance(value, str) and not isinstance(value, Unknown) and _ACCOUNT.fullmatch(value):
                found.add(value)
    return found


def caller_identities(model: IamModel) -> list[Resource]:
    """The ``aws_caller_identity`` lookups of a model. They are data sources, which the model
    keeps out of ``resources`` (they create nothing), so they are read from ``all_resources``
    (``Analysis.caller_identities`` keeps the list for a scan: checks ask once per policy)."""
    everything = getattr(model, "all_resources", None)
    if everything is None:
        return [r for r in getattr(model, "resources", ()) if r.type == "aws_caller_identity"]
    return [r for r in everything if r.type == "aws_caller_identity"]


def zone_of(settings: Settings | None, identities: Iterable[Resource], group: str | None = None) -> Zone:
    """The zone of trust of one group (a template, a root module tree, a plan): the settings
    plus the account its plan was made in, of the lookups ``identities``. Without ``group``:
    plus every plan's account. (``Analysis.zone`` keeps one per group for a scan.)"""
    return Zone.from_settings(settings, deploying_accounts(identities, group))


@dataclass
class ExposedPolicy:
    """A resource or trust policy, the service whose actions it governs, and what it protects."""

    node: PolicyNode
    service: str
    target: Resource | None
    label: str


def exposed_policies(model: IamModel) -> list[ExposedPolicy]:
    """Every resource policy (with its protected resource) and every role trust policy."""
    from .model import RESOURCE_POLICY_TYPES, _dig

    found = []
    for rp in model.resource_policies:
        label = rp.node.resource.address
        if rp.target is not None:
            label = rp.target.address
        else:
            spec = RESOURCE_POLICY_TYPES.get(rp.node.resource.type)
            named = _dig(rp.node.resource.properties, spec[1]) if spec and spec[1] else None
            if isinstance(named, str) and not isinstance(named, Unknown):
                label = named  # a literal name or ARN of a resource outside the scanned files
        found.append(ExposedPolicy(rp.node, rp.service, rp.target, label))
    for principal in model.principals.values():
        if principal.trust is not None:
            found.append(ExposedPolicy(principal.trust, "trust", principal.resource,
                                       f"role {principal.address}"))
    return found
