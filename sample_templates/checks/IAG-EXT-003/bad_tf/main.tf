resource "aws_s3_bucket" "legacy" {
  bucket = "acme-legacy"
  acl    = "public-read-write"
}

resource "aws_s3_bucket" "media" {
  bucket = "acme-media"
}

resource "aws_s3_bucket_acl" "media" {
  bucket = "acme-media"
  access_control_policy {
    grant {
      grantee {
        type = "Group"
        uri  = "http://acs.amazonaws.com/groups/global/AllUsers"
      }
      permission = "READ"
    }
    owner {
      id = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    }
  }
}
