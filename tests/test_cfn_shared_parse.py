"""Templates parsed once per scan: the parse that finds nested stacks (engine._root_templates)
is handed to the load that reads the template next, and only when it is what that load would
parse itself (same text, same name, same limits)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iacguard import engine
from iacguard.engine import load_resources
from iacguard.settings import Settings

_PARENT = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Child:
    Type: AWS::CloudFormation::Stack
    Properties:
      TemplateURL: child.yaml
  Odd:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Rain::Embed thing
"""

_CHILD = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: {name}
      AssumeRolePolicyDocument: {{}}
"""


def _write(tmp_path: Path, name: str = "first") -> None:
    (tmp_path / "parent.yaml").write_text(_PARENT)
    (tmp_path / "child.yaml").write_text(_CHILD.format(name=name))


def _role_name(result) -> str:
    (role,) = [r for r in result.resources if r.type == "AWS::IAM::Role"]
    return role.properties["RoleName"]


def test_the_load_names_the_file_as_without_the_shared_parse(tmp_path: Path) -> None:
    # the parse for nested stacks must name the template as its load does: a problem kept in the
    # document (the unsupported tag) is reported with the relative name, not the absolute path
    _write(tmp_path)
    result = load_resources([str(tmp_path)], Settings())
    tagged = [e for e in result.errors if "unsupported YAML tag" in str(e)]
    assert [e.file for e in tagged] == ["parent.yaml"]
    assert _role_name(result) == "first"


def test_a_file_changed_after_discovery_is_parsed_again(tmp_path: Path) -> None:
    _write(tmp_path)
    settings = Settings()
    result, units, _ = engine._prepare_units([str(tmp_path)], settings, None)
    assert engine._PARSED_TEMPLATES  # the parent was parsed to find its nested stack
    (tmp_path / "parent.yaml").write_text(_PARENT.replace("TemplateURL: child.yaml", "TemplateURL: other.yaml"))
    (tmp_path / "other.yaml").write_text(_CHILD.format(name="second"))
    (unit,) = units
    loaded = engine._load_unit(unit)
    assert _role_name(loaded) == "second"  # the text as it is now, not the parse of the old one


def test_a_shared_parse_is_handed_out_once(tmp_path: Path) -> None:
    # the loader may change the document it is given, so a second load parses afresh
    _write(tmp_path)
    _, units, _ = engine._prepare_units([str(tmp_path)], Settings(), None)
    (unit,) = units
    first = engine._load_unit(unit)
    assert not engine._PARSED_TEMPLATES
    second = engine._load_unit(unit)
    assert [(r.address, r.properties) for r in first.resources] == \
        [(r.address, r.properties) for r in second.resources]


def test_different_limits_are_not_served_the_shared_parse(tmp_path: Path) -> None:
    _write(tmp_path)
    _, units, _ = engine._prepare_units([str(tmp_path)], Settings(), None)
    (unit,) = units
    from dataclasses import replace

    tight = replace(unit, limits=replace(unit.limits, max_nesting_depth=2))
    loaded = engine._load_unit(tight)
    assert any("nesting deeper than 2" in str(e) for e in loaded.errors)
    engine._forget_parsed_files()
    assert not engine._PARSED_TEMPLATES


def test_the_translator_copy_is_what_the_generic_deep_copy_gives() -> None:
    import copy

    from iacguard.loaders import sam
    from iacguard.values import PDict, PList, Unknown

    def build(mapping: type, sequence: type) -> Any:
        shared = mapping({"Action": sequence(["s3:GetObject"], line=9), "Resource": "*"}, line=8)
        properties = mapping({"Policies": sequence([shared, shared], line=7),
                              "Odd": Unknown("!Thing x", reason="unsupported tag"), 1: None}, line=6)
        resources = mapping({"Fn": mapping({"Type": "AWS::Serverless::Function", "Properties": properties},
                                           line=5)}, line=3)
        resources.file = "part.yaml"
        return mapping({"Resources": resources}, line=1)

    def shape(value: Any) -> Any:
        if isinstance(value, dict):
            return ("dict", value.line, value.file, [(k, shape(v)) for k, v in value.items()])
        if isinstance(value, list):
            return ("list", value.line, [shape(v) for v in value])
        return (type(value).__name__, repr(value))

    template = build(sam._TranslatorDict, sam._TranslatorList)
    fast = copy.deepcopy(template)
    generic = copy.deepcopy(build(PDict, PList))  # PDict has no __deepcopy__: reduce and reconstruct
    assert shape(fast) == shape(generic)
    assert type(fast["Resources"]) is sam._TranslatorDict
    policies = fast["Resources"]["Fn"]["Properties"]["Policies"]
    assert type(policies) is sam._TranslatorList
    original = template["Resources"]["Fn"]["Properties"]["Policies"]
    # what is shared stays shared, as deepcopy keeps it, and nothing is the original
    assert policies[0] is policies[1] and policies[0] is not original[0]
    assert policies[0]["Action"] is not original[0]["Action"]
