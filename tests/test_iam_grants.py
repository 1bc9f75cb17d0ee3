"""iam/grants.py: how broad one identity-policy statement is (resources, actions, conditions)."""

from __future__ import annotations

import pytest

from iacguard.iam import managed
from iacguard.iam.grants import (condition_clause, constraining_conditions, denied_everywhere, every_action_entry,
                                 every_resource_entry, expanded_actions, lower_severity, might_be_every_resource,
                                 resource_scope, restrictable, service_wide_wildcard, services_of_pattern, summarize)
from iacguard.iam.policy import parse_policy
from iacguard.values import Ref, Unknown


def statement(**fields):
    body = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}
    body.update(fields)
    for key in [k for k, v in body.items() if v is None]:
        del body[key]
    return parse_policy({"Version": "2012-10-17", "Statement": [body]}).statements[0]


@pytest.mark.parametrize("entry,expected", [
    ("*", True), ("**", True), (" * ", True),
    ("arn:*", True), ("arn:aws:*", True), ("arn:aws:*:*", True), ("arn:aws:*:*:*:*", True),
    ("arn:*:*:*:*:*", True), ("arn:aws:*:eu-west-1:111122223333:*", True),
    ("arn:aws:s3:::*", False),                               # names a service
    ("arn:aws:logs:*:*:log-group:/app/*", False),            # scoped ARN with wildcards (trivy #5090)
    ("arn:aws:s3:::bucket/*/*.log", False),                  # trivy #5114
    ("arn:aws:iam::111122223333:role/*", False),
    ("arn:aws:*:*:*:log-group:*", False),                    # names a resource type
    ("arn:aws:?", False), ("", False), ("bucket", False), (None, False), (5, False),
    (Unknown("var.arn"), False), (Ref("aws_s3_bucket.b", "arn"), False),
])
def test_every_resource_entry(entry, expected):
    assert every_resource_entry(entry) is expected


@pytest.mark.parametrize("entry,expected", [
    (Unknown("var.arn"), True),                               # a variable could be "*"
    (Unknown("Arn"), True),                                   # a CloudFormation parameter without default
    (Unknown("${var.a}${var.b}"), True),
    (Unknown("${var.a}*"), True),
    (Unknown("arn:aws:s3:::${var.bucket}/*"), False),         # literal ARN text around the hole
    (Unknown("${aws_s3_bucket.b.arn}/*", refs=[Ref("aws_s3_bucket.b", "arn")]), False),
    (Unknown("${aws_s3_bucket.b.arn}", refs=[Ref("aws_s3_bucket.b", "arn")]), False),
    (Ref("aws_s3_bucket.b", "arn"), False),
    ("*", False), ("arn:aws:s3:::b", False),
])
def test_might_be_every_resource(entry, expected):
    assert might_be_every_resource(entry) is expected


@pytest.mark.parametrize("fields,every,via_not,unknown,label", [
    ({}, True, False, 0, "every resource (*)"),
    ({"Resource": ["arn:aws:s3:::b/*", "*"]}, True, False, 0, "every resource (*)"),
    ({"Resource": "arn:aws:s3:::b/*"}, False, False, 0, ""),
    ({"Resource": "arn:aws:*:*:*:*"}, True, False, 0, "every resource (arn:aws:*:*:*:*)"),
    ({"Resource": None, "NotResource": "arn:aws:s3:::secret/*"}, True, True, 0,
     "every resource except arn:aws:s3:::secret/*"),
    ({"Resource": None, "NotResource": "*"}, False, True, 0, ""),
    ({"Resource": None, "NotResource": Unknown("var.excluded")}, False, True, 1, ""),
    ({"Resource": Unknown("var.arn")}, False, False, 1, ""),
    ({"Resource": [Ref("aws_s3_bucket.b", "arn"), Unknown("var.arn")]}, False, False, 1, ""),
])
def test_resource_scope(fields, every, via_not, unknown, label):
    scope = resource_scope(statement(**fields))
    assert (scope.every, scope.via_not_resource, len(scope.unknown), scope.label) == (every, via_not, unknown, label)


@pytest.mark.parametrize("entry,expected", [
    ("*", True), ("*:*", True), ("s3:*", True), ("S3:**", True), ("s3*", True), ("iam:*", True),
    ("ec2:Describe*", False), ("*:Get*", False), ("s3:Get*", False), ("s3:GetObject", False),
    ("s?:*", True), ("", False), (Unknown("var.action"), False), (None, False),
])
def test_service_wide_wildcard(entry, expected):
    assert service_wide_wildcard(entry) is expected


