"""CloudFormation loader: template text -> resolved ``Resource`` objects.

``parse_document`` reads YAML or JSON with line numbers, ``looks_like_cloudformation`` tells
templates from other YAML/JSON, ``build_resources`` resolves parameters, conditions and
intrinsic functions (see ``cfn_intrinsics``) and returns one ``Resource`` per deployed resource.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from ..errors import InputError
from ..jsonpos import loads_positioned
from ..limits import check_json_depth
from ..resource import CLOUDFORMATION, LoadResult, Resource
from ..values import PDict, PList, Unknown, line_of
from .cfn_intrinsics import PARAMETER_SECTIONS, TemplateResolver, scalar_text
from .yaml_values import MAX_ALIAS_NODES, MAX_DEPTH, YamlDict, document_problems

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
    from .cfn_yaml import load_yaml  # PyYAML only for YAML: a JSON template is read without it

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


def build_resources(data: dict, file: str, *, parameters: dict[str, Any] | None = None,
                    pseudo: dict[str, str] | None = None, group: str | None = None,
                    template_values: bool = False, nested: NestedTemplates | None = None,
                    flags: bool = False) -> LoadResult:
    """Resolve the template and return one Resource per deployed resource.

    With ``template_values``, the template's parameters and outputs are added too, as Resources
    with mode/type "parameter" (properties: the declaration as written, address
    ``Parameters.<Name>``, or ``Inputs.<Name>`` for a rain module's inputs) and "output"
    (properties: the resolved declaration, address ``Outputs.<Name>``). They are not deployed
    resources; the IAM model ignores them, checks look at them for credentials written into
    templates and secrets exposed in outputs.

    With ``flags``, what a parameter's other permitted value would add (a resource whose
    ``Condition`` is false under the defaults, the other branch of an ``Fn::If``) is added too, as
    resources with ``when`` set (see ``_switched_worlds``); the CloudFormation hook judges only
    what is deployed.

    Problems inside the template go into ``LoadResult.errors``; only a template that is not a
    mapping or whose ``Resources`` is not a mapping raises InputError."""
    if not isinstance(data, dict):
        raise InputError("a CloudFormation template must be a mapping", file=file,
                         line=line_of(data) or None)
    result = LoadResult(files=[file])
    # read errors that left an Unknown in place (an unsupported tag): reported, and the rest of
    # the template is still resolved and checked
    result.errors.extend(document_problems(data))
    language_extensions = _report_transforms(data, file, result)
    section = data.get("Resources")
    if section is None:
        if not result.unresolved:  # else its resources come from a transform, named above
            result.errors.append(InputError("template has no Resources section", file=file,
                                            line=line_of(data) or None))
        return result
    if not isinstance(section, dict):
        raise InputError("Resources must be a mapping", file=file,
                         line=line_of(section, line_of(data)) or None)
    from .sam import expand, uses_serverless_transform  # samtranslator is imported only for SAM

    if nested is not None:
        data, section = _inline_local_includes(data, section, nested, file, result)
    left_out: set[str] = set()

    if uses_serverless_transform(data):
        try:
            data, rejected, left_out = expand(data, file, parameters)
        except InputError as exc:
            result.errors.append(exc)
            return result
        # a SAM resource the translator rejected is left out (its error says so) and the rest is
        # analysed; a Ref to it stays a reference, not an error of its own
        result.errors.extend(rejected)
        section = data.get("Resources")
        if not isinstance(section, dict):  # the transform's output always has one
            raise InputError("the SAM transform gave no Resources mapping", file=file, line=line_of(data) or None)
    resolver = TemplateResolver(data, file, result.errors, parameters=parameters, pseudo=pseudo)
    resolver.language_extensions = language_extensions
    resolver.resource_ids |= left_out
    key_lines = section.key_lines if isinstance(section, YamlDict) else {}
    built: list[tuple[Resource | None, set[str]]] = []  # each entry's resource and what it read
    for logical_id, body in section.items():
        if logical_id == _TRANSFORM_FUNCTION:
            continue  # reported by _report_transforms
        line = key_lines.get(logical_id) or line_of(body, line_of(section))
        resolver.reads = set()
        resource = _build_one(resolver, str(logical_id), body, file, line, group or file,
                              result.errors, result.unresolved)
        built.append((resource, resolver.reads))
        if resource is not None:
            result.resources.append(resource)
            if resource.type == NESTED_STACK:
                _nested_stack(resource, nested, result, pseudo=pseudo, template_values=template_values,
                              flags=flags)
    if template_values:
        result.resources.extend(_template_values(data, resolver, file, group or file))
    if flags:
        _add_switched_worlds(data, file, resolver, parameters or {}, pseudo, group or file, result, built)
    return result


def _add_switched_worlds(data: dict, file: str, resolver: TemplateResolver, given: dict,
                         pseudo: dict[str, str] | None, group: str, result: LoadResult,
                         built: list[tuple[Resource | None, set[str]]]) -> None:
    """The template built again under each set of switched parameters that turns a condition
    the defaults decide the other way; its resources carry ``when`` and a group of their own, so
    that they refer to each other as one deployment. A finding they share with the defaults'
    deployment is reported once, without ``when`` (engine._dedupe).

    ``built``: the defaults' resource (or None) of each entry of Resources, in order, with the
    names its resolution read (``TemplateResolver.reads``). An entry that read none of the names
    a world resolves differently (its switched parameters, and the resources SAM left out, which
    only the defaults' resolver knows) resolves as under the defaults: the world takes a copy of
    the defaults' resource instead of resolving it again. That holds only while each condition
    has one value whatever the order of evaluation: when a resolver met a condition cycle or the
    depth bound (``irregular``) or could have (``deepest``), the world is built whole."""
    from .cfn_intrinsics import switched_worlds

    section = data.get("Resources")
    if not isinstance(section, dict):  # the caller read it as a mapping already
        return
    undecided: list = []
    worlds = switched_worlds(data, file, resolver, given, pseudo, undecided)
    if undecided:
        result.unresolved.append(InputError(
            f"conditions {', '.join(sorted(set(undecided)))}: what their other values deploy is not "
            "analysed: more parameter values than iacguard tries would have to be switched",
            file=file, line=line_of(data.get("Conditions"), line_of(data)) or None))
    reuse = not _order_dependent(resolver)
    for world, when in worlds:
        resources = _world_resources(data, file, section, resolver, given, pseudo, group, world, when, built,
                                     reuse)
        if resources is None:  # the world's own resolution was order dependent: built whole
            resources = _world_resources(data, file, section, resolver, given, pseudo, group, world, when,
                                         built, False)
        assert resources is not None
        result.resources.extend(resources)


def _order_dependent(resolver: TemplateResolver) -> bool:
    from .cfn_intrinsics import MAX_RESOLVE_DEPTH

    return resolver.irregular or resolver.deepest > MAX_RESOLVE_DEPTH


def _world_resources(data: dict, file: str, section: dict, resolver: TemplateResolver, given: dict,
                     pseudo: dict[str, str] | None, group: str, world: dict, when: str,
                     built: list[tuple[Resource | None, set[str]]], reuse: bool) -> list[Resource] | None:
    """The resources of one switched world (see _add_switched_worlds); with ``reuse``, None when
    the world's resolution turned out order dependent."""
    world_resolver = resolver.switched(world)
    world_resolver.language_extensions = resolver.language_extensions
    # names that resolve differently here: the switched parameters, and resources only the
    # defaults' resolver knows (SAM's left out ones)
    changed = set(world) | (resolver.resource_ids ^ world_resolver.resource_ids)
    key_lines = section.key_lines if isinstance(section, YamlDict) else {}
    world_group = f"{group} (when {when})"
    found: list[Resource] = []
    entries = [(logical_id, body) for logical_id, body in section.items() if logical_id != _TRANSFORM_FUNCTION]
    for (logical_id, body), (default, read) in zip(entries, built):
        if reuse and read.isdisjoint(changed):
            resource = None if default is None else replace(default, group=world_group)
        else:
            line = key_lines.get(logical_id) or line_of(body, line_of(section))
            # problems are those of the template as written, reported once by the defaults' build
            resource = _build_one(world_resolver, str(logical_id), body, file, line, world_group, [], [],
                                  None if default is None else default.end_line)
        if resource is not None:
            resource.when, resource.world, resource.copy = when, f" (when {when})", True
            found.append(resource)
    if reuse and _order_dependent(world_resolver):
        return None
    return found


def _template_values(data: dict, resolver: TemplateResolver, file: str, group: str) -> list[Resource]:
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
               group: str, errors: list, unresolved: list, end_line: int | None = None) -> Resource | None:
    """``end_line``: where the entry ends, when a build of the same entry at the same line knew it."""
    def error(message: str) -> None:
        errors.append(InputError(f"resource {logical_id}: {message}", file=file, line=line or None))

    def not_analysed(what: str, why: str, where: int = 0) -> None:
        unresolved.append(InputError(f"resource {logical_id}: {what} is not analysed: {why}", file=file,
                                     line=where or line or None))

    if logical_id.startswith("Fn::ForEach::"):
        unresolved.append(InputError(f"Resources: the loop {logical_id} (AWS::LanguageExtensions) is not "
                                     f"analysed: {_FOR_EACH_WHY}", file=file, line=line or None))
        return None
    if not isinstance(body, dict):
        error("must be a mapping")
        return None
    resource_type = body.get("Type")
    if _TRANSFORM_FUNCTION in body:
        not_analysed(_describe_transform(_TRANSFORM_FUNCTION, body[_TRANSFORM_FUNCTION]), _INCLUDE_WHY,
                     getattr(body, "key_lines", {}).get(_TRANSFORM_FUNCTION, 0))
        if not isinstance(resource_type, str):
            return None
    if not isinstance(resource_type, str):
        error("Type is missing or not a string")
        return None
    if resource_type.endswith(_MODULE_SUFFIX):
        not_analysed(f"the registry module {resource_type}", "CloudFormation expands a module from the "
                     "registry when the stack is deployed, so the resources it creates are not known here")
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
        resolver.deploy_time_expansions = []
        properties = resolver.resolve_value(raw_properties, line_of(raw_properties, line))
        for function, argument, where in resolver.deploy_time_expansions:
            if function == _TRANSFORM_FUNCTION:
                not_analysed(f"{_describe_transform(function, argument)} in its properties", _INCLUDE_WHY, where)
            else:
                not_analysed(f"the loop {function} (AWS::LanguageExtensions) in its properties", _FOR_EACH_WHY,
                             where)
        if not isinstance(properties, dict):
            if not resolver.deploy_time_expansions:  # a whole included Properties is reported above
                error("Properties must be a mapping")
            properties = PDict(line=line)

    metadata = body.get("Metadata")
    return Resource(
        address=logical_id,
        type=resource_type,
        properties=properties,
        file=file,
        line=line,
        end_line=max(line, _last_line(body)) if end_line is None else end_line,
        source=CLOUDFORMATION,
        base_address=logical_id,
        group=group,
        metadata=metadata if isinstance(metadata, dict) else PDict(),
        condition=condition,
    )


