"""The scan pipeline: discover -> load -> IAM model -> checks -> findings.

Each stage takes the previous stage's output. Errors in one file never stop the others: they
are collected with file and line and reported beside the findings.
"""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import IacguardError, InputError
from .framework import CheckContext, CheckMeta, Finding, load_checks, severity_rank
from .limits import ScanLimits, time_limit
from .resource import LoadResult, Resource
from .suppress import SUPPRESSION_CHECK, apply_suppressions
from .settings import Settings, check_references, path_inputs


@dataclass
class ScanResult:
    root: Path
    findings: list[Finding] = field(default_factory=list)
    errors: list[IacguardError] = field(default_factory=list)
    unresolved: list[IacguardError] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    checks: dict[str, CheckMeta] = field(default_factory=dict)
    model: Any = None
    # With --diff-base: {"base": REF, "new": n, "worse": n, "unchanged": n, "fixed": n}
    diff: dict | None = None
    baseline: str | None = None  # the baseline file applied, if any
    # Resources loaded by partition workers (their Resource objects stay in the workers)
    resource_count: int = 0

    def add(self, loaded: LoadResult) -> None:
        """What one load unit gave: its resources, its errors and the files it read."""
        self.resources.extend(loaded.resources)
        self.errors.extend(loaded.errors)
        self.files.extend(loaded.files)

    @property
    def resource_total(self) -> int:
        """How many resources were scanned, wherever they were loaded."""
        return len(self.resources) + self.resource_count

    def blocking(self, fail_on: str) -> list[Finding]:
        """Active findings at or above ``fail_on``. Suppressed, baselined and (with --diff-base)
        unchanged findings never block; a broken suppression (the meta check) always does."""
        if fail_on == "none":
            return []
        threshold = severity_rank(fail_on)
        return [f for f in self.findings
                if (severity_rank(f.severity) >= threshold or f.rule_id == SUPPRESSION_CHECK)
                and not f.suppressed and not f.baselined and f.diff != "unchanged"]

    def exit_code(self, settings: Settings) -> int:
        if self.errors or (self.unresolved and not settings.allow_unresolved):
            return 2
        return 1 if self.blocking(settings.fail_on) else 0


def _read_text(path: Path, rel: str) -> str:
    from .loaders.discover import UndecodableText, decode_text

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", file=rel) from None
    try:
        return decode_text(data)
    except UndecodableText as exc:
        raise InputError(exc.message, file=rel, line=exc.line) from None


def load_resources(paths: list[str], settings: Settings, root: Path | None = None,
                   jobs: int | None = 1) -> ScanResult:
    """Discover and load everything under ``paths``.

    ``jobs``: worker processes for loading (1 loads in this process; None picks the CPU count
    when the input is large enough to pay for the processes). Each template, plan or root module
    is loaded on its own, so the result does not depend on how the work was split."""
    result, units = _prepare_units(paths, settings, root)
    return _load_prepared(result, units, jobs)


def _prepare_units(paths: list[str], settings: Settings, root: Path | None) -> tuple[ScanResult, list[tuple]]:
    """Discovery: the ScanResult so far (discovery errors) and the load units, each a template,
    a plan or a root module tree with everything its loader needs (picklable)."""
    from .loaders import discover

    found = discover.discover([Path(p) for p in paths], root=root, max_file_bytes=settings.max_file_size)
    result = ScanResult(root=found.root)
    result.errors.extend(found.errors)
    explicit = {Path(p).resolve() for p in paths if Path(p).is_file()}
    parameters = dict(settings.parameters)
    if settings.parameter_files:
        from .loaders import cloudformation

        for parameter_file in settings.parameter_files:
            try:
                parameters.update(cloudformation.load_parameter_file(parameter_file))
            except IacguardError as exc:
                result.errors.append(exc)

    units: list[tuple] = []
    for path in found.documents:
        units.append(("document", path, discover.relpath(path, found.root),
                      bool(explicit) and path.resolve() in explicit,
                      _path_parameters(settings, path, parameters, result.errors)))
    variables = dict(settings.variables)
    var_files = [Path(v) for v in settings.var_files]
    for directory in _root_modules(found.terraform_dirs, explicit):
        entries = path_inputs(settings, directory)  # settings `paths` entries for this module
        units.append(("terraform", directory, found.terraform_dirs[directory], found.root,
                      {**variables, **{k: v for e in entries for k, v in e.get("variables", {}).items()}},
                      var_files + [Path(v) for e in entries for v in e.get("var_files", ())]))

    limits = ScanLimits.from_settings(settings)
    return result, [unit + (limits,) for unit in units]  # last element of every unit: its limits


