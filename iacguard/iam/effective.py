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
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ..values import Ref, Unknown
from .access import _CONDITIONAL, _MAYBE, _NO, _YES, Grant, PolicyEvaluator, _has_unknown_parts
from .actions import resource_arn_globs
from .conditions import _and3, _not3, _or3, arn_match
from .policy import PolicyDocument, Statement, entry_services
from ..lazy_regex import lazy_compile

if TYPE_CHECKING:
    from ..resource import Resource
    from .model import IamModel, PolicyNode, Principal

__all__ = ["ACCOUNT", "PARTITION", "EffectivePermissions", "EffectiveIndex", "principal_arn", "policy_arn",
           "resolve_document", "apply_context", "OUTSIDE_NAME", "ROLE_EDITING_ACTIONS",
           "names_service_linked_roles_only", "globs_meet", "arns_meet", "shown_arn"]

# The deploying account and partition as this analysis names them.
ACCOUNT = "000000000000"
PARTITION = "aws"
# The name of "some principal or policy outside the scanned files": only patterns that match
# every name (``*``, ``role/*``) match it.
OUTSIDE_NAME = "\u2063outside-the-scan"
# How a message shows the deploying account: the placeholder above is this analysis' own name for
# it, which a reader would take for a real (and wrong) account id.
SHOWN_ACCOUNT = "<deploying account>"


def shown_arn(text: str) -> str:
    """An ARN or pattern as a message shows it: the deploying account by that name."""
    return text.replace(f":{ACCOUNT}:", f":{SHOWN_ACCOUNT}:")