_TRANSFORM_FUNCTION = "Fn::Transform"
_MODULE_SUFFIX = "::MODULE"
NESTED_STACK = "AWS::CloudFormation::Stack"
NESTING_TYPES = (NESTED_STACK, "AWS::Serverless::Application")
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
_INCLUDE_WHY = ("CloudFormation runs the transform when the stack is deployed, so what it inserts "
                "(it may be a policy) is not known here")
_FOR_EACH_WHY = "iacguard does not expand Fn::ForEach, so what the loop creates is not checked"


def _include_location(value: Any) -> str | None:
    """The Location of ``{"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": ...}}}``
    written as the whole value, or None for anything else."""
    if not isinstance(value, dict) or len(value) != 1 or _TRANSFORM_FUNCTION not in value:
        return None
    spec = value[_TRANSFORM_FUNCTION]
    parameters = spec.get("Parameters") if isinstance(spec, dict) else None
    if not isinstance(parameters, dict) or spec.get("Name") != "AWS::Include":
        return None
    location = parameters.get("Location")
    return location if isinstance(location, str) else None


def _inline_local_includes(data: dict, section: dict, nested: NestedTemplates, file: str,
                           result: LoadResult) -> tuple[dict, dict]:
    """The template with each ``Fn::Transform`` ``AWS::Include`` in a resource whose Location is
    a local file inside the scan root (relative to the template, as before ``aws cloudformation
    package`` uploads it) replaced by that file's content, read like a nested template: never
    outside the scan root, never over the network. What it holds keeps its own lines and names
    its file, so a finding on an included policy points there. An S3 or URL location, a file
    outside the root or one that cannot be read stays in place and is named as not analysed with
    the rest of the deploy-time expansions (an unreadable file is an input error too)."""
    if not _holds_key(section, _TRANSFORM_FUNCTION):  # nothing to inline: the walk below would copy nothing
        return data, section
    from .discover import relpath

    root = nested.root.resolve()
    read: dict[Path, Any] = {}

    def include(location: str, line: int) -> Any:
        target = (nested.chain[-1].parent / location).resolve()
        if target != root and root not in target.parents:
            return None
        rel = relpath(target, root)
        if target not in read:
            try:
                read[target] = _naming_its_file(nested.read(target, rel), rel)
            except InputError as exc:
                if exc.line is None:  # the file itself could not be read: say which include needs it
                    exc = InputError(f"Fn::Transform AWS::Include ({location}): {exc.message}", file=file,
                                     line=line or None)
                result.errors.append(exc)
                read[target] = None
            else:
                if rel not in result.files:
                    result.files.append(rel)
        return read[target]

    def inline(value: Any, line: int) -> Any:
        location = _include_location(value)
        if location is not None and _is_local(location):
            content = include(location, line_of(value, line))
            return value if content is None else content
        if isinstance(value, dict):
            replaced = {key: inline(item, line_of(value, line)) for key, item in value.items()}
            if all(replaced[key] is item for key, item in value.items()):
                return value
            return _mapping_like(value, replaced)
        if isinstance(value, list):
            items = [inline(item, line_of(value, line)) for item in value]
            if all(new is old for new, old in zip(items, value)):
                return value
            return PList(items, line=line_of(value))
        return value

    new_section = inline(section, line_of(section, line_of(data)))
    if new_section is section:
        return data, section
    return _mapping_like(data, {**data, "Resources": new_section}), new_section


