"""The check framework: how a check declares itself and reports findings.

A check is a plain function in a module under ``checks/`` (or a user's ``--checks-dir``),
decorated with :func:`check`. It receives a :class:`CheckContext` and calls ``ctx.report(...)``
for each problem. Its docstring is its documentation: the first paragraph says why it matters;
sections ``Bad:`` / ``Good:`` (optional) give examples.
"""

from __future__ import annotations

import binascii
import importlib.util
import re
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Protocol

from .errors import UsageError
from .resource import TERRAFORM_PLAN
from .severity import SEVERITIES, severity_rank  # noqa: F401  (re-exported)
from .lazy_regex import lazy_compile

if TYPE_CHECKING:
    from .analysis import Analysis
    from .iam.model import IamModel
    from .settings import Settings

FAMILIES = (
    "root-credentials",
    "mfa",
    "least-privilege",
    "privilege-escalation",
    "guardrails",
    "access-keys",
    "external-access",
    "template-validity",
)


# With --diff-base: settings or a baseline that let more through than the base's (checks/settings_weakened.py)
SETTINGS_CHECK = "IAG-GR-005"


@dataclass(frozen=True)
class CheckMeta:
    """One check: its id, family, severity, documentation and function."""

    id: str
    family: str
    severity: str
    title: str
    why: str
    fix: str
    controls: tuple[str, ...]
    func: Callable[["CheckContext"], Any]
    bad_example: dict = field(default_factory=dict)   # {"cloudformation": "...", "terraform": "..."}
    good_example: dict = field(default_factory=dict)
    origin: str = "builtin"
    # settings the examples need (an opt-in profile, require_permissions_boundary), as in .iacguard.yaml
    example_settings: dict = field(default_factory=dict)
    # formats the check cannot apply to, with the reason ({"cloudformation": "no such resource type"})
    not_applicable: dict = field(default_factory=dict)
    # the fix in each language when it is spelled differently ({"cloudformation": ..., "terraform": ...});
    # ``fix`` then holds all of them
    fixes: dict = field(default_factory=dict)

    def fix_in(self, language: str) -> str:
        """The fix as a user of ``language`` (terraform, cloudformation) writes it."""
        return self.fixes.get("cloudformation" if language.startswith("cloudformation") else language) or self.fix

    @property
    def doc(self) -> str:
        import inspect

        return inspect.cleandoc(self.func.__doc__ or "")  # docstring indentation is not text


# While load_checks imports a check module: where the checks the module declares go, and
# their origin ("builtin" or "custom"). Per context (thread), so concurrent loads stay apart.
_LOADING: ContextVar["_Loading | None"] = ContextVar("iacguard_check_loading", default=None)
# The checks of the scan whose checks are running in this context, for registered_checks()
_RUNNING: ContextVar["dict[str, CheckMeta] | None"] = ContextVar("iacguard_running_checks", default=None)


_LANGUAGE_NAMES = {"cloudformation": "CloudFormation", "terraform": "Terraform"}


@dataclass
class _Loading:
    """The checks declared while one check file is imported."""

    origin: str
    declared: list  # the CheckMeta of every @check run during the import, in order


def check(id: str, *, family: str, severity: str, title: str, why: str, fix: str | dict[str, str],
          controls: Iterable[str] = (), bad: dict | None = None, good: dict | None = None,
          example_settings: dict | None = None, not_applicable: dict | None = None):
    """Declare a check function. ``bad``/``good`` map a format name to an example snippet;
    ``example_settings`` are the settings under which the examples behave as documented;
    ``not_applicable`` maps a format without examples to the reason. ``fix`` is one text, or
    one per language ({"cloudformation": ..., "terraform": ...}) when each spells it differently.

    The function keeps its :class:`CheckMeta` as ``iacguard_check``; while :func:`load_checks`
    imports the module, the check also joins the set of checks that load returns. Nothing is
    registered process-wide: a scan runs the checks its own load_checks call found."""
    if family not in FAMILIES:
        raise ValueError(f"check {id}: unknown family {family!r}")
    if severity not in SEVERITIES:
        raise ValueError(f"check {id}: unknown severity {severity!r}")

    fixes = {language: text.strip() for language, text in fix.items()} if isinstance(fix, dict) else {}
    unknown = set(fixes) - {"cloudformation", "terraform"}
    if unknown:
        raise ValueError(f"check {id}: fix for unknown formats {sorted(unknown)}")
    text = "\n\n".join(f"{_LANGUAGE_NAMES[language]}: {fixes[language]}" for language in _LANGUAGE_NAMES
                       if language in fixes) if fixes else str(fix).strip()

    def register(func: Callable) -> Callable:
        loading = _LOADING.get()
        meta = CheckMeta(id, family, severity, title, why.strip(), text, tuple(controls),
                         func, dict(bad or {}), dict(good or {}),
                         origin=loading.origin if loading else "builtin",
                         example_settings=dict(example_settings or {}),
                         not_applicable=dict(not_applicable or {}), fixes=fixes)
        func.iacguard_check = meta  # type: ignore[attr-defined]
        if loading is not None:
            loading.declared.append(meta)
        return func

    return register


