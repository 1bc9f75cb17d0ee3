resource "aws_iam_user" "deployer" {
  name = "deployer"
}

resource "aws_iam_access_key" "deployer" {
  count = 2
  user  = aws_iam_user.deployer.name
}

# keys of a user not defined here: reported on the last key
resource "aws_iam_access_key" "legacy_a" {
  user = "legacy"
}

resource "aws_iam_access_key" "legacy_b" {
  user = "legacy"
}
