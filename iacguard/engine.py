"""The scan pipeline: discover -> load -> IAM model -> checks -> findings.

Each stage takes the previous stage's output. Errors in one file never stop the others: they
are collected with file and line and reported beside the findings.
"""

from __future__ import annotations

import gc
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Union

from .errors import IacguardError, InputError, InternalError, NotAnalysed, internal_error_message
from .framework import SETTINGS_CHECK, CheckContext, CheckMeta, Finding, active_findings, load_checks, running_checks
from .limits import DeadlineExceeded, ScanLimits, deadline, time_limit, time_limit_supported
from .resource import LoadResult, ModuleSeen, Resource
from .suppress import SUPPRESSION_CHECK, apply_suppressions
from .settings import Settings, check_references, is_named_root, path_inputs
from .severity import severity_rank

if TYPE_CHECKING:
    from .loaders.discover import Discovered
    from .progress import Progress

    from .analysis import Analysis
    from .iam.model import IamModel


@dataclass(frozen=True)
class ResourceGroup:
    """Resources that may refer to each other and are judged together: one template, plan or
    root module tree (``label`` names it: its file, or the root module's directory). The
    per-file time limit applies to a group."""

    label: str
    resources: list[Resource]


@dataclass(frozen=True)
class DocumentUnit:
    """A load unit: one CloudFormation template or Terraform plan, with everything its loader
    needs (picklable: it may be sent to a worker process)."""

    path: Path
    rel: str  # relative to the scan root: the name errors give
    explicit: bool  # named on the command line (a file that is neither is an error, not skipped)
    parameters: dict[str, Any]  # CloudFormation parameter values for it
    root: Path
    limits: ScanLimits
    serverless: bool = False  # holds SAM resources: translating them costs several times loading

    @property
    def label(self) -> str:
        return self.rel

    @property
    def sources(self) -> list[Path]:
        return [self.path]


@dataclass(frozen=True)
class TerraformUnit:
    """A load unit: one Terraform root module with the modules it calls (picklable)."""

    directory: Path
    files: list[Path]
    scan_root: Path
    variables: dict[str, Any]
    var_files: list[Path]
    named_root: bool
    repository: Path | None
    limits: ScanLimits

    @property
    def label(self) -> str:
        from .loaders.discover import relpath

        return relpath(self.directory, self.scan_root)

    @property
    def sources(self) -> list[Path]:
        return self.files


LoadUnit = Union[DocumentUnit, TerraformUnit]


@dataclass
class ScanResult:
    """What one scan found: findings, errors, unresolved values and what was read."""

    root: Path
    findings: list[Finding] = field(default_factory=list)
    errors: list[IacguardError] = field(default_factory=list)
    unresolved: list[IacguardError] = field(default_factory=list)
    # (library directory, variable): inputs of libraries that only their callers decide, not
    # unresolved errors (README "How the roots of a scan are chosen")
    library_inputs: list[tuple[str, str]] = field(default_factory=list)
    # Terraform module calls whose code is not on disk (errors.NotAnalysed), unless the settings
    # make them errors (modules_not_on_disk: error)
    not_analysed: list[NotAnalysed] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    checks: dict[str, CheckMeta] = field(default_factory=dict)
    model: IamModel | None = None
    # The analysis of ``model`` the checks used (iacguard.analysis.Analysis): reports reuse it
    analysis: Analysis | None = None
    # With --diff-base: {"base": REF, "new": n, "worse": n, "unchanged": n, "fixed": n}
    diff: dict | None = None
    baseline: str | None = None  # the baseline file applied, if any
    # Resources loaded by partition workers (their Resource objects stay in the workers)
    resource_count: int = 0
    # each template, plan or root module with its resources: what the per-file time limit applies to
    groups: list[ResourceGroup] = field(default_factory=list)
    # files not scanned (relative to root) with why: excluded, not infrastructure, empty, ...
    skipped: dict[str, str] = field(default_factory=dict)
    # directories of tool state or dependencies not walked: name -> how many
    skipped_dirs: dict[str, int] = field(default_factory=dict)
    # values plans mark sensitive, and the addresses of those plans' resources: masked in every
    # finding and error of the scan at its end, whichever process analysed what (redact.py)
    sensitive: set[str] = field(default_factory=set)
    sensitive_public: set[str] = field(default_factory=set)

    def add(self, loaded: LoadResult, group: str | None = None) -> None:
        """What one load unit gave: its resources, its errors and the files it read."""
        self.resources.extend(loaded.resources)
        self.errors.extend(loaded.errors)
        self.unresolved.extend(loaded.unresolved)
        self.not_analysed.extend(loaded.not_analysed)
        self.files.extend(loaded.files)
        self.skip_files(loaded.skipped)
        if group is not None and loaded.resources:
            self.groups.append(ResourceGroup(group, list(loaded.resources)))

    def skip_files(self, files: list[str]) -> None:
        """Walked YAML/JSON files whose parse showed they are neither template nor plan."""
        from .loaders.discover import NOT_INFRASTRUCTURE, is_own_file

        for file in files:
            if not is_own_file(file):
                self.skipped.setdefault(file, NOT_INFRASTRUCTURE)

    def skipped_counts(self) -> dict[str, int]:
        """How many files were not scanned, by reason, most first. A file read after all (a
        local module under an excluded directory, read with the root that calls it) is not
        counted: it was scanned."""
        read = set(self.files)
        counts: dict[str, int] = {}
        for file, reason in self.skipped.items():
            if file not in read:
                counts[reason] = counts.get(reason, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    @property
    def resource_total(self) -> int:
        """How many resources were scanned, wherever they were loaded."""
        return sum(1 for r in self.resources if not r.copy) + self.resource_count

    def blocking(self, fail_on: str) -> list[Finding]:
        """Active findings at or above ``fail_on``. Suppressed, baselined and (with --diff-base)
        unchanged findings never block; a broken suppression and settings weakened since the base
        (the gate's own checks) always do."""
        if fail_on == "none":
            return []
        threshold = severity_rank(fail_on)
        return [f for f in active_findings(self.findings)
                if (severity_rank(f.severity) >= threshold or f.rule_id in (SUPPRESSION_CHECK, SETTINGS_CHECK))
                and f.diff != "unchanged"]

    def libraries(self) -> dict[str, list[str]]:
        """Each library directory with the inputs of its own that only its callers decide."""
        found: dict[str, list[str]] = {}
        for directory, name in sorted(set(self.library_inputs)):
            found.setdefault(directory, []).append(name)
        return found

    def exit_reason(self, settings: Settings) -> str | None:
        """Why the run exits 2, in one line (None when it does not):
        "exit 2: 3 unresolved (inputs without value: var.a, var.b), 1 input error in 1 file"."""
        if self.exit_code(settings) != 2:
            return None
        parts = []
        if self.unresolved and not settings.allow_unresolved:
            missing = sorted({origin.name if origin.kind != "parameter" else f"parameter {origin.name}"
                              for error in self.unresolved for origin in getattr(error, "inputs", None) or ()
                              if origin.kind in ("variable", "parameter")})
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            parts.append(f"{len(self.unresolved)} unresolved ("
                         + (f"inputs without value: {shown}; " if missing else "") + "--allow-unresolved accepts them)")
        if self.errors:
            files = {e.file for e in self.errors if e.file}
            parts.append(f"{len(self.errors)} input error{'s' if len(self.errors) != 1 else ''}"
                         + (f" in {len(files)} file{'s' if len(files) != 1 else ''}" if files else ""))
        return "exit 2: " + ", ".join(parts)

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
                   jobs: int | None = 1, discovered: "Discovered | None" = None) -> ScanResult:
    """Discover and load everything under ``paths``.

    ``jobs``: worker processes for loading (1 loads in this process; None picks the CPU count
    when the input is large enough to pay for the processes). Each template, plan or root module
    is loaded on its own, so the result does not depend on how the work was split.
    ``discovered``: what to load instead of discovering ``paths`` (the pre-commit hook's
    selection of a repository, ``discover.select``)."""
    result, units, planner = _prepare_units(paths, settings, root, discovered)
    try:
        _load_rounds(result, units, planner, jobs)
    finally:
        _forget_parsed_files()
    return result


