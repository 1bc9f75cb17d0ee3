resource "aws_iam_user" "ci" {
  name = "ci"
}

resource "aws_iam_access_key" "ci" {
  user    = aws_iam_user.ci.name
  pgp_key = "keybase:ci-admin"
}

output "ci_encrypted_secret" {
  value = aws_iam_access_key.ci.encrypted_secret
}

output "ci_key_id" {
  value = aws_iam_access_key.ci.id
}

resource "aws_ssm_parameter" "ci_secret" {
  name  = "/ci/secret"
  type  = "SecureString"
  value = aws_iam_access_key.ci.secret
}
