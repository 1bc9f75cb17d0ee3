"""Effective permissions of one principal: every identity policy that reaches it (inline,
customer managed, attached AWS managed, and its groups' policies), minus explicit Denies, capped
by its permissions boundary when one is set. SCPs are not applied.

Answers are computed on demand, one (action, resource) at a time, with ``access.evaluate``;
nothing expands ``*`` across the action catalogue.

Policies are prepared once so that their resources can be compared with the principals, roles
and policies of the scan:

* a ``Ref`` (or an Unknown that refers to template resources only) that names a principal or a
  customer managed policy becomes that resource's ARN (see :func:`principal_arn`);
* pseudo parameters for the account, partition and region (``${AWS::AccountId}``,
  ``${data.aws_caller_identity.x.account_id}`` ...) become the scan's placeholder values, so
  ``arn:${AWS::Partition}:iam::${AWS::AccountId}:role/app`` names the role ``app`` of the
  deploying account;
* a literal 12-digit account in an IAM ARN is taken to be the deploying account unless
  ``deploy_accounts`` is given and does not list it;
* for a user whose name is known, ``${aws:username}`` becomes that name.

Anything else unknown stays Unknown and evaluates to "depends" (``Grant.allowed is None``),
never to an allow.

A request context (``{"iam:PassedToService": ["lambda.amazonaws.com"]}``, or ``None`` as a value
for a key that is absent from the request) decides the conditions on those keys before
evaluation, so ``iam:PassedToService`` and ``iam:PermissionsBoundary`` conditions count.
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, Any, Iterable

from ..values import Ref, Unknown
from .access import Grant, PolicyEvaluator
from .actions import resource_services
from .policy import PolicyDocument, Statement

if TYPE_CHECKING:
    from ..resource import Resource
    from .model import IamModel, PolicyNode, Principal

__all__ = ["ACCOUNT", "PARTITION", "EffectivePermissions", "EffectiveIndex", "principal_arn", "policy_arn",
           "resolve_document", "apply_context", "OUTSIDE_NAME"]

# The deploying account and partition as this analysis names them.
ACCOUNT = "000000000000"
PARTITION = "aws"
# The name of "some principal or policy outside the scanned files": only patterns that match
# every name (``*``, ``role/*``) match it.
OUTSIDE_NAME = "\u2063outside-the-scan"

_PSEUDO = [
    (re.compile(r"\$\{(AWS::AccountId|data\.aws_caller_identity\.[^}]*\.account_id)\}"), ACCOUNT),
    (re.compile(r"\$\{(AWS::Partition|data\.aws_partition\.[^}]*\.partition)\}"), PARTITION),
    (re.compile(r"\$\{(AWS::Region|data\.aws_region\.[^}]*\.(name|region|id))\}"), "*"),
]
_HOLE = re.compile(r"\$\{([^}]*)\}")
# policy variables (aws:username, s3:prefix, aws:PrincipalTag/team) and the ${*} ${?} ${$} escapes
_POLICY_VARIABLE = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9/_.$-]+|[*?$]")
_IAM_ARN = re.compile(r"arn:([^:]*):iam::(\d{12}):(.*)", re.DOTALL)

_NAME_PROPS = {"role": ("name", "RoleName"), "user": ("name", "UserName"), "group": ("name", "GroupName")}


def _literal_path(resource: Resource | None) -> str:
    path = resource.get("path", resource.get("Path")) if resource is not None else None
    if isinstance(path, str) and path.startswith("/") and path.endswith("/"):
        return path
    return "/"


def principal_arn(principal: Principal) -> str:
    """The principal's ARN in the deploying account. A name generated at deploy time becomes a
    name only wildcard patterns match (like a principal outside the scan)."""
    name = principal.name if isinstance(principal.name, str) else f"{OUTSIDE_NAME}{principal.id}"
    path = "/" if principal.external else _literal_path(principal.resource)
    return f"arn:{PARTITION}:iam::{ACCOUNT}:{principal.kind}{path}{name}"


def policy_arn(node: PolicyNode) -> str | None:
    """The ARN of a customer managed policy defined in the scan (None for other kinds)."""
    if node.kind != "managed" or node.document is None:
        return None
    name = node.resource.get("name", node.resource.get("ManagedPolicyName"))
    name = name if isinstance(name, str) else f"{OUTSIDE_NAME}{node.id}"
    return f"arn:{PARTITION}:iam::{ACCOUNT}:policy{_literal_path(node.resource)}{name}"


def outside_arn(kind: str) -> str:
    """An ARN standing for any user/group/role/policy not defined in the scanned files."""
    return f"arn:{PARTITION}:iam::{ACCOUNT}:{kind}/{OUTSIDE_NAME}"


# ------------------------------------------------------------------------- preparing documents

class _Resolver:
    """Turns the resource entries of identity policies into ARNs comparable with the scan."""

    def __init__(self, model: IamModel, deploy_accounts: Iterable[str] = ()):
        self.model = model
        self.deploy_accounts = frozenset(deploy_accounts)
        self.arn_of_resource: dict[int, str] = {}
        for principal in model.principals.values():
            self.arn_of_resource[id(principal.resource)] = principal_arn(principal)
        for node in model.policies.values():
            arn = policy_arn(node)
            if arn:
                self.arn_of_resource[id(node.resource)] = arn

    def entry(self, owner: Resource, entry: Any) -> list[Any]:
        if isinstance(entry, str):
            return [self._account(entry)]
        if not isinstance(entry, Unknown):
            return [entry]
        if entry.refs:
            targets = self.model.referenced(owner, entry)
            arns = [self.arn_of_resource.get(id(t)) for t in targets]
            whole = isinstance(entry, Ref) or entry.text.strip() in {"${" + r.text + "}" for r in entry.refs}
            if targets and all(arns) and whole:
                return list(dict.fromkeys(arns))
            return [entry]
        text = entry.text
        for pattern, value in _PSEUDO:
            text = pattern.sub(value, text)
        if all(_POLICY_VARIABLE.fullmatch(hole) for hole in _HOLE.findall(text)):
            return [self._account(text)]
        return [entry]

    def _account(self, text: str) -> str:
        found = _IAM_ARN.fullmatch(text)
        if found and (not self.deploy_accounts or found.group(2) in self.deploy_accounts):
            return f"arn:{found.group(1)}:iam::{ACCOUNT}:{found.group(3)}"
        return text


def resolve_document(resolver: _Resolver, owner: Resource, doc: PolicyDocument) -> PolicyDocument:
    """A copy of ``doc`` whose Resource/NotResource entries are resolved (see module docstring)."""
    statements = []
    for statement in doc.statements:
        changes: dict[str, Any] = {}
        for name in ("resources", "not_resources"):
            entries = getattr(statement, name)
            if entries is None:
                continue
            resolved: list[Any] = []
            for entry in entries:
                resolved.extend(resolver.entry(owner, entry))
            if resolved != list(entries):
                changes[name] = tuple(resolved)
        statements.append(dataclasses.replace(statement, **changes) if changes else statement)
    return dataclasses.replace(doc, statements=statements)


def _substitute(doc: PolicyDocument, variables: dict[str, str]) -> PolicyDocument:
    """Replace policy variables with the caller's own values in resource entries."""
    def one(entry: Any) -> Any:
        if not isinstance(entry, str) or "${" not in entry:
            return entry
        return _HOLE.sub(lambda m: variables.get(m.group(1).lower(), m.group(0)), entry)

    statements = []
    for statement in doc.statements:
        changes: dict[str, Any] = {name: tuple(one(e) for e in getattr(statement, name))
                   for name in ("resources", "not_resources") if getattr(statement, name) is not None}
        statements.append(dataclasses.replace(statement, **changes) if changes else statement)
    return dataclasses.replace(doc, statements=statements)


