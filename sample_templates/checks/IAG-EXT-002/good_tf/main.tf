data "aws_caller_identity" "current" {}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  policy = jsonencode({
    Statement = [{
      Effect = "Allow", Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" },
      Action = "sqs:*", Resource = "*"
    }, {
      Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = "*",
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}