def builtin_checks_dir() -> Path:
    """checks/ ships inside the wheel as iacguard.builtin_checks; in a source tree it is ../checks."""
    source = Path(__file__).resolve().parent.parent
    if (source / "pyproject.toml").is_file() and (source / "checks" / "__init__.py").is_file():
        # iacguard imported from a source tree (a git worktree beside an editable install of
        # another checkout): its own checks, not those the installed finder maps to
        return source / "checks"
    spec = importlib.util.find_spec("iacguard.builtin_checks")
    if spec and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(__file__).resolve().parent.parent / "checks"


# The built-in checks, by resolved directory: their modules are part of iacguard and never change
# while it runs, so they are imported once per process and their checks reused by every scan.
_BUILTIN: dict[str, tuple[CheckMeta, ...]] = {}


def load_checks(extra_dirs: Iterable[str | Path] = ()) -> dict[str, CheckMeta]:
    """The checks of one scan, by id: the built-in ones and those of the user directories
    ``extra_dirs`` (``--checks-dir``), and no others. A new dict on every call: checks loaded for
    an earlier scan in this process are not in it. Built-in modules are imported once per
    process; a user directory's ``*.py`` files are imported again by every call that names it, so
    edits to them take effect. A check id defined twice is a UsageError."""
    builtin = builtin_checks_dir()
    builtin_key = str(builtin.resolve())
    declared = _BUILTIN.get(builtin_key)
    if declared is None:
        if not builtin.is_dir():
            raise UsageError(f"checks directory not found: {builtin}")
        declared = _BUILTIN[builtin_key] = tuple(_import_directory(builtin, builtin_key, "builtin"))
    checks: dict[str, CheckMeta] = {}
    _add_checks(checks, declared)
    seen = {builtin_key}
    for directory in map(Path, extra_dirs):
        key = str(directory.resolve())
        if key in seen:
            continue  # named twice (--checks-dir and IACGUARD_CHECKS_DIR): loaded once
        if not directory.is_dir():
            raise UsageError(f"checks directory not found: {directory}")
        seen.add(key)
        _add_checks(checks, _import_directory(directory, key, "custom"))
    return dict(sorted(checks.items()))


def _add_checks(checks: dict[str, CheckMeta], declared: Iterable[CheckMeta]) -> None:
    for meta in declared:
        known = checks.get(meta.id)
        if known is not None and known.func.__module__ != meta.func.__module__:
            raise UsageError(f"check id {meta.id} is defined twice ({_defined_in(known)} and {_defined_in(meta)})")
        checks[meta.id] = meta  # one module declaring an id twice: the last one, as Python would


def _defined_in(meta: CheckMeta) -> str:
    code = getattr(meta.func, "__code__", None)
    return code.co_filename if code is not None else meta.func.__module__


# Modules that a check file's imports brought into the process (not the check files themselves),
# each with the checks it declared then. sys.modules keeps them, so when a later scan imports the
# check file again its ``import`` runs nothing: the checks a file still reaches are taken from
# here. Like sys.modules, it describes code, not any scan.
_IMPORTED: dict[str, tuple[ModuleType, list[CheckMeta]]] = {}


def _reached_checks(module: ModuleType) -> list[CheckMeta]:
    """The checks of the modules in ``_IMPORTED`` that ``module`` reaches through its names (an
    imported module, or a function or class of it), directly or through other such modules."""
    found: list[CheckMeta] = []
    seen = {module.__name__}
    todo = [module]
    while todo:
        for value in list(vars(todo.pop()).values()):
            try:
                name = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
            except Exception:  # noqa: BLE001 - an object whose attributes raise names no module
                continue
            if not isinstance(name, str) or name in seen:
                continue
            entry = _IMPORTED.get(name)
            if entry is None or sys.modules.get(name) is not entry[0]:
                continue
            seen.add(name)
            todo.append(entry[0])
            found.extend(entry[1])
    return found


