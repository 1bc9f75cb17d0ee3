"""IAG-LP-004: an identity policy allows actions on every resource except a list (Allow with
NotResource)."""

from iacguard.checks_api import (CheckContext, check, expanded_actions, report_statement, split_plumbing,
                                 resource_scope, restrictable, statement_evidence, summarize)

BAD_CFN = """\
AppPolicy:
  Type: AWS::IAM::ManagedPolicy
  Properties:
    PolicyDocument:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: ["s3:GetObject", "s3:PutObject"]
          NotResource: "arn:aws:s3:::payroll/*"
"""
GOOD_CFN = """\
AppPolicy:
  Type: AWS::IAM::ManagedPolicy
  Properties:
    PolicyDocument:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: ["s3:GetObject", "s3:PutObject"]
          Resource: "arn:aws:s3:::app-data/*"
"""
BAD_TF = """\
resource "aws_iam_user_policy" "app" {
  user   = aws_iam_user.app.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:PutObject", NotResource = "arn:aws:s3:::payroll/*" }]
  })
}
"""
GOOD_TF = """\
resource "aws_iam_user_policy" "app" {
  user   = aws_iam_user.app.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:PutObject", Resource = "arn:aws:s3:::app-data/*" }]
  })
}
"""


@check(
    "IAG-LP-004",
    family="least-privilege",
    severity="medium",
    title="Identity policy allows actions on every resource except a list (Allow with NotResource)",
    why="""An Allow statement with `NotResource` grants its actions on every resource that is not
listed: every bucket, key and role that exists today or is created later, in every account the
ARN patterns do not exclude. It reads like a restriction but works as `Resource: "*"`.""",
    fix="""Name the resources the workload uses in `Resource`. To protect specific resources from a
broad grant, add a Deny statement for them instead.""",
    controls=("cfn_nag W21-W23",),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def allow_not_resource(ctx: CheckContext) -> None:
    """Reports each Allow statement of an identity policy (inline, customer managed, SSO
    permission set) that uses NotResource, naming its actions and the excluded resources. A
    condition that narrows the grant lowers the severity one step and is named. Not reported: a
    NotResource that excludes every resource, statements whose actions all accept only `*`
    (they cannot be scoped to resources anyway), statements that allow everything
    (IAG-LP-001), and Deny statements. Plumbing (what AWS's own service-role policies grant on
    `*`: log delivery, ENIs, the SSM agent ...) is left out of the actions named; a statement
    whose actions are all plumbing is low. In a policy held only by roles that one service alone
    can assume, what AWS's own service-role policies grant that service on `*` is plumbing too."""
    for node, statement in ctx.analysis.allow_statements():
        if statement.not_resources is None:
            continue
        scope = resource_scope(statement)
        if not scope.every and not scope.unknown:
            continue  # NotResource "*": no resource is left
        note = ""
        plumbing: list[str] = []
        if statement.actions is not None:
            names, unknown = expanded_actions(statement)
            if not unknown and names and all(restrictable(a) is False for a in names):
                continue  # only actions that accept "*" alone
            names, plumbing, note = split_plumbing(names, whole=not unknown, service=ctx.analysis.sole_service(node))
            actions = summarize(names + [str(u) for u in unknown], 6)
        else:
            actions = "every action except " + summarize([str(a) for a in statement.not_actions or ()], 6)
        excluded = summarize([str(r) for r in statement.not_resources], 4) or "nothing"
        evidence = statement_evidence(statement)
        if plumbing:
            evidence = {"statement": evidence, "plumbing": plumbing}
        report_statement(ctx, node, statement,
                         f"allows {actions} on every resource except {excluded} (NotResource){note}",
                         "low" if note else "medium", evidence)
