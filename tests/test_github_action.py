"""action.yml: a composite action whose scripts never interpolate inputs; its run steps are
executed locally the way the runner would (expressions in `env:` resolved, GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY files), including the real install into a fresh virtualenv (slow)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import ROOT, SAMPLES
from snapshot import copy_tree

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def test_action_structure():
    assert {"name", "description", "runs"} <= set(ACTION)
    assert ACTION["runs"]["using"] == "composite"
    inputs = ACTION["inputs"]
    assert {"paths", "fail-on", "config", "diff-base", "format", "sarif-file"} <= set(inputs)
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
        assert "run" in step and step["shell"] == "bash"
        assert "${{" not in step["run"], f"step {step.get('id')} interpolates into its script"
        for value in (step.get("env") or {}).values():
            assert EXPRESSION.fullmatch(str(value)), value  # env values are whole expressions only


def resolve(value: str, inputs: dict, context: dict) -> str:
    def one(match: re.Match) -> str:
        expression = match.group(1)
        if expression.startswith("inputs."):
            name = expression.split(".", 1)[1]
            return str(inputs.get(name, ACTION["inputs"][name].get("default", "")))
        if expression in context:
            return context[expression]
        raise AssertionError(f"unexpected expression {expression}")

    return EXPRESSION.sub(one, value)


def run_step(step: dict, inputs: dict, context: dict, workdir: Path, temp: Path) -> tuple[int, dict, str]:
    output_file = temp / f"output-{step['id']}"
    output_file.write_text("")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "IACGUARD_", "INPUT_"))}
    env.pop("PYTHONPATH", None)
    env.update({key: resolve(str(value), inputs, context) for key, value in (step.get("env") or {}).items()})
    env.update(GITHUB_OUTPUT=str(output_file), GITHUB_STEP_SUMMARY=str(temp / "summary.md"), RUNNER_TEMP=str(temp),
               GITHUB_ACTION_PATH=context["github.action_path"])
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=500)
    outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
    return proc.returncode, outputs, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Run the install step for real once: a fresh venv with iacguard from the action's checkout."""
    if not shutil.which("bash"):
        pytest.skip("bash is not installed")
    base = tmp_path_factory.mktemp("action")
    action_path = copy_tree(base / "action")
    temp = base / "runner-temp"
    temp.mkdir()
    context = {"github.action_path": str(action_path)}
    step = next(s for s in ACTION["runs"]["steps"] if s["id"] == "install")
    code, outputs, log = run_step(step, {"python": sys.executable}, context, base, temp)
    assert code == 0, log
    assert Path(outputs["python"]).is_file()
    context["steps.install.outputs.python"] = outputs["python"]
    return context, temp


def scan_step(installed, workdir: Path, **inputs) -> tuple[int, dict, str]:
    context, temp = installed
    step = next(s for s in ACTION["runs"]["steps"] if s["id"] == "scan")
    (temp / "summary.md").unlink(missing_ok=True)
    return run_step(step, inputs, context, workdir, temp)


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
def test_scan_step_on_good_templates(installed, tmp_path):
    (tmp_path / "queue.yaml").write_text("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    code, outputs, log = scan_step(installed, tmp_path, **{"fail-on": "critical", "sarif-file": "out/x.sarif"})
    assert outputs["exit-code"] == "2", log  # the SARIF directory does not exist: a usage error, reported
    (tmp_path / "out").mkdir()
    code, outputs, log = scan_step(installed, tmp_path, **{"fail-on": "critical", "sarif-file": "out/x.sarif"})
    assert code == 0, log
    assert outputs["findings"] == "0" and outputs["blocking"] == "0" and outputs["sarif-file"] == "out/x.sarif"
    assert (installed[1] / "summary.md").read_text().startswith("## iacguard: ✅ passed")


def test_diff_base_needs_support(installed, tmp_path):
    code, outputs, log = scan_step(installed, tmp_path, **{"diff-base": "origin/main"})
    help_text = subprocess.run([installed[0]["steps.install.outputs.python"], "-m", "iacguard", "scan", "--help"],
                               capture_output=True, text=True).stdout
    if "--diff-base" in help_text:
        assert outputs["exit-code"] in ("0", "1", "2")
    else:
        assert code == 2 and "diff-base input needs" in log
