"""IAG-EXT-006: a Lambda permission lets an AWS service invoke the function for any account."""

from iacguard.checks_api import (ANYONE, DEPLOYING_ACCOUNT, FIXED_BY, FUNCTION_PERMISSION_TYPES, OUTSIDE,
                                 SERVICE_SOURCE_KEYS, UNKNOWN, CheckContext, check, condition_effect, fix_for,
                                 service_source_unknowns, statement_evidence)

BAD_CFN = """\
FromUploads:
  Type: AWS::Lambda::Permission
  Properties:
    FunctionName: !Ref Resize
    Action: lambda:InvokeFunction
    Principal: s3.amazonaws.com
"""
GOOD_CFN = """\
FromUploads:
  Type: AWS::Lambda::Permission
  Properties:
    FunctionName: !Ref Resize
    Action: lambda:InvokeFunction
    Principal: s3.amazonaws.com
    SourceArn: !GetAtt Uploads.Arn
    SourceAccount: !Ref AWS::AccountId
"""
BAD_TF = """\
resource "aws_lambda_permission" "from_events" {
  function_name = aws_lambda_function.handler.function_name
  action        = "lambda:InvokeFunction"
  principal     = "events.amazonaws.com"
}
"""
GOOD_TF = """\
resource "aws_lambda_permission" "from_events" {
  function_name = aws_lambda_function.handler.function_name
  action        = "lambda:InvokeFunction"
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.nightly.arn
}
"""
_SOURCE_KEYS = SERVICE_SOURCE_KEYS
_PERMISSION_TYPES = FUNCTION_PERMISSION_TYPES


@check(
    "IAG-EXT-006",
    family="external-access",
    severity="high",
    title="Lambda permission for an AWS service without a source restriction",
    why="""A permission that lets a service principal (`s3.amazonaws.com`, `events.amazonaws.com`,
`sns.amazonaws.com` ...) invoke a function, without `SourceArn` or `SourceAccount`, lets that
service invoke it on behalf of a bucket, rule or topic in any AWS account: the confused-deputy
problem. Anyone can point their own resource at your function.""",
    fix={"cloudformation": """Add `SourceArn` (the bucket, rule, topic or API that should invoke the
function) and, for S3 whose ARNs carry no account, `SourceAccount: !Ref AWS::AccountId`.""",
         "terraform": """Add `source_arn` (the bucket, rule, topic or API that should invoke the
function) and, for S3 whose ARNs carry no account,
`source_account = data.aws_caller_identity.current.account_id`."""},
    controls=("CT.LAMBDA.PR.2", "Security Hub Lambda.1"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def lambda_service_permission(ctx: CheckContext) -> None:
    """Reports every `aws_lambda_permission` / `AWS::Lambda::Permission` whose principal is an AWS
    service and that has no SourceArn/SourceAccount (nor source organisation) restricting which
    resources the service acts for, or whose source is in an account outside the zone of trust.
    A wildcard-only source (`arn:aws:s3:::*`, `*`) restricts nothing. A permission restricted to
    an organisation (`principal_org_id`) never matches a service principal and is left alone.
    A source that alone decides and comes from a parameter or variable without a value is an
    `unresolved` error of the scan; other sources not known before deploy are reported at low
    severity. A source in a literal other account when no zone of trust is configured (no
    `deploy_accounts`, `trusted_accounts` or `organization_id`) is reported at low severity as
    unknown, asking for `trusted_accounts`. Public (`*`) and account principals are
    IAG-EXT-001/IAG-EXT-002."""
    model = ctx.model
    for policy in model.resource_policies:
        node = policy.node
        if node.resource.type not in _PERMISSION_TYPES or node.document is None:
            continue
        zone = ctx.analysis.zone(node.resource.group)
        for statement in node.document.statements:
            services = [p for p in statement.principals or () if p.is_service]
            if not statement.is_allow or not services:
                continue
            if any(c.key_lc == "aws:principalorgid" and not c.negated and not c.if_exists
                   for c in statement.conditions):
                continue  # a service principal belongs to no organisation: this grants nothing
            effects = [condition_effect(c, zone) for c in statement.conditions if c.key_lc in _SOURCE_KEYS]
            fix = fix_for(node.resource)
            credited = [e for e in effects if e is not None and e.credited]
            service = ", ".join(str(p.value) for p in services)
            function = policy.target.address if policy.target is not None else \
                f"function {', '.join(str(r) for r in statement.resources or ()) or '(unknown)'}"
            if not credited:
                weak = [e.reason for e in effects if e is not None and e.reason]
                detail = f" ({'; '.join(weak)})" if weak else ""
                ctx.report(node.resource,
                           f"{node.resource.address}: lets {service} invoke {function} on behalf of resources in any "
                           f"account: no {fix.pick('SourceArn', 'source_arn')} or "
                           f"{fix.pick('SourceAccount', 'source_account')}{detail}; {FIXED_BY}"
                           f"{fix.pick('SourceArn', 'source_arn')} of the invoking resource and "
                           + fix.setting("SourceAccount", "source_account", DEPLOYING_ACCOUNT),
                           line=node.statement_line(statement),
                           evidence=statement_evidence(statement), key=f"{node.id}#source")
                continue
            if any(e.closes for e in credited):
                continue
            outside = [p for e in credited for p in e.parties if p.status in (OUTSIDE, ANYONE)]
            if outside and all(zone.unknown_account(p) for p in outside):
                ctx.report(node.resource,
                           f"{node.resource.address}: lets {service} invoke {function} on behalf of "
                           f"{outside[0].label}, {zone.configure_hint(outside[0])}", severity="low",
                           line=node.statement_line(statement), evidence=statement_evidence(statement),
                           key=f"{node.id}#outside")
            elif outside:
                ctx.report(node.resource,
                           f"{node.resource.address}: lets {service} invoke {function} on behalf of {outside[0].label}, "
                           f"outside the zone of trust; {FIXED_BY}a "
                           f"{fix.pick('SourceArn', 'source_arn')}/{fix.pick('SourceAccount', 'source_account')} "
                           "of your own",
                           line=node.statement_line(statement), evidence=statement_evidence(statement),
                           key=f"{node.id}#outside")
            else:
                unknown = [p for e in credited for p in e.parties if p.status == UNKNOWN]
                if unknown and not service_source_unknowns(statement, zone):  # else an unresolved error
                    ctx.report(node.resource,
                               f"{node.resource.address}: lets {service} invoke {function} on behalf of a source that "
                               f"could not be checked ({unknown[0].label})", severity="low",
                               line=node.statement_line(statement), key=f"{node.id}#unknown")