def _import_directory(directory: Path, key: str, origin: str) -> list[CheckMeta]:
    """Import each ``*.py`` file of ``directory`` (not ``_*.py``): the checks they declare,
    including those of modules they import (every time, not only when the import first runs)."""
    declared: list[CheckMeta] = []
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        # the directory's checksum keeps two directories' files apart (no hashlib: see fingerprint)
        name = f"iacguard_checks_{origin}_{binascii.crc32(key.encode('utf-8', 'surrogateescape')):08x}_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            continue
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loading = _Loading(origin, [])
        token = _LOADING.set(loading)
        before = set(sys.modules)
        try:
            spec.loader.exec_module(module)
        except UsageError:
            raise
        except Exception as exc:  # a broken user check must not look like a crash of ours
            raise UsageError(f"cannot load check module {path}: {type(exc).__name__}: {exc}") from None
        finally:
            _LOADING.reset(token)
        for imported in set(sys.modules) - before - {name}:
            # iacguard's own modules declare no checks and never import check code: walking
            # them from every later check file cost a small scan ~15 ms
            if imported == __package__ or imported.startswith(f"{__package__}."):
                continue
            if isinstance(sys.modules[imported], ModuleType):
                _IMPORTED[imported] = (sys.modules[imported],
                                       [meta for meta in loading.declared if meta.func.__module__ == imported])
        declared.extend(loading.declared)
        declared.extend(meta for meta in _reached_checks(module) if all(meta is not d for d in loading.declared))
    return declared


@contextmanager
def running_checks(checks: dict[str, CheckMeta]):
    """While a scan runs its checks: what registered_checks() answers a check that calls it."""
    token = _RUNNING.set(checks)
    try:
        yield
    finally:
        _RUNNING.reset(token)


def registered_checks() -> dict[str, CheckMeta]:
    """The checks of the scan running the calling check, by id (the built-in ones outside a
    scan). Kept for check modules written against it; a check should use ``ctx.checks``."""
    running = _RUNNING.get()
    return dict(running) if running is not None else load_checks()


@dataclass
class Finding:
    """One finding as reports show it."""

    rule_id: str
    family: str
    severity: str
    title: str
    message: str
    resource: str
    resource_type: str
    file: str
    line: int
    fingerprint: str = ""
    evidence: Any = None
    path: list | None = None
    suppressed: bool = False
    baselined: bool = False
    suppression_reason: str | None = None
    # With --diff-base: "new", "worse" (more severe than in the base) or "unchanged" (blocks not)
    diff: str | None = None
    # The canonical risky content (normalized statement) behind the fingerprint; not in output
    content: Any = field(default=None, repr=False, compare=False)
    construct_path: str | None = None  # CDK `aws:cdk:path` of the resource, when synthesized by CDK
    # The group (template, plan, Terraform root) the finding was made in; not in output
    group: str = field(default="", repr=False, compare=False)
    # The file of the resource reported (``file`` is where the offending value is written: a
    # module's caller); suppressions and --diff-base match resources by it. Not in output
    resource_file: str = field(default="", repr=False, compare=False)

    @property
    def resource_key(self) -> tuple[str, str]:
        return (self.resource_file or self.file, self.resource)

    # The inputs that switch on what the finding is about (feature flags); in output as
    # evidence.when
    when: str | None = field(default=None, compare=False)
    # What the plan does to the resource (create, update, replace, unchanged, read; deployed for
    # a state), and to the other resources the finding names when that differs; in output as
    # evidence.plan_action and evidence.plan_actions
    plan_action: str | None = field(default=None, compare=False)
    plan_actions: dict | None = field(default=None, compare=False)

    def as_dict(self) -> dict:
        out = {
            "rule_id": self.rule_id,
            "family": self.family,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            "resource": self.resource,
            "resource_type": self.resource_type,
            "file": self.file,
            "line": self.line,
            "fingerprint": self.fingerprint,
        }
        if self.evidence is not None:
            out["evidence"] = self.evidence
        if self.path:
            out["path"] = self.path
        if self.construct_path:
            out["construct_path"] = self.construct_path
        if self.suppressed:
            out["suppressed"] = True
            if self.suppression_reason:
                out["suppression_reason"] = self.suppression_reason
        if self.baselined:
            out["baselined"] = True
        if self.diff:
            out["diff"] = self.diff
        return out


