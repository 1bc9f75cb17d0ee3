"""What a parsed JSON document is, told from its top-level keys alone: a Terraform plan, a state
written by ``terraform show -json``, or Terraform's raw state file. Kept apart from the plan
loader so that a scan of templates only (and the pre-commit hook) does not import it."""

from __future__ import annotations

from typing import Any

__all__ = ["looks_like_plan", "looks_like_state", "looks_like_raw_state"]


def looks_like_plan(data: Any) -> bool:
    """True for parsed ``terraform show -json`` output of a plan (not of a state)."""
    return (isinstance(data, dict) and "format_version" in data
            and ("planned_values" in data or "resource_changes" in data))


# The top-level keys of ``terraform show -json`` of a state (an empty state has only the first).
_STATE_KEYS = frozenset({"format_version", "terraform_version", "values", "checks"})


def looks_like_state(data: Any) -> bool:
    """True for parsed ``terraform show -json`` output of a state (no plan: no changes)."""
    if not (isinstance(data, dict) and isinstance(data.get("format_version"), str) and not looks_like_plan(data)
            and set(data) <= _STATE_KEYS):
        return False
    values = data.get("values")
    if values is None:  # an empty state
        return set(data) <= {"format_version", "terraform_version"}
    return isinstance(values, dict) and set(values) <= {"root_module", "outputs"}


def looks_like_raw_state(data: Any) -> bool:
    """True for a raw state file (``terraform.tfstate``: ``{"version": 4, "lineage": ...,
    "resources": [...]}``), which is Terraform's own storage format, not read (README)."""
    return (isinstance(data, dict) and isinstance(data.get("version"), int)
            and "terraform_version" in data and ("resources" in data or "lineage" in data))
