"""A pre-commit scan of one small file must not pay for modules it does not use."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from helpers import ROOT, SAMPLES

_PROBE = """
import json, sys
from iacguard.cli import main
code = main(sys.argv[1:])
heavy = ("networkx", "samtranslator", "boto3", "botocore", "pydantic", "cfnlint", "tree_sitter", "tree_sitter_hcl",
         "hcl2", "multiprocessing")
print(json.dumps({"code": code, "loaded": sorted(m for m in heavy if m in sys.modules)}), file=sys.stderr)
"""


def _loaded(*args: str) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", _PROBE, "scan", *args, "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, 1), proc.stderr
    return report["loaded"]


@pytest.mark.parametrize("template", ["scoped.json", "least_privilege.yaml", "admin_and_public.yaml"])
def test_small_cloudformation_scan_imports_no_heavy_module(template):
    assert _loaded(str(SAMPLES / "cloudformation" / template)) == []


def _plan_loader_loaded(*args: str) -> bool:
    probe = _PROBE.replace('print(json.dumps({"code": code, "loaded"', 'print(json.dumps({"code": code, "loaded": '
                           '"iacguard.loaders.plan" in sys.modules, "heavy"')
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", probe, "scan", *args, "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, 1), proc.stderr
    return report["loaded"]


def test_plan_loader_and_worker_processes_load_only_when_used():
    """A plan is read by the plan loader; forked workers (--jobs 2 on input worth splitting)
    need multiprocessing. A template scan in one process needs neither."""
    assert _plan_loader_loaded(str(ROOT / "tests" / "fixtures" / "plan" / "provider_v5_update.json"))
    assert not _plan_loader_loaded(str(SAMPLES / "cloudformation" / "least_privilege.yaml"))
    assert "multiprocessing" in _loaded(str(SAMPLES / "cloudformation"), str(SAMPLES / "terraform"), "--jobs", "2")


def test_terraform_scan_loads_the_hcl_grammar_but_not_networkx_without_escalation():
    loaded = _loaded(str(SAMPLES / "terraform" / "scoped"))
    assert "tree_sitter" in loaded and "networkx" not in loaded and "samtranslator" not in loaded


def test_the_sam_translator_and_what_it_needs_load_only_for_a_sam_template():
    """The translator is a regular dependency (SAM works out of the box), but it and boto3 and
    pydantic cost about half a second to import: only a template with the transform pays it."""
    sam_modules = {"samtranslator", "boto3", "botocore", "pydantic"}
    assert sam_modules.isdisjoint(_loaded(str(SAMPLES / "cloudformation")))
    assert sam_modules <= set(_loaded(str(ROOT / "tests" / "fixtures" / "integrations" / "sam_good.yaml")))


_HOOK_PROBE = _PROBE.replace("from iacguard.cli import main", "from iacguard.integrations.pre_commit import main")


def test_pre_commit_hook_on_a_template_change_reads_no_terraform():
    """In a repository with Terraform modules, a changed template costs no HCL grammar: the
    callers of Terraform modules are looked for only when a Terraform file changed."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", _HOOK_PROBE, "--format", "json", "cfn/queue.yaml", "README.yaml"],
                          capture_output=True, text=True, cwd=ROOT / "tests" / "fixtures" / "pre_commit_repo",
                          env=env, timeout=120)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report == {"code": 1, "loaded": []}, proc.stderr
    assert [f["file"] for f in json.loads(proc.stdout)["findings"]] == ["cfn/queue.yaml"]
