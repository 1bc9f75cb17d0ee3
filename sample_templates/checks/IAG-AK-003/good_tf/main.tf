resource "aws_iam_user" "deployer" {
  name = "deployer"
}

resource "aws_iam_access_key" "current" {
  user = aws_iam_user.deployer.name
}

resource "aws_iam_access_key" "previous" {
  user   = aws_iam_user.deployer.name
  status = "Inactive"
}
