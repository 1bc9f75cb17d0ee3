"""Every message an exit-2 error can carry, read from the source (an AST scan, no import).

A message is the text given to one of the project's error types (``CONSTRUCTORS``), to a
loader's ``error``/``bad`` helper, or returned by ``Origin.describe`` (the input an unresolved
value waits for). f-string fields become ``…``. Used by tests/test_troubleshooting.py: each
message must match a pattern of docs/troubleshooting.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "iacguard"
HOLE = "…"
# error type -> index of its message argument
CONSTRUCTORS = {"InputError": 0, "UsageError": 0, "InternalError": 0, "NotAnalysed": 0, "UndecodableText": 0,
                "ArgumentTypeError": 0, "ValueTooLarge": 0, "Unresolved": 2}
# helpers that build an InputError from their message argument (the first string given)
HELPERS = {"error", "bad"}
# Not exit-2 messages: the CloudFormation hook answers CloudFormation, never exits.
SKIPPED_FILES = {"integrations/cfn_hook.py"}
# Sites that pass on a message built elsewhere (scanned where it is built); each must exist.
PASSED_ON = {
    ("engine.py", "exc.message"): "an UndecodableText message (discover.py), re-raised as InputError",
    ("engine.py", "item.message"): "an Unresolved message of the IAM model (iam/model.py)",
    ("loaders/cfn_intrinsics.py", "message"): "the error helper itself",
    ("loaders/cfn_yaml.py", "message"): "the error helper itself",
    ("loaders/discover.py", "message"): "the error helper itself",
    ("loaders/discover.py", "exc.message"): "an UndecodableText message",
    ("loaders/hcl_eval.py", "message"): "the error helper itself",
    ("loaders/hcl_eval.py", "str(exc)"): "a ValueTooLarge message",
    ("loaders/plan.py", "message"): "the error helper itself",
    ("loaders/terraform.py", "exc.message"): "an InputError of the HCL parser or the file reader, passed on",
    ("loaders/terraform.py", "error.message"): "an InputError of a module's loader, passed on",
    ("loaders/terraform.py", "message"): "the error helpers themselves",
}
# Functions returning a message, by file: their string returns are messages too (values.py's
# ``describe`` is the input an unresolved value waits for).
MESSAGE_FUNCTIONS = {"loaders/hcl_parse.py": {"_syntax_message"}, "values.py": {"describe", "describe_unknown_value"},
                     "loaders/discover.py": {"_describe_stat_error", "size_message"},
                     "iam/unknown_access.py": {"describe_unknown"}}
_ALL_MESSAGE_FUNCTIONS = set().union(*MESSAGE_FUNCTIONS.values())


def template(node: ast.AST | None) -> str | None:
    """The text of a message expression with its fields as HOLE; None when it is not text."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else HOLE for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = template(node.left), template(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else HOLE) + (right if right is not None else HOLE)
    if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
        func = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
        if func == "internal_error_message":
            return f"internal error while {HOLE}: {HOLE}: {HOLE}; set IACGUARD_DEBUG=1 for details"
        if func in _ALL_MESSAGE_FUNCTIONS:
            return HOLE  # the function's own returns are scanned
    if isinstance(node, ast.IfExp):
        return template(node.body) or template(node.orelse)
    return None


def _passes_on(node: ast.AST) -> bool:
    text = ast.unparse(node)
    return text in ("message", "str(exc)") or text.endswith(".message")


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def messages() -> tuple[list[tuple[str, int, str]], list[tuple[str, int, str]]]:
    """(messages as (file, line, template), passed-on sites as (file, line, expression))."""
    found: set[tuple[str, int, str]] = set()
    passed_on: set[tuple[str, int, str]] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in SKIPPED_FILES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = [tree] + [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for scope in scopes:
            if isinstance(scope, ast.FunctionDef) and scope.name in MESSAGE_FUNCTIONS.get(rel, ()):
                for ret in ast.walk(scope):
                    if isinstance(ret, ast.Return) and template(ret.value) not in (None, HOLE):
                        found.add((rel, ret.lineno, template(ret.value) or ""))
            # `message = f"..."` then `InternalError(message)`: the assignment is the message
            assigned = {target.id: template(node.value) for node in ast.walk(scope) if isinstance(node, ast.Assign)
                        for target in node.targets if isinstance(target, ast.Name) and template(node.value)}
            for node in ast.walk(scope):
                if isinstance(node, ast.Call):
                    _scan_call(rel, node, assigned, found, passed_on)
    return sorted(found), sorted(passed_on)


def _scan_call(rel: str, node: ast.Call, assigned: dict, found: set, passed_on: set) -> None:
    name = _called_name(node)
    if name in ("print", "_say") and node.args and "error:" in (template(node.args[0]) or ""):
        text = template(node.args[0]) or ""
        if text.replace(HOLE, "").strip() != "iacguard: error:":  # the prefix of every usage error
            found.add((rel, node.lineno, text))  # the command's own error lines
        return
    if name in CONSTRUCTORS:
        index = CONSTRUCTORS[name]
        arg = node.args[index] if len(node.args) > index else \
            next((k.value for k in node.keywords if k.arg == "message"), None)
        args = [arg] if arg is not None else []
    elif name in HELPERS:
        # the message is the argument that is text; a `.message` passes one on; the rest
        # (a path, a line) are not messages
        args = [a for a in node.args if template(a) is not None or _passes_on(a)]
    else:
        return
    for arg in args:
        text = template(arg)
        if text is None and isinstance(arg, ast.Name) and arg.id in assigned:
            text = assigned[arg.id]
        if text is None:
            passed_on.add((rel, node.lineno, ast.unparse(arg)))
        elif text != HOLE:
            found.add((rel, node.lineno, text))
