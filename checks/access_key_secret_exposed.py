"""IAG-AK-002: an access key's secret is exposed in an output, an SSM String parameter or an environment variable."""

from typing import Any

from iacguard.checks_api import (CheckContext, Resource, check, environment_scopes, output_value, secret_references,
                                 ssm_parameter)

BAD_CFN = """\
CiKey:
  Type: AWS::IAM::AccessKey
  Properties:
    UserName: !Ref CiUser
CiKeySecret:
  Type: AWS::SSM::Parameter
  Properties:
    Type: String
    Value: !GetAtt CiKey.SecretAccessKey
"""
GOOD_CFN = """\
CiKey:
  Type: AWS::IAM::AccessKey
  Properties:
    UserName: !Ref CiUser
CiKeySecret:
  Type: AWS::SecretsManager::Secret
  Properties:
    SecretString: !Sub '{"id": "${CiKey}", "secret": "${CiKey.SecretAccessKey}"}'
"""
BAD_TF = """\
resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}

output "ci_secret" {
  value = aws_iam_access_key.ci.secret
}
"""
GOOD_TF = """\
resource "aws_iam_access_key" "ci" {
  user    = aws_iam_user.ci.name
  pgp_key = "keybase:ci-admin"
}

output "ci_encrypted_secret" {
  value = aws_iam_access_key.ci.encrypted_secret
}
"""

@check(
    "IAG-AK-002",
    family="access-keys",
    severity="high",
    title="Access key secret exposed",
    why="""The secret access key is the credential. Put in a stack or Terraform output it is shown
to everyone who can describe the stack or read outputs; in an SSM String parameter to everyone
with ssm:GetParameter; in an environment variable to everyone who can read the function or task
configuration. Each is a copy nobody rotates.""",
    fix="""Do not pass the secret around: give workloads roles instead of keys. If a key is
unavoidable, store it in Secrets Manager (or an SSM SecureString written outside the template)
and, in Terraform, set `pgp_key` and output only `encrypted_secret`.""",
    controls=("Security Hub IAM.3", "CIS AWS 1.14", "AWS Well-Architected SEC02-BP03"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def access_key_secret_exposed(ctx: CheckContext) -> None:
    """Follows references to the clear secret of an access key (`aws_iam_access_key.*.secret`
    or `ses_smtp_password_v4`, `!GetAtt Key.SecretAccessKey`) into: Terraform and CloudFormation
    outputs (high; a Terraform output marked `sensitive` is medium, since it is still in the state
    and in `terraform output`), SSM parameters of type String/StringList (CloudFormation's
    AWS::SSM::Parameter cannot be a SecureString), and Lambda or ECS environment variables. Values
    built from the secret (a string or map that includes it) count. `encrypted_secret` and Secrets
    Manager secrets are not exposure."""
    model = ctx.model
    for resource in model.all_resources:
        for label, path, value, severity in _places(resource):
            for ref in secret_references(model, resource, value, path=path):
                built = "" if ref.exact else " (part of a larger value)"
                ctx.report(resource, f"{resource.address}: {label} exposes the secret access key of {ref.key.address} "
                                     f"({ref.attribute} at {ref.path}){built}",
                           line=getattr(value, "line", 0) or resource.line, severity=severity,
                           key=f"{ref.path}<-{ref.key.address}.{ref.attribute}")


def _places(resource: Resource) -> list[tuple[str, str, Any, str | None]]:
    """(label, path, value, severity) of the places of one resource where a secret is exposed."""
    if resource.mode == "output":
        output = output_value(resource)
        sensitive = resource.get("sensitive") is True
        label = "the sensitive output" if sensitive else "the output"
        return [(label, output.property, output.value, "medium" if sensitive else None)]
    if resource.mode != "managed":
        return []
    places: list[tuple[str, str, Any, str | None]] = []
    ssm = ssm_parameter(resource)
    if ssm:
        kind = ssm.type
        if not (isinstance(kind, str) and kind == "SecureString"):
            for prop, value in ssm.values:
                places.append((f"the SSM parameter (type {kind if isinstance(kind, str) else 'String'})",
                               prop, value, None))
    for path, value in environment_scopes(resource):
        places.append((f"the environment ({path})", path, value, None))
    return places
