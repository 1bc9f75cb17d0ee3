"""action.yml: a composite action whose scripts never interpolate inputs; its run steps are
executed locally the way the runner would (expressions in `env:` resolved, GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY files), including the real install into a fresh virtualenv (slow)."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from helpers import ROOT, SAMPLES
from snapshot import copy_tree

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = {step["id"]: step for step in ACTION["runs"]["steps"]}
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def test_action_structure():
    assert {"name", "description", "runs"} <= set(ACTION)
    assert ACTION["runs"]["using"] == "composite"
    inputs = ACTION["inputs"]
    assert {"paths", "fail-on", "config", "diff-base", "format", "sarif-file", "baseline", "var-files", "parameters",
            "exclude", "enable", "disable", "jobs", "args", "cache"} <= set(inputs)
    assert all("description" in spec for spec in inputs.values())
    outputs = ACTION["outputs"]
    assert {"findings", "blocking", "critical", "high", "medium", "low", "sarif-file", "exit-code"} <= set(outputs)
    step_ids = {step.get("id") for step in ACTION["runs"]["steps"]}
    for spec in outputs.values():
        match = EXPRESSION.fullmatch(spec["value"])
        assert match and match.group(1).startswith("steps.")
        assert match.group(1).split(".")[1] in step_ids


def test_no_input_reaches_a_script_except_through_env():
    for step in ACTION["runs"]["steps"]:
        if "uses" in step:  # another action: pinned by commit, given whole expressions only
            assert re.fullmatch(r"actions/cache/(restore|save)@[0-9a-f]{40}", step["uses"]), step["uses"]
            assert all(EXPRESSION.fullmatch(str(value)) for value in step["with"].values()), step["with"]
            continue
        assert "run" in step and step["shell"] == "bash"
        assert "${{" not in step["run"], f"step {step.get('id')} interpolates into its script"
        for value in (step.get("env") or {}).values():
            assert EXPRESSION.fullmatch(str(value)), value  # env values are whole expressions only


def test_cache_restores_and_saves_one_exact_key():
    restore, save = STEPS["restore"], STEPS["save"]
    assert restore["with"] == save["with"] == {"path": "${{ steps.prepare.outputs.venv }}",
                                               "key": "${{ steps.prepare.outputs.key }}"}
    assert "restore-keys" not in restore["with"]  # a near match would be another venv: rebuild instead
    assert restore["if"] == "inputs.cache == 'true'"
    # saved right after a fresh install (not in a post step, which a failing scan would skip)
    assert save["if"] == ("inputs.cache == 'true' && steps.install.outputs.built == 'true' "
                          "&& steps.restore.outputs.cache-hit != 'true'")
    assert [step["id"] for step in ACTION["runs"]["steps"]] == ["prepare", "restore", "install", "save", "scan"]


def resolve(value: str, inputs: dict, context: dict) -> str:
    def one(match: re.Match) -> str:
        expression = match.group(1)
        if expression.startswith("inputs."):
            name = expression.split(".", 1)[1]
            return str(inputs.get(name, ACTION["inputs"][name].get("default", "")))
        if expression in context:
            return context[expression]
        if expression.startswith("steps."):
            return ""  # the runner's value for a step that did not run or set no such output
        raise AssertionError(f"unexpected expression {expression}")

    return EXPRESSION.sub(one, value)


def run_step(step: dict, inputs: dict, context: dict, workdir: Path, temp: Path,
             runner_env: dict | None = None) -> tuple[int, dict, str]:
    output_file = temp / f"output-{step['id']}"
    output_file.write_text("")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("GITHUB_", "IACGUARD_", "INPUT_", "RUNNER_"))}
    env.pop("PYTHONPATH", None)
    env.update({key: resolve(str(value), inputs, context) for key, value in (step.get("env") or {}).items()})
    env.update(GITHUB_OUTPUT=str(output_file), GITHUB_STEP_SUMMARY=str(temp / "summary.md"), RUNNER_TEMP=str(temp),
               GITHUB_ACTION_PATH=context["github.action_path"], **(runner_env or {}))
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=500)
    outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
    return proc.returncode, outputs, proc.stdout + proc.stderr


# --- the lock -------------------------------------------------------------------------------------

LOCKS = ROOT / "integrations" / "github-action"
SUPPORTED_PYTHONS = ("3.10", "3.11", "3.12", "3.13")
RUNNER_PLATFORMS = ({"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
                    {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
                    {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"})


def read_lock(path: Path) -> list[tuple[Requirement, list[str]]]:
    """Each requirement of a pip lock file with its --hash values (continuation lines joined)."""
    entries = []
    for line in path.read_text().replace("\\\n", " ").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        requirement, *hashes = line.split(" --hash=")
        entries.append((Requirement(requirement.strip()), [h.strip() for h in hashes]))
    return entries


def marker_environments():
    for python in SUPPORTED_PYTHONS:
        for runner in RUNNER_PLATFORMS:
            yield {**default_environment(), **runner, "python_version": python, "python_full_version": f"{python}.0"}


def applies(requirement: Requirement, environment: dict) -> bool:
    return requirement.marker is None or requirement.marker.evaluate({**environment, "extra": ""})


@pytest.mark.parametrize("lock, extras", [("requirements.lock", ("sam",)),
                                          ("requirements-cfn-lint.lock", ("sam", "cfn-lint"))])
def test_lock_pins_every_dependency_of_pyproject_with_hashes(lock, extras):
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = [Requirement(text) for text in pyproject["project"]["dependencies"]]
    wanted += [Requirement(text) for extra in extras for text in pyproject["project"]["optional-dependencies"][extra]]
    wanted += [Requirement(text) for text in pyproject["build-system"]["requires"]]  # --no-build-isolation
    entries = read_lock(LOCKS / lock)
    for requirement, hashes in entries:
        assert len(requirement.specifier) == 1 and next(iter(requirement.specifier)).operator == "==", requirement
        assert hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), requirement
    for environment in marker_environments():
        locked = {canonicalize_name(r.name): r for r, _ in entries if applies(r, environment)}
        assert len(locked) == len([r for r, _ in entries if applies(r, environment)]), "one version per package"
        for requirement in wanted:
            if not applies(requirement, environment):
                continue
            pinned = locked.get(canonicalize_name(requirement.name))
            where = f"{lock}, Python {environment['python_version']} on {environment['sys_platform']}"
            assert pinned is not None, f"{requirement} is not locked ({where})"
            version = next(iter(pinned.specifier)).version
            assert requirement.specifier.contains(version, prereleases=True), f"{pinned} does not satisfy {requirement}"
    by_python = {e["python_version"]: {canonicalize_name(r.name) for r, _ in entries if applies(r, e)}
                 for e in marker_environments() if e["sys_platform"] == "linux"}
    assert "tomli" in by_python["3.10"] and "tomli" not in by_python["3.11"]
    assert "aws-sam-translator" in by_python["3.13"]
    assert ("cfn-lint" in by_python["3.12"]) == ("cfn-lint" in extras)


def test_lock_commands_are_documented():
    docs = (ROOT / "docs" / "github-actions.md").read_text()
    for lock in ("requirements.lock", "requirements-cfn-lint.lock"):
        command = (LOCKS / lock).read_text().splitlines()[1].lstrip("# ").strip()
        assert command.startswith("uv pip compile ") and "--generate-hashes" in command and "--universal" in command
        assert command in docs, f"docs/github-actions.md does not show how {lock} is made: {command}"


# --- the cache key --------------------------------------------------------------------------------

def fake_action(root: Path, source: str = "VERSION = 1\n", lock: str = "six==1.17.0\n") -> Path:
    """The files the key is made of: pyproject.toml, iacguard/, checks/ and the locks."""
    for name, text in {"pyproject.toml": "[project]\n", "iacguard/__init__.py": source, "checks/lp.py": "",
                       "integrations/github-action/requirements.lock": lock,
                       "integrations/github-action/requirements-cfn-lint.lock": lock + "cfn-lint==1.0\n"}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def cache_key(action: Path, temp: Path, **inputs) -> dict:
    context = {"github.action_path": str(action), "github.action_ref": "v1.2.3"}
    code, outputs, log = run_step(STEPS["prepare"], {"python": sys.executable, **inputs}, context, temp, temp,
                                  {"RUNNER_OS": "Linux", "RUNNER_ARCH": "X64"})
    assert code == 0, log
    return outputs


def test_cache_key_names_runner_python_lock_and_source(tmp_path):
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    first = cache_key(fake_action(tmp_path / "a"), temp)
    assert re.fullmatch(rf"iacguard-venv-Linux-X64-{platform.python_implementation().lower()}"
                        rf"{re.escape(platform.python_version())}-[0-9a-f]{{32}}", first["key"]), first
    assert first["venv"] == f"{temp}/iacguard-venv"
    assert first["lock"] == f"{tmp_path / 'a'}/integrations/github-action/requirements.lock"
    # the same action elsewhere on disk: same key; any change of lock, source or extras: another one
    assert cache_key(fake_action(tmp_path / "b"), temp)["key"] == first["key"]
    assert cache_key(fake_action(tmp_path / "c", lock="six==1.16.0\n"), temp)["key"] != first["key"]
    assert cache_key(fake_action(tmp_path / "d", source="VERSION = 2\n"), temp)["key"] != first["key"]
    with_cfn_lint = cache_key(fake_action(tmp_path / "e"), temp, **{"cfn-lint": "true"})
    assert with_cfn_lint["lock"].endswith("/requirements-cfn-lint.lock") and with_cfn_lint["key"] != first["key"]


# --- the install, for real (needs the package index) ----------------------------------------------

def index_unreachable() -> str | None:
    index = urlsplit(os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple/")
    try:
        socket.create_connection((index.hostname or "", index.port or 443), timeout=5).close()
    except OSError as error:
        return f"the package index {index.hostname} is not reachable ({error}): the install from the lock is not tested"
    return None


def venv_packages(python: str) -> dict[str, str]:
    frozen = subprocess.run([python, "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"],
                            capture_output=True, text=True, check=True).stdout
    return {canonicalize_name(p["name"]): p["version"] for p in json.loads(frozen)}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Run the prepare and install steps for real once: a fresh venv from the lock, hashes required."""
    if not shutil.which("bash"):
        pytest.skip("bash is not installed")
    reason = index_unreachable()
    if reason:
        pytest.skip(reason)
    base = tmp_path_factory.mktemp("action")
    action_path = copy_tree(base / "action")
    temp = base / "runner-temp"
    temp.mkdir()
    context = {"github.action_path": str(action_path), "github.action_ref": ""}
    inputs = {"python": sys.executable}
    code, outputs, log = run_step(STEPS["prepare"], inputs, context, base, temp)
    assert code == 0, log
    context.update({f"steps.prepare.outputs.{name}": value for name, value in outputs.items()})
    started = time.monotonic()
    code, outputs, log = run_step(STEPS["install"], inputs, context, base, temp)
    elapsed = time.monotonic() - started
    assert code == 0, log
    assert outputs["built"] == "true" and Path(outputs["python"]).is_file()
    print(f"install from the lock into a fresh venv: {elapsed:.1f} s")
    context["steps.install.outputs.python"] = outputs["python"]
    return context, temp, base


