"""What a check module imports: the decorator and the IAM helpers checks share.

Built-in checks and users' own checks (``--checks-dir``) use only this module, so it is the
stable surface of the check framework.

A check judges each group (``Resource.group``: a CloudFormation template, a plan, a Terraform
root module tree) on its own: parallel scans (``--jobs``) hand each worker's checks a model of
some whole groups only, and expect the same findings as one model of everything.
"""

from __future__ import annotations

from typing import Any

from .framework import CheckContext, Finding, check  # noqa: F401  (re-exported)
from .framework import registered_checks  # noqa: F401  (re-exported)
from .severity import SEVERITIES, severity_rank  # noqa: F401  (re-exported: checks rank severities with these)
from .suppress import SUPPRESSION_CHECK, resource_suppressions  # noqa: F401  (re-exported)
from .iam.access import evaluate, is_full_admin_statement, statement_allows_everything  # noqa: F401
from .values import Unknown, to_plain

# Condition keys that tie a grant to a known set of principals, networks or sources.
# aws:SourceIp is deliberately absent: an IP range does not identify who is calling.
RESTRICTING_KEYS = frozenset(k.lower() for k in (
    "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalAccount", "aws:PrincipalArn",
    "aws:PrincipalServiceName", "aws:SourceAccount", "aws:SourceArn", "aws:SourceOwner",
    "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceVpc", "aws:SourceVpce", "aws:VpceAccount",
    "aws:VpceOrgID", "aws:VpceOrgPaths", "aws:userid", "kms:CallerAccount",
    "aws:Ec2InstanceSourceVpc", "ec2:SourceInstanceArn", "lambda:SourceFunctionArn",
    "ssm:SourceInstanceArn", "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast",
))

_POSITIVE_BASES = {"StringEquals", "StringLike", "StringEqualsIgnoreCase", "ArnEquals", "ArnLike"}
_NEGATIVE_BASES = {"StringNotEquals", "StringNotLike", "StringNotEqualsIgnoreCase", "ArnNotEquals", "ArnNotLike"}


def _specific(value: Any) -> bool:
    """A condition value that names something specific (not a wildcard that matches anyone)."""
    if isinstance(value, Unknown):
        return True  # a value chosen at deploy time (an org id parameter) still restricts
    text = str(value)
    stripped = text.replace("*", "").replace("?", "")
    if not stripped or stripped in ("o-", "arn:aws:", "arn:", "arn:aws:iam::", "arn:aws:sts::"):
        return False
    if text.startswith("arn:") and text.split(":")[4:5] in (["*"], [""]):
        return False  # arn:aws:iam::*:... matches every account
    return True


def restricting_conditions(statement: Any) -> list:
    """The conditions of an Allow statement that restrict who (or from where) can use it.

    A condition counts when its key identifies the caller's organisation, account, ARN, source
    or network endpoint, its operator is a positive string/ARN match (IfExists does not count:
    an anonymous caller has no such key), and every value is specific.
    """
    credited = []
    for condition in statement.conditions:
        if condition.key_lc not in RESTRICTING_KEYS or condition.if_exists or condition.negated:
            continue
        if condition.base not in _POSITIVE_BASES or condition.set_op == "ForAllValues":
            continue
        if condition.values and all(_specific(v) for v in condition.values):
            credited.append(condition)
    return credited


def closing_deny_conditions(statement: Any) -> list:
    """Conditions of a Deny statement that deny everyone outside a set (StringNotEquals
    aws:PrincipalOrgID ...), which closes a public Allow for those actions."""
    credited = []
    for condition in statement.conditions:
        if condition.key_lc not in RESTRICTING_KEYS or condition.if_exists or not condition.negated:
            continue
        if condition.base not in _NEGATIVE_BASES:
            continue
        if condition.values and all(_specific(v) for v in condition.values):
            credited.append(condition)
    return credited


def describe_conditions(statement: Any) -> str:
    parts = []
    for condition in statement.conditions:
        values = ", ".join(str(v) for v in condition.values)
        parts.append(f"{condition.operator} {condition.key} [{values}]")
    return "; ".join(parts)


def statement_evidence(statement: Any) -> Any:
    """The statement as written, JSON-serialisable, for the finding's evidence field."""
    raw = statement.raw
    return to_plain(raw) if raw is not None else None
