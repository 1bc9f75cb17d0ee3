# A user who may write inline policies on itself: ${aws:username} is the caller.
resource "aws_iam_user" "dev" {
  name = "dev"
}

resource "aws_iam_policy" "self_service" {
  name = "self-service"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["iam:PutUserPolicy", "iam:GetUser"]
      Resource = "arn:aws:iam::*:user/$${aws:username}"
    }]
  })
}

resource "aws_iam_user_policy_attachment" "dev" {
  user       = aws_iam_user.dev.name
  policy_arn = aws_iam_policy.self_service.arn
}

# A role that can hand a Glue role to a new job and run it.
resource "aws_iam_role" "glue" {
  name               = "glue-jobs"
  assume_role_policy = data.aws_iam_policy_document.glue_trust.json
}

data "aws_iam_policy_document" "glue_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "orchestrator" {
  name               = "orchestrator"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "states.amazonaws.com" }, Action = "sts:AssumeRole" }] })
}

resource "aws_iam_role_policy" "orchestrator" {
  role = aws_iam_role.orchestrator.id
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = "iam:PassRole", Resource = aws_iam_role.glue.arn },
      { Effect = "Allow", Action = ["glue:CreateJob", "glue:StartJobRun"], Resource = "*" },
    ]
  })
}
