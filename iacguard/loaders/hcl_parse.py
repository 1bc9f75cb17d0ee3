"""HCL source (native syntax via tree-sitter-hcl, or Terraform JSON syntax) to a small AST.

The AST keeps what evaluation needs: expression structure, the source text of every
expression (for ``Unknown.text``) and 1-based lines. Both syntaxes produce the same ``Body``
shape so the evaluator and the module loader never care which one a file used.
"""

from __future__ import annotations

import json
import json.decoder
import re
import sys
import json.scanner
import bisect
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError

_NEWLINE = re.compile("\n")

# Refuse blocks/expressions nested deeper than this (the converter and evaluator recurse).
MAX_DEPTH = 200
# Tree-sitter node types that add one level of nesting a user can see.
_NESTING_NODES = frozenset({"expression", "block", "operation", "template_interpolation"})

# --------------------------------------------------------------------------------------------
# AST


class Expr:
    """Base of every expression node: ``line`` (1-based) and the source ``text``."""

    __slots__ = ("line", "text")

    def __init__(self, line: int, text: str):
        self.line = line
        self.text = text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text!r}@{self.line})"


class Lit(Expr):
    __slots__ = ("value",)

    def __init__(self, value: Any, line: int, text: str):
        super().__init__(line, text)
        self.value = value


class Template(Expr):
    """A string template. ``parts``: str literals, Expr interpolations, TIf/TFor directives.
    ``content_line``: line of the first content character (heredocs start on the next line)."""

    __slots__ = ("parts", "content_line")

    def __init__(self, parts: list, line: int, text: str, content_line: int):
        super().__init__(line, text)
        self.parts = parts
        self.content_line = content_line


@dataclass
class TIf:
    cond: Expr
    then: list
    other: list
    text: str = ""


@dataclass
class TFor:
    key_var: str | None
    value_var: str
    collection: Expr
    body: list
    text: str = ""


class Var(Expr):
    """A root name: ``var``, ``local``, ``aws_iam_role``, a for-expression variable..."""

    __slots__ = ("name",)

    def __init__(self, name: str, line: int, text: str):
        super().__init__(line, text)
        self.name = name


@dataclass
class GetAttr:
    name: str


@dataclass
class Index:
    key: Expr


@dataclass
class Splat:
    """``[*]`` or ``.*``; ``steps`` apply to every element."""

    full: bool
    steps: list


class Traverse(Expr):
    __slots__ = ("source", "steps")

    def __init__(self, source: Expr, steps: list, line: int, text: str):
        super().__init__(line, text)
        self.source = source
        self.steps = steps


class Call(Expr):
    __slots__ = ("name", "args", "expand_last")

    def __init__(self, name: str, args: list, expand_last: bool, line: int, text: str):
        super().__init__(line, text)
        self.name = name
        self.args = args
        self.expand_last = expand_last


class Cond(Expr):
    __slots__ = ("cond", "then", "other")

    def __init__(self, cond: Expr, then: Expr, other: Expr, line: int, text: str):
        super().__init__(line, text)
        self.cond, self.then, self.other = cond, then, other


class BinOp(Expr):
    __slots__ = ("op", "left", "right")

    def __init__(self, op: str, left: Expr, right: Expr, line: int, text: str):
        super().__init__(line, text)
        self.op, self.left, self.right = op, left, right


class UnOp(Expr):
    __slots__ = ("op", "operand")

    def __init__(self, op: str, operand: Expr, line: int, text: str):
        super().__init__(line, text)
        self.op, self.operand = op, operand


class ForExpr(Expr):
    __slots__ = ("key_var", "value_var", "collection", "key_expr", "value_expr", "cond",
                 "grouping", "is_object")

    def __init__(self, key_var: str | None, value_var: str, collection: Expr,
                 key_expr: Expr | None, value_expr: Expr, cond: Expr | None, grouping: bool,
                 is_object: bool, line: int, text: str):
        super().__init__(line, text)
        self.key_var, self.value_var, self.collection = key_var, value_var, collection
        self.key_expr, self.value_expr, self.cond = key_expr, value_expr, cond
        self.grouping, self.is_object = grouping, is_object


class TupleExpr(Expr):
    __slots__ = ("items",)

    def __init__(self, items: list, line: int, text: str):
        super().__init__(line, text)
        self.items = items


class ObjectExpr(Expr):
    """``items``: (key Expr, value Expr) pairs; a bare identifier key is already a Lit."""

    __slots__ = ("items",)

    def __init__(self, items: list, line: int, text: str):
        super().__init__(line, text)
        self.items = items


