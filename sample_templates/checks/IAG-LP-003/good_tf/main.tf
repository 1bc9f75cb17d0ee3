data "aws_iam_policy_document" "ops" {
  statement {
    actions   = ["ec2:StartInstances", "ec2:StopInstances"]
    resources = ["arn:aws:ec2:eu-west-1:111122223333:instance/*"]
  }
  statement {
    effect      = "Deny"
    not_actions = ["iam:*", "sts:*"]
    resources   = ["*"]
    condition {
      test     = "StringNotEquals"
      variable = "aws:RequestedRegion"
      values   = ["eu-west-1"]
    }
  }
}

resource "aws_iam_policy" "ops" {
  name   = "ops"
  policy = data.aws_iam_policy_document.ops.json
}
