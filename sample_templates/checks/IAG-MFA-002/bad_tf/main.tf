data "aws_caller_identity" "current" {}

resource "aws_iam_role" "ops" {
  name = "ops"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = { AWS = "arn:aws:iam::111122223333:user/alice" } }]
  })
}

resource "aws_iam_role_policy" "ops" {
  role   = aws_iam_role.ops.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "iam:*", Resource = "*" }] })
}

resource "aws_iam_role" "power" {
  name = "power"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" } }]
  })
}

resource "aws_iam_role_policy_attachment" "power" {
  role       = aws_iam_role.power.name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}
