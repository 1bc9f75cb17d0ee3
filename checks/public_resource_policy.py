"""IAG-EXT-001: a resource or trust policy lets anyone in, with no restricting condition."""

from iacguard.checks_api import (FIXED_BY, CheckContext, bucket_exposures, bucket_for, check,
                                 exposed_policies, fix_for, policy_bucket, policy_exposures, statement_evidence)

BAD_CFN = """\
ReportsBucketPolicy:
  Type: AWS::S3::BucketPolicy
  Properties:
    Bucket: !Ref ReportsBucket
    PolicyDocument:
      Statement:
        - Effect: Allow
          Principal: "*"
          Action: s3:GetObject
          Resource: !Sub "${ReportsBucket.Arn}/*"
"""
GOOD_CFN = """\
ReportsBucketPolicy:
  Type: AWS::S3::BucketPolicy
  Properties:
    Bucket: !Ref ReportsBucket
    PolicyDocument:
      Statement:
        - Effect: Allow
          Principal: "*"
          Action: s3:GetObject
          Resource: !Sub "${ReportsBucket.Arn}/*"
          Condition:
            StringEquals:
              aws:PrincipalOrgID: o-a1b2c3d4e5
"""
BAD_TF = """\
resource "aws_sqs_queue_policy" "jobs" {
  queue_url = aws_sqs_queue.jobs.id
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = aws_sqs_queue.jobs.arn }]
  })
}
"""
GOOD_TF = """\
resource "aws_sqs_queue_policy" "jobs" {
  queue_url = aws_sqs_queue.jobs.id
  policy = jsonencode({
    Statement = [{
      Effect = "Allow", Principal = { Service = "sns.amazonaws.com" }, Action = "sqs:SendMessage",
      Resource = aws_sqs_queue.jobs.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.events.arn } }
    }]
  })
}
"""


@check(
    "IAG-EXT-001",
    family="external-access",
    severity="critical",
    title="Resource policy grants access to anyone",
    why="""A resource policy (bucket, key, queue, topic, function, secret, role trust ...) whose
Allow statement names the principal `*` — or uses NotPrincipal — with no condition that ties the
caller to your organisation, account, source or network endpoint lets anyone on the internet,
signed in to any AWS account or not, perform the allowed actions.""",
    fix="""Name the accounts or roles that need access in `Principal`, or keep `*` and add a
condition such as `aws:PrincipalOrgID`, `aws:SourceArn`/`aws:SourceAccount` (for services) or
`aws:SourceVpce`. `aws:SourceIp` alone does not identify the caller.""",
    controls=("Security Hub S3.2", "Security Hub S3.3", "Security Hub KMS.5", "Security Hub Lambda.1",
              "Security Hub SNS.4", "Security Hub SQS.3", "CT.LAMBDA.PR.2", "CT.LAMBDA.PR.4"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def public_resource_policy(ctx: CheckContext) -> None:
    """For every resource policy (S3, KMS, SQS, SNS, Lambda function and layer permissions, ECR,
    Secrets Manager, OpenSearch, Glacier, EFS, Backup, EventBridge, API Gateway, DynamoDB, Bedrock,
    S3 Tables and every other type of `RESOURCE_POLICY_TYPES` in iacguard/iam/model.py) and role trust
    policy: an Allow statement that lets anyone in -- Principal `*`/`{"AWS": "*"}`, or
    NotPrincipal -- with no condition that restricts the caller to named accounts, an
    organisation, a source or a network endpoint (see iacguard/iam/external.py for how operators,
    wildcards, IfExists and negations are read), after the Deny statements of the same policy.
    The message lists the actions left open, expanded from wildcards. A bucket policy whose
    bucket has RestrictPublicBuckets (or BlockPublicPolicy, which makes S3 reject the policy)
    in its effective public access block is reported at low severity: the block, not the
    policy, is what keeps the bucket private then."""
    model = ctx.model
    blocks = {id(b.bucket): b.block for b in bucket_exposures(model)}
    for policy in exposed_policies(model):
        node = policy.node
        zone = ctx.analysis.zone(node.resource.group)
        for exposure in policy_exposures(node.document, zone, policy.service):
            if not exposure.public:
                continue
            statement = exposure.statement
            severity, note = None, ""
            if policy.service == "s3":
                from iacguard.checks_api import BUCKET_TYPES  # S3's modules only for a bucket policy

                bucket = policy.target if policy.target is not None and policy.target.type in BUCKET_TYPES else \
                    bucket_for(model, node.resource, policy_bucket(node.resource))
                block = blocks.get(id(bucket)) if bucket is not None else None
                if bucket is not None and block is not None and (block.flag("RestrictPublicBuckets") is True or
                                          block.flag("BlockPublicPolicy") is True):
                    severity = "low"
                    note = (f"; the {block.level} public access block of {bucket.address} "
                            "(RestrictPublicBuckets/BlockPublicPolicy) keeps it from taking effect")
            ignored = ("; " + "; ".join(exposure.ignored_conditions)) if exposure.ignored_conditions else ""
            ctx.report(node.resource,
                       f"{node.resource.address}: {statement.where} lets {exposure.party.label} perform "
                       f"{exposure.actions_text()} on {policy.label}{ignored}{note}; "
                       f"{FIXED_BY}{exposure.closing_in(fix_for(node.resource))}",
                       line=node.statement_line(statement), evidence=statement_evidence(statement),
                       severity=severity, key=f"{node.id}#{statement.index}")
