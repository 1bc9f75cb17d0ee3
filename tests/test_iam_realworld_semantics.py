"""IAM semantics found wanting on real public IaC: principals bound by an unresolved name,
the deploying identity (aws_caller_identity), conditions that can never hold, Allow and Deny of
the same actions in one policy, the AWS-owned ELB log-delivery accounts, and KMS request keys
that narrow a grant. Unit tests of each rule plus end-to-end scans with exact findings."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from iacguard.engine import load_resources, scan
from iacguard.iam import grants
from iacguard.iam.conditions import MAX_TOKEN_LIFETIME, never_true, parse_conditions
from iacguard.iam.external import INSIDE, OUTSIDE, UNKNOWN, Zone, arn_party, policy_exposures, principal_party
from iacguard.iam.model import IamModel
from iacguard.iam.policy import normalize, parse_policy
from iacguard.iam.principals import PrincipalRef
from iacguard.settings import Settings
from iacguard.values import Unknown

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
PAST = "2020-01-01T00:00:01Z"
FUTURE = "2999-01-01T00:00:00Z"


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def _findings(root: Path, settings: Settings | None = None) -> set[tuple[str, str, int]]:
    result = scan([str(root)], settings or Settings())
    assert result.errors == [], result.errors
    return {(f.rule_id, f.resource, f.line) for f in result.findings}


def _messages(root: Path, rule: str) -> list[str]:
    return [f.message for f in scan([str(root)], Settings()).findings if f.rule_id == rule]


def _never(block: dict, now: datetime = NOW) -> str | None:
    conditions, problems = parse_conditions(block)
    assert problems == []
    return never_true(conditions, now)


# ---------------------------------------------------------------- conditions that never hold

@pytest.mark.parametrize("block", [
    {"DateLessThan": {"aws:TokenIssueTime": PAST}},
    {"DateLessThanEquals": {"aws:TokenIssueTime": PAST}},
    {"ForAnyValue:DateLessThan": {"aws:TokenIssueTime": PAST}},       # absent key: ForAnyValue false
    {"DateLessThan": {"aws:CurrentTime": PAST}},
    {"DateLessThanIfExists": {"aws:CurrentTime": PAST}},              # always present: IfExists changes nothing
    {"DateEquals": {"aws:CurrentTime": PAST}},
    {"DateLessThan": {"aws:CurrentTime": [PAST, "2021-01-01T00:00:00Z"]}},
    {"NumericLessThan": {"aws:EpochTime": "1577836800"}},
    {"DateLessThan": {"aws:EpochTime": "1577836800"}},
    # a window wholly in the past, written as two conditions on the key
    {"DateGreaterThan": {"aws:CurrentTime": "2019-01-01T00:00:00Z"}, "DateLessThan": {"aws:CurrentTime": PAST}},
    # contradictions between conditions on one key
    {"DateGreaterThan": {"aws:CurrentTime": "2998-01-01T00:00:00Z"},
     "DateLessThan": {"aws:CurrentTime": "2997-01-01T00:00:00Z"}},
    {"Null": {"aws:CurrentTime": "true"}},
    {"Bool": {"aws:SecureTransport": "true"}, "BoolIfExists": {"aws:secureTransport": "false"}},
    {"Null": {"aws:MultiFactorAuthAge": "true"}, "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
    {"Null": {"s3:prefix": "true"}, "StringEquals": {"s3:prefix": "home/"}},
])
def test_conditions_that_never_hold(block):
    assert _never(block)


@pytest.mark.parametrize("block", [
    {"DateGreaterThan": {"aws:TokenIssueTime": PAST}},                 # fn3: holds for every new token
    {"DateLessThanIfExists": {"aws:TokenIssueTime": PAST}},            # long-term keys have no such key
    {"ForAllValues:DateLessThan": {"aws:TokenIssueTime": PAST}},       # ... and ForAllValues passes them
    {"DateLessThan": {"aws:CurrentTime": FUTURE}},                     # an expiring grant still applies
    {"DateNotEquals": {"aws:CurrentTime": PAST}},
    {"DateGreaterThan": {"aws:CurrentTime": "2998-01-01T00:00:00Z"}},
    {"DateLessThan": {"aws:CurrentTime": "${aws:PrincipalTag/expiry}"}},  # a policy variable decides
    {"StringLike": {"aws:CurrentTime": "2019-*"}},                     # string comparisons: no claim
    {"DateLessThan": {"aws:CurrentTime": "not a date"}},               # unreadable: no claim
    {"Bool": {"aws:SecureTransport": "false"}},
    {"Null": {"aws:MultiFactorAuthAge": "true"}, "NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}},
    {"Null": {"s3:prefix": "false"}, "StringEquals": {"s3:prefix": "home/"}},
    {"StringEquals": {"aws:PrincipalTag/team": "a"}, "StringLike": {"aws:PrincipalTag/team": "b"}},
])
def test_conditions_that_may_hold(block):
    assert _never(block) is None


def test_token_issue_time_allows_for_the_longest_token_life():
    # a token issued a day before the scan may still be in use after it
    issued = (NOW - timedelta(days=1)).isoformat()
    assert _never({"DateLessThan": {"aws:TokenIssueTime": issued}}) is None
    too_old = (NOW - MAX_TOKEN_LIFETIME - timedelta(minutes=1)).isoformat()
    assert _never({"DateLessThan": {"aws:TokenIssueTime": too_old}})


def test_unknown_condition_values_are_never_assumed_false():
    conditions, _ = parse_conditions({"DateLessThan": {"aws:CurrentTime": Unknown("var.expiry")}})
    assert never_true(conditions, NOW) is None
    conditions, _ = parse_conditions(Unknown("var.condition"))
    assert never_true(conditions, NOW) is None


def test_policy_keeps_statements_that_never_apply_apart():
    raw = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*",
         "Condition": {"DateLessThan": {"aws:TokenIssueTime": PAST}}},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    ]}
    doc = parse_policy(raw)
    assert [s.index for s in doc.statements] == [1]
    assert [s.index for s in doc.inert_statements] == [0]
    assert "aws:TokenIssueTime" in doc.inert_statements[0].never_applies
    assert len(normalize(doc)["Statement"]) == 2  # the canonical form still shows what was written
    assert normalize(parse_policy(normalize(doc))) == normalize(doc)


TF_NEVER = """\
resource "aws_iam_user" "u" { name = "u" }
resource "aws_iam_user_policy" "p" {
  user = aws_iam_user.u.name
  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "iam:CreatePolicyVersion",
    Resource = "*", Condition = { %s = { "aws:TokenIssueTime" = "2020-01-01T00:00:01Z" } }}]})
}
"""


def test_scan_allow_that_never_applies_grants_nothing(tmp_path):
    root = _write(tmp_path, {"main.tf": TF_NEVER % "DateLessThan"})
    assert _findings(root) == {("IAG-GR-002", "aws_iam_user.u", 1), ("IAG-GR-001", "aws_iam_user_policy.p", 2)}


def test_scan_condition_that_holds_is_still_reported(tmp_path):
    root = _write(tmp_path, {"main.tf": TF_NEVER % "DateGreaterThan"})
    found = _findings(root)
    assert ("IAG-PE-001", "aws_iam_user.u", 1) in found
    assert ("IAG-LP-005", "aws_iam_user_policy.p", 4) in found


def test_scan_deny_that_never_applies_denies_nothing(tmp_path):
    root = _write(tmp_path, {"main.tf": """\
        resource "aws_iam_user" "u" { name = "u" }
        resource "aws_iam_user_policy" "p" {
          user = aws_iam_user.u.name
          policy = jsonencode({Version = "2012-10-17", Statement = [
            {Effect = "Allow", Action = "iam:CreatePolicyVersion", Resource = "*"},
            {Effect = "Deny", Action = "iam:*", Resource = "*",
             Condition = { DateLessThan = { "aws:CurrentTime" = "2020-01-01T00:00:00Z" } }}]})
        }
        """})
    found = _findings(root)
    assert ("IAG-PE-001", "aws_iam_user.u", 1) in found
    assert ("IAG-LP-005", "aws_iam_user_policy.p", 5) in found


# ---------------------------------------------------------------- Allow and Deny in one policy

def _doc(*statements):
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)})


ALLOW_IAM = {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}


@pytest.mark.parametrize("deny, cancelled", [
    ({"Effect": "Deny", "Action": "iam:*", "Resource": "*"}, True),
    ({"Effect": "Deny", "Action": "*", "Resource": "*"}, True),
    ({"Effect": "Deny", "Action": "IAM:*"}, True),  # no Resource: the whole policy's scope
    ({"Effect": "Deny", "Action": "iam:Create*", "Resource": "*"}, False),  # only part of iam:*
    ({"Effect": "Deny", "Action": "iam:*", "Resource": "arn:aws:iam::111122223333:role/x"}, False),
    ({"Effect": "Deny", "Action": "iam:*", "NotResource": "arn:aws:iam::111122223333:role/x"}, False),
    ({"Effect": "Deny", "Action": "iam:*", "Resource": "*",
      "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}, False),
    ({"Effect": "Deny", "Action": "iam:?", "Resource": "*"}, False),  # "?" is one character
])
def test_cancelled_by_deny(deny, cancelled):
    doc = _doc(ALLOW_IAM, deny)
    assert grants.cancelled_by_deny(doc, doc.statements[0]) is cancelled


def test_cancelled_by_deny_needs_every_action_and_known_actions():
    doc = _doc({"Effect": "Allow", "Action": ["iam:*", "s3:GetObject"], "Resource": "*"},
               {"Effect": "Deny", "Action": "iam:*", "Resource": "*"})
    assert not grants.cancelled_by_deny(doc, doc.statements[0])
    assert grants.pattern_denied_everywhere(doc, "iam:*") and not grants.pattern_denied_everywhere(doc, "s3:*")
    doc = _doc({"Effect": "Allow", "Action": Unknown("var.action"), "Resource": "*"},
               {"Effect": "Deny", "Action": "iam:*", "Resource": "*"})
    assert not grants.cancelled_by_deny(doc, doc.statements[0])
    doc = _doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"},
               {"Effect": "Deny", "Action": "*", "Resource": "*"})
    assert grants.cancelled_by_deny(doc, doc.statements[0]) and grants.denies_everything(doc)


def test_scan_allow_and_deny_of_the_same_service_in_one_policy(tmp_path):
    root = _write(tmp_path, {"main.tf": """\
        resource "aws_iam_role" "r" {
          name = "r"
          assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow",
            Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" }}]})
        }
        resource "aws_iam_role_policy" "p" {
          role = aws_iam_role.r.id
          policy = jsonencode({Version = "2012-10-17", Statement = [
            {Effect = "Allow", Action = ["iam:*", "s3:*"], Resource = "*"},
            {Effect = "Allow", Action = "iam:*", Resource = "*"},
            {Effect = "Deny", Action = "iam:*", Resource = "*"}]})
        }
        """})
    # statement 1 keeps s3:* (LP-002, whose writes are its own, and the reads of LP-007);
    # statement 2 is cancelled
    assert _findings(root) == {("IAG-LP-002", "aws_iam_role_policy.p", 9), ("IAG-LP-007", "aws_iam_role_policy.p", 9)}
    message, = _messages(root, "IAG-LP-002")
    assert "s3:*" in message and "iam:*" not in message


def test_scan_holders_whose_policies_deny_everything_are_not_granted(tmp_path):
    root = _write(tmp_path, {"main.tf": """\
        resource "aws_iam_user" "a" { name = "a" }
        resource "aws_iam_user" "b" { name = "b" }
        resource "aws_iam_policy" "grant" {
          name = "grant"
          policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "s3:*", Resource = "*"}]})
        }
        resource "aws_iam_policy" "deny_all" {
          name = "deny-all"
          policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Deny", Action = "*", Resource = "*"}]})
        }
        resource "aws_iam_user_policy_attachment" "a" {
          user = aws_iam_user.a.name
          policy_arn = aws_iam_policy.grant.arn
        }
        resource "aws_iam_user_policy_attachment" "b" {
          user = aws_iam_user.b.name
          policy_arn = aws_iam_policy.grant.arn
        }
        resource "aws_iam_user_policy_attachment" "b_deny" {
          user = aws_iam_user.b.name
          policy_arn = aws_iam_policy.deny_all.arn
        }
        """})
    message, = _messages(root, "IAG-LP-002")
    assert "(granted to user aws_iam_user.a)" in message
    assert "also attached to user aws_iam_user.b, whose policies deny every action" in message


# ---------------------------------------------------------------- principals bound by name

R7 = """\
variable "id" { type = string }
resource "aws_iam_user" "dev" { name = "dev" }
resource "aws_iam_user_policy" "assume" {
  user   = aws_iam_user.dev.name
  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "sts:AssumeRole", Resource = aws_iam_role.mgmt.arn}]})
}
resource "aws_iam_role" "mgmt" {
  name = "mgmt_${var.id}"
  assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = aws_iam_user.dev.arn }}]})
}
resource "aws_iam_role_policy" "mgmt" {
  role   = "%s"
  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "iam:AttachRolePolicy", Resource = "*"}]})
}
"""


def _model(root: Path) -> IamModel:
    result = load_resources([str(root)], Settings())
    assert result.errors == []
    return IamModel(result.resources)


def test_inline_policy_bound_by_the_same_name_template(tmp_path):
    model = _model(_write(tmp_path, {"main.tf": R7 % "mgmt_${var.id}"}))
    role = next(p for p in model.principals.values() if p.address == "aws_iam_role.mgmt")
    assert [n.resource.address for n in role.inline] == ["aws_iam_role_policy.mgmt"]
    assert model.external_principals == {}


def test_scan_chain_through_a_role_bound_by_name(tmp_path):
    found = _findings(_write(tmp_path, {"main.tf": R7 % "mgmt_${var.id}"}))
    assert ("IAG-PE-002", "aws_iam_user.dev", 2) in found
    assert ("IAG-PE-001", "aws_iam_role.mgmt", 7) in found
    assert not any("not defined in the scanned files" in m for m in _messages(tmp_path, "IAG-PE-001"))


def test_a_different_template_stays_an_outside_role(tmp_path):
    model = _model(_write(tmp_path, {"main.tf": R7 % "other_${var.id}"}))
    assert [p.name for p in model.external_principals.values()] == ["other_${var.id}"]


def test_name_templates_bind_only_within_one_module(tmp_path):
    root = _write(tmp_path, {
        "main.tf": 'variable "x" { type = string }\nmodule "a" {\n  source = "./a"\n  id = var.x\n}\n'
                   'module "b" {\n  source = "./b"\n}\n',
        "a/main.tf": """\
            variable "id" { type = string }
            resource "aws_iam_role" "r" {
              name = "m_${var.id}"
              assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow",
                Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" }}]})
            }
            resource "aws_iam_user" "u" { name = "u_${var.id}" }
            resource "aws_iam_policy" "p" {
              name = "p_${var.id}"
              policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "s3:GetObject", Resource = "*"}]})
            }
            resource "aws_iam_user_policy_attachment" "a" {
              user = "u_${var.id}"
              policy_arn = "arn:aws:iam::111122223333:policy/p_${var.id}"
            }
            """,
        "b/main.tf": """\
            variable "id" { type = string }
            resource "aws_iam_role_policy" "p" {
              role = "m_${var.id}"
              policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "s3:GetObject", Resource = "*"}]})
            }
            """,
    })
    model = _model(root)
    by_address = {p.address: p for p in model.principals.values()}
    assert by_address["module.a.aws_iam_role.r"].inline == []  # module b's var.id is another variable
    assert [p.name for p in model.external_principals.values()] == ["m_${var.id}"]
    user = by_address["module.a.aws_iam_user.u"]
    assert [n.resource.address for n in user.managed] == ["module.a.aws_iam_policy.p"]  # user and policy by name


# ---------------------------------------------------------------- the deploying identity

@pytest.mark.parametrize("text", [
    "data.aws_caller_identity.current.arn", "${data.aws_caller_identity.current.arn}",
    "module.m.data.aws_caller_identity.me.arn", "data.aws_caller_identity.current.user_id",
    "data.aws_caller_identity.current.account_id",
])
def test_caller_identity_is_inside(text):
    assert principal_party(PrincipalRef("AWS", Unknown(text)), Zone()).status == INSIDE
    assert arn_party(Unknown(text), Zone()).status == INSIDE


@pytest.mark.parametrize("key, text", [
    ("aws:PrincipalArn", "data.aws_caller_identity.current.arn"),
    ("aws:userid", "data.aws_caller_identity.current.user_id"),
    ("aws:PrincipalAccount", "module.m.data.aws_caller_identity.current.account_id"),
])
def test_caller_identity_condition_closes_a_public_trust(key, text):
    doc = _doc({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {key: Unknown(text)}}})
    assert policy_exposures(doc, Zone(), "trust") == []


def test_other_unknown_principals_stay_unknown():
    assert principal_party(PrincipalRef("AWS", Unknown("var.trusted_arn")), Zone()).status == UNKNOWN
    assert principal_party(PrincipalRef("AWS", Unknown("data.aws_iam_role.other.arn")), Zone()).status == UNKNOWN


def test_scan_trust_of_the_caller_identity_arn_is_not_external(tmp_path):
    root = _write(tmp_path, {"main.tf": """\
        data "aws_caller_identity" "current" {}
        variable "assume_role_arn" {
          type = string
          default = ""
        }
        locals { deployer = data.aws_caller_identity.current.arn }
        resource "aws_iam_role" "direct" {
          name = "direct"
          assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow",
            Action = "sts:AssumeRole", Principal = { AWS = data.aws_caller_identity.current.arn }}]})
        }
        resource "aws_iam_role" "via_local" {
          name = "via_local"
          assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow",
            Action = "sts:AssumeRole", Principal = { AWS = local.deployer }}]})
        }
        resource "aws_iam_role" "unknown" {
          name = "unknown"
          assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow",
            Action = "sts:AssumeRole", Principal = { AWS = "arn:aws:iam::${var.assume_role_arn}:root" }}]})
        }
        """})
    assert {f for f in _findings(root) if f[0].startswith("IAG-EXT")} == {("IAG-EXT-002", "aws_iam_role.unknown", 19)}


# ---------------------------------------------------------------- ELB log-delivery accounts

@pytest.mark.parametrize("value, party", [
    ("arn:aws:iam::127311923021:root", None), ("127311923021", None), ("arn:aws:iam::156460612806:root", None),
    ("arn:aws:iam::444455556666:root", OUTSIDE),
])
def test_elb_log_delivery_accounts_are_aws_services(value, party):
    found = principal_party(PrincipalRef("AWS", value), Zone())
    assert (found.status if found else None) == party


def test_scan_bucket_policy_for_elb_access_logs(tmp_path):
    policy = """\
        resource "aws_s3_bucket" "logs" { bucket = "my-alb-logs" }
        resource "aws_s3_bucket_public_access_block" "b" {
          bucket = aws_s3_bucket.logs.id
          block_public_acls = true
          block_public_policy = true
          ignore_public_acls = true
          restrict_public_buckets = true
        }
        resource "aws_s3_bucket_policy" "p" {
          bucket = aws_s3_bucket.logs.id
          policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "s3:PutObject",
            Principal = { AWS = "arn:aws:iam::%s:root" }, Resource = "${aws_s3_bucket.logs.arn}/AWSLogs/*"}]})
        }
        """
    assert _findings(_write(tmp_path / "elb", {"main.tf": policy % "127311923021"})) == set()
    assert _findings(_write(tmp_path / "other", {"main.tf": policy % "444455556666"})) == {
        ("IAG-EXT-002", "aws_s3_bucket_policy.p", 11)}


# ---------------------------------------------------------------- KMS request keys narrow a grant

@pytest.mark.parametrize("block, narrows", [
    ({"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}, True),
    ({"StringEquals": {"kms:RequestAlias": "alias/app"}}, True),
    ({"StringEquals": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::bucket"}}, True),
    ({"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "tenant"}}, True),
    ({"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": "tenant"}}, False),  # passes without context
    ({"StringLike": {"kms:ViaService": "*"}}, False),
    ({"StringEqualsIfExists": {"kms:RequestAlias": "alias/app"}}, False),
])
def test_kms_request_keys_narrow_a_grant(block, narrows):
    doc = _doc({"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*", "Condition": block})
    assert grants.condition_clause(doc.statements[0])[1] is narrows


KMS_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: s3.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: encrypt
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: kms:Encrypt
                Resource: "*"
"""
KMS_CONDITION = """\
                Condition:
                  StringEquals:
                    kms:RequestAlias: alias/replication
"""


