variable "queue_arn" {
  type = string
}

resource "aws_iam_role" "build" {
  name               = "build"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "codebuild.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}

resource "aws_iam_role_policy" "build" {
  role = aws_iam_role.build.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Publish", Effect = "Allow", Action = ["s3:Put*", "s3:ListAllMyBuckets"], Resource = "*" },
      { Effect = "Allow", Action = "sqs:SendMessage", Resource = var.queue_arn }, # deploy-time ARN: not reported
    ]
  })
}

data "aws_iam_policy_document" "keys" {
  statement {
    actions   = ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = ["eu-west-1"]
    }
  }
}

resource "aws_ssoadmin_permission_set_inline_policy" "keys" {
  instance_arn       = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
  permission_set_arn = "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef"
  inline_policy      = data.aws_iam_policy_document.keys.json
}
