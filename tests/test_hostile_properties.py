"""Property-based tests for hostile input (issue 8): whole scans of random and mangled
templates raise nothing but the project's own error type; Allow/Deny statement order never
changes a decision; a template and its JSON re-serialisation give the same findings; the
limits hold for any input; secrets never reach a report in full."""

from __future__ import annotations

import json
import shutil
import string
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from iacguard.engine import scan
from iacguard.errors import IacguardError, InputError
from iacguard.iam.access import evaluate
from iacguard.iam.policy import normalize, parse_policy
from iacguard.limits import check_json_depth, time_limit
from iacguard.loaders import hcl_eval
from iacguard.loaders.cfn_yaml import load_yaml
from iacguard.loaders.hcl_parse import parse_hcl
from iacguard.redact import mask, redact_text, redact_value
from iacguard.settings import Settings

from helpers import SAMPLES

FUNCTION_SCOPED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

# -- value strategies: the wrong types a policy field can hold -----------------------------------

_ACTIONS = ["*", "s3:*", "s3:GetObject", "iam:PassRole", "iam:*", "sts:AssumeRole", "ec2:Run*",
            "kms:Decrypt", "*:Get*"]
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10 ** 20), st.floats(allow_nan=True),
                     st.sampled_from(_ACTIONS + ["Allow", "Deny", "", "arn:aws:iam::123456789012:root"]),
                     st.text(max_size=12))
_intrinsics = st.sampled_from([{"Ref": "Param"}, {"Ref": "AWS::AccountId"}, {"Fn::GetAtt": ["Role", "Arn"]},
                               {"Fn::Sub": "arn:aws:s3:::${Param}/*"}, {"Fn::Join": ["", ["iam:", {"Ref": "Param"}]]},
                               {"Fn::If": ["Cond", "*", {"Ref": "AWS::NoValue"}]}, {"Fn::Bogus": 1}])
_values = st.recursive(st.one_of(_scalars, _intrinsics),
                       lambda inner: st.one_of(st.lists(inner, max_size=3),
                                               st.dictionaries(st.sampled_from(
                                                   ["AWS", "Service", "StringEquals", "aws:x", "Effect",
                                                    "Action", "Resource", "Principal", "Condition", "k"]),
                                                   inner, max_size=3)),
                       max_leaves=8)


def _statement(values: st.SearchStrategy) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional={
        "Effect": st.one_of(st.sampled_from(["Allow", "Deny"]), values),
        "Action": values, "NotAction": values, "Resource": values, "Principal": values,
        "Condition": values, "Sid": values})


_documents = st.one_of(
    _values,
    st.fixed_dictionaries({"Version": st.sampled_from(["2012-10-17", "2008-10-17", 7]),
                           "Statement": st.one_of(_values, st.lists(st.one_of(_statement(_values), _values),
                                                                    max_size=3))}))

_POLICY_TYPES = [("AWS::IAM::ManagedPolicy", "PolicyDocument"), ("AWS::IAM::Role", "AssumeRolePolicyDocument"),
                 ("AWS::S3::BucketPolicy", "PolicyDocument"), ("AWS::IAM::Policy", "PolicyDocument"),
                 ("AWS::SQS::QueuePolicy", "PolicyDocument"), ("AWS::KMS::Key", "KeyPolicy")]


