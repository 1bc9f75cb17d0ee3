"""Settings: from `.iacguard.yaml` or `[tool.iacguard]` in pyproject.toml, then the command line.

Unknown keys and wrong types are errors naming the key, never silently ignored.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import UsageError
from .loaders.discover import is_inside
from .lazy_regex import lazy_compile

MODULES_NOT_ON_DISK = ("report", "error")
ACCOUNT_RE = lazy_compile(r"^\d{12}$")
ORG_RE = lazy_compile(r"^o-[a-z0-9]{10,32}$")


@dataclass
class Settings:
    """The settings of one scan: the settings file, then the command line's overrides."""

    fail_on: str = "high"
    enable: list[str] = field(default_factory=list)   # check ids or families; empty = all
    disable: list[str] = field(default_factory=list)
    severity_overrides: dict[str, str] = field(default_factory=dict)
    deploy_accounts: list[str] = field(default_factory=list)
    organization_id: str | None = None
    trusted_accounts: list[str] = field(default_factory=list)
    require_permissions_boundary: bool = False
    profiles: list[str] = field(default_factory=list)
    var_files: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    parameter_files: list[str] = field(default_factory=list)
    # Only from --checks-dir or IACGUARD_CHECKS_DIR: a settings file never makes iacguard import code.
    checks_dirs: list[str] = field(default_factory=list)
    allow_unresolved: bool = False
    # A Terraform module call whose code is not on disk (no `terraform init`): "report" names it
    # in the report; "error" makes it an input error (exit 2).
    modules_not_on_disk: str = "report"
    max_file_size: int = 20 * 1024 * 1024
    # Limits against hostile input (README "Limits"); each has a --max-... option to raise it.
    max_nesting_depth: int = 200         # mappings/lists/expressions inside each other
    max_alias_nodes: int = 10_000        # nodes YAML aliases may add (billion laughs)
    max_module_depth: int = 20           # Terraform local module calls inside each other
    max_instances: int = 1000            # resource instances per Terraform root module
    max_seconds_per_file: int = 10       # wall-clock per template, plan or root module; 0 = off
    # Inputs for templates and modules under a path: {"infra/prod": {"var_files": [...],
    # "variables": {...}, "parameters": {...}, "parameter_files": [...]}}; keys and files relative
    # to the settings file. Validated into absolute paths by ``validate``.
    paths: dict[str, dict] = field(default_factory=dict)
    # Terraform directories applied as they stand (README "How the roots of a scan are chosen"):
    # a variable without a value there is unresolved, not a library input. Absolute after validate.
    roots: list[str] = field(default_factory=list)
    # Globs of paths never scanned (iacguard.excludes), relative to the repository root
    exclude: list[str] = field(default_factory=list)
    # Not a settings key: var files for exactly one root directory (real path -> files), given by
    # the pre-commit hook for a changed .tfvars (README "Integrations")
    root_var_files: dict[str, list[str]] = field(default_factory=dict)
    baseline: str | None = None  # baseline file applied by `scan` unless --baseline is given
    source: str | None = None  # where the settings came from
    base_dir: str | None = None  # directory relative file names in the settings resolve against
    # Files a settings file names must be inside this directory (see ``repository_root``)
    repository: str | None = None

    def check_enabled(self, check_id: str, family: str) -> bool:
        if self.enable and check_id not in self.enable and family not in self.enable:
            return False
        return check_id not in self.disable and family not in self.disable


# Settings fields a settings file never sets: where the settings came from, code directories
# (command line only) and the pre-commit hook's var files for one root
INTERNAL_FIELDS = frozenset({"source", "base_dir", "repository", "checks_dirs", "root_var_files"})

