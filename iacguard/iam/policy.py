"""Policy documents: parsing from every form loaders produce, matching, and a canonical form.

Forms accepted by ``parse_policy``: dict/PDict, ``Encoded`` (its ``.value``), a JSON string,
``Unknown`` (the whole document unknown before deploy) and ``Choice`` (statements of every
option, conservatively). Inside a document every field may be Unknown, a Choice, or of the
wrong type; wrong types become readable ``problems``, never exceptions.

Structurally invalid statements that AWS rejects outright (Effect other than ``Allow``/``Deny``
in any case, no Action/NotAction, both Action and NotAction, ...) are left out of
``statements`` and explained in ``PolicyDocument.problems``. Anything that decides access but
is not known before deploy (the document, a statement, an Effect, an Action entry) sets
``unresolved`` so no caller can mistake it for a pass.

A statement whose Condition can hold for no request made from now on (``DateLessThan
aws:CurrentTime`` a past date, ``Bool`` true and false on one key; see
``conditions.never_true``) grants or denies nothing: it is kept in
``PolicyDocument.inert_statements`` with the reason in ``Statement.never_applies``, not in
``statements``, so no analysis counts it. ``normalize`` and ``all_problems`` still include it.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
from dataclasses import dataclass, field
from typing import Any

from ..values import (Choice, Encoded, PDict, PList, Partial, Ref, Unknown, decode_json_with_holes,
                      describe_unknown_value, line_of)
from .actions import glob_match
from .conditions import (Condition, _not3, _or3, _and3, arn_match, as_unknown, is_intrinsic, never_true,
                         parse_conditions)
from .principals import (PrincipalRef, parse_principal, principal_covers, principal_identity_chain,
                         principal_listed)
from ..lazy_regex import lazy_compile

__all__ = ["Statement", "PolicyDocument", "parse_policy", "normalize", "VALID_VERSIONS", "action_elements_match",
           "entry_services"]

VALID_VERSIONS = ("2012-10-17", "2008-10-17")
_STATEMENT_ELEMENTS = ("Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
                       "Principal", "NotPrincipal", "Condition")
_DOCUMENT_ELEMENTS = ("Version", "Id", "Statement")


@dataclass
class Statement:
    """One parsed statement of a policy document."""

    index: int
    sid: str | None
    effect: str | Unknown  # 'Allow' | 'Deny' | Unknown
    actions: tuple | None  # Action entries (str or Unknown); None when NotAction is used
    not_actions: tuple | None
    resources: tuple | None
    not_resources: tuple | None
    principals: tuple[PrincipalRef, ...] | None
    not_principals: tuple[PrincipalRef, ...] | None
    conditions: tuple[Condition, ...]
    line: int
    problems: list[str] = field(default_factory=list)
    raw: Any = None
    # why the Condition holds for no request from now on (the statement then applies to nothing)
    never_applies: str | None = None

    def __post_init__(self) -> None:
        # Answers per action and per resource ARN. The analyses ask each statement about the
        # same few dozen actions and ARNs many times; the answers depend only on the
        # Action/Resource elements, which are never changed after parsing (a changed copy made
        # with dataclasses.replace starts with empty caches).
        self._action_matches: dict[str, bool | None] = {}
        self._resource_matches: dict[str, bool | None] = {}

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow"

    @property
    def is_deny(self) -> bool:
        return self.effect == "Deny"

    @property
    def effect_unknown(self) -> bool:
        return isinstance(self.effect, Unknown)

    def action_match(self, action: str) -> bool | None:
        """Does the statement cover this action? None when an Unknown entry could decide."""
        try:
            return self._action_matches[action]
        except KeyError:
            found = self._action_matches[action] = self._action_match(action)
            return found
        except TypeError:  # not a string: never cached
            return self._action_match(action)

    def _action_match(self, action: str) -> bool | None:
        return action_elements_match(self.actions, self.not_actions, action)

    def resource_match(self, arn: str) -> bool | None:
        """Does the statement cover this resource ARN? With neither Resource nor NotResource
        (trust policies, some resource policies) the statement covers its own resource: True.
        ARN matching is case-sensitive; ``*``/``?`` stay inside one colon-separated part except in
        the resource part. Policy variables make a possible match None."""
        try:
            return self._resource_matches[arn]
        except KeyError:
            found = self._resource_matches[arn] = self._resource_match(arn)
            return found
        except TypeError:  # not a string: never cached
            return self._resource_match(arn)

    def _resource_match(self, arn: str) -> bool | None:
        if self.resources is not None:
            return _or3(_resource_entry_match(e, arn) for e in self.resources)
        if self.not_resources is not None:
            return _not3(_or3(_resource_entry_match(e, arn) for e in self.not_resources))
        return True

    def principal_match(self, principal: PrincipalRef) -> bool | None:
        """Does the statement apply to this caller? Principal: ``*`` covers everyone, an account
        covers its identities, a role its sessions. NotPrincipal: the statement applies unless
        the caller, its role (for a session) and its account are all listed, as AWS requires.
        No Principal element (identity policies): True."""
        if self.principals is not None:
            return _or3(principal_covers(entry, principal) for entry in self.principals)
        if self.not_principals is not None:
            exempt = _and3(principal_listed(self.not_principals, link)
                           for link in principal_identity_chain(principal))
            return _not3(exempt)
        return True

    def copy(self) -> Statement:
        """A statement of its own with the same content (as parsing the same text again gives)."""
        return dataclasses.replace(self, problems=list(self.problems))

    @property
    def where(self) -> str:
        # people count statements from 1
        return f"statement {self.index + 1}" + (f" ({self.sid})" if self.sid else "")


@dataclass
class PolicyDocument:
    """A parsed policy document: its statements and what could not be read."""

    statements: list[Statement]
    version: str | None
    line: int
    problems: list[str] = field(default_factory=list)
    unresolved: str | None = None
    # the inputs the unresolved parts come from; None when one of them has no known input
    unresolved_origins: tuple | None = ()
    raw: Any = None
    # Statements (or whole Choice options) not known before deploy; kept for normalize.
    unknown_statements: list[Unknown] = field(default_factory=list)
    unknown_document: Unknown | None = None
    # statements whose Condition never holds: written, valid, but granting or denying nothing
    inert_statements: list[Statement] = field(default_factory=list)

    def copy(self) -> PolicyDocument:
        """A document of its own with the same content (as parsing the same text again gives):
        new statements and lists, the same raw value."""
        return dataclasses.replace(self, statements=[st.copy() for st in self.statements], problems=list(self.problems),
                                   unknown_statements=list(self.unknown_statements),
                                   inert_statements=[st.copy() for st in self.inert_statements])

    def all_problems(self) -> list[tuple[int, str]]:
        """Document and statement problems as (line, message), statement ones prefixed."""
        found = [(self.line, p) for p in self.problems]
        for statement in sorted(self.statements + self.inert_statements, key=lambda s: s.index):
            found.extend((statement.line, f"{statement.where}: {p}") for p in statement.problems)
        return found


# ---------------------------------------------------------------- matching helpers

def action_elements_match(actions: tuple | None, not_actions: tuple | None, action: str) -> bool | None:
    """``Statement.action_match`` from the Action/NotAction elements alone (it depends on
    nothing else, so callers may key reuse on the two tuples)."""
    if actions is not None:
        return _entries_match(actions, action)
    if not_actions is not None:
        return _not3(_entries_match(not_actions, action))
    return False


def entry_services(entries: tuple) -> set[str] | None:
    """The lowercase service prefixes the entries of an Action element can match; None when one
    could match any service (a wildcard in its service part, an Unknown). Entries that are not
    strings never match. Kept to ASCII, where lowercasing agrees with how IAM patterns match
    case-insensitively."""
    services: set[str] = set()
    for entry in entries:
        if isinstance(entry, Unknown):
            return None
        if not isinstance(entry, str):
            continue
        service = entry.strip().split(":", 1)[0]
        if "*" in service or "?" in service or not service.isascii():
            return None
        services.add(service.lower())
    return services


def _entries_match(entries: tuple, action: str) -> bool | None:
    # Every analysis asks the same statements about the same few dozen actions; profiling a
    # 1,000-file scan showed this match as the top cost. The answer depends only on the entries
    # (Unknown entries hash by their text and always answer None) and the action.
    try:
        return _entries_match_cached(entries, action)
    except TypeError:  # an unhashable entry (a mapping where a string belongs): no cache
        return _or3(_action_entry_match(e, action) for e in entries)


@functools.lru_cache(maxsize=1 << 16)
def _entries_match_cached(entries: tuple, action: str) -> bool | None:
    return _or3(_action_entry_match(e, action) for e in entries)


def _action_entry_match(entry: Any, action: str) -> bool | None:
    if isinstance(entry, Unknown):
        return None
    if not isinstance(entry, str):
        return False
    return glob_match(entry.strip(), action)


def _resource_entry_match(entry: Any, arn: str) -> bool | None:
    if isinstance(entry, Ref) and isinstance(arn, str) and arn.strip() and set(arn.strip()) == {"*"}:
        return False  # an attribute of one resource names that resource, never "*"
    if isinstance(entry, Unknown):
        return None
    if not isinstance(entry, str) or not isinstance(arn, str):
        return False
    return arn_match(entry.strip(), arn)


# ---------------------------------------------------------------- parsing

def _inputs(ctx: "_Context", value: Unknown) -> str:
    """One line naming the inputs ``value`` comes from (recorded for the library rule)."""
    if value.origins:
        for origin in value.origins:
            ctx.origins.setdefault(origin, None)
    else:
        ctx.anonymous = True
    return describe_unknown_value(value)


class _Context:
    """Collects unresolved reasons and document problems while parsing one document."""

    def __init__(self) -> None:
        self.unresolved: list[str] = []
        self.origins: dict = {}  # the inputs of the unknowns in ``unresolved`` (ordered set)
        self.anonymous = False  # an unresolved part whose input is not known
        self.problems: list[str] = []
        self.unknown_statements: list[Unknown] = []
        self.inert_statements: list[Statement] = []
        self.inside_template = False  # parsing a JSON template's filled holes: never again


def _dedupe(values: list[Any]) -> tuple:
    seen: set = set()
    result = []
    for value in values:
        marker = (type(value).__name__, value) if isinstance(value, Unknown) else value
        if marker not in seen:
            seen.add(marker)
            result.append(value)
    return tuple(result)


def _value_list(raw: Any, name: str, problems: list[str]) -> tuple:
    """Action/Resource values as a flat tuple of str/Unknown; a Choice gives all options."""
    found: list[Any] = []
    _collect_values(raw, name, problems, found, depth=0)
    return _dedupe(found)


def _collect_values(raw: Any, name: str, problems: list[str], found: list[Any], depth: int) -> None:
    if isinstance(raw, str):  # the common case first; no string is an Unknown
        found.append(raw)
        return
    if isinstance(raw, Choice):
        for option in raw.options:
            if option is not None:
                _collect_values(option, name, problems, found, depth)
        return
    unknown = as_unknown(raw)
    if unknown is not None:
        if is_intrinsic(raw):
            problems.append(f"{name}: unresolved intrinsic function {next(iter(raw))}; treated as unknown")
        found.append(unknown)
    elif isinstance(raw, str):
        found.append(raw)
    elif isinstance(raw, list):
        if depth > 0:
            problems.append(f"{name}: nested list is not valid; its entries are still considered")
        for item in raw:
            _collect_values(item, name, problems, found, depth + 1)
    elif raw is None:
        problems.append(f"{name}: null value ignored")
    elif isinstance(raw, bool):
        problems.append(f"{name}: boolean {str(raw).lower()} is not valid; ignored")
    elif isinstance(raw, (int, float)):
        problems.append(f"{name}: number {raw} is not valid; ignored")
    else:
        problems.append(f"{name}: {type(raw).__name__} is not valid; ignored")


def _check_action(entry: str, name: str, problems: list[str]) -> None:
    text = entry.strip()
    if text and set(text) == {"*"}:
        return
    if text.count(":") != 1 or not all(text.split(":")):
        problems.append(f"{name} {entry!r} is not of the form 'service:action' (AWS rejects it)")


def _check_resource(entry: str, name: str, problems: list[str]) -> None:
    text = entry.strip()
    if (text and set(text) == {"*"}) or text.startswith("arn:"):
        return
    problems.append(f"{name} {entry!r} is neither \"*\" nor an ARN")


def _parse_effect(raw: Any, ctx: _Context, where: str) -> tuple[str | Unknown | None, str | None]:
    """(effect or None when the statement must be ignored, problem)."""
    if isinstance(raw, Choice):
        options = [o for o in raw.options if o is not None]
        if options and all(isinstance(o, str) and not isinstance(o, Unknown) and o in ("Allow", "Deny")
                           for o in options) and len(set(options)) == 1:
            return options[0], None
        ctx.unresolved.append(f"{where} Effect depends on a condition: {_inputs(ctx, raw)}")
        return raw, None
    unknown = as_unknown(raw)
    if unknown is not None:
        ctx.unresolved.append(f"{where} Effect: {_inputs(ctx, unknown)}")
        return unknown, None
    if raw in ("Allow", "Deny") and isinstance(raw, str):
        return raw, None
    # AWS documents Effect as case-sensitive, yet IAM accepts "allow": AWS's own Control Tower
    # Account Factory deploys a trust policy with it. Any case is read as the effect it spells,
    # so such a statement is judged, never dropped as invalid.
    if isinstance(raw, str) and raw.lower() in ("allow", "deny"):
        return raw.capitalize(), None
    if raw is None:
        return None, f"{where} has no Effect; AWS rejects it, statement ignored"
    return None, (f"{where}: Effect {raw!r} must be 'Allow' or 'Deny'; "
                  "AWS rejects it, statement ignored")


_BY_LOWER: dict[tuple[str, ...], dict[str, str]] = {names: {name.lower(): name for name in names} for names in (_STATEMENT_ELEMENTS, _DOCUMENT_ELEMENTS)}


def _canonical_keys(raw: dict, allowed: tuple[str, ...], what: str, problems: list[str]) -> dict[str, Any]:
    """Map the element names of a statement/document to AWS's spelling; report others."""
    by_lower = _BY_LOWER.get(allowed) or {name.lower(): name for name in allowed}
    result: dict[str, Any] = {}
    written: dict[str, str] = {}
    for key_raw, value in raw.items():
        key = str(key_raw)
        canonical = by_lower.get(key.lower())
        if canonical is None:
            problems.append(f"{what}: unknown element {key!r} ignored")
            continue
        if canonical != key:
            problems.append(f"{what}: element {key!r} must be spelled {canonical!r}")
        if canonical in result:
            # names that differ only in case are the same element written twice, like a
            # duplicate key: one value would hide the other (RESOURCE: "*" beside Resource)
            problems.append(f"{what}: element {canonical!r} appears twice ({written[canonical]!r} and "
                            f"{key!r}): one value would hide the other, so the first one is ignored")
        result[canonical] = value
        written[canonical] = key
    return result