@pytest.mark.timeout(900)
def test_install_is_the_lock_exactly_and_the_cache_is_verified(installed):
    context, temp, base = installed
    python = context["steps.install.outputs.python"]
    here = {**default_environment()}
    locked = {canonicalize_name(r.name): next(iter(r.specifier)).version
              for r, _ in read_lock(Path(context["steps.prepare.outputs.lock"])) if applies(r, here)}
    packages = venv_packages(python)
    assert packages.pop("iacguard-gate") == subprocess.run(  # cwd: not the checkout, whose iacguard/ would come first
        [python, "-c", "import iacguard; print(iacguard.__version__)"], capture_output=True, text=True,
        cwd=base).stdout.strip()
    packages.pop("pip")
    assert packages == locked  # nothing more, nothing less, each at its locked version
    # a cache hit: the restored venv is checked with `iacguard --version` and nothing is installed
    config = Path(context["steps.prepare.outputs.venv"]) / "pyvenv.cfg"
    created = config.stat().st_mtime_ns
    hit = {**context, "steps.restore.outputs.cache-hit": "true"}
    code, outputs, log = run_step(STEPS["install"], {"python": sys.executable}, hit, base, temp)
    assert code == 0 and outputs == {"python": python, "built": "false"}, log
    assert "the cached virtual environment works (iacguard " in log
    assert config.stat().st_mtime_ns == created
    # a restored venv that does not work (its interpreter moved, a package lost) is rebuilt
    site = Path(subprocess.run([python, "-c", "import iacguard, os; print(os.path.dirname(iacguard.__file__))"],
                               capture_output=True, text=True, check=True, cwd=base).stdout.strip())
    assert site.is_relative_to(context["steps.prepare.outputs.venv"]), site
    shutil.rmtree(site)
    code, outputs, log = run_step(STEPS["install"], {"python": sys.executable}, hit, base, temp)
    assert code == 0 and outputs == {"python": python, "built": "true"}, log
    assert "::warning title=iacguard::the cached virtual environment does not work; rebuilding it" in log
    rebuilt = venv_packages(python)
    assert {name for name in rebuilt if name not in locked} == {"iacguard-gate", "pip"}
    assert {name: rebuilt[name] for name in locked} == locked


