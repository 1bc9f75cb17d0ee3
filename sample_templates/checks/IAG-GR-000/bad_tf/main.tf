resource "aws_iam_policy" "typo" {
  # iacguard:ignore IAG-LP-01 break-glass policy (SEC-42)
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::reports/*" }]
  })
}

resource "aws_iam_policy" "no_reason" {
  count = 2
  # iacguard:ignore least-privilege
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::reports/*" }]
  })
}

resource "aws_iam_policy" "checkov_no_reason" {
  #checkov:skip=CKV_AWS_62
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::reports/*" }]
  })
}