def _known_names(raw: dict, ctx: _Context, where: str) -> dict:
    """The elements of a statement or document whose names are known. In a template, a name
    with a hole (``"${var.effect_key}": ...``) could be any element, so it is unresolved,
    never an unknown element ignored."""
    if not ctx.inside_template or not any("${" in str(key) for key in raw):
        return raw
    for key in raw:
        if "${" in str(key):
            ctx.unresolved.append(f"{where}: element name {key} is not known before deploy")
    return {key: value for key, value in raw.items() if "${" not in str(key)}


def _parse_statement(raw: dict, index: int, doc_line: int, ctx: _Context) -> Statement | None:
    line = line_of(raw, doc_line)
    sid_raw = raw.get("Sid") if isinstance(raw, dict) else None
    where = f"statement {index + 1}" + (f" ({sid_raw})" if isinstance(sid_raw, str) and sid_raw else "")
    problems: list[str] = []
    elements = _canonical_keys(_known_names(raw, ctx, where), _STATEMENT_ELEMENTS, where, problems)

    sid = elements.get("Sid")
    if sid is not None and not isinstance(sid, str):
        problems.append(f"Sid must be a string, not {type(sid).__name__}")
        sid = str(sid)
    if isinstance(sid, Unknown):
        sid = str(sid)

    def ignored(reason: str) -> None:
        ctx.problems.append(reason)
        ctx.problems.extend(f"{where}: {p}" for p in problems)

    effect, effect_problem = _parse_effect(elements.get("Effect"), ctx, where)
    if effect is None:
        ignored(effect_problem or f"{where}: invalid Effect, statement ignored")
        return None

    pairs = (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal"))
    for positive, negative in pairs:
        if positive in elements and negative in elements:
            ignored(f"{where} has both {positive} and {negative}; AWS rejects it, statement ignored")
            return None
    if "Action" not in elements and "NotAction" not in elements:
        ignored(f"{where} has neither Action nor NotAction; AWS rejects it, statement ignored")
        return None

    actions = not_actions = resources = not_resources = None
    action_name = "Action" if "Action" in elements else "NotAction"
    action_values = _value_list(elements[action_name], action_name, problems)
    for entry in action_values:
        if isinstance(entry, Unknown):
            ctx.unresolved.append(f"{where} {action_name}: {_inputs(ctx, entry)}")
        else:
            _check_action(entry, action_name, problems)
    if not action_values:
        problems.append(f"{action_name} is empty" + (" and matches no action" if action_name == "Action" else ""))
    if action_name == "Action":
        actions = action_values
    else:
        not_actions = action_values

    for name in ("Resource", "NotResource"):
        if name in elements:
            values = _value_list(elements[name], name, problems)
            for entry in values:
                if isinstance(entry, str):
                    _check_resource(entry, name, problems)
            if not values:
                problems.append(f"{name} is empty" + (" and matches no resource" if name == "Resource" else ""))
            if name == "Resource":
                resources = values
            else:
                not_resources = values

    principals = not_principals = None
    for name in ("Principal", "NotPrincipal"):
        if name in elements:
            found, principal_problems = parse_principal(elements[name])
            if name == "NotPrincipal":
                principal_problems = [p.replace("Principal", name, 1) if p.startswith("Principal") else p
                                      for p in principal_problems]
            problems.extend(principal_problems)
            if name == "Principal":
                principals = tuple(found)
            else:
                not_principals = tuple(found)

    conditions, condition_problems = parse_conditions(elements.get("Condition"), line)
    problems.extend(condition_problems)

    return Statement(
        index=index, sid=sid, effect=effect,
        actions=actions, not_actions=not_actions,
        resources=resources, not_resources=not_resources,
        principals=principals, not_principals=not_principals,
        conditions=tuple(conditions), line=line, problems=problems, raw=raw,
        never_applies=never_true(conditions),
    )


def _statement_items(raw: Any, index: int, doc_line: int, ctx: _Context, out: list[Statement]) -> None:
    """One entry of the Statement list (a dict, a Choice of statements, an Unknown...)."""
    if isinstance(raw, Choice):
        options = [o for o in raw.options if o is not None]
        for option in options:
            if isinstance(option, list):
                for item in option:
                    _statement_items(item, index, doc_line, ctx, out)
            else:
                _statement_items(option, index, doc_line, ctx, out)
        return
    unknown = as_unknown(raw)
    if unknown is not None:
        if is_intrinsic(raw):
            ctx.problems.append(f"statement {index + 1} is an unresolved intrinsic function; treated as unknown")
        ctx.unresolved.append(f"statement {index + 1}: {_inputs(ctx, unknown)}")
        ctx.unknown_statements.append(unknown)
        return
    if isinstance(raw, dict):
        statement = _parse_statement(raw, index, doc_line, ctx)
        if statement is not None:
            (ctx.inert_statements if statement.never_applies else out).append(statement)
        return
    if isinstance(raw, list):
        ctx.problems.append(f"statement {index + 1} is a nested list; AWS rejects it, its statements are still considered")
        for item in raw:
            _statement_items(item, index, doc_line, ctx, out)
        return
    kind = "null" if raw is None else type(raw).__name__
    ctx.problems.append(f"statement {index + 1} must be an object, not {kind}; ignored")


def _version(raw: Any, ctx: _Context) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, (datetime.date, datetime.datetime)):  # unquoted in YAML
        raw = raw.strftime("%Y-%m-%d")
    if isinstance(raw, Unknown):
        ctx.problems.append(f"Version {raw} is not known before deploy")
        return None
    if not isinstance(raw, str):
        ctx.problems.append(f"Version must be a string such as '2012-10-17', not {raw!r}")
        return str(raw)
    if raw not in VALID_VERSIONS:
        ctx.problems.append(f"Version {raw!r} is not valid; use '2012-10-17'")
    return raw


