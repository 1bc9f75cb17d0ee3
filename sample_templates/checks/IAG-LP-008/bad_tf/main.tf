resource "aws_iam_role" "ops" {
  name                = "ops"
  assume_role_policy  = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
  managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonSSMFullAccess"]
}

resource "aws_iam_user_policy_attachment" "shell" {
  user       = "alice"
  policy_arn = "arn:aws:iam::aws:policy/AWSCloudShellFullAccess"
}

resource "aws_iam_policy_attachment" "secrets" {
  name       = "secrets"
  roles      = [aws_iam_role.ops.name]
  groups     = ["developers"]
  policy_arn = "arn:aws:iam::aws:policy/SecretsManagerReadWrite"
}

resource "aws_ssoadmin_managed_policy_attachment" "iam" {
  instance_arn       = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
  managed_policy_arn = "arn:aws:iam::aws:policy/IAMFullAccess"
  permission_set_arn = "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-1234567890abcdef"
}
