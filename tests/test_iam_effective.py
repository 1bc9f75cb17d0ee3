"""Effective permissions: policies composed across inline, managed, attached and group policies,
explicit Denies, permissions boundaries, request context, and resource resolution."""

from __future__ import annotations

import json

import pytest

from iacguard.engine import load_resources
from iacguard.iam.effective import ACCOUNT, EffectiveIndex, apply_context, outside_arn, principal_arn
from iacguard.iam.model import IamModel
from iacguard.iam.policy import parse_policy
from iacguard.settings import Settings

TRUST = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def _model(tmp_path, resources: dict) -> IamModel:
    (tmp_path / "t.json").write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}))
    result = load_resources([str(tmp_path)], Settings())
    assert result.errors == []
    return IamModel(result.resources)


def _doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def _user(*statements, **props):
    return {"Type": "AWS::IAM::User", "Properties": {"UserName": "alice", **props,
                                                     "Policies": [{"PolicyName": "p", "PolicyDocument": _doc(*statements)}]}}


def _eff(tmp_path, resources, name="Alice"):
    model = _model(tmp_path, resources)
    index = EffectiveIndex(model)
    principal = next(p for p in model.principals.values() if p.address == name)
    return index.of(principal), model


# (statements of the user's inline policy, action, resource, expected allowed, expected conditional)
GRANT_CASES = [
    ([_allow("iam:PassRole")], "iam:PassRole", "*", True, False),
    ([_allow("iam:*")], "iam:PassRole", "*", True, False),
    ([_allow("iam:Pass*")], "iam:CreateRole", "*", False, False),
    ([_allow("iam:PassRole"), _deny("iam:PassRole")], "iam:PassRole", "*", False, False),
    ([_allow("iam:PassRole"), _deny("iam:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})],
     "iam:PassRole", "*", True, True),
    ([_allow("iam:PassRole", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})],
     "iam:PassRole", "*", True, True),
    ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], "iam:PassRole", "*", False, False),
    ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], "ec2:RunInstances", "*", True, False),
    ([_allow("iam:PassRole", "arn:aws:iam::*:role/app-*")], "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app-x", True, False),
    ([_allow("iam:PassRole", "arn:aws:iam::*:role/app-*")], "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/db", False, False),
    # a literal account is taken to be the deploying account
    ([_allow("iam:PassRole", "arn:aws:iam::111122223333:role/app")], "iam:PassRole",
     f"arn:aws:iam::{ACCOUNT}:role/app", True, False),
    # ${aws:username} is the caller's own name
    ([_allow("iam:CreateAccessKey", "arn:aws:iam::*:user/${aws:username}")], "iam:CreateAccessKey",
     f"arn:aws:iam::{ACCOUNT}:user/alice", True, False),
    ([_allow("iam:CreateAccessKey", "arn:aws:iam::*:user/${aws:username}")], "iam:CreateAccessKey",
     f"arn:aws:iam::{ACCOUNT}:user/bob", False, False),
    # "some role outside the scan" is covered only by patterns that match every name
    ([_allow("iam:PassRole", "arn:aws:iam::*:role/*")], "iam:PassRole", outside_arn("role"), True, False),
    ([_allow("iam:PassRole", "arn:aws:iam::*:role/app-*")], "iam:PassRole", outside_arn("role"), False, False),
]


@pytest.mark.parametrize("statements, action, resource, allowed, conditional", GRANT_CASES)
def test_grant(tmp_path, statements, action, resource, allowed, conditional):
    eff, _ = _eff(tmp_path, {"Alice": _user(*statements)})
    grant = eff.grant(action, resource)
    assert (grant.allowed, grant.conditional) == (allowed, conditional)


def test_group_policies_attachments_and_denies_compose(tmp_path):
    resources = {
        "Alice": {"Type": "AWS::IAM::User", "Properties": {"UserName": "alice", "Groups": [{"Ref": "Ops"}]}},
        "Ops": {"Type": "AWS::IAM::Group", "Properties": {
            "Policies": [{"PolicyName": "g", "PolicyDocument": _doc(_allow(["iam:PassRole", "ec2:RunInstances"]))}]}},
        "Guard": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "Users": [{"Ref": "Alice"}], "PolicyDocument": _doc(_deny("ec2:RunInstances"))}},
    }
    eff, _ = _eff(tmp_path, resources)
    assert eff.grant("iam:PassRole").allowed is True
    assert eff.grant("ec2:RunInstances").allowed is False
    assert {node.name for node, _ in eff.policies} == {"g", "Guard"}


@pytest.mark.parametrize("boundary_actions, allowed", [(["s3:*"], False), (["iam:PassRole"], True), (["*"], True)])
def test_permissions_boundary_caps(tmp_path, boundary_actions, allowed):
    resources = {
        "Alice": _user(_allow("iam:PassRole"), PermissionsBoundary={"Ref": "Boundary"}),
        "Boundary": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": _doc(_allow(boundary_actions))}},
    }
    eff, _ = _eff(tmp_path, resources)
    assert eff.grant("iam:PassRole").allowed is allowed


