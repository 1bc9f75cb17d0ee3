"""Inline suppressions: reading them from resources and applying them to findings.

Forms read:

* iacguard's own: a Terraform comment inside the resource block,
  ``# iacguard:ignore IDENT reason...`` (also ``//`` and ``/* */``), IDENT a check id or a
  family, several joined by commas; CloudFormation ``Metadata``
  ``iacguard: {ignore: [{id: IDENT, reason: ...}]}``.
* Foreign tools' suppressions: cfn_nag's ``Metadata`` ``cfn_nag: {rules_to_suppress: [{id: F3,
  reason: ...}]}``, cfn-guard's ``guard: {SuppressedRules: [RULE_NAME, ...]}`` and checkov's
  ``checkov: {skip: [{id: CKV_AWS_62, comment: ...}]}`` or Terraform comment
  ``# checkov:skip=CKV_AWS_62,CKV_AWS_40:reason``.

Validation (the meta check IAG-GR-000 reports the invalid ones):

* iacguard's own form needs a reason and a known check id or family; anything else is reported
  and suppresses nothing.
* A foreign rule counts only where ``FOREIGN_RULES`` maps it to checks that mean the same. A
  foreign rule with no mapping is not addressed to iacguard: it suppresses nothing of ours and
  is never reported (so are malformed foreign Metadata blocks, whose rules cannot be told).
* A foreign suppression of a mapped rule needs a reason where its format has a field for one
  (cfn_nag ``reason``, checkov ``comment`` or ``:reason``), as iacguard's own form does.
  cfn-guard's ``SuppressedRules`` is a plain list of names with no reason field, so a guard
  suppression of a mapped rule counts without one.

A suppression applies to the findings of its own resource (same file and address) only; the
SAM transform copies a function's Metadata onto the resources it generates, so a suppression
written there also covers them. A suppressed finding stays in the output marked
``suppressed`` with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from .values import line_of
from .lazy_regex import lazy_compile

if TYPE_CHECKING:
    from .resource import Resource

# The meta check that reports invalid suppressions; it cannot itself be suppressed inline.
SUPPRESSION_CHECK = "IAG-GR-000"

_LP_ADMIN = "IAG-LP-001"          # full administrator
_LP_SERVICE_ALL = "IAG-LP-002"    # every action of a service
_LP_NOT_ACTION = "IAG-LP-003"
_LP_NOT_RESOURCE = "IAG-LP-004"
_LP_WRITE_ANY = "IAG-LP-005"      # write / permissions management on every resource
_LP_PASSROLE_ANY = "IAG-LP-006"
_LP_READ_ANY = "IAG-LP-007"       # data reads on every resource
_STAR_RESOURCE = (_LP_WRITE_ANY, _LP_PASSROLE_ANY, _LP_READ_ANY)
_STAR_OR_SERVICE_ACTION = (_LP_ADMIN, _LP_SERVICE_ALL)
_PUBLIC_POLICY = "IAG-EXT-001"
_PUBLIC_ACL = "IAG-EXT-003"
_NO_PUBLIC_ACCESS_BLOCK = "IAG-EXT-004"
_USER_POLICY = "IAG-GR-001"
_USER_NO_GROUP = "IAG-GR-002"
_CREDENTIALS = (_LP_WRITE_ANY, _LP_READ_ANY)  # credential actions are writes (keys) or reads (tokens)

# Kinds of actions a scoped foreign rule means (FOREIGN_SCOPES).
PERMISSIONS_MANAGEMENT = "permissions-management"
WRITE = "write"
CREDENTIALS_EXPOSURE = "credentials-exposure"
# Actions that hand out credentials: the credentials-exposure list of cloudsplaining, which
# checkov's CKV_AWS_107/287 evaluate, without ecr:GetAuthorizationToken, which checkov leaves out.
CREDENTIALS_EXPOSURE_ACTIONS = frozenset({
    "codepipeline:pollforjobs", "cognito-idp:associatesoftwaretoken", "cognito-identity:getopenidtoken",
    "cognito-identity:getopenidtokenfordeveloperidentity", "cognito-identity:getcredentialsforidentity",
    "connect:getfederationtoken", "connect:getfederationtokens", "gamelift:requestuploadcredentials",
    "iam:createaccesskey", "iam:createloginprofile", "iam:createservicespecificcredential",
    "iam:resetservicespecificcredential", "iam:updateaccesskey", "iot:assumerolewithcertificate",
    "lightsail:getinstanceaccessdetails", "lightsail:getrelationaldatabasemasteruserpassword", "rds-db:connect",
    "redshift:getclustercredentials", "sso:getrolecredentials", "mediapackage:rotateingestendpointcredentials",
    "sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity", "sts:getfederationtoken",
    "sts:getsessiontoken",
})

# Foreign rule ids that mean our checks (facts from cfn_nag's rule list, the AWS Guard Rules
# Registry and checkov's policy index). A row maps a rule to the checks whose every finding on a
# resource is a violation of that rule there, so suppressing the rule on that resource expresses
# acceptance of those findings. Targets not registered in this run are dropped; a rule with no
# registered target is not addressed to iacguard. A rule that means only part of a check's
# findings (checkov's "without constraints" rules each name one kind of action on "*") is scoped by
# FOREIGN_SCOPES: it covers a finding of that check only when every action the finding is about is
# of its kind (two such skips together cover a finding of both kinds). Rules deliberately left out
# because they only partly overlap a check in a way no action list tells apart (a suppression would
# silence more than it names): cfn_nag W44 and guard IAM_ROLE_ELEVATED_MANAGED_POLICY_RULE (three
# policies; IAG-LP-008 covers more), guard IAM_NO_INLINE_POLICY_CHECK (inline vs managed, not users
# vs groups), CKV_AWS_9..15 (one password-policy field each, IAG-MFA-003 judges them together),
# CKV_AWS_53..56 (one public-access-block flag each, IAG-EXT-004 needs all); and rules with no
# meaning of ours: cfn_nag F2 ("*" as the action of a trust policy: who may call is what we judge,
# IAG-EXT-001/002) and W28 (a resource with an explicit name). docs/suppressions.md lists the
# table (tests/test_suppressions_foreign.py keeps the two equal).
FOREIGN_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    "cfn_nag": {
        # "*" or "<service>:*" allowed in a role's / policy's / managed policy's statements.
        "F3": _STAR_OR_SERVICE_ACTION, "F4": _STAR_OR_SERVICE_ACTION, "F5": _STAR_OR_SERVICE_ACTION,
        "W43": (_LP_ADMIN,),  # role with the AdministratorAccess managed policy
        # Allow with Resource "*" in a role's / policy's / managed policy's statements.
        "W11": _STAR_RESOURCE, "W12": _STAR_RESOURCE, "W13": _STAR_RESOURCE,
        # iam:PassRole on Resource "*" (role / policy / managed policy).
        "F38": (_LP_PASSROLE_ANY,), "F39": (_LP_PASSROLE_ANY,), "F40": (_LP_PASSROLE_ANY,),
        # Allow+NotAction and Allow+NotResource in identity policies (not trust policies: W14).
        "W15": (_LP_NOT_ACTION,), "W16": (_LP_NOT_ACTION,), "W17": (_LP_NOT_ACTION,),
        "W21": (_LP_NOT_RESOURCE,), "W22": (_LP_NOT_RESOURCE,), "W23": (_LP_NOT_RESOURCE,),
        # Wildcard principal or Allow+NotPrincipal in resource and trust policies.
        "F6": (_PUBLIC_POLICY,), "F7": (_PUBLIC_POLICY,), "F8": (_PUBLIC_POLICY,), "F9": (_PUBLIC_POLICY,),
        "F13": (_PUBLIC_POLICY,), "F16": (_PUBLIC_POLICY,), "F18": (_PUBLIC_POLICY,),
        "F21": (_PUBLIC_POLICY,), "F76": (_PUBLIC_POLICY,),
        "F14": (_PUBLIC_ACL,), "W31": (_PUBLIC_ACL,),  # PublicReadWrite / PublicRead bucket ACL
        # Policies on users instead of groups: user inline policy, policy / managed policy with Users.
        "F10": (_USER_POLICY,), "F11": (_USER_POLICY,), "F12": (_USER_POLICY,),
        "F2000": (_USER_NO_GROUP,),
        "F51": ("IAG-MFA-004",),  # login profile password in clear text
        "W50": ("IAG-MFA-005",),  # login profile without PasswordResetRequired
    },
    "guard": {
        "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS": (_LP_ADMIN,),
        "IAM_ROLE_ADMINISTRATOR_ACCESS_POLICY_RULE": (_LP_ADMIN,),
        "IAM_ROLE_NO_WILDCARD_ACTIONS_ON_PERMISSIONS": _STAR_OR_SERVICE_ACTION,
        "IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS": _STAR_OR_SERVICE_ACTION,
        "IAM_POLICYDOCUMENT_NO_WILDCARD_RESOURCE": _STAR_RESOURCE,
        "IAM_ROLE_NO_WILDCARD_RESOURCE_ON_PASSROLE": (_LP_PASSROLE_ANY,),
        "IAM_POLICY_NO_WILDCARD_RESOURCE_ON_PASSROLE": (_LP_PASSROLE_ANY,),
        "IAM_ROLE_OR_POLICY_NO_ALLOW_PLUS_NOT_ACTION": (_LP_NOT_ACTION,),
        "IAM_ROLE_OR_POLICY_NO_ALLOW_PLUS_NOT_RESOURCE": (_LP_NOT_RESOURCE,),
        "S3_BUCKET_POLICY_NO_WILDCARD_PRINCIPAL": (_PUBLIC_POLICY,),
        "SQS_QUEUEPOLICY_NO_WILDCARD_PRINCIPAL": (_PUBLIC_POLICY,),
        "SNS_TOPICPOLICY_NO_WILDCARD_PRINCIPAL": (_PUBLIC_POLICY,),
        "KMS_NO_WILDCARD_PRINCIPAL": (_PUBLIC_POLICY,),
        "LAMBDA_NO_WILDCARD_PRINCIPALS": (_PUBLIC_POLICY,),
        "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED": (_PUBLIC_POLICY,),
        "IAM_ROLE_NO_ALLOW_PLUS_NOT_PRINCIPAL": (_PUBLIC_POLICY,),
        "S3_BUCKET_PUBLIC_READ_ACL": (_PUBLIC_ACL,),
        "S3_BUCKET_NO_PUBLIC_RW_ACL": (_PUBLIC_ACL,),
        # The registry's versions check that the bucket's own block turns all four flags on.
        "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED": (_NO_PUBLIC_ACCESS_BLOCK,),
        "S3_BUCKET_PUBLIC_READ_PROHIBITED": (_NO_PUBLIC_ACCESS_BLOCK,),
        "S3_BUCKET_PUBLIC_WRITE_PROHIBITED": (_NO_PUBLIC_ACCESS_BLOCK,),
        "IAM_NO_POLICY_ON_USER": (_USER_POLICY,),
        "IAM_USER_NO_POLICIES_CHECK": (_USER_POLICY,),
        "IAM_USER_MISSING_GROUP_RULE": (_USER_NO_GROUP,),
        "IAM_USER_LOGIN_PROFILE_NO_PLAINTEXT_PASSWORD": ("IAG-MFA-004",),
        "IAM_USER_LOGIN_PROFILE_PASSWORD_RESET_RULE": ("IAG-MFA-005",),
    },
    "checkov": {
        "CKV_AWS_1": (_LP_ADMIN,), "CKV_AWS_62": (_LP_ADMIN,),  # "*:*" administrator policies
        "CKV_AWS_63": (_LP_ADMIN,),  # "*" as a statement's action (on any resource: not only LP-001)
        "CKV_AWS_274": (_LP_ADMIN,), "CKV_AWS_275": (_LP_ADMIN,),  # AdministratorAccess attached
        # "*" as resource for actions that support resource-level permissions.
        "CKV_AWS_355": _STAR_RESOURCE, "CKV_AWS_356": _STAR_RESOURCE,
        "CKV_AWS_108": (_LP_READ_ANY,), "CKV_AWS_288": (_LP_READ_ANY,),  # data exfiltration
        "CKV_AWS_110": ("IAG-PE-001",), "CKV_AWS_286": ("IAG-PE-001",),  # privilege escalation
        # Credentials exposure, permissions management and write access without resource
        # constraints (107/109/111 on CloudFormation and policy documents, 287/289/290 on Terraform
        # resources): the part of IAG-LP-005 (and for credentials IAG-LP-007) of that kind.
        "CKV_AWS_107": _CREDENTIALS, "CKV_AWS_287": _CREDENTIALS,
        "CKV_AWS_109": (_LP_WRITE_ANY,), "CKV_AWS_289": (_LP_WRITE_ANY,),
        "CKV_AWS_111": (_LP_WRITE_ANY,), "CKV_AWS_290": (_LP_WRITE_ANY,),
        "CKV_AWS_40": (_USER_POLICY,),  # policies attached only to groups or roles
        "CKV_AWS_60": (_PUBLIC_POLICY,),  # role assumable by any principal
        "CKV_AWS_283": (_PUBLIC_POLICY,),  # policy document allowing any AWS principal
        "CKV_AWS_33": (_PUBLIC_POLICY,),  # KMS key policy with wildcard principal
        "CKV_AWS_70": (_PUBLIC_POLICY,),  # S3 bucket policy allowing any principal
        "CKV_AWS_167": (_PUBLIC_POLICY,), "CKV_AWS_168": (_PUBLIC_POLICY,),  # public Glacier / SQS
        "CKV_AWS_169": (_PUBLIC_POLICY,), "CKV_AWS_301": (_PUBLIC_POLICY,),  # public SNS / Lambda
        "CKV_AWS_20": (_PUBLIC_ACL,), "CKV_AWS_57": (_PUBLIC_ACL,),  # public read / write ACL
        "CKV2_AWS_6": (_NO_PUBLIC_ACCESS_BLOCK,),
        "CKV_AWS_258": ("IAG-EXT-005",),  # function URL with AuthType NONE
        "CKV_AWS_348": ("IAG-ROOT-001",),  # root access key
        # Hard-coded AWS credentials (provider block, Lambda environment, EC2 user data).
        "CKV_AWS_41": ("IAG-ROOT-002",), "CKV_AWS_45": ("IAG-ROOT-002",), "CKV_AWS_46": ("IAG-ROOT-002",),
    },
}

# Foreign rules that mean only the findings of a check about one kind of action: {tool: {rule:
# {check: kind}}}; the rule covers a finding of the check when every action in the finding's
# evidence is of that kind.
FOREIGN_SCOPES: dict[str, dict[str, dict[str, str]]] = {
    "checkov": {
        "CKV_AWS_107": {_LP_WRITE_ANY: CREDENTIALS_EXPOSURE, _LP_READ_ANY: CREDENTIALS_EXPOSURE},
        "CKV_AWS_287": {_LP_WRITE_ANY: CREDENTIALS_EXPOSURE, _LP_READ_ANY: CREDENTIALS_EXPOSURE},
        "CKV_AWS_109": {_LP_WRITE_ANY: PERMISSIONS_MANAGEMENT}, "CKV_AWS_289": {_LP_WRITE_ANY: PERMISSIONS_MANAGEMENT},
        "CKV_AWS_111": {_LP_WRITE_ANY: WRITE}, "CKV_AWS_290": {_LP_WRITE_ANY: WRITE},
    },
}


def action_of_kind(action: str, kind: str) -> bool:
    """Is ``action`` of the kind a scoped foreign rule means?"""
    if kind == CREDENTIALS_EXPOSURE:
        return action.lower() in CREDENTIALS_EXPOSURE_ACTIONS
    from .iam.grants import access_level  # the action catalogue: only when a scoped rule is used

    level = access_level(action)
    return level == ("Permissions management" if kind == PERMISSIONS_MANAGEMENT else "Write")


# The rule table each form reads its ids from (None: iacguard's own ids and families).
_FORM_TABLE = {"terraform-comment": None, "iacguard": None, "cfn_nag": "cfn_nag", "guard": "guard",
               "checkov": "checkov", "checkov-comment": "checkov"}
# Formats without a field for a reason: a suppression in them cannot be asked for one.
_REASONLESS_FORMS = {"guard"}
# Recorded as the reason of a guard suppression, which cannot carry one.
GUARD_NO_REASON = "cfn-guard SuppressedRules (no reason field)"

_DIRECTIVE = lazy_compile(r"^\s*(?:#|//|/\*)\s*iacguard:ignore(?![\w-])(.*)$", re.DOTALL)
_CHECKOV_DIRECTIVE = lazy_compile(r"^\s*(?:#|//|/\*)\s*(?:checkov|bridgecrew):skip=(.*)$", re.DOTALL)
_REASON_LEAD = lazy_compile(r"^[\s:\-\u2013\u2014]+")


@dataclass(frozen=True)
class Suppression:
    """One suppression as written on a resource.

    ``rule``: the id or family as written; ``targets``: the check ids and families it covers;
    ``problem``: why it suppresses nothing of ours, else None; ``reported``: whether that
    problem concerns iacguard (False for foreign rules iacguard does not map, and for malformed
    foreign Metadata), i.e. whether IAG-GR-000 reports it."""

    rule: str
    reason: str
    form: str  # terraform-comment | iacguard | cfn_nag | guard | checkov | checkov-comment
    line: int
    targets: tuple[str, ...] = ()
    problem: str | None = None
    reported: bool = True
    # (check, kind of action) for the targets this rule means only in part (FOREIGN_SCOPES)
    scopes: tuple[tuple[str, str], ...] = ()

    def covers(self, rule_id: str, family: str) -> bool:
        """Every finding of the check (or family) is covered."""
        return self.problem is None and (rule_id in self.targets or family in self.targets) and \
            self.scope_for(rule_id) is None

    def scope_for(self, rule_id: str) -> str | None:
        """The kind of action this suppression means of ``rule_id``'s findings, when only part."""
        return next((kind for check_id, kind in self.scopes if check_id == rule_id), None)

    @property
    def describe(self) -> str:
        where = {"terraform-comment": "comment", "iacguard": "Metadata iacguard",
                 "cfn_nag": "Metadata cfn_nag", "guard": "Metadata guard",
                 "checkov": "Metadata checkov", "checkov-comment": "comment checkov:skip"}[self.form]
        return f"{where} {self.rule}" if self.rule else where

    @property
    def stated_reason(self) -> str:
        """The reason shown on the findings it suppresses."""
        if self.reason:
            return self.reason
        return GUARD_NO_REASON if self.form in _REASONLESS_FORMS else ""