def _load_prepared(result: ScanResult, units: list[tuple], jobs: int | None) -> ScanResult:
    from .progress import Progress

    progress = Progress(len(units), label="iacguard: loading")
    try:
        loaded_units = _load_units(units, jobs, progress.advance)
    finally:
        progress.close()
    for loaded in loaded_units:
        result.add(loaded)
    result.files = sorted(set(result.files))
    return result


# Below this much Terraform, starting worker processes costs more than it saves (measured with
# bench/run.py on 2 CPUs: about 2 MB of .tf files is where two workers start to win).
PARALLEL_MIN_BYTES = 2 * 1024 * 1024
# Batches per worker: enough to balance uneven units, few enough to keep pickling overhead low.
_BATCHES_PER_WORKER = 4


def available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # respects taskset/cgroup CPU pinning
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _unit_bytes(unit: tuple) -> int:
    files = unit[2] if unit[0] == "terraform" else [unit[1]]
    total = 0
    for file in files:
        try:
            total += os.stat(file).st_size
        except OSError:
            pass
    return total


def _load_here(units: list[tuple], advance: Callable[[int], None]) -> list[LoadResult]:
    loaded = []
    for unit in units:
        loaded.append(_load_unit(unit))
        _stage_done()  # each loaded unit lives until the scan ends: keep it out of full collections
        advance(1)
    return loaded


def _load_units(units: list[tuple], jobs: int | None,
                advance: Callable[[int], None] = lambda count: None) -> list[LoadResult]:
    """Load every unit, in this process or across ``jobs`` processes; results in unit order.

    Terraform modules go to the workers: HCL costs several times more per line than YAML or JSON
    (bench/run.py's loader throughput), while sending a loaded template back costs about as much
    as loading it again. CloudFormation templates and plans load here meanwhile."""
    remote = [i for i, unit in enumerate(units) if unit[0] == "terraform"]
    if len(remote) < 2 or jobs == 1:
        return _load_here(units, advance)
    sizes = {i: _unit_bytes(units[i]) for i in remote}
    if jobs is None:
        if sum(sizes.values()) < PARALLEL_MIN_BYTES:
            return _load_here(units, advance)
        jobs = available_cpus()
    jobs = min(jobs, len(remote))
    if jobs < 2:
        return _load_here(units, advance)
    batches = _balanced_batches(remote, sizes, jobs * _BATCHES_PER_WORKER)
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    results: list[LoadResult | None] = [None] * len(units)
    remote_set = set(remote)
    try:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(_load_batch, [units[i] for i in batch]) for batch in batches]
            for index, unit in enumerate(units):
                if index not in remote_set:
                    results[index] = _load_unit(unit)
                    advance(1)
            for batch, future in zip(batches, futures):
                for index, loaded in zip(batch, future.result()):
                    results[index] = loaded
                advance(len(batch))
    except (OSError, BrokenProcessPool, NotImplementedError):
        # No usable process pool here (sandbox without semaphores, a killed worker): the same
        # work in this process gives the same result.
        return [result if result is not None else _load_unit(unit) for unit, result in zip(units, results)]
    return results  # type: ignore[return-value]


def _balanced_batches(indices: Any, weights: dict[int, int], count: int) -> list[list[int]]:
    """At most ``count`` non-empty batches of ``indices``: the largest first into the currently
    lightest batch, so no worker is left with the tail."""
    indices = list(indices)
    batches: list[list[int]] = [[] for _ in range(min(len(indices), count))]
    load = [0] * len(batches)
    for index in sorted(indices, key=lambda i: (-weights[i], i)):
        lightest = load.index(min(load))
        batches[lightest].append(index)
        load[lightest] += weights[index] + 1
    return [batch for batch in batches if batch]


def _load_batch(units: list[tuple]) -> list[LoadResult]:
    """Worker entry point: what ``_load_unit`` returns for each unit (pickled back)."""
    return [_load_unit(unit) for unit in units]