def scan_step(installed, workdir: Path, **inputs) -> tuple[int, dict, str]:
    context, temp, _ = installed
    (temp / "summary.md").unlink(missing_ok=True)
    return run_step(STEPS["scan"], inputs, context, workdir, temp)


@pytest.mark.timeout(600)
def test_scan_step_on_bad_templates(installed, tmp_path):
    (tmp_path / "infra").mkdir()
    shutil.copy(SAMPLES / "checks" / "IAG-LP-001" / "bad.yaml", tmp_path / "infra" / "stack.yaml")
    shutil.copy(SAMPLES / "checks" / "IAG-AK-001" / "bad.yaml", tmp_path / "keys.yaml")
    # a hostile-looking input stays data: words of it are path arguments, never shell code
    code, outputs, log = scan_step(installed, tmp_path, paths="infra\n$(touch pwned); touch pwned2")
    assert code == 2 and "path not found: $(touch" in log, log
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()
    code, outputs, log = scan_step(installed, tmp_path, paths="infra keys.yaml", **{"junit-file": "junit.xml"})
    assert code == 1, log
    assert "::error file=infra/stack.yaml,line=" in log
    assert outputs["exit-code"] == "1"
    assert int(outputs["blocking"]) >= 4 and int(outputs["critical"]) >= 3
    assert int(outputs["findings"]) == sum(int(outputs[s]) for s in ("critical", "high", "medium", "low"))
    sarif = json.loads((tmp_path / outputs["sarif-file"]).read_text())
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]} \
        >= {"infra/stack.yaml", "keys.yaml"}
    assert (tmp_path / "junit.xml").read_text().startswith("<?xml")
    assert (installed[1] / "summary.md").read_text().startswith("## iacguard: ❌ failed")


