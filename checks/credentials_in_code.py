"""IAG-ROOT-002: AWS credentials are written into infrastructure code."""

from typing import Any

from iacguard.checks_api import (CheckContext, Resource, check, default_value, environment_scopes, find_credentials,
                                 might_hold_credentials)

BAD_CFN = """\
Worker:
  Type: AWS::Lambda::Function
  Properties:
    Runtime: python3.12
    Handler: app.handler
    Role: !GetAtt WorkerRole.Arn
    Code: { ZipFile: "def handler(e, c): pass" }
    Environment:
      Variables:
        AWS_ACCESS_KEY_ID: AKIA2E4G6J2L4N6P2R4T
        AWS_SECRET_ACCESS_KEY: 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
"""
GOOD_CFN = """\
Worker:
  Type: AWS::Lambda::Function
  Properties:
    Runtime: python3.12
    Handler: app.handler
    Role: !GetAtt WorkerRole.Arn  # credentials come from the execution role
    Code: { ZipFile: "def handler(e, c): pass" }
    Environment:
      Variables:
        BUCKET: reports
"""
BAD_TF = """\
provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIA2E4G6J2L4N6P2R4T"
  secret_key = "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"
}
"""
GOOD_TF = """\
provider "aws" {
  region  = "eu-west-1"
  profile = "deploy"  # credentials come from the environment, an SSO profile or a role
}
"""

_SOURCES = {"provider": "provider block", "variable": "default of variable", "parameter": "default of parameter"}


@check(
    "IAG-ROOT-002",
    family="root-credentials",
    severity="critical",
    title="AWS credentials written into infrastructure code",
    why="""An access key written into a template, a provider block, a variable default or a
function's environment is copied into every clone of the repository, every CI log and every
state file or stack description. It never expires, and whoever holds it acts as its user
(often a powerful one, sometimes the root user).""",
    fix="""Remove the key from the code and deactivate it (it must be considered leaked). Give
workloads roles (Lambda execution role, ECS task role), give Terraform credentials from the
environment, an SSO profile or `assume_role`, and keep any secret a workload needs in Secrets
Manager or SSM SecureString, referenced at run time.""",
    controls=("AWS Well-Architected SEC02-BP03", "CIS AWS 1.4", "checkov CKV_AWS_41", "checkov CKV_AWS_45"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def credentials_in_code(ctx: CheckContext) -> None:
    """Looks for AWS access key ids (`AKIA`/`ASIA` + 16 characters) and secret access keys
    (40 characters) in Terraform `provider` blocks, variable defaults, CloudFormation parameter
    defaults, Lambda environment variables, ECS container environments and anywhere else in a
    resource's configuration (EC2 user data, launch templates, build variables...), in Terraform,
    plan JSON and CloudFormation alike. A 40-character string counts as a secret only under a name that
    says so or next to a key id. Critical when a secret is written, medium for a key id alone,
    low when every value is one of AWS's documentation examples (`AKIAIOSFODNN7EXAMPLE`, values
    ending in `EXAMPLE`/`EXAMPLEKEY`), which are reported so they do not hide a real key copied
    beside them. Messages show only the first four characters and a short hash of each value.
    Values that are references or unknown before deploy are not credentials written in code."""
    # the copies of a deployment's resources beside switched flags share their properties:
    # looked at once (every resource, and so every properties object, lives through the check)
    might_hold: dict[int, bool] = {}
    for resource in ctx.model.all_resources:
        reported: set[str] = set()  # a credential found in a narrower scope is not reported again
        looked = might_hold.get(id(resource.properties))
        if looked is None:
            looked = might_hold[id(resource.properties)] = might_hold_credentials(resource.properties)
        if not looked:
            continue
        for label, path, value in _scopes(resource):
            hits = [h for h in find_credentials(value, path=path, line=resource.line) if h.digest not in reported]
            if not hits:
                continue
            reported.update(h.digest for h in hits)
            real = [h for h in hits if not h.example]
            secrets = [h for h in real if h.kind == "secret-access-key"]
            severity = "critical" if secrets else ("medium" if real else "low")
            parts = []
            for hit in hits:
                what = "access key id" if hit.kind == "access-key-id" else "secret access key"
                parts.append(f"{what} {hit.masked} in {hit.path}" + (" (AWS documentation example)" if hit.example else ""))
            line = min((h.line for h in hits if h.line), default=resource.line)
            ctx.report(resource, f"{resource.address}: {label} contains an AWS " + "; ".join(parts),
                       line=line, severity=severity, evidence={"values": [h.masked for h in hits]},
                       key=path + "#" + ",".join(sorted(h.digest for h in hits)))


def _scopes(resource: Resource) -> list[tuple[str, str, Any]]:
    """(label, path, value) of the places in one resource where credentials would be written."""
    if resource.mode == "provider":
        return [(_SOURCES["provider"], "", resource.properties)]
    if resource.mode in ("variable", "parameter"):
        default = default_value(resource).value
        if default is None:
            return []
        name = resource.address.rsplit(".", 1)[-1]
        return [(f"the {_SOURCES[resource.mode]} {name}", name, default)]
    if resource.mode != "managed":
        return []
    scopes = [(f"the environment ({path})", path, value) for path, value in environment_scopes(resource)]
    # then the whole configuration: EC2 user data, launch templates, CodeBuild variables, Glue job
    # arguments, an SSM parameter or secret value... wherever a key was pasted
    scopes.append(("its configuration", "", resource.properties))
    return scopes
