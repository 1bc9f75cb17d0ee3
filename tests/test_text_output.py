"""Text output people read ([6/7] item 6): each finding with its check's title and an explain
hint, a verdict that says why the run exits, --quiet for the blocking findings only, and colour
on a terminal unless NO_COLOR is set (never from the input, never in a file)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from helpers import ROOT, run_cli

LP2 = "tests/fixtures/check_samples/checks/IAG-LP-002/bad.yaml"


def test_each_finding_has_its_title_and_an_explain_hint():
    proc = run_cli("scan", LP2)
    lines = proc.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("      9  HIGH     IAG-LP-002 DataPolicy"))
    assert lines[header].endswith(" - Identity policy grants every action of a service")
    assert lines[header + 1].startswith("         DataPolicy: statement Storage grants every action of a service")
    assert lines[header + 2] == "         why and how to fix: iacguard explain IAG-LP-002"
    assert lines[-1] == "FAILED: 3 blocking at fail-on high" and proc.returncode == 1
    assert "\x1b" not in proc.stdout  # not a terminal: no colour


def test_quiet_shows_only_what_blocks():
    proc = run_cli("scan", LP2, "--quiet")
    shown = [line.split()[1:3] for line in proc.stdout.splitlines() if line.startswith("     ")
             and line.split()[1:2] and line.split()[1] in ("CRITICAL", "HIGH", "MEDIUM", "LOW")]
    assert shown == [["HIGH", "IAG-LP-002"], ["HIGH", "IAG-LP-002"], ["HIGH", "IAG-LP-002"]]
    assert proc.stdout.splitlines()[-2:] == ["FAILED: 3 blocking at fail-on high",
                                             "(5 findings below fail-on high not shown: --quiet)"]
    assert proc.returncode == 1


def test_an_exit_2_says_error_and_why_before_the_findings_count(tmp_path):
    (tmp_path / "t.yaml").write_text("Parameters:\n  Arn: {Type: String}\nResources:\n  P:\n"
                                     "    Type: AWS::IAM::ManagedPolicy\n    Properties:\n"
                                     "      PolicyDocument: {Ref: Arn}\n")
    proc = run_cli("scan", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stdout.splitlines()[-2:] == [
        "ERROR: 1 unresolved (inputs without value: parameter Arn; --allow-unresolved accepts them)",
        "and 0 blocking at fail-on high"]


def _on_a_terminal(*args: str, env: dict | None = None) -> str:
    """Run the CLI with its stdout on a pseudo-terminal, as a person's shell would."""
    try:
        primary, secondary = pty.openpty()
    except OSError as exc:  # a machine without pseudo-terminals
        pytest.skip(f"no pseudo-terminal: {exc}")
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    environment["PYTHONPATH"] = str(ROOT) + os.pathsep + environment.get("PYTHONPATH", "")
    environment.update(env or {})
    proc = subprocess.Popen([sys.executable, "-m", "iacguard", *args], stdout=secondary, stderr=subprocess.DEVNULL,
                            cwd=ROOT, env=environment)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:  # the other side closed
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(primary)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_on_a_terminal_and_not_with_no_color():
    coloured = _on_a_terminal("scan", LP2)
    assert "\x1b[31mHIGH    \x1b[0m" in coloured and "\x1b[1;31mFAILED\x1b[0m: 3 blocking" in coloured
    plain = _on_a_terminal("scan", LP2, env={"NO_COLOR": "1"})
    assert "\x1b" not in plain and "FAILED: 3 blocking at fail-on high" in plain


def test_no_colour_in_a_report_file_even_on_a_terminal(tmp_path):
    _on_a_terminal("scan", LP2, "--output", str(tmp_path / "report.txt"))
    text = (tmp_path / "report.txt").read_text()
    assert "\x1b" not in text and "FAILED: 3 blocking at fail-on high" in text


def test_input_cannot_colour_the_terminal(tmp_path):
    (tmp_path / "t.yaml").write_text('Resources:\n  "Evil\\e[32m":\n    Type: AWS::IAM::ManagedPolicy\n'
                                     '    Properties:\n      PolicyDocument:\n        Statement:\n'
                                     '          - {Effect: Allow, Action: "s3:*", Resource: "*"}\n')
    coloured = _on_a_terminal("scan", str(tmp_path / "t.yaml"))
    assert "Evil\x1b[32m" not in coloured and "Evil\\x1b[32m" in coloured
