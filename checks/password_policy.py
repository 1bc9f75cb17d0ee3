"""IAG-MFA-003: the account password policy is weaker than Security Hub's IAM.7/IAM.11-17 values."""

from typing import Any

from iacguard.checks_api import CheckContext, Unknown, check, password_policies

BAD_TF = """\
resource "aws_iam_account_password_policy" "this" {
  minimum_password_length = 8
  require_symbols         = false
}
"""
GOOD_TF = """\
resource "aws_iam_account_password_policy" "this" {
  minimum_password_length        = 14
  require_uppercase_characters   = true
  require_lowercase_characters   = true
  require_numbers                = true
  require_symbols                = true
  password_reuse_prevention      = 24
  max_password_age               = 90
  allow_users_to_change_password = true
}
"""

# attribute -> (Security Hub control, requirement text, test on a known value, AWS default when unset)
REQUIREMENTS = {
    "require_uppercase_characters": ("IAM.11", "require an uppercase letter", lambda v: v is True, False),
    "require_lowercase_characters": ("IAM.12", "require a lowercase letter", lambda v: v is True, False),
    "require_symbols": ("IAM.13", "require a symbol", lambda v: v is True, False),
    "require_numbers": ("IAM.14", "require a number", lambda v: v is True, False),
    "minimum_password_length": ("IAM.15", "be at least 14 characters", lambda v: v >= 14, 6),
    "password_reuse_prevention": ("IAM.16", "prevent reuse of the last 24 passwords", lambda v: v >= 24, None),
    "max_password_age": ("IAM.17", "expire within 90 days", lambda v: 0 < v <= 90, None),
}


def _typed(value: Any, sample: Any) -> Any:
    """Terraform variables may carry "true"/"14" as strings; compare them as what they mean."""
    if isinstance(value, str) and not isinstance(value, Unknown):
        text = value.strip().lower()
        if isinstance(sample, bool) or text in ("true", "false"):
            return text == "true" if text in ("true", "false") else value
        try:
            return int(text)
        except ValueError:
            return value
    return value


@check(
    "IAG-MFA-003",
    family="mfa",
    severity="medium",
    title="Weak account password policy",
    why="""IAM users' console passwords follow the account password policy. Short passwords
without character classes, reuse and no expiry make guessing and credential stuffing work,
which matters most where users have no MFA.""",
    fix="""Set `aws_iam_account_password_policy` to at least: length 14, upper and lower case,
numbers and symbols required, reuse prevention 24, maximum age 90 days. Better, move people to
IAM Identity Center and keep no IAM user passwords at all.""",
    controls=("Security Hub IAM.7", "Security Hub IAM.11", "Security Hub IAM.12", "Security Hub IAM.13",
              "Security Hub IAM.14", "Security Hub IAM.15", "Security Hub IAM.16", "Security Hub IAM.17",
              "CIS AWS 1.8", "CIS AWS 1.9", "checkov CKV_AWS_9-15"),
    bad={"terraform": BAD_TF},
    good={"terraform": GOOD_TF},
    not_applicable={"cloudformation": "CloudFormation has no resource type for the account password policy "
                                      "(cloudformation-coverage-roadmap #107); set it with Terraform, the CLI "
                                      "or a custom resource."},
)
def password_policy(ctx: CheckContext) -> None:
    """For each `aws_iam_account_password_policy` (Terraform HCL and plan), the settings below
    Security Hub's values: upper case (IAM.11), lower case (IAM.12), symbols
    (IAM.13), numbers (IAM.14), minimum length 14 (IAM.15), reuse prevention 24 (IAM.16) and
    maximum age 1-90 days (IAM.17). An unset attribute takes AWS's default (no requirement,
    length 6). A value not known before deploy is named as unresolved (low severity when it is
    the only problem). One finding per policy, naming every setting below those values.
    CloudFormation has no password-policy resource type, so templates cannot be checked."""
    for policy in password_policies(ctx.model):
        resource = policy.resource
        weak, unresolved, controls = [], [], []
        for attribute, (control, requirement, passes, default) in REQUIREMENTS.items():
            raw = policy.settings.get(attribute)
            value = default if raw is None else _typed(raw, default)
            if isinstance(value, Unknown):
                unresolved.append(f"could not resolve {attribute} ({value}); passwords must {requirement}")
                controls.append(control)
                continue
            ok = False
            if value is not None and not isinstance(value, str):
                try:
                    ok = bool(passes(value))
                except TypeError:
                    ok = False
            if not ok:
                shown = "not set" if raw is None else repr(raw) if isinstance(raw, str) else str(raw).lower()
                weak.append(f"{attribute} is {shown}; passwords must {requirement}")
                controls.append(control)
        if weak or unresolved:
            # one finding per policy: the settings are one decision, reviewed together
            ctx.report(resource, f"{resource.address}: " + "; ".join(weak + unresolved)
                       + f" (Security Hub {', '.join(controls)})",
                       severity=None if weak else "low", key="password-policy",
                       evidence={"weak": weak, "unresolved": unresolved})
