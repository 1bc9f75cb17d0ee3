provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIA2E4G6J2L4N6P2R4T"
  secret_key = "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"
}

variable "ci_secret_key" {
  type    = string
  default = "Zp3Xc9Vb1Nm7Lk5Jh3Gf1Ds9Aq7We5Rt3Yu1Io8P"
}

variable "docs_example" {
  default = "AKIAIOSFODNN7EXAMPLE"
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::111122223333:role/worker"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
  environment {
    variables = {
      AWS_ACCESS_KEY_ID     = "AKIA2E4G6J2L4N6P2R4T"
      AWS_SECRET_ACCESS_KEY = "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"
    }
  }
}

resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = jsonencode([{
    name  = "app"
    image = "app:1"
    environment = [
      { name = "UPLOAD_KEY_ID", value = "ASIA7Q3M5K2J4H6G2F4D" },
      { name = "UPLOAD_KEY", value = "Hq4Wn8Ez2Rt6Yu0Ip4As8Df2Gh6Jk0Lz4Xc8Vb2N" }
    ]
  }])
}
