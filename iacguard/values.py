"""Values as loaders hand them to the rest of the pipeline.

Loaders produce plain Python data (dict, list, str, int, float, bool, None) with three
additions:

* ``PDict`` / ``PList``: a dict or list that remembers the 1-based ``line`` where it starts in
  its file, so a policy statement can be reported at its own line.
* ``PStr``: a string with the line its content starts on (heredocs), for JSON parsed from it.
* ``Unknown``: a value the scanner cannot know before deployment (a variable without a default,
  an ARN known only after apply, an unsupported function). It carries the expression text and
  the resources it refers to. Never a string that happens to look safe.
* ``Ref``: an ``Unknown`` that is exactly one attribute of one resource in the same template or
  module (``!GetAtt Role.Arn``, ``aws_iam_role.app.arn``). The IAM model follows these to link
  attachments, memberships and policies to principals.
* ``Partial``: an ``Unknown`` string with known and unknown parts (a template, ``format()`` or
  ``replace()`` over a value known only at apply); ``parts`` keeps the literal text apart from
  the holes, so JSON written around the holes can still be read (``decode_json_with_holes``).
* ``Choice``: an ``Unknown`` that is one of several known alternatives (an undecidable
  ``Fn::If`` or conditional); ``options`` lists them so analyses can consider each.
* ``Encoded``: a JSON string produced from a structure (``jsonencode(...)``, the ``json``
  attribute of ``aws_iam_policy_document``). It is a real ``str`` but also keeps the positioned
  structure in ``.value`` so statements keep their lines.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Iterator


class PDict(dict):
    """A dict with the line where it starts (1-based, 0 when unknown).

    ``file``: the file it was written in, when a loader knows it (Terraform): a policy passed
    into a module by its caller, or a policy document data source in a sibling file, is used by
    a resource of another file, and findings point where it is written."""

    __slots__ = ("line", "file")

    def __init__(self, *args: Any, line: int = 0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.line = line
        self.file: str | None = None


class PList(list):
    """A list with the line where it starts (1-based, 0 when unknown)."""

    __slots__ = ("line",)

    def __init__(self, *args: Any, line: int = 0):
        super().__init__(*args)
        self.line = line


class PStr(str):
    """A string with the line where its content starts (a heredoc policy), so JSON parsed from
    it keeps real line numbers."""

    line: int
    file: str | None = None  # as PDict.file

    def __new__(cls, value: str, line: int = 0) -> "PStr":
        obj = super().__new__(cls, value)
        obj.line = line
        return obj


def line_of(value: Any, default: int = 0) -> int:
    """The line a loaded value starts on, or ``default``."""
    return getattr(value, "line", 0) or default


class Origin(tuple):
    """The input an Unknown comes from, so a person is told what to pass, not the expression.

    ``kind``: "variable" (a Terraform variable without a value), "data" (a data source read at
    plan time), "deferred_read" (a data source a plan reads only during apply), "after_apply" (a
    resource attribute), "parameter" (a CloudFormation parameter without a default), "module" (an
    output of a module call not analysed). ``name`` as written (``var.boundary_arn``,
    ``aws_iam_role.x.arn``, ``Boundary``, ``module.x``); ``module`` the address of the module
    that declares a variable (empty in a root); ``library`` the root directory (as reported) when
    the variable belongs to a root that is a library, not applied as it stands (README "How the
    roots of a scan are chosen")."""

    __slots__ = ()

    def __new__(cls, kind: str, name: str, module: str = "", library: str | None = None) -> "Origin":
        return super().__new__(cls, (kind, name, module, library))

    def __getnewargs__(self) -> tuple:
        return tuple(self)

    kind = property(lambda self: self[0])
    name = property(lambda self: self[1])
    module = property(lambda self: self[2])
    library = property(lambda self: self[3])

    def describe(self) -> str:
        """One line naming the input and what to do about it."""
        kind, name, module = self[0], self[1], self[2]
        if kind == "variable":
            short = name[4:] if name.startswith("var.") else name
            if module:
                return f"{name} of {module} has no value: the call of {module} passes none and it has no default"
            return f"{name} has no value: pass --var {short}=... or a var file"
        if kind == "data":
            return f"{name} is read at plan time"
        if kind == "deferred_read":
            return f"{name} is read only during apply (the plan defers the data source's read)"
        if kind == "after_apply":
            if name.startswith("data.") or ".data." in name:  # data "aws_iam_policy" by name
                return f"{name} is read at plan time"
            return f"{name} is known only after apply"
        if kind == "parameter":
            return f"parameter {name} has no default: pass --parameter {name}=..."
        if kind == "module":
            return f"{name} is not analysed (its code is not on disk): run terraform init or scan a plan"
        if kind == "ssm":
            return f"parameter {name} is an SSM parameter read at deploy time"
        return name


# At most this many inputs are named in one message; the rest are counted.
_NAMED_INPUTS = 3


def iter_unknowns(values: Iterable[Any]) -> Iterable["Unknown"]:
    """Every Unknown in ``values``, nested in mappings and lists, in the order written (an
    Unknown's own refs and origins stand for what is inside it)."""
    stack = list(values)[::-1]
    while stack:
        item = stack.pop()
        if type(item) is str:  # the commonest leaf, none of the kinds below
            continue
        if isinstance(item, Unknown):
            yield item
        elif isinstance(item, dict):
            stack.extend(reversed(item.values()))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def unknown(text: str, *values: Any, reason: str = "") -> Unknown:
    """An Unknown built from ``values``: it refers to their resources and comes from their inputs
    (one walk over them collects both)."""
    refs: list = []
    seen: set = set()
    origins: dict = {}
    for item in iter_unknowns(values):
        for r in item.refs:
            identity = r.identity  # module.m["a"] and module.m["b"] refs are both kept
            if identity not in seen:
                seen.add(identity)
                refs.append(r)
        for origin in item.origins:
            origins.setdefault(origin, None)
    return Unknown(text, refs, reason, origins=tuple(origins))


def origins_of(values: Iterable[Any]) -> tuple:
    """The origins of every Unknown in ``values`` (nested), first seen first."""
    found: dict = {}
    for item in iter_unknowns(values):
        for origin in item.origins:
            found.setdefault(origin, None)
    return tuple(found)


# What a person can pass comes first: a variable or parameter, then what AWS decides.
_KIND_ORDER = {"variable": 0, "parameter": 0, "module": 1, "ssm": 1, "data": 2, "deferred_read": 2,
               "after_apply": 3}


def describe_inputs(origins: Iterable[Origin]) -> str:
    """``var.a has no value: ...; data.x.y is read at plan time`` (at most three, then a count)."""
    ordered = sorted(origins, key=lambda o: _KIND_ORDER.get(o.kind, 4))  # stable: first seen first
    lines = list(dict.fromkeys(o.describe() for o in ordered))
    text = "; ".join(lines[:_NAMED_INPUTS])
    if len(lines) > _NAMED_INPUTS:
        text += f"; and {len(lines) - _NAMED_INPUTS} more input(s)"
    return text


def describe_unknown_value(value: "Unknown") -> str:
    """What a person can act on for one unknown: its inputs, else its expression's first line
    (never the whole multi-line expression) with the reason."""
    if value.origins:
        return describe_inputs(value.origins)
    lines = value.text.strip().splitlines() or [""]
    text = lines[0].strip() + (" ..." if len(lines) > 1 else "")
    if len(text) > 200:
        text = text[:197] + "..."
    return f"{text} is not known before deploy" + (f" ({value.reason})" if value.reason else "")


class Unknown:
    """A value not known before deployment.

    ``text`` is the source expression as written (``var.account_id``, ``${AWS::AccountId}``),
    ``refs`` the ``Ref`` objects for template resources it mentions, ``reason`` a short
    human explanation ("variable without default", "known after apply"), ``origins`` the
    inputs it comes from (``Origin``), carried through every operation built on it.
    """

    __slots__ = ("text", "refs", "reason", "line", "origins")

    def __init__(self, text: str = "", refs: Iterable["Ref"] = (), reason: str = "", line: int = 0,
                 origins: tuple = ()):
        self.text = text
        self.refs = tuple(refs)
        self.reason = reason
        self.line = line  # where the expression's content starts, when known (heredocs)
        self.origins = origins

    def __repr__(self) -> str:
        return f"Unknown({self.text!r})"

    def __str__(self) -> str:
        return self.text or "<unknown>"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.text == self.text  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.text))


