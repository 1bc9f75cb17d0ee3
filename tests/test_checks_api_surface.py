"""Checks import only iacguard.checks_api (and the standard library): the built-in checks, and
every custom-check example the documentation shows."""

from __future__ import annotations

import ast
import re
import sys

from helpers import ROOT

_FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _imports_bypassing_the_api(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                found.append("." * node.level + (node.module or ""))  # a relative import
            elif node.module and node.module.split(".")[0] == "iacguard" and node.module != "iacguard.checks_api":
                found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names
                         if alias.name.split(".")[0] == "iacguard" and alias.name != "iacguard.checks_api")
    return found


def _third_party(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.append(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.extend(alias.name.split(".")[0] for alias in node.names)
    return [n for n in names if n != "iacguard" and n != "__future__" and n not in sys.stdlib_module_names]


def test_builtin_checks_import_only_the_checks_api():
    paths = sorted((ROOT / "checks").glob("*.py"))
    assert len(paths) > 30
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        assert _imports_bypassing_the_api(tree) == [], path.name
        assert _third_party(tree) == [], path.name


def _documented_examples() -> list[tuple[str, str]]:
    examples = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for code in _FENCE.findall(path.read_text(encoding="utf-8")):
            if "iacguard" in code:
                examples.append((str(path.relative_to(ROOT)), code))
    return examples


def test_documented_check_examples_import_only_the_checks_api():
    examples = _documented_examples()
    assert any("@check" in code for _, code in examples)  # the README's custom check
    for where, code in examples:
        assert _imports_bypassing_the_api(ast.parse(code)) == [], where


def test_the_check_finds_a_bypassing_import():
    assert _imports_bypassing_the_api(ast.parse("from iacguard.iam.grants import summarize")) == ["iacguard.iam.grants"]
    assert _imports_bypassing_the_api(ast.parse("import iacguard.iam")) == ["iacguard.iam"]
    assert _imports_bypassing_the_api(ast.parse("from iacguard.checks_api import check")) == []
    assert _third_party(ast.parse("import networkx\nimport re")) == ["networkx"]


def test_every_name_of_the_surface_exists_and_functions_are_annotated():
    import inspect

    from iacguard import checks_api

    for name in checks_api.__all__:
        value = getattr(checks_api, name)  # raises for a name listed but not there
        if inspect.isfunction(value) and value.__module__ == "iacguard.checks_api":
            signature = inspect.signature(value)
            assert signature.return_annotation is not inspect.Signature.empty, name
            for parameter in signature.parameters.values():
                assert parameter.annotation is not inspect.Parameter.empty, (name, parameter.name)


def test_names_imported_on_first_use_are_those_of_their_modules():
    """checks_api imports public access, sharing and the account baseline when first asked."""
    from iacguard import catalogue, checks_api
    from iacguard.iam import baseline, public_access, sharing

    assert checks_api.BUCKET_TYPES is public_access.BUCKET_TYPES
    assert checks_api.PUBLIC_ACCESS_BLOCK_FLAGS is public_access.FLAGS
    assert checks_api.TRAIL_TYPES is baseline.TRAIL_TYPES and checks_api.Share is sharing.Share
    assert checks_api.BASELINE_PROFILE == baseline.BASELINE_PROFILE == "account-baseline"
    # a model without any of these types answers without the module: the same types as the modules'
    assert set(catalogue.types_holding(catalogue.Bucket)) == set(public_access.BUCKET_TYPES)
    assert set(catalogue.types_holding(catalogue.AccessPoint)) == set(public_access.ACCESS_POINT_TYPES)
    assert set(catalogue.types_holding(catalogue.FunctionUrl)) == set(public_access.FUNCTION_URL_TYPES)
    assert set(catalogue.types_holding(catalogue.Share)) == set(sharing.SHARING_TYPES)
    try:
        checks_api.NOT_A_NAME  # noqa: B018
    except AttributeError as exc:
        assert "NOT_A_NAME" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")
