locals {
  prefix = "app-${var.environment}"
}

resource "aws_iam_role" "app" {
  name = "${local.prefix}-role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "app_admin" {
  role       = aws_iam_role.app.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

data "aws_iam_policy_document" "break_glass" {
  statement {
    sid       = "ReadAnything"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::${local.prefix}-data/*"]
  }

  statement {
    sid       = "Everything"
    effect    = "Allow"
    actions   = var.admin_actions
    resources = ["*"]
  }
}

resource "aws_iam_policy" "break_glass" {
  name   = "${local.prefix}-break-glass"
  policy = data.aws_iam_policy_document.break_glass.json
}

resource "aws_iam_user" "ci" {
  name = var.ci_user
}

resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}

resource "aws_iam_user_policy" "ci_deploy" {
  name = "deploy"
  user = aws_iam_user.ci.name

  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": "*",
          "Resource": "*"
        }
      ]
    }
  EOT
}
