"""IAG-GR-003: a role or user has no permissions boundary although the settings require one."""

from iacguard.checks_api import CheckContext, check, declares_boundary

BAD_CFN = """\
AppRole:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { Service: lambda.amazonaws.com }
          Action: sts:AssumeRole
"""
GOOD_CFN = """\
AppRole:
  Type: AWS::IAM::Role
  Properties:
    PermissionsBoundary: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/workload-boundary"
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { Service: lambda.amazonaws.com }
          Action: sts:AssumeRole
"""
BAD_TF = """\
resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}
"""
GOOD_TF = """\
resource "aws_iam_role" "app" {
  name                 = "app"
  assume_role_policy   = data.aws_iam_policy_document.lambda_trust.json
  permissions_boundary = "arn:aws:iam::111122223333:policy/workload-boundary"
}
"""


@check(
    "IAG-GR-003",
    family="guardrails",
    severity="medium",
    title="Role or user without a permissions boundary",
    why="""Where teams may create their own roles and users, a permissions boundary is what keeps
those identities (and anything that can edit their policies) below a ceiling the platform team
sets. One created without it can be given any permission, including the power to escalate.""",
    fix="""Set `PermissionsBoundary` / `permissions_boundary` to the organisation's boundary
policy on every role and user, and make delegated `iam:CreateRole`/`iam:CreateUser` require it
with an `iam:PermissionsBoundary` condition.""",
    controls=("AWS Well-Architected SEC03-BP02", "AWS Prescriptive Guidance: permissions boundaries for delegated IAM"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
    example_settings={"require_permissions_boundary": True},
)
def permissions_boundary(ctx: CheckContext) -> None:
    """Runs only with the setting `require_permissions_boundary: true`. Reports each role and
    user defined in the scan (CloudFormation, Terraform HCL and plans) with no permissions
    boundary. A boundary whose policy could not be resolved still counts as set."""
    if not getattr(ctx.settings, "require_permissions_boundary", False):
        return
    for principal in ctx.model.principals.values():
        if principal.kind in ("role", "user") and not declares_boundary(principal):
            name = principal.name if isinstance(principal.name, str) else principal.address
            ctx.report(principal.resource, f"{principal.address}: IAM {principal.kind} {name} has no "
                                           f"permissions boundary (required by the settings)", key="boundary")
