resource "aws_iam_role" "ops" {
  name = "ops"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = { AWS = "arn:aws:iam::111122223333:user/alice" },
                   Condition = { NumericLessThan = { "aws:MultiFactorAuthAge" = "3600" } } }]
  })
}

resource "aws_iam_role_policy" "ops" {
  role   = aws_iam_role.ops.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "iam:*", Resource = "*" }] })
}

resource "aws_iam_role" "ci" {
  name = "ci"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity",
                   Principal = { Federated = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" } }]
  })
}

resource "aws_iam_role_policy_attachment" "ci" {
  role       = aws_iam_role.ci.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
