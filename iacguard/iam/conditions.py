"""IAM ``Condition`` blocks: parsing and evaluation against request-context values.

Evaluation follows the IAM User Guide:

* Several operators in a block, and several keys under one operator, are ANDed; several values
  for one key are ORed. For a negated operator (``StringNotEquals`` ...) a request value
  passes only if it matches *none* of the policy values.
* A key missing from the request: the condition is false, except for negated operators (true),
  ``...IfExists`` (true) and ``Null``.
* ``ForAllValues:``: true when every request value passes (so also when the key is missing or
  has no values -- the documented trap). ``ForAnyValue:``: true when at least one request value
  passes (false when the key is missing or empty, unless ``IfExists``).
* Without a set operator and several request values, the condition holds when any value
  matches; a negated operator is the negation of that.
* An empty request-value list counts as "missing" everywhere, including for ``Null``.

Results are three-valued: ``None`` when the answer depends on something unknown before deploy
(an ``Unknown`` policy value, a policy variable such as ``${aws:username}``, an unknown operator).

``never_true`` tells when a statement's conditions can hold for no request made from now on: a
statement that never applies grants (or denies) nothing. It knows what every request after the
scan looks like for a few keys only: ``aws:CurrentTime``/``aws:EpochTime`` are present and not
earlier than now; ``aws:TokenIssueTime`` is absent (long-term keys) or not earlier than now minus
the longest life of a temporary credential; a key that ``Null: true`` requires to be absent has
no value; a boolean key is absent, ``true`` or ``false``. Each key is judged with all of its
conditions together (IfExists, ForAnyValue/ForAllValues and negation as in ``matches``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Iterable, Literal

from ..values import Unknown, line_of

if TYPE_CHECKING:
    from decimal import Decimal
from .wildcard import ANY_RUN, Glob, tokens_of
from ..lazy_regex import lazy_compile

__all__ = ["Condition", "parse_conditions", "arn_match", "as_unknown", "OPERATORS", "never_true",
           "MAX_TOKEN_LIFETIME"]

# Canonical spelling of every base operator (IfExists and set prefixes stripped).
OPERATORS = {
    name.lower(): name
    for name in (
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
        "StringLike", "StringNotLike",
        "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
        "NumericGreaterThan", "NumericGreaterThanEquals",
        "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals",
        "DateGreaterThan", "DateGreaterThanEquals",
        "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
        "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
    )
}
# Negated operators and the positive operator whose result they invert.
_NEGATION = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
_SET_OPS = {"foranyvalue": "ForAnyValue", "forallvalues": "ForAllValues"}
_VARIABLE = lazy_compile(r"\$\{([^}]*)\}")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}  # ${*} ${?} ${$} are literal characters


# ---------------------------------------------------------------- helpers shared by iam modules

def as_unknown(value: Any) -> Unknown | None:
    """An Unknown for dicts that stand for a value: our own ``{"unknown": text}`` marker (what
    ``normalize`` writes) and unresolved intrinsics (``{"Fn::If": ...}``, ``{"Ref": ...}``)."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if key == "unknown" and isinstance(inner, str):
            return Unknown(inner, reason="unknown")
        if isinstance(key, str) and (key == "Ref" or key.startswith("Fn::")):
            try:
                text = json.dumps(_plain(value), sort_keys=True)
            except (TypeError, ValueError):
                text = key
            return Unknown(text, reason="unresolved intrinsic function")
    return None


def is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(next(iter(value)), str) and (
        next(iter(value)) == "Ref" or next(iter(value)).startswith("Fn::"))


def _plain(value: Any) -> Any:
    if isinstance(value, Unknown):
        return "${" + value.text + "}"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _and3(values: Iterable[bool | None]) -> bool | None:
    result: bool | None = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def _or3(values: Iterable[bool | None]) -> bool | None:
    result: bool | None = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def _not3(value: bool | None) -> bool | None:
    return None if value is None else not value


# ---------------------------------------------------------------- string and ARN matching

