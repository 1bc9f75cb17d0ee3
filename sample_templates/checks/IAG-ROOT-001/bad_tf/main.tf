resource "aws_iam_access_key" "root" {
  user = "root"
}

resource "aws_iam_access_key" "root_by_arn" {
  user = "arn:aws:iam::111122223333:root"
}