@pytest.mark.timeout(600)
def test_scan_step_on_good_templates(local, tmp_path):
    (tmp_path / "queue.yaml").write_text("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    code, outputs, log = scan_step(local, tmp_path, **{"fail-on": "critical", "sarif-file": "out/x.sarif"})
    assert outputs["exit-code"] == "2", log  # the SARIF directory does not exist: a usage error, reported
    (tmp_path / "out").mkdir()
    code, outputs, log = scan_step(local, tmp_path, **{"fail-on": "critical", "sarif-file": "out/x.sarif"})
    assert code == 0, log
    assert outputs["findings"] == "0" and outputs["blocking"] == "0" and outputs["sarif-file"] == "out/x.sarif"
    assert (local[1] / "summary.md").read_text().startswith("## iacguard: ✅ passed")


def test_diff_base_needs_support(local, tmp_path):
    code, outputs, log = scan_step(local, tmp_path, **{"diff-base": "origin/main"})
    if "--diff-base" in scan_help():
        assert outputs["exit-code"] in ("0", "1", "2")
    else:
        assert code == 2 and "diff-base input needs" in log


# --- the inputs, on the interpreter running the tests (no install) --------------------------------

STACK = """\
Parameters:
  GrantedAction:
    Type: String
    Default: s3:GetObject
  Description:
    Type: String
    Default: none
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      Policies:
        - PolicyName: app
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: !Ref GrantedAction, Resource: "*"}
"""
MODULE = """\
variable "granted_action" {
  type    = string
  default = "s3:GetObject"
}

resource "aws_iam_policy" "app" {
  name   = "app"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = var.granted_action, Resource = "*" }] })
}
"""


def scan_help() -> str:
    return subprocess.run([sys.executable, "-m", "iacguard", "scan", "--help"], capture_output=True, text=True).stdout


@pytest.fixture
def local(tmp_path_factory):
    """The scan step with the test interpreter behind a recorder of its command lines."""
    base = tmp_path_factory.mktemp("local")
    temp = base / "runner-temp"
    temp.mkdir()
    recorder = base / "python"
    recorder.write_text(f"#!{sys.executable}\n"
                        "import json, os, sys\n"
                        f"with open({str(base / 'calls.jsonl')!r}, 'a') as log:\n"
                        "    log.write(json.dumps(sys.argv[1:]) + '\\n')\n"
                        "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])\n")
    recorder.chmod(0o755)
    return {"github.action_path": str(ROOT), "steps.install.outputs.python": str(recorder)}, temp, base


def scans(local) -> list[list[str]]:
    """The `iacguard scan` command lines the step ran (its --help probes left out)."""
    calls = local[2] / "calls.jsonl"
    lines = calls.read_text().splitlines() if calls.exists() else []
    calls.unlink(missing_ok=True)
    return [call for call in map(json.loads, lines) if call[:3] == ["-m", "iacguard", "scan"] and "--help" not in call]


@pytest.fixture
def project(tmp_path):
    (tmp_path / "stack.yaml").write_text(STACK)
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(MODULE)
    (tmp_path / "tf" / "admin.tfvars").write_text('granted_action = "*"\n')
    (tmp_path / "tf" / "read.tfvars").write_text('granted_action = "s3:GetObject"\n')
    return tmp_path


def test_new_inputs_make_the_command_line(local, project):
    inputs = {"paths": "stack.yaml tf", "baseline": "", "var-files": "tf/read.tfvars\n tf/admin.tfvars",
              "parameters": "GrantedAction=*\n  Description=two words, and a comma  \n\n",
              "enable": "least-privilege, IAG-EXT-001", "disable": "IAG-LP-007\nIAG-LP-002", "jobs": "2",
              "args": "--severity IAG-LP-001=high\n--max-file-size 100000"}
    code, outputs, log = scan_step(local, project, **inputs)
    report = f"json={local[1]}/iacguard-report.json"
    assert scans(local) == [["-m", "iacguard", "scan", "--format", "github", "--fail-on", "high",
                             "--report", report, "--report", "sarif=iacguard.sarif", "--jobs", "2",
                             "--var-file", "tf/read.tfvars", "--var-file", "tf/admin.tfvars",
                             "--enable", "least-privilege", "--enable", "IAG-EXT-001",
                             "--disable", "IAG-LP-007", "--disable", "IAG-LP-002",
                             "--parameter", "GrantedAction=*", "--parameter", "Description=two words, and a comma",
                             "--severity", "IAG-LP-001=high", "--max-file-size", "100000",
                             "--", "stack.yaml", "tf"]]
    # the values took effect: both policies became administrator access, reported at the severity of args
    assert code == 1 and outputs["exit-code"] == "1", log
    assert (outputs["findings"], outputs["high"], outputs["critical"]) == ("2", "2", "0"), log
    assert "::error file=stack.yaml,line=" in log and "::error file=tf/main.tf,line=" in log
    # and without them, only the data reads on every resource, which this enable/disable skips
    code, outputs, log = scan_step(local, project, paths="stack.yaml tf", enable="least-privilege",
                                   disable="IAG-LP-007")
    assert code == 0 and outputs["findings"] == "0", log
    code, outputs, log = scan_step(local, project, paths="stack.yaml tf")
    assert code == 0 and (outputs["findings"], outputs["medium"]) == ("2", "2"), log


def test_baseline_input(local, project):
    subprocess.run([sys.executable, "-m", "iacguard", "baseline", "stack.yaml", "--parameter", "GrantedAction=*",
                    "-o", ".iacguard-baseline.json"], cwd=project, check=True, capture_output=True)
    scans(local)
    code, outputs, log = scan_step(local, project, paths="stack.yaml", parameters="GrantedAction=*",
                                   baseline=".iacguard-baseline.json")
    assert scans(local)[0][11:] == ["--baseline", ".iacguard-baseline.json", "--parameter", "GrantedAction=*",
                                    "--", "stack.yaml"]
    assert code == 0 and (outputs["findings"], outputs["blocking"]) == ("0", "0"), log  # recorded: not blocking
    code, outputs, log = scan_step(local, project, paths="stack.yaml", parameters="GrantedAction=*")
    assert code == 1 and outputs["critical"] == "1", log


def test_list_inputs_stay_data(local, project):
    """Words of args, parameters and var-files are arguments: never evaluated, never globbed."""
    code, outputs, log = scan_step(local, project, paths="stack.yaml", args="$(touch pwned) tf/*",
                                   parameters="GrantedAction=`touch pwned2`", **{"var-files": "tf/*.tfvars"})
    command = scans(local)[0]
    assert command[command.index("--parameter"):] == ["--parameter", "GrantedAction=`touch pwned2`", "$(touch",
                                                      "pwned)", "tf/*", "--", "stack.yaml"]
    assert command[command.index("--var-file"):command.index("--var-file") + 2] == ["--var-file", "tf/*.tfvars"]
    assert code == 2 and outputs["exit-code"] == "2", log  # iacguard refuses the unknown arguments
    assert not list(project.glob("pwned*"))


def test_bad_inputs_are_clear_errors(local, project):
    code, outputs, log = scan_step(local, project, paths="stack.yaml", disable="IAG-NOPE-001")
    assert code == 2 and "unknown check or family 'IAG-NOPE-001'" in log, log
    code, outputs, log = scan_step(local, project, paths="stack.yaml", jobs="many")
    assert code == 2 and "--jobs" in log, log


def test_exclude_input(local, project):
    (project / "examples").mkdir()
    (project / "examples" / "demo.yaml").write_text(STACK.replace("Default: s3:GetObject", "Default: '*'"))
    code, outputs, log = scan_step(local, project, paths=".", exclude="examples/** \n fixtures/*")
    if "--exclude" not in scan_help():  # the CLI of this checkout lacks --exclude: the input says so
        assert code == 2 and outputs["exit-code"] == "2", log
        assert "::error title=iacguard::the exclude input needs an iacguard version with --exclude" in log
        assert scans(local) == []
        return
    assert scans(local)[0][-6:] == ["--exclude", "examples/**", "--exclude", "fixtures/*", "--", "."]
    assert code == 0 and outputs["critical"] == "0", log


# --- the documentation ----------------------------------------------------------------------------

DOCS = (ROOT / "docs" / "github-actions.md").read_text()


def docs_workflows() -> list[dict]:
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS, re.S)
    return [yaml.safe_load(block) for block in blocks if block.startswith(("# .github", "jobs:"))]


