data "aws_iam_policy_document" "vendor_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::444455556666:role/integration"]
    }
  }
}

resource "aws_iam_role" "vendor" {
  name               = "vendor"
  assume_role_policy = data.aws_iam_policy_document.vendor_trust.json
}
