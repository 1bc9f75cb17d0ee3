"""Identity semantics shared by the MFA, access-key and guardrail checks.

* ``privileged_grant``: does a set of identity policies (capped by a permissions boundary)
  make its holder *privileged*? Privileged means: full administrator (an Allow on every action
  and resource), or some **Permissions management** action allowed on ``*`` (IAM, KMS grants,
  resource policies: the holder can give itself or others more access), or a whole service's
  **Write** actions (``s3:*``, ``*``, NotAction) on ``*`` where they support resource-level
  permissions, or ``iam:PassRole`` on ``*`` (it hands roles to services). One write action on
  ``*`` (``logs:CreateLogStream``) does not make a workload
  privileged, and actions that accept only ``*`` (``cloudwatch:PutMetricData``) never count. Access levels come from the
  action catalogue. A grant that holds only under conditions is still a grant
  (``Privilege.conditional``); one that depends on unknown values is not counted.
* ``mfa_enforcing_deny``: a Deny that refuses (almost) everything to a caller without MFA.
* ``mfa_required``: an Allow (a trust statement) that holds only for callers signed in with MFA.
* ``person_principal``: whether a trust-policy principal stands for people (an account or an
  IAM user) rather than a service or a federated identity provider.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator, Optional, Tuple

from ..values import Unknown
from .access import PolicyEvaluator, statement_allows_everything
from .actions import action_info, expand_actions, glob_match, known_services, service_catalogue
from .policy import PolicyDocument, Statement
from ..lazy_regex import lazy_compile

if TYPE_CHECKING:
    from .conditions import Condition
    from .external import Zone
    from .model import PolicyNode, Principal
    from .principals import PrincipalRef

__all__ = ["Privilege", "privileged_grant", "mfa_enforcing_deny", "mfa_required", "mfa_if_exists_only",
           "person_principal", "covers_assume_role", "MFA_KEY", "PrivilegeCache"]

MFA_KEY = "aws:multifactorauthpresent"
MFA_AGE_KEY = "aws:multifactorauthage"
_LEVEL_ORDER = {"Permissions management": 0, "Write": 1}
# Actions of unrelated services a Deny must cover to count as "deny everything without MFA";
# AWS's own example policy exempts only the IAM/STS calls needed to enrol a device.
_BROAD_SAMPLE = ("s3:GetObject", "ec2:RunInstances", "iam:CreateUser", "iam:AttachRolePolicy",
                 "lambda:InvokeFunction", "dynamodb:Scan", "sts:AssumeRole")


@dataclass(frozen=True)
class Privilege:
    """What makes a principal privileged, and the statement that grants it."""

    kind: str  # 'admin' | 'permissions-management' | 'write'
    action: str  # '*' for admin, else the witness action
    statement: Statement | None  # the Allow statement that grants it
    conditional: bool  # granted only under conditions

    def describe(self) -> str:
        if self.kind == "admin":
            text = "every action on every resource (administrator)"
        elif self.kind == "permissions-management":
            text = f"the permissions-management action {self.action} on every resource"
        else:
            text = f"the write action {self.action} on every resource"
        return text + (" (under conditions)" if self.conditional else "")


# Well-known actions name a privilege better than the alphabetically first of a service's
# (s3:PutObject, not s3:AbortMultipartUpload); the rest are ranked by name after these.
_WITNESS_PREFERENCE = (
    "iam:PassRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:AttachUserPolicy", "iam:PutUserPolicy",
    "iam:CreatePolicyVersion", "iam:CreateAccessKey", "iam:UpdateAssumeRolePolicy", "iam:CreateUser",
    "sts:AssumeRole", "organizations:AttachPolicy", "kms:PutKeyPolicy", "s3:PutBucketPolicy", "s3:PutObject",
    "s3:DeleteObject", "s3:DeleteBucket", "ec2:RunInstances", "ec2:TerminateInstances",
    "ec2:AuthorizeSecurityGroupIngress", "lambda:UpdateFunctionCode", "lambda:CreateFunction",
    "lambda:AddPermission", "dynamodb:PutItem", "dynamodb:DeleteTable", "rds:DeleteDBInstance",
    "sqs:SendMessage", "sns:Publish", "secretsmanager:PutSecretValue", "ssm:SendCommand",
    "cloudformation:CreateStack", "logs:DeleteLogGroup", "cloudwatch:PutMetricAlarm",
    "cloudtrail:StopLogging", "ecr:PutImage", "ecs:RunTask", "glue:CreateJob",
)
_WITNESS_RANK = {name.lower(): index for index, name in enumerate(_WITNESS_PREFERENCE)}


def _is_text(entry: object) -> bool:
    return isinstance(entry, str) and not isinstance(entry, Unknown)


@functools.lru_cache(maxsize=None)
def _privileged_level(action: str) -> str | None:
    """The access level that can make ``action`` a privilege (``Permissions management``, or
    ``Write`` where it supports resource-level permissions), or None. Cached by name: each
    catalogue action is looked up once per process, not once per principal."""
    info = action_info(action)
    if info is None:
        return None
    if info.access_level == "Permissions management":
        return info.access_level
    if info.access_level == "Write" and not info.accepts_only_star:
        return info.access_level
    return None


@functools.lru_cache(maxsize=4096)
def _privileged_matches(pattern: str) -> frozenset[str]:
    """The catalogue actions an IAM action pattern matches that have a privileged level: the
    catalogue indexed by access level, one entry per pattern (``s3:*``, ``*``, ``iam:Put*``)."""
    return frozenset(name for name in expand_actions(pattern) if _privileged_level(name))


def _rank(name: str) -> tuple[int, int, str]:
    """Order of the search: permissions management before write, well-known witnesses first,
    then by name."""
    level = _privileged_level(name)
    assert level is not None
    return _LEVEL_ORDER[level], _WITNESS_RANK.get(name.lower(), len(_WITNESS_RANK)), name


@functools.lru_cache(maxsize=1)
def _witness_ranks() -> tuple[tuple[int, int, str], ...]:
    """The well-known witnesses that are privileged, by their catalogue names, in search order."""
    found = (action_info(name) for name in _WITNESS_PREFERENCE)
    return tuple(sorted(_rank(info.name) for info in found if info is not None and _privileged_level(info.name)))


@functools.lru_cache(maxsize=None)
def _service_ranks(service: str, level: int) -> tuple[tuple[int, int, str], ...]:
    """One service's privileged actions of one level that are not witnesses, by name."""
    ranks = (_rank(info.name) for info in service_catalogue(service) if _privileged_level(info.name))
    return tuple(sorted(r for r in ranks if r[0] == level and r[1] == len(_WITNESS_RANK)))


