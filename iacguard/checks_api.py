"""What a check module imports: the decorator and the IAM helpers checks share.

Built-in checks and users' own checks (``--checks-dir``) import only this module (and the
standard library), so it is the stable surface of the check framework; the IAM layer
(``iacguard.iam``) is its implementation. A check receives a :class:`CheckContext`:

* ``ctx.model`` (:class:`IamModel`): principals, policies (:class:`PolicyNode` holding a parsed
  :class:`PolicyDocument` of :class:`Statement`), resource policies and the loaded
  :class:`Resource` objects, the same for CloudFormation and Terraform;
* ``ctx.analysis`` (:class:`Analysis`): what the checks of one scan derive from the model, each
  computed once per scan: ``allow_statements()``, ``denied_everywhere(...)``, ``zone(group)``,
  ``privilege(principal)``, ``escalation`` (effective permissions, escalation methods and paths),
  ``holders(node)``, ``sole_service(node)`` (the one service that alone can assume every holder), the graph;
* ``ctx.settings``, ``ctx.checks`` and ``ctx.report(resource, message, ...)``.

The helpers below are grouped by what they are about: principals, effective permissions and
escalation, resource policies and exposures, grants (how broad an Allow statement is), the
account baseline, credentials, the action catalogue, and evidence for findings.

A check judges each group (``Resource.group``: a CloudFormation template, a plan, a Terraform
root module tree) on its own: parallel scans (``--jobs``) hand each worker's checks a model of
some whole groups only, and expect the same findings as one model of everything.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from .framework import CheckContext, Finding, check  # noqa: F401  (re-exported)
from .framework import registered_checks  # noqa: F401  (re-exported)
from .severity import SEVERITIES, severity_rank  # noqa: F401  (re-exported: checks rank severities with these)
from .suppress import resource_suppressions  # noqa: F401  (re-exported)
from .iam.access import statement_allows_everything  # noqa: F401
from .values import Unknown, to_plain

from .analysis import Analysis  # noqa: F401  (re-exported)
from . import catalogue as _catalogue
from .iam import credentials as _credentials, escalation as _escalation
from .iam import external as _external, grants as _grants, identity as _identity
from .iam.access import Grant  # noqa: F401  (re-exported)
from .iam.actions import expand_actions, glob_match  # noqa: F401  (re-exported)
from .iam.credentials import CredentialHit, SecretReference  # noqa: F401  (re-exported)
from .iam.effective import EffectivePermissions  # noqa: F401  (re-exported: what escalation.effective(p) gives)
from .iam.escalation import EscalationAnalysis, Hop, MethodUse, describe_grant_conditions  # noqa: F401
from .iam.external import (ANYONE, FUNCTION_PERMISSION_TYPES, OUTSIDE, SERVICE_SOURCE_KEYS,  # noqa: F401
                           UNKNOWN, ConditionEffect, ExposedPolicy, Exposure, Zone, condition_effect,
                           policy_exposures, service_source_unknowns)
from .iam.grants import (DATA_READ_ACTIONS, ResourceScope, access_level, every_action_entry,  # noqa: F401
                         restrictable, service_wide_wildcard, services_of_pattern, summarize)
from .iam.identity import (Audience, Privilege, anti_mfa, covers_assume_role, mfa_enforcing_deny,  # noqa: F401
                           mfa_if_exists_only, mfa_required, requires_external_id)
from .iam.model import IamModel, PolicyNode, Principal  # noqa: F401  (re-exported)
from .iam.policy import PolicyDocument, Statement  # noqa: F401  (re-exported)
from .iam.principals import PrincipalRef  # noqa: F401  (re-exported)
from .resource import Resource  # noqa: F401  (re-exported)
from .fixtext import FIXED_BY, DEPLOYING_ACCOUNT, FixText, fix_for  # noqa: F401  (re-exported: fixes in the file's language)
from .severity import lower_severity  # noqa: F401  (re-exported)
from .settings import BASELINE_PROFILE  # noqa: F401  (re-exported: the profile of account-wide checks)
# format-neutral views of credentials, identity providers, outputs and defaults (iacguard/resource_views.py)
from .resource_views import (AccessKey, BlockValue, IdentityProvider, LoginProfile, PasswordPolicy,  # noqa: F401
                             SsmParameter, access_key, default_value, identity_provider, login_profile,
                             login_profiles, output_value, password_policies, policy_attached_to, policy_bucket,
                             ssm_parameter)

# Public access, sharing, the account baseline, managed policies and plumbing are imported when a
# check first uses them (module __getattr__ below, and inside the functions that call them): a
# small template has no bucket, share or baseline, and its scan does not pay for those modules.
if TYPE_CHECKING:
    from .iam.baseline import TRAIL_TYPES, RootMonitoring, denies_root_user  # noqa: F401
    from .iam.public_access import BUCKET_TYPES, AccessPointBlock, BucketExposure, FunctionUrl  # noqa: F401
    from .iam.sharing import Share  # noqa: F401

# Re-exported name -> (module under iacguard, its name there)
_LAZY_NAMES = {
    "TRAIL_TYPES": ("iam.baseline", "TRAIL_TYPES"),
    "RootMonitoring": ("iam.baseline", "RootMonitoring"), "denies_root_user": ("iam.baseline", "denies_root_user"),
    "BUCKET_TYPES": ("iam.public_access", "BUCKET_TYPES"), "AccessPointBlock": ("iam.public_access", "AccessPointBlock"),
    "BucketExposure": ("iam.public_access", "BucketExposure"), "FunctionUrl": ("iam.public_access", "FunctionUrl"),
    "PUBLIC_ACCESS_BLOCK_FLAGS": ("iam.public_access", "FLAGS"),  # the four settings, in AWS's order
    "Share": ("iam.sharing", "Share"),
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    module, attribute = _LAZY_NAMES[name]
    value = getattr(importlib.import_module(f"{__package__}.{module}"), attribute)
    globals()[name] = value  # found directly from now on
    return value


@functools.cache
def _types_holding(holding: type) -> tuple[str, ...]:
    return _catalogue.types_holding(holding)


def _holds_any(model: IamModel, holding: type) -> bool:
    """Does the model have a resource of a type that holds ``holding`` (a bucket, a share...)?"""
    return next(model.resources_of(*_types_holding(holding)), None) is not None


# The surface, by name; everything else here is private
__all__ = [
    "access_key", "access_level", "access_point_blocks", "AccessKey", "AccessPointBlock",
    "Analysis", "anti_mfa", "ANYONE", "Audience", "automation_pin", "BASELINE_PROFILE", "BlockValue",
    "bucket_exposures", "bucket_for",
    "BUCKET_TYPES", "BucketExposure", "changes_its_own_permissions", "check", "CheckContext",
    "condition_effect", "ConditionEffect", "covers_assume_role", "CredentialHit",
    "DATA_READ_ACTIONS", "declares_boundary", "default_value", "denies_root_user", "deploying_account",
    "DEPLOYING_ACCOUNT",
    "describe_conditions", "describe_grant_conditions", "EffectivePermissions", "environment_scopes",
    "EscalationAnalysis", "every_action_entry", "every_of_type", "expand_actions", "expanded_actions",
    "exposed_policies", "ExposedPolicy", "Exposure", "find_credentials", "Finding", "fix_for", "FIXED_BY",
    "FixText", "FUNCTION_PERMISSION_TYPES",
    "function_urls", "FunctionUrl", "glob_match", "Grant", "groups_of", "Hop", "IamModel",
    "identity_provider", "IdentityProvider", "is_plumbing", "is_service_plumbing", "judge_principal",
    "login_profile", "login_profiles", "LoginProfile", "lower_severity", "managed_policy_privilege", "MethodUse",
    "mfa_enforcing_deny",
    "mfa_if_exists_only", "mfa_required", "might_hold_credentials", "output_value", "OUTSIDE",
    "password_policies", "PasswordPolicy", "people_marks", "person_principal", "plumbing_note", "split_plumbing",
    "policy_attached_to",
    "policy_bucket", "policy_exposures", "policy_of", "PolicyDocument", "PolicyNode", "Principal",
    "PrincipalRef", "Privilege", "PUBLIC_ACCESS_BLOCK_FLAGS", "registered_checks",
    "report_statement", "requires_external_id", "Resource", "resource_scope",
    "resource_suppressions", "resources_text", "ResourceScope", "restrictable", "root_monitoring",
    "RootMonitoring", "secret_references", "SecretReference", "SERVICE_SOURCE_KEYS",
    "service_source_unknowns", "service_wide_wildcard", "services_of_pattern", "SEVERITIES",
    "severity_rank", "Share", "shares", "ssm_parameter", "SsmParameter", "Statement",
    "statement_allows_everything", "statement_evidence", "statement_name", "summarize",
    "TRAIL_TYPES", "UNKNOWN", "Unknown", "unknown_policies", "Zone",
]


# ---------------------------------------------------------------- principals
# Kinds (Principal.kind: user, group, role), trust (Principal.trust), the principals a trust
# statement names (PrincipalRef), MFA and ExternalId conditions; a principal's privilege is
# ``ctx.analysis.privilege(principal)``.


def person_principal(principal: PrincipalRef) -> str | None:
    """'account' or 'user' for a trust principal people sign in as, None for services,
    federation, roles and anyone, 'unknown' when its value is not known before deploy."""
    return _identity.person_principal(principal)


def deploying_account(principal: PrincipalRef, zone: Zone) -> bool | None:
    """Is an AWS trust principal the deploying account? None when it cannot be told."""
    return _identity.deploying_account(principal, zone)


def automation_pin(statement: Statement) -> str | None:
    """What ties a trust statement to automation (sts:ExternalId, aws:PrincipalArn admitting
    only roles), in words; None when nothing does."""
    return _identity.automation_pin(statement)


def people_marks(document: PolicyDocument, zone: Zone) -> list[str]:
    """What in a trust policy marks the role for people (IAM users, SAML federation, the
    deploying account's root, a person's session keys), in words; empty when nothing does."""
    return _identity.people_marks(document, zone)


def judge_principal(principal: PrincipalRef, statement: Statement, marks: list[str], zone: Zone) -> Audience | None:
    """People, automation, or cannot tell, for one AWS principal of a trust statement, and why
    (None for services, federated providers, roles and anyone)."""
    return _identity.judge_principal(principal, statement, marks, zone)


def declares_boundary(principal: Principal) -> bool:
    """A permissions boundary is set on the principal, even one whose policy could not be read."""
    return _identity.declares_boundary(principal)


def unknown_policies(principal: Principal) -> list[str]:
    """What grants or may deny the principal's permissions but cannot be read, named."""
    return _identity.unknown_policies(principal)


