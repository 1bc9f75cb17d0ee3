"""Readable terminal output grouped by file, most severe first within a file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..framework import active_findings
from ..severity import MOST_SEVERE_FIRST, severity_rank
from .safe import inert_lines, visible

if TYPE_CHECKING:  # types only: reports are imported before a scan runs
    from ..engine import ScanResult
    from ..settings import Settings


# ANSI styles, added by this renderer only: every text from the input goes through visible(),
# which shows an escape character as \x1b, so input can never colour or move the terminal.
_STYLE = {"critical": "\x1b[1;31m", "high": "\x1b[31m", "medium": "\x1b[33m", "low": "\x1b[36m",
          "FAILED": "\x1b[1;31m", "ERROR": "\x1b[1;31m", "PASSED": "\x1b[1;32m", "dim": "\x1b[2m"}
_RESET = "\x1b[0m"


def render(result: ScanResult, settings: Settings, *, colour: bool = False, quiet: bool = False) -> str:
    """The report as text. ``colour``: ANSI colours (the CLI asks for them on a terminal unless
    NO_COLOR is set). ``quiet``: only the blocking findings, the problems and the verdict."""
    def paint(style: str, text: str) -> str:
        return f"{_STYLE[style]}{text}{_RESET}" if colour else text

    lines: list[str] = []
    by_file: dict[str, list] = {}
    shown = result.blocking(settings.fail_on) if quiet else result.findings
    for finding in shown:
        by_file.setdefault(finding.file, []).append(finding)
    for file in sorted(by_file):
        lines.append(visible(file))
        for f in sorted(by_file[file], key=lambda f: (f.line, -severity_rank(f.severity), f.rule_id)):
            tag = " (suppressed)" if f.suppressed else " (baselined)" if f.baselined else ""
            if getattr(f, "diff", None):
                tag += f" [{f.diff}]"
            if getattr(f, "plan_action", None):
                tag = f" ({visible(f.plan_action)})" + tag  # what the plan does to it
            level = paint(f.severity, f"{f.severity.upper():<8}") if f.severity in _STYLE else f"{f.severity.upper():<8}"
            lines.append(f"  {f.line:>5}  {level} {visible(f.rule_id):<8} {visible(f.resource)}{tag}"
                         f" {paint('dim', '- ' + visible(f.title))}")
            lines.append(f"         {visible(f.message)}")
            if getattr(f, "when", None):
                lines.append(f"         only when {visible(f.when)}")
            if getattr(f, "plan_actions", None):
                others = ", ".join(f"{visible(address)} {visible(action)}" for address, action in f.plan_actions.items())
                lines.append(f"         with {others}")
            if f.suppressed and f.suppression_reason:
                lines.append(f"         suppressed by {visible(f.suppression_reason)}")
            if getattr(f, "construct_path", None):
                lines.append(f"         CDK construct: {visible(f.construct_path)}")
            lines.append(paint("dim", f"         why and how to fix: iacguard explain {visible(f.rule_id)}"))
        lines.append("")
    problems = [("error", e) for e in result.errors] + [("unresolved", e) for e in result.unresolved]
    if problems:
        lines.append("Errors")
        for kind, error in problems:
            where = visible(error.file) if error.file else "<input>"
            if error.line:
                where += f":{error.line}"
            lines.append(f"  {where}: {kind}: {visible(error.message)}")
        lines.append("")
    for directory, inputs in result.libraries().items():
        lines.append(f"{visible(directory)}: inputs not known: {visible(', '.join(inputs))} "
                     "(library: judged where callers pass them)")
    not_analysed = list(getattr(result, "not_analysed", ()))
    if not_analysed:
        lines.append("Not analysed")
        for entry in not_analysed:
            lines.append(f"  {visible(entry.file)}:{entry.line}: {visible(entry.message)}")
        lines.append("")
    active = active_findings(result.findings)
    counts = ", ".join(f"{sum(1 for f in active if f.severity == s)} {s}"
                       for s in MOST_SEVERE_FIRST)
    lines.append(f"{len(result.files)} files, {result.resource_total} resources: {len(active)} findings ({counts}); "
                 f"{len(result.errors)} errors, {len(result.unresolved)} unresolved"
                 + (f", {len(not_analysed)} module calls not analysed" if not_analysed else ""))
    skipped_line = skipped_summary(result)
    if skipped_line:
        lines.append(skipped_line)
    suppressed = sum(1 for f in result.findings if f.suppressed)
    baselined = sum(1 for f in result.findings if f.baselined)
    if suppressed or baselined or getattr(result, "baseline", None):
        lines.append(f"not counted above: {suppressed} suppressed inline, {baselined} baselined"
                     + (f" (baseline {visible(result.baseline)})" if getattr(result, "baseline", None) else ""))
    diff = getattr(result, "diff", None)
    if diff:
        lines.append(f"against {visible(diff['base'])}: {diff['new']} new, {diff['worse']} worse, "
                     f"{diff['unchanged']} unchanged (not blocking), {diff['fixed']} fixed")
    blocking = len(result.blocking(settings.fail_on))
    code = result.exit_code(settings)
    verdict = {0: "PASSED", 1: "FAILED"}.get(code, "ERROR")
    reason = result.exit_reason(settings)
    if reason:  # exit 2: a person must act on the inputs first; the findings are said after
        lines.append(f"{paint(verdict, verdict)}: {visible(reason.removeprefix('exit 2: '))}")
        lines.append(f"and {blocking} blocking at fail-on {settings.fail_on}")
    else:
        lines.append(f"{paint(verdict, verdict)}: {blocking} blocking at fail-on {settings.fail_on}")
    if quiet:
        hidden = len(active_findings(result.findings)) - blocking
        if hidden > 0:
            lines.append(f"({hidden} findings below fail-on {settings.fail_on} not shown: --quiet)")
    # Every field above is one line; a name that starts a line (a file) or holds "##[" still
    # must not read as a GitHub Actions workflow command.
    return inert_lines("\n".join(lines)) + "\n"


def skipped_summary(result: ScanResult) -> str | None:
    """``skipped 14 files: 12 excluded by 'examples/**', 2 not infrastructure; not walked:
    .terraform (2)``, or None when nothing was skipped."""
    counts = result.skipped_counts()
    directories = getattr(result, "skipped_dirs", {})
    parts = []
    if counts:
        total = sum(counts.values())
        parts.append(f"skipped {total} file{'s' if total != 1 else ''}: "
                     + ", ".join(f"{count} {visible(reason)}" for reason, count in counts.items()))
    if directories:
        parts.append("not walked: " + ", ".join(f"{visible(name)} ({count})" for name, count in directories.items()))
    return "; ".join(parts) if parts else None
