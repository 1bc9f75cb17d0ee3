"""IAG-ROOT-001: an access key is created for the root user."""

from iacguard.checks_api import CheckContext, access_key, check

BAD_CFN = """\
RootKey:
  Type: AWS::IAM::AccessKey
  Properties:
    UserName: root
"""
GOOD_CFN = """\
# The account as a trusted principal is not the root user: no finding here.
AuditRole:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
          Action: sts:AssumeRole
          Condition: { Bool: { aws:MultiFactorAuthPresent: "true" } }
"""
BAD_TF = """\
resource "aws_iam_access_key" "root" {
  user = "root"
}
"""
GOOD_TF = """\
resource "aws_iam_access_key" "ci" {
  user   = aws_iam_user.ci.name
  status = "Inactive"
}
"""


@check(
    "IAG-ROOT-001",
    family="root-credentials",
    severity="critical",
    title="Access key created for the root user",
    why="""The root user can do everything in the account, including closing it, and no policy
can restrict it. An access key for it is a permanent, unrestrictable credential: whoever
copies it owns the account.""",
    fix="""Do not create access keys for the root user; delete any that exist (Security Hub
IAM.4). Use IAM roles for automation and IAM Identity Center for people, and keep the root
user for the few tasks that need it, protected with hardware MFA.""",
    controls=("Security Hub IAM.4", "CIS AWS 1.4", "checkov CKV_AWS_348"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def root_access_key(ctx: CheckContext) -> None:
    """Reports every `aws_iam_access_key` / `AWS::IAM::AccessKey` whose user is named `root`
    (or whose user ARN ends in `:root`). IAM has no user called root unless one is created, so
    when the scanned files create an IAM user named `root` the key belongs to that user: it is
    still reported, at medium severity, because a user named like the root user misleads
    reviewers. `arn:aws:iam::ACCOUNT:root` in a policy's Principal means the account, not the
    root user, and is never reported here."""
    model = ctx.model
    owners = {id(key): user for user in model.all_principals() if user.kind == "user" for key in user.access_keys}
    for key in model.access_keys:
        owner = owners.get(id(key))
        if owner is not None and not owner.external:
            if owner.name == "root":
                ctx.report(key, f"{key.address}: creates an access key for {owner.label}, an IAM user named "
                                f"\"root\"; a user named like the root user hides what the key belongs to",
                           severity="medium", key="root-named-user")
            continue
        view = access_key(key)
        user = view.user if view is not None else None
        if not isinstance(user, str):
            continue  # a reference or an unknown name: not a literal root user
        name = user.strip()
        if name == "root" or (name.startswith("arn:") and name.endswith(":root")):
            ctx.report(key, f"{key.address}: creates an access key for the root user ({name}); root keys "
                            f"cannot be restricted by any policy", key="root")
