resource "aws_iam_role" "platform" {
  name                 = "platform"
  assume_role_policy   = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "codebuild.amazonaws.com" }, Action = "sts:AssumeRole" }] })
  # the principal's own boundary does not allow role management at all
  permissions_boundary = aws_iam_policy.boundary.arn
}

resource "aws_iam_policy" "boundary" {
  name   = "build-boundary"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["s3:*", "logs:*"], Resource = "*" }] })
}

resource "aws_iam_role_policy" "platform" {
  role   = aws_iam_role.platform.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["iam:CreateRole", "iam:AttachRolePolicy"], Resource = "*" }] })
}

resource "aws_iam_policy" "delegated" {
  name = "delegated"
  policy = jsonencode({ Statement = [{
    Effect    = "Allow", Action = ["iam:CreateRole", "iam:AttachRolePolicy"], Resource = "*"
    Condition = { StringEquals = { "iam:PermissionsBoundary" = "arn:aws:iam::111122223333:policy/workload-boundary" } }
  }] })
}