def _search_order() -> Iterator[tuple[int, int, str]]:
    """Every privileged catalogue action in the order of the search (``_rank``), reading each
    service's catalogue only when the search reaches it: names sort by service first (the
    service prefix and its colon), so the services are walked in that order."""
    services = sorted(known_services(), key=lambda service: service + ":")
    for level in (0, 1):
        yield from (rank for rank in _witness_ranks() if rank[0] == level)
        for service in services:
            yield from _service_ranks(service, level)


def _literal_service(pattern: str) -> bool:
    """The service part of an action pattern is written out (``s3:Put*``, not ``*:Put*``)."""
    return ":" in re.split(r"[*?]", pattern, maxsplit=1)[0]


class _Candidates:
    """The privileged catalogue actions some Allow statement of a set of policies may grant on
    ``*``: a finite set for patterns whose service is written out (the index of that service),
    and tests applied to each action as the search reaches it for a pattern with a wildcard
    service part (``*``, ``*:Put*``) and for NotAction, so the whole catalogue is read only
    when the search gets that far.

    Only statements whose Resource certainly covers ``*`` count: ``evaluate(..., "*")`` allows
    an action only through such a statement. A NotAction statement covers every action none of
    its entries match (an Unknown entry excludes nothing for sure)."""

    def __init__(self, docs: Iterable[PolicyDocument]) -> None:
        self.names: set[str] = set()
        self.patterns: list[str] = []
        self.not_actions: list[tuple[str, ...]] = []
        for doc in docs:
            for statement in doc.statements:
                if not statement.is_allow or statement.resource_match("*") is not True:
                    continue
                if statement.actions is not None:
                    for entry in statement.actions:
                        if _is_text(entry):
                            pattern = entry.strip().lower()
                            if _literal_service(pattern):
                                self.names |= _privileged_matches(pattern)
                            elif pattern:
                                self.patterns.append(pattern)
                elif statement.not_actions is not None:
                    self.not_actions.append(tuple(e.strip().lower() for e in statement.not_actions if _is_text(e)))

    @property
    def finite(self) -> bool:
        return not self.patterns and not self.not_actions

    def __contains__(self, name: str) -> bool:
        return (name in self.names or any(glob_match(p, name) for p in self.patterns)
                or any(not any(glob_match(e, name) for e in excluded) for excluded in self.not_actions))


