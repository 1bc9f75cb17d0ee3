"""Check documentation, generated from each check's metadata (`iacguard explain`, docs/checks/)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .framework import CheckMeta

_LANG = {"cloudformation": "yaml", "terraform": "hcl"}
_NAMES = {"cloudformation": "CloudFormation", "terraform": "Terraform"}


def render_check(meta: CheckMeta) -> str:
    out = [f"# {meta.id}: {meta.title}", "",
           f"- Family: `{meta.family}`", f"- Severity: {meta.severity}"]
    if meta.controls:
        out.append("- Maps to: " + ", ".join(meta.controls))
    out += ["", "## Why is this bad?", "", meta.why, "", "## What it checks", "", meta.doc or meta.title, ""]
    from .grading import grades_of, markdown_table

    grades = grades_of(meta.id)
    if grades:  # the rows of the README's grading table that grade this rule
        out += ["## How severe", "", markdown_table(grades).rstrip("\n"), ""]
    out += ["## How to fix it", "", meta.fix, ""]
    example_settings = getattr(meta, "example_settings", None)
    if example_settings:
        import json

        out += ["## Settings", "", "This check runs only with these settings (`.iacguard.yaml`), as in the examples:",
                "", "```yaml"] + [f"{key}: {json.dumps(value)}" for key, value in example_settings.items()] + ["```", ""]
    for fmt, reason in (getattr(meta, "not_applicable", None) or {}).items():
        out += [f"## {_NAMES.get(fmt, fmt)}", "", f"Not applicable: {reason}", ""]
    for label, examples in (("Failing example", meta.bad_example), ("Fixed example", meta.good_example)):
        for fmt, snippet in examples.items():
            out += [f"## {label} ({_NAMES.get(fmt, fmt)})", "", f"```{_LANG.get(fmt, '')}", snippet.rstrip(), "```", ""]
    return "\n".join(out)


def write_docs(checks: dict, directory: Path) -> list[Path]:
    """Write one page per check plus an index; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    index = ["# iacguard checks", "", "| id | family | severity | title |", "| --- | --- | --- | --- |"]
    for meta in checks.values():
        if meta.origin != "builtin":
            continue
        path = directory / f"{meta.id}.md"
        path.write_text(render_check(meta), encoding="utf-8")
        written.append(path)
        index.append(f"| [{meta.id}]({meta.id}.md) | {meta.family} | {meta.severity} | {meta.title} |")
    (directory / "README.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    written.append(directory / "README.md")
    return written


def main(argv: list[str] | None = None) -> int:
    """`python -m iacguard.docs [DIR]`: regenerate docs/checks from the built-in checks."""
    import sys

    from .framework import load_checks

    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "docs" / "checks"
    for stale in target.glob("*.md") if target.is_dir() else ():
        stale.unlink()
    for path in write_docs(load_checks(), target):
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