@functools.lru_cache(maxsize=4096)
def _value_glob(value: str, wildcards: bool, ignore_case: bool) -> tuple[Glob, bool]:
    """Matcher for a policy string value and whether it holds a policy variable. Variables match
    any run of characters, so a non-match is definite while a match only means "could match"."""
    tokens: list = []
    has_variable = False
    position = 0
    for found in _VARIABLE.finditer(value):
        tokens.extend(_literal_tokens(value[position:found.start()], wildcards))
        inner = found.group(1)
        if inner in _ESCAPES:
            tokens.append(_ESCAPES[inner])
        else:
            tokens.append(ANY_RUN)
            has_variable = True
        position = found.end()
    tokens.extend(_literal_tokens(value[position:], wildcards))
    return Glob(tokens, ignore_case=ignore_case), has_variable


def _literal_tokens(text: str, wildcards: bool) -> list:
    return tokens_of(text) if wildcards else list(text)


def _string_match(pattern: str, value: str, *, wildcards: bool, ignore_case: bool) -> bool | None:
    glob, has_variable = _value_glob(pattern, wildcards, ignore_case)
    if not glob.match(value):
        return False
    return None if has_variable else True


def _split_arn(text: str) -> list[str]:
    """Split on the first five colons that are not inside a ``${...}`` policy variable."""
    if "${" not in text:
        return text.split(":", 5)  # no variable: a plain split says the same, much faster
    parts: list[str] = []
    start = depth = 0
    for index, ch in enumerate(text):
        if ch == "{" and index and text[index - 1] == "$":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        elif ch == ":" and not depth and len(parts) < 5:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def arn_match(pattern: str, arn: str) -> bool | None:
    """``ArnLike`` matching (``ArnEquals`` is the same per the User Guide): case-sensitive,
    ``*``/``?`` wildcards, each of the first five colon-separated parts matched on its own so a
    wildcard cannot spill across a colon; the sixth part (the resource) may contain colons.
    A pattern or value that is not a six-part ARN is matched as a whole string.
    Returns None when a policy variable decides the answer."""
    try:
        return _arn_match_cached(pattern, arn)
    except TypeError:  # not hashable, so not a string either: the uncached path says why
        return _arn_match(pattern, arn)


# Escalation and exposure analyses compare the same few patterns with the same ARNs for many
# actions; the answer depends on the two strings only.
@functools.lru_cache(maxsize=1 << 14)
def _arn_match_cached(pattern: str, arn: str) -> bool | None:
    return _arn_match(pattern, arn)


def _arn_match(pattern: str, arn: str) -> bool | None:
    pattern_parts = _split_arn(pattern)
    value_parts = arn.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return _string_match(pattern, arn, wildcards=True, ignore_case=False)
    return _and3(_string_match(p, v, wildcards=True, ignore_case=False)
                 for p, v in zip(pattern_parts, value_parts))


# ---------------------------------------------------------------- typed comparisons

def _number(text: str) -> Decimal | None:
    # decimal and ipaddress are imported by the comparisons that need them: most policies have none
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(text.strip())
    except (InvalidOperation, ValueError, AttributeError):
        return None
    return number if number.is_finite() else None


