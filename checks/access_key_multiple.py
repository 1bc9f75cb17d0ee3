"""IAG-AK-003: an IAM user has more than one active access key."""

from iacguard.checks_api import CheckContext, Unknown, access_key, check

BAD_CFN = """\
KeyA:
  Type: AWS::IAM::AccessKey
  Properties:
    UserName: !Ref Deployer
KeyB:
  Type: AWS::IAM::AccessKey
  Properties:
    UserName: !Ref Deployer
"""
GOOD_CFN = """\
KeyA:
  Type: AWS::IAM::AccessKey
  Properties:
    UserName: !Ref Deployer
KeyB:
  Type: AWS::IAM::AccessKey
  Properties:
    UserName: !Ref Deployer
    Status: Inactive
"""
BAD_TF = """\
resource "aws_iam_access_key" "deployer" {
  count = 2
  user  = aws_iam_user.deployer.name
}
"""
GOOD_TF = """\
resource "aws_iam_access_key" "deployer" {
  user = aws_iam_user.deployer.name
}
"""


@check(
    "IAG-AK-003",
    family="access-keys",
    severity="medium",
    title="More than one active access key for a user",
    why="""A second active key doubles what can leak and hides which copy is in use. Rotation
needs a second key only for the minutes it takes to switch; kept in code, both stay active
forever.""",
    fix="""Keep one active key per user (set the old one `Inactive`, then delete it), or better,
replace the user's keys with a role.""",
    controls=("CIS AWS 1.13", "trivy AWS-0167"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def access_key_multiple(ctx: CheckContext) -> None:
    """Counts, per user, the access keys created in the scan (each count/for_each instance is one
    key) whose status is not `Inactive`. Two or more: one finding on the user (on its last key
    when the user is not defined in the scan). A status not known before deploy counts as
    possibly active: when only such keys make the count reach two, the finding is low severity
    and says so."""
    for user in ctx.model.all_principals():
        if user.kind != "user" or len(user.access_keys) < 2:
            continue
        active, maybe = [], []
        for key in user.access_keys:
            view = access_key(key)
            if view is None:
                continue  # a user's access keys are all of access key types
            status = view.status
            if isinstance(status, Unknown):
                maybe.append(key)
            elif not (isinstance(status, str) and status.strip().lower() == "inactive"):
                active.append(key)
        if len(active) + len(maybe) < 2:
            continue
        anchor = user.access_keys[-1] if user.external else user.resource
        names = ", ".join(k.address for k in active)
        plural = "s" if len(active) != 1 else ""
        message = f"{anchor.address}: {user.label} has {len(active)} active access key{plural} ({names})"
        severity = None
        if len(active) < 2:
            message += "; could not resolve the status of " + ", ".join(k.address for k in maybe) + ", which may be active"
            severity = "low"
        ctx.report(anchor, message, severity=severity, key=f"{user.id}#keys")
