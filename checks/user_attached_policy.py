"""IAG-GR-001: a policy is attached directly to an IAM user."""

from iacguard.checks_api import CheckContext, IamModel, Principal, Resource, check, policy_attached_to

BAD_CFN = """\
Dave:
  Type: AWS::IAM::User
  Properties:
    ManagedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]
"""
GOOD_CFN = """\
Dave:
  Type: AWS::IAM::User
  Properties:
    Groups: [!Ref Readers]
Readers:
  Type: AWS::IAM::Group
  Properties:
    ManagedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]
"""
BAD_TF = """\
resource "aws_iam_user_policy_attachment" "dave" {
  user       = aws_iam_user.dave.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
"""
GOOD_TF = """\
resource "aws_iam_group_policy_attachment" "readers" {
  group      = aws_iam_group.readers.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
"""


@check(
    "IAG-GR-001",
    family="guardrails",
    severity="medium",
    title="Policy attached directly to an IAM user",
    why="""Permissions given user by user drift apart and are forgotten when people change
jobs; nobody can review who may do what by looking at a few groups or roles. Security Hub and
Control Tower require policies on groups or roles only.""",
    fix="""Attach the policy to a group and add the user to it (or, better, give people roles
through IAM Identity Center). Remove inline user policies, `ManagedPolicyArns` on users and
`aws_iam_user_policy` / `aws_iam_user_policy_attachment` / `users` of `aws_iam_policy_attachment`.""",
    controls=("Security Hub IAM.2", "CT.IAM.PR.4", "CIS AWS 1.15", "checkov CKV_AWS_40", "cfn_nag F10/F11/F12"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def user_attached_policy(ctx: CheckContext) -> None:
    """One finding per policy given to a user directly: inline (`Policies` of `AWS::IAM::User`,
    `AWS::IAM::UserPolicy`, `AWS::IAM::Policy` with `Users`, `aws_iam_user_policy`) or managed
    (`ManagedPolicyArns` of the user, `AWS::IAM::ManagedPolicy` with `Users`,
    `aws_iam_user_policy_attachment`, `aws_iam_policy_attachment` with `users`, exclusive
    attachments), including users named but not defined in the scan. Reported where the
    attachment is written."""
    model = ctx.model
    for user in model.all_principals():
        if user.kind != "user":
            continue
        for node in user.inline:
            # an inline policy written inside the user points at its document; a separate policy
            # resource (or one naming a user defined elsewhere) at the resource
            inside_user = node.resource is user.resource and not user.external
            line = node.line if inside_user else node.resource.line
            ctx.report(node.resource, f"{node.resource.address}: inline policy {node.name} is attached directly to "
                                      f"{user.label}", line=line, key=f"{user.id}<-{node.id}")
        for node, via in user.attachments:
            where = via
            if via is user.resource and node.resource is not user.resource and node.kind == "managed" \
                    and _lists_user(model, node.resource, user):
                where = node.resource  # AWS::IAM::ManagedPolicy with Users: the attachment is written there
            ctx.report(where, f"{where.address}: managed policy {node.name} is attached directly to {user.label}",
                       key=f"{user.id}<-{node.id}")


def _lists_user(model: IamModel, policy_resource: Resource, user: Principal) -> bool:
    users = policy_attached_to(policy_resource, "user")
    if users is None:
        return False
    if user.resource in model.referenced(policy_resource, users):
        return True
    return user.name in (users if isinstance(users, list) else [users])
