"""IAG-PE-001: a principal's effective permissions let it use a known privilege-escalation method."""

from typing import Any

from iacguard.checks_api import (CheckContext, EffectivePermissions, MethodUse, PolicyNode, Principal,
                                 changes_its_own_permissions, check, describe_grant_conditions, statement_name)

BAD_CFN = """\
Developer:
  Type: AWS::IAM::User
  Properties:
    Policies:
      - PolicyName: self-service
        PolicyDocument:
          Statement:
            - Effect: Allow
              Action: iam:CreatePolicyVersion
              Resource: "*"
"""
GOOD_CFN = """\
Developer:
  Type: AWS::IAM::User
  Properties:
    Policies:
      - PolicyName: self-service
        PolicyDocument:
          Statement:
            # rotating one's own key is not an escalation
            - Effect: Allow
              Action: iam:CreateAccessKey
              Resource: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:user/${!aws:username}"
"""
BAD_TF = """\
resource "aws_iam_role" "ci" {
  name               = "ci"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "codebuild.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}

resource "aws_iam_role_policy" "ci" {
  role = aws_iam_role.ci.id
  policy = jsonencode({ Statement = [
    { Effect = "Allow", Action = "iam:PassRole", Resource = "*" },
    { Effect = "Allow", Action = ["lambda:CreateFunction", "lambda:InvokeFunction"], Resource = "*" },
  ] })
}
"""
GOOD_TF = """\
resource "aws_iam_role" "ci" {
  name               = "ci"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "codebuild.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}

# PassRole is limited to ECS tasks, so the Lambda method does not apply.
resource "aws_iam_role_policy" "ci" {
  role = aws_iam_role.ci.id
  policy = jsonencode({ Statement = [
    { Effect = "Allow", Action = "iam:PassRole", Resource = "*",
      Condition = { StringEquals = { "iam:PassedToService" = "ecs-tasks.amazonaws.com" } } },
    { Effect = "Allow", Action = ["lambda:CreateFunction", "lambda:InvokeFunction"], Resource = "*" },
  ] })
}
"""


