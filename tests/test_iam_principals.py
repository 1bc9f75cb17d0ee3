"""Principal parsing and the derived helpers."""

from __future__ import annotations

import pytest

from iacguard.iam.principals import (PrincipalRef, parse_principal, principal_covers, principal_identity_chain,
                                     principal_listed)
from iacguard.values import Choice, Ref, Unknown

ACCT = "123456789012"
OTHER = "444455556666"


@pytest.mark.parametrize("raw,expected", [
    ("*", [PrincipalRef("*", "*")]),
    (" * ", [PrincipalRef("*", "*")]),
    ({"AWS": "*"}, [PrincipalRef("AWS", "*")]),
    ({"AWS": ACCT}, [PrincipalRef("AWS", ACCT)]),
    ({"AWS": ["arn:aws:iam::123456789012:root", OTHER]},
     [PrincipalRef("AWS", "arn:aws:iam::123456789012:root"), PrincipalRef("AWS", OTHER)]),
    ({"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]},
     [PrincipalRef("Service", "lambda.amazonaws.com"), PrincipalRef("Service", "ec2.amazonaws.com")]),
    ({"Federated": "cognito-identity.amazonaws.com"}, [PrincipalRef("Federated", "cognito-identity.amazonaws.com")]),
    ({"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"}, [PrincipalRef("CanonicalUser", "79a59df900b949e55d96a1e698fbaced")]),
    ({"AWS": ACCT, "Service": "s3.amazonaws.com"}, [PrincipalRef("AWS", ACCT), PrincipalRef("Service", "s3.amazonaws.com")]),
    ({"AWS": [ACCT, ACCT]}, [PrincipalRef("AWS", ACCT)]),                      # duplicates collapse
    ({"AWS": 123456789012}, [PrincipalRef("AWS", ACCT)]),                     # YAML number
    ({"AWS": 12345678901}, [PrincipalRef("AWS", "012345678901")]),            # leading zero restored
])
def test_parse_forms(raw, expected) -> None:
    principals, problems = parse_principal(raw)
    assert principals == expected
    assert problems == []


def test_unknown_values_keep_their_object() -> None:
    ref = Ref("aws_iam_role.app", "arn")
    principals, problems = parse_principal({"AWS": [ref, ACCT]})
    assert principals == [PrincipalRef("AWS", ref), PrincipalRef("AWS", ACCT)]
    assert principals[0].value is ref
    assert principals[0].is_unknown and problems == []


def test_whole_principal_unknown() -> None:
    unknown = Unknown("var.principal")
    principals, _ = parse_principal(unknown)
    assert principals == [PrincipalRef("AWS", unknown)]


def test_choice_contributes_every_option() -> None:
    principals, problems = parse_principal({"AWS": Choice([ACCT, [OTHER, "*"], None])})
    assert principals == [PrincipalRef("AWS", ACCT), PrincipalRef("AWS", OTHER), PrincipalRef("AWS", "*")]
    whole, _ = parse_principal(Choice([{"Service": "ec2.amazonaws.com"}, "*"]))
    assert whole == [PrincipalRef("Service", "ec2.amazonaws.com"), PrincipalRef("*", "*")]
    assert problems == []


def test_intrinsic_is_unknown_with_problem() -> None:
    principals, problems = parse_principal({"AWS": {"Fn::GetAtt": ["Role", "Arn"]}})
    assert len(principals) == 1 and principals[0].is_unknown
    assert any("unresolved intrinsic" in p for p in problems)


@pytest.mark.parametrize("raw,problem_part", [
    ("arn:aws:iam::123456789012:root", "must be \"*\" or an object"),
    (None, "not null"),
    (42, "not int"),
    (["*"], "not list"),
    ({}, "empty object"),
    ({"AWS": None}, "null principal"),
    ({"AWS": []}, "no values"),
    ({"AWS": True}, "boolean"),
    ({"AWS": [["nested"]]}, "nested list"),
    ({"AWS": {"a": 1, "b": 2}}, "not a valid principal"),
    ({"Users": ACCT}, "not one of"),
    ({"aws": ACCT}, "must be spelled 'AWS'"),
    ({"AWS": ""}, "empty value"),
    ({"AWS": "arn:aws:iam::*:root"}, "wildcards"),
    ({"Service": "*"}, "not a valid principal"),
])
def test_bad_input_gives_problems(raw, problem_part: str) -> None:
    _, problems = parse_principal(raw)
    assert any(problem_part in p for p in problems), problems


def test_wrong_case_key_still_parsed() -> None:
    principals, _ = parse_principal({"service": "lambda.amazonaws.com"})
    assert principals == [PrincipalRef("Service", "lambda.amazonaws.com")]


@pytest.mark.parametrize("ref,anyone,account,is_account,arn_type", [
    (PrincipalRef("*", "*"), True, None, False, None),
    (PrincipalRef("AWS", "*"), True, None, False, None),
    (PrincipalRef("AWS", "**"), True, None, False, None),
    (PrincipalRef("AWS", ACCT), False, ACCT, True, "root"),
    (PrincipalRef("AWS", f"arn:aws:iam::{ACCT}:root"), False, ACCT, True, "root"),
    (PrincipalRef("AWS", f"arn:aws-us-gov:iam::{ACCT}:root"), False, ACCT, True, "root"),
    (PrincipalRef("AWS", f"arn:aws:iam::{ACCT}:user/alice"), False, ACCT, False, "user"),
    (PrincipalRef("AWS", f"arn:aws:iam::{ACCT}:role/path/app"), False, ACCT, False, "role"),
    (PrincipalRef("AWS", f"arn:aws-cn:iam::{ACCT}:group/devs"), False, ACCT, False, "group"),
    (PrincipalRef("AWS", f"arn:aws:sts::{ACCT}:assumed-role/app/session"), False, ACCT, False, "assumed-role"),
    (PrincipalRef("AWS", f"arn:aws:sts::{ACCT}:federated-user/bob"), False, ACCT, False, "federated-user"),
    (PrincipalRef("Federated", f"arn:aws:iam::{ACCT}:saml-provider/okta"), False, ACCT, False, "saml-provider"),
    (PrincipalRef("Federated", "accounts.google.com"), False, None, False, None),
    (PrincipalRef("Service", "lambda.amazonaws.com"), False, None, False, None),
    (PrincipalRef("AWS", "AIDAEXAMPLEUNIQUEID"), False, None, False, None),
    (PrincipalRef("AWS", "12345"), False, None, False, None),
    (PrincipalRef("AWS", Unknown("var.acct")), False, None, False, None),
    (PrincipalRef("Service", "*"), False, None, False, None),
])
def test_derived_helpers(ref: PrincipalRef, anyone, account, is_account, arn_type) -> None:
    assert ref.is_anyone is anyone
    assert ref.account == account
    assert ref.is_account is is_account
    assert ref.arn_type == arn_type


def test_service_helpers() -> None:
    service = PrincipalRef("Service", "Lambda.AmazonAWS.com")
    assert service.is_service and service.service == "lambda.amazonaws.com"
    assert PrincipalRef("AWS", ACCT).is_service is False and PrincipalRef("AWS", ACCT).service is None


def test_role_arn_of_session() -> None:
    session = PrincipalRef("AWS", f"arn:aws:sts::{ACCT}:assumed-role/app/s1")
    assert session.role_arn == f"arn:aws:iam::{ACCT}:role/app"
    assert PrincipalRef("AWS", f"arn:aws:iam::{ACCT}:role/app").role_arn is None


ROLE = PrincipalRef("AWS", f"arn:aws:iam::{ACCT}:role/app")
ROLE_WITH_PATH = PrincipalRef("AWS", f"arn:aws:iam::{ACCT}:role/team/app")
SESSION = PrincipalRef("AWS", f"arn:aws:sts::{ACCT}:assumed-role/app/s1")
USER = PrincipalRef("AWS", f"arn:aws:iam::{ACCT}:user/alice")
ACCOUNT = PrincipalRef("AWS", ACCT)
ROOT_ARN = PrincipalRef("AWS", f"arn:aws:iam::{ACCT}:root")
FOREIGN = PrincipalRef("AWS", f"arn:aws:iam::{OTHER}:role/app")
ANON = PrincipalRef("*", "*")
LAMBDA = PrincipalRef("Service", "lambda.amazonaws.com")


@pytest.mark.parametrize("entry,principal,expected", [
    (ANON, FOREIGN, True),
    (PrincipalRef("AWS", "*"), LAMBDA, True),
    (ACCOUNT, USER, True),          # the account delegates to its identities
    (ROOT_ARN, SESSION, True),
    (ACCOUNT, ROOT_ARN, True),
    (ACCOUNT, FOREIGN, False),
    (ROLE, ROLE, True),
    (ROLE, SESSION, True),          # a role covers its sessions
    (ROLE_WITH_PATH, SESSION, True),
    (ROLE_WITH_PATH, ROLE, True),   # role names are unique whatever the path
    (ROLE, FOREIGN, False),
    (USER, ROLE, False),
    (USER, ACCOUNT, False),
    (LAMBDA, PrincipalRef("Service", "LAMBDA.amazonaws.com"), True),
    (LAMBDA, PrincipalRef("Service", "ec2.amazonaws.com"), False),
    (LAMBDA, ANON, False),
    (ACCOUNT, ANON, False),
    (PrincipalRef("AWS", Unknown("x")), USER, None),
    (ROLE, PrincipalRef("AWS", Unknown("x")), None),
    (ANON, PrincipalRef("AWS", Unknown("x")), True),
])
def test_principal_covers(entry, principal, expected) -> None:
    assert principal_covers(entry, principal) is expected


def test_identity_chain_and_listing() -> None:
    chain = principal_identity_chain(SESSION)
    assert chain == [SESSION, PrincipalRef("AWS", f"arn:aws:iam::{ACCT}:role/app"), PrincipalRef("AWS", ACCT)]
    assert principal_identity_chain(ACCOUNT) == [ACCOUNT]
    assert principal_listed([ROOT_ARN], ACCOUNT) is True
    assert principal_listed([ROLE_WITH_PATH], PrincipalRef("AWS", f"arn:aws:iam::{ACCT}:role/app")) is True
    assert principal_listed([ACCOUNT], USER) is False  # no delegation in NotPrincipal
    assert principal_listed([PrincipalRef("AWS", Unknown("v"))], USER) is None
