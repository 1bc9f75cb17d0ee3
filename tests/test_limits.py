"""The limits against hostile input: settings, command-line options and their validation."""

from __future__ import annotations

import pytest

from iacguard.cli import build_parser, _settings_for
from iacguard.errors import UsageError
from iacguard.limits import ScanLimits
from iacguard.settings import Settings, validate

LIMITS = {"max_nesting_depth": 200, "max_alias_nodes": 10_000, "max_module_depth": 20,
          "max_instances": 1000, "max_seconds_per_file": 10}


def test_defaults_match_the_loaders_and_the_readme() -> None:
    from iacguard.loaders import cfn_yaml, hcl_parse

    settings = Settings()
    assert {k: getattr(settings, k) for k in LIMITS} == LIMITS
    assert settings.max_nesting_depth == cfn_yaml.MAX_DEPTH == hcl_parse.MAX_DEPTH
    assert settings.max_alias_nodes == cfn_yaml.MAX_ALIAS_NODES
    assert ScanLimits.from_settings(settings) == ScanLimits()


@pytest.mark.parametrize("key", sorted(LIMITS))
def test_settings_file_can_raise_each_limit(key) -> None:
    assert getattr(validate({key.replace("_", "-"): 12345}, "s.yaml"), key) == 12345


@pytest.mark.parametrize("key, value, message", [
    ("max_nesting_depth", 0, "at least 1"), ("max_instances", -5, "at least 1"),
    ("max_seconds_per_file", -1, "0 (no limit) or more"), ("max_alias_nodes", "many", "must be a int"),
    ("max_module_depth", True, "must be a int"),
])
def test_settings_file_rejects_bad_limits(key, value, message) -> None:
    with pytest.raises(UsageError) as info:
        validate({key: value}, "s.yaml")
    assert message in info.value.message and key in info.value.message


@pytest.mark.parametrize("option, key", [("--max-nesting-depth", "max_nesting_depth"),
                                         ("--max-alias-nodes", "max_alias_nodes"),
                                         ("--max-module-depth", "max_module_depth"),
                                         ("--max-instances", "max_instances"),
                                         ("--max-seconds-per-file", "max_seconds_per_file")])
def test_command_line_sets_each_limit(tmp_path, option, key) -> None:
    args = build_parser().parse_args(["scan", str(tmp_path), option, "77"])
    assert getattr(_settings_for(args), key) == 77
    args = build_parser().parse_args(["scan", str(tmp_path), option, "-1"])
    with pytest.raises(UsageError):
        _settings_for(args)


def test_zero_seconds_turns_the_time_limit_off(tmp_path) -> None:
    args = build_parser().parse_args(["scan", str(tmp_path), "--max-seconds-per-file", "0"])
    assert _settings_for(args).max_seconds_per_file == 0


def test_a_loader_running_out_of_stack_or_memory_loses_one_file_not_the_run(tmp_path, monkeypatch) -> None:
    from iacguard import engine
    from iacguard.loaders import cloudformation

    (tmp_path / "a.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
    (tmp_path / "b.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
                                     "  K:\n    Type: AWS::IAM::AccessKey\n    Properties: {UserName: u}\n")
    real = cloudformation.parse_document

    def failing(text, file, **kwargs):
        if file == "a.yaml":
            raise MemoryError()
        return real(text, file, **kwargs)

    monkeypatch.setattr(cloudformation, "parse_document", failing)
    result = engine.scan([str(tmp_path)], Settings(), root=tmp_path, jobs=1)
    assert [(e.file, "MemoryError" in e.message) for e in result.errors] == [("a.yaml", True)]
    assert "b.yaml" in result.files and any(r.address == "K" for r in result.resources)


def test_an_unexpected_loader_bug_loses_one_file_not_the_run(tmp_path, monkeypatch) -> None:
    from iacguard import engine
    from iacguard.loaders import plan

    (tmp_path / "p.plan.json").write_text('{"format_version": "1.2", "planned_values": {}}')
    (tmp_path / "b.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
                                     "  K:\n    Type: AWS::IAM::AccessKey\n    Properties: {UserName: u}\n")
    monkeypatch.setattr(plan, "load_plan", lambda *a, **k: 1 / 0)
    monkeypatch.delenv("IACGUARD_DEBUG", raising=False)
    result = engine.scan([str(tmp_path)], Settings(), root=tmp_path, jobs=1)
    assert [(e.file, "ZeroDivisionError" in e.message) for e in result.errors] == [("p.plan.json", True)]
    assert any(r.address == "K" for r in result.resources)
    assert result.exit_code(Settings()) == 2
