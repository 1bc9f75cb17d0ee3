"""The scan pipeline: discover -> load -> IAM model -> checks -> findings.

Each stage takes the previous stage's output. Errors in one file never stop the others: they
are collected with file and line and reported beside the findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import IacguardError, InputError
from .framework import CheckContext, CheckMeta, Finding, load_checks, severity_rank
from .resource import Resource
from .settings import Settings

_LOCAL_MODULE_SOURCE = re.compile(r"""source\s*=\s*"(\.{1,2}/[^"]*)\"""")


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

    def blocking(self, fail_on: str) -> list[Finding]:
        if fail_on == "none":
            return []
        threshold = severity_rank(fail_on)
        return [f for f in self.findings
                if severity_rank(f.severity) >= threshold and not f.suppressed and not f.baselined]

    def exit_code(self, settings: Settings) -> int:
        if self.errors or (self.unresolved and not settings.allow_unresolved):
            return 2
        return 1 if self.blocking(settings.fail_on) else 0


def _read_text(path: Path, rel: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", file=rel) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError("invalid UTF-16 text", file=rel) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"not valid UTF-8 text (byte {exc.start})", file=rel, line=line) from None


def load_resources(paths: list[str], settings: Settings, root: Path | None = None) -> ScanResult:
    from .loaders import cloudformation, discover, plan, terraform

    found = discover.discover([Path(p) for p in paths], root=root, max_file_bytes=settings.max_file_size)
    result = ScanResult(root=found.root)
    result.errors.extend(found.errors)
    explicit = {Path(p).resolve() for p in paths if Path(p).is_file()}
    parameters = dict(settings.parameters)
    for parameter_file in settings.parameter_files:
        try:
            parameters.update(cloudformation.load_parameter_file(parameter_file))
        except IacguardError as exc:
            result.errors.append(exc)

    for path in found.cloudformation:
        rel = discover.relpath(path, found.root)
        try:
            data = cloudformation.parse_document(_read_text(path, rel), rel)
        except IacguardError as exc:
            result.errors.append(exc)
            continue
        if data is None or not cloudformation.looks_like_cloudformation(data):
            if path.resolve() in explicit:
                result.errors.append(InputError("file is empty or not a CloudFormation template", file=rel))
            continue
        loaded = cloudformation.build_resources(data, rel, parameters=parameters)
        result.resources.extend(loaded.resources)
        result.errors.extend(loaded.errors)
        result.files.append(rel)

    for path in found.plans:
        rel = discover.relpath(path, found.root)
        try:
            from .jsonpos import loads_positioned

            data = loads_positioned(_read_text(path, rel))
        except IacguardError as exc:
            result.errors.append(exc)
            continue
        except ValueError as exc:
            result.errors.append(InputError(f"invalid JSON: {exc}", file=rel, line=getattr(exc, "lineno", None)))
            continue
        except RecursionError:
            result.errors.append(InputError("JSON nested too deeply", file=rel))
            continue
        if not plan.looks_like_plan(data):
            result.errors.append(InputError("not a Terraform plan (terraform show -json)", file=rel))
            continue
        loaded = plan.load_plan(data, rel)
        result.resources.extend(loaded.resources)
        result.errors.extend(loaded.errors)
        result.files.append(rel)

    variables = dict(settings.variables)
    var_files = [Path(v) for v in settings.var_files]
    for directory in _root_modules(found.terraform_dirs, explicit):
        loaded = terraform.load_module_tree(directory, found.terraform_dirs[directory], found.root,
                                            variables=variables, var_files=var_files)
        result.resources.extend(loaded.resources)
        result.errors.extend(loaded.errors)
        result.files.extend(loaded.files)
    result.files = sorted(set(result.files))
    return result


def _root_modules(dirs: dict[Path, list[Path]], explicit: set[Path]) -> list[Path]:
    """Directories that are not only called as local modules by another scanned directory.

    A module directory is analysed through its callers (with their inputs); scanning it again
    on its own would report its resources twice and without the values its callers pass.
    """
    called: set[Path] = set()
    for directory, files in dirs.items():
        for file in files:
            if file.suffix != ".tf":
                continue
            try:
                text = file.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for source in _LOCAL_MODULE_SOURCE.findall(text):
                target = (directory / source).resolve()
                if target != directory.resolve():
                    called.add(target)
    explicit_dirs = {p.parent for p in explicit}
    return [d for d in sorted(dirs) if d.resolve() not in called or d.resolve() in explicit_dirs]


def run_checks(result: ScanResult, settings: Settings) -> None:
    from .iam.model import IamModel

    result.checks = load_checks(settings.checks_dirs)
    model = IamModel(result.resources)
    result.model = model
    for unresolved in model.unresolved:
        result.unresolved.append(InputError(unresolved.message, file=unresolved.resource.file, line=unresolved.line))
    for meta in result.checks.values():
        if not settings.check_enabled(meta.id, meta.family):
            continue
        sink: list[Finding] = []
        meta.func(CheckContext(meta, model, settings, sink))
        override = settings.severity_overrides.get(meta.id)
        for finding in sink:
            if override:
                finding.severity = override
        result.findings.extend(sink)
    result.findings = _dedupe(result.findings)
    result.findings.sort(key=lambda f: (f.file, f.line, f.rule_id, f.resource, f.fingerprint))
    result.errors.sort(key=lambda e: (e.file or "", e.line or 0, e.message))
    result.unresolved.sort(key=lambda e: (e.file or "", e.line or 0, e.message))


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    unique = []
    for finding in findings:
        if finding.fingerprint in seen:
            continue
        seen.add(finding.fingerprint)
        unique.append(finding)
    return unique


def scan(paths: list[str], settings: Settings | None = None, root: Path | None = None) -> ScanResult:
    settings = settings or Settings()
    result = load_resources(paths, settings, root)
    run_checks(result, settings)
    return result
