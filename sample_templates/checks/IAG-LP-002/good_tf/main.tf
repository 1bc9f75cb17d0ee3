resource "aws_iam_role" "app" {
  name                 = "app"
  permissions_boundary = aws_iam_policy.boundary.arn
  assume_role_policy   = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "ecs-tasks.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}

# used only as a permissions boundary: it caps, it grants nothing
resource "aws_iam_policy" "boundary" {
  name   = "boundary"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:*", "sqs:*"], Resource = "*" }] })
}

resource "aws_iam_role_policy" "app" {
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "arn:aws:s3:::app-data/*" },
      { Effect = "Allow", Action = ["ec2:Describe*", "cloudwatch:Get*"], Resource = "*" },
      { Effect = "Deny", Action = "s3:*", Resource = "arn:aws:s3:::payroll/*" },
    ]
  })
}
