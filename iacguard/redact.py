"""Keep secrets written in templates out of reports.

Reports quote template text (error snippets, unresolved expressions, evidence). A credential in
that text is shown as its first 4 characters and a short SHA-256, enough to find it in the
template and to tell two secrets apart, never enough to use it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterable
from .lazy_regex import lazy_compile

if TYPE_CHECKING:
    from .engine import ScanResult
    from .errors import IacguardError
    from .framework import Finding
    from .resource import Resource

# An AWS secret access key: 40 base64 characters with upper case, lower case and a digit (a
# 40-character hex digest has no upper case and is left alone).
_AWS_SECRET = r"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])"
_PATTERNS = lazy_compile("|".join((
    _AWS_SECRET,
    r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b",                          # access key ids
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
    r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}\b",
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b",                                # Slack tokens
)))
# What every pattern above needs somewhere in the text: a cheap test that clears most texts
# without running the lookaheads of _AWS_SECRET at every position.
_CANDIDATE = lazy_compile(r"[A-Za-z0-9/+]{40}|AKIA|ASIA|ABIA|ACCA|-----BEGIN |gh[pousr]_|github_pat_|xox[abposr]-")
# Attribute names whose string values are secrets whatever they look like.
_SECRET_KEY = lazy_compile(r"(?i)(secret|password|passwd|token|private_?key|credential)")


def mask(secret: str) -> str:
    """``wJal[redacted sha256:1a2b3c4d]``: the first 4 characters and a short hash (ASCII, so
    JSON output shows it as it is)."""
    import hashlib  # only when a secret is masked: most scans have none

    digest = hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:8]
    return f"{secret[:4]}[redacted sha256:{digest}]"


def redact_text(text: str) -> str:
    """``text`` with every credential-shaped token masked."""
    if not isinstance(text, str) or not text or not _CANDIDATE.search(text):
        return text
    return _PATTERNS.sub(lambda match: mask(match.group(0)), text)


def redact_value(value: Any, key: str | None = None) -> Any:
    """A copy of a JSON-like value (finding evidence) with secrets masked: every string under
    a secret-named key, and credential-shaped tokens in any other string."""
    if isinstance(value, str):
        if key is not None and _SECRET_KEY.search(key) and value:
            return mask(value)
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v, key) for v in value]
    return value


def redact_result(result: ScanResult, findings: bool = True) -> None:
    """Mask secrets in a ScanResult's findings (message, evidence) and errors, in place."""
    for finding in result.findings if findings else ():
        finding.message = redact_text(finding.message)
        if finding.evidence is not None:
            finding.evidence = redact_value(finding.evidence)
    for error in list(result.errors) + list(result.unresolved):
        redacted = redact_text(error.message)
        if redacted != error.message:
            error.message = redacted
            error.args = (redacted,)


# -- values a Terraform plan marks sensitive ------------------------------------------------------

SENSITIVE = "(sensitive)"
# A shorter sensitive value is masked where it is a whole string or quoted in a text: inside
# words ("1" of "statement 1") it would hide the report, not a secret.
_SHORT = 4


class SensitiveMask:
    """Replaces the values a plan marks sensitive (``after_sensitive``, ``sensitive_values``,
    sensitive variables and outputs) with ``(sensitive)`` wherever a report would quote them."""

    def __init__(self, values: set[str], public: str = ""):
        """``public``: text reports show anyway (resource addresses: Terraform prints them and
        never lets a sensitive value into one); a value found in it is masked only where it is a
        whole string or quoted, like a short one, so ``aws_iam_user.team`` stays readable."""
        self.values = frozenset(values)
        inside = {v for v in values if len(v) < _SHORT or v in public}
        long = sorted((v for v in values if v not in inside), key=lambda v: (-len(v), v))
        short = sorted(inside)
        parts = [re.escape(v) for v in long]
        parts += [rf"(?<=\")({re.escape(v)})(?=\")|(?<=')({re.escape(v)})(?=')" for v in short]
        self.pattern = re.compile("|".join(parts))

    def text(self, text: Any) -> Any:
        if not isinstance(text, str) or not text:
            return text
        if text in self.values:
            return SENSITIVE
        return self.pattern.sub(SENSITIVE, text)

    def value(self, value: Any) -> Any:
        """A copy of a JSON-like value (evidence, a finding's path) with sensitive text masked,
        in keys too."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k): self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value


def sensitive_values(resources: Iterable[Resource]) -> tuple[set[str], set[str]]:
    """The values ``resources`` mark sensitive (plan loader: metadata["sensitive"]; templates
    and HCL never have any), and the addresses of every resource of the plans that mark some:
    the ``public`` text of the scan's ``SensitiveMask``. Both depend only on each plan's own
    resources, so the mask is the same however the scan's groups were split into analyses."""
    values: set[str] = set()
    marking: set[str] = set()
    plans: list[Resource] = []
    for resource in resources:
        if resource.source != "terraform-plan":
            continue
        plans.append(resource)
        metadata = resource.metadata
        if isinstance(metadata, dict):
            found = {v for v in metadata.get("sensitive") or () if isinstance(v, str) and v}
            if found:
                values |= found
                marking.add(resource.group)
    return values, {r.address for r in plans if r.group in marking}


def mask_sensitive(mask: SensitiveMask, findings: Iterable[Finding], errors: Iterable[IacguardError]) -> None:
    """Mask sensitive values in findings (message, evidence, path) and errors, in place."""
    for finding in findings:
        finding.message = mask.text(finding.message)
        if finding.evidence is not None:
            finding.evidence = mask.value(finding.evidence)
        if finding.path:
            finding.path = mask.value(finding.path)
    for error in errors:
        masked = mask.text(error.message)
        if masked != error.message:
            error.message = masked
            error.args = (masked,)
