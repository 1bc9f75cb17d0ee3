"""IAG-LP-008: a broad AWS managed policy (PowerUserAccess, IAMFullAccess,
AWSCloudShellFullAccess ...) is attached to an identity or a permission set."""

from iacguard.checks_api import (CheckContext, PolicyNode, check, lower_severity, managed_policy_privilege,
                                 statement_allows_everything)

BAD_CFN = """\
Deployer:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { Service: codebuild.amazonaws.com }
          Action: sts:AssumeRole
    ManagedPolicyArns:
      - arn:aws:iam::aws:policy/PowerUserAccess
"""
GOOD_CFN = """\
Deployer:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { Service: codebuild.amazonaws.com }
          Action: sts:AssumeRole
    ManagedPolicyArns:
      - arn:aws:iam::aws:policy/job-function/ViewOnlyAccess
"""
BAD_TF = """\
resource "aws_iam_user_policy_attachment" "shell" {
  user       = "alice"
  policy_arn = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"
}
"""
GOOD_TF = """\
resource "aws_iam_user_policy_attachment" "view" {
  user       = "alice"
  policy_arn = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
}
"""


@check(
    "IAG-LP-008",
    family="least-privilege",
    severity="high",
    title="Broad AWS managed policy attached",
    why="""AWS managed policies such as PowerUserAccess, IAMFullAccess, AmazonS3FullAccess or
AWSCloudShellFullAccess grant whole services on every resource, and AWS widens them when
services gain actions. IAMFullAccess lets its holder grant itself anything; PowerUserAccess is
everything but IAM; AWSCloudShellFullAccess gives a shell that can move files in and out with the
identity's credentials.""",
    fix="""Attach a customer managed policy listing the actions and resources the identity needs.
IAM Access Analyzer can generate one from CloudTrail activity. Keep broad access in a separate
role that people assume with MFA when they need it.""",
    controls=("Security Hub IAM.27", "IAM_ROLE_ELEVATED_MANAGED_POLICY_RULE", "cfn_nag W44",
              "checkov CKV2_AWS_56"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def privileged_managed_policy(ctx: CheckContext) -> None:
    """Reports every attachment of an AWS managed policy from the curated table of broad
    policies (`iacguard/iam/managed.py`: IAMFullAccess critical; PowerUserAccess,
    AWSOrganizationsFullAccess, AmazonS3FullAccess, AmazonEC2FullAccess, SecretsManagerReadWrite,
    AWSKeyManagementServicePowerUser, AmazonSSMFullAccess, AWSLambda_FullAccess,
    AmazonSageMakerFullAccess, AmazonDynamoDBFullAccess high; AWSCloudShellFullAccess and other
    single-service full-access policies, ReadOnlyAccess medium) to a user, group or role (by
    attachment resource, `ManagedPolicyArns`/`managed_policy_arns`, or policy attachment lists)
    or to an SSO permission set, naming what the policy grants. A permissions boundary on the
    principal lowers the severity one step and is named. AdministratorAccess is IAG-LP-001's."""
    model = ctx.model
    for principal in model.all_principals():
        for node, via in principal.attachments:
            found = _privileged(node)
            if found is None:
                continue
            severity, grants = found
            message = f"{via.address}: attaches the AWS managed policy {node.name} to {principal.label} ({grants})"
            if principal.boundary is not None:
                severity = lower_severity(severity)
                message += f"; capped by the permissions boundary {principal.boundary.name}"
            ctx.report(via, message, severity=severity, evidence={"policy_arn": str(node.arn)},
                       key=f"{principal.id}<-{node.name}")
    for node, via in model.permission_set_attachments:
        found = _privileged(node)
        if found is None:
            continue
        severity, grants = found
        ctx.report(via, f"{via.address}: attaches the AWS managed policy {node.name} to an SSO permission set "
                        f"({grants}), in every account the permission set is assigned to",
                   severity=severity, evidence={"policy_arn": str(node.arn)}, key=f"permission-set<-{node.name}")


def _privileged(node: PolicyNode) -> tuple[str, str] | None:
    if node.kind != "aws-managed":
        return None
    if node.document is not None and any(statement_allows_everything(st) for st in node.document.statements):
        return None  # AdministratorAccess: IAG-LP-001
    return managed_policy_privilege(node.name)
