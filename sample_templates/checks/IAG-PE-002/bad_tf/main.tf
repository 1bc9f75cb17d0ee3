# Passing an administrator role to a Lambda function that the deployer then invokes.
resource "aws_iam_role" "admin" {
  name                = "automation-admin"
  assume_role_policy  = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] })
  managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}

resource "aws_iam_user" "deployer" {
  name = "deployer"
}

resource "aws_iam_user_policy" "deployer" {
  user = aws_iam_user.deployer.name
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = "iam:PassRole", Resource = aws_iam_role.admin.arn },
      { Effect = "Allow", Action = ["lambda:CreateFunction", "lambda:InvokeFunction"], Resource = "*" },
    ]
  })
}

# Joining the administrators group.
resource "aws_iam_group" "admins" {
  name = "admins"
}

resource "aws_iam_group_policy_attachment" "admins" {
  group      = aws_iam_group.admins.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_user" "helpdesk" {
  name = "helpdesk"
}

resource "aws_iam_user_policy" "helpdesk" {
  user   = aws_iam_user.helpdesk.name
  policy = data.aws_iam_policy_document.helpdesk.json
}

data "aws_iam_policy_document" "helpdesk" {
  statement {
    actions   = ["iam:AddUserToGroup"]
    resources = ["arn:aws:iam::*:group/*"]
  }
}