def _holds_key(value: Any, key: str) -> bool:
    """Whether any mapping within ``value`` has ``key``."""
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            if key in current:
                return True
            pending.extend(item for item in current.values() if isinstance(item, (dict, list)))
        elif isinstance(current, list):
            pending.extend(item for item in current if isinstance(item, (dict, list)))
    return False


def _mapping_like(original: dict, items: dict) -> PDict:
    """A copy of a loaded mapping with other items: the same line, key lines, end and file."""
    copied: PDict = YamlDict(line_of(original)) if isinstance(original, YamlDict) else PDict(line=line_of(original))
    copied.update(items)
    for slot in ("key_lines", "end_line", "file", "problems"):
        if getattr(original, slot, None) is not None:
            setattr(copied, slot, getattr(original, slot))
    return copied


def _naming_its_file(value: Any, rel: str) -> Any:
    """Mark every mapping of an included file with that file (``PDict.file``)."""
    if isinstance(value, PDict):
        value.file = rel
    if isinstance(value, dict):
        for item in value.values():
            _naming_its_file(item, rel)
    elif isinstance(value, list):
        for item in value:
            _naming_its_file(item, rel)
    return value


def _describe_transform(function: str, spec: Any) -> str:
    """``Fn::Transform AWS::Include (s3://bucket/part.yaml)``: the transform and its location."""
    name = spec.get("Name") if isinstance(spec, dict) else None
    parameters = spec.get("Parameters") if isinstance(spec, dict) else None
    location = parameters.get("Location") if isinstance(parameters, dict) else None
    shown = function
    if isinstance(name, str):
        shown += f" {name}"
    if isinstance(location, str):
        shown += f" ({location})"
    return shown