def apply_context(doc: PolicyDocument, context: dict[str, Any]) -> PolicyDocument:
    """Decide the conditions on the context's keys (lowercase): a statement whose condition is
    false for this request is dropped; a condition that holds is removed; others stay. A value
    of ``None`` means the key is absent from the request."""
    if not context:
        return doc
    statements = []
    for statement in doc.statements:
        kept = []
        applies = True
        for condition in statement.conditions:
            if condition.key_lc not in context:
                kept.append(condition)
                continue
            result = condition.matches(context[condition.key_lc])
            if result is False:
                applies = False
                break
            if result is None:
                kept.append(condition)
        if not applies:
            continue
        statements.append(statement if len(kept) == len(statement.conditions)
                          else dataclasses.replace(statement, conditions=tuple(kept)))
    return dataclasses.replace(doc, statements=statements)


# ------------------------------------------------------------------------- one principal

# Actions whose combined allowance on "*" means "every action": a new service's action matches
# only Action "*"-like statements, the IAM and STS ones exclude NotAction carve-outs.
_ADMIN_SENTINELS = ("iacguard-any-service:AnyAction", "iam:PutRolePolicy", "iam:AttachUserPolicy",
                    "iam:CreatePolicyVersion", "iam:PassRole", "sts:AssumeRole", "organizations:LeaveOrganization")


