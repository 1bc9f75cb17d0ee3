"""Progress on long runs: a bar on stderr when it is a terminal, nothing on stdout."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys

from helpers import ROOT

from iacguard.progress import MIN_UNITS, Progress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_only_on_a_terminal_and_only_for_many_units():
    tty = _Tty()
    bar = Progress(MIN_UNITS, stream=tty)
    for _ in range(MIN_UNITS):
        bar.advance()
    bar.close()
    assert f"{MIN_UNITS}/{MIN_UNITS}" in tty.getvalue() and "#" * 30 in tty.getvalue()
    plain = io.StringIO()
    bar = Progress(100, stream=plain)
    bar.advance(100)
    bar.close()
    assert plain.getvalue() == ""
    short = _Tty()
    Progress(MIN_UNITS - 1, stream=short).advance()
    assert short.getvalue() == ""


def test_real_scan_draws_on_a_terminal_stderr_and_keeps_stdout_json(tmp_path):
    for i in range(MIN_UNITS + 5):
        (tmp_path / f"t{i}.yaml").write_text(
            f"Resources:\n  U{i}:\n    Type: AWS::IAM::User\n    Properties:\n      Groups: [g]\n")
    master, slave = pty.openpty()  # stderr is a terminal, stdout a pipe
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "iacguard", "scan", str(tmp_path), "--format", "json"],
                          stdout=subprocess.PIPE, stderr=slave, env=env, timeout=120)
    os.close(slave)
    drawn = b""
    try:
        while True:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            drawn += chunk
    except OSError:
        pass
    os.close(master)
    report = json.loads(proc.stdout)  # stdout is untouched by the bar
    assert report["summary"]["files_scanned"] == MIN_UNITS + 5
    assert f"{MIN_UNITS + 5}/{MIN_UNITS + 5}".encode() in drawn
