"""AWS managed policies we know the effect of, written from AWS's published policy facts.

Only the policies whose grants matter for identity risk are described; any other AWS managed
policy ARN is modelled as "an AWS managed policy with unknown content" (never as nothing).
Documents here are ours, summarising what each policy grants.
"""

from __future__ import annotations

_ALL = "*"

# name -> (policy document, short description)
KNOWN: dict[str, tuple[dict, str]] = {
    "AdministratorAccess": (
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
        "every action on every resource",
    ),
    "PowerUserAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": [
                "iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
                "organizations:DescribeOrganization", "account:ListRegions", "account:GetAccountInformation",
            ], "Resource": "*"},
        ]},
        "every action outside IAM, Organizations and Account management",
    ),
    "IAMFullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["iam:*", "organizations:DescribeAccount",
                                           "organizations:DescribeOrganization",
                                           "organizations:DescribeOrganizationalUnit",
                                           "organizations:DescribePolicy",
                                           "organizations:ListChildren",
                                           "organizations:ListParents",
                                           "organizations:ListPoliciesForTarget",
                                           "organizations:ListRoots", "organizations:ListPolicies",
                                           "organizations:ListTargetsForPolicy"], "Resource": "*"},
        ]},
        "every IAM action, which lets the holder grant itself anything",
    ),
    "AWSCloudShellFullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["cloudshell:*"], "Resource": "*"},
        ]},
        "full CloudShell access, including file upload and download from a shell with the user's credentials",
    ),
    "AmazonS3FullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"},
        ]},
        "every S3 action on every bucket",
    ),
    "AmazonEC2FullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ec2:*", "elasticloadbalancing:*", "cloudwatch:*", "autoscaling:*"],
             "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*"},
        ]},
        "every EC2, load balancing, CloudWatch and Auto Scaling action",
    ),
    "SecretsManagerReadWrite": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["secretsmanager:*"], "Resource": "*"},
        ]},
        "every Secrets Manager action, including reading every secret",
    ),
}


def managed_policy_name(arn: str) -> str | None:
    """'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess' -> 'ViewOnlyAccess'; None if not AWS managed."""
    marker = ":iam::aws:policy/"
    if marker not in arn:
        return None
    return arn.split(marker, 1)[1].rsplit("/", 1)[-1] or None
