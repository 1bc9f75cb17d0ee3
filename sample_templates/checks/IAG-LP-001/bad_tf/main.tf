data "aws_iam_policy_document" "admin" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "admin" {
  name   = "admin"
  policy = data.aws_iam_policy_document.admin.json
}

resource "aws_iam_role_policy_attachment" "legacy" {
  role       = "legacy-admin"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "ecs-tasks.amazonaws.com" }, Action = "sts:AssumeRole" }] })

  inline_policy {
    name   = "all"
    policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
  }
}

resource "aws_ssoadmin_permission_set_inline_policy" "admins" {
  instance_arn       = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
  permission_set_arn = "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef"
  inline_policy      = jsonencode({ Statement = [{ Effect = "Allow", Action = ["*"], Resource = ["*"] }] })
}

resource "aws_ssoadmin_managed_policy_attachment" "admins" {
  instance_arn       = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
  managed_policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
  permission_set_arn = "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef"
}
