resource "aws_iam_user_policy" "app" {
  user = "app"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = "s3:PutObject", Resource = "arn:aws:s3:::app-data/*" },
      { Effect = "Deny", Action = "s3:*", NotResource = ["arn:aws:s3:::app-data", "arn:aws:s3:::app-data/*"] },
      { Effect = "Allow", Action = ["logs:CreateLogDelivery", "logs:DeleteLogDelivery"], NotResource = "arn:aws:logs:*:*:log-group:secret" },
    ]
  })
}