class EffectivePermissions:
    """What one principal may do. ``policies`` are the (node, prepared document) pairs that grant
    it permissions; ``unknown_policies`` are attached policies whose content is not known (an AWS
    managed policy iacguard does not describe, a policy outside the scan): they may grant more
    than is evaluated here. ``boundary_unknown``: a permissions boundary is set but its content
    is not known, so it is not applied (it may restrict more than is evaluated here)."""

    def __init__(self, principal: Principal | None, policies: list[tuple[PolicyNode, PolicyDocument]],
                 boundary: tuple[PolicyNode, PolicyDocument] | None, unknown_policies: list[PolicyNode],
                 boundary_unknown: bool):
        self.principal = principal
        self.policies = policies
        self.boundary = boundary
        self.unknown_policies = unknown_policies
        self.boundary_unknown = boundary_unknown
        self._by_statement = {(id(st.raw), st.index, st.line): node for node, doc in policies for st in doc.statements}
        self._context_docs: dict[tuple, tuple[list[PolicyDocument], list[PolicyDocument] | None, PolicyEvaluator]] = {}
        self._cache: dict[tuple, Grant] = {}
        self._mentions: dict[str, bool] = {}
        self._services: frozenset[str] | None = None
        self._services_known = False

    def node_of(self, statement: Statement) -> PolicyNode | None:
        """The policy node a statement (or a context-adjusted copy of it) comes from."""
        return self._by_statement.get((id(statement.raw), statement.index, statement.line))

    def _docs(self, context: dict[str, Any] | None) -> tuple[list[PolicyDocument], list[PolicyDocument] | None]:
        return self._prepared(context)[:2]  # type: ignore[return-value]

    def _prepared(self, context: dict[str, Any] | None) -> tuple[list[PolicyDocument], list[PolicyDocument] | None,
                                                                PolicyEvaluator]:
        key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in context.items())) if context else ()
        prepared = self._context_docs.get(key)
        if prepared is None:
            identity = [apply_context(doc, context or {}) for _, doc in self.policies]
            boundary = [apply_context(self.boundary[1], context or {})] if self.boundary else None
            prepared = self._context_docs[key] = (identity, boundary, PolicyEvaluator(identity, boundary_docs=boundary))
        return prepared

    def mentions(self, action: str) -> bool:
        """Could any Allow statement of its policies cover the action (whatever the resource)?
        A cheap filter before evaluating targets."""
        found = self._mentions.get(action)
        if found is None:
            services = self.allowed_services()
            if services is not None and action.isascii() and action.split(":", 1)[0].lower() not in services:
                found = False  # no Allow names this action's service: nothing to match
            else:
                found = self._mentions_uncached(action)
            self._mentions[action] = found
        return found

    def allowed_services(self) -> frozenset[str] | None:
        """Lowercase service prefixes the Allow statements' actions can match; None when some
        entry could match any service (a wildcard in the service part, NotAction, Unknown)."""
        if self._services_known:
            return self._services
        services: set[str] | None = set()
        for _, doc in self.policies:
            for statement in doc.statements:
                if not (statement.is_allow or statement.effect_unknown):
                    continue
                if statement.actions is None:
                    services = None  # NotAction (or no action element): any service may match
                    break
                for entry in statement.actions:
                    if isinstance(entry, Unknown):
                        services = None
                        break
                    if not isinstance(entry, str):
                        continue  # never matches
                    service = entry.strip().split(":", 1)[0]
                    # IAM patterns match case-insensitively; kept to ASCII, where lowercasing
                    # agrees with the regex engine's case folding
                    if "*" in service or "?" in service or not service.isascii():
                        services = None
                        break
                    services.add(service.lower())  # type: ignore[union-attr]  # not None: each "services = None" breaks out
                if services is None:
                    break
            if services is None:
                break
        self._services = frozenset(services) if services is not None else None
        self._services_known = True
        return self._services

    def _mentions_uncached(self, action: str) -> bool:
        return any((st.is_allow or st.effect_unknown) and st.action_match(action) is not False
                   for _, doc in self.policies for st in doc.statements)

    def grant(self, action: str, resource: str = "*", context: dict[str, Any] | None = None) -> Grant:
        """The decision for one action on one resource ARN (see ``access.evaluate``)."""
        if context:
            context = {k.lower(): v for k, v in context.items()}
            context_key = tuple(sorted((k, str(v)) for k, v in context.items()))
        else:
            context, context_key = {}, ()
        key = (action.lower(), resource, context_key)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._prepared(context)[2].evaluate(action, resource)
        return cached

    def resource_patterns(self, action: str) -> list[str]:
        """The literal resource patterns of the Allow statements (identity and boundary) that
        cover the action, plus ``*``: the candidates for "allowed on some resource"."""
        found = ["*"]
        docs = [doc for _, doc in self.policies] + ([self.boundary[1]] if self.boundary else [])
        for doc in docs:
            for statement in doc.statements:
                if not statement.is_allow or statement.action_match(action) is False:
                    continue
                for entry in statement.resources or ():
                    if isinstance(entry, str) and entry not in found:
                        found.append(entry)
        return found

    def grant_somewhere(self, action: str, context: dict[str, Any] | None = None) -> tuple[Grant, str]:
        """Is the action allowed on at least one resource the caller may choose (a new function,
        stack or instance, any existing one)? Each candidate pattern is evaluated as a resource:
        a Deny covering the pattern removes it. Returns the strongest grant and its resource."""
        best: tuple[Grant, str] | None = None
        services = resource_services(action)
        for pattern in self.resource_patterns(action):
            if services is not None and not _may_name(pattern, services):
                continue  # cloudformation:UpdateStack on arn:aws:s3:::x names no stack
            grant = self.grant(action, pattern, context)
            if best is None or _strength(grant) > _strength(best[0]):
                best = (grant, pattern)
            if grant.allowed and not grant.conditional:
                break
        assert best is not None  # "*" is always a candidate
        return best

    def full_admin(self) -> Grant:
        """Allowed every action on every resource? (``conditional`` when only under conditions.)"""
        if not self.mentions(_ADMIN_SENTINELS[0]):
            return Grant(False, False)  # no statement covers an action of any service
        grants = [self.grant(action, "*") for action in _ADMIN_SENTINELS]
        if any(g.allowed is False for g in grants):
            return Grant(False, False)
        if any(g.allowed is None for g in grants):
            return Grant(None, any(g.conditional for g in grants))
        return Grant(True, any(g.conditional for g in grants),
                     [s for g in grants for s in g.allow_statements])


