"""iacguard.iam.external: who outside the zone of trust a policy lets in (Access-Analyzer-style)."""

from __future__ import annotations

import pytest

from iacguard.iam.external import (ANYONE, INSIDE, NOBODY, OUTSIDE, UNKNOWN, Zone, account_party, arn_party,
                                   condition_effect, org_party, policy_exposures, principal_party)
from iacguard.iam.conditions import parse_conditions
from iacguard.iam.policy import parse_policy
from iacguard.iam.principals import PrincipalRef
from iacguard.settings import Settings
from iacguard.values import Ref, Unknown

ME, PARTNER, OTHER = "111122223333", "222233334444", "444455556666"
MY_ORG, OTHER_ORG = "o-a1b2c3d4e5", "o-zz99yy88xx"
ZONE = Zone(frozenset({ME}), frozenset({PARTNER}), MY_ORG)
BARE = Zone()  # nothing configured: only the deploying account


def test_zone_from_settings_and_extra_accounts():
    zone = Zone.from_settings(Settings(deploy_accounts=[ME], trusted_accounts=[PARTNER], organization_id=MY_ORG),
                              [OTHER])
    assert zone.accounts == {ME, PARTNER, OTHER} and zone.organization_id == MY_ORG
    assert "aws:PrincipalOrgID" in zone.closing_condition()
    assert "${AWS::AccountId}" in BARE.closing_condition()
    assert ME in Zone(frozenset({ME})).closing_condition()


@pytest.mark.parametrize("value, status", [
    (ME, INSIDE), (PARTNER, INSIDE), (OTHER, OUTSIDE), ("*", ANYONE), ("4444*", OUTSIDE), ("?" * 12, ANYONE),
    (Unknown("AWS::AccountId"), INSIDE), (Unknown("${AWS::AccountId}"), INSIDE),
    (Unknown("data.aws_caller_identity.current.account_id"), INSIDE),
    (Unknown("module.m.data.aws_caller_identity.me.account_id"), INSIDE),
    ("${aws:ResourceAccount}", INSIDE), ("${aws:PrincipalAccount}", ANYONE),
    (Unknown("var.partner"), UNKNOWN), (Unknown("Partner"), UNKNOWN), ("${var.x}", UNKNOWN),
    (Ref("aws_iam_role.app", "arn"), INSIDE), ("not-an-account", UNKNOWN),
])
def test_account_party(value, status):
    assert account_party(value, ZONE).status == status


def test_account_party_literal_star_matches_nobody_without_wildcards():
    assert account_party("*", ZONE, wildcards=False).status == NOBODY
    assert account_party(OTHER, BARE).status == OUTSIDE  # not listed: outside by default


@pytest.mark.parametrize("value, status", [
    (MY_ORG, INSIDE), (OTHER_ORG, OUTSIDE), ("o-*", ANYONE), ("*", ANYONE), ("o-a1b2c3d4e?", ANYONE),
    (Unknown("OrgId"), UNKNOWN), ("${aws:ResourceOrgID}", INSIDE), ("${aws:PrincipalOrgID}", ANYONE),
    # the organisation the deploying account reads is its own, at any module depth
    (Unknown("data.aws_organizations_organization.current.id"), INSIDE),
    (Unknown("module.org.data.aws_organizations_organization.this[0].id"), INSIDE),
    ("${data.aws_organizations_organization.current.id}", INSIDE),
    # its other attributes are no organisation id, and another data source is not it
    (Unknown("data.aws_organizations_organization.current.master_account_id"), UNKNOWN),
    (Unknown("data.aws_organizations_organizational_unit.x.id"), UNKNOWN),
])
def test_org_party(value, status):
    assert org_party(value, ZONE).status == status


@pytest.mark.parametrize("value, status", [
    (f"{MY_ORG}/r-ab12/ou-ab12-11111111/*", INSIDE), (f"{OTHER_ORG}/*", OUTSIDE), ("o-*/r-ab12/*", ANYONE),
    ("*", ANYONE),
])
def test_org_path_party(value, status):
    assert org_party(value, ZONE, path=True).status == status


