"""Differential tests: our HCL literal values against python-hcl2 (test-only oracle).

Every ``.tf`` under ``tests/`` and ``sample_templates/`` is globbed at test time, so new
fixtures are covered automatically. Only pure literals are compared (strings without
interpolation or escapes of ``${``/``%{``, numbers without exponent, bools, null, and
tuples/objects of those): python-hcl2 renders everything else as expression text.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

hcl2 = pytest.importorskip("hcl2")
from hypothesis import given, settings, strategies as st  # noqa: E402

from iacguard.errors import InputError  # noqa: E402
from iacguard.loaders.hcl_eval import Context, Resolver, evaluate  # noqa: E402
from iacguard.loaders.hcl_parse import Lit, ObjectExpr, TupleExpr, parse_hcl  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OPTIONS = None


def _oracle(text: str):
    global OPTIONS
    if OPTIONS is None:
        OPTIONS = hcl2.SerializationOptions(strip_string_quotes=True, explicit_blocks=False,
                                            with_comments=False)
    return hcl2.loads(text, serialization_options=OPTIONS)


def _tf_files() -> list[Path]:
    files = []
    for top in ("tests", "sample_templates"):
        base = REPO / top
        if base.is_dir():
            files.extend(sorted(base.rglob("*.tf")))
    return files


def _pure_literal(expr) -> bool:
    if isinstance(expr, Lit):
        text = expr.text
        if isinstance(expr.value, str):
            return "$${" not in text and "%%{" not in text
        if isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool):
            return "e" not in text.lower()
        return True
    if isinstance(expr, TupleExpr):
        return all(_pure_literal(i) for i in expr.items)
    if isinstance(expr, ObjectExpr):
        return all(isinstance(k, Lit) and _pure_literal(v) for k, v in expr.items)
    return False


def _compare_body(body, oracle_body: dict, where: str, ctx: Context) -> int:
    compared = 0
    for name, attr in body.attributes.items():
        if not _pure_literal(attr.expr):
            continue
        ours = evaluate(attr.expr, ctx)
        assert name in oracle_body, f"{where}.{name} missing from python-hcl2 output"
        assert _normal(ours) == _normal(oracle_body[name]), f"{where}.{name} (line {attr.line})"
        compared += 1
    by_type: dict = {}
    for block in body.blocks:
        if block.type != "dynamic":
            by_type.setdefault(block.type, []).append(block)
    for block_type, blocks in by_type.items():
        theirs = oracle_body.get(block_type)
        assert isinstance(theirs, list) and len(theirs) == len(blocks), f"{where}.{block_type}"
        for i, (block, other) in enumerate(zip(blocks, theirs)):
            compared += _compare_body(block.body, other, f"{where}.{block_type}[{i}]", ctx)
    return compared


def _normal(value):
    """Plain JSON-like data (PDict/PList and int/float differences removed)."""
    return json.loads(json.dumps(value))


def test_fixture_files_are_globbed():
    assert any(p.name == "main.tf" for p in _tf_files())


@pytest.mark.parametrize("path", _tf_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_literals_match_python_hcl2(path: Path):
    text = path.read_text()
    try:
        oracle = _oracle(text)
    except Exception:  # noqa: BLE001 - the oracle cannot parse it: nothing to compare
        pytest.skip("python-hcl2 cannot parse this file")
    try:
        ours = parse_hcl(text, path.name)
    except InputError as exc:
        pytest.fail(f"python-hcl2 parses {path} but we report {exc}")
    ctx = Context(Resolver(), path.name)
    compared = 0
    counters: dict = {}
    for block in ours.body.blocks:
        # variables too: their defaults are what typed (optional()) attributes are filled into
        if (block.type, len(block.labels)) not in (("resource", 2), ("data", 2), ("variable", 1)):
            continue
        index = counters.get(block.type, 0)
        counters[block.type] = index + 1
        entry = oracle[block.type][index]
        for label in block.labels:
            entry = entry[label]
        compared += _compare_body(block.body, entry, f"{block.type}.{'.'.join(block.labels)}", ctx)
    if not compared:
        pytest.skip("no pure-literal resource attributes")


# -- generated literals ------------------------------------------------------------------------

_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="{}\r",
                                       exclude_categories=("Cs", "Cc")) | st.sampled_from(
                                           ["\n", "\t", '"', "\\", "$", "%"]), max_size=12)
_KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
_SCALARS = (_TEXT | st.integers(-10**6, 10**6) | st.booleans() | st.none()
            | st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(
                lambda f: not f.is_integer()).map(lambda f: round(f, 3)))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(_KEYS, inner, max_size=3), max_leaves=8)


def _render(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                   .replace("\t", "\\t"))
        return '"' + escaped + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    return "{\n" + "".join(f"    {k} = {_render(v)}\n" for k, v in value.items()) + "  }"


@settings(max_examples=60, deadline=None)
@given(_VALUES)
def test_generated_literals_match_python_hcl2(value):
    text = f'resource "t" "r" {{\n  v = {_render(value)}\n}}\n'
    ours = parse_hcl(text, "gen.tf").body.blocks[0].body.attributes["v"]
    mine = evaluate(ours.expr, Context(Resolver(), "gen.tf"))
    theirs = _oracle(text)["resource"][0]["t"]["r"]["v"]
    assert _normal(mine) == _normal(theirs)
    if isinstance(value, float):
        assert math.isclose(mine, value)
