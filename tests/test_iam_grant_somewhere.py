""""Allowed on some resource" (EffectivePermissions.grant_somewhere): role edits on
service-linked roles, resources known only at deploy time, and the pattern it names."""

from __future__ import annotations

import json

import pytest

from iacguard.engine import load_resources
from iacguard.iam.effective import EffectiveIndex, arns_meet, globs_meet, names_service_linked_roles_only
from iacguard.iam.model import IamModel
from iacguard.settings import Settings

SUB_ROLE = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Name}"}
STACK_ROLE = {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/${AWS::StackName}-worker"}
PARAM = {"Ref": "RoleArn"}
SUB_TEXT = "arn:aws:iam::${AWS::AccountId}:role/${Name}"  # the loader puts the partition in
# Not allowed on any resource the value can name; on "*" the answer stays "depends" (None):
# an entry known only at deploy time might be "*" itself.
NONE_OF_IT = (None, False, "*")
TF_VAR = "${var.role_arn}"


def _allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def _eff(tmp_path, *statements, boundary=None):
    properties = {"UserName": "alice",
                  "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": list(statements)}}]}
    resources = {"Alice": {"Type": "AWS::IAM::User", "Properties": properties}}
    if boundary is not None:
        resources["Boundary"] = {"Type": "AWS::IAM::ManagedPolicy",
                                 "Properties": {"PolicyDocument": {"Statement": boundary}}}
        properties["PermissionsBoundary"] = {"Ref": "Boundary"}
    template = {"AWSTemplateFormatVersion": "2010-09-09",
                "Parameters": {"Name": {"Type": "String"}, "RoleArn": {"Type": "String"}},
                "Resources": resources}
    (tmp_path / "t.json").write_text(json.dumps(template))
    result = load_resources([str(tmp_path)], Settings())
    assert result.errors == []
    model = IamModel(result.resources)
    principal = next(p for p in model.principals.values() if p.address == "Alice")
    return EffectiveIndex(model).of(principal)


def _answer(eff, action, **kwargs):
    grant, where = eff.grant_somewhere(action, **kwargs)
    return grant.allowed, grant.conditional, where


SLR = "arn:aws:iam::*:role/aws-service-role/*"
SLR_ONE = "arn:aws:iam::111122223333:role/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk"


@pytest.mark.parametrize("pattern, only", [
    (SLR, True),
    (SLR_ONE, True),
    ("arn:aws:iam::*:role/aws-service-role/ecs.amazonaws.com/*", True),
    (" arn:aws-us-gov:iam::111122223333:role/aws-service-role/x ", True),
    ("arn:aws:iam::*:role/aws-service-role*", False),  # also role/aws-service-role-x on the root path
    ("arn:aws:iam::*:role/*", False),
    ("arn:aws:iam::*:role/app/aws-service-role/x", False),
    ("*", False),
    ("arn:aws:iam::*:user/aws-service-role/x", False),
    ("arn:aws:s3:::aws-service-role/x", False),
])
def test_names_service_linked_roles_only(pattern, only):
    assert names_service_linked_roles_only(pattern) is only


# (statements, action, expected (allowed, conditional, resource named))
SLR_CASES = [
    ([_allow("iam:PutRolePolicy", SLR)], "iam:PutRolePolicy", (False, False, "*")),
    ([_allow("iam:AttachRolePolicy", SLR)], "iam:AttachRolePolicy", (False, False, "*")),
    ([_allow(["iam:CreateRole", "iam:PutRolePolicy"], SLR_ONE)], "iam:CreateRole", (False, False, "*")),
    ([_allow("iam:UpdateAssumeRolePolicy", SLR)], "iam:UpdateAssumeRolePolicy", (False, False, "*")),
    ([_allow("iam:DeleteRolePermissionsBoundary", SLR)], "iam:DeleteRolePermissionsBoundary", (False, False, "*")),
    # without the path's slash the pattern also names ordinary roles
    ([_allow("iam:PutRolePolicy", "arn:aws:iam::*:role/aws-service-role*")], "iam:PutRolePolicy",
     (True, False, "arn:aws:iam::*:role/aws-service-role*")),
    ([_allow("iam:PutRolePolicy", "arn:aws:iam::*:role/*")], "iam:PutRolePolicy",
     (True, False, "arn:aws:iam::*:role/*")),
    # a second, ordinary pattern of the same statement still counts, and is the one named
    ([_allow("iam:AttachRolePolicy", [SLR, "arn:aws:iam::*:role/app-*"])], "iam:AttachRolePolicy",
     (True, False, "arn:aws:iam::*:role/app-*")),
    ([_allow("iam:AttachRolePolicy")], "iam:AttachRolePolicy", (True, False, "*")),
    # not a role edit: creating a service-linked role is what the path is for
    ([_allow("iam:CreateServiceLinkedRole", SLR)], "iam:CreateServiceLinkedRole", (True, False, SLR)),
    ([_allow("iam:PassRole", SLR)], "iam:PassRole", (True, False, SLR)),
]