def test_my_org_is_outside_when_no_organization_is_configured():
    assert org_party(MY_ORG, BARE).status == OUTSIDE


@pytest.mark.parametrize("value, status, label", [
    (f"arn:aws:iam::{ME}:role/app", INSIDE, None),
    (f"arn:aws:iam::{OTHER}:role/ci", OUTSIDE, f"role arn:aws:iam::{OTHER}:role/ci"),
    (f"arn:aws:iam::{OTHER}:root", OUTSIDE, f"account {OTHER}"),
    (f"arn:aws:sns:eu-west-1:{OTHER}:alerts", OUTSIDE, f"sns arn:aws:sns:eu-west-1:{OTHER}:alerts"),
    ("arn:aws:iam::*:role/ci", ANYONE, None), ("arn:*", UNKNOWN, None), ("*", ANYONE, None),
    ("arn:aws:s3:::some-bucket", UNKNOWN, None), ("arn:aws:s3:::*", ANYONE, None),
    (Unknown("arn:aws:sns:eu-west-1:${AWS::AccountId}:alerts"), INSIDE, None),
    (Unknown("arn:aws:iam::${Partner}:role/x"), UNKNOWN, None),
    (Ref("aws_sns_topic.alerts", "arn"), INSIDE, None),
    (Unknown("aws_cloudwatch_event_rule.nightly.arn"), INSIDE, None),
    ("arn:aws:iam::${aws:PrincipalAccount}:role/x", ANYONE, None),
])
def test_arn_party(value, status, label):
    party = arn_party(value, ZONE)
    assert party.status == status
    if label:
        assert party.label == label


@pytest.mark.parametrize("principal, status", [
    (PrincipalRef("*", "*"), ANYONE), (PrincipalRef("AWS", "*"), ANYONE), (PrincipalRef("AWS", ME), INSIDE),
    (PrincipalRef("AWS", OTHER), OUTSIDE), (PrincipalRef("AWS", f"arn:aws:iam::{OTHER}:user/bob"), OUTSIDE),
    (PrincipalRef("AWS", Unknown("arn:aws:iam::${AWS::AccountId}:root")), INSIDE),
    (PrincipalRef("AWS", Unknown("var.account")), UNKNOWN),
    (PrincipalRef("AWS", "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1"), INSIDE),
])
def test_principal_party(principal, status):
    assert principal_party(principal, ZONE).status == status


@pytest.mark.parametrize("principal", [PrincipalRef("Service", "s3.amazonaws.com"),
                                       PrincipalRef("Federated", "cognito-identity.amazonaws.com"),
                                       PrincipalRef("CanonicalUser", "79a59df900b949e55d96a1e698fbaced")])
def test_principals_left_to_their_own_checks(principal):
    assert principal_party(principal, ZONE) is None


# Every credited key with every operator family: (key, inside value, outside value).
CREDITED = [
    ("aws:PrincipalAccount", ME, OTHER), ("kms:CallerAccount", ME, OTHER), ("aws:SourceAccount", ME, OTHER),
    ("aws:SourceOwner", ME, OTHER), ("aws:VpceAccount", ME, OTHER),
    ("aws:PrincipalArn", f"arn:aws:iam::{ME}:role/app", f"arn:aws:iam::{OTHER}:role/app"),
    ("aws:SourceArn", f"arn:aws:sns:eu-west-1:{ME}:t", f"arn:aws:sns:eu-west-1:{OTHER}:t"),
    ("lambda:SourceFunctionArn", f"arn:aws:lambda:eu-west-1:{ME}:function:f",
     f"arn:aws:lambda:eu-west-1:{OTHER}:function:f"),
    ("aws:PrincipalOrgID", MY_ORG, OTHER_ORG), ("aws:SourceOrgID", MY_ORG, OTHER_ORG),
    ("aws:PrincipalOrgPaths", f"{MY_ORG}/r-ab12/*", f"{OTHER_ORG}/r-ab12/*"),
    ("aws:SourceOrgPaths", f"{MY_ORG}/r-ab12/*", f"{OTHER_ORG}/r-ab12/*"),
    ("sns:Endpoint", f"arn:aws:sqs:eu-west-1:{ME}:q", f"arn:aws:sqs:eu-west-1:{OTHER}:q"),
]
POSITIVE_OPERATORS = ["StringEquals", "StringLike", "StringEqualsIgnoreCase", "ForAnyValue:StringEquals",
                      "ForAnyValue:StringLike"]
