"""IAG-EXT-002: a resource or trust policy grants access to an account or organisation outside
the zone of trust."""

from iacguard.checks_api import (FIXED_BY, OUTSIDE, UNKNOWN, CheckContext, ExposedPolicy, Exposure, check,
                                 exposed_policies, fix_for, policy_exposures, severity_rank, statement_evidence)

BAD_CFN = """\
ArtifactsKey:
  Type: AWS::KMS::Key
  Properties:
    KeyPolicy:
      Statement:
        - Sid: VendorDecrypt
          Effect: Allow
          Principal: { AWS: arn:aws:iam::444455556666:root }
          Action: kms:Decrypt
          Resource: "*"
"""
GOOD_CFN = """\
ArtifactsKey:
  Type: AWS::KMS::Key
  Properties:
    KeyPolicy:
      Statement:
        - Sid: AccountAdmins
          Effect: Allow
          Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
          Action: kms:*
          Resource: "*"
"""
BAD_TF = """\
resource "aws_sqs_queue_policy" "jobs" {
  queue_url = aws_sqs_queue.jobs.id
  policy = jsonencode({
    Statement = [{
      Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = aws_sqs_queue.jobs.arn
      Condition = { StringEquals = { "aws:PrincipalAccount" = "444455556666" } }
    }]
  })
}
"""
GOOD_TF = """\
data "aws_caller_identity" "current" {}

resource "aws_sqs_queue_policy" "jobs" {
  queue_url = aws_sqs_queue.jobs.id
  policy = jsonencode({
    Statement = [{
      Effect = "Allow", Principal = { AWS = data.aws_caller_identity.current.account_id },
      Action = "sqs:SendMessage", Resource = aws_sqs_queue.jobs.arn
    }]
  })
}
"""


@check(
    "IAG-EXT-002",
    family="external-access",
    severity="high",
    title="Policy grants access to an account outside the zone of trust",
    why="""A resource policy or role trust policy that names another AWS account, a role or user
in it, or another organisation -- in `Principal` or through a condition such as
`aws:PrincipalAccount`, `aws:PrincipalOrgID` or `aws:SourceAccount` -- lets that account act on
the resource. Unless the account is one you deploy into or a partner you chose, that is data or
control shared outside your organisation, which IAM Access Analyzer would only tell you about
after deployment.""",
    fix="""Remove the account from the policy, or, if it is yours or a partner's, list it in
`deploy_accounts` / `trusted_accounts` (or set `organization_id`) in `.iacguard.yaml` so the
scan knows your zone of trust. Give account ids as values the scan can resolve (parameter
defaults, variable values).""",
    controls=("IAM Access Analyzer external access", "Security Hub S3.6", "Security Hub KMS.5",
              "Security Hub SNS.4", "Security Hub SQS.3", "Security Hub Lambda.1"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def external_account_access(ctx: CheckContext) -> None:
    """For every resource policy and role trust policy: each Allow statement that, after its
    conditions and the Deny statements of the same policy, lets in a named account, role, user
    or organisation outside the zone of trust (`deploy_accounts`, `trusted_accounts`,
    `organization_id`; by default only the deploying account: `${AWS::AccountId}`,
    `data.aws_caller_identity` and the template's own resources). Grants to anyone are IAG-EXT-001.
    A grant to a whole other organisation is medium severity; with no `organization_id` set, a grant
    restricted to one organisation is taken to be to the deployer's own and not reported. A principal
    or limiting condition that comes from a parameter or variable without a value, or from a
    dynamic reference, is an `unresolved` error of the scan (exit 2 unless `--allow-unresolved`),
    not a finding; a value written in full that names no account is reported at low severity.
    With no zone in the settings (none of `deploy_accounts`, `trusted_accounts`,
    `organization_id`), a literal account other than the deploying account may be the user's own,
    a partner's or a stranger's: it is reported at low severity as unknown, asking for
    `trusted_accounts`; with a zone configured, an account outside it is high.
    One finding per statement, naming every party it lets in, at the severity of the worst."""
    model = ctx.model
    for policy in exposed_policies(model):
        node = policy.node
        zone = ctx.analysis.zone(node.resource.group)
        by_statement: dict[int, list] = {}
        for exposure in policy_exposures(node.document, zone, policy.service):
            party = exposure.party
            if party.status not in (OUTSIDE, UNKNOWN) or exposure.unknowns:
                continue  # a party decided at deploy time is an unresolved error, not a finding
            if party.org and not zone.organization_id:
                # no organisation configured: restricting to an organisation is the fix this tool
                # recommends, so it is taken to be the deployer's own
                continue
            by_statement.setdefault(id(exposure.statement), []).append(exposure)
        for exposures in by_statement.values():
            _report_statement(ctx, policy, exposures)


def _report_statement(ctx: CheckContext, policy: ExposedPolicy, exposures: list[Exposure]) -> None:
    """One finding for the parties outside the zone that one statement lets in."""
    node, statement = policy.node, exposures[0].statement
    parts, closings = [], []
    fix = fix_for(node.resource)
    severity = "low"
    zone = ctx.analysis.zone(node.resource.group)
    for exposure in exposures:
        party = exposure.party
        unknown_owner = zone.unknown_account(party)
        level = "low" if party.status == UNKNOWN or unknown_owner else ("medium" if party.org else "high")
        severity = max(severity, level, key=severity_rank)
        if unknown_owner:
            who, verdict = party.label, zone.configure_hint(party)
        else:
            who = party.label if party.status == OUTSIDE else f"a principal whose account is unknown ({party.label})"
            verdict = ("outside the zone of trust" if party.status == OUTSIDE
                       else "which could not be checked against the zone of trust")
        parts.append(f"{who} perform {exposure.actions_text()} on {policy.label}, {verdict}")
        closing = exposure.closing_in(fix)
        if closing not in closings:
            closings.append(closing)
    ctx.report(node.resource,
               f"{node.resource.address}: {statement.where} lets " + "; and ".join(parts)
               + f"; {FIXED_BY}" + "; or ".join(closings),
               line=node.statement_line(statement), evidence=statement_evidence(statement),
               severity=severity, key=f"{node.id}#{statement.index}")
