"""Does one policy statement grant anything a set of other statements does not? Policy
comparison for ``--diff-base``, on the IAM layer's own primitives.

``access.evaluate`` answers a request (one action on one resource by one caller). Comparing a
changed policy with the base it replaces asks something else: is every (action, resource,
principal) the new statement grants, each possibly a pattern, also granted by a base statement?
The answer must never be "covered" when the new statement grants more, so the comparison is
deliberately conservative where evaluation would be exact:

* **Patterns contain patterns.** Actions compare case-insensitively and resources
  case-sensitively with ``wildcard.pattern_covers``; two six-part ARNs compare part by part (a
  wildcard stays inside one colon-separated part, the resource part may hold colons), as
  ``conditions.arn_match`` reads a Resource.
* **Principals compare as written**, by kind and value (an account covers its own id, not its
  roles or users): ``*`` (``{"AWS": "*"}``) covers every principal. A base statement with a
  Principal never covers one without (an identity policy) and the reverse.
* **Conditions compare as sets.** A base statement covers only when each of its conditions
  (operator in AWS's spelling, key, values) is also on the new statement: fewer conditions grant
  more, so a base with fewer conditions covers a new statement with more, never the reverse.
* **Same effect only.** An Allow is covered by Allows, a Deny by Denies (a removed Deny is a
  finding of its own).
* **NotAction, NotResource, NotPrincipal and an Unknown Effect** are covered only by a base
  statement with the same canonical form (``policy.normalize``, Sid ignored); base statements
  with NotResource or NotPrincipal never cover a plain one, a base NotAction statement neither.
* **Unknown values** (known only at deploy) compare as their expression text: the same unknown
  covers itself, nothing else.
"""

from __future__ import annotations

from typing import Iterable

from ..values import Unknown
from .conditions import _split_arn
from .policy import PolicyDocument, Statement, normalize
from .principals import PrincipalRef
from .wildcard import pattern_covers

__all__ = ["statement_covered", "action_covers", "resource_covers"]

ConditionKey = tuple[str, str, tuple[str, ...]]


def statement_covered(statement: Statement, others: Iterable[Statement]) -> bool:
    """Every (action, resource, principal) ``statement`` grants is granted by one of ``others``
    with the same effect and no condition ``statement`` does not also have (module docstring)."""
    others = list(others)
    if statement.not_actions is not None or statement.not_resources is not None \
            or statement.not_principals is not None or isinstance(statement.effect, Unknown):
        mine = _canonical_without_sid(statement)
        return any(_canonical_without_sid(other) == mine for other in others)
    conditions = condition_set(statement)
    usable = [o for o in others if o.effect == statement.effect and o.actions is not None
              and o.not_resources is None and o.not_principals is None and condition_set(o) <= conditions]
    actions = [_text(a, lower=True) for a in statement.actions or ()]
    resources: list[str | None] = [_text(r) for r in statement.resources] if statement.resources is not None else [None]
    principals: list[PrincipalRef | None] = list(statement.principals) if statement.principals is not None else [None]
    for action in actions:
        for resource in resources:
            for principal in principals:
                if not any(_grants(o, action, resource, principal) for o in usable):
                    return False
    return True


def action_covers(broad: str, narrow: str) -> bool:
    """Every action the Action pattern ``narrow`` names is named by ``broad`` (case-insensitive)."""
    return pattern_covers(broad.strip(), narrow.strip(), case_sensitive=False)


def resource_covers(broad: str, narrow: str) -> bool:
    """Every resource the Resource pattern ``narrow`` names is named by ``broad``. Like
    ``conditions.arn_match``: when both are six-part ARNs each of the first five parts is compared
    on its own; otherwise the whole texts."""
    if broad == narrow or broad == "*":
        return True
    broad_parts, narrow_parts = _split_arn(broad), _split_arn(narrow)
    if len(broad_parts) != 6 or len(narrow_parts) != 6:
        return pattern_covers(broad, narrow)
    return all(pattern_covers(b, n) for b, n in zip(broad_parts, narrow_parts))


def condition_set(statement: Statement) -> set[ConditionKey]:
    """The statement's conditions as comparable (operator, lowercased key, sorted values)."""
    return {(condition.canonical_operator, condition.key_lc, tuple(sorted(_text(v) for v in condition.values)))
            for condition in statement.conditions}


def _grants(other: Statement, action: str, resource: str | None, principal: PrincipalRef | None) -> bool:
    """Does ``other`` (a plain Action statement) grant the action on the resource to the
    principal? ``resource`` None: the new statement has no Resource element (it applies to its
    own resource), which only a base statement without one, or with ``*``, covers; ``principal``
    None: the new statement has no Principal element."""
    if not any(action_covers(_text(a, lower=True), action) for a in other.actions or ()):
        return False
    if resource is None:
        if other.resources is not None and not any(_text(r) == "*" for r in other.resources):
            return False
    elif other.resources is None or not any(resource_covers(_text(r), resource) for r in other.resources):
        return False
    if principal is None:
        return other.principals is None
    if other.principals is None:
        return False
    return any(p.is_anyone or (p.kind == principal.kind and _text(p.value) == _text(principal.value))
               for p in other.principals)


def _text(value: object, lower: bool = False) -> str:
    """A policy value as comparable text: an Unknown as ``${expression}``, strings stripped."""
    text = "${" + value.text + "}" if isinstance(value, Unknown) else str(value).strip()
    return text.lower() if lower else text


def _canonical_without_sid(statement: Statement) -> object:
    normalized = normalize(PolicyDocument([statement], None, 0))
    statements = normalized.get("Statement", []) if isinstance(normalized, dict) else []
    return [{k: v for k, v in s.items() if k != "Sid"} if isinstance(s, dict) else s for s in statements]