ARN_OPERATORS = ["ArnEquals", "ArnLike"]


def _effect(operator, key, values):
    conditions, problems = parse_conditions({operator: {key: values}})
    assert len(conditions) == 1
    return condition_effect(conditions[0], ZONE)


def _operators(key):
    return POSITIVE_OPERATORS + (ARN_OPERATORS if key.lower().endswith("arn") else [])


@pytest.mark.parametrize("key, inside, outside", CREDITED)
def test_positive_operators_credit_inside_and_name_outside(key, inside, outside):
    for operator in _operators(key):
        closed = _effect(operator, key, inside)
        assert closed.credited and closed.closes, (operator, key)
        opened = _effect(operator, key, [inside, outside])
        assert opened.credited and not opened.closes, (operator, key)
        assert [p.status for p in opened.parties] == [INSIDE, OUTSIDE]


@pytest.mark.parametrize("key, inside, outside", CREDITED)
def test_if_exists_for_all_values_and_negations_restrict_nothing(key, inside, outside):
    for operator in [op + "IfExists" for op in _operators(key)] + [
            "ForAllValues:StringEquals", "ForAllValues:StringLike", "StringNotEquals", "StringNotLike",
            "StringNotEqualsIgnoreCase", "StringNotEqualsIfExists", "ArnNotEquals", "ArnNotLike"]:
        effect = _effect(operator, key, inside)
        assert not effect.credited and effect.reason, (operator, key)


@pytest.mark.parametrize("key, inside, outside", CREDITED)
def test_wildcard_values(key, inside, outside):
    # a wildcard-only value restricts nothing under a wildcard operator, and matches no caller
    # (a literal "*") under StringEquals
    assert not _effect("StringLike", key, "*").credited
    assert _effect("StringEquals", key, "*").closes
    if key.lower().endswith(("orgid", "orgpaths")):
        assert not _effect("StringLike", key, "o-*").credited


@pytest.mark.parametrize("key", [k for k, _, _ in CREDITED])
def test_policy_variables_and_unknown_values(key):
    # ${aws:PrincipalAccount} compared with itself is always true: it restricts nothing
    variable = "${aws:PrincipalOrgID}" if "org" in key.lower() else (
        "arn:aws:iam::${aws:PrincipalAccount}:*" if key.lower().endswith("arn") else "${aws:PrincipalAccount}")
    assert not _effect("StringLike", key, variable).credited
    unknown = _effect("StringEquals", key, Unknown("var.partner"))
    assert unknown.credited and not unknown.closes and unknown.parties[0].status == UNKNOWN


@pytest.mark.parametrize("key", ["aws:SourceVpc", "aws:SourceVpce", "aws:Ec2InstanceSourceVpc"])
def test_network_keys(key):
    assert _effect("StringEquals", key, "vpce-0a1b2c3d").closes
    assert _effect("StringEquals", key, Unknown("VpceId")).closes
    assert not _effect("StringLike", key, "*").credited
    assert not _effect("StringEqualsIfExists", key, "vpce-0a1b2c3d").credited


@pytest.mark.parametrize("operator", ["IpAddress", "NotIpAddress"])
def test_source_ip_is_not_an_identity(operator):
    conditions, _ = parse_conditions({operator: {"aws:SourceIp": "10.0.0.0/8"}})
    assert condition_effect(conditions[0], ZONE) is None


def test_non_string_operators_on_identity_keys_restrict_nothing():
    for operator, value in (("Null", "false"), ("Bool", "true")):
        assert not _effect(operator, "aws:PrincipalOrgID", value).credited


def test_unknown_condition_block_is_unresolved():
    conditions, _ = parse_conditions(Unknown("Fn::If cond"))
    effect = condition_effect(conditions[0], ZONE)
    assert effect.credited and effect.parties[0].status == UNKNOWN