@check(
    "IAG-PE-001",
    family="privilege-escalation",
    severity="high",
    title="Principal can escalate its privileges",
    why="""Some IAM permissions let their holder give itself more: write a new version of a policy
it holds, attach AdministratorAccess to itself, create an access key for another user, or hand a
more powerful role to a service (Lambda, EC2, Glue, CloudFormation, CodeBuild, SageMaker, ECS ...)
and run code as that role. Whoever controls the principal then controls everything it can reach.""",
    fix="""Remove the escalation permissions from workload principals, or scope them: name the exact
roles in `iam:PassRole` and add an `iam:PassedToService` condition, restrict `iam:Put*Policy` /
`iam:Attach*Policy` to resources that are not the principal itself, and require a permissions
boundary (`iam:PermissionsBoundary` condition) on anything that creates or changes roles.""",
    controls=("AWS Well-Architected SEC03-BP02",),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def privilege_escalation_method(ctx: CheckContext) -> None:
    """For every user, role, and group without members in the scan, on its effective permissions
    (inline, managed, attached and group policies, minus explicit Denies, capped by its permissions
    boundary): each known escalation method (the Rhino Security Labs set and the newer
    pathfinding.cloud/PMapper paths) whose actions are all allowed together, on resources that make
    it work. `iam:PassRole` counts only for roles whose trust policy lets the method's service
    assume them (roles outside the scan count, and the message says their trust is unknown) and
    only when `iam:PassedToService` allows that service. `ssm:SendCommand`/`ssm:StartSession`
    count only on instances that may run with a role (a pattern that may match an instance or
    launch template of the scan with an instance profile, or one matching every instance when the
    scan launches none and cannot tell), and the message names that pattern; role edits scoped to service-linked roles never count. Self-service actions on the caller itself
    (its own access key) do not count; changing its own permissions does, and changing only other
    principals' permissions (a policy attached to a role the caller is not) is left to the paths of
    IAG-PE-002. One finding per
    granting policy of a principal (two risky attachments are two findings, each shown before the
    other is fixed; a method that needs the actions of several policies is one finding for them
    together), naming each method with every action, the policy statement that allows it, and the
    targets (the first three in full, then the names of the rest; all in the evidence). When every
    method holds only under a condition, the severity is medium and the conditions are named.
    Principals that already have full administrator access are left to IAG-LP-001."""
    analysis = ctx.analysis.escalation
    for principal in analysis.subjects():
        if analysis.full_admin(principal).allowed:
            continue
        uses = [use for use in analysis.methods_for(principal) if changes_its_own_permissions(principal, use)]
        if not uses:
            continue
        eff = analysis.effective(principal)
        for policies, group in _by_granting_policy(eff, uses):
            # each risk is keyed by the policies that grant it, so a baselined finding never
            # passes its fingerprint on to another policy's risk when its own policy goes
            key = f"{principal.id}#{'+'.join(p.id for p in policies)}"
            _report(ctx, principal, eff, policies, group, key)


def _by_granting_policy(eff: EffectivePermissions,
                        uses: list[MethodUse]) -> list[tuple[tuple[PolicyNode, ...], list[MethodUse]]]:
    """The methods grouped by the policy that grants them (in the order they are found): a method
    every action of which one policy allows belongs to that policy (to each such policy, when
    several do: removing one leaves the others); a method that needs actions of several policies
    belongs to those policies together."""
    groups: dict[str, tuple[tuple[PolicyNode, ...], list[MethodUse]]] = {}
    for use in uses:
        per_action = [_nodes(eff, action.grant.allow_statements) for action in use.actions]
        known = [nodes for nodes in per_action if nodes]
        alone = [n for n in known[0] if all(any(m.id == n.id for m in nodes) for nodes in known[1:])] \
            if known and len(known) == len(per_action) else []
        keys: list[tuple[PolicyNode, ...]]
        if alone:
            keys = [(n,) for n in alone]
        else:  # together: every policy that allows one of the actions
            together: dict[str, PolicyNode] = {}
            for nodes in known:
                for node in nodes:
                    together.setdefault(node.id, node)
            keys = [tuple(together.values())]
        for policies in keys:
            groups.setdefault("+".join(p.id for p in policies), (policies, []))[1].append(use)
    return list(groups.values())


def _nodes(eff: EffectivePermissions, statements: Any) -> list[PolicyNode]:
    found: list[PolicyNode] = []
    for statement in statements:
        node = eff.node_of(statement)
        if node is not None and all(node.id != n.id for n in found):
            found.append(node)
    return found


def _report(ctx: CheckContext, principal: Principal, eff: EffectivePermissions, policies: tuple[PolicyNode, ...],
            uses: list[MethodUse], key: str) -> None:
    described = []
    evidence: dict[str, Any] = {"methods": {}}
    line = None
    for use in uses:
        text, actions, found_line = _describe_use(principal, eff, use)
        described.append(text)
        evidence["methods"][use.method.name] = {"gives": use.method.gives, "actions": actions,
                                                 "conditional": use.conditional}
        if line is None:
            line = found_line
    if policies:
        evidence["policies"] = [p.name for p in policies]
    shown = described[:_SHOWN_IN_FULL]
    rest = [use.method.name for use in uses[_SHOWN_IN_FULL:]]
    count = f"{len(uses)} methods" if len(uses) > 1 else "one method"
    through = ""
    if len(policies) == 1:
        through = f" through policy {policies[0].name}"
    elif policies:
        through = " through policies " + " and ".join(str(p.name) for p in policies) + " together"
    message = f"{principal.label} can escalate privileges{through} by {count}: " + "; ".join(shown)
    if rest:
        message += f"; and {', '.join(rest)}"
    notes = sorted({f"{t.label}: {t.note}" for use in uses for t in use.key_targets if t.note})
    if eff.boundary_unknown and principal.boundary is not None:  # unknown only when one is set
        notes.append(f"its permissions boundary {principal.boundary.name} is not known and may limit this")
    if notes:
        message += " (" + "; ".join(notes) + ")"
    conditional = all(use.conditional for use in uses)
    ctx.report(principal.resource, message, line=line, evidence=evidence,
               severity="medium" if conditional else None, key=key)


# Methods described in full in a message; the rest are named (all are in the evidence).
_SHOWN_IN_FULL = 3


def _describe_use(principal: Principal, eff: EffectivePermissions, use: MethodUse) -> tuple[str, dict, int | None]:
    """(the method in words, its actions for the evidence, the line of a statement in the
    principal's own resource that allows one of them)."""
    parts = []
    actions = {}
    line = None
    for action in use.actions:
        sources = []
        for statement in action.grant.allow_statements:
            node = eff.node_of(statement)
            if node is None:
                continue
            label = f"policy {node.name} statement {statement_name(statement)}"
            if label not in sources:
                sources.append(label)
            if line is None and node.resource is principal.resource:
                line = node.statement_line(statement)
        parts.append(f"{action.action} on {action.where()} ({'; '.join(sources[:3]) or 'its policies'})")
        actions[action.action] = {"on": action.where(), "allowed_by": sources}
    text = f"{use.method.name} ({use.method.gives}): " + ", ".join(parts)
    if use.conditional:
        conditions = "; ".join(c for c in (describe_grant_conditions(a.grant) for a in use.actions
                                           if a.grant.conditional) if c)
        text += f" only when {conditions or 'a condition holds'}"
    return text, actions, line
