"""IAM evaluation: Allow/Deny precedence, conditions, boundaries, unknowns, full-admin tests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from iacguard.iam.access import (Grant, allowed_actions, evaluate, is_full_admin_statement,
                                 statement_allows_everything)
from iacguard.iam.policy import parse_policy
from iacguard.values import Choice, Ref, Unknown

BUCKET = "arn:aws:s3:::data"
OBJECT = "arn:aws:s3:::data/report.csv"
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def policy(*statements):
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)})


def stmt(effect, action, resource="*", **extra) -> dict:
    return {"Effect": effect, "Action": action, "Resource": resource, **extra}


ADMIN = policy(stmt("Allow", "*"))
S3_READ = policy(stmt("Allow", ["s3:Get*", "s3:List*"], [BUCKET, BUCKET + "/*"]))


def decide(docs, action, resource="*", **kwargs) -> tuple:
    grant = evaluate(docs, action, resource, **kwargs)
    return grant.allowed, grant.conditional


@pytest.mark.parametrize("docs,action,resource,expected", [
    ([ADMIN], "iam:PassRole", "*", (True, False)),
    ([ADMIN], "iam:PassRole", "arn:aws:iam::1:role/x", (True, False)),
    ([], "iam:PassRole", "*", (False, False)),                        # implicit deny
    ([S3_READ], "s3:GetObject", OBJECT, (True, False)),
    ([S3_READ], "s3:PutObject", OBJECT, (False, False)),
    ([S3_READ], "s3:GetObject", "arn:aws:s3:::other/x", (False, False)),
    ([S3_READ], "s3:GetObject", "*", (False, False)),                 # scoped resources are not '*'
    ([S3_READ, ADMIN], "s3:PutObject", OBJECT, (True, False)),        # union of identity policies
    # explicit Deny wins over any Allow, in the same or another document
    ([policy(stmt("Allow", "*"), stmt("Deny", "iam:*"))], "iam:PassRole", "*", (False, False)),
    ([ADMIN, policy(stmt("Deny", "iam:Pass*"))], "iam:PassRole", "*", (False, False)),
    ([ADMIN, policy(stmt("Deny", "iam:*"))], "s3:GetObject", "*", (True, False)),
    # Deny on a specific resource does not deny "some resource"
    ([ADMIN, policy(stmt("Deny", "s3:*", BUCKET + "/*"))], "s3:GetObject", "*", (True, False)),
    ([ADMIN, policy(stmt("Deny", "s3:*", BUCKET + "/*"))], "s3:GetObject", OBJECT, (False, False)),
    # conditional Allow and conditional Deny
    ([policy(stmt("Allow", "*", Condition=MFA))], "iam:PassRole", "*", (True, True)),
    ([ADMIN, policy(stmt("Deny", "*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}}))],
     "iam:PassRole", "*", (True, True)),
    ([policy(stmt("Allow", "*", Condition=MFA), stmt("Allow", "iam:*"))], "iam:PassRole", "*", (True, False)),
    # NotAction / NotResource
    ([policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})], "iam:PassRole", "*", (False, False)),
    ([policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})], "s3:GetObject", "*", (True, False)),
    ([policy({"Effect": "Allow", "Action": "s3:*", "NotResource": BUCKET})], "s3:GetObject", "*", (True, False)),
    ([ADMIN, policy({"Effect": "Deny", "NotAction": ["s3:*"], "Resource": "*"})], "iam:PassRole", "*", (False, False)),
    ([ADMIN, policy({"Effect": "Deny", "NotAction": ["s3:*"], "Resource": "*"})], "s3:GetObject", "*", (True, False)),
])
def test_evaluate_table(docs, action, resource, expected) -> None:
    assert decide(docs, action, resource) == expected


def test_grant_lists_evidence() -> None:
    deny = policy(stmt("Deny", "iam:*", Condition=MFA))
    grant = evaluate([ADMIN, deny], "iam:PassRole")
    assert isinstance(grant, Grant)
    assert grant.allow_statements == ADMIN.statements
    assert grant.deny_statements == deny.statements


@pytest.mark.parametrize("boundary,action,expected", [
    ([policy(stmt("Allow", "s3:*"))], "s3:GetObject", (True, False)),
    ([policy(stmt("Allow", "s3:*"))], "iam:PassRole", (False, False)),   # the boundary caps the admin
    ([], "s3:GetObject", (False, False)),                                 # an empty boundary allows nothing
    ([policy(stmt("Allow", "*"), stmt("Deny", "iam:*"))], "iam:PassRole", (False, False)),
    ([policy(stmt("Allow", "*", Condition=MFA))], "iam:PassRole", (True, True)),
    ([policy(stmt("Allow", Unknown("var.a")))], "iam:PassRole", (None, False)),
    ([parse_policy(Unknown("var.boundary"))], "iam:PassRole", (None, True)),
])
def test_boundary(boundary, action, expected) -> None:
    assert decide([ADMIN], action, boundary_docs=boundary) == expected


def test_boundary_does_not_grant() -> None:
    assert decide([S3_READ], "iam:PassRole", boundary_docs=[ADMIN]) == (False, False)


def test_deny_docs_only_contribute_denies() -> None:
    scp_like = policy(stmt("Allow", "*"), stmt("Deny", "organizations:*"))
    assert decide([S3_READ], "iam:PassRole", deny_docs=[scp_like]) == (False, False)
    assert decide([ADMIN], "organizations:LeaveOrganization", deny_docs=[scp_like]) == (False, False)
    assert decide([ADMIN], "iam:PassRole", deny_docs=[scp_like]) == (True, False)


@pytest.mark.parametrize("docs,action,expected", [
    ([policy(stmt("Allow", Unknown("var.action")))], "iam:PassRole", (None, False)),
    ([policy(stmt("Allow", ["s3:GetObject", Unknown("var.action")]))], "s3:GetObject", (True, False)),
    ([policy(stmt(Unknown("var.effect"), "*"))], "iam:PassRole", (None, True)),
    ([policy(stmt(Choice(["Allow", "Deny"]), "*"))], "iam:PassRole", (None, True)),
    ([parse_policy(Unknown("var.policy"))], "iam:PassRole", (None, True)),
    ([policy(stmt("Allow", "s3:*"), Unknown("var.more"))], "iam:PassRole", (None, True)),
    ([policy(stmt("Allow", "s3:*"), Unknown("var.more"))], "s3:GetObject", (True, True)),
    # an Allow whose resource is unknown, asked about a concrete ARN
    ([policy(stmt("Allow", "s3:*", Ref("aws_s3_bucket.b", "arn")))], "s3:GetObject", (None, False)),
    # an uncertain Deny keeps the Allow but marks it conditional
    ([ADMIN, policy(stmt("Deny", Unknown("var.denied")))], "iam:PassRole", (True, True)),
    ([ADMIN, policy(stmt("Deny", "iam:*", Ref("aws_iam_role.r", "arn")))], "iam:PassRole", (True, False)),
])
def test_unknowns(docs, action, expected) -> None:
    resource = "arn:aws:s3:::b/k" if "aws_s3_bucket" in repr(docs) else "*"
    assert decide(docs, action, resource) == expected


def test_unknown_deny_resource_against_concrete_arn_is_soft() -> None:
    deny = policy(stmt("Deny", "iam:*", Ref("aws_iam_role.r", "arn")))
    assert decide([ADMIN, deny], "iam:PassRole", "arn:aws:iam::1:role/x") == (True, True)


def test_allowed_actions() -> None:
    docs = [policy(stmt("Allow", ["iam:PassRole", "s3:*"]), stmt("Deny", "s3:Delete*"),
                   stmt("Allow", "ec2:RunInstances", Condition=MFA))]
    result = allowed_actions(docs, candidates=["iam:PassRole", "s3:GetObject", "s3:DeleteBucket",
                                              "ec2:RunInstances", "lambda:CreateFunction"])
    assert sorted(result) == ["ec2:RunInstances", "iam:PassRole", "s3:GetObject"]
    assert result["ec2:RunInstances"].conditional and not result["iam:PassRole"].conditional
    capped = allowed_actions(docs, boundary_docs=[policy(stmt("Allow", "iam:*"))],
                             candidates=["iam:PassRole", "s3:GetObject"])
    assert sorted(capped) == ["iam:PassRole"]


def first(*statements):
    return policy(*statements).statements[0]


@pytest.mark.parametrize("statement,admin,everything", [
    (stmt("Allow", "*"), True, True),
    (stmt("Allow", "*:*"), True, True),
    (stmt("Allow", "**"), True, True),
    (stmt("Allow", ["s3:GetObject", "*"]), True, True),
    (stmt("Allow", "*", "arn:*"), True, True),
    (stmt("Allow", "*", "arn:*:*:*:*:*"), True, True),
    (stmt("Allow", "*", ["arn:aws:s3:::b", "*"]), True, True),
    (stmt("Allow", "*", Condition=MFA), False, True),
    (stmt("Deny", "*"), False, False),
    (stmt("Allow", "iam:*"), False, False),
    (stmt("Allow", "*", BUCKET), False, False),
    (stmt("Allow", "*", "arn:aws:*:*:*:*"), False, False),
    (stmt("Allow", "*:Get*"), False, False),
    (stmt("Allow", Unknown("var.a")), False, False),
    (stmt("Allow", "*", Ref("r", "arn")), False, False),
    (stmt(Unknown("var.e"), "*"), False, False),
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, False, False),
    ({"Effect": "Allow", "NotAction": [], "Resource": "*"}, True, True),
    ({"Effect": "Allow", "Action": "*", "NotResource": []}, True, True),
    ({"Effect": "Allow", "Action": "*", "NotResource": BUCKET}, False, False),
    ({"Effect": "Allow", "Action": "*"}, False, False),          # no Resource: a trust/resource policy
])
def test_full_admin(statement, admin, everything) -> None:
    parsed = first(statement)
    assert is_full_admin_statement(parsed) is admin
    assert statement_allows_everything(parsed) is everything


_actions = st.sampled_from(["iam:PassRole", "s3:GetObject", "ec2:RunInstances", "sts:AssumeRole"])
_patterns = st.sampled_from(["*", "iam:*", "s3:Get*", "ec2:*", "*:AssumeRole", "iam:Pass?ole"])


@settings(max_examples=150, deadline=None)
@given(st.lists(_patterns, min_size=1, max_size=3), st.lists(_patterns, min_size=1, max_size=3), _actions)
def test_deny_always_wins(allow_patterns, deny_patterns, action) -> None:
    docs = [policy(stmt("Allow", allow_patterns), stmt("Deny", deny_patterns))]
    grant = evaluate(docs, action)
    denied = any(first(stmt("Deny", [p])).action_match(action) for p in deny_patterns)
    allowed = any(first(stmt("Allow", [p])).action_match(action) for p in allow_patterns)
    assert grant.allowed is (allowed and not denied)


@settings(max_examples=150, deadline=None)
@given(st.lists(_patterns, min_size=1, max_size=3), st.lists(_patterns, min_size=1, max_size=3), _actions)
def test_boundary_is_intersection(identity_patterns, boundary_patterns, action) -> None:
    identity = [policy(stmt("Allow", identity_patterns))]
    boundary = [policy(stmt("Allow", boundary_patterns))]
    alone = evaluate(identity, action).allowed
    boundary_alone = evaluate(boundary, action).allowed
    assert evaluate(identity, action, boundary_docs=boundary).allowed is (alone and boundary_alone)