def test_docs_pin_the_action_by_commit_and_fetch_the_history_for_diff_base():
    uses = re.findall(r"uses: iacguard/iacguard@\S+.*", DOCS)
    assert uses and all(re.fullmatch(r"uses: iacguard/iacguard@[0-9a-f]{40} +# v\d+\.\d+\.\d+", line) for line in uses)
    assert "`iacguard-gate`" in DOCS
    workflows = docs_workflows()
    assert len(workflows) == 2
    for workflow in workflows:
        for job in workflow["jobs"].values():
            steps = job["steps"]
            gate = next(step for step in steps if step.get("uses", "").startswith("iacguard/iacguard@"))
            if "diff-base" in gate.get("with", {}):
                checkout = next(step for step in steps if step.get("uses", "").startswith("actions/checkout@"))
                assert checkout["with"]["fetch-depth"] == 0


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd, check=True,
                   capture_output=True)


def test_docs_base_branch_pattern_keeps_the_gate(local, project):
    """The documented step, run for real: a pull request that disables the check and baselines
    its own finding in its settings still fails with the base branch's settings and baseline."""
    (project / ".iacguard.yaml").write_text("baseline: .iacguard-baseline.json\n")
    subprocess.run([sys.executable, "-m", "iacguard", "baseline", "tf", "-o", ".iacguard-baseline.json"],
                   cwd=project, check=True, capture_output=True)
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "base")
    git(project, "update-ref", "refs/remotes/origin/main", "HEAD")
    # the pull request: an admin policy, and settings and a baseline that would let it through
    (project / "stack.yaml").write_text(STACK.replace("Default: s3:GetObject", "Default: '*'"))
    (project / ".iacguard.yaml").write_text("baseline: .iacguard-baseline.json\ndisable: [IAG-LP-001]\n")
    subprocess.run([sys.executable, "-m", "iacguard", "baseline", ".", "-o", ".iacguard-baseline.json"],
                   cwd=project, check=True, capture_output=True)
    git(project, "commit", "-q", "-a", "-m", "pull request")
    code, outputs, log = scan_step(local, project, paths=".")
    assert code == 0, log  # its own settings let it pass
    job = docs_workflows()[1]["jobs"]["iacguard"]
    step = next(step for step in job["steps"] if step.get("name", "").startswith("Gate settings"))
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=project, capture_output=True, text=True,
                          env={**os.environ, "BASE": "origin/main"})
    assert proc.returncode == 0, proc.stderr
    gate = next(step for step in job["steps"] if step.get("id") == "iacguard")["with"]
    pull_request = {name: re.search(r"&& '([^']*)'", gate[name]).group(1) for name in ("config", "baseline")}
    assert pull_request == {"config": ".iacguard.base.yaml", "baseline": ".iacguard-baseline.base.json"}
    code, outputs, log = scan_step(local, project, paths=".", **pull_request)
    assert code == 1 and outputs["critical"] == "1", log
    assert "::error file=stack.yaml,line=" in log and "IAG-LP-001" in log
