resource "aws_iam_user" "analyst" {
  name = "analyst"
}

# Group policy with a matching Deny: iam:PutUserPolicy is never allowed.
resource "aws_iam_group" "analysts" {
  name = "analysts"
}

resource "aws_iam_group_membership" "analysts" {
  name  = "analysts"
  group = aws_iam_group.analysts.name
  users = [aws_iam_user.analyst.name]
}

resource "aws_iam_group_policy" "analysts" {
  group = aws_iam_group.analysts.id
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = ["iam:PutUserPolicy", "iam:CreateLoginProfile"], Resource = "*" },
      { Effect = "Deny", Action = ["iam:PutUserPolicy", "iam:CreateLoginProfile"], Resource = "*" },
    ]
  })
}

# ssm:SendCommand only with its companion read action is fine; the read alone is no method.
resource "aws_iam_role" "runner" {
  name               = "runner"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}

resource "aws_iam_role_policy" "runner" {
  role = aws_iam_role.runner.id
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = ["ssm:GetCommandInvocation", "glue:GetDevEndpoint", "iam:PassRole"], Resource = "*" },
    ]
  })
}