@pytest.mark.parametrize("statements, action, expected", SLR_CASES)
def test_role_edits_on_service_linked_roles_grant_nothing(tmp_path, statements, action, expected):
    assert _answer(_eff(tmp_path, *statements), action) == expected


DEPLOY_TIME_CASES = [
    # a deploy-time ARN counts as the one role it names
    ([_allow("iam:PutRolePolicy", SUB_ROLE)], (True, False, SUB_TEXT)),
    ([_allow("iam:PutRolePolicy", STACK_ROLE)], (True, False, "arn:aws:iam::${AWS::AccountId}:role/${AWS::StackName}-worker")),
    # a whole-value parameter is one resource too, never the literal ARN "RoleArn"
    ([_allow("iam:PutRolePolicy", PARAM)], (True, False, "RoleArn")),
    # a Deny that certainly covers it removes it: *, role/*, the same value
    ([_allow("iam:PutRolePolicy", SUB_ROLE), _deny("iam:PutRolePolicy")], (False, False, "*")),
    ([_allow("iam:PutRolePolicy", SUB_ROLE), _deny("iam:PutRolePolicy", "arn:aws:iam::*:role/*")], NONE_OF_IT),
    # (the same value denied: on "*" the answer stays "depends"; a Deny of one deploy-time value
    # never takes away a whole set such as "*")
    ([_allow("iam:PutRolePolicy", SUB_ROLE), _deny("iam:PutRolePolicy", SUB_ROLE)], (None, False, "*")),
    ([_allow("iam:PutRolePolicy", PARAM), _deny("iam:*")], (False, False, "*")),
    # a Deny that could cover it makes it conditional, never removes it
    ([_allow("iam:PutRolePolicy", SUB_ROLE), _deny("iam:PutRolePolicy", "arn:aws:iam::*:role/admin-*")],
     (True, True, SUB_TEXT)),
    ([_allow("iam:PutRolePolicy", STACK_ROLE), _deny("iam:PutRolePolicy", "arn:aws:iam::*:role/prod-*")],
     (True, True, "arn:aws:iam::${AWS::AccountId}:role/${AWS::StackName}-worker")),
    ([_allow("iam:PutRolePolicy", PARAM), _deny("iam:PutRolePolicy", "arn:aws:iam::*:role/admin")],
     (True, True, "RoleArn")),
    ([_allow("iam:PutRolePolicy", SUB_ROLE), _deny("iam:PutRolePolicy", PARAM)],
     (True, True, SUB_TEXT)),
    # a Deny that cannot cover it (another type, another suffix, another service's deploy-time ARN) changes nothing
    ([_allow("iam:PutRolePolicy", SUB_ROLE), _deny("iam:*", {"Fn::Sub": "arn:aws:s3:::${Name}/*"})],
     (True, False, SUB_TEXT)),
    ([_allow("iam:PutRolePolicy", SUB_ROLE), _deny("iam:PutRolePolicy", "arn:aws:iam::*:user/*")],
     (True, False, SUB_TEXT)),
    ([_allow("iam:PutRolePolicy", STACK_ROLE), _deny("iam:PutRolePolicy", "arn:aws:iam::*:role/*-admin")],
     (True, False, "arn:aws:iam::${AWS::AccountId}:role/${AWS::StackName}-worker")),
    # a conditional Deny that covers it: conditional
    ([_allow("iam:PutRolePolicy", SUB_ROLE),
      _deny("iam:PutRolePolicy", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})],
     (True, True, SUB_TEXT)),
    # an Allow under a condition: conditional
    ([_allow("iam:PutRolePolicy", SUB_ROLE, Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}})],
     (True, True, SUB_TEXT)),
    # an unconditional grant elsewhere is preferred
    ([_allow("iam:PutRolePolicy", SUB_ROLE, Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}),
      _allow("iam:PutRolePolicy", "arn:aws:iam::*:role/app")], (True, False, "arn:aws:iam::*:role/app")),
    # a value that names a resource of another service is not a role for this action
    ([_allow("iam:PutRolePolicy", {"Fn::Sub": "arn:aws:s3:::${Name}"})], NONE_OF_IT),
    # a deploy-time service-linked role is still a service-linked role
    ([_allow("iam:PutRolePolicy", {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:role/aws-service-role/${Name}"})],
     NONE_OF_IT),
    # the action is not covered at all
    ([_allow("iam:GetRole", SUB_ROLE)], (False, False, "*")),
]


@pytest.mark.parametrize("statements, expected", DEPLOY_TIME_CASES)
def test_deploy_time_resource_counts_as_the_resource_it_names(tmp_path, statements, expected):
    assert _answer(_eff(tmp_path, *statements), "iam:PutRolePolicy") == expected


@pytest.mark.parametrize("boundary, expected", [
    ([_allow("iam:*")], (True, False)),
    ([_allow("iam:PutRolePolicy", SUB_ROLE)], (True, False)),
    ([_allow("iam:PutRolePolicy", "arn:aws:iam::*:role/*")], (True, False)),
    ([_allow("iam:PutRolePolicy", "arn:aws:iam::*:role/app-*")], (None, False)),  # it may or may not be app-*
    ([_allow("s3:*")], (False, False)),
])
def test_deploy_time_resource_within_a_boundary(tmp_path, boundary, expected):
    eff = _eff(tmp_path, _allow("iam:PutRolePolicy", SUB_ROLE), boundary=boundary)
    grant = eff.grant_on_value("iam:PutRolePolicy", eff.deploy_time_resources("iam:PutRolePolicy")[0])
    assert (grant.allowed, grant.conditional) == expected


def test_whole_value_unknown_is_not_read_as_an_arn(tmp_path):
    eff = _eff(tmp_path, _allow("iam:PutRolePolicy", PARAM))
    assert eff.resource_patterns("iam:PutRolePolicy") == ["*"]
    assert [v.text for v in eff.deploy_time_resources("iam:PutRolePolicy")] == ["RoleArn"]
    # the literal string is not allowed: it would be a pattern matching nothing real
    assert eff.grant("iam:PutRolePolicy", "RoleArn").allowed is not True


def test_terraform_variable_resource_counts(tmp_path):
    (tmp_path / "main.tf").write_text('''
variable "role_arn" {}
resource "aws_iam_user" "ops" { name = "ops" }
resource "aws_iam_user_policy" "ops" {
  user   = aws_iam_user.ops.name
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "iam:PutRolePolicy", Resource = var.role_arn }] })
}
''')
    result = load_resources([str(tmp_path)], Settings())
    model = IamModel(result.resources)
    principal = next(p for p in model.principals.values() if p.address == "aws_iam_user.ops")
    eff = EffectiveIndex(model).of(principal)
    grant, where = eff.grant_somewhere("iam:PutRolePolicy")
    assert (grant.allowed, grant.conditional, where) == (True, False, "var.role_arn")
    assert eff.resource_patterns("iam:PutRolePolicy") == ["*"]


@pytest.mark.parametrize("first, second, meet", [
    ("*", "anything", True),
    ("arn:aws:iam::*:role/admin-*", "arn:aws:iam::000000000000:role/*", True),
    ("arn:aws:iam::*:role/*-admin", "arn:aws:iam::000000000000:role/*-worker", False),
    ("arn:aws:iam::*:user/*", "arn:aws:iam::000000000000:role/*", True),  # as plain text: * spans the colon
    ("a?c", "*b*", True),
    ("a?c", "abd", False),
    ("abc", "abc", True),
    ("", "*", True),
    ("", "a", False),
    ("*a*b*", "*b*a*", True),
    ("x*", "y*", False),
])
def test_globs_meet(first, second, meet):
    assert globs_meet(first, second) is meet
    assert globs_meet(second, first) is meet


@pytest.mark.parametrize("first, second, meet", [
    ("arn:aws:iam::*:user/*", "arn:aws:iam::000000000000:role/*", False),  # * stays in the account part
    ("arn:aws:iam::*:role/admin-*", "arn:aws:iam::000000000000:role/*", True),
    ("arn:aws:ec2:*:*:instance/*", "arn:aws:ssm:*:*:document/*", False),
    ("arn:aws:ec2:eu-west-1:*:instance/*", "arn:aws:ec2:*:000000000000:instance/i-*", True),
    ("*", "arn:aws:ec2:*:*:instance/*", True),
    ("RoleArn", "arn:aws:iam::*:role/*", False),
])
def test_arns_meet(first, second, meet):
    assert arns_meet(first, second) is meet
    assert arns_meet(second, first) is meet


# --- ssm:SendCommand / ssm:StartSession reach a role only through an instance that has one

def _ssm_analysis(tmp_path, resource, extra=None, statements=None):
    from iacguard.iam.escalation import EscalationAnalysis

    policy = {"Statement": statements or [_allow(["ssm:SendCommand", "ssm:StartSession"], resource)]}
    resources = {"Ops": {"Type": "AWS::IAM::User", "Properties": {
        "UserName": "ops", "Policies": [{"PolicyName": "p", "PolicyDocument": policy}]}}, **(extra or {})}
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Parameters": {"InstanceId": {"Type": "String"}},
                "Resources": resources}
    (tmp_path / "t.json").write_text(json.dumps(template))
    result = load_resources([str(tmp_path)], Settings())
    assert result.errors == []
    model = IamModel(result.resources)
    analysis = EscalationAnalysis(model)
    ops = next(p for p in model.principals.values() if p.address == "Ops")
    return {u.method.name: [a.where() for a in u.actions] for u in analysis.methods_for(ops)}


ROLE = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}}
PROFILE = {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": [{"Ref": "Role"}]}}
WITH_ROLE = {"Role": ROLE, "Profile": PROFILE,
             "Box": {"Type": "AWS::EC2::Instance", "Properties": {"ImageId": "ami-1", "IamInstanceProfile": {"Ref": "Profile"}}}}
WITHOUT_ROLE = {"Box": {"Type": "AWS::EC2::Instance", "Properties": {"ImageId": "ami-1"}}}
TEMPLATE_WITH_ROLE = {"Role": ROLE, "Profile": PROFILE, "Lt": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {
    "LaunchTemplateData": {"IamInstanceProfile": {"Arn": {"Fn::GetAtt": "Profile.Arn"}}}}}}
