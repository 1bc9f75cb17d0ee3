"""Inline suppressions: reading them from resources and applying them to findings.

Forms read (each needs a reason; one without a reason, or naming a rule we do not know,
suppresses nothing and is reported by the meta check IAG-GR-000):

* Terraform: a comment inside the resource block, ``# iacguard:ignore IDENT reason...``
  (also ``//`` and ``/* */``), IDENT a check id or a family, several joined by commas.
* CloudFormation ``Metadata``:
  ``iacguard: {ignore: [{id: IDENT, reason: ...}]}``,
  cfn_nag's ``cfn_nag: {rules_to_suppress: [{id: F3, reason: ...}]}`` and
  cfn-guard's ``guard: {SuppressedRules: [RULE_NAME, ...]}`` (a plain name has no reason; write
  ``{id: RULE_NAME, reason: ...}`` for it to count). Foreign ids count only where
  ``FOREIGN_RULES`` maps them to a check that means the same; any other is an unknown rule.

A suppression applies to the findings of its own resource (same file and address) only, and a
suppressed finding stays in the output marked ``suppressed`` with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from .values import line_of

# The meta check that reports invalid suppressions; it cannot itself be suppressed inline.
SUPPRESSION_CHECK = "IAG-GR-000"

# Foreign rule ids that mean one of our checks (facts from cfn_nag's and the guard rules
# registry's rule catalogues). Targets that are not registered in this run are dropped; an id
# with no registered target is an unknown rule. Add a row when a check with that meaning lands.
FOREIGN_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    "cfn_nag": {
        # IAM policies allowing the "*" action (role / policy / managed policy) and roles with
        # AdministratorAccess: our full-administrator check is the narrower case of each.
        "F3": ("IAG-LP-001",), "F4": ("IAG-LP-001",), "F5": ("IAG-LP-001",), "W43": ("IAG-LP-001",),
        # Wildcard principal or Allow+NotPrincipal in resource and trust policies.
        "F6": ("IAG-EXT-001",), "F7": ("IAG-EXT-001",), "F8": ("IAG-EXT-001",), "F9": ("IAG-EXT-001",),
        "F13": ("IAG-EXT-001",), "F16": ("IAG-EXT-001",), "F18": ("IAG-EXT-001",),
        "F21": ("IAG-EXT-001",), "F76": ("IAG-EXT-001",),
    },
    "guard": {
        "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS": ("IAG-LP-001",),
        "IAM_ROLE_ADMINISTRATOR_ACCESS_POLICY_RULE": ("IAG-LP-001",),
        "S3_BUCKET_POLICY_NO_WILDCARD_PRINCIPAL": ("IAG-EXT-001",),
        "SQS_QUEUEPOLICY_NO_WILDCARD_PRINCIPAL": ("IAG-EXT-001",),
        "SNS_TOPICPOLICY_NO_WILDCARD_PRINCIPAL": ("IAG-EXT-001",),
        "KMS_NO_WILDCARD_PRINCIPAL": ("IAG-EXT-001",),
        "LAMBDA_NO_WILDCARD_PRINCIPALS": ("IAG-EXT-001",),
        "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED": ("IAG-EXT-001",),
        "IAM_ROLE_NO_ALLOW_PLUS_NOT_PRINCIPAL": ("IAG-EXT-001",),
    },
}

_DIRECTIVE = re.compile(r"^\s*(?:#|//|/\*)\s*iacguard:ignore(?![\w-])(.*)$", re.DOTALL)
_REASON_LEAD = re.compile(r"^[\s:\-\u2013\u2014]+")


@dataclass(frozen=True)
class Suppression:
    """One suppression as written on a resource.

    ``rule``: the id or family as written; ``targets``: the check ids and families it covers;
    ``problem``: why it is invalid (then it suppresses nothing), else None."""

    rule: str
    reason: str
    form: str  # terraform-comment | iacguard | cfn_nag | guard
    line: int
    targets: tuple[str, ...] = ()
    problem: str | None = None

    def covers(self, rule_id: str, family: str) -> bool:
        return self.problem is None and (rule_id in self.targets or family in self.targets)

    @property
    def describe(self) -> str:
        where = {"terraform-comment": "comment", "iacguard": "Metadata iacguard",
                 "cfn_nag": "Metadata cfn_nag", "guard": "Metadata guard"}[self.form]
        return f"{where} {self.rule}" if self.rule else where


def resource_suppressions(resource: Any, checks: dict) -> list[Suppression]:
    """Every suppression written on ``resource``, each validated against the registered
    ``checks`` ({id: CheckMeta}): ``problem`` says why one is invalid."""
    found = _read(resource)
    if not found:
        return []  # most resources carry none
    from .framework import FAMILIES

    ids = set(checks)
    result = []
    for item in found:
        if item.problem is not None:
            result.append(item)
            continue
        problem = None
        targets: tuple[str, ...] = ()
        if item.form in FOREIGN_RULES:
            targets = tuple(t for t in FOREIGN_RULES[item.form].get(item.rule, ()) if t in ids)
            if not targets:
                problem = (f"unknown rule {item.rule!r}: no iacguard check means the same as this "
                           f"{item.form} rule")
        elif item.rule in ids or item.rule in FAMILIES:
            targets = (item.rule,)
        elif item.rule.upper() in ids:
            targets = (item.rule.upper(),)
        else:
            problem = f"unknown rule {item.rule!r} (`iacguard list-checks` prints check ids and families)"
        if problem is None and SUPPRESSION_CHECK in targets:
            problem = f"{SUPPRESSION_CHECK} reports broken suppressions and cannot itself be suppressed"
        if problem is None and not item.reason:
            problem = f"suppression of {item.rule} has no reason"
        result.append(Suppression(item.rule, item.reason, item.form, item.line, targets, problem))
    return result


def _read(resource: Any) -> list[Suppression]:
    metadata = getattr(resource, "metadata", None)
    if not isinstance(metadata, dict):
        return []
    if getattr(resource, "source", "") == "cloudformation":
        return _from_cloudformation(metadata, resource.line)
    return _from_comments(metadata.get("comments") or ())


def _from_comments(comments: Iterable) -> list[Suppression]:
    found = []
    for entry in comments:
        try:
            line, text = entry
        except (TypeError, ValueError):
            continue
        if not isinstance(text, str):
            continue
        match = _DIRECTIVE.match(text)
        if not match:
            continue
        body = match.group(1)
        if text.lstrip().startswith("/*"):
            body = body.rsplit("*/", 1)[0]
        body = body.strip()
        if not body:
            found.append(Suppression("", "", "terraform-comment", line,
                                     problem="`iacguard:ignore` names no rule (write `# iacguard:ignore ID reason`)"))
            continue
        idents, _, reason = body.partition(" ")
        reason = _REASON_LEAD.sub("", reason).strip()
        for ident in filter(None, (i.strip().rstrip(":") for i in idents.split(","))):
            found.append(Suppression(ident, reason, "terraform-comment", line))
    return found


def _from_cloudformation(metadata: dict, resource_line: int) -> list[Suppression]:
    found: list[Suppression] = []
    for form, container_key, entries_key in (("iacguard", "iacguard", "ignore"),
                                             ("cfn_nag", "cfn_nag", "rules_to_suppress"),
                                             ("guard", "guard", "SuppressedRules")):
        if container_key not in metadata:
            continue
        container = metadata[container_key]
        line = line_of(container, resource_line)
        if not isinstance(container, dict):
            found.append(Suppression("", "", form, line,
                                     problem=f"Metadata {container_key} must be a mapping with {entries_key}"))
            continue
        if form == "iacguard":
            for key in container:
                if key != "ignore":
                    found.append(Suppression("", "", form, line,
                                             problem=f"unknown key {key!r} in Metadata iacguard (expected ignore)"))
        entries = container.get(entries_key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            found.append(Suppression("", "", form, line_of(entries, line),
                                     problem=f"Metadata {container_key}.{entries_key} must be a list"))
            continue
        for entry in entries:
            found.append(_entry(entry, form, line_of(entry, line)))
    return found


def _entry(entry: Any, form: str, line: int) -> Suppression:
    if isinstance(entry, str):
        return Suppression(entry.strip(), "", form, line)  # no reason: reported as such
    if not isinstance(entry, dict):
        return Suppression("", "", form, line, problem="a suppression must be a mapping with id and reason")
    rule = entry.get("id", entry.get("rule"))
    reason = entry.get("reason")
    if not isinstance(rule, str) or not rule.strip():
        return Suppression("", "", form, line, problem="a suppression names no rule (id)")
    if reason is not None and not isinstance(reason, str):
        return Suppression(rule.strip(), "", form, line, problem=f"the reason for {rule.strip()} must be text")
    return Suppression(rule.strip(), (reason or "").strip(), form, line)


def apply_suppressions(findings: list, resources: Iterable[Any], checks: dict) -> None:
    """Mark each finding covered by a valid suppression on its own resource as suppressed,
    with the suppression's reason. Findings of the meta check are never suppressed."""
    by_resource: dict[tuple[str, str], list[Suppression]] = {}
    for resource in resources:
        key = (resource.file, resource.address)
        if key in by_resource:
            continue
        valid = [s for s in resource_suppressions(resource, checks) if s.problem is None]
        if valid:
            by_resource[key] = valid
    if not by_resource:
        return
    for finding in findings:
        if finding.rule_id == SUPPRESSION_CHECK:
            continue
        for suppression in by_resource.get((finding.file, finding.resource), ()):
            if suppression.covers(finding.rule_id, finding.family):
                finding.suppressed = True
                finding.suppression_reason = f"{suppression.describe}: {suppression.reason}"
                break