# --------------------------------------------------------------- whole policies

def _who(statements, zone=ZONE, service="s3"):
    doc = parse_policy({"Version": "2012-10-17", "Statement": statements})
    return [(e.party.status, e.party.label, tuple(e.actions)) for e in policy_exposures(doc, zone, service)]


ALLOW_ANY = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


def _with(condition, base=ALLOW_ANY):
    return dict(base, Condition=condition)


@pytest.mark.parametrize("statements, expected", [
    ([ALLOW_ANY], [(ANYONE, "anyone")]),
    ([_with({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})], [(ANYONE, "anyone")]),
    ([_with({"StringEquals": {"aws:PrincipalOrgID": MY_ORG}})], []),
    ([_with({"StringEquals": {"aws:PrincipalOrgID": OTHER_ORG}})], [(OUTSIDE, f"organization {OTHER_ORG}")]),
    ([_with({"StringEquals": {"aws:PrincipalAccount": [ME, OTHER]}})], [(OUTSIDE, f"account {OTHER}")]),
    ([_with({"StringEqualsIfExists": {"aws:PrincipalAccount": ME}})], [(ANYONE, "anyone")]),
    ([_with({"StringNotEquals": {"aws:PrincipalAccount": OTHER}})], [(ANYONE, "anyone")]),
    # two conditions are ANDed: one that keeps callers inside is enough
    ([_with({"StringEquals": {"aws:PrincipalOrgID": OTHER_ORG, "aws:SourceVpce": "vpce-1"}})], []),
    ([dict(ALLOW_ANY, Principal={"AWS": f"arn:aws:iam::{OTHER}:root"})], [(OUTSIDE, f"account {OTHER}")]),
    ([dict(ALLOW_ANY, Principal={"AWS": PARTNER})], []),
    ([dict(ALLOW_ANY, Principal={"AWS": [ME, f"arn:aws:iam::{OTHER}:role/r"]})],
     [(OUTSIDE, f"role arn:aws:iam::{OTHER}:role/r")]),
    ([{k: v for k, v in dict(ALLOW_ANY, NotPrincipal={"AWS": ME}).items() if k != "Principal"}],
     [(ANYONE, f"anyone except {ME}")]),
    ([dict(ALLOW_ANY, Principal={"Service": "cloudtrail.amazonaws.com"})], []),
    ([dict(ALLOW_ANY, Effect="Deny")], []),
])
def test_statement_exposures(statements, expected):
    assert [(status, label) for status, label, _ in _who(statements)] == expected


DENY_OUTSIDE_ORG = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                    "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": MY_ORG}}}


@pytest.mark.parametrize("deny, expected", [
    (DENY_OUTSIDE_ORG, []),
    (dict(DENY_OUTSIDE_ORG, Condition={"StringNotEqualsIfExists": {"aws:PrincipalOrgID": MY_ORG}}), []),
    (dict(DENY_OUTSIDE_ORG, Condition={"StringNotEquals": {"aws:PrincipalAccount": ME}}), []),
    # the Deny spares another organisation: what stays open is that organisation, not anyone
    (dict(DENY_OUTSIDE_ORG, Condition={"StringNotEquals": {"aws:PrincipalOrgID": OTHER_ORG}}),
     [(OUTSIDE, f"organization {OTHER_ORG}")]),
    # a Deny the caller can avoid (use TLS) closes nothing
    (dict(DENY_OUTSIDE_ORG, Condition={"Bool": {"aws:SecureTransport": "false"}}), [(ANYONE, "anyone")]),
    # a Deny spared by a wildcard closes nothing
    (dict(DENY_OUTSIDE_ORG, Condition={"StringNotLike": {"aws:PrincipalOrgID": "o-*"}}), [(ANYONE, "anyone")]),
    # a Deny on other actions or another resource leaves the Allow
    (dict(DENY_OUTSIDE_ORG, Action="s3:PutObject"), [(ANYONE, "anyone")]),
    (dict(DENY_OUTSIDE_ORG, Resource="arn:aws:s3:::other/*"), [(ANYONE, "anyone")]),
    # an unconditional Deny to everyone closes it
    ({k: v for k, v in DENY_OUTSIDE_ORG.items() if k != "Condition"}, []),
])
def test_deny_statements_close_or_narrow_an_allow(deny, expected):
    assert [(s, label) for s, label, _ in _who([ALLOW_ANY, deny])] == expected