DOCUMENT = "arn:aws:ssm:*:*:document/AWS-RunShellScript"
ANY_INSTANCE = "arn:aws:ec2:*:*:instance/*"
SOME_INSTANCES = "arn:aws:ec2:*:*:instance/i-0ab*"
ONE_INSTANCE = "arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc1234567890def"
BOTH = {"SSMSendCommand": None, "SSMStartSession": None}


@pytest.mark.parametrize("resource, extra, named", [
    ("*", None, "any resource"),  # the scan launches no instance: it cannot tell, any may have a role
    ("*", WITH_ROLE, "any resource"),
    ("*", TEMPLATE_WITH_ROLE, "any resource"),
    (ANY_INSTANCE, None, ANY_INSTANCE),
    # every instance of the account: instances outside the scan may carry a role, whatever the
    # scan's own instances carry
    ("*", WITHOUT_ROLE, "any resource"),
    (ANY_INSTANCE, WITHOUT_ROLE, ANY_INSTANCE),
    ("arn:aws:ec2:us-east-1:111122223333:instance/*", WITHOUT_ROLE, "arn:aws:ec2:us-east-1:111122223333:instance/*"),
    # (the deploying account, by that name, and any region, as the policy is resolved)
    ({"Fn::Sub": "arn:aws:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"}, None,
     "arn:aws:ec2:*:<deploying account>:instance/*"),
    ("arn:aws:ssm:*:*:managed-instance/*", None, "arn:aws:ssm:*:*:managed-instance/*"),
    # the evidence names the instance pattern, not the statement's first Resource (a document)
    ([DOCUMENT, ANY_INSTANCE], None, ANY_INSTANCE),
    ([DOCUMENT, SOME_INSTANCES], WITH_ROLE, SOME_INSTANCES),
    ([DOCUMENT, SOME_INSTANCES], TEMPLATE_WITH_ROLE, SOME_INSTANCES),
    ([DOCUMENT, {"Fn::Sub": "arn:aws:ec2:${AWS::Region}:${AWS::AccountId}:instance/${Box}"}], WITH_ROLE,
     "arn:aws:ec2:${AWS::Region}:${AWS::AccountId}:instance/${Box}"),
])
def test_ssm_on_instances_with_roles_is_escalation(tmp_path, resource, extra, named):
    methods = _ssm_analysis(tmp_path, resource, extra)
    assert methods == {"SSMSendCommand": [named], "SSMStartSession": [named]}


