"""IAG-EXT-004: an S3 bucket or access point without a full public access block."""

from iacguard.checks_api import CheckContext, access_point_blocks, bucket_exposures, check

BAD_CFN = """\
Reports:
  Type: AWS::S3::Bucket
  Properties:
    PublicAccessBlockConfiguration:
      BlockPublicAcls: true
      BlockPublicPolicy: false
"""
GOOD_CFN = """\
Reports:
  Type: AWS::S3::Bucket
  Properties:
    PublicAccessBlockConfiguration:
      BlockPublicAcls: true
      IgnorePublicAcls: true
      BlockPublicPolicy: true
      RestrictPublicBuckets: true
"""
BAD_TF = """\
resource "aws_s3_bucket" "reports" {
  bucket = "acme-reports"
}

resource "aws_s3_bucket_public_access_block" "reports" {
  bucket                  = aws_s3_bucket.reports.id
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = true
}
"""
GOOD_TF = """\
resource "aws_s3_bucket" "reports" {
  bucket = "acme-reports"
}

resource "aws_s3_bucket_public_access_block" "reports" {
  bucket                  = aws_s3_bucket.reports.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
"""


@check(
    "IAG-EXT-004",
    family="external-access",
    severity="medium",
    title="S3 bucket or access point without a full public access block",
    why="""The four S3 public access block settings are the backstop that keeps a bucket private
when someone later adds a public bucket policy or ACL. A flag turned off -- or no block written
at all, leaving the bucket to whatever the account default is -- removes that backstop.""",
    fix="""Set all four flags (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy,
RestrictPublicBuckets) to true on the bucket (`PublicAccessBlockConfiguration` /
`aws_s3_bucket_public_access_block`) or account-wide (`aws_s3_account_public_access_block`),
and on access points. Serve public content through CloudFront.""",
    controls=("CT.S3.PR.1", "CT.S3.PR.12", "Security Hub S3.1", "Security Hub S3.8", "Security Hub S3.19"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def s3_public_access_block(ctx: CheckContext) -> None:
    """Reports every bucket whose effective public access block -- its own block
    (`PublicAccessBlockConfiguration`, or an `aws_s3_bucket_public_access_block` linked by
    reference or bucket name) combined with an `aws_s3_account_public_access_block` of the same
    deployment, the stricter flag winning -- leaves a flag off (medium), and every bucket with no
    block anywhere in the scan (low: it relies on the account or S3 default, as CT.S3.PR.1
    forbids). Flags decided at deploy time are named as unresolved at low severity. Access
    points are reported when their explicit block turns a flag off (AWS turns all four on
    when the block is omitted)."""
    for exposure in bucket_exposures(ctx.model):
        bucket, block = exposure.bucket, exposure.block
        if block is None:
            ctx.report(bucket, f"{bucket.address}: no public access block for this bucket or its account in the "
                               "scanned files; it relies on the account or S3 default", severity="low", key="missing")
            continue
        where = block.resource or bucket
        if block.off:
            ctx.report(where, f"{where.address}: the {block.level} public access block of {bucket.address} leaves "
                              f"{', '.join(block.off)} off", key=f"{bucket.address}#off")
        elif block.unknown:
            ctx.report(where, f"{where.address}: could not resolve {', '.join(block.unknown)} of the {block.level} "
                              f"public access block of {bucket.address} before deploy", severity="low",
                       key=f"{bucket.address}#unknown")
    for point in access_point_blocks(ctx.model):
        from iacguard.checks_api import PUBLIC_ACCESS_BLOCK_FLAGS  # (imported with the first access point)

        off = [f for f in PUBLIC_ACCESS_BLOCK_FLAGS if f in point.block.off]
        if off:
            ctx.report(point.access_point, f"{point.access_point.address}: the access point's public access block "
                                           f"leaves {', '.join(off)} off", key="off")
