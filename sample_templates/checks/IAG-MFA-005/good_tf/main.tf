resource "aws_iam_user_login_profile" "carol" {
  user                    = "carol"
  pgp_key                 = "keybase:carol"
  password_reset_required = true
}