def _parse_document(raw: dict, line: int, ctx: _Context) -> tuple[list[Statement], str | None]:
    elements = _canonical_keys(_known_names(raw, ctx, "Policy"), _DOCUMENT_ELEMENTS, "Policy", ctx.problems)
    version = _version(elements.get("Version"), ctx)
    statements: list[Statement] = []
    if "Statement" not in elements or elements["Statement"] is None:
        ctx.problems.append("Statement is missing")
        return statements, version
    body = elements["Statement"]
    if isinstance(body, Choice):
        for option in body.options:
            if option is None:
                continue
            items = option if isinstance(option, list) else [option]
            for index, item in enumerate(items):
                _statement_items(item, index, line, ctx, statements)
        return statements, version
    if isinstance(body, dict) and as_unknown(body) is None:
        body = [body]  # a single statement object
    if isinstance(body, list):
        if not body:
            ctx.problems.append("Statement is an empty list")
        for index, item in enumerate(body):
            _statement_items(item, index, line, ctx, statements)
        return statements, version
    unknown = as_unknown(body)
    if unknown is not None:
        ctx.unresolved.append(f"Statement: {_inputs(ctx, unknown)}")
        ctx.unknown_statements.append(unknown)
        return statements, version
    ctx.problems.append(f"Statement must be a list or an object, not {type(body).__name__}")
    return statements, version