@pytest.mark.parametrize("entry,expected", [
    ("*", True), ("*:*", True), ("**", True), ("s3:*", False), ("*:Get*", False), ("a:b:c", False),
    (Unknown("x"), False),
])
def test_every_action_entry(entry, expected):
    assert every_action_entry(entry) is expected


def test_services_of_pattern():
    assert services_of_pattern("s3:*") == ["s3"]
    assert "s3express" in services_of_pattern("s3*") and "s3" in services_of_pattern("s3*")
    assert services_of_pattern("nosuchservice:*") == []
    assert len(services_of_pattern("*")) > 300


def test_expanded_actions_keeps_unknowns_and_uncatalogued_names():
    names, unknown = expanded_actions(statement(Action=["logs:*LogDelivery", "s3:NotARealAction",
                                                        Unknown("var.action")]))
    assert names == ["logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:GetLogDelivery",
                     "logs:UpdateLogDelivery", "s3:NotARealAction"]
    assert [str(u) for u in unknown] == ["var.action"]


@pytest.mark.parametrize("action,expected", [
    ("s3:PutObject", True), ("iam:PassRole", True), ("kms:Decrypt", True),
    # the actions peers flag on "*" although they accept nothing else (checkov #5134, trivy #5040)
    ("s3:ListAllMyBuckets", False), ("iam:ListVirtualMFADevices", False), ("logs:CreateLogDelivery", False),
    ("guardduty:AcceptInvitation", False), ("secretsmanager:BatchGetSecretValue", False),
    ("s3:NoSuchAction", None),
])
def test_restrictable(action, expected):
    assert restrictable(action) is expected


RTAG = {"StringEquals": {"aws:ResourceTag/team": "payments"}}


@pytest.mark.parametrize("condition,credited", [
    (RTAG, ["aws:ResourceTag/team"]),
    ({"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}, ["aws:RequestedRegion"]),
    ({"StringEquals": {"aws:SourceVpc": "vpc-1"}}, ["aws:SourceVpc"]),
    ({"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}, ["kms:ViaService"]),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:111122223333:t"}}, ["aws:SourceArn"]),
    ({"StringEquals": {"aws:ResourceTag/team": Unknown("var.team")}}, ["aws:ResourceTag/team"]),
    ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, ["aws:SourceIp"]),
    # hold for (nearly) any request: not a narrowing
    ({"Bool": {"aws:SecureTransport": "true"}}, []),
    ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, []),
    ({"StringEqualsIfExists": {"aws:ResourceTag/team": "payments"}}, []),
    ({"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}, []),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}, []),
    ({"Null": {"aws:ResourceTag/team": "false"}}, []),
    ({"StringLike": {"aws:ResourceTag/team": "*"}}, []),
    ({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}, []),
    ({"NoSuchOperator": {"aws:ResourceTag/team": "x"}}, []),
])
def test_constraining_conditions(condition, credited):
    found = constraining_conditions(statement(Condition=condition))
    assert [c.key for c in found] == credited


def test_condition_clause_names_credited_and_loose_conditions():
    st = statement(Condition={"StringEquals": {"aws:ResourceTag/team": "payments"},
                              "Bool": {"aws:SecureTransport": "true"}})
    text, narrowed = condition_clause(st)
    assert narrowed
    assert "only when StringEquals aws:ResourceTag/team [payments]" in text
    assert "condition Bool aws:SecureTransport [true] does not narrow the grant" in text
    text, narrowed = condition_clause(statement(Condition={"StringEquals": {"iam:PassedToService": "x"}}),
                                      exclude_keys=("iam:passedtoservice",))
    assert not narrowed and "does not narrow" in text
    assert condition_clause(statement()) == ("", False)


def test_denied_everywhere():
    def doc(*statements):
        return parse_policy({"Version": "2012-10-17", "Statement": list(statements)})
    allow = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}
    assert denied_everywhere(doc(allow, {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}), "s3:PutObject")
    # a Deny on everything but one bucket leaves the Allow on that bucket only
    assert denied_everywhere(doc(allow, {"Effect": "Deny", "Action": "s3:PutObject",
                                         "NotResource": "arn:aws:s3:::uploads/*"}), "s3:PutObject")
    assert not denied_everywhere(doc(allow, {"Effect": "Deny", "Action": "s3:PutObject",
                                             "Resource": "arn:aws:s3:::payroll/*"}), "s3:PutObject")
    assert not denied_everywhere(doc(allow, {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*",
                                             "Condition": RTAG}), "s3:PutObject")
    assert not denied_everywhere(doc(allow), "s3:PutObject")