def resource_suppressions(resource: Resource, checks: dict) -> list[Suppression]:
    """Every suppression written on ``resource``, each validated against the registered
    ``checks`` ({id: CheckMeta}): ``problem`` says why one suppresses nothing, ``reported``
    whether IAG-GR-000 reports that."""
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
        table = _FORM_TABLE[item.form]
        targets: tuple[str, ...] = ()
        if table is not None:
            targets = tuple(t for t in FOREIGN_RULES[table].get(item.rule, ()) if t in ids)
            if not targets:
                # Another tool's rule: none of our business, and it silences nothing of ours.
                result.append(Suppression(item.rule, item.reason, item.form, item.line, problem=(
                    f"unknown rule {item.rule!r}: no iacguard check means the same as this {table} "
                    f"rule; it is not addressed to iacguard"), reported=False))
                continue
        elif item.rule in ids or item.rule in FAMILIES:
            targets = (item.rule,)
        elif item.rule.upper() in ids:
            targets = (item.rule.upper(),)
        problem = None
        if not targets:
            problem = f"unknown rule {item.rule!r} (`iacguard list-checks` prints check ids and families)"
        elif SUPPRESSION_CHECK in targets:
            problem = f"{SUPPRESSION_CHECK} reports broken suppressions and cannot itself be suppressed"
        elif not item.reason and item.form not in _REASONLESS_FORMS:
            problem = f"suppression of {item.rule} has no reason"
        scopes = tuple((check_id, kind) for check_id, kind in
                       FOREIGN_SCOPES.get(table or "", {}).get(item.rule, {}).items() if check_id in targets)
        result.append(Suppression(item.rule, item.reason, item.form, item.line, targets, problem, scopes=scopes))
    return result