def _load_unit(unit: tuple) -> LoadResult:
    kind, *args, limits = unit
    if kind == "terraform":
        from .loaders.discover import relpath

        label = relpath(args[0], args[2])  # the root module directory
    else:
        label = args[1]
    try:
        with time_limit(limits.max_seconds_per_file, label):
            return _load_unit_unbounded(kind, args, limits)
    except IacguardError as exc:
        return LoadResult(errors=[exc])
    except (RecursionError, MemoryError) as exc:
        # this one file is lost, not the run: every other file is still reported
        return LoadResult(errors=[InputError(f"too large or too deeply nested to read ({type(exc).__name__}); "
                                             "lower it below the limits in the README", file=label)])
    except Exception as exc:  # noqa: BLE001 - a loader bug loses this file (exit 2), not the run
        if os.environ.get("IACGUARD_DEBUG"):
            raise
        return LoadResult(errors=[InputError(f"internal error while reading this file: {type(exc).__name__}: "
                                             f"{exc} (set IACGUARD_DEBUG=1 for details)", file=label)])


def _load_unit_unbounded(kind: str, args: list, limits: ScanLimits) -> LoadResult:
    if kind == "document":
        return _load_document(*args, limits=limits)
    from .loaders import terraform

    directory, files, scan_root, variables, var_files = args
    return terraform.load_module_tree(directory, files, scan_root, variables=variables, var_files=var_files,
                                      max_module_depth=limits.max_module_depth,
                                      max_instances=limits.max_instances,
                                      max_nesting_depth=limits.max_nesting_depth)


# What a named file can be, for the error when it is none of them.
_EXPECTED = ("expected a CloudFormation template (a Resources mapping whose entries have a Type, or "
             "AWSTemplateFormatVersion), a Terraform plan (terraform show -json), a .tf or a .tfvars file")


def _load_document(path: Path, rel: str, explicit: bool, parameters: dict,
                   limits: ScanLimits = ScanLimits()) -> LoadResult:
    """Parse a file discovery kept and load it as what its parsed top level says it is: a plan
    or a CloudFormation template. Anything else is dropped in a directory scan (a Kubernetes
    manifest is not ours) and an error when the file was named."""
    from .loaders import cloudformation, plan

    try:
        data = cloudformation.parse_document(_read_text(path, rel), rel, max_depth=limits.max_nesting_depth,
                                             max_alias_nodes=limits.max_alias_nodes)
    except IacguardError as exc:
        return LoadResult(errors=[exc])
    if plan.looks_like_plan(data):
        loaded = plan.load_plan(data, rel, config_values=True)
    elif cloudformation.looks_like_cloudformation(data):
        loaded = cloudformation.build_resources(data, rel, parameters=parameters, template_values=True)
    elif not explicit:
        return LoadResult()
    elif data is None:
        return LoadResult(errors=[InputError(f"file is empty; {_EXPECTED}", file=rel)])
    elif isinstance(data, dict) and "format_version" in data and "values" in data:
        return LoadResult(errors=[InputError(f"a Terraform state is not scanned; {_EXPECTED}", file=rel)])
    else:
        return LoadResult(errors=[InputError(f"not a template or plan iacguard reads; {_EXPECTED}", file=rel)])
    return LoadResult(loaded.resources, loaded.errors, [rel])


def _path_parameters(settings: Settings, path: Path, parameters: dict, errors: list) -> dict:
    """CloudFormation parameters for one template: the global ones, then its settings `paths`
    entries (their parameter files, then their inline parameters)."""
    entries = [e for e in path_inputs(settings, path) if e.get("parameter_files") or e.get("parameters")]
    if not entries:
        return parameters
    from .loaders import cloudformation

    merged = dict(parameters)
    for entry in entries:  # least specific first: the most specific entry wins
        for parameter_file in entry.get("parameter_files", ()):
            try:
                merged.update(cloudformation.load_parameter_file(parameter_file))
            except IacguardError as exc:
                if not any(str(e) == str(exc) for e in errors):
                    errors.append(exc)
        merged.update(entry.get("parameters", {}))
    return merged