def _forget_parsed_files() -> None:
    """Free the parsed templates no load took and the parsed Terraform files the loads of a scan
    shared (when any were loaded)."""
    _PARSED_TEMPLATES.clear()
    terraform = sys.modules.get("iacguard.loaders.terraform")
    if terraform is not None:
        terraform.forget_parsed_files()


def _load_rounds(result: ScanResult, units: list[LoadUnit], planner: "_RootPlanner", jobs: int | None) -> None:
    """Load ``units`` into ``result``, then the Terraform roots that what they reached reveals,
    until the planner has none left."""
    while units:
        for loaded in _load_prepared(result, units, jobs):
            planner.record(loaded.modules)
        units = planner.next_units()


def _prepare_units(paths: list[str], settings: Settings, root: Path | None,
                   discovered: "Discovered | None" = None) -> tuple[ScanResult, list[LoadUnit], "_RootPlanner"]:
    """Discovery: the ScanResult so far (discovery errors), the first load units, each a
    template, a plan or a root module tree with everything its loader needs (picklable), and
    the planner that gives the Terraform roots only loading can reveal (``_RootPlanner``)."""
    from .loaders import discover

    from .excludes import Excludes
    from .settings import repository_root

    # patterns are relative to the repository root (a --diff-base scan names its copy of the base)
    repository = Path(settings.repository) if settings.repository else \
        repository_root(Path(paths[0])) if paths else None
    found = discovered or discover.discover([Path(p) for p in paths], root=root,
                                            max_file_bytes=settings.max_file_size,
                                            excludes=Excludes(settings.exclude), repository=repository)
    result = ScanResult(root=found.root, skipped=found.skipped, skipped_dirs=found.skipped_dirs)
    result.errors.extend(found.errors)
    explicit = set() if discovered else {Path(p).resolve() for p in paths if Path(p).is_file()}
    parameters = dict(settings.parameters)
    if settings.parameter_files:
        from .loaders import cloudformation

        for parameter_file in settings.parameter_files:
            try:
                parameters.update(cloudformation.load_parameter_file(parameter_file))
            except IacguardError as exc:
                result.errors.append(exc)

    limits = ScanLimits.from_settings(settings)
    units: list[LoadUnit] = []
    serverless: set[Path] = set()
    for path in _root_templates(found.documents, explicit, limits, serverless, found.root):
        units.append(DocumentUnit(path, discover.relpath(path, found.root),
                                  bool(explicit) and path.resolve() in explicit,
                                  _path_parameters(settings, path, parameters, result.errors), found.root,
                                  limits, path in serverless))
    planner = _RootPlanner(found.terraform_dirs, explicit, settings, found.root, limits)
    return result, units + planner.next_units(), planner


def _terraform_unit(directory: Path, files: list[Path], scan_root: Path, settings: Settings,
                    limits: ScanLimits, repository: Path | None = None) -> TerraformUnit:
    variables, var_files = _terraform_inputs(directory, settings)
    return TerraformUnit(directory, files, scan_root, variables, var_files, is_named_root(settings, directory),
                         repository, limits)


def _terraform_inputs(directory: Path, settings: Settings) -> tuple[dict, list[Path]]:
    """The variables and var-files of a root: the global ones, then the settings `paths` entries
    for this module directory, then the var files given for exactly this directory (the
    pre-commit hook's changed .tfvars)."""
    entries = path_inputs(settings, directory)
    variables = {**settings.variables,
                 **{k: v for e in entries for k, v in e.get("variables", {}).items()}}
    var_files = [Path(v) for v in settings.var_files] + \
        [Path(v) for e in entries for v in e.get("var_files", ())]
    if settings.root_var_files:
        known = {os.path.realpath(v) for v in var_files}
        var_files += [Path(v) for v in settings.root_var_files.get(str(Path(directory).resolve()), ())
                      if os.path.realpath(v) not in known]
    return variables, var_files


def _load_prepared(result: ScanResult, units: list[LoadUnit], jobs: int | None) -> list[LoadResult]:
    """Load ``units`` into ``result``; returns what each unit gave."""
    from .progress import Progress

    progress = Progress(len(units), label="iacguard: loading")
    try:
        loaded_units = _load_units(units, jobs, progress.advance)
    finally:
        progress.close()
    for unit, loaded in zip(units, loaded_units):
        result.add(loaded, unit.label)
    result.files = sorted(set(result.files))
    return loaded_units


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


def _unit_bytes(unit: LoadUnit) -> int:
    return _files_bytes(unit.sources)


def _files_bytes(files: Iterable[Path]) -> int:
    total = 0
    for file in files:
        try:
            total += os.stat(file).st_size
        except OSError:
            pass
    return total


