"""How far the checks/model seam is from issue [4/7]'s target, as numbers.

    python bench/seam_metrics.py [ROOT]

- imports bypassing the API: names checks/*.py import from iacguard modules other than
  iacguard.checks_api (and the modules they come from);
- raw lookups in checks: ``x.get("Status", x.get("status"))``-style lookups that try a
  CloudFormation and a Terraform spelling of the same property;
- Any parameters: function parameters of iacguard/ annotated ``Any``;
- type tables: module-level tables of iacguard/ and checks/ keyed by three or more resource
  types (``AWS::...`` or ``aws_...``), and the modules holding them. A catalogue of named rows
  (module-level ``NAME = Kind(...)`` assignments that name resource types, however few each) is
  one table, whatever the number of its rows.

It reads the files as text (``ast``); it imports and runs nothing.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

_TYPE = re.compile(r"^(AWS::[A-Za-z0-9]+::[A-Za-z0-9]+|aws_[a-z0-9_]+)$")


def _modules(root: Path, folder: str) -> list[tuple[Path, ast.Module]]:
    out = []
    for path in sorted((root / folder).rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        out.append((path, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return out


def bypassing_imports(checks: list) -> tuple[set[str], set[str], int]:
    names, modules, files = set(), set(), 0
    for path, tree in checks:
        found = False
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("iacguard") \
                    and node.module != "iacguard.checks_api" and node.level == 0:
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
                modules.add(node.module)
                found = True
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("iacguard") and alias.name != "iacguard.checks_api":
                        names.add(alias.name)
                        modules.add(alias.name)
                        found = True
        files += found
    return names, modules, files


def _get_key(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def raw_lookups(checks: list) -> int:
    """Simple statements (and conditions) that look a property up by a CloudFormation spelling
    (``"Status"``) and a Terraform one (``"status"``, ``"user"``) at once."""
    count = 0
    for _path, tree in checks:
        for node in ast.walk(tree):
            if isinstance(node, (ast.If, ast.While)):
                parts = [node.test]
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Expr)):
                parts = [node]
            else:
                continue
            keys = {k for part in parts for sub in ast.walk(part) if (k := _get_key(sub))}
            if any(k[:1].isupper() for k in keys) and any(k[:1].islower() for k in keys):
                count += 1
    return count


def any_parameters(core: list) -> int:
    count = 0
    for _path, tree in core:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                for arg in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
                    if arg is not None and arg.annotation is not None and \
                            ast.unparse(arg.annotation).replace("typing.", "") == "Any":
                        count += 1
    return count


def type_tables(modules: list, root: Path) -> tuple[int, set[str]]:
    tables, where = 0, set()
    for path, tree in modules:
        rows = 0
        for node in tree.body:
            if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
                continue
            strings = [c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant)
                       and isinstance(c.value, str) and _TYPE.match(c.value)]
            if strings and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name) \
                    and node.value.func.id == "Kind":
                rows += 1
            elif len(set(strings)) >= 3:
                tables += 1
                where.add(str(path.relative_to(root)))
        if rows:
            tables += 1
            where.add(str(path.relative_to(root)))
    return tables, where


def main(argv: list[str]) -> int:
    root = Path(argv[0] if argv else Path(__file__).resolve().parent.parent)
    checks = _modules(root, "checks")
    core = _modules(root, "iacguard")
    names, modules, files = bypassing_imports(checks)
    tables, where = type_tables(core + checks, root)
    print(f"checks importing iacguard modules other than checks_api: {files} of {len(checks)} files, "
          f"{len(names)} distinct names from {len(modules)} modules")
    print(f"raw two-spelling lookups in checks: {raw_lookups(checks)}")
    print(f"parameters typed Any in iacguard/: {any_parameters(core)}")
    print(f"resource-type tables: {tables} in {len(where)} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