class Ref(Unknown):
    """Exactly one attribute of one resource of the same template/module.

    ``target`` is the resource address (Terraform ``aws_iam_role.app`` or
    ``module.m.aws_iam_role.app`` without instance keys; CloudFormation logical id),
    ``attr`` the attribute (``arn``, ``name``, ``Arn``; ``None`` for a CloudFormation ``Ref``).
    """

    __slots__ = ("target", "attr", "key", "scope")

    def __init__(self, target: str, attr: str | None = None, text: str = "", key: Any = None,
                 scope: str | None = None):
        self.target = target
        self.attr = attr
        self.key = key  # the instance key (count index or for_each key) when known
        # Terraform: the address prefix of the module instance the reference was written in
        # (``module.roles["admin"].``): of a module called with count/for_each, it names the
        # resource of that instance only. None: a root module, CloudFormation, a plan.
        self.scope = scope
        super().__init__(text or (f"{target}.{attr}" if attr else target), (), "reference")
        self.refs = (self,)
        self.origins = (Origin("after_apply", self.text),)

    @property
    def instance_address(self) -> str | None:
        """``aws_iam_user.bots["build"]`` (``module.m["a"].aws_iam_user.bots[0]`` with a scope)
        for a keyed reference, else None."""
        if self.key is None:
            return None
        suffix = f"[{self.key}]" if isinstance(self.key, int) else f"[{json.dumps(self.key, ensure_ascii=False)}]"
        if self.scope:
            return self.scope + _local_address(self.target) + suffix
        return self.target + suffix

    def __repr__(self) -> str:
        return f"Ref({self.target!r}, {self.attr!r})"

    def __eq__(self, other: object) -> bool:
        # the same attribute of the same declaration, whichever instance: see ``identity``
        return isinstance(other, Ref) and (other.target, other.attr) == (self.target, self.attr)

    @property
    def identity(self) -> tuple:
        """What tells two references apart where instances matter (linking, de-duplication)."""
        return (self.target, self.attr, self.key, self.scope)

    def __hash__(self) -> int:
        return hash(("Ref", self.target, self.attr))


