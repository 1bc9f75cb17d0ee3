data "aws_iam_policy_document" "ops" {
  statement {
    sid         = "AllButIam"
    not_actions = ["iam:*"]
    resources   = ["*"]
  }
}

resource "aws_iam_policy" "ops" {
  name   = "ops"
  policy = data.aws_iam_policy_document.ops.json
}

resource "aws_iam_role_policy" "bucket" {
  role   = "app"
  policy = jsonencode({ Statement = [{ Effect = "Allow", NotAction = ["s3:DeleteBucket"], Resource = "arn:aws:s3:::reports/*" }] })
}
