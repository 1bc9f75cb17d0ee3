resource "aws_iam_policy" "action_number" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = 42, Resource = "*" }] })
}

resource "aws_iam_policy" "statement_null" {
  policy = jsonencode({ Version = "2012-10-17", Statement = null })
}

resource "aws_iam_policy" "statement_string" {
  policy = jsonencode({ Version = "2012-10-17", Statement = "everything" })
}

resource "aws_iam_policy" "condition_list" {
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "*", Condition = ["a"] }] })
}

resource "aws_s3_bucket_policy" "principal_number" {
  bucket = "b"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = 7, Action = "s3:GetObject", Resource = "*" }] })
}

resource "aws_iam_policy" "policy_number" {
  policy = 12
}

data "aws_iam_policy_document" "wrong" {
  statement {
    actions   = [["s3:*"]]
    resources = 5
    principals {
      type        = 3
      identifiers = null
    }
    condition {
      test     = ["StringEquals"]
      variable = 1
      values   = "x"
    }
  }
}

resource "aws_iam_policy" "from_document" {
  policy = data.aws_iam_policy_document.wrong.json
}
