resource "aws_organizations_policy" "deny_root" {
  name = "deny-root"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Deny", Action = "*", Resource = "*"
      Condition = { StringLike = { "aws:PrincipalArn" = ["arn:aws:iam::*:root"] } }
    }]
  })
}
