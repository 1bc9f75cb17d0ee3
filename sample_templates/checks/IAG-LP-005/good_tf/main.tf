resource "aws_s3_bucket" "artifacts" {
  bucket = "artifacts"
}

resource "aws_iam_role_policy" "build" {
  role = "build"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["s3:PutObject", "s3:DeleteObject"], Resource = ["${aws_s3_bucket.artifacts.arn}/*", aws_s3_bucket.artifacts.arn] },
      { Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "arn:aws:logs:*:*:log-group:/app/*:*" },
      { Effect = "Allow", Action = ["s3:ListAllMyBuckets", "iam:ListVirtualMFADevices", "logs:*LogDelivery", "ecr:GetAuthorizationToken"], Resource = "*" },
      { Effect = "Deny", Action = ["s3:PutObject", "s3:DeleteObject"], Resource = "*" },
    ]
  })
}
