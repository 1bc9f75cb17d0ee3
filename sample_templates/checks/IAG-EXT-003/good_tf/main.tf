resource "aws_s3_bucket" "media" {
  bucket = "acme-media"
}

resource "aws_s3_bucket_acl" "media" {
  bucket = aws_s3_bucket.media.id
  access_control_policy {
    grant {
      grantee {
        type = "CanonicalUser"
        id   = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
      }
      permission = "FULL_CONTROL"
    }
    owner {
      id = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
    }
  }
}
