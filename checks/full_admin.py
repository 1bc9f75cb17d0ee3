"""IAG-LP-001: an identity policy allows every action on every resource."""

from iacguard.checks_api import (CheckContext, check, describe_conditions, statement_allows_everything,
                                 statement_evidence)

BAD_CFN = """\
AdminPolicy:
  Type: AWS::IAM::ManagedPolicy
  Properties:
    PolicyDocument:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: "*"
          Resource: "*"
"""
GOOD_CFN = """\
ReadReports:
  Type: AWS::IAM::ManagedPolicy
  Properties:
    PolicyDocument:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Action: ["s3:GetObject"]
          Resource: !Sub "arn:${AWS::Partition}:s3:::${ReportsBucket}/*"
"""
BAD_TF = """\
resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.app.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
"""
GOOD_TF = """\
resource "aws_iam_role_policy" "app" {
  role   = aws_iam_role.app.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "${aws_s3_bucket.reports.arn}/*" }]
  })
}
"""


@check(
    "IAG-LP-001",
    family="least-privilege",
    severity="critical",
    title="Identity policy grants full administrator access",
    why="""A statement that allows `*` on `*` gives its holder every permission in the account,
including the power to change its own permissions, delete logs and read every secret. Any
compromise of the principal (a leaked key, a vulnerable workload) becomes a compromise of the
whole account.""",
    fix="""Grant only the actions and resources the workload needs. Replace `Action: "*"` with the
specific actions, scope `Resource` to the ARNs it uses, and remove AdministratorAccess
attachments from workload roles. Keep break-glass administrator access in a separate role
assumed with MFA.""",
    controls=("Security Hub IAM.1", "CT.IAM.PR.1", "CT.IAM.PR.2", "CIS AWS 1.16"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def full_admin(ctx: CheckContext) -> None:
    """Reports every identity policy (inline, customer managed, SSO permission set) with an Allow
    statement whose Action matches every action and whose Resource is `*`, and every attachment
    of an AWS managed policy that grants the same (AdministratorAccess) to a principal or an
    SSO permission set. A condition on the
    statement lowers the severity to high and is named in the message; it does not silence it. A
    policy attached only to principals whose policies deny every action grants nothing yet: medium,
    and the message says so."""
    model = ctx.model
    for node in model.identity_policies():
        if node.kind == "aws-managed" or node.document is None:
            continue
        for statement in node.document.statements:
            if not statement_allows_everything(statement):
                continue
            where = ctx.analysis.holders(node)
            conditions = describe_conditions(statement)
            message = (f"{node.resource.address}: statement {statement.sid or statement.index + 1} allows every "
                       f"action on every resource{where}")
            if conditions:
                message += f", only when {conditions}"
            severity = "high" if conditions else None
            if ctx.analysis.granted_to_nobody(node):
                severity = "medium"  # every holder denies everything: dangerous once attached elsewhere
            ctx.report(node.resource, message, line=node.statement_line(statement),
                       severity=severity, evidence=statement_evidence(statement),
                       key=f"{node.id}#{statement.index}")
    for principal in model.all_principals():
        for node, via in principal.attachments:
            if node.kind != "aws-managed" or node.document is None:
                continue
            if any(statement_allows_everything(st) and st.is_allow for st in node.document.statements):
                ctx.report(via, f"{via.address}: attaches the AWS managed policy {node.name} to "
                                f"{principal.label}, which allows every action on every resource",
                           evidence={"policy_arn": str(node.arn)}, key=f"{principal.id}<-{node.name}")
    for node, via in model.permission_set_attachments:
        if node.kind != "aws-managed" or node.document is None:
            continue
        if any(statement_allows_everything(st) and st.is_allow for st in node.document.statements):
            ctx.report(via, f"{via.address}: attaches the AWS managed policy {node.name} to an IAM Identity "
                            "Center permission set, which allows every action on every resource in every "
                            "account it is assigned to",
                       evidence={"policy_arn": str(node.arn)}, key=f"permission-set<-{node.name}")
