"""The installed command exits without tearing the interpreter down (cli.exit_now): whatever it
printed or wrote is complete, and the exit code is main()'s."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import ROOT, SAMPLES

from iacguard import cli


def _command(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "iacguard", *args], capture_output=True, cwd=ROOT, timeout=300,
                          **kwargs)


def test_a_large_report_on_a_pipe_is_complete_and_the_code_is_mains(capsys):
    proc = _command("scan", str(SAMPLES), "--format", "json")
    report = json.loads(proc.stdout)  # complete: the buffer was flushed before the exit
    assert len(proc.stdout) > 200_000 and report["findings"]
    code = cli.main(["scan", str(SAMPLES), "--format", "json"])  # in this process: no exit at all
    assert proc.returncode == code and code in (1, 2) and json.loads(capsys.readouterr().out) == report


def test_a_report_written_to_a_file_is_complete(tmp_path):
    target = tmp_path / "report.sarif"
    proc = _command("scan", str(SAMPLES / "cloudformation"), "--format", "sarif", "-o", str(target))
    assert proc.returncode == 1 and json.loads(target.read_text())["runs"][0]["results"]


def test_a_reader_that_goes_away_is_no_traceback():
    reader = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read(10)"], stdin=subprocess.PIPE)
    proc = subprocess.run([sys.executable, "-m", "iacguard", "scan", str(SAMPLES), "--format", "json"],
                          stdout=reader.stdin, stderr=subprocess.PIPE, cwd=ROOT, timeout=300)
    reader.stdin.close()
    reader.wait(timeout=60)
    assert b"Traceback" not in proc.stderr and proc.returncode in (1, 2)


def test_usage_errors_still_exit_through_argparse():
    proc = _command("scan", "--no-such-option")
    assert proc.returncode == 2 and b"usage:" in proc.stderr and b"Traceback" not in proc.stderr