@pytest.mark.parametrize("resource, extra", [
    (DOCUMENT, None),  # documents only: no instance is in scope
    ("arn:aws:ssm:*:*:document/*", WITH_ROLE),
    ([DOCUMENT, SOME_INSTANCES], None),  # no instance of the scan carries a role
    ([DOCUMENT, SOME_INSTANCES], WITHOUT_ROLE),
    ([DOCUMENT, ONE_INSTANCE], WITH_ROLE),  # a literal instance outside the scan: cannot tell
    ([DOCUMENT, {"Fn::Sub": "arn:aws:ec2:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}"}], WITH_ROLE),
    ([DOCUMENT, {"Fn::Sub": "arn:aws:ec2:${AWS::Region}:${AWS::AccountId}:instance/${Box}"}], WITHOUT_ROLE),
    ("arn:aws:s3:::bucket/*", WITH_ROLE),
])
def test_ssm_without_instances_with_roles_is_not(tmp_path, resource, extra):
    assert _ssm_analysis(tmp_path, resource, extra) == {}


def test_slr_scoped_role_edits_are_no_escalation_method(tmp_path):
    statements = [_allow(["iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"], SLR)]
    assert _ssm_analysis(tmp_path, None, None, statements) == {}
    # role/* also names the roles outside the scan, whose path is not known
    statements = [_allow(["iam:PutRolePolicy"], [SLR, "arn:aws:iam::*:role/*"])]
    assert _ssm_analysis(tmp_path, None, None, statements) == {"PutRolePolicy": [
        "any role outside this template or module (whose trust policy cannot be checked)"]}


