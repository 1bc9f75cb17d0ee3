"""How broad one Allow statement of an identity policy is: its actions, its resources and the
conditions that narrow it. Shared by the least-privilege checks.

* ``every_resource_entry``: a Resource pattern that names no resource at all (``*``,
  ``arn:aws:*:*:*:*``). Scoped ARNs that merely contain wildcards
  (``arn:aws:logs:*:*:log-group:/app/*``, ``arn:aws:s3:::bucket/*/*.log``) are not.
* ``resource_scope``: does the statement reach every resource (a ``*`` entry, or NotResource),
  and which Unknown entries could still turn out to be ``*``.
* ``service_wide_wildcard``: ``*``, ``s3:*``, ``s3*``, ``*:*`` (CT.IAM.PR.3/5, Security Hub
  IAM.21), as opposed to ``ec2:Describe*``.
* ``constraining_conditions``: the conditions that really narrow a grant (resource tags,
  ``aws:RequestedRegion``, source VPC, the KMS request keys ``kms:ViaService``,
  ``kms:RequestAlias``, ``kms:EncryptionContext:*`` ...), as opposed to ones that hold for almost
  any request (``aws:SecureTransport``, IfExists, negated operators, wildcard values).
* ``denied_everywhere`` / ``pattern_denied_everywhere``: what an unconditional Deny of the same
  document takes away again (an explicit Deny overrides any Allow); ``find_allow_statements`` leaves
  out Allow statements such a Deny cancels on every resource.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ..severity import lower_severity  # noqa: F401  (re-exported for checks)
from ..values import Ref, Unknown
from .actions import action_info, expand_actions, known_services
from .conditions import Condition
from ..lazy_regex import lazy_compile

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..framework import CheckContext
    from .model import IamModel, PolicyNode, Principal
    from .policy import PolicyDocument, Statement

__all__ = [
    "ResourceScope", "every_action_entry", "every_resource_entry", "might_be_every_resource", "resource_scope",
    "service_wide_wildcard", "services_of_pattern", "expanded_actions", "constraining_conditions",
    "loose_conditions", "describe_condition", "lower_severity", "summarize", "denied_everywhere",
    "pattern_denied_everywhere", "cancelled_by_deny", "denies_everything", "DATA_READ_ACTIONS", "DenyIndex",
    "deny_index", "find_granting_policies", "find_allow_statements",
]

# Reads that hand out the data itself (object contents, secret values, parameter values,
# plaintext of KMS-encrypted data). Actions that accept only "*" (BatchGetSecretValue) are
# absent: they need the per-secret GetSecretValue permission anyway.
DATA_READ_ACTIONS = (
    "s3:GetObject", "s3:GetObjectVersion",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory",
    "kms:Decrypt", "kms:ReEncryptFrom",
)

# Condition keys that are present on (nearly) every request or say nothing about which
# resources or requests the grant covers: they do not narrow it.
_NON_NARROWING_KEYS = frozenset(k.lower() for k in (
    "aws:SecureTransport", "aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge", "aws:UserAgent",
    "aws:Referer", "aws:TokenIssueTime", "aws:CurrentTime", "aws:EpochTime", "aws:ViaAWSService",
    "aws:PrincipalType", "aws:PrincipalIsAWSService",
))
_HOLE = lazy_compile(r"\$\{([^}]*)\}")


# ---------------------------------------------------------------- resources

def every_resource_entry(entry: Any) -> bool:
    """A Resource pattern that matches every resource: made only of ``*``, or an ARN whose
    service and resource parts are only wildcards (``arn:*``, ``arn:aws:*:*:*:*``,
    ``arn:aws:*:eu-west-1:111122223333:*``). An ARN naming a service (``arn:aws:s3:::*``) or a
    resource (``log-group:/app/*``) is scoped."""
    if not isinstance(entry, str) or isinstance(entry, Unknown):
        return False
    text = entry.strip()
    if text and set(text) <= {"*"}:
        return True
    parts = text.split(":", 5)
    if parts[0] != "arn" or len(parts) < 2:
        return False
    if len(parts) == 2:
        return _only_star(parts[1])  # "arn:*"
    if len(parts) < 6:
        # matched as one string: "arn:aws:*" matches every ARN when what follows the
        # partition is wildcards only
        return all(_only_star(part) for part in parts[2:])
    service, resource = parts[2], parts[5]
    return _only_star(service) and _only_star(resource)


def _only_star(part: str) -> bool:
    return bool(part) and set(part) == {"*"}


def might_be_every_resource(entry: Any) -> bool:
    """An Unknown Resource entry that could be ``*`` once deployed: a variable or parameter
    (``var.arn``, ``!Ref ResourceArn``) or a template made only of such holes. A reference to a
    template resource's attribute (``aws_s3_bucket.b.arn``) and a template with literal text
    (``arn:aws:s3:::${var.bucket}/*``) name specific resources."""
    if not isinstance(entry, Unknown) or isinstance(entry, Ref):
        return False
    text = entry.text or ""
    holes = _HOLE.findall(text) if "${" in text else [text]
    literal = _HOLE.sub("", text) if "${" in text else ""
    if literal and set(literal.strip()) - {"*"}:
        return False
    ref_texts = {ref.text for ref in entry.refs}
    if holes and ref_texts and all(hole.strip() in ref_texts for hole in holes):
        return False  # every part is an attribute of a resource of the template
    return True


@dataclass
class ResourceScope:
    """How far a statement's resources reach."""

    every: bool  # the statement reaches every resource (a "*" entry or NotResource)
    via_not_resource: bool  # ... because of NotResource
    unknown: list = field(default_factory=list)  # Unknown entries that might be "*"
    label: str = ""  # "every resource (*)" / "every resource except ..."


def resource_scope(statement: Statement) -> ResourceScope:
    if statement.resources is not None:
        stars = [str(e).strip() for e in statement.resources if every_resource_entry(e)]
        unknown = [e for e in statement.resources if might_be_every_resource(e)]
        label = f"every resource ({stars[0]})" if stars else ""
        return ResourceScope(bool(stars), False, unknown, label)
    if statement.not_resources is not None:
        excluded = list(statement.not_resources)
        if any(every_resource_entry(e) for e in excluded):
            return ResourceScope(False, True)  # excludes everything: grants nothing
        unknown = [e for e in excluded if isinstance(e, Unknown) and not isinstance(e, Ref)]
        if unknown:
            # an unknown exclusion might be "*" (nothing granted): say so, never assume
            return ResourceScope(False, True, unknown, "")
        shown = ", ".join(str(e) for e in excluded) or "nothing"
        return ResourceScope(True, True, [], f"every resource except {shown}")
    return ResourceScope(False, False)


def every_of_type(statement: Statement, action: str) -> list[str]:
    """The statement's Resource entries that cover every resource of a type of ``action`` the
    way ``*`` does (``arn:aws:s3:::*/*``, ``arn:aws:iam::*:role/*``): as broad, only longer."""
    from .actions import names_every_resource

    return [str(e).strip() for e in statement.resources or ()
            if isinstance(e, str) and not isinstance(e, Unknown) and names_every_resource(str(e).strip(), action)]


def denied_everywhere(document: PolicyDocument | None, action: str, denies: DenyIndex | None = None) -> bool:
    """An unconditional Deny of the same document removes ``action`` from every resource that
    is not named (a Deny on ``*``, or a Deny with NotResource that leaves only named ARNs).
    ``denies``: the document's ``deny_index(every_resource=False)``, when already built."""
    return (denies or deny_index(document, every_resource=False)).denies(action)


class DenyIndex:
    """The unconditional Deny statements of one document, found by action without asking each.

    Every Allow statement is judged against the Denies of its document: asking every Deny for
    every Allow is quadratic in statements (16,000 statements took minutes). A Deny's Action
    entry can only match a name that starts with the entry's text before its first wildcard
    (matching ignores case), so entries are filed under that literal prefix and a name looks
    up each of its own prefixes. Identical Action lists are filed once. NotAction, Unknown and
    non-ASCII entries (whose case folding is not plain ``lower``) are asked every time.
    """

    def __init__(self, denies: list[Statement], *, dedupe: bool = True) -> None:
        self.statements = denies
        self._position = {id(deny): n for n, deny in enumerate(denies)}
        # an Action entry "*" or "*:*": every action, including those AWS adds later
        self.every_action = any(every_action_entry(a) for deny in denies for a in deny.actions or ())
        self._by_prefix: dict[str, list[Statement]] = {}
        self._always: list[Statement] = []
        seen: set = set()
        for deny in denies:
            entries = deny.actions
            key = (entries, deny.not_actions)
            try:
                if dedupe and key in seen:
                    continue
                seen.add(key)
            except TypeError:  # an unhashable entry: keep the statement, unfiled
                self._always.append(deny)
                continue
            prefixes = [_literal_prefix(e) for e in entries] if entries is not None else [None]
            if any(p is None for p in prefixes):
                self._always.append(deny)
                continue
            for prefix in {p for p in prefixes if p is not None}:
                self._by_prefix.setdefault(prefix, []).append(deny)

    def candidates(self, action: str) -> Iterable[Statement]:
        if not self.statements:
            return
        yield from self._always
        if not isinstance(action, str) or not action.isascii():
            yield from (d for group in self._by_prefix.values() for d in group)
            return
        text = action.lower()
        for end in range(len(text) + 1):
            yield from self._by_prefix.get(text[:end], ())

    def relevant(self, actions: Iterable[str]) -> list[Statement]:
        """The statements that may match one of ``actions``, in document order."""
        found = {id(deny): deny for action in actions for deny in self.candidates(action)}
        return sorted(found.values(), key=lambda deny: self._position[id(deny)])

    def denies(self, action: str) -> bool:
        if not self.statements:  # most documents deny nothing: no prefix walk per action
            return False
        return any(deny.action_match(action) is True for deny in self.candidates(action))


def _literal_prefix(entry: Any) -> str | None:
    """The lowercase text of an Action entry before its first wildcard (the whole entry when it
    has none); None when the entry cannot be filed (Unknown, not a string, not ASCII)."""
    if not isinstance(entry, str) or isinstance(entry, Unknown):
        return None
    text = entry.strip()
    if not text.isascii():
        return None
    cut = min((i for i in (text.find("*"), text.find("?")) if i >= 0), default=len(text))
    return text[:cut].lower()


def deny_index(document: PolicyDocument | None, *, every_resource: bool) -> DenyIndex:
    """The unconditional Deny statements of ``document`` indexed by action (every Allow statement
    of a document asks them: ``Analysis.deny_index`` keeps one per document for a scan)."""
    return DenyIndex(_unconditional_denies(document, every_resource=every_resource))


def _unconditional_denies(document: PolicyDocument | None, *, every_resource: bool) -> list[Statement]:
    """Deny statements of the document without conditions; with ``every_resource`` only those
    whose Resource is ``*`` (or absent), not a NotResource that spares named resources."""
    found = []
    for statement in getattr(document, "statements", ()):
        if not statement.is_deny or statement.conditions:
            continue
        if every_resource and not (
                (statement.resources is None and statement.not_resources is None)
                or any(every_resource_entry(e) for e in statement.resources or ())):
            continue
        if statement.resource_match("*") is True:
            found.append(statement)
    return found


def _pattern_denied(denies: DenyIndex, pattern: str) -> bool:
    # The pattern itself (so actions AWS adds later are denied too) and each catalogued action
    # it stands for (so a "?" in a Deny cannot pass for a whole run of characters).
    text = pattern.strip()
    return bool(text) and denies.denies(text) and all(denies.denies(action) for action in expand_actions(text))


def pattern_denied_everywhere(document: PolicyDocument | None, pattern: str, denies: DenyIndex | None = None) -> bool:
    """Like ``denied_everywhere`` for an Action pattern (``iam:*``): an unconditional Deny of the
    same document covers the pattern and every action it matches."""
    return _pattern_denied(denies or deny_index(document, every_resource=False), pattern)


def cancelled_by_deny(document: PolicyDocument | None, statement: Statement, denies: DenyIndex | None = None) -> bool:
    """An Allow statement that an unconditional Deny of the same document takes away on every
    resource: every Action entry (or, for NotAction, every action at all) is denied on ``*``.
    ``denies``: the document's ``deny_index(every_resource=True)``, when already built."""
    index = denies or deny_index(document, every_resource=True)
    if not index.statements or not statement.is_allow:
        return False
    if statement.actions is None:
        return index.every_action
    entries = list(statement.actions)
    if not entries or any(not isinstance(e, str) or isinstance(e, Unknown) for e in entries):
        return False
    return all(_pattern_denied(index, entry) for entry in entries)


def denies_everything(document: PolicyDocument | None, denies: DenyIndex | None = None) -> bool:
    """The document has an unconditional Deny of every action on every resource."""
    return (denies or deny_index(document, every_resource=True)).every_action


# ---------------------------------------------------------------- actions

def every_action_entry(entry: Any) -> bool:
    """``*`` or ``*:*``: an Action pattern that matches every action."""
    if not isinstance(entry, str) or isinstance(entry, Unknown):
        return False
    parts = entry.strip().split(":")
    return len(parts) <= 2 and all(_only_star(part) for part in parts)


def service_wide_wildcard(entry: Any) -> bool:
    """``*``, ``*:*``, ``s3:*``, ``s3*``: a pattern that grants every action of one or more
    services. ``ec2:Describe*`` and ``*:Get*`` are narrower and do not count."""
    if not isinstance(entry, str) or isinstance(entry, Unknown):
        return False
    text = entry.strip()
    if ":" in text:
        action = text.split(":", 1)[1]
        return _only_star(action)
    return text.endswith("*") and _only_star(text[len(text.rstrip("*")):]) and \
        not any(c in text.rstrip("*") for c in "?")


def services_of_pattern(pattern: str) -> list[str]:
    """The service prefixes a service-wide pattern covers (``s3*`` -> s3, s3express, ...)."""
    return list(_services_of_pattern(pattern))


@functools.lru_cache(maxsize=1024)
def _services_of_pattern(pattern: str) -> tuple[str, ...]:
    # every known service is matched against the pattern: once per pattern is enough
    text = pattern.strip().lower()
    service = text.split(":", 1)[0] if ":" in text else text
    from .actions import glob_match

    return tuple(sorted(s for s in known_services() if glob_match(service, s)))


def expanded_actions(statement: Statement) -> tuple[list[str], list[Unknown]]:
    """The catalogued actions an ``Action`` statement names (wildcards expanded), sorted, and
    its Unknown entries. Entries naming no catalogued action (typos, brand-new actions) are
    kept as written, so they are never dropped silently."""
    names: set[str] = set()
    unknown: list[Unknown] = []
    for entry in statement.actions or ():
        if isinstance(entry, Unknown):
            unknown.append(entry)
            continue
        if not isinstance(entry, str):
            continue
        found = expand_actions(entry)
        if found:
            names.update(found)
        elif not any(c in entry for c in "*?"):
            names.add(entry.strip())
    return sorted(names, key=str.lower), unknown


def restrictable(action: str) -> bool | None:
    """Does the action support resource-level permissions? None when it is not catalogued."""
    info = action_info(action)
    return None if info is None else not info.accepts_only_star


def access_level(action: str) -> str | None:
    info = action_info(action)
    return info.access_level if info else None


# ---------------------------------------------------------------- conditions

def _specific_value(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True  # chosen at deploy time; still one specific value
    text = str(value).strip()
    return bool(text.replace("*", "").replace("?", ""))


def constraining_conditions(statement: Statement) -> list[Condition]:
    """Conditions that narrow the grant to some resources or requests: a positive operator
    (not IfExists, not ForAllValues, not negated, not Null) on a key that varies between
    requests, with values that are not only wildcards. Unknown condition blocks are not
    credited (they might not narrow anything)."""
    credited = []
    for condition in statement.conditions:
        if condition.is_unknown or condition.negated or condition.if_exists:
            continue
        if condition.base == "Null" or condition.set_op == "ForAllValues":
            continue
        if condition.key_lc in _NON_NARROWING_KEYS:
            continue
        if condition.values and all(_specific_value(v) for v in condition.values):
            credited.append(condition)
    return credited


def loose_conditions(statement: Statement) -> list[Condition]:
    """The statement's conditions that are not credited as narrowing it."""
    credited = {id(c) for c in constraining_conditions(statement)}
    return [c for c in statement.conditions if id(c) not in credited]


def describe_condition(condition: Condition) -> str:
    if condition.is_unknown:
        return f"{condition.operator or 'Condition'} (not known before deploy)".strip()
    values = ", ".join(str(v) for v in condition.values)
    return f"{condition.operator} {condition.key} [{values}]"


def condition_clause(statement: Statement, exclude_keys: Iterable[str] = ()) -> tuple[str, bool]:
    """(text to append to a message, whether the grant is narrowed by a condition). Conditions
    on ``exclude_keys`` (lowercase) are never credited: the caller judges those itself."""
    excluded = set(exclude_keys)
    credited = [c for c in constraining_conditions(statement) if c.key_lc not in excluded]
    loose = [c for c in statement.conditions if all(c is not k for k in credited)]
    text = ""
    if credited:
        text += ", only when " + "; ".join(describe_condition(c) for c in credited)
    if loose:
        text += (" (condition " if len(loose) == 1 else " (conditions ") + \
            "; ".join(describe_condition(c) for c in loose) + " do" + ("es" if len(loose) == 1 else "") + \
            " not narrow the grant)"
    return text, bool(credited)


def resources_text(statement: Statement, limit: int = 3) -> str:
    """How the statement's resources read in a message."""
    scope = resource_scope(statement)
    if scope.label:
        return scope.label
    if statement.resources is not None:
        return summarize((str(r) for r in statement.resources), limit)
    return "every resource except " + summarize((str(r) for r in statement.not_resources or ()), limit)


def report_statement(ctx: CheckContext, node: PolicyNode, statement: Statement, text: str, severity: str,
                     evidence: Any, *, exclude_keys: Iterable[str] = (), after: str = "") -> None:
    """Report one statement of a granting policy the way every least-privilege check does:
    ``<policy>: statement N <text>`` plus whom it is granted to and the conditions that narrow it
    (each lowers the severity one step), at the statement's line, one finding per statement."""
    conditions, narrowed = condition_clause(statement, exclude_keys)
    if narrowed:
        severity = lower_severity(severity)
    message = (f"{node.resource.address}: {statement_label(statement)} {text}{holders(ctx.analysis, node)}"
               f"{conditions}{after}")
    ctx.report(node.resource, message, line=node.statement_line(statement), severity=severity,
               evidence=evidence, key=f"{node.id}#{statement.index}")


# ---------------------------------------------------------------- messages

def summarize(names: Iterable[str], limit: int = 8) -> str:
    """``a, b, c and 12 more``."""
    items = list(names)
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def statement_label(statement: Statement) -> str:
    return f"statement {statement.sid or statement.index + 1}"


def holders(analysis: "Analysis", node: PolicyNode) -> str:
    """`` (granted to role app, user bob)`` or ``""``. Principals whose own or group policies deny
    every action on every resource get nothing from the policy, so they are named apart."""
    principals = analysis.principals_by_id
    attached = [principals[p] for p in node.attached_to if p in principals]
    granted = sorted({p.label for p in attached if not _denied_everything(analysis, p)})
    blocked = sorted({p.label for p in attached if _denied_everything(analysis, p)})
    text = " (granted to " + ", ".join(granted) + ")" if granted else ""
    if blocked:
        text += (" (also attached to " if granted else " (attached only to ") + ", ".join(blocked) + \
            ", whose policies deny every action" + (")" if granted else ", so it grants nothing)")
    return text


def granted_to_nobody(analysis: "Analysis", node: PolicyNode) -> bool:
    """Attached, but only to principals whose policies deny every action on every resource."""
    principals = analysis.principals_by_id
    attached = [principals[p] for p in node.attached_to if p in principals]
    return bool(attached) and all(_denied_everything(analysis, p) for p in attached)


def sole_service(analysis: "Analysis", node: PolicyNode) -> str | None:
    """The one service principal (``ecs.amazonaws.com``) that alone can assume every holder of
    the policy, else None: when a holder is a user or group, a role outside the scan, a role
    whose trust policy admits anything but that service (an account, a role, a federated
    identity, another service, a value not known before deploy), or when nobody in the scan
    holds the policy. (``Analysis.sole_service`` keeps it for a scan.)"""
    principals = analysis.principals_by_id
    if not node.attached_to or any(p not in principals for p in node.attached_to):
        return None
    services = {trusted_only_by_service(principals[p]) for p in node.attached_to}
    if len(services) != 1:
        return None
    return services.pop()


def trusted_only_by_service(role: Principal) -> str | None:
    """The service principal a role's trust policy admits, when it admits that one service and
    nothing else (conditions aside: they only narrow who may assume); None otherwise."""
    if role.kind != "role" or role.external or role.trust is None or role.trust.document is None:
        return None
    document = role.trust.document
    if document.unknown_statements or document.unknown_document is not None:
        return None
    found: set[str] = set()
    for statement in document.statements:
        if statement.effect == "Deny":
            continue  # a Deny admits nobody; an effect not known before deploy may be an Allow
        if statement.not_principals is not None:
            return None
        for principal in statement.principals or ():
            if principal.kind != "Service" or not isinstance(principal.value, str) or not principal.value.strip():
                return None
            found.add(principal.value.strip().lower())
    return found.pop() if len(found) == 1 else None


def _denied_everything(analysis: "Analysis", principal: Principal) -> bool:
    return any(node.document is not None
               and denies_everything(node.document, analysis.deny_index(node.document, every_resource=True))
               for node in principal.identity_policies())


def find_granting_policies(model: IamModel) -> list[PolicyNode]:
    """Identity policies whose statements the least-privilege checks read: inline, customer
    managed and permission-set documents. AWS managed policies are judged by their attachment
    (IAG-LP-008); a managed policy used only as a permissions boundary grants nothing.
    (``Analysis.granting_policies`` keeps them for a scan.)"""
    boundaries = {id(p.boundary) for p in model.all_principals() if p.boundary is not None}
    result: list[PolicyNode] = []
    for node in model.identity_policies():
        if node.kind == "aws-managed" or node.document is None:
            continue
        if id(node) in boundaries and not node.attached_to:
            continue
        result.append(node)
    return result


def find_allow_statements(policies: Iterable[PolicyNode], denies: Callable[..., DenyIndex] | None = None
                          ) -> Iterator[tuple[PolicyNode, Statement]]:
    """(policy node, Allow statement) for every policy of ``policies``, leaving out statements that
    allow every action on every resource (IAG-LP-001 reports those, once) and statements that
    an unconditional Deny of the same policy cancels on every resource (they grant nothing).
    ``denies(document, every_resource)`` gives a document's Deny index (``Analysis.deny_index``);
    without it each is built here. (``Analysis.allow_statements`` keeps them for a scan.)"""
    from .access import statement_allows_everything

    index_of = denies or (lambda document, every_resource: deny_index(document, every_resource=every_resource))
    for node in policies:
        document = node.document
        if document is None:
            continue  # granting policies all have one (find_granting_policies)
        for statement in document.statements:
            if statement.is_allow and not statement_allows_everything(statement) \
                    and not cancelled_by_deny(document, statement, index_of(document, True)):
                yield node, statement


def unresolved_text(entries: Iterable[Any]) -> str:
    return ", ".join(str(e) for e in entries)
