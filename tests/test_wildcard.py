"""IAM wildcards (``*``, ``?``) are matched without backtracking: the same answers as a plain
reference matcher, and patterns built to make a backtracking matcher explode are judged at once
by the matcher, the analyses, the CLI and the CloudFormation hook."""

from __future__ import annotations

import functools
import time

import pytest
from hypothesis import given, settings, strategies as st

from helpers import ROOT, scan_json
from iacguard.iam.actions import expand_actions
from iacguard.iam.conditions import arn_match, parse_conditions
from iacguard.iam.wildcard import glob_match, pattern_covers

ADVERSARIAL = "*?" * 12 + "#"  # the shape: each '*' may take any share of the text
FIXTURE = ROOT / "tests" / "fixtures" / "cfn" / "wildcard_adversarial.yaml"


def reference(pattern: str, text: str) -> bool:
    """Memoised recursion straight from the definition: slow, obviously right."""
    @functools.lru_cache(maxsize=None)
    def fits(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(text)
        if pattern[i] == "*":
            return fits(i + 1, j) or (j < len(text) and fits(i, j + 1))
        return j < len(text) and (pattern[i] == "?" or pattern[i] == text[j]) and fits(i + 1, j + 1)
    return fits(0, 0)


TABLE = [
    ("", ""), ("", "a"), ("*", ""), ("?", ""), ("?", "a"), ("?", "ab"), ("**", ""), ("*?*", ""),
    ("*?*", "x"), ("a*", "a"), ("a*", "ba"), ("*a", "ba"), ("*a", "ab"), ("a*a", "a"), ("a*a", "aa"),
    ("a*b*c", "abc"), ("a*b*c", "axbxcxc"), ("a*b*c", "axbxcx"), ("a?c", "abc"), ("a?c", "ac"),
    ("*ab*ab", "abab"), ("*ab*ab", "aabab"), ("*ab*ab", "abba"), ("*aab", "aaab"), ("*a?b*", "xaxb"),
    ("*a?b*", "xab"), ("s3:*?*?*?#", "s3:GetObject"), ("s3:*?*?*?#", "s3:Get#"), ("s3:*?*?*?#", "s3:G#"),
    ("*:*", "iam:PassRole"), ("*:*", "iamPassRole"), ("a.b", "axb"), ("[ab]", "a"), ("a\\*", "a\\x"),
    ("?\n?", "a\nb"), ("*", "line\nbreak"), ("*?", "\n"), ("ab*", "AB"), ("*b?", "abab"),
]


@pytest.mark.parametrize("pattern,text", TABLE)
def test_table_against_reference(pattern: str, text: str) -> None:
    assert glob_match(pattern, text, case_sensitive=True) is reference(pattern, text)


@pytest.mark.parametrize("pattern,text,expected", [
    ("IAM:Pass*", "iam:PassRole", True),          # actions: any case
    ("iam:passrole", "IAM:PASSROLE", True),
    ("iam:Pass?ole", "iam:passROLE", True),
])
def test_case_insensitive_for_actions(pattern: str, text: str, expected: bool) -> None:
    assert glob_match(pattern, text) is expected
    assert glob_match(pattern, text, case_sensitive=True) is (pattern == text)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet="ab*?", max_size=10), st.text(alphabet="ab", max_size=10))
def test_matches_reference_on_small_alphabet(pattern: str, text: str) -> None:
    assert glob_match(pattern, text, case_sensitive=True) is reference(pattern, text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aB*?", max_size=8), st.text(alphabet="abAB", max_size=8))
def test_case_insensitive_matches_reference_on_lowered_text(pattern: str, text: str) -> None:
    assert glob_match(pattern, text) is reference(pattern.lower(), text.lower())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab*?", max_size=8), st.text(alphabet="ab", max_size=8))
def test_string_like_matches_reference(pattern: str, text: str) -> None:
    (condition,), _ = parse_conditions({"StringLike": {"k:Key": pattern}})
    assert condition.matches([text]) is reference(pattern, text)


@pytest.mark.parametrize("operator,pattern,value,expected", [
    ("StringLike", "home/${aws:username}/*", "home/bob/x", None),   # a variable is any run
    ("StringLike", "home/${aws:username}/*", "work/bob/x", False),
    ("StringLike", "a${*}b", "a*b", True),                          # ${*} is a literal '*'
    ("StringLike", "a${*}b", "axb", False),
    ("StringLike", "a${?}", "ax", False),
    ("StringEquals", "a*?", "a*?", True),                            # no wildcards in Equals
    ("StringEquals", "a*?", "abc", False),
    ("StringEqualsIgnoreCase", "A*B", "a*b", True),
    ("StringEqualsIgnoreCase", "A*B", "axb", False),
])
def test_condition_values(operator: str, pattern: str, value: str, expected) -> None:
    (condition,), _ = parse_conditions({operator: {"k:Key": pattern}})
    assert condition.matches([value]) is expected


def test_adversarial_patterns_take_milliseconds() -> None:
    long_text = "a" * 5_000
    expand_actions("*:Get*")  # reads the whole catalogue, which is not what is timed here
    started = time.perf_counter()
    assert glob_match("*?" * 1_000 + "#", long_text) is False
    assert glob_match("*a" * 1_000 + "b", long_text, case_sensitive=True) is False
    assert glob_match("*?" * 1_000, long_text) is True
    assert expand_actions("s3:" + ADVERSARIAL) == frozenset()
    assert expand_actions("*" + ADVERSARIAL) == frozenset()        # every service's actions
    assert arn_match("arn:aws:s3:::" + ADVERSARIAL * 4, "arn:aws:s3:::" + "b" * 200) is False
    assert arn_match("arn:aws:" + ADVERSARIAL * 4, "arn:aws:s3:::" + "b" * 200) is False
    (condition,), _ = parse_conditions({"StringLike": {"k:Key": ADVERSARIAL * 4}})
    assert condition.matches(["c" * 200]) is False
    assert pattern_covers("*?" * 20 + "#", "x" * 60) is False     # --diff-base: does A cover B
    assert time.perf_counter() - started < 1.0


def test_pattern_covers() -> None:
    assert pattern_covers("iam:*", "iam:get*") is True
    assert pattern_covers("iam:get*", "iam:*") is False
    assert pattern_covers("iam:?et*", "iam:getrole") is True
    assert pattern_covers("iam:?et*", "iam:get*") is False          # '?' cannot vouch for a '*'
    assert pattern_covers("*role", "iam:*role") is True
    assert pattern_covers("*role", "iam:role*") is False


def test_cli_judges_the_adversarial_template_at_once() -> None:
    started = time.perf_counter()
    report, proc = scan_json(str(FIXTURE.relative_to(ROOT)), "--max-seconds-per-file", "0")
    elapsed = time.perf_counter() - started
    file = "wildcard_adversarial.yaml"
    assert report["errors"] == []
    assert {(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]} == {
        ("IAG-LP-005", "AppRole", file, 28),   # iam:*?*?... grants 69 write actions on *
        ("IAG-PE-001", "AppRole", file, 28),
        ("IAG-PE-003", "AppRole", file, 28),
        ("IAG-LP-005", "AppRole", file, 34),   # the conditions narrow nothing AWS could check
    }
    assert proc.returncode == 1
    assert elapsed < 30  # a process start and the imports; the backtracking matcher took minutes
