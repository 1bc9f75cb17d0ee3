resource "aws_iam_account_password_policy" "weak" {
  minimum_password_length        = 8
  require_uppercase_characters   = true
  require_lowercase_characters   = true
  require_numbers                = true
  require_symbols                = false
  password_reuse_prevention      = 5
  max_password_age               = 0
  allow_users_to_change_password = true
}
