data "aws_iam_policy_document" "storage" {
  statement {
    sid       = "Storage"
    actions   = ["s3:*"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "storage" {
  name   = "storage"
  policy = data.aws_iam_policy_document.storage.json
}

resource "aws_iam_role" "worker" {
  name               = "worker"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "ecs-tasks.amazonaws.com" }, Action = "sts:AssumeRole" }] })

  inline_policy {
    name   = "queue-anything"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sqs:*", Resource = "arn:aws:sqs:eu-west-1:111122223333:jobs" }] })
  }
}

resource "aws_iam_user_policy" "tagged" {
  user = "ci"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = ["ec2:*"]
      Resource  = "*"
      Condition = { StringEquals = { "aws:ResourceTag/team" = "ci" } }
    }]
  })
}

resource "aws_ssoadmin_permission_set_inline_policy" "keys" {
  instance_arn       = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
  permission_set_arn = "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef"
  inline_policy      = jsonencode({ Statement = [{ Effect = "Allow", Action = ["kms:*"], Resource = ["*"] }] })
}