def _load_here(units: list[LoadUnit], advance: Callable[[int], None]) -> list[LoadResult]:
    loaded = []
    for unit in units:
        loaded.append(_load_unit(unit))
        _stage_done()  # each loaded unit lives until the scan ends: keep it out of full collections
        advance(1)
    return loaded


def _load_units(units: list[LoadUnit], jobs: int | None,
                advance: Callable[[int], None] = lambda count: None) -> list[LoadResult]:
    """Load every unit, in this process or across ``jobs`` processes; results in unit order.

    Terraform modules go to the workers: HCL costs several times more per line than YAML or JSON
    (bench/run.py's loader throughput), while sending a loaded template back costs about as much
    as loading it again. CloudFormation templates and plans load here meanwhile."""
    remote = [i for i, unit in enumerate(units) if isinstance(unit, TerraformUnit)]
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


def _balanced_batches(indices: Iterable[int], weights: dict[int, int], count: int) -> list[list[int]]:
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


def _load_batch(units: list[LoadUnit]) -> list[LoadResult]:
    """Worker entry point: what ``_load_unit`` returns for each unit (pickled back)."""
    return [_load_unit(unit) for unit in units]


def _load_unit(unit: LoadUnit) -> LoadResult:
    label = unit.label  # the name errors give it: the template's or plan's file, the root module's directory
    try:
        with time_limit(unit.limits.max_seconds_per_file, label):
            return _load_unit_unbounded(unit)
    except IacguardError as exc:
        return LoadResult(errors=[exc])
    except (RecursionError, MemoryError) as exc:
        # this one file is lost, not the run: every other file is still reported
        return LoadResult(errors=[InputError(f"too large or too deeply nested to read ({type(exc).__name__}); "
                                             "lower it below the limits in the README", file=label)])
    except Exception as exc:  # noqa: BLE001 - a loader bug loses this file (exit 2), not the run
        if os.environ.get("IACGUARD_DEBUG"):
            raise
        return LoadResult(errors=[InternalError(f"internal error while reading this file: {type(exc).__name__}: "
                                                f"{exc} (set IACGUARD_DEBUG=1 for details)", file=label)])


def _load_unit_unbounded(unit: LoadUnit) -> LoadResult:
    limits = unit.limits
    if isinstance(unit, DocumentUnit):
        return _load_document(unit.path, unit.rel, unit.explicit, unit.parameters, unit.root, limits=limits)
    from .loaders import terraform

    return terraform.load_module_tree(unit.directory, unit.files, unit.scan_root, variables=unit.variables,
                                      var_files=unit.var_files, named_root=unit.named_root,
                                      repository=unit.repository,
                                      max_module_depth=limits.max_module_depth,
                                      max_instances=limits.max_instances,
                                      max_nesting_depth=limits.max_nesting_depth)


# What a named file can be, for the error when it is none of them.
_EXPECTED = ("expected a CloudFormation template (a Resources mapping whose entries have a Type, or "
             "AWSTemplateFormatVersion), a Terraform plan (terraform show -json), a .tf or a .tfvars file")


def _load_document(path: Path, rel: str, explicit: bool, parameters: dict, root: Path,
                   limits: ScanLimits = ScanLimits()) -> LoadResult:
    """Parse a file discovery kept and load it as what its parsed top level says it is: a plan
    or a CloudFormation template. Anything else is dropped in a directory scan (a Kubernetes
    manifest is not ours) and an error when the file was named."""
    from .loaders import cloudformation, shapes  # the plan loader only for plans and states

    def read(template: Path, template_rel: str) -> Any:
        text = _read_template(template, template_rel, limits)
        key = (text, template_rel, limits.max_nesting_depth, limits.max_alias_nodes)
        parsed = _PARSED_TEMPLATES.pop(key, _NOT_PARSED)
        if parsed is not _NOT_PARSED:
            return parsed
        return cloudformation.parse_document(text, template_rel, max_depth=limits.max_nesting_depth,
                                             max_alias_nodes=limits.max_alias_nodes)

    try:
        data = read(path, rel)
    except IacguardError as exc:
        # Terraform's own outputs that are not plan JSON: a hint when named, not ours when walked
        output = _terraform_output_error(path, rel, first_line_only=not explicit)
        if output is not None:  # walked: not ours
            return LoadResult(errors=[output]) if explicit else LoadResult(skipped=[rel])
        return LoadResult(errors=[exc])
    if shapes.looks_like_plan(data):
        from .loaders import plan

        loaded = plan.load_plan(data, rel, config_values=True)
        return LoadResult(loaded.resources, loaded.errors, [rel], unresolved=loaded.unresolved)
    if shapes.looks_like_state(data):  # terraform show -json of a state: what is deployed
        from .loaders import plan

        return plan.load_state(data, rel)
    if cloudformation.looks_like_cloudformation(data):
        # local templates of nested stacks are read like this one, never outside the scan root,
        # and nest at most as deep as Terraform local modules
        nested = cloudformation.NestedTemplates(root, read, limits.max_module_depth, (path.resolve(),))
        return cloudformation.build_resources(data, rel, parameters=parameters, template_values=True, nested=nested,
                                              flags=True)
    if not explicit:
        return LoadResult(skipped=[rel])
    if data is None:
        return LoadResult(errors=[InputError(f"file is empty; {_EXPECTED}", file=rel)])
    if shapes.looks_like_raw_state(data):
        return LoadResult(errors=[InputError("a raw Terraform state (terraform.tfstate) is not read: run "
                                             "terraform show -json > state.json and scan that", file=rel)])
    output = _terraform_output_error(path, rel)
    if output is not None:
        return LoadResult(errors=[output])
    # a JSON object is what a plan would be: say how to get one
    from .loaders.plan import PLAN_JSON_HINT

    hint = f"; for a plan, {PLAN_JSON_HINT}" if isinstance(data, dict) and _starts_with_brace(path) else ""
    return LoadResult(errors=[InputError(f"not a template or plan iacguard reads; {_EXPECTED}{hint}", file=rel)])


