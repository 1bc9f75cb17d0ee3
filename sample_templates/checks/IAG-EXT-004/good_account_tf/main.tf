# The account-level block covers every bucket; the weaker bucket block does not weaken it.
resource "aws_s3_account_public_access_block" "all" {
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket" "assets" {
  bucket = "acme-assets"
}

resource "aws_s3_bucket_public_access_block" "assets" {
  bucket            = aws_s3_bucket.assets.id
  block_public_acls = false
}
