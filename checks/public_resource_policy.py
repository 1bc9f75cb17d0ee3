"""IAG-EXT-001: a resource or trust policy lets anyone in, with no restricting condition."""

from iacguard.checks_api import check, closing_deny_conditions, restricting_conditions, statement_evidence

BAD_CFN = """\
ReportsBucketPolicy:
  Type: AWS::S3::BucketPolicy
  Properties:
    Bucket: !Ref ReportsBucket
    PolicyDocument:
      Statement:
        - Effect: Allow
          Principal: "*"
          Action: s3:GetObject
          Resource: !Sub "${ReportsBucket.Arn}/*"
"""
GOOD_CFN = """\
ReportsBucketPolicy:
  Type: AWS::S3::BucketPolicy
  Properties:
    Bucket: !Ref ReportsBucket
    PolicyDocument:
      Statement:
        - Effect: Allow
          Principal: "*"
          Action: s3:GetObject
          Resource: !Sub "${ReportsBucket.Arn}/*"
          Condition:
            StringEquals:
              aws:PrincipalOrgID: o-a1b2c3d4e5
"""
BAD_TF = """\
resource "aws_sqs_queue_policy" "jobs" {
  queue_url = aws_sqs_queue.jobs.id
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage", Resource = aws_sqs_queue.jobs.arn }]
  })
}
"""
GOOD_TF = """\
resource "aws_sqs_queue_policy" "jobs" {
  queue_url = aws_sqs_queue.jobs.id
  policy = jsonencode({
    Statement = [{
      Effect = "Allow", Principal = { Service = "sns.amazonaws.com" }, Action = "sqs:SendMessage",
      Resource = aws_sqs_queue.jobs.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.events.arn } }
    }]
  })
}
"""


@check(
    "IAG-EXT-001",
    family="external-access",
    severity="critical",
    title="Resource policy grants access to anyone",
    why="""A resource policy (bucket, key, queue, topic, function, secret, role trust ...) whose
Allow statement names the principal `*` — or uses NotPrincipal — with no condition that ties the
caller to your organisation, account, source or network endpoint lets anyone on the internet,
signed in to any AWS account or not, perform the allowed actions.""",
    fix="""Name the accounts or roles that need access in `Principal`, or keep `*` and add a
condition such as `aws:PrincipalOrgID`, `aws:SourceArn`/`aws:SourceAccount` (for services) or
`aws:SourceVpce`. `aws:SourceIp` alone does not identify the caller.""",
    controls=("Security Hub S3.2", "Security Hub S3.3", "Security Hub KMS.5", "Security Hub Lambda.1",
              "Security Hub SNS.4", "Security Hub SQS.3", "CT.LAMBDA.PR.2", "CT.LAMBDA.PR.4"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def public_resource_policy(ctx):
    """For every resource policy and role trust policy: an Allow statement whose Principal is
    `*` (or `{"AWS": "*"}`), or that uses NotPrincipal, and that has no condition restricting the
    caller, unless a Deny statement of the same policy denies the same actions to everyone
    outside a named organisation, account or endpoint."""
    model = ctx.model
    policies = [(rp.node, (rp.target or rp.node.resource).address) for rp in model.resource_policies]
    policies += [(p.trust, f"role {p.address} (trust policy)") for p in model.principals.values()
                 if p.trust is not None]
    for node, target in policies:
        if node.document is None:
            continue
        closing = [st for st in node.document.statements
                   if st.is_deny and _denies_everyone(st) and closing_deny_conditions(st)]
        for statement in node.document.statements:
            if not statement.is_allow:
                continue
            anyone = statement.not_principals is not None or any(
                p.is_anyone for p in (statement.principals or ()))
            if not anyone or restricting_conditions(statement):
                continue
            if closing and all(_covered(statement, deny) for deny in closing[:1]):
                continue
            actions = ", ".join(str(a) for a in (statement.actions or ())) or (
                "every action except " + ", ".join(str(a) for a in statement.not_actions or ()))
            who = "everyone except the NotPrincipal list" if statement.not_principals is not None else "anyone (*)"
            ctx.report(node.resource,
                       f"{node.resource.address}: statement {statement.sid or statement.index + 1} allows {who} "
                       f"to perform {actions} on {target} with no condition restricting the caller "
                       f"(add aws:PrincipalOrgID, aws:SourceArn/aws:SourceAccount or aws:SourceVpce)",
                       line=node.statement_line(statement), evidence=statement_evidence(statement),
                       key=f"{node.id}#{statement.index}")


def _denies_everyone(statement):
    return any(p.is_anyone for p in (statement.principals or ()))


def _covered(allow, deny):
    """Every action of the Allow is denied by the Deny (checked by name, wildcards included)."""
    if allow.actions is None:
        return deny.actions is not None and any(str(a) == "*" for a in deny.actions)
    return all(deny.action_match(str(action)) is True or str(action) == "*" and
               any(str(a) == "*" for a in (deny.actions or ())) for action in allow.actions)
