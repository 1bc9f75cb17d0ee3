"""`exclude` globs: paths that are not deployed (fixtures, examples) and are never scanned.

A gitignore-like subset, matched against a path relative to the repository root written with
forward slashes:

- ``*`` matches within one path segment, ``?`` one character of a segment;
- ``**`` as a whole segment matches any number of segments (``examples/**``, ``**/test``);
- a pattern without ``/`` matches the name of any single segment (``examples``, ``*.test.yaml``);
  one with ``/`` is anchored at the repository root, and so is one that starts with ``/`` or
  ``./`` (``/examples``: only the top-level one);
- a trailing ``/`` matches directories only;
- a pattern that matches a directory excludes everything below it.

Every other character is literal (``[`` included). Backslashes are read as ``/`` in patterns
and paths alike, so a pattern or a path written on Windows means the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class ExcludePatternError(ValueError):
    """A pattern that can never mean what its author wants; the message says why."""


def normalize_path(path: str) -> str:
    """``path`` with forward slashes, without ``./`` segments, empty segments or a leading or
    trailing slash: the form patterns are matched against."""
    segments = [s for s in path.replace("\\", "/").split("/") if s not in ("", ".")]
    return "/".join(segments)


def _segment_regex(segment: str) -> str:
    out: list[str] = []
    for char in segment:
        if char == "*":
            if not out or out[-1] != "[^/]*":  # `a**b` inside a segment is `a*b`
                out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
    return "".join(out)


@dataclass(frozen=True)
class _Rule:
    """One exclude glob as written, as a regex, and whether it names directories only."""

    pattern: str  # as written: the reason a report gives
    regex: re.Pattern[str]
    directories_only: bool


def _compile(pattern: str) -> _Rule:
    if not isinstance(pattern, str) or not pattern.strip():
        raise ExcludePatternError("an empty pattern would exclude nothing")
    text = pattern.replace("\\", "/")
    if re.match(r"^[A-Za-z]:/", text) or text.startswith("//"):
        raise ExcludePatternError("an absolute path; write it relative to the repository root")
    directories_only = text.endswith("/")
    anchored = "/" in text.strip("/") or text.startswith(("/", "./"))
    segments = [s for s in text.split("/") if s not in ("", ".")]
    if not segments:
        raise ExcludePatternError("matches the repository root itself, which would exclude everything")
    if ".." in segments:
        raise ExcludePatternError("'..' leaves the repository root; patterns match paths inside it")
    if not anchored:
        segments = ["**", *segments]
    parts: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]+/)*")
        else:
            parts.append(_segment_regex(segment) + ("" if last else "/"))
    return _Rule(pattern, re.compile("".join(parts)), directories_only)


def check_pattern(pattern: str) -> None:
    """Raises ExcludePatternError when ``pattern`` is not a usable exclude pattern."""
    _compile(pattern)


class Excludes:
    """Compiled ``exclude`` patterns; ``match`` says which one excludes a path."""

    def __init__(self, patterns: list[str]):
        self.rules = [_compile(p) for p in patterns]

    def __bool__(self) -> bool:
        return bool(self.rules)

    def match(self, path: str, *, is_dir: bool = False) -> str | None:
        """The first pattern that excludes ``path`` (relative to the repository root) or one of
        the directories above it; None when none does."""
        if not self.rules:
            return None
        normalized = normalize_path(path)
        if not normalized:
            return None  # the repository root itself is never excluded
        segments = normalized.split("/")
        prefixes = ["/".join(segments[:end]) for end in range(1, len(segments) + 1)]
        for rule in self.rules:
            for position, prefix in enumerate(prefixes):
                prefix_is_dir = position < len(prefixes) - 1 or is_dir
                if rule.directories_only and not prefix_is_dir:
                    continue
                if rule.regex.fullmatch(prefix):
                    return rule.pattern
        return None
