"""docs/configuration.md is generated from the settings the validator accepts and must be current;
every accepted key has a description, and every documented example is a valid setting."""

import dataclasses

import pytest
import yaml

from iacguard import settings_reference
from iacguard.errors import UsageError
from iacguard.settings import INTERNAL_FIELDS, Settings, validate


def test_every_accepted_setting_has_a_description():
    accepted = set(settings_reference.accepted_settings())
    assert not accepted - set(settings_reference.DESCRIPTIONS), "add a description to iacguard/settings_reference.py"
    assert not set(settings_reference.DESCRIPTIONS) - accepted, "a description names a setting that does not exist"
    # the accepted keys are the Settings fields a file may set (the validator's own rule)
    assert accepted == {f.name for f in dataclasses.fields(Settings)} - INTERNAL_FIELDS


def test_a_setting_without_a_description_fails_the_generation(monkeypatch):
    from iacguard import settings

    monkeypatch.setitem(settings._TYPES, "brand_new_key", str)
    with pytest.raises(KeyError, match="brand_new_key"):
        settings_reference.render()


def test_generated_configuration_reference_is_current():
    committed = settings_reference.TARGET.read_text(encoding="utf-8")
    assert committed == settings_reference.render(), \
        "docs/configuration.md is stale: run `python -m iacguard.settings_reference --write`"


def test_reference_lists_every_key_with_type_and_default():
    text = settings_reference.TARGET.read_text(encoding="utf-8")
    assert "| [`fail_on`](#fail_on) | string | `\"high\"` |" in text
    assert "| [`max_seconds_per_file`](#max_seconds_per_file) | integer | `10` |" in text
    assert "| [`organization_id`](#organization_id) | string | `none` |" in text
    for name in settings_reference.accepted_settings():
        assert f"\n## {name}\n" in text


@pytest.mark.parametrize("name", sorted(settings_reference.DESCRIPTIONS))
def test_each_documented_example_is_accepted(tmp_path, name):
    raw = yaml.safe_load(settings_reference.DESCRIPTIONS[name][1])
    assert list(raw) == [name]
    (tmp_path / ".git").mkdir()
    (tmp_path / "infra" / "prod").mkdir(parents=True)  # `roots` must name directories
    settings = validate(raw, "example.yaml", tmp_path, tmp_path)
    assert getattr(settings, name) != getattr(Settings(), name)


def test_a_wrong_example_would_be_refused(tmp_path):
    with pytest.raises(UsageError, match="organization_id"):
        validate({"organization_id": "org-1"}, "example.yaml", tmp_path, tmp_path)
