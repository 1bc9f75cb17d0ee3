resource "aws_organizations_policy" "deny_leave" {
  name = "deny-leave"
  type = "SERVICE_CONTROL_POLICY"
  content = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Deny", Action = "organizations:LeaveOrganization", Resource = "*" }]
  })
}

# a tag policy is not an SCP and is never counted
resource "aws_organizations_policy" "tags" {
  name    = "tags"
  type    = "TAG_POLICY"
  content = jsonencode({ tags = {} })
}
