resource "aws_iam_user" "dave" {
  name = "dave"
}

resource "aws_iam_user_policy" "dave" {
  user   = aws_iam_user.dave.name
  name   = "own-bucket"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::dave/*" }] })
}

resource "aws_iam_user_policy_attachment" "dave" {
  user       = aws_iam_user.dave.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_policy" "reports" {
  name   = "reports"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::reports/*" }] })
}

resource "aws_iam_policy_attachment" "reports" {
  name       = "reports"
  users      = [aws_iam_user.dave.name]
  groups     = ["readers"]
  policy_arn = aws_iam_policy.reports.arn
}
