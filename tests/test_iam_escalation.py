"""Escalation methods (whole action sets, PassRole trust, self targets), edges and paths."""

from __future__ import annotations

import json

import pytest

from pathlib import Path

from iacguard.engine import load_resources, scan
from iacguard.iam.actions import action_info
from iacguard.iam.escalation import METHODS, EscalationAnalysis, trusts_service
from iacguard.iam.model import IamModel
from iacguard.settings import Settings

ROOT_TESTS = Path(__file__).resolve().parent


def _trust(*services, aws=None):
    principal = {"Service": list(services)} if services else {"AWS": aws}
    return {"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}


def _allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _policies(*statements):
    return [{"PolicyName": "p", "PolicyDocument": {"Statement": list(statements)}}]


def _user(*statements, name="alice", **props):
    return {"Type": "AWS::IAM::User", "Properties": {"UserName": name, "Policies": _policies(*statements), **props}}


def _role(trust, *statements, name=None, **props):
    properties = {"AssumeRolePolicyDocument": trust, **props}
    if name:
        properties["RoleName"] = name
    if statements:
        properties["Policies"] = _policies(*statements)
    return {"Type": "AWS::IAM::Role", "Properties": properties}


ADMIN = ["arn:aws:iam::aws:policy/AdministratorAccess"]


def _analysis(tmp_path, resources) -> tuple[EscalationAnalysis, dict]:
    (tmp_path / "t.json").write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}))
    result = load_resources([str(tmp_path)], Settings())
    assert result.errors == []
    model = IamModel(result.resources)
    return EscalationAnalysis(model), {p.address: p for p in model.all_principals()}


def test_every_method_action_is_in_the_catalogue():
    for method in METHODS:
        for action in method.actions:
            assert action_info(action) is not None, (method.name, action)
        assert method.passes_role == bool(method.services), method.name


def test_method_names_are_unique():
    names = [m.name for m in METHODS]
    assert len(names) == len(set(names))


LAMBDA_ROLE = _role(_trust("lambda.amazonaws.com"), name="fn")
ECS_ROLE = _role(_trust("ecs-tasks.amazonaws.com"), name="task")