@pytest.mark.parametrize("severity,steps,expected", [
    ("critical", 1, "high"), ("high", 1, "medium"), ("medium", 1, "low"), ("low", 1, "low"), ("critical", 3, "low"),
])
def test_lower_severity(severity, steps, expected):
    assert lower_severity(severity, steps) == expected


def test_summarize():
    assert summarize(["a", "b"]) == "a, b"
    assert summarize([str(i) for i in range(10)], 3) == "0, 1, 2 and 7 more"
    assert summarize([]) == ""


def test_managed_privileged_table_is_consistent():
    for name, severity in managed.PRIVILEGED.items():
        assert severity in ("low", "medium", "high", "critical"), name
        found = managed.privileged(name)
        assert found and found[1] and found[1] != "broad access", name
        if name in managed.KNOWN:
            document = parse_policy(managed.KNOWN[name][0])
            assert document.statements and not document.problems, name
    assert "AdministratorAccess" not in managed.PRIVILEGED  # IAG-LP-001's
    assert managed.privileged("ViewOnlyAccess") is None
    assert managed.PRIVILEGED["IAMFullAccess"] == "critical"
    assert managed.PRIVILEGED["AWSCloudShellFullAccess"] == "medium"


def test_managed_summaries_name_catalogued_actions():
    from iacguard.iam.actions import expand_actions

    for name, (document, _) in managed.KNOWN.items():
        for st in document["Statement"]:
            actions = st.get("Action") or st.get("NotAction")
            for action in [actions] if isinstance(actions, str) else actions:
                assert expand_actions(action), f"{name}: {action} matches no catalogued action"


@pytest.mark.parametrize("pattern, action, every", [
    ("arn:aws:s3:::*/*", "s3:GetObject", True), ("arn:aws:s3:::*", "s3:GetObject", True),
    ("arn:aws:s3:::reports/*", "s3:GetObject", False), ("arn:aws:iam::*:role/*", "iam:PassRole", True),
    ("arn:aws:iam::123456789012:role/*", "iam:PassRole", True),  # every role of the account
    ("arn:aws:iam::123456789012:role/app-*", "iam:PassRole", False),
    ("arn:aws:secretsmanager:*:*:secret:*", "secretsmanager:GetSecretValue", True),
    ("arn:aws:ssm:us-east-1:123456789012:parameter/app/*", "ssm:GetParameter", False),
    ("*", "s3:GetObject", False),  # not an ARN: resource_scope's own business
])
def test_names_every_resource(pattern, action, every):
    from iacguard.iam.actions import names_every_resource

    assert names_every_resource(pattern, action) is every


def test_arn_wildcards_as_broad_as_star_are_reported(tmp_path):
    from iacguard.engine import scan

    (tmp_path / "t.yaml").write_text("""\
Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: codebuild.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [iam:PassRole]
                Resource: arn:aws:iam::*:role/*
              - Effect: Allow
                Action: [s3:GetObject, s3:PutObject]
                Resource: arn:aws:s3:::*/*
              - Effect: Allow
                Action: [s3:GetObject, s3:PutObject]
                Resource: arn:aws:s3:::reports/*
""")
    result = scan([str(tmp_path)], root=tmp_path)
    got = sorted((f.rule_id, f.line) for f in result.findings if f.rule_id in ("IAG-LP-005", "IAG-LP-006", "IAG-LP-007"))
    assert got == [("IAG-LP-005", 14), ("IAG-LP-006", 11), ("IAG-LP-007", 14)]



def test_wildcard_write_filter_answers_per_action():
    # IAG-LP-005 asks its action filter once per action name and reuses the answer: each name
    # keeps its own (a write, a data read left to IAG-LP-007, PassRole left to IAG-LP-006, an
    # action that accepts only "*", a read), whatever was asked before it
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "checks" / "wildcard_resource_write.py"
    spec = importlib.util.spec_from_file_location("_lp005_probe", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = {"s3:PutObject": True, "s3:GetObject": False, "iam:PassRole": False, "IAM:PassRole": False,
                "s3:ListAllMyBuckets": False, "iam:PutRolePolicy": True, "ec2:DescribeInstances": False}
    for _ in range(2):
        for action, scopable in expected.items():
            assert module._scopable_write(action) is scopable, action
