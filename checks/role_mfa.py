"""IAG-MFA-002: people can assume a privileged role without MFA."""

from iacguard.checks_api import (CheckContext, Statement, check, covers_assume_role, mfa_if_exists_only, mfa_required,
                                 person_principal, policy_of, requires_external_id, unknown_policies)

BAD_CFN = """\
BreakGlass:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
          Action: sts:AssumeRole
    ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
"""
GOOD_CFN = """\
BreakGlass:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
          Action: sts:AssumeRole
          Condition: { Bool: { aws:MultiFactorAuthPresent: "true" } }
    ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
"""
BAD_TF = """\
resource "aws_iam_role" "ops" {
  name = "ops"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = { AWS = "arn:aws:iam::111122223333:user/alice" } }]
  })
}

resource "aws_iam_role_policy" "ops" {
  role   = aws_iam_role.ops.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "iam:*", Resource = "*" }] })
}
"""
GOOD_TF = """\
resource "aws_iam_role" "ops" {
  name = "ops"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = { AWS = "arn:aws:iam::111122223333:user/alice" },
                   Condition = { NumericLessThan = { "aws:MultiFactorAuthAge" = "3600" } } }]
  })
}

resource "aws_iam_role_policy" "ops" {
  role   = aws_iam_role.ops.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "iam:*", Resource = "*" }] })
}
"""


@check(
    "IAG-MFA-002",
    family="mfa",
    severity="high",
    title="People can assume a privileged role without MFA",
    why="""A role that IAM users (or every identity of an account) may assume, and that holds
administrator, permissions-management or unscoped write access, is as valuable as an admin
user. Without an MFA condition in its trust policy, a leaked access key of any allowed user
is enough to take it.""",
    fix="""Add `Bool: {aws:MultiFactorAuthPresent: "true"}` (or `NumericLessThan` on
`aws:MultiFactorAuthAge`) to the trust statement. `BoolIfExists` is not enough: a call signed
with an access key has no such key and passes. Better, let people reach the role through IAM
Identity Center, which enforces MFA at sign-in.""",
    controls=("CIS AWS 1.10", "KICS 85138beb (assume role without MFA)", "AWS Well-Architected SEC02-BP01"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def role_mfa(ctx: CheckContext) -> None:
    """For each role defined in the scan: a trust Allow statement covering `sts:AssumeRole` whose
    principals include an account (`123456789012`, `arn:aws:iam::ACCOUNT:root`: every IAM user
    and role of that account the account lets in) or an IAM user, without `Bool
    aws:MultiFactorAuthPresent: true` or `NumericLessThan(Equals) aws:MultiFactorAuthAge` (and
    without a Deny of the trust policy that refuses sts:AssumeRole without MFA), when the role is
    privileged: its policies (capped by its boundary) allow every action, a permissions-management
    action on `*`, or a write action that supports resource-level permissions on `*`. Services,
    federated providers (their IdP does MFA), roles as principals and a third party's service
    (a statement that requires `sts:ExternalId`) are not people. A principal
    not known before deploy is reported at medium severity, saying so; a role whose policies
    cannot all be read and show no privilege is reported at low severity."""
    for role in ctx.model.principals.values():
        if role.kind != "role" or role.trust is None or role.trust.document is None:
            continue
        document = role.trust.document
        if any(s.is_deny and covers_assume_role(s) is True and _denies_without_mfa(s) for s in document.statements):
            continue
        privilege = None
        privilege_known = False
        for statement in document.statements:
            if not statement.is_allow or covers_assume_role(statement) is not True or mfa_required(statement):
                continue
            if requires_external_id(statement):
                continue  # a third party's service with the agreed ExternalId, not people signing in
            kinds = [(p, person_principal(p)) for p in statement.principals or ()]
            people = [str(p.value) for p, kind in kinds if kind in ("account", "user")]
            unresolved = [str(p.value) for p, kind in kinds if kind == "unknown"]
            if not people and not unresolved:
                continue
            if not privilege_known:
                privilege, privilege_known = ctx.analysis.privilege(role), True
            where = f"statement {statement.sid or statement.index + 1}"
            if_exists = (" (BoolIfExists lets callers with access keys, which carry no MFA key, through)"
                         if mfa_if_exists_only(statement) else "")
            line = role.trust.statement_line(statement)
            key = f"{role.id}#trust{statement.index}"
            if privilege is None:
                unknown = unknown_policies(role)
                if unknown:
                    ctx.report(role.resource, f"{role.address}: trust {where} lets {', '.join(people + unresolved)} "
                                              f"assume the role without MFA{if_exists}; could not determine whether "
                                              f"the role is privileged: " + "; ".join(unknown),
                               line=line, severity="low", key=key)
                continue
            node = policy_of(role, privilege.statement)
            via = f" through {node.name}" if node is not None else ""
            who = ", ".join(people) if people else ""
            severity = None
            if unresolved:
                who = (who + ", " if who else "") + "; ".join(f"{u} (could not resolve; may be people)" for u in unresolved)
                severity = "medium" if not people else None
            ctx.report(role.resource, f"{role.address}: trust {where} lets {who} assume the role without MFA"
                                      f"{if_exists}, and the role holds {privilege.describe()}{via}",
                       line=line, severity=severity, key=key)


def _denies_without_mfa(statement: Statement) -> bool:
    return any(c.key_lc == "aws:multifactorauthpresent" and c.base == "Bool" and c.values
               and all(str(v).lower() == "false" for v in c.values) for c in statement.conditions) \
        and len(statement.conditions) == 1
