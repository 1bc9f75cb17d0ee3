import sys
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parent
# tests import their shared helpers as a plain module, and the iacguard of this source tree
# whether pytest is started as `pytest` (sys.path[0] is its bin directory, which would import
# an installed copy) or as `python -m pytest` (the current directory)
sys.path.insert(0, str(_TESTS))
sys.path.insert(0, str(_TESTS.parent))

# What makes a test module not a fast unit test: it starts the CLI or another process.
_PROCESS_MARKS = ("run_cli", "scan_json", "subprocess", "sys.executable", "Popen")


def pytest_addoption(parser):
    parser.addoption("--update-snapshots", action="store_true",
                     help="rewrite tests/snapshots/ from the current output instead of comparing")


def pytest_collection_modifyitems(config, items):
    """``pytest -m unit``: the modules that run everything in this process (about a minute)."""
    in_process: dict[Path, bool] = {}
    for item in items:
        path = Path(str(item.fspath))
        if path not in in_process:
            text = path.read_text(encoding="utf-8")
            in_process[path] = not any(mark in text for mark in _PROCESS_MARKS)
        if in_process[path]:
            item.add_marker(pytest.mark.unit)
