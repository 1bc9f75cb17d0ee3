"""IAG-PE-002: a principal can become an administrator through other principals."""

from iacguard.checks_api import CheckContext, Hop, check

BAD_CFN = """\
Admin:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
          Action: sts:AssumeRole
    ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
Developer:
  Type: AWS::IAM::User
  Properties:
    Policies:
      - PolicyName: assume
        PolicyDocument:
          Statement:
            - Effect: Allow
              Action: sts:AssumeRole
              Resource: "*"
"""
GOOD_CFN = """\
Admin:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal: { AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root" }
          Action: sts:AssumeRole
    ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
Developer:
  Type: AWS::IAM::User
  Properties:
    Policies:
      - PolicyName: assume
        PolicyDocument:
          Statement:
            - Effect: Allow
              Action: sts:AssumeRole
              Resource: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/read-only-*"
"""
BAD_TF = """\
resource "aws_iam_role" "admin" {
  name                = "admin"
  assume_role_policy  = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] })
  managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}

resource "aws_iam_user_policy" "deployer" {
  user = aws_iam_user.deployer.name
  policy = jsonencode({ Statement = [
    { Effect = "Allow", Action = "iam:PassRole", Resource = aws_iam_role.admin.arn },
    { Effect = "Allow", Action = ["lambda:CreateFunction", "lambda:InvokeFunction"], Resource = "*" },
  ] })
}

resource "aws_iam_user" "deployer" {
  name = "deployer"
}
"""
GOOD_TF = """\
resource "aws_iam_role" "admin" {
  name                = "admin"
  assume_role_policy  = jsonencode({ Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] })
  managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}

# Lambda cannot assume the admin role, so passing it to a function gives nothing.
resource "aws_iam_user_policy" "deployer" {
  user = aws_iam_user.deployer.name
  policy = jsonencode({ Statement = [
    { Effect = "Allow", Action = "iam:PassRole", Resource = aws_iam_role.admin.arn },
    { Effect = "Allow", Action = ["lambda:CreateFunction", "lambda:InvokeFunction"], Resource = "*" },
  ] })
}

resource "aws_iam_user" "deployer" {
  name = "deployer"
}
"""


@check(
    "IAG-PE-002",
    family="privilege-escalation",
    severity="critical",
    title="Principal can become an administrator through another principal",
    why="""A principal that is not an administrator itself can still reach administrator access
through others: assume a role that trusts it, pass an administrator role to a service that runs
its code, create an access key or console password for an administrator user, rewrite an
administrator role's trust policy, or join an administrator group. Reviews of each policy alone
miss these chains.""",
    fix="""Break the chain at its first hop: narrow the trust policy of the administrator role to
the people who need it (with MFA), scope `sts:AssumeRole`, `iam:PassRole`, `iam:CreateAccessKey`,
`iam:UpdateAssumeRolePolicy` and `iam:AddUserToGroup` to the principals that are meant to be
used, and give workload roles only the permissions their code needs.""",
    controls=("AWS Well-Architected SEC03-BP02",),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def privilege_escalation_path(ctx: CheckContext) -> None:
    """For every user, role, and group without members in the scan that is not an administrator:
    each administrator it can reach through the escalation graph, by the shortest path. An edge
    exists when the source can assume a role (the trust policy names it, or names its account or
    anyone and the source may call `sts:AssumeRole` on the role), pass a role to a service that
    may assume it (a whole PassRole method), create an access key or login profile for a user,
    rewrite a role's trust policy, or add itself to a group. An administrator is a principal with
    every action on every resource, or one that can change its own permissions; a principal the
    source can both reach and change counts too. One finding per source: its `path` is the shortest
    path (one without conditions when there is one), with each hop and the permission that makes
    it; the other administrators it can reach are named, and every path is in the evidence. When
    every path has a hop that holds only under a condition, the severity is high and that is said."""
    analysis = ctx.analysis.escalation
    for source in analysis.subjects():
        if analysis.is_admin(source):
            continue
        paths = analysis.paths_to_admin(source)
        if not paths:
            continue
        # the shortest unconditional path leads; paths_to_admin gives shortest first per target
        ordered = sorted(paths, key=lambda hops: (any(h.conditional for h in hops), len(hops)))
        lead = ordered[0]
        conditional = any(hop.conditional for hop in lead)
        path: list[dict[str, str | bool]] = [{"node": source.id, "label": source.label}]
        for hop in lead:
            step: dict[str, str | bool] = {"node": hop.target.id, "label": hop.target.label, "edge": hop.kind, "via": hop.via}
            if hop.conditional:
                step["conditional"] = True
            path.append(step)
        message = (f"{source.label} can become the administrator {lead[-1].target.label}: "
                   f"{source.label} -> {_chain(lead)}")
        if conditional:
            message += " (a hop holds only under the conditions of its policy)"
        others = list(dict.fromkeys(hops[-1].target.label for hops in ordered[1:]
                                    if hops[-1].target is not lead[-1].target))
        if others:
            shown = ", ".join(others[:_OTHERS_SHOWN]) + (f" and {len(others) - _OTHERS_SHOWN} more"
                                                         if len(others) > _OTHERS_SHOWN else "")
            message += f"; also the administrator{'s' if len(others) > 1 else ''} {shown}"
        evidence = {"paths": [f"{source.label} -> {_chain(hops)}" for hops in ordered]}
        ctx.report(source.resource, message, path=path, evidence=evidence,
                   severity="high" if conditional else None, key=source.id)


_OTHERS_SHOWN = 5


def _chain(hops: list[Hop]) -> str:
    return " -> ".join(f"{hop.target.label} [{hop.via}]" for hop in hops)
