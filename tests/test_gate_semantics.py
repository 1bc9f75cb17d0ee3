"""Unit tables for the gate's semantics: content fingerprints, statement coverage (--diff-base),
suppression parsing and per-path settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.errors import UsageError
from iacguard.framework import canonical_content, load_checks
from iacguard.iam.coverage import statement_covered
from iacguard.iam.policy import parse_policy
from iacguard.iam.wildcard import pattern_covers
from iacguard.resource import Resource
from iacguard.settings import path_inputs, validate
from iacguard.suppress import resource_suppressions
from iacguard.values import PDict


def _st(**fields):
    return parse_policy({"Version": "2012-10-17", "Statement": [dict(Effect="Allow", **fields)]}).statements[0]


@pytest.mark.parametrize("broad, narrow, covered", [
    ("*", "s3:getobject", True),
    ("s3:*", "s3:get*", True),
    ("s3:get*", "s3:*", False),
    ("s3:getobject", "s3:getobject", True),
    ("s3:get?bject", "s3:getobject", True),
    ("s3:get?bject", "s3:get*", False),
    ("arn:aws:s3:::b/*", "arn:aws:s3:::b/public/*", True),
    ("arn:aws:s3:::b/public/*", "arn:aws:s3:::b/*", False),
    ("arn:aws:s3:::b/a.txt", "arn:aws:s3:::b/a?txt", False),
])
def test_pattern_covers(broad, narrow, covered):
    assert pattern_covers(broad, narrow) is covered


@pytest.mark.parametrize("statement, others, covered", [
    (dict(Action="s3:GetObject", Resource="*"), [dict(Action="s3:*", Resource="*")], True),
    (dict(Action=["s3:GetObject", "s3:PutObject"], Resource="*"),
     [dict(Action="s3:GetObject", Resource="*"), dict(Action="s3:PutObject", Resource="*")], True),  # merged
    (dict(Action="s3:DeleteObject", Resource="*"), [dict(Action="s3:Get*", Resource="*")], False),
    (dict(Action="S3:GetObject", Resource="arn:aws:s3:::b/*"), [dict(Action="s3:getobject", Resource="arn:aws:s3:::b/*")], True),
    (dict(Action="s3:GetObject", Resource="arn:aws:s3:::b/*"), [dict(Action="s3:GetObject", Resource="arn:aws:s3:::b/x/*")], False),
    # a base statement with a condition the new one lacks is narrower
    (dict(Action="*", Resource="*"),
     [dict(Action="*", Resource="*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}})], False),
    (dict(Action="*", Resource="*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
     [dict(Action="*", Resource="*")], True),
    (dict(Principal="*", Action="s3:GetObject"), [dict(Principal={"AWS": "*"}, Action="s3:GetObject")], True),
    (dict(Principal="*", Action="s3:GetObject"),
     [dict(Principal={"AWS": "arn:aws:iam::111122223333:root"}, Action="s3:GetObject")], False),
    (dict(Principal={"AWS": "111122223333"}, Action="s3:GetObject"), [dict(Action="s3:GetObject", Resource="*")], False),
    (dict(NotAction="iam:*", Resource="*"), [dict(Action="*", Resource="*")], False),  # Not*: exact match only
    (dict(NotAction="iam:*", Resource="*"), [dict(NotAction=["iam:*"], Resource=["*"])], True),
])
def test_statement_covered(statement, others, covered):
    assert statement_covered(_st(**statement), [_st(**o) for o in others]) is covered


@pytest.mark.parametrize("a, b, same", [
    (dict(Effect="Allow", Action="*", Resource="*"), dict(Sid="X", Resource=["*"], Action=["*"], Effect="Allow"), True),
    (dict(Effect="Allow", Action=["s3:B", "s3:A"], Resource="*"), dict(Effect="Allow", Action=["S3:a", "s3:b"], Resource="*"), True),
    (dict(Effect="Allow", Principal="*", Action="s3:A"), dict(Effect="Allow", Principal={"AWS": "*"}, Action="s3:A"), True),
    (dict(Effect="Allow", Action="s3:A", Resource="*"), dict(Effect="Allow", Action=["s3:A", "s3:B"], Resource="*"), False),
    (dict(Effect="Allow", Action="s3:A", Resource="arn:aws:s3:::b/x"), dict(Effect="Allow", Action="s3:A", Resource="arn:aws:s3:::b/*"), False),
    (dict(Effect="Allow", Action="*", Resource="*"),
     dict(Effect="Allow", Action="*", Resource="*", Condition={"Bool": {"aws:SecureTransport": "true"}}), False),
])
def test_canonical_content(a, b, same):
    assert (canonical_content(a) == canonical_content(b)) is same


def _tf(comments):
    return Resource("aws_iam_policy.p", "aws_iam_policy", {}, "main.tf", 1, 9, "terraform",
                    metadata={"comments": comments})


def _cfn(metadata):
    return Resource("P", "AWS::IAM::ManagedPolicy", {}, "t.yaml", 3, 9, "cloudformation", metadata=PDict(metadata))


@pytest.mark.parametrize("resource, expected", [
    (_tf([(2, "# iacguard:ignore IAG-LP-001 reviewed (SEC-1)")]), [("IAG-LP-001", "reviewed (SEC-1)", None)]),
    (_tf([(2, "// iacguard:ignore IAG-LP-001,access-keys: both reviewed")]),
     [("IAG-LP-001", "both reviewed", None), ("access-keys", "both reviewed", None)]),
    (_tf([(2, "/* iacguard:ignore iag-lp-001 lower case id */")]), [("iag-lp-001", "lower case id", None)]),
    (_tf([(2, "# iacguard:ignore IAG-LP-001")]), [("IAG-LP-001", "", "no reason")]),
    (_tf([(2, "# iacguard:ignore")]), [("", "", "names no rule")]),
    (_tf([(2, "# iacguard:ignore IAG-XX-001 why")]), [("IAG-XX-001", "why", "unknown rule")]),
    (_tf([(2, "# iacguard:ignore IAG-GR-000 why")]), [("IAG-GR-000", "why", "cannot itself")]),
    (_tf([(2, "# not iacguard:ignore IAG-LP-001 why"), (3, "# iacguard:ignored x y")]), []),
    (_cfn({"iacguard": {"ignore": [{"id": "IAG-LP-001", "reason": "ok"}]}}), [("IAG-LP-001", "ok", None)]),
    (_cfn({"iacguard": {"ignore": ["IAG-LP-001"]}}), [("IAG-LP-001", "", "no reason")]),
    (_cfn({"iacguard": {"ignroe": []}}), [("", "", "unknown key 'ignroe'")]),
    (_cfn({"iacguard": ["IAG-LP-001"]}), [("", "", "must be a mapping")]),
    (_cfn({"iacguard": {"ignore": [{"id": "IAG-LP-001", "reason": 3}]}}), [("IAG-LP-001", "", "must be text")]),
    (_cfn({"cfn_nag": {"rules_to_suppress": [{"id": "F3", "reason": "ok"}]}}), [("F3", "ok", None)]),
    (_cfn({"guard": {"SuppressedRules": ["KMS_NO_WILDCARD_PRINCIPAL"]}}),
     [("KMS_NO_WILDCARD_PRINCIPAL", "", None)]),  # guard's plain list has no reason field
    (_cfn({"aws:cdk:path": "Stack/P/Resource"}), []),
])
def test_suppression_parsing(resource, expected):
    checks = load_checks()
    found = resource_suppressions(resource, checks)
    assert len(found) == len(expected)
    for suppression, (rule, reason, problem) in zip(found, expected):
        assert (suppression.rule, suppression.reason) == (rule, reason)
        if problem is None:
            assert suppression.problem is None and suppression.targets
        else:
            assert problem in (suppression.problem or "")


def test_mapped_foreign_rules_target_our_checks():
    checks = load_checks()
    nag = resource_suppressions(_cfn({"cfn_nag": {"rules_to_suppress": [{"id": "F16", "reason": "x"}]}}), checks)
    assert nag[0].targets == ("IAG-EXT-001",)
    lower = resource_suppressions(_tf([(2, "# iacguard:ignore iag-lp-001 ok")]), checks)
    assert lower[0].covers("IAG-LP-001", "least-privilege")


def test_path_entries_most_specific_last(tmp_path: Path):
    settings = validate({"paths": {"infra": {"variables": {"a": "1"}}, "infra/prod": {"variables": {"a": "2"}},
                                   "other": {"var_files": ["x.tfvars"]}}}, "s", tmp_path)
    entries = path_inputs(settings, tmp_path / "infra" / "prod" / "app")
    assert [e["variables"]["a"] for e in entries] == ["1", "2"]
    assert path_inputs(settings, tmp_path / "infrastructure") == []
    other = path_inputs(settings, tmp_path / "other")
    assert other[0]["var_files"] == [str(tmp_path / "x.tfvars")]


@pytest.mark.parametrize("raw", [{"paths": {"a": {"var_file": []}}}, {"paths": {"a": "x"}},
                                 {"paths": {"a": {"variables": []}}}, {"baseline": ["a"]}, {"profiles": ["x"]}])
def test_bad_settings_raise(raw):
    with pytest.raises(UsageError):
        validate(raw, "s")
