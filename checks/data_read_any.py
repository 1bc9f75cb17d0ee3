"""IAG-LP-007: data-access reads (objects, secrets, parameters, KMS decryption) on every
resource."""

from iacguard.checks_api import (DATA_READ_ACTIONS, CheckContext, PolicyNode, check, every_of_type, report_statement,
                                 resource_scope, statement_evidence)

# Reads of objects: every object of the account is a lot, but not a secret by itself. Every other
# read of DATA_READ_ACTIONS hands out secrets (secret values, parameters, decrypted data).
_OBJECT_READS = frozenset(("s3:GetObject", "s3:GetObjectVersion"))

BAD_CFN = """\
AppRole:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { Service: lambda.amazonaws.com }
          Action: sts:AssumeRole
    Policies:
      - PolicyName: config
        PolicyDocument:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: ["secretsmanager:GetSecretValue", "kms:Decrypt"]
              Resource: "*"
"""
GOOD_CFN = """\
AppRole:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { Service: lambda.amazonaws.com }
          Action: sts:AssumeRole
    Policies:
      - PolicyName: config
        PolicyDocument:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: secretsmanager:GetSecretValue
              Resource: !Ref AppSecret
            - Effect: Allow
              Action: kms:Decrypt
              Resource: !GetAtt AppKey.Arn
AppSecret:
  Type: AWS::SecretsManager::Secret
AppKey:
  Type: AWS::KMS::Key
"""
BAD_TF = """\
resource "aws_iam_role_policy" "app" {
  role   = aws_iam_role.app.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["ssm:GetParameter*", "s3:GetObject"], Resource = "*" }]
  })
}
"""
GOOD_TF = """\
resource "aws_iam_role_policy" "app" {
  role   = aws_iam_role.app.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["ssm:GetParameter*"]
      Resource = "arn:aws:ssm:eu-west-1:111122223333:parameter/app/*"
    }]
  })
}
"""


@check(
    "IAG-LP-007",
    family="least-privilege",
    severity="high",
    title="Data reads (objects, secrets, parameters, KMS decryption) on every resource",
    why="""`s3:GetObject`, `secretsmanager:GetSecretValue`, `ssm:GetParameter*`, `kms:Decrypt` and
`kms:ReEncryptFrom` hand out the data itself. On `Resource: "*"` a single compromised workload can
read every object, secret and parameter of the account, and decrypt everything encrypted with
any key whose key policy defers to IAM.""",
    fix="""Scope `Resource` to the buckets, secrets, parameters (`parameter/app/*`) and keys the
workload reads. For KMS, name the key ARNs or add a `kms:ViaService` / `kms:EncryptionContext:*`
condition.""",
    controls=("Security Hub KMS.1", "Security Hub KMS.2", "checkov CKV_AWS_108/288"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def data_read_any(ctx: CheckContext) -> None:
    """Reports each Allow statement of an identity policy (inline, customer managed, SSO
    permission set) that allows, on every resource (`*`, or NotResource), any of
    `s3:GetObject`, `s3:GetObjectVersion`, `secretsmanager:GetSecretValue`,
    `ssm:GetParameter`/`GetParameters`/`GetParametersByPath`/`GetParameterHistory`,
    `kms:Decrypt` or `kms:ReEncryptFrom` (also when granted by wildcard or NotAction), listing
    them. High for secrets (`secretsmanager:GetSecretValue`, `ssm:GetParameter*`, `kms:Decrypt`,
    `kms:ReEncryptFrom`) and for object reads held by a role that callers outside the zone of
    trust may assume (named in the message; another literal account counts once a zone of trust
    is configured, before that it may be the user's own); object reads alone held inside the account are
    medium. A condition that narrows the grant (`kms:ViaService`, resource tags, source VPC ...)
    lowers the severity one step and is named; an unconditional Deny in the same policy that
    leaves the action only on named resources removes it. A Resource given only at deploy
    time (a variable, a parameter) names specific resources and is not reported. Statements that allow everything are
    IAG-LP-001's."""
    for node, statement in ctx.analysis.allow_statements():
        reads = [a for a in DATA_READ_ACTIONS
                 if statement.action_match(a) is True and not ctx.analysis.denied_everywhere(node.document, a)]
        if not reads:
            continue
        scope = resource_scope(statement)
        if scope.every:
            where = scope.label
        else:  # ARN wildcards as broad as "*" for the action (arn:aws:s3:::*/*)
            reads = [a for a in reads if every_of_type(statement, a)]
            if not reads:
                continue
            where = f"every resource of their type ({', '.join(dict.fromkeys(e for a in reads for e in every_of_type(statement, a)))})"
        outside = _outside_holders(ctx, node)
        if any(a not in _OBJECT_READS for a in reads):
            severity, why = "high", ""
        elif outside:
            severity, why = "high", f"; the holder can be assumed from outside the account ({outside})"
        else:
            severity, why = "medium", ""
        evidence = {"statement": statement_evidence(statement), "actions": reads}
        if outside:
            evidence["outside_callers"] = outside
        report_statement(ctx, node, statement, f"allows reading data with {', '.join(reads)} on {where}{why}",
                         severity, evidence)


def _outside_holders(ctx: CheckContext, node: PolicyNode) -> str:
    """``role x by account 444455556666`` for each holder of the policy that callers outside the
    zone of trust may assume; empty when every holder stays inside it."""
    principals = ctx.analysis.principals_by_id
    parts = []
    for principal_id in node.attached_to:
        principal = principals.get(principal_id)
        callers = ctx.analysis.outside_callers(principal) if principal is not None else ()
        if principal is not None and callers:
            parts.append(f"{principal.label} by {', '.join(callers)}")
    return "; ".join(sorted(parts))
