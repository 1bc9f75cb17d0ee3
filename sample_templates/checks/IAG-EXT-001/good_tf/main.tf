data "aws_caller_identity" "current" {}

resource "aws_sns_topic" "alerts" {
  name = "alerts"
}

resource "aws_sns_topic_policy" "alerts" {
  arn = aws_sns_topic.alerts.arn
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.alerts.arn
      Condition = { StringEquals = { "AWS:SourceOwner" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

resource "aws_lambda_layer_version_permission" "org" {
  layer_name      = "arn:aws:lambda:eu-west-1:111122223333:layer:shared"
  version_number  = 1
  statement_id    = "org"
  action          = "lambda:GetLayerVersion"
  principal       = "*"
  organization_id = "o-a1b2c3d4e5"
}

resource "aws_cloudwatch_event_permission" "org" {
  principal    = "*"
  statement_id = "org"
  condition {
    key   = "aws:PrincipalOrgID"
    type  = "StringEquals"
    value = "o-a1b2c3d4e5"
  }
}
