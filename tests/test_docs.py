"""docs/checks/ is generated from the checks' metadata and must be current."""

from pathlib import Path

from iacguard.docs import write_docs
from iacguard.framework import load_checks

DOCS = Path(__file__).resolve().parent.parent / "docs" / "checks"


def test_generated_check_docs_are_current(tmp_path):
    write_docs(load_checks(), tmp_path)
    generated = {p.name: p.read_text() for p in tmp_path.glob("*.md")}
    committed = {p.name: p.read_text() for p in DOCS.glob("*.md")}
    assert committed == generated, "docs/checks is stale: run `python -m iacguard.docs`"


def test_every_check_has_complete_metadata():
    for meta in load_checks().values():
        assert meta.title and meta.why and meta.fix and meta.doc, meta.id
        assert meta.controls, f"{meta.id} maps to no AWS control"
        # a format may be left out only with a reason (no such resource type in that format)
        assert set(meta.bad_example) | set(meta.not_applicable) == {"cloudformation", "terraform"}, meta.id
        assert set(meta.good_example) | set(meta.not_applicable) == {"cloudformation", "terraform"}, meta.id
        assert not set(meta.bad_example) & set(meta.not_applicable), meta.id


def _findings_for(tmp_path, fmt: str, snippet: str, example_settings: dict | None = None) -> set[str]:
    import textwrap

    from iacguard.engine import scan
    from iacguard.settings import validate

    if fmt == "cloudformation":
        (tmp_path / "t.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
                                         + textwrap.indent(snippet, "  "))
    else:
        (tmp_path / "main.tf").write_text(snippet)
    return {f.rule_id for f in scan([str(tmp_path)], validate(example_settings or {}, "example")).findings}


def test_documented_examples_fail_and_pass_as_documented(tmp_path):
    for meta in load_checks().values():
        for fmt, snippet in meta.bad_example.items():
            case = tmp_path / f"{meta.id}-bad-{fmt}"
            case.mkdir()
            assert meta.id in _findings_for(case, fmt, snippet, meta.example_settings), \
                f"{meta.id} bad {fmt} example passes"
        for fmt, snippet in meta.good_example.items():
            case = tmp_path / f"{meta.id}-good-{fmt}"
            case.mkdir()
            assert meta.id not in _findings_for(case, fmt, snippet, meta.example_settings), \
                f"{meta.id} good {fmt} example fails"


def test_architecture_where_to_add_names_places_that_exist():
    """docs/architecture.md's "Where to add" table: each row's one place, and every file or
    directory it names, exists (a rename must update the guide)."""
    import re

    root = DOCS.parent.parent
    text = (root / "docs" / "architecture.md").read_text()
    table = text.split("## Where to add", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| to add")
            and not line.startswith("| ---")]
    assert {row.split("|")[1].strip().split()[1] for row in rows} >= {"check", "resource", "Terraform", "output"}
    named = {m for row in rows for m in re.findall(r"`((?:iacguard|checks|tests|docs|sample_templates)/[^`<]*?)`", row)}
    assert named, "the table names no files"
    missing = sorted(n for n in named if not (root / n.rstrip("/")).exists())
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"