def _ranked(candidates: _Candidates, boundary: _Candidates | None) -> Iterator[tuple[int, int, str]]:
    """The actions both grant (the policies, and the boundary when given), in search order."""
    for finite, other in ((candidates, boundary), (boundary, candidates)):
        if finite is not None and finite.finite:
            yield from sorted(_rank(name) for name in finite.names if other is None or name in other)
            return
    for rank in _search_order():
        if rank[2] in candidates and (boundary is None or rank[2] in boundary):
            yield rank


def _service_wide(statement: Statement | None) -> bool:
    if statement is None:
        return False
    if statement.not_actions is not None:
        return True
    return any(isinstance(a, str) and (a.strip() == "*" or a.strip().endswith(":*")) for a in statement.actions or ())


# The answer for one set of statements: (kind, action, (document, statement) position of the
# witness statement or None, conditional), or None when nothing privileged is granted.
_Answer = Optional[Tuple[str, str, Optional[Tuple[int, int]], bool]]


class PrivilegeCache:
    """Answers of :func:`privileged_grant` by the content of the policies asked about, for one
    scan (``Analysis`` holds one): principals that share their policies (the same managed
    policies, identical inline copies, a group's policies) are evaluated once. The key is what
    the evaluation reads (effect, action, resource and condition elements, unknown parts), in
    order; the witness statement is kept by position and taken from the caller's documents, so
    its line and policy stay the caller's own."""

    def __init__(self) -> None:
        self.answers: dict[tuple, _Answer] = {}
        self.hits = 0


def _statement_key(statement: Statement) -> tuple:
    return (statement.effect, statement.actions, statement.not_actions, statement.resources,
            statement.not_resources,
            tuple((c.operator, c.key, c.values) for c in statement.conditions))


def _documents_key(docs: list[PolicyDocument]) -> tuple:
    return tuple((tuple(_statement_key(s) for s in doc.statements), bool(doc.unknown_statements),
                  doc.unknown_document is not None) for doc in docs)


def _position(docs: list[PolicyDocument], statement: Statement | None) -> tuple[int, int] | None:
    if statement is None:
        return None
    for doc_index, doc in enumerate(docs):
        for statement_index, candidate in enumerate(doc.statements):
            if candidate is statement:
                return doc_index, statement_index
    raise ValueError("the witness statement is not one of the identity policies'")


def privileged_grant(docs: list[PolicyDocument], boundary_docs: list[PolicyDocument] | None = None,
                     cache: PrivilegeCache | None = None) -> Privilege | None:
    """The strongest privilege ``docs`` grant (see the module docstring), or None. Deterministic:
    administrator first, then permissions management, then write, each by action name. With
    ``cache``, a set of policies whose content was already asked about is not evaluated again."""
    docs = [d for d in docs if d is not None]
    key: tuple | None = None
    if cache is not None:
        try:
            key = (_documents_key(docs), None if boundary_docs is None else _documents_key(boundary_docs))
            hash(key)
        except TypeError:  # an unhashable entry (a mapping where a string belongs): no cache
            key = None
    answer: _Answer
    if cache is not None and key is not None and key in cache.answers:
        cache.hits += 1
        answer = cache.answers[key]
    else:
        answer = _privileged_answer(docs, boundary_docs)
        if cache is not None and key is not None:
            cache.answers[key] = answer
    if answer is None:
        return None
    kind, action, position, conditional = answer
    statement = docs[position[0]].statements[position[1]] if position is not None else None
    return Privilege(kind, action, statement, conditional)


