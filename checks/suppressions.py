"""IAG-GR-000: a suppression addressed to iacguard without a reason or naming an unknown rule."""

from iacguard.checks_api import CheckContext, Resource, check, resource_suppressions

BAD_CFN = """\
AppRole:
  Type: AWS::IAM::Role
  Metadata:
    iacguard:
      ignore:
        - id: IAG-LP-001
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { Service: lambda.amazonaws.com }
          Action: sts:AssumeRole
"""
GOOD_CFN = """\
AppRole:
  Type: AWS::IAM::Role
  Metadata:
    iacguard:
      ignore:
        - id: IAG-LP-001
          reason: break-glass role, reviewed by security (TICKET-123)
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { Service: lambda.amazonaws.com }
          Action: sts:AssumeRole
"""
BAD_TF = """\
resource "aws_iam_role" "app" {
  # iacguard:ignore IAG-LP-01 break-glass role
  name               = "app"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}
"""
GOOD_TF = """\
resource "aws_iam_role" "app" {
  # iacguard:ignore IAG-LP-001 break-glass role, reviewed by security (TICKET-123)
  name               = "app"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}
"""


@check(
    "IAG-GR-000",
    family="guardrails",
    severity="high",
    title="Suppression without a reason or for an unknown rule",
    why="""A suppression silences a finding in the gate. Without a reason nobody can later tell
whether the exception is still justified, and one naming a rule iacguard does not know (a typo in
an iacguard id or family) silences nothing while looking as if it did. Such a suppression is
ignored (the finding it meant stays active) and reported here; this finding blocks at every
`fail_on` except `none`. Suppressions written for other tools (cfn_nag, cfn-guard, checkov) are
read too: those of rules that mean one of our checks work like ours, and those of rules with no
iacguard meaning are not addressed to iacguard, suppress nothing of ours and are not reported.""",
    fix="""Give every suppression a reason (`# iacguard:ignore IAG-LP-001 why...` in the Terraform
block; `reason:` in CloudFormation `Metadata`, also for cfn_nag `rules_to_suppress` entries and
checkov skips of rules iacguard maps), and name an existing iacguard check id or family
(`iacguard list-checks`). cfn-guard `SuppressedRules` has no reason field and needs none.""",
    controls=("iacguard gate hygiene",),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def broken_suppressions(ctx: CheckContext) -> None:
    """Reports every inline suppression addressed to iacguard that suppresses nothing: iacguard's
    own (Terraform `iacguard:ignore` comment inside a resource block, CloudFormation `Metadata`
    `iacguard.ignore`) when malformed, without a reason, naming no rule, naming a rule or family
    that is not a registered check, or trying to suppress this check; and foreign ones (cfn_nag
    `rules_to_suppress`, checkov `skip` Metadata or `checkov:skip=` comments) of rules iacguard
    maps to its checks when they have no reason. cfn-guard `SuppressedRules` entries need no
    reason (the format has no field for one). Foreign suppressions of rules iacguard does not map,
    and malformed foreign Metadata, are never reported. Reported once per written suppression:
    not again per count/for_each instance, nor on the resources the SAM transform generates from
    a function and copies its Metadata onto. Plans carry no comments or Metadata, so there is
    nothing to read there."""
    checks = ctx.checks
    seen = set()
    # The template resource before what was generated from it, so the finding names the former.
    resources = sorted(ctx.model.all_resources, key=lambda r: _origin(r) != r.base_address)
    for resource in resources:
        for suppression in resource_suppressions(resource, checks):
            if suppression.problem is None or not suppression.reported:
                continue
            once = (resource.file, _origin(resource), suppression.line, suppression.rule, suppression.problem)
            if once in seen:
                continue
            seen.add(once)
            ctx.report(resource, f"{resource.address}: {suppression.describe}: {suppression.problem}; "
                                 f"it suppresses nothing",
                       line=suppression.line, key=f"{suppression.form}:{suppression.rule}:{suppression.problem}",
                       evidence={"form": suppression.form, "rule": suppression.rule, "reason": suppression.reason})


def _origin(resource: Resource) -> str:
    """The template resource a resource was written as: the SAM resource a generated one came
    from (the loader records it as ``SamResourceId`` Metadata), else its own address."""
    metadata = resource.metadata if isinstance(resource.metadata, dict) else {}
    sam_id = metadata.get("SamResourceId") if resource.source == "cloudformation" else None
    return sam_id if isinstance(sam_id, str) and sam_id else resource.base_address