class Partial(Unknown):
    """A string whose literal parts are known and whose other parts are Unknown.

    ``parts`` alternates ``str`` and ``Unknown`` pieces in order. ``text`` shows each hole as
    ``${...}`` as before, so code that only knows Unknown keeps working; code that reads the
    known text takes it from ``parts``, where a literal ``${aws:username}`` is never a hole."""

    __slots__ = ("parts",)
    parts: tuple[Any, ...]

    def __init__(self, parts: Iterable[Any], text: str = "", refs: Iterable["Ref"] = (), reason: str = "",
                 line: int = 0):
        merged: list = []
        # a partial inside a partial is its own parts
        flat = (inner for part in parts for inner in (part.parts if isinstance(part, Partial) else (part,)))
        for part in flat:
            if isinstance(part, str) and merged and type(merged[-1]) is str:
                merged[-1] += part
            elif isinstance(part, str):
                merged.append(str(part))
            elif part is not None:
                merged.append(part)
        self.parts = tuple(p for p in merged if p != "")
        if not text:
            # a hole shows as ${...}; an undecided template directive (%{ if }...) as written
            text = "".join(p if isinstance(p, str) else p.text if p.text.startswith("%{") else "${" + p.text + "}"
                           for p in self.parts)
        if not refs:
            # keyed by identity: refs of two module instances are both kept
            refs = tuple({r.identity: r for p in self.parts if isinstance(p, Unknown) for r in p.refs}.values())
        if not reason:
            reason = next((p.reason for p in self.parts if isinstance(p, Unknown) and p.reason), "")
        super().__init__(text, refs, reason or "unknown template part", line, origins_of(self.parts))

    @property
    def holes(self) -> tuple:
        return tuple(p for p in self.parts if isinstance(p, Unknown))

    def __repr__(self) -> str:
        return f"Partial({self.parts!r})"