def _date(text: str) -> datetime | None:
    """ISO 8601 date/time (``Z`` or offset; no zone means UTC) or epoch seconds."""
    text = text.strip()
    epoch = _number(text)
    if epoch is not None and re.fullmatch(r"-?\d+(\.\d+)?", text):
        try:
            return datetime.fromtimestamp(float(epoch), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    candidate = text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text
    try:
        moment = datetime.fromisoformat(candidate)
    except ValueError:
        try:  # compact forms such as 20240101T000000Z
            moment = datetime.strptime(text, "%Y%m%dT%H%M%SZ")
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


_ORDER = {
    "Equals": lambda a, b: a == b,
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}


def _ip_match(policy_value: str, request_value: str) -> bool:
    import ipaddress

    try:
        network = ipaddress.ip_network(policy_value.strip(), strict=False)
        address = ipaddress.ip_address(request_value.strip())
    except ValueError:
        return False
    return address.version == network.version and address in network


def _binary_match(policy_value: str, request_value: str) -> bool:
    try:
        return base64.b64decode(policy_value, validate=True) == base64.b64decode(request_value, validate=True)
    except (binascii.Error, ValueError):
        return policy_value == request_value


def _positive_compare(base: str, policy_value: Any, request_value: Any) -> bool | None:
    """Does one request value match one policy value under the positive form of ``base``?"""
    if isinstance(policy_value, Unknown) or isinstance(request_value, Unknown):
        return None
    if not isinstance(policy_value, str) or not isinstance(request_value, str):
        return False
    if base == "StringEquals":
        return _string_match(policy_value, request_value, wildcards=False, ignore_case=False)
    if base == "StringEqualsIgnoreCase":
        return _string_match(policy_value, request_value, wildcards=False, ignore_case=True)
    if base == "StringLike":
        return _string_match(policy_value, request_value, wildcards=True, ignore_case=False)
    if base in ("ArnEquals", "ArnLike"):
        return arn_match(policy_value, request_value)
    if "${" in policy_value and _VARIABLE.search(policy_value):
        return None  # a variable in a typed comparison: its value decides
    if base.startswith("Numeric"):
        left, right = _number(request_value), _number(policy_value)
        if left is None or right is None:
            return False
        return _ORDER[base[len("Numeric"):]](left, right)
    if base.startswith("Date"):
        left_date, right_date = _date(request_value), _date(policy_value)
        if left_date is None or right_date is None:
            return False
        return _ORDER[base[len("Date"):]](left_date, right_date)
    if base == "Bool":
        return policy_value.strip().lower() in ("true", "false") and \
            policy_value.strip().lower() == request_value.strip().lower()
    if base == "IpAddress":
        return _ip_match(policy_value, request_value)
    if base == "BinaryEquals":
        return _binary_match(policy_value, request_value)
    return None


# ---------------------------------------------------------------- the condition

@dataclass(frozen=True)
class Condition:
    """One condition of a statement: operator (with its set and IfExists parts), key, values."""

    operator: str  # as written, e.g. 'ForAnyValue:StringLikeIfExists'
    base: str  # 'StringLike', 'Null', ...; '' when the operator is unknown or the block is Unknown
    key: str  # as written
    key_lc: str
    values: tuple  # strings, or Unknown
    if_exists: bool
    set_op: str | None  # 'ForAnyValue' | 'ForAllValues' | None
    negated: bool
    line: int

    @property
    def canonical_operator(self) -> str:
        """Operator in AWS's spelling (``ForAnyValue:StringLikeIfExists``); as written when the
        operator is not known."""
        if not self.base:
            return self.operator
        return (self.set_op + ":" if self.set_op else "") + self.base + ("IfExists" if self.if_exists else "")

    @property
    def is_unknown(self) -> bool:
        """The whole block or operator is unknown or unsupported: it cannot be evaluated."""
        return not self.base

    def _value_passes(self, request_value: Any) -> bool | None:
        positive_base = _NEGATION.get(self.base, self.base)
        matched = _or3(_positive_compare(positive_base, v, request_value) for v in self.values)
        return _not3(matched) if self.negated else matched

    def matches(self, context_values: list[str] | None) -> bool | None:
        """Does a request whose context has these values for the key satisfy the condition?
        ``None`` (or an empty list) means the key is absent from the request."""
        if not self.base:
            return None
        if isinstance(context_values, (str, Unknown)):
            context_values = [context_values]  # type: ignore[list-item]
        if context_values:
            context_values = [_context_text(v) for v in context_values]
        present = bool(context_values)
        if self.base == "Null":
            # Null true: the key must be absent; Null false: it must be present.
            def one(value: Any) -> bool | None:
                if isinstance(value, Unknown):
                    return None
                flag = str(value).strip().lower()
                if flag == "true":
                    return not present
                if flag == "false":
                    return present
                return False
            return _or3(one(v) for v in self.values)
        if not present:
            if self.if_exists:
                return True
            if self.set_op == "ForAllValues":
                return True
            if self.set_op == "ForAnyValue":
                return False
            return self.negated
        assert context_values is not None
        if self.set_op == "ForAllValues":
            return _and3(self._value_passes(v) for v in context_values)
        if self.set_op == "ForAnyValue":
            return _or3(self._value_passes(v) for v in context_values)
        positive_base = _NEGATION.get(self.base, self.base)
        any_match = _or3(_positive_compare(positive_base, p, v) for v in context_values for p in self.values)
        return _not3(any_match) if self.negated else any_match


def _context_text(value: Any) -> Any:
    """Request values as strings the way AWS sees them (booleans lowercase)."""
    if isinstance(value, (str, Unknown)):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _split_operator(operator: str) -> tuple[str, str | None, bool]:
    """(base, set_op, if_exists); base '' when not a known operator."""
    set_op = None
    rest = operator.strip()
    if ":" in rest:
        prefix, rest = rest.split(":", 1)
        set_op = _SET_OPS.get(prefix.strip().lower())
        if set_op is None:
            return "", None, False
    if_exists = False
    if rest.lower().endswith("ifexists"):
        if_exists = True
        rest = rest[: -len("ifexists")]
    base = OPERATORS.get(rest.lower(), "")
    return base, set_op, if_exists


def _condition_values(raw: Any, where: str, problems: list[str]) -> tuple:
    """Policy values for one key: strings (numbers and booleans stringified the way JSON
    writes them) or Unknown."""
    items = list(raw) if isinstance(raw, list) else [raw]
    values: list[Any] = []
    for item in items:
        unknown = as_unknown(item)
        if unknown is not None:
            if is_intrinsic(item):
                problems.append(f"{where}: unresolved intrinsic function {next(iter(item))}; treated as unknown")
            values.append(unknown)
        elif isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, (datetime, date)):  # an unquoted date in YAML
            values.append(item.isoformat())
        elif isinstance(item, (int, float)):
            values.append(str(item))
        elif isinstance(item, str):
            values.append(item)
        elif item is None:
            problems.append(f"{where}: null value ignored")
        elif isinstance(item, list):
            problems.append(f"{where}: nested list is not a valid condition value; ignored")
        else:
            problems.append(f"{where}: {type(item).__name__} is not a valid condition value; ignored")
    return tuple(values)


