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

# More broad AWS managed policies, summarised from AWS's published policy documents. Each
# summary keeps the grants that make the policy broad (service-wide wildcards, PassRole and its
# condition); read-only side statements (Describe/List of neighbouring services) are left out.
KNOWN.update({
    "AWSOrganizationsFullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["organizations:*"], "Resource": "*"},
        ]},
        "every Organizations action: member accounts, SCPs and the organization itself",
    ),
    "AWSKeyManagementServicePowerUser": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": [
                "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
                "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
            ], "Resource": "*"},
        ]},
        "creating, disabling, deleting and re-writing the key policy of every KMS key "
        "(kms:PutKeyPolicy lets the holder grant itself decryption)",
    ),
    "AmazonSSMFullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ssm:*", "ec2messages:*", "logs:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
             "Condition": {"StringEquals": {"iam:PassedToService": "ssm.amazonaws.com"}}},
        ]},
        "every Systems Manager action: running commands on every managed instance and reading "
        "every parameter, including SecureString values",
    ),
    "AWSLambda_FullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["lambda:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
             "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
        ]},
        "every Lambda action: replacing any function's code and passing any role to Lambda",
    ),
    "AmazonSageMakerFullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sagemaker:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
             "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}},
        ]},
        "every SageMaker action, including notebooks and jobs that run with any role passed to SageMaker",
    ),
    "AmazonDynamoDBFullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:*", "dax:*"], "Resource": "*"},
        ]},
        "reading, changing and deleting every DynamoDB table and its resource policy",
    ),
    "AmazonRDSFullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["rds:*"], "Resource": "*"},
        ]},
        "every RDS action: resetting master passwords, sharing snapshots, deleting databases",
    ),
    "AWSCloudFormationFullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["cloudformation:*"], "Resource": "*"},
        ]},
        "every CloudFormation action on every stack, including deleting them",
    ),
    "AmazonSNSFullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sns:*"], "Resource": "*"},
        ]},
        "every SNS action, including rewriting topic policies",
    ),
    "AmazonSQSFullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sqs:*"], "Resource": "*"},
        ]},
        "every SQS action: reading every queue's messages and rewriting queue policies",
    ),
    "AmazonEC2ContainerRegistryFullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ecr:*"], "Resource": "*"},
        ]},
        "every ECR action: replacing any image and rewriting repository policies",
    ),
    "AWSCloudTrail_FullAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["cloudtrail:*"], "Resource": "*"},
        ]},
        "every CloudTrail action, including stopping and deleting the trails that record activity",
    ),
})

# Narrow AWS managed policies that modules copy into policies of their own (a `data
# "aws_iam_policy"` lookup whose `policy` becomes an inline or customer managed policy): their
# documents, so the copy is judged as written instead of being unresolved.
KNOWN.update({
    "AWSXrayWriteOnlyAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": [
                "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries",
            ], "Resource": "*"},
        ]},
        "sending trace segments and telemetry to X-Ray",
    ),
    "AWSXRayDaemonWriteAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": [
                "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries",
            ], "Resource": "*"},
        ]},
        "sending trace segments and telemetry to X-Ray (the X-Ray daemon)",
    ),
    "AWSLambdaBasicExecutionRole": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
             "Resource": "*"},
        ]},
        "writing a function's logs to CloudWatch Logs",
    ),
    "AWSLambdaENIManagementAccess": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": [
                "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
                "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
            ], "Resource": "*"},
        ]},
        "creating and deleting the network interfaces of a function in a VPC",
    ),
    "AWSLambdaVPCAccessExecutionRole": (
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": [
                "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
                "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
            ], "Resource": "*"},
        ]},
        "writing a function's logs and managing its network interfaces in a VPC",
    ),
})

# AWS managed policies too broad to attach to a workload or a person's everyday identity:
# name -> severity when attached. AdministratorAccess is IAG-LP-001's (every action on every
# resource); a policy named here without a document in KNOWN is described in PRIVILEGED_WHY.
PRIVILEGED: dict[str, str] = {
    "IAMFullAccess": "critical",  # may grant itself any permission
    "PowerUserAccess": "high",
    "AWSOrganizationsFullAccess": "high",
    "AmazonS3FullAccess": "high",
    "AmazonEC2FullAccess": "high",
    "SecretsManagerReadWrite": "high",
    "AWSKeyManagementServicePowerUser": "high",
    "AmazonSSMFullAccess": "high",
    "AWSLambda_FullAccess": "high",
    "AmazonSageMakerFullAccess": "high",
    "AmazonDynamoDBFullAccess": "high",
    "AWSCloudShellFullAccess": "medium",  # Security Hub IAM.27
    "AmazonRDSFullAccess": "medium",
    "AWSCloudFormationFullAccess": "medium",
    "AmazonSNSFullAccess": "medium",
    "AmazonSQSFullAccess": "medium",
    "AmazonEC2ContainerRegistryFullAccess": "medium",
    "AWSCloudTrail_FullAccess": "medium",
    "ReadOnlyAccess": "medium",
}
PRIVILEGED_WHY: dict[str, str] = {
    "ReadOnlyAccess": "reading every resource of the account, including the contents of every S3 object "
                      "and DynamoDB item",
}


