# The administrator role trusts EC2 only; passing it to Lambda gives nothing.
resource "aws_iam_role" "admin" {
  name                = "fleet-admin"
  assume_role_policy  = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
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
      # joining only the read-only group
      { Effect = "Allow", Action = "iam:AddUserToGroup", Resource = aws_iam_group.readers.arn },
    ]
  })
}

resource "aws_iam_group" "readers" {
  name = "readers"
}

resource "aws_iam_group_policy_attachment" "readers" {
  group      = aws_iam_group.readers.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