_TYPES: dict[str, Any] = {
    "fail_on": str, "enable": list, "disable": list, "severity_overrides": dict,
    "deploy_accounts": list, "organization_id": str, "trusted_accounts": list,
    "require_permissions_boundary": bool, "profiles": list, "var_files": list, "variables": dict,
    "parameters": dict, "parameter_files": list, "allow_unresolved": bool, "modules_not_on_disk": str,
    "max_file_size": int, "max_nesting_depth": int, "max_alias_nodes": int, "max_module_depth": int,
    "max_instances": int, "max_seconds_per_file": int, "paths": dict, "roots": list, "baseline": str,
    "exclude": list,
}
# What each per-path entry may set (see Settings.paths).
_PATH_TYPES: dict[str, Any] = {"var_files": list, "variables": dict, "parameters": dict, "parameter_files": list}
# The profile of account-wide checks (checks_api.BASELINE_PROFILE)
BASELINE_PROFILE = "account-baseline"
# Opt-in groups of checks; checks read ``settings.profiles``. Unknown names are errors.
PROFILES: dict[str, str] = {
    BASELINE_PROFILE: "account-wide controls (root user, password policy, account-level guardrails) "
                        "for the repository that manages the AWS account itself",
}
# Keys that would load Python from the scanned tree: refused in every settings source.
_CODE_KEYS = ("checks_dirs", "checks_dir")
CHECKS_DIR_ENV = "IACGUARD_CHECKS_DIR"
_LIMITS = ("max_file_size", "max_nesting_depth", "max_alias_nodes", "max_module_depth", "max_instances")


def validate(raw: Any, source: str, base_dir: str | Path | None = None,
             repository: str | Path | None = None) -> Settings:
    """Settings from a parsed settings file (or ``{}``); ``base_dir`` is where relative file names
    in it resolve (the settings file's directory; the working directory when None); with a
    ``repository``, every file it names must be inside that directory."""
    settings = Settings(source=source, base_dir=str(base_dir) if base_dir is not None else None,
                        repository=str(repository) if repository is not None else None)
    apply_settings(settings, raw, source)
    return settings