def active_findings(findings: Iterable["Finding"]) -> list["Finding"]:
    """The findings that count: neither suppressed inline nor baselined, in their order. Reports
    count and list these; ``ScanResult.blocking`` narrows them further (fail-on, --diff-base)."""
    return [f for f in findings if not f.suppressed and not f.baselined]


def fingerprint(rule_id: str, scope: str, resource: str, key: str, content: str = "") -> str:
    """Stable across unrelated edits: no line numbers, only what the finding is about.

    ``content`` is the canonical risky content (see ``canonical_content``): when given, the
    fingerprint follows what the statement says, not where it is written."""
    import hashlib  # here: a scan without findings does not load OpenSSL's digests

    parts = (rule_id, scope, resource, key) + ((content,) if content else ())
    # surrogateescape: a file name that is not UTF-8 keeps its bytes (and the same digest)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]


# A statement position inside a key (``policy-id#3``): meaningless once the content is known, and
# it changes when statements are reordered. Account ids and other long numbers are not positions.
_POSITION_IN_KEY = lazy_compile(r"#\d{1,4}(?=$|[#/:|@<>])")


def is_statement_like(value: Any) -> bool:
    """A policy statement as written: a mapping with Effect and Action or NotAction."""
    return isinstance(value, dict) and "Effect" in value and ("Action" in value or "NotAction" in value)


def canonical_content(content: Any) -> str:
    """Canonical JSON text of a finding's risky content.

    A policy statement (a parsed ``Statement`` or a mapping as written) becomes its normalized
    form (``iam.policy.normalize``: sorted, de-duplicated, lowercased actions) without its Sid, so
    reformatting, reordering values or renaming the Sid keeps it, and any change to effect,
    actions, resources, principals or conditions changes it. Anything else is its plain JSON with
    sorted keys."""
    import json

    from .values import to_plain

    statement = None
    if hasattr(content, "effect") and hasattr(content, "conditions"):
        statement = content
    elif is_statement_like(content):
        from .iam.policy import parse_policy

        parsed = parse_policy({"Version": "2012-10-17", "Statement": [content]})
        statement = parsed.statements[0] if len(parsed.statements) == 1 else None
    if statement is not None:
        from .iam.policy import PolicyDocument, normalize

        canonical = normalize(PolicyDocument([statement], None, 0))["Statement"][0]
        if isinstance(canonical, dict):
            canonical = {k: v for k, v in canonical.items() if k != "Sid"}
            if any(p.is_anyone for p in statement.principals or ()):
                canonical["Principal"] = "*"  # {"AWS": "*"} is "*"
        return json.dumps(canonical, sort_keys=True, default=str)
    return json.dumps(to_plain(content), sort_keys=True, default=str)


