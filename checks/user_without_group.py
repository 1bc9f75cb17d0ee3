"""IAG-GR-002: an IAM user belongs to no group."""

from iacguard.checks_api import CheckContext, check

BAD_CFN = """\
Erin:
  Type: AWS::IAM::User
  Properties:
    UserName: erin
    ManagedPolicyArns: [arn:aws:iam::aws:policy/IAMUserChangePassword]
"""
GOOD_CFN = """\
Erin:
  Type: AWS::IAM::User
  Properties:
    UserName: erin
    Groups: [!Ref Developers]
    ManagedPolicyArns: [arn:aws:iam::aws:policy/IAMUserChangePassword]
"""
BAD_TF = """\
resource "aws_iam_user" "erin" {
  name = "erin"
}

resource "aws_iam_user_policy_attachment" "erin" {
  user       = aws_iam_user.erin.name
  policy_arn = "arn:aws:iam::aws:policy/IAMUserChangePassword"
}
"""
GOOD_TF = """\
resource "aws_iam_user" "erin" {
  name = "erin"
}

resource "aws_iam_user_group_membership" "erin" {
  user   = aws_iam_user.erin.name
  groups = [aws_iam_group.developers.name]
}
"""


@check(
    "IAG-GR-002",
    family="guardrails",
    severity="low",
    title="IAM user in no group",
    why="""A user outside every group gets its permissions one by one, or not through the
reviewed group structure at all; MFA and guardrail policies attached to groups do not reach it.""",
    fix="""Add the user to the group that matches its job (`Groups`, `AWS::IAM::UserToGroupAddition`,
`aws_iam_user_group_membership`, `aws_iam_group_membership`) and move its permissions there.""",
    controls=("CIS AWS 1.15", "Guard IAM_USER_MISSING_GROUP_RULE", "cfn_nag F2000", "checkov CKV2_AWS_21"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def user_without_group(ctx: CheckContext) -> None:
    """Reports each IAM user defined in the scan that no membership of the scan puts in a group
    (`Groups` of the user, `AWS::IAM::UserToGroupAddition`, `aws_iam_user_group_membership`,
    `aws_iam_group_membership`) and that holds a policy of its own (inline, managed or attached):
    a user with no policy at all has no permissions to move into a group. Memberships managed
    outside the scanned files cannot be seen; suppress the finding where that is the case."""
    for user in ctx.model.principals.values():
        if user.kind == "user" and not user.groups and (user.inline or user.managed or user.attachments):
            ctx.report(user.resource, f"{user.address}: IAM user {user.name} is in no group", key="no-group")
