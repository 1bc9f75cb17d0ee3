"""People or automation in trust policies (iacguard.iam.identity, IAG-MFA-002): anti-MFA
conditions, what ties a statement to automation, what marks a role for people, and the judgement
of each principal."""

from __future__ import annotations

import pytest

from iacguard.iam.external import Zone
from iacguard.iam.identity import anti_mfa, automation_pin, deploying_account, judge_principal, people_marks
from iacguard.iam.policy import parse_policy
from iacguard.iam.principals import parse_principal
from iacguard.values import Unknown

DEPLOY = Zone(frozenset({"111122223333"}))
PARTNER = Zone(frozenset({"111122223333"}), frozenset({"444455556666"}))
UNSET = Zone()
OTHER_ROOT = "arn:aws:iam::444455556666:root"
SELF_ROOT = Unknown("arn:aws:iam::${AWS::AccountId}:root")


def _doc(*statements):
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(aws=None, action="sts:AssumeRole", condition=None, principal=None):
    statement = {"Effect": "Allow", "Action": action, "Principal": principal or {"AWS": aws}}
    if condition:
        statement["Condition"] = condition
    return statement


def _principal(raw):
    (principal,), _ = parse_principal(raw)
    return principal


@pytest.mark.parametrize("condition, expected", [
    ({"Bool": {"aws:MultiFactorAuthPresent": "false"}}, True),
    ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}, True),
    ({"Bool": {"aws:MultiFactorAuthPresent": ["false"]}}, True),
    ({"Bool": {"aws:MultiFactorAuthPresent": "FALSE"}}, True),
    ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, False),
    ({"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}, False),
    ({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}, False),
    ({"Bool": {"aws:SecureTransport": "false"}}, False),
    ({"Null": {"aws:MultiFactorAuthPresent": "true"}}, False),  # absent key: not this operator
    ({"Bool": {"aws:MultiFactorAuthPresent": Unknown("var.mfa")}}, False),
    (None, False),
])
def test_anti_mfa(condition, expected):
    assert anti_mfa(_doc(_trust(OTHER_ROOT, condition=condition)).statements[0]) is expected


