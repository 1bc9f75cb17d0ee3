"""Terraform as modules write it: equality with partly unknown values, variable type
constraints (optional() attributes and their defaults), null and empty arguments, one()/splats
over a count that is not known, coalesce/try/lookup, sensitive(), AWS managed policy lookups and
data sources that only look something up. Fixtures: tests/fixtures/tf/language/."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from iacguard.loaders.terraform import load_module_tree
from iacguard.values import Choice, Unknown
from tests.helpers import ROOT, scan_json, triples

FIXTURES = ROOT / "tests" / "fixtures" / "tf" / "language"


def load(tmp_path: Path, text: str, **kwargs):
    (tmp_path / "main.tf").write_text(textwrap.dedent(text))
    return load_module_tree(tmp_path, [tmp_path / "main.tf"], tmp_path, **kwargs)


def value_of(result, name: str = "v"):
    (res,) = [r for r in result.resources if r.address == "t_x.r"]
    return res.properties.get(name)


def ev(tmp_path: Path, expr: str, extra: str = ""):
    result = load(tmp_path, extra + f'\nvariable "nodef" {{}}\nresource "t_x" "r" {{\n  v = {expr}\n}}\n')
    assert not result.errors, result.errors
    return value_of(result)


# -- equality decided by the known parts ------------------------------------------------------


@pytest.mark.parametrize("expr,expected", [
    ('{ a = var.nodef } != null', True),
    ('{ a = var.nodef } == null', False),
    ('[var.nodef] != null', True),
    ('null == [var.nodef]', False),
    ('{ a = var.nodef } == { a = 1, b = 2 }', False),  # different keys
    ('[var.nodef] == [1, 2]', False),  # different lengths
    ('[var.nodef, 1] == [var.nodef, 2]', False),  # a known element differs
    ('{ a = var.nodef } == [var.nodef]', False),  # an object is never a list
    ('"1" == 1', False),
    ('{ a = [1, "x"], b = var.nodef } != { a = [1, "y"], b = var.nodef }', True),
    ('(var.nodef ? "a" : "b") == "c"', False),  # no alternative equals it
    ('(var.nodef ? "a" : "b") != "c"', True),
])
def test_equality_is_decided_by_the_known_parts(tmp_path, expr, expected):
    value = ev(tmp_path, expr)
    assert value is expected


@pytest.mark.parametrize("expr", [
    'var.nodef == null',
    '[var.nodef] == [1]',
    '{ a = var.nodef } == { a = "x" }',
    '(var.nodef ? "a" : "b") == "a"',
])
def test_equality_that_depends_on_an_unknown_stays_unknown(tmp_path, expr):
    assert isinstance(ev(tmp_path, expr), Unknown)
