resource "aws_iam_user" "bob" {
  name = "bob"
}

resource "aws_iam_user_login_profile" "bob" {
  user                    = aws_iam_user.bob.name
  pgp_key                 = "keybase:bob"
  password_reset_required = true
}