def test_anti_mfa_only_on_allow():
    deny = {"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": {"AWS": "*"},
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
    assert anti_mfa(_doc(deny).statements[0]) is False


@pytest.mark.parametrize("condition, pinned", [
    ({"StringEquals": {"sts:ExternalId": "agreed"}}, "sts:ExternalId"),
    ({"StringLike": {"sts:ExternalId": "agreed-*"}}, "sts:ExternalId"),
    ({"StringEqualsIfExists": {"sts:ExternalId": "agreed"}}, None),  # absent id passes
    ({"StringEquals": {"sts:ExternalId": "*"}}, None),  # a value of wildcards only is not credited
    ({"StringLike": {"sts:ExternalId": "*"}}, None),  # any id
    ({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/pipeline"}}, "aws:PrincipalArn"),
    ({"ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/ci-*", "arn:aws:iam::*:role/cd"]}}, "aws:PrincipalArn"),
    ({"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/pipeline"}}, "aws:PrincipalArn"),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}, None),  # users are people
    ({"ArnLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/ci", "arn:aws:iam::*:user/bob"]}}, None),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_*"}},
     None),  # Identity Center roles are people
    # patterns that may match Identity Center's roles for people pin nothing
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/*"}}, None),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/aws-reserved/*"}}, None),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${AWS::AccountId}:role/*"}}, None),
    ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/pipeline-*"}}, "aws:PrincipalArn"),
    ({"ArnLikeIfExists": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci"}}, None),
    ({"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci"}}, None),
    ({"ForAllValues:ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci"}}, None),
    ({"StringEquals": {"aws:PrincipalTag/team": "ops"}}, None),
    (None, None),
])
def test_automation_pin(condition, pinned):
    found = automation_pin(_doc(_trust(OTHER_ROOT, condition=condition)).statements[0])
    assert (found is None) if pinned is None else (pinned in found)


@pytest.mark.parametrize("raw, zone, expected", [
    ({"AWS": SELF_ROOT}, UNSET, True),
    ({"AWS": Unknown("arn:aws:iam::${data.aws_caller_identity.current.account_id}:root")}, UNSET, True),
    ({"AWS": "111122223333"}, DEPLOY, True),
    ({"AWS": "arn:aws:iam::111122223333:root"}, DEPLOY, True),
    ({"AWS": OTHER_ROOT}, DEPLOY, False),
    ({"AWS": "444455556666"}, DEPLOY, False),
    ({"AWS": OTHER_ROOT}, PARTNER, False),
    ({"AWS": OTHER_ROOT}, Zone(frozenset(), frozenset({"444455556666"})), False),  # a partner is another account
    ({"AWS": OTHER_ROOT}, UNSET, None),  # the deploying account is not known
    ({"AWS": Unknown("arn:aws:iam::${PartnerAccount}:root")}, DEPLOY, None),
    ({"AWS": Unknown("var.account")}, DEPLOY, None),
])
def test_deploying_account(raw, zone, expected):
    assert deploying_account(_principal(raw), zone) is expected


@pytest.mark.parametrize("statements, zone, expected", [
    ([_trust(OTHER_ROOT)], DEPLOY, []),
    ([_trust("arn:aws:iam::111122223333:role/ci")], DEPLOY, []),
    ([_trust(principal={"Service": "ec2.amazonaws.com"})], DEPLOY, []),
    ([_trust(principal={"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
             action="sts:AssumeRoleWithWebIdentity")], DEPLOY, []),
    ([_trust("arn:aws:iam::111122223333:user/alice")], DEPLOY, ["the IAM user arn:aws:iam::111122223333:user/alice"]),
    ([_trust(principal={"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"}, action="sts:AssumeRoleWithSAML")],
     DEPLOY, ["SAML federation through arn:aws:iam::111122223333:saml-provider/Okta"]),
    ([_trust(principal={"Federated": Unknown("aws_iam_saml_provider.idp.arn")}, action="sts:AssumeRoleWithSAML")],
     DEPLOY, ["SAML federation through aws_iam_saml_provider.idp.arn"]),
    ([_trust(SELF_ROOT)], UNSET,
     ["the deploying account's root arn:aws:iam::${AWS::AccountId}:root (its IAM users, people of the same account)"]),
    ([_trust("111122223333")], DEPLOY,
     ["the deploying account's root 111122223333 (its IAM users, people of the same account)"]),
    # the deploying account tied to automation does not mark the role
    ([_trust(SELF_ROOT, condition={"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ci"}})], UNSET, []),
    ([_trust(SELF_ROOT, condition={"StringEquals": {"sts:ExternalId": "x"}})], UNSET, []),
    # an account the scan cannot place does not mark it either (it is judged on its own)
    ([_trust(OTHER_ROOT)], UNSET, []),
    ([_trust(OTHER_ROOT, condition={"StringEquals": {"aws:username": "alice"}})], DEPLOY,
     ["a condition on aws:username (set only in a person's session)"]),
    ([_trust(OTHER_ROOT, condition={"StringLike": {"sts:SourceIdentity": "*@example.com"}})], DEPLOY,
     ["a condition on sts:SourceIdentity (set only in a person's session)"]),
    ([_trust(OTHER_ROOT, condition={"StringEquals": {"identitystore:UserId": "u-1"}})], DEPLOY,
     ["a condition on identitystore:UserId (set only in a person's session)"]),
    ([_trust(OTHER_ROOT, condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/"
                                                                    "AWSReservedSSO_Admin_*"}})], DEPLOY,
     ["aws:PrincipalArn naming arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_*"]),
    # a Deny names no one who may assume the role
    ([{"Effect": "Deny", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}}],
     DEPLOY, []),
    # several marks, each once, in order
    ([_trust("arn:aws:iam::111122223333:user/alice"), _trust("arn:aws:iam::111122223333:user/alice"),
      _trust(principal={"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"}, action="sts:AssumeRoleWithSAML")],
     DEPLOY, ["the IAM user arn:aws:iam::111122223333:user/alice",
              "SAML federation through arn:aws:iam::111122223333:saml-provider/Okta"]),
])
def test_people_marks(statements, zone, expected):
    assert people_marks(_doc(*statements), zone) == expected


MARKS = ["the IAM user arn:aws:iam::111122223333:user/alice"]


@pytest.mark.parametrize("raw, condition, marks, zone, people, why", [
    ({"AWS": "arn:aws:iam::111122223333:user/alice"}, None, [], DEPLOY, True, "is an IAM user"),
    ({"AWS": Unknown("aws_iam_user.alice.arn")}, None, [], DEPLOY, True, "is an IAM user"),
    ({"AWS": SELF_ROOT}, None, [], UNSET, True, "is the deploying account"),
    ({"AWS": "111122223333"}, None, [], DEPLOY, True, "is the deploying account"),
    ({"AWS": OTHER_ROOT}, None, [], DEPLOY, False, "automation: arn:aws:iam::444455556666:root is another account"),
    ({"AWS": OTHER_ROOT}, None, MARKS, DEPLOY, True, "is another account, but the role is marked for people by the IAM"),
    ({"AWS": OTHER_ROOT}, None, [], PARTNER, False, "another account"),
    ({"AWS": OTHER_ROOT}, None, [], UNSET, True, "may be the deploying account"),
    ({"AWS": Unknown("arn:aws:iam::${PartnerAccount}:root")}, None, [], DEPLOY, True, "may be the deploying account"),
    ({"AWS": OTHER_ROOT}, {"StringEquals": {"sts:ExternalId": "x"}}, [], UNSET, False, "automation: it requires sts:ExternalId"),
    ({"AWS": OTHER_ROOT}, {"StringEquals": {"sts:ExternalId": "x"}}, MARKS, UNSET, True, "but the role is marked"),
    ({"AWS": SELF_ROOT}, {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ci"}}, [], UNSET, False,
     "automation: aws:PrincipalArn admits only the roles arn:aws:iam::111122223333:role/ci"),
    ({"AWS": Unknown("var.principal")}, None, [], DEPLOY, None, "could not be resolved and may be people"),
])
def test_judge_principal(raw, condition, marks, zone, people, why):
    statement = _doc(_trust(raw["AWS"], condition=condition)).statements[0]
    judged = judge_principal(statement.principals[0], statement, marks, zone)
    assert judged is not None and judged.people is people and why in judged.why


@pytest.mark.parametrize("raw", [
    {"AWS": "arn:aws:iam::111122223333:role/ci"}, {"AWS": "arn:aws:sts::111122223333:assumed-role/ci/s"},
    {"AWS": "*"}, {"Service": "ec2.amazonaws.com"}, {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"},
])
def test_judge_principal_ignores_what_is_never_a_person_with_keys(raw):
    statement = _doc(_trust(principal=raw)).statements[0]
    assert judge_principal(statement.principals[0], statement, MARKS, DEPLOY) is None
