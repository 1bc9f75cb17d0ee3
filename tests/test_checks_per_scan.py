"""Each scan runs the built-in checks and those of the directories it names, nothing that an
earlier scan in the same process loaded: the warm CloudFormation hook and library users scan many
times in one process."""

from __future__ import annotations

import json
import sys

import pytest

from helpers import ROOT, run_cli, scan_json
from iacguard import cli, engine
from iacguard.errors import UsageError
from iacguard.framework import load_checks, registered_checks
from iacguard.settings import Settings

TEMPLATE = "tests/fixtures/check_samples/cloudformation/admin_and_public.yaml"

CHECK = '''\
"""{id}: every resource, to see which scans run this check."""

from iacguard.checks_api import check


@check(
    "{id}",
    family="guardrails",
    severity="low",
    title="Resource seen by {id}",
    why="""Tells which scans ran the checks of this directory.""",
    fix="""Nothing to fix.""",
    controls=("test",),
)
def {name}(ctx):
    """Reports each resource of the scan."""
    for resource in ctx.model.all_resources:
        ctx.report(resource, f"{{resource.address}}: {message}", key="seen")
'''


def write_check(directory, check_id: str, message: str = "seen"):
    directory.mkdir(exist_ok=True)
    name = check_id.lower().replace("-", "_")
    (directory / f"{name}.py").write_text(CHECK.format(id=check_id, name=name, message=message))
    return directory


def findings(report: dict) -> list[tuple]:
    return sorted((f["rule_id"], f["resource"], f["line"]) for f in report["findings"])


def rule_ids(report: dict) -> set[str]:
    return {f["rule_id"] for f in report["findings"]}


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    monkeypatch.delenv("IACGUARD_CHECKS_DIR", raising=False)
    monkeypatch.chdir(ROOT)
    return write_check(tmp_path / "x", "XCHK-001"), write_check(tmp_path / "y", "YCHK-001")


def test_scans_in_one_process_match_separate_processes(dirs, capsys):
    x, y = dirs
    runs = {"A": ["--checks-dir", str(x)], "B": ["--checks-dir", str(y)], "C": []}
    separate = {name: scan_json(TEMPLATE, *extra)[0] for name, extra in runs.items()}
    in_process = {}
    for name, extra in runs.items():  # A, then B, then C: the CLI's entry point, called here
        capsys.readouterr()
        cli.main(["scan", TEMPLATE, *extra, "--format", "json"])
        in_process[name] = json.loads(capsys.readouterr().out)
    library = {}
    for name, checks_dirs in (("A", [str(x)]), ("B", [str(y)]), ("C", [])):
        result = engine.scan([TEMPLATE], Settings(checks_dirs=checks_dirs))
        library[name] = sorted((f.rule_id, f.resource, f.line) for f in result.findings)
        assert ("XCHK-001" in result.checks) == (name == "A")
        assert ("YCHK-001" in result.checks) == (name == "B")
    for name in runs:
        assert findings(in_process[name]) == findings(separate[name]), name
        assert library[name] == findings(separate[name]), name
    assert "XCHK-001" in rule_ids(separate["A"]) and "YCHK-001" in rule_ids(separate["B"])
    for name, report in in_process.items():
        assert ("XCHK-001" in rule_ids(report)) == (name == "A"), name
        assert ("YCHK-001" in rule_ids(report)) == (name == "B"), name
    assert rule_ids(separate["C"]) == rule_ids(separate["A"]) - {"XCHK-001"}


def test_load_checks_returns_a_new_set_per_call(dirs):
    x, y = dirs
    builtin = load_checks()
    with_x = load_checks([x])
    assert set(with_x) == set(builtin) | {"XCHK-001"}
    assert set(load_checks([y])) == set(builtin) | {"YCHK-001"}
    assert set(load_checks()) == set(builtin)
    assert set(registered_checks()) == set(builtin)  # outside a scan: the built-in checks
    assert load_checks() is not load_checks()
    # built-in modules are imported once: the same check functions every time
    assert all(load_checks()[i].func is meta.func for i, meta in builtin.items())
    assert with_x["XCHK-001"].origin == "custom" and builtin["IAG-LP-001"].origin == "builtin"
    assert with_x["XCHK-001"].func.iacguard_check is with_x["XCHK-001"]


def test_an_edited_custom_check_is_imported_again(dirs):
    x, _ = dirs
    before = engine.scan([TEMPLATE], Settings(checks_dirs=[str(x)]))
    write_check(x, "XCHK-001", message="seen again, edited")  # another size: no stale bytecode
    after = engine.scan([TEMPLATE], Settings(checks_dirs=[str(x)]))
    assert {f.message.split(": ", 1)[1] for f in before.findings if f.rule_id == "XCHK-001"} == {"seen"}
    assert {f.message.split(": ", 1)[1] for f in after.findings if f.rule_id == "XCHK-001"} == {"seen again, edited"}


