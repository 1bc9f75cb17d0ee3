"""A switched-parameter world takes the defaults' resource for each entry whose resolution read
none of the names the world changes, and resolves the others again: the result must be what
resolving every entry again gives (cloudformation._add_switched_worlds)."""

from __future__ import annotations

from typing import Any

import pytest

from iacguard.loaders import cloudformation
from iacguard.loaders.cfn_yaml import load_yaml
from iacguard.values import to_plain

_TEMPLATE = """
Parameters:
  Env:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
Mappings:
  ByEnv:
    dev: {Action: "s3:GetObject"}
    prod: {Action: "s3:*"}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  AlsoProd: !Condition IsProd
  NotProd: !Not [!Condition AlsoProd]
Resources:
  Direct:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Ref Env
  Plain:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: fixed
  First:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !If [IsProd, prod-topic, dev-topic]
  ThroughCachedCondition:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !If [NotProd, dev-only, prod-only]
  ByCondition:
    Type: AWS::SNS::Topic
    Condition: AlsoProd
    Properties:
      TopicName: conditional
  Substituted:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub "topic-${Env}"
  Mapped:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: p
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: !FindInMap [ByEnv, !Ref Env, Action]
            Resource: "*"
  Referring:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !GetAtt Plain.TopicName
"""


def _load(text: str) -> Any:
    return cloudformation.build_resources(load_yaml(text, "t.yaml"), "t.yaml", flags=True)


def _world(result: Any) -> dict[str, Any]:
    return {r.address: to_plain(r.properties) for r in result.resources if r.when and r.mode == "managed"}


def _whole(monkeypatch: pytest.MonkeyPatch) -> None:
    original = cloudformation._world_resources

    def whole(*args: Any) -> Any:
        return original(*args[:-1], False)

    monkeypatch.setattr(cloudformation, "_world_resources", whole)


def test_what_reads_a_switched_parameter_is_resolved_again() -> None:
    world = _world(_load(_TEMPLATE))
    assert world["Direct"]["TopicName"] == "prod"
    assert world["First"]["TopicName"] == "prod-topic"
    # the condition was evaluated (and cached) for an earlier resource: what it read still counts
    assert world["ThroughCachedCondition"]["TopicName"] == "prod-only"
    assert world["ByCondition"]["TopicName"] == "conditional"
    assert world["Substituted"]["TopicName"] == "topic-prod"
    assert world["Mapped"]["PolicyDocument"]["Statement"][0]["Action"] == "s3:*"
    assert world["Plain"]["TopicName"] == "fixed"


def test_the_world_is_what_resolving_every_entry_again_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    reused = _load(_TEMPLATE)
    _whole(monkeypatch)
    whole = _load(_TEMPLATE)
    assert reused.resources == whole.resources
    assert repr(reused.resources) == repr(whole.resources)


def test_unchanged_entries_are_the_defaults_resources() -> None:
    result = _load(_TEMPLATE)
    defaults = {r.address: r for r in result.resources if not r.when}
    world = {r.address: r for r in result.resources if r.when}
    assert world["Plain"].properties is defaults["Plain"].properties  # taken over, not resolved again
    assert world["Plain"] is not defaults["Plain"] and world["Plain"].group.endswith("(when Env = prod)")
    assert world["Direct"].properties is not defaults["Direct"].properties


def test_a_condition_cycle_builds_the_world_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # which condition of a cycle is cut depends on which was evaluated first, so nothing is reused
    text = _TEMPLATE.replace("  NotProd: !Not [!Condition AlsoProd]",
                             "  NotProd: !Not [!Condition AlsoProd]\n  A: !Or [!Condition B, !Condition IsProd]\n"
                             "  B: !Or [!Condition A, !Condition IsProd]") + """
  CycleLast:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !If [B, b, not-b]
  CycleFirst:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !If [A, a, not-a]
"""
    result = _load(text)
    defaults = {r.address: r for r in result.resources if not r.when}
    world = {r.address: r for r in result.resources if r.when}
    assert world["Plain"].properties is not defaults["Plain"].properties
    _whole(monkeypatch)
    assert repr(_load(text).resources) == repr(result.resources)


def test_a_switched_resolver_is_a_fresh_resolver_with_those_parameters() -> None:
    from iacguard.loaders.cfn_intrinsics import TemplateResolver
    from iacguard.values import Unknown

    text = _TEMPLATE.replace("Mappings:", """  Subnets:
    Type: CommaDelimitedList
    Default: "a, b"
  Ami:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /ami
  Given:
    Type: String
Mappings:""")
    data = load_yaml(text, "t.yaml")
    given = {"Given": "g"}
    default = TemplateResolver(data, "t.yaml", [], parameters=given, pseudo={"AWS::Region": "eu-west-1"})
    default.resource_ids |= {"LeftOut"}
    assert default.condition("IsProd", 0) is False  # cached in the default resolver only
    for world in ({"Env": "prod"}, {"Env": Unknown("Env", reason="any value")}, {"Subnets": "x,y"}):
        switched = default.switched(world)
        fresh = TemplateResolver(data, "t.yaml", [], parameters={**given, **world},
                                 pseudo={"AWS::Region": "eu-west-1"})
        assert repr(switched.params) == repr(fresh.params) and list(switched.params) == list(fresh.params)
        assert switched.resource_ids == fresh.resource_ids and switched.pseudo == fresh.pseudo
        assert switched.condition("IsProd", 0) == fresh.condition("IsProd", 0)
        assert to_plain(switched.resolve_value(data["Resources"]["Mapped"]["Properties"])) == \
            to_plain(fresh.resolve_value(data["Resources"]["Mapped"]["Properties"]))
        assert switched._handlers["Ref"].__self__ is switched
    assert default.switched({"Env": "prod"}).condition("IsProd", 0) is True
    assert default.condition("IsProd", 0) is False
