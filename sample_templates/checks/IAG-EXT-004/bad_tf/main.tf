resource "aws_s3_bucket" "reports" {
  bucket = "acme-reports"
}

resource "aws_s3_bucket_public_access_block" "reports" {
  bucket                  = aws_s3_bucket.reports.id
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = false
}

resource "aws_s3_bucket" "scratch" {
  bucket = "acme-scratch"
}

resource "aws_s3_access_point" "scratch" {
  bucket = aws_s3_bucket.scratch.id
  name   = "scratch"
  public_access_block_configuration {
    block_public_policy = false
  }
}