def _root_modules(dirs: dict[Path, list[Path]], explicit: set[Path]) -> list[Path]:
    """Directories that are not only called as local modules by another scanned directory.

    A module directory is analysed through its callers (with their inputs); scanning it again
    on its own would report its resources twice and without the values its callers pass.
    """
    called: set[Path] = set()
    calls: dict[Path, set[Path]] = {}
    resolved: dict[Path, Path] = {}

    def real(path: Path) -> Path:  # each directory is resolved once, not once per use
        found = resolved.get(path)
        if found is None:
            found = resolved[path] = path.resolve()
        return found

    from .loaders.discover import local_module_sources

    for directory, files in dirs.items():
        for file in files:
            json_syntax = file.name.endswith(".tf.json")
            if not json_syntax and file.suffix != ".tf":
                continue
            try:
                text = file.read_text(encoding="utf-8-sig", errors="replace")
            except OSError:
                continue
            # only real module calls count: a commented-out call must not hide its directory
            for source in local_module_sources(text, json_syntax):
                target = real(directory / source)
                if target != real(directory):
                    called.add(target)
                    calls.setdefault(real(directory), set()).add(target)
    explicit_dirs = {p.parent for p in explicit}
    roots = [d for d in sorted(dirs) if real(d) not in called or real(d) in explicit_dirs]
    # Modules that only call each other in a cycle have no caller outside it: load the first
    # of each such group as a root (its loader reports the cycle) instead of never.
    reached: set[Path] = set()
    for directory in roots + sorted(dirs):
        if real(directory) in reached:
            continue
        if directory not in roots:
            roots.append(directory)
        pending = [real(directory)]
        while pending:
            current = pending.pop()
            if current not in reached:
                reached.add(current)
                pending.extend(calls.get(current, ()))
    return sorted(roots)


def run_checks(result: ScanResult, settings: Settings) -> None:
    result.checks = load_checks(settings.checks_dirs)
    check_references(settings, result.checks)
    result.model = _analyse(result, result.resources, settings, result.checks)
    _finish(result)


def _analyse(result: ScanResult, resources: list[Resource], settings: Settings, checks: dict) -> Any:
    """Model ``resources`` and run the enabled checks on them; findings, unreadable policies and
    unresolved values go into ``result``. Returns the model."""
    from .iam.model import IamModel

    model = IamModel(resources)
    _stage_done()
    for unresolved in model.unresolved:
        result.unresolved.append(InputError(unresolved.message, file=unresolved.resource.file, line=unresolved.line))
    from .failclosed import unreadable_policy_errors

    result.errors.extend(unreadable_policy_errors(model))  # never a silent pass on dropped content
    findings: list[Finding] = []
    for meta in checks.values():
        if not settings.check_enabled(meta.id, meta.family):
            continue
        sink: list[Finding] = []
        meta.func(CheckContext(meta, model, settings, sink))
        override = settings.severity_overrides.get(meta.id)
        for finding in sink:
            if override:
                finding.severity = override
        findings.extend(sink)
    findings = _dedupe(findings)
    apply_suppressions(findings, resources, checks)
    from .redact import redact_value, redact_text

    for finding in findings:  # here, so that partition workers share the work
        finding.message = redact_text(finding.message)
        if finding.evidence is not None:
            finding.evidence = redact_value(finding.evidence)
    result.findings.extend(findings)
    return model


def _finish(result: ScanResult) -> None:
    """The order every report relies on, and secrets masked, whichever way the work was split."""
    result.findings = _dedupe(result.findings)
    result.findings.sort(key=lambda f: (f.file, f.line, f.rule_id, f.resource, f.fingerprint))
    result.errors.sort(key=lambda e: (e.file or "", e.line or 0, e.message))
    result.unresolved.sort(key=lambda e: (e.file or "", e.line or 0, e.message))
    from .redact import redact_result

    # credentials quoted from templates never reach a report in full (findings were masked by
    # _analyse already; masking is idempotent)
    redact_result(result, findings=False)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    unique = []
    for finding in findings:
        if finding.fingerprint in seen:
            continue
        seen.add(finding.fingerprint)
        unique.append(finding)
    return unique


def scan(paths: list[str], settings: Settings | None = None, root: Path | None = None,
         jobs: int | None = 1, keep_model: bool = True) -> ScanResult:
    """``jobs`` as in ``load_resources``. With ``keep_model`` (the default), the model and the
    checks run in this process over every loaded resource, and the result keeps the resources
    and the model (the graph, HTML and GitHub reports and --diff-base need them). Without it,
    and with more than one job, each worker loads, models and checks whole groups (templates,
    root module trees, plans: what can refer to each other) and sends back only findings and
    errors, so the checks run in parallel too; the findings are the same."""
    settings = settings or Settings()
    with _long_lived_stages():
        if not keep_model and jobs != 1:
            partitioned = _scan_partitioned(paths, settings, root, jobs)
            if partitioned is not None:
                return partitioned
        result = load_resources(paths, settings, root, jobs=jobs)
        _stage_done()
        run_checks(result, settings)
    return result


