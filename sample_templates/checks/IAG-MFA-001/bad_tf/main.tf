resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_user_login_profile" "alice" {
  user                    = aws_iam_user.alice.name
  pgp_key                 = "keybase:alice"
  password_reset_required = true
}

# An Allow with BoolIfExists true grants; it does not deny anything without MFA.
resource "aws_iam_user_policy" "alice" {
  user = aws_iam_user.alice.name
  name = "admin-with-mfa-maybe"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*",
                   Condition = { BoolIfExists = { "aws:MultiFactorAuthPresent" = "true" } } }]
  })
}
