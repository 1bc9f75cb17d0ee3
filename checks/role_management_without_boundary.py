"""IAG-PE-003: creating or changing roles is delegated without requiring a permissions boundary."""

from iacguard.checks_api import (CheckContext, EffectivePermissions, Principal, check, describe_grant_conditions,
                                 statement_allows_everything, statement_evidence, statement_name)

ACTIONS = ("iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy")
# the request of a caller that sets no permissions boundary
NO_BOUNDARY = {"iam:PermissionsBoundary": None}

BAD_CFN = """\
PlatformTeam:
  Type: AWS::IAM::ManagedPolicy
  Properties:
    PolicyDocument:
      Statement:
        - Sid: ManageServiceRoles
          Effect: Allow
          Action: [iam:CreateRole, iam:AttachRolePolicy]
          Resource: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/svc-*"
"""
GOOD_CFN = """\
PlatformTeam:
  Type: AWS::IAM::ManagedPolicy
  Properties:
    PolicyDocument:
      Statement:
        - Sid: ManageServiceRoles
          Effect: Allow
          Action: [iam:CreateRole, iam:AttachRolePolicy]
          Resource: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/svc-*"
          Condition:
            StringEquals:
              iam:PermissionsBoundary: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/workload-boundary"
"""
BAD_TF = """\
resource "aws_iam_policy" "platform" {
  name = "platform"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["iam:CreateRole", "iam:PutRolePolicy"], Resource = "*" }] })
}
"""
GOOD_TF = """\
resource "aws_iam_policy" "platform" {
  name = "platform"
  policy = jsonencode({ Statement = [{
    Effect    = "Allow", Action = ["iam:CreateRole", "iam:PutRolePolicy"], Resource = "*"
    Condition = { StringEquals = { "iam:PermissionsBoundary" = "arn:aws:iam::111122223333:policy/workload-boundary" } }
  }] })
}
"""


@check(
    "IAG-PE-003",
    family="privilege-escalation",
    severity="high",
    title="Role creation delegated without a permissions boundary",
    why="""Whoever may create a role and give it policies (`iam:CreateRole`, `iam:PutRolePolicy`,
`iam:AttachRolePolicy`) can create a role more powerful than themselves and use it. Requiring a
permissions boundary on every role they create or change (an `iam:PermissionsBoundary`
condition) caps those roles, which makes delegating role management safe.""",
    fix="""Add a condition `StringEquals: {"iam:PermissionsBoundary": "<boundary policy ARN>"}` to
the statement, and deny `iam:DeleteRolePermissionsBoundary` and changes to the boundary policy
itself.""",
    controls=("AWS Well-Architected SEC03-BP05", "IAM permissions boundaries for delegated administration"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def role_management_without_boundary(ctx: CheckContext) -> None:
    """For every identity policy statement that lets a principal call `iam:CreateRole`,
    `iam:PutRolePolicy` or `iam:AttachRolePolicy` on some role without setting a permissions
    boundary: evaluated on the effective permissions of each principal that holds the policy
    (a Deny elsewhere, or a permissions boundary on the principal, can remove it), or on the policy
    alone when the scan attaches it to nobody. A statement conditioned on `iam:PermissionsBoundary`
    does not count, nor one scoped to service-linked roles (`role/aws-service-role/...`, which IAM
    refuses to create or edit; `role/aws-service-role*` without the slash names ordinary roles
    too). A role named only at deploy time (`role/${AWS::StackName}-*`, a parameter, a variable)
    counts as the role it names; a Deny that may cover it lowers the severity. Statements that allow every action on every resource are left to IAG-LP-001.
    One finding per statement, naming the actions and the principals; another condition on the
    grant lowers the severity to medium and is named."""
    analysis = ctx.analysis.escalation
    # (node id, statement index, line) -> [node, statement, actions, holders, grants]
    found: dict[tuple[str, int, int], list] = {}
    evaluations: list[tuple[EffectivePermissions, Principal | None]] = [
        (analysis.effective(p), p) for p in analysis.subjects() if not analysis.full_admin(p).allowed]
    for node in ctx.model.identity_policies():
        if node.kind == "managed" and not node.attached_to:
            eff = analysis.index.of_policy(node)
            if eff is not None:
                evaluations.append((eff, None))
    for eff, principal in evaluations:
        for action in ACTIONS:
            if not eff.mentions(action):
                continue
            grant, _ = eff.grant_somewhere(action, NO_BOUNDARY)
            if not grant.allowed:
                continue
            for statement in grant.allow_statements:
                policy = eff.node_of(statement)
                if policy is None or policy.kind == "aws-managed" or statement_allows_everything(statement):
                    continue
                entry = found.setdefault((policy.id, statement.index, statement.line), [policy, statement, [], [], []])
                if action not in entry[2]:
                    entry[2].append(action)
                if principal is not None and principal.label not in entry[3]:
                    entry[3].append(principal.label)
                entry[4].append(grant)
    for node, statement, actions, holders, grants in found.values():
        conditional = all(g.conditional for g in grants)
        who = ", ".join(sorted(holders)) if holders else "whoever it is attached to"
        message = (f"{node.resource.address}: statement {statement_name(statement)} of policy {node.name} lets "
                   f"{who} call {', '.join(actions)} without requiring a permissions boundary "
                   "(no iam:PermissionsBoundary condition)")
        if conditional:
            conditions = "; ".join(dict.fromkeys(c for c in (describe_grant_conditions(g) for g in grants) if c))
            message += f"; only when {conditions or 'a condition holds'}"
        ctx.report(node.resource, message, line=node.statement_line(statement),
                   evidence=statement_evidence(statement), severity="medium" if conditional else None,
                   key=f"{node.id}#{statement.index}#{statement.line}")
