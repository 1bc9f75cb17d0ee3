"""YAML reading for CloudFormation templates.

We build values straight from PyYAML's event stream instead of composing a node graph and
running constructors. That keeps the whole build iterative (no recursion however deep the
input), lets us count alias expansion and nesting *before* anything big is built, and gives us
the line of every mapping key (needed for a resource's logical-id line) and the last line of
every collection.

Scalar typing is our own and deliberately narrower than YAML 1.1: only true/false are booleans,
only canonical decimal numbers are numbers, everything else (dates, yes/no, 0-prefixed account
ids, sexagesimal) stays the string that was written.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import InputError
from ..lazy_regex import regexes_compiled_on_first_use
from ..values import PList, Unknown
# (re-exported: the values this module builds live where a JSON template's reader needs no yaml)
from .yaml_values import MAX_ALIAS_NODES, MAX_DEPTH, YamlDict, YamlList, document_problems  # noqa: F401

with regexes_compiled_on_first_use():  # libyaml reads templates: PyYAML's own regexes wait for a use
    import yaml

_LoaderBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Short-form intrinsic tags and the long-form key each becomes.
SHORT_FORM_TAGS: dict[str, str] = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{f"!{name}": f"Fn::{name}" for name in (
        "Sub", "GetAtt", "Join", "If", "Select", "Split", "FindInMap", "ImportValue", "Base64",
        "Cidr", "GetAZs", "Equals", "And", "Or", "Not", "Transform", "ToJsonString", "Length",
    )},
}

_YAML_TAG = "tag:yaml.org,2002:"
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\.[0-9]+(?:[eE][-+]?[0-9]+)?")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


class EventBuilderMixin:
    """Builds our values from the event stream of a PyYAML safe parser it is mixed into."""

    get_event: Any  # provided by the PyYAML parser class

    def __init__(self, text: str, file: str):
        super().__init__(text)  # type: ignore[call-arg]
        self.file = file
        self.text = text

    def build_document(self, max_depth: int = MAX_DEPTH,
                       max_alias_nodes: int = MAX_ALIAS_NODES) -> Any:
        """The single document of the stream, or None for an empty stream."""
        builder = _Builder(self.file, self.text, max_depth, max_alias_nodes)
        documents = 0
        while True:
            event = self.get_event()
            if isinstance(event, yaml.StreamEndEvent):
                break
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    mark = event.start_mark
                    raise InputError("more than one YAML document in the template",
                                     file=self.file, line=mark.line + 1 if mark is not None else None)
                continue
            if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentEndEvent)):
                continue
            builder.feed(event)
        if builder.problems and isinstance(builder.root, YamlDict):
            builder.root.problems = builder.problems
        return builder.root


class CfnYamlLoader(EventBuilderMixin, _LoaderBase):  # type: ignore[misc, valid-type]
    """PyYAML's safe parser (libyaml when available) with our own event-driven builder."""


# A plain ``<<`` key is YAML 1.1's merge key: the mappings it names are merged into the one
# holding it (what ``aws cloudformation package`` and ``sam`` produce), never a literal key.
_MERGE_KEY = "<<"
_MERGING = object()  # pending_key marker: the next value is what ``<<`` merges


class _Frame:
    __slots__ = ("container", "tag", "anchor", "size", "height", "pending_key", "flow",
                 "end_line", "merges")

    def __init__(self, container: YamlDict | YamlList, tag: str | None, anchor: str | None,
                 flow: bool):
        self.container = container
        self.tag = tag
        self.anchor = anchor
        self.size = 1
        self.height = 1
        self.pending_key: tuple[str, int] | None = None
        self.flow = flow
        self.end_line = container.line
        self.merges: list[YamlDict] | None = None  # mappings merged in, earlier ones win