def _report_transforms(data: dict, file: str, result: LoadResult) -> bool:
    """Name as not analysed (kind ``unresolved``) what CloudFormation expands only at deploy
    time: a ``Transform`` macro other than SAM (expanded here) and AWS::LanguageExtensions (whose
    Fn::ForEach loops are named where they are), and a ``Fn::Transform`` (AWS::Include) at the
    top of the template or of one of its sections. The rest of the template is still analysed.
    Returns whether the template declares AWS::LanguageExtensions."""
    from .sam import SERVERLESS_TRANSFORM

    top_lines = data.key_lines if isinstance(data, YamlDict) else {}
    why = ("CloudFormation runs the macro when the stack is deployed, so what it adds or changes is "
           "not known here")
    language_extensions = False
    transform = data.get("Transform")
    if transform is not None:
        line = top_lines.get("Transform") or line_of(transform, line_of(data)) or None
        for entry in transform if isinstance(transform, list) else [transform]:
            if entry in (SERVERLESS_TRANSFORM, LANGUAGE_EXTENSIONS):
                language_extensions = language_extensions or entry == LANGUAGE_EXTENSIONS
            elif isinstance(entry, str) or (isinstance(entry, dict) and isinstance(entry.get("Name"), str)):
                shown = entry if isinstance(entry, str) else _describe_transform("", entry).strip()
                result.unresolved.append(InputError(f"Transform {shown} is not analysed: {why}", file=file,
                                                    line=line_of(entry, line or 0) or line))
            else:
                result.errors.append(InputError("Transform must name a transform, be a mapping with a Name, "
                                                "or a list of those", file=file, line=line))
    sections = [("the template", data)] + [(name, value) for name, value in data.items() if isinstance(value, dict)]
    for where, section in sections:
        if _TRANSFORM_FUNCTION in section:
            spec = section[_TRANSFORM_FUNCTION]
            line = getattr(section, "key_lines", {}).get(_TRANSFORM_FUNCTION) or line_of(spec, line_of(section))
            result.unresolved.append(InputError(
                f"{_describe_transform(_TRANSFORM_FUNCTION, spec)} at the top of {where} is not analysed: "
                f"{_INCLUDE_WHY}", file=file, line=line or None))
    return language_extensions


