resource "aws_iam_policy" "scoped" {
  name = "scoped"
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = "s3:*", Resource = "arn:aws:s3:::reports/*" },
      { Effect = "Deny", Action = "*", Resource = "*" },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "readonly" {
  role       = "legacy"
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
