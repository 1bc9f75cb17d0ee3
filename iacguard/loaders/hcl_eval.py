"""Evaluation of HCL expressions (see hcl_parse) to iacguard values.

Evaluation is best effort and never raises for user input: whatever cannot be known before
deployment becomes ``Unknown`` (carrying its source text and the ``Ref``s it mentions), and
what Terraform itself would reject (a missing attribute, a type error) becomes ``Unknown``
with the reason, at the attribute that contains it. References to variables, locals,
resources and modules are answered by a ``Resolver`` supplied by the module loader.
"""

from __future__ import annotations

import base64
import math
import os
import re
from typing import Any, Callable

from ..values import (Choice, Encoded, PDict, PList, PStr, Partial, Ref, Unknown, contains_unknown,
                      line_of, origins_of, partial_or_text, unknown)
from .hcl_text import OpenList
from .hcl_parse import (BinOp, Body, Call, Cond, Expr, ForExpr, GetAttr, Index, Invalid, Lit,
                        ObjectExpr, Splat, Template, TFor, TIf, Traverse, TupleExpr, UnOp, Var)


class EvalError(Exception):
    """Something Terraform would reject; turned into an Unknown where it is caught."""


class ValueTooLarge(EvalError):
    """A value over the size limits below; reported as an error, never silently unknown."""


# A few lines of locals that reference each other twice per level describe a value of 2^n
# elements or characters (Terraform's "billion laughs"); every walk over it would never end.
MAX_VALUE_NODES = 100_000
MAX_VALUE_CHARS = 20 * 1024 * 1024