def apply_settings(settings: Settings, raw: Any, source: str, *, extend: bool = False) -> Settings:
    """Validate ``raw`` (a mapping of setting names to values) and set it on ``settings``.

    ``extend``: lists are appended to and mappings updated (command-line overrides) instead of
    replaced. Every problem is a UsageError naming the key; nothing is silently ignored."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise UsageError("settings must be a mapping", file=source)
    known = {f.name for f in fields(Settings)} - INTERNAL_FIELDS
    for key, value in raw.items():
        name = str(key).replace("-", "_")
        if name in _CODE_KEYS:
            raise UsageError(f"setting {key!r} is not allowed: settings never load code; custom checks load only "
                             f"from --checks-dir DIR on the command line (or the {CHECKS_DIR_ENV} environment "
                             f"variable)", file=source)
        if name not in known:
            raise UsageError(f"unknown setting {key!r}", file=source)
        value = _checked(str(key), value, _TYPES[name], source)
        inside = settings.repository if not extend else None  # the command line may name any file
        if name == "paths":
            value = _path_entries(value, settings.base_dir, source, inside)
        elif name in _FILE_LISTS:
            value = [_resolve(v, settings.base_dir, str(key), source, inside) for v in value]
        elif name == "roots":
            value = [_root_directory(v, settings.base_dir, source, inside) for v in value]
        elif name == "baseline":
            value = _resolve(value, settings.base_dir, str(key), source, inside)
        current = getattr(settings, name)
        if extend and isinstance(current, list):
            value = current + [v for v in value if v not in current]
        elif extend and isinstance(current, dict):
            value = {**current, **value}
        setattr(settings, name, value)
    _check_values(settings, source)
    return settings


# Settings naming files or directories, resolved against the settings file's directory.
_FILE_LISTS = ("var_files", "parameter_files")


def _checked(key: str, value: Any, expected: Any, source: str) -> Any:
    if expected is int and isinstance(value, bool) or not isinstance(value, expected):
        raise UsageError(f"setting {key!r} must be a {_TYPE_NAMES.get(expected, expected.__name__)}, "
                         f"got {_TYPE_NAMES.get(type(value), type(value).__name__)}", file=source)
    if expected is list and not all(isinstance(v, str) for v in value):
        raise UsageError(f"setting {key!r} must be a list of strings", file=source)
    if expected is dict and not all(isinstance(k, str) for k in value):
        raise UsageError(f"setting {key!r} must be a mapping with string keys", file=source)
    return value


_TYPE_NAMES = {str: "string", list: "list", dict: "mapping", bool: "boolean (true/false)", int: "integer",
               float: "number", type(None): "nothing (empty value)"}


def _resolve(name: str, base_dir: str | None, key: str = "", source: str | None = None,
             repository: str | None = None) -> str:
    path = Path(name).expanduser()
    if base_dir is not None and not path.is_absolute():
        path = Path(base_dir) / path
    if repository is not None and not is_inside(os.path.realpath(path), os.path.realpath(repository)):
        # A pull request's settings could otherwise read any file of the CI machine as a tfvars,
        # parameter or baseline file (a symlink out of the checkout counts as outside too).
        raise UsageError(f"setting {key!r}: {name!r} is outside the repository {repository}; settings may name "
                         f"only files inside it (name others on the command line)", file=source)
    return str(path)


def _root_directory(name: str, base_dir: str | None, source: str, repository: str | None) -> str:
    """A `roots` entry as an absolute directory; a name that is not a directory is an error (a typo
    would otherwise leave the real root judged as a library)."""
    path = Path(_resolve(name, base_dir, "roots", source, repository))
    if not path.is_dir():
        raise UsageError(f"setting 'roots': {name!r} is not a directory", file=source)
    return str(path.resolve())


def is_named_root(settings: Settings, directory: Path) -> bool:
    """Whether the settings name ``directory`` as a root applied as it stands."""
    return bool(settings.roots) and str(Path(directory).resolve()) in settings.roots


def repository_root(start: Path) -> Path:
    """The repository a scan of ``start`` belongs to: the nearest directory at or above it with a
    `.git` entry, else the working directory."""
    start = Path(os.path.abspath(start))
    directory = start if start.is_dir() else start.parent
    for candidate in [directory, *directory.parents]:
        if (candidate / ".git").exists():
            return candidate
    return Path.cwd()


def _path_entries(raw: dict, base_dir: str | None, source: str, repository: str | None = None) -> dict[str, dict]:
    """``paths`` entries keyed by their absolute directory, each with checked inputs."""
    entries: dict[str, dict] = {}
    for path_key, entry in raw.items():
        where = f"paths.{path_key}"
        if not isinstance(entry, dict):
            raise UsageError(f"setting {where!r} must be a mapping of "
                             f"{', '.join(_PATH_TYPES)}, got {_TYPE_NAMES.get(type(entry), type(entry).__name__)}",
                             file=source)
        checked: dict[str, Any] = {}
        for key, value in entry.items():
            name = str(key).replace("-", "_")
            if name not in _PATH_TYPES:
                raise UsageError(f"unknown setting {where + '.' + str(key)!r} "
                                 f"(a path entry may set {', '.join(_PATH_TYPES)})", file=source)
            value = _checked(f"{where}.{key}", value, _PATH_TYPES[name], source)
            if name in _FILE_LISTS:
                value = [_resolve(v, base_dir, f"{where}.{key}", source, repository) for v in value]
            checked[name] = value
        entries[str(Path(_resolve(path_key, base_dir)).resolve())] = checked
    return entries


def _check_values(settings: Settings, source: str) -> None:
    from .severity import FAIL_ON_CHOICES, SEVERITIES

    if settings.fail_on not in FAIL_ON_CHOICES:
        raise UsageError(f"setting 'fail_on' must be one of {', '.join(SEVERITIES)} or none", file=source)
    if settings.modules_not_on_disk not in MODULES_NOT_ON_DISK:
        raise UsageError(f"setting 'modules_not_on_disk' must be one of {', '.join(MODULES_NOT_ON_DISK)}",
                         file=source)
    for key in ("deploy_accounts", "trusted_accounts"):
        for account in getattr(settings, key):
            if not ACCOUNT_RE.match(account):
                raise UsageError(f"setting {key!r}: {account!r} is not a 12-digit account id (quote it)", file=source)
    if settings.organization_id is not None and not ORG_RE.match(settings.organization_id):
        raise UsageError(f"setting 'organization_id': {settings.organization_id!r} is not an o-... id", file=source)
    for key in _LIMITS + ("max_seconds_per_file",):
        if getattr(settings, key) < (1 if key in _LIMITS else 0):
            least = "at least 1" if key in _LIMITS else "0 (no limit) or more"
            raise UsageError(f"setting {key!r} must be {least}", file=source)
    for check_id, severity in settings.severity_overrides.items():
        if severity not in SEVERITIES:
            raise UsageError(f"setting 'severity_overrides': {check_id}: unknown severity {severity!r}", file=source)
    from .excludes import ExcludePatternError, check_pattern

    for pattern in settings.exclude:
        try:
            check_pattern(pattern)
        except ExcludePatternError as exc:
            raise UsageError(f"setting 'exclude': {pattern!r}: {exc}", file=source) from None
    for profile in settings.profiles:
        if profile not in PROFILES:
            raise UsageError(f"setting 'profiles': unknown profile {profile!r} (known: {', '.join(PROFILES)})",
                             file=source)


def check_references(settings: Settings, checks: dict) -> None:
    """Check ids and families named in ``enable``/``disable``/``severity_overrides`` must exist:
    a typo would otherwise silently run (or skip) the wrong checks."""
    from .framework import FAMILIES

    ids = {c.id for c in checks.values()}
    for key in ("enable", "disable"):
        for name in getattr(settings, key):
            if name not in ids and name not in FAMILIES:
                raise UsageError(f"setting {key!r}: unknown check or family {name!r} "
                                 f"(`iacguard list-checks` prints them)", file=settings.source)
    for name in settings.severity_overrides:
        if name not in ids:
            raise UsageError(f"setting 'severity_overrides': unknown check {name!r}", file=settings.source)


def checks_dirs_from_environment() -> list[str]:
    """Directories of custom checks named by IACGUARD_CHECKS_DIR (separated like PATH): the CI
    owner's channel, beside --checks-dir; never a file in the scanned tree."""
    return [d for d in os.environ.get(CHECKS_DIR_ENV, "").split(os.pathsep) if d.strip()]


