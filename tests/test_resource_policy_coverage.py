"""Every CloudFormation type that holds a policy document is modelled or deliberately left out.

cfn-lint ships the CloudFormation resource provider schemas. This walks them, finds every
property that holds a policy-like document (a property named ...Policy / ...Policies /
...PolicyDocument / ...PolicyText whose schema is a free-form JSON object or string), and fails
when its type is neither modelled (iacguard/iam/model.py) nor listed with a reason in
NOT_MODELLED_POLICY_PROPERTIES. Each resource-policy type is then judged end to end: a template
with one public policy per type gives IAG-EXT-001 on that resource at the statement's line."""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import re
from pathlib import Path

import pytest

from helpers import ROOT, scan_json

FIXTURE = ROOT / "tests" / "fixtures" / "resource_policy_types"
_NAME = re.compile(r"Polic(y|ies)(Document|Text)?$")
_DESCRIBED = re.compile(r"json|iam|resource[- ]based|resource policy|policy document|permissions", re.I)
# the character class AWS gives IAM policy text in its schemas
_POLICY_TEXT = "\\u0020-\\u00FF"


def _schemas_dir() -> Path:
    spec = importlib.util.find_spec("cfnlint")  # located, not imported (its import is slow)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("cfn-lint (a test dependency) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "schemas"


def _resolve(schema: dict, node, seen: frozenset):
    while isinstance(node, dict) and str(node.get("$ref", "")).startswith("#/definitions/"):
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return None, seen
        seen = seen | {name}
        node = schema.get("definitions", {}).get(name)
    return node, seen


def _holds_document(name: str, node) -> bool:
    if not _NAME.search(name) or not isinstance(node, dict):
        return False
    types = node.get("type")
    types = [types] if isinstance(types, str) else list(types or ())
    if "object" in types and not node.get("properties"):
        return True  # free-form JSON
    if not types and node.get("format") == "json":
        return True
    if "string" in types:
        return bool(_DESCRIBED.search(node.get("description") or "")) or _POLICY_TEXT in str(node.get("pattern", ""))
    return False


def _walk(schema: dict, node, path: list[str], seen: frozenset, found: set, depth: int = 0) -> None:
    node, seen = _resolve(schema, node, seen)
    if depth > 12 or not isinstance(node, dict):
        return
    for name, child in (node.get("properties") or {}).items():
        resolved, _ = _resolve(schema, child, seen)
        if _holds_document(name, resolved):
            found.add((schema["typeName"], ".".join(path + [name])))
        _walk(schema, child, path + [name], seen, found, depth + 1)
    for key in ("items", "oneOf", "anyOf", "allOf"):
        value = node.get(key)
        for child in [value] if isinstance(value, dict) else (value or []):
            _walk(schema, child, path, seen, found, depth + 1)


def _policy_properties() -> set[tuple[str, str]]:
    base = _schemas_dir()
    providers = json.loads((base / "providers" / "us-east-1.json").read_text())
    found: set[tuple[str, str]] = set()
    for digest in providers.values():
        path = base / "resources" / f"{digest}.json"
        if path.is_file():
            schema = json.loads(path.read_text())
            _walk(schema, schema, [], frozenset(), found)
    return found


def _modelled() -> dict[str, set[str]]:
    """type -> the property paths the model reads a policy document from ('*': the type is an
    identity type the model reads in full)."""
    from iacguard.iam import model

    paths: dict[str, set[str]] = {}
    for rtype, (policy, _target, _service) in model.RESOURCE_POLICY_TYPES.items():
        for part in policy.split("&"):
            for alternative in part.split("|"):
                paths.setdefault(rtype, set()).add(alternative.replace("[]", ""))
    for table in (model.PRINCIPAL_TYPES, model.INLINE_POLICY_TYPES, model.MANAGED_POLICY_TYPES,
                  model.SCP_TYPES, model.PERMISSION_SET_TYPES):
        for rtype in table:
            paths.setdefault(rtype, set()).add("*")
    return paths


