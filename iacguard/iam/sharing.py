"""Resources shared by a sharing setting rather than a policy document: AMI launch permissions,
EBS and RDS snapshot permissions, SSM document permissions and RAM resource shares.

Each setting names who may use the resource: ``all`` (public), account ids, or organisation /
organisational-unit ARNs. Every named party is classified against the zone of trust with the
same rules as policy principals (``external.account_party`` and friends), so a share with an
account of the zone, or with the deployer's own organisation, is not an exposure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

from .. import catalogue
from ..values import Unknown, line_of
from .external import (ANYONE, INSIDE, OUTSIDE, UNKNOWN, Party, Zone, _is_template_reference, account_party,
                       arn_party, org_party)
from ..lazy_regex import lazy_compile

if TYPE_CHECKING:
    from ..resource import Resource
    from .model import IamModel

__all__ = ["Share", "shares", "SHARING_TYPES"]

# what each resource type shares, for messages (iacguard/catalogue.py)
SHARING_TYPES = {t: p.what for t, p in catalogue.spellings(catalogue.Share).items()}

_ORG_ID = lazy_compile(r"\bo-[a-z0-9]{10,32}\b")
# The organisation (or one of its units) that the deploying account reads or creates: its own.
_OWN_ORGANIZATION = lazy_compile(r"^(module\.[\w-]+(\[[^\]]*\])?\.)*(data\.)?aws_organizations_"
                               r"(organization|organizational_unit|organizational_units)\.")


@dataclass
class Share:
    """One party a sharing setting lets use a resource."""

    resource: Resource  # the resource whose setting shares
    setting: str  # the attribute that names the party
    party: Party
    shared: str  # what is shared, in words
    line: int


def shares(model: IamModel, zone_of: Callable[[Resource], Zone]) -> Iterator[Share]:
    """Every party named by a sharing setting of the scan; ``zone_of(resource)`` gives the zone of
    trust of the resource's group."""
    for resource in model.resources_of(*SHARING_TYPES):
        zone = zone_of(resource)
        yield from _SHARERS[resource.type](model, resource, zone)


def _share(resource: Resource, setting: str, party: Party, value: Any, shared: str | None = None) -> Share:
    return Share(resource, setting, party, shared or SHARING_TYPES[resource.type], line_of(value, resource.line))


def _ami_launch_permission(model: IamModel, resource: Resource, zone: Zone) -> Iterator[Share]:
    group = resource.get("group")
    if group is not None:
        if isinstance(group, Unknown):
            yield _share(resource, "group", Party(UNKNOWN, f"could not resolve group {group}"), group)
        elif str(group).strip().lower() == "all":
            yield _share(resource, "group", Party(ANYONE, "every AWS account (group \"all\")"), group)
    account = resource.get("account_id")
    if account is not None:
        yield _share(resource, "account_id", account_party(account, zone), account)
    for setting in ("organization_arn", "organizational_unit_arn"):
        value = resource.get(setting)
        if value is not None:
            yield _share(resource, setting, organization_arn_party(value, zone), value)


def _snapshot_volume_permission(model: IamModel, resource: Resource, zone: Zone) -> Iterator[Share]:
    account = resource.get("account_id")
    if account is not None:
        yield _share(resource, "account_id", account_party(account, zone), account)


def _db_snapshot(model: IamModel, resource: Resource, zone: Zone) -> Iterator[Share]:
    accounts = resource.get("shared_accounts")
    for value in _items(accounts):
        yield _share(resource, "shared_accounts", _account_or_all(value, zone), value if line_of(value) else accounts)


