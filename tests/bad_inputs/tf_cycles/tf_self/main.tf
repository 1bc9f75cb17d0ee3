module "again" {
  source = "./"
}

resource "aws_iam_user" "me" {
  name = "me"
}
