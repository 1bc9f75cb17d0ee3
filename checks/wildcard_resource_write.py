"""IAG-LP-005: write or permissions-management actions that support resource-level permissions
are granted on `Resource: "*"`."""

import functools

from iacguard.checks_api import (DATA_READ_ACTIONS, CheckContext, access_level, check, every_of_type, expanded_actions,
                                 glob_match,
                                 report_statement, split_plumbing, resource_scope, restrictable,
                                 statement_evidence, summarize)

# reported by their own checks (IAG-LP-006 PassRole, IAG-LP-007 data reads), never twice
_OWN_CHECK = frozenset(a.lower() for a in DATA_READ_ACTIONS + ("iam:PassRole",))
_LEVELS = ("Write", "Permissions management")


@functools.lru_cache(maxsize=1 << 15)
def _scopable_write(action: str) -> bool:
    """A write or permissions-management action, supporting resource-level permissions, that
    no other check reports. Asked for every action a wildcard expands to, in every statement:
    the answer depends on the action alone (its catalogue entry)."""
    return bool(action.lower() not in _OWN_CHECK and access_level(action) in _LEVELS and restrictable(action))
_LISTED = 200  # actions named in the evidence

BAD_CFN = """\
BuildRole:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { Service: codebuild.amazonaws.com }
          Action: sts:AssumeRole
    Policies:
      - PolicyName: publish
        PolicyDocument:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: ["s3:PutObject", "s3:DeleteObject", "ecr:PutImage"]
              Resource: "*"
"""
GOOD_CFN = """\
BuildRole:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { Service: codebuild.amazonaws.com }
          Action: sts:AssumeRole
    Policies:
      - PolicyName: publish
        PolicyDocument:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Action: ["s3:PutObject", "s3:DeleteObject"]
              Resource: !Sub "arn:${AWS::Partition}:s3:::${ArtifactBucket}/*"
            - Effect: Allow
              Action: ["s3:ListAllMyBuckets", "ecr:GetAuthorizationToken", "logs:CreateLogDelivery"]
              Resource: "*"
"""
BAD_TF = """\
resource "aws_iam_role_policy" "build" {
  role   = aws_iam_role.build.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:PutObject", "s3:DeleteObject"], Resource = "*" }]
  })
}
"""
GOOD_TF = """\
resource "aws_iam_role_policy" "build" {
  role   = aws_iam_role.build.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["s3:PutObject", "s3:DeleteObject"], Resource = "${aws_s3_bucket.artifacts.arn}/*" },
      { Effect = "Allow", Action = ["s3:ListAllMyBuckets", "ecr:GetAuthorizationToken"], Resource = "*" },
    ]
  })
}
"""


@check(
    "IAG-LP-005",
    family="least-privilege",
    severity="high",
    title="Write or permissions-management actions granted on every resource",
    why="""Actions such as `s3:PutObject`, `sqs:DeleteQueue` or `s3:PutBucketPolicy` can be limited to
named resources. Granted on `Resource: "*"`, they reach every bucket, queue or key of the
account, including ones created later for other teams, so one compromised workload can destroy
or expose everything of that kind.""",
    fix="""Put the ARNs of the resources the workload writes to in `Resource` (wildcards inside an
ARN, like `arn:aws:logs:*:*:log-group:/app/*`, are fine). Actions that only accept `*` (such as
`s3:ListAllMyBuckets` or `logs:CreateLogDelivery`) may stay on `*`: they are never reported.""",
    controls=("checkov CKV_AWS_111/290", "checkov CKV_AWS_109/289", "checkov CKV_AWS_355/356",
              "cfn_nag W11-W13"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def wildcard_resource_write(ctx: CheckContext) -> None:
    """Reports each Allow statement of an identity policy (inline, customer managed, SSO
    permission set) with an `Action` list whose Resource is `*` (or an ARN naming no service
    and no resource, or NotResource) and that grants actions of the Write or Permissions
    management access level which support resource-level permissions, listing those actions
    (wildcards expanded from the action catalogue). Actions that accept only `*` are never
    counted. High with permissions-management actions, medium with write actions only; a
    condition that narrows the grant lowers it one step and is named; an unconditional Deny of
    the same policy that leaves the action only on named resources removes it. Plumbing (what
    AWS's own service-role policies grant on `*`: log delivery, ENIs, the SSM agent ...) is left
    out of the list; a statement whose actions are all plumbing is low. In a policy held only by
    roles that one service alone can assume (trusted by `ecs.amazonaws.com` and nothing else),
    what AWS's own service-role policies grant that service on `*` (ECS attaching task ENIs and
    registering targets) is plumbing too. A Resource given
    only at deploy time (a variable, a parameter) names specific resources and is not reported.
    PassRole
    (IAG-LP-006), data reads (IAG-LP-007), NotAction (IAG-LP-003), actions of a service-wide
    wildcard of a statement on `*` (`events:*`: IAG-LP-002 reports it at high, one risk, one
    finding) and statements that
    allow everything (IAG-LP-001) are left to their own checks."""
    for node, statement in ctx.analysis.allow_statements():
        if statement.actions is None:
            continue
        scope = resource_scope(statement)
        if not scope.every and not any(isinstance(e, str) and "*" in e for e in statement.resources or ()):
            continue
        names, _ = expanded_actions(statement)
        # IAG-LP-002 reports these at high on "*"; on ARN wildcards it grades medium, so the
        # permissions-management writes among them stay here
        wildcards = ctx.analysis.service_wildcards(node, statement) if scope.every else []
        # `svc:*` (nearly every wildcard here) by its prefix: a glob per expanded action is slow
        services = tuple(w[:-1].lower() for w in wildcards if w.endswith(":*") and "*" not in w[:-1]
                         and "?" not in w)
        wildcards = [w for w in wildcards if w[:-1].lower() not in services]
        concerned = [a for a in names
                     if _scopable_write(a)
                     and not (services and a.lower().startswith(services))
                     and not any(glob_match(w, a) for w in wildcards)
                     and not ctx.analysis.denied_everywhere(node.document, a)]
        if not scope.every:  # ARN wildcards as broad as "*" for the action (arn:aws:s3:::*)
            concerned = [a for a in concerned if every_of_type(statement, a)]
        if not concerned:
            continue
        concerned, plumbing, note = split_plumbing(concerned, service=ctx.analysis.sole_service(node))
        management = [a for a in concerned if access_level(a) == "Permissions management"]
        kinds = "permissions-management and write" if management and len(management) < len(concerned) else (
            "permissions-management" if management else "write")
        listed = summarize(management + [a for a in concerned if a not in management])
        where = scope.label if scope.every else "every resource of their type (" + ", ".join(
            dict.fromkeys(e for a in concerned for e in every_of_type(statement, a))) + ")"
        severity = "low" if note else "high" if management else "medium"
        evidence = {"statement": statement_evidence(statement), "actions": concerned[:_LISTED]}
        if len(concerned) > _LISTED:  # said, so that nothing reads the list as whole
            evidence["actions_not_listed"] = len(concerned) - _LISTED
        if plumbing:
            evidence["plumbing"] = plumbing[:200]
        report_statement(ctx, node, statement,
                         f"grants {len(concerned)} {kinds} action{'s' if len(concerned) != 1 else ''} that can "
                         f"be scoped to resources on {where}: {listed}{note}", severity, evidence)
