"""The ``json`` of an ``aws_iam_policy_document`` data source, from its arguments.

Shared by the HCL loader (arguments it evaluated) and the plan loader (a data source whose read
the plan defers to apply: its ``statement`` blocks are in the plan, its ``json`` is not). Only
``values`` is imported, so a plan scan never loads the HCL evaluator.
"""

from __future__ import annotations

import json
from typing import Any

from ..values import Choice, Encoded, PDict, PList, Partial, Unknown, contains_unknown, line_of, unknown

POLICY_VERSION = "2012-10-17"

_STATEMENT_FIELDS = (("actions", "Action"), ("not_actions", "NotAction"),
                     ("resources", "Resource"), ("not_resources", "NotResource"))


def build_policy_document(props: dict, line: int, text: str, file: str | None = None) -> Any:
    """The ``json`` of an ``aws_iam_policy_document`` from its evaluated arguments.

    ``file`` (the data source's file) is recorded on the document and its own statements, so a
    finding on a resource in another file does not borrow a line from this one."""
    for name in ("statement", "source_policy_documents", "override_policy_documents"):
        alternatives = props.get(name)
        if isinstance(alternatives, Choice) and all(isinstance(o, list) for o in alternatives.options):
            # dynamic statements, or merged documents (compact([var.a ? x.json : "", ...])), over
            # alternatives: one document for each list that can exist
            return Choice([build_policy_document(PDict({**props, name: option}, line=line_of(props)), line, text, file)
                           for option in alternatives.options], text=text)
    statements = props.get("statement", PList())
    if isinstance(statements, Unknown) or (isinstance(statements, list) and
                                           any(isinstance(s, Unknown) for s in statements)):
        return unknown(text, statements, reason="dynamic statements not known")
    if not isinstance(statements, list):
        return Unknown(text, reason="statement is not a block list")
    docs_before: list[list] = []
    docs_after: list[list] = []
    for name, target in (("source_policy_documents", docs_before),
                         ("override_policy_documents", docs_after)):
        value = props.get(name)
        if value is None:
            continue
        if isinstance(value, Unknown) or not isinstance(value, list):
            return unknown(text, value, reason=f"{name} not known")
        for doc in value:
            decoded = _decode_document(doc)
            if isinstance(decoded, Unknown):
                return unknown(text, doc, reason=f"{name} not known")
            target.append(decoded)
    merged: list = []
    for doc in docs_before:
        _merge_statements(merged, doc)
    own = [_statement(s) for s in statements if isinstance(s, dict)]
    for statement in own:
        if isinstance(statement, PDict):
            statement.file = file
    _merge_statements(merged, own)
    for doc in docs_after:
        _merge_statements(merged, doc)
    version = props.get("version")
    document = PDict(line=line)
    document.file = file
    document["Version"] = version if version is not None else POLICY_VERSION
    if props.get("policy_id") is not None:
        document["Id"] = props["policy_id"]
    document["Statement"] = PList(merged, line=statements.line if isinstance(statements, PList)
                                  and statements.line else line)
    return Encoded(document)


def _decode_document(doc: Any) -> Any:
    """Statements of a source/override document (Encoded, JSON text) or Unknown."""
    if isinstance(doc, Encoded):
        parsed = doc.value
    elif isinstance(doc, Unknown) or contains_unknown(doc):
        return doc if isinstance(doc, Unknown) else unknown("policy document", doc)
    elif isinstance(doc, str):
        from ..jsonpos import loads_positioned

        try:
            parsed = loads_positioned(doc)
        except (ValueError, RecursionError):  # ValueError: also a number too long to convert
            return Unknown(doc[:80], reason="policy document is not valid JSON")
    else:
        return Unknown(str(doc)[:80], reason="policy document is not a string")
    if not isinstance(parsed, dict):
        return Unknown(str(doc)[:80], reason="policy document is not an object")
    statements = parsed.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return unknown("policy document", statements)
    return [s for s in statements if isinstance(s, dict)]


def _merge_statements(merged: list, statements: list) -> None:
    """Append statements; one whose Sid is already present replaces it in place (the first
    statement with that Sid). Sids are looked up, not searched: 16,000 statements with distinct
    Sids compared each with every one before it took minutes."""
    position: dict[str, int] = {}
    for i, existing in enumerate(merged):
        sid = existing.get("Sid")
        if isinstance(sid, str):
            position.setdefault(str(sid), i)
    for statement in statements:
        sid = statement.get("Sid")
        if isinstance(sid, str) and sid and str(sid) in position:
            merged[position[str(sid)]] = statement
            continue
        if isinstance(sid, str) and sid:
            position[str(sid)] = len(merged)
        merged.append(statement)


def _blocks(value: Any) -> list:
    if isinstance(value, dict):  # JSON syntax may give a single block as an object
        return [value]
    if isinstance(value, list):
        return value
    return []


def _statement(block: dict) -> PDict:
    statement = PDict(line=line_of(block))
    if block.get("sid") not in (None, ""):
        statement["Sid"] = block["sid"]
    statement["Effect"] = block.get("effect") if block.get("effect") is not None else "Allow"
    for source, target in _STATEMENT_FIELDS:
        # null and an empty list are both "not set": the provider omits the element
        if block.get(source) is not None and not (isinstance(block[source], list) and not block[source]):
            statement[target] = block[source]
    for source, target in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        if source in block:
            principal = _principals(_blocks(block[source]))
            if principal is not None:
                statement[target] = principal
    if "condition" in block:
        conditions = _conditions(_blocks(block["condition"]))
        if conditions:
            statement["Condition"] = conditions
    return statement


def _as_list(value: Any) -> Any:
    if isinstance(value, (list, Unknown)):
        return value
    return PList([value])


def _principals(blocks: list) -> Any:
    if not blocks:
        return None
    result = PDict(line=getattr(blocks[0], "line", 0))
    for block in blocks:
        if not isinstance(block, dict):
            # unknown, or not a block (a mangled plan's null): who is named is not known, never "nobody"
            return unknown("principals", block)
        kind = block.get("type")
        identifiers = _as_list(block.get("identifiers"))
        if kind == "*" and isinstance(identifiers, list) and list(identifiers) == ["*"]:
            return "*"
        if isinstance(kind, Unknown) or not isinstance(kind, str):
            return unknown("principals", kind)
        existing = result.get(kind)
        if existing is None:
            result[kind] = identifiers
        elif isinstance(existing, list) and isinstance(identifiers, list):
            result[kind] = PList(list(existing) + list(identifiers), line=line_of(existing))
        else:
            result[kind] = unknown("principals", existing, identifiers)
    return result


def _conditions(blocks: list) -> PDict:
    result = PDict(line=getattr(blocks[0], "line", 0) if blocks else 0)
    for block in blocks:
        if not isinstance(block, dict):
            continue
        test, variable = block.get("test"), block.get("variable")
        values = _as_list(block.get("values"))
        if isinstance(variable, Partial):
            # a key with known text around a hole (`${replace(provider_arn, ...)}:sub`): the
            # known text says what it conditions; its value is never matched as a known key
            variable = variable.text
        if not isinstance(test, str) or not isinstance(variable, str):
            result[str(test)] = unknown("condition", test, variable)
            continue
        by_variable = result.setdefault(test, PDict(line=line_of(block)))
        if not isinstance(by_variable, dict):
            continue  # this test already stands for a condition that is not known
        existing = by_variable.get(variable)
        if isinstance(existing, list) and isinstance(values, list):
            by_variable[variable] = PList(list(existing) + list(values), line=line_of(existing))
        else:
            by_variable[variable] = values
    return result