def policy_of(principal: Principal, statement: Statement | None) -> PolicyNode | None:
    """The policy of the principal that holds ``statement``."""
    return _identity.policy_of(principal, statement)


# ---------------------------------------------------------------- effective permissions and escalation
# ``ctx.analysis.escalation`` (EscalationAnalysis): subjects(), methods_for(principal),
# full_admin(principal), is_admin(principal), paths_to_admin(principal), effective(principal).


def changes_its_own_permissions(principal: Principal, use: MethodUse) -> bool:
    """For a method that changes permissions: can the principal change its own?"""
    return _escalation.changes_its_own_permissions(principal, use)


def statement_name(statement: Statement) -> str:
    """How messages name a statement: its Sid, else its 1-based number."""
    return _escalation.statement_name(statement)


# ---------------------------------------------------------------- resource policies and exposures
# Who a resource or trust policy lets in, relative to the zone of trust of its group
# (``ctx.analysis.zone(group)``): ANYONE (public), OUTSIDE (named parties outside the zone) or
# UNKNOWN (not known before deploy).


def exposed_policies(model: IamModel) -> list[ExposedPolicy]:
    """Every resource policy (with the resource it protects) and every role trust policy."""
    return _external.exposed_policies(model)


def bucket_exposures(model: IamModel) -> list[BucketExposure]:
    """Every bucket of the model with its effective public access block and its public ACLs."""
    if not _holds_any(model, _catalogue.Bucket):
        return []
    from .iam import public_access

    return public_access.bucket_exposures(model)