def _read(resource: Resource) -> list[Suppression]:
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
        block = text.lstrip().startswith("/*")
        match = _DIRECTIVE.match(text)
        if match:
            found.extend(_iacguard_comment(match.group(1), block, line))
            continue
        match = _CHECKOV_DIRECTIVE.match(text)
        if match:
            found.extend(_checkov_comment(match.group(1), block, line))
    return found


def _iacguard_comment(body: str, block: bool, line: int) -> list[Suppression]:
    if block:
        body = body.rsplit("*/", 1)[0]
    body = body.strip()
    if not body:
        return [Suppression("", "", "terraform-comment", line,
                            problem="`iacguard:ignore` names no rule (write `# iacguard:ignore ID reason`)")]
    idents, _, reason = body.partition(" ")
    reason = _REASON_LEAD.sub("", reason).strip()
    return [Suppression(ident, reason, "terraform-comment", line)
            for ident in filter(None, (i.strip().rstrip(":") for i in idents.split(",")))]


def _checkov_comment(body: str, block: bool, line: int) -> list[Suppression]:
    """``checkov:skip=ID[,ID...][:reason]``; one without an id is checkov's problem, not ours."""
    if block:
        body = body.rsplit("*/", 1)[0]
    idents, _, reason = body.partition(":")
    reason = reason.strip()
    return [Suppression(ident, reason, "checkov-comment", line)
            for ident in filter(None, (i.strip() for i in idents.split(",")))]


