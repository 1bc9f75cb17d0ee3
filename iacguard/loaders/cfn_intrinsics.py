"""Resolution of CloudFormation parameters, conditions and intrinsic functions.

The resolver turns a template's raw property values into the pipeline's value types: plain
values where the template decides them, ``Ref`` for one attribute of a resource of the same
template, ``Choice`` for an undecidable ``Fn::If``, ``Unknown`` for everything known only at
deploy time. It never raises for template content: problems are appended to ``errors`` as
``InputError`` with the nearest known line, and the affected value becomes ``Unknown``.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from ..errors import InputError
from ..values import Choice, Encoded, Origin, PDict, PList, Ref, Unknown, collect_refs, line_of, origins_of, to_plain
from ..lazy_regex import lazy_compile

# Bound on nested resolution steps (a mapping level counts one, an intrinsic two; condition
# chains count too). Parsed templates nest at most 200 levels, so this only stops pathological
# input, and keeps us well below Python's recursion limit.
MAX_RESOLVE_DEPTH = 450
# Bound on alternatives enumerated for one value (Fn::FindInMap with unknown keys, Fn::Equals
# over choices); past it the value is just Unknown.
MAX_CHOICES = 64

PSEUDO_PARAMETERS = frozenset({
    "AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition", "AWS::Region",
    "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
})
_URL_SUFFIX_BY_PARTITION = {
    "aws": "amazonaws.com",
    "aws-cn": "amazonaws.com.cn",
    "aws-us-gov": "amazonaws.com",
    "aws-iso": "c2s.ic.gov",
    "aws-iso-b": "sc2s.sgov.gov",
}
# Sections that declare parameters: CloudFormation's, and `Inputs` of a rain module (a template
# fragment that `rain pkg` inlines into its parent, which passes the inputs).
PARAMETER_SECTIONS = ("Parameters", "Inputs")
_CONDITION_FUNCTIONS = frozenset({"Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"})
_SUB_VARIABLE = lazy_compile(r"\$\{([^}]*)\}")
DYNAMIC_REFERENCE = "{{resolve:"



# Unknowns the person deploying chooses (a parameter without a value, an SSM parameter): a
# part of one is still theirs to choose, and could be "*"
_INPUT_REASONS = ("parameter without default", "SSM parameter resolved at deploy time")


def _part_of(prefix: str, source: Any, refs: Any, reason: str) -> Unknown:
    """The Unknown for a part of ``source`` (Fn::Split, Fn::Select). A part of a deploy-time
    input keeps the input's reason and names it as ``${Name}``, so that a Principal built as
    ``!Split [",", !Ref Accounts]`` is known to come from the parameter."""
    if isinstance(source, Unknown) and source.reason in _INPUT_REASONS:
        inner = source.text if "${" in source.text else "${" + source.text + "}"
        return Unknown(f"{prefix} {inner}", refs=refs, reason=source.reason, origins=source.origins)
    return Unknown(f"{prefix} {_text_of(source)}", refs=refs, reason=reason, origins=origins_of([source]))


class _NoValue:
    """``AWS::NoValue``: removes the property or list item that holds it."""

    _instance: "_NoValue | None" = None

    def __new__(cls) -> "_NoValue":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE = _NoValue()


def scalar_text(value: Any) -> str | None:
    """How CloudFormation writes a scalar into a string; None for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and not isinstance(value, Unknown):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return None


def _text_of(value: Any) -> str:
    """Readable rendering of a resolved value for an Unknown's text."""
    if isinstance(value, Unknown):
        return value.text
    text = scalar_text(value)
    if text is not None:
        return text
    try:
        return json.dumps(to_plain(value))
    except (TypeError, ValueError):
        return repr(value)