# Below this much input (bytes, Terraform weighted as costlier per byte than YAML or JSON),
# a scan is over before forked workers pay for themselves: generated corpora on 2 idle CPUs broke
# even at about 50 files (cost ~340 KB: 0.199 s alone, 0.189 s with two); 100 files (~590 KB)
# were 0.27 s alone, 0.21 s with two.
PARTITION_MIN_COST = 400 * 1024
# How much more a byte of HCL costs to load and evaluate than a byte of YAML or JSON.
_TERRAFORM_COST_FACTOR = 3
# Settings and checks for forked partition workers: inherited through fork, never pickled
# (checks loaded from --checks-dir are not importable by name in a fresh process).
_PARTITION_STATE: tuple[Settings, dict] | None = None


def _unit_cost(unit: tuple) -> int:
    return _unit_bytes(unit) * (_TERRAFORM_COST_FACTOR if unit[0] == "terraform" else 1)


def _scan_partitioned(paths: list[str], settings: Settings, root: Path | None,
                      jobs: int | None) -> ScanResult | None:
    """The whole scan split by group across forked workers; None when it does not pay (small
    input, one CPU, no fork on this platform): the caller then scans in this process."""
    import multiprocessing

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:  # no fork (Windows): spawned workers could not inherit --checks-dir checks
        return None
    result, units = _prepare_units(paths, settings, root)
    costs = [_unit_cost(unit) for unit in units]
    if jobs is None:
        jobs = available_cpus() if sum(costs) >= PARTITION_MIN_COST else 1
    jobs = min(jobs, len(units))
    if jobs < 2:
        _load_prepared(result, units, 1)
        _stage_done()
        run_checks(result, settings)
        return result
    result.checks = load_checks(settings.checks_dirs)
    check_references(settings, result.checks)
    batches = [sorted(batch) for batch in
               _balanced_batches(range(len(units)), dict(enumerate(costs)), jobs * _BATCHES_PER_WORKER)]
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from .progress import Progress

    global _PARTITION_STATE
    parts: list[PartialScan | None] = [None] * len(batches)
    progress = Progress(len(units), label="iacguard: scanning")
    _PARTITION_STATE = (settings, result.checks)
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = [pool.submit(_scan_partition, [units[i] for i in batch]) for batch in batches]
            for number, future in enumerate(futures):
                parts[number] = future.result()
                progress.advance(len(batches[number]))
    except (OSError, BrokenProcessPool, NotImplementedError):
        pass  # no usable process pool (a sandbox without semaphores, a killed worker): below
    finally:
        _PARTITION_STATE = None
    try:
        for number, batch in enumerate(batches):
            if parts[number] is None:  # the same work here gives the same findings
                parts[number] = _scan_partition([units[i] for i in batch], (settings, result.checks))
                progress.advance(len(batch))
    finally:
        progress.close()
    for part in parts:
        assert part is not None
        result.findings.extend(part.findings)
        result.errors.extend(part.errors)
        result.unresolved.extend(part.unresolved)
        result.files.extend(part.files)
        result.resource_count += part.resource_count
    result.files = sorted(set(result.files))
    _finish(result)
    return result


@dataclass
class PartialScan:
    """What a partition worker sends back: never the resources or the model, only what reports
    print."""

    findings: list[Finding]
    errors: list[IacguardError]
    unresolved: list[IacguardError]
    files: list[str]
    resource_count: int


def _scan_partition(units: list[tuple], state: tuple[Settings, dict] | None = None) -> PartialScan:
    """Load, model and check some whole units (worker entry point; also the in-process fallback)."""
    settings, checks = state or _PARTITION_STATE  # type: ignore[misc]
    part = ScanResult(root=Path("."))
    for loaded in _load_here(units, lambda count: None):
        part.add(loaded)
    _analyse(part, part.resources, settings, checks)
    return PartialScan(part.findings, part.errors, part.unresolved, part.files, len(part.resources))


_FREEZING = False


@contextmanager
def _long_lived_stages():
    """What each stage builds (resources, the model) lives until the scan ends. Python's full
    collections re-walk every live object, so they cost more the more is loaded: a corpus of twice
    the size took 2.5x as long. Freezing the finished stages keeps them out of those walks; the
    end of the scan hands them back to the collector. Left alone when the caller froze objects."""
    global _FREEZING
    if _FREEZING or gc.get_freeze_count():
        yield
        return
    _FREEZING = True
    try:
        yield
    finally:
        _FREEZING = False
        gc.unfreeze()


def _stage_done() -> None:
    if _FREEZING:
        gc.freeze()
