"""Module-level regular expressions compiled when first used.

A small scan imports most of iacguard but runs few of its patterns (secrets, Terraform
expressions, suppressions, plans); compiling them all at import cost every run a few
milliseconds. ``lazy_compile`` stands for ``re.compile`` at module level: the pattern is compiled
on the first use of any of its attributes, after which its methods are plain attributes.
"""

from __future__ import annotations

import re
from typing import Any

# What a compiled pattern offers; copied onto the stand-in once compiled, so that later uses
# are ordinary attribute reads
_ATTRIBUTES = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer", "scanner",
               "pattern", "flags", "groups", "groupindex")


class _LazyPattern:
    def __init__(self, pattern: str, flags: int) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_source":  # copy, pickle and the like: no compiling
            raise AttributeError(name)
        compiled = re.compile(*self._source)
        for attribute in _ATTRIBUTES:
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_compile({self._source[0]!r}, {self._source[1]!r})"


def lazy_compile(pattern: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, compiled on first use."""
    return _LazyPattern(pattern, int(flags))  # type: ignore[return-value]  # duck-typed as a Pattern
