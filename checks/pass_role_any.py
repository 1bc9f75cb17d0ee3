"""IAG-LP-006: `iam:PassRole` on every role without an `iam:PassedToService` condition."""

from iacguard.checks_api import (CheckContext, Statement, check, every_of_type, glob_match, report_statement,
                                 resource_scope, statement_evidence)

_PASSED_TO_SERVICE = "iam:passedtoservice"
_POSITIVE = ("StringEquals", "StringLike", "StringEqualsIgnoreCase")

BAD_CFN = """\
DeployPolicy:
  Type: AWS::IAM::ManagedPolicy
  Properties:
    PolicyDocument:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: ["iam:PassRole", "ecs:RunTask"]
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
          Action: iam:PassRole
          Resource: "*"
          Condition:
            StringEquals:
              iam:PassedToService: ecs-tasks.amazonaws.com
"""
BAD_TF = """\
data "aws_iam_policy_document" "deploy" {
  statement {
    actions   = ["iam:PassRole"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "deploy" {
  name   = "deploy"
  policy = data.aws_iam_policy_document.deploy.json
}
"""
GOOD_TF = """\
data "aws_iam_policy_document" "deploy" {
  statement {
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.task.arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_policy" "deploy" {
  name   = "deploy"
  policy = data.aws_iam_policy_document.deploy.json
}
"""


@check(
    "IAG-LP-006",
    family="least-privilege",
    severity="high",
    title="iam:PassRole on every role without iam:PassedToService",
    why="""`iam:PassRole` decides which roles a principal may hand to a service (EC2, Lambda, ECS,
CloudFormation ...). On `Resource: "*"` with no `iam:PassedToService` condition it may hand any
role of the account, including administrator roles, to a service it controls, and so act with
that role's permissions: the most common privilege escalation in AWS.""",
    fix="""Put the ARNs of the roles the workload passes in `Resource`, and add a condition
`StringEquals: {iam:PassedToService: <service>.amazonaws.com}` naming the service that receives
them.""",
    controls=("cfn_nag F38-F40", "IAM_POLICY_NO_WILDCARD_RESOURCE_ON_PASSROLE"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def pass_role_any(ctx: CheckContext) -> None:
    """Reports each Allow statement of an identity policy (inline, customer managed, SSO
    permission set) that allows `iam:PassRole` (directly, by wildcard such as `iam:*` or
    `iam:Pass*`, or through NotAction) on every resource (`*`, or NotResource) without a
    positive `iam:PassedToService` condition naming a service. Another condition that narrows
    the grant (role tags, `iam:AssociatedResourceArn` ...) lowers the severity to medium and is
    named. An unconditional Deny of PassRole in the same policy removes it. A Resource given
    only at deploy time (a variable, a parameter) names specific roles and is not reported.
    Statements that
    allow everything are IAG-LP-001's."""
    for node, statement in ctx.analysis.allow_statements():
        if statement.action_match("iam:PassRole") is not True:
            continue
        scope = resource_scope(statement)
        wide = every_of_type(statement, "iam:PassRole") if not scope.every else []
        if not scope.every and not wide:
            continue
        if _limits_services(statement) or ctx.analysis.denied_everywhere(node.document, "iam:PassRole"):
            continue
        where = scope.label.replace("every resource", "every role", 1) if scope.every else f"every role ({wide[0]})"
        severity = "high"
        report_statement(ctx, node, statement,
                         f"allows iam:PassRole{_granted_by(statement)} on {where} without an iam:PassedToService "
                         "condition, so any role can be handed to any service", severity,
                         statement_evidence(statement), exclude_keys=(_PASSED_TO_SERVICE,))


def _granted_by(statement: Statement) -> str:
    """`` (as iam:Pass*)`` or `` (through NotAction ...)`` when PassRole is not named as such."""
    if statement.actions is None:
        return " (through NotAction " + ", ".join(str(a) for a in statement.not_actions or ()) + ")"
    entries = [str(a) for a in statement.actions if isinstance(a, str) and glob_match(a.strip(), "iam:PassRole")]
    if any(e.strip().lower() == "iam:passrole" for e in entries):
        return ""
    return " (as " + ", ".join(entries) + ")" if entries else ""


def _limits_services(statement: Statement) -> bool:
    """A positive iam:PassedToService condition whose every value names a service."""
    for condition in statement.conditions:
        if condition.key_lc != _PASSED_TO_SERVICE or condition.negated or condition.set_op == "ForAllValues":
            continue
        if condition.base in _POSITIVE and condition.values and all(_names_service(v) for v in condition.values):
            return True
    return False


def _names_service(value: object) -> bool:
    text = str(value).replace("*", "").replace("?", "").strip(".").lower()
    return text not in ("", "amazonaws.com", "com", "amazonaws.com.cn", "cn")