_PSEUDO = [
    (lazy_compile(r"\$\{(AWS::AccountId|data\.aws_caller_identity\.[^}]*\.account_id)\}"), ACCOUNT),
    (lazy_compile(r"\$\{(AWS::Partition|data\.aws_partition\.[^}]*\.partition)\}"), PARTITION),
    (lazy_compile(r"\$\{(AWS::Region|data\.aws_region\.[^}]*\.(name|region|id))\}"), "*"),
]
_HOLE = lazy_compile(r"\$\{([^}]*)\}")
# policy variables (aws:username, s3:prefix, aws:PrincipalTag/team) and the ${*} ${?} ${$} escapes
_POLICY_VARIABLE = lazy_compile(r"[A-Za-z0-9-]+:[A-Za-z0-9/_.$-]+|[*?$]")
_IAM_ARN = lazy_compile(r"arn:([^:]*):iam::(\d{12}):(.*)", re.DOTALL)

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
        if "${" not in text:
            # a whole value known only at deploy time (!Ref RoleArn, var.role_arn): its text is an
            # expression, never a literal ARN to compare
            return [entry]
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
                # NotAction (or no action element): any service may match
                found = entry_services(statement.actions) if statement.actions is not None else None
                if found is None:
                    services = None
                    break
                services |= found  # type: ignore[operator]  # not None: "services = None" breaks out
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
        for statement in self._allows_covering(action, boundary=True):
            for entry in statement.resources or ():
                if isinstance(entry, str) and entry not in found:
                    found.append(entry)
        return found

    def deploy_time_resources(self, action: str) -> list[Unknown]:
        """The Resource entries known only at deploy time (``arn:...:role/${Name}``, a parameter,
        a variable) of the identity Allow statements that cover the action, each once."""
        found: list[Unknown] = []
        for statement in self._allows_covering(action, boundary=False):
            for entry in statement.resources or ():
                if isinstance(entry, Unknown) and entry not in found:
                    found.append(entry)
        return found

    def _allows_covering(self, action: str, *, boundary: bool) -> Iterator[Statement]:
        """The Allow statements of the identity policies (and of the boundary) that may cover
        the action."""
        docs = [doc for _, doc in self.policies] + ([self.boundary[1]] if boundary and self.boundary else [])
        for doc in docs:
            for statement in doc.statements:
                if statement.is_allow and statement.action_match(action) is not False:
                    yield statement

    def grant_on_value(self, action: str, value: Unknown, context: dict[str, Any] | None = None) -> Grant:
        """The decision for one action on the one resource a deploy-time value names. A
        statement naming that same value, or a pattern that matches whatever it turns out to be
        (``*``, ``role/*`` for ``role/${Name}``), covers it; a pattern that could match some of
        its values (``role/admin-*``) may: an Allow then does not count, a Deny makes the grant
        conditional. Only a Deny that certainly covers it removes it."""
        context = {k.lower(): v for k, v in context.items()} if context else {}
        key = ("value", action.lower(), type(value).__name__, value.text, getattr(value, "identity", None),
               tuple(sorted((k, str(v)) for k, v in context.items())))
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._grant_on_value(action, value, context)
        return cached

    def _grant_on_value(self, action: str, value: Unknown, context: dict[str, Any]) -> Grant:
        identity, boundary, _ = self._prepared(context)
        edits_roles = action.lower() in ROLE_EDITING_ACTIONS
        shape = value_glob(value)
        allows: list[Statement] = []
        denies: list[Statement] = []
        hard_deny, soft_deny = False, any(_has_unknown_parts(doc) for doc in identity + (boundary or []))
        states = []
        for layer, docs in (("identity", identity), ("boundary", boundary)):
            if docs is None:
                continue
            state = _MAYBE if any(_has_unknown_parts(doc) for doc in docs) else _NO
            for doc in docs:
                for statement in doc.statements:
                    action_match = statement.action_match(action)
                    if action_match is False:
                        continue
                    if edits_roles and statement.is_allow and _service_linked_only(statement):
                        continue  # IAM refuses the edit on every role this statement names
                    match = _and3((action_match, _statement_covers_value(statement, value, shape)))
                    if match is False:
                        continue
                    if statement.is_deny or statement.effect_unknown:
                        denies.append(statement)
                        if match is True and statement.is_deny and not statement.conditions:
                            hard_deny = True
                        else:
                            soft_deny = True
                        if statement.is_deny:
                            continue
                    if layer == "identity":
                        allows.append(statement)
                    if match is True and statement.is_allow:
                        state = max(state, _CONDITIONAL if statement.conditions else _YES)
                    else:
                        state = max(state, _MAYBE)
            states.append(state)
        if hard_deny or _NO in states:
            return Grant(False, False, allows, denies)
        allowed: bool | None = None if _MAYBE in states else True
        return Grant(allowed, _CONDITIONAL in states or soft_deny, allows, denies)

    def grant_somewhere(self, action: str, context: dict[str, Any] | None = None,
                        accept: Callable[[str | Unknown], bool] | None = None) -> tuple[Grant, str]:
        """Is the action allowed on at least one resource the caller may choose (a new function,
        stack or instance, any existing one)? Each candidate is evaluated as a resource: the
        literal patterns of the Allow statements (a Deny covering the pattern removes it) and
        the resources known only at deploy time they name (see :meth:`grant_on_value`).
        Candidates that cannot name a resource of the action's service, role edits on
        service-linked roles (IAM refuses them) and, with ``accept``, candidates it refuses
        (given the pattern or the deploy-time value) are left out. Returns the strongest grant
        and its resource's text."""
        best: tuple[Grant, str] | None = None
        shapes = resource_arn_globs(action)
        edits_roles = action.lower() in ROLE_EDITING_ACTIONS
        candidates: list[str | Unknown] = [*self.resource_patterns(action), *self.deploy_time_resources(action)]
        for candidate in candidates:
            text = candidate if isinstance(candidate, str) else value_text(candidate)
            if shapes is not None and not _may_name(text, shapes):
                continue  # cloudformation:UpdateStack on arn:aws:s3:::x, codebuild:UpdateProject on a report group
            if edits_roles and names_service_linked_roles_only(text):
                continue
            if accept is not None and not accept(candidate):
                continue
            grant = (self.grant(action, candidate, context) if isinstance(candidate, str)
                     else self.grant_on_value(action, candidate, context))
            shown = candidate if isinstance(candidate, str) else candidate.text
            if best is None or _strength(grant) > _strength(best[0]):
                best = (grant, shown)
            if grant.allowed and not grant.conditional:
                break
        if best is None:
            return Grant(False, False), "*"
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


# Actions that create or change a role. IAM refuses them on service-linked roles (the path
# /aws-service-role/ is reserved for roles a service creates and edits itself), so a grant
# scoped to those roles delegates nothing.
ROLE_EDITING_ACTIONS = frozenset(a.lower() for a in (
    "iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary",
    "iam:DeleteRolePermissionsBoundary", "iam:UpdateRole", "iam:UpdateRoleDescription"))
_SERVICE_LINKED = lazy_compile(r"arn:[^:]*:iam::[^:]*:role/aws-service-role/.*", re.DOTALL)


