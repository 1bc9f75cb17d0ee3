resource "aws_iam_role" "platform" {
  name                 = "platform"
  assume_role_policy   = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "codebuild.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}

resource "aws_iam_policy" "roles" {
  name = "role-factory"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Create", Effect = "Allow", Action = ["iam:CreateRole", "iam:PutRolePolicy"], Resource = "*" },
      { Sid = "Tag", Effect = "Allow", Action = ["iam:TagRole"], Resource = "*" },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "platform" {
  role       = aws_iam_role.platform.name
  policy_arn = aws_iam_policy.roles.arn
}
