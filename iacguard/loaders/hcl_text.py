"""String functions over text known only in part.

A ``Partial`` (a template around values known only at apply) and a ``Ref`` to an ARN whose shape
the resource type fixes (see ``iacguard.arns``) are text with holes. ``split``, ``startswith``,
``endswith``, ``substr``, ``contains`` and ``==`` against known text are answered here when the
known parts decide them, and left undecided otherwise.

A hole of an ARN shape (``ArnHole``) holds at least one character of its set; any other hole
holds any text, the empty text too. A question is decided only when every text the holes could
hold gives the same answer.
"""

from __future__ import annotations

from typing import Any

from ..arns import ArnHole, arn_shape
from ..values import PList, Partial, Ref, Unknown

UNDECIDED = object()

# Matching text against a pattern costs (pattern length x text length) steps; past this it is
# left undecided rather than slow.
MAX_MATCH_STEPS = 2_000_000


class OpenList(Unknown):
    """A list whose first elements are known and whose length is not: ``split(":", text)`` where
    a hole could hold the separator. ``head`` holds the elements up to and including the one that
    contains that hole (which is known only up to the hole)."""

    __slots__ = ("head",)

    def __init__(self, head: list, text: str, refs: tuple, reason: str, origins: tuple = ()):
        super().__init__(text, refs, reason, origins=origins)
        self.head = PList(head)

    def __repr__(self) -> str:
        return f"OpenList({list(self.head)!r})"


def text_parts(value: Any) -> tuple | None:
    """The text of a string value as literal and hole parts: a plain string, a Partial (its shaped
    Refs as their shapes), a shaped Ref or one ArnHole. None when nothing of it is known."""
    if isinstance(value, str):
        return (str(value),)
    shape = arn_shape(value)
    if shape is not None:
        return shape.parts
    if isinstance(value, ArnHole):
        return (value,)
    if isinstance(value, Partial):
        parts: list = []
        for part in value.parts:
            shape = arn_shape(part)
            parts.extend(shape.parts if shape is not None else (part,))
        return tuple(parts)
    return None


def _is_shaped(value: Any) -> bool:
    return isinstance(value, Unknown) and text_parts(value) is not None


# -- matching ------------------------------------------------------------------------------------
# The parts become tokens: a literal character, ("1", hole) for one character a hole may hold and
# ("*", hole) for any number of them (hole None: any character).


def _tokens(parts: tuple) -> list:
    tokens: list = []
    for part in parts:
        if isinstance(part, str):
            tokens.extend(part)
        elif isinstance(part, ArnHole):
            tokens.append(("1", part))
            tokens.append(("*", part))
        else:
            tokens.append(("*", None))
    return tokens


def _closure(states: set, tokens: list) -> set:
    stack = list(states)
    while stack:
        i = stack.pop()
        if i < len(tokens) and type(tokens[i]) is tuple and tokens[i][0] == "*" and i + 1 not in states:
            states.add(i + 1)
            stack.append(i + 1)
    return states


def _run(parts: tuple, text: str) -> tuple[set, int] | None:
    """The pattern positions reachable after reading ``text`` from the start, and the position
    of the pattern's end; None when that would cost too much to find out."""
    size = sum(len(p) if isinstance(p, str) else 2 for p in parts)
    if size * max(len(text), 1) > MAX_MATCH_STEPS:
        return None
    tokens = _tokens(parts)
    states = _closure({0}, tokens)
    for char in text:
        following: set = set()
        for i in states:
            if i >= len(tokens):
                continue
            token = tokens[i]
            if type(token) is str:
                if token == char:
                    following.add(i + 1)
            elif token[1] is None or token[1].may_hold(char):
                following.add(i if token[0] == "*" else i + 1)
        if not following:
            return following, len(tokens)
        states = _closure(following, tokens)
    return states, len(tokens)


def _reversed(parts: tuple) -> tuple:
    return tuple(p[::-1] if isinstance(p, str) else p for p in reversed(parts))


def _leading(parts: tuple) -> str:
    return parts[0] if parts and isinstance(parts[0], str) else ""


def could_equal(parts: tuple, text: str) -> bool:
    trailing = _leading(_reversed(parts))[::-1]
    if not text.startswith(_leading(parts)) or not text.endswith(trailing):
        return False
    run = _run(parts, text)
    return run is None or run[1] in run[0]