def _hops(tmp_path, resource, extra):
    from iacguard.iam.escalation import EscalationAnalysis

    policy = {"Statement": [_allow("ssm:SendCommand", resource)]}
    resources = {"Ops": {"Type": "AWS::IAM::User", "Properties": {
        "UserName": "ops", "Policies": [{"PolicyName": "p", "PolicyDocument": policy}]}}, **extra}
    (tmp_path / "t.json").write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}))
    model = IamModel(load_resources([str(tmp_path)], Settings()).resources)
    ops = next(p for p in model.principals.values() if p.address == "Ops")
    return [(h.target.address, h.kind) for h in EscalationAnalysis(model).hops_from(ops)]


@pytest.mark.parametrize("resource, expected", [
    ("*", [("Role", "can_become")]),
    (ANY_INSTANCE, [("Role", "can_become")]),  # every instance: as good as "*"
    ("arn:aws-cn:ec2:*:*:instance/*", [("Role", "can_become")]),
    ([DOCUMENT, ANY_INSTANCE], [("Role", "can_become")]),
    (SOME_INSTANCES, []),  # which instances, and so which role, is not known: no edge
])
def test_ssm_on_every_instance_takes_over_the_instances_roles(tmp_path, resource, expected):
    assert _hops(tmp_path, resource, WITH_ROLE) == expected