def bucket_for(model: IamModel, resource: Resource, value: Any) -> Resource | None:
    """The bucket of the model that ``value`` (a property of ``resource``) designates."""
    from .iam import public_access

    return public_access.bucket_for(model, resource, value)


def access_point_blocks(model: IamModel) -> list[AccessPointBlock]:
    """Every S3 access point with its public access block settings."""
    if not _holds_any(model, _catalogue.AccessPoint):
        return []
    from .iam import public_access

    return public_access.access_point_blocks(model)


def function_urls(model: IamModel) -> list[FunctionUrl]:
    """Every Lambda function URL with its auth type."""
    if not _holds_any(model, _catalogue.FunctionUrl):
        return []
    from .iam import public_access

    return public_access.function_urls(model)


def shares(analysis: Analysis) -> Iterator[Share]:
    """Every party a sharing setting (AMI launch permission, snapshot attribute, SSM document
    permission, RAM share) names, judged against the zone of its resource's group."""
    if not _holds_any(analysis.model, _catalogue.Share):
        return iter(())
    from .iam import sharing

    return sharing.shares(analysis.model, lambda resource: analysis.zone(resource.group))


# ---------------------------------------------------------------- grants: how broad an Allow is
# ``ctx.analysis.allow_statements()`` gives (policy, Allow statement) of every identity policy
# that grants; ``ctx.analysis.denied_everywhere(document, action)`` and
# ``pattern_denied_everywhere`` what a Deny of the same policy takes back.


