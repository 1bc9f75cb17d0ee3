variable "boundary_arn" {
  type = string
}

resource "aws_iam_role" "app" {
  name                 = "app"
  permissions_boundary = var.boundary_arn
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_iam_user" "bot" {
  name                 = "bot"
  permissions_boundary = "arn:aws:iam::111122223333:policy/workload-boundary"
}
