"""IAG-GR-004: a service control policy does not restrict what it appears to."""

from iacguard.checks_api import CheckContext, Statement, check, expand_actions, statement_allows_everything

BAD_CFN = """\
DenyOutsideRegions:
  Type: AWS::Organizations::Policy
  Properties:
    Name: deny-outside-regions
    Type: SERVICE_CONTROL_POLICY
    TargetIds: [ou-abcd-11111111]
    Content:
      Version: "2012-10-17"
      Statement:
        - Effect: Deny
          NotAction: ["*"]
          Resource: "*"
          Condition: { StringNotEquals: { aws:RequestedRegion: [eu-west-1] } }
"""
GOOD_CFN = """\
DenyOutsideRegions:
  Type: AWS::Organizations::Policy
  Properties:
    Name: deny-outside-regions
    Type: SERVICE_CONTROL_POLICY
    TargetIds: [ou-abcd-11111111]
    Content:
      Version: "2012-10-17"
      Statement:
        - Effect: Deny
          NotAction: ["iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*", "route53:*"]
          Resource: "*"
          Condition: { StringNotEquals: { aws:RequestedRegion: [eu-west-1] } }
"""
BAD_TF = """\
resource "aws_organizations_policy" "guardrail" {
  name    = "guardrail"
  type    = "SERVICE_CONTROL_POLICY"
  content = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}
"""
GOOD_TF = """\
resource "aws_organizations_policy" "guardrail" {
  name = "guardrail"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Deny", Action = ["organizations:LeaveOrganization", "cloudtrail:StopLogging"], Resource = "*" }
  ] })
}
"""


@check(
    "IAG-GR-004",
    family="guardrails",
    severity="high",
    title="Service control policy restricts nothing",
    why="""An SCP is a guardrail only through what it denies (or, in allow-list style, what it
leaves out). A Deny whose NotAction exempts every action, or whose NotResource exempts every
resource, denies nothing; an SCP made only of `Allow *` restates FullAWSAccess. Both look like
guardrails in review and stop no one.""",
    fix="""List in NotAction only the global services that must stay allowed (IAM, STS,
Organizations, CloudFront, Route 53, Support...), never `*`. Write guardrails as Deny statements,
or replace FullAWSAccess with an allow list of services.""",
    controls=("AWS Organizations SCP evaluation", "Access Analyzer policy validation (SCP)"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def scp_ineffective(ctx: CheckContext) -> None:
    """For every service control policy (`AWS::Organizations::Policy`,
    `aws_organizations_policy` of type SERVICE_CONTROL_POLICY, in HCL and plans): each Deny
    statement that denies no action (NotAction matches every action in the catalogue, or an empty
    Action) or no resource (NotResource `*`) — high; and an SCP whose statements are all `Allow *
    on *` — medium, since it restricts nothing (FullAWSAccess already allows everything). Entries
    not known before deploy are never assumed to exempt everything."""
    every: list[str] | None = None  # the whole catalogue (every service file): read only when needed
    for node in ctx.model.scps:
        document = node.document
        if document is None or not document.statements:
            continue
        for statement in document.statements:
            if not statement.is_deny:
                continue
            if every is None and statement.not_actions is not None:
                every = sorted(expand_actions("*"))
            reason = _denies_nothing(statement, every or [])
            if reason:
                ctx.report(node.resource, f"{node.resource.address}: Deny statement {statement.sid or statement.index + 1} "
                                          f"denies nothing: {reason}", line=node.statement_line(statement),
                           key=f"{node.id}#{statement.index}")
        if not document.unresolved and all(statement_allows_everything(s) for s in document.statements):
            first = document.statements[0]
            ctx.report(node.resource, f"{node.resource.address}: the SCP only allows every action on every resource; "
                                      f"it restricts nothing that FullAWSAccess does not already allow",
                       line=node.statement_line(first), severity="medium", key=f"{node.id}#allow-only")


def _denies_nothing(statement: Statement, every: list[str]) -> str | None:
    if statement.actions is not None and not statement.actions:
        return "its Action list is empty"
    if statement.not_actions is not None:
        entries = [str(a) for a in statement.not_actions]
        if statement.not_actions and all(statement.action_match(a) is False for a in every):
            return f"NotAction ({', '.join(entries)}) exempts every action"
    if statement.not_resources is not None and any(
            isinstance(r, str) and r.strip() and set(r.strip()) == {"*"} for r in statement.not_resources):
        return "NotResource \"*\" exempts every resource"
    return None
