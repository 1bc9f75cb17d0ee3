"""Terraform type constraints of variables, and the conversion Terraform applies to a value.

A variable typed ``map(object({sid = optional(string), effect = optional(string, "Allow")}))``
given ``{a = {actions = [...]}}`` holds ``{a = {sid = null, effect = "Allow", actions = [...]}}``
inside the module: modules read ``statement.value.sid`` knowing it exists. The conversion is
applied to defaults, callers' arguments, tfvars and ``--var`` values alike.

A type is a tuple: ``("string",)``, ``("number",)``, ``("bool",)``, ``("any",)``,
``("list", T)``, ``("set", T)``, ``("map", T)``, ``("tuple", [T, ...])`` and
``("object", {name: (T, optional, default)})`` where ``default`` is the converted value of
``optional(T, default)`` (None without one).
"""

from __future__ import annotations

from typing import Any

from ..values import Choice, PDict, PList, Unknown
from .hcl_parse import Call, Expr, Lit, ObjectExpr, TupleExpr, Var


class TypeMismatch(Exception):
    """A value that does not convert to the type; ``path`` says where inside it."""

    def __init__(self, message: str, path: str = ""):
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class NotAType(Exception):
    """A type expression iacguard does not read (the value is then used as given)."""


_PRIMITIVES = {"string", "number", "bool", "any"}
# Terraform 0.11 quoted types
_LEGACY = {"string": ("string",), "list": ("list", ("any",)), "map": ("map", ("any",))}


def parse_type(expr: Expr, evaluate_default) -> tuple:
    """The type an expression of a ``type =`` argument denotes. ``evaluate_default`` turns the
    default expression of ``optional(T, default)`` into a value. Raises NotAType."""
    if isinstance(expr, Var) and expr.name in _PRIMITIVES:
        return (expr.name,)
    if isinstance(expr, Lit) and isinstance(expr.value, str) and expr.value in _LEGACY:
        return _LEGACY[expr.value]
    if isinstance(expr, Call):
        name, args = expr.name, expr.args
        if name in ("list", "set", "map") and len(args) == 1:
            return (name, parse_type(args[0], evaluate_default))
        if name == "tuple" and len(args) == 1 and isinstance(args[0], TupleExpr):
            return ("tuple", [parse_type(item, evaluate_default) for item in args[0].items])
        if name == "object" and len(args) == 1 and isinstance(args[0], ObjectExpr):
            attributes = {}
            for key, value in args[0].items:
                if isinstance(key, Var):
                    attr_name = key.name
                elif isinstance(key, Lit) and isinstance(key.value, str):
                    attr_name = key.value
                else:
                    raise NotAType(expr.text)
                if isinstance(value, Call) and value.name == "optional" and 1 <= len(value.args) <= 2:
                    attr_type = parse_type(value.args[0], evaluate_default)
                    default = None
                    if len(value.args) == 2:
                        default = convert(evaluate_default(value.args[1]), attr_type)
                    attributes[attr_name] = (attr_type, True, default)
                else:
                    attributes[attr_name] = (parse_type(value, evaluate_default), False, None)
            return ("object", attributes)
    raise NotAType(expr.text)


def convert(value: Any, type_: tuple, path: str = "") -> Any:
    """``value`` converted to ``type_`` as Terraform converts a variable's value. Unknown parts
    stay as they are; a value that cannot convert raises TypeMismatch."""
    if value is None or isinstance(value, Unknown) and not isinstance(value, Choice):
        return value
    if isinstance(value, Choice):
        options = []
        for option in value.options:
            try:
                options.append(convert(option, type_, path))
            except TypeMismatch:
                options.append(option)  # that branch would fail only if it were taken
        return Choice(options, text=value.text, reason=value.reason)
    kind = type_[0]
    if kind == "any":
        return value
    if kind == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            from .hcl_eval import number_to_string
            return number_to_string(value)
        raise TypeMismatch(f"a string is required, not {_kind(value)}", path)
    if kind == "number":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            from .hcl_eval import EvalError, to_number
            try:
                return to_number(value)
            except EvalError:
                pass
        raise TypeMismatch(f"a number is required, not {_describe(value)}", path)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise TypeMismatch(f"a bool is required, not {_describe(value)}", path)
    if kind in ("list", "set"):
        if not isinstance(value, list):
            raise TypeMismatch(f"a {kind} is required, not {_kind(value)}", path)
        items = PList((convert(v, type_[1], f"{path}[{i}]") for i, v in enumerate(value)),
                      line=getattr(value, "line", 0))
        return _as_set(items) if kind == "set" else items
    if kind == "tuple":
        if not isinstance(value, list):
            raise TypeMismatch(f"a tuple is required, not {_kind(value)}", path)
        if len(value) != len(type_[1]):
            raise TypeMismatch(f"a tuple of {len(type_[1])} elements is required, not {len(value)}", path)
        return PList((convert(v, t, f"{path}[{i}]") for i, (v, t) in enumerate(zip(value, type_[1]))),
                     line=getattr(value, "line", 0))
    if kind == "map":
        if not isinstance(value, dict):
            raise TypeMismatch(f"a map is required, not {_kind(value)}", path)
        return _positioned_like(value, ((k, convert(v, type_[1], f'{path}["{k}"]')) for k, v in value.items()))
    if kind == "object":
        if not isinstance(value, dict):
            raise TypeMismatch(f"an object is required, not {_kind(value)}", path)
        result = []
        for name, (attr_type, optional, default) in type_[1].items():
            inner = f"{path}.{name}" if path else name
            if name not in value or value[name] is None:
                if not optional and name not in value:
                    raise TypeMismatch(f'attribute "{name}" is required', path)
                result.append((name, default))  # already converted
                continue
            result.append((name, convert(value[name], attr_type, inner)))
        # attributes the type does not declare are dropped, as Terraform does
        return _positioned_like(value, result)
    return value


def _positioned_like(original: dict, items) -> PDict:
    result = PDict(items, line=getattr(original, "line", 0))
    result.file = getattr(original, "file", None)
    return result


def _as_set(items: PList) -> PList:
    """Terraform's sets hold each value once, strings and numbers in order."""
    from .hcl_eval import _distinct

    unique = _distinct(items)
    if all(isinstance(v, str) for v in unique):
        return PList(sorted(unique), line=items.line)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in unique):
        return PList(sorted(unique), line=items.line)
    return unique


def _kind(value: Any) -> str:
    from .hcl_eval import type_name

    name = type_name(value)
    return {"object": "an object", "list": "a list"}.get(name, f"a {name}")


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value[:40]}"'
    return _kind(value)
