"""Severities are defined once (iacguard/severity.py); everything else uses that definition."""

from __future__ import annotations

import ast
import re

import pytest

from helpers import ROOT
from iacguard import severity
from iacguard.severity import (FAIL_ON_CHOICES, MOST_SEVERE_FIRST, SEVERITIES, fail_on_rank, lower_severity,
                               severity_rank)


def test_order_rank_and_fail_on_choices():
    assert SEVERITIES == ("low", "medium", "high", "critical")
    assert MOST_SEVERE_FIRST == ("critical", "high", "medium", "low")
    assert FAIL_ON_CHOICES == SEVERITIES + ("none",)
    assert [severity_rank(s) for s in SEVERITIES] == [0, 1, 2, 3]
    assert fail_on_rank("none") > fail_on_rank("critical") > fail_on_rank("low")
    with pytest.raises(ValueError):
        severity_rank("none")


def test_lower_severity_stops_at_low():
    assert lower_severity("critical") == "high"
    assert lower_severity("high", 2) == "low"
    assert lower_severity("medium", 5) == "low"


def test_the_module_imports_nothing_of_its_own():
    # anything may import it (the CLI's argument parser too): no cycle, no start-up cost
    tree = ast.parse((ROOT / "iacguard" / "severity.py").read_text(encoding="utf-8"))
    imported = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert all(isinstance(n, ast.ImportFrom) and n.module == "__future__" for n in imported)
    assert severity.__name__ == "iacguard.severity"


def test_per_format_severity_tables_cover_every_severity():
    from iacguard.integrations.cfn_hook import _SEVERITY_LEVEL
    from iacguard.report.ci_common import SECURITY_SEVERITY
    from iacguard.report.sarif import _LEVEL

    for table in (_SEVERITY_LEVEL, SECURITY_SEVERITY, _LEVEL):
        assert set(table) == set(SEVERITIES)


def test_cli_fail_on_choices_are_the_shared_ones():
    from iacguard.cli import build_parser

    parser = build_parser()
    scan = next(a for a in parser._subparsers._group_actions[0].choices["scan"]._actions if a.dest == "fail_on")
    assert tuple(scan.choices) == FAIL_ON_CHOICES


# Two severity names quoted next to each other, in either order: a list of severities spelled out.
_SPELLED = re.compile(r"""["'](low|medium|high|critical)["']\s*,\s*["'](low|medium|high|critical)["']""")


def test_no_other_module_spells_the_severities_out():
    spelled = []
    for path in sorted((ROOT / "iacguard").rglob("*.py")) + sorted((ROOT / "checks").rglob("*.py")):
        if path.name == "severity.py" and path.parent.name == "iacguard":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _SPELLED.search(line):
                spelled.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert spelled == []
