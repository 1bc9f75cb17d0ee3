data "aws_iam_policy_document" "deploy" {
  statement {
    sid       = "Pass"
    actions   = ["iam:PassRole", "lambda:CreateFunction"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "deploy" {
  name   = "deploy"
  policy = data.aws_iam_policy_document.deploy.json
}

resource "aws_iam_group_policy" "ops" {
  group = "ops"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", NotAction = ["s3:*"], Resource = "*" }]
  })
}
