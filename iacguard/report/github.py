"""GitHub Actions output: workflow-command annotations and a Markdown step summary.

GitHub shows at most 10 error and 10 warning annotations per step, so the most severe
blocking findings (and input errors) become ``::error``, the most severe other findings
``::warning``, and one ``::notice`` says how many were left out. The full list goes to the
Markdown step summary (``$GITHUB_STEP_SUMMARY``, capped below GitHub's 1 MiB per step) when
that variable is set, and to SARIF for code scanning.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from ..framework import active_findings
from ..severity import MOST_SEVERE_FIRST, SEVERITIES, severity_rank
from .ci_common import construct_suffix, display_path, first_sentence
from .safe import inert_legacy, markdown_text, visible

if TYPE_CHECKING:  # types only: reports are imported before a scan runs
    from ..engine import ScanResult
    from ..settings import Settings

MAX_ERRORS = 10
MAX_WARNINGS = 10
# GitHub refuses step summaries over 1 MiB; keep a margin for what other steps append.
SUMMARY_LIMIT = 900 * 1024
_ERROR_RANK = len(SEVERITIES)  # input errors sort above critical


def escape_data(text: str) -> str:
    # Each annotation is one line of text: line breaks and every other control character (ESC
    # colours the log) become visible escapes; %, CR and LF are what the runner unescapes.
    # "##[" too: the runner reads the legacy form anywhere in a line it could not parse otherwise.
    return inert_legacy(visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **properties: Any) -> str:
    """One workflow command line: ``::error file=a.tf,line=3,title=X::message``."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items()
                     if value not in (None, ""))
    return f"::{kind}{' ' + props if props else ''}::{escape_data(message)}"


def annotation_commands(result: ScanResult, settings: Settings) -> list[str]:
    root = getattr(result, "root", None)
    blocking_ids = {id(f) for f in result.blocking(settings.fail_on)}
    errors: list[tuple[int, str]] = []
    warnings: list[tuple[int, str]] = []
    for finding in active_findings(result.findings):
        text = f"{finding.message}{construct_suffix(finding)}"
        line = command("error" if id(finding) in blocking_ids else "warning", text,
                       file=display_path(finding.file, root), line=max(int(finding.line or 1), 1),
                       title=f"{finding.rule_id} ({finding.severity}): {finding.title}")
        target = errors if id(finding) in blocking_ids else warnings
        target.append((severity_rank(finding.severity), line))
    for kind, problems in (("input error", result.errors), ("unresolved", result.unresolved)):
        for problem in problems:
            errors.append((_ERROR_RANK, command(
                "error", problem.message, file=display_path(problem.file, root) if problem.file else None,
                line=problem.line or None, title=f"iacguard {kind}")))
    for entry in getattr(result, "not_analysed", ()):
        warnings.append((-1, command("notice", entry.message, file=display_path(entry.file, root),
                                     line=entry.line or None, title="iacguard: module not analysed")))
    # stable sort: most severe first, report order (file, line) within a severity
    errors.sort(key=lambda item: -item[0])
    warnings.sort(key=lambda item: -item[0])
    lines = [text for _, text in errors[:MAX_ERRORS]] + [text for _, text in warnings[:MAX_WARNINGS]]
    left_out = max(0, len(errors) - MAX_ERRORS) + max(0, len(warnings) - MAX_WARNINGS)
    if left_out:
        lines.append(command("notice", f"{left_out} more iacguard annotations were left out (GitHub shows "
                                       f"{MAX_ERRORS} errors and {MAX_WARNINGS} warnings per step); "
                                       "see the step summary or the SARIF report",
                             title="iacguard"))
    return lines


def _cell(text: object) -> str:
    return markdown_text(text)


def _doc_cell(text: str) -> str:
    """Our own check documentation (Markdown meant to render) in one table-safe line."""
    return " ".join(text.split()).replace("|", "\\|")


def _code(text: object, in_table: bool = True) -> str:
    """Literal text as a code span: HTML and emphasis mean nothing there, and a fence longer
    than any run of backticks in the text keeps the span closed. A table cell still splits at
    ``|`` unless it is written ``\\|``."""
    flat = inert_legacy(" ".join(visible(text).split()))  # no escape works in a code span
    if in_table:
        flat = flat.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", flat)), default=0) + 1)
    padding = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{padding}{flat}{padding}{fence}"