def _privileged_answer(docs: list[PolicyDocument], boundary_docs: list[PolicyDocument] | None) -> _Answer:
    statement: Statement | None
    has_deny = any(s.is_deny or s.effect_unknown for d in docs for s in d.statements)
    if boundary_docs is None and not has_deny:
        for doc in docs:
            for statement in doc.statements:
                if statement_allows_everything(statement):
                    return "admin", "*", _position(docs, statement), bool(statement.conditions)
    candidates = _Candidates(docs)
    boundary = _Candidates(boundary_docs) if boundary_docs is not None else None
    ranked = _ranked(candidates, boundary)
    evaluator = PolicyEvaluator(docs, boundary_docs=boundary_docs)  # one for every question
    for rank, _, name in ranked:
        grant = evaluator.evaluate(name, "*")
        if grant.allowed is True:
            statement = next((s for s in grant.allow_statements if s.is_allow), None)
            if rank == 1 and name.lower() != "iam:passrole" and not _service_wide(statement):
                # one scoped-able write action on * (logs:CreateLogStream) is not privilege; a
                # whole service's writes on every resource (s3:*, NotAction) is
                continue
            kind = "permissions-management" if rank == 0 else "write"
            if statement is not None and statement_allows_everything(statement) and boundary_docs is None:
                kind, name = "admin", "*"
            return kind, name, _position(docs, statement), grant.conditional
    return None


def _mfa_conditions(statement: Statement) -> list[Condition]:
    return [c for c in statement.conditions if c.key_lc in (MFA_KEY, MFA_AGE_KEY)]


def _values_are(condition: Condition, wanted: str) -> bool:
    return bool(condition.values) and all(isinstance(v, str) and not isinstance(v, Unknown)
                                          and v.strip().lower() == wanted for v in condition.values)


def mfa_enforcing_deny(statement: Statement) -> bool:
    """A Deny on every resource and on (nearly) every action, applied when the caller did not
    sign in with MFA: ``Bool`` or ``BoolIfExists`` ``aws:MultiFactorAuthPresent: false`` (the
    IfExists form also catches access-key calls, where the key is absent), with no other
    condition that could keep it from applying."""
    if not statement.is_deny or statement.resource_match("*") is not True:
        return False
    if not all(statement.action_match(action) is True for action in _BROAD_SAMPLE):
        return False
    mfa = [c for c in statement.conditions if c.key_lc == MFA_KEY and c.base == "Bool" and c.set_op is None
           and _values_are(c, "false")]
    return bool(mfa) and len(statement.conditions) == len(mfa)


def requires_external_id(statement: Statement) -> bool:
    """A positive ``sts:ExternalId`` condition (no IfExists, not negated, a value that is not only
    wildcards): the trust is for a third party's service acting on the customer's behalf (the
    confused-deputy guard), not for people signing in."""
    for condition in statement.conditions:
        if condition.key_lc != "sts:externalid" or condition.negated or condition.if_exists:
            continue
        if condition.base not in ("StringEquals", "StringLike", "StringEqualsIgnoreCase") or \
                condition.set_op == "ForAllValues" or not condition.values:
            continue
        if all(not isinstance(v, str) or str(v).replace("*", "").replace("?", "") for v in condition.values):
            return True
    return False


def mfa_required(statement: Statement) -> bool:
    """An Allow that holds only for MFA sessions: ``Bool aws:MultiFactorAuthPresent: true`` or
    ``NumericLessThan(Equals) aws:MultiFactorAuthAge`` without IfExists (IfExists lets a caller
    without the key, such as an access key, through)."""
    for condition in _mfa_conditions(statement):
        if condition.if_exists or condition.set_op is not None:
            continue
        if condition.key_lc == MFA_KEY and condition.base == "Bool" and _values_are(condition, "true"):
            return True
        if condition.key_lc == MFA_AGE_KEY and condition.base in ("NumericLessThan", "NumericLessThanEquals"):
            return True
    return False


