resource "aws_iam_user_policy" "app" {
  user = aws_iam_user.app.name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid         = "AllButPayroll"
      Effect      = "Allow"
      Action      = "s3:PutObject"
      NotResource = "arn:aws:s3:::payroll/*"
    }]
  })
}

resource "aws_iam_user" "app" {
  name = "app"
}

data "aws_iam_policy_document" "broad" {
  statement {
    not_actions   = ["iam:*"]
    not_resources = ["arn:aws:kms:*:*:key/*"]
  }
}

resource "aws_iam_group_policy" "broad" {
  group  = "ops"
  policy = data.aws_iam_policy_document.broad.json
}