def test_scan_kms_request_alias_lowers_severity(tmp_path):
    def lp005(root: Path) -> list:
        return [f for f in scan([str(root)], Settings()).findings if f.rule_id == "IAG-LP-005"]

    plain = lp005(_write(tmp_path / "a", {"t.yaml": KMS_TEMPLATE}))
    narrowed = lp005(_write(tmp_path / "b", {"t.yaml": KMS_TEMPLATE + KMS_CONDITION}))
    assert [(f.resource, f.line, f.severity) for f in plain] == [("Role", 17, "medium")]
    assert [(f.resource, f.line, f.severity) for f in narrowed] == [("Role", 17, "low")]
    assert "only when StringEquals kms:RequestAlias [alias/replication]" in narrowed[0].message


def test_full_admin_policy_attached_only_to_principals_that_deny_everything_is_medium(tmp_path):
    from iacguard.engine import scan

    (tmp_path / "main.tf").write_text('''
resource "aws_iam_user" "u" { name = "u" }
resource "aws_iam_policy" "allow_all" {
  name   = "allow-all"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}
resource "aws_iam_policy" "deny_all" {
  name   = "deny-all"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Deny", Action = "*", Resource = "*" }] })
}
resource "aws_iam_user_policy_attachment" "a" {
  user       = aws_iam_user.u.name
  policy_arn = aws_iam_policy.allow_all.arn
}
resource "aws_iam_user_policy_attachment" "d" {
  user       = aws_iam_user.u.name
  policy_arn = aws_iam_policy.deny_all.arn
}
''')
    result = scan([str(tmp_path)], root=tmp_path)
    (finding,) = [f for f in result.findings if f.rule_id == "IAG-LP-001"]
    assert (finding.resource, finding.line, finding.severity) == ("aws_iam_policy.allow_all", 5, "medium")
    assert "attached only to user aws_iam_user.u, whose policies deny every action" in finding.message