def path_inputs(settings: Settings, path: Path) -> list[dict[str, Any]]:
    """The ``paths`` entries that apply to a template file or module directory: every entry
    whose path is it or contains it, least specific first, so that applying them in order lets
    the most specific win. The global inputs are not included; callers apply these on top."""
    if not settings.paths:
        return []
    target = Path(path).resolve()
    matching = [Path(p) for p in settings.paths if Path(p) == target or Path(p) in target.parents]
    return [settings.paths[str(p)] for p in sorted(matching, key=lambda p: len(p.parts))]


_PYPROJECT_TABLE = lazy_compile(r"^\s*\[\s*tool\s*\.\s*iacguard\s*[\].]", re.MULTILINE)


def find_settings_file(start: Path) -> Path | None:
    """The settings for a scan rooted at ``start``: walking up from it, the first directory with
    `.iacguard.yaml` (preferred) or a pyproject.toml with a [tool.iacguard] table. The walk stops
    at the repository root (a directory containing `.git`), so settings of an unrelated parent
    directory never leak into a repository's scan."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for candidate in [directory, *directory.parents]:
        if (candidate / ".iacguard.yaml").is_file():
            return candidate / ".iacguard.yaml"
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _PYPROJECT_TABLE.search(pyproject.read_text(encoding="utf-8", errors="replace")):
            return pyproject
        if (candidate / ".git").exists():
            break
    return None


def load_settings(path: Path | None, repository: Path | None = None) -> Settings:
    """Settings from ``path`` (defaults when None); with a ``repository``, the files the settings
    name must be inside it."""
    if path is None:
        return Settings()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read settings file: {exc.strerror or exc}", file=str(path)) from None
    return validate(settings_table(text, path.name, str(path)), str(path), path.resolve().parent, repository)


def settings_table(text: str, name: str, source: str) -> Any:
    """The raw settings in the text of a settings file called ``name`` (`pyproject.toml`: its
    [tool.iacguard] table; else YAML); a syntax error is a UsageError naming ``source``."""
    if name == "pyproject.toml":
        try:
            import tomllib
        except ImportError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"invalid TOML: {exc}", file=source) from None
        table = data.get("tool", {}).get("iacguard", {})
        if not isinstance(table, dict):
            raise UsageError("[tool.iacguard] must be a table", file=source)
        return table
    from .lazy_regex import regexes_compiled_on_first_use

    with regexes_compiled_on_first_use():  # (see loaders/cfn_yaml.py)
        import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise UsageError(f"invalid YAML: {getattr(exc, 'problem', exc)}", file=source,
                         line=line + 1 if line is not None else None) from None


def has_settings_table(pyproject_text: str) -> bool:
    return bool(_PYPROJECT_TABLE.search(pyproject_text))


STARTER = """\
# iacguard settings: see the README section "Gate workflow".
# Every key is optional; an unknown key or a wrong type is an error (exit 2), never ignored.
# Relative file names resolve against this file's directory.