def partial_or_text(parts: Iterable[Any], **kwargs: Any) -> Any:
    """A plain string when every part is known, else a Partial of the parts."""
    parts = list(parts)
    if all(isinstance(p, str) and not isinstance(p, Unknown) for p in parts):
        return "".join(parts)
    return Partial(parts, **kwargs)


def _local_address(base_address: str) -> str:
    """``aws_iam_role.r`` of ``module.a.module.b.aws_iam_role.r`` (a base address)."""
    parts = base_address.split(".")
    index = 0
    while index + 2 < len(parts) and parts[index] == "module":
        index += 2
    return ".".join(parts[index:])


class Choice(Unknown):
    """One of several values, chosen at deploy time (a CloudFormation ``Fn::If`` whose condition
    cannot be decided, a Terraform conditional on an unknown). ``options`` holds every branch;
    analyses that must be conservative consider all of them."""

    __slots__ = ("options",)

    def __init__(self, options: Iterable[Any], text: str = "", reason: str = "undecided condition"):
        self.options = tuple(options)
        super().__init__(text, (), reason)
        # one walk for both: collect_refs of each option in turn, and origins_of the options
        refs: list = []
        origins: dict = {}
        for item in iter_unknowns(self.options):
            refs.extend(item.refs)
            for origin in item.origins:
                origins.setdefault(origin, None)
        self.refs = tuple(refs)
        self.origins = tuple(origins)

    def __repr__(self) -> str:
        return f"Choice({self.options!r})"


def collect_refs(value: Any) -> tuple:
    """Every Ref mentioned anywhere in a value."""
    return tuple(r for item in iter_unknowns((value,)) for r in item.refs)


class Encoded(str):
    """A JSON string that still knows the positioned structure it was made from."""

    value: Any

    def __new__(cls, value: Any) -> "Encoded":
        obj = super().__new__(cls, json.dumps(to_plain(value), sort_keys=False))
        obj.value = value
        return obj

    def __reduce__(self) -> tuple:
        # The default str pickling would call __new__ with the JSON text and encode it again;
        # --jobs sends loaded resources between processes.
        return (_restore_encoded, (str(self), self.value))


