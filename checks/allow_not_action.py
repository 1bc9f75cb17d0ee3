"""IAG-LP-003: an identity policy allows every action except a list (Allow with NotAction)."""

from iacguard.checks_api import (CheckContext, check, every_action_entry, report_statement, resource_scope,
                                 resources_text, statement_evidence, summarize)

BAD_CFN = """\
Operators:
  Type: AWS::IAM::Group
  Properties:
    Policies:
      - PolicyName: everything-but-iam
        PolicyDocument:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              NotAction: ["iam:*", "organizations:*"]
              Resource: "*"
"""
GOOD_CFN = """\
Operators:
  Type: AWS::IAM::Group
  Properties:
    Policies:
      - PolicyName: deny-outside-regions
        PolicyDocument:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: ["ec2:StartInstances", "ec2:StopInstances"]
              Resource: "arn:aws:ec2:eu-west-1:111122223333:instance/*"
            - Effect: Deny
              NotAction: ["iam:*", "sts:*"]
              Resource: "*"
              Condition:
                StringNotEquals:
                  aws:RequestedRegion: eu-west-1
"""
BAD_TF = """\
data "aws_iam_policy_document" "ops" {
  statement {
    not_actions = ["iam:*"]
    resources   = ["*"]
  }
}

resource "aws_iam_policy" "ops" {
  name   = "ops"
  policy = data.aws_iam_policy_document.ops.json
}
"""
GOOD_TF = """\
data "aws_iam_policy_document" "ops" {
  statement {
    actions   = ["ec2:StartInstances", "ec2:StopInstances"]
    resources = ["arn:aws:ec2:eu-west-1:111122223333:instance/*"]
  }
}

resource "aws_iam_policy" "ops" {
  name   = "ops"
  policy = data.aws_iam_policy_document.ops.json
}
"""


@check(
    "IAG-LP-003",
    family="least-privilege",
    severity="high",
    title="Identity policy allows every action except a list (Allow with NotAction)",
    why="""An Allow statement with `NotAction` grants every action of every service that is not
listed, including every action AWS adds in the future. It reads like a restriction but is one of
the broadest grants a policy can make.""",
    fix="""List the allowed actions in `Action`. To fence off services, keep a narrow Allow and add a
Deny statement (NotAction in a Deny is fine), or use an SCP or permissions boundary.""",
    controls=("Security Hub IAM.21", "CT.IAM.PR.3", "CT.IAM.PR.5"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def allow_not_action(ctx: CheckContext) -> None:
    """Reports each Allow statement of an identity policy (inline, customer managed, SSO
    permission set) that uses NotAction, naming the excluded actions. High when it reaches every
    resource, medium when its Resource is scoped; a condition that narrows the grant lowers it
    one step and is named. A NotAction that excludes every action grants nothing and is not
    reported; an empty NotAction on every resource is IAG-LP-001's. Deny statements with
    NotAction are the recommended guardrail and are never reported."""
    for node, statement in ctx.analysis.allow_statements():
        if statement.not_actions is None:
            continue
        if any(every_action_entry(a) for a in statement.not_actions):
            continue  # NotAction "*": no action is left to allow
        scope = resource_scope(statement)
        if statement.not_resources is not None and not scope.every and not scope.unknown:
            continue  # NotResource "*": no resource is left
        excluded = summarize([str(a) for a in statement.not_actions], 6) or "nothing"
        report_statement(ctx, node, statement,
                         f"allows every action except {excluded} (NotAction) on {resources_text(statement)}",
                         "high" if scope.every else "medium", statement_evidence(statement))
