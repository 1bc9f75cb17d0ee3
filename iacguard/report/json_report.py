"""The versioned JSON output contract (see docs/output.md)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..framework import active_findings
from ..severity import MOST_SEVERE_FIRST
from .safe import inert_json

if TYPE_CHECKING:  # types only: reports are imported before a scan runs
    from ..engine import ScanResult
    from ..settings import Settings

VERSION = 1


def summary(result: ScanResult, settings: Settings) -> dict:
    active = active_findings(result.findings)
    return {
        "files_scanned": len(result.files),
        # files not scanned by reason ("excluded by 'examples/**'", "not infrastructure", "empty",
        # "too large", "ignored by Terraform"), and tool directories not walked by name
        "skipped": result.skipped_counts(),
        "skipped_directories": dict(getattr(result, "skipped_dirs", {})),
        "resources": result.resource_total,
        "findings": len(active),
        "suppressed": sum(1 for f in result.findings if f.suppressed),
        "baselined": sum(1 for f in result.findings if f.baselined),
        "blocking": len(result.blocking(settings.fail_on)),
        "by_severity": {s: sum(1 for f in active if f.severity == s) for s in MOST_SEVERE_FIRST},
        "by_family": {fam: n for fam, n in sorted(_count(f.family for f in active).items())},
        "errors": len(result.errors),
        "unresolved": len(result.unresolved),
        "not_analysed": len(getattr(result, "not_analysed", ())),
        "fail_on": settings.fail_on,
        "exit_code": result.exit_code(settings),
        "exit_reason": result.exit_reason(settings),
        "libraries": [{"directory": directory, "inputs": inputs} for directory, inputs in result.libraries().items()],
        **({"baseline": result.baseline} if getattr(result, "baseline", None) else {}),
        **({"diff": result.diff} if getattr(result, "diff", None) else {}),
    }


def _count(items) -> dict:
    counts: dict = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def as_document(result: ScanResult, settings: Settings) -> dict:
    errors = [dict(e.as_dict(), kind=getattr(e, "kind", "input")) for e in result.errors]
    errors += [dict(e.as_dict(), kind="unresolved") for e in result.unresolved]
    return {
        "version": VERSION,
        "findings": [f.as_dict() for f in result.findings],
        "errors": errors,
        # module calls whose code is not on disk: {file, line, message, module, source, version}
        "not_analysed": [e.as_dict() for e in getattr(result, "not_analysed", ())],
        "summary": summary(result, settings),
    }


def render(result: ScanResult, settings: Settings) -> str:
    # JSON keeps every value exact: json.dumps writes controls and non-ASCII as \u escapes, and
    # inert_json the "##[" an Actions log would read as a command.
    return inert_json(json.dumps(as_document(result, settings), indent=2, sort_keys=False, default=str)) + "\n"
