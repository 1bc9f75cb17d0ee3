"""IAG-EXT-009: a sharing setting (AMI launch permission, snapshot permission, SSM document
permission, RAM share) lets accounts outside the zone of trust, or everyone, use a resource."""

from iacguard.checks_api import ANYONE, FIXED_BY, OUTSIDE, UNKNOWN, CheckContext, check, shares

BAD_CFN = """\
NetworkShare:
  Type: AWS::RAM::ResourceShare
  Properties:
    Name: shared-subnets
    ResourceArns: [!Sub "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/subnet-0a1b2c3d"]
    Principals: ["444455556666"]
"""
GOOD_CFN = """\
NetworkShare:
  Type: AWS::RAM::ResourceShare
  Properties:
    Name: shared-subnets
    AllowExternalPrincipals: false
    ResourceArns: [!Sub "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/subnet-0a1b2c3d"]
    Principals: [!Sub "arn:${AWS::Partition}:organizations::${AWS::AccountId}:organization/o-a1b2c3d4e5"]
"""
BAD_TF = """\
resource "aws_ami_launch_permission" "golden" {
  image_id = "ami-0123456789abcdef0"
  group    = "all"
}

resource "aws_db_snapshot" "nightly" {
  db_instance_identifier = "orders"
  db_snapshot_identifier = "orders-nightly"
  shared_accounts        = ["444455556666"]
}
"""
GOOD_TF = """\
data "aws_organizations_organization" "current" {}

resource "aws_ami_launch_permission" "golden" {
  image_id         = "ami-0123456789abcdef0"
  organization_arn = data.aws_organizations_organization.current.arn
}

resource "aws_db_snapshot" "nightly" {
  db_instance_identifier = "orders"
  db_snapshot_identifier = "orders-nightly"
}
"""


@check(
    "IAG-EXT-009",
    family="external-access",
    severity="high",
    title="Resource shared outside the zone of trust by a sharing setting",
    why="""AMIs, EBS and RDS snapshots, SSM documents and RAM resource shares are shared by a
setting, not a policy, so policy reviews and IAM Access Analyzer's policy checks miss them. A
public AMI or snapshot hands its disks (often with credentials and customer data) to every AWS
account; a share with another account gives it a copy nobody can recall.""",
    fix={"cloudformation": """Share only with accounts of your organisation, or with the
organisation or an organisational unit (an organization ARN in `Principals`); never with `all`.
For RAM, set `AllowExternalPrincipals: false`. Keep the zone of trust (`deploy_accounts`,
`trusted_accounts`, `organization_id`) in the settings so partner accounts are named once.""",
         "terraform": """Share only with accounts of your organisation, or with the organisation or
an organisational unit (`organization_arn`, an organization ARN as `principal`); never with
`group = "all"`. For RAM, set `allow_external_principals = false`. Keep the zone of trust
(`deploy_accounts`, `trusted_accounts`, `organization_id`) in the settings so partner accounts
are named once."""},
    controls=("Security Hub EC2.1", "Security Hub RDS.1", "Security Hub SSM.4", "IAM Access Analyzer"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def resource_shared_outside(ctx: CheckContext) -> None:
    """For `aws_ami_launch_permission` (group, account_id, organization/OU ARN),
    `aws_snapshot_create_volume_permission`, `aws_db_snapshot` / `aws_db_cluster_snapshot`
    (`shared_accounts`), `aws_ssm_document` (`permissions` of type Share), RAM principals
    (`aws_ram_principal_association` when its share allows external principals, and
    `AWS::RAM::ResourceShare` `Principals` unless `AllowExternalPrincipals` is false): sharing
    with everyone (`all`) is critical, with an account outside the zone of trust high (low, as
    unknown, when no zone is configured: no `deploy_accounts`, `trusted_accounts` or
    `organization_id`, so the account may be the user's own), with
    another organisation medium (only when `organization_id` is configured; otherwise an
    organisation is taken to be the deployer's own), and a party that could not be resolved before
    deploy low."""
    for share in shares(ctx.analysis):
        party = share.party
        if party.status == ANYONE:
            severity, verdict = "critical", "public"
        elif party.status == OUTSIDE:
            if party.org and not ctx.settings.organization_id:
                continue
            zone = ctx.analysis.zone(share.resource.group)
            if zone.unknown_account(party):
                severity, verdict = "low", zone.configure_hint(party)
            else:
                severity, verdict = ("medium" if party.org else "high"), "outside the zone of trust"
        elif party.status == UNKNOWN:
            severity, verdict = "low", "which could not be checked against the zone of trust"
        else:
            continue
        who = party.label if party.status != UNKNOWN else f"a party not known before deploy ({party.label})"
        ctx.report(share.resource,
                   f"{share.resource.address}: shares {share.shared} with {who} ({share.setting}), {verdict}; "
                   f"{FIXED_BY}sharing only with accounts of the zone of trust or your organisation",
                   line=share.line, severity=severity, key=f"{share.setting}#{party.label}")