# Lowest severity that fails the run: low, medium, high, critical, or none.
fail_on: high

# Run only these checks or families (empty: all), and never these.
enable: []
disable: []
#   - IAG-AK-001
#   - access-keys

# Change a check's severity: {CHECK-ID: low|medium|high|critical}
severity_overrides: {}

# Zone of trust: principals in these accounts / this organization are not "external".
# Account ids are 12-digit strings: quote them.
deploy_accounts: []      # e.g. ["111122223333"]
trusted_accounts: []     # e.g. ["444455556666"]
# organization_id: o-a1b2c3d4e5

# Require a permissions boundary on every role and user created.
require_permissions_boundary: false

# Opt-in check groups: account-baseline (root user, password policy, account guardrails).
profiles: []

# Inputs for every template and module ...
var_files: []            # Terraform .tfvars files
variables: {}            # Terraform variables: {name: value}
parameters: {}           # CloudFormation parameters: {Name: value}
parameter_files: []      # CloudFormation parameter files (CLI, CodePipeline or plain mapping)

# ... and per path (a template file or a directory of templates/modules; the most specific wins).
paths: {}
#   infra/prod:
#     var_files: [infra/prod/prod.tfvars]
#     parameters: {Environment: prod}

# Terraform directories applied as they stand: there a variable without a value is unresolved
# (exit 2). Elsewhere a directory without backend, provider block or tfvars of its own is a
# library, whose inputs are judged where its callers pass them.
roots: []                # e.g. [infra/prod]

# Paths that are not deployed (fixtures, examples), never scanned: globs relative to the
# repository root. `*` within a name, `**` across directories; a pattern without `/` matches
# any file or directory of that name; a directory that matches excludes everything below it.
# A local module a scanned root calls is still read with that root.
exclude: []
#   - examples/**
#   - tests/fixtures
#   - "*.test.yaml"

# Findings recorded by `iacguard baseline` that `scan` does not block on.
# baseline: .iacguard-baseline.json

# Policies that cannot be resolved before deploy fail the run (exit 2) unless this is true.
allow_unresolved: false

# Terraform module calls whose code is not on disk (registry or git sources before
# `terraform init`) are named in the report; `error` fails the run on them (exit 2).
modules_not_on_disk: report
"""


def write_starter(directory: Path, *, force: bool = False) -> Path:
    """Write the commented starter `.iacguard.yaml` into ``directory``; never overwrites an
    existing file unless ``force``."""
    if not directory.is_dir():
        raise UsageError(f"not a directory: {directory}")
    target = directory / ".iacguard.yaml"
    if target.exists() and not force:
        raise UsageError(f"{target} already exists (use --force to overwrite)")
    try:
        target.write_text(STARTER, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