def parse_conditions(raw: Any, line: int = 0) -> tuple[list[Condition], list[str]]:
    """Parse a statement's ``Condition`` element into one Condition per (operator, key).

    A block that is Unknown (or an undecidable Choice) becomes a single condition with
    ``base == ''`` that evaluates to None. Never raises.
    """
    problems: list[str] = []
    conditions: list[Condition] = []
    if raw is None:
        return conditions, problems
    whole_unknown = as_unknown(raw)
    if whole_unknown is not None:
        if is_intrinsic(raw):
            problems.append("Condition is an unresolved intrinsic function; treated as unknown")
        return [Condition("", "", "", "", (whole_unknown,), False, None, False, line_of(raw, line))], problems
    if not isinstance(raw, dict):
        problems.append(f"Condition must be an object, not {_type_name(raw)}; ignored")
        return conditions, problems
    block_line = line_of(raw, line)
    for operator_raw, block in raw.items():
        operator = str(operator_raw)
        base, set_op, if_exists = _split_operator(operator)
        negated = base in _NEGATION
        op_line = line_of(block, block_line)
        if not base:
            problems.append(f"unknown condition operator {operator!r}; its result is treated as unknown")
        elif base == "Null" and (if_exists or set_op):
            problems.append(f"condition operator {operator!r}: Null takes no IfExists or set prefix")
        block_unknown = as_unknown(block)
        if block_unknown is not None:
            if is_intrinsic(block):
                problems.append(f"Condition {operator}: unresolved intrinsic function; treated as unknown")
            conditions.append(Condition(operator, "", "", "", (block_unknown,), if_exists, set_op, negated, op_line))
            continue
        if not isinstance(block, dict):
            problems.append(f"Condition {operator} must map keys to values, not {_type_name(block)}; ignored")
            continue
        if not block:
            problems.append(f"Condition {operator} has no keys")
        for key_raw, value_raw in block.items():
            key = str(key_raw)
            where = f"Condition {operator} {key}"
            values = _condition_values(value_raw, where, problems)
            if not values:
                problems.append(f"{where} has no values, so it never matches")
            elif base == "Null" and any(isinstance(v, str) and v.lower() not in ("true", "false") for v in values):
                problems.append(f"{where}: Null takes 'true' or 'false'")
            elif base == "Bool" and any(isinstance(v, str) and v.lower() not in ("true", "false") for v in values):
                problems.append(f"{where}: Bool takes 'true' or 'false'")
            conditions.append(Condition(operator, base, key, key.lower(), values, if_exists, set_op,
                                        negated, op_line))
    return conditions, problems


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__


