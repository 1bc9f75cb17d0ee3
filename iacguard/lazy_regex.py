"""Module-level regular expressions compiled when first used.

A small scan imports most of iacguard but runs few of its patterns (secrets, Terraform
expressions, suppressions, plans); compiling them all at import cost every run a few
milliseconds. ``lazy_compile`` stands for ``re.compile`` at module level: the pattern is compiled
on the first use of any of its attributes, after which its methods are plain attributes.
``regexes_compiled_on_first_use`` does the same for a third-party module while it is imported.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from typing import Any, Iterator

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


@contextmanager
def regexes_compiled_on_first_use() -> Iterator[None]:
    """While a module is first imported (``with ...: import yaml``), its ``re.compile`` calls give
    patterns compiled on first use. PyYAML's pure-Python reader and resolver compile about 4 ms of
    regexes at import (one, for non-printable characters, spans all of Unicode) that a template
    read by libyaml's parser never runs; they are compiled if the pure-Python reader is used.
    ``re.compile`` is itself again on leaving, and is left alone while other threads run (they
    could compile a pattern of their own meanwhile)."""
    if threading.active_count() > 1:
        yield
        return
    original = re.compile
    setattr(re, "compile", lazy_compile)
    try:
        yield
    finally:
        setattr(re, "compile", original)
