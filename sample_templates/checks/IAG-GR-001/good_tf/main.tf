resource "aws_iam_group" "readers" {
  name = "readers"
}

resource "aws_iam_group_policy_attachment" "readers" {
  group      = aws_iam_group.readers.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy_attachment" "app" {
  role       = "app"
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
