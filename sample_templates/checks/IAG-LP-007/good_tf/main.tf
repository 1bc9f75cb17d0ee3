resource "aws_kms_key" "app" {
  description = "app"
}

resource "aws_iam_role_policy" "app" {
  role = "app"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["ssm:GetParameter*"], Resource = "arn:aws:ssm:eu-west-1:111122223333:parameter/app/*" },
      { Effect = "Allow", Action = ["kms:Decrypt"], Resource = aws_kms_key.app.arn },
      { Effect = "Allow", Action = ["s3:ListAllMyBuckets", "secretsmanager:ListSecrets"], Resource = "*" },
    ]
  })
}
