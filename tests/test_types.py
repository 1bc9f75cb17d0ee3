"""The type checker passes on iacguard/ and checks/: mypy with the settings of pyproject.toml
([tool.mypy]) reports no error. mypy is in the ``test`` extra, so CI runs this; where it is not
installed the test is skipped and says how to install it."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import ROOT


def test_mypy_reports_no_error(tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed: pip install -e '.[test]' (the test extra pins it)")
    started = time.perf_counter()
    # the cache goes to pytest's temporary directory, never into the repository
    proc = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache")],
                          cwd=ROOT, capture_output=True, text=True, timeout=280)
    elapsed = time.perf_counter() - started
    errors = [line for line in proc.stdout.splitlines() if ": error:" in line]
    assert proc.returncode == 0 and not errors, \
        f"mypy found errors ({elapsed:.1f} s):\n{proc.stdout}{proc.stderr}"
    assert "Success: no issues found" in proc.stdout, proc.stdout + proc.stderr


def test_every_function_of_the_checks_is_annotated() -> None:
    """mypy skips the body of a function without annotations (its default, kept here): every
    function of checks/ (the @check functions take ``ctx: CheckContext``) has its parameters and
    its return annotated, so the type check reads them all."""
    import ast

    bare = []
    for path in sorted((ROOT / "checks").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                missing = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs
                           + [a for a in (args.vararg, args.kwarg) if a is not None] if a.annotation is None]
                if missing or node.returns is None:
                    bare.append(f"{path.name}:{node.lineno} {node.name}({', '.join(missing)})"
                                + (" no return type" if node.returns is None else ""))
    assert bare == [], "functions mypy does not check:\n" + "\n".join(bare)
