variable "partner_account" {
  type = string
}

data "aws_caller_identity" "current" {}

# Public AMI: every AWS account can launch it and copy its snapshots.
resource "aws_ami_launch_permission" "golden_public" {
  image_id = "ami-0123456789abcdef0"
  group    = "all"
}

resource "aws_ami_launch_permission" "golden_vendor" {
  image_id   = "ami-0123456789abcdef0"
  account_id = "444455556666"
}

resource "aws_snapshot_create_volume_permission" "backup" {
  snapshot_id = "snap-0123456789abcdef0"
  account_id  = var.partner_account
}

resource "aws_db_snapshot" "nightly" {
  db_instance_identifier = "orders"
  db_snapshot_identifier = "orders-nightly"
  shared_accounts        = ["all"]
}

resource "aws_db_cluster_snapshot" "weekly" {
  db_cluster_identifier          = "orders"
  db_cluster_snapshot_identifier = "orders-weekly"
  shared_accounts                = [data.aws_caller_identity.current.account_id, "444455556666"]
}

resource "aws_ssm_document" "bootstrap" {
  name          = "bootstrap"
  document_type = "Command"
  content       = jsonencode({ schemaVersion = "2.2", mainSteps = [] })
  permissions = {
    type        = "Share"
    account_ids = "all"
  }
}
