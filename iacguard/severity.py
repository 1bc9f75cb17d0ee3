"""Severities, defined once: every module that orders, ranks, counts or validates them uses these.

This module imports nothing, so any module (the CLI's argument parser included) may import it
without an import cycle or a cost at start-up.
"""

from __future__ import annotations

# Least severe first: a severity's index is its rank.
SEVERITIES = ("low", "medium", "high", "critical")
# The order reports count and list them in.
MOST_SEVERE_FIRST = SEVERITIES[::-1]
# What fail_on (--fail-on, the setting, IACGUARD_FAIL_ON) accepts: "none" fails on nothing.
FAIL_ON_CHOICES = SEVERITIES + ("none",)


def severity_rank(severity: str) -> int:
    """0 for low up to 3 for critical; ValueError for anything else."""
    return SEVERITIES.index(severity)


def fail_on_rank(fail_on: str) -> int:
    """A fail_on value's rank: as ``severity_rank``, with "none" above critical (it blocks on the fewest)."""
    return FAIL_ON_CHOICES.index(fail_on)


def lower_severity(severity: str, steps: int = 1) -> str:
    """``severity`` lowered by ``steps`` (never below low)."""
    return SEVERITIES[max(0, severity_rank(severity) - steps)]
