"""A service's own plumbing: what AWS's own service-role policies grant one service on `*`
(``service_roles`` of iacguard/data/plumbing.json, bench/gen_plumbing.py) counts as plumbing for
IAG-LP-002/004/005 only in a policy whose every holder is a role that this service alone can
assume (``Analysis.sole_service``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from iacguard.analysis import Analysis
from iacguard.checks_api import is_service_plumbing, plumbing_note, split_plumbing
from iacguard.engine import load_resources
from iacguard.iam import plumbing
from iacguard.iam.actions import action_info
from iacguard.iam.grants import DATA_READ_ACTIONS, trusted_only_by_service
from iacguard.iam.model import IamModel
from iacguard.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "calibration" / "service_role.yaml"
TF_FIXTURE = ROOT / "tests" / "fixtures" / "calibration" / "service_role_tf"
ECS = "ecs.amazonaws.com"
# the inline statement of the classic ECS service role (ECSRole of aws-deployment-framework's
# sample-ecs-cluster and of aws-cloudformation-templates)
ECS_SERVICE_ACTIONS = [
    "ec2:AttachNetworkInterface", "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission", "ec2:Describe*",
    "ec2:DetachNetworkInterface", "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
    "elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:Describe*",
    "elasticloadbalancing:RegisterInstancesWithLoadBalancer", "elasticloadbalancing:RegisterTargets",
]
ECS_NOTE = "plumbing: AWS's own AmazonECSServiceRolePolicy grants this to ecs.amazonaws.com on *"


def _generator():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import gen_plumbing
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return gen_plumbing


# ---------------------------------------------------------------- the table


def test_the_service_role_table_says_where_it_comes_from():
    data, gen = plumbing.plumbing_data(), _generator()
    assert data["service_role_rule"] == gen.SERVICE_ROLE_RULE
    assert {n: (r["principal"], r["why"]) for n, r in data["service_role_policies"].items()} == gen.SERVICE_ROLE_POLICIES
    assert all(r["version"].startswith("v") and r["updated"][:2] == "20" for r in data["service_role_policies"].values())
    assert set(data["service_roles"]) == {p for p, _ in gen.SERVICE_ROLE_POLICIES.values()} == {
        "ecs.amazonaws.com", "autoscaling.amazonaws.com", "elasticloadbalancing.amazonaws.com",
        "spotfleet.amazonaws.com", "batch.amazonaws.com", "application-autoscaling.amazonaws.com",
        "ecs.application-autoscaling.amazonaws.com"}
    # the execution-role seeds and customer-facing policies are not service-role policies
    assert not set(data["service_role_policies"]) & set(data["seeds"])


def test_every_service_action_follows_the_rule():
    data = plumbing.plumbing_data()
    reads = {a.lower() for a in DATA_READ_ACTIONS}
    for principal, actions in data["service_roles"].items():
        own = {n for n, r in data["service_role_policies"].items() if r["principal"] == principal}
        assert actions, principal
        for action, policies in actions.items():
            info = action_info(action)
            assert info is not None and info.name == action, action
            assert not action.lower().startswith(("iam:", "sts:")) and ":assumerole" not in action.lower(), action
            assert action.lower() not in reads, action
            assert policies and set(policies) <= own, (principal, action)
    # what the service-role policies grant on * but the rule keeps out, and why
    assert {p: e for p, e in data["service_roles_excluded"].items() if e} == {
        "autoscaling.amazonaws.com": {"ssm:GetParameters": "reads the data itself"},
        "batch.amazonaws.com": {"iam:GetInstanceProfile": "an IAM action (roles and their permissions)",
                                "iam:GetRole": "an IAM action (roles and their permissions)"}}


def test_ecs_is_granted_what_its_classic_service_role_statement_holds():
    for action in ECS_SERVICE_ACTIONS:
        assert is_service_plumbing(action, ECS), action
    ecs = plumbing.plumbing_data()["service_roles"][ECS]
    assert ecs["ec2:CreateNetworkInterfacePermission"] == ["AmazonECSServiceRolePolicy"]  # permissions management
    assert ecs["elasticloadbalancing:RegisterTargets"] == ["AmazonECSServiceRolePolicy", "AmazonEC2ContainerServiceRole"]
    assert ecs["route53:ChangeResourceRecordSets"] == ["AmazonECSServiceRolePolicy"]


@pytest.mark.parametrize("action,principal,expected", [
    ("ec2:CreateNetworkInterfacePermission", ECS, True), ("EC2:createnetworkinterfacepermission", " ECS.amazonaws.com ", True),
    ("route53:ChangeResourceRecordSets", ECS, True), ("servicediscovery:RegisterInstance", ECS, True),
    ("ec2:Describe*", ECS, True), ("elasticloadbalancing:Describe*", ECS, True),
    ("elasticloadbalancing:Register*", ECS, True),           # both matches are ECS's
    ("ec2:*", ECS, False), ("ec2:Create*", ECS, False), ("*", ECS, False), ("route53:*", ECS, False),
    ("ec2:RunInstances", ECS, False), ("iam:PassRole", ECS, False), ("sts:AssumeRole", ECS, False),
    ("ec2:RunInstances", "autoscaling.amazonaws.com", True), ("ec2:TerminateInstances", "spotfleet.amazonaws.com", True),
    ("elasticloadbalancing:Register*", "autoscaling.amazonaws.com", True),
    ("ssm:GetParameters", "autoscaling.amazonaws.com", False),  # a data read
    ("iam:GetRole", "batch.amazonaws.com", False), ("iam:PassRole", "batch.amazonaws.com", False),
    ("ecs:UpdateService", "application-autoscaling.amazonaws.com", True),
    # another service's own grants, or a service with no table
    ("route53:ChangeResourceRecordSets", "lambda.amazonaws.com", False),
    ("ec2:CreateNetworkInterfacePermission", "ecs-tasks.amazonaws.com", False),
    ("ec2:RunInstances", ECS, False), ("ec2:CreateNetworkInterface", "ec2.amazonaws.com", False),
    ("nosuchservice:*", ECS, False), ("", ECS, False), ("  ", ECS, False), (None, ECS, False), (42, ECS, False),
    ("ec2:CreateNetworkInterface", None, False), ("ec2:CreateNetworkInterface", "", False),
])
def test_is_service_plumbing(action, principal, expected):
    assert is_service_plumbing(action, principal) is expected


def test_the_note_names_the_service_policy_first_and_seeds_for_the_rest():
    assert plumbing_note(["elasticloadbalancing:RegisterTargets"], ECS) == ECS_NOTE
    # what an execution-role seed also grants is named by the service's own policy
    assert plumbing_note(["ec2:CreateNetworkInterface"], ECS) == ECS_NOTE
    assert plumbing_note(["ec2:CreateNetworkInterface"]) == \
        "plumbing: AWS's own AWSLambdaVPCAccessExecutionRole grants this on *"
    assert plumbing_note(["elasticloadbalancing:RegisterTargets", "logs:PutLogEvents"], ECS) == \
        ECS_NOTE + ", and AWS's own AWSLambdaBasicExecutionRole grants the rest on *"
    assert plumbing_note(["ec2:AuthorizeSecurityGroupIngress", "ec2:AttachNetworkInterface"], ECS) == \
        "plumbing: AWS's own AmazonECSServiceRolePolicy and AmazonEC2ContainerServiceRole grant this to " \
        "ecs.amazonaws.com on *"
    assert plumbing_note(["route53:ChangeResourceRecordSets"], "lambda.amazonaws.com") == ""
    assert plumbing_note(["s3:PutObject"], ECS) == ""


def test_split_plumbing_counts_the_service_only_when_named():
    statement = ["route53:ChangeResourceRecordSets", "elasticloadbalancing:RegisterTargets"]
    assert split_plumbing(statement) == (statement, [], "")
    assert split_plumbing(statement, service=ECS) == (statement, statement, "; " + ECS_NOTE)
    assert split_plumbing(statement, service="lambda.amazonaws.com") == (statement, [], "")
    assert split_plumbing(statement + ["sqs:DeleteQueue"], service=ECS) == (["sqs:DeleteQueue"], statement, "")
    assert split_plumbing(statement, whole=False, service=ECS) == ([], statement, "")


def test_the_service_role_rule_on_policies_of_our_own():
    kept, excluded = _generator().classify({
        "Ours": {"Statement": [
            {"Effect": "Allow", "Resource": "*", "Action": [
                "ec2:CreateNetworkInterfacePermission", "iam:PassRole", "iam:CreateServiceLinkedRole", "iam:GetRole",
                "sts:AssumeRole", "s3:GetObject", "secretsmanager:GetSecretValue", "nosuch:Thing"]},
            {"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*",
             "Condition": {"StringEquals": {"ec2:ResourceTag/owner": "svc"}}},                  # conditional
            {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "arn:aws:ec2:*:*:instance/*"},  # scoped
            {"Effect": "Deny", "Action": "ec2:DeleteVpc", "Resource": "*"},                      # a Deny
        ]},
    }, service_role=True)
    assert kept == {"ec2:CreateNetworkInterfacePermission": ["Ours"]}  # permissions management is kept here
    assert excluded == {"iam:PassRole": "an IAM action (roles and their permissions)",
                        "iam:CreateServiceLinkedRole": "an IAM action (roles and their permissions)",
                        "iam:GetRole": "an IAM action (roles and their permissions)",
                        "sts:AssumeRole": "hands out credentials", "s3:GetObject": "reads the data itself",
                        "secretsmanager:GetSecretValue": "reads the data itself",
                        "nosuch:Thing": "not in the action catalogue"}


def test_the_generator_needs_every_service_role_policy(tmp_path):
    (tmp_path / "moto" / "iam").mkdir(parents=True)
    seeds = {n: {"Document": {"Statement": []}} for n in _generator().SEEDS}
    (tmp_path / "moto" / "iam" / "aws_managed_policies.py").write_text(
        f"aws_managed_policies_data = {json.dumps(json.dumps(seeds))}\n")
    with pytest.raises(SystemExit, match="service-role policies not in moto's data"):
        _generator().generate(tmp_path, "2026-01-01")


# ---------------------------------------------------------------- who alone can assume a role

def _trust(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(principal, **extra) -> dict:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}


@pytest.mark.parametrize("trust,expected", [
    (_trust(_allow({"Service": ECS})), ECS),
    (_trust(_allow({"Service": [ECS]})), ECS),
    (_trust(_allow({"Service": "ECS.amazonaws.com"})), ECS),
    (_trust(_allow({"Service": ECS}, Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}})), ECS),
    (_trust(_allow({"Service": ECS}), _allow({"Service": ECS})), ECS),
    (_trust(_allow({"Service": ECS}), {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}), ECS),
    (_trust(_allow({"Service": [ECS, "ecs-tasks.amazonaws.com"]})), None),  # two services
    (_trust(_allow({"Service": ECS}), _allow({"Service": "lambda.amazonaws.com"})), None),
    (_trust(_allow({"Service": ECS, "AWS": "arn:aws:iam::111122223333:root"})), None),
    (_trust(_allow({"Service": ECS}), _allow({"AWS": "111122223333"})), None),
    (_trust(_allow({"Service": ECS}), _allow({"AWS": "*"})), None),
    (_trust(_allow({"Service": ECS}), _allow("*")), None),
    (_trust(_allow({"Service": ECS}),
            {"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
             "Action": "sts:AssumeRoleWithWebIdentity"}), None),
    (_trust(_allow({"Service": ECS}), {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                       "Action": "sts:TagSession"}), None),  # any other principal: no credit
    (_trust({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
             "Action": "sts:AssumeRole"}), None),
    (_trust(_allow({"Service": {"Ref": "ServiceName"}})), None),  # known only at deploy time
    (_trust(), None),
])
def test_the_one_service_a_trust_policy_admits(tmp_path, trust, expected):
    template = {"AWSTemplateFormatVersion": "2010-09-09",
                "Parameters": {"ServiceName": {"Type": "String"}},
                "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": trust}}}}
    (tmp_path / "t.json").write_text(json.dumps(template))
    model = IamModel(load_resources([str(tmp_path)], Settings()).resources)
    (role,) = [p for p in model.all_principals() if p.kind == "role"]
    assert trusted_only_by_service(role) == expected


def test_a_role_outside_the_scan_users_and_groups_admit_no_service(tmp_path):
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
        "People": {"Type": "AWS::IAM::Group"},
        "Bob": {"Type": "AWS::IAM::User", "Properties": {"Groups": [{"Ref": "People"}]}},
        "Existing": {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "p", "Roles": ["existing-ecs-role"],
            "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "ec2:AttachNetworkInterface",
                                              "Resource": "*"}]}}}}}
    (tmp_path / "t.json").write_text(json.dumps(template))
    model = IamModel(load_resources([str(tmp_path)], Settings()).resources)
    principals = list(model.all_principals())
    assert {p.kind for p in principals} == {"user", "group", "role"}
    assert [trusted_only_by_service(p) for p in principals] == [None] * len(principals)
    analysis = Analysis(model)
    (node,) = [n for n in model.identity_policies() if n.resource.address == "Existing"]
    assert node.attached_to and analysis.sole_service(node) is None


def test_sole_service_is_computed_once_per_scan_and_per_policy(tmp_path, monkeypatch):
    from iacguard.iam import grants

    calls = []
    original = grants.sole_service
    monkeypatch.setattr(grants, "sole_service", lambda analysis, node: calls.append(node.id) or original(analysis, node))
    model = IamModel(load_resources([str(FIXTURE)], Settings()).resources)
    analysis = Analysis(model)
    by_name = {n.resource.address + ("" if n.kind != "inline" else "#inline"): n for n in model.identity_policies()}
    expected = {"EcsServiceRole#inline": ECS, "TaskRole#inline": "ecs-tasks.amazonaws.com",
                "EcsAndAccountRole#inline": None, "DnsFunctionRole#inline": "lambda.amazonaws.com",
                "SharedTargetsPolicy": None, "EcsOnlyPolicy": ECS,
                "UnattachedPolicy": None, "UserAndEcsPolicy": None}
    assert {k: analysis.sole_service(by_name[k]) for k in expected} == expected
    assert {k: analysis.sole_service(by_name[k]) for k in expected} == expected
    assert len(calls) == len(expected) == len(set(calls))
    assert Analysis(model).sole_service(by_name["EcsOnlyPolicy"]) == ECS  # a new scan starts from nothing


# ---------------------------------------------------------------- end to end


def _scan(path: Path):
    from iacguard.engine import scan
    from iacguard.settings import validate

    return scan([str(path)], validate({}, "test"))


def test_service_role_fixture_end_to_end():
    result = _scan(FIXTURE)
    got = sorted((f.rule_id, f.resource, f.line, f.severity) for f in result.findings if f.rule_id.startswith("IAG-LP-"))
    assert got == sorted([
        ("IAG-LP-005", "EcsServiceRole", 19, "low"),          # the classic ECS service role's statement
        ("IAG-LP-005", "EcsServiceRole", 34, "medium"),       # names sqs:DeleteQueue only
        ("IAG-LP-004", "EcsServiceRole", 37, "low"),          # NotResource, ECS's own grants only
        ("IAG-LP-005", "EcsServiceRole", 37, "low"),
        ("IAG-LP-005", "TaskRole", 52, "high"),               # ecs-tasks: the containers' code
        ("IAG-LP-005", "EcsAndAccountRole", 70, "high"),      # ECS and the account
        ("IAG-LP-005", "DnsFunctionRole", 85, "medium"),      # ECS's grant on a Lambda role
        ("IAG-LP-005", "SharedTargetsPolicy", 103, "medium"),  # ECS's and Application Auto Scaling's roles
        ("IAG-LP-005", "EcsOnlyPolicy", 121, "low"),          # two roles, ECS's alone
        ("IAG-LP-005", "UnattachedPolicy", 130, "medium"),    # held by nobody in the scan
        ("IAG-LP-005", "UserAndEcsPolicy", 144, "medium"),    # a user holds it too
    ])
    by_line = {(f.rule_id, f.resource, f.line): f for f in result.findings}
    service = by_line["IAG-LP-005", "EcsServiceRole", 19]
    assert service.message.endswith(f"and 2 more; {ECS_NOTE} (granted to role EcsServiceRole)")
    assert len(service.evidence["actions"]) == 10 and service.evidence["plumbing"] == service.evidence["actions"]
    mixed = by_line["IAG-LP-005", "EcsServiceRole", 34]
    assert mixed.message.endswith("on every resource (*): sqs:DeleteQueue (granted to role EcsServiceRole)")
    assert mixed.evidence["plumbing"] == ["route53:ChangeResourceRecordSets"]
    assert ECS_NOTE in by_line["IAG-LP-004", "EcsServiceRole", 37].message
    for key in [("IAG-LP-005", "TaskRole", 52), ("IAG-LP-005", "EcsAndAccountRole", 70)]:
        finding = by_line[key]
        assert "plumbing" not in finding.message
        assert finding.evidence["actions"] == [  # the Lambda VPC seed's ENI actions stay left out
            "ec2:AttachNetworkInterface", "ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterfacePermission",
            "ec2:DetachNetworkInterface", "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
            "elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
            "elasticloadbalancing:RegisterTargets"]
    assert "plumbing" not in by_line["IAG-LP-005", "DnsFunctionRole", 85].message
    assert by_line["IAG-LP-005", "EcsOnlyPolicy", 121].message.endswith(
        f"{ECS_NOTE} (granted to role EcsServiceRole, role SecondEcsServiceRole)")


def test_service_role_terraform_fixture_end_to_end():
    result = _scan(TF_FIXTURE)
    got = sorted((f.rule_id, f.resource, f.line, f.severity) for f in result.findings)
    assert got == sorted([
        ("IAG-LP-005", "aws_iam_role_policy.ecs_service", 41, "low"),  # trust from aws_iam_policy_document
        ("IAG-LP-005", "aws_iam_policy.ecs_actions", 59, "high"),      # attached to an ecs-tasks role
        ("IAG-LP-005", "aws_iam_role_policy.dns", 82, "medium"),       # ECS's grant on a Lambda role
    ])
    ecs = next(f for f in result.findings if f.resource == "aws_iam_role_policy.ecs_service")
    assert f"; {ECS_NOTE} (granted to role aws_iam_role.ecs_service)" in ecs.message
