"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run, one rule per check that reported (or could have reported) in this scan, one result per
finding. Suppressed and baselined findings stay in the log with ``suppressions`` so viewers
show them as dismissed rather than losing them. Input errors and unresolved policies become
tool execution notifications: they are not findings about the code, but the run was not clean.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import quote

from .. import __version__
from .ci_common import SECURITY_SEVERITY, check_metadata, construct_suffix, display_path
from .safe import inert_json, visible

if TYPE_CHECKING:  # types only: reports are imported before a scan runs
    from pathlib import Path

    from ..engine import ScanResult
    from ..errors import IacguardError
    from ..framework import CheckMeta, Finding
    from ..settings import Settings

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/iacguard/iacguard"
# GitHub keeps at most 25,000 results per run; more are dropped by the upload, so we say so.
MAX_RESULTS = 25_000
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_TEXT_LIMIT = 1024  # GitHub's limit for rule short/full descriptions


def _clip(text: str, limit: int = _TEXT_LIMIT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def artifact_uri(file: str, root: Path | None) -> str:
    """A relative URI reference (RFC 3986) for a scanned file: every byte but the unreserved
    characters and ``/`` percent-encoded (UTF-8), so a space, ``%``, ``#``, ``?``, a ``:`` in the
    first segment or a control character cannot change what the URI points at."""
    return quote(display_path(file, root), safe="/", errors="surrogateescape")


def _rule(rule_id: str, meta: CheckMeta | None, sample: Finding | None) -> dict:
    """A reportingDescriptor from the check's metadata, or from a finding of a foreign rule
    (cfn-lint) that has no CheckMeta."""
    if meta is not None:
        severity, family, title = meta.severity, meta.family, meta.title
        why, fix, controls = meta.why, meta.fix, list(meta.controls)
    else:
        assert sample is not None, "a rule is an enabled check or has a finding"
        severity, family, title = sample.severity, sample.family, sample.title
        why, fix, controls = sample.title, "See the rule's documentation.", []
    markdown = f"**{title}**\n\n{why}\n\n**Fix:** {fix}"
    if controls:
        markdown += "\n\n**Controls:** " + ", ".join(controls)
    tags = ["security", family] + controls[:8]
    return {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.replace("-", " ").split()),
        "shortDescription": {"text": _clip(title) or rule_id},
        "fullDescription": {"text": _clip(why) or rule_id},
        "help": {"text": f"{why}\n\nFix: {fix}".strip(), "markdown": markdown},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": {
            "tags": tags,
            "precision": "high",
            "security-severity": SECURITY_SEVERITY[severity],
        },
    }


def _result(finding: Finding, rule_index: int, root: Path | None) -> dict:
    uri = artifact_uri(finding.file, root)
    line = max(int(finding.line or 1), 1)
    message = visible(finding.message + construct_suffix(finding))
    result: dict = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": message},
        "locations": [{
            "physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": line}},
            "logicalLocations": [{"name": visible(finding.resource), "kind": "resource",
                                  "fullyQualifiedName": visible(f"{finding.resource_type}/{finding.resource}")}],
        }],
        # The fingerprint survives line moves, so alerts follow the finding, not the line.
        "partialFingerprints": {"primaryLocationLineHash": finding.fingerprint,
                                "iacguard/v1": finding.fingerprint},
        "properties": {"severity": finding.severity, "family": finding.family,
                       "resource": visible(finding.resource), "resourceType": visible(finding.resource_type)},
    }
    if finding.construct_path:
        result["properties"]["cdkPath"] = visible(finding.construct_path)
    if getattr(finding, "plan_action", None):
        result["properties"]["planAction"] = visible(finding.plan_action)
        if finding.plan_actions:
            result["properties"]["planActions"] = {visible(a): visible(v) for a, v in finding.plan_actions.items()}
    suppressions = []
    if finding.suppressed:
        suppression = {"kind": "inSource", "status": "accepted"}
        if finding.suppression_reason:
            suppression["justification"] = visible(finding.suppression_reason)
        suppressions.append(suppression)
    if finding.baselined:
        suppressions.append({"kind": "external", "status": "accepted",
                             "justification": "accepted in the baseline"})
        result["baselineState"] = "unchanged"
    if suppressions:
        result["suppressions"] = suppressions
    return result


def _notification(error: IacguardError, kind: str, root: Path | None, level: str = "error") -> dict:
    notification: dict = {"level": level, "message": {"text": f"{kind}: {visible(error.message)}"},
                          "descriptor": {"id": f"iacguard/{kind}"}}
    if error.file:
        region = {"startLine": int(error.line)} if error.line else None
        location: dict = {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(error.file, root)}}}
        if region:
            location["physicalLocation"]["region"] = region
        notification["locations"] = [location]
    return notification


def as_document(result: ScanResult, settings: Settings) -> dict:
    metas = check_metadata(result)
    findings = list(result.findings)[:MAX_RESULTS]
    root = getattr(result, "root", None)
    rules: list[dict] = []
    rule_index: dict[str, int] = {}
    samples: dict[str, Finding] = {}
    for finding in findings:
        samples.setdefault(finding.rule_id, finding)
    # Every enabled check is a rule, so a fixed finding's rule stays known to the viewer.
    for rule_id in sorted(set(metas) | set(samples)):
        meta = metas.get(rule_id)
        if meta is not None and rule_id not in samples and not settings.check_enabled(meta.id, meta.family):
            continue
        rule_index[rule_id] = len(rules)
        rules.append(_rule(rule_id, meta, samples.get(rule_id)))
    notifications = [_notification(e, "input-error", root) for e in result.errors]
    notifications += [_notification(e, "unresolved", root) for e in result.unresolved]
    notifications += [_notification(e, "not-analysed", root, "note") for e in getattr(result, "not_analysed", ())]
    if len(result.findings) > MAX_RESULTS:
        notifications.append({"level": "warning", "message": {
            "text": f"{len(result.findings) - MAX_RESULTS} more findings are not in this SARIF log "
                    f"(code scanning keeps {MAX_RESULTS} per run); see the JSON report"}})
    run = {
        "tool": {"driver": {"name": "iacguard", "semanticVersion": __version__, "version": __version__,
                            "informationUri": INFORMATION_URI, "rules": rules}},
        "automationDetails": {"id": "iacguard/"},
        "invocations": [{"executionSuccessful": not result.errors,
                         "exitCode": result.exit_code(settings),
                         "toolExecutionNotifications": notifications}],
        "results": [_result(f, rule_index[f.rule_id], root) for f in findings],
        "columnKind": "unicodeCodePoints",
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: ScanResult, settings: Settings) -> str:
    # Viewers show messages and names as text: those are escaped like the terminal's (visible);
    # the JSON itself is ASCII, and inert for the Actions runner when printed in a log.
    return inert_json(json.dumps(as_document(result, settings), indent=2)) + "\n"
