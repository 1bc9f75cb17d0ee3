resource "aws_iam_policy" "break_glass" {
  # iacguard:ignore IAG-LP-001 break-glass policy, assumed with MFA only (SEC-42)
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}

resource "aws_iam_policy" "reports" {
  # Not a suppression: iacguard:ignore only counts at the start of a comment.
  #checkov:skip=CKV_AWS_117
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::reports/*" }]
  })
}