class _Builder:
    def __init__(self, file: str, text: str, max_depth: int = MAX_DEPTH,
                 max_alias_nodes: int = MAX_ALIAS_NODES):
        self.file = file
        self.max_depth = max_depth
        self.max_alias_nodes = max_alias_nodes
        self.lines = text.splitlines()
        self.stack: list[_Frame] = []
        # anchor -> (value, expanded node count, nesting height)
        self.anchors: dict[str, tuple[Any, int, int]] = {}
        self.open_anchors: set[str] = set()
        self.alias_nodes = 0
        self.root: Any = None
        self.problems: list[InputError] = []  # errors that leave an Unknown in place

    def error(self, message: str, line: int) -> InputError:
        return InputError(message, file=self.file, line=line)

    def feed(self, event: Any) -> None:
        line = event.start_mark.line + 1
        if type(event) is yaml.ScalarEvent:
            tag = event.tag
            if tag is None and not event.style and event.anchor is None and self.stack:
                # the common case, kept short: a plain untagged scalar inside a collection
                text = event.value
                mark = event.end_mark
                assert mark is not None  # the parser marks every event it emits
                end = mark.line if mark.column == 0 and mark.line >= line else mark.line + 1
                self._add(_plain_scalar(text), line, 1, 0, end, key_text=text, merge=text == _MERGE_KEY)
                return
            value = self._scalar(event, line)
            value = _wrap_tag(value, tag, line, self)
            end = self._scalar_end_line(event)
            if event.anchor:
                self.anchors[event.anchor] = (value, 1, _scalar_height(tag))
            self._add(value, line, 1, _scalar_height(tag), end,
                      key_text=event.value if _plain_key(event) else None,
                      merge=tag is None and not event.style and event.value == _MERGE_KEY)
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor in self.open_anchors:
                raise self.error(f"alias *{event.anchor} refers to a node that contains it", line)
            if event.anchor not in self.anchors:
                raise self.error(f"alias *{event.anchor} refers to an undefined anchor", line)
            value, size, height = self.anchors[event.anchor]
            self.alias_nodes += size
            if self.alias_nodes > self.max_alias_nodes:
                raise self.error(f"YAML aliases expand to more than {self.max_alias_nodes} nodes; "
                                 "refusing (possible billion-laughs document); "
                                 "raise the limit with --max-alias-nodes", line)
            if len(self.stack) + height > self.max_depth:
                raise self.error(f"alias *{event.anchor} nests deeper than {self.max_depth} levels; "
                                 "raise the limit with --max-nesting-depth", line)
            self._add(value, line, size, height, line,
                      key_text=value if isinstance(value, str) else None)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if len(self.stack) >= self.max_depth:
                raise self.error(f"nesting deeper than {self.max_depth} levels; "
                                 "raise the limit with --max-nesting-depth", line)
            if event.tag is not None and event.tag not in ("!", _YAML_TAG + "map", _YAML_TAG + "seq") \
                    and event.tag not in SHORT_FORM_TAGS:
                self.unsupported_tag(event.tag, line)  # the collection becomes Unknown when it ends
            container: YamlDict | YamlList = (
                YamlDict(line) if isinstance(event, yaml.MappingStartEvent) else YamlList(line))
            if event.anchor:
                self.open_anchors.add(event.anchor)
            self.stack.append(_Frame(container, event.tag, event.anchor, bool(event.flow_style)))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = self.stack.pop()
            if frame.merges:
                _merge_into(frame.container, frame.merges)  # type: ignore[arg-type]
            if frame.flow:
                frame.end_line = max(frame.end_line, _end_line(event))
            frame.container.end_line = frame.end_line
            start = frame.container.line
            if self.stack or frame.tag in SHORT_FORM_TAGS:
                value = _wrap_tag(frame.container, frame.tag, start, self)
            else:
                value = frame.container  # a tagged document root: keep reading it as the template
            height = frame.height + (1 if frame.tag in SHORT_FORM_TAGS else 0)
            if frame.anchor:
                self.open_anchors.discard(frame.anchor)
                self.anchors[frame.anchor] = (value, frame.size, height)
            self._add(value, start, frame.size, height, frame.end_line, key_text=None)

    def _add(self, value: Any, line: int, size: int, height: int, end: int,
             key_text: str | None, merge: bool = False) -> None:
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        frame.size += size
        frame.height = max(frame.height, height + 1)
        frame.end_line = max(frame.end_line, end)
        container = frame.container
        if isinstance(container, YamlList):
            container.append(value)
            return
        if frame.pending_key is None:
            if merge:
                if frame.merges is not None:
                    raise self.error("more than one merge key '<<' in mapping", line)
                frame.merges = []
                frame.pending_key = (_MERGING, line)  # type: ignore[assignment]
                return
            if key_text is None:
                raise self.error("mapping keys must be plain scalars", line)
            if key_text in container:
                raise self.error(f"duplicate key {key_text!r} in mapping "
                                 f"(first at line {container.key_lines[key_text]})", line)
            frame.pending_key = (key_text, line)
            return
        key, key_line = frame.pending_key
        frame.pending_key = None
        if key is _MERGING:
            frame.merges = self._merged_mappings(value, key_line)
            return
        container[key] = value
        container.key_lines[key] = key_line

    def _merged_mappings(self, value: Any, line: int) -> list[YamlDict]:
        """What a merge key's value merges: one mapping or a list of mappings. Anything else is
        refused: read as a literal key it would hide or invent properties."""
        mappings = list(value) if isinstance(value, YamlList) else [value]
        for mapping in mappings:
            if not isinstance(mapping, YamlDict) or _is_short_form(mapping):
                raise self.error("merge key '<<' must be given a mapping or a list of mappings", line)
        return mappings

    def _scalar_end_line(self, event: Any) -> int:
        end = _end_line(event)
        if event.style in ("|", ">"):
            # A block scalar's end mark lies past the blank lines that follow it.
            start = event.start_mark.line + 1
            while end > start and end <= len(self.lines) and not self.lines[end - 1].strip():
                end -= 1
        return end

    def _scalar(self, event: Any, line: int) -> Any:
        text: str = event.value
        tag = event.tag
        plain_implicit = event.implicit[0] if event.implicit else False
        if tag is None or tag == "!":
            if not plain_implicit or event.style not in (None, ""):
                return text  # quoted or block scalar: always a string
            return _plain_scalar(text)
        if tag in SHORT_FORM_TAGS:
            return text
        if not tag.startswith(_YAML_TAG):
            self.unsupported_tag(tag, line)
            return _tagged_unknown(tag, text, line)
        kind = tag[len(_YAML_TAG):]
        if kind == "str" or kind in ("timestamp", "binary"):
            return text
        if kind == "null":
            return None
        if kind == "bool":
            if text.lower() in ("true", "false"):
                return text.lower() == "true"
            raise self.error(f"!!bool value {text!r} is not true or false", line)
        try:
            if kind == "int":
                return int(text, 10)
            if kind == "float":
                return float(text)
        except ValueError:
            raise self.error(f"!!{kind} value {text!r} is not a number", line) from None
        self.unsupported_tag(tag, line)
        return _tagged_unknown(tag, text, line)

    def unsupported_tag(self, tag: str, line: int) -> None:
        # CloudFormation rejects the template, so this stays an error; but one pre-processor
        # tag (rain's !Rain::Embed) must not hide every other resource of the template from
        # the checks, so the tagged value is read as Unknown and the read goes on
        self.problems.append(self.error(
            f"unsupported YAML tag {_shown_tag(tag)} (CloudFormation rejects it; its value is read as "
            "unknown and the rest of the template is still checked)", line))