def summary_markdown(result: ScanResult, settings: Settings, limit: int = SUMMARY_LIMIT) -> str:
    root = getattr(result, "root", None)
    findings = active_findings(result.findings)
    blocking = result.blocking(settings.fail_on)
    exit_code = result.exit_code(settings)
    verdict = "❌ failed" if exit_code else "✅ passed"
    not_analysed = list(getattr(result, "not_analysed", ()))
    parts = [f"## iacguard: {verdict}\n",
             f"{len(result.files)} files, {result.resource_total} resources: **{len(findings)} findings**, "
             f"{len(blocking)} blocking at fail-on `{settings.fail_on}`; {len(result.errors)} input errors, "
             f"{len(result.unresolved)} unresolved policies"
             + (f", {len(not_analysed)} module calls not analysed" if not_analysed else "") + ".\n",
             "| " + " | ".join(s.capitalize() for s in MOST_SEVERE_FIRST) + " | Suppressed |",
             "|" + "---:|" * (len(MOST_SEVERE_FIRST) + 1),
             "| " + " | ".join(str(sum(1 for f in findings if f.severity == s))
                              for s in MOST_SEVERE_FIRST)
             + f" | {len(result.findings) - len(findings)} |\n"]
    rows: list[str] = []
    if findings:
        rows += ["| Severity | Check | Resource | Location | Finding |", "|---|---|---|---|---|"]
        ordered = sorted(findings, key=lambda f: (-severity_rank(f.severity), f.file, f.line, f.rule_id))
        for finding in ordered:
            resource = _cell(finding.resource) + (f" ({_code(finding.construct_path)})" if finding.construct_path else "")
            rows.append(f"| {finding.severity} | {_cell(finding.rule_id)} | {resource} | "
                        f"{_code(f'{display_path(finding.file, root)}:{finding.line}')} | {_cell(finding.message)} |")
    problems = [("input error", e) for e in result.errors] + [("unresolved", e) for e in result.unresolved]
    if problems:
        rows += ["", "### Errors", ""]
        for kind, problem in problems:
            where = display_path(problem.file, root) if problem.file else "input"
            where += f":{problem.line}" if problem.line else ""
            rows.append(f"- {_code(where, in_table=False)} {kind}: {_cell(problem.message)}")
    if not_analysed:
        rows += ["", "### Not analysed", ""]
        for entry in not_analysed:
            where = f"{display_path(entry.file, root)}:{entry.line}"
            rows.append(f"- {_code(where, in_table=False)} {_cell(entry.message)}")
    text = "\n".join(parts)
    used = len(text.encode("utf-8"))
    for index, row in enumerate(rows):
        size = len(row.encode("utf-8")) + 1
        if used + size > limit - 200:
            text += f"\n\n… {len(rows) - index} more lines left out (GitHub limits step summaries to 1 MiB); " \
                    "see the SARIF or JSON report."
            break
        text += "\n" + row
        used += size
    fixes = sorted({(f.rule_id, f.title) for f in blocking})
    if fixes and used < limit - 4096:
        text += "\n\n<details><summary>How to fix</summary>\n\n"
        metas = getattr(result, "checks", None) or {}
        for rule_id, title in fixes[:30]:
            meta = metas.get(rule_id)
            # in the language of the rule's blocking findings, when they share one
            languages = {_language(f) for f in blocking if f.rule_id == rule_id}
            fix = "" if meta is None else first_sentence(meta.fix_in(languages.pop()) if len(languages) == 1
                                                         else meta.fix)
            text += f"- **{_cell(rule_id)}** {_doc_cell(title)}: {_doc_cell(fix)}\n"
        text += "\n</details>"
    return text + _diagrams(result, settings, findings, limit - len(text.encode("utf-8"))) + "\n"


def _language(finding: Any) -> str:
    """terraform or cloudformation, by the finding's resource type (aws_... / AWS::...)."""
    return "cloudformation" if "::" in str(finding.resource_type) else "terraform"


MAX_DIAGRAMS = 10
MAX_DIAGRAM_NODES = 12


def _diagrams(result: ScanResult, settings: Settings, findings: list, room: int) -> str:
    """A Mermaid picture per escalation path and external grant (GitHub renders them), most
    severe first, at most MAX_DIAGRAMS of MAX_DIAGRAM_NODES nodes, within the size left."""
    if getattr(result, "model", None) is None:
        return ""
    from .graph_view import finding_view, is_pictured, render_mermaid

    pictured = sorted((f for f in findings if is_pictured(f)),
                      key=lambda f: (-severity_rank(f.severity), f.file, f.line, f.rule_id))
    blocks: list[str] = []
    used = 0
    for finding in pictured:
        if len(blocks) == MAX_DIAGRAMS:
            break
        view = finding_view(result, settings, finding)
        if not view.edges:
            continue
        block = (f"\n**{_cell(finding.rule_id)}** {_cell(finding.resource)}: {_cell(finding.message)}\n\n"
                 f"```mermaid\n{render_mermaid(view, MAX_DIAGRAM_NODES)}```\n")
        size = len(block.encode("utf-8"))
        if used + size > room - 4096:
            break
        blocks.append(block)
        used += size
    if not blocks:
        return ""
    left_out = sum(1 for f in pictured) - len(blocks)
    head = "\n\n### Paths and grants\n"
    tail = f"\n… {left_out} more findings with a path or grant; `iacguard graph` draws them all.\n" if left_out else ""
    return head + "".join(blocks) + tail


def write_step_summary(result: ScanResult, settings: Settings, path: str | None = None) -> str | None:
    """Append the Markdown summary to ``path`` (default ``$GITHUB_STEP_SUMMARY``).
    Returns an error text when the file cannot be written, else None."""
    path = path or os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return None
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(summary_markdown(result, settings))
    except OSError as exc:
        return f"could not write the step summary to {path}: {exc.strerror or exc}"
    return None


def render(result: ScanResult, settings: Settings) -> str:
    """Annotations and a one-line verdict for the step log; writes the step summary as a side
    effect when ``$GITHUB_STEP_SUMMARY`` is set (as it is in every Actions step)."""
    lines = annotation_commands(result, settings)
    problem = write_step_summary(result, settings)
    if problem:
        lines.append(command("warning", problem, title="iacguard"))
    active_count = len(active_findings(result.findings))
    blocking = len(result.blocking(settings.fail_on))
    lines.append(f"iacguard: {len(result.files)} files, {active_count} findings, {blocking} blocking at fail-on "
                 f"{settings.fail_on}, {len(result.errors)} errors, {len(result.unresolved)} unresolved")
    return "\n".join(lines) + "\n"