def test_deny_for_one_account_closes_it_only():
    allow = dict(ALLOW_ANY, Principal={"AWS": [OTHER, "333344445555"]})
    deny = {"Effect": "Deny", "Principal": {"AWS": OTHER}, "Action": "s3:*", "Resource": "*"}
    assert [label for _, label, _ in _who([allow, deny])] == ["account 333344445555"]
    deny_by_condition = dict(DENY_OUTSIDE_ORG, Condition={"StringEquals": {"aws:PrincipalAccount": OTHER}})
    assert [label for _, label, _ in _who([allow, deny_by_condition])] == ["account 333344445555"]


def test_actions_are_expanded_and_partially_denied():
    allow = dict(ALLOW_ANY, Action="sqs:*", Resource="*")
    deny = {"Effect": "Deny", "Principal": "*", "Action": ["sqs:Delete*", "sqs:Purge*"], "Resource": "*"}
    (_, _, actions), = _who([allow, deny], service="sqs")
    assert "sqs:SendMessage" in actions and "sqs:ReceiveMessage" in actions
    assert not any(a.startswith(("sqs:Delete", "sqs:Purge")) for a in actions)
    (_, _, actions), = _who([dict(allow, Action="*")], service="sqs")
    assert all(a.startswith("sqs:") for a in actions) and "sqs:DeleteQueue" in actions


def test_not_action_is_expanded_against_the_service():
    allow = {k: v for k, v in dict(ALLOW_ANY, NotAction="s3:Delete*").items() if k != "Action"}
    (_, _, actions), = _who([allow])
    assert "s3:GetObject" in actions and not any(a.startswith("s3:Delete") for a in actions)


def test_trust_policy_actions_and_unknown_account():
    trust = {"Effect": "Allow", "Principal": {"AWS": Unknown("var.ci_account")}, "Action": "sts:AssumeRole"}
    (status, label, actions), = _who([trust], service="trust")
    assert status == UNKNOWN and "var.ci_account" in label and actions == ("sts:AssumeRole",)


def test_unknown_org_parameter_is_unresolved_not_public():
    statement = _with({"StringEquals": {"aws:PrincipalOrgID": Unknown("OrgId")}})
    assert [s for s, _, _ in _who([statement])] == [UNKNOWN]


def test_more_resource_policy_types_are_judged(tmp_path):
    """DynamoDB, Kinesis, CloudWatch Logs, CodeArtifact, ECR registry... resource policies go
    through the same exposure analysis (a nested ResourcePolicy.PolicyDocument included)."""
    import json as _json

    from iacguard.engine import scan

    template = {"Resources": {
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "ResourcePolicy": {"PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "dynamodb:GetItem", "Resource": "*"}]}}}},
        "Domain": {"Type": "AWS::CodeArtifact::Domain", "Properties": {
            "DomainName": "d", "PermissionsPolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                 "Action": "codeartifact:ReadFromRepository", "Resource": "*"}]}}},
        "Logs": {"Type": "AWS::Logs::ResourcePolicy", "Properties": {
            "PolicyName": "es", "PolicyDocument": _json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "es.amazonaws.com"},
                 "Action": "logs:PutLogEvents", "Resource": "*"}]})}},
    }}
    (tmp_path / "t.json").write_text(_json.dumps(template, indent=1))
    (tmp_path / "main.tf").write_text(f'''
resource "aws_kinesis_resource_policy" "stream" {{
  resource_arn = "arn:aws:kinesis:us-east-1:{ME}:stream/s"
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow",
    Principal = {{ AWS = "arn:aws:iam::{OTHER}:root" }}, Action = "kinesis:GetRecords", Resource = "*" }}] }})
}}

# a multi-Region replica key carries its own key policy
resource "aws_kms_replica_key" "replica" {{
  primary_key_arn = "arn:aws:kms:us-east-1:{ME}:key/mrk-1"
  policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow",
    Principal = {{ AWS = "arn:aws:iam::{OTHER}:root" }}, Action = "kms:Decrypt", Resource = "*" }}] }})
}}
''')
    result = scan([str(tmp_path)], Settings(deploy_accounts=[ME]), root=tmp_path)
    got = sorted((f.rule_id, f.resource) for f in result.findings if f.rule_id in ("IAG-EXT-001", "IAG-EXT-002"))
    assert got == [("IAG-EXT-001", "Table"), ("IAG-EXT-002", "Domain"),
                   ("IAG-EXT-002", "aws_kinesis_resource_policy.stream"),
                   ("IAG-EXT-002", "aws_kms_replica_key.replica")]