# (statements of Alice's policy, other resources, expected method names)
METHOD_CASES = [
    ([_allow("iam:CreatePolicyVersion")], {}, {"CreatePolicyVersion"}),
    # one action of a combination is not a method (prowler #2220)
    ([_allow(["glue:GetDevEndpoint", "glue:CreateDevEndpoint"])], {}, set()),
    ([_allow("lambda:CreateFunction")], {"Fn": LAMBDA_ROLE}, set()),
    # single-action methods (cloudsplaining #580)
    ([_allow("iam:AttachRolePolicy")], {}, {"AttachRolePolicy"}),
    ([_allow("iam:PutRolePolicy")], {}, {"PutRolePolicy"}),
    ([_allow("iam:UpdateAssumeRolePolicy")], {}, {"UpdateAssumeRolePolicy"}),
    # PassRole to a role Lambda can assume, plus create and invoke
    ([_allow("iam:PassRole", {"Fn::GetAtt": ["Fn", "Arn"]}), _allow(["lambda:CreateFunction", "lambda:InvokeFunction"])],
     {"Fn": LAMBDA_ROLE}, {"PassRoleToLambdaInvoke"}),
    # ... to a role only ECS can assume: nothing
    ([_allow("iam:PassRole", {"Fn::GetAtt": ["Task", "Arn"]}), _allow(["lambda:CreateFunction", "lambda:InvokeFunction"])],
     {"Task": ECS_ROLE}, set()),
    # ... with PassedToService for another service: nothing
    ([_allow("iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}),
      _allow(["lambda:CreateFunction", "lambda:InvokeFunction"])], {"Fn": LAMBDA_ROLE}, set()),
    # ... on "*": roles outside the template may trust Lambda (conservative)
    ([_allow("iam:PassRole"), _allow(["lambda:CreateFunction", "lambda:InvokeFunction"])], {}, {"PassRoleToLambdaInvoke"}),
    # the caller's own key is not another user's
    ([_allow("iam:CreateAccessKey", "arn:aws:iam::*:user/${aws:username}")], {}, set()),
    # but writing its own policies is an escalation
    ([_allow("iam:PutUserPolicy", "arn:aws:iam::*:user/${aws:username}")], {}, {"PutUserPolicy"}),
    # a method whose actions include another usable method's is not repeated
    ([_allow(["iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping", "dynamodb:CreateTable",
              "dynamodb:PutItem"])], {}, {"PassRoleToLambdaEventSource"}),
    ([_allow("ssm:SendCommand"), _allow("ssm:StartSession")], {}, {"SSMSendCommand", "SSMStartSession"}),
    ([_allow("iam:Get*")], {}, set()),
]


@pytest.mark.parametrize("statements, others, expected", METHOD_CASES)
def test_methods(tmp_path, statements, others, expected):
    analysis, principals = _analysis(tmp_path, {"Alice": _user(*statements), **others})
    assert {u.method.name for u in analysis.methods_for(principals["Alice"])} == expected


def test_passrole_targets_are_named_with_unknown_trust_said(tmp_path):
    resources = {"Alice": _user(_allow("iam:PassRole"), _allow(["ec2:RunInstances"])),
                 "Fleet": _role(_trust("ec2.amazonaws.com"), name="fleet"),
                 "Fn": LAMBDA_ROLE}
    analysis, principals = _analysis(tmp_path, resources)
    use = next(u for u in analysis.methods_for(principals["Alice"]) if u.method.name == "PassRoleToEC2")
    labels = [t.label for t in use.key_targets]
    assert labels[0] == "role Fleet" and "role Fn" not in labels
    assert "trust policy cannot be checked" in labels[-1]


@pytest.mark.parametrize("trust, services, expected", [
    (_trust("lambda.amazonaws.com"), ["lambda.amazonaws.com"], True),
    (_trust("lambda.amazonaws.com", "ec2.amazonaws.com"), ["ec2.amazonaws.com"], True),
    (_trust("ecs-tasks.amazonaws.com"), ["lambda.amazonaws.com"], False),
    (_trust(aws="arn:aws:iam::111122223333:root"), ["lambda.amazonaws.com"], False),
    (_trust(aws="*"), ["lambda.amazonaws.com"], True),
])
def test_trusts_service(tmp_path, trust, services, expected):
    _, principals = _analysis(tmp_path, {"R": _role(trust)})
    assert trusts_service(principals["R"], services) is expected


def test_conditional_grant_is_flagged(tmp_path):
    statement = _allow("iam:AttachUserPolicy", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})
    analysis, principals = _analysis(tmp_path, {"Alice": _user(statement)})
    [use] = analysis.methods_for(principals["Alice"])
    assert use.conditional


