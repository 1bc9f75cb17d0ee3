"""IAM wildcard matching without backtracking: the one matcher for actions, ARNs and
condition values.

``*`` is any run of characters (none, or several, including ``:`` and newlines) and ``?`` exactly
one. A regex built from such a pattern (``.*.?.*.?...``) backtracks: a 40-character Action of
``*?`` pairs took minutes against the catalogue, inside C code no timer can interrupt. Here the
pattern is cut at its ``*`` into fixed-length segments: the first must start the text, the last
must end it, and each one in between is placed at its leftmost fit after the previous one (any
later fit leaves less room for the rest, never more). Each segment is found with ``str.find`` or
a regex of literals and ``.`` only, so a match costs at most O(len(pattern) * len(text)).
"""

from __future__ import annotations

import functools
import re
from typing import Callable, Iterable, Union

__all__ = ["ANY_ONE", "ANY_RUN", "Glob", "compile_glob", "glob_match", "pattern_covers", "tokens_of"]

# Tokens of a compiled pattern besides literal characters (strings of length 1).
ANY_ONE = 1  # '?'
ANY_RUN = 2  # '*'

Token = Union[str, int]
# A fixed-length piece between two '*': a plain string, or a regex of literals and '.'.
_Segment = Union[str, "re.Pattern[str]"]


class Glob:
    """A compiled IAM wildcard pattern; ``match(text)`` answers for a whole text."""

    __slots__ = ("_first", "_middle", "_last", "_length", "match")

    def __init__(self, tokens: Iterable[Token], *, ignore_case: bool = False) -> None:
        pieces: list[list[Token]] = [[]]
        for token in tokens:
            if token == ANY_RUN:
                pieces.append([])
            elif ignore_case and isinstance(token, str):
                pieces[-1].extend(token.lower())  # as the text is lowered: some letters become two
            else:
                pieces[-1].append(token)
        segments = [(_segment(piece), len(piece)) for piece in pieces]
        self._first = segments[0]
        self._last = segments[-1]
        self._middle = [s for s in segments[1:-1] if s[1]]  # '**' is one '*'
        self._length = sum(length for _, length in segments)  # the fewest characters a match needs
        match = self._matcher(len(pieces) > 1)
        self.match: Callable[[str], bool] = (lambda text: match(text.lower())) if ignore_case else match

    def _matcher(self, has_run: bool) -> Callable[[str], bool]:
        # Most policy patterns are a literal, or a prefix and a suffix around one '*' (s3:Get*,
        # arn:aws:s3:::bucket/*): plain string tests answer those (this runs for every action of
        # a service an Action pattern is expanded against).
        first, last, length = self._first[0], self._last[0], self._length
        if isinstance(first, str) and isinstance(last, str) and not self._middle:
            if not has_run:
                return first.__eq__  # type: ignore[return-value]
            return lambda text: len(text) >= length and text.startswith(first) and text.endswith(last)
        return self._match_any if has_run else self._match_fixed

    def _match_fixed(self, text: str) -> bool:
        return len(text) == self._length and _fits_at(self._first[0], text, 0, self._length)

    def _match_any(self, text: str) -> bool:
        size = len(text)
        if size < self._length:
            return False
        first, first_length = self._first
        last, last_length = self._last
        if not _fits_at(first, text, 0, first_length):
            return False
        end = size - last_length
        if not _fits_at(last, text, end, size):
            return False
        position = first_length
        for segment, length in self._middle:
            found = _leftmost(segment, text, position, end)
            if found < 0:
                return False
            position = found + length
        return True


def _segment(piece: list[Token]) -> _Segment:
    if all(isinstance(token, str) for token in piece):
        return "".join(piece)  # type: ignore[arg-type]
    # Literals and '.' only: no quantifier, so matching at one place is one pass over the piece.
    return re.compile("".join("." if token == ANY_ONE else re.escape(token)  # type: ignore[arg-type,misc,type-var]
                              for token in piece),
                      re.DOTALL)


def _fits_at(segment: _Segment, text: str, start: int, end: int) -> bool:
    """Does ``segment`` match ``text[start:end]`` exactly (the span is the segment's length)?"""
    if isinstance(segment, str):
        return text.startswith(segment, start, end)
    return segment.fullmatch(text, start, end) is not None


def _leftmost(segment: _Segment, text: str, start: int, end: int) -> int:
    """Where the leftmost fit of ``segment`` inside ``text[start:end]`` begins; -1 if none."""
    if isinstance(segment, str):
        return text.find(segment, start, end)
    found = segment.search(text, start, end)
    return -1 if found is None else found.start()


def tokens_of(pattern: str) -> list[Token]:
    """``*`` and ``?`` are wildcards; every other character stands for itself."""
    return [ANY_RUN if ch == "*" else ANY_ONE if ch == "?" else ch for ch in pattern]


@functools.lru_cache(maxsize=4096)
def compile_glob(pattern: str, case_sensitive: bool = True) -> Glob:
    return Glob(tokens_of(pattern), ignore_case=not case_sensitive)


def glob_match(pattern: str, value: str, *, case_sensitive: bool = False) -> bool:
    """IAM wildcard match of a whole value. Case-insensitive unless asked otherwise (action
    names are case-insensitive; resource ARNs and condition values are not)."""
    if not isinstance(pattern, str) or not isinstance(value, str):
        return False
    return compile_glob(pattern, case_sensitive).match(value)


def pattern_covers(broad: str, narrow: str, *, case_sensitive: bool = True) -> bool:
    """Does ``broad`` match every text the pattern ``narrow`` matches (pattern containment, for
    comparing two policies rather than a policy with a request)?

    ``narrow`` is read as text, its own ``*`` and ``?`` as literal characters: a literal of
    ``broad`` never equals a wildcard character, so a ``*`` of ``narrow`` can only be absorbed by
    a ``*`` of ``broad``, which then absorbs whatever it stands for. A ``?`` of ``broad`` would
    vouch for one wildcard character of ``narrow`` that may stand for many (or for none), so
    then nothing with a wildcard is covered unless it is written the same."""
    if not case_sensitive:
        broad, narrow = broad.lower(), narrow.lower()
    if broad == narrow or broad == "*":
        return True
    if "?" in broad and ("*" in narrow or "?" in narrow):
        return False
    return compile_glob(broad, True).match(narrow)
