resource "aws_iam_user" "erin" {
  name = "erin"
}

resource "aws_iam_user_policy_attachment" "erin" {
  user       = aws_iam_user.erin.name
  policy_arn = "arn:aws:iam::aws:policy/IAMUserChangePassword"
}