# (resources, source, expected targets of paths (last hop), expected first-hop kinds)
PATH_CASES = [
    # account trust + sts:AssumeRole on the role
    ({"Alice": _user(_allow("sts:AssumeRole")),
      "Admin": _role(_trust(aws={"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}), ManagedPolicyArns=ADMIN)},
     "Alice", ["Admin"], ["can_become"]),
    # account trust without sts:AssumeRole in the source's policies: no edge
    ({"Alice": _user(_allow("s3:GetObject")),
      "Admin": _role(_trust(aws="arn:aws:iam::111122223333:root"), ManagedPolicyArns=ADMIN)}, "Alice", [], []),
    # trust naming the source directly needs no identity permission
    ({"Alice": _user(_allow("s3:GetObject")),
      "Admin": _role(_trust(aws={"Fn::GetAtt": ["Alice", "Arn"]}), ManagedPolicyArns=ADMIN)}, "Alice", ["Admin"], ["can_become"]),
    # trust naming someone else: sts:AssumeRole on * is not enough
    ({"Alice": _user(_allow("sts:AssumeRole")),
      "Admin": _role(_trust(aws="arn:aws:iam::111122223333:user/bob"), ManagedPolicyArns=ADMIN)}, "Alice", [], []),
    # PassRole to a Lambda-trusting admin role
    ({"Alice": _user(_allow("iam:PassRole", {"Fn::GetAtt": ["Admin", "Arn"]}),
                     _allow(["lambda:CreateFunction", "lambda:InvokeFunction"])),
      "Admin": _role(_trust("lambda.amazonaws.com"), ManagedPolicyArns=ADMIN)}, "Alice", ["Admin"], ["can_pass"]),
    # two hops: assume a role that can create an admin user's access key
    ({"Alice": _user(_allow("s3:GetObject")),
      "Step": _role(_trust(aws={"Fn::GetAtt": ["Alice", "Arn"]}), _allow("iam:CreateAccessKey", "arn:aws:iam::*:user/root-admin")),
      "Boss": {"Type": "AWS::IAM::User", "Properties": {"UserName": "root-admin", "ManagedPolicyArns": ADMIN}}},
     "Alice", ["Boss"], ["can_become"]),
    # a role that can change its own permissions is an administrator
    ({"Alice": _user(_allow("sts:AssumeRole")),
      "Self": _role(_trust(aws="arn:aws:iam::111122223333:root"), _allow("iam:PutRolePolicy", "arn:aws:iam::*:role/self"),
                    name="self")}, "Alice", ["Self"], ["can_become"]),
    # reaching and modifying a role makes it an administrator for the source
    ({"Alice": _user(_allow(["sts:AssumeRole", "iam:AttachRolePolicy"], "arn:aws:iam::*:role/app")),
      "App": _role(_trust(aws="arn:aws:iam::111122223333:root"), name="app")}, "Alice", ["App"], ["can_become"]),
    # joining an administrators group
    ({"Alice": _user(_allow("iam:AddUserToGroup")),
      "Admins": {"Type": "AWS::IAM::Group", "Properties": {"ManagedPolicyArns": ADMIN}}}, "Alice", ["Admins"], ["can_become"]),
    # a non-admin target is no path
    ({"Alice": _user(_allow("sts:AssumeRole")),
      "Reader": _role(_trust(aws="arn:aws:iam::111122223333:root"), _allow("s3:GetObject"))}, "Alice", [], []),
]


@pytest.mark.parametrize("resources, source, targets, kinds", PATH_CASES)
def test_paths_to_admin(tmp_path, resources, source, targets, kinds):
    analysis, principals = _analysis(tmp_path, resources)
    paths = analysis.paths_to_admin(principals[source])
    assert sorted(p[-1].target.address for p in paths) == sorted(targets)
    assert [p[0].kind for p in paths] == kinds
    for path in paths:
        assert path[0].source is principals[source] and all(h.via for h in path)


def test_escalation_edges_are_added_to_the_analysis_graph(tmp_path):
    analysis, principals = _analysis(tmp_path, {
        "Alice": _user(_allow("iam:PassRole", {"Fn::GetAtt": ["Admin", "Arn"]}),
                       _allow(["lambda:CreateFunction", "lambda:InvokeFunction"])),
        "Admin": _role(_trust("lambda.amazonaws.com"), ManagedPolicyArns=ADMIN)})
    graph = analysis.graph()
    kinds = {d["kind"] for _, _, d in graph.out_edges(principals["Alice"].id, data=True)}
    assert "can_pass" in kinds


def test_principals_of_other_templates_are_not_linked(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"Resources": {"Alice": _user(_allow("sts:AssumeRole"))}}))
    (tmp_path / "b.json").write_text(json.dumps({"Resources": {
        "Admin": _role(_trust(aws="arn:aws:iam::111122223333:root"), ManagedPolicyArns=ADMIN)}}))
    model = IamModel(load_resources([str(tmp_path)], Settings()).resources)
    analysis = EscalationAnalysis(model)
    alice = next(p for p in model.principals.values() if p.address == "Alice")
    assert analysis.paths_to_admin(alice) == []


def test_taking_over_existing_compute_leads_to_the_role_it_runs_with(tmp_path):
    """ModifyEC2UserData on any instance reaches every instance-profile role of the module that
    EC2 may assume; a user who can assume the operator role gets the chain (cloudgoat-like)."""
    import shutil

    source = ROOT_TESTS / "fixtures" / "escalation" / "existing_compute"
    shutil.copytree(source, tmp_path / "m")
    result = scan([str(tmp_path / "m")], root=tmp_path / "m")
    got = sorted((f.rule_id, f.resource, f.severity) for f in result.findings if f.rule_id == "IAG-PE-002")
    assert got == [("IAG-PE-002", "aws_iam_role.mgmt", "critical"), ("IAG-PE-002", "aws_iam_user.dev", "critical")]
    (dev,) = [f for f in result.findings if f.rule_id == "IAG-PE-002" and f.resource == "aws_iam_user.dev"]
    assert [step["label"] for step in dev.path] == ["user aws_iam_user.dev", "role aws_iam_role.mgmt",
                                                    "role aws_iam_role.admin"]


def test_compute_takeover_scoped_to_named_resources_is_not_followed(tmp_path):
    import shutil

    source = ROOT_TESTS / "fixtures" / "escalation" / "existing_compute"
    shutil.copytree(source, tmp_path / "m")
    main = tmp_path / "m" / "main.tf"
    main.write_text(main.read_text().replace(
        'Action = ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"], Resource = "*"',
        'Action = ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"], '
        'Resource = "arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0"'))
    result = scan([str(tmp_path / "m")], root=tmp_path / "m")
    assert not [f for f in result.findings if f.rule_id == "IAG-PE-002"]


def test_actions_on_resources_of_another_service_are_not_escalation(tmp_path):
    """cloudformation:UpdateStack / iam:PassRole on an S3 ARN name no stack and no role."""
    (tmp_path / "t.yaml").write_text("""\
Resources:
  PipelineRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: codepipeline.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [cloudformation:UpdateStack, iam:PassRole, lambda:UpdateFunctionCode]
                Resource: arn:aws:s3:::codepipeline-artifacts*
""")
    result = scan([str(tmp_path)], root=tmp_path)
    assert not [f for f in result.findings if f.family == "privilege-escalation"]


def test_changing_only_another_roles_policy_is_not_self_escalation(tmp_path):
    (tmp_path / "t.yaml").write_text("""\
Resources:
  TargetRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]
  TargetPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Roles: [!Ref TargetRole]
      PolicyDocument:
        Statement: [{Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::b/*"}]
  ManagerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: iam:CreatePolicyVersion
                Resource: !Ref TargetPolicy
""")
    result = scan([str(tmp_path)], root=tmp_path)
    assert not [f for f in result.findings if f.rule_id == "IAG-PE-001"]
    # the same permission on a policy attached to the manager itself is self-escalation
    text = (tmp_path / "t.yaml").read_text().replace("Roles: [!Ref TargetRole]", "Roles: [!Ref ManagerRole]")
    (tmp_path / "t.yaml").write_text(text)
    result = scan([str(tmp_path)], root=tmp_path)
    assert [f.resource for f in result.findings if f.rule_id == "IAG-PE-001"] == ["ManagerRole"]


def test_method_filter_reuse_is_keyed_by_action_and_not_action_and_effect(tmp_path):
    # methods_for reuses which method actions a statement may cover, keyed by its Action and
    # NotAction elements: the same entries as Action, as NotAction and under a Deny must give
    # each principal its own answer, whatever was asked first
    entries = ["iam:CreatePolicyVersion"]
    analysis, principals = _analysis(tmp_path, {
        "Alice": _user(_allow(entries), name="alice"),
        "Bob": _user({"Effect": "Allow", "NotAction": entries, "Resource": "*"}, name="bob"),
        "Carol": _user({"Effect": "Deny", "Action": entries, "Resource": "*"}, name="carol"),
    })
    from iacguard.iam.escalation import _METHOD_ACTIONS
    for name in ("Alice", "Bob", "Carol", "Alice"):
        principal = principals[name]
        eff = analysis.effective(principal)
        found = {u.method.name for u in analysis.methods_for(principal)}
        # the reference: the per-action filter, then the method evaluation
        mentioned = {a for a in _METHOD_ACTIONS if eff.mentions(a)}
        assert ("iam:CreatePolicyVersion" in mentioned) == (name == "Alice")
        if name == "Alice":
            assert found == {"CreatePolicyVersion"}
        elif name == "Bob":
            assert found and "CreatePolicyVersion" not in found
        else:
            assert found == set() and mentioned == set()