def _unreadable(ctx: _Context, message: str) -> None:
    """Invalid JSON is never a silent pass. Text written in full is an input error (AWS rejects
    it whatever is deployed: iacguard.failclosed reports "cannot be read" problems); a template
    whose holes are filled at deploy time may only look broken here, so it is unresolved."""
    if ctx.inside_template:
        ctx.problems.append(message)
        ctx.anonymous = True
        ctx.unresolved.append(f"the policy document cannot be read: {message}")
    else:
        ctx.problems.append(f"the policy document cannot be read: {message}")


def _parse_top(raw: Any, line: int, ctx: _Context, statements: list[Statement]) -> tuple[str | None, Unknown | None]:
    """Parse raw into statements; returns (version, unknown_document)."""
    if isinstance(raw, Encoded):
        return _parse_top(raw.value, line_of(raw.value, line), ctx, statements)
    if isinstance(raw, Choice):
        version = None
        for option in raw.options:
            if option is None or option == "":
                continue
            option_version, option_unknown = _parse_top(option, line_of(option, line), ctx, statements)
            if option_unknown is not None:
                ctx.unknown_statements.append(option_unknown)
            version = version or option_version
        return version, None
    unknown = as_unknown(raw)
    if unknown is not None:
        # only a loader's own template text (a heredoc with ${...}) is re-read as JSON, once: an
        # intrinsic turned Unknown here must not be re-parsed, or its text would nest forever
        if unknown is raw and not isinstance(raw, Choice) and not ctx.inside_template:
            filled = _json_with_holes(unknown, line_of(unknown, line) or line)
            if filled is not None:
                ctx.inside_template = True
                try:
                    return _parse_top(filled, line_of(filled, line), ctx, statements)
                finally:
                    ctx.inside_template = False
        ctx.unresolved.append(_inputs(ctx, unknown))
        return None, unknown
    if isinstance(raw, str):
        if not raw.strip():
            ctx.problems.append("the policy document is an empty string")
            return None, None
        from ..jsonpos import loads_positioned

        first_line = line or 1
        try:
            parsed = loads_positioned(raw, first_line, getattr(raw, "file", None))  # a heredoc's file
        except json.JSONDecodeError as exc:
            message = f"invalid JSON at line {first_line + exc.lineno - 1}: {exc.msg}"
            _unreadable(ctx, message)
            return None, None
        except (ValueError, RecursionError) as exc:
            _unreadable(ctx, f"invalid JSON: {exc}")
            return None, None
        if isinstance(parsed, str):
            ctx.problems.append("the policy document is a JSON string, not an object")
            return None, None
        return _parse_top(parsed, line_of(parsed, first_line), ctx, statements)
    if isinstance(raw, dict):
        found, version = _parse_document(raw, line_of(raw, line), ctx)
        statements.extend(found)
        return version, None
    if raw is None:
        ctx.problems.append("the policy document is missing")
        return None, None
    ctx.problems.append(f"the policy document must be a JSON object, not {type(raw).__name__}")
    return None, None


