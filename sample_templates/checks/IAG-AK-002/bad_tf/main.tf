resource "aws_iam_user" "ci" {
  name = "ci"
}

resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}

output "ci_secret" {
  value = aws_iam_access_key.ci.secret
}

output "ci_credentials" {
  value     = { id = aws_iam_access_key.ci.id, secret = aws_iam_access_key.ci.secret }
  sensitive = true
}

resource "aws_ssm_parameter" "ci_secret" {
  name  = "/ci/secret"
  type  = "String"
  value = aws_iam_access_key.ci.secret
}

resource "aws_lambda_function" "uploader" {
  function_name = "uploader"
  role          = "arn:aws:iam::111122223333:role/uploader"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
  environment {
    variables = {
      SMTP_PASSWORD = aws_iam_access_key.ci.ses_smtp_password_v4
    }
  }
}
