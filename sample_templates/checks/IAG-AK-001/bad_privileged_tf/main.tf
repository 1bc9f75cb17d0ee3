resource "aws_iam_user" "deployer" {
  name = "deployer"
}

resource "aws_iam_user_policy" "deployer" {
  user   = aws_iam_user.deployer.name
  name   = "deploy"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["iam:PassRole", "iam:AttachRolePolicy"], Resource = "*" }] })
}

resource "aws_iam_access_key" "deployer" {
  user = aws_iam_user.deployer.name
}

# read-only user: medium, as any long-lived key
resource "aws_iam_user" "reader" {
  name = "reader"
}

resource "aws_iam_user_policy" "reader" {
  user   = aws_iam_user.reader.name
  name   = "read"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["s3:GetObject", "s3:ListBucket"], Resource = "*" }] })
}

resource "aws_iam_access_key" "reader" {
  user = aws_iam_user.reader.name
}