class Invalid(Expr):
    """A construct we could not convert (only reachable for trees we did not anticipate)."""

    __slots__ = ()


@dataclass
class Attribute:
    name: str
    expr: Expr
    line: int
    end_line: int


@dataclass
class Block:
    type: str
    labels: list
    body: "Body"
    line: int
    end_line: int


@dataclass
class Body:
    attributes: dict = field(default_factory=dict)  # name -> Attribute (source order)
    blocks: list = field(default_factory=list)  # Block, source order

    def blocks_of(self, type_name: str) -> list:
        return [b for b in self.blocks if b.type == type_name]


@dataclass
class ParsedFile:
    body: Body
    comments: list  # (line, text)


# --------------------------------------------------------------------------------------------
# Native syntax via tree-sitter

_PARSER = None


def _parser():
    global _PARSER
    if _PARSER is None:
        # Imported lazily: loading the grammar is only needed when HCL is actually parsed.
        from tree_sitter import Language, Parser
        import tree_sitter_hcl

        _PARSER = Parser(Language(tree_sitter_hcl.language()))
    return _PARSER


_BINARY_OPS = {"+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||"}
_POSTFIX = {"get_attr", "index", "splat"}


def _first_error(node) -> Any:
    """The first ERROR or MISSING node in document order (None when the tree is clean)."""
    if not node.has_error:
        return None
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "ERROR" or current.is_missing:
            return current
        stack.extend(c for c in reversed(current.children) if c.has_error or c.is_missing)
    return None


def parse_hcl(text: str, file: str, *, line_offset: int = 0, max_depth: int = MAX_DEPTH) -> ParsedFile:
    """Parse native-syntax HCL. Raises InputError at the first syntax error or when blocks and
    expressions nest deeper than ``max_depth``."""
    source = text.encode("utf-8")
    tree = _parse_tree(source, file, line_offset)
    bad = _first_error(tree.root_node)
    if bad is not None and _BARE_EXPONENT.search(text):
        # tree-sitter-hcl wants a decimal point before an exponent; HCL does not (``1e3``)
        text = _point_exponents(text)
        source = text.encode("utf-8")
        bad = tree = None  # the first tree is freed before the second is built
        tree = _parse_tree(source, file, line_offset)
        bad = _first_error(tree.root_node)
    if bad is not None:
        raise InputError(_syntax_message(source, bad), file=file, line=bad.start_point[0] + 1 + line_offset)
    conv = _Converter(source, text, file, line_offset, max_depth)
    body_node = next((c for c in tree.root_node.children if c.type == "body"), None)
    # The converter takes up to ~6 Python frames per nesting level: make room for max_depth
    # levels so that the limit, not Python's recursion limit, decides (Python-to-Python calls
    # do not grow the C stack in 3.11+).
    recursion_limit = sys.getrecursionlimit()
    needed = 8 * max_depth + 400
    if recursion_limit < needed:
        sys.setrecursionlimit(needed)
    try:
        body = conv.body(body_node) if body_node is not None else Body()
    except StopIteration:  # a node the grammar accepted without a part we need
        raise InputError("HCL syntax error: an incomplete expression", file=file) from None
    finally:
        if recursion_limit < needed:
            sys.setrecursionlimit(recursion_limit)
    return ParsedFile(body, _comments(tree.root_node, source, line_offset))


# tree-sitter keeps a node of a few hundred bytes for each parser step: a 20 MiB file of one long
# list ("1,1,1,...") took 4 GB and minutes before anything could refuse it. Parsing stops after
# this many steps (tree-sitter reports progress every 100): about 6 MB of typical Terraform and
# under 1 GB of memory (a 2 MB jsonencode() of 16,000 statements written one field a line
# takes 5.7 million).
MAX_PARSE_STEPS = 10_000_000
_STEPS_PER_PROGRESS_CALL = 100
_READ_CHUNK = 1 << 16


def _parse_tree(source: bytes, file: str, line_offset: int):
    state = {"calls": 0, "offset": 0}

    def read(offset: int, point: object) -> bytes:
        return source[offset:offset + _READ_CHUNK]

    def progress(offset: int, has_error: bool) -> bool:
        state["calls"] += 1
        state["offset"] = offset
        return state["calls"] * _STEPS_PER_PROGRESS_CALL > MAX_PARSE_STEPS  # True stops the parser

    try:
        # the progress callback is only honoured when the source is read through a callback
        return _parser().parse(read, progress_callback=progress)
    except ValueError:
        if state["calls"] * _STEPS_PER_PROGRESS_CALL <= MAX_PARSE_STEPS:
            raise
        line = source.count(b"\n", 0, state["offset"]) + 1 + line_offset
        raise InputError(f"too large to parse: more than {MAX_PARSE_STEPS:,} parser steps (tree-sitter "
                         "keeps memory for each); split the file", file=file, line=line) from None