def _unique(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for value in values:
        if not any(value is seen or (type(value) is type(seen) and value == seen) for seen in out):
            out.append(value)
    return out


def _unique_refs(refs: list[Ref]) -> list[Ref]:
    return list(dict.fromkeys(refs))


def make_choice(options: list[Any], text: str) -> Any:
    """A Choice over ``options`` (nested Choices flattened, duplicates removed); the value itself
    when only one alternative remains. ``NO_VALUE`` may be among the options."""
    flat: list[Any] = []
    for option in options:
        if isinstance(option, Choice):
            flat.extend(option.options)
        else:
            flat.append(option)
    flat = _unique(flat)
    if len(flat) == 1:
        return flat[0]
    return Choice(flat, text=text)


def for_mapping(value: Any) -> Any:
    """A resolved value about to become a property: a NoValue branch makes the key optional."""
    if isinstance(value, Choice) and any(o is NO_VALUE for o in value.options):
        rest = [o for o in value.options if o is not NO_VALUE]
        if not rest:
            return NO_VALUE
        return Choice(rest + [None], text=value.text)
    return value


def for_list(value: Any) -> Any:
    """A resolved value about to become a list item: a NoValue branch is left out."""
    if isinstance(value, Choice) and any(o is NO_VALUE for o in value.options):
        rest = [o for o in value.options if o is not NO_VALUE]
        if not rest:
            return NO_VALUE
        return Choice(rest, text=value.text)
    return value


def _key_line(mapping: dict, key: str, default: int) -> int:
    return getattr(mapping, "key_lines", {}).get(key) or default


def _intrinsic_name(value: dict) -> str | None:
    if len(value) != 1:
        return None
    (key,) = value
    if isinstance(key, str) and (key == "Ref" or key.startswith("Fn::")):
        return key
    return None


class TemplateResolver:
    """Resolves values of one template against its parameters, mappings and conditions."""

    def __init__(self, template: dict, file: str, errors: list, *,
                 parameters: dict[str, Any] | None = None, pseudo: dict[str, str] | None = None):
        self.file = file
        self.errors = errors
        self._template = template
        self.mappings = self._section(template, "Mappings")
        self.condition_defs = self._section(template, "Conditions")
        self._start_resolving()
        self.pseudo = self._pseudo_values(pseudo or {})
        self._given = parameters or {}
        self._declared = self._declarations(template)
        self.params = self._parameter_values(self._declared, self._given)

    def _start_resolving(self) -> None:
        """What resolving builds up, empty: set by a new resolver and by ``switched``."""
        resources = self._template.get("Resources")
        self.resource_ids: set[str] = set(resources) if isinstance(resources, dict) else set()
        self._condition_cache: dict[str, bool | None] = {}
        self._conditions_in_progress: set[str] = set()
        self._too_deep_reported = False
        # (function, argument, line) of each Fn::Transform met while resolving, and with the
        # AWS::LanguageExtensions transform of each Fn::ForEach loop key: what they produce is
        # known only at deploy time, so the caller names them as not analysed
        self.deploy_time_expansions: list[tuple[str, Any, int]] = []
        self.language_extensions = False
        # What resolving consulted, so that a value can be known to resolve the same under other
        # parameter values (cloudformation._add_switched_worlds): ``reads`` collects the names
        # looked up (parameters, resources) since the caller last reset it, through every
        # condition used, cached or not; ``deepest`` the deepest step any of it reached or would
        # have reached without the condition cache. ``irregular`` is set when a result may depend
        # on the order things were resolved in (a condition cycle, the depth bound reached).
        self.reads: set[str] = set()
        self.deepest = 0
        self.irregular = False
        self._condition_reads: dict[str, set[str]] = {}
        self._condition_height: dict[str, int] = {}
        self._handlers = self._bound_handlers()

    def _bound_handlers(self) -> dict[str, Callable[[Any, int, int], Any]]:
        return {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": self._base64,
            "Fn::If": self._if,
            "Fn::ToJsonString": self._to_json_string,
            "Fn::Length": self._length,
        }

    # -- setup ----------------------------------------------------------------------------

    def error(self, message: str, line: int) -> None:
        self.errors.append(InputError(message, file=self.file, line=line or None))

    def _section(self, template: dict, name: str) -> dict:
        section = template.get(name)
        if section is None:
            return {}
        if not isinstance(section, dict):
            self.error(f"{name} must be a mapping", line_of(section, line_of(template)))
            return {}
        return section

    def _pseudo_values(self, given: dict[str, str]) -> dict[str, Any]:
        values: dict[str, Any] = {"AWS::Partition": "aws"}
        for name, value in given.items():
            if name in PSEUDO_PARAMETERS and name != "AWS::NoValue" and value is not None:
                values[name] = str(value)
        if "AWS::URLSuffix" not in values:
            suffix = _URL_SUFFIX_BY_PARTITION.get(values["AWS::Partition"])
            if suffix:
                values["AWS::URLSuffix"] = suffix
        return values

    def switched(self, world: dict[str, Any]) -> "TemplateResolver":
        """A new resolver of the same template with the parameters ``world`` names given those
        values on top of this one's: what ``TemplateResolver(template, file, [], parameters={**given,
        **world}, pseudo=pseudo)`` builds, without reading the template's sections and every other
        parameter again (their values are this resolver's: each depends only on its declaration
        and given value, and none is changed once built). Its errors are not kept (the template's
        problems are this resolver's to report)."""
        other = object.__new__(TemplateResolver)
        other.__dict__.update(self.__dict__)
        other.errors = []
        other._start_resolving()
        other.pseudo = dict(self.pseudo)
        given = {**self._given, **world}
        other._given = given
        other.params = dict(self.params)
        for name in world:
            if name in self._declared:
                other.params[name] = other._declared_value(name, *self._declared[name], given)
        return other

    def _declarations(self, template: dict) -> dict[str, tuple[Any, int]]:
        """Each declared parameter (or rain module input): its declaration and line."""
        key_lines = getattr(template, "key_lines", {})
        declared: dict[str, Any] = {}
        section_line = 0
        # A rain module declares what its parent template passes in under `Inputs`, in the
        # shape of Parameters; read alone, it is a template whose parameters those are.
        for section_name in PARAMETER_SECTIONS:
            section = self._section(template, section_name)
            this_line = key_lines.get(section_name) or line_of(section, line_of(template))
            if section_name in template and not section_line:
                section_line = this_line
            name_lines = getattr(section, "key_lines", {})
            for name, spec in section.items():
                line = name_lines.get(name) or line_of(spec, this_line)
                if name in declared:
                    self.error(f"{name} is declared both as a parameter and as a module input", line)
                    continue
                declared[name] = (spec, line)
        self._section_line = section_line or line_of(template)
        return declared

    def _parameter_values(self, declared: dict[str, tuple[Any, int]], given: dict[str, Any]) -> dict[str, Any]:
        values = {name: self._declared_value(name, spec, spec_line, given)
                  for name, (spec, spec_line) in declared.items()}
        for name in given:
            if name not in declared:
                self.error(f"parameter {name!r} was given a value but the template does not "
                           "declare it", self._section_line)
        return values

    def _declared_value(self, name: str, spec: Any, spec_line: int, given: dict[str, Any]) -> Any:
        if not isinstance(spec, dict):
            self.error(f"parameter {name} must be a mapping", spec_line)
            return Unknown(name, reason="invalid parameter declaration")
        ptype = spec.get("Type")
        ptype = ptype if isinstance(ptype, str) else ""
        if ptype.startswith("AWS::SSM::Parameter::Value<"):
            # The given/default value is the SSM parameter's name, not the value.
            return Unknown(name, reason="SSM parameter resolved at deploy time", origins=(Origin("ssm", name),))
        is_list = ptype == "CommaDelimitedList" or ptype.startswith("List<")
        if name in given and isinstance(given[name], Unknown):
            return given[name]  # a parent stack passes a value known only at deploy time
        if name in given:
            raw = given[name]
        elif "Default" in spec:
            raw = spec["Default"]
        else:
            return Unknown(name, reason="parameter without default", origins=(Origin("parameter", name),))
        return self._parameter_value(name, raw, is_list, spec_line)

    def _parameter_value(self, name: str, raw: Any, is_list: bool, line: int) -> Any:
        if isinstance(raw, list):
            items = [scalar_text(item) for item in raw]
            if any(item is None for item in items):
                self.error(f"parameter {name}: list value must hold only scalars", line)
                return Unknown(name, reason="invalid parameter value")
            if is_list:
                return PList(items, line=line_of(raw, line))
            return ",".join(items)  # type: ignore[arg-type]
        text = scalar_text(raw)
        if text is None:
            self.error(f"parameter {name}: value must be a string", line)
            return Unknown(name, reason="invalid parameter value")
        if is_list:
            return PList([item.strip() for item in text.split(",")], line=line)
        return text

    # -- values ---------------------------------------------------------------------------

    def resolve_value(self, value: Any, line: int = 0) -> Any:
        """Resolve one value; a top-level AWS::NoValue becomes None."""
        resolved = for_mapping(self.resolve(value, line, 0))
        return None if resolved is NO_VALUE else resolved

    def resolve(self, value: Any, line: int, depth: int) -> Any:
        if depth > self.deepest:
            self.deepest = depth
        if depth > MAX_RESOLVE_DEPTH:
            return self._too_deep(line)
        if isinstance(value, dict):
            line = line_of(value, line)
            if "Fn::Transform" in value:
                self.deploy_time_expansions.append(
                    ("Fn::Transform", value["Fn::Transform"], _key_line(value, "Fn::Transform", line)))
            if self.language_extensions:
                self.deploy_time_expansions.extend(
                    (key, None, _key_line(value, key, line)) for key in value
                    if isinstance(key, str) and key.startswith("Fn::ForEach::"))
            name = _intrinsic_name(value)
            if name is not None:
                return self._intrinsic(name, value[name], line, depth + 1)
            mapping = PDict(line=line_of(value))
            mapping.file = getattr(value, "file", None)  # read from an AWS::Include file
            for key, item in value.items():
                resolved = for_mapping(self.resolve(item, line, depth + 1))
                if resolved is not NO_VALUE:
                    mapping[key] = resolved
            return mapping
        if isinstance(value, list):
            line = line_of(value, line)
            items = PList(line=line_of(value))
            for item in value:
                resolved = for_list(self.resolve(item, line, depth + 1))
                if resolved is not NO_VALUE:
                    items.append(resolved)
            return items
        if isinstance(value, str) and DYNAMIC_REFERENCE in value:
            return Unknown(value, reason="dynamic reference resolved at deploy time")
        return value

    def _too_deep(self, line: int) -> Unknown:
        self.irregular = True
        if not self._too_deep_reported:
            self._too_deep_reported = True
            self.error(f"expressions nested too deeply (more than {MAX_RESOLVE_DEPTH} levels)",
                       line)
        return Unknown("<nested too deeply>", reason="nesting too deep")

    def _intrinsic(self, name: str, args: Any, line: int, depth: int) -> Any:
        handler = self._handlers.get(name)
        if handler is not None:
            return handler(args, line, depth)
        if name in _CONDITION_FUNCTIONS:
            # A condition function used as a value evaluates to a boolean when decidable.
            decided = self.evaluate_condition({name: args}, line, depth + 1)
            if decided is not None:
                return decided
            return Unknown(f"{name} {_text_of(args)}", reason="undecided condition")
        # Deploy-time functions (ImportValue, GetAZs, Cidr, Transform, ...) and unknown ones.
        resolved = self.resolve(args, line, depth + 1)
        resolved = None if resolved is NO_VALUE else resolved
        return Unknown(f"{name} {_text_of(resolved)}", refs=collect_refs(resolved),
                       reason=f"{name} is known only at deploy time", origins=origins_of([resolved]))

    def _known_string(self, value: Any, line: int, depth: int) -> str | None:
        return scalar_text(self.resolve(value, line, depth + 1))

    # -- Ref / GetAtt / Sub ----------------------------------------------------------------

    def _ref(self, arg: Any, line: int, depth: int) -> Any:
        name = arg if isinstance(arg, str) else self._known_string(arg, line, depth)
        if name is None:
            self.error("Ref needs the name of a parameter, resource or pseudo parameter", line)
            return Unknown(f"Ref {_text_of(arg)}", reason="invalid Ref")
        return self._lookup(name, line)

    def _lookup(self, name: str, line: int) -> Any:
        self.reads.add(name)
        if name in self.params:
            value = self.params[name]
            return PList(value, line=value.line) if isinstance(value, PList) else value
        if name in PSEUDO_PARAMETERS:
            if name == "AWS::NoValue":
                return NO_VALUE
            if name in self.pseudo:
                return self.pseudo[name]
            return Unknown(name, reason="pseudo parameter known only at deploy time")
        if name in self.resource_ids:
            return Ref(name, None)
        self.error(f"Ref to {name!r}, which is not a parameter, resource or pseudo parameter", line)
        return Unknown(name, reason="undefined reference")

    def _get_att(self, arg: Any, line: int, depth: int) -> Any:
        target: Any = None
        attr: Any = None
        if isinstance(arg, str):
            target, _, attr = arg.partition(".")
        elif isinstance(arg, list) and len(arg) == 2:
            target = arg[0]
            attr = arg[1] if isinstance(arg[1], str) else self.resolve(arg[1], line, depth + 1)
        if not isinstance(target, str) or not target:
            self.error("Fn::GetAtt needs [LogicalId, Attribute]", line)
            return Unknown(f"Fn::GetAtt {_text_of(arg)}", reason="invalid Fn::GetAtt")
        self.reads.add(target)
        if target not in self.resource_ids:
            self.error(f"Fn::GetAtt refers to {target!r}, which is not a resource", line)
            return Unknown(f"{target}.{_text_of(attr)}", reason="undefined reference")
        if isinstance(attr, str) and attr:
            return Ref(target, attr)
        if isinstance(attr, Unknown):
            return Unknown(f"{target}.{attr.text}", refs=[Ref(target, None)],
                           reason="attribute name known only at deploy time")
        self.error("Fn::GetAtt needs [LogicalId, Attribute]", line)
        return Unknown(f"Fn::GetAtt {_text_of(arg)}", reason="invalid Fn::GetAtt")

    def _sub(self, arg: Any, line: int, depth: int) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            template = arg[0]
            for name, raw in arg[1].items():
                value = self.resolve(raw, line_of(arg[1], line), depth + 1)
                variables[str(name)] = Unknown(str(name), reason="AWS::NoValue in Fn::Sub") \
                    if value is NO_VALUE else value
        elif isinstance(arg, list) and len(arg) == 1:
            template = arg[0]
        else:
            template = arg
        if not isinstance(template, str):
            self.error("Fn::Sub needs a string or [string, {variables}]", line)
            return Unknown(f"Fn::Sub {_text_of(template)}", reason="invalid Fn::Sub")
        return self.substitute(template, variables, line)

    def substitute(self, template: str, variables: dict[str, Any], line: int) -> Any:
        known: list[str] = []      # the result if every part is known
        written: list[str] = []    # the result with unknown parts kept as ${Name}
        refs: list[Ref] = []
        unknown_parts: list[Any] = []
        position = 0
        for match in _SUB_VARIABLE.finditer(template):
            literal = template[position:match.start()]
            known.append(literal)
            written.append(literal)
            position = match.end()
            inner = match.group(1)
            if inner.startswith("!"):
                escaped = "${" + inner[1:] + "}"
                known.append(escaped)
                written.append(escaped)
                continue
            name = inner.strip()
            value = variables[name] if name in variables else self._sub_lookup(name, line)
            text = scalar_text(value)
            if text is not None:
                known.append(text)
                written.append(text)
            else:
                unknown_parts.append(value)
                written.append("${" + name + "}")
                refs.extend(collect_refs(value))
        known.append(template[position:])
        written.append(template[position:])
        if not unknown_parts:
            result = "".join(known)
            if DYNAMIC_REFERENCE in result:
                return Unknown(result, reason="dynamic reference resolved at deploy time")
            return result
        whole = _SUB_VARIABLE.fullmatch(template)
        if whole and isinstance(unknown_parts[0], Ref) and not whole.group(1).startswith("!"):
            return unknown_parts[0]
        return Unknown("".join(written), refs=_unique_refs(refs),
                       reason="substitutes values known only at deploy time", origins=origins_of(unknown_parts))

    def _sub_lookup(self, name: str, line: int) -> Any:
        if "." in name:
            target, _, attr = name.partition(".")
            self.reads.add(target)
            if target in self.resource_ids and attr:
                return Ref(target, attr)
            self.error(f"Fn::Sub variable ${{{name}}} does not name a resource attribute", line)
            return Unknown(name, reason="undefined reference")
        value = self._lookup(name, line)
        if value is NO_VALUE:
            return Unknown(name, reason="AWS::NoValue in Fn::Sub")
        return value

    # -- lists and strings ------------------------------------------------------------------

    def _pair(self, name: str, arg: Any, line: int) -> tuple[Any, Any] | None:
        if isinstance(arg, list) and len(arg) == 2:
            return arg[0], arg[1]
        self.error(f"{name} needs exactly two arguments", line)
        return None

    def _join(self, arg: Any, line: int, depth: int) -> Any:
        pair = self._pair("Fn::Join", arg, line)
        if pair is None:
            return Unknown(f"Fn::Join {_text_of(arg)}", reason="invalid Fn::Join")
        delimiter = self._known_string(pair[0], line, depth)
        items = self.resolve(pair[1], line, depth + 1)
        if delimiter is None or not isinstance(items, list):
            if not isinstance(items, (list, Unknown)):
                self.error("Fn::Join needs a delimiter and a list", line)
            return Unknown(f"Fn::Join {_text_of(pair[0])} {_text_of(items)}", refs=collect_refs(items),
                           reason="joins values known only at deploy time", origins=origins_of([items]))
        if len(items) == 1 and isinstance(items[0], Ref):
            return items[0]
        written: list[str] = []
        refs: list[Ref] = []
        all_known = True
        for item in items:
            text = scalar_text(item)
            if text is None:
                if not isinstance(item, Unknown):
                    self.error("Fn::Join list items must be strings", line)
                all_known = False
                written.append("${" + _text_of(item) + "}")
                refs.extend(collect_refs(item))
            else:
                written.append(text)
        if all_known:
            return delimiter.join(written)
        return Unknown(delimiter.join(written), refs=_unique_refs(refs),
                       reason="joins values known only at deploy time", origins=origins_of(items))

    def _select(self, arg: Any, line: int, depth: int) -> Any:
        pair = self._pair("Fn::Select", arg, line)
        if pair is None:
            return Unknown(f"Fn::Select {_text_of(arg)}", reason="invalid Fn::Select")
        index_value = self.resolve(pair[0], line, depth + 1)
        items = self.resolve(pair[1], line, depth + 1)
        index: int | None = None
        if isinstance(index_value, int) and not isinstance(index_value, bool):
            index = index_value
        elif isinstance(index_value, str) and index_value.strip().isdigit():
            index = int(index_value)
        if isinstance(items, list):
            if index is None:
                if isinstance(index_value, Unknown) and 0 < len(items) <= MAX_CHOICES:
                    return make_choice(list(items), text=f"Fn::Select {index_value.text}")
                if not isinstance(index_value, Unknown):
                    self.error("Fn::Select index must be a number", line)
            elif 0 <= index < len(items):
                return items[index]
            else:
                self.error(f"Fn::Select index {index} is outside the list of {len(items)}", line)
        elif not isinstance(items, Unknown):
            self.error("Fn::Select needs an index and a list", line)
        return _part_of(f"Fn::Select {_text_of(index_value)}", items,
                        refs=collect_refs(items) + collect_refs(index_value),
                        reason="selects from values known only at deploy time")

    def _split(self, arg: Any, line: int, depth: int) -> Any:
        pair = self._pair("Fn::Split", arg, line)
        if pair is None:
            return Unknown(f"Fn::Split {_text_of(arg)}", reason="invalid Fn::Split")
        delimiter = self._known_string(pair[0], line, depth)
        source = self.resolve(pair[1], line, depth + 1)
        text = scalar_text(source)
        if delimiter == "":
            self.error("Fn::Split delimiter must not be empty", line)
        elif delimiter is not None and text is not None:
            return PList(text.split(delimiter), line=line)
        elif not isinstance(source, Unknown) and text is None:
            self.error("Fn::Split needs a delimiter and a string", line)
        return _part_of(f"Fn::Split {_text_of(pair[0])}", source, refs=collect_refs(source),
                        reason="splits a value known only at deploy time")

    def _base64(self, arg: Any, line: int, depth: int) -> Any:
        # The plain value is what policy analysis needs; the encoding itself tells us nothing.
        return self.resolve(arg, line, depth + 1)

    def _to_json_string(self, arg: Any, line: int, depth: int) -> Any:
        value = for_mapping(self.resolve(arg, line, depth + 1))
        return Encoded(None if value is NO_VALUE else value)

    def _length(self, arg: Any, line: int, depth: int) -> Any:
        value = self.resolve(arg, line, depth + 1)
        if isinstance(value, list):
            return len(value)
        if not isinstance(value, Unknown):
            self.error("Fn::Length needs a list", line)
        return Unknown(f"Fn::Length {_text_of(value)}", refs=collect_refs(value),
                       reason="length of a list known only at deploy time")

    def _find_in_map(self, arg: Any, line: int, depth: int) -> Any:
        if not isinstance(arg, list) or len(arg) not in (3, 4):
            self.error("Fn::FindInMap needs [MapName, TopLevelKey, SecondLevelKey]", line)
            return Unknown(f"Fn::FindInMap {_text_of(arg)}", reason="invalid Fn::FindInMap")
        keys = [self.resolve(key, line, depth + 1) for key in arg[:3]]
        default: Any = NO_VALUE
        if len(arg) == 4:
            if isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                default = self.resolve(arg[3]["DefaultValue"], line, depth + 1)
            else:
                self.error("Fn::FindInMap fourth argument must be {DefaultValue: ...}", line)
        text = "Fn::FindInMap " + "/".join(_text_of(key) for key in keys)
        found: list[Any] = []
        decided = True
        level: list[Any] = [self.mappings]
        for key in keys:
            names = self._map_keys(key)
            if names is None:
                decided = False
            next_level: list[Any] = []
            for table in level:
                if not isinstance(table, dict):
                    continue
                for name in (names if names is not None else list(table)):
                    if name in table:
                        next_level.append(table[name])
            level = next_level
            if len(level) > MAX_CHOICES:
                return Unknown(text, refs=collect_refs(keys), reason="too many possible values")
        found = [self.resolve(value, line, depth + 1) for value in level]
        if decided:
            if found:
                return found[0]
            if default is not NO_VALUE:
                return default
            self.error(f"{text}: no such entry in Mappings", line)
            return Unknown(text, reason="missing mapping entry")
        if default is not NO_VALUE:
            found.append(default)
        if not found:
            return Unknown(text, refs=collect_refs(keys), reason="mapping key known only at deploy time")
        return make_choice(found, text=text)

    def _map_keys(self, key: Any) -> list[str] | None:
        """The keys a resolved FindInMap argument may stand for; None when any key could."""
        text = scalar_text(key)
        if text is not None:
            return [text]
        if isinstance(key, Choice):
            texts = [scalar_text(option) for option in key.options]
            if all(t is not None for t in texts):
                return texts  # type: ignore[return-value]
        return None

    # -- conditions -------------------------------------------------------------------------

    def condition(self, name: Any, line: int, depth: int = 0) -> bool | None:
        """The template condition's value: True, False, or None when undecidable."""
        if not isinstance(name, str):
            self.error("a condition name must be a string", line)
            return None
        if name in self._condition_cache:
            # what evaluating it read and how deep it went, as if it were evaluated again here
            self.reads |= self._condition_reads.get(name, set())
            reached = depth + self._condition_height.get(name, 0)
            if reached > self.deepest:
                self.deepest = reached
            return self._condition_cache[name]
        if name not in self.condition_defs:
            self.error(f"condition {name!r} is not defined in Conditions", line)
            self._condition_cache[name] = None
            return None
        if name in self._conditions_in_progress:
            self.error(f"condition {name!r} refers to itself", line)
            self.irregular = True  # which of the cycle's conditions is cut depends on which came first
            return None
        if depth > self.deepest:
            self.deepest = depth
        if depth > MAX_RESOLVE_DEPTH:
            self._too_deep(line)
            return None
        self._conditions_in_progress.add(name)
        outer_reads, outer_deepest = self.reads, self.deepest
        self.reads, self.deepest = set(), depth
        definition = self.condition_defs[name]
        value = self.evaluate_condition(definition, line_of(definition, line), depth + 1)
        self._condition_reads[name], self._condition_height[name] = self.reads, self.deepest - depth
        outer_reads |= self.reads
        self.reads, self.deepest = outer_reads, max(outer_deepest, self.deepest)
        self._conditions_in_progress.discard(name)
        self._condition_cache[name] = value
        return value

    def evaluate_condition(self, expr: Any, line: int, depth: int) -> bool | None:
        if depth > self.deepest:
            self.deepest = depth
        if depth > MAX_RESOLVE_DEPTH:
            self._too_deep(line)
            return None
        line = line_of(expr, line)
        if isinstance(expr, bool):
            return expr
        if isinstance(expr, str) and expr.lower() in ("true", "false"):
            return expr.lower() == "true"
        if isinstance(expr, dict) and len(expr) == 1:
            (fn, args), = expr.items()
            if fn == "Condition":
                return self.condition(args, line, depth + 1)
            if fn == "Fn::Equals":
                pair = self._pair(fn, args, line)
                if pair is None:
                    return None
                left = self.resolve(pair[0], line, depth + 1)
                right = self.resolve(pair[1], line, depth + 1)
                return self._equals(left, right)
            if fn in ("Fn::And", "Fn::Or", "Fn::Not"):
                if not isinstance(args, list) or not args or (fn == "Fn::Not" and len(args) != 1):
                    self.error(f"{fn} needs a list of conditions", line)
                    return None
                values = [self.evaluate_condition(a, line, depth + 1) for a in args]
                if fn == "Fn::Not":
                    return None if values[0] is None else not values[0]
                if fn == "Fn::And":
                    if False in values:
                        return False
                    return None if None in values else True
                if True in values:
                    return True
                return None if None in values else False
            if _intrinsic_name(expr) is not None:
                value = self.resolve(expr, line, depth + 1)
                if isinstance(value, Unknown):
                    return None
                if isinstance(value, (bool, str)):
                    return self.evaluate_condition(value, line, depth + 1)
                self._not_condition(line)
                return None
        self._not_condition(line)
        return None

    def _not_condition(self, line: int) -> None:
        self.error("not a condition (expected Fn::Equals, Fn::And, Fn::Or, Fn::Not or "
                   "Condition)", line)

    def _equals(self, left: Any, right: Any) -> bool | None:
        lefts = _alternatives(left)
        rights = _alternatives(right)
        if lefts is None or rights is None or len(lefts) * len(rights) > MAX_CHOICES:
            return None
        outcomes = {_comparable(a) == _comparable(b) for a in lefts for b in rights}
        return outcomes.pop() if len(outcomes) == 1 else None

    def _if(self, arg: Any, line: int, depth: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 3:
            self.error("Fn::If needs [ConditionName, ValueIfTrue, ValueIfFalse]", line)
            return Unknown(f"Fn::If {_text_of(arg)}", reason="invalid Fn::If")
        name, when_true, when_false = arg
        decided = self.condition(name, line, depth + 1)
        if decided is True:
            return self.resolve(when_true, line, depth + 1)
        if decided is False:
            return self.resolve(when_false, line, depth + 1)
        options = [self.resolve(when_true, line, depth + 1),
                   self.resolve(when_false, line, depth + 1)]
        return make_choice(options, text=f"Fn::If {_text_of(name)}")


def _alternatives(value: Any) -> list[Any] | None:
    """Known alternatives of a resolved value (a Choice's options); None when unknown."""
    options = value.options if isinstance(value, Choice) else (value,)
    out: list[Any] = []
    for option in options:
        if option is NO_VALUE or _has_unknown(option):
            return None
        out.append(option)
    return out


def _has_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


def _comparable(value: Any) -> Any:
    """CloudFormation compares values as strings: 1, "1" and true/"true" are equal."""
    text = scalar_text(value)
    if text is not None:
        return text
    if isinstance(value, list):
        return tuple(_comparable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _comparable(v)) for k, v in value.items()))
    return value


