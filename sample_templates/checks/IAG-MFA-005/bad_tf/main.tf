resource "aws_iam_user_login_profile" "carol" {
  user    = "carol"
  pgp_key = "keybase:carol"
}

resource "aws_iam_user_login_profile" "dan" {
  user                    = "dan"
  pgp_key                 = "keybase:dan"
  password_reset_required = false
}
