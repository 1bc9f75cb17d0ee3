"""The command line builds only the subcommand it names (a small scan does not pay for building
every subcommand's options); what it reads, prints and refuses must not change for that."""

from __future__ import annotations

import argparse
import contextlib
import io
import subprocess
import sys

import pytest

from iacguard.cli import _COMMANDS, build_parser

from helpers import ROOT, SAMPLES


def _outcome(parser_for, argv: list[str]) -> tuple[object, str, str]:
    """(the parsed namespace or the exit code, stdout, stderr) of parsing ``argv``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result: object = vars(parser_for(argv).parse_args(argv))
        except SystemExit as exc:
            result = exc.code
    return result, out.getvalue(), err.getvalue()


COMMAND_LINES = [
    *([name, "--help"] for name in _COMMANDS),
    ["scan", "a.yaml", "--format", "json", "--jobs", "2", "--var", "x=1", "--enable", "IAG-LP-001"],
    ["scan"], ["scan", "a.yaml", "--bogus"], ["scan", "a.yaml", "--format", "nope"], ["scan", "a", "--jobs", "0"],
    ["baseline", "a.yaml", "-o", "b.json", "--fail-on", "low"], ["baseline", "a.yaml"],
    ["graph", "a.yaml", "--whole", "--var", "x=1"], ["graph", "--format"],
    ["init"], ["init", "d", "--force"], ["list-checks", "--format", "json"], ["list-checks", "--x"],
    ["explain", "IAG-LP-001"], ["explain"], ["--help"], ["--version"], [], ["bogus"],
]


@pytest.mark.parametrize("argv", COMMAND_LINES, ids=" ".join)
def test_the_named_subcommand_alone_parses_as_the_whole_parser(argv, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")  # the same help width for both
    whole = _outcome(lambda _argv: build_parser(), argv)
    alone = _outcome(lambda argv: build_parser(argv[0] if argv else None), argv)
    assert alone == whole
    assert whole[0] != {}  # something was parsed or refused


def test_scan_alone_builds_no_other_subcommand_options():
    parser = build_parser("scan")
    subparsers = next(a for a in parser._actions if a.dest == "command")
    built = {name for name, sub in subparsers.choices.items() if len(sub._actions) > 1}  # beyond -h
    assert built == {"scan"}
    assert set(subparsers.choices) == set(_COMMANDS)  # every subcommand is still named


@pytest.mark.parametrize("columns", ["40", "100", "200"])
def test_help_is_laid_out_as_by_argparse_itself_at_the_terminal_width(columns, monkeypatch):
    """The formatter reads the width only when it lays out help: the same text as argparse's own."""
    monkeypatch.setenv("COLUMNS", columns)
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    ours = [parser.format_help(), *(sub.format_help() for sub in subparsers.choices.values())]
    for each in (parser, *subparsers.choices.values()):
        each.formatter_class = argparse.HelpFormatter
    assert ours == [parser.format_help(), *(sub.format_help() for sub in subparsers.choices.values())]
    if columns != "40":  # (narrower, argparse lets long option names overflow)
        assert max(len(line) for text in ours for line in text.splitlines()) <= int(columns)


def test_a_scan_does_not_import_shutil_for_the_help_width():
    probe = "import sys\nfrom iacguard.cli import main\nmain(sys.argv[1:])\nprint('shutil' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", probe, "scan", str(SAMPLES / "cloudformation" / "scoped.json")], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stdout.splitlines()[-1] == "False"