@dataclass(frozen=True)
class NestedTemplates:
    """How to read the local templates of nested stacks (``TemplateURL: nested/iam.yaml``, as
    written before ``aws cloudformation package``). ``read(path, rel)`` parses one template file
    under the scan's limits and raises InputError; ``chain`` holds the resolved template files from
    the scanned one down to the current one (the cycle guard); ``max_depth`` bounds its length."""

    root: Path
    read: Callable[[Path, str], Any]
    max_depth: int
    chain: tuple[Path, ...]


def _nested_stack(stack: Resource, nested: NestedTemplates | None, result: LoadResult, *,
                  pseudo: dict[str, str] | None, template_values: bool, flags: bool = False) -> None:
    """Analyse the template of a nested stack when it is a local file inside the scan root (its
    findings point at that file); otherwise name it as not analysed."""
    url = stack.properties.get("TemplateURL")
    line = line_of(url) or stack.line
    url = _cdk_template_asset(stack.metadata) or url  # CDK output: the template beside this one

    def not_analysed(why: str) -> None:
        shown = url if isinstance(url, str) else getattr(url, "text", None) or "(not given)"
        result.unresolved.append(InputError(f"resource {stack.address}: the nested stack template {shown} is "
                                            f"not analysed: {why}", file=stack.file, line=line))

    if not isinstance(url, str) or not url:
        not_analysed("it is known only at deploy time, so the resources it creates are not checked")
        return
    if not _is_local(url) or nested is None:
        not_analysed("it is not a local file inside the scan, so the resources it creates are not checked")
        return
    from .discover import relpath

    root = nested.root.resolve()
    target = (nested.chain[-1].parent / url).resolve()
    if target != root and root not in target.parents:
        not_analysed("it is outside the scan root, which iacguard never reads")
        return
    rel = relpath(target, root)
    if target in nested.chain:
        cycle = " -> ".join(relpath(path, root) for path in nested.chain[nested.chain.index(target):])
        result.errors.append(InputError(f"resource {stack.address}: nested stack template {url} nests itself "
                                        f"({cycle} -> {rel})", file=stack.file, line=line))
        return
    if len(nested.chain) > nested.max_depth:
        result.errors.append(InputError(f"resource {stack.address}: nested stacks deeper than {nested.max_depth} "
                                        "levels; raise the limit with --max-module-depth", file=stack.file, line=line))
        return
    try:
        data = nested.read(target, rel)
    except InputError as exc:
        if exc.line is None:  # the file itself could not be read: say which nested stack needs it
            exc = InputError(f"resource {stack.address}: nested stack template {url}: {exc.message}",
                             file=stack.file, line=line)
        result.errors.append(exc)
        return
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        result.errors.append(InputError(f"resource {stack.address}: nested stack template {url} is not a "
                                        "CloudFormation template", file=stack.file, line=line))
        return
    child = build_resources(data, rel, parameters=_passed_parameters(stack), pseudo=pseudo,
                            group=f"{stack.group}>{stack.address}", template_values=template_values,
                            nested=NestedTemplates(nested.root, nested.read, nested.max_depth,
                                                   nested.chain + (target,)), flags=flags)
    result.resources.extend(child.resources)
    result.errors.extend(child.errors)
    result.unresolved.extend(child.unresolved)
    result.files.extend(f for f in child.files if f not in result.files)