def resource_scope(statement: Statement) -> ResourceScope:
    """Does the statement reach every resource (``*`` or NotResource), and which Unknown entries
    could still turn out to be ``*``."""
    return _grants.resource_scope(statement)


def resources_text(statement: Statement, limit: int = 3) -> str:
    """How the statement's resources read in a message."""
    return _grants.resources_text(statement, limit)


def every_of_type(statement: Statement, action: str) -> list[str]:
    """Resource entries that cover every resource of a type of ``action`` (``arn:aws:s3:::*/*``)."""
    return _grants.every_of_type(statement, action)


def expanded_actions(statement: Statement) -> tuple[list[str], list[Unknown]]:
    """The catalogued actions the statement's Action names (wildcards expanded), and its
    Unknown entries."""
    return _grants.expanded_actions(statement)


def report_statement(ctx: CheckContext, node: PolicyNode, statement: Statement, text: str, severity: str,
                     evidence: Any, *, exclude_keys: Iterable[str] = (), after: str = "") -> None:
    """Report one statement of a granting policy as every least-privilege check does: whom the
    policy is granted to, and the conditions that narrow it (each lowers the severity a step)."""
    _grants.report_statement(ctx, node, statement, text, severity, evidence, exclude_keys=exclude_keys,
                             after=after)


# ---------------------------------------------------------------- account baseline and guardrails


def groups_of(resources: Iterable[Resource]) -> list[str]:
    """The groups (templates, plans, root module trees) of ``resources``, sorted."""
    from .iam import baseline

    return baseline.groups_of(resources)


def root_monitoring(model: IamModel, group: str) -> RootMonitoring:
    """What in one group watches root-user activity (trails, metric filters, alarms, rules)."""
    from .iam import baseline

    return baseline.root_monitoring(model, group)


def managed_policy_privilege(name: str) -> tuple[str, str] | None:
    """(severity, what it grants) for a broad AWS managed policy by name; None for any other."""
    from .iam import managed

    return managed.privileged(name)


# ---------------------------------------------------------------- credentials


def environment_scopes(resource: Resource) -> list[tuple[str, Any]]:
    """(path, value) of each set of environment variables a function or task passes its code."""
    return _credentials.environment_scopes(resource)


def might_hold_credentials(value: Any) -> bool:
    """A cheap first look: could any text in ``value`` be an access key id or secret?"""
    return _credentials.might_hold_credentials(value)


def find_credentials(value: Any, *, path: str = "", line: int = 0) -> list[CredentialHit]:
    """Access key ids and secret access keys written in ``value``."""
    return _credentials.find_credentials(value, path=path, line=line)


