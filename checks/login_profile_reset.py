"""IAG-MFA-005: a console password is not required to be changed at first sign-in."""

from typing import Any

from iacguard.checks_api import CheckContext, Resource, Unknown, check, login_profiles

BAD_CFN = """\
Carol:
  Type: AWS::IAM::User
  Properties:
    LoginProfile:
      Password: "{{resolve:secretsmanager:carol-initial-password}}"
"""
GOOD_CFN = """\
Carol:
  Type: AWS::IAM::User
  Properties:
    LoginProfile:
      Password: "{{resolve:secretsmanager:carol-initial-password}}"
      PasswordResetRequired: true
"""
BAD_TF = """\
resource "aws_iam_user_login_profile" "carol" {
  user    = aws_iam_user.carol.name
  pgp_key = "keybase:carol"
}
"""
GOOD_TF = """\
resource "aws_iam_user_login_profile" "carol" {
  user                    = aws_iam_user.carol.name
  pgp_key                 = "keybase:carol"
  password_reset_required = true
}
"""


@check(
    "IAG-MFA-005",
    family="mfa",
    severity="medium",
    title="Console password without a required reset",
    why="""A password set by infrastructure code is known to whoever wrote, deployed or can read
it (template, parameters, state, PGP-encrypted output). Unless the user must change it at first
sign-in, those people can keep signing in as the user.""",
    fix="""Set `PasswordResetRequired: true` (CloudFormation) or `password_reset_required = true`
(Terraform) on the login profile.""",
    controls=("cfn_nag W50", "Guard IAM_USER_LOGIN_PROFILE_PASSWORD_RESET_RULE"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def login_profile_reset(ctx: CheckContext) -> None:
    """Reports a login profile (`LoginProfile` of `AWS::IAM::User`, `aws_iam_user_login_profile`
    in HCL and plans) whose password reset flag is not `true` (unset means false). A flag not
    known before deploy is reported at low severity as unresolved."""
    for profile in login_profiles(ctx.model):
        _check(ctx, profile.resource, profile.password_reset_required, profile.password_reset_property, profile.line)


def _check(ctx: CheckContext, resource: Resource, flag: Any, name: str, line: int) -> None:
    if isinstance(flag, Unknown):
        ctx.report(resource, f"{resource.address}: could not resolve {name} ({flag}); the initial password may "
                             f"stay valid", line=line, severity="low", key="reset")
    elif not (flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")):
        shown = "not set" if flag is None else str(flag).lower()
        ctx.report(resource, f"{resource.address}: {name} is {shown}, so the password set by the code stays "
                             f"valid after first sign-in", line=line, key="reset")
