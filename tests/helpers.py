"""Shared helpers for end-to-end tests: run the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "fixtures" / "check_samples"  # the per-check and pipeline samples


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = str(ROOT) + os.pathsep + environment.get("PYTHONPATH", "")
    environment.pop("IACGUARD_DEBUG", None)
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "iacguard", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=environment, timeout=120)


def scan_json(*args: str, cwd: Path | None = None) -> tuple[dict, subprocess.CompletedProcess]:
    proc = run_cli("scan", *args, "--format", "json", cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout), proc


def triples(report: dict) -> set[tuple]:
    return {(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]}