def names_service_linked_roles_only(pattern: str) -> bool:
    """Does a Resource pattern name only service-linked roles (``role/aws-service-role/...``,
    with the path's closing slash)? ``role/aws-service-role*`` also matches a role named
    ``aws-service-role-x`` on the root path, and ``role/*`` every role: neither is only."""
    return bool(_SERVICE_LINKED.fullmatch(pattern.strip()))


def _service_linked_only(statement: Statement) -> bool:
    """Does the statement's Resource name only service-linked roles?"""
    entries = statement.resources
    return bool(entries) and all(
        isinstance(e, (str, Unknown)) and names_service_linked_roles_only(e if isinstance(e, str) else value_text(e))
        for e in entries or ())


def value_text(value: Unknown) -> str:
    """A deploy-time value's text with the deploying account, partition and region put in (as
    the literal patterns have them): ``arn:aws:iam::000000000000:role/${Name}``."""
    text = value.text
    for pattern, replacement in _PSEUDO:
        text = pattern.sub(replacement, text)
    return text


def value_glob(value: Unknown) -> str | None:
    """The set of resources a deploy-time value may turn out to be, as an IAM wildcard pattern
    (each unknown part any text); None for a whole value whose text says nothing (a parameter,
    a variable, an attribute known after apply)."""
    text = value_text(value)
    if "${" not in text:
        return None
    return _HOLE.sub("*", text)


def _statement_covers_value(statement: Statement, value: Unknown, shape: str | None) -> bool | None:
    """Does a statement's Resource (NotResource) cover the one resource ``value`` names?"""
    if statement.resources is not None:
        return _or3(_entry_covers_value(e, value, shape) for e in statement.resources)
    if statement.not_resources is not None:
        return _not3(_or3(_entry_covers_value(e, value, shape) for e in statement.not_resources))
    return True


def _entry_covers_value(entry: Any, value: Unknown, shape: str | None) -> bool | None:
    """One Resource entry against a deploy-time value: True when it covers every value the
    value may take, False when none, None when some."""
    if isinstance(entry, Unknown):
        if entry == value and (not isinstance(entry, Ref) or not isinstance(value, Ref) or entry.identity == value.identity):
            return True
        other = value_glob(entry)
        if shape is not None and other is not None and not arns_meet(other, shape):
            return False  # role/${A} is never arn:aws:s3:::${B}
        return None  # two values known only at deploy time may be the same
    if not isinstance(entry, str):
        return False
    pattern = entry.strip()
    if pattern and set(pattern) == {"*"}:
        return True
    if shape is None:
        return None  # whatever the value is, it may match
    if arn_match(pattern, shape) is True:  # the value's unknown parts are literal text here
        return True
    return None if arns_meet(pattern, shape) else False


def arns_meet(first: str, second: str) -> bool:
    """Is there an ARN both Resource patterns match? Two ARNs are compared part by part (a
    wildcard of the first five parts stays inside its part), anything else as a whole."""
    first_parts, second_parts = first.split(":", 5), second.split(":", 5)
    if len(first_parts) == 6 and len(second_parts) == 6:
        return all(globs_meet(a, b) for a, b in zip(first_parts, second_parts))
    return globs_meet(first, second)


def globs_meet(first: str, second: str) -> bool:
    """Is there a text both IAM wildcard patterns match (``*`` any run, ``?`` one character)?
    A walk over pairs of positions, one in each pattern (no recursion, no backtracking)."""
    seen = {(0, 0)}
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if i == len(first) and j == len(second):
            return True
        steps = []
        a = first[i] if i < len(first) else None
        b = second[j] if j < len(second) else None
        if a == "*":
            steps.append((i + 1, j))  # the run is empty
            if b is not None:
                steps.append((i, j + 1))  # the run takes what the other pattern has here
        if b == "*":
            steps.append((i, j + 1))
            if a is not None:
                steps.append((i + 1, j))
        if a not in (None, "*") and b not in (None, "*") and (a == "?" or b == "?" or a == b):
            steps.append((i + 1, j + 1))
        for step in steps:
            if step not in seen:
                seen.add(step)
                todo.append(step)
    return False


def _may_name(pattern: str, shapes: tuple[str, ...]) -> bool:
    """Can a Resource pattern name a resource of one of these ARN shapes (an action's resource
    types, ``resource_arn_globs``)? A pattern that is not an ARN may; the unknown parts of a
    deploy-time value (``${...}``) may be anything."""
    if not pattern.startswith("arn:"):
        return True
    glob = _HOLE.sub("*", pattern)
    return any(arns_meet(glob, shape) for shape in shapes)
