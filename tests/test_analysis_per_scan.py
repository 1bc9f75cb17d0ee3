"""Everything a scan derives from its model lives in that scan's Analysis (iacguard/analysis.py):
after a scan, the model, its resources, its policy documents and the modules of iacguard hold
nothing of it, and scans in one process give what separate processes give."""

from __future__ import annotations

import json
import subprocess
import sys
import weakref

import pytest

from helpers import ROOT, scan_json
from iacguard import cli, engine
from iacguard.settings import Settings

SAMPLES = "tests/fixtures/check_samples"
# Different inputs: a template with public and cross-account policies, a Terraform root, a plan
# made in a known account (its aws_caller_identity lookup feeds the zone of trust)
INPUTS = ("tests/fixtures/check_samples/cloudformation", "tests/fixtures/check_samples/terraform",
          "tests/fixtures/plan/provider_v5_update.json")


@pytest.fixture
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("IACGUARD_CHECKS_DIR", raising=False)
    monkeypatch.delenv("IACGUARD_SETTINGS", raising=False)


def _iacguard_modules() -> list:
    return [module for name, module in sorted(sys.modules.items())
            if module is not None and (name == "iacguard" or name.startswith("iacguard."))]


def _holds(container, target) -> bool:
    if isinstance(container, (weakref.WeakKeyDictionary, weakref.WeakValueDictionary)):
        return len(container) > 0  # nothing scan-independent is kept weakly
    if isinstance(container, dict):
        return any(k is target or v is target for k, v in container.items())
    if isinstance(container, (list, tuple, set, frozenset)):
        return any(item is target for item in container)
    return container is target


def test_a_scan_leaves_no_derived_state_on_the_model_or_in_modules(at_root):
    from iacguard.iam.model import IamModel

    result = engine.scan([SAMPLES], Settings())
    model = result.model
    assert model is not None and result.findings  # the checks ran (grants, escalation, zones ...)
    fresh = IamModel(model.all_resources)
    assert sorted(vars(model)) == sorted(vars(fresh))
    fresh_policies = {node.id: node for node in fresh.policies.values()}
    assert set(fresh_policies) == {node.id for node in model.policies.values()}
    for node in model.policies.values():
        twin = fresh_policies[node.id]
        assert sorted(vars(node)) == sorted(vars(twin)), node.id
        if node.document is not None:
            assert sorted(vars(node.document)) == sorted(vars(twin.document)), node.id
            for statement, other in zip(node.document.statements, twin.document.statements):
                assert sorted(vars(statement)) == sorted(vars(other)), node.id
    loaded = {(r.file, r.address, r.source): r for r in engine.load_resources([SAMPLES], Settings()).resources}
    for resource in model.all_resources:
        twin = loaded.get((resource.file, resource.address, resource.source))
        if twin is not None:
            assert sorted(vars(resource)) == sorted(vars(twin)), resource.address
    # what the checks derived is in the scan's analysis instead
    assert result.analysis.model is model
    assert result.analysis._escalation is not None and result.analysis._allow_statements
    # no module of iacguard keeps the model, its analysis or anything keyed by them
    from iacguard.iam import escalation

    assert not hasattr(escalation, "_ANALYSES") and not hasattr(escalation, "analysis_for")
    for module in _iacguard_modules():
        for name, value in vars(module).items():
            if name.startswith("__"):
                continue
            assert not _holds(value, model), f"{module.__name__}.{name}"
            assert not _holds(value, result.analysis), f"{module.__name__}.{name}"


def test_the_model_is_released_with_the_result(at_root):
    import gc

    result = engine.scan([SAMPLES], Settings())
    model = weakref.ref(result.model)
    del result
    gc.collect()
    assert model() is None  # nothing global (a cache keyed by the model) keeps it alive


def _report_json(capsys, path: str) -> dict:
    capsys.readouterr()
    cli.main(["scan", path, "--format", "json"])
    return json.loads(capsys.readouterr().out)


def test_scans_of_different_inputs_in_one_process_match_separate_processes(at_root, capsys):
    separate = {path: scan_json(path)[0] for path in INPUTS}
    # each input after the others, and the first once more at the end: nothing carries over
    for path in INPUTS + INPUTS[:1]:
        assert _report_json(capsys, path) == separate[path], path
    for path in INPUTS:
        result = engine.scan([path], Settings())
        assert sorted(json.dumps(f.as_dict(), sort_keys=True) for f in result.findings) == \
            sorted(json.dumps(f, sort_keys=True) for f in separate[path]["findings"]), path


_HOOK_EVENTS = ("resource_role_stringified.json", "resource_bucket_policy.json")

_FRESH_HOOK = """\
import json, sys
from iacguard.integrations import cfn_hook
event = json.loads(open(sys.argv[1]).read())
print(json.dumps(cfn_hook.handler(event, None), sort_keys=True))
"""


def test_the_hook_called_twice_in_one_process_matches_fresh_processes(at_root):
    import os

    from iacguard.integrations import cfn_hook

    events = ROOT / "tests" / "fixtures" / "integrations" / "hook_events"
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    for name in ("IACGUARD_SETTINGS", "IACGUARD_CHECKS_DIR", "IACGUARD_DEBUG"):
        environment.pop(name, None)
    fresh = {}
    for name in _HOOK_EVENTS:
        proc = subprocess.run([sys.executable, "-c", _FRESH_HOOK, str(events / name)], capture_output=True,
                              text=True, cwd=ROOT, env=environment, timeout=120)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        fresh[name] = json.loads(proc.stdout)
    assert fresh[_HOOK_EVENTS[0]] != fresh[_HOOK_EVENTS[1]]  # different templates, different verdicts
    for name in _HOOK_EVENTS + _HOOK_EVENTS:  # both, twice, in one warm process
        response = cfn_hook.handler(json.loads((events / name).read_text()), None)
        assert json.loads(json.dumps(response, sort_keys=True)) == fresh[name], name
