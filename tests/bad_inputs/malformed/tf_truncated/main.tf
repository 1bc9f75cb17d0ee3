resource "aws_iam_policy" "p" {
  name = "p"
  policy = jsonencode({
    Statement = [{
      Action = "s3:*",