# ---------------------------------------------------------------- conditions that never hold

# The longest a temporary credential lives (GetSessionToken and GetFederationToken: 36 hours;
# role sessions: 12). A token used after now was issued at most this long before now.
MAX_TOKEN_LIFETIME = timedelta(hours=36)
# Later than any request a deployment will ever see; stands for "any time from now on".
_FAR_FUTURE = datetime(9000, 1, 1, tzinfo=timezone.utc)
# time key -> (how much earlier than now its value can be, whether it can be absent)
_TIME_KEYS = {
    "aws:currenttime": (timedelta(0), False),
    "aws:epochtime": (timedelta(0), False),
    "aws:tokenissuetime": (MAX_TOKEN_LIFETIME, True),
}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _time_text(key_lc: str, moment: datetime) -> str:
    if key_lc == "aws:epochtime":
        return str(int(moment.timestamp()))
    return moment.isoformat()


def _policy_moment(condition: Condition, value: Any) -> datetime | None | Literal[False]:
    """The moment a policy value names; None when it cannot be read; False for an Unknown."""
    if isinstance(value, Unknown) or (isinstance(value, str) and _VARIABLE.search(value)):
        return False
    if not isinstance(value, str):
        return None
    if condition.base.startswith("Numeric"):
        number = _number(value)
        if number is None:
            return None
        try:
            return datetime.fromtimestamp(float(number), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    return _date(value)


def _time_key_never_true(key_lc: str, group: list[Condition], now: datetime) -> bool:
    """Do the conditions on one time key fail for every request from ``now`` on?"""
    lag, may_be_absent = _TIME_KEYS[key_lc]
    earliest = now - lag
    numeric_ok = key_lc == "aws:epochtime"
    moments = [earliest, _FAR_FUTURE]
    for condition in group:
        if condition.base == "Null":
            continue
        if not (condition.base.startswith("Date") or (numeric_ok and condition.base.startswith("Numeric"))):
            return False  # string or other comparisons of a time: not judged here
        for value in condition.values:
            moment = _policy_moment(condition, value)
            if moment is False or moment is None:
                return False  # unknown or unreadable: no claim
            if moment >= earliest:
                step = timedelta(seconds=1) if numeric_ok else timedelta(microseconds=1)
                moments.extend((moment, moment + step))
    # The answer changes only at the policy values, so these points stand for every moment.
    contexts: list[list[str] | None] = [[_time_text(key_lc, m)] for m in moments if m >= earliest]
    if may_be_absent:
        contexts.append(None)
    return all(_and3(c.matches(context) for c in group) is False for context in contexts)


def _group_never_true(group: list[Condition]) -> bool:
    """Null/Bool conditions on one (non-time) key that no request satisfies."""
    requires_absent = any(c.base == "Null" and c.values and
                          all(isinstance(v, str) and v.strip().lower() == "true" for v in c.values) for c in group)
    if requires_absent:
        return _and3(c.matches(None) for c in group) is False  # absent is the only way Null: true holds
    if all(c.base in ("Null", "Bool") for c in group):
        # a boolean key is single-valued: absent, true or false
        return all(_and3(c.matches(context) for c in group) is False for context in (None, ["true"], ["false"]))
    return False


def never_true(conditions: Iterable[Condition], now: datetime | None = None) -> str | None:
    """Why the conditions (ANDed, as in one statement) hold for no request made from ``now``
    (default: the current time) on, or None when some request may satisfy them."""
    by_key: dict[str, list[Condition]] = {}
    for condition in conditions:
        if not condition.is_unknown and condition.key_lc:
            by_key.setdefault(condition.key_lc, []).append(condition)
    if not by_key:
        return None
    moment = now or _now()
    for key_lc, group in by_key.items():
        if key_lc in _TIME_KEYS:
            failed = _time_key_never_true(key_lc, group, moment)
        else:
            failed = _group_never_true(group)
        if failed:
            written = "; ".join(f"{c.operator} {c.key} [{', '.join(str(v) for v in c.values)}]" for c in group)
            if key_lc in _TIME_KEYS:
                return f"{written} holds for no request made after {moment.date().isoformat()}"
            return f"{written} holds for no request"
    return None
