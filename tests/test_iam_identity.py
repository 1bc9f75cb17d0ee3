"""iacguard.iam.identity and iacguard.iam.baseline: privilege, MFA and root-guardrail semantics."""

from __future__ import annotations

import pytest

from iacguard.iam.baseline import denies_root_user, event_pattern_matches_root, filter_pattern_matches_root
from iacguard.iam.identity import (mfa_enforcing_deny, mfa_if_exists_only, mfa_required, person_principal,
                                   privileged_grant)
from iacguard.iam.policy import parse_policy
from iacguard.iam.principals import parse_principal
from iacguard.values import Encoded, Unknown


def _doc(*statements):
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)})


def _statement(**fields):
    return _doc(fields).statements[0]


ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}


@pytest.mark.parametrize("statements, boundary, expected", [
    ([ALLOW_ALL], None, ("admin", "*")),
    ([{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}], None, ("permissions-management", "iam:AttachRolePolicy")),
    ([{"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "*"}], None, ("permissions-management", "iam:PutRolePolicy")),
    ([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}], None, ("permissions-management", None)),
    ([{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}], None, ("permissions-management", None)),
    # one write action on * is not privilege (a workload writing its logs)
    ([{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}], None, None),
    ([{"Effect": "Allow", "Action": "logs:CreateLogStream", "Resource": "*"}], None, None),
    ([{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}], None, None),  # scoped
    ([{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "ec2:Describe*"], "Resource": "*"}], None, None),
    ([{"Effect": "Allow", "Action": "xray:PutTraceSegments", "Resource": "*"}], None, None),  # accepts only *
    ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], None, ("permissions-management", None)),
    ([ALLOW_ALL, {"Effect": "Deny", "Action": "*", "Resource": "*"}], None, None),  # everything denied
    ([ALLOW_ALL], [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}], None),  # boundary caps it
    ([ALLOW_ALL], [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}], ("write", "s3:PutObject")),
    ([{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
       "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}], None,
     ("write", "iam:PassRole")),
    ([{"Effect": "Allow", "Action": Unknown("var.actions"), "Resource": "*"}], None, None),  # unknown: not counted
    ([], None, None),
])
def test_privileged_grant(statements, boundary, expected):
    privilege = privileged_grant([_doc(*statements)] if statements else [],
                                 [_doc(*boundary)] if boundary is not None else None)
    if expected is None:
        assert privilege is None
    else:
        assert privilege is not None and privilege.kind == expected[0]
        if expected[1] is not None:
            assert privilege.action == expected[1]


