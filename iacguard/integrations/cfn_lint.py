"""``--cfn-lint``: cfn-lint's template-validity rules merged into the same report.

cfn-lint checks that a template will deploy (resource schemas, intrinsic functions, references);
iacguard checks what it grants. With ``--cfn-lint`` every CloudFormation template of the run is
linted and each cfn-lint match becomes a finding of family ``template-validity`` with cfn-lint's
rule id kept (``E3002``), so one report and one exit code cover both. cfn-lint is imported only
here (it takes about a second to import).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, UsageError
from ..framework import Finding, fingerprint
from ..resource import CLOUDFORMATION

if TYPE_CHECKING:  # types only, imported when a scan runs
    from ..engine import ScanResult
    from ..settings import Settings

FAMILY = "template-validity"
# cfn-lint errors stop a deployment; warnings are likely mistakes; informational are hints.
SEVERITY = {"error": "high", "warning": "medium", "informational": "low"}


def cloudformation_files(result: ScanResult) -> list[str]:
    """Templates of the run, as reported (relative to the scan root), in report order."""
    return sorted({r.file for r in result.resources if r.source == CLOUDFORMATION})


def lint_template(path: Path, regions: list[str] | None = None) -> list:
    """cfn-lint matches for one template file (raises UsageError when cfn-lint is missing)."""
    try:
        from cfnlint.config import ConfigMixIn
        from cfnlint.runner import Runner
    except ImportError:
        raise UsageError("--cfn-lint needs cfn-lint: pip install 'iacguard-gate[cfn-lint]'") from None

    class WithoutConfigFiles(ConfigMixIn):
        # cfn-lint's own lint_file reads .cfnlintrc from the working directory (the scanned
        # checkout) and the home directory; its append_rules would import Python from there.
        def _find_config(self):
            return "", ""

    config = WithoutConfigFiles(["--template", str(path)], regions=regions or ["us-east-1"])
    return list(Runner(config).run())


def match_finding(match: Any, file: str, template_types: dict[str, str]) -> Finding:
    rule = match.rule
    path = list(getattr(match, "path", None) or [])
    if len(path) >= 2 and path[0] == "Resources":
        resource = str(path[1])
        resource_type = template_types.get(resource, "AWS::CloudFormation::Resource")
    else:
        resource = str(path[0]) if path else "template"
        resource_type = "template-section"
    path_text = "/".join(str(p) for p in path)
    message = f"{resource}: {match.message}" + (f" (at {path_text})" if path_text else "")
    severity = SEVERITY.get(str(getattr(rule, "severity", "error")).lower(), "high")
    return Finding(
        rule_id=rule.id, family=FAMILY, severity=severity, title=rule.shortdesc or rule.id, message=message,
        resource=resource, resource_type=resource_type, file=file, line=int(match.linenumber or 1),
        # the JSON path and message say what is wrong; neither moves with unrelated edits
        fingerprint=fingerprint(rule.id, file, resource, f"{path_text}\x1f{match.message}"),
        evidence={"source": "cfn-lint", "path": path_text, "documentation": getattr(rule, "source_url", "")},
    )


def add_cfn_lint_findings(result: ScanResult, settings: Settings, regions: list[str] | None = None) -> None:
    """Lint every CloudFormation template of ``result`` and add the matches as findings
    (honouring enable/disable and severity overrides). A template cfn-lint cannot read becomes an
    input error of the run, like any unreadable file."""
    types_by_file: dict[str, dict[str, str]] = {}
    for resource in result.resources:
        if resource.source == CLOUDFORMATION:
            types_by_file.setdefault(resource.file, {})[resource.address] = resource.type
    seen = {f.fingerprint for f in result.findings}
    for file in cloudformation_files(result):
        path = Path(result.root) / file
        try:
            matches = lint_template(path, regions)
        except UsageError:
            raise
        except Exception as exc:  # cfn-lint crashing on one template must not hide the others
            result.errors.append(InputError(f"cfn-lint failed: {type(exc).__name__}: {exc}", file=file))
            continue
        for match in matches:
            finding = match_finding(match, file, types_by_file.get(file, {}))
            if not settings.check_enabled(finding.rule_id, FAMILY) or finding.fingerprint in seen:
                continue
            override = settings.severity_overrides.get(finding.rule_id)
            if override:
                finding.severity = override
            seen.add(finding.fingerprint)
            result.findings.append(finding)
    result.findings.sort(key=lambda f: (f.file, f.line, f.rule_id, f.resource, f.fingerprint))
