"""IAG-AK-001: a long-lived IAM access key is created by infrastructure code."""

from iacguard.checks_api import CheckContext, access_key as access_key_view, check

BAD_CFN = """\
DeployKey:
  Type: AWS::IAM::AccessKey
  Properties:
    UserName: !Ref DeployUser
"""
GOOD_CFN = """\
# No access key: CI assumes a role through OIDC federation instead.
DeployRole:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { Federated: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com" }
          Action: sts:AssumeRoleWithWebIdentity
          Condition:
            StringEquals:
              token.actions.githubusercontent.com:sub: repo:acme/app:ref:refs/heads/main
"""
BAD_TF = """\
resource "aws_iam_access_key" "deploy" {
  user = aws_iam_user.deploy.name
}
"""
GOOD_TF = """\
# No access key: workloads use roles (instance profiles, IRSA, OIDC federation).
resource "aws_iam_role" "deploy" {
  name               = "deploy"
  assume_role_policy = data.aws_iam_policy_document.github_oidc.json
}
"""


@check(
    "IAG-AK-001",
    family="access-keys",
    severity="medium",
    title="Long-lived IAM access key created in code",
    why="""An access key never expires on its own. Created by infrastructure code, its secret
lands in state files, stack outputs or pipelines, and anyone who copies it can act as the user
until someone notices and deletes it. Roles give short-lived credentials instead.""",
    fix="""Remove the access key. Let workloads assume a role (instance profile, ECS task role,
IRSA, OIDC federation from CI), and people sign in through IAM Identity Center.""",
    controls=("Security Hub IAM.3", "Security Hub IAM.4", "CIS AWS 1.14"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def access_key(ctx: CheckContext) -> None:
    """Reports every `aws_iam_access_key` / `AWS::IAM::AccessKey`; an inactive key is low
    severity, a key of a privileged user (its policies or its groups' allow every action, a
    permissions-management action on `*` or an unscoped write action: the same `ctx.analysis.privilege`
    that makes a role privileged for IAG-MFA-002) is high
    and the message names the privilege."""
    model = ctx.model
    users_by_key = {id(key): principal for principal in model.all_principals() for key in principal.access_keys}
    for key in model.access_keys:
        view = access_key_view(key)
        if view is None:
            continue  # the model's access keys are all of access key types
        status = view.status
        user = users_by_key.get(id(key))
        user_name = user.label if user else f"user {view.user if view.user is not None else '(unknown user)'}"
        inactive = isinstance(status, str) and status.lower() == "inactive"
        state = "an inactive" if inactive else "a long-lived"
        message = f"{key.address}: creates {state} access key for IAM {user_name}"
        severity = "low" if inactive else None
        if user is not None and not inactive:
            privilege = ctx.analysis.privilege(user)  # once per user: the analysis keeps it
            if privilege is not None:
                message += f", which holds {privilege.describe()}"
                severity = "high"
        ctx.report(key, message, severity=severity, key="key")

