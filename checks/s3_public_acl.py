"""IAG-EXT-003: an S3 bucket ACL grants access to everyone or to every AWS account."""

from iacguard.checks_api import CheckContext, bucket_exposures, check

BAD_CFN = """\
Website:
  Type: AWS::S3::Bucket
  Properties:
    AccessControl: PublicRead
"""
GOOD_CFN = """\
Website:
  Type: AWS::S3::Bucket
  Properties:
    OwnershipControls:
      Rules: [{ ObjectOwnership: BucketOwnerEnforced }]
    PublicAccessBlockConfiguration:
      BlockPublicAcls: true
      IgnorePublicAcls: true
      BlockPublicPolicy: true
      RestrictPublicBuckets: true
"""
BAD_TF = """\
resource "aws_s3_bucket" "website" {
  bucket = "acme-website"
}

resource "aws_s3_bucket_acl" "website" {
  bucket = aws_s3_bucket.website.id
  acl    = "public-read"
}
"""
GOOD_TF = """\
resource "aws_s3_bucket" "website" {
  bucket = "acme-website"
}

resource "aws_s3_bucket_acl" "website" {
  bucket = aws_s3_bucket.website.id
  acl    = "private"
}
"""


@check(
    "IAG-EXT-003",
    family="external-access",
    severity="high",
    title="S3 bucket ACL grants public access",
    why="""A canned ACL such as `public-read`, `public-read-write` or `authenticated-read`, or a
grant to the AllUsers or AuthenticatedUsers group, opens the bucket to everyone on the internet
(or to every AWS customer) without any bucket policy. ACLs are easy to miss in review because
they sit outside the policy documents.""",
    fix="""Remove the public ACL and disable ACLs (`ObjectOwnership: BucketOwnerEnforced`). Serve
public content through CloudFront with origin access control instead, and keep the bucket's
public access block fully on.""",
    controls=("CT.S3.PR.5", "Security Hub S3.2", "Security Hub S3.3", "Security Hub S3.12"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def s3_public_acl(ctx: CheckContext) -> None:
    """Reports every public canned ACL (`PublicRead`, `PublicReadWrite`, `AuthenticatedRead` and
    their `public-read`... spellings) and every grant to the AllUsers or AuthenticatedUsers group,
    whether written on the bucket (`AccessControl`, `acl`, `grant`) or in `aws_s3_bucket_acl`
    (`acl`, `access_control_policy`). When the bucket's effective public access block (bucket
    and account level) has IgnorePublicAcls or BlockPublicAcls, the ACL is reported at low
    severity: S3 ignores or rejects it, so it is dead configuration or a deploy failure."""
    for exposure in bucket_exposures(ctx.model):
        block = exposure.block
        for resource, text, line in exposure.public_acls:
            severity, note = None, ""
            if block is not None and (block.flag("IgnorePublicAcls") is True or block.flag("BlockPublicAcls") is True):
                severity = "low"
                note = f"; the {block.level} public access block ignores or rejects it"
            ctx.report(resource, f"{resource.address}: {text} on bucket {exposure.bucket.address}{note}",
                       line=line, severity=severity, key=f"{exposure.bucket.address}#{text}")