_HOLE = "\u2063iacguard-hole-{}\u2063"
_HOLE_RE = lazy_compile("\u2063iacguard-hole-(\\d+)\u2063")


def _split_holes(text: str) -> tuple[str, list[str]] | None:
    """Replace each ``${...}`` of a template's text by a placeholder; None when unbalanced."""
    out: list[str] = []
    holes: list[str] = []
    index = 0
    while True:
        start = text.find("${", index)
        if start < 0:
            out.append(text[index:])
            return "".join(out), holes
        out.append(text[index:start])
        depth, pos, quote = 0, start + 1, False
        while pos < len(text):
            char = text[pos]
            if quote:
                if char == "\\":
                    pos += 1
                elif char == '"':
                    quote = False
            elif char == '"':
                quote = True
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    break
            pos += 1
        else:
            return None
        out.append(_HOLE.format(len(holes)))
        holes.append(text[start + 2:pos])
        index = pos + 1


def _json_with_holes(unknown: Unknown, line: int) -> Any:
    """A JSON policy written as a template with unknown parts (a heredoc with ``${aws_x.y.arn}``,
    a templatefile()): parse the JSON around the holes, and put each hole back as an Unknown (a
    Ref when it is exactly one resource attribute). None when the text around them is not JSON."""
    if isinstance(unknown, Partial):
        first = unknown.parts[0] if unknown.parts else None
        if not isinstance(first, str) or not first.lstrip().startswith("{"):
            return None
        try:
            # a heredoc knows where its text starts; text rendered from a template file has no
            # line in this file, so its statements are reported where the policy is used
            return decode_json_with_holes(unknown, unknown.line)
        except (ValueError, RecursionError):
            return None
    # the text of an Unknown from elsewhere (a CloudFormation Fn::Sub): its ${...} are the holes
    text = unknown.text
    if not isinstance(text, str) or not text.lstrip().startswith("{") or "${" not in text:
        return None
    split = _split_holes(text)
    if split is None:
        return None
    filled, holes = split
    from ..jsonpos import loads_positioned

    try:
        parsed = loads_positioned(filled, line or 1)
    except (ValueError, RecursionError):
        return None
    refs = {ref.text: ref for ref in unknown.refs}

    def restore(value: Any) -> Any:
        if isinstance(value, str) and "\u2063" in value:
            original = _HOLE_RE.sub(lambda m: "${" + holes[int(m.group(1))] + "}", value)
            whole = _HOLE_RE.fullmatch(value)
            if whole and holes[int(whole.group(1))] in refs:
                return refs[holes[int(whole.group(1))]]
            used = [ref for key, ref in refs.items() if key in original]
            return Unknown(original, used, reason=unknown.reason or "unknown template part")
        if isinstance(value, dict):
            return PDict(((_HOLE_RE.sub(lambda m: "${" + holes[int(m.group(1))] + "}", k), restore(v))
                          for k, v in value.items()), line=getattr(value, "line", 0))
        if isinstance(value, list):
            return PList((restore(v) for v in value), line=getattr(value, "line", 0))
        return value

    return restore(parsed)