def _merge_into(container: YamlDict, merges: list[YamlDict]) -> None:
    """YAML 1.1 merge: keys written in the mapping win over merged ones, and of the merged
    mappings the earlier wins. Merged keys keep the line where they were written."""
    explicit = set(container)
    merged: dict[Any, tuple[Any, int]] = {}
    for mapping in merges:
        for key, item in mapping.items():
            if key not in explicit and key not in merged:
                merged[key] = (item, mapping.key_lines.get(key, mapping.line))
    for key, (item, key_line) in merged.items():
        container[key] = item
        container.key_lines[key] = key_line


class _ShortForm(YamlDict):
    """The long form of a short-form intrinsic (``!Ref x``): a function call, not a mapping
    written in the template (a merge key refuses it)."""

    __slots__ = ()


def _is_short_form(mapping: YamlDict) -> bool:
    return isinstance(mapping, _ShortForm)


def _scalar_height(tag: str | None) -> int:
    """Nesting levels of a scalar once its short-form tag is expanded (``!GetAtt A.B`` is a
    mapping holding a list)."""
    if tag not in SHORT_FORM_TAGS:
        return 0
    return 2 if tag == "!GetAtt" else 1


def _plain_key(event: Any) -> bool:
    return event.tag is None or event.tag == "!" or event.tag == _YAML_TAG + "str"


