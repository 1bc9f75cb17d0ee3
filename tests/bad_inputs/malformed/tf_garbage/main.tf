resource "aws_iam_user" "u" {
  name = "u"
}
}}}} resource = = "x" {{
