"""A pattern compiled on first use answers as the compiled pattern does."""

from __future__ import annotations

import copy
import re

from iacguard.lazy_regex import lazy_compile


def test_a_lazy_pattern_matches_substitutes_and_describes_itself_as_re_compile():
    lazy, compiled = lazy_compile(r"\$\{([^}]*)\}", re.IGNORECASE), re.compile(r"\$\{([^}]*)\}", re.IGNORECASE)
    text = "arn:${AWS::Partition}:s3:::${Bucket}/*"
    assert "_source" in vars(lazy) and "match" not in vars(lazy)  # nothing compiled yet
    assert lazy.search(text).group(1) == compiled.search(text).group(1) == "AWS::Partition"
    assert "search" in vars(lazy)  # compiled once: its methods are now plain attributes
    assert lazy.sub(lambda m: m.group(1).lower(), text) == compiled.sub(lambda m: m.group(1).lower(), text)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert lazy.fullmatch("${x}") and not lazy.fullmatch("x${x}")
    assert (lazy.pattern, lazy.flags, lazy.groups) == (compiled.pattern, compiled.flags, compiled.groups)
    assert lazy.split(text) == compiled.split(text) and lazy.findall(text) == compiled.findall(text)


def test_copying_a_lazy_pattern_compiles_nothing_and_gives_a_working_copy():
    lazy = lazy_compile(r"\d{12}")
    twin = copy.deepcopy(lazy)
    assert "match" not in vars(lazy)
    assert twin.fullmatch("123456789012") and not twin.fullmatch("1234")