def test_conditional_privilege_is_marked():
    privilege = privileged_grant([_doc({"Effect": "Allow", "Action": "*", "Resource": "*",
                                        "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}})])
    assert privilege is not None and privilege.conditional and "under conditions" in privilege.describe()


MFA_NOT_ACTIONS = ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices", "sts:GetSessionToken"]


@pytest.mark.parametrize("statement, expected", [
    ({"Effect": "Deny", "NotAction": MFA_NOT_ACTIONS, "Resource": "*",
      "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}, True),
    ({"Effect": "Deny", "NotAction": MFA_NOT_ACTIONS, "Resource": "*",
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": False}}}, True),
    ({"Effect": "Deny", "Action": "*", "Resource": "*",
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}, True),
    ({"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*",
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}, False),  # too narrow
    ({"Effect": "Deny", "NotAction": MFA_NOT_ACTIONS, "Resource": "arn:aws:s3:::b",
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}, False),  # not every resource
    ({"Effect": "Deny", "NotAction": MFA_NOT_ACTIONS, "Resource": "*",
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}, False),  # denies MFA sessions
    ({"Effect": "Deny", "NotAction": MFA_NOT_ACTIONS, "Resource": "*",
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"},
                    "StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}, False),  # another condition
    ({"Effect": "Deny", "NotAction": MFA_NOT_ACTIONS, "Resource": "*"}, False),  # no MFA condition
    ({"Effect": "Allow", "Action": "*", "Resource": "*",
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}, False),  # an Allow
    ({"Effect": "Deny", "NotAction": MFA_NOT_ACTIONS, "Resource": "*",
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": Unknown("var.flag")}}}, False),
])
def test_mfa_enforcing_deny(statement, expected):
    assert mfa_enforcing_deny(_statement(**statement)) is expected


TRUST = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "111122223333"}}


@pytest.mark.parametrize("condition, required, if_exists_only", [
    (None, False, False),
    ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, True, False),
    ({"bool": {"AWS:MultiFactorAuthPresent": True}}, True, False),
    ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, False, True),
    ({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, False, False),
    ({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, True, False),
    ({"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}, False, False),
    ({"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}, False, False),
    ({"Null": {"aws:MultiFactorAuthPresent": "false"}}, False, False),
])
def test_mfa_required(condition, required, if_exists_only):
    fields = dict(TRUST, **({"Condition": condition} if condition else {}))
    statement = _statement(**fields)
    assert mfa_required(statement) is required
    assert mfa_if_exists_only(statement) is if_exists_only


@pytest.mark.parametrize("raw, expected", [
    ({"AWS": "111122223333"}, "account"),
    ({"AWS": "arn:aws:iam::111122223333:root"}, "account"),
    ({"AWS": "arn:aws:iam::111122223333:user/alice"}, "user"),
    ({"AWS": "arn:aws:iam::111122223333:role/ops"}, None),
    ({"AWS": "arn:aws:sts::111122223333:assumed-role/ops/s"}, None),
    ({"AWS": "*"}, None),
    ("*", None),
    ({"Service": "lambda.amazonaws.com"}, None),
    ({"Federated": "arn:aws:iam::111122223333:saml-provider/idp"}, None),
    ({"AWS": Unknown("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")}, "account"),
    ({"AWS": Unknown("arn:aws:iam::${var.account}:user/${var.name}")}, "user"),
    ({"AWS": Unknown("arn:aws:iam::${var.account}:role/x")}, None),
    ({"AWS": Unknown("var.principal")}, "unknown"),
])
def test_person_principal(raw, expected):
    (principal,), _ = parse_principal(raw)
    assert person_principal(principal) == expected


@pytest.mark.parametrize("pattern, expected", [
    ({"detail": {"userIdentity": {"type": ["Root"]}}}, True),
    ('{"detail": {"userIdentity": {"type": ["Root", "IAMUser"]}}}', True),
    (Encoded({"detail": {"userIdentity": {"type": ["Root"]}}}), True),
    ({"detail": {"userIdentity": {"type": ["IAMUser"]}}}, False),
    ({"detail": {"userIdentity": {"type": [{"anything-but": "Root"}]}}}, False),
    ({"source": ["aws.iam"]}, False),
    ("not json", False),
    (Unknown("var.pattern"), False),
])
def test_event_pattern_matches_root(pattern, expected):
    assert event_pattern_matches_root(pattern) is expected


@pytest.mark.parametrize("pattern, expected", [
    ('{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }', True),
    ("{$.userIdentity.type=Root}", True),
    ('{ $.userIdentity.type = "IAMUser" }', False),
    (Unknown("var.p"), False),
])
def test_filter_pattern_matches_root(pattern, expected):
    assert filter_pattern_matches_root(pattern) is expected


@pytest.mark.parametrize("statement, expected", [
    ({"Effect": "Deny", "Action": "*", "Resource": "*",
      "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}}, True),
    ({"Effect": "Deny", "Action": "*", "Resource": "*",
      "Condition": {"ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::*:root"]}}}, True),
    ({"Effect": "Deny", "Action": "*", "Resource": "*",
      "Condition": {"StringLike": {"aws:PrincipalArn": Unknown("arn:${AWS::Partition}:iam::*:root")}}}, True),
    ({"Effect": "Deny", "Action": "iam:CreateAccessKey", "Resource": "*",
      "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}}, False),  # one action
    ({"Effect": "Deny", "Action": "*", "Resource": "*",
      "Condition": {"StringNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}}, False),  # everyone else
    ({"Effect": "Deny", "Action": "*", "Resource": "*",
      "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}}, False),
    ({"Effect": "Deny", "Action": "*", "Resource": "*"}, False),  # denies everyone: not a root guardrail
    ({"Effect": "Allow", "Action": "*", "Resource": "*",
      "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}}, False),
])
def test_denies_root_user(statement, expected):
    assert denies_root_user(_statement(**statement)) is expected


def test_role_mfa_leaves_third_party_trust_with_an_external_id_to_iag_ext_004(tmp_path):
    """An ExternalId means a vendor's service assumes the role; MFA cannot apply to it."""
    from iacguard.engine import scan

    (tmp_path / "t.yaml").write_text("""\
Resources:
  Vendor:
    Type: AWS::IAM::Role
    Properties:
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::444455556666:root}
            Action: sts:AssumeRole
            Condition: {StringEquals: {sts:ExternalId: vendor-7f3a}}
  People:
    Type: AWS::IAM::Role
    Properties:
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: arn:aws:iam::444455556666:root}
            Action: sts:AssumeRole
            Condition: {StringEqualsIfExists: {sts:ExternalId: vendor-7f3a}}
""")
    result = scan([str(tmp_path)], root=tmp_path)
    assert sorted(f.resource for f in result.findings if f.rule_id == "IAG-MFA-002") == ["People"]


@pytest.mark.parametrize("text, expected", [
    ("aws_iam_user.dev.arn", "user"), ("${aws_iam_user.dev.arn}", "user"), ("module.m.aws_iam_user.x[0].arn", "user"),
    ("aws_iam_role.ci.arn", None), ("data.aws_iam_role.ci.arn", None), ("var.trusted", "unknown"),
])
def test_person_principal_reads_the_type_of_a_referenced_principal(text, expected):
    from iacguard.iam.principals import PrincipalRef
    from iacguard.values import Unknown

    assert person_principal(PrincipalRef("AWS", Unknown(text))) == expected