def test_a_custom_check_reusing_a_builtin_id_is_a_usage_error(tmp_path, dirs):
    duplicate = write_check(tmp_path / "dup", "IAG-LP-001")
    with pytest.raises(UsageError, match="IAG-LP-001 is defined twice"):
        load_checks([duplicate])
    two = write_check(write_check(tmp_path / "two", "XCHK-002"), "XCHK-003")
    (two / "again.py").write_text((two / "xchk_002.py").read_text())
    with pytest.raises(UsageError, match="XCHK-002 is defined twice"):
        load_checks([two])
    assert "IAG-LP-001" in load_checks() and "XCHK-002" not in load_checks()  # nothing left over
    proc = run_cli("scan", TEMPLATE, "--checks-dir", str(duplicate))
    assert proc.returncode == 2 and "IAG-LP-001 is defined twice" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_same_directory_named_twice_is_loaded_once(dirs):
    x, _ = dirs
    assert set(load_checks([x, str(x), x / "."])) == set(load_checks()) | {"XCHK-001"}


def test_warm_hook_does_not_run_checks_an_earlier_scan_loaded(dirs, monkeypatch):
    from iacguard.integrations import cfn_hook

    from test_cfn_hook import event

    monkeypatch.delenv("IACGUARD_SETTINGS", raising=False)
    monkeypatch.setenv("IACGUARD_FAIL_ON", "low")  # XCHK-001's findings would block
    x, _ = dirs
    scoped = event("resource_bucket_policy.json")
    statement = scoped["requestData"]["targetModel"]["resourceProperties"]["PolicyDocument"]["Statement"][0]
    statement["Principal"] = {"AWS": "arn:aws:iam::111122223333:root"}
    assert cfn_hook.handler(scoped, None)["hookStatus"] == "SUCCESS"
    # a library scan in the same warm process loads XCHK-001, which reports every resource
    assert "XCHK-001" in {f.rule_id for f in engine.scan([TEMPLATE], Settings(checks_dirs=[str(x)])).findings}
    response = cfn_hook.handler(scoped, None)
    assert response["hookStatus"] == "SUCCESS", response
    monkeypatch.setenv("IACGUARD_SETTINGS", "disable: [IAG-GR-000]")  # the next one, other settings
    public = cfn_hook.handler(event("resource_bucket_policy.json"), None)
    assert public["hookStatus"] == "FAILED" and "XCHK-001" not in public["message"]
    assert [a["annotationName"] for a in public["annotations"]] == ["IAG-EXT-001"]


SHARED = '''\
"""A library of checks that check modules import."""

from iacguard.checks_api import check


@check("SHCHK-001", family="guardrails", severity="low", title="Seen by the shared library",
       why="""Tells which scans ran the shared library's check.""", fix="""Nothing to fix.""")
def shared_check(ctx):
    """Reports each resource of the scan."""
    for resource in ctx.model.all_resources:
        ctx.report(resource, f"{resource.address}: shared", key="shared")


def helper():
    return "helper"
'''


@pytest.mark.parametrize("case, importer", [
    ("module", "import iacg_shared_checks_{n}\n"),
    ("name", "from iacg_shared_checks_{n} import helper\n"),
    ("through", "import iacg_middle_{n}\n"),  # a module without checks that imports the library
])
def test_checks_of_an_imported_module_count_in_every_scan(tmp_path, monkeypatch, case, importer):
    number = case  # module names of their own per case: sys.modules outlives a test
    library = tmp_path / "lib"
    library.mkdir()
    (library / f"iacg_shared_checks_{number}.py").write_text(SHARED)
    (library / f"iacg_middle_{number}.py").write_text(f"import iacg_shared_checks_{number}\n")
    monkeypatch.syspath_prepend(str(library))
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "uses_library.py").write_text(importer.format(n=number))
    try:
        for _ in range(3):  # the first import runs the library; the later ones find it imported
            assert "SHCHK-001" in load_checks([checks])
            result = engine.scan([TEMPLATE], Settings(checks_dirs=[str(checks)]))
            assert "SHCHK-001" in {f.rule_id for f in result.findings}
            assert "SHCHK-001" not in load_checks()  # a scan without the directory: not run
        (checks / "uses_library.py").write_text("import json\n")  # no longer imports it
        assert "SHCHK-001" not in load_checks([checks])
    finally:
        for name in (f"iacg_shared_checks_{number}", f"iacg_middle_{number}"):
            sys.modules.pop(name, None)