def mfa_if_exists_only(statement: Statement) -> bool:
    """The statement asks for MFA only with ``BoolIfExists`` (true when the key is absent)."""
    return any(c.key_lc == MFA_KEY and c.base == "Bool" and c.if_exists and _values_are(c, "true")
               for c in statement.conditions)


_ACCOUNT_TEXT = lazy_compile(r"^arn:[^:]*:iam::[^:]*:root$")
_USER_TEXT = lazy_compile(r"^arn:[^:]*:iam::[^:]*:user/.+$")


_REFERENCED_TYPE = lazy_compile(r"^\$?\{?\s*(?:module\.[\w-]+(?:\[[^\]]*\])?\.)*(?:data\.)?aws_iam_(user|role)\."
                              r"[\w-]+(?:\[[^\]]*\])?\.(?:arn|unique_id)\s*\}?$")


def person_principal(principal: PrincipalRef) -> str | None:
    """'account' or 'user' for a trust principal that people sign in as (an account delegates to
    its IAM users and roles), None for services, federation, roles and anyone (``*``), and
    'unknown' for an AWS principal whose value is not known before deploy and whose written
    form does not show what it is. Unknown ARNs built from known parts
    (``arn:${AWS::Partition}:iam::${AWS::AccountId}:root``) are read from their text."""
    if principal.kind != "AWS" or principal.is_anyone:
        return None
    if principal.is_unknown:
        text = str(principal.value.text if isinstance(principal.value, Unknown) else principal.value).strip()
        referenced = _REFERENCED_TYPE.match(text)  # aws_iam_user.dev.arn, data.aws_iam_role.ci.arn
        if referenced:
            return "user" if referenced.group(1) == "user" else None
        text = re.sub(r"\$\{[^}]*\}", "x", text)
        if _ACCOUNT_TEXT.match(text):
            return "account"
        if _USER_TEXT.match(text):
            return "user"
        if text.startswith("arn:") and (":role/" in text or ":assumed-role/" in text):
            return None
        return "unknown"
    kind = principal.arn_type
    if kind == "root":
        return "account"
    if kind == "user":
        return "user"
    return None


def covers_assume_role(statement: Statement) -> bool | None:
    """The trust statement lets its principals call sts:AssumeRole (the call people make)."""
    return statement.action_match("sts:AssumeRole")



# --- principals ---------------------------------------------------------------------------------

BOUNDARY_PROPERTIES = ("PermissionsBoundary", "permissions_boundary")


def declares_boundary(principal: Principal) -> bool:
    """A permissions boundary is set on the principal, even one whose policy could not be read."""
    if getattr(principal, "boundary", None) is not None:
        return True
    properties = principal.resource.properties if principal.resource is not None else {}
    return any(properties.get(name) not in (None, "") for name in BOUNDARY_PROPERTIES)


def unknown_policies(principal: Principal) -> list[str]:
    """Names of what grants or may deny this principal's permissions but cannot be read: policies
    with unknown content (an AWS managed policy not in our table, a policy defined elsewhere, an
    unresolved document), groups not defined in the scan, and the principal itself when it is
    defined elsewhere (its other policies are not in the scan)."""
    found: list[str] = []
    if principal.external:
        found.append(f"{principal.kind} {principal.name} is not defined in the scanned files")
    for group in principal.groups:
        if group.external:
            found.append(f"group {group.name} is not defined in the scanned files")
    for node in principal.identity_policies():
        document = node.document
        if document is None:
            found.append(f"policy {node.name} has unknown content")
        elif document.unresolved or document.unknown_statements or document.unknown_document is not None:
            found.append(f"policy {node.name} could not be resolved")
    return found


def principal_privilege(principal: Principal, cache: PrivilegeCache | None = None) -> Privilege | None:
    """The strongest privilege the principal's own and group policies give it, capped by its
    permissions boundary when that is known (see ``privileged_grant``; ``cache`` answers once
    per distinct set of policies)."""
    docs = [node.document for node in principal.identity_policies() if node.document is not None]
    boundary = principal.boundary
    boundary_docs = [boundary.document] if boundary is not None and boundary.document is not None else None
    return privileged_grant(docs, boundary_docs, cache)