def test_ses_identity_policy_open_to_anyone(tmp_path):
    from iacguard.engine import scan

    (tmp_path / "main.tf").write_text('''
resource "aws_ses_domain_identity" "main" {
  domain = "example.com"
}
resource "aws_ses_identity_policy" "main" {
  identity = aws_ses_domain_identity.main.arn
  name     = "all"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { AWS = "*" },
    Action = ["SES:SendEmail"], Resource = aws_ses_domain_identity.main.arn }] })
}
''')
    result = scan([str(tmp_path)], root=tmp_path)
    assert [(f.rule_id, f.resource, f.line) for f in result.findings if f.rule_id == "IAG-EXT-001"] == \
        [("IAG-EXT-001", "aws_ses_identity_policy.main", 8)]


def test_lambda_service_permission_restricted_to_an_organisation_grants_nothing(tmp_path):
    from iacguard.engine import scan

    (tmp_path / "main.tf").write_text('''
resource "aws_lambda_permission" "org" {
  function_name    = "fn"
  action           = "lambda:InvokeFunction"
  principal        = "s3.amazonaws.com"
  principal_org_id = "o-a1b2c3d4e5"
}
resource "aws_lambda_permission" "open" {
  function_name = "fn"
  action        = "lambda:InvokeFunction"
  principal     = "s3.amazonaws.com"
}
''')
    result = scan([str(tmp_path)], root=tmp_path)
    assert [f.resource for f in result.findings if f.rule_id == "IAG-EXT-006"] == ["aws_lambda_permission.open"]


SUBSCRIBE_ANY = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["sns:Subscribe", "sns:Receive"],
                 "Resource": f"arn:aws:sns:eu-west-1:{ME}:t"}


@pytest.mark.parametrize("endpoint, expected", [
    # messages reach only our queue: nothing leaves the zone, whoever subscribes it
    (f"arn:aws:sqs:eu-west-1:{ME}:q", []),
    (Unknown("module.sqs.queue_arn", refs=(Ref("aws_sqs_queue.q", "arn"),)), []),
    (f"arn:aws:sqs:eu-west-1:{OTHER}:q", [(OUTSIDE, f"sqs arn:aws:sqs:eu-west-1:{OTHER}:q")]),
    ("arn:aws:sqs:*:*:*", [(ANYONE, "anyone")]),
    ("*", [(ANYONE, "anyone")]),
    ("ops@example.com", [(UNKNOWN, "could not tell whose endpoint ops@example.com is (not an AWS resource)")]),
    # anyone may subscribe an address or URL of their own
    ("https://*", [(ANYONE, "anyone")]),
    ("*@*", [(ANYONE, "anyone")]),
])
def test_sns_endpoint_binds_where_a_subscription_delivers(endpoint, expected):
    statement = _with({"StringLike": {"sns:Endpoint": endpoint}}, SUBSCRIBE_ANY)
    assert [(status, label) for status, label, _ in _who([statement], service="sns")] == expected


def test_sns_endpoint_if_exists_or_negated_binds_nothing():
    for operator in ("StringLikeIfExists", "StringNotLike"):
        statement = _with({operator: {"sns:Endpoint": f"arn:aws:sqs:eu-west-1:{ME}:q"}}, SUBSCRIBE_ANY)
        assert [status for status, _, _ in _who([statement], service="sns")] == [ANYONE]