def _starts_with_brace(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _terraform_output_error(path: Path, rel: str, first_line_only: bool = False) -> InputError | None:
    """The error for a file Terraform wrote that is not plan JSON (a binary plan, the text or the
    JSON lines of `terraform plan`), saying what it looks like and how to get the plan JSON;
    None for anything else. Only files that did not load as a template or plan get here."""
    import stat

    from .loaders import plan

    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return None
    found = plan.describe_non_plan(head, first_line_only=first_line_only)
    if found is None:
        return None
    what, line = found
    return InputError(f"looks like {what}, not plan JSON: {plan.PLAN_JSON_HINT}", file=rel, line=line)


def _read_template(path: Path, rel: str, limits: ScanLimits) -> str:
    """A template's text; a nested stack's template was not seen by discovery, so it is held to
    the same rules here: a regular file within the size limit."""
    import stat

    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", file=rel) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError("not a regular file; not read", file=rel)
    if info.st_size > limits.max_file_size:
        raise InputError(f"file is {info.st_size} bytes, limit is {limits.max_file_size}; raise it with "
                         "--max-file-size", file=rel)
    return _read_text(path, rel)


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


# The templates _root_templates parsed, for the load that reads them next (the unit's own or its
# parent's, through NestedTemplates.read): (text, file name, nesting limit, alias limit) ->
# document. parse_document is a function of exactly these, so a hit is what parsing the file as
# it is now would give. Each is handed out once (popped): the loader may change what it is given
# (an AWS::Include's mappings are marked with its file). Forked workers inherit it.
_PARSED_TEMPLATES: dict[tuple[str, str, int, int], Any] = {}
_NOT_PARSED = object()


def _root_templates(templates: list[Path], explicit: set[Path], limits: ScanLimits,
                    serverless: set[Path] | None = None, root: Path | None = None) -> list[Path]:
    """Templates that are not only the local template of another scanned template's nested stack.

    A nested template is analysed through its parent, with the parameters the parent passes;
    alone it would be reported a second time with its defaults. Only templates that declare a
    nested stack are parsed here. Templates nested only within a cycle are still loaded (their
    loader reports the cycle)."""
    from .loaders import cloudformation
    from .loaders.discover import UndecodableText, decode_text, relpath

    _PARSED_TEMPLATES.clear()  # only the last scan's: what a load did not take is not kept longer
    calls: dict[Path, set[Path]] = {}
    for path in templates:
        try:
            text = decode_text(path.read_bytes())  # as the loader decodes it (a UTF-16 parent too)
        except (OSError, UndecodableText):
            continue  # the unit reports it
        if serverless is not None and "AWS::Serverless" in text:
            serverless.add(path)
        if not any(kind in text for kind in cloudformation.NESTING_TYPES):
            continue
        # named as the load names it (its errors and problems carry the name)
        rel = relpath(path, root) if root is not None else str(path)
        try:
            document = cloudformation.parse_document(text, rel, max_depth=limits.max_nesting_depth,
                                                     max_alias_nodes=limits.max_alias_nodes)
        except IacguardError:
            continue  # the unit reports it
        if root is not None:
            _PARSED_TEMPLATES[(text, rel, limits.max_nesting_depth, limits.max_alias_nodes)] = document
        parent = path.resolve()
        children = {(parent.parent / url).resolve() for url in cloudformation.local_nested_templates(document)}
        calls[parent] = {child for child in children if child != parent}
    if not calls:
        return templates
    called = set().union(*calls.values())
    roots = [path for path in templates if path.resolve() not in called or path.resolve() in explicit]
    return _with_cycle_roots(roots, templates, Path.resolve, calls)


def _module_calls(dirs: dict[Path, list[Path]]) -> tuple[dict[Path, Path], dict[Path, set[Path]]]:
    """The real path of each scanned directory, and the local module calls between directories
    (real caller -> real called directories), read from the files' text before any parsing."""
    real_of: dict[Path, Path] = {}

    def real(path: Path) -> Path:  # each directory is resolved once, not once per use
        found = real_of.get(path)
        if found is None:
            found = real_of[path] = path.resolve()
        return found

    from .loaders.discover import local_module_sources

    calls: dict[Path, set[Path]] = {}
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
                    calls.setdefault(real(directory), set()).add(target)
    return {d: real(d) for d in dirs}, calls


def _root_modules(dirs: dict[Path, list[Path]], explicit: set[Path]) -> list[Path]:
    """The roots known before loading: directories no other scanned directory calls as a local
    module (and named .tf files). A called directory is analysed through its callers; whether
    it is also a root of its own is known only once they are loaded (``_RootPlanner``)."""
    real_of, calls = _module_calls(dirs)
    return _uncalled_roots(dirs, explicit, real_of, calls)


def _uncalled_roots(dirs: dict[Path, list[Path]], explicit: set[Path], real_of: dict[Path, Path],
                    calls: dict[Path, set[Path]]) -> list[Path]:
    called = {target for targets in calls.values() for target in targets}
    explicit_dirs = {p.parent for p in explicit}
    roots = [d for d in sorted(dirs) if real_of[d] not in called or real_of[d] in explicit_dirs]
    return _with_cycle_roots(roots, sorted(dirs), real_of.__getitem__, calls)


def _with_cycle_roots(roots: list[Path], candidates: list[Path], real: Callable[[Path], Path],
                      calls: dict[Path, set[Path]]) -> list[Path]:
    """``roots`` and, of every group of candidates that only call each other in a cycle (no
    caller outside it), the first: its loader reports the cycle, instead of it never being read."""
    reached: set[Path] = set()
    for item in roots + candidates:
        if real(item) in reached:
            continue
        if item not in roots:
            roots.append(item)
        pending = [real(item)]
        while pending:
            current = pending.pop()
            if current not in reached:
                reached.add(current)
                pending.extend(calls.get(current, ()))
    return sorted(roots)


def _merge_modules(into: dict[Any, ModuleSeen], modules: dict[Any, ModuleSeen]) -> None:
    """Merge ``LoadResult.modules``: a directory is instantiated when any tree made an instance."""
    for real, info in modules.items():
        before = into.get(real)
        if before is None or (info.instantiated and not before.instantiated):
            into[real] = info


class _RootPlanner:
    """Chooses the Terraform roots of a scan (README: "How the roots of a scan are chosen").

    First the directories no other scanned directory calls. A called directory is analysed
    through the callers that make an instance of it, and is also a root of its own when
      - it can be applied alone: a `backend`/`cloud` block, or a value for every variable it
        declares (a default, its own terraform.tfvars/*.auto.tfvars, --var, --var-file or the
        settings `paths` entries for it), or
      - no caller makes an instance of it (`count = 0`, an empty `for_each` in every call), so
        its resources would otherwise never be judged.
    Both depend on what loading finds, so roots come in rounds: ``record`` what the loaded
    trees reached, then ``next_units`` until it returns none. The choice depends only on the
    union of what every tree reached, never on how the work was split across processes.
    """

    def __init__(self, dirs: dict[Path, list[Path]], explicit: set[Path], settings: Settings,
                 scan_root: Path, limits: ScanLimits):
        self.dirs = dirs
        self.settings = settings
        self.scan_root = scan_root
        self.limits = limits
        from .loaders.discover import is_inside, module_boundary

        # where module sources may be read from: the repository the settings were checked
        # against (a --diff-base scan names its copy of the base revision), else the one that
        # holds the scan root
        given = settings.repository
        self.repository = Path(given) if given and is_inside(os.path.realpath(scan_root), os.path.realpath(given)) \
            else module_boundary(scan_root)
        self.real_of, calls = _module_calls(dirs) if dirs else ({}, {})
        self.calls = calls
        scanned = set(self.real_of.values())
        self.callers: dict[Path, set[Path]] = {}
        for caller, targets in calls.items():
            for target in targets & scanned:
                self.callers.setdefault(target, set()).add(caller)
        self._first: list[Path] | None = _uncalled_roots(dirs, explicit, self.real_of, calls) if dirs else []
        self.rooted: set[Path] = set()
        # real directory -> what loading saw of it, merged over all trees
        self.modules: dict[Path, ModuleSeen] = {}
        self._alone: dict[Path, bool] = {}  # whether a called directory can be applied alone
        self._by_real: dict[Path, list[Path]] | None = None

    def tree_bytes(self, directory: Path) -> int:
        """Bytes of a root's files and of every scanned directory it calls, transitively: what
        loading it evaluates (an example that calls its repository's module reads that module)."""
        files_of = self._files_of_real()
        seen: set[Path] = set()
        stack = [self.real_of.get(directory) or directory.resolve()]
        while stack:
            real = stack.pop()
            if real not in seen:
                seen.add(real)
                stack.extend(self.calls.get(real, ()))
        return sum(_files_bytes(files_of.get(real, ())) for real in seen)

    def _files_of_real(self) -> dict[Path, list[Path]]:
        if self._by_real is None:
            self._by_real = {self.real_of[d]: files for d, files in self.dirs.items()}
        return self._by_real

    def record(self, modules: dict[str, ModuleSeen]) -> None:
        _merge_modules(self.modules, {Path(real): info for real, info in modules.items()})

    def next_units(self) -> list[LoadUnit]:
        return [_terraform_unit(d, self.dirs[d], self.scan_root, self.settings, self.limits, self.repository)
                for d in self._next_roots()]

    def _next_roots(self) -> list[Path]:
        if self._first is not None:
            roots, self._first = self._first, None
            self.rooted.update(self.real_of[d] for d in roots)
            return roots
        pending = [d for d in sorted(self.dirs)
                   if self.real_of[d] in self.callers and self.real_of[d] not in self.rooted]
        roots = []
        for directory in pending:
            real = self.real_of[directory]
            info = self.modules.get(real)
            if info is not None and self._applies_alone(directory, info):
                roots.append(directory)
            elif not self._instantiated(real) and all(
                    caller in self.rooted or self._instantiated(caller) for caller in self.callers[real]):
                roots.append(directory)  # every caller was evaluated and none made an instance
        if not roots:
            # callers that are themselves never instantiated and call each other in a cycle:
            # one of them is a root, so nothing stays unjudged
            roots = [d for d in pending if not self._instantiated(self.real_of[d])][:1]
        self.rooted.update(self.real_of[d] for d in roots)
        return roots

    def _instantiated(self, real: Path) -> bool:
        info = self.modules.get(real)
        return info is not None and info.instantiated

    def _applies_alone(self, directory: Path, info: ModuleSeen) -> bool:
        required = info.required
        if info.backend or not required:
            return True
        real = self.real_of[directory]
        if real not in self._alone:  # a directory left pending is asked again every round
            from .loaders.terraform import given_variable_names

            variables, var_files = _terraform_inputs(directory, self.settings)
            try:
                given = given_variable_names(directory, self.scan_root, variables, var_files,
                                             max_nesting_depth=self.limits.max_nesting_depth)
            except (RecursionError, MemoryError, IacguardError):
                given = set(required)  # unreadable values: loading it as a root reports why
            self._alone[real] = set(required) <= given
        return self._alone[real]


def run_checks(result: ScanResult, settings: Settings, keep_model: bool = True) -> None:
    """Checks over ``result``'s resources; with ``keep_model``, ``result.model`` holds the model
    of every group the reports need (it may have to be built once more for them)."""
    result.checks = load_checks(settings.checks_dirs)
    check_references(settings, result.checks)
    analysis = _analyse_bounded(result, settings, result.checks, keep_model)
    result.analysis = analysis
    result.model = analysis.model if analysis is not None else None
    _modules_not_on_disk(result, settings)
    _finish(result)


# Groups analysed together under one group's time limit: few enough resources that a batch of
# harmless groups stays far below it (the 1,000-file benchmark corpus, 10,314 resources, was
# analysed in 7 s on a busy 2-CPU host: 2,000 take about 1.4 s), so a timeout means one group is
# slow; many enough that building a model per batch costs little.
_BATCH_RESOURCES = 2000


def _analyse_bounded(result: ScanResult, settings: Settings, checks: dict, keep_model: bool = True) -> Any:
    """``_analyse`` of ``result``'s resources where each group (template, plan, root module
    tree) gets at most --max-seconds-per-file, as for reading it: one that takes longer is an
    error naming it, and every other group is still reported. Groups are analysed in batches
    under one group's limit; a batch that runs out is analysed again one group at a time to
    find the slow one. Returns the analysis of the model of every group that finished (with
    ``keep_model``; otherwise None when it would have to be built once more)."""
    seconds = settings.max_seconds_per_file
    grouped = {id(r) for group in result.groups for r in group.resources}
    loose = [r for r in result.resources if id(r) not in grouped]
    groups = list(result.groups) + ([ResourceGroup(loose[0].file, loose)] if loose else [])
    if seconds <= 0 or not time_limit_supported() or not groups:
        return _analyse(result, result.resources, settings, checks)
    batches: list[list[ResourceGroup]] = [[]]
    size = 0
    for group in groups:
        if batches[-1] and size + len(group.resources) > _BATCH_RESOURCES:
            batches.append([])
            size = 0
        batches[-1].append(group)
        size += len(group.resources)
    models = []
    finished: list[Resource] = []
    for batch in batches:
        resources = [r for group in batch for r in group.resources]
        staged = ScanResult(root=result.root)
        try:
            if len(batch) == 1:
                with time_limit(seconds, batch[0].label, doing="analysing"):
                    models.append(_analyse(staged, resources, settings, checks))
            else:
                with deadline(seconds):
                    models.append(_analyse(staged, resources, settings, checks))
        except InputError as exc:  # the one group of this batch is too slow
            result.errors.append(exc)
            continue
        except DeadlineExceeded:
            for group in batch:
                staged = ScanResult(root=result.root)
                try:
                    with time_limit(seconds, group.label, doing="analysing"):
                        _analyse(staged, group.resources, settings, checks)
                except InputError as exc:
                    result.errors.append(exc)
                    continue
                _merge_analysis(result, staged)
                finished.extend(group.resources)
            models.append(None)
            continue
        _merge_analysis(result, staged)
        finished.extend(resources)
    if len(models) == 1 and models[0] is not None and len(finished) == len(result.resources):
        return models[0]
    if not keep_model:
        return None
    from .analysis import Analysis
    from .iam.model import IamModel

    return Analysis(IamModel(finished), settings)  # the reports' model: the groups that finished, together


def _merge_analysis(result: ScanResult, staged: ScanResult) -> None:
    result.findings.extend(staged.findings)
    result.errors.extend(staged.errors)
    result.unresolved.extend(staged.unresolved)
    result.library_inputs.extend(staged.library_inputs)
    result.sensitive |= staged.sensitive
    result.sensitive_public |= staged.sensitive_public


def _analyse(result: ScanResult, resources: list[Resource], settings: Settings, checks: dict) -> Any:
    """Model ``resources`` and run the enabled checks on them, all sharing one analysis of the
    model; findings, unreadable policies and unresolved values go into ``result``. Returns the
    analysis (its ``model`` is the model)."""
    from .analysis import Analysis
    from .iam.model import IamModel

    model = IamModel(resources)
    analysis = Analysis(model, settings)
    _stage_done()
    for resource, exc in model.internal_errors:  # the rest of the model is complete
        result.errors.append(InternalError(internal_error_message(exc, f"analysing {resource.address}") +
                                           "; its analysis is incomplete", file=resource.file, line=resource.line))
    unresolved = []
    for item in model.unresolved:
        if item.resource.when:
            continue  # switched on by a flag: what it holds is given with the flag (README)
        error = InputError(item.message, file=item.resource.file, line=item.line)
        error.inputs = item.origins
        unresolved.append(error)
    from .iam.unknown_access import unknown_access_errors

    # whoever a policy lets in must be known, whichever checks are enabled
    unresolved.extend(unknown_access_errors(analysis))
    for error in unresolved:
        inputs = error.inputs
        if inputs and all(origin.library is not None for origin in inputs):
            # only a library's own inputs are missing: its callers decide them, judged there
            result.library_inputs.extend((origin.library, origin.name) for origin in inputs)
        else:
            result.unresolved.append(error)
    from .failclosed import unreadable_policy_errors

    result.errors.extend(unreadable_policy_errors(model))  # never a silent pass on dropped content
    findings: list[Finding] = []
    with running_checks(checks):  # what a check calling registered_checks() gets
        for meta in checks.values():
            if not settings.check_enabled(meta.id, meta.family):
                continue
            sink: list[Finding] = []
            try:
                meta.func(CheckContext(meta, model, settings, sink, checks=checks, analysis=analysis))
            except (MemoryError, IacguardError):
                raise
            except Exception as exc:  # noqa: BLE001 - a bug in one check loses its findings, not the others'
                if os.environ.get("IACGUARD_DEBUG"):
                    raise
                sink = _check_per_group(meta, exc, resources, settings, checks, result.errors)
            override = settings.severity_overrides.get(meta.id)
            for finding in sink:
                if override:
                    finding.severity = override
            findings.extend(sink)
    findings = _dedupe(findings)
    apply_suppressions(findings, resources, checks)
    from .redact import redact_value, redact_text, sensitive_values

    for finding in findings:  # here, so that partition workers share the work
        finding.message = redact_text(finding.message)
        if finding.evidence is not None:
            finding.evidence = redact_value(finding.evidence)
    values, public = sensitive_values(resources)
    result.sensitive |= values  # masked by _finish, over the whole scan
    result.sensitive_public |= public
    result.findings.extend(findings)
    return analysis


def _check_per_group(meta: CheckMeta, exc: Exception, resources: list[Resource], settings: Settings,
                     checks: dict, errors: list) -> list[Finding]:
    """A check raised on an analysis of several groups: it runs again on each group alone, so
    that only the groups it fails on lose its findings, and each failure is an error of its own
    group. Which groups shared an analysis depends on how the scan was split (one process,
    workers, batches): what is reported must not."""
    groups: dict[str, list[Resource]] = {}
    for resource in resources:
        groups.setdefault(resource.defaults_group, []).append(resource)
    if len(groups) < 2:
        errors.append(_check_failed(meta, exc, resources))
        return []
    from .analysis import Analysis
    from .iam.model import IamModel

    found: list[Finding] = []
    for group in sorted(groups):
        model = IamModel(groups[group])
        sink: list[Finding] = []
        try:
            meta.func(CheckContext(meta, model, settings, sink, checks=checks, analysis=Analysis(model, settings)))
        except (MemoryError, IacguardError):
            raise
        except Exception as again:  # noqa: BLE001 - as in _analyse
            errors.append(_check_failed(meta, again, groups[group]))
            continue
        found.extend(sink)
    return found


def _check_failed(meta: CheckMeta, exc: Exception, resources: list[Resource]) -> InternalError:
    """The error for a check that raised: named with the groups it was judging (a template, a
    root module), at the group's file when there is one."""
    groups = sorted({r.file if r.source == "cloudformation" else r.group for r in resources})
    where = ", ".join(groups[:3]) + (f" and {len(groups) - 3} more" if len(groups) > 3 else "")
    message = internal_error_message(exc, f"running check {meta.id} on {where}") + \
        "; findings of this check may be missing"
    return InternalError(message, file=groups[0] if len(groups) == 1 else None)


def _modules_not_on_disk(result: ScanResult, settings: Settings) -> None:
    """Each module call not analysed once (a module directory loaded through its callers and as
    a root of its own names the same call twice): under the outermost caller's address, as its
    findings are; an error each when the settings say `modules_not_on_disk: error`."""
    seen: set = set()
    unique = []
    for entry in sorted(result.not_analysed, key=lambda e: (e.file or "", e.line or 0, -len(e.module), e.message)):
        if (entry.file, entry.line, entry.source) not in seen:
            seen.add((entry.file, entry.line, entry.source))
            unique.append(entry)
    if settings.modules_not_on_disk == "error":
        result.errors.extend(InputError(e.message + " (modules_not_on_disk: error)", file=e.file, line=e.line)
                             for e in unique)
        unique = []
    result.not_analysed = unique


def _finish(result: ScanResult) -> None:
    """The order every report relies on, and secrets masked, whichever way the work was split."""
    result.findings = _not_repeated_through_callers(_dedupe(result.findings))
    result.findings.sort(key=lambda f: (f.file, f.line, f.rule_id, f.resource, f.fingerprint))
    # a module file read by its callers' trees and as a root of its own gives the same error
    result.errors = _unique_errors(result.errors)
    result.unresolved = _unique_errors(result.unresolved)
    result.errors.sort(key=lambda e: (e.file or "", e.line or 0, e.message))
    result.unresolved.sort(key=lambda e: (e.file or "", e.line or 0, e.message))
    result.library_inputs = sorted(set(result.library_inputs))
    from .redact import SensitiveMask, mask_sensitive, redact_result

    # credentials quoted from templates never reach a report in full (findings were masked by
    # _analyse already; masking is idempotent)
    redact_result(result, findings=False)
    if result.sensitive:  # a value some plan marks sensitive, wherever the scan quotes it
        mask = SensitiveMask(result.sensitive, "\n".join(sorted(result.sensitive_public)))
        mask_sensitive(mask, result.findings, list(result.errors) + list(result.unresolved))


def _dedupe(findings: list[Finding]) -> list[Finding]:
    # a finding made with the inputs as they are is not repeated by the same finding (same
    # content, same fingerprint) that only a switched flag makes (evidence.when)
    unconditional = {f.fingerprint for f in findings if not _switched_on(f)}
    seen: set[str] = set()
    unique = []
    for finding in findings:
        if finding.fingerprint in seen or (_switched_on(finding) and finding.fingerprint in unconditional):
            continue
        seen.add(finding.fingerprint)
        unique.append(finding)
    return unique


def _switched_on(finding: Finding) -> bool:
    return bool(finding.when)


def _not_repeated_through_callers(findings: list[Finding]) -> list[Finding]:
    """Without the findings a module directory analysed as a root of its own repeats: the same
    check on the same block (file and line) that another group reports through a module call
    (``module.x.aws_iam_policy.p`` there, ``aws_iam_policy.p`` here). The address through the
    caller is strictly longer, so of every such chain the one through the outermost caller
    stays: nothing is hidden."""
    at: dict[tuple, list[Finding]] = {}
    for finding in findings:
        at.setdefault((finding.rule_id, finding.file, finding.line), []).append(finding)
    kept = []
    for finding in findings:
        tail = "." + finding.resource
        if not any(other.group != finding.group and other.resource.endswith(tail)
                   for other in at[(finding.rule_id, finding.file, finding.line)]):
            kept.append(finding)
    return kept


def _unique_errors(errors: list[IacguardError]) -> list[IacguardError]:
    seen: set[tuple] = set()
    unique = []
    for error in errors:
        key = (type(error), error.file, error.line, error.message)
        if key not in seen:
            seen.add(key)
            unique.append(error)
    return unique


def scan(paths: list[str], settings: Settings | None = None, root: Path | None = None,
         jobs: int | None = 1, keep_model: bool = True, discovered: "Discovered | None" = None) -> ScanResult:
    """``jobs`` as in ``load_resources``. With ``keep_model`` (the default), the model and the
    checks run in this process over every loaded resource, and the result keeps the resources
    and the model (the graph, HTML and GitHub reports and --diff-base need them). Without it,
    and with more than one job, each worker loads, models and checks whole groups (templates,
    root module trees, plans: what can refer to each other) and sends back only findings and
    errors, so the checks run in parallel too; the findings are the same. ``discovered`` as in
    ``load_resources``."""
    settings = settings or Settings()
    with _long_lived_stages():
        if not keep_model and jobs != 1:
            partitioned = _scan_partitioned(paths, settings, root, jobs, discovered)
            if partitioned is not None:
                return partitioned
        result = load_resources(paths, settings, root, jobs=jobs, discovered=discovered)
        _stage_done()
        run_checks(result, settings, keep_model)
    return result


# How much more a byte of HCL costs to load and evaluate than a byte of YAML or JSON.
_TERRAFORM_COST_FACTOR = 3
# How much more a byte of a SAM template costs: the translator builds every generated resource
# (the field set's SAM repositories: ADF's 24 templates took 0.96 s, a third of them SAM).
_SERVERLESS_COST_FACTOR = 4
# What any group costs besides its bytes (parse, model, the checks' setup), in cost units.
_UNIT_COST = 4096
# Without --jobs, this process scans the groups itself, smallest first, and forks workers for
# the rest only once the time so far projects that they save more than they cost. Measured on
# 2 CPUs: a pool forked from a warm process costs about 0.03-0.05 s to start and collect from
# (real modules of 30-130 KB lost that much to it); the projection is trusted after 0.03 s.
_FORK_COST_SECONDS = 0.04
_CALIBRATION_SECONDS = 0.03
# Settings and checks for forked partition workers: inherited through fork, never pickled
# (checks loaded from --checks-dir are not importable by name in a fresh process).
_PARTITION_STATE: "PartitionState | None" = None


@dataclass(frozen=True)
class PartitionState:
    """What every partition worker needs besides its units: the scan's settings and checks."""

    settings: Settings
    checks: dict[str, CheckMeta]


def _unit_cost(unit: LoadUnit, planner: "_RootPlanner | None" = None) -> int:
    """A relative estimate of a group's work, for ordering, projecting and balancing it."""
    if isinstance(unit, TerraformUnit):
        size = planner.tree_bytes(unit.directory) if planner is not None else _unit_bytes(unit)
        return size * _TERRAFORM_COST_FACTOR + _UNIT_COST
    return _unit_bytes(unit) * (_SERVERLESS_COST_FACTOR if unit.serverless else 1) + _UNIT_COST


def _scan_partitioned(paths: list[str], settings: Settings, root: Path | None,
                      jobs: int | None, discovered: "Discovered | None" = None) -> ScanResult | None:
    """The whole scan split by group across forked workers (``jobs`` None: only once it pays,
    ``_Pacer``); None without fork on this platform: the caller then scans in this process."""
    if not hasattr(os, "fork"):  # no fork (Windows): spawned workers could not inherit --checks-dir checks
        return None
    result, units, planner = _prepare_units(paths, settings, root, discovered)
    pacer = _Pacer(available_cpus()) if jobs is None else None
    result.checks = load_checks(settings.checks_dirs)
    check_references(settings, result.checks)
    while units:
        costs = [_unit_cost(unit, planner) for unit in units]
        if pacer is not None:
            parts = pacer.scan(units, costs, settings, result.checks)
        else:
            parts = _scan_round(units, costs, jobs or 1, settings, result.checks)
        for part in parts:
            result.findings.extend(part.findings)
            result.errors.extend(part.errors)
            result.unresolved.extend(part.unresolved)
            result.library_inputs.extend(part.library_inputs)
            result.not_analysed.extend(part.not_analysed)
            result.files.extend(part.files)
            result.skip_files(part.skipped)
            result.resource_count += part.resource_count
            result.sensitive |= part.sensitive
            result.sensitive_public |= part.sensitive_public
            planner.record(part.modules)
        units = planner.next_units()
    result.files = sorted(set(result.files))
    _modules_not_on_disk(result, settings)
    _finish(result)
    return result


class _Pacer:
    """Scans groups in this process, smallest first, timing them; forks workers for what is left
    once the time per unit of cost so far says the workers would save more than
    ``_FORK_COST_SECONDS``. Workers forked then inherit everything this process has imported
    and built (loaders, grammars, the action catalogue), so none of it is repeated. Small scans
    never fork; large ones lose only the calibration time. Which process scans a group never
    changes what is found in it."""

    def __init__(self, cpus: int):
        self.cpus = cpus
        self.spent = 0.0
        self.done_cost = 0

    def scan(self, units: list[LoadUnit], costs: list[int], settings: Settings,
             checks: dict[str, CheckMeta]) -> list["PartialScan"]:
        import time

        from .progress import Progress

        state = PartitionState(settings, checks)
        order = sorted(range(len(units)), key=lambda i: (costs[i], i))
        parts: list[PartialScan] = []
        progress = Progress(len(units), label="iacguard: scanning")
        try:
            for position, index in enumerate(order):
                rest = order[position:]
                if self._worth_forking([costs[i] for i in rest]):
                    return parts + _scan_round([units[i] for i in rest], [costs[i] for i in rest], self.cpus,
                                               settings, checks, progress)
                started = time.perf_counter()
                parts.append(_scan_partition([units[index]], state))
                self.spent += time.perf_counter() - started
                self.done_cost += costs[index]
                progress.advance(1)
            return parts
        finally:
            progress.close()

    def _worth_forking(self, rest: list[int]) -> bool:
        if self.cpus < 2 or len(rest) < 2 or self.spent < _CALIBRATION_SECONDS or not self.done_cost:
            return False
        total = sum(rest)
        alone = max(max(rest), total / min(self.cpus, len(rest)))  # the longest worker's share
        return self.spent / self.done_cost * (total - alone) > _FORK_COST_SECONDS


def _scan_round(units: list[LoadUnit], costs: list[int], jobs: int, settings: Settings,
                checks: dict, progress: "Progress | None" = None) -> list["PartialScan"]:
    """Load, model and check ``units`` across forked workers (in this process when no pool is
    available): what each batch found. ``progress``: the caller's bar, advanced and left open."""
    jobs = min(jobs, len(units))
    batches = [sorted(batch) for batch in
               _balanced_batches(range(len(units)), dict(enumerate(costs)), jobs * _BATCHES_PER_WORKER)]
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool
    from .progress import Progress

    global _PARTITION_STATE
    parts: list[PartialScan | None] = [None] * len(batches)
    own_progress = progress is None
    progress = progress or Progress(len(units), label="iacguard: scanning")
    state = _PARTITION_STATE = PartitionState(settings, checks)
    try:
        if jobs > 1:  # a later round may hold a single root: it is scanned here, below
            import multiprocessing  # only for workers: a small scan does not pay for importing it

            context = multiprocessing.get_context("fork")
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
                parts[number] = _scan_partition([units[i] for i in batch], state)
                progress.advance(len(batch))
    finally:
        if own_progress:
            progress.close()
    return parts  # type: ignore[return-value]


@dataclass
class PartialScan:
    """What a partition worker sends back: never the resources or the model, only what reports
    print."""

    findings: list[Finding]
    errors: list[IacguardError]
    unresolved: list[IacguardError]
    not_analysed: list[NotAnalysed]
    files: list[str]
    resource_count: int
    modules: dict[str, ModuleSeen]  # LoadResult.modules of every unit, merged
    library_inputs: list[tuple[str, str]]
    skipped: list[str] = field(default_factory=list)  # LoadResult.skipped of every unit
    sensitive: set[str] = field(default_factory=set)  # ScanResult.sensitive
    sensitive_public: set[str] = field(default_factory=set)


def _scan_partition(units: list[LoadUnit], state: PartitionState | None = None) -> PartialScan:
    """Load, model and check some whole units (worker entry point; also the in-process fallback)."""
    state = state or _PARTITION_STATE
    if state is None:
        raise RuntimeError("a partition worker was started without the scan's settings and checks")
    part = ScanResult(root=Path("."))
    modules: dict[str, ModuleSeen] = {}
    for unit, loaded in zip(units, _load_here(units, lambda count: None)):
        part.add(loaded, unit.label)
        _merge_modules(modules, loaded.modules)
    _analyse_bounded(part, state.settings, state.checks, keep_model=False)
    return PartialScan(part.findings, part.errors, part.unresolved, part.not_analysed, part.files,
                       part.resource_total, modules, part.library_inputs, list(part.skipped),
                       part.sensitive, part.sensitive_public)


_FREEZING = False
_SCAN_GC_THRESHOLDS = (20_000, 50, 1_000)


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
    previous = gc.get_threshold()
    # Fewer, larger young collections, and full ones rare: the analysis makes some 200,000
    # short-lived objects in cycles per 1,000 files, which young collections free. With the
    # defaults, collections took 5-6% of the CPU of a scan of the generated corpus and of
    # terraform-aws-lambda (user time, 5 runs each), for no lower peak memory.
    gc.set_threshold(*_SCAN_GC_THRESHOLDS)
    try:
        yield
    finally:
        _FREEZING = False
        gc.set_threshold(*previous)
        gc.unfreeze()


def _stage_done() -> None:
    if _FREEZING:
        gc.freeze()