def could_start_with(parts: tuple, prefix: str) -> bool:
    leading = _leading(parts)
    if not (prefix.startswith(leading) or leading.startswith(prefix)):
        return False
    run = _run(parts, prefix)
    return run is None or bool(run[0])


def starts_with(parts: tuple, prefix: str) -> bool | None:
    if _leading(parts).startswith(prefix):
        return True
    return None if could_start_with(parts, prefix) else False


def equal_to(parts: tuple, text: str) -> bool | None:
    if all(isinstance(p, str) for p in parts):
        return "".join(parts) == text
    return None if could_equal(parts, text) else False


# -- functions -----------------------------------------------------------------------------------


def _segment(parts: list) -> Any:
    parts = [p for p in parts if p != ""]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return Partial(parts)


def split(sep: str, value: Any) -> Any:
    """``split(sep, value)``: a list when no hole can hold a character of ``sep`` (an
    occurrence of it then lies inside literal text), else an OpenList of the elements up to the
    first hole that can."""
    parts = text_parts(value)
    if parts is None or sep == "":
        return UNDECIDED
    from .hcl_eval import MAX_VALUE_NODES, ValueTooLarge

    # counted before splitting, as for known text: 20 MB of commas around a hole
    if sum(p.count(sep) for p in parts if isinstance(p, str)) >= MAX_VALUE_NODES:
        raise ValueTooLarge(f"split() would give more than {MAX_VALUE_NODES} elements; refusing")
    segments: list = []
    current: list = []
    for part in parts:
        if isinstance(part, str):
            pieces = part.split(sep)
            current.append(pieces[0])
            for piece in pieces[1:]:
                segments.append(_segment(current))
                current = [piece]
        elif isinstance(part, ArnHole) and not any(part.may_hold(c) for c in sep):
            current.append(part)
        else:
            # this element ends somewhere inside the hole (perhaps at its start): known up to it
            current.append(Unknown(part.text, part.refs, part.reason, origins=part.origins))
            segments.append(_segment(current))
            return OpenList(segments, f'split("{sep}", {value.text})', value.refs, value.reason, value.origins)
    segments.append(_segment(current))
    return PList(segments)


def _end_anchored_chars(pattern: str):
    """For a regular expression that can only match at the end of the text (``:\\d+$``), a test
    of the characters a match may contain; None for any other expression, or one this cannot
    read (lookarounds, back-references, other anchors, multi-line mode)."""
    try:
        from re import _constants as sre, _parser as parser  # type: ignore[attr-defined]  # the standard library's own reader
    except ImportError:  # pragma: no cover - older Pythons name them sre_*
        return None
    if "[:" in pattern:
        return None  # RE2's [[:digit:]] classes: Python reads them as other sets
    try:
        tree = parser.parse(pattern)
    except Exception:  # noqa: BLE001 - anything it cannot read is simply not decided
        return None
    items = list(tree)
    if not items or items[-1] != (sre.AT, sre.AT_END) and items[-1] != (sre.AT, sre.AT_END_STRING):
        return None
    if tree.state.flags & sre.SRE_FLAG_MULTILINE:
        return None
    fold = bool(tree.state.flags & sre.SRE_FLAG_IGNORECASE)
    categories = {sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D", sre.CATEGORY_SPACE: r"\s",
                  sre.CATEGORY_NOT_SPACE: r"\S", sre.CATEGORY_WORD: r"\w", sre.CATEGORY_NOT_WORD: r"\W"}
    atoms: list = []  # each a test of one character a match may consume
    import re

    def readable(members: list) -> bool:
        return all(op in (sre.LITERAL, sre.RANGE, sre.NEGATE) or (op is sre.CATEGORY and arg in categories)
                   for op, arg in members)

    def in_set(members: list, char: str) -> bool:
        negate = bool(members) and members[0][0] is sre.NEGATE
        found = False
        for op, arg in members[1:] if negate else members:
            if op is sre.LITERAL:
                found = chr(arg) == char
            elif op is sre.RANGE:
                found = arg[0] <= ord(char) <= arg[1]
            else:  # a category (readable() let nothing else in)
                found = re.fullmatch(categories[arg], char) is not None
            if found:
                break
        return found != negate

    def walk(sequence: list) -> None:
        for op, arg in sequence:
            if op is sre.LITERAL:
                atoms.append(lambda c, code=arg: c == chr(code))
            elif op is sre.NOT_LITERAL:
                atoms.append(lambda c, code=arg: c != chr(code))
            elif op is sre.ANY:
                atoms.append(lambda c: True)
            elif op is sre.IN:
                if not readable(list(arg)):
                    raise ValueError(op)
                atoms.append(lambda c, members=list(arg): in_set(members, c))
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
                walk(list(arg[2]))
            elif op is sre.SUBPATTERN:
                if arg[1] & (sre.SRE_FLAG_IGNORECASE | sre.SRE_FLAG_MULTILINE):
                    raise ValueError(op)
                walk(list(arg[3]))
            elif op is sre.BRANCH:
                for branch in arg[1]:
                    walk(list(branch))
            elif op is getattr(sre, "ATOMIC_GROUP", None):
                walk(list(arg))
            else:
                raise ValueError(op)

    try:
        walk(items[:-1])
    except (ValueError, TypeError, IndexError):
        return None

    def may_contain(char: str) -> bool:
        chars = {char, char.lower(), char.upper()} if fold else {char}
        return any(atom(c) for atom in atoms for c in chars)

    return may_contain