def policy_of(principal: Principal, statement: Statement | None) -> PolicyNode | None:
    """The policy node of the principal that holds ``statement``."""
    for node in principal.identity_policies():
        if node.document is not None and statement is not None and any(s is statement for s in node.document.statements):
            return node
    return None


__all__ += ["declares_boundary", "unknown_policies", "principal_privilege", "policy_of", "BOUNDARY_PROPERTIES",
            "requires_external_id"]


# --- people or automation (IAG-MFA-002) --------------------------------------------------------

# Condition keys that only a person's session carries: the user name of an IAM user, the source
# identity a person's sign-in sets, the Identity Center user, SAML assertion attributes.
PEOPLE_CONDITION_KEYS = frozenset({"aws:username", "sts:sourceidentity", "aws:sourceidentity",
                                   "identitystore:userid"})
PEOPLE_CONDITION_PREFIXES = ("saml:",)
# Roles IAM Identity Center creates for people's permission sets
_SSO_ROLE = "AWSReservedSSO_"
_PINNING_BASES = ("ArnEquals", "ArnLike", "StringEquals", "StringLike")


@dataclass(frozen=True)
class Audience:
    """Who one trust principal is judged to stand for: ``people`` True (people sign in as it),
    False (automation), None (its value is not known before deploy: may be people), and why."""

    principal: str
    people: bool | None
    why: str


def anti_mfa(statement: Statement) -> bool:
    """An Allow that holds only for callers *without* MFA: ``Bool`` or ``BoolIfExists``
    ``aws:MultiFactorAuthPresent: false`` (the IfExists form also lets access-key calls in)."""
    return statement.is_allow and any(c.key_lc == MFA_KEY and c.base == "Bool" and c.set_op is None
                                      and not c.negated and _values_are(c, "false") for c in statement.conditions)


def _principal_arns(statement: Statement) -> list[str] | None:
    """The values of a positive, unconditional-on-presence ``aws:PrincipalArn`` condition that
    restricts the callers (None when there is none)."""
    for condition in statement.conditions:
        if condition.key_lc != "aws:principalarn" or condition.negated or condition.if_exists:
            continue
        if condition.base not in _PINNING_BASES or condition.set_op == "ForAllValues" or not condition.values:
            continue
        return [str(v) for v in condition.values]
    return None


def automation_pin(statement: Statement) -> str | None:
    """What ties a trust statement to automation rather than people: an ``sts:ExternalId`` (a
    third party's service) or an ``aws:PrincipalArn`` condition that admits only roles (not
    Identity Center's roles for people). None when nothing does."""
    if requires_external_id(statement):
        return "it requires sts:ExternalId (a third party's service acting for the account)"
    arns = _principal_arns(statement)
    if arns and all(_admits_only_roles_of_automation(a) for a in arns):
        return "aws:PrincipalArn admits only the roles " + ", ".join(arns)
    return None


# Identity Center's roles for people: arn:aws:iam::ACCOUNT:role/aws-reserved/sso.amazonaws.com/[REGION/]AWSReservedSSO_*
_SSO_ROLE_ARN = "arn:*:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_*"


def _admits_only_roles_of_automation(pattern: str) -> bool:
    """Does an ``aws:PrincipalArn`` value admit roles only, none of them Identity Center's roles
    for people? ``role/*`` and ``role/aws-reserved/*`` may be a person's SSO session."""
    from .effective import _HOLE, arns_meet

    if ":role/" not in pattern or _SSO_ROLE in pattern:
        return False
    return not arns_meet(_HOLE.sub("*", pattern), _SSO_ROLE_ARN)


def deploying_account(principal: PrincipalRef, zone: Zone) -> bool | None:
    """Is an AWS principal (an account or its root) the deploying account? True for
    ``${AWS::AccountId}``, ``data.aws_caller_identity``, an account of ``deploy_accounts`` or
    of the plan; False for an account the settings name as a partner (``trusted_accounts``) or
    any other account once the deploying accounts are known; None when it cannot be told (the
    deploying account is not configured, an account given as a parameter or variable)."""
    from .external import INSIDE, OUTSIDE, Zone as _Zone, principal_party

    party = principal_party(principal, _Zone(zone.deploy_accounts))
    if party is None:
        return None
    if party.status == INSIDE:
        return True
    if party.status == OUTSIDE and party.account:
        if party.account in zone.trusted_accounts or zone.deploy_accounts:
            return False
    return None


