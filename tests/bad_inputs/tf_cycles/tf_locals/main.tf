locals {
  a = local.b
  b = "${local.c}-x"
  c = local.a
  self = [local.self]
}

resource "aws_iam_policy" "p" {
  name   = local.a
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = local.self, Resource = "*" }] })
}
