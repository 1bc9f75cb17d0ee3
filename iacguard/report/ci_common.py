"""Small helpers shared by the CI report formats (SARIF, JUnit, GitHub annotations)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # types only: reports are imported before a scan runs
    from ..engine import ScanResult
    from ..framework import Finding

# GitHub code scanning reads security-severity as a CVSS-like score (a string).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


def display_path(file: str | None, root: Path | None) -> str:
    """A finding's file as CI tools expect it: relative to the working directory (the repository
    checkout in CI) when it lies inside it, else as reported (relative to the scan root)."""
    if not file:
        return ""
    if root is None:
        return file
    absolute = Path(os.path.abspath(Path(root) / file))
    try:
        return absolute.relative_to(Path(os.getcwd()).resolve()).as_posix()
    except ValueError:
        try:
            return absolute.relative_to(Path(os.path.abspath(os.getcwd()))).as_posix()
        except ValueError:
            return Path(file).as_posix()


def check_metadata(result: ScanResult) -> dict:
    """Check id -> CheckMeta for every check the run knew about (may be empty)."""
    return dict(getattr(result, "checks", None) or {})


def first_sentence(text: str, limit: int = 300) -> str:
    """The first sentence of a paragraph, shortened to ``limit`` characters."""
    flat = " ".join((text or "").split())
    end = flat.find(". ")
    sentence = flat if end < 0 else flat[: end + 1]
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


def construct_suffix(finding: Finding) -> str:
    """`` (CDK construct Stack/Role/Resource)`` when the finding's resource came from CDK."""
    path = getattr(finding, "construct_path", None)
    return f" (CDK construct {path})" if path else ""
