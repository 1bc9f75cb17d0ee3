"""docs/troubleshooting.md has an entry for every message an exit-2 error can carry.

The messages are read from the source (tests/exit2_messages.py, an AST scan of every place that
builds an error), so a new message without an entry fails here. Each entry lists messages as
code spans with ``…`` where iacguard inserts a value, then says the cause and the fix.
"""

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import exit2_messages  # noqa: E402

DOC = exit2_messages.ROOT / "docs" / "troubleshooting.md"
# Messages printed by argparse itself, not built in iacguard's code.
NOT_FROM_THE_CODE = {"usage: iacguard …"}
_BULLET = re.compile(r"^- (`+) ?(.*?) ?\1(?!`)")


def documented() -> dict[str, str]:
    """Each message pattern of the page -> the heading of the entry it is listed under."""
    patterns: dict[str, str] = {}
    heading = ""
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        match = _BULLET.match(line)
        if match:
            patterns[match.group(2)] = heading
    return patterns


def _regex(pattern: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(part) for part in pattern.split(exit2_messages.HOLE)), re.S)


def matches(pattern: str, message: str) -> bool:
    return bool(_regex(pattern).fullmatch(message))


def _entries() -> list[tuple[str, str]]:
    """(heading, text) of every entry that lists messages."""
    text = DOC.read_text(encoding="utf-8")
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^#{2,3} (.+)\n((?:(?!^#).*\n?)*)", text, re.M)]


def test_every_exit2_message_has_a_troubleshooting_entry():
    found, _ = exit2_messages.messages()
    assert len(found) > 200  # the scan reads the real sources
    patterns = documented()
    missing = sorted({f"{file}:{line}: {text}" for file, line, text in found
                      if not any(matches(p, text) for p in patterns)})
    assert not missing, "no entry in docs/troubleshooting.md for:\n" + "\n".join(missing)


def test_every_documented_pattern_is_a_real_message():
    texts = {text for _, _, text in exit2_messages.messages()[0]}
    stale = [p for p in documented() if p not in NOT_FROM_THE_CODE and not any(matches(p, t) for t in texts)]
    assert not stale, "docs/troubleshooting.md lists messages iacguard no longer prints:\n" + "\n".join(stale)


# Messages assembled from variables, so their literal text is short (iam/unknown_access.py:
# "RESOURCE: Statement[0] of the trust policy lets in callers not known before deployment ...").
ASSEMBLED = {"…: … of the … …: …"}


def test_patterns_are_specific():
    # a pattern of only holes and punctuation would cover any message
    for pattern in set(documented()) - ASSEMBLED:
        assert len(re.sub(r"[^A-Za-z]", "", pattern.replace(exit2_messages.HOLE, ""))) >= 6, pattern


def test_every_entry_says_cause_and_fix():
    listing = [(heading, body) for heading, body in _entries() if re.search(r"^- `", body, re.M)]
    assert len(listing) >= 25
    for heading, body in listing:
        assert "**Cause.**" in body and "**Fix.**" in body, heading


def test_sites_passing_a_message_on_are_known():
    """A site that passes on a message built elsewhere is exempt only when listed with why: a new
    one could carry a message the scan never sees."""
    _, passed_on = exit2_messages.messages()
    assert {(file, expr) for file, _, expr in passed_on} == set(exit2_messages.PASSED_ON)


def test_a_new_message_without_entry_is_caught(tmp_path, monkeypatch):
    source = tmp_path / "iacguard"
    source.mkdir()
    (source / "new.py").write_text('from .errors import UsageError\n\n'
                                   'def f(x):\n    raise UsageError(f"frobnicator {x} is not calibrated")\n')
    monkeypatch.setattr(exit2_messages, "PACKAGE", source)
    found, _ = exit2_messages.messages()
    assert found == [("new.py", 4, "frobnicator … is not calibrated")]
    assert not any(matches(p, found[0][2]) for p in documented())


@pytest.mark.parametrize("message, pattern", [
    ("setting 'fail_on' must be one of low, medium, high, critical or none",
     "setting 'fail_on' must be one of … or none"),
    ("var.boundary_arn has no value: pass --var boundary_arn=... or a var file",
     "… has no value: pass --var …=... or a var file"),
])
def test_real_messages_find_their_entry(message, pattern):
    assert matches(pattern, message) and pattern in documented()


def _snapshot_messages() -> set[str]:
    """The messages of every error in the recorded outputs of the samples and fixtures."""
    import json

    def report(output: str):
        try:  # an output is "exit N" then the JSON report
            return json.loads(output.split("\n", 1)[1] if output.startswith("exit ") else output)
        except ValueError:
            return None

    found: set[str] = set()
    for path in (exit2_messages.ROOT / "tests" / "snapshots").glob("*.json"):
        whole = report(path.read_text(encoding="utf-8"))
        outputs = [whole] if isinstance(whole, dict) and "errors" in whole else \
            [report(o) for o in whole.values()] if isinstance(whole, dict) else []
        for output in outputs:
            if isinstance(output, dict):
                found.update(e["message"] for e in output.get("errors", []) if isinstance(e, dict))
    return found


def test_every_recorded_error_finds_its_entry():
    """The messages real runs print (the snapshots of the samples and fixtures), with their values
    filled in, each match a listed pattern."""
    recorded = _snapshot_messages()
    assert len(recorded) > 50
    patterns = documented()
    unmatched = sorted(m for m in recorded if not any(matches(p, m) for p in patterns))
    assert not unmatched, "\n".join(unmatched)
