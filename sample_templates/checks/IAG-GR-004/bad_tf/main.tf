resource "aws_organizations_policy" "guardrail" {
  name    = "guardrail"
  type    = "SERVICE_CONTROL_POLICY"
  content = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

resource "aws_organizations_policy" "no_leave" {
  name = "no-leave"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Deny", NotAction = ["organizations:*", "*"], Resource = "*" }
  ] })
}
