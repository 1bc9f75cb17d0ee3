provider "aws" {
  region  = "eu-west-1"
  profile = "deploy"
}

variable "secret_key" {
  type      = string
  sensitive = true
}

variable "commit" {
  default = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::111122223333:role/worker"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
  environment {
    variables = {
      COMMIT     = var.commit
      API_SECRET = var.secret_key
      CLASS      = "ReportGeneratorForQuarterlyFinanceTeamsX"
    }
  }
}
