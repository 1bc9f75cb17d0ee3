"""CloudFormation loader: template text -> resolved ``Resource`` objects.

``parse_document`` reads YAML or JSON with line numbers, ``looks_like_cloudformation`` tells
templates from other YAML/JSON, ``build_resources`` resolves parameters, conditions and
intrinsic functions (see ``cfn_intrinsics``) and returns one ``Resource`` per deployed resource.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InputError
from ..jsonpos import loads_positioned
from ..limits import check_json_depth
from ..resource import CLOUDFORMATION, LoadResult, Resource
from ..values import PDict, line_of
from .cfn_intrinsics import PARAMETER_SECTIONS, TemplateResolver, scalar_text
from .cfn_yaml import MAX_ALIAS_NODES, MAX_DEPTH, YamlDict, document_problems, load_yaml

__all__ = ["parse_document", "looks_like_cloudformation", "build_resources",
           "load_parameter_file"]

_BOM = "\ufeff"


def parse_document(text: str, file: str, *, max_depth: int = MAX_DEPTH,
                   max_alias_nodes: int = MAX_ALIAS_NODES) -> Any:
    """Parse YAML or JSON template text into PDict/PList/scalars with 1-based lines.

    Returns None for an empty document. Raises InputError (with the line where known) on any
    syntax problem or when nesting or YAML alias expansion exceeds the limits."""
    if text.startswith(_BOM):
        text = text[1:]
    stripped = text.lstrip()
    if not stripped:
        return None
    if stripped[0] in "{[":
        try:
            return _load_json(text, file, max_depth)
        except json.JSONDecodeError as exc:
            # YAML flow style allows literal tabs/control characters inside quoted strings where
            # JSON does not; that is the one JSON failure worth a YAML attempt.
            if "control character" not in exc.msg:
                raise InputError(f"JSON syntax error: {exc.msg}", file=file,
                                 line=exc.lineno) from None
        except ValueError as exc:  # a number over Python's 4300-digit conversion limit
            raise InputError(f"JSON cannot be read: {exc}", file=file) from None
    return load_yaml(text, file, max_depth=max_depth, max_alias_nodes=max_alias_nodes)


def _load_json(text: str, file: str, max_depth: int = MAX_DEPTH) -> Any:
    check_json_depth(text, file, max_depth)
    return loads_positioned(text)


def looks_like_cloudformation(data: Any) -> bool:
    """True for a mapping with AWSTemplateFormatVersion, or a Resources mapping holding at least
    one entry whose Type is a resource type name (``AWS::S3::Bucket``, ``Custom::Thing``,
    ``Alexa::ASK::Skill``): a template of only custom resources is still a template."""
    if not isinstance(data, dict):
        return False
    if "AWSTemplateFormatVersion" in data:
        return True
    resources = data.get("Resources")
    if not isinstance(resources, dict):
        return False
    return any(isinstance(body, dict) and isinstance(body.get("Type"), str)
               and "::" in body["Type"] for body in resources.values())


def build_resources(data: PDict, file: str, *, parameters: dict[str, Any] | None = None,
                    pseudo: dict[str, str] | None = None, group: str | None = None,
                    template_values: bool = False) -> LoadResult:
    """Resolve the template and return one Resource per deployed resource.

    With ``template_values``, the template's parameters and outputs are added too, as Resources
    with mode/type "parameter" (properties: the declaration as written, address
    ``Parameters.<Name>``, or ``Inputs.<Name>`` for a rain module's inputs) and "output"
    (properties: the resolved declaration, address ``Outputs.<Name>``). They are not deployed
    resources; the IAM model ignores them, checks look at them for credentials written into
    templates and secrets exposed in outputs.

    Problems inside the template go into ``LoadResult.errors``; only a template that is not a
    mapping or whose ``Resources`` is not a mapping raises InputError."""
    if not isinstance(data, dict):
        raise InputError("a CloudFormation template must be a mapping", file=file,
                         line=line_of(data) or None)
    result = LoadResult(files=[file])
    # read errors that left an Unknown in place (an unsupported tag): reported, and the rest of
    # the template is still resolved and checked
    result.errors.extend(document_problems(data))
    section = data.get("Resources")
    if section is None:
        result.errors.append(InputError("template has no Resources section", file=file,
                                        line=line_of(data) or None))
        return result
    if not isinstance(section, dict):
        raise InputError("Resources must be a mapping", file=file,
                         line=line_of(section, line_of(data)) or None)
    from .sam import expand, uses_serverless_transform  # samtranslator is imported only for SAM

    if uses_serverless_transform(data):
        try:
            data = expand(data, file, parameters)
        except InputError as exc:
            result.errors.append(exc)
            return result
        section = data.get("Resources")
    resolver = TemplateResolver(data, file, result.errors, parameters=parameters, pseudo=pseudo)
    key_lines = section.key_lines if isinstance(section, YamlDict) else {}
    for logical_id, body in section.items():
        line = key_lines.get(logical_id) or line_of(body, line_of(section))
        resource = _build_one(resolver, str(logical_id), body, file, line, group or file,
                              result.errors)
        if resource is not None:
            result.resources.append(resource)
    if template_values:
        result.resources.extend(_template_values(data, resolver, file, group or file))
    return result


def _template_values(data: PDict, resolver: TemplateResolver, file: str, group: str) -> list[Resource]:
    """Parameters (as written: a default is text in the template) and Outputs (resolved, so a
    ``!GetAtt Key.SecretAccessKey`` stays a Ref the checks can follow)."""
    found: list[Resource] = []
    top_lines = data.key_lines if isinstance(data, YamlDict) else {}
    sections = [(name, "parameter") for name in PARAMETER_SECTIONS] + [("Outputs", "output")]
    for section_name, mode in sections:
        section = data.get(section_name)
        if not isinstance(section, dict):
            continue  # a malformed section is already reported by the resolver
        section_line = top_lines.get(section_name) or line_of(section, line_of(data))
        key_lines = section.key_lines if isinstance(section, YamlDict) else {}
        for name, body in section.items():
            if not isinstance(body, dict):
                continue
            line = key_lines.get(name) or line_of(body, section_line)
            properties = body if mode == "parameter" else resolver.resolve_value(body, line)
            if not isinstance(properties, dict):
                continue
            address = f"{section_name}.{name}"
            found.append(Resource(address=address, type=mode, properties=properties, file=file, line=line,
                                  end_line=max(line, _last_line(body)), source=CLOUDFORMATION,
                                  base_address=address, mode=mode, group=group))
    return found


def _build_one(resolver: TemplateResolver, logical_id: str, body: Any, file: str, line: int,
               group: str, errors: list) -> Resource | None:
    def error(message: str) -> None:
        errors.append(InputError(f"resource {logical_id}: {message}", file=file, line=line or None))

    if logical_id.startswith("Fn::ForEach::"):
        error("Fn::ForEach (AWS::LanguageExtensions) is not supported; skipped")
        return None
    if not isinstance(body, dict):
        error("must be a mapping")
        return None
    resource_type = body.get("Type")
    if not isinstance(resource_type, str):
        error("Type is missing or not a string")
        return None
    condition: str | None = None
    if "Condition" in body:
        decided = resolver.condition(body["Condition"], line)
        if decided is False:
            return None
        if decided is None and isinstance(body["Condition"], str):
            condition = body["Condition"]
    raw_properties = body.get("Properties")
    properties: Any = PDict(line=line)
    if raw_properties is not None:
        properties = resolver.resolve_value(raw_properties, line_of(raw_properties, line))
        if not isinstance(properties, dict):
            error("Properties must be a mapping")
            properties = PDict(line=line)
    metadata = body.get("Metadata")
    return Resource(
        address=logical_id,
        type=resource_type,
        properties=properties,
        file=file,
        line=line,
        end_line=max(line, _last_line(body)),
        source=CLOUDFORMATION,
        base_address=logical_id,
        group=group,
        metadata=metadata if isinstance(metadata, dict) else PDict(),
        condition=condition,
    )


def _last_line(value: Any) -> int:
    """Last line of a loaded block: exact for YAML, the deepest container line for JSON."""
    end = getattr(value, "end_line", 0)
    if end:
        return end
    deepest = 0
    pending = [value]
    while pending:
        item = pending.pop()
        deepest = max(deepest, line_of(item))
        if isinstance(item, dict):
            pending.extend(v for v in item.values() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            pending.extend(v for v in item if isinstance(v, (dict, list)))
    return deepest


def load_parameter_file(path: str) -> dict[str, str]:
    """Read a parameters file: CLI style JSON list [{"ParameterKey": k, "ParameterValue": v}],
    CodePipeline style {"Parameters": {k: v}}, or a plain JSON/YAML mapping {k: v}.
    Raises InputError on anything else."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read parameters file: {exc}", file=path) from None
    data = parse_document(text, path)

    def bad(message: str, where: Any = None) -> InputError:
        return InputError(f"parameters file: {message}", file=path,
                          line=line_of(where, line_of(data)) or None)

    if isinstance(data, list):
        values: dict[str, str] = {}
        for entry in data:
            if not isinstance(entry, dict) or not isinstance(entry.get("ParameterKey"), str):
                raise bad('each list entry needs "ParameterKey" and "ParameterValue"', entry)
            if "ParameterValue" not in entry:
                if entry.get("UsePreviousValue") is True:
                    continue  # the deployed value is not knowable from here
                raise bad(f'{entry["ParameterKey"]}: "ParameterValue" is missing', entry)
            values[entry["ParameterKey"]] = _parameter_text(entry["ParameterValue"],
                                                            entry["ParameterKey"], bad, entry)
        return values
    if isinstance(data, dict):
        mapping = data
        if isinstance(data.get("Parameters"), dict):
            mapping = data["Parameters"]  # CodePipeline template configuration
        return {str(key): _parameter_text(value, str(key), bad, mapping)
                for key, value in mapping.items()}
    raise bad("expected a list of ParameterKey/ParameterValue entries or a mapping")


def _parameter_text(value: Any, name: str, bad: Any, where: Any) -> str:
    if isinstance(value, list):
        items = [scalar_text(item) for item in value]
        if all(item is not None for item in items):
            return ",".join(items)  # type: ignore[arg-type]
    else:
        text = scalar_text(value)
        if text is not None:
            return text
    raise bad(f"{name}: value must be a string, number, boolean or list of them", where)