def secret_references(model: IamModel, resource: Resource, value: Any, *, path: str = "") -> list[SecretReference]:
    """Places in ``value`` (a property of ``resource``) built from an access key's clear secret."""
    return _credentials.secret_references(model, resource, value, path=path)


# ---------------------------------------------------------------- action catalogue
# expand_actions(pattern), glob_match(pattern, value), access_level(action),
# restrictable(action), services_of_pattern, service_wide_wildcard, every_action_entry and
# DATA_READ_ACTIONS (reads that hand out the data itself) are re-exported above.


def is_plumbing(action_or_pattern: str) -> bool:
    """Is every action this names one that AWS's own service-role / basic-execution managed
    policies grant on ``*`` (logs delivery, ENIs, X-Ray, the SSM agent, image pulls)? Such a
    statement is reported at low, and mixed lists name only the rest (``iam/plumbing.py``)."""
    from .iam import plumbing

    return plumbing.is_plumbing(action_or_pattern)


def is_service_plumbing(action_or_pattern: str, principal: str) -> bool:
    """Is every action this names one that AWS's own service-role policies of the service
    ``principal`` (``ecs.amazonaws.com``) grant it on ``*``? It counts as plumbing only in a
    policy that a role this service alone can assume holds (``ctx.analysis.sole_service(node)``)."""
    from .iam import plumbing

    return plumbing.is_service_plumbing(action_or_pattern, principal)


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def plumbing_note(actions: Iterable[str], service: str | None = None) -> str:
    """``plumbing: AWS's own <policy> grants this on *`` naming few seed policies that grant
    ``actions``; with ``service``, what that service's own service-role policies grant it is named
    first (``... grants this to ecs.amazonaws.com on *``). Empty when none is plumbing."""
    actions = list(actions)
    parts: list[str] = []
    rest = actions
    if service:
        own = [a for a in actions if is_service_plumbing(a, service)]
        from .iam import plumbing

        policies = plumbing.granting_service_policies(own, service)
        if policies:
            parts.append(f"AWS's own {_and(policies)} grant{'s' if len(policies) == 1 else ''} this to "
                         f"{service.strip().lower()} on *")
            rest = [a for a in actions if a not in own]
    from .iam import plumbing

    seeds = plumbing.granting_seeds(rest)
    if seeds:
        parts.append(f"AWS's own {_and(seeds)} grant{'s' if len(seeds) == 1 else ''} "
                     f"{'the rest' if parts else 'this'} on *")
    return "plumbing: " + ", and ".join(parts) if parts else ""


def split_plumbing(actions: Sequence[str], *, whole: bool = True,
                   service: str | None = None) -> tuple[list[str], list[str], str]:
    """(the actions a finding names, the plumbing among ``actions``, a note). When every action
    is plumbing (and the list is ``whole``: nothing unresolved beside it) the finding names them
    all and the note ("; plumbing: ...") says it is reported at low; otherwise it names only the
    rest and the note is empty. ``service`` is the one service that alone can assume every holder
    of the policy (``ctx.analysis.sole_service(node)``): what AWS's own service-role policies grant
    that service on ``*`` is plumbing too."""
    plumbing = [a for a in actions if is_plumbing(a) or (service is not None and is_service_plumbing(a, service))]
    if plumbing and len(plumbing) == len(actions) and whole:
        return list(actions), plumbing, "; " + plumbing_note(plumbing, service)
    return [a for a in actions if a not in plumbing], plumbing, ""


# ---------------------------------------------------------------- evidence and messages


def describe_conditions(statement: Statement) -> str:
    """The statement's conditions as ``operator key [values]``, joined by ``; ``."""
    parts = []
    for condition in statement.conditions:
        values = ", ".join(str(v) for v in condition.values)
        parts.append(f"{condition.operator} {condition.key} [{values}]")
    return "; ".join(parts)


def statement_evidence(statement: Statement) -> Any:
    """The statement as written, JSON-serialisable, for the finding's evidence field."""
    raw = statement.raw
    return to_plain(raw) if raw is not None else None
