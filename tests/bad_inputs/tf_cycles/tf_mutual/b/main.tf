module "a" {
  source = "../a"
}

resource "aws_iam_user" "in_b" {
  name = "b"
}
