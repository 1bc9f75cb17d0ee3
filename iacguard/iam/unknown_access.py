"""Resource and trust policies whose audience is not known before deployment.

A Principal, or a condition value that limits who may call, that comes from a parameter or
variable without a value or from a dynamic reference (``{{resolve:...}}``) could be ``*`` once
deployed. Such a policy cannot be judged offline, so it is an ``unresolved`` error (exit 2
unless ``--allow-unresolved``), never a low finding that passes the gate. Only unknowns that
decide the verdict count: an unknown in a Deny, or one that a closing condition of the same
statement or a Deny of the same policy makes irrelevant, leaves nothing for a person to do.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import InputError
from ..resource import CLOUDFORMATION
from ..values import Origin, Unknown, describe_inputs
from .external import FUNCTION_PERMISSION_TYPES, exposed_policies, service_source_unknowns, statement_exposures
from ..lazy_regex import lazy_compile

if TYPE_CHECKING:
    from ..analysis import Analysis
    from .model import PolicyNode
    from .policy import Statement

_PART = lazy_compile(r"\$\{([^}]*)\}")
_DYNAMIC = lazy_compile(r"\{\{resolve:[^}]*\}\}")


def _may_hold_unknown(statement: Statement) -> bool:
    """Cheap test before the exposure analysis: an Unknown among the principals or conditions."""
    return any(isinstance(p.value, Unknown) for p in statement.principals or ()) or \
        any(c.is_unknown or any(isinstance(v, Unknown) for v in c.values) for c in statement.conditions)


def unknown_access_errors(analysis: "Analysis") -> list[InputError]:
    """One unresolved error per Allow statement of a resource or trust policy of the analysed
    model that lets in a caller decided only at deploy time (zones from the analysis' settings)."""
    model = analysis.model
    errors: list[InputError] = []
    for policy in exposed_policies(model):
        node = policy.node
        document = node.document
        if document is None or document.unresolved:
            continue  # already an unresolved policy
        if node.resource.when:
            continue  # switched on by a flag: who it lets in is given with the flag
        candidates = [s for s in document.statements if s.is_allow and _may_hold_unknown(s)]
        if not candidates:
            continue
        zone = analysis.zone(node.resource.group)
        denies = [s for s in document.statements if s.is_deny]
        for statement in candidates:
            unknowns: list[tuple[str, Unknown]] = []
            for exposure in statement_exposures(statement, zone, policy.service, denies):
                unknowns.extend(u for u in exposure.unknowns if u not in unknowns)
            what = "lets in callers not known before deployment (could be anyone)"
            if not unknowns and node.resource.type in FUNCTION_PERMISSION_TYPES:
                unknowns = service_source_unknowns(statement, zone)
                what = "lets an AWS service invoke the function for a source not known before deployment " \
                       "(could be any account's)"
            if not unknowns:
                continue
            resource = node.resource
            described = "; ".join(f"{where}: {describe_unknown(value, resource.source)}" for where, value in unknowns)
            line = node.statement_line(statement)  # where the statement is written (a module's caller)
            error = InputError(f"{resource.address}: {statement.where} of the {_kind(node)} {what}: {described}",
                               file=getattr(line, "file", None) or resource.file, line=int(line))
            origins = [value.origins for _, value in unknowns]
            error.inputs = None if not all(origins) else tuple(dict.fromkeys(o for group in origins for o in group))
            errors.append(error)
    return errors


def _kind(node: PolicyNode) -> str:
    return "trust policy" if node.kind == "trust" else "resource policy"


def describe_unknown(value: Unknown, source: str) -> str:
    """The inputs an unknown value comes from and what to pass to know them, in one line."""
    text = value.text.strip()
    dynamic = _DYNAMIC.search(text)
    if dynamic:
        return f"the dynamic reference {dynamic.group(0)} is resolved only at deploy time"
    if value.origins:
        return describe_inputs(value.origins)
    names = [m.strip() for m in _PART.findall(text)] or [text]
    # a pseudo parameter beside a parameter (arn:...:${Account}:role/${AWS::StackName}) is not the hole
    names = [n for n in names if not n.startswith("AWS::")] or names
    origins = []
    for name in dict.fromkeys(names):
        if name.startswith("var."):
            origins.append(Origin("variable", name).describe())
        elif source == CLOUDFORMATION and re.fullmatch(r"[A-Za-z0-9]+", name):
            kind = "ssm" if value.reason == "SSM parameter resolved at deploy time" else "parameter"
            origins.append(Origin(kind, name).describe())
        else:
            origins.append(f"{name} is not known before deployment" + (f" ({value.reason})" if value.reason else ""))
    return "; ".join(origins)
