resource "aws_iam_role" "audit" {
  name = "audit"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = { AWS = "arn:aws:iam::111122223333:root" } }]
  })
}

resource "aws_iam_access_key" "root_user_named_like" {
  user = "rooted-ci"
}