def parse_policy(raw: Any, *, line: int = 0) -> PolicyDocument:
    """Parse a policy document from any loader form. Never raises."""
    ctx = _Context()
    statements: list[Statement] = []
    start = line_of(raw.value if isinstance(raw, Encoded) else raw, line)
    try:
        version, unknown_document = _parse_top(raw, start, ctx, statements)
    except RecursionError:
        ctx.problems.append("the policy document is nested too deeply")
        ctx.unresolved.append("the policy document could not be read")
        ctx.anonymous = True
        version, unknown_document = None, None
    return PolicyDocument(
        statements=statements, version=version, line=start, problems=ctx.problems,
        unresolved="; ".join(dict.fromkeys(ctx.unresolved)) or None, raw=raw,
        unresolved_origins=None if ctx.anonymous else tuple(ctx.origins),
        unknown_statements=ctx.unknown_statements, unknown_document=unknown_document,
        inert_statements=ctx.inert_statements,
    )


# ---------------------------------------------------------------- canonical form

def _marker(value: Any) -> Any:
    return {"unknown": value.text} if isinstance(value, Unknown) else value


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _canonical_list(values: tuple, *, lower: bool = False, strip: bool = False) -> list:
    items = []
    for value in values:
        if isinstance(value, Unknown):
            items.append(_marker(value))
        else:
            text = value.strip() if strip else value
            items.append(text.lower() if lower else text)
    unique = {_sort_key(item): item for item in items}
    return [unique[k] for k in sorted(unique)]