def test_every_policy_document_type_is_modelled_or_listed_out_of_scope():
    from iacguard.iam.model import NOT_MODELLED_POLICY_PROPERTIES

    found = _policy_properties()
    # the walk sees what it must: otherwise this test could pass by finding nothing
    assert {("AWS::SQS::QueueInlinePolicy", "PolicyDocument"), ("AWS::SNS::TopicInlinePolicy", "PolicyDocument"),
            ("AWS::S3::BucketPolicy", "PolicyDocument"), ("AWS::IAM::Role", "AssumeRolePolicyDocument"),
            ("AWS::DynamoDB::Table", "StreamSpecification.ResourcePolicy.PolicyDocument")} <= found
    modelled = _modelled()
    missing = sorted((rtype, path) for rtype, path in found
                     if not ({"*", path} & modelled.get(rtype, set())) and (rtype, path) not in NOT_MODELLED_POLICY_PROPERTIES)
    assert missing == [], "policy documents neither modelled nor in NOT_MODELLED_POLICY_PROPERTIES: " + repr(missing)
    # the table names only what the schemas still have, and nothing the model reads
    assert sorted(set(NOT_MODELLED_POLICY_PROPERTIES) - found) == []
    assert [key for key in NOT_MODELLED_POLICY_PROPERTIES if key[1] in modelled.get(key[0], set())] == []
    assert all(reason.strip() for reason in NOT_MODELLED_POLICY_PROPERTIES.values())


def test_each_resource_policy_type_is_judged_end_to_end():
    expected = json.loads((FIXTURE / "expected.json").read_text())
    report, proc = scan_json(str(FIXTURE), "--fail-on", "critical")
    assert report["errors"] == []
    assert proc.returncode == 1
    got = sorted((f["resource"], f["resource_type"], f["line"]) for f in report["findings"] if f["rule_id"] == "IAG-EXT-001")
    assert got == sorted((e["resource"], e["type"], e["line"]) for e in expected)
    for finding in report["findings"]:
        assert finding["file"] == "template.yaml" and finding["severity"] == "critical"


def test_inline_queue_and_topic_policies_protect_the_queue_and_topic(tmp_path):
    (tmp_path / "inline.yaml").write_text("""\
Resources:
  Queue:
    Type: AWS::SQS::Queue
  QueuePolicy:
    Type: AWS::SQS::QueueInlinePolicy
    Properties:
      Queue: !Ref Queue
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: sqs:SendMessage
            Resource: !GetAtt Queue.Arn
  Topic:
    Type: AWS::SNS::Topic
  TopicPolicy:
    Type: AWS::SNS::TopicInlinePolicy
    Properties:
      TopicArn: !Ref Topic
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { AWS: "444455556666" }
            Action: sns:Publish
            Resource: !Ref Topic
""")
    report, proc = scan_json(str(tmp_path / "inline.yaml"), "--fail-on", "high")
    assert proc.returncode == 1 and report["errors"] == []
    assert sorted((f["rule_id"], f["resource"], f["line"]) for f in report["findings"]) == [
        ("IAG-EXT-001", "QueuePolicy", 10), ("IAG-EXT-002", "TopicPolicy", 22)]
    messages = {f["resource"]: f["message"] for f in report["findings"]}
    assert "sqs:SendMessage on Queue" in messages["QueuePolicy"]
    assert "sns:Publish on Topic" in messages["TopicPolicy"]


def test_hook_targets_every_modelled_type():
    from iacguard.iam import model
    from iacguard.loaders.cloudformation import parse_document

    data = parse_document((ROOT / "integrations" / "cloudformation-hook" / "template.yaml").read_text(), "template.yaml")
    hook = next(b for b in data["Resources"].values() if b["Type"] == "AWS::CloudFormation::LambdaHook")
    names = hook["Properties"]["TargetFilters"]["TargetNames"]
    assert len(names) <= 50  # the most a hook accepts
    untargeted = [t for t in model.RESOURCE_POLICY_TYPES
                  if t.startswith("AWS::") and not any(fnmatch.fnmatchcase(t, n) for n in names)]
    assert untargeted == []