def _template(resources: list[tuple[int, object]]) -> dict:
    body: dict = {"AWSTemplateFormatVersion": "2010-09-09",
                  "Parameters": {"Param": {"Type": "String"}},
                  "Conditions": {"Cond": {"Fn::Equals": [{"Ref": "Param"}, "x"]}},
                  "Resources": {"Role": {"Type": "AWS::IAM::Role", "Properties": {
                      "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                  "Principal": {"Service": "ec2.amazonaws.com"}}]}}}}}
    for index, (kind, document) in enumerate(resources):
        resource_type, key = _POLICY_TYPES[kind % len(_POLICY_TYPES)]
        properties: dict = {key: document}
        if resource_type == "AWS::IAM::Policy":
            properties.update(PolicyName="p", Roles=[{"Ref": "Role"}])
        if resource_type == "AWS::S3::BucketPolicy":
            properties["Bucket"] = "b"
        body["Resources"][f"R{index}"] = {"Type": resource_type, "Properties": properties}
    return body


def _scan_dir(directory: Path) -> object:
    result = scan([str(directory)], Settings(), root=directory, jobs=1)
    for error in result.errors + result.unresolved:
        assert isinstance(error, IacguardError)
        assert error.file  # every problem names its file
    return result


@settings(max_examples=60, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(st.lists(st.tuples(st.integers(0, 5), _documents), min_size=1, max_size=4))
def test_random_policies_in_templates_never_raise(tmp_path, resources) -> None:
    """Every wrong type in every policy field, through load, IAM model and all checks."""
    for old in tmp_path.glob("*.json"):
        old.unlink()
    (tmp_path / "t.json").write_text(json.dumps(_template(resources)))
    _scan_dir(tmp_path)


def _findings(result) -> set:
    return {(f.rule_id, f.resource, f.severity, f.message) for f in result.findings}


def _problems(result) -> set:
    return {(type(e).__name__, e.message.split(" at line ")[0]) for e in result.errors + result.unresolved}


_good_statement = st.fixed_dictionaries({
    "Effect": st.sampled_from(["Allow", "Deny"]),
    "Action": st.one_of(st.sampled_from(_ACTIONS), st.lists(st.sampled_from(_ACTIONS), min_size=1, max_size=3)),
    "Resource": st.sampled_from(["*", "arn:aws:s3:::b/*", {"Fn::Sub": "arn:aws:s3:::${Param}"}]),
}, optional={"Condition": st.sampled_from([{"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                                            {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}])})
_good_documents = st.fixed_dictionaries({"Version": st.just("2012-10-17"),
                                         "Statement": st.lists(_good_statement, min_size=1, max_size=4)})


@settings(max_examples=40, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(st.lists(st.tuples(st.sampled_from([0, 3]), st.one_of(_good_documents, _documents)), min_size=1, max_size=3))
def test_yaml_template_and_its_json_reserialisation_give_the_same_findings(tmp_path, resources) -> None:
    template = _template(resources)
    # NaN and infinities have no JSON form (json.dumps writes NaN/Infinity, which we reject)
    assume("NaN" not in json.dumps(template) and "Infinity" not in json.dumps(template))
    for old in tmp_path.glob("*/t.*"):
        old.unlink()
    (tmp_path / "yaml").mkdir(exist_ok=True)
    (tmp_path / "json").mkdir(exist_ok=True)
    (tmp_path / "yaml" / "t.yaml").write_text(yaml.safe_dump(template, sort_keys=False))
    (tmp_path / "json" / "t.json").write_text(json.dumps(template, indent=1))
    from_yaml, from_json = _scan_dir(tmp_path / "yaml"), _scan_dir(tmp_path / "json")
    assert _findings(from_yaml) == _findings(from_json)
    assert _problems(from_yaml) == _problems(from_json)


@settings(max_examples=200, deadline=None)
@given(st.lists(_good_statement, min_size=1, max_size=5), st.randoms(use_true_random=False),
       st.sampled_from(["s3:GetObject", "iam:PassRole", "sts:AssumeRole", "kms:Decrypt", "ec2:RunInstances"]),
       st.sampled_from(["*", "arn:aws:s3:::b/key", "arn:aws:iam::123456789012:role/r"]))
def test_statement_order_never_changes_a_decision(statements, rnd, action, resource) -> None:
    """Allow-then-Deny or Deny-then-Allow, in one document or split over several."""
    plain = [dict(s, Resource=s["Resource"] if isinstance(s["Resource"], str) else "*") for s in statements]
    shuffled = list(plain)
    rnd.shuffle(shuffled)

    def decide(docs: list[list[dict]]) -> tuple:
        grant = evaluate([parse_policy({"Version": "2012-10-17", "Statement": d}) for d in docs], action, resource)
        return grant.allowed, grant.conditional

    once = decide([plain])
    assert decide([shuffled]) == once
    assert decide([[s] for s in shuffled]) == once  # one statement per document
    denies_first = sorted(plain, key=lambda s: s["Effect"] != "Deny")
    allows_first = sorted(plain, key=lambda s: s["Effect"] != "Allow")
    assert decide([denies_first]) == decide([allows_first]) == once


@settings(max_examples=150, deadline=None)
@given(_documents)
def test_normalisation_is_idempotent_on_hostile_documents(raw) -> None:
    first = normalize(parse_policy(raw))
    assert normalize(parse_policy(first)) == first


# -- mangled real inputs ---------------------------------------------------------------------------

_SEEDS = {
    "t.yaml": (SAMPLES / "cloudformation" / "admin_and_public.yaml").read_text(),
    "t.json": (SAMPLES / "cloudformation" / "public_queue.json").read_text(),
    "tf/main.tf": (SAMPLES / "terraform" / "app" / "iam.tf").read_text(),
    "p.plan.json": (SAMPLES / "plan" / "risky.plan.json").read_text(),
}
_FRAGMENTS = ["&a [*a, *a]", "*a", "!Ref", "!GetAtt", "{", "}", "[", "]", '"', "'", "${", "\\", "\t",
              "\x00", "\ufeff", "\n- ", ": ", "null", "42", "[[[[", "}}}}", "Fn::If", "local.x", "%{",
              "<<EOF\n", "..", "\udcff"]


@settings(max_examples=80, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(st.sampled_from(sorted(_SEEDS)), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40),
                                                           st.sampled_from(_FRAGMENTS)), max_size=5))
def test_mangled_real_inputs_never_raise(tmp_path, name, edits) -> None:
    text = _SEEDS[name]
    for where, cut, fragment in edits:
        pos = int(where * len(text))
        text = text[:pos] + fragment + text[pos + cut:]
    root = tmp_path / "root"
    if root.exists():
        shutil.rmtree(root)
    path = root / name
    path.parent.mkdir(parents=True)
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    _scan_dir(root)


# -- the limits themselves -------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.integers(1, 400), st.integers(1, 300), st.booleans())
def test_json_depth_check_is_exact(depth, limit, objects) -> None:
    # brackets inside strings do not count
    text = ('{"a[{":' * depth + "1" + "}" * depth) if objects else ("[" * depth + '"]]}"' + "]" * depth)
    if depth > limit:
        with pytest.raises(InputError) as info:
            check_json_depth(text, "t.json", limit)
        assert info.value.line == 1 and f"deeper than {limit}" in info.value.message
    else:
        check_json_depth(text, "t.json", limit)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 60), st.integers(1, 80))
def test_yaml_and_hcl_depth_limits_are_settable(depth, limit) -> None:
    yaml_text = "a: " + "[" * depth + "]" * depth + "\n"
    hcl_text = "x = " + "[" * depth + "]" * depth + "\n"
    if depth + 1 > limit:  # the top-level mapping is a level too
        with pytest.raises(InputError):
            load_yaml(yaml_text, "t.yaml", max_depth=limit)
    else:
        load_yaml(yaml_text, "t.yaml", max_depth=limit)
    if depth > limit:
        with pytest.raises(InputError) as info:
            parse_hcl(hcl_text, "t.tf", max_depth=limit)
        assert info.value.line == 1
    else:
        parse_hcl(hcl_text, "t.tf", max_depth=limit)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(2, 6))
def test_shared_values_never_expand_past_the_limit(levels, fan_out) -> None:
    """A value built by sharing is measured as the tree every consumer walks."""
    value: object = "lol"
    for _ in range(levels):
        value = [value] * fan_out
    tree_size = sum(fan_out ** i for i in range(levels + 1))
    if tree_size > hcl_eval.MAX_VALUE_NODES:
        with pytest.raises(hcl_eval.ValueTooLarge):
            hcl_eval.check_size(value)
    else:
        hcl_eval.check_size(value)


def test_time_limit_stops_a_runaway_and_disarms() -> None:
    started = time.monotonic()
    with pytest.raises(InputError) as info:
        with time_limit(0.2, "slow.yaml"):
            while True:
                pass
    assert info.value.file == "slow.yaml" and "--max-seconds-per-file" in info.value.message
    assert time.monotonic() - started < 5
    with time_limit(0.2, "fast.yaml"):
        pass
    time.sleep(0.3)  # the timer was disarmed: nothing fires after the block
    with time_limit(0, "off.yaml"):
        time.sleep(0.01)


def test_time_limit_cannot_be_swallowed_by_a_broad_except() -> None:
    with pytest.raises(InputError):
        with time_limit(0.1, "t.yaml"):
            for _ in range(1000):
                try:
                    time.sleep(0.01)
                except Exception:  # noqa: BLE001 - what a careless loader might do
                    pass


# -- secrets ---------------------------------------------------------------------------------------

_b64 = string.ascii_letters + string.digits + "/+"


@settings(max_examples=100)
@given(st.text(alphabet=_b64, min_size=40, max_size=40).filter(
    lambda s: any(c.islower() for c in s) and any(c.isupper() for c in s) and any(c.isdigit() for c in s)),
       st.text(alphabet=" :=\"'(),\n", min_size=1, max_size=3), st.text(alphabet=" :=\"'(),\n", min_size=1, max_size=3))
def test_secret_keys_are_never_shown_in_full(secret, before, after) -> None:
    shown = redact_text(f"key{before}{secret}{after}rest")
    assert secret not in shown and mask(secret) in shown
    assert shown.count(secret[:4]) >= 1  # first four characters kept to find it


def test_redaction_leaves_ordinary_text_alone() -> None:
    for text in ["arn:aws:iam::123456789012:role/deploy", "a" * 40, "0123456789abcdef0123456789abcdef01234567",
                 "policy of R0 could not be resolved", "s3:GetObject"]:
        assert redact_text(text) == text
    assert redact_value({"password": "hunter2", "name": "x", "list": ["AKIAIOSFODNN7EXAMPLE"]}) == {
        "password": mask("hunter2"), "name": "x", "list": [mask("AKIAIOSFODNN7EXAMPLE")]}


def test_secrets_in_templates_never_reach_the_report(tmp_path) -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    (tmp_path / "t.yaml").write_text(f"""\
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Unset:
    Type: String
Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: !Sub "${{AWS::StackName}}{secret}"  # no input to name: the text is quoted
            Resource: '*'
""")
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(f'provider "aws" {{\n  secret_key = "{secret}\n  access_key = }}}}\n')
    from iacguard.report import json_report, text

    result = scan([str(tmp_path)], Settings(), root=tmp_path, jobs=1)
    for render in (json_report.render, text.render):
        output = render(result, Settings())
        assert secret not in output
        assert mask(secret) in output


def test_unresolved_text_is_not_evaluated(tmp_path) -> None:
    """Template content is data: nothing in it is ever executed (no eval, no YAML objects)."""
    marker = tmp_path / "pwned"
    (tmp_path / "t.yaml").write_text(f"""\
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  A:
    Type: AWS::IAM::User
    Properties:
      Path: !!python/object/apply:os.system ["touch {marker}"]
""")
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(f'locals {{\n  x = "${{__import__("os").system("touch {marker}")}}"\n}}\n')
    result = scan([str(tmp_path)], Settings(), root=tmp_path, jobs=1)
    assert not marker.exists()
    assert any("unsupported YAML tag" in e.message for e in result.errors)


def test_source_has_no_eval_unsafe_yaml_or_network() -> None:
    package = Path(__file__).resolve().parent.parent / "iacguard"
    checks = package.parent / "checks"
    forbidden = ["eval(", "exec(", "yaml.load(", "yaml.unsafe_load", "yaml.Loader", "yaml.FullLoader",
                 "import socket", "import urllib", "import http", "import requests", "pickle.load",
                 "os.system", "os.popen"]
    offenders = []
    for path in list(package.rglob("*.py")) + list(checks.rglob("*.py")):
        if "integrations" in path.parts:
            continue  # the CloudFormation Hook's presigned-URL fetch lives there
        source = path.read_text()
        for needle in forbidden:
            for line in source.splitlines():
                if needle in line and "_eval(" not in line and not line.lstrip().startswith("#"):
                    offenders.append(f"{path.name}: {line.strip()}")
    assert offenders == []


# -- the CloudFormation Hook fails closed ---------------------------------------------------------

_HOOK_EVENT = Path(__file__).resolve().parent / "fixtures" / "integrations" / "hook_events" / "resource_bucket_policy.json"


@settings(max_examples=60, deadline=None)
@given(_documents)
def test_hook_never_succeeds_on_a_policy_it_could_only_read_in_part(document) -> None:
    from iacguard.integrations.cfn_hook import handler

    event = json.loads(_HOOK_EVENT.read_text())
    event["requestData"]["targetModel"]["resourceProperties"]["PolicyDocument"] = document
    response = handler(event)
    assert response["hookStatus"] in ("SUCCESS", "FAILED")
    parsed = parse_policy(document)
    from iacguard.failclosed import DROPPED_CONTENT

    dropped = any(marker in problem for _, problem in parsed.all_problems() for marker in DROPPED_CONTENT)
    if dropped:
        assert response["hookStatus"] == "FAILED", (document, response)
        assert response["errorCode"] in ("InternalFailure", "NonCompliant")


def test_hook_fails_on_a_policy_string_that_is_not_json() -> None:
    from iacguard.integrations.cfn_hook import handler

    event = json.loads(_HOOK_EVENT.read_text())
    event["requestData"]["targetModel"]["resourceProperties"]["PolicyDocument"] = "{not json"
    assert handler(event)["hookStatus"] == "FAILED"


def test_empty_interpolation_is_a_syntax_error_with_line() -> None:
    """Found by test_mangled_real_inputs_never_raise: tree-sitter-hcl accepts "${}"."""
    for text, line in [('x = "${}"\n', 1), ("x = <<EOF\nok\n${}\nEOF\n", 3)]:
        with pytest.raises(InputError) as info:
            parse_hcl(text, "t.tf")
        assert info.value.line == line and "empty interpolation" in info.value.message
