"""--jobs: loaded values survive pickling, and a parallel scan gives byte-identical output."""

from __future__ import annotations

import dataclasses
import os
import pickle
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import ROOT, SAMPLES, run_cli

from iacguard import engine
from iacguard.errors import InputError
from iacguard.report import json_report, text
from iacguard.settings import Settings
from iacguard.values import Choice, Encoded, PDict, PList, PStr, Ref, Unknown

sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402  (bench/generate.py: the deterministic corpus)

_VALUE_SLOTS = ("line", "file", "text", "reason", "target", "attr", "key")


def same(a: Any, b: Any, where: str = "$") -> None:
    """Assert two loaded values are equal in type, content and every position attribute."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    for name in _VALUE_SLOTS:
        assert getattr(a, name, None) == getattr(b, name, None), f"{where}.{name}"
    if isinstance(a, Encoded):
        assert str(a) == str(b), where
        same(a.value, b.value, where + ".value")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for index, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{index}]")
    elif isinstance(a, Unknown):
        if isinstance(a, Choice):
            same(a.options, b.options, where + ".options")
        elif not isinstance(a, Ref):  # a Ref's refs is itself
            same(a.refs, b.refs, where + ".refs")
    else:
        assert a == b, where


def roundtrip(value: Any) -> Any:
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def _positioned() -> PDict:
    statement = PDict({"Effect": "Allow", "Action": PList(["s3:GetObject"], line=4)}, line=3)
    doc = PDict({"Version": "2012-10-17", "Statement": PList([statement], line=2)}, line=1)
    doc.file = "policies.tf"
    return doc


VALUES = [
    ("PDict with file", _positioned()),
    ("PList", PList([1, "a", None], line=9)),
    ("PStr", PStr('{"Statement": []}', line=12)),
    ("Unknown", Unknown("var.account_id", reason="variable without default", line=5)),
    ("Unknown with refs", Unknown("${aws_iam_role.a.arn}/x", refs=[Ref("aws_iam_role.a", "arn")])),
    ("Ref", Ref("aws_iam_role.app", "arn")),
    ("Ref keyed", Ref("aws_iam_user.bots", "name", key="build")),
    ("Ref CloudFormation", Ref("AppRole")),
    ("Choice", Choice([Ref("A", "Arn"), "*", PDict({"AWS": "*"}, line=3)], text="Fn::If")),
    ("Encoded", Encoded(_positioned())),
    ("nested", PDict({"policy": Encoded(_positioned()), "x": PList([Unknown("u")], line=2)}, line=1)),
]


@pytest.mark.parametrize("name,value", VALUES, ids=[name for name, _ in VALUES])
def test_values_pickle_with_positions(name, value):
    copy = roundtrip(value)
    same(value, copy)
    if isinstance(value, Ref):
        assert copy.refs == (copy,) and copy.refs[0] is copy
    if isinstance(value, Encoded):
        assert str(copy) == str(value)  # not JSON-encoded a second time


def test_errors_pickle_with_file_and_line():
    copy = roundtrip(InputError("bad thing", file="a.yaml", line=7))
    assert (type(copy), copy.message, copy.file, copy.line, str(copy)) == \
        (InputError, "bad thing", "a.yaml", 7, "a.yaml:7: bad thing")


def _resources(paths: list[str], root: Path) -> list:
    return engine.load_resources(paths, Settings(), root=root, jobs=1).resources


def test_loaded_sample_resources_survive_pickling():
    resources = _resources([str(SAMPLES)], SAMPLES)
    assert len(resources) > 20
    copies = roundtrip(resources)
    for original, copy in zip(resources, copies):
        for f in dataclasses.fields(original):
            same(getattr(original, f.name), getattr(copy, f.name), f"{original.address}.{f.name}")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("corpus")
    generate.write_corpus(directory, 80, 3, clean=True)
    return directory


def _outputs(path: Path, jobs: int | None) -> tuple[str, str, int]:
    settings = Settings()
    result = engine.scan([str(path)], settings, root=path, jobs=jobs)
    return json_report.render(result, settings), text.render(result, settings), result.exit_code(settings)


@pytest.mark.parametrize("jobs", [2, 3])
def test_parallel_scan_is_byte_identical_on_samples(jobs):
    assert _outputs(SAMPLES, jobs) == _outputs(SAMPLES, 1)


def test_parallel_scan_is_byte_identical_on_a_generated_corpus(corpus):
    sequential = _outputs(corpus, 1)
    assert '"findings": [' in sequential[0] and sequential[0].count('"rule_id"') > 3
    assert _outputs(corpus, 2) == sequential


def test_units_are_split_and_reassembled_in_order(corpus):
    """More workers than batches, uneven unit sizes: the order must still be the unit order."""
    sequential = engine.load_resources([str(corpus)], Settings(), root=corpus, jobs=1)
    parallel = engine.load_resources([str(corpus)], Settings(), root=corpus, jobs=4)
    assert [r.address + r.file for r in parallel.resources] == [r.address + r.file for r in sequential.resources]
    assert parallel.files == sequential.files
    assert [str(e) for e in parallel.errors] == [str(e) for e in sequential.errors]


class _NoPool:
    def __init__(self, *args, **kwargs):
        raise AssertionError("a process pool was started")


def test_auto_jobs_stays_in_process_for_small_input(monkeypatch):
    import concurrent.futures

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", _NoPool)
    assert _outputs(SAMPLES, None) == _outputs(SAMPLES, 1)


def test_auto_jobs_uses_workers_above_the_threshold(monkeypatch, corpus):
    import concurrent.futures

    started = []

    class Recording(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, max_workers=None, **kwargs):
            started.append(max_workers)
            super().__init__(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Recording)
    monkeypatch.setattr(engine, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(engine, "available_cpus", lambda: 2)
    assert _outputs(corpus, None) == _outputs(corpus, 1)
    assert started == [2]


def test_falls_back_to_one_process_when_no_pool_can_start(monkeypatch):
    import concurrent.futures

    class Unavailable:
        def __init__(self, *args, **kwargs):
            raise OSError("no semaphores in this sandbox")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Unavailable)
    assert _outputs(SAMPLES, 2) == _outputs(SAMPLES, 1)


def test_broken_files_are_reported_the_same_in_parallel(tmp_path):
    (tmp_path / "ok.yaml").write_text("Resources:\n  R:\n    Type: AWS::IAM::User\n")
    (tmp_path / "broken.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n")
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text('resource "aws_iam_user" "u" {\n  name = \n')
    (tmp_path / "plan.json").write_text('{"format_version": "1.2", "planned_values": {,}}')
    sequential = _outputs(tmp_path, 1)
    assert _outputs(tmp_path, 3) == sequential
    assert sequential[2] == 2 and "broken.yaml" in sequential[0] and "main.tf" in sequential[0]


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_cli_rejects_bad_jobs(value):
    proc = run_cli("scan", str(SAMPLES), "--jobs", value)
    assert proc.returncode == 2 and "--jobs" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_jobs_output_identical():
    one = run_cli("scan", str(SAMPLES / "cloudformation"), str(SAMPLES / "terraform"), "--format", "json", "-j", "1")
    two = run_cli("scan", str(SAMPLES / "cloudformation"), str(SAMPLES / "terraform"), "--format", "json", "-j", "2")
    assert one.returncode == two.returncode and one.returncode in (0, 1)
    assert one.stdout == two.stdout and one.stdout.startswith("{")


# --- partitioned scans: workers load, model and check whole groups --------------------------

_ALL_FORMATS = ("json_report", "text", "sarif", "junit")


def _rendered(path: Path, jobs: int | None, keep_model: bool, settings: Settings | None = None) -> tuple:
    import importlib

    settings = settings or Settings()
    result = engine.scan([str(path)], settings, root=path, jobs=jobs, keep_model=keep_model)
    return tuple(importlib.import_module(f"iacguard.report.{name}").render(result, settings)
                 for name in _ALL_FORMATS) + (result.exit_code(settings),)


@pytest.mark.parametrize("jobs", [2, 3])
def test_partitioned_scan_is_byte_identical_on_samples(jobs):
    assert _rendered(SAMPLES, jobs, keep_model=False) == _rendered(SAMPLES, 1, keep_model=True)


def test_partitioned_scan_is_byte_identical_on_a_generated_corpus(corpus):
    sequential = _rendered(corpus, 1, keep_model=True)
    assert sequential[0].count('"rule_id"') > 3
    assert _rendered(corpus, 2, keep_model=False) == sequential


def test_partitioned_scan_keeps_no_resources_and_counts_them(corpus):
    whole = engine.scan([str(corpus)], Settings(), root=corpus, jobs=1)
    split = engine.scan([str(corpus)], Settings(), root=corpus, jobs=2, keep_model=False)
    assert split.resources == [] and split.model is None
    # copies of a template built again with switched feature flags are not counted again
    counted = [r for r in whole.resources if not r.copy]
    assert split.resource_total == whole.resource_total == len(counted) > 100


def test_every_check_judges_within_one_group():
    """The contract partitioned scans rely on: scanning each template, plan and root module tree
    on its own finds exactly what scanning them all together finds (every per-check sample)."""
    settings = Settings()
    whole = engine.scan([str(SAMPLES)], settings, root=SAMPLES, jobs=1)
    result, units, planner = engine._prepare_units([str(SAMPLES)], settings, SAMPLES)
    checks = engine.load_checks(settings.checks_dirs)
    alone = []
    scanned = 0
    while units:  # Terraform roots that only loading reveals come in later rounds
        for unit in units:
            part = engine._scan_partition([unit], engine.PartitionState(settings, checks))
            alone.extend(part.findings)
            planner.record(part.modules)
        scanned += len(units)
        units = planner.next_units()
    key = lambda f: (f.file, f.line, f.rule_id, f.resource, f.fingerprint, f.message, f.severity)  # noqa: E731
    assert scanned > 200
    assert sorted(map(key, engine._not_repeated_through_callers(engine._dedupe(alone)))) == \
        sorted(map(key, whole.findings))


def test_partitioned_errors_are_the_same(tmp_path):
    (tmp_path / "ok.yaml").write_text("Resources:\n  R:\n    Type: AWS::IAM::User\n")
    (tmp_path / "broken.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n")
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text('resource "aws_iam_user" "u" {\n  name = \n')
    (tmp_path / "plan.json").write_text('{"format_version": "1.2", "planned_values": {,}}')
    (tmp_path / "unresolved.tf").write_text(
        'variable "doc" {}\nresource "aws_iam_policy" "p" {\n  policy = var.doc\n}\n'
        'provider "aws" {\n  region = "eu-west-1"\n}\n')  # applied as it stands: var.doc is unresolved
    sequential = _rendered(tmp_path, 1, keep_model=True)
    assert _rendered(tmp_path, 3, keep_model=False) == sequential
    assert sequential[-1] == 2 and "broken.yaml" in sequential[0] and "could not be resolved" in sequential[0]


def test_partitioned_scan_falls_back_to_one_process(monkeypatch, corpus):
    import concurrent.futures

    class Unavailable:
        def __init__(self, *args, **kwargs):
            raise OSError("no semaphores in this sandbox")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Unavailable)
    assert _rendered(corpus, 2, keep_model=False) == _rendered(corpus, 1, keep_model=True)


def test_partitioned_auto_jobs_stays_in_process_for_small_input(monkeypatch, tmp_path):
    import concurrent.futures

    # two groups: once the first is scanned, one is left, and one group cannot be split
    (tmp_path / "a.yaml").write_text("Resources:\n  U:\n    Type: AWS::IAM::User\n")
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text('resource "aws_iam_user" "u" {\n  name = "u"\n}\n')
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", _NoPool)
    monkeypatch.setattr(engine, "available_cpus", lambda: 2)
    monkeypatch.setattr(engine, "_CALIBRATION_SECONDS", 0.0)
    monkeypatch.setattr(engine, "_FORK_COST_SECONDS", 0.0)
    assert _rendered(tmp_path, None, keep_model=False) == _rendered(tmp_path, 1, keep_model=True)


@pytest.mark.parametrize(("cpus", "spent", "done", "rest", "forks"), [
    (2, 0.10, 1000, [1000, 1000], True),    # 0.1 s per 1000: 0.1 s saved by splitting 2 x 0.1 s
    (2, 0.10, 1000, [200, 200], False),     # 0.02 s saved: less than starting workers costs
    (2, 0.10, 1000, [4000, 100, 100], False),  # the largest group alone takes as long as all of it
    (2, 0.10, 1000, [4000, 3000, 1000], True),  # 0.8 s of work, the longest share 0.4 s
    (1, 0.10, 1000, [1000, 1000], False),   # one CPU
    (2, 0.10, 1000, [100000], False),       # one group left cannot be split
    (2, 0.01, 100, [100000, 100000], False),  # not calibrated yet: too little time measured
    (2, 0.05, 0, [100000, 100000], False),  # nothing finished yet to measure a rate on
    (4, 0.10, 1000, [1000, 1000, 1000, 1000], True),
])
def test_pacer_forks_only_when_the_projected_saving_pays_for_the_workers(cpus, spent, done, rest, forks):
    pacer = engine._Pacer(cpus)
    pacer.spent, pacer.done_cost = spent, done
    assert pacer._worth_forking(rest) is forks


def test_pacer_scans_the_smallest_groups_here_then_forks_for_the_rest(monkeypatch, corpus):
    import concurrent.futures

    started: list[int] = []
    forked: list[list[str]] = []
    scan_round = engine._scan_round

    class Recording(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, max_workers=None, **kwargs):
            started.append(max_workers)
            super().__init__(max_workers=max_workers, **kwargs)

    def recorded(units, *args, **kwargs):
        forked.append([unit.label for unit in units])
        return scan_round(units, *args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Recording)
    monkeypatch.setattr(engine, "_scan_round", recorded)
    monkeypatch.setattr(engine, "available_cpus", lambda: 2)
    monkeypatch.setattr(engine, "_CALIBRATION_SECONDS", 0.0)  # calibrated after the first group
    monkeypatch.setattr(engine, "_FORK_COST_SECONDS", 0.0)  # and any saving pays
    result, units, planner = engine._prepare_units([str(corpus)], Settings(), corpus)
    order = sorted(units, key=lambda unit: engine._unit_cost(unit, planner))
    assert _rendered(corpus, None, keep_model=False) == _rendered(corpus, 1, keep_model=True)
    # the first round: everything but the smallest group went to two forked workers
    assert sorted(forked[0]) == sorted(unit.label for unit in order[1:]) and started[0] == 2


def test_a_root_costs_the_modules_it_calls(tmp_path):
    """An example that calls its repository's module evaluates that module: its cost counts it,
    so a repository of small examples around one large module is split across workers."""
    module = tmp_path / "modules" / "big"
    module.mkdir(parents=True)
    (module / "main.tf").write_text('resource "aws_iam_user" "u" {\n  name = "u"\n}\n' * 200)
    for name in ("one", "two"):
        (tmp_path / "examples" / name).mkdir(parents=True)
        (tmp_path / "examples" / name / "main.tf").write_text(
            'module "big" {\n  source = "../../modules/big"\n}\n')
    result, units, planner = engine._prepare_units([str(tmp_path)], Settings(), tmp_path)
    costs = {unit.label: engine._unit_cost(unit, planner) for unit in units}
    module_bytes = (module / "main.tf").stat().st_size
    example_bytes = (tmp_path / "examples" / "one" / "main.tf").stat().st_size
    assert costs == {
        f"examples{os.sep}one": (module_bytes + example_bytes) * engine._TERRAFORM_COST_FACTOR + engine._UNIT_COST,
        f"examples{os.sep}two": (module_bytes + example_bytes) * engine._TERRAFORM_COST_FACTOR + engine._UNIT_COST,
    }


def test_a_serverless_template_costs_more_than_plain_cloudformation(tmp_path):
    plain = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {}\n"
    serverless = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
    (tmp_path / "plain.yaml").write_text(plain)
    (tmp_path / "sam.yaml").write_text(serverless)
    result, units, planner = engine._prepare_units([str(tmp_path)], Settings(), tmp_path)
    costs = {unit.label: engine._unit_cost(unit, planner) for unit in units}
    assert costs == {"plain.yaml": len(plain) + engine._UNIT_COST,
                     "sam.yaml": len(serverless) * engine._SERVERLESS_COST_FACTOR + engine._UNIT_COST}


def test_partitioned_auto_jobs_uses_every_cpu_above_the_threshold(monkeypatch, corpus):
    import concurrent.futures

    started = []

    class Recording(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, max_workers=None, **kwargs):
            started.append(max_workers)
            super().__init__(max_workers=max_workers, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Recording)
    monkeypatch.setattr(engine, "_CALIBRATION_SECONDS", 0.0)
    monkeypatch.setattr(engine, "_FORK_COST_SECONDS", 0.0)
    monkeypatch.setattr(engine, "available_cpus", lambda: 2)
    assert _rendered(corpus, None, keep_model=False) == _rendered(corpus, 1, keep_model=True)
    assert started == [2]


def test_cli_custom_checks_run_in_parallel_workers(tmp_path):
    """Checks from --checks-dir reach forked workers without being importable by name."""
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "acme.py").write_text('''
from iacguard.checks_api import check

@check("ACME-002", family="guardrails", severity="high", title="Users are counted",
       why="Test check.", fix="None.")
def every_user(ctx):
    """Every IAM user."""
    for principal in ctx.model.principals.values():
        if principal.kind == "user":
            ctx.report(principal.resource, f"{principal.address} is a user")
''')
    args = ("scan", str(SAMPLES / "cloudformation"), str(SAMPLES / "terraform"), "--checks-dir", str(checks),
            "--format", "json")
    one = run_cli(*args, "-j", "1")
    two = run_cli(*args, "-j", "2")
    assert one.stdout == two.stdout and one.returncode == two.returncode
    assert one.stdout.count('"ACME-002"') >= 2 and "Traceback" not in two.stderr


@pytest.mark.parametrize("fmt", ["html", "github"])
def test_graph_reports_keep_the_model_with_jobs(fmt):
    args = ("scan", str(SAMPLES / "cloudformation"), str(SAMPLES / "terraform"), "--format", fmt)
    assert run_cli(*args, "-j", "2").stdout == run_cli(*args, "-j", "1").stdout


def test_a_scan_collects_garbage_less_often_and_restores_the_collector(monkeypatch):
    import gc

    seen = []
    analyse = engine._analyse_bounded

    def recording(*args, **kwargs):
        seen.append(gc.get_threshold())
        return analyse(*args, **kwargs)

    monkeypatch.setattr(engine, "_analyse_bounded", recording)
    before = gc.get_threshold()
    engine.scan([str(SAMPLES / "terraform")], Settings(), root=SAMPLES / "terraform", jobs=1)
    assert seen == [engine._SCAN_GC_THRESHOLDS] and gc.get_threshold() == before and not gc.get_freeze_count()


def test_a_value_a_plan_marks_sensitive_is_masked_in_every_group_however_the_scan_is_split(monkeypatch, tmp_path):
    """The plan marks the external id sensitive; a Terraform root beside it writes the same id
    in a trust policy. Its finding quotes it masked, with one process, two, or the default."""
    import shutil

    shutil.copy(ROOT / "tests" / "fixtures" / "plan" / "formats" / "sensitive.plan.json", tmp_path / "plan.json")
    (tmp_path / "partner").mkdir()
    (tmp_path / "partner" / "main.tf").write_text('''resource "aws_iam_role" "partner" {
  name = "partner"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::444455556666:root" }
      Condition = { StringEquals = { "sts:ExternalId" = "Xq7-ext-secret-42" } }
    }]
  })
}
''')
    settings = Settings(deploy_accounts=["111122223333"])
    monkeypatch.setattr(engine, "available_cpus", lambda: 2)
    monkeypatch.setattr(engine, "_CALIBRATION_SECONDS", 0.0)
    monkeypatch.setattr(engine, "_FORK_COST_SECONDS", 0.0)
    one = _rendered(tmp_path, 1, keep_model=True, settings=settings)
    assert _rendered(tmp_path, 2, keep_model=False, settings=settings) == one
    assert _rendered(tmp_path, None, keep_model=False, settings=settings) == one
    report = one[0]
    assert '"resource": "aws_iam_role.partner"' in report and "partner/main.tf" in report.replace("\\\\", "/")
    assert "Xq7-ext-secret-42" not in "".join(map(str, one)) and report.count("(sensitive)") >= 2


def test_every_fixture_together_gives_the_same_report_in_one_process_and_split():
    """All of tests/fixtures in one scan: groups of every kind side by side, so that anything
    one group's analysis leaks into another's (a sensitive value, a shared cache) shows."""
    fixtures = ROOT / "tests" / "fixtures"
    args = ("scan", str(fixtures), "--format", "json", "--allow-unresolved")
    one = run_cli(*args, "--jobs", "1")
    two = run_cli(*args, "--jobs", "2")
    assert one.stdout.count('"rule_id"') > 1000
    assert (two.stdout, two.returncode) == (one.stdout, one.returncode)
