"""IAG-MFA-002: people can assume a privileged role without MFA."""

from iacguard.checks_api import (Audience, CheckContext, Statement, Unknown, anti_mfa, check, covers_assume_role,
                                 judge_principal, mfa_if_exists_only, mfa_required, people_marks, policy_of,
                                 statement_evidence, unknown_policies)

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
is enough to take it. Roles for automation (another account's pipeline, a vendor with an
external id, a role chain) cannot use MFA and are not reported, unless the trust policy also
lets people in. A trust that admits callers only *without* MFA (`aws:MultiFactorAuthPresent`
false) is reported on any role: it exists to let long-lived keys in.""",
    fix="""Add `Bool: {aws:MultiFactorAuthPresent: "true"}` (or `NumericLessThan` on
`aws:MultiFactorAuthAge`) to the trust statement. `BoolIfExists` is not enough: a call signed
with an access key has no such key and passes. Better, let people reach the role through IAM
Identity Center, which enforces MFA at sign-in.""",
    controls=("CIS AWS 1.10", "KICS 85138beb (assume role without MFA)", "AWS Well-Architected SEC02-BP01"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def role_mfa(ctx: CheckContext) -> None:
    """For each role defined in the scan, each trust Allow statement covering `sts:AssumeRole`
    without `Bool aws:MultiFactorAuthPresent: true` or `NumericLessThan(Equals)
    aws:MultiFactorAuthAge` (and no Deny of the trust policy refusing sts:AssumeRole without MFA),
    whose principals people sign in as, when the role is privileged: its policies (capped by its
    boundary) allow every action, a permissions-management action on `*`, or a write action that
    supports resource-level permissions on `*`.

    People or automation: an IAM user is people; so is the deploying account's root
    (`${AWS::AccountId}`, `data.aws_caller_identity`, `deploy_accounts`, the plan's account), and
    an account not known to be another one (no `deploy_accounts` set, an account parameter). A
    role trusted by another account's root, by a role, or by a statement requiring
    `sts:ExternalId` or admitting only roles through `aws:PrincipalArn` is automation, unless
    something in the trust policy marks the role for people: an IAM user principal, SAML
    federation (IAM Identity Center), the deploying account's root, a condition on a key only a
    person's session carries (`aws:username`, `sts:SourceIdentity`, `saml:*`) or
    `aws:PrincipalArn` naming users or Identity Center roles. Services and federated providers
    (their IdP does MFA) are not people. The message and `evidence["people"]` give the
    judgement for each principal. A principal not known before deploy is reported at medium
    severity, saying so; a role whose policies cannot all be read and show no privilege is
    reported at low severity.

    A trust Allow that holds only *without* MFA (`Bool`/`BoolIfExists`
    `aws:MultiFactorAuthPresent: false`) is reported on every role, whoever it names: high when
    the role is privileged, medium when not."""
    for role in ctx.model.principals.values():
        if role.kind != "role" or role.trust is None or role.trust.document is None:
            continue
        document = role.trust.document
        if any(s.is_deny and covers_assume_role(s) is True and _denies_without_mfa(s) for s in document.statements):
            continue
        zone = ctx.analysis.zone(role.resource.group)
        marks = people_marks(document, zone)
        privilege = None
        privilege_known = False
        for statement in document.statements:
            if not statement.is_allow or covers_assume_role(statement) is not True:
                continue
            against_mfa = anti_mfa(statement)
            if mfa_required(statement) and not against_mfa:
                continue
            judged = [a for a in (judge_principal(p, statement, marks, zone) for p in statement.principals or ())
                      if a is not None]
            people = [a.principal for a in judged if a.people is True]
            unresolved = [a.principal for a in judged if a.people is None]
            if not people and not unresolved and not against_mfa:
                continue
            if not privilege_known:
                privilege, privilege_known = ctx.analysis.privilege(role), True
            where = f"statement {statement.sid or statement.index + 1}"
            line = role.trust.statement_line(statement)
            key = f"{role.id}#trust{statement.index}"
            evidence = {"statement": statement_evidence(statement), "people": {a.principal: a.why for a in judged}}
            if marks:
                evidence["marked_for_people_by"] = marks
            node = policy_of(role, privilege.statement) if privilege is not None else None
            holds = (f"the role holds {privilege.describe()}" + (f" through {node.name}" if node is not None else "")
                     if privilege is not None else "")
            if against_mfa:
                callers = ", ".join(str(p.value.text if isinstance(p.value, Unknown) else p.value)
                                    for p in statement.principals or ()) or "its principals"
                message = (f"{role.address}: trust {where} lets {callers} assume the role only WITHOUT MFA "
                           "(aws:MultiFactorAuthPresent false)")
                message += f", and {holds}" if holds else "; the role holds no privilege iacguard can see"
                ctx.report(role.resource, message + _judgement(judged), line=line, evidence=evidence,
                           severity=None if privilege is not None else "medium", key=key)
                continue
            if_exists = (" (BoolIfExists lets callers with access keys, which carry no MFA key, through)"
                         if mfa_if_exists_only(statement) else "")
            if privilege is None:
                unknown = unknown_policies(role)
                if unknown:
                    ctx.report(role.resource, f"{role.address}: trust {where} lets {', '.join(people + unresolved)} "
                                              f"assume the role without MFA{if_exists}; could not determine whether "
                                              f"the role is privileged: " + "; ".join(unknown) + _judgement(judged),
                               line=line, severity="low", key=key, evidence=evidence)
                continue
            who = ", ".join(people) if people else ""
            severity = None
            if unresolved:
                who = (who + ", " if who else "") + "; ".join(f"{u} (could not resolve; may be people)" for u in unresolved)
                severity = "medium" if not people else None
            ctx.report(role.resource, f"{role.address}: trust {where} lets {who} assume the role without MFA"
                                      f"{if_exists}, and {holds}" + _judgement(judged),
                       line=line, severity=severity, key=key, evidence=evidence)


def _judgement(judged: list[Audience]) -> str:
    """Why the principals are taken for people (or automation), for the message."""
    if not judged:
        return ""
    return " (why: " + "; ".join(a.why for a in judged) + ")"


def _denies_without_mfa(statement: Statement) -> bool:
    return any(c.key_lc == "aws:multifactorauthpresent" and c.base == "Bool" and c.values
               and all(str(v).lower() == "false" for v in c.values) for c in statement.conditions) \
        and len(statement.conditions) == 1