def _hole_is_barrier(hole: Any, may_contain) -> bool:
    """True when no character of the hole (it holds at least one) may be part of a match. A
    hole's set is ASCII unless it is negated (then it is never a barrier)."""
    if not isinstance(hole, ArnHole) or hole.allowed.startswith("^"):
        return False
    return not any(hole.may_hold(c) and may_contain(c) for c in map(chr, range(128)))


def replace_regex(value: Any, pattern: str) -> Any:
    """``replace(value, "/pattern$/", ...)`` where the expression matches only at the end and only
    characters of a set: every match lies after the last character (or hole) outside that set,
    so the text up to it is kept and what follows is not known (the ECS task definition ARN
    with its revision replaced)."""
    parts = text_parts(value)
    if parts is None:
        return UNDECIDED
    may_contain = _end_anchored_chars(pattern)
    if may_contain is None:
        return UNDECIDED
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        if isinstance(part, str):
            cut = next((i for i in range(len(part) - 1, -1, -1) if not may_contain(part[i])), None)
            if cut is not None:
                kept = list(parts[:index]) + [part[:cut + 1]]
                break
        elif _hole_is_barrier(part, may_contain):
            kept = list(parts[:index + 1])
            break
    else:
        return UNDECIDED
    refs, origins = (value.refs, value.origins) if isinstance(value, Unknown) else ((), ())
    return Partial(kept + [Unknown(f"replace({value.text}, /{pattern}/)", refs, "known after apply", origins=origins)])


def call(name: str, args: list) -> Any:
    """The result of a string function over text known in part, or UNDECIDED."""
    if name == "split" and len(args) == 2 and type(args[0]) is str:
        return split(args[0], args[1])
    if name in ("startswith", "endswith") and len(args) == 2 and type(args[1]) is str:
        parts = text_parts(args[0])
        if parts is None:
            return UNDECIDED
        if name == "endswith":
            parts, affix = _reversed(parts), args[1][::-1]
        else:
            affix = args[1]
        answer = starts_with(parts, affix)
        return UNDECIDED if answer is None else answer
    if name == "substr" and len(args) == 3 and all(type(a) is int for a in args[1:]):
        offset, length = args[1], args[2]
        leading = _leading(text_parts(args[0]) or ())
        if offset >= 0 and length >= 0 and offset + length <= len(leading):
            return leading[offset:offset + length]
        return UNDECIDED
    if name == "replace" and len(args) == 3 and all(type(a) is str for a in args[1:]) and \
            len(args[1]) > 1 and args[1].startswith("/") and args[1].endswith("/"):
        return replace_regex(args[0], args[1][1:-1])
    if name == "contains" and len(args) == 2 and isinstance(args[0], list) and _is_shaped(args[1]):
        answers = {equality(item, args[1]) for item in args[0]}
        if True in answers:
            return True
        return False if answers <= {False} else UNDECIDED
    return UNDECIDED


def equality(a: Any, b: Any) -> bool | None:
    """``a == b`` where one side is known text and the other text known in part: False when the
    known parts rule it out, else None."""
    for known, other in ((a, b), (b, a)):
        if isinstance(known, str) and not isinstance(known, Unknown) and isinstance(other, Unknown):
            parts = text_parts(other)
            return None if parts is None else equal_to(parts, str(known))
    if not isinstance(a, Unknown) and not isinstance(b, Unknown):
        from .hcl_eval import equality as known_equality  # two known values (contains' elements)

        return known_equality(a, b)
    return None