def test_unknown_boundary_and_policies_are_reported_not_guessed(tmp_path):
    resources = {"Alice": _user(_allow("iam:PassRole"),
                                PermissionsBoundary="arn:aws:iam::aws:policy/SomeBoundaryWeDoNotKnow",
                                ManagedPolicyArns=["arn:aws:iam::aws:policy/IacguardTestUnknownAccess"])}
    eff, _ = _eff(tmp_path, resources)
    assert eff.boundary_unknown and eff.boundary is None
    assert [n.name for n in eff.unknown_policies] == ["IacguardTestUnknownAccess"]
    assert eff.grant("iam:PassRole").allowed is True
    assert eff.grant("rds:DeleteDBInstance").allowed is False  # not guessed from the unknown policy


def test_refs_resolve_to_the_principal_arn(tmp_path):
    resources = {
        "Alice": _user(_allow("iam:PassRole", {"Fn::GetAtt": ["App", "Arn"]})),
        "App": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "app", "AssumeRolePolicyDocument": TRUST}},
        "Db": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": TRUST}},
    }
    eff, model = _eff(tmp_path, resources)
    roles = {p.address: p for p in model.principals.values()}
    assert eff.grant("iam:PassRole", principal_arn(roles["App"])).allowed is True
    assert eff.grant("iam:PassRole", principal_arn(roles["Db"])).allowed is False
    assert eff.grant("iam:PassRole", "*").allowed is False  # one role is not "*"


def test_pseudo_parameters_resolve(tmp_path):
    arn = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/app"}
    eff, _ = _eff(tmp_path, {"Alice": _user(_allow("iam:PassRole", arn))})
    assert eff.grant("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app").allowed is True


def test_deploy_accounts_exclude_other_accounts(tmp_path):
    model = _model(tmp_path, {"Alice": _user(_allow("iam:PassRole", "arn:aws:iam::999999999999:role/app"))})
    principal = next(iter(model.principals.values()))
    assert EffectiveIndex(model).of(principal).grant("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app").allowed
    other = EffectiveIndex(model, ["111122223333"]).of(principal)
    assert other.grant("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app").allowed is False


# (condition, context, expected: "dropped" | "kept" | "removed")
CONTEXT_CASES = [
    ({"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}, {"iam:passedtoservice": ["lambda.amazonaws.com"]}, "removed"),
    ({"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}, {"iam:passedtoservice": ["lambda.amazonaws.com"]}, "dropped"),
    ({"StringLike": {"iam:PassedToService": "*.amazonaws.com"}}, {"iam:passedtoservice": ["glue.amazonaws.com"]}, "removed"),
    ({"StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::1:policy/b"}}, {"iam:permissionsboundary": None}, "dropped"),
    ({"Null": {"iam:PermissionsBoundary": "true"}}, {"iam:permissionsboundary": None}, "removed"),
    ({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}, {"iam:permissionsboundary": None}, "kept"),
]


@pytest.mark.parametrize("condition, context, expected", CONTEXT_CASES)
def test_apply_context(condition, context, expected):
    doc = parse_policy(_doc(_allow("iam:PassRole", Condition=condition)))
    result = apply_context(doc, context)
    if expected == "dropped":
        assert result.statements == []
    elif expected == "removed":
        assert len(result.statements) == 1 and result.statements[0].conditions == ()
    else:
        assert result.statements[0].conditions == doc.statements[0].conditions


def test_grant_somewhere_uses_scoped_patterns_and_denies(tmp_path):
    scoped = _allow("lambda:CreateFunction", "arn:aws:lambda:*:*:function:app-*")
    eff, _ = _eff(tmp_path, {"Alice": _user(scoped)})
    grant, pattern = eff.grant_somewhere("lambda:CreateFunction")
    assert grant.allowed and pattern == "arn:aws:lambda:*:*:function:app-*"
    eff, _ = _eff(tmp_path, {"Alice": _user(scoped, _deny("lambda:*", "arn:aws:lambda:*:*:function:*"))})
    assert not eff.grant_somewhere("lambda:CreateFunction")[0].allowed


@pytest.mark.parametrize("statements, admin", [
    ([_allow("*")], True),
    ([_allow("*:*")], True),
    ([{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}], False),
    ([_allow(["iam:*", "sts:*", "s3:*"])], False),
    ([_allow("*"), _deny("iam:*")], False),
    ([_allow("*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})], True),
])
def test_full_admin(tmp_path, statements, admin):
    eff, _ = _eff(tmp_path, {"Alice": _user(*statements)})
    assert bool(eff.full_admin().allowed) is admin


def test_node_of_names_the_policy(tmp_path):
    eff, _ = _eff(tmp_path, {"Alice": _user(_allow("iam:PassRole", Sid="Pass"))})
    grant = eff.grant("iam:PassRole")
    assert [eff.node_of(s).name for s in grant.allow_statements] == ["p"]
