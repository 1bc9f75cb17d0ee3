resource "aws_iam_user" "erin" {
  name = "erin"
}

resource "aws_iam_group" "developers" {
  name = "developers"
}

resource "aws_iam_group_membership" "developers" {
  name  = "developers"
  group = aws_iam_group.developers.name
  users = [aws_iam_user.erin.name]
}

# no group and no policy: nothing to move into a group
resource "aws_iam_user" "gina" {
  name = "gina"
}