def _canonical_principal(principals: tuple[PrincipalRef, ...]) -> Any:
    if any(p.kind == "*" for p in principals):
        return "*"  # "*" covers every other entry
    grouped: dict[str, list] = {}
    for principal in principals:
        value = principal.value
        grouped.setdefault(principal.kind, []).append(_marker(value) if isinstance(value, Unknown) else value)
    return {kind: sorted({_sort_key(v): v for v in values}.values(), key=_sort_key)
            for kind, values in sorted(grouped.items())}


def _canonical_conditions(conditions: tuple[Condition, ...]) -> Any:
    for condition in conditions:
        if not condition.operator and condition.values and isinstance(condition.values[0], Unknown):
            return _marker(condition.values[0])  # the whole block is unknown
    result: dict[str, Any] = {}
    # Two conditions can canonicalise to the same (operator, key) when written in different
    # cases; both apply (AND), so the later ones keep their own spelling. Conditions written in
    # canonical form go first, which makes the outcome stable when normalising again.
    ordered = sorted(conditions, key=lambda c: (c.operator != c.canonical_operator, c.key != c.key_lc,
                                                c.operator, c.key, _sort_key(_canonical_list(c.values))))
    for condition in ordered:
        operator = condition.canonical_operator
        if not condition.key and condition.values and isinstance(condition.values[0], Unknown):
            result[operator] = _marker(condition.values[0])  # the operator's block is unknown
            continue
        values = _canonical_list(condition.values)
        for op_name, key in ((operator, condition.key_lc), (operator, condition.key),
                             (condition.operator, condition.key_lc), (condition.operator, condition.key)):
            block = result.setdefault(op_name, {})
            if isinstance(block, dict) and key not in block:
                block[key] = values
                break
    return {op: (dict(sorted(block.items())) if isinstance(block, dict) else block)
            for op, block in sorted(result.items())}


