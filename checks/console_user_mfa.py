"""IAG-MFA-001: an IAM user with console access is not required to use MFA."""

from iacguard.checks_api import CheckContext, check, login_profile, mfa_enforcing_deny, unknown_policies

BAD_CFN = """\
Alice:
  Type: AWS::IAM::User
  Properties:
    Groups: [!Ref Developers]
    LoginProfile:
      Password: !Ref InitialPassword
      PasswordResetRequired: true
"""
GOOD_CFN = """\
Alice:
  Type: AWS::IAM::User
  Properties:
    LoginProfile:
      Password: !Ref InitialPassword
      PasswordResetRequired: true
    Policies:
      - PolicyName: require-mfa
        PolicyDocument:
          Statement:
            - Sid: DenyAllExceptMfaSetupWithoutMFA
              Effect: Deny
              NotAction: [iam:CreateVirtualMFADevice, iam:EnableMFADevice, iam:GetUser, iam:ListMFADevices,
                          iam:ListVirtualMFADevices, iam:ResyncMFADevice, iam:ChangePassword, sts:GetSessionToken]
              Resource: "*"
              Condition: { BoolIfExists: { aws:MultiFactorAuthPresent: "false" } }
"""
BAD_TF = """\
resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_user_login_profile" "alice" {
  user                    = aws_iam_user.alice.name
  pgp_key                 = "keybase:alice"
  password_reset_required = true
}
"""
GOOD_TF = """\
resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_user_login_profile" "alice" {
  user                    = aws_iam_user.alice.name
  pgp_key                 = "keybase:alice"
  password_reset_required = true
}

resource "aws_iam_user_policy" "require_mfa" {
  user = aws_iam_user.alice.name
  name = "require-mfa"
  policy = jsonencode({
    Statement = [{
      Effect    = "Deny"
      NotAction = ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
                   "iam:ResyncMFADevice", "iam:ChangePassword", "sts:GetSessionToken"]
      Resource  = "*"
      Condition = { BoolIfExists = { "aws:MultiFactorAuthPresent" = "false" } }
    }]
  })
}
"""


@check(
    "IAG-MFA-001",
    family="mfa",
    severity="high",
    title="Console user not required to use MFA",
    why="""A user who signs in to the console with only a password loses the account to any
phished, reused or guessed password. IAM cannot force MFA enrolment, but a policy can deny
everything to a session without MFA, which makes the password alone worthless.""",
    fix="""Move people to IAM Identity Center, which enforces MFA at sign-in. For IAM users that
must stay, attach (to the user or, better, to its groups) a Deny on every action except MFA
self-service with `BoolIfExists: {aws:MultiFactorAuthPresent: "false"}` (AWS's "require MFA"
example policy).""",
    controls=("Security Hub IAM.5", "Security Hub IAM.19", "CIS AWS 1.10", "trivy AWS-0123"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def console_user_mfa(ctx: CheckContext) -> None:
    """Reports each user with a login profile (`aws_iam_user_login_profile`, or `LoginProfile`
    on `AWS::IAM::User`) when no policy of the user or of its groups has an MFA-enforcing Deny:
    `Bool`/`BoolIfExists` `aws:MultiFactorAuthPresent: false` on every resource, covering (nearly)
    every action (any NotAction list, or `*`), with no other condition. A Deny that covers only a
    few actions does not enforce MFA. When a policy or group of the user cannot be read (unknown
    AWS managed policy, user or group defined elsewhere, unresolved document) the finding is low
    severity and says what could not be read; MFA devices themselves are runtime state. SCPs are
    not counted: the scan does not show which accounts they apply to."""
    for user in ctx.model.all_principals():
        if user.kind != "user" or not user.login_profiles:
            continue
        if any(mfa_enforcing_deny(statement) for node in user.identity_policies() if node.document is not None
               for statement in node.document.statements):
            continue
        unknown = unknown_policies(user)
        for profile in user.login_profiles:
            view = login_profile(profile)
            line = view.line if view is not None else profile.line  # a login profile the model found has a view
            if unknown:
                ctx.report(profile, f"{profile.address}: console access for {user.label} with no MFA-enforcing "
                                    f"Deny in its readable policies; could not confirm the rest: "
                                    + "; ".join(unknown), line=line, severity="low", key=user.id)
            else:
                ctx.report(profile, f"{profile.address}: console access for {user.label} and no policy of the "
                                    f"user or its groups denies actions without MFA (aws:MultiFactorAuthPresent)",
                           line=line, key=user.id)
