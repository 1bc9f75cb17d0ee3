"""Settings: from `.iacguard.yaml` or `[tool.iacguard]` in pyproject.toml, then the command line.

Unknown keys and wrong types are errors naming the key, never silently ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import UsageError

ACCOUNT_RE = re.compile(r"^\d{12}$")
ORG_RE = re.compile(r"^o-[a-z0-9]{10,32}$")


@dataclass
class Settings:
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
    checks_dirs: list[str] = field(default_factory=list)
    allow_unresolved: bool = False
    max_file_size: int = 20 * 1024 * 1024
    source: str | None = None  # where the settings came from

    def check_enabled(self, check_id: str, family: str) -> bool:
        if self.enable and check_id not in self.enable and family not in self.enable:
            return False
        return check_id not in self.disable and family not in self.disable


_TYPES: dict[str, Any] = {
    "fail_on": str, "enable": list, "disable": list, "severity_overrides": dict,
    "deploy_accounts": list, "organization_id": str, "trusted_accounts": list,
    "require_permissions_boundary": bool, "profiles": list, "var_files": list, "variables": dict,
    "parameters": dict, "parameter_files": list, "checks_dirs": list, "allow_unresolved": bool,
    "max_file_size": int,
}


def validate(raw: Any, source: str) -> Settings:
    from .framework import SEVERITIES

    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise UsageError("settings must be a mapping", file=source)
    settings = Settings(source=source)
    known = {f.name for f in fields(Settings)} - {"source"}
    for key, value in raw.items():
        name = str(key).replace("-", "_")
        if name not in known:
            raise UsageError(f"unknown setting {key!r}", file=source)
        expected = _TYPES[name]
        if expected is int and isinstance(value, bool) or not isinstance(value, expected):
            raise UsageError(f"setting {key!r} must be a {expected.__name__}, got {type(value).__name__}", file=source)
        if expected is list and not all(isinstance(v, str) for v in value):
            raise UsageError(f"setting {key!r} must be a list of strings", file=source)
        setattr(settings, name, value)
    if settings.fail_on not in SEVERITIES + ("none",):
        raise UsageError(f"setting 'fail_on' must be one of {', '.join(SEVERITIES)} or none", file=source)
    for key in ("deploy_accounts", "trusted_accounts"):
        for account in getattr(settings, key):
            if not ACCOUNT_RE.match(account):
                raise UsageError(f"setting {key!r}: {account!r} is not a 12-digit account id (quote it)", file=source)
    if settings.organization_id is not None and not ORG_RE.match(settings.organization_id):
        raise UsageError(f"setting 'organization_id': {settings.organization_id!r} is not an o-... id", file=source)
    for check_id, severity in settings.severity_overrides.items():
        if severity not in SEVERITIES:
            raise UsageError(f"setting 'severity_overrides': {check_id}: unknown severity {severity!r}", file=source)
    return settings


def find_settings_file(start: Path) -> Path | None:
    """`.iacguard.yaml` in the scan root, else the first pyproject.toml with [tool.iacguard] walking up."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    if (directory / ".iacguard.yaml").is_file():
        return directory / ".iacguard.yaml"
    for candidate in [directory, *directory.parents]:
        if (candidate / ".iacguard.yaml").is_file() and candidate == directory:
            return candidate / ".iacguard.yaml"
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and "[tool.iacguard]" in pyproject.read_text(encoding="utf-8", errors="replace"):
            return pyproject
    return None


def load_settings(path: Path | None) -> Settings:
    if path is None:
        return Settings()
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.name == "pyproject.toml":
        try:
            import tomllib
        except ImportError:  # Python 3.10
            import tomli as tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"invalid TOML: {exc}", file=str(path)) from None
        return validate(data.get("tool", {}).get("iacguard", {}), str(path))
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise UsageError(f"invalid YAML: {getattr(exc, 'problem', exc)}", file=str(path),
                         line=line + 1 if line is not None else None) from None
    return validate(data, str(path))
