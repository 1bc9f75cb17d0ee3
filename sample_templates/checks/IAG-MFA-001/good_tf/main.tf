resource "aws_iam_group" "people" {
  name = "people"
}

resource "aws_iam_group_policy" "require_mfa" {
  group = aws_iam_group.people.name
  name  = "require-mfa"
  policy = jsonencode({
    Statement = [{
      Effect    = "Deny"
      NotAction = ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
                   "iam:ResyncMFADevice", "iam:ChangePassword", "sts:GetSessionToken"]
      Resource  = "*"
      Condition = { Bool = { "aws:MultiFactorAuthPresent" = "false" } }
    }]
  })
}

resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_user_group_membership" "alice" {
  user   = aws_iam_user.alice.name
  groups = [aws_iam_group.people.name]
}

resource "aws_iam_user_login_profile" "alice" {
  user                    = aws_iam_user.alice.name
  pgp_key                 = "keybase:alice"
  password_reset_required = true
}