# -- feature flags ----------------------------------------------------------------------------

_MAX_SWITCH_TRIALS = 64  # parameter values tried per condition (one parameter, then two)
_UNDECIDED: Any = object()  # the bounds stopped the search
_MAX_SWITCHED_WORLDS = 32  # distinct sets of switched parameters per template
_FREE_TYPES = frozenset({"", "String", "Number"})


def switched_worlds(template: dict, file: str, resolver: TemplateResolver, given: dict,
                    pseudo: dict[str, str] | None, undecided: list | None = None) -> list[tuple[dict, str]]:
    """Each set of parameter values, other than the defaults, that turns a condition the
    defaults decide: a resource's ``Condition`` that is false, an ``Fn::If`` in properties either
    way. Only parameters that are not given (``--parameter``, a parameters file, a parent stack)
    and that the condition reads are switched, the fewest that turn it: to a value of its
    ``AllowedValues``, or, for a free ``String``/``Number``, to a value the ``Conditions`` compare
    it with, else to any other value (unknown: then every branch it decides is judged).
    Returns ``[(parameter values, "Name = value and ...")]``; the conditions the bounds left
    undecided are appended to ``undecided``."""
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resolver.condition_defs:
        return []
    wanted: dict[str, bool] = {}
    for body in resources.values():
        if not isinstance(body, dict):
            continue
        name = body.get("Condition")
        if isinstance(name, str) and name in resolver.condition_defs and resolver.condition(name, 0) is False:
            wanted[name] = True
        for name in sorted(_if_conditions(body.get("Properties"), 0)):  # the worlds' order, and which
            # ones the cap keeps, must not depend on the process's string hashing
            decided = resolver.condition(name, 0) if name in resolver.condition_defs else None
            if decided is not None:
                wanted.setdefault(name, not decided)
    if not wanted:
        return []
    choices = _switchable_parameters(template, given)
    literals = _compared_literals(resolver.condition_defs)
    worlds: dict[tuple, str] = {}
    for name, value in wanted.items():
        world = _turning(template, file, resolver, given, pseudo, name, value, choices, literals)
        if world is _UNDECIDED:
            if undecided is not None:
                undecided.append(name)
            continue
        if world is None:
            continue
        key = tuple(sorted(world.items(), key=lambda kv: kv[0]))
        if key in worlds:
            continue
        if len(worlds) >= _MAX_SWITCHED_WORLDS:
            if undecided is not None:
                undecided.append(name)
            continue
        worlds[key] = " and ".join(_describe(param, choice, choices[param][0]) for param, choice in key)
    return [(dict(key), when) for key, when in worlds.items()]


