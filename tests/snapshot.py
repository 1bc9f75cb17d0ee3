"""A copy of this working tree in a temporary directory, for tests that install it (pre-commit
try-repo, the GitHub Action's install step) without writing into the checkout."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import ROOT

_SKIP = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
                               ".hypothesis", "*.pyc", "node_modules")


def copy_tree(target: Path) -> Path:
    shutil.copytree(ROOT, target, ignore=_SKIP, symlinks=True)
    return target
