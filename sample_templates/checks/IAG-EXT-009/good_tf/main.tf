data "aws_caller_identity" "current" {}
data "aws_organizations_organization" "current" {}

resource "aws_ami_launch_permission" "golden_org" {
  image_id         = "ami-0123456789abcdef0"
  organization_arn = data.aws_organizations_organization.current.arn
}

resource "aws_ami_launch_permission" "golden_self" {
  image_id   = "ami-0123456789abcdef0"
  account_id = data.aws_caller_identity.current.account_id
}

resource "aws_db_snapshot" "nightly" {
  db_instance_identifier = "orders"
  db_snapshot_identifier = "orders-nightly"
}

resource "aws_ssm_document" "bootstrap" {
  name          = "bootstrap"
  document_type = "Command"
  content       = jsonencode({ schemaVersion = "2.2", mainSteps = [] })
  permissions = {
    type        = "Share"
    account_ids = data.aws_caller_identity.current.account_id
  }
}