def _restore_encoded(text: str, value: Any) -> Encoded:
    obj = str.__new__(Encoded, text)
    obj.value = value
    return obj


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def contains_unknown(value: Any) -> bool:
    """True when any leaf of a nested value is Unknown."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def to_plain(value: Any) -> Any:
    """Strip positions; Unknowns become their expression text in ``${...}`` form (for JSON)."""
    if isinstance(value, Unknown):
        # an Unknown string template already shows its unknown parts as ${...}
        return value.text if "${" in value.text else "${" + value.text + "}"
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, Encoded):
        return str(value)
    return value


class TextBudgetCache:
    """Answers by key while the texts they were computed from total at most ``max_chars``; past
    that it starts over. A scan meets the same texts again and again (every module instance and
    world of flags repeats its module's policies), while a long-running process must not keep
    every text it ever met."""

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self.chars = 0
        self._items: dict[Any, Any] = {}
        # the dict's own get: asked for every text of every resource, a method around it would
        # cost a call each time (clear() empties this same dict, so it stays bound to it)
        self.get = self._items.get

    def put(self, key: Any, value: Any, chars: int) -> None:
        """Keep ``value`` for ``key``, computed from ``chars`` characters of text."""
        if self.chars + chars > self.max_chars:
            self.clear()
        self._items[key] = value
        self.chars += chars

    def clear(self) -> None:
        self._items.clear()
        self.chars = 0

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


# The JSON read around the holes of a Partial, keyed by its literal parts (None where each hole
# sits) and first line: that is all the text parsed depends on, whatever the holes hold. The
# module instances and worlds of flags of a configuration repeat the same policy templates. The
# parsed tree is only read (restore() builds new containers from it), never handed out.
_AROUND_HOLES = TextBudgetCache(1024 * 1024)  # of literal text; the parsed trees it keeps are larger


def _parse_around_holes(parts: tuple, first_line: int) -> tuple:
    """(marker, pattern of a placeholder, parsed JSON) of ``parts`` with each hole a placeholder
    (see decode_json_with_holes)."""
    import secrets

    from .jsonpos import loads_positioned

    literal = "".join(p for p in parts if isinstance(p, str))
    marker = "\u2063" + secrets.token_hex(8)
    while marker in literal:  # practically never: the literal text would have to guess it
        marker = "\u2063" + secrets.token_hex(8)
    pieces: list[str] = []
    holes = 0
    in_string = escaped = False
    for part in parts:
        if isinstance(part, str):
            pieces.append(part)
            for char in part:  # where JSON strings start and end, to know where each hole sits
                if escaped:
                    escaped = False
                elif char == "\\":
                    escaped = in_string
                elif char == '"':
                    in_string = not in_string
            continue
        token = f"{marker}{holes}{marker}"
        holes += 1
        pieces.append(token if in_string else f'"{token}"')
        escaped = False  # an escape before a hole makes the placeholder invalid JSON: unreadable
    parsed = loads_positioned("".join(pieces), first_line or 1)
    return marker, re.compile(re.escape(marker) + r"(\d+)" + re.escape(marker)), parsed


def decode_json_with_holes(value: Partial, first_line: int = 1) -> Any:
    """Parse JSON written around the holes of a Partial (a policy template whose ARNs or account
    are known only at apply). Each hole is read as a placeholder that no literal part contains,
    so nothing written in the input can pass for a hole; a hole outside any JSON string (a
    number or list written in: ``"Action": ${actions}``) is read as one string element. Back in
    the result, a string that is exactly one hole is that Unknown, a string with holes and text
    a Partial, a key with holes its ``${...}`` text. Raises ValueError when the text around the
    holes is not JSON (``json.JSONDecodeError`` is one). With ``first_line`` 0 (text rendered
    from a template file, which has no line in the file that uses it) the result has no lines."""
    holes = [part for part in value.parts if not isinstance(part, str)]
    key = (tuple(part if isinstance(part, str) else None for part in value.parts), first_line)
    cached = _AROUND_HOLES.get(key)
    if cached is None:
        cached = _parse_around_holes(value.parts, first_line)  # raises ValueError: nothing kept
        _AROUND_HOLES.put(key, cached, sum(len(part) for part in key[0] if part is not None))
    marker, token_re, parsed = cached

    def split(text: str) -> list:
        out: list = []
        pos = 0
        for match in token_re.finditer(text):
            out.append(text[pos:match.start()])
            out.append(holes[int(match.group(1))])
            pos = match.end()
        out.append(text[pos:])
        return out

    def restore(item: Any) -> Any:
        kind = type(item)
        if kind is PDict:  # what loads_positioned makes: filled as the general case below does
            result = PDict(line=item.line if first_line else 0)
            for k, v in item.items():
                result[Partial(split(k)).text if marker in k else k] = restore(v)
            return result
        if kind is PList:
            return PList([restore(v) for v in item], line=item.line if first_line else 0)
        if isinstance(item, str):
            if marker not in item:
                return item
            parts = [p for p in split(item) if p != ""]
            return parts[0] if len(parts) == 1 else Partial(parts)
        if isinstance(item, dict):
            return PDict(((Partial(split(k)).text if marker in k else k, restore(v)) for k, v in item.items()),
                         line=getattr(item, "line", 0) if first_line else 0)
        if isinstance(item, list):
            return PList((restore(v) for v in item), line=getattr(item, "line", 0) if first_line else 0)
        return item

    return restore(parsed)