def check_size(value: Any) -> None:
    """Raise ValueTooLarge when ``value`` counted as a tree (shared parts counted each time
    they appear, as every consumer walks them) exceeds the limits. Stops at the limit, so it
    costs at most MAX_VALUE_NODES steps however large the value is."""
    kind = type(value)
    if kind is str:  # most values are one scalar: no walk
        if len(value) <= MAX_VALUE_CHARS:
            return
    elif kind is bool or kind is int or kind is float or value is None:
        return
    nodes, chars = 0, 0
    stack = [value]
    while stack:
        item = stack.pop()
        nodes += 1
        if isinstance(item, str):
            chars += len(item)
        elif isinstance(item, dict):
            chars += sum(len(k) for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        if nodes > MAX_VALUE_NODES or chars > MAX_VALUE_CHARS:
            raise ValueTooLarge(f"value has more than {MAX_VALUE_NODES} elements or "
                                f"{MAX_VALUE_CHARS // (1024 * 1024)} MB of text; refusing to expand it")


class _Indeterminate(Exception):
    """Raised by a function whose result depends on an Unknown inside its arguments."""


class Resolver:
    """What an expression may refer to. The Terraform module loader subclasses this."""

    def reference(self, name: str, steps: list, expr: Expr, ctx: "Context") -> tuple[Any, int]:
        """Value of root ``name`` followed by a prefix of ``steps``; returns (value, steps used)."""
        return Unknown(expr.text, reason="unknown name"), len(steps)

    def read_file(self, path: str, ctx: "Context", line: int, function: str) -> str | Unknown:
        return Unknown(f"{function}({path})", reason="file access not available")

    def error(self, message: str, file: str, line: int) -> None:
        pass

    def internal_error(self, exc: Exception, expr: Expr, file: str) -> None:
        """Report a bug of ours met evaluating ``expr`` (see ``evaluate``); a resolver that
        reports nothing lets it propagate to whoever loads the file."""
        raise exc


class Context:
    """One evaluation environment: the resolver, local names (for-expression variables,
    ``each``, ``count``, dynamic-block iterators) and the file for error messages."""

    __slots__ = ("resolver", "bindings", "file", "in_template", "template_only")

    def __init__(self, resolver: Resolver, file: str, bindings: dict | None = None, *,
                 in_template: bool = False, template_only: bool = False):
        self.resolver = resolver
        self.file = file
        self.bindings = bindings or {}
        self.in_template = in_template
        self.template_only = template_only

    def bind(self, **names: Any) -> "Context":
        return Context(self.resolver, self.file, {**self.bindings, **names},
                       in_template=self.in_template, template_only=self.template_only)

    def templating(self) -> "Context":
        if self.in_template:
            return self
        return Context(self.resolver, self.file, self.bindings, in_template=True,
                       template_only=self.template_only)

    def error(self, message: str, line: int) -> None:
        self.resolver.error(message, self.file, line)


def excerpt(text: str, limit: int = 80) -> str:
    """The first line of ``text``, at most ``limit`` characters: enough to find it by."""
    first = text.strip().split("\n", 1)[0]
    return first if len(first) <= limit and first == text.strip() else first[:limit].rstrip() + " ..."


# --------------------------------------------------------------------------------------------
# entry points


def evaluate(expr: Expr, ctx: Context) -> Any:
    """Evaluate one attribute's expression; Terraform-level errors become Unknown."""
    try:
        value = _eval(expr, ctx)
        check_size(value)  # every stored value (local, output, attribute) passes through here
        return value
    except ValueTooLarge as exc:
        ctx.error(str(exc), expr.line)
        return Unknown(expr.text[:200], reason=str(exc))
    except EvalError as exc:
        return Unknown(expr.text, reason=str(exc))
    except RecursionError:
        # references chained deeper than Python's stack (thousands of locals each naming the
        # next): said where, never a value silently unknown
        ctx.error("expression nested too deeply to evaluate (references chained too deep); "
                  "its value is not known", expr.line)
        return Unknown(expr.text, reason="expression nested too deeply")
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug of ours loses this value, not the module
        if os.environ.get("IACGUARD_DEBUG"):
            raise
        ctx.resolver.internal_error(exc, expr, ctx.file)
        return Unknown(expr.text, reason=f"internal error ({type(exc).__name__})")


def evaluate_body(body: Body, ctx: Context, skip: frozenset = frozenset(),
                  skip_blocks: frozenset = frozenset()) -> PDict:
    """Attributes and nested blocks of a block, nested blocks as lists of PDict (like plan
    JSON); ``dynamic`` blocks are expanded when their ``for_each`` is known."""
    result = PDict()
    for name, attr in body.attributes.items():
        if name not in skip:
            result[name] = evaluate(attr.expr, ctx)
    for block in body.blocks:
        if block.type in skip_blocks:
            continue
        if block.type == "dynamic" and block.labels:
            _expand_dynamic(block, ctx, result)
            continue
        items = result.setdefault(block.type, PList(line=block.line))
        if isinstance(items, list):
            items.append(_nested_block(block, ctx))
        elif isinstance(items, Choice):  # after a dynamic block over alternatives: in each
            entry = _nested_block(block, ctx)
            result[block.type] = Choice([PList([*o, entry], line=o.line) for o in items.options],
                                        text=items.text)
    return result


def _nested_block(block, ctx: Context) -> PDict:
    value = evaluate_body(block.body, ctx)
    value.line = block.line
    return value


def _expand_dynamic(block, ctx: Context, result: PDict) -> None:
    label = block.labels[0]
    body = block.body
    items = result.setdefault(label, PList(line=block.line))
    if isinstance(items, Choice):  # a second dynamic block after one over alternatives: not read
        result[label] = PList([unknown(f'dynamic "{label}"', items, reason="blocks over alternatives")],
                              line=block.line)
        return
    if not isinstance(items, list):
        return
    iterator = label
    it_attr = body.attributes.get("iterator")
    if it_attr is not None:
        if isinstance(it_attr.expr, Var):
            iterator = it_attr.expr.name
        elif isinstance(it_attr.expr, Lit) and isinstance(it_attr.expr.value, str):
            iterator = it_attr.expr.value
    fe_attr = body.attributes.get("for_each")
    content = next((b for b in body.blocks if b.type == "content"), None)
    if fe_attr is None or content is None:
        return
    collection = evaluate(fe_attr.expr, ctx)
    options = collection.options if isinstance(collection, Choice) else ()
    option_pairs = [p for p in (iterate_pairs(o) for o in options) if p is not None]
    if options and len(option_pairs) == len(options):
        # the blocks of each collection that can exist: the list of blocks is one of these
        lists = []
        for each_option in option_pairs:
            entries = PList(items, line=line_of(items))
            _dynamic_entries(each_option, iterator, content, ctx, entries)
            lists.append(entries)
        result[label] = Choice(lists, text=f'dynamic "{label}" for_each = {fe_attr.expr.text}')
        return
    pairs = iterate_pairs(collection)
    if pairs is None:
        items.append(unknown(f'dynamic "{label}" for_each = {fe_attr.expr.text}', collection,
                             reason="dynamic block over an unknown collection"))
        return
    _dynamic_entries(pairs, iterator, content, ctx, items)


def _dynamic_entries(pairs: list, iterator: str, content, ctx: Context, items: list) -> None:
    for key, value in pairs:
        inner = ctx.bind(**{iterator: PDict({"key": key, "value": value})})
        entry = evaluate_body(content.body, inner)
        entry.line = content.line
        items.append(entry)


def iterate_pairs(collection: Any) -> list | None:
    """(key, value) pairs of a list/set (key = index) or map (sorted keys); None if unknown."""
    if isinstance(collection, Unknown):
        return None
    if isinstance(collection, dict):
        return [(k, collection[k]) for k in sorted(collection, key=str)]
    if isinstance(collection, list):
        return list(enumerate(collection))
    return None


# --------------------------------------------------------------------------------------------
# the evaluator


def _eval(expr: Expr, ctx: Context) -> Any:
    # dispatch on the exact type (no Expr class derives from another): one dict lookup where a
    # chain of isinstance tests cost a dozen for the kinds at its end
    if type(expr) is Lit:
        return expr.value  # type: ignore[attr-defined]
    evaluator = _EVALUATORS.get(type(expr))
    if evaluator is None:
        if isinstance(expr, Invalid):
            raise EvalError("unsupported expression")
        raise EvalError(f"unsupported expression {type(expr).__name__}")
    return evaluator(expr, ctx)


def _variable(expr: Var, ctx: Context) -> Any:
    return _traverse_root(expr, expr.name, [], ctx)


def _traversal(expr: Traverse, ctx: Context) -> Any:
    if isinstance(expr.source, Var):
        return _traverse_root(expr, expr.source.name, expr.steps, ctx)
    return _apply_steps(_eval(expr.source, ctx), expr.steps, expr, ctx)


def _tuple(expr: TupleExpr, ctx: Context) -> Any:
    return PList([_eval(i, ctx) for i in expr.items], line=expr.line)


def _object(expr: ObjectExpr, ctx: Context) -> Any:
    result = PDict(line=expr.line)
    result.file = ctx.file  # a module's caller, a tfvars file: where a finding on it points
    for key_expr, val_expr in expr.items:
        key = _eval(key_expr, ctx)
        if isinstance(key, Unknown):
            return unknown(expr.text, key, reason="object key not known")
        if isinstance(key, bool):
            key = "true" if key else "false"
        elif isinstance(key, (int, float)):
            key = number_to_string(key)
        elif not isinstance(key, str):
            raise EvalError("object keys must be strings")
        result[key] = _eval(val_expr, ctx)
    return result


def _traverse_root(expr: Expr, name: str, steps: list, ctx: Context) -> Any:
    if name in ctx.bindings:
        return _apply_steps(ctx.bindings[name], steps, expr, ctx)
    if ctx.template_only:
        raise EvalError(f"unknown variable {name!r} in template")
    value, used = ctx.resolver.reference(name, steps, expr, ctx)
    return _apply_steps(value, steps[used:], expr, ctx)


def _apply_steps(value: Any, steps: list, expr: Expr, ctx: Context) -> Any:
    for i, step in enumerate(steps):
        if isinstance(value, Choice):
            return over_choices(expr.text, [value],
                                lambda option: _apply_steps(option[0], steps[i:], expr, ctx))
        if isinstance(value, Unknown):
            if isinstance(step, Index) and isinstance(value, OpenList):
                # split() of text known in part: its first elements are known
                key = _eval(step.key, ctx)
                index = None if isinstance(key, (Unknown, bool)) else to_number(key)
                if isinstance(index, int) and 0 <= index < len(value.head):
                    value = value.head[index]
                    continue
            return unknown(expr.text, value)
        if isinstance(step, GetAttr):
            value = _get_attr(value, step.name)
        elif isinstance(step, Index):
            key = _eval(step.key, ctx)
            if isinstance(key, Unknown):
                return unknown(expr.text, value, key)
            value = _index(value, key)
        elif isinstance(step, Splat):
            if value is None:
                items: list = []
            elif isinstance(value, list):
                items = value
            elif isinstance(value, dict) and not step.full:
                items = list(value.values())  # legacy .* over an object's attributes
            else:
                items = [value]
            value = PList([_apply_steps(v, step.steps, expr, ctx) for v in items],
                          line=getattr(value, "line", 0))
    return value


def _get_attr(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        if name in value:
            return value[name]
        raise EvalError(f"no attribute {name!r}")
    if value is None:
        raise EvalError(f"attribute {name!r} of null")
    raise EvalError(f"cannot read attribute {name!r} of a {type_name(value)}")


def _index(value: Any, key: Any) -> Any:
    if isinstance(value, list):
        index = to_number(key)
        if not isinstance(index, int) and not (isinstance(index, float) and index.is_integer()):
            raise EvalError("list index must be a whole number")
        index = int(index)
        if 0 <= index < len(value):
            return value[index]
        raise EvalError(f"index {index} out of range")
    if isinstance(value, dict):
        key = to_string(key)
        if key in value:
            return value[key]
        raise EvalError(f"no element {key!r}")
    raise EvalError(f"cannot index a {type_name(value)}")


# -- templates -------------------------------------------------------------------------------


def _template(expr: Template, ctx: Context) -> Any:
    parts = expr.parts
    if len(parts) == 1 and isinstance(parts[0], Expr):
        # "${x}" alone yields x's value unchanged (HCL's template-wrap rule)
        return _eval(parts[0], ctx.templating())
    out: list = []  # str pieces and Unknown pieces (holes), in order
    unknowns: list = []
    _render(parts, ctx.templating(), out, unknowns)
    if unknowns:
        # the known text stays known: a JSON policy around the holes can still be read
        result = Partial(out, reason=unknowns[0].reason or "unknown template part")
        if expr.content_line != expr.line:  # a heredoc: JSON policies with ${...} holes keep lines
            result.line = expr.content_line
        return result
    if sum(len(p) for p in out) > MAX_VALUE_CHARS:
        raise ValueTooLarge(f"template result is over {MAX_VALUE_CHARS // (1024 * 1024)} MB; refusing")
    if expr.content_line != expr.line:  # a heredoc: keep where its content starts (JSON policies)
        text = PStr("".join(out), expr.content_line)
        text.file = ctx.file
        return text
    return "".join(out)


def encoded_partial(value: Any) -> Partial:
    """The JSON text of a structure with Unknown leaves, each leaf a hole inside its string."""
    import json
    import secrets

    from ..values import to_plain

    leaves: list = []
    marker = "\u2063" + secrets.token_hex(8)

    def mark(item: Any) -> Any:
        if isinstance(item, Unknown):
            leaves.append(item)
            return f"{marker}{len(leaves) - 1}{marker}"
        if isinstance(item, dict):
            return {str(k): mark(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [mark(v) for v in item]
        return to_plain(item)

    text = json.dumps(mark(value), separators=(",", ":"), ensure_ascii=False)
    parts: list = []
    for i, piece in enumerate(re.split(re.escape(marker) + r"(\d+)" + re.escape(marker), text)):
        parts.append(leaves[int(piece)] if i % 2 else piece)
    return Partial(parts)


def _render(parts: list, ctx: Context, out: list, unknowns: list) -> None:
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, TIf):
            cond = _eval(part.cond, ctx)
            if isinstance(cond, Unknown):
                hole = unknown(part.text, cond, reason="template condition not known")
                out.append(hole)
                unknowns.append(hole)
                continue
            _render(part.then if to_bool(cond) else part.other, ctx, out, unknowns)
        elif isinstance(part, TFor):
            collection = _eval(part.collection, ctx)
            pairs = iterate_pairs(collection)
            if pairs is None:
                if collection is None or not isinstance(collection, Unknown):
                    raise EvalError("template for needs a list or map")
                hole = unknown(part.text, collection, reason="template loop not known")
                out.append(hole)
                unknowns.append(hole)
                continue
            for key, value in pairs:
                names = {part.value_var: value}
                if part.key_var:
                    names[part.key_var] = key
                _render(part.body, ctx.bind(**names), out, unknowns)
        else:
            value = _eval(part, ctx)
            if isinstance(value, Unknown):
                # the hole names what is really unknown when that is a plain reference: a local or
                # variable set to data.aws_caller_identity.x.account_id shows that, not its own name
                if isinstance(value, Partial):
                    out.append(value)  # its known text stays known
                    unknowns.extend(value.holes)
                    continue
                text = value.text if _REFERENCE_TEXT.fullmatch(value.text or "") else part.text
                piece = value if text == value.text else unknown(text, value, reason=value.reason)
                out.append(piece)
                unknowns.append(piece)
            elif isinstance(value, Encoded) and contains_unknown(value.value):
                # jsonencode() of a structure with unknown leaves: its JSON with a hole per leaf
                # (its text alone would turn each hole into a literal "${...}" string)
                encoded = encoded_partial(value.value)
                out.append(encoded)
                unknowns.extend(encoded.holes)
            else:
                out.append(to_string(value))


# -- operators -------------------------------------------------------------------------------


def _conditional(expr: Cond, ctx: Context) -> Any:
    cond = _eval(expr.cond, ctx)
    if isinstance(cond, Unknown):
        then, other = _eval(expr.then, ctx), _eval(expr.other, ctx)
        if not contains_unknown(then) and values_equal(then, other):
            return then
        choice = Choice([then, other], text=expr.text)
        choice.origins = tuple(dict.fromkeys(cond.origins + choice.origins))  # the condition decides too
        return choice
    return _eval(expr.then if to_bool(cond) else expr.other, ctx)


_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}


def _binary(expr: BinOp, ctx: Context) -> Any:
    op = expr.op
    left = _eval(expr.left, ctx)
    if op not in ("&&", "||", "==", "!="):
        right = _eval(expr.right, ctx)
        if isinstance(left, Choice) or isinstance(right, Choice):
            # length(x) > 0 over the alternatives of x: an answer per alternative
            return over_choices(expr.text, [left, right],
                                lambda pair: _arithmetic(expr, op, pair[0], pair[1]))
        return _arithmetic(expr, op, left, right)
    if op in ("&&", "||"):
        # short-circuit on a known decisive left operand
        if not isinstance(left, Unknown):
            lb = to_bool(left)
            if op == "&&" and not lb:
                return False
            if op == "||" and lb:
                return True
        right = _eval(expr.right, ctx)
        if isinstance(left, Choice) or isinstance(right, Choice):
            return over_choices(expr.text, [left, right], lambda pair: _logical(expr, op, *pair))
        return _logical(expr, op, left, right)
    right = _eval(expr.right, ctx)
    if op in ("==", "!="):
        equal = equality(left, right)
        if equal is None:
            if isinstance(left, Choice) or isinstance(right, Choice):
                # length(x) == 0 where x is none or one: an answer per alternative
                return over_choices(expr.text, [left, right], lambda pair: _compare(expr, op, *pair))
            return unknown(expr.text, left, right)
        return equal if op == "==" else not equal
    raise EvalError(f"unsupported operator {op}")


def _compare(expr: BinOp, op: str, left: Any, right: Any) -> Any:
    equal = equality(left, right)
    if equal is None:
        return unknown(expr.text, left, right)
    return equal if op == "==" else not equal


def _logical(expr: BinOp, op: str, left: Any, right: Any) -> Any:
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        # a known operand may still decide it
        for known in (left, right):
            if not isinstance(known, Unknown):
                value = to_bool(known)
                if op == "&&" and not value:
                    return False
                if op == "||" and value:
                    return True
        return unknown(expr.text, left, right)
    return to_bool(left) and to_bool(right) if op == "&&" else to_bool(left) or to_bool(right)


def _arithmetic(expr: BinOp, op: str, left: Any, right: Any) -> Any:
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        return unknown(expr.text, left, right)
    a, b = to_number(left), to_number(right)
    if op in _ARITH:
        return normalize_number(_ARITH[op](a, b))
    if op == "/":
        if b == 0:
            raise EvalError("division by zero")
        return normalize_number(a / b)
    if op == "%":
        if b == 0:
            raise EvalError("modulo by zero")
        return normalize_number(math.fmod(a, b))
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    if op == ">=":
        return a >= b
    raise EvalError(f"unsupported operator {op}")


def _unary(expr: UnOp, ctx: Context) -> Any:
    value = _eval(expr.operand, ctx)
    if isinstance(value, Choice):
        return over_choices(expr.text, [value], lambda one: _unary_value(expr, one[0]))
    return _unary_value(expr, value)


def _unary_value(expr: UnOp, value: Any) -> Any:
    if isinstance(value, Unknown):
        return unknown(expr.text, value)
    if expr.op == "!":
        return not to_bool(value)
    return normalize_number(-to_number(value))


def _for(expr: ForExpr, ctx: Context) -> Any:
    collection = _eval(expr.collection, ctx)
    if isinstance(collection, Choice):
        return over_choices(expr.text, [collection], lambda option: _for_over(expr, ctx, option[0]))
    return _for_over(expr, ctx, collection)


# Elements of a for expression whose condition is not known before deploy: each may be in the
# result or not; up to this many, every resulting collection is an alternative.
MAX_UNDECIDED_ELEMENTS = 4


def _for_over(expr: ForExpr, ctx: Context, collection: Any) -> Any:
    pairs = iterate_pairs(collection)
    if pairs is None:
        if isinstance(collection, Unknown):
            return unknown(expr.text, collection)
        raise EvalError(f"cannot iterate over a {type_name(collection)}")
    entries = []  # (kept only if the condition holds, key, value)
    undecided = 0
    # `if k == data.aws_region.current.region`: one unknown compared with a different known value
    # in each element keeps at most one of them, so the results are none or one of each
    exclusive: dict | None = {} if isinstance(expr.cond, BinOp) and expr.cond.op == "==" else None
    first_unknown = None
    deciders: list = []  # the undecided conditions: what decides which results exist
    for key, value in pairs:
        names = {expr.value_var: value}
        if expr.key_var:
            names[expr.key_var] = key
        inner = ctx.bind(**names)
        maybe = False
        if expr.cond is not None:
            keep = _eval(expr.cond, inner)
            if isinstance(keep, Unknown):
                undecided += 1
                first_unknown = first_unknown or keep
                deciders.append(keep)
                if exclusive is not None and isinstance(expr.cond, BinOp):
                    exclusive = _exclusive_match(expr.cond, inner, exclusive)
                if undecided > (MAX_EXCLUSIVE_ELEMENTS if exclusive is not None else MAX_UNDECIDED_ELEMENTS):
                    return unknown(expr.text, keep, reason="for condition not known")
                maybe = True
            elif not to_bool(keep):
                continue
        k = None
        if expr.is_object and expr.key_expr is not None:
            k = _eval(expr.key_expr, inner)
            if isinstance(k, Unknown):
                return unknown(expr.text, k, reason="for key not known")
            k = to_string(k)
        entries.append((maybe, k, _eval(expr.value_expr, inner)))
    if not undecided:
        return _for_result(expr, entries)
    if exclusive is not None and undecided > MAX_UNDECIDED_ELEMENTS:
        maybes = [i for i, entry in enumerate(entries) if entry[0]]
        options = [_for_result(expr, [e for e in entries if not e[0]])]
        options += [_for_result(expr, [e for i, e in enumerate(entries) if not e[0] or i == chosen])
                    for chosen in maybes]
        return _deciding(Choice(options, text=expr.text), deciders)
    if undecided > MAX_UNDECIDED_ELEMENTS:
        return unknown(expr.text, first_unknown, reason="for condition not known")
    # every subset of the undecided elements is a result that can exist
    masks = [tuple((m >> i) & 1 for i in range(undecided)) for m in range(2 ** undecided)]

    def with_mask(chosen: tuple) -> Any:
        bits = iter(chosen[0])
        return _for_result(expr, [e for e in entries if not e[0] or next(bits)])

    options = [PList(mask) for mask in masks]
    result = over_choices(expr.text, [Choice(options)], with_mask)
    return _deciding(result, deciders) if isinstance(result, Choice) else result


# Elements whose conditions exclude each other (see _exclusive_match): up to this many, the
# results (none, or one element) are alternatives.
MAX_EXCLUSIVE_ELEMENTS = 64


def _exclusive_match(cond: BinOp, ctx: Context, seen: dict) -> dict | None:
    """``seen`` (known value -> unknown's text) grown by this element's ``a == b`` when one side
    is the same unknown as in the other elements and the other a known value none of them had;
    None when the conditions may hold together."""
    sides = [_eval(cond.left, ctx), _eval(cond.right, ctx)]
    unknowns = [v for v in sides if isinstance(v, Unknown)]
    known = [v for v in sides if not isinstance(v, Unknown)]
    if len(unknowns) != 1 or len(known) != 1 or not isinstance(known[0], (str, int, float)) \
            or isinstance(known[0], bool) or isinstance(unknowns[0], (Choice, Partial)):
        return None
    text, value = unknowns[0].text, (type(known[0]).__name__, str(known[0]))
    if value in seen or any(other != text for other in seen.values()):
        return None
    seen[value] = text
    return seen


def _for_result(expr: ForExpr, entries: list) -> Any:
    if not expr.is_object:
        return PList((v for _, _, v in entries), line=expr.line)
    results_map = PDict(line=expr.line)
    for _, k, v in entries:
        if expr.grouping:
            results_map.setdefault(k, PList(line=expr.line)).append(v)
        else:
            if k in results_map:
                raise EvalError(f"duplicate key {k!r} in for expression")
            results_map[k] = v
    return results_map


# --------------------------------------------------------------------------------------------
# conversions


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def normalize_number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 63:
        return int(value)
    return value


def number_to_string(value: int | float) -> str:
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2 ** 63:
            return str(int(value))
        return repr(value)
    return str(value)


def to_string(value: Any) -> str:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number_to_string(value)
    if value is None:
        raise EvalError("null value where a string is required")
    raise EvalError(f"a {type_name(value)} where a string is required")


def to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise EvalError("a bool where a number is required")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return normalize_number(float(value)) if not value.strip().lstrip("-").isdigit() \
                else int(value)
        except ValueError:
            raise EvalError(f"{value!r} is not a number") from None
    raise EvalError(f"a {type_name(value)} where a number is required")


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise EvalError(f"a {type_name(value)} where a bool is required")


def equality(a: Any, b: Any) -> bool | None:
    """``a == b`` as Terraform decides it before apply: None only when the known parts do not
    decide it. A map or list with unknown elements is still not null, and values of different
    types, keys or lengths are unequal whatever their unknown elements turn out to be."""
    if isinstance(a, Choice) or isinstance(b, Choice):
        # every alternative gives the same answer: that is the answer
        answers = {equality(x, y) for x in (a.options if isinstance(a, Choice) else (a,))
                   for y in (b.options if isinstance(b, Choice) else (b,))}
        return answers.pop() if len(answers) == 1 else None
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        if isinstance(a, str) or isinstance(b, str):
            # known text against text known in part: an ARN of a queue is never "*"
            from .hcl_text import equality as text_equality

            return text_equality(a, b)
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return False
        pairs = [(a[k], b[k]) for k in a]
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        pairs = list(zip(a, b))
    else:
        return values_equal(a, b)
    result: bool | None = True
    for x, y in pairs:
        answer = equality(x, y)
        if answer is False:
            return False
        if answer is None:
            result = None
    return result


def values_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return str(a) == str(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(values_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(values_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return a == b
    return a is None and b is None


# --------------------------------------------------------------------------------------------
# functions

_FUNCTIONS: dict[str, Callable] = {}
# Functions that look inside their arguments' elements: any Unknown anywhere makes the result
# Unknown. The others only need their arguments themselves known (elements may be Unknown).
_DEEP: set[str] = set()


def _fn(name: str, deep: bool = True):
    def register(func: Callable) -> Callable:
        _FUNCTIONS[name] = func
        if deep:
            _DEEP.add(name)
        return func
    return register


def _call(expr: Call, ctx: Context) -> Any:
    name = expr.name
    if name in ("try", "can"):
        return _try_can(expr, ctx)
    if name in ("file", "templatefile", "fileexists", "filebase64"):
        return _file_function(expr, ctx)
    func = _FUNCTIONS.get(name)
    args = [_eval(a, ctx) for a in expr.args]
    check_size(args)  # before anything walks or encodes them
    if expr.expand_last and args:
        last = args.pop()
        if isinstance(last, Unknown):
            return unknown(expr.text, last)
        if not isinstance(last, list):
            raise EvalError("only a list can be expanded with ...")
        args.extend(last)
    if func is None:
        return unknown(expr.text, *args, reason=f"function {name}() not evaluated")
    if name in ("sensitive", "nonsensitive") and len(args) == 1:
        return args[0]  # known or not, exactly the value it marks (an ARN stays that reference)
    args = [_lift_choices(a) for a in args]
    if any(isinstance(a, Choice) for a in args):
        return over_choices(expr.text, args, lambda chosen: _apply_function(expr, name, func, list(chosen)))
    return _apply_function(expr, name, func, args)


def _lift_choices(value: Any) -> Any:
    """A list written with alternatives in it (``[var.a ? doc : "", ...]``) as the alternatives
    of the whole list, so that a function over it (compact, concat) sees each list that can
    exist; unchanged when there are none or too many combinations."""
    if not isinstance(value, list) or isinstance(value, Unknown) or \
            not any(isinstance(v, Choice) for v in value):
        return value
    import itertools

    alternatives = [v.options if isinstance(v, Choice) else (v,) for v in value]
    if math.prod(len(a) for a in alternatives) > MAX_CHOICE_COMBINATIONS:
        return value
    line = getattr(value, "line", 0)
    return Choice([PList(list(combination), line=line) for combination in itertools.product(*alternatives)])


def _apply_function(expr: Call, name: str, func: Callable, args: list) -> Any:
    if name == "format" and args and not isinstance(args[0], Unknown) and \
            any(isinstance(a, Unknown) for a in args[1:]):
        partial = _format_with_holes(to_string(args[0]), args[1:])
        if partial is not None:
            return partial
    if name == "replace" and len(args) == 3 and (any(isinstance(a, Unknown) for a in args) or (
            isinstance(args[0], Encoded) and contains_unknown(args[0].value))):
        partial = _replace_with_holes(*args)
        if partial is not None:
            return partial
    if name == "join" and len(args) >= 2 and contains_unknown(args):
        partial = _join_with_holes(args[0], args[1:])
        if partial is not None:
            return partial
    if name == "jsonencode" and len(args) == 1 and type(args[0]) in (Unknown, Ref):
        # the JSON of a value not known yet is not known either; it keeps the input's name
        # (a template's "Action": ${jsonencode(actions)} then names var.actions)
        return Unknown(args[0].text, args[0].refs, args[0].reason, origins=args[0].origins)
    if name == "jsondecode" and len(args) == 1 and isinstance(args[0], Partial):
        return _jsondecode_with_holes(args[0], expr)
    if name == "coalesce":
        # known nulls and "" are skipped whatever comes after them; an unknown left alone is
        # the result (coalesce(var.policy = null, data.x.json) is that document, known or not)
        args = [a for a in args if isinstance(a, Unknown) or (a is not None and a != "")]
        if len(args) == 1 or (args and not isinstance(args[0], Unknown)):
            return args[0]
    if name in _TEXT_FUNCTIONS and any(isinstance(a, Unknown) for a in args):
        # text known in part (an ARN whose shape its resource type fixes, a template with holes)
        # may still decide split(":", arn)[2] or startswith(); the Ref itself is left as it is
        from . import hcl_text

        decided = hcl_text.call(name, [normalize_number(a) if isinstance(a, float) else a for a in args])
        if decided is not hcl_text.UNDECIDED:
            check_size(decided)
            return decided
    if any(isinstance(a, Unknown) for a in args) or (name in _DEEP and contains_unknown(args)):
        return unknown(expr.text, *args)
    try:
        result = func(*args)
    except _Indeterminate:
        return unknown(expr.text, *args)
    except EvalError:
        raise
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, OverflowError) as exc:
        raise EvalError(f"{name}(): {exc}") from None
    if isinstance(result, (PDict, PList)) and not result.line:
        result.line = expr.line
    return result


# Functions that hcl_text answers over text known only in part
_TEXT_FUNCTIONS = frozenset(("split", "startswith", "endswith", "substr", "contains", "replace"))


# An expression over alternatives gives one result per combination of them; past this many
# combinations the result is simply unknown.
MAX_CHOICE_COMBINATIONS = 64


def over_choices(text: str, values: list, compute: Callable[[tuple], Any]) -> Any:
    """``compute`` over each combination of the alternatives of the Choice values in ``values``
    (the others as they are): a ``Choice`` of the results, or the one result when they all
    agree. A combination Terraform would refuse (an error) cannot be deployed and is left out;
    when every combination fails, so does the expression."""
    import itertools

    alternatives = [v.options if isinstance(v, Choice) else (v,) for v in values]
    if math.prod(len(a) for a in alternatives) > MAX_CHOICE_COMBINATIONS:
        return unknown(text, *values, reason="too many alternatives")
    results: list = []
    error: EvalError | None = None
    for combination in itertools.product(*alternatives):
        try:
            result = compute(combination)
        except ValueTooLarge:
            raise
        except EvalError as exc:
            error = exc
            continue
        if not any(equality(result, seen) is True for seen in results):
            results.append(result)
    if not results:
        raise error if error is not None else EvalError("no alternative")
    if len(results) == 1:
        return results[0]
    return _deciding(Choice(results, text=text), values)


def _deciding(choice: Choice, inputs: Any) -> Choice:
    """``choice`` that also comes from the inputs that decide between its options (a length
    over alternatives is 0 or 1 because of the variable the alternatives come from)."""
    choice.origins = tuple(dict.fromkeys(origins_of(inputs) + choice.origins))
    return choice


def _try_can(expr: Call, ctx: Context) -> Any:
    if expr.name == "can":
        if len(expr.args) != 1:
            raise EvalError("can() takes one argument")
        try:
            value = _eval(expr.args[0], ctx)
        except ValueTooLarge:
            raise  # a refused value is an error, not a "cannot"
        except EvalError:
            return False
        return unknown(expr.text, value) if contains_unknown(value) else True
    for arg in expr.args:
        try:
            return _eval(arg, ctx)  # the first argument without an error, known or not (as
        except ValueTooLarge:       # Terraform does: an unknown value is not an error, so
            raise                   # try(data.x[0].account_id, "") is that account id, never "")
        except EvalError:
            continue
    raise EvalError("no try() argument succeeded")


def _file_function(expr: Call, ctx: Context) -> Any:
    args = [_eval(a, ctx) for a in expr.args]
    if not args:
        raise EvalError(f"{expr.name}() needs a path")
    path = args[0]
    if contains_unknown(path):
        return unknown(expr.text, *args)
    path = to_string(path)
    if expr.name == "fileexists":
        content = ctx.resolver.read_file(path, ctx, expr.line, expr.name)
        return not isinstance(content, Unknown)
    content = ctx.resolver.read_file(path, ctx, expr.line, expr.name)
    if isinstance(content, Unknown):
        return content
    if expr.name == "file":
        return content
    if expr.name == "filebase64":
        return base64.b64encode(content.encode("utf-8")).decode("ascii")
    # templatefile(path, vars)
    variables = args[1] if len(args) > 1 else PDict()
    if isinstance(variables, Unknown):
        return unknown(expr.text, variables)
    if not isinstance(variables, dict):
        raise EvalError("templatefile() variables must be an object")
    from .hcl_parse import parse_template_text
    from ..errors import InputError
    try:
        template = parse_template_text(content, path, 1)
    except InputError as exc:
        ctx.error(f"templatefile({path}): {exc.message} (template line {exc.line})", expr.line)
        return Unknown(expr.text, reason="template does not parse")
    inner = Context(ctx.resolver, ctx.file, dict(variables), template_only=True)
    value = _template(template, inner)
    if isinstance(value, Partial):
        return value  # the rendered text with its holes: what is known is judged
    if isinstance(value, Unknown):
        return unknown(expr.text, value, reason=value.reason)
    return value if isinstance(value, str) else to_string(value)


def _seq(value: Any) -> list:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):  # sets of objects arrive as lists; maps are not sequences
        raise EvalError("a map where a list is required")
    raise EvalError(f"a {type_name(value)} where a list is required")


def _map(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    raise EvalError(f"a {type_name(value)} where a map is required")


@_fn("jsonencode", deep=False)
def _jsonencode(value: Any) -> Any:
    return Encoded(value)


@_fn("jsondecode")
def _jsondecode(text: Any) -> Any:
    if isinstance(text, Encoded):
        return text.value
    from ..jsonpos import loads_positioned
    import json

    try:
        return loads_positioned(to_string(text))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise EvalError(f"jsondecode(): invalid JSON ({exc})") from None


@_fn("format")
def _format(fmt: Any, *args: Any) -> str:
    return format_string(to_string(fmt), list(args))


@_fn("formatlist")
def _formatlist(fmt: Any, *args: Any) -> PList:
    lengths = {len(a) for a in args if isinstance(a, list)}
    if len(lengths) > 1:
        raise EvalError("formatlist() lists must have the same length")
    if not lengths:
        return PList([format_string(to_string(fmt), list(args))])
    count = lengths.pop()
    fmt = to_string(fmt)
    out = PList()
    budget = MAX_VALUE_CHARS  # for the whole list, not for each element
    for i in range(count):
        out.append(format_string(fmt, [a[i] if isinstance(a, list) else a for a in args], budget))
        budget -= len(out[-1])
    return out


def _too_large(what: str) -> ValueTooLarge:
    return ValueTooLarge(f"{what} would be over {MAX_VALUE_CHARS // (1024 * 1024)} MB of text; refusing")


_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")
# A plain reference (var.x, local.y, data.aws_caller_identity.current.account_id, a[0].b)
_REFERENCE_TEXT = re.compile(r"[A-Za-z_][\w-]*(?:\.[\w-]+|\[[\w\"-]*\])+")


def _text_parts(value: Any) -> Any:
    """A string value as text or a Partial: jsonencode() of a structure with unknown leaves is
    its JSON with a hole per leaf, not the leaves' ``${...}`` text taken as known."""
    if isinstance(value, Encoded) and contains_unknown(value.value):
        return encoded_partial(value.value)
    if isinstance(value, Partial):
        return value
    return to_string(value)


def _replace_with_holes(text: Any, search: Any, replacement: Any) -> Any:
    """replace() with a plain search text where the text or the replacement is known only in
    part: ``replace(policy, "PLACEHOLDER", aws_s3_bucket.b.arn)`` (how terraform-aws-modules fill
    ARNs into a policy document), nested, or over a template with holes. The search is replaced
    in the known text; a hole stays as it is (a placeholder is not part of an ARN or an id known
    only at apply). None when the search is a regular expression or not known, or the
    replacement is an unknown that is not a plain reference or text with holes."""
    if isinstance(search, Unknown) or not isinstance(search, str) or not search or \
            (search.startswith("/") and search.endswith("/")):
        return None
    if isinstance(text, Unknown) and not isinstance(text, Partial):
        return None
    if isinstance(replacement, Unknown) and not isinstance(replacement, Partial) and \
            not _REFERENCE_TEXT.fullmatch(replacement.text or ""):
        return None
    if not isinstance(replacement, Unknown):
        replacement = to_string(replacement)
    source = _text_parts(text)
    pieces_of = source.parts if isinstance(source, Partial) else (source,)
    # counted before it is built, as for replace() of known text
    grows = len(replacement.text if isinstance(replacement, Unknown) else replacement) - len(search)
    if sum(len(p) + p.count(search) * grows for p in pieces_of if isinstance(p, str)) > MAX_VALUE_CHARS:
        raise _too_large("replace()")
    parts: list = []
    for part in pieces_of:
        if isinstance(part, Unknown):
            parts.append(part)
            continue
        pieces = part.split(search)
        parts.append(pieces[0])
        for piece in pieces[1:]:
            parts += [replacement, piece]
    return partial_or_text(parts)


def _join_with_holes(sep: Any, lists: list) -> Any:
    """join() over elements of which some are known only at apply: the known elements and
    separators stay known text around a hole per unknown element. None when the separator or
    a list itself is unknown (how many elements, and where, is then not known)."""
    if isinstance(sep, Unknown) or any(isinstance(lst, Unknown) for lst in lists):
        return None
    sep = to_string(sep)
    items = [v for lst in lists for v in _seq(lst)]
    if len(sep) * len(items) > MAX_VALUE_CHARS:
        raise _too_large("join()")
    parts: list = []
    for item in items:
        if isinstance(item, (dict, list)):
            return None
        if parts:
            parts.append(sep)
        parts.append(item if isinstance(item, Unknown) else _text_parts(item))
    return partial_or_text(parts)


def _jsondecode_with_holes(text: Partial, expr: Call) -> Any:
    """jsondecode() of JSON written around values known only at apply: the structure is known,
    the holes stay Unknown where they sit (see values.decode_json_with_holes)."""
    import json

    from ..values import decode_json_with_holes

    try:
        return decode_json_with_holes(text, text.line)  # a heredoc's lines; else none
    except (json.JSONDecodeError, ValueError, RecursionError):
        return unknown(expr.text, text, reason="jsondecode() of text not known before deploy")


def _format_with_holes(fmt: str, args: list) -> Unknown | None:
    """format() whose arguments are partly unknown: the known text with a ``${...}`` hole for each
    unknown argument (as a template would give), so what is known stays readable; None for
    anything but plain %s/%d/%v verbs."""
    out: list = []
    pos = 0
    index = 0
    for match in _VERB.finditer(fmt):
        flags, width, precision, verb = match.groups()
        out.append(fmt[pos:match.start()])
        pos = match.end()
        if verb == "%":
            out.append("%")
            continue
        if flags or width or precision or verb not in "sdv" or index >= len(args):
            return None
        value = args[index]
        index += 1
        if isinstance(value, Unknown):
            if not isinstance(value, Partial) and not _REFERENCE_TEXT.fullmatch(value.text or ""):
                return None
            out.append(value)
        elif isinstance(value, (str, int, float, bool)) and not isinstance(value, Unknown):
            out.append(_text_parts(value))
        else:
            return None
    out.append(fmt[pos:])
    return Partial(out)


def format_string(fmt: str, args: list, budget: int = MAX_VALUE_CHARS) -> str:
    """Go's fmt verbs as Terraform's format() takes them. A width or precision may be any number
    a template writes ("%999999999d"): the result is refused before it is allocated when it
    would exceed ``budget`` characters."""
    out = []
    pos = 0
    arg_index = 0
    length = 0
    for match in _VERB.finditer(fmt):
        out.append(fmt[pos:match.start()])
        length += match.start() - pos
        pos = match.end()
        flags, width, precision, verb = match.groups()
        # Python reads the number text whole: bound its length first (int() of thousands of
        # digits is refused by Python itself, with a ValueError of its own)
        if (width and (len(width) > 9 or int(width) > budget)) or \
                (precision and (len(precision) > 9 or int(precision) > budget)):
            raise _too_large("format()")
        if verb == "%":
            out.append("%")
            continue
        if arg_index >= len(args):
            raise EvalError("format(): not enough arguments")
        arg = args[arg_index]
        arg_index += 1
        if verb in ("s", "v"):
            piece = to_string(arg) if not isinstance(arg, (dict, list)) else _json_text(arg)
            if precision:
                piece = piece[:int(precision)]
        elif verb == "q":
            piece = _json_text(to_string(arg))
        elif verb == "d":
            number = to_number(arg)
            if not isinstance(number, int):
                raise EvalError("format(): %d needs a whole number")
            piece = str(number)
            if "+" in flags and number >= 0:
                piece = "+" + piece
        elif verb in ("f", "F", "e", "E", "g", "G"):
            piece = ("%" + ("." + precision if precision else "") + verb) % to_number(arg)
        elif verb == "t":
            piece = "true" if to_bool(arg) else "false"
        elif verb in ("x", "X", "o", "b"):
            number = to_number(arg)
            piece = format(int(number), verb) if isinstance(number, int) else \
                format(to_string(arg).encode().hex())
        else:
            raise EvalError(f"format(): unsupported verb %{verb}")
        if width:
            w = int(width)
            if "-" in flags:
                piece = piece.ljust(w)
            elif "0" in flags and verb in "dfFeEgG":
                piece = piece.rjust(w, "0")
            else:
                piece = piece.rjust(w)
        out.append(piece)
        length += len(piece)
        if length > budget:
            raise _too_large("format()")
    out.append(fmt[pos:])
    if length + len(fmt) - pos > budget:
        raise _too_large("format()")
    return "".join(out)


def _json_text(value: Any) -> str:
    import json
    from ..values import to_plain

    return json.dumps(to_plain(value), separators=(",", ":"), ensure_ascii=False)


@_fn("join")
def _join(sep: Any, *lists: Any) -> str:
    items = [to_string(v) for lst in lists for v in _seq(lst)]
    sep = to_string(sep)
    # the separator is repeated once per element: a long one times many elements
    if sum(map(len, items)) + len(sep) * max(len(items) - 1, 0) > MAX_VALUE_CHARS:
        raise _too_large("join()")
    return sep.join(items)


@_fn("split")
def _split(sep: Any, text: Any) -> PList:
    sep, text = to_string(sep), to_string(text)
    # counted before splitting: 20 MB of commas would be 20 million elements
    if (len(text) if sep == "" else text.count(sep) + 1) > MAX_VALUE_NODES:
        raise ValueTooLarge(f"split() would give more than {MAX_VALUE_NODES} elements; refusing")
    if sep == "":
        return PList(list(text))
    return PList(text.split(sep))


@_fn("concat", deep=False)
def _concat(*lists: Any) -> PList:
    return PList(v for lst in lists for v in _seq(lst))


@_fn("merge", deep=False)
def _merge(*maps: Any) -> PDict:
    result = PDict(line=next((getattr(m, "line", 0) for m in maps if getattr(m, "line", 0)), 0))
    for m in maps:
        if m is None:
            continue
        result.update(_map(m))
    return result


@_fn("lookup", deep=False)
def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if isinstance(key, Unknown):
        return key
    key = to_string(key)
    mapping = _map(mapping)
    if key in mapping:
        return mapping[key]
    if default:
        return default[0]
    raise EvalError(f"lookup(): no key {key!r}")


@_fn("element", deep=False)
def _element(lst: Any, index: Any) -> Any:
    lst = _seq(lst)
    if not lst:
        raise EvalError("element() of an empty list")
    return lst[int(to_number(index)) % len(lst)]


@_fn("index")
def _index_fn(lst: Any, value: Any) -> int:
    for i, v in enumerate(_seq(lst)):
        if values_equal(v, value):
            return i
    raise EvalError("index(): value not in list")


def _flatten_into(value: Any, out: PList) -> None:
    for v in value:
        if isinstance(v, list):
            _flatten_into(v, out)
        else:
            out.append(v)


@_fn("flatten", deep=False)
def _flatten(lst: Any) -> PList:
    out = PList(line=getattr(lst, "line", 0))
    _flatten_into(_seq(lst), out)
    return out


@_fn("distinct", deep=False)
def _distinct(lst: Any) -> PList:
    # by a hashable key where values_equal has one (comparing each element with every kept one
    # was quadratic: 100,000 elements, hours); the others are compared one by one
    out = PList(line=getattr(lst, "line", 0))
    seen: set = set()
    others: list = []
    for v in _seq(lst):
        key = _equality_key(v)
        if key is None:
            if not any(values_equal(v, kept) for kept in others):
                others.append(v)
                out.append(v)
        elif key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _equality_key(value: Any, depth: int = 0) -> Any:
    """A hashable key equal for two values exactly when ``values_equal`` says they are equal;
    None when there is none (Unknown, NaN, deep nesting)."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", value) if value == value else None  # NaN equals nothing, not even itself
    if isinstance(value, str):
        return ("s", str(value))
    if value is None:
        return ("z",)
    if depth > 50:
        return None
    if isinstance(value, dict):
        items = []
        for k in value:
            inner = _equality_key(value[k], depth + 1)
            if inner is None:
                return None
            items.append((str(k), inner))
        return ("d", frozenset(items)) if len({k for k, _ in items}) == len(items) else None
    if isinstance(value, list):
        inner = [_equality_key(v, depth + 1) for v in value]
        return None if any(k is None for k in inner) else ("l", tuple(inner))
    return None


@_fn("compact", deep=False)
def _compact(lst: Any) -> PList:
    return PList((v for v in _seq(lst) if v is not None and v != ""), line=getattr(lst, "line", 0))


@_fn("coalesce", deep=False)
def _coalesce(*args: Any) -> Any:
    for a in args:
        if a is not None and a != "":
            return a
    raise EvalError("coalesce(): no non-null, non-empty argument")


@_fn("coalescelist", deep=False)
def _coalescelist(*lists: Any) -> Any:
    for lst in lists:
        if _seq(lst):
            return lst
    return PList()


@_fn("contains", deep=False)
def _contains(lst: Any, value: Any) -> Any:
    lst = _seq(lst)
    if contains_unknown(value):
        raise _Indeterminate
    if any(values_equal(v, value) for v in lst if not contains_unknown(v)):
        return True
    # an element known only in part may still differ for sure (an ARN is never "*")
    if any(equality(v, value) is not False for v in lst if contains_unknown(v)):
        raise _Indeterminate
    return False


@_fn("keys", deep=False)
def _keys(mapping: Any) -> PList:
    return PList(sorted(_map(mapping)))


@_fn("values", deep=False)
def _values(mapping: Any) -> PList:
    mapping = _map(mapping)
    return PList(mapping[k] for k in sorted(mapping))


@_fn("length", deep=False)
def _length(value: Any) -> int:
    if isinstance(value, (str, list, dict)):
        return len(value)
    raise EvalError(f"length() of a {type_name(value)}")


@_fn("lower")
def _lower(s: Any) -> str:
    return to_string(s).lower()


@_fn("upper")
def _upper(s: Any) -> str:
    return to_string(s).upper()


@_fn("title")
def _title(s: Any) -> str:
    out, previous_letter = [], False
    for ch in to_string(s):
        out.append(ch.upper() if not previous_letter else ch)
        previous_letter = ch.isalnum() or ch == "_"
    return "".join(out)


_GO_GROUP = re.compile(r"\$(\d+|\{(\w+)\})")
# How long one regular expression of replace() may search one text.
REGEX_SECONDS = 1.0


@_fn("replace")
def _replace(s: Any, search: Any, repl: Any) -> str:
    s, search, repl = to_string(s), to_string(search), to_string(repl)
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        # Terraform's RE2 never backtracks; Python's re can for minutes on a 30-character text
        # ("/(a+)+$/"), inside C code no timer interrupts. The regex module takes a timeout.
        import regex

        try:
            pattern = regex.compile(search[1:-1])
        except regex.error as exc:
            raise EvalError(f"replace(): bad regular expression ({exc})") from None
        # Go's $1 / ${name} group references to Python's \g<...>
        python_repl = _GO_GROUP.sub(lambda m: "\\g<" + (m.group(2) or m.group(1)) + ">",
                                    repl.replace("\\", "\\\\"))
        # the size of the result counted before it is built: each match adds the replacement's
        # literal text and the groups it names (expanding the template per match would parse
        # it again each time)
        names = [m.group(2) or m.group(1) for m in _GO_GROUP.finditer(repl)]
        groups = [int(n) if n.isdigit() else n for n in names]
        literal = len(_GO_GROUP.sub("", repl))
        size = len(s)
        try:
            for match in pattern.finditer(s, timeout=REGEX_SECONDS):
                size += literal - (match.end() - match.start()) + sum(len(match.group(g) or "") for g in groups)
                if size > MAX_VALUE_CHARS:
                    raise _too_large("replace()")
            return pattern.sub(python_repl, s, timeout=REGEX_SECONDS)
        except TimeoutError:
            raise ValueTooLarge(f"replace(): the regular expression {search} took over {REGEX_SECONDS:g} s on "
                                "this text (it backtracks; Terraform's RE2 engine would not): simplify it") from None
        except (regex.error, IndexError) as exc:
            raise EvalError(f"replace(): bad replacement ({exc})") from None
    if search and len(s) + s.count(search) * (len(repl) - len(search)) > MAX_VALUE_CHARS:
        raise _too_large("replace()")
    if not search and len(s) + (len(s) + 1) * len(repl) > MAX_VALUE_CHARS:
        raise _too_large("replace()")  # an empty search matches between every two characters
    return s.replace(search, repl)


@_fn("substr")
def _substr(s: Any, offset: Any, length: Any) -> str:
    s = to_string(s)
    offset, length = int(to_number(offset)), int(to_number(length))
    if offset < 0:
        offset = max(len(s) + offset, 0)
    if length < 0:
        return s[offset:]
    return s[offset:offset + length]


@_fn("trimspace")
def _trimspace(s: Any) -> str:
    return to_string(s).strip()


@_fn("trim")
def _trim(s: Any, chars: Any) -> str:
    return to_string(s).strip(to_string(chars))


@_fn("trimprefix")
def _trimprefix(s: Any, prefix: Any) -> str:
    s, prefix = to_string(s), to_string(prefix)
    return s[len(prefix):] if prefix and s.startswith(prefix) else s


@_fn("trimsuffix")
def _trimsuffix(s: Any, suffix: Any) -> str:
    s, suffix = to_string(s), to_string(suffix)
    return s[:-len(suffix)] if suffix and s.endswith(suffix) else s


@_fn("startswith")
def _startswith(s: Any, prefix: Any) -> bool:
    return to_string(s).startswith(to_string(prefix))


@_fn("endswith")
def _endswith(s: Any, suffix: Any) -> bool:
    return to_string(s).endswith(to_string(suffix))


@_fn("zipmap", deep=False)
def _zipmap(keys: Any, values: Any) -> Any:
    keys, values = _seq(keys), _seq(values)
    if len(keys) != len(values):
        raise EvalError("zipmap(): lists of different lengths")
    if contains_unknown(keys):
        raise _Indeterminate
    return PDict((to_string(k), v) for k, v in zip(keys, values))


@_fn("range")
def _range(*args: Any) -> PList:
    nums = [to_number(a) for a in args]
    start: float
    limit: float
    step: float
    if len(nums) == 1:
        start, limit, step = 0, nums[0], 1
    elif len(nums) == 2:
        start, limit, step = nums[0], nums[1], 1 if nums[1] >= nums[0] else -1
    elif len(nums) == 3:
        start, limit, step = nums
    else:
        raise EvalError("range() takes 1 to 3 arguments")
    if step == 0:
        raise EvalError("range(): step must not be zero")
    out = PList()
    value = start
    while (step > 0 and value < limit) or (step < 0 and value > limit):
        out.append(normalize_number(value))
        if len(out) > 1024:
            raise EvalError("range(): more than 1024 elements")
        value += step
    return out


@_fn("tolist", deep=False)
def _tolist(value: Any) -> PList:
    return PList(_seq(value), line=getattr(value, "line", 0))


@_fn("toset", deep=False)
def _toset(value: Any) -> PList:
    items = _distinct(value)
    # Terraform orders sets of strings lexically
    if all(isinstance(v, str) for v in items):
        return PList(sorted(items), line=items.line)
    return items


@_fn("tomap", deep=False)
def _tomap(value: Any) -> PDict:
    return PDict(_map(value), line=getattr(value, "line", 0))


@_fn("tostring")
def _tostring(value: Any) -> Any:
    return None if value is None else to_string(value)


@_fn("tonumber")
def _tonumber(value: Any) -> Any:
    return None if value is None else to_number(value)


@_fn("tobool")
def _tobool(value: Any) -> Any:
    return None if value is None else to_bool(value)


@_fn("sensitive", deep=False)
@_fn("nonsensitive", deep=False)
def _sensitivity(value: Any) -> Any:
    # sensitivity only hides a value from Terraform's output; the value is the same
    return value


@_fn("one", deep=False)
def _one(value: Any) -> Any:
    items = _seq(value)
    if len(items) > 1:
        raise EvalError("one(): more than one element")
    return items[0] if items else None


def _numbers(args: tuple) -> list:
    nums = [to_number(a) for a in args]
    if not nums:
        raise EvalError("needs at least one number")
    return nums


@_fn("min")
def _min(*args: Any) -> Any:
    return min(_numbers(args))


@_fn("max")
def _max(*args: Any) -> Any:
    return max(_numbers(args))


@_fn("abs")
def _abs(value: Any) -> Any:
    return abs(to_number(value))


@_fn("ceil")
def _ceil(value: Any) -> int:
    return math.ceil(to_number(value))


@_fn("floor")
def _floor(value: Any) -> int:
    return math.floor(to_number(value))


@_fn("base64encode")
def _b64encode(value: Any) -> str:
    return base64.b64encode(to_string(value).encode("utf-8")).decode("ascii")


@_fn("base64decode")
def _b64decode(value: Any) -> str:
    try:
        return base64.b64decode(to_string(value), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise EvalError("base64decode(): invalid base64 or not UTF-8") from None


@_fn("reverse", deep=False)
def _reverse(value: Any) -> PList:
    return PList(reversed(_seq(value)))


@_fn("sort")
def _sort(value: Any) -> PList:
    return PList(sorted(to_string(v) for v in _seq(value)))


@_fn("slice", deep=False)
def _slice(value: Any, start: Any, end: Any) -> PList:
    return PList(_seq(value)[int(to_number(start)):int(to_number(end))])


@_fn("alltrue")
def _alltrue(value: Any) -> bool:
    return all(to_bool(v) for v in _seq(value))


@_fn("anytrue")
def _anytrue(value: Any) -> bool:
    return any(to_bool(v) for v in _seq(value))


@_fn("strrev")
def _strrev(value: Any) -> str:
    return to_string(value)[::-1]


SUPPORTED_FUNCTIONS = frozenset(_FUNCTIONS) | {"try", "can", "file", "templatefile",
                                               "fileexists", "filebase64"}


_EVALUATORS: dict[type, Callable[[Any, Context], Any]] = {
    Template: _template, Var: _variable, Traverse: _traversal, TupleExpr: _tuple,
    ObjectExpr: _object, Call: _call, Cond: _conditional, BinOp: _binary, UnOp: _unary,
    ForExpr: _for,
}