def _turning(template: dict, file: str, resolver: TemplateResolver, given: dict, pseudo: Any,
             condition: str, value: bool, choices: dict, literals: dict) -> dict | None:
    """The fewest switched parameters (one, then two) under which ``condition`` is ``value``
    (or cannot be decided, when a parameter is switched to any value)."""
    params = [p for p in sorted(_condition_parameters(resolver.condition_defs, condition)) if p in choices]
    candidates: dict[str, list] = {}
    for param in params:
        default, allowed = choices[param]
        if allowed is not None:
            candidates[param] = [v for v in allowed if v != default]
        else:
            others = sorted(v for v in literals.get(param, ()) if v != default)
            candidates[param] = others + [Unknown(param, reason="any value the deployer gives")]
    trials = 0
    from itertools import combinations, product

    for size in (1, 2):
        for subset in combinations(params, size):
            for values in product(*(candidates[p] for p in subset)):
                trials += 1
                if trials > _MAX_SWITCH_TRIALS:
                    return _UNDECIDED
                world = dict(zip(subset, values))
                probe = resolver.switched(world)
                decided = probe.condition(condition, 0)
                if decided is value or (decided is None and any(isinstance(v, Unknown) for v in values)):
                    return world
    return None


def _switchable_parameters(template: dict, given: dict) -> dict[str, tuple[str, list | None]]:
    """Parameters with a default that nobody gave: name -> (default text, allowed values or None
    when any value of a free type is permitted)."""
    out: dict[str, tuple[str, list | None]] = {}
    for section_name in PARAMETER_SECTIONS:
        section = template.get(section_name)
        if not isinstance(section, dict):
            continue
        for name, spec in section.items():
            if name in given or not isinstance(spec, dict) or "Default" not in spec:
                continue
            default = scalar_text(spec["Default"])
            ptype = spec.get("Type") if isinstance(spec.get("Type"), str) else ""
            if default is None:
                continue
            allowed = spec.get("AllowedValues")
            if isinstance(allowed, list):
                texts = [scalar_text(v) for v in allowed]
                out[name] = (default, [t for t in texts if t is not None])
            elif ptype in _FREE_TYPES:
                out[name] = (default, None)
    return out


