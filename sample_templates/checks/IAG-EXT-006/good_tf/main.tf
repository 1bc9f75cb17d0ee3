data "aws_caller_identity" "current" {}

resource "aws_cloudwatch_event_rule" "nightly" {
  name                = "nightly"
  schedule_expression = "cron(0 2 * * ? *)"
}

resource "aws_lambda_permission" "from_events" {
  function_name = "handler"
  action        = "lambda:InvokeFunction"
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.nightly.arn
}

resource "aws_lambda_permission" "from_api" {
  function_name  = "handler"
  action         = "lambda:InvokeFunction"
  principal      = "apigateway.amazonaws.com"
  source_account = data.aws_caller_identity.current.account_id
}
