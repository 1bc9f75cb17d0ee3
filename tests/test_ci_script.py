""".ci/run installs system packages (chromium and chromedriver, for the browser tests) only on a CI machine:
a contributor who runs it locally gets no apt-get, and the browser tests skip with a message."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import ROOT


def _run_ci_script(tmp_path: Path, ci: str | None) -> tuple[subprocess.CompletedProcess, str]:
    tree = tmp_path / "repo"
    (tree / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci" / "run", tree / ".ci" / "run")
    (tree / ".venv" / "bin").mkdir(parents=True)
    (tree / ".venv" / "bin" / "activate").write_text("")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    log = tmp_path / "calls"
    # every command the script may call is a stub that records itself; chromium is absent
    for name in ("python3", "python", "pip", "apt-get", "sudo"):
        stub = stubs / name
        stub.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n')
        stub.chmod(0o755)
    for tool in ("dirname", "id"):
        found = shutil.which(tool)
        if found is None:
            pytest.skip(f"{tool} is not on this machine")
        (stubs / tool).symlink_to(found)
    env = {"PATH": str(stubs), "HOME": str(tmp_path)}
    if ci is not None:
        env["CI"] = ci
    bash = shutil.which("bash") or "/bin/bash"
    proc = subprocess.run([bash, str(tree / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60)
    return proc, log.read_text() if log.exists() else ""


def test_no_system_package_on_a_contributor_machine(tmp_path):
    proc, calls = _run_ci_script(tmp_path, None)
    assert proc.returncode == 0, proc.stderr
    assert "apt-get" not in calls
    assert "pip install -q .[test]" in calls and "python -m pytest" in calls


def test_a_ci_machine_installs_the_browser(tmp_path):
    proc, calls = _run_ci_script(tmp_path, "true")
    assert proc.returncode == 0, proc.stderr
    installer = "apt-get" if os.getuid() == 0 else "sudo apt-get"
    assert f"{installer} install -y -qq chromium chromium-driver" in calls
