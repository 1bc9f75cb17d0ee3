"""IAG-GR-000: an inline suppression without a reason, or naming a rule iacguard does not know."""

from iacguard.checks_api import check, registered_checks, resource_suppressions

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
whether the exception is still justified, and one naming a rule iacguard does not know (a typo,
a foreign tool's rule with no iacguard equivalent) silences nothing while looking as if it did.
Such a suppression is ignored (the finding it meant stays active) and reported here; this
finding blocks at every `fail_on` except `none`.""",
    fix="""Give every suppression a reason (`# iacguard:ignore IAG-LP-001 why...` in the Terraform
block; `reason:` in CloudFormation `Metadata`), and name an iacguard check id or family
(`iacguard list-checks`). Remove suppressions of foreign rules that have no iacguard meaning,
or keep them out of the `iacguard`/`cfn_nag`/`guard` Metadata that iacguard reads.""",
    controls=("iacguard gate hygiene",),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def broken_suppressions(ctx):
    """Reports every inline suppression (Terraform `iacguard:ignore` comment inside a resource
    block; CloudFormation `Metadata` `iacguard.ignore`, `cfn_nag.rules_to_suppress`,
    `guard.SuppressedRules`) that has no reason, is malformed, names no rule, names a rule or
    family that is not a registered check, names a cfn_nag/guard rule with no iacguard equivalent,
    or tries to suppress this check. Reported once per block (not per count/for_each instance).
    Plans carry no comments or Metadata, so there is nothing to read there."""
    checks = registered_checks()
    seen = set()
    for resource in ctx.model.all_resources:
        for suppression in resource_suppressions(resource, checks):
            if suppression.problem is None:
                continue
            once = (resource.file, resource.base_address, suppression.line, suppression.rule, suppression.problem)
            if once in seen:
                continue
            seen.add(once)
            ctx.report(resource, f"{resource.address}: {suppression.describe}: {suppression.problem}; "
                                 f"it suppresses nothing",
                       line=suppression.line, key=f"{suppression.form}:{suppression.rule}:{suppression.problem}",
                       evidence={"form": suppression.form, "rule": suppression.rule, "reason": suppression.reason})