_BARE_EXPONENT = re.compile(r"(?<![\w.])[0-9]+[eE][-+]?[0-9]+(?![\w.])")
# What may hold a number-like text that is not a number: comments, heredocs, quoted strings.
_NOT_CODE = re.compile(
    r"\#[^\n]*|//[^\n]*|/\*.*?\*/"  # comments
    r"|<<-?([A-Za-z_][\w-]*)[ \t]*\r?\n.*?^[ \t]*\1[ \t]*\r?$"  # heredocs
    r'|"(?:[^"\\\n]|\\.)*"',  # quoted strings
    re.S | re.M)


def _point_exponents(text: str) -> str:
    """``1e3`` -> ``1.0e3`` in code (not in strings, heredocs or comments); lines stay put.
    Interpolations count as string here: ``"${1e3}"`` stays a syntax error."""
    out = []
    position = 0
    for match in _NOT_CODE.finditer(text):
        out.append(_BARE_EXPONENT.sub(_with_point, text[position:match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(_BARE_EXPONENT.sub(_with_point, text[position:]))
    return "".join(out)


def _with_point(match: re.Match) -> str:
    number = match.group(0)
    cut = next(i for i, ch in enumerate(number) if ch in "eE")
    return number[:cut] + ".0" + number[cut:]


_COMMENT_QUERY = None


def _comments(root, source: bytes, line_offset: int) -> list[tuple[int, str]]:
    """(line, text) of every comment, in source order. Comments may hang off any node, so they
    are found by a tree-sitter query (run in C) rather than a walk over every node in Python."""
    if b"#" not in source and b"//" not in source and b"/*" not in source:
        return []
    global _COMMENT_QUERY
    from tree_sitter import Query, QueryCursor

    if _COMMENT_QUERY is None:
        import tree_sitter_hcl
        from tree_sitter import Language

        _COMMENT_QUERY = Query(Language(tree_sitter_hcl.language()), "(comment) @comment")
    found = QueryCursor(_COMMENT_QUERY).captures(root).get("comment", [])
    comments = [(node.start_point[0] + 1 + line_offset,
                 source[node.start_byte:node.end_byte].decode("utf-8", "replace")) for node in found]
    comments.sort()
    return comments


def _syntax_message(source: bytes, node) -> str:
    if node.is_missing:
        return f"HCL syntax error: missing {node.type!r}"
    snippet = _snippet(source, node)
    if not snippet.strip():
        return "HCL syntax error: unexpected end of file (an unclosed block or bracket?)"
    return f"HCL syntax error near {snippet!r}"


def _snippet(source: bytes, node) -> str:
    raw = source[node.start_byte:node.end_byte].decode("utf-8", "replace")
    return (raw.splitlines() or [""])[0][:40]


class _Converter:
    def __init__(self, source: bytes, text: str, file: str, line_offset: int, max_depth: int = MAX_DEPTH):
        self.src = source
        # tree-sitter gives byte offsets; when every character is one byte they index the str
        # directly and no slice needs decoding (most Terraform is ASCII)
        self.ascii_text = text if len(text) == len(source) else None
        self.file = file
        self.offset = line_offset
        self.max_depth = max_depth
        self.depth = 0  # nesting nodes (_NESTING_NODES) on the path from the root

    def enter(self, node) -> None:
        """Count one nesting level; the converter and the evaluator recurse, so refuse input
        deeper than the limit before Python's recursion limit is reached."""
        self.depth += 1
        if self.depth > self.max_depth:
            raise InputError(f"nesting deeper than {self.max_depth} levels; raise the limit with "
                             "--max-nesting-depth", file=self.file, line=self.line(node))

    def text(self, node) -> str:
        if self.ascii_text is not None:
            return self.ascii_text[node.start_byte:node.end_byte]
        return self.src[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def line(self, node) -> int:
        return node.start_point[0] + 1 + self.offset

    def end_line(self, node) -> int:
        return node.end_point[0] + 1 + self.offset

    # -- structure ---------------------------------------------------------------------------
    def body(self, node) -> Body:
        result = Body()
        for child in node.children:
            kind = child.type
            if kind == "attribute":
                kids = child.children  # identifier "=" expression, comments aside
                name_node = kids[0]
                expr_node = kids[2] if len(kids) > 2 and kids[2].type == "expression" else \
                    next(c for c in kids if c.type == "expression")
                name = self.text(name_node)
                result.attributes[name] = Attribute(name, self.expr(expr_node), self.line(child),
                                                    self.end_line(child))
            elif kind == "block":
                result.blocks.append(self.block(child))
        return result

    def block(self, node) -> Block:
        self.enter(node)
        labels = []
        type_name = ""
        inner = Body()
        for child in node.children:
            if child.type == "identifier":
                if not type_name:
                    type_name = self.text(child)
                else:
                    labels.append(self.text(child))
            elif child.type == "string_lit":
                labels.append(self._string_lit(child))
            elif child.type == "body":
                inner = self.body(child)
        self.depth -= 1
        return Block(type_name, labels, inner, self.line(node), self.end_line(node))

    # -- expressions ---------------------------------------------------------------------------
    def expr(self, node) -> Expr:
        """Convert an ``expression`` (or any expression-like) node."""
        if node.type == "expression":
            self.enter(node)
            converted = self.sequence(node.children, node)
            self.depth -= 1
            return converted
        return self.sequence([node], node)

    def sequence(self, nodes: list, whole) -> Expr:
        """A term followed by postfix get_attr/index/splat nodes (how tree-sitter-hcl lays out
        traversals inside ``expression`` and operation operands)."""
        nodes = [n for n in nodes if n.type != "comment"]
        if not nodes:
            return Invalid(self.line(whole), self.text(whole))
        if nodes[0].type == "(":
            close = max(i for i, n in enumerate(nodes) if n.type == ")")
            inner = [n for n in nodes[1:close] if n.is_named]
            head = self.expr(inner[0]) if inner else Invalid(self.line(whole), self.text(whole))
            rest = nodes[close + 1:]
        else:
            head = self.term(nodes[0])
            rest = nodes[1:]
        if not rest:
            return head
        steps = []
        for postfix in rest:
            steps.extend(self.postfix(postfix))
        start = nodes[0].start_byte
        text = self.src[start:rest[-1].end_byte].decode("utf-8", "replace")
        return Traverse(head, steps, self.line(nodes[0]), text)

    def postfix(self, node) -> list:
        if node.type == "get_attr":
            ident = next(c for c in node.children if c.type == "identifier")
            return [GetAttr(self.text(ident))]
        if node.type == "index":
            inner = node.children[0]
            if inner.type == "legacy_index":
                digits = self.text(inner).lstrip(".")
                return [Index(Lit(int(digits), self.line(inner), digits))]
            key = next(c for c in inner.children if c.type == "expression")
            return [Index(self.expr(key))]
        if node.type == "splat":
            inner = node.children[0]
            steps = []
            for c in inner.children:
                if c.type in _POSTFIX:
                    steps.extend(self.postfix(c))
            return [Splat(inner.type == "full_splat", steps)]
        return []

    def term(self, node) -> Expr:
        kind = node.type
        # pass-through kinds first: they need neither the line nor the text of this node
        if kind == "literal_value":
            return self.literal(node.children[0])
        if kind == "collection_value":
            return self.term(node.children[0])
        if kind == "expression":
            return self.expr(node)
        if kind == "template_expr":
            return self.template(node.children[0])
        line, text = self.line(node), self.text(node)
        if kind == "variable_expr":
            return Var(self.text(node.children[0]), line, text)
        if kind == "tuple":
            items = [self.expr(c) for c in node.children if c.type == "expression"]
            return TupleExpr(items, line, text)
        if kind == "object":
            pairs: list[tuple[Expr, Expr]] = []
            for elem in node.children:
                if elem.type != "object_elem":
                    continue
                key_node = elem.child_by_field_name("key")
                val_node = elem.child_by_field_name("val")
                pairs.append((self.object_key(key_node), self.expr(val_node)))
            return ObjectExpr(pairs, line, text)
        if kind == "function_call":
            name = self.text(node.children[0])
            args: list = []
            expand = False
            for c in node.children:
                if c.type == "function_arguments":
                    args = [self.expr(a) for a in c.children if a.type == "expression"]
                    expand = any(a.type == "ellipsis" for a in c.children)
            return Call(name, args, expand, line, text)
        if kind == "conditional":
            parts = [self.expr(c) for c in node.children if c.type == "expression"]
            return Cond(parts[0], parts[1], parts[2], line, text)
        if kind == "operation":
            self.enter(node)
            converted = self.term(node.children[0])
            self.depth -= 1
            return converted
        if kind == "unary_operation":
            return UnOp(node.children[0].type, self.sequence(node.children[1:], node), line, text)
        if kind == "binary_operation":
            kids = node.children
            depth = 0
            split = None
            for i, c in enumerate(kids):
                if c.type == "(":
                    depth += 1
                elif c.type == ")":
                    depth -= 1
                elif depth == 0 and not c.is_named and c.type in _BINARY_OPS and i > 0:
                    split = i
                    break
            if split is None:
                return Invalid(line, text)
            return BinOp(kids[split].type, self.sequence(kids[:split], node),
                         self.sequence(kids[split + 1:], node), line, text)
        if kind == "for_expr":
            return self.for_expr(node.children[0])
        if kind in ("quoted_template", "heredoc_template"):
            return self.template(node)
        if kind == "string_lit":
            return Lit(self._string_lit(node), line, text)
        return Invalid(line, text)

    def object_key(self, node) -> Expr:
        # A bare identifier key is a literal string, not a variable (HCL object syntax).
        named = [c for c in node.children if c.is_named and c.type != "comment"]
        if len(named) == 1 and named[0].type == "variable_expr" and node.children[0].type != "(":
            return Lit(self.text(named[0]), self.line(node), self.text(node))
        return self.expr(node)

    def literal(self, node) -> Expr:
        line, text = self.line(node), self.text(node)
        if node.type == "numeric_lit":
            try:
                return Lit(parse_number(text), line, text)
            except ValueError:
                raise InputError(f"HCL syntax error: invalid number {text[:40]!r}", file=self.file,
                                 line=line) from None
        if node.type == "bool_lit":
            return Lit(text == "true", line, text)
        if node.type == "null_lit":
            return Lit(None, line, text)
        if node.type == "string_lit":
            return Lit(self._string_lit(node), line, text)
        return Invalid(line, text)

    def _string_lit(self, node) -> str:
        start = node.children[0].end_byte
        end = node.children[-1].start_byte
        return unescape_quoted(self.src[start:end].decode("utf-8", "replace"))

    def for_expr(self, node) -> Expr:
        line, text = self.line(node), self.text(node)
        intro = next(c for c in node.children if c.type == "for_intro")
        names = [self.text(c) for c in intro.children if c.type == "identifier"]
        coll = self.expr(next(c for c in intro.children if c.type == "expression"))
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        exprs = [c for c in node.children if c.type == "expression"]
        cond_node = next((c for c in node.children if c.type == "for_cond"), None)
        cond = None
        if cond_node is not None:
            cond = self.expr(next(c for c in cond_node.children if c.type == "expression"))
        is_object = node.type == "for_object_expr"
        grouping = any(c.type == "ellipsis" for c in node.children)
        if is_object:
            return ForExpr(key_var, value_var, coll, self.expr(exprs[0]), self.expr(exprs[1]),
                           cond, grouping, True, line, text)
        return ForExpr(key_var, value_var, coll, None, self.expr(exprs[0]), cond, False, False,
                       line, text)

    # -- templates -----------------------------------------------------------------------------
    def template(self, node) -> Expr:
        line, text = self.line(node), self.text(node)
        if node.type == "quoted_template":
            start = node.children[0].end_byte
            end = node.children[-1].start_byte
            parts = self.segments(node, start, end, False, False, heredoc=False, indent=0)
            return Template(parts, line, text, line)
        # heredoc: content runs from the line after the opening marker to the closing marker's line
        kids = node.children
        flush = kids[0].type == "heredoc_start" and self.text(kids[0]) == "<<-"
        open_ident = next(c for c in kids if c.type == "heredoc_identifier")
        close_ident = [c for c in kids if c.type == "heredoc_identifier"][-1]
        nl = self.src.find(b"\n", open_ident.end_byte)
        start = nl + 1 if nl != -1 else open_ident.end_byte
        end = self.src.rfind(b"\n", 0, close_ident.start_byte) + 1
        if close_ident is open_ident or end < start:
            end = start
        indent = _common_indent(self.src[start:end].decode("utf-8", "replace")) if flush else 0
        parts = self.segments(node, start, end, False, False, heredoc=True, indent=indent)
        return Template(parts, line, text, self.line(open_ident) + 1)

    def segments(self, parent, start: int, end: int, lstrip_first: bool, rstrip_last: bool, *,
                 heredoc: bool, indent: int) -> list:
        """Literal text and interpolations/directives of ``parent`` between two byte offsets.
        Literals are taken from the raw source (tree-sitter leaves whitespace out of its
        template_literal nodes), unescaped, then trimmed where ``~`` strip markers ask."""
        items: list = []  # str | (part, strip_left, strip_right)
        pos = start
        for child in parent.children:
            if child.start_byte < start or child.end_byte > end:
                continue
            if child.type not in ("template_interpolation", "template_directive"):
                continue
            if child.start_byte > pos:
                items.append(self._literal(pos, child.start_byte, heredoc, indent))
            items.append(self.template_part(child, heredoc, indent))
            pos = child.end_byte
        if end > pos:
            items.append(self._literal(pos, end, heredoc, indent))
        # apply strip markers to neighbouring literals
        for i, item in enumerate(items):
            if isinstance(item, tuple):
                _, left, right = item
                if left and i > 0 and isinstance(items[i - 1], str):
                    items[i - 1] = items[i - 1].rstrip()
                if right and i + 1 < len(items) and isinstance(items[i + 1], str):
                    items[i + 1] = items[i + 1].lstrip()
        if lstrip_first and items and isinstance(items[0], str):
            items[0] = items[0].lstrip()
        if rstrip_last and items and isinstance(items[-1], str):
            items[-1] = items[-1].rstrip()
        return [i[0] if isinstance(i, tuple) else i for i in items if not (i == "")]

    def _literal(self, start: int, end: int, heredoc: bool, indent: int) -> str:
        raw = self.src[start:end].decode("utf-8", "replace")
        if indent:
            at_line_start = start == 0 or self.src[start - 1:start] == b"\n"
            raw = _dedent(raw, indent, at_line_start)
        return unescape_heredoc(raw) if heredoc else unescape_quoted(raw)

    def _strips(self, node) -> tuple[bool, bool]:
        """(strip before, strip after) of an interpolation or directive tag."""
        kids = node.children
        left = len(kids) > 1 and kids[1].type == "strip_marker"
        right = len(kids) > 1 and kids[-2].type == "strip_marker"
        return left, right

    def template_part(self, node, heredoc: bool, indent: int) -> tuple:
        if node.type == "template_interpolation":
            expr_node = next((c for c in node.children if c.type == "expression"), None)
            if expr_node is None:  # the grammar accepts "${}"; Terraform does not
                raise InputError("HCL syntax error: empty interpolation ${}", file=self.file,
                                 line=self.line(node))
            left, right = self._strips(node)
            self.enter(node)
            converted = self.expr(expr_node)
            self.depth -= 1
            return converted, left, right
        inner = node.children[0]
        line, text = self.line(inner), self.text(inner)
        if inner.type == "template_if":
            intro = next(c for c in inner.children if c.type == "template_if_intro")
            other = next((c for c in inner.children if c.type == "template_else_intro"), None)
            finish = next(c for c in inner.children if c.type == "template_if_end")
            cond = self.expr(next(c for c in intro.children if c.type == "expression"))
            i_left, i_right = self._strips(intro)
            e_left, e_right = self._strips(other) if other is not None else (False, False)
            f_left, f_right = self._strips(finish)
            then_end = other.start_byte if other is not None else finish.start_byte
            then = self.segments(inner, intro.end_byte, then_end, i_right,
                                 e_left if other is not None else f_left,
                                 heredoc=heredoc, indent=indent)
            alt = []
            if other is not None:
                alt = self.segments(inner, other.end_byte, finish.start_byte, e_right, f_left,
                                    heredoc=heredoc, indent=indent)
            return TIf(cond, then, alt, text), i_left, f_right
        if inner.type == "template_for":
            head = next(c for c in inner.children if c.type == "template_for_start")
            finish = next(c for c in inner.children if c.type == "template_for_end")
            names = [self.text(c) for c in head.children if c.type == "identifier"]
            coll = self.expr(next(c for c in head.children if c.type == "expression"))
            h_left, h_right = self._strips(head)
            f_left, f_right = self._strips(finish)
            body = self.segments(inner, head.end_byte, finish.start_byte, h_right, f_left,
                                 heredoc=heredoc, indent=indent)
            key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
            return TFor(key_var, value_var, coll, body, text), h_left, f_right
        return Invalid(line, text), False, False


def _common_indent(content: str) -> int:
    widths = [len(ln) - len(ln.lstrip(" \t")) for ln in content.split("\n") if ln.strip()]
    return min(widths) if widths else 0


def _dedent(raw: str, indent: int, at_line_start: bool) -> str:
    lines = raw.split("\n")
    out = []
    for i, ln in enumerate(lines):
        if i > 0 or at_line_start:
            cut = 0
            while cut < indent and cut < len(ln) and ln[cut] in " \t":
                cut += 1
            ln = ln[cut:]
        out.append(ln)
    return "\n".join(out)


_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def parse_number(text: str) -> int | float:
    """An HCL number literal; ValueError for what HCL does not allow (``0x10``, ``1_000``) or
    Python cannot hold."""
    if not _NUMBER.fullmatch(text):
        raise ValueError(f"invalid number {text!r}")
    if text.isdigit():
        return int(text)  # ValueError past Python's 4,300-digit limit
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number out of range {text[:20]!r}")
    return int(value) if value.is_integer() and abs(value) < 2 ** 63 else value


_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def unescape_quoted(raw: str) -> str:
    """Quoted-string escapes: backslash sequences plus ``$${`` and ``%%{``."""
    if "\\" not in raw and "$${" not in raw and "%%{" not in raw:
        return raw  # nearly every string: nothing to unescape
    out = []
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" and i + 1 < n:
            nxt = raw[i + 1]
            if nxt in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[nxt])
                i += 2
                continue
            width = 4 if nxt == "u" else 8 if nxt == "U" else 0
            digits = raw[i + 2:i + 2 + width]
            if width and len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
                try:
                    out.append(chr(int(digits, 16)))
                except ValueError:  # beyond the Unicode range: keep as written
                    out.append(raw[i:i + 2 + width])
                i += 2 + width
                continue
        if raw.startswith("$${", i) or raw.startswith("%%{", i):
            out.append(raw[i + 1:i + 3])
            i += 3
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def unescape_heredoc(raw: str) -> str:
    """Heredocs interpret no backslash escapes, only the template escapes."""
    return raw.replace("$${", "${").replace("%%{", "%{")


def parse_template_text(text: str, file: str, line: int) -> Template:
    """Parse a string (a JSON-syntax value, a templatefile() file) as a template body.

    Wrapped in a heredoc so quotes and backslashes inside need no escaping; the marker is
    chosen so it cannot occur in the text.
    """
    marker = "IACGUARD_TPL"
    while marker in text:
        marker += "_X"
    source = f"v = <<{marker}\n{text}\n{marker}\n"
    parsed = parse_hcl(source, file, line_offset=line - 2)
    attr = parsed.body.attributes.get("v")
    if attr is None or not isinstance(attr.expr, Template):
        raise InputError("cannot parse template", file=file, line=line)
    tmpl = attr.expr
    parts = list(tmpl.parts)
    # drop the newline the wrapper added before the closing marker
    if parts and isinstance(parts[-1], str) and parts[-1].endswith("\n"):
        parts[-1] = parts[-1][:-1]
        if not parts[-1]:
            parts.pop()
    return Template(parts, line, text, line)


def parse_expression_text(text: str, file: str) -> Expr:
    """Parse a standalone HCL expression (``-var 'x=[...]'`` values of complex type)."""
    parsed = parse_hcl(f"v = {text}\n", file)
    attr = parsed.body.attributes.get("v")
    if attr is None:
        raise InputError(f"not an HCL expression: {text[:60]!r}", file=file)
    return attr.expr


# --------------------------------------------------------------------------------------------
# Terraform JSON syntax

class _JVal:
    """A JSON value with the lines where it starts and ends."""

    __slots__ = ("value", "line", "end_line")

    def __init__(self, value: Any, line: int, end_line: int):
        self.value = value
        self.line = line
        self.end_line = end_line


class _Pairs(list):
    """The (key, value) pairs of a JSON object (distinct from an array's list)."""


class _JsonDecoder(json.JSONDecoder):
    """Standard-library scanner with our hooks so every value knows its lines."""

    def __init__(self, text: str):
        super().__init__()
        self._newlines = [m.start() for m in _NEWLINE.finditer(text)]  # per line, not per character
        self.parse_object = self._object
        self.parse_array = self._array
        self.parse_string = self._string
        self.parse_constant = _reject_constant
        self.memo: dict = {}
        self.scan_once = json.scanner.py_make_scanner(self)  # type: ignore[attr-defined]  # not in the stubs

    def _line(self, offset: int) -> int:
        return 1 + bisect.bisect_left(self._newlines, offset)

    def _object(self, s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None,
                _w=json.decoder.WHITESPACE.match):
        start = s_and_end[1] - 1
        pairs, end = json.decoder.JSONObject(s_and_end, strict, scan_once, None, list, self.memo, _w)
        line = self._line(start)
        pairs = _Pairs((k, _wrap_scalars(v, line)) for k, v in pairs)
        return _JVal(pairs, line, self._line(end - 1)), end

    def _array(self, s_and_end, scan_once, _w=json.decoder.WHITESPACE.match):
        values, end = json.decoder.JSONArray(s_and_end, scan_once, _w)
        line = self._line(s_and_end[1] - 1)
        return _JVal([_wrap_scalars(v, line) for v in values], line, self._line(end - 1)), end

    def _string(self, s, end, strict=True):
        value, new_end = json.decoder.scanstring(s, end, strict)
        return _JVal(value, self._line(end - 1), self._line(new_end - 1)), new_end


def _wrap_scalars(value: Any, line: int) -> Any:
    if isinstance(value, _JVal):
        return value
    return _JVal(value, line, line)


# Blocks whose JSON form nests one label level per label (``resource.TYPE.NAME``).
_LABEL_DEPTH = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1,
                "provider": 1, "locals": 0, "terraform": 0, "moved": 0, "import": 0, "check": 1}
# Nested blocks we must recognise inside JSON bodies even without a provider schema.
_JSON_META_BLOCKS = {"lifecycle", "provisioner", "connection", "dynamic", "content", "validation",
                     "precondition", "postcondition"}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_tf_json(text: str, file: str, *, max_depth: int = MAX_DEPTH) -> ParsedFile:
    """Parse a ``.tf.json`` file into the same Body shape as native syntax."""
    from ..limits import check_json_depth

    check_json_depth(text, file, max_depth)
    decoder = _JsonDecoder(text)
    try:
        start = json.decoder.WHITESPACE.match(text, 0).end()  # type: ignore[attr-defined]
        root, end = decoder.raw_decode(text, start)
        if json.decoder.WHITESPACE.match(text, end).end() != len(text):  # type: ignore[attr-defined]
            raise json.JSONDecodeError("Extra data", text, end)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", file=file, line=exc.lineno) from None
    except ValueError as exc:  # a number over Python's 4300-digit conversion limit
        raise InputError(f"invalid JSON: {exc}", file=file) from None
    except RecursionError:
        raise InputError("JSON nested too deeply", file=file) from None
    if not isinstance(root, _JVal) or not isinstance(root.value, _Pairs):
        raise InputError("a Terraform JSON file must contain an object", file=file, line=1)
    conv = _JsonConverter(file)
    body = Body()
    for key, val in root.value:
        if key == "//":
            continue
        depth = _LABEL_DEPTH.get(key)
        if depth is None:
            continue
        for block in conv.blocks(key, val, depth, []):
            body.blocks.append(block)
    return ParsedFile(body, [])


class _JsonConverter:
    def __init__(self, file: str):
        self.file = file

    def blocks(self, type_name: str, val: _JVal, depth: int, labels: list) -> list:
        if depth > 0:
            if not isinstance(val.value, _Pairs):
                raise InputError(f"{type_name}: expected an object keyed by label", file=self.file,
                                 line=val.line)
            out = []
            for key, inner in val.value:
                if key == "//":
                    continue
                out.extend(self.blocks(type_name, inner, depth - 1, labels + [key]))
            return out
        # a block body, or an array of bodies (several blocks with the same labels)
        if isinstance(val.value, list) and not isinstance(val.value, _Pairs):
            return [self.block(type_name, labels, item) for item in val.value]
        return [self.block(type_name, labels, val)]

    def block(self, type_name: str, labels: list, val: _JVal) -> Block:
        if not isinstance(val.value, _Pairs):
            raise InputError(f"{type_name}: expected a block object", file=self.file, line=val.line)
        return Block(type_name, labels, self.body(val, type_name), val.line, val.end_line)

    def body(self, val: _JVal, owner: str) -> Body:
        body = Body()
        for key, inner in val.value:
            if key == "//":
                continue
            if key in _JSON_META_BLOCKS and isinstance(inner.value, list):
                # dynamic/provisioner bodies are keyed by their label
                depth = 1 if key in ("dynamic", "provisioner") else 0
                body.blocks.extend(self.blocks(key, inner, depth, []))
                continue
            literal = owner == "variable" and key in ("default", "type")
            body.attributes[key] = Attribute(key, self.expr(inner, literal=literal), inner.line,
                                             inner.end_line)
        return body

    def expr(self, val: _JVal, literal: bool = False) -> Expr:
        value = val.value
        text = json.dumps(_plain(val))[:200]
        if isinstance(value, str):
            if not literal and ("${" in value or "%{" in value):
                return parse_template_text(value, self.file, val.line)
            return Lit(value, val.line, value)
        if isinstance(value, _Pairs):
            items = [(Lit(k, v.line, k), self.expr(v, literal)) for k, v in value if k != "//"]
            return ObjectExpr(items, val.line, text)
        if isinstance(value, list):
            return TupleExpr([self.expr(v, literal) for v in value], val.line, text)
        return Lit(value, val.line, text)


def _plain(val: Any) -> Any:
    if isinstance(val, _JVal):
        value = val.value
        if isinstance(value, _Pairs):
            return {k: _plain(v) for k, v in value}
        if isinstance(value, list):
            return [_plain(v) for v in value]
        return value
    return val