def _ssm_document(model: IamModel, resource: Resource, zone: Zone) -> Iterator[Share]:
    permissions = resource.get("permissions")
    if not isinstance(permissions, dict):
        return
    kind = permissions.get("type")
    if kind is not None and not isinstance(kind, Unknown) and str(kind).strip().lower() != "share":
        return
    accounts = permissions.get("account_ids")
    if isinstance(accounts, Unknown):  # one reference (the deploying account...) or not known
        yield _share(resource, "permissions.account_ids", account_party(accounts, zone), permissions)
        return
    for text in str(accounts or "").split(","):
        if text.strip():
            yield _share(resource, "permissions.account_ids", _account_or_all(text.strip(), zone), permissions)


def _ram_principal_association(model: IamModel, resource: Resource, zone: Zone) -> Iterator[Share]:
    principal = resource.get("principal")
    if principal is None:
        return
    party = ram_principal_party(principal, zone)
    if party.status == OUTSIDE and party.account and not _allows_external(model, resource):
        # without allow_external_principals RAM only shares inside the organisation: an
        # account it accepts is a member (the provider's default is false)
        return
    yield _share(resource, "principal", party, principal)


def _ram_resource_share(model: IamModel, resource: Resource, zone: Zone) -> Iterator[Share]:
    allow_external = resource.get("AllowExternalPrincipals")
    external = allow_external is None or allow_external is True or (
        isinstance(allow_external, str) and allow_external.strip().lower() == "true")  # CloudFormation's default: true
    principals = resource.get("Principals")
    for value in _items(principals):
        party = ram_principal_party(value, zone)
        if party.status == OUTSIDE and party.account and not external:
            continue
        yield _share(resource, "Principals", party, value if line_of(value) else principals)


def _allows_external(model: IamModel, association: Resource) -> bool:
    """Whether the share an association belongs to allows principals outside the organisation;
    True when the share is not in the scan or its setting is not known."""
    shares_found = model.referenced(association, association.get("resource_share_arn"))
    if not shares_found:
        return True
    value = shares_found[0].get("allow_external_principals")
    return value is True or isinstance(value, Unknown)


_SHARERS = catalogue.by_type({
    catalogue.AMI_LAUNCH_PERMISSION: _ami_launch_permission,
    catalogue.SNAPSHOT_CREATE_VOLUME_PERMISSION: _snapshot_volume_permission,
    catalogue.DB_SNAPSHOT: _db_snapshot,
    catalogue.DB_CLUSTER_SNAPSHOT: _db_snapshot,
    catalogue.SSM_DOCUMENT: _ssm_document,
    catalogue.RAM_PRINCIPAL_ASSOCIATION: _ram_principal_association,
    catalogue.RAM_RESOURCE_SHARE: _ram_resource_share,
})


def _items(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _account_or_all(value: Any, zone: Zone) -> Party:
    if not isinstance(value, Unknown) and str(value).strip().lower() == "all":
        return Party(ANYONE, "every AWS account (\"all\")")
    return account_party(value, zone)


def organization_arn_party(value: Any, zone: Zone) -> Party:
    """An organisation or organisational-unit ARN (``arn:aws:organizations::1111:ou/o-x/ou-y``)."""
    if isinstance(value, Unknown):
        found = _ORG_ID.search(value.text)
        if found is None:
            if _is_template_reference(value) or _OWN_ORGANIZATION.search(value.text):
                return Party(INSIDE, "the deploying organization")
            return Party(UNKNOWN, f"could not resolve organization {value}")
        value = found.group(0)
    found = _ORG_ID.search(str(value))
    if found is None:
        return Party(UNKNOWN, f"could not resolve organization {value}")
    return org_party(found.group(0), zone)


def ram_principal_party(value: Any, zone: Zone) -> Party:
    """A RAM principal: an account id, an IAM role or user ARN, an organisation or OU ARN, or a
    service principal (which acts for the sharing account)."""
    text = value.text if isinstance(value, Unknown) else str(value).strip()
    if ":organizations::" in text:
        return organization_arn_party(value, zone)
    if text.endswith(".amazonaws.com"):
        return Party(INSIDE, f"service {text}")
    if text.startswith("arn:"):
        return arn_party(value, zone)
    return account_party(value, zone)
