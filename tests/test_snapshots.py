"""Byte-for-byte output on sample_templates/ (the README's example), on the check samples and on
every other test fixture, kept in tests/snapshots/.

Any change to a finding, a line, a message, an error or the order of the output shows here.
When a change is meant to alter output, regenerate the snapshots and review their diff:

    python -m pytest tests/test_snapshots.py --update-snapshots

Each fixture directory is scanned as a directory (what a walk picks up) and each fixture file
on its own (what naming it gives, errors included), with ``--jobs 1`` from the repository root
so paths are relative and nothing depends on the machine.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from helpers import ROOT

SNAPSHOTS = Path(__file__).parent / "snapshots"
FIXTURES = Path(__file__).parent / "fixtures"
# scanned as one directory by test_check_samples below: its hundreds of files one by one would
# only repeat the per-check tests (tests/test_check_samples.py) at many times the cost
CHECK_SAMPLES = FIXTURES / "check_samples"


def _fixture_files() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in FIXTURES.rglob("*") if p.is_file()
                  and "__pycache__" not in p.parts and CHECK_SAMPLES not in p.parents)


def _fixture_dirs() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in FIXTURES.iterdir() if p.is_dir() and p != CHECK_SAMPLES)


def _scan_output(target: str, report_format: str, tmp_path: Path) -> str:
    from iacguard.cli import main

    out = tmp_path / "report"
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = main(["scan", target, "--jobs", "1", "--format", report_format, "--output", str(out)])
    text = out.read_text() if out.exists() else ""
    return f"exit {code}\n{stderr.getvalue()}{text}"


def _check(name: str, actual: str, update: bool) -> None:
    path = SNAPSHOTS / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual)
        return
    assert path.exists(), f"no snapshot {path.relative_to(ROOT)}: run with --update-snapshots"
    expected = path.read_text()
    assert actual == expected, f"{name} differs from its snapshot (--update-snapshots to accept)"


@pytest.fixture
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.mark.parametrize("report_format", ["json", "text"])
def test_sample_templates(report_format, at_root, tmp_path, request):
    actual = _scan_output("sample_templates", report_format, tmp_path)
    _check(f"sample_templates.{report_format}", actual, request.config.getoption("--update-snapshots"))


@pytest.mark.parametrize("report_format", ["json", "text"])
def test_check_samples(report_format, at_root, tmp_path, request):
    actual = _scan_output(str(CHECK_SAMPLES.relative_to(ROOT)), report_format, tmp_path)
    _check(f"check_samples.{report_format}", actual, request.config.getoption("--update-snapshots"))


def test_every_fixture_directory_and_file(at_root, tmp_path, request):
    outputs = {}
    for target in _fixture_dirs() + _fixture_files():
        outputs[target] = _scan_output(target, "json", tmp_path)
    _check("fixtures.json", json.dumps(outputs, indent=1, sort_keys=True) + "\n",
           request.config.getoption("--update-snapshots"))