def local_nested_templates(data: Any) -> list[str]:
    """The local TemplateURLs (written as plain text) of a template's nested stacks."""
    resources = data.get("Resources") if isinstance(data, dict) else None
    if not isinstance(resources, dict):
        return []
    found = []
    for body in resources.values():
        if not isinstance(body, dict) or body.get("Type") not in NESTING_TYPES:
            continue
        properties = body.get("Properties")
        properties = properties if isinstance(properties, dict) else {}
        if body["Type"] == NESTED_STACK:
            url = _cdk_template_asset(body.get("Metadata")) or properties.get("TemplateURL")
        else:  # the SAM transform turns a local Location into the nested stack's TemplateURL
            url = properties.get("Location")
        if isinstance(url, str) and _is_local(url):
            found.append(url)
    return found


def _cdk_template_asset(metadata: Any) -> str | None:
    """The local template of a CDK nested stack: cdk synth writes it beside its parent in
    cdk.out and names it in the metadata; the TemplateURL is its S3 location after publishing."""
    if isinstance(metadata, dict) and metadata.get("aws:asset:property") == "TemplateURL":
        path = metadata.get("aws:asset:path")
        if isinstance(path, str) and _is_local(path):
            return path
    return None


def _is_local(url: str) -> bool:
    return bool(url) and "://" not in url and not url.lower().startswith(("http:", "https:", "s3:"))


def _passed_parameters(stack: Resource) -> dict[str, Any]:
    """The nested template's parameter values as its parent passes them: text where the parent
    decides it, Unknown for anything known only at deploy time (a reference to one of the
    parent's resources means nothing inside the nested template)."""
    given = stack.properties.get("Parameters")
    if not isinstance(given, dict):
        return {}
    values: dict[str, Any] = {}
    for name, value in given.items():
        text = None if isinstance(value, Unknown) else scalar_text(value)
        if isinstance(value, list) and not isinstance(value, Unknown):
            items = [scalar_text(item) for item in value]
            if all(item is not None for item in items):
                text = ",".join(items)  # type: ignore[arg-type]
        values[str(name)] = text if text is not None else Unknown(
            getattr(value, "text", None) or f"parameter {name} of nested stack {stack.address}",
            reason=f"value passed by the parent stack {stack.address}")
    return values


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


def _parameter_text(value: Any, name: str, bad: Callable[[str, Any], InputError], where: Any) -> str:
    if isinstance(value, list):
        items = [scalar_text(item) for item in value]
        if all(item is not None for item in items):
            return ",".join(items)  # type: ignore[arg-type]
    else:
        text = scalar_text(value)
        if text is not None:
            return text
    raise bad(f"{name}: value must be a string, number, boolean or list of them", where)
