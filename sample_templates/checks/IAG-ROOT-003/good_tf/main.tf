resource "aws_cloudwatch_event_rule" "root_activity" {
  name = "root-activity"
  event_pattern = jsonencode({
    detail-type = ["AWS Console Sign In via CloudTrail", "AWS API Call via CloudTrail"]
    detail      = { userIdentity = { type = ["Root"] } }
  })
}

resource "aws_cloudwatch_event_target" "root_activity" {
  rule = aws_cloudwatch_event_rule.root_activity.name
  arn  = "arn:aws:sns:eu-west-1:111122223333:security"
}