def _plain_scalar(text: str) -> Any:
    if text in _NULLS:
        return None
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    if _INT.fullmatch(text):
        try:
            return int(text)
        except ValueError:  # over Python's 4300-digit conversion limit: keep what was written
            return text
    if _FLOAT.fullmatch(text):
        return float(text)
    return text


def _end_line(event: Any) -> int:
    """1-based last line of a scalar or flow collection (a mark at column 0 is past a newline)."""
    mark = event.end_mark
    if mark.column == 0 and mark.line > event.start_mark.line:
        return mark.line
    return mark.line + 1


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else tag


def _tagged_unknown(tag: str, value: Any, line: int) -> Unknown:
    shown = value if isinstance(value, str) else "[...]" if isinstance(value, list) else "{...}"
    tag = _shown_tag(tag)
    return Unknown(f"{tag} {shown}".rstrip(), reason=f"value of unsupported YAML tag {tag}", line=line)


def _wrap_tag(value: Any, tag: str | None, line: int, builder: _Builder) -> Any:
    """Turn a short-form intrinsic (``!GetAtt A.B``) into its long form as a PDict, and a
    collection under an unsupported tag (already reported) into Unknown."""
    if tag is None or tag not in SHORT_FORM_TAGS:
        if tag is not None and isinstance(value, (YamlDict, YamlList)) \
                and tag not in ("!", _YAML_TAG + "map", _YAML_TAG + "seq"):
            return _tagged_unknown(tag, value, line)
        return value
    key = SHORT_FORM_TAGS[tag]
    if key == "Fn::GetAtt" and isinstance(value, str):
        target, dot, attr = value.partition(".")
        if not dot or not target or not attr:
            raise builder.error(f"!GetAtt {value!r} is not in the form Resource.Attribute", line)
        value = PList([target, attr], line=line)
    wrapped = _ShortForm(line)
    wrapped[key] = value
    wrapped.key_lines[key] = line
    wrapped.end_line = getattr(value, "end_line", line)
    return wrapped


def load_yaml(text: str, file: str, loader_class: type = CfnYamlLoader, *,
              max_depth: int = MAX_DEPTH, max_alias_nodes: int = MAX_ALIAS_NODES) -> Any:
    """Parse one YAML document into PDict/PList/scalars; None when the stream is empty."""
    loader: Any = None
    try:
        # The pure-Python reader already validates characters in the constructor.
        loader = loader_class(text, file)
        return loader.build_document(max_depth, max_alias_nodes)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
        raise InputError(f"YAML syntax error: {message}", file=file,
                         line=mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        raise InputError(f"YAML cannot be read: {exc.reason}", file=file, line=line) from None
    except (yaml.YAMLError, UnicodeError) as exc:
        raise InputError(f"YAML cannot be read: {exc}", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()
