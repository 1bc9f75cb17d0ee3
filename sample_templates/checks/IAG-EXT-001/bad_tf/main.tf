resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = "*" }, Action = "sqs:*", Resource = "*" }]
  })
}

resource "aws_ecr_repository_policy" "images" {
  repository = "images"
  policy     = data.aws_iam_policy_document.pull.json
}

data "aws_iam_policy_document" "pull" {
  statement {
    sid     = "AnyonePulls"
    actions = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_lambda_layer_version_permission" "shared" {
  layer_name     = "arn:aws:lambda:eu-west-1:111122223333:layer:shared"
  version_number = 1
  statement_id   = "everyone"
  action         = "lambda:GetLayerVersion"
  principal      = "*"
}

resource "aws_glacier_vault" "archive" {
  name = "archive"
  access_policy = <<EOF
{
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "glacier:InitiateJob", "Resource": "*"}
  ]
}
EOF
}

resource "aws_cloudwatch_event_permission" "everyone" {
  principal    = "*"
  statement_id = "everyone"
}
