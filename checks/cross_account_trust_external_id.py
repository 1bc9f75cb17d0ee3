"""IAG-EXT-007: a role trusts another account without requiring sts:ExternalId."""

from iacguard.checks_api import (FIXED_BY, OUTSIDE, CheckContext, Statement, Zone, check, fix_for, policy_exposures,
                                 requires_external_id, statement_evidence)

BAD_CFN = """\
VendorRole:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { AWS: arn:aws:iam::444455556666:root }
          Action: sts:AssumeRole
"""
GOOD_CFN = """\
VendorRole:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { AWS: arn:aws:iam::444455556666:root }
          Action: sts:AssumeRole
          Condition:
            StringEquals: { sts:ExternalId: 7f3c2a91-acme-vendor }
"""
BAD_TF = """\
resource "aws_iam_role" "vendor" {
  name = "vendor"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = { AWS = "arn:aws:iam::444455556666:role/scanner" } }]
  })
}
"""
GOOD_TF = """\
resource "aws_iam_role" "vendor" {
  name = "vendor"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
                   Principal = { AWS = "arn:aws:iam::444455556666:role/scanner" },
                   Condition = { StringEquals = { "sts:ExternalId" = "7f3c2a91-acme-vendor" } } }]
  })
}
"""


@check(
    "IAG-EXT-007",
    family="external-access",
    severity="medium",
    title="Cross-account role trust without sts:ExternalId",
    why="""A role that another company's account may assume, with no `sts:ExternalId` condition,
is open to the confused-deputy problem: any other customer of that vendor can ask the vendor to
act on "their" role ARN -- yours -- and the vendor's account will be allowed in.""",
    fix={"cloudformation": """Add
`Condition: {StringEquals: {"sts:ExternalId": <secret id the vendor gave you>}}` to the trust
statement. For people of your own other accounts, require MFA
(`Condition: {Bool: {"aws:MultiFactorAuthPresent": "true"}}`) or list those accounts in
`deploy_accounts`.""",
         "terraform": """Add
a `condition` block with `test = "StringEquals"`, `variable = "sts:ExternalId"` and
`values = ["<secret id the vendor gave you>"]` to the trust statement (`Condition = { StringEquals = { "sts:ExternalId" = ... } }` in a
`jsonencode` policy). For people of your own other accounts, require MFA
(a `condition` block with `test = "Bool"`, `variable = "aws:MultiFactorAuthPresent"` and
`values = ["true"]`) or
list those accounts in `deploy_accounts`."""},
    controls=("IAM best practice: external ID for third parties", "CIS AWS 1.20"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def cross_account_trust_external_id(ctx: CheckContext) -> None:
    """For every role trust statement that lets an account other than the deploying accounts
    (`deploy_accounts`, `${AWS::AccountId}`, `data.aws_caller_identity`) -- including partners in
    `trusted_accounts`, which are exactly the third parties an external id is for -- call
    sts:AssumeRole: reports it unless the statement requires `sts:ExternalId` (a positive String
    operator, no IfExists, a value that is not only wildcards) or MFA (`aws:MultiFactorAuthPresent`
    true). With no zone of trust in the settings (no `deploy_accounts`, `trusted_accounts` or
    `organization_id`) the account may be the user's own, which needs no external id: the finding
    is low and asks for `trusted_accounts`. Public trust is IAG-EXT-001; unresolvable accounts
    are reported by IAG-EXT-002."""
    model = ctx.model
    for principal in model.principals.values():
        node = principal.trust
        if node is None or node.document is None:
            continue
        full = ctx.analysis.zone(node.resource.group)
        own = Zone(full.deploy_accounts, frozenset(), full.organization_id)
        for exposure in policy_exposures(node.document, own, "trust"):
            party, statement = exposure.party, exposure.statement
            if party.status != OUTSIDE or party.account is None or "sts:AssumeRole" not in exposure.actions:
                continue
            if requires_external_id(statement) or _requires_mfa(statement):
                continue
            partner = " (a trusted partner)" if party.account in full.trusted_accounts else ""
            # without a zone the account may be the user's own, which needs no external id
            unknown = f", {full.configure_hint(party)}" if not full.configured else ""
            ctx.report(node.resource,
                       f"{node.resource.address}: {statement.where} lets {party.label}{partner} assume role "
                       f"{principal.address} with no sts:ExternalId condition{unknown}; {FIXED_BY}"
                       + fix_for(node.resource).condition("StringEquals", "sts:ExternalId",
                                                          "<id agreed with the account owner>"),
                       line=node.statement_line(statement), evidence=statement_evidence(statement),
                       severity="low" if unknown else None, key=f"{node.id}#{statement.index}#{party.account}")


def _requires_mfa(statement: Statement) -> bool:
    return any(c.key_lc == "aws:multifactorauthpresent" and c.base == "Bool" and not c.if_exists
               and c.values and all(str(v).lower() == "true" for v in c.values) for c in statement.conditions)
