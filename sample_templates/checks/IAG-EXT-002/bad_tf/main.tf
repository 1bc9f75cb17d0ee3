variable "auditor_account" {
  default = "777788889999"
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = data.aws_iam_policy_document.logs.json
}

data "aws_iam_policy_document" "logs" {
  statement {
    sid       = "Auditor"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = [aws_s3_bucket.logs.arn, "${aws_s3_bucket.logs.arn}/*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${var.auditor_account}:role/auditor"]
    }
  }
}

resource "aws_secretsmanager_secret" "token" {
  name = "token"
  policy = jsonencode({
    Statement = [{
      Effect    = "Allow", Principal = "*", Action = "secretsmanager:GetSecretValue", Resource = "*"
      Condition = { ArnLike = { "aws:PrincipalArn" = "arn:aws:iam::666677778888:role/*" } }
    }]
  })
}