def _condition_parameters(definitions: dict, name: str) -> set[str]:
    """The names a condition refers to (``Ref``), through the conditions it uses."""
    found: set[str] = set()
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen or current not in definitions:
            continue
        seen.add(current)
        stack = [definitions[current]]
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                for key, inner in value.items():
                    if key == "Ref" and isinstance(inner, str):
                        found.add(inner)
                    elif key == "Condition" and isinstance(inner, str):
                        pending.append(inner)
                    else:
                        stack.append(inner)
            elif isinstance(value, list):
                stack.extend(value)
    return found


def _compared_literals(definitions: dict) -> dict[str, set[str]]:
    """Per parameter, the scalar values the conditions compare it with
    (``Fn::Equals [!Ref Env, prod]``: Env -> {prod})."""
    found: dict[str, set[str]] = {}
    stack = list(definitions.values())
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "Fn::Equals" and isinstance(inner, list) and len(inner) == 2:
                    for side, other in (inner, inner[::-1]):
                        name = side.get("Ref") if isinstance(side, dict) and len(side) == 1 else None
                        text = scalar_text(other)
                        if isinstance(name, str) and text is not None:
                            found.setdefault(name, set()).add(text)
                stack.append(inner)
        elif isinstance(value, list):
            stack.extend(value)
    return found


def _if_conditions(value: Any, depth: int) -> set[str]:
    """The condition names of every ``Fn::If`` in ``value``."""
    found: set[str] = set()
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            arg = current.get("Fn::If") if len(current) == 1 else None
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                found.add(arg[0])
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return found


def _describe(param: str, value: Any, default: str) -> str:
    if isinstance(value, Unknown):
        return f"{param} is not {json.dumps(default)}"
    return f"{param} = {value}"
