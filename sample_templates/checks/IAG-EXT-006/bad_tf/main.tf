resource "aws_lambda_function" "handler" {
  function_name = "handler"
  role          = "arn:aws:iam::111122223333:role/handler"
  runtime       = "python3.12"
  handler       = "index.handler"
  filename      = "handler.zip"
}

resource "aws_lambda_permission" "from_events" {
  function_name = aws_lambda_function.handler.function_name
  action        = "lambda:InvokeFunction"
  principal     = "events.amazonaws.com"
}

resource "aws_lambda_permission" "from_api" {
  function_name  = aws_lambda_function.handler.function_name
  action         = "lambda:InvokeFunction"
  principal      = "apigateway.amazonaws.com"
  source_account = "444455556666"
}