def people_marks(document: PolicyDocument, zone: Zone) -> list[str]:
    """What in a role's trust policy marks the role for people (empty when nothing does): an IAM
    user principal, SAML federation (IAM Identity Center or another IdP), the deploying account's
    root in a statement not tied to automation (people of the same account), a condition on a
    key only a person's session carries, or ``aws:PrincipalArn`` naming users or Identity
    Center's roles."""
    marks: list[str] = []

    def add(text: str) -> None:
        if text not in marks:
            marks.append(text)

    for statement in document.statements:
        if not statement.is_allow:
            continue
        saml = statement.action_match("sts:AssumeRoleWithSAML") is True
        for principal in statement.principals or ():
            value = principal.value.text if isinstance(principal.value, Unknown) else str(principal.value)
            if principal.kind == "Federated" and (saml or "saml-provider/" in value):
                add(f"SAML federation through {value}")
            elif principal.kind == "AWS" and person_principal(principal) == "user":
                add(f"the IAM user {value}")
            elif (principal.kind == "AWS" and person_principal(principal) == "account"
                  and deploying_account(principal, zone) is True and automation_pin(statement) is None):
                add(f"the deploying account's root {value} (its IAM users, people of the same account)")
        if covers_assume_role(statement) is False and not saml:
            continue
        for condition in statement.conditions:
            if condition.key_lc in PEOPLE_CONDITION_KEYS or condition.key_lc.startswith(PEOPLE_CONDITION_PREFIXES):
                add(f"a condition on {condition.key} (set only in a person's session)")
        arns = _principal_arns(statement) or []
        people_arns = [a for a in arns if ":user/" in a or _SSO_ROLE in a]
        if people_arns:
            add("aws:PrincipalArn naming " + ", ".join(people_arns))
    return marks


def judge_principal(principal: PrincipalRef, statement: Statement, marks: list[str], zone: Zone) -> Audience | None:
    """People or automation, for one AWS principal of a trust statement (None for services,
    federated providers, roles and anyone, which are never people signing in with keys).

    * an IAM user: people;
    * an account (its root): automation when the statement is tied to automation (ExternalId,
      aws:PrincipalArn admitting only roles) or the account is another one than the deploying
      account, unless ``marks`` (:func:`people_marks`) show the role is for people; the
      deploying account: people; an account not known to be either (the deploying account is
      not configured, a parameter): may be the deploying account, so people;
    * a value not known before deploy whose form does not show what it is: None."""
    kind = person_principal(principal)
    if kind is None:
        return None
    written = principal.value.text if isinstance(principal.value, Unknown) else str(principal.value)
    if kind == "user":
        return Audience(written, True, f"{written} is an IAM user: a person's long-lived credentials")
    if kind == "unknown":
        return Audience(written, None, f"{written} could not be resolved and may be people")
    marked = ", but the role is marked for people by " + "; ".join(marks) if marks else ""
    pin = automation_pin(statement)
    if pin:
        return Audience(written, bool(marks), f"automation: {pin}{marked}")
    same = deploying_account(principal, zone)
    if same is True:
        return Audience(written, True, f"{written} is the deploying account: its IAM users are people of the same "
                                       "account")
    if same is False:
        if marks:
            return Audience(written, True, f"{written} is another account{marked}")
        return Audience(written, False, f"automation: {written} is another account, and nothing in the trust "
                                        "policy marks the role for people")
    return Audience(written, True, f"{written} may be the deploying account (set deploy_accounts, or "
                                   "trusted_accounts for a partner): its IAM users would be people")


__all__ += ["Audience", "anti_mfa", "automation_pin", "deploying_account", "people_marks", "judge_principal",
            "PEOPLE_CONDITION_KEYS"]
