# An IAM user literally named "root": the key is that user's, reported at medium severity.
resource "aws_iam_user" "fake_root" {
  name = "root"
}

resource "aws_iam_access_key" "fake_root" {
  user = aws_iam_user.fake_root.name
}
