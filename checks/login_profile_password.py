"""IAG-MFA-004: a console password is written in the template or kept in clear in state."""

from iacguard.checks_api import CheckContext, LoginProfile, Unknown, check, login_profiles

BAD_CFN = """\
Bob:
  Type: AWS::IAM::User
  Properties:
    LoginProfile:
      Password: Welcome2024!
      PasswordResetRequired: true
"""
GOOD_CFN = """\
Bob:
  Type: AWS::IAM::User
  Properties:
    LoginProfile:
      Password: "{{resolve:secretsmanager:bob-initial-password}}"
      PasswordResetRequired: true
"""
BAD_TF = """\
resource "aws_iam_user_login_profile" "bob" {
  user                    = aws_iam_user.bob.name
  password_reset_required = true
}
"""
GOOD_TF = """\
resource "aws_iam_user_login_profile" "bob" {
  user                    = aws_iam_user.bob.name
  pgp_key                 = "keybase:bob"
  password_reset_required = true
}
"""

_DYNAMIC_REFERENCE = "{{resolve:"


@check(
    "IAG-MFA-004",
    family="mfa",
    severity="high",
    title="Console password in clear text in the template or state",
    why="""A password written in a template (or as a parameter default) is in the repository,
every copy of the template and the stack's history; a Terraform login profile without
`pgp_key` stores the generated password in clear in the state file. Anyone who can read them
can sign in as the user.""",
    fix="""CloudFormation: take the password from a Secrets Manager dynamic reference
(`{{resolve:secretsmanager:...}}`) or a `NoEcho` parameter without default. Terraform: set
`pgp_key` so only the encrypted password is stored. In both, require a reset at first sign-in.""",
    controls=("cfn_nag F51", "Guard IAM_USER_LOGIN_PROFILE_NO_PLAINTEXT_PASSWORD", "CIS AWS 1.10"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def login_profile_password(ctx: CheckContext) -> None:
    """CloudFormation: an `AWS::IAM::User` `LoginProfile.Password` that is a literal string
    (written in place or the default of a parameter), not a `{{resolve:...}}` dynamic reference
    and not a value chosen at deploy time (a parameter without default) — high. Terraform HCL and
    plan: an `aws_iam_user_login_profile` without `pgp_key`, whose generated password Terraform
    keeps in clear in its state — medium. The password itself is never printed."""
    for profile in login_profiles(ctx.model):
        password, where = profile.password, profile.resource
        if isinstance(password, str) and not isinstance(password, Unknown) and _DYNAMIC_REFERENCE not in password:
            ctx.report(where, f"{where.address}: {profile.password_property} is written in the template (or as a "
                              f"parameter default) in clear text", line=profile.line, key="password")
        if profile.pgp_key_property is not None and (profile.pgp_key is None or profile.pgp_key == ""):
            ctx.report(where, f"{where.address}: no {profile.pgp_key_property}, so the generated console password "
                              f"of {_user(profile)} is stored in clear text in the Terraform state",
                       severity="medium", key="state")


def _user(profile: LoginProfile) -> str:
    return f"user {profile.user}" if profile.user is not None else "the user"
