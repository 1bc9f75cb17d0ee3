resource "aws_organizations_policy" "guardrail" {
  name = "guardrail"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Deny", Action = ["organizations:LeaveOrganization", "cloudtrail:StopLogging"], Resource = "*" }
  ] })
}

variable "exempt_actions" {
  type = list(string)
}

# NotAction entries unknown before deploy are never assumed to exempt everything
resource "aws_organizations_policy" "dynamic" {
  name = "dynamic"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Deny", NotAction = var.exempt_actions, Resource = "*" }
  ] })
}