def _strength(grant: Grant) -> int:
    if grant.allowed is True:
        return 2 if not grant.conditional else 1
    return 0 if grant.allowed is None else -1


class EffectiveIndex:
    """Effective permissions for every principal of a model, prepared once and cached."""

    def __init__(self, model: IamModel, deploy_accounts: Iterable[str] = ()):
        self.model = model
        self.resolver = _Resolver(model, deploy_accounts)
        self._documents: dict[str, PolicyDocument] = {}
        self._principals: dict[str, EffectivePermissions] = {}

    def document(self, node: PolicyNode) -> PolicyDocument | None:
        if node.document is None:
            return None
        doc = self._documents.get(node.id)
        if doc is None:
            doc = self._documents[node.id] = resolve_document(self.resolver, node.resource, node.document)
        return doc

    def of(self, principal: Principal) -> EffectivePermissions:
        found = self._principals.get(principal.id)
        if found is not None:
            return found
        variables = {}
        if principal.kind == "user" and isinstance(principal.name, str):
            variables["aws:username"] = principal.name
        policies, unknown = [], []
        seen: set[str] = set()
        for node in principal.identity_policies():
            if node.id in seen:
                continue
            seen.add(node.id)
            doc = self.document(node)
            if doc is None:
                unknown.append(node)
                continue
            policies.append((node, _substitute(doc, variables) if variables else doc))
        boundary = None
        boundary_unknown = False
        if principal.boundary is not None:
            doc = self.document(principal.boundary)
            if doc is None:
                boundary_unknown = True
            else:
                boundary = (principal.boundary, _substitute(doc, variables) if variables else doc)
        found = self._principals[principal.id] = EffectivePermissions(principal, policies, boundary, unknown,
                                                                      boundary_unknown)
        return found

    def of_policy(self, node: PolicyNode) -> EffectivePermissions | None:
        """What one policy alone allows (for a policy attached to nothing in the scan)."""
        doc = self.document(node)
        if doc is None:
            return None
        return EffectivePermissions(None, [(node, doc)], None, [], False)


def _may_name(pattern: str, services: frozenset[str]) -> bool:
    """Can a Resource pattern name a resource of one of these services (by its ARN's service
    part)? A pattern that is not an ARN, or whose service part has a wildcard, may."""
    if not pattern.startswith("arn:"):
        return True
    parts = pattern.split(":", 3)
    if len(parts) < 3 or any(c in parts[2] for c in "*?$"):
        return True
    return parts[2].lower() in services