class Reportable(Protocol):
    """What a finding can be reported on: a loaded ``Resource``, or a place in a file that is not
    a resource (the gate's settings key or baseline entry, ``gate._Place``)."""

    @property
    def address(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def source(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def metadata(self) -> dict: ...


class CheckContext:
    """What a check sees: the IAM model, the scan's analysis of it (``iacguard.analysis``: the
    graph, escalation, effective permissions, indexes), settings, and a way to report."""

    def __init__(self, meta: CheckMeta, model: IamModel, settings: Settings, sink: list[Finding],
                 settings_changes: list | None = None, checks: dict[str, CheckMeta] | None = None,
                 analysis: "Analysis | None" = None):
        self.meta = meta
        # Every check of this scan (built-in and --checks-dir), by id
        self.checks = checks if checks is not None else registered_checks()
        self.model = model
        self.settings = settings
        if analysis is None:
            from .analysis import Analysis

            analysis = Analysis(model, settings)
        # What the checks of this scan derive from the model, shared by all of them
        self.analysis = analysis
        # With --diff-base, the gate stage's comparison of settings with the base (gate.SettingsChange);
        # None while the checks run over the model
        self.settings_changes = settings_changes
        self._sink = sink

    @property
    def graph(self) -> Any:
        return self.analysis.graph

    def report(self, resource: Reportable, message: str, *, line: int | None = None, evidence: Any = None,
               severity: str | None = None, path: list | None = None, key: str = "",
               content: Any = None) -> Finding:
        """Record a finding on a loaded ``Resource`` (or anything with address/type/file/line).

        ``key`` distinguishes several findings of one rule on one resource (the statement or
        action concerned) and feeds the fingerprint; ``line`` points at the statement when it is
        in the same file as the resource.

        ``content``: what the finding is about (the policy statement, a setting's value). When it
        is not given and ``evidence`` is a policy statement, the statement is the content. With a
        content, the fingerprint uses its canonical form and drops statement positions
        (``#3``) from ``key``: the fingerprint survives reordered statements and reformatting and
        changes when the risky content changes.
        """
        scope = resource.group if resource.source != "cloudformation" else resource.file
        if content is None and is_statement_like(evidence):
            content = evidence
        canonical = ""
        if content is not None:
            canonical = canonical_content(content)
            key = _POSITION_IN_KEY.sub("", key)
        when = getattr(resource, "when", None)
        group = getattr(resource, "defaults_group", resource.group)
        if group != resource.group:
            # the deployment built with switched flags is a group of its own (its nodes named
            # after it); the finding is the one the same inputs given would make
            key = key.replace(resource.group, group)
            scope = group if scope == resource.group else scope
            when = when or self._switched_by(resource, message, path)
        if isinstance(when, str) and when:
            # a resource that exists only when an input is switched on says which: the content
            # (and so the fingerprint) is the same as with that input given
            evidence = dict(evidence, when=when) if isinstance(evidence, dict) else \
                {"when": when} if evidence is None else {"value": evidence, "when": when}
        else:
            when = None
            if isinstance(evidence, dict) and "when" in evidence:
                evidence = {"value": evidence}  # a key written in a template is not a flag
        plan_action = plan_actions = None
        if isinstance(evidence, dict) and ("plan_action" in evidence or "plan_actions" in evidence):
            evidence = {"value": evidence}  # written in a template or plan: not what the plan does
        if resource.source == TERRAFORM_PLAN:
            from .loaders.plan import plan_action as action_of

            plan_action = action_of(resource)
        if plan_action is not None:
            plan_actions = self._plan_actions(resource, plan_action, message, path)
            marks = {"plan_action": plan_action, **({"plan_actions": plan_actions} if plan_actions else {})}
            evidence = dict(evidence, **marks) if isinstance(evidence, dict) else \
                marks if evidence is None else {"value": evidence, **marks}
        finding = Finding(
            rule_id=self.meta.id,
            family=self.meta.family,
            severity=severity or self.meta.severity,
            title=self.meta.title,
            message=message,
            resource=resource.address,
            resource_type=resource.type,
            # a line of another file (iam.model.LineInFile): the statement is written there
            file=getattr(line, "file", None) or resource.file,
            line=int(line or resource.line),
            fingerprint=fingerprint(self.meta.id, scope, resource.address, key, canonical),
            evidence=evidence,
            path=path,
            construct_path=_cdk_path(resource),
            when=when,
            plan_action=plan_action,
            plan_actions=plan_actions or None,
        )
        finding.content = content
        finding.group = scope
        finding.resource_file = resource.file
        self._sink.append(finding)
        return finding

    def _switched_by(self, resource: Reportable, message: str, path: list | None) -> str:
        """For a finding on a resource the defaults deploy too, made in the deployment with
        switched flags: the inputs of the switched resources it names (a policy that lets a role
        escalate); all of that deployment's when it names none. When the defaults make the same
        finding, it is reported without them (engine._dedupe)."""
        switched = self.analysis.switched_resources(resource.group)
        named = " ".join([message] + [str(step) for step in path or ()])
        needed = sorted({r.when for r in switched if r.when and r.address in named})  # all have one: narrows for mypy
        return " and ".join(needed) if needed else " or ".join(sorted({r.when for r in switched if r.when}))

    def _plan_actions(self, resource: Reportable, own: str, message: str, path: list | None) -> dict:
        """What the plan does to the other resources of the same plan that the finding names
        (message and path) when it is not what it does to the finding's own resource: an admin
        policy attachment created for a role left unchanged says both."""
        named = " ".join([message] + [str(step) for step in path or ()])
        found = {}
        for address, action in self.analysis.plan_actions(resource.group):
            if action is None or action == own or address == resource.address or address not in named:
                continue
            # the whole address: not aws_iam_role.app inside aws_iam_role.app_x or module.m.aws_iam_role.app
            if re.search(r"(?<![\w.\]\-])" + re.escape(address) + r"(?![\w\-\[])", named):
                found[address] = action
        return dict(sorted(found.items()))


def _cdk_path(resource: Reportable) -> str | None:
    """The CDK construct path (``aws:cdk:path`` metadata) of a synthesized resource."""
    metadata = getattr(resource, "metadata", None)
    value = metadata.get("aws:cdk:path") if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and value else None