def privileged(name: str) -> tuple[str, str] | None:
    """(severity, what it grants) for a broad AWS managed policy; None for any other name."""
    severity = PRIVILEGED.get(name)
    if severity is None:
        return None
    why = PRIVILEGED_WHY.get(name) or (KNOWN[name][1] if name in KNOWN else "broad access")
    return severity, why


def managed_policy_name(arn: str) -> str | None:
    """'arn:aws:iam::aws:policy/job-function/ViewOnlyAccess' -> 'ViewOnlyAccess'; None if not AWS managed."""
    marker = ":iam::aws:policy/"
    if marker not in arn:
        return None
    return arn.split(marker, 1)[1].rsplit("/", 1)[-1] or None


# Where AWS keeps its managed policies: the ARN is arn:<partition>:iam::aws:policy<path><name>.
# This is what lets a `data "aws_iam_policy"` looked up by name (`name = "AWSLambdaRole"`) be
# resolved offline. Names are AWS's; only widely used policies are listed, and a name missing
# here is treated as possibly a customer managed policy (unknown), never guessed.
_PATHS_BY_PREFIX: dict[str, tuple[str, ...]] = {
    "/": (
        "AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "SecurityAudit",
        "IAMFullAccess", "IAMReadOnlyAccess", "IAMUserChangePassword", "IAMUserSSHKeys",
        "IAMSelfManageServiceSpecificCredentials", "IAMAccessAnalyzerReadOnlyAccess",
        "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess",
        "AmazonEC2FullAccess", "AmazonEC2ReadOnlyAccess",
        "AmazonSSMManagedInstanceCore", "AmazonSSMFullAccess", "AmazonSSMReadOnlyAccess",
        "AmazonSSMPatchAssociation", "AmazonSSMDirectoryServiceAccess",
        "AmazonDynamoDBFullAccess", "AmazonDynamoDBReadOnlyAccess",
        "AmazonRDSFullAccess", "AmazonRDSReadOnlyAccess", "AmazonRDSDataFullAccess",
        "AmazonSNSFullAccess", "AmazonSNSReadOnlyAccess",
        "AmazonSQSFullAccess", "AmazonSQSReadOnlyAccess",
        "AmazonKinesisFullAccess", "AmazonKinesisReadOnlyAccess", "AmazonKinesisFirehoseFullAccess",
        "AWSLambdaExecute", "AWSLambda_FullAccess", "AWSLambda_ReadOnlyAccess",
        "AWSLambdaInvocation-DynamoDB",
        "AWSCloudFormationFullAccess", "AWSCloudFormationReadOnlyAccess",
        "AmazonEC2ContainerRegistryFullAccess", "AmazonEC2ContainerRegistryReadOnly",
        "AmazonEC2ContainerRegistryPowerUser",
        "AmazonECS_FullAccess",
        "AmazonEKSClusterPolicy", "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy",
        "AmazonEKSServicePolicy", "AmazonEKSVPCResourceController",
        "AWSCloudTrail_FullAccess", "AWSCloudTrail_ReadOnlyAccess",
        "CloudWatchFullAccess", "CloudWatchReadOnlyAccess", "CloudWatchAgentServerPolicy",
        "CloudWatchAgentAdminPolicy", "CloudWatchLogsFullAccess", "CloudWatchLogsReadOnlyAccess",
        "CloudWatchEventsFullAccess",
        "AWSXrayWriteOnlyAccess", "AWSXRayDaemonWriteAccess", "AWSXrayFullAccess",
        "AWSXrayReadOnlyAccess",
        "SecretsManagerReadWrite", "AWSKeyManagementServicePowerUser",
        "AWSOrganizationsFullAccess", "AWSOrganizationsReadOnlyAccess",
        "AWSCloudShellFullAccess", "AmazonSageMakerFullAccess", "AmazonSageMakerReadOnly",
        "AmazonAPIGatewayAdministrator", "AmazonAPIGatewayInvokeFullAccess",
        "AmazonCognitoReadOnly", "AmazonCognitoPowerUser",
        "AmazonVPCFullAccess", "AmazonVPCReadOnlyAccess",
        "AmazonRoute53FullAccess", "AmazonRoute53ReadOnlyAccess",
        "AmazonElastiCacheFullAccess", "AmazonElastiCacheReadOnlyAccess",
        "AWSCodeCommitFullAccess", "AWSCodeCommitPowerUser", "AWSCodeCommitReadOnly",
        "AWSCodeBuildAdminAccess", "AWSCodeBuildDeveloperAccess", "AWSCodeBuildReadOnlyAccess",
        "AWSCodePipeline_FullAccess", "AWSCodePipeline_ReadOnlyAccess",
        "AWSCodeDeployFullAccess", "AWSCodeDeployReadOnlyAccess",
        "AWSStepFunctionsFullAccess", "AWSStepFunctionsReadOnlyAccess",
        "AWSGlueConsoleFullAccess", "AmazonAthenaFullAccess",
        "AmazonEventBridgeFullAccess", "AmazonEventBridgeReadOnlyAccess",
        "AWSBillingReadOnlyAccess", "AWSSupportAccess", "AWSHealthFullAccess",
        "AWSConfigUserAccess", "AWSBackupFullAccess",
        "AmazonESFullAccess", "AmazonOpenSearchServiceFullAccess",
        "AmazonMSKFullAccess", "AmazonMSKReadOnlyAccess",
        "AWSDirectConnectFullAccess", "AWSCertificateManagerFullAccess",
        "AmazonGuardDutyFullAccess", "AmazonGuardDutyReadOnlyAccess",
        "AWSSecurityHubFullAccess", "AWSSecurityHubReadOnlyAccess",
        "AWSWAFFullAccess", "AWSWAFReadOnlyAccess",
    ),
    "/service-role/": (
        "AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole", "AWSLambdaRole",
        "AWSLambdaDynamoDBExecutionRole", "AWSLambdaKinesisExecutionRole",
        "AWSLambdaSQSQueueExecutionRole", "AWSLambdaMSKExecutionRole", "AWSLambdaENIManagementAccess",
        "AWS_ConfigRole", "AWSConfigRole",
        "AmazonEC2ContainerServiceforEC2Role", "AmazonEC2ContainerServiceRole",
        "AmazonECSTaskExecutionRolePolicy", "AmazonEC2ContainerServiceAutoscaleRole",
        "AmazonEC2ContainerServiceEventsRole",
        "AWSGlueServiceRole", "AWSGlueServiceNotebookRole",
        "AmazonSSMAutomationRole", "AmazonEC2RoleforSSM", "AmazonEC2SpotFleetTaggingRole",
        "AWSCodeDeployRole",
        "AWSBatchServiceRole", "AmazonElasticMapReduceRole", "AmazonElasticMapReduceforEC2Role",
        "AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores",
        "AmazonAPIGatewayPushToCloudWatchLogs", "AWSAppSyncPushToCloudWatchLogs",
        "AmazonRDSEnhancedMonitoringRole", "AWSDataPipelineRole", "AmazonEC2RoleforDataPipelineRole",
        "AWSIoTLogging", "AWSIoTRuleActions", "AWSTransferLoggingAccess",
        "AWSElasticBeanstalkEnhancedHealth", "CloudWatchEventsBuiltInTargetExecutionAccess",
        "CloudWatchEventsInvocationAccess", "AmazonS3ObjectLambdaExecutionRolePolicy",
    ),
    "/job-function/": (
        "ViewOnlyAccess", "Billing", "DatabaseAdministrator", "DataScientist",
        "NetworkAdministrator", "SystemAdministrator", "SupportUser",
    ),
    "/aws-service-role/": (
        "AWSSupportServiceRolePolicy", "AWSTrustedAdvisorServiceRolePolicy",
        "AmazonEKSServiceRolePolicy", "AutoScalingServiceRolePolicy",
        "AmazonSSMServiceRolePolicy", "AWSElasticLoadBalancingServiceRolePolicy",
    ),
}
AWS_MANAGED_PATHS: dict[str, str] = {
    name: path for path, names in _PATHS_BY_PREFIX.items() for name in names
}


def aws_managed_arn(name: str, path_prefix: str | None = None, partition: str = "aws") -> str | None:
    """The ARN of the AWS managed policy ``name`` when it is known to be one (and lies under
    ``path_prefix`` when given, as an ``aws_iam_policy`` lookup filters); None otherwise."""
    path = AWS_MANAGED_PATHS.get(name)
    if path is None:
        return None
    if path_prefix and not path.startswith(path_prefix if path_prefix.startswith("/") else "/" + path_prefix):
        return None
    return f"arn:{partition}:iam::aws:policy{path}{name}"


def aws_managed_path(arn: str) -> str | None:
    """'arn:aws:iam::aws:policy/service-role/AWSLambdaRole' -> '/service-role/'; None if not
    an AWS managed policy ARN."""
    marker = ":iam::aws:policy/"
    if not arn.startswith("arn:") or marker not in arn:
        return None
    rest = arn.split(marker, 1)[1]
    if not rest or rest.endswith("/"):
        return None
    return "/" + rest.rsplit("/", 1)[0] + "/" if "/" in rest else "/"
