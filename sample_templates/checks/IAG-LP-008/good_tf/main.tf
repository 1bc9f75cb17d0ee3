resource "aws_iam_role" "ops" {
  name                = "ops"
  assume_role_policy  = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
  managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]
}

resource "aws_iam_user_policy_attachment" "view" {
  user       = "alice"
  policy_arn = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
}
