resource "aws_iam_user" "bots" {
  for_each = toset(["build", "deploy"])
  name     = each.key
}

resource "aws_iam_access_key" "bots" {
  for_each = aws_iam_user.bots
  user     = each.value.name
}
