variable "secret_arn" {
  type = string
}

resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}

resource "aws_iam_role_policy" "app" {
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "Config", Effect = "Allow", Action = ["ssm:GetParameter*", "s3:GetObject"], Resource = "*" },
      { Effect = "Allow", Action = "secretsmanager:GetSecretValue", Resource = var.secret_arn }, # deploy-time ARN: not reported
    ]
  })
}

data "aws_iam_policy_document" "decrypt" {
  statement {
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:SourceVpc"
      values   = ["vpc-0abc1234"]
    }
  }
}

resource "aws_iam_policy" "decrypt" {
  name   = "decrypt"
  policy = data.aws_iam_policy_document.decrypt.json
}
