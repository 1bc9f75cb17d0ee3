"""JUnit XML for GitLab (``artifacts:reports:junit``) and Jenkins (``junit`` step).

GitLab shows ``testcase@classname`` as the suite and the *content* of ``<failure>``, so the
file is the classname and the body carries the location and message. Blocking findings (at or
above fail-on) are failures, findings below fail-on pass with their text in ``system-out``,
suppressed and baselined findings are skipped, and unreadable files or unresolved policies are
errors. Every scanned file without findings is one passing case, so a clean run is visible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from .ci_common import construct_suffix, display_path
from .safe import inert_markup, visible

if TYPE_CHECKING:  # types only: reports are imported before a scan runs
    from ..engine import ScanResult
    from ..settings import Settings


def _text(value: object) -> str:
    # Also removes every character XML 1.0 cannot carry (a C0 control in a name, U+FFFE).
    return visible(value)


def _unique(name: str, seen: set) -> str:
    """GitLab drops cases with a duplicate classname+name pair, so make each one unique."""
    candidate, n = name, 2
    while candidate in seen:
        candidate = f"{name} #{n}"
        n += 1
    seen.add(candidate)
    return candidate


def as_element(result: ScanResult, settings: Settings) -> ET.Element:
    root = getattr(result, "root", None)
    blocking = {id(f) for f in result.blocking(settings.fail_on)}
    suite = ET.Element("testsuite", name="iacguard")
    seen: set[tuple[str, str]] = set()
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}

    def case(classname: str, name: str, file: str) -> ET.Element:
        names = {n for c, n in seen if c == classname}
        unique = _unique(name, names)
        seen.add((classname, unique))
        counts["tests"] += 1
        return ET.SubElement(suite, "testcase", classname=_text(classname), name=_text(unique),
                             file=_text(file), time="0")

    files_with_findings = set()
    for finding in result.findings:
        path = display_path(finding.file, root)
        files_with_findings.add(finding.file)
        element = case(path, f"{finding.rule_id} {finding.resource}", path)
        body = (f"{_text(path)}:{finding.line} {_text(finding.resource)} ({_text(finding.resource_type)})\n"
                f"{finding.severity.upper()} {_text(finding.rule_id)}: {_text(finding.title)}\n"
                f"{_text(finding.message + construct_suffix(finding))}")
        if finding.suppressed or finding.baselined:
            reason = "baselined" if finding.baselined else f"suppressed: {finding.suppression_reason or 'no reason given'}"
            ET.SubElement(element, "skipped", message=_text(reason)).text = body
            counts["skipped"] += 1
        elif id(finding) in blocking:
            ET.SubElement(element, "failure", message=_text(finding.message),
                          type=finding.severity.upper()).text = body
            counts["failures"] += 1
        else:
            ET.SubElement(element, "system-out").text = f"below fail-on {settings.fail_on}: {body}"
    for kind, errors in (("input-error", result.errors), ("unresolved", result.unresolved)):
        for error in errors:
            path = display_path(error.file, root) if error.file else "iacguard"
            element = case(path, f"{kind} line {error.line}" if error.line else kind, path)
            where = f"{path}:{error.line}" if error.line else path
            ET.SubElement(element, "error", message=_text(error.message), type=kind).text = \
                _text(f"{where}: {error.message}")
            counts["errors"] += 1
    error_files = {e.file for e in [*result.errors, *result.unresolved]}
    for file in result.files:
        if file not in files_with_findings and file not in error_files:
            path = display_path(file, root)
            case(path, "iacguard scan", path)
    for key, value in counts.items():
        suite.set(key, str(value))
    suite.set("time", "0")
    suites = ET.Element("testsuites", {"name": "iacguard", **{k: str(v) for k, v in counts.items() if k != "skipped"}})
    suites.append(suite)
    return suites


def render(result: ScanResult, settings: Settings) -> str:
    element = as_element(result, settings)
    ET.indent(element)
    # A line of the body can start with a name ("::error::..." as a logical id): write such
    # markers as character references, which any XML reader turns back into the same text.
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + inert_markup(ET.tostring(element, encoding="unicode")) + "\n"