# (form, Metadata key, key of the list of entries, key of an entry's reason)
_METADATA_FORMS = (("iacguard", "iacguard", "ignore", "reason"),
                   ("cfn_nag", "cfn_nag", "rules_to_suppress", "reason"),
                   ("guard", "guard", "SuppressedRules", "reason"),
                   ("checkov", "checkov", "skip", "comment"))


def _from_cloudformation(metadata: dict, resource_line: int) -> list[Suppression]:
    found: list[Suppression] = []
    for form, container_key, entries_key, reason_key in _METADATA_FORMS:
        if container_key not in metadata:
            continue
        own = form == "iacguard"  # a malformed foreign block names no rule of ours we could tell
        container = metadata[container_key]
        line = line_of(container, resource_line)
        if not isinstance(container, dict):
            found.append(Suppression("", "", form, line, reported=own,
                                     problem=f"Metadata {container_key} must be a mapping with {entries_key}"))
            continue
        if own:
            for key in container:
                if key != "ignore":
                    found.append(Suppression("", "", form, line,
                                             problem=f"unknown key {key!r} in Metadata iacguard (expected ignore)"))
        entries = container.get(entries_key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            found.append(Suppression("", "", form, line_of(entries, line), reported=own,
                                     problem=f"Metadata {container_key}.{entries_key} must be a list"))
            continue
        for entry in entries:
            found.append(_entry(entry, form, reason_key, line_of(entry, line)))
    return found


def _entry(entry: Any, form: str, reason_key: str, line: int) -> Suppression:
    own = form == "iacguard"
    if isinstance(entry, str):
        return Suppression(entry.strip(), "", form, line)  # a plain name has no reason
    if not isinstance(entry, dict):
        return Suppression("", "", form, line, reported=own,
                           problem="a suppression must be a mapping with id and reason")
    rule = entry.get("id", entry.get("rule"))
    reason = entry.get(reason_key, entry.get("reason"))
    if not isinstance(rule, str) or not rule.strip():
        return Suppression("", "", form, line, reported=own, problem="a suppression names no rule (id)")
    if reason is not None and not isinstance(reason, str):
        # Judged once the rule is known to be ours: a foreign rule we do not map stays unreported.
        return Suppression(rule.strip(), "", form, line, problem=f"the reason for {rule.strip()} must be text",
                           reported=own or _is_mapped(form, rule.strip()))
    return Suppression(rule.strip(), (reason or "").strip(), form, line)


def _is_mapped(form: str, rule: str) -> bool:
    table = _FORM_TABLE.get(form)
    return table is not None and rule in FOREIGN_RULES[table]


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
        valid = by_resource.get(finding.resource_key, [])
        for suppression in valid:
            if suppression.covers(finding.rule_id, finding.family):
                finding.suppressed = True
                finding.suppression_reason = f"{suppression.describe}: {suppression.stated_reason}"
                break
        else:
            _apply_scoped(finding, valid)


def _finding_actions(finding: Any) -> list[str]:
    """The actions a finding is about, from its evidence (``actions``: the scoped foreign rules
    mean IAG-LP-005 and IAG-LP-007, which list them); empty when it names none or not all of them."""
    evidence = finding.evidence if isinstance(finding.evidence, dict) else {}
    if evidence.get("actions_not_listed"):
        return []  # the list is cut short: what it leaves out may be of any kind
    actions = evidence.get("actions")
    if isinstance(actions, list):
        return [str(a) for a in actions]
    return []


def _apply_scoped(finding: Any, suppressions: Iterable[Suppression]) -> None:
    """Suppress ``finding`` when the scoped foreign rules on its resource together mean every
    action it is about (a write skip and a permissions-management skip cover a finding of both);
    the reason names each foreign rule used."""
    scoped = [(s, kind) for s in suppressions if s.problem is None and finding.rule_id in s.targets
              and (kind := s.scope_for(finding.rule_id)) is not None]
    actions = _finding_actions(finding) if scoped else []
    if not actions:
        return
    used: list[Suppression] = []
    for action in actions:
        covering = next((s for s, kind in scoped if action_of_kind(action, kind)), None)
        if covering is None:
            return  # an action no foreign rule on the resource means: the finding stays
        if covering not in used:
            used.append(covering)
    finding.suppressed = True
    finding.suppression_reason = "; ".join(f"{s.describe}: {s.stated_reason}" for s in used)
