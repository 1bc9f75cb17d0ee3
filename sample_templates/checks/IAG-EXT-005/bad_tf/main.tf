resource "aws_lambda_function" "hook" {
  function_name = "hook"
  role          = "arn:aws:iam::111122223333:role/hook"
  runtime       = "python3.12"
  handler       = "index.handler"
  filename      = "hook.zip"
}

resource "aws_lambda_function_url" "hook" {
  function_name      = aws_lambda_function.hook.function_name
  authorization_type = "NONE"
}