def test_a_service_linked_statement_is_never_behind_a_deploy_time_grant(tmp_path):
    # role/${Name} may be a service-linked role's name as far as patterns go, but the statement
    # scoped to service-linked roles grants no edit: only statement 3 is behind the grant
    eff = _eff(tmp_path, _allow("iam:PutRolePolicy", SLR), _allow("iam:AttachRolePolicy", SUB_ROLE),
               _allow("iam:PutRolePolicy", SUB_ROLE))
    grant, where = eff.grant_somewhere("iam:PutRolePolicy")
    assert (grant.allowed, grant.conditional, where) == (True, False, SUB_TEXT)
    assert [s.index for s in grant.allow_statements] == [2]
    # and for an action that is no role edit, it may be
    eff = _eff(tmp_path, _allow("iam:PassRole", SLR), _allow("iam:PassRole", SUB_ROLE))
    grant, _ = eff.grant_somewhere("iam:PassRole")
    assert [s.index for s in grant.allow_statements] == [0, 1]


REPORT_GROUP = "arn:aws:codebuild:us-east-1:111122223333:report-group/app*"
STACK_REPORT_GROUP = {"Fn::Sub": "arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:"
                                 "report-group/${AWS::StackName}*"}


@pytest.mark.parametrize("resource, expected", [
    # a pattern of another resource type of the same service names no project
    (REPORT_GROUP, (False, False, "*")),
    (STACK_REPORT_GROUP, NONE_OF_IT),
    ("arn:aws:codebuild:us-east-1:111122223333:project/app", (True, False,
                                                              "arn:aws:codebuild:us-east-1:111122223333:project/app")),
    ({"Fn::Sub": "arn:aws:codebuild:${AWS::Region}:${AWS::AccountId}:project/${AWS::StackName}"},
     (True, False, "arn:aws:codebuild:${AWS::Region}:${AWS::AccountId}:project/${AWS::StackName}")),
    # a wildcard in the resource-type part may be a project
    ("arn:aws:codebuild:us-east-1:111122223333:*", (True, False, "arn:aws:codebuild:us-east-1:111122223333:*")),
    ("arn:aws:codebuild:us-east-1:111122223333:report-group/*", (False, False, "*")),
])
def test_a_pattern_counts_only_if_it_may_name_a_resource_type_of_the_action(tmp_path, resource, expected):
    eff = _eff(tmp_path, _allow("codebuild:*", resource))
    assert _answer(eff, "codebuild:UpdateProject") == expected


def test_resource_arn_globs_come_from_the_catalogue():
    from iacguard.iam.actions import resource_arn_globs

    assert resource_arn_globs("codebuild:UpdateProject") == ("arn:*:codebuild:*:*:project/*",)
    assert "arn:*:iam::*:role/*" in resource_arn_globs("iam:PassRole")
    assert resource_arn_globs("sts:GetCallerIdentity") is None  # takes only "*"
    assert resource_arn_globs("nosuch:Action") is None


def test_codebuild_star_on_report_groups_is_no_escalation_end_to_end():
    from helpers import ROOT, scan_json

    report, _ = scan_json(str(ROOT / "tests" / "fixtures" / "calibration" / "codebuild_report_groups.yaml"))
    assert sorted((f["rule_id"], f["resource"], f["line"], f["severity"]) for f in report["findings"]) == [
        ("IAG-LP-002", "CodeBuildRole", 16, "medium"), ("IAG-LP-002", "CodeBuildRole", 22, "medium")]



@pytest.mark.parametrize("deny_resource", [PARAM, SUB_ROLE])
def test_a_deny_of_one_deploy_time_resource_leaves_a_wildcard_grant_whole(tmp_path, deny_resource):
    # the Deny names one role; role/* still reaches every other one
    eff = _eff(tmp_path, _allow("iam:PutRolePolicy", "arn:aws:iam::*:role/*"), _deny("iam:*", deny_resource))
    assert _answer(eff, "iam:PutRolePolicy") == (True, False, "arn:aws:iam::*:role/*")
    # a Deny of "*" beside it still removes it
    eff = _eff(tmp_path, _allow("iam:PutRolePolicy", "arn:aws:iam::*:role/*"), _deny("iam:*", deny_resource),
               _deny("iam:*"))
    assert _answer(eff, "iam:PutRolePolicy") == (False, False, "*")
