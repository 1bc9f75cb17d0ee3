"""IAG-ROOT-004: no SCP of the baseline stops member accounts' root users (account-baseline profile)."""

from iacguard.checks_api import BASELINE_PROFILE, CheckContext, PolicyNode, check

BAD_CFN = """\
DenyLeave:
  Type: AWS::Organizations::Policy
  Properties:
    Name: deny-leave
    Type: SERVICE_CONTROL_POLICY
    TargetIds: [ou-abcd-11111111]
    Content:
      Version: "2012-10-17"
      Statement:
        - Effect: Deny
          Action: organizations:LeaveOrganization
          Resource: "*"
"""
GOOD_CFN = """\
DenyRoot:
  Type: AWS::Organizations::Policy
  Properties:
    Name: deny-root
    Type: SERVICE_CONTROL_POLICY
    TargetIds: [ou-abcd-11111111]
    Content:
      Version: "2012-10-17"
      Statement:
        - Effect: Deny
          Action: "*"
          Resource: "*"
          Condition:
            StringLike:
              aws:PrincipalArn: "arn:aws:iam::*:root"
"""
BAD_TF = """\
resource "aws_organizations_policy" "deny_leave" {
  name = "deny-leave"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", Action = "organizations:LeaveOrganization", Resource = "*" }]
  })
}
"""
GOOD_TF = """\
resource "aws_organizations_policy" "deny_root" {
  name = "deny-root"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny", Action = "*", Resource = "*"
      Condition = { StringLike = { "aws:PrincipalArn" = "arn:aws:iam::*:root" } }
    }]
  })
}
"""


@check(
    "IAG-ROOT-004",
    family="root-credentials",
    severity="medium",
    title="SCPs let member accounts' root users act",
    why="""In an organization, member accounts rarely need their root user, yet each has one
with a password that can be reset by whoever controls the account's email. A service control
policy that denies root-user requests is the only control that binds it.""",
    fix="""Attach an SCP to the member OUs with a Deny on `*` for `aws:PrincipalArn` like
`arn:aws:iam::*:root` (or enable centralized root access and delete member root credentials).
SCPs do not apply to the management account.""",
    controls=("Control Tower: Disallow actions as a root user (preventive)", "CIS AWS 1.7"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
    example_settings={"profiles": [BASELINE_PROFILE]},
)
def scp_root_user(ctx: CheckContext) -> None:
    """Runs only with the `account-baseline` profile, for each template, Terraform root module
    or plan that defines service control policies (an organization baseline). Reports once per
    such baseline, on its first SCP, when none of its SCPs has a Deny over every action and
    resource whose only condition is `aws:PrincipalArn` matching a root ARN
    (`arn:aws:iam::*:root`). An SCP whose content could not be resolved might hold that Deny:
    the finding is then low severity and names it."""
    if BASELINE_PROFILE not in ctx.settings.profiles:
        return
    from iacguard.checks_api import denies_root_user  # the baseline's modules only for a scan with the profile

    by_group: dict[str, list[PolicyNode]] = {}
    for node in sorted(ctx.model.scps, key=lambda n: (n.resource.file, n.resource.line)):
        by_group.setdefault(node.resource.group, []).append(node)
    for scps in by_group.values():
        if any(node.document is not None and any(denies_root_user(s) for s in node.document.statements)
               for node in scps):
            continue
        unresolved = [n.resource.address for n in scps if n.document is None or n.document.unresolved]
        first = scps[0]
        names = ", ".join(n.resource.address for n in scps)
        message = (f"{first.resource.address}: none of the service control policies ({names}) denies requests "
                   f"by member accounts' root users (Deny * with aws:PrincipalArn like arn:aws:iam::*:root)")
        severity = None
        if unresolved:
            message += "; could not resolve " + ", ".join(unresolved) + ", which might"
            severity = "low"
        ctx.report(first.resource, message, severity=severity, key="scp-root")
