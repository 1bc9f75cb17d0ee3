"""The command line builds only the subcommand it names (a small scan does not pay for building
every subcommand's options); what it reads, prints and refuses must not change for that."""

from __future__ import annotations

import contextlib
import io

import pytest

from iacguard.cli import _COMMANDS, build_parser


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
