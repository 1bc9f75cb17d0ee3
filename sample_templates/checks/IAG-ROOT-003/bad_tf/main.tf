resource "aws_cloudtrail" "main" {
  name                  = "main"
  s3_bucket_name        = "acme-trail"
  is_multi_region_trail = true
}

# watches IAM changes, not the root user
resource "aws_cloudwatch_event_rule" "iam_changes" {
  name          = "iam-changes"
  event_pattern = jsonencode({ source = ["aws.iam"] })
}
