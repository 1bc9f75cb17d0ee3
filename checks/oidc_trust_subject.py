"""IAG-EXT-008: a role trusts an OIDC provider without restricting the token subject."""

import re
from typing import Any

from iacguard.checks_api import (FIXED_BY, CheckContext, IamModel, Resource, Statement, Unknown, check, fix_for,
                                 identity_provider, statement_evidence)

BAD_CFN = """\
DeployRole:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal:
            Federated: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com"
          Action: sts:AssumeRoleWithWebIdentity
          Condition:
            StringEquals: { "token.actions.githubusercontent.com:aud": sts.amazonaws.com }
"""
GOOD_CFN = """\
DeployRole:
  Type: AWS::IAM::Role
  Properties:
    AssumeRolePolicyDocument:
      Statement:
        - Effect: Allow
          Principal:
            Federated: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com"
          Action: sts:AssumeRoleWithWebIdentity
          Condition:
            StringEquals: { "token.actions.githubusercontent.com:aud": sts.amazonaws.com }
            StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/infra:ref:refs/heads/main" }
"""
BAD_TF = """\
resource "aws_iam_role" "deploy" {
  name = "deploy"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" }
      Condition = { StringLike = { "token.actions.githubusercontent.com:sub" = "repo:*" } }
    }]
  })
}
"""
GOOD_TF = """\
resource "aws_iam_role" "deploy" {
  name = "deploy"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" }
      Condition = { StringLike = { "token.actions.githubusercontent.com:sub" = "repo:acme/infra:*" } }
    }]
  })
}
"""
GITHUB = "token.actions.githubusercontent.com"
# identity pools: the audience (pool id) is what ties the token to your pool
_AUDIENCE_PROVIDERS = ("cognito-identity.amazonaws.com",)
_GITHUB_SUBJECT = re.compile(r"repo:[^/*?]+/")


@check(
    "IAG-EXT-008",
    family="external-access",
    severity="high",
    title="OIDC role trust without a subject restriction",
    why="""An identity provider such as GitHub Actions issues tokens to everyone who uses it. A
role that trusts the provider without a condition on the token's `sub` claim -- or with a
wildcard that spans owners, such as `repo:*` -- can be assumed from any repository or workload of
any customer of that provider: for GitHub, any public repository on github.com.""",
    fix="""Add `StringEquals`/`StringLike` on `<provider>:sub` naming your own subjects, e.g.
`repo:acme/infra:ref:refs/heads/main` or `repo:acme/infra:environment:prod` for GitHub,
`system:serviceaccount:<namespace>:<name>` for EKS; for Cognito identity pools,
`cognito-identity.amazonaws.com:aud` with the pool id.""",
    controls=("AWS IAM guidance: OIDC trust conditions", "GitHub OIDC hardening"),
    bad={"cloudformation": BAD_CFN, "terraform": BAD_TF},
    good={"cloudformation": GOOD_CFN, "terraform": GOOD_TF},
)
def oidc_trust_subject(ctx: CheckContext) -> None:
    """For every role trust Allow statement whose Principal is a Federated OIDC provider (an
    `oidc-provider/` ARN, a provider resource of the scan, or a public provider such as
    `cognito-identity.amazonaws.com`) and whose actions include sts:AssumeRoleWithWebIdentity:
    reports it when no condition on `<provider>:sub` (`:aud` for Cognito) restricts the subject
    with a positive String operator without IfExists, or when a value starts with a wildcard; for
    GitHub Actions (critical severity) the value must name a literal owner (`repo:<owner>/...`).
    A provider that could not be resolved is matched against any `...:sub` key."""
    model = ctx.model
    for principal in model.principals.values():
        node = principal.trust
        if node is None or node.document is None:
            continue
        for statement in node.document.statements:
            if not statement.is_allow or statement.action_match("sts:AssumeRoleWithWebIdentity") is not True:
                continue
            for entry in statement.principals or ():
                if entry.kind != "Federated":
                    continue
                host = _provider_host(model, node.resource, entry.value)
                if host == "":
                    continue  # a SAML provider: not a web identity
                problem = _subject_problem(statement, host)
                if problem is None:
                    continue
                github = host == GITHUB
                name = host or f"provider {entry.value}"
                claim = "aud" if host in _AUDIENCE_PROVIDERS else "sub"
                ctx.report(node.resource,
                           f"{node.resource.address}: {statement.where} lets {'any GitHub repository' if github else 'any identity of ' + name} "
                           f"assume role {principal.address} (sts:AssumeRoleWithWebIdentity): {problem}; {FIXED_BY}"
                           + fix_for(node.resource).condition(
                               "StringLike" if github else "StringEquals", f"{host or '<provider>'}:{claim}",
                               "repo:<owner>/<repo>:*" if github else f"<your own {claim} values>"),
                           line=node.statement_line(statement), evidence=statement_evidence(statement),
                           severity="critical" if github else None, key=f"{node.id}#{statement.index}#{host}")


def _provider_host(model: IamModel, resource: Resource, value: Any) -> str | None:
    """The provider's host (``token.actions.githubusercontent.com``); "" for SAML; None when it
    cannot be resolved."""
    if isinstance(value, Unknown):
        for target in model.referenced(resource, value):
            provider = identity_provider(target)
            if provider and provider.protocol == "oidc" and isinstance(provider.url, str) \
                    and not isinstance(provider.url, Unknown):
                return provider.url.split("://", 1)[-1].rstrip("/")
            if provider and provider.protocol == "saml":
                return ""
        text = value.text
    else:
        text = str(value)
    if ":saml-provider/" in text:
        return ""
    if ":oidc-provider/" in text:
        host = text.split(":oidc-provider/", 1)[1]
        return None if "${" in host else host
    if "${" in text or text.startswith("arn:"):
        return None
    return text.strip()


def _subject_problem(statement: Statement, host: str | None) -> str | None:
    claim = "aud" if host in _AUDIENCE_PROVIDERS else "sub"
    wanted = f"{host}:{claim}".lower() if host else None
    # a key written around a value known only at apply (`${provider path}:sub`) is that claim
    # of the provider the statement trusts
    found = [c for c in statement.conditions
             if ((c.key_lc == wanted or ("${" in c.key_lc and c.key_lc.endswith(f":{claim}")))
                 if wanted else c.key_lc.endswith(":sub"))]
    credited = [c for c in found if not c.negated and not c.if_exists and c.set_op != "ForAllValues"
                and c.base in ("StringEquals", "StringLike", "StringEqualsIgnoreCase") and c.values]
    if not credited:
        if found:
            return f"the {claim} condition ({found[0].operator}) does not restrict who presents the token"
        return f"no condition on the token's {claim} claim"
    for condition in credited:
        wildcards = condition.base == "StringLike"
        bad = [v for v in condition.values if isinstance(v, str) and not isinstance(v, Unknown)
               and _too_wide(v, host == GITHUB, wildcards)]
        if not bad:
            return None  # one well-formed restriction is enough (conditions are ANDed)
    return f"{claim} {', '.join(repr(v) for v in bad)} matches subjects of other owners"


def _too_wide(value: str, github: bool, wildcards: bool) -> bool:
    if not wildcards:
        return False  # matched literally
    if value[:1] in ("*", "?"):
        return True
    if github and any(c in value for c in "*?"):
        return _GITHUB_SUBJECT.match(value) is None
    return False
