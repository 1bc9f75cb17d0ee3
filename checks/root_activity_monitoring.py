"""IAG-ROOT-003: an account baseline does not watch root-user activity (account-baseline profile)."""

from iacguard.checks_api import BASELINE_PROFILE, CheckContext, check, groups_of, root_monitoring

BAD_CFN = """\
Trail:
  Type: AWS::CloudTrail::Trail
  Properties:
    IsLogging: true
    IsMultiRegionTrail: true
    S3BucketName: !Ref TrailBucket
"""
GOOD_CFN = """\
RootActivity:
  Type: AWS::Events::Rule
  Properties:
    EventPattern:
      detail-type: ["AWS Console Sign In via CloudTrail", "AWS API Call via CloudTrail"]
      detail:
        userIdentity:
          type: ["Root"]
    Targets:
      - Id: notify
        Arn: !Ref SecurityTopic
"""
BAD_TF = """\
resource "aws_cloudtrail" "main" {
  name                  = "main"
  s3_bucket_name        = "acme-trail"
  is_multi_region_trail = true
}
"""
GOOD_TF = """\
resource "aws_cloudwatch_log_metric_filter" "root_usage" {
  name           = "root-usage"
  log_group_name = "cloudtrail"
  pattern        = "{ $.userIdentity.type = \\"Root\\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != \\"AwsServiceEvent\\" }"
  metric_transformation {
    name      = "RootUsage"
    namespace = "CISBenchmark"
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "root_usage" {
  alarm_name          = "root-usage"
  metric_name         = "RootUsage"
  namespace           = "CISBenchmark"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  alarm_actions       = ["arn:aws:sns:eu-west-1:111122223333:security"]
}
"""


@check(
    "IAG-ROOT-003",
    family="root-credentials",
    severity="medium",
    title="Account baseline does not alert on root-user activity",
    why="""The root user should almost never be used. If nobody is told when it signs in or
makes a call, a stolen root password or key is used unnoticed, and root actions cannot be
restricted by IAM policies.""",
    fix="""Add an EventBridge rule matching `detail.userIdentity.type: ["Root"]` with a target
(SNS topic, incident tool), or a CloudWatch Logs metric filter on the CloudTrail log group with
`$.userIdentity.type = "Root"` and an alarm on its metric (CIS AWS 4.3 / Security Hub
CloudWatch.1).""",
    controls=("Security Hub CloudWatch.1", "CIS AWS 4.3", "Control Tower root activity notification"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
    example_settings={"profiles": [BASELINE_PROFILE]},
)
def root_activity_monitoring(ctx: CheckContext) -> None:
    """Runs only with the `account-baseline` profile (settings `profiles: [account-baseline]`),
    which declares that each scanned template, Terraform root module or plan is an account
    baseline. Reports each one that has no enabled EventBridge rule with a target matching
    `detail.userIdentity.type = Root`, nor a CloudWatch Logs metric filter on
    `$.userIdentity.type = "Root"` with an alarm on its metric. The finding is placed on the
    CloudTrail trail when there is one (the log nobody watches), else on the first resource,
    and names the root-matching rules or filters that exist but do not alert."""
    if BASELINE_PROFILE not in ctx.settings.profiles:
        return
    from iacguard.checks_api import TRAIL_TYPES  # the baseline's modules only for a scan with the profile

    model = ctx.model
    for group in groups_of(model.resources):
        result = root_monitoring(model, group)
        if result.watched:
            continue
        # a data source only looks something up: never the place of a finding
        members = sorted((r for r in model.resources if r.group == group and r.mode != "data"),
                         key=lambda r: (r.file, r.line))
        if not members:
            continue  # lookups only: nothing of an account baseline is created here
        trails = [r for r in members if r.type in TRAIL_TYPES]
        anchor = trails[0] if trails else members[0]
        partial = [f"{r.address} (metric filter without an alarm)" for r in result.unalarmed_filters]
        partial += [f"{r.address} (rule disabled or without a target)" for r in result.untargeted_rules]
        message = (f"{anchor.address}: this account baseline has no EventBridge rule or alarmed metric filter "
                   f"on root-user activity (userIdentity.type = Root)")
        if partial:
            message += "; present but not alerting: " + ", ".join(partial)
        ctx.report(anchor, message, key="root-activity")
