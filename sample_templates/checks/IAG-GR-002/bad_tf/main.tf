resource "aws_iam_user" "erin" {
  name = "erin"
}
