"""IAG-LP-002: an identity policy grants every action of a service (`s3:*`, `*`)."""

from iacguard.checks_api import (CheckContext, check, expand_actions, report_statement, split_plumbing,
                                 resource_scope, resources_text, services_of_pattern,
                                 statement_evidence)

BAD_CFN = """\
DeployPolicy:
  Type: AWS::IAM::ManagedPolicy
  Properties:
    PolicyDocument:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: ["s3:*", "dynamodb:*"]
          Resource: "*"
"""
GOOD_CFN = """\
DeployPolicy:
  Type: AWS::IAM::ManagedPolicy
  Properties:
    PolicyDocument:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: ["s3:GetObject", "s3:PutObject", "ec2:Describe*"]
          Resource: "*"
"""
BAD_TF = """\
resource "aws_iam_role_policy" "deploy" {
  role   = aws_iam_role.deploy.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }]
  })
}
"""
GOOD_TF = """\
resource "aws_iam_role_policy" "deploy" {
  role   = aws_iam_role.deploy.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "*" }]
  })
}
"""


@check(
    "IAG-LP-002",
    family="least-privilege",
    severity="high",
    title="Identity policy grants every action of a service",
    why="""`s3:*`, `ec2:*` or `*` grant every action of a service, today and every action AWS adds
later: deleting data, rewriting resource policies, turning off logging. Nobody reviewed that
list, and a workload never needs all of it.""",
    fix="""List the actions the workload calls (`s3:GetObject`, `s3:PutObject` ...). Prefix wildcards
such as `ec2:Describe*` are fine when the whole family is wanted.""",
    controls=("Security Hub IAM.21", "CT.IAM.PR.3", "CT.IAM.PR.5"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def service_wildcard_action(ctx: CheckContext) -> None:
    """Reports each Allow statement of an identity policy (inline, customer managed, SSO
    permission set) whose Action holds a service-wide wildcard (`*`, `*:*`, `s3:*`, `s3*`),
    once per statement, naming the wildcards and the services they cover. High when the
    statement reaches every resource, medium when its Resource is scoped; a condition that
    narrows the grant lowers it one step and is named. Statements that allow everything are
    IAG-LP-001's. Prefix wildcards (`ec2:Describe*`) are not reported, nor a wildcard that an
    unconditional Deny of the same policy takes away again (an explicit Deny overrides the
    Allow). A wildcard whose every action is plumbing (`ssmmessages:*`: what AWS's own
    service-role policies grant on `*`) is left out when others are named, and alone is low; in
    a policy held only by roles that one service alone can assume, that includes what AWS's own
    service-role policies grant that service on `*`."""
    for node, statement in ctx.analysis.allow_statements():
        if statement.actions is None:
            continue  # NotAction: IAG-LP-003
        wildcards = ctx.analysis.service_wildcards(node, statement)
        if not wildcards:
            continue
        wildcards, plumbing, note = split_plumbing(wildcards, service=ctx.analysis.sole_service(node))
        scope = resource_scope(statement)
        described = "; ".join(_describe(w) for w in dict.fromkeys(wildcards))
        unresolved = (f"; Resource {', '.join(map(str, scope.unknown))} could not be resolved"
                      if scope.unknown and not scope.every else "")
        evidence = {"statement": statement_evidence(statement), "wildcards": wildcards}
        if plumbing:
            evidence["plumbing"] = plumbing
        report_statement(ctx, node, statement,
                         f"grants every action of a service ({described}) on {resources_text(statement)}{note}",
                         "low" if note else "high" if scope.every else "medium", evidence, after=unresolved)


def _describe(pattern: str) -> str:
    services = services_of_pattern(pattern)
    count = len(expand_actions(pattern))
    if not services:
        return f"{pattern}: a service the action catalogue does not know"
    if len(services) > 5:
        return f"{pattern}: every action of {len(services)} services, {count} actions"
    return f"{pattern}: every {'/'.join(services)} action, {count} actions"
