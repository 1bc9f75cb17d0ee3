"""What a set of policies allows: IAM's evaluation logic for one principal.

``evaluate`` answers "may this action be performed on this resource?":

* An explicit Deny that matches and has no Condition wins (identity, boundary or ``deny_docs``).
* Otherwise an identity Allow is needed, and, when ``boundary_docs`` is given (even empty), the
  permissions boundary must Allow as well.
* A Deny with conditions, or one that might match (Unknown action/resource/effect), does not
  remove the Allow but marks the grant ``conditional``. An Allow that holds only under
  conditions is ``conditional`` too.
* ``allowed`` is None when the answer depends on values unknown before deploy (an Unknown
  Action entry or Effect, a statement or document not known, an Unknown resource against a
  concrete ARN).

``resource="*"`` means "some resource whose ARN we do not name": a statement's Resource covers
it only when one of its patterns matches the literal string ``*`` (``"*"`` itself), so
``Resource: "arn:aws:s3:::bucket/*"`` does not count as allowing on ``*``, while
``NotResource`` (which excludes only what it lists) does. A ``Ref`` to a template resource's
attribute names that one resource, so it never covers ``*``; any other Unknown might be ``*``
and gives None. Principals are not checked here:
identity policies have none, and callers pass only the resource-policy statements that apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from .conditions import _and3
from ..values import Unknown
from .policy import PolicyDocument, Statement, _resource_entry_match

__all__ = ["Grant", "PolicyEvaluator", "evaluate", "allowed_actions", "is_full_admin_statement", "statement_allows_everything"]

# Allow states of one policy layer, in increasing strength.
_NO, _MAYBE, _CONDITIONAL, _YES = 0, 1, 2, 3


@dataclass
class Grant:
    """One (action, resource) decision."""

    allowed: bool | None  # None = depends on unknown values
    conditional: bool  # allowed only under conditions (or unless an uncertain Deny applies)
    allow_statements: list[Statement] = field(default_factory=list)  # identity Allows that match
    deny_statements: list[Statement] = field(default_factory=list)  # Denies that match or may


def _has_unknown_parts(doc: PolicyDocument) -> bool:
    return bool(doc.unknown_statements) or doc.unknown_document is not None


def _may_allow(statement: Statement) -> bool:
    return statement.is_allow or statement.effect_unknown


def _may_deny(statement: Statement) -> bool:
    return statement.is_deny or statement.effect_unknown


class PolicyEvaluator:
    """``evaluate`` for one fixed set of policies, asked about many (action, resource) pairs.

    The statements that may allow or deny are listed once, in document order; per action, those
    whose Action element certainly does not cover it are set aside once (they can never match,
    whatever the resource), so each further question compares resources of the few that remain.
    """

    def __init__(self, identity_docs: Iterable[PolicyDocument] | None, *,
                 boundary_docs: Iterable[PolicyDocument] | None = None,
                 deny_docs: Iterable[PolicyDocument] | None = None):
        identity = list(identity_docs or [])
        boundary = None if boundary_docs is None else list(boundary_docs)
        deny_sources = identity + list(boundary or []) + list(deny_docs or [])
        # A document with statements (or itself) not known before deploy may allow or deny.
        self._deny_unknown = any(_has_unknown_parts(doc) for doc in deny_sources)
        self._identity_unknown = any(_has_unknown_parts(doc) for doc in identity)
        self._boundary_unknown = boundary is not None and any(_has_unknown_parts(doc) for doc in boundary)
        self._has_boundary = boundary is not None
        self._denies = [st for doc in deny_sources for st in doc.statements if _may_deny(st)]
        self._allows = [st for doc in identity for st in doc.statements if _may_allow(st)]
        self._boundary_allows = [st for doc in boundary or [] for st in doc.statements if _may_allow(st)]
        self._by_action: dict[str, tuple[list, list, list]] = {}

    def _for_action(self, action: str) -> tuple[list, list, list]:
        found = self._by_action.get(action)
        if found is None:
            found = self._by_action[action] = tuple(  # type: ignore[assignment]
                [(st, matched) for st in statements if (matched := st.action_match(action)) is not False]
                for statements in (self._denies, self._allows, self._boundary_allows))
        return found  # type: ignore[return-value]

    def evaluate(self, action: str, resource: str = "*") -> Grant:
        """Decide one action on one resource (see the module docstring for the rules)."""
        denies_for, allows_for, boundary_for = self._for_action(action)
        allows: list[Statement] = []
        denies: list[Statement] = []
        hard_deny, soft_deny = False, self._deny_unknown
        for statement, action_matched in denies_for:
            match = _and3((action_matched, statement.resource_match(resource)))
            if match is False or match is None and _denies_single_values_only(statement, resource):
                continue
            denies.append(statement)
            if match is True and statement.is_deny and not statement.conditions:
                hard_deny = True
            else:
                soft_deny = True
        identity_state = _allow_state(allows_for, self._identity_unknown, resource, allows)
        if hard_deny:
            return Grant(False, False, allows, denies)
        states = [identity_state]
        if self._has_boundary:
            states.append(_allow_state(boundary_for, self._boundary_unknown, resource, None))
        if _NO in states:
            return Grant(False, False, allows, denies)
        allowed: bool | None = None if _MAYBE in states else True
        conditional = _CONDITIONAL in states or soft_deny
        return Grant(allowed, conditional, allows, denies)


def _denies_single_values_only(statement: Statement, resource: str) -> bool:
    """A Deny whose Resource entries that may match are all values known only at deploy time
    (``!Ref ProtectedArn``, ``var.arn``, ``arn:...:function:${Name}``) names one resource each, so
    it cannot take away a whole set (``*``, ``function:*``): the Allow of the rest stands."""
    if not isinstance(resource, str) or not any(c in resource for c in "*?"):
        return False
    if statement.effect != "Deny" or statement.resources is None or statement.conditions:
        return False
    return all(isinstance(e, Unknown) or _resource_entry_match(e, resource) is False for e in statement.resources)


def _allow_state(candidates: list[tuple[Statement, bool | None]], unknown_parts: bool, resource: str,
                 matched: list[Statement] | None) -> int:
    """The strongest allow among statements (with their action match) for one resource."""
    state = _MAYBE if unknown_parts else _NO
    for statement, action_matched in candidates:
        match = _and3((action_matched, statement.resource_match(resource)))
        if match is False:
            continue
        if matched is not None:
            matched.append(statement)
        if match is True and statement.is_allow:
            state = max(state, _CONDITIONAL if statement.conditions else _YES)
        else:
            state = max(state, _MAYBE)
    return state


def evaluate(identity_docs: list[PolicyDocument], action: str, resource: str = "*", *,
             boundary_docs: list[PolicyDocument] | None = None,
             deny_docs: list[PolicyDocument] | None = None) -> Grant:
    """Decide one action on one resource (see the module docstring for the rules)."""
    return PolicyEvaluator(identity_docs, boundary_docs=boundary_docs, deny_docs=deny_docs).evaluate(action, resource)


def allowed_actions(identity_docs: list[PolicyDocument], *, boundary_docs: list[PolicyDocument] | None = None,
                    resource: str = "*", candidates: Iterable[str],
                    deny_docs: list[PolicyDocument] | None = None) -> dict[str, Grant]:
    """The candidate actions (concrete names) that are, or may be, allowed on ``resource``;
    actions that are certainly not allowed are left out."""
    result: dict[str, Grant] = {}
    for action in candidates:
        grant = evaluate(identity_docs, action, resource, boundary_docs=boundary_docs, deny_docs=deny_docs)
        if grant.allowed is not False:
            result[action] = grant
    return result


def _matches_every_action(entry: object) -> bool:
    """``*``, ``*:*`` (any number of stars on each side of at most one colon)."""
    if not isinstance(entry, str):
        return False
    parts = entry.strip().split(":")
    return len(parts) <= 2 and all(part and set(part) == {"*"} for part in parts)


def _matches_every_resource(entry: object) -> bool:
    """``*``, ``arn:*`` or ``arn:*:*:*:*:*``: patterns that match every ARN."""
    if not isinstance(entry, str):
        return False
    text = entry.strip()
    if text and set(text) == {"*"}:
        return True
    parts = text.split(":")
    if parts[0] != "arn":
        return False
    rest = parts[1:]
    stars = all(part and set(part) == {"*"} for part in rest)
    return stars and len(rest) in (1, 5)


def statement_allows_everything(statement: Statement) -> bool:
    """An Allow on every action and every resource, whatever its conditions. ``NotAction``/
    ``NotResource`` count only when empty (they then exclude nothing)."""
    if not statement.is_allow:
        return False
    if statement.actions is not None:
        every_action = any(_matches_every_action(a) for a in statement.actions)
    else:
        every_action = statement.not_actions is not None and len(statement.not_actions) == 0
    if not every_action:
        return False
    if statement.resources is not None:
        return any(_matches_every_resource(r) for r in statement.resources)
    return statement.not_resources is not None and len(statement.not_resources) == 0


def is_full_admin_statement(statement: Statement) -> bool:
    """``Allow * on *`` with no Condition: full administrator access."""
    return statement_allows_everything(statement) and not statement.conditions