def _canonical_statement(statement: Statement) -> dict:
    out: dict[str, Any] = {"Effect": _marker(statement.effect)}
    if statement.sid is not None:
        out["Sid"] = statement.sid
    if statement.actions is not None:
        out["Action"] = _canonical_list(statement.actions, lower=True, strip=True)
    if statement.not_actions is not None:
        out["NotAction"] = _canonical_list(statement.not_actions, lower=True, strip=True)
    if statement.resources is not None:
        out["Resource"] = _canonical_list(statement.resources, strip=True)
    if statement.not_resources is not None:
        out["NotResource"] = _canonical_list(statement.not_resources, strip=True)
    if statement.principals is not None:
        out["Principal"] = _canonical_principal(statement.principals)
    if statement.not_principals is not None:
        out["NotPrincipal"] = _canonical_principal(statement.not_principals)
    if statement.conditions:
        out["Condition"] = _canonical_conditions(statement.conditions)
    return out


def normalize(doc: PolicyDocument) -> dict:
    """Canonical JSON-serialisable form for fingerprints and diffs: every multi-value element a
    sorted, de-duplicated list; action names lowercased; condition operators in AWS spelling and
    keys lowercased; statements sorted and de-duplicated; Unknowns as ``{"unknown": text}``.
    Statements AWS would reject (and so were ignored) are not included. Idempotent:
    ``normalize(parse_policy(normalize(doc))) == normalize(doc)``."""
    if doc.unknown_document is not None and not doc.statements and not doc.unknown_statements \
            and not doc.inert_statements:
        return _marker(doc.unknown_document)
    statements = [_canonical_statement(s) for s in doc.statements + doc.inert_statements]
    statements.extend(_marker(u) for u in doc.unknown_statements)
    unique = {_sort_key(s): s for s in statements}
    out: dict[str, Any] = {}
    if doc.version is not None:
        out["Version"] = doc.version
    out["Statement"] = [unique[k] for k in sorted(unique)]
    return out
