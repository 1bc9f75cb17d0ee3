"""Terraform configuration loader: one root module and the local modules it calls.

Produces ``Resource`` objects (managed resources, data sources, providers, variables,
outputs) with resolved properties. Evaluation is lazy: a variable, local, module output or
resource attribute is computed when first needed, with cycle detection, so declaration order
across files never matters.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from ..errors import InputError, InternalError, NotAnalysed, internal_error_message
from ..resource import MODULE_ARGUMENT_POLICY, TERRAFORM, LoadResult, ModuleSeen, Resource
from ..values import Choice, Encoded, Origin, PDict, PList, Ref, Unknown, contains_unknown
from . import hcl_eval
from .discover import is_inside
from .hcl_eval import Context, EvalError, Resolver, evaluate, evaluate_body, unknown
from .hcl_parse import (Block, GetAttr, Index, ParsedFile, Splat, parse_expression_text,
                        parse_hcl, parse_tf_json)
from .hcl_parse import MAX_DEPTH as hcl_parse_max_depth
from .policy_document import build_policy_document

MAX_READ_BYTES = 5 * 1024 * 1024  # file()/templatefile() limit
MAX_SOURCE_BYTES = 20 * 1024 * 1024  # a .tf / .tfvars file

_RESOURCE_META_ATTRS = frozenset({"count", "for_each", "provider", "depends_on"})
_RESOURCE_META_BLOCKS = frozenset({"lifecycle", "provisioner", "connection"})
_MODULE_META_ATTRS = frozenset({"source", "version", "count", "for_each", "providers",
                                "depends_on"})
_PRIMITIVE_TYPES = {"string", "number", "bool", "any"}


def load_module_tree(module_dir: Path, files: list[Path], scan_root: Path, *,
                     variables: dict[str, str] | None = None,
                     var_files: Sequence[Path] = (),
                     max_module_depth: int = 20,
                     max_instances: int = 1000,
                     max_nesting_depth: int = hcl_parse_max_depth,
                     named_root: bool = False, repository: Path | None = None) -> LoadResult:
    """Load a root module (its ``.tf``/``.tf.json`` ``files``) and every module it calls whose
    code is on disk: local sources anywhere inside ``repository`` (default: the scan root), and
    registry or git sources that `terraform init` recorded in `.terraform/modules/modules.json`.

    ``named_root``: the settings name this directory as a root, applied as it stands.
    Never raises for bad input: problems are returned in ``LoadResult.errors``; calls whose code
    is not on disk in ``LoadResult.not_analysed``.
    """
    loader = _Loader(Path(module_dir), Path(scan_root), max_module_depth, max_instances,
                     repository=Path(repository) if repository is not None else None)
    loader.max_nesting_depth = max_nesting_depth
    root_files = sorted((Path(f) for f in files if _is_config_file(Path(f))), key=lambda p: p.name)
    source = loader.module_source(Path(module_dir), root_files)
    root = _Instance(loader, source, prefix="", base_prefix="", inputs=None, depth=0,
                     call_stack=(source.real_dir,))
    root.root_values = loader.root_variable_values(source, variables or {}, list(var_files))
    # Applied as it stands (README "How the roots of a scan are chosen"): a backend, a provider
    # configuration, values of its own or given for it, or named by the settings. Otherwise it
    # is a library: its variables without a value are what its callers pass.
    loader.library = not (named_root or source.backend or variables or var_files or loader.own_tfvars
                          or any(kind == "provider" for kind, _ in source.ordered))
    loader.emit(root)
    loader.expand_flags(root)
    return loader.result


def given_variable_names(module_dir: Path, scan_root: Path, variables: dict[str, str],
                         var_files: list[Path], *, max_nesting_depth: int = hcl_parse_max_depth) -> set[str]:
    """The variables a root in ``module_dir`` would get a value for from its own
    terraform.tfvars/*.auto.tfvars, ``var_files`` and ``variables`` (--var). Files that cannot
    be read give nothing here; the load of the root reports them."""
    loader = _Loader(Path(module_dir), Path(scan_root), 0, 0)
    loader.max_nesting_depth = max_nesting_depth
    source = _ModuleSource(Path(module_dir), os.path.realpath(module_dir), [])
    return set(loader.root_variable_values(source, variables, list(var_files)))


# Parsed configuration files, shared by the loads of one scan: a module called from a dozen
# example roots is parsed once, not a dozen times. Keyed on everything the parse depends on
# (the text itself, the name errors give it, the syntax, the nesting limit), so no load can
# see a tree of another text; the engine forgets them when a scan's loading ends, and a cap on
# the source held keeps a huge repository from keeping every tree alive at once.
_PARSED: dict[tuple, ParsedFile] = {}
_PARSED_MAX_CHARS = 8 * 1024 * 1024
_parsed_chars = 0


def _parsed_file(text: str, rel: str, is_json: bool, max_depth: int) -> ParsedFile:
    """``text`` parsed (Terraform JSON or native syntax); raises as the parsers do."""
    global _parsed_chars
    key = (text, rel, is_json, max_depth)
    parsed = _PARSED.get(key)
    if parsed is not None:
        return parsed
    parsed = parse_tf_json(text, rel, max_depth=max_depth) if is_json else \
        parse_hcl(text, rel, max_depth=max_depth)
    if len(text) <= _PARSED_MAX_CHARS // 4:
        while _PARSED and _parsed_chars + len(text) > _PARSED_MAX_CHARS:
            oldest = next(iter(_PARSED))  # dicts keep insertion order: the first parsed goes first
            del _PARSED[oldest]
            _parsed_chars -= len(oldest[0])
        _PARSED[key] = parsed
        _parsed_chars += len(text)
    return parsed


def forget_parsed_files() -> None:
    """Drop the parsed files kept for the scan whose loading has ended."""
    global _parsed_chars
    _PARSED.clear()
    _parsed_chars = 0


_NOT_A_FLAG = object()
_MAX_SWITCH_TRIALS = 32  # sets of switched defaults tried per resource (1, then 2, ... at a time)
_MAX_PROBES_KEPT = 64  # probe loaders kept for reuse per root (see _Loader._try_world)


def _switched(default: Any, dep: tuple) -> Any:
    """The other value of a flag: a bool negated, a count of 0 made 1, an empty collection
    (``for_each = var.policies``) one element of unknown key and value. Anything else (a string,
    a policy) is not switched."""
    if isinstance(default, bool):
        return not default
    if isinstance(default, (int, float)) and default == 0:
        return 1
    if isinstance(default, (list, dict)) and not isinstance(default, Unknown) and not default:
        return _SomeElements(f"{dep[0]}var.{dep[1]}", reason="elements given when switched on")
    return _NOT_A_FLAG


class _SomeElements(Unknown):
    """A collection whose elements (keys and values) are given with the input that fills it."""


def _describe_switch(dep: tuple, value: Any) -> str:
    prefix, name = dep
    if isinstance(value, _SomeElements):
        return f"{prefix}var.{name} is not empty"
    shown = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return f"{prefix}var.{name} = {shown}"


def _world_key(world: dict) -> tuple:
    """``world`` (switched defaults) as a key: the same switches give the same key."""
    return tuple((name, type(value).__name__, value)
                 for name, value in sorted(world.items(), key=lambda item: item[0]))


def _emit_targets(world_root: "_Instance", targets: list) -> None:
    """Emit what a world of switched flags was made for: resources, data sources, and the
    instances of module calls ((path, kind, decl), ...)."""
    loader = world_root.loader
    for path, kind, decl in targets:
        instance = _navigate(world_root, path)
        if instance is None:
            continue
        if kind == "module":
            for child in instance.child_instances(decl.block.labels[0]).values():
                if child is not None:
                    loader.emit(child)
        else:
            instance.emit_block(kind, decl)


def _navigate(root: "_Instance", path: tuple) -> "_Instance | None":
    """The module instance at ``path`` ((call name, key), ...) below ``root``."""
    instance = root
    for name, key in path:
        if name not in instance.source.modules:
            return None
        child = instance.child_instances(name).get(key)
        if child is None:
            return None
        instance = child
    return instance


def _is_config_file(path: Path) -> bool:
    return path.name.endswith(".tf") or path.name.endswith(".tf.json")


def _instance_suffix(key: Any) -> str:
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return "[" + json.dumps(key, ensure_ascii=False) + "]"


# --------------------------------------------------------------------------------------------
# parsed module directories


@dataclass
class _Decl:
    block: Block
    file: str  # relative to the scan root


@dataclass
class _ModuleSource:
    dir: Path
    real_dir: str
    files: list  # (relative file, ParsedFile)
    variables: dict = field(default_factory=dict)  # name -> _Decl
    locals: dict = field(default_factory=dict)  # name -> (Attribute, file)
    resources: dict = field(default_factory=dict)  # "TYPE.NAME" -> _Decl
    data: dict = field(default_factory=dict)  # "TYPE.NAME" -> _Decl
    modules: dict = field(default_factory=dict)  # name -> _Decl
    outputs: dict = field(default_factory=dict)  # name -> _Decl
    ordered: list = field(default_factory=list)  # (kind, _Decl) in file order
    comments: dict = field(default_factory=dict)  # file -> [(line, text)]
    types: dict = field(default_factory=dict)  # variable name -> its type (see _variable_type)
    backend: bool = False  # a `backend` or `cloud` block in `terraform {}`: only roots have one


class _Loader:
    root_dir: Path
    scan_root: Path
    scan_root_real: str
    repository_real: str
    group: str

    def __init__(self, root_dir: Path, scan_root: Path, max_depth: int, max_instances: int,
                 repository: Path | None = None, *, same_paths_as: "_Loader | None" = None):
        if same_paths_as is not None:  # a load of the same root with flags switched: resolved once
            self.root_dir, self.scan_root = same_paths_as.root_dir, same_paths_as.scan_root
            self.scan_root_real, self.repository_real = same_paths_as.scan_root_real, same_paths_as.repository_real
        else:
            self.root_dir = root_dir.resolve()
            self.scan_root = scan_root.resolve()
            self.scan_root_real = os.path.realpath(self.scan_root)
            # module sources may be anywhere in the repository (file() and templatefile() read inside
            # the scan root, and a module loaded from outside it inside its own directory too)
            self.repository_real = os.path.realpath(repository) if repository is not None else self.scan_root_real
        self._manifest: dict | None = None  # .terraform/modules/modules.json: key -> entry
        self._not_analysed: set = set()
        self.max_depth = max_depth
        self.max_instances = max_instances
        self.max_nesting_depth = hcl_parse_max_depth
        self.result = LoadResult()
        self._real_dirs: dict[str, str] = {}  # directory -> its real path (see realpath)
        if same_paths_as is not None:
            self._real_dirs = same_paths_as._real_dirs
            self.group = same_paths_as.group
        else:
            self.group = self.rel(self.root_dir) if self.root_dir != self.scan_root else "."
        self._sources: dict[str, _ModuleSource] = {}
        self._active: set = set()  # evaluations in progress (cycle detection)
        self._instances_exceeded = False
        self.module_instances = 0  # across the tree: module count/for_each multiply
        # resource and data source instances loaded, per declaration across module instances
        # (base address -> [count, file, line]): the limit names the largest
        self.resource_instances = 0
        self._instances_by_declaration: dict[str, list] = {}
        self.subject = ""  # the declaration being loaded: what an internal error is met for
        self.own_tfvars = False  # the root has a terraform.tfvars or *.auto.tfvars
        self.library = False  # the root is a library (load_module_tree decides)
        self._reported: set = set()
        # feature flags (see expand_flags): the variables whose defaults this load overrides,
        # the defaults read by the evaluation in progress, and what no instance was made of
        self.overrides: dict = {}  # (instance prefix, variable) -> value
        self._traces: list[set] = []
        self.defaults: dict = {}  # (instance prefix, variable) -> its default value
        self.switched_off: dict = {}  # (instance prefix, id(block)) -> (instance path, kind, decl, deps)
        self.probe = False  # a load with switched flags: the scan's roots are decided without it
        # values kept by instances record, when reused, the defaults their computation read
        # (module calls and policy documents too; see _try_world)
        self.reuse_traces = False
        self._module_reals: dict = {}  # module directory as written -> os.path.realpath
        self._local_modules: dict = {}  # (calling module's directory, source) -> see local_module
        self.cycles = 0  # cyclic references met (what they yield depends on evaluation order)
        # probe loaders of _switch_on by world, each asked about several declarations in turn
        self._probes: dict[tuple, tuple["_Loader", "_Instance"]] = {}

    # -- paths and errors ------------------------------------------------------------------------
    def realpath(self, path: str | os.PathLike[str]) -> str:
        """``os.path.realpath``, resolving each directory once per module tree: a file that is
        not a symlink costs one lstat instead of one per path component."""
        directory, name = os.path.split(os.path.abspath(path))
        real_dir = self._real_dirs.get(directory)
        if real_dir is None:
            real_dir = self._real_dirs[directory] = os.path.realpath(directory)
        candidate = os.path.join(real_dir, name)
        return os.path.realpath(candidate) if os.path.islink(candidate) else candidate

    def laid_out(self, path: str | os.PathLike[str]) -> str:
        """``path`` relative to the scan root as the user laid the tree out (links not resolved)."""
        return Path(os.path.relpath(os.path.abspath(path), self.scan_root)).as_posix()

    def module_realpath(self, directory: str | os.PathLike[str]) -> str:
        """``os.path.realpath`` of a module directory, once per root (loads with switched flags
        follow the same calls again)."""
        key = str(directory)
        real = self._module_reals.get(key)
        if real is None:
            real = self._module_reals[key] = os.path.realpath(directory)
        return real

    def local_module(self, caller_dir: Path, source: str) -> tuple[Path, str, bool]:
        """The directory of a local module source (as written and real) and whether it is
        inside the repository: once per root for each call written the same way (module
        instances and loads with switched flags follow the same calls again)."""
        key = (caller_dir, source)
        found = self._local_modules.get(key)
        if found is None:
            target = caller_dir / source
            real = self.module_realpath(target)
            found = self._local_modules[key] = (target, real, is_inside(real, self.repository_real))
        return found

    def rel(self, path: Path) -> str:
        try:
            return Path(os.path.relpath(self.realpath(path), self.scan_root)).as_posix()
        except ValueError:
            return Path(path).as_posix()

    def error(self, message: str, file: str | None, line: int | None = None, *, internal: bool = False) -> None:
        key = (message, file, line)
        if key not in self._reported:  # the same module loaded twice reports once
            self._reported.add(key)
            self.result.errors.append((InternalError if internal else InputError)(message, file=file, line=line))

    def read_bytes(self, path: Path, limit: int, what: str, file: str | None, line: int | None,
                   *, require_inside: bool, quiet_missing: bool = False,
                   written: str | None = None, in_repository: bool = False,
                   module_dir: str | None = None) -> bytes | None:
        """Read a regular file without ever opening FIFOs/devices or following a symlink out
        of the scan root (``require_inside``; or out of ``module_dir``, the real directory of the
        module whose code reads it) or, with ``in_repository``, out of the repository. Reports
        and returns None when refused. Messages show the path relative to the scan root, or as
        ``written`` in the configuration when outside it."""
        real = self.realpath(path)
        if is_inside(os.path.abspath(path), str(self.scan_root)) or written is None:
            shown = self.laid_out(path)
        else:
            shown = written
        if require_inside and not is_inside(real, self.scan_root_real) and \
                not (module_dir is not None and is_inside(real, module_dir)):
            self.error(f"{what} path escapes the scan root: {shown}", file, line)
            return None
        if in_repository and not is_inside(real, self.repository_real):
            self.error(f"{what} path escapes the repository: {shown}", file, line)
            return None
        try:
            info = os.stat(real)
        except OSError:
            if not quiet_missing:
                self.error(f"{what} file not found: {shown}", file, line)
            return None
        if not stat.S_ISREG(info.st_mode):
            self.error(f"{what} path is not a regular file: {shown}", file, line)
            return None
        if info.st_size > limit:
            self.error(f"{what} file is larger than {limit // (1024 * 1024)} MB: {shown}", file, line)
            return None
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(real, flags)
        except OSError as exc:
            self.error(f"{what} cannot open {shown}: {exc.strerror}", file, line)
            return None
        try:
            info = os.fstat(fd)  # the path may have been swapped since stat()
            if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
                self.error(f"{what} path is not a regular file: {shown}", file, line)
                return None
            chunks, total = [], 0
            while total <= limit:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            if total > limit:
                self.error(f"{what} file is larger than {limit // (1024 * 1024)} MB: {shown}", file, line)
                return None
            return b"".join(chunks)
        except OSError as exc:
            self.error(f"{what} cannot read {shown}: {exc.strerror}", file, line)
            return None
        finally:
            os.close(fd)

    def read_text(self, path: Path, limit: int, what: str, file: str | None, line: int | None, *,
                  require_inside: bool, quiet_missing: bool = False,
                  written: str | None = None, in_repository: bool = False,
                  module_dir: str | None = None) -> str | None:
        data = self.read_bytes(path, limit, what, file, line, require_inside=require_inside,
                               quiet_missing=quiet_missing, written=written, in_repository=in_repository,
                               module_dir=module_dir)
        if data is None:
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.error(f"{what} file is not UTF-8 text: {written or self.rel(path)}", file, line)
            return None

    # -- parsing ---------------------------------------------------------------------------------
    def module_source(self, directory: Path, files: list[Path] | None = None) -> _ModuleSource:
        real = self.module_realpath(directory)
        cached = self._sources.get(real)
        if cached is not None:
            return cached
        if files is None:
            try:
                files = sorted((p for p in directory.iterdir() if _is_config_file(p) and p.is_file()),
                               key=lambda p: p.name)
            except OSError as exc:
                self.error(f"cannot list module directory: {exc.strerror}", self.rel(directory))
                files = []
        source = _ModuleSource(directory, real, [])
        for path in files:
            rel = self.rel(path)
            text = self.read_text(path, MAX_SOURCE_BYTES, "configuration", self.laid_out(path), None,
                                  require_inside=False, in_repository=True)
            if text is None:
                continue
            try:
                parsed = _parsed_file(text, rel, path.name.endswith(".json"), self.max_nesting_depth)
            except InputError as exc:
                self.error(exc.message, exc.file, exc.line)
                continue
            except RecursionError:
                self.error("configuration nested too deeply", rel)
                continue
            self.result.files.append(rel)
            source.files.append((rel, parsed))
            source.comments[rel] = parsed.comments
            self._index(source, rel, parsed)
        self._sources[real] = source
        return source

    def _index(self, source: _ModuleSource, rel: str, parsed: ParsedFile) -> None:
        for block in parsed.body.blocks:
            decl = _Decl(block, rel)
            labels = block.labels
            if block.type == "resource" and len(labels) == 2:
                source.resources[f"{labels[0]}.{labels[1]}"] = decl
                source.ordered.append(("managed", decl))
            elif block.type == "data" and len(labels) == 2:
                source.data[f"{labels[0]}.{labels[1]}"] = decl
                source.ordered.append(("data", decl))
            elif block.type == "variable" and len(labels) == 1:
                source.variables[labels[0]] = decl
                source.ordered.append(("variable", decl))
            elif block.type == "output" and len(labels) == 1:
                source.outputs[labels[0]] = decl
                source.ordered.append(("output", decl))
            elif block.type == "module" and len(labels) == 1:
                source.modules[labels[0]] = decl
                source.ordered.append(("module", decl))
            elif block.type == "provider" and len(labels) == 1:
                source.ordered.append(("provider", decl))
            elif block.type == "locals":
                for name, attr in block.body.attributes.items():
                    source.locals[name] = (attr, rel)
            elif block.type == "terraform":
                source.backend = source.backend or any(
                    inner.type in ("backend", "cloud") for inner in block.body.blocks)

    # -- root variables ----------------------------------------------------------------------------
    def root_variable_values(self, source: _ModuleSource, cli: dict[str, str],
                             var_files: list[Path]) -> dict:
        values: dict = {}
        directory = source.dir
        candidates = [directory / "terraform.tfvars", directory / "terraform.tfvars.json"]
        try:
            autos = sorted((p for p in directory.iterdir()
                            if p.name.endswith(".auto.tfvars") or p.name.endswith(".auto.tfvars.json")),
                           key=lambda p: p.name)
        except OSError:
            autos = []
        for path in candidates + autos:
            if os.path.lexists(path):
                self.own_tfvars = True
                values.update(self._tfvars(path, require_inside=True))
        for path in var_files:
            path = Path(path)
            if not path.is_absolute() and not path.exists() and (directory / path).exists():
                path = directory / path
            values.update(self._tfvars(path, require_inside=False))
        for name, raw in cli.items():
            decl = source.variables.get(name)
            values[name] = self._cli_value(name, raw, decl)
        return values

    def _tfvars(self, path: Path, *, require_inside: bool) -> dict:
        rel = self.rel(path)
        text = self.read_text(path, MAX_SOURCE_BYTES, "variables", rel, None,
                              require_inside=require_inside)
        if text is None:
            return {}
        self.result.files.append(rel)
        if path.name.endswith(".json"):
            from ..jsonpos import loads_positioned

            try:
                data = loads_positioned(text, file=rel)
            except json.JSONDecodeError as exc:
                self.error(f"invalid JSON: {exc.msg}", rel, exc.lineno)
                return {}
            except ValueError as exc:  # a number over Python's 4300-digit conversion limit
                self.error(f"invalid JSON: {exc}", rel)
                return {}
            except RecursionError:
                self.error("JSON nested too deeply", rel)
                return {}
            if not isinstance(data, dict):
                self.error("a variables JSON file must contain an object", rel, 1)
                return {}
            return dict(data)
        try:
            parsed = parse_hcl(text, rel, max_depth=self.max_nesting_depth)
        except InputError as exc:
            self.error(exc.message, exc.file, exc.line)
            return {}
        except RecursionError:
            self.error("variables file nested too deeply", rel)
            return {}
        ctx = Context(_ValuesResolver(self), rel, template_only=True)
        return {name: evaluate(attr.expr, ctx) for name, attr in parsed.body.attributes.items()}

    def _cli_value(self, name: str, raw: str, decl: _Decl | None) -> Any:
        type_attr = decl.block.body.attributes.get("type") if decl else None
        type_text = type_attr.expr.text.strip() if type_attr else ""
        if type_text == "number":
            try:
                return hcl_eval.to_number(raw)
            except EvalError:
                return raw
        if type_text == "bool" and raw in ("true", "false"):
            return raw == "true"
        if not type_text or type_text in _PRIMITIVE_TYPES:
            return raw
        try:
            expr = parse_expression_text(raw, f"-var {name}")
        except RecursionError:
            self.error(f"-var {name}: value nested too deeply", None)
            return Unknown(f"var.{name}", reason="invalid -var value")
        except InputError as exc:
            self.error(f"-var {name}: not a valid HCL value: {exc.message}", None)
            return Unknown(f"var.{name}", reason="invalid -var value")
        return _written_nowhere(evaluate(expr, Context(_ValuesResolver(self), f"-var {name}", template_only=True)))

    # -- cycle guard -------------------------------------------------------------------------------
    def guarded(self, key: tuple, compute: Callable[[], Any], on_cycle: Callable[[], Any]) -> Any:
        if key in self._active:
            self.cycles += 1
            return on_cycle()
        self._active.add(key)
        try:
            return compute()
        finally:
            self._active.discard(key)

    def note_module(self, source: _ModuleSource, instantiated: bool) -> None:
        """What the scan needs to decide whether a called directory is also a root of its own
        (engine._RootPlanner): whether this call made an instance of it, and whether it could
        be applied alone."""
        if self.probe:
            return
        before = self.result.modules.get(source.real_dir)
        if before is None:
            required = tuple(sorted(name for name, decl in source.variables.items()
                                    if "default" not in decl.block.body.attributes))
            self.result.modules[source.real_dir] = ModuleSeen(instantiated, source.backend, required)
        elif instantiated and not before.instantiated:
            self.result.modules[source.real_dir] = dataclasses.replace(before, instantiated=True)

    # -- module calls whose code is elsewhere ----------------------------------------------------------
    def installed_module(self, key: str) -> tuple[str, Any, str] | None:
        """What `terraform init` recorded for the module call ``key`` ("app", "app.policy") in the
        root's `.terraform/modules/modules.json`: (directory, version, source), or None when the
        manifest has no usable entry (refused entries are reported once, on the manifest)."""
        if self._manifest is None:
            self._manifest = self._read_manifest()
        return self._manifest.get(key)

    def _read_manifest(self) -> dict:
        path = self.root_dir / ".terraform" / "modules" / "modules.json"
        if not os.path.lexists(path):
            return {}
        rel = self.rel(path)
        text = self.read_text(path, MAX_SOURCE_BYTES, "module manifest", rel, None, require_inside=False,
                              in_repository=True)
        if text is None:
            return {}
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self.error(f"module manifest is not valid JSON: {exc.msg}", rel, exc.lineno)
            return {}
        except (ValueError, RecursionError) as exc:
            self.error(f"module manifest is not valid JSON: {type(exc).__name__}", rel)
            return {}
        modules = data.get("Modules") if isinstance(data, dict) else None
        if not isinstance(modules, list):
            self.error("module manifest has no \"Modules\" list (written by terraform init)", rel)
            return {}
        found: dict = {}
        for entry in modules:
            if not isinstance(entry, dict) or not isinstance(entry.get("Key"), str) \
                    or not isinstance(entry.get("Dir"), str):
                self.error("module manifest entry without a Key and a Dir: not followed", rel)
                continue
            key, directory = entry["Key"], entry["Dir"]
            if not key:
                continue  # the root module itself
            target = self.root_dir / directory  # Dir is relative to the root module
            if not is_inside(os.path.realpath(target), self.repository_real):
                self.error(f"module manifest: the directory of module {key!r} escapes the repository: "
                           f"{directory}; not followed", rel)
                continue
            version = entry.get("Version")
            found[key] = (str(target), version if isinstance(version, str) and version else None,
                          entry.get("Source") if isinstance(entry.get("Source"), str) else "")
        return found

    def not_analysed(self, address: str, source: str, version: Any, why: str, file: str, line: int) -> None:
        """Name a module call whose code is not read (once per call, not per instance)."""
        key = (address, file, line)
        if key in self._not_analysed:
            return
        self._not_analysed.add(key)
        shown_version = version if isinstance(version, str) and version else None
        what = f"{source}, {shown_version}" if shown_version else source
        self.result.not_analysed.append(NotAnalysed(
            f"{address} ({what}) not analysed: {why}", file=file, line=line, module=address,
            source=source, version=shown_version))

    # -- feature flags ---------------------------------------------------------------------------
    def tracked(self, compute: Callable[[], Any]) -> tuple[Any, frozenset]:
        """``compute()`` and the variable defaults it read, directly or through locals, module
        inputs and outputs (the enclosing evaluation depends on them too)."""
        self._traces.append(set())
        try:
            value = compute()
        finally:
            deps = frozenset(self._traces.pop())
        self.record(deps)
        return value, deps

    def record(self, deps: Any) -> None:
        if deps and self._traces:
            self._traces[-1].update(deps)

    def note_switched_off(self, instance: "_Instance", kind: str, decl: _Decl, deps: frozenset) -> None:
        """A resource or module call of which no instance is made, decided by variable defaults."""
        if any(dep not in self.overrides for dep in deps):
            self.switched_off.setdefault((instance.prefix, id(decl.block)),
                                         (instance.path, kind, decl, deps))

    def spawn(self, overrides: dict, root_values: dict) -> tuple["_Loader", "_Instance"]:
        """A loader of the same root with some variable defaults replaced (parsed files shared)."""
        other = _Loader(self.root_dir, self.scan_root, self.max_depth, self.max_instances, same_paths_as=self)
        other.max_nesting_depth = self.max_nesting_depth
        other._manifest = self._manifest
        other.library, other.own_tfvars = self.library, self.own_tfvars
        other._sources = self._sources
        other._real_dirs = self._real_dirs
        other.overrides = overrides
        other._module_reals = self._module_reals
        other._local_modules = self._local_modules
        other.probe = True
        root_source = self._sources[self.module_realpath(self.root_dir)]
        root = _Instance(other, root_source, prefix="", base_prefix="", inputs=None, depth=0,
                         call_stack=(root_source.real_dir,))
        root.root_values = root_values
        return other, root

    def expand_flags(self, root: "_Instance") -> None:
        """Analyse what the configuration creates when a flag is switched on.

        A resource or module call with no instance because of a variable's default (``count =
        var.create ? 1 : 0``, ``count = var.n`` with default 0) is loaded again with the fewest of
        those defaults switched (a bool negated, 0 made 1) that make an instance of it; what
        that adds is emitted with ``when`` naming the switched inputs. Only the
        defaults in its own count/for_each (and the module calls above it) are switched, never
        every combination of every variable; a value given by a caller, tfvars or --var is never
        switched (it is not a default)."""
        defaults = list(self.result.resources)
        emitted = {r.address for r in defaults}
        switched: list[Resource] = []
        worlds: dict[tuple, list] = {}
        pending = list(self.switched_off.values())
        self.switched_off = {}
        tried: set = set()
        while pending and not self._instances_exceeded:
            for path, kind, decl, deps in pending:
                key = (path, id(decl.block))
                if key in tried:
                    continue
                tried.add(key)
                world = self._switch_on(root, path, kind, decl, deps)
                if world is not None:
                    worlds.setdefault(tuple(sorted(world.items(), key=lambda item: item[0])),
                                      []).append((path, kind, decl))
            pending = []
            for world_items in sorted(worlds, key=len):
                if self._instances_exceeded:
                    break
                targets = worlds.pop(world_items)
                loader = self._emit_world(dict(world_items), root, targets)
                for error in loader.result.errors:
                    self.error(error.message, error.file, error.line)
                when = " and ".join(_describe_switch(k, v) for k, v in world_items)
                for resource in loader.result.resources:
                    if resource.address in emitted:
                        continue
                    # instances only, as add() counts them (variables and outputs are not)
                    if resource.mode in ("managed", "data"):
                        if self.resource_instances >= self.max_instances:
                            self.error(f"root module {self.group}: more than {self.max_instances} resource "
                                       "instances with flags switched on; the rest are not loaded; raise "
                                       "the limit with --max-instances", resource.file, resource.line)
                            self._instances_exceeded = True
                            break
                        self.resource_instances += 1
                    emitted.add(resource.address)
                    resource.when = when
                    switched.append(resource)
                # flags inside what this world switched on: their worlds extend this one
                pending.extend(loader.switched_off.values())
                for key, value in loader.defaults.items():
                    self.defaults.setdefault(key, value)
        self._probes = {}  # their evaluations are not needed once every flag is decided
        if switched:
            # one deployment with every switched resource beside copies of the defaults' (a group
            # of its own), so that a finding that needs both (a switched policy that lets a role
            # escalate) is made there; what the defaults alone make is reported without `when`
            label = " (when switched)"
            for resource in defaults:
                # a shallow copy as dataclasses.replace makes it, without re-running __init__
                # for each of thousands of resources
                duplicate = copy.copy(resource)
                duplicate.group, duplicate.world, duplicate.copy = resource.group + label, label, True
                self.result.resources.append(duplicate)
            for resource in switched:
                resource.group, resource.world = resource.group + label, label
                self.result.resources.append(resource)

    def _switch_on(self, root: "_Instance", path: tuple, kind: str, decl: _Decl,
                   deps: frozenset) -> dict | None:
        """The fewest switched defaults (with those already switched) that make an instance.

        Breadth first: one more default at each step, among those the count/for_each (and the
        module calls above) read in the previous step's world, since `var.a && var.b` reads
        var.b only once var.a is switched."""
        base = dict(self.overrides)
        frontier: list[tuple[dict, frozenset]] = [(base, deps)]
        seen: set = set()
        trials = 0
        while frontier:
            following: list[tuple[dict, frozenset]] = []
            for world, read in frontier:
                for dep in sorted(read):
                    if dep in world or dep not in self.defaults:
                        continue
                    value = _switched(self.defaults[dep], dep)
                    if value is _NOT_A_FLAG:
                        continue
                    candidate = dict(world)
                    candidate[dep] = value
                    key = frozenset(k for k in candidate if k not in base)
                    if key in seen:
                        continue
                    seen.add(key)
                    trials += 1
                    if trials > _MAX_SWITCH_TRIALS:
                        self.result.unresolved.append(InputError(
                            f"{decl.block.type} {'.'.join(decl.block.labels)}: which defaults create "
                            f"it is not analysed: more than {_MAX_SWITCH_TRIALS} combinations of "
                            "its flags would have to be tried", file=decl.file, line=decl.block.line))
                        return None
                    made, now_read, probe = self._try_world(candidate, root, path, kind, decl)
                    for known, default in probe.defaults.items():
                        self.defaults.setdefault(known, default)
                    if made is None or made:
                        return candidate
                    following.append((candidate, now_read))
            frontier = following
        return None

    def _emit_world(self, world: dict, root: "_Instance", targets: list) -> "_Loader":
        """A loader of ``world`` that has emitted ``targets`` ((path, kind, decl), ...).

        The probe that answered for this world in _switch_on does it when there is one: it has
        emitted nothing, reported nothing and met no cycle, and what it computed is what a
        fresh loader would compute; the declarations switched off that the emission touches
        are noted again (see ``expansion``), so it passes on what a fresh loader would. Should
        the emission meet a cycle or the module instance limit, a fresh loader does it."""
        cached = self._probes.pop(_world_key(world), None)
        if cached is not None:
            probe, probe_root = cached
            probe.switched_off = {}
            _emit_targets(probe_root, targets)
            if not probe.cycles and probe.module_instances <= self.max_instances:
                return probe
        loader, world_root = self.spawn(world, root.root_values)
        _emit_targets(world_root, targets)
        return loader

    def _try_world(self, world: dict, root: "_Instance", path: tuple, kind: str,
                   decl: _Decl) -> tuple[list | None, frozenset, "_Loader"]:
        """What the count/for_each of ``decl`` at ``path`` gives in ``world``, the defaults it
        read, and the probe loader that answered.

        Many declarations of a module hang on the same flags (`count = local.create ? 1 : 0`),
        so one probe per world answers them all: each value it keeps records, when reused, the
        defaults its computation read, as a probe of its own would have. A probe that met a
        cyclic reference or reported an error is not reused (what a cycle yields depends on
        which value was asked first), nor one past the module instance limit (a fresh probe
        loads only the calls this question needs)."""
        key = _world_key(world)
        cached = self._probes.pop(key, None)
        if cached is not None:
            probe, probe_root = cached
            made, now_read = probe.tracked(lambda: self._made(probe_root, path, kind, decl))
            if self._reusable(probe):
                self._probes[key] = cached
                return made, now_read, probe
        probe, probe_root = self.spawn(world, root.root_values)
        probe.reuse_traces = True
        made, now_read = probe.tracked(lambda: self._made(probe_root, path, kind, decl))
        if self._reusable(probe):
            if self._probes and len(self._probes) >= _MAX_PROBES_KEPT:
                del self._probes[next(iter(self._probes))]  # the least recently asked
            if _MAX_PROBES_KEPT:
                self._probes[key] = (probe, probe_root)
        return made, now_read, probe

    def _reusable(self, probe: "_Loader") -> bool:
        return not probe.cycles and not probe.result.errors and \
            probe.module_instances <= self.max_instances

    @staticmethod
    def _made(root: "_Instance", path: tuple, kind: str, decl: _Decl) -> list | None:
        instance = _navigate(root, path)
        if instance is None:
            return []
        what = f"module.{decl.block.labels[0]}" if kind == "module" else ".".join(decl.block.labels)
        return instance.expansion(decl, what)

    # -- emission ----------------------------------------------------------------------------------
    def add(self, resource: Resource) -> bool:
        """Keep ``resource``; False once the root module holds --max-instances resource
        instances. Variables, outputs and providers are declarations, not instances: a module
        with thousands of variables called a few times is not over any limit."""
        if resource.mode in ("managed", "data"):
            if self.resource_instances >= self.max_instances:
                if not self._instances_exceeded:
                    self._instances_exceeded = True
                    self._report_instance_limit()
                return False
            self.resource_instances += 1
            counted = self._instances_by_declaration.get(resource.base_address)
            if counted is None:
                self._instances_by_declaration[resource.base_address] = [1, resource.file, resource.line]
            else:
                counted[0] += 1
        self.result.resources.append(resource)
        return True

    def _report_instance_limit(self) -> None:
        """The error for a root module over the resource instance limit, at the declaration
        with the most instances (the one to look at first)."""
        address, (count, file, line) = max(self._instances_by_declaration.items(),
                                           key=lambda item: item[1][0])
        self.error(f"root module {self.group}: more than {self.max_instances} resource instances "
                   f"({address} has {count}); the rest are not loaded; raise the limit with "
                   "--max-instances", file, line)

    def emit(self, instance: "_Instance") -> None:
        for kind, decl in instance.source.ordered:
            if self._instances_exceeded:
                return
            self.subject = instance.prefix + _declared_address(kind, decl)
            try:
                if kind != "module":
                    instance.emit_block(kind, decl)
                    continue
                children = instance.child_instances(decl.block.labels[0])
                if decl.block.labels[0] in instance.unanalysed_calls:
                    instance.emit_argument_policies(decl)
            except RecursionError:
                self.error(f"{self.subject} is nested too deeply to evaluate; it is not analysed",
                           decl.file, decl.block.line)
                continue
            except MemoryError:
                raise
            except Exception as exc:  # noqa: BLE001 - a bug of ours loses this block, not the module
                if os.environ.get("IACGUARD_DEBUG"):
                    raise
                self.error(internal_error_message(exc, f"loading {self.subject}") + "; it is not analysed",
                           decl.file, decl.block.line, internal=True)
                continue
            for child in children.values():
                if child is not None:
                    self.emit(child)


class _ValuesResolver(Resolver):
    """What a tfvars file or a -var value may refer to (nothing); its problems are reported."""

    def __init__(self, loader: _Loader):
        self.loader = loader

    def error(self, message: str, file: str, line: int) -> None:
        self.loader.error(message, file, line)

    def internal_error(self, exc: Exception, expr, file: str) -> None:
        self.loader.error(internal_error_message(exc, f"evaluating {hcl_eval.excerpt(expr.text)}"), file,
                          expr.line, internal=True)


def _declared_address(kind: str, decl: _Decl) -> str:
    """The address of a declaration in its module (``aws_iam_role.r``, ``var.x``, ``module.m``)."""
    labels = ".".join(decl.block.labels)
    prefix = {"managed": "", "data": "data.", "variable": "var.", "output": "output.",
              "module": "module.", "provider": "provider."}.get(kind, "")
    return prefix + labels


# --------------------------------------------------------------------------------------------
# module instances


class _Instance(Resolver):
    """One instance of one module: answers references made by its own expressions."""

    def __init__(self, loader: _Loader, source: _ModuleSource, *, prefix: str, base_prefix: str,
                 inputs: "_CallArguments | None", depth: int, call_stack: tuple, module_key: str = "",
                 path: tuple = ()):
        self.loader = loader
        self.module_key = module_key
        self.unanalysed_calls: set = set()  # calls of this instance whose module code is not on disk
        self.path = path  # ((module call, instance key), ...) from the root
        self.source = source
        self.prefix = prefix
        self.base_prefix = base_prefix
        self.inputs = inputs  # child modules: the caller's arguments, evaluated when read
        self.depth = depth
        self.call_stack = call_stack
        self.root_values: dict = {}
        self._vars: dict = {}
        self._locals: dict = {}
        self._outputs: dict = {}
        self._children: dict = {}
        self._expansions: dict = {}
        self._unknown_expansions: dict = {}  # block id -> the unknown count/for_each value
        self._policy_docs: dict = {}
        self._deps: dict = {}  # ("var"|"local"|"output"|"expand", name): variable defaults read

    # -- Resolver interface ------------------------------------------------------------------------
    def error(self, message: str, file: str, line: int) -> None:
        self.loader.error(message, file, line)

    def internal_error(self, exc: Exception, expr, file: str) -> None:
        doing = f"evaluating {hcl_eval.excerpt(expr.text)}"
        if self.loader.subject:  # the block being loaded (a local may be evaluated for it)
            doing += f" for {self.loader.subject}"
        self.loader.error(internal_error_message(exc, doing), file, expr.line, internal=True)

    def read_file(self, path: str, ctx: Context, line: int, function: str) -> str | Unknown:
        target = Path(path)
        if not target.is_absolute():
            target = self.loader.root_dir / target  # Terraform resolves from the working dir
        text = self.loader.read_text(target, MAX_READ_BYTES, f"{function}()", ctx.file, line,
                                     require_inside=True, quiet_missing=function == "fileexists",
                                     written=path, module_dir=self.source.real_dir)
        if text is None:
            return Unknown(f'{function}("{path}")', reason="file not readable")
        return text

    def ctx(self, file: str, bindings: dict | None = None) -> Context:
        return Context(self, file, bindings)

    def reference(self, name: str, steps: list, expr, ctx: Context) -> tuple[Any, int]:
        attr = steps[0].name if steps and isinstance(steps[0], GetAttr) else None
        if name == "var":
            if attr is None:
                raise EvalError("var must be followed by a variable name")
            return self.variable(attr, expr), 1
        if name == "local":
            if attr is None:
                raise EvalError("local must be followed by a name")
            return self.local(attr, expr), 1
        if name == "module":
            return self._module_ref(steps, expr, ctx)
        if name == "data":
            return self._data_ref(steps, expr, ctx)
        if name in ("each", "count"):
            return Unknown(expr.text, reason=f"{name} is not available here"), len(steps)
        if name == "path":
            paths = {"module": self._path_module(), "root": ".", "cwd": str(self.loader.root_dir)}
            if attr in paths:
                return paths[attr], 1
            raise EvalError(f"unknown path attribute {attr!r}")
        if name == "terraform":
            if attr == "workspace":
                return "default", 1
            return Unknown(expr.text, reason="terraform metadata"), len(steps)
        if name == "self":
            return Unknown(expr.text, reason="self reference"), len(steps)
        return self._resource_ref(name, steps, expr, ctx)

    def _path_module(self) -> str:
        rel = os.path.relpath(self.source.dir.resolve(), self.loader.root_dir)
        return Path(rel).as_posix()

    # -- variables, locals, outputs ----------------------------------------------------------------
    def variable(self, name: str, expr) -> Any:
        if name in self._vars:
            self.loader.record(self._deps.get(("var", name)))
            return self._vars[name]
        decl = self.source.variables.get(name)
        if decl is None:
            raise EvalError(f"undeclared variable {name!r}")
        key = (id(self), "var", name)
        value, self._deps[("var", name)] = self.loader.tracked(lambda: self.loader.guarded(
            key, lambda: self._variable_value(name, decl),
            lambda: self._cycle(f"var.{name}", decl.file, decl.block.line)))
        self._vars[name] = value
        return value

    def _variable_value(self, name: str, decl: _Decl) -> Any:
        attrs = decl.block.body.attributes
        if self.inputs is None:
            if name in self.root_values:
                return self._typed(name, decl, self.root_values[name], decl.file, decl.block.line)
        elif name in self.inputs:
            argument = self.inputs.attrs[name].expr
            value = evaluate(argument, self.inputs.ctx)
            nullable = attrs.get("nullable")
            # null passes through unless the variable says nullable = false
            if value is not None or nullable is None or \
                    evaluate(nullable.expr, self.ctx(decl.file)) is not False:
                # at the caller's argument, for errors
                return self._typed(name, decl, value, self.inputs.ctx.file, argument.line)
        if "default" in attrs:
            default = attrs["default"]
            flag = (self.prefix, name)
            self.loader.record((flag,))  # a default, not a value given: a flag may switch it
            if flag in self.loader.overrides:
                return self.loader.overrides[flag]
            value = self._typed(name, decl, evaluate(default.expr, self.ctx(decl.file)),
                                decl.file, default.line)
            self.loader.defaults[flag] = value
            if value is None and self.loader.overrides:
                # with a feature switched on, an input left null is the one given along with it
                # (var.policy_json beside var.attach_policy_json), not a null in the policy
                return Unknown(f"var.{name}", reason="given when the feature is switched on")
            return value
        if self.inputs is None:  # a root's own input: a library's is judged where callers pass it
            origin = Origin("variable", f"var.{name}", library=self.loader.group if self.loader.library else None)
        else:
            origin = Origin("variable", f"var.{name}", module=self.prefix.rstrip("."))
        return Unknown(f"var.{name}", reason="variable without default", origins=(origin,))

    def _typed(self, name: str, decl: _Decl, value: Any, file: str | None, line: int | None) -> Any:
        """The value converted to the variable's type as Terraform converts it (optional
        attributes filled in with null or their default, numbers to strings, sets sorted);
        a value Terraform would refuse is an error at the place it is given."""
        type_attr = decl.block.body.attributes.get("type")
        if type_attr is None:
            return value
        types = _hcl_types()
        try:
            type_ = self.source.types.get(name, _NOT_READ)
            if type_ is _NOT_READ:  # (an optional() default of the wrong type raises: not kept)
                type_ = self.source.types[name] = _variable_type(decl, type_attr)
            if type_ is None:
                return value
            return types.convert(value, type_)
        except types.TypeMismatch as exc:
            self.loader.error(f"var.{name}: the value does not match the variable's type "
                              f"{type_attr.expr.text}: {exc}", file, line)
            return Unknown(f"var.{name}", reason="value of the wrong type")

    def local(self, name: str, expr) -> Any:
        if name in self._locals:
            self.loader.record(self._deps.get(("local", name)))
            return self._locals[name]
        entry = self.source.locals.get(name)
        if entry is None:
            raise EvalError(f"undeclared local {name!r}")
        attr, file = entry
        key = (id(self), "local", name)
        value, self._deps[("local", name)] = self.loader.tracked(lambda: self.loader.guarded(
            key, lambda: evaluate(attr.expr, self.ctx(file)),
            lambda: self._cycle(f"local.{name}", file, attr.line)))
        self._locals[name] = value
        return value

    def output(self, name: str) -> Any:
        if name in self._outputs:
            self.loader.record(self._deps.get(("output", name)))
            return self._outputs[name]
        decl = self.source.outputs.get(name)
        if decl is None:
            raise EvalError(f"module has no output {name!r}")
        value_attr = decl.block.body.attributes.get("value")
        if value_attr is None:
            return None
        key = (id(self), "output", name)
        value, self._deps[("output", name)] = self.loader.tracked(lambda: self.loader.guarded(
            key, lambda: evaluate(value_attr.expr, self.ctx(decl.file)),
            lambda: self._cycle(f"output.{name}", decl.file, decl.block.line)))
        self._outputs[name] = value
        return value

    def _cycle(self, what: str, file: str, line: int) -> Unknown:
        self.loader.error(f"cyclic reference involving {self.prefix}{what}", file, line)
        return Unknown(f"{what}", reason="cyclic reference")

    # -- count / for_each ------------------------------------------------------------------------
    def expansion(self, decl: _Decl, what: str) -> list | None:
        """Instance keys with their bindings: [(key, bindings)]; None when unknown (one instance
        at the base address with each/count unknown)."""
        cache_key = id(decl.block)
        if cache_key in self._expansions:
            deps = self._deps.get(("expand", cache_key))
            self.loader.record(deps)
            result = self._expansions[cache_key]
            if self.loader.reuse_traces and result == [] and deps:
                # a probe reused to emit a world passes on what its emission touches
                self._note_switched_off(decl, deps)
            return result
        result, deps = self.loader.tracked(lambda: self.loader.guarded(
            (id(self), "expand", cache_key), lambda: self._compute_expansion(decl, what),
            lambda: self._cycle(f"{what} count/for_each", decl.file, decl.block.line) and None))
        self._expansions[cache_key] = result
        self._deps[("expand", cache_key)] = deps
        if result == [] and deps:
            self._note_switched_off(decl, deps)
        return result

    def _note_switched_off(self, decl: _Decl, deps: frozenset) -> None:
        self.loader.note_switched_off(self, "module" if decl.block.type == "module"
                                      else "managed" if decl.block.type == "resource" else "data",
                                      decl, deps)

    def _compute_expansion(self, decl: _Decl, what: str) -> list | None:
        attrs = decl.block.body.attributes
        ctx = self.ctx(decl.file)
        limit = self.loader.max_instances
        if "count" in attrs:
            value = evaluate(attrs["count"].expr, ctx)
            if isinstance(value, Unknown):
                self._unknown_expansions[id(decl.block)] = value
                return None
            try:
                count = hcl_eval.to_number(value)
            except EvalError:
                return None
            if not isinstance(count, int) or count < 0:
                return None
            if count > limit:  # expand only what the limit allows; never allocate the rest
                self.loader.error(f"{what}: count {count} exceeds the limit of {limit} instances; "
                                  "raise it with --max-instances", decl.file, attrs["count"].line)
                count = limit
            return [(i, {"count": PDict({"index": i})}) for i in range(count)]
        if "for_each" in attrs:
            value = evaluate(attrs["for_each"].expr, ctx)
            if isinstance(value, Unknown) or value is None:
                if isinstance(value, Unknown):
                    self._unknown_expansions[id(decl.block)] = value
                    return None
                return []
            if isinstance(value, dict):
                items = [(k, value[k]) for k in sorted(value)]
            elif isinstance(value, list):
                if contains_unknown(value) or not all(isinstance(v, str) for v in value):
                    self._unknown_expansions[id(decl.block)] = hcl_eval.unknown("for_each", value)
                    return None
                items = [(v, v) for v in sorted(set(value))]
            else:
                return None
            if len(items) > limit:
                self.loader.error(f"{what}: for_each has {len(items)} elements, over the limit of "
                                  f"{limit} instances; raise it with --max-instances",
                                  decl.file, attrs["for_each"].line)
                items = items[:limit]
            return [(k, {"each": PDict({"key": k, "value": v})}) for k, v in items]
        return [(None, {})]

    def _unknown_bindings(self, decl: _Decl) -> dict:
        attrs = decl.block.body.attributes
        # each.value.x of an unknown for_each comes from what made it unknown (var.roles)
        collection = self._unknown_expansions.get(id(decl.block))
        origins = collection.origins if collection is not None else ()
        if "count" in attrs:
            return {"count": Unknown("count", reason="count not known", origins=origins)}
        return {"each": Unknown("each", reason="for_each not known", origins=origins)}

    def instance_bindings(self, decl: _Decl, key: Any) -> dict | None:
        """Bindings for one instance key (None key: the un-indexed instance)."""
        expansion = self.expansion(decl, decl.block.type)
        if expansion is None:
            return self._unknown_bindings(decl)
        if not expansion:
            return None
        if key is None:
            return expansion[0][1] if expansion[0][0] is None else self._unknown_bindings(decl)
        if expansion[0][0] is None:
            return None  # an index on a resource without count/for_each
        try:
            wanted = _normalize_key(expansion[0][0], key)
        except EvalError:
            return None
        return next((b for k, b in expansion if k == wanted and type(k) is type(wanted)), None)

    # -- resources ---------------------------------------------------------------------------------
    def _resource_ref(self, type_name: str, steps: list, expr, ctx: Context) -> tuple[Any, int]:
        if not steps or not isinstance(steps[0], GetAttr):
            return Unknown(expr.text, reason=f"unknown name {type_name!r}"), len(steps)
        local_address = f"{type_name}.{steps[0].name}"
        decl = self.source.resources.get(local_address)
        if decl is None:
            return Unknown(expr.text, reason="reference to an undeclared resource"), len(steps)
        base = self.base_prefix + local_address
        return self._instance_attr(decl, base, steps, 1, expr, ctx, self._resource_attr)

    def _instance_attr(self, decl: _Decl, base: str, steps: list, used: int, expr, ctx: Context,
                       attr_value: Callable) -> tuple[Any, int]:
        """Common shape of resource and data references: [index | splat] [.attr]."""
        rest = steps[used:]
        if rest and isinstance(rest[0], Index):
            key = hcl_eval._eval(rest[0].key, ctx)
            if isinstance(key, Unknown):
                key = None  # some instance; the attribute still names the same base address
            if len(rest) > 1 and isinstance(rest[1], GetAttr):
                return attr_value(decl, base, key, rest[1].name, ctx), used + 2
            return self.ref(base, None, key), used + 1
        if rest and isinstance(rest[0], Splat):
            splat = rest[0]
            expansion = self.expansion(decl, decl.block.type)
            attr = splat.steps[0].name if splat.steps and isinstance(splat.steps[0], GetAttr) else None
            if expansion is None:
                # how many instances is not known: none, or instances like the one evaluated
                # with an unknown key; each alternative is judged (one(x[*].json) is either
                # null or that document)
                value = attr_value(decl, base, None, attr, ctx) if attr else self.ref(base, None)
                if splat.steps[1:]:
                    value = hcl_eval._apply_steps(value, splat.steps[1:], expr, ctx)
                return Choice([PList(), PList([value])], text=expr.text), used + 1
            items = PList()
            for key, _ in expansion:
                item = attr_value(decl, base, key, attr, ctx) if attr else self.ref(base, None, key)
                items.append(item)
            if splat.steps[1:]:
                items = PList(hcl_eval._apply_steps(v, splat.steps[1:], expr, ctx) for v in items)
            return items, used + 1
        if rest and isinstance(rest[0], GetAttr):
            return attr_value(decl, base, None, rest[0].name, ctx), used + 1
        attrs = decl.block.body.attributes
        if "count" in attrs or "for_each" in attrs:
            # the whole resource is a map (for_each) or list (count) of its instances, so that
            # `for_each = aws_iam_user.bots` expands with the same keys; each instance stays a Ref
            expansion = self.expansion(decl, decl.block.type)
            if expansion is not None:
                if "for_each" in attrs:
                    return PDict({key: self.ref(base, None, key) for key, _ in expansion}), used
                return PList(self.ref(base, None, key) for key, _ in expansion), used
            if "count" in attrs:  # an unknown count: no instance, or instances like this one
                return Choice([PList(), PList([self.ref(base, None)])], text=expr.text), used
        return self.ref(base, None), used

    def ref(self, base: str, attr: str | None, key: Any = None) -> Ref:
        """A reference to a resource or data source of this module instance (of this one only,
        when the module is called with count/for_each)."""
        return Ref(base, attr, key=key, scope=self.prefix or None)

    def _resource_attr(self, decl: _Decl, base: str, key: Any, attr: str, ctx: Context) -> Any:
        if ctx.in_template:
            literal = self._configured_scalar(decl, key, attr)
            if literal is not None:
                return literal
        return self.ref(base, attr, key)

    def _configured_scalar(self, decl: _Decl, key: Any, attr: str) -> Any:
        """The value a resource's own config sets for ``attr`` when it is a known scalar."""
        attribute = decl.block.body.attributes.get(attr)
        if attribute is None or attr in _RESOURCE_META_ATTRS:
            return None
        bindings = self.instance_bindings(decl, key)
        if bindings is None:
            return None
        guard = (id(self), "attr", id(decl.block), str(key), attr)
        value = self.loader.guarded(
            guard, lambda: evaluate(attribute.expr, self.ctx(decl.file, bindings)), lambda: None)
        if isinstance(value, (str, int, float, bool)) and not isinstance(value, Unknown):
            return value
        return None

    # -- data sources ------------------------------------------------------------------------------
    def _data_ref(self, steps: list, expr, ctx: Context) -> tuple[Any, int]:
        if len(steps) < 2 or not isinstance(steps[0], GetAttr) or not isinstance(steps[1], GetAttr):
            raise EvalError("data must be followed by a type and a name")
        type_name, name = steps[0].name, steps[1].name
        local_address = f"{type_name}.{name}"
        decl = self.source.data.get(local_address)
        base = self.base_prefix + "data." + local_address

        def data_attr(decl_: _Decl | None, base_: str, key: Any, attr: str, ctx_: Context) -> Any:
            text = f"data.{local_address}.{attr}"
            if type_name == "aws_partition" and attr == "partition":
                return "aws"
            if type_name == "aws_caller_identity" and attr == "account_id":
                return Unknown(text, reason="deploying account", origins=(Origin("data", text),))
            if type_name == "aws_iam_policy_document" and attr in ("json", "minified_json") \
                    and decl_ is not None:
                return self.policy_document(decl_, key)
            if type_name == "aws_iam_policy" and decl_ is not None:
                known = self.iam_policy_lookup(decl_, key).get(attr)
                if known is not None:
                    return known
                if attr in ("arn", "id"):
                    # a policy read at plan time (customer managed, looked up by name): its ARN
                    # still designates exactly that data source, which an attachment links to
                    return self.ref(base_, "arn", key)
            return Unknown(text, reason="data source read at plan time", origins=(Origin("data", text),))

        if decl is None:
            rest = steps[2:]
            attr = rest[0].name if rest and isinstance(rest[0], GetAttr) else None
            if attr is None:
                return Unknown(expr.text, reason="undeclared data source"), len(steps)
            return data_attr(None, base, None, attr, ctx), 3
        return self._instance_attr(decl, base, steps, 2, expr, ctx, data_attr)

    def iam_policy_lookup(self, decl: _Decl, key: Any) -> dict[str, Any]:
        """What a ``data "aws_iam_policy"`` reads that is known before deploy.

        AWS managed policies have fixed ARNs (``arn:aws:iam::aws:policy/<path><name>``), so a
        lookup of one by ``arn``, or by ``name`` (and ``path_prefix``) of a policy iacguard
        knows, yields its arn, id, name, path and, when iacguard knows what it grants, its
        document. A lookup by a literal ARN of a customer managed policy yields that ARN and
        the name and path in it; its document stays unknown."""
        cache_key = (id(decl.block), str(key), "aws_iam_policy")
        found = self._policy_docs.get(cache_key)
        if found is not None:
            if self.loader.reuse_traces:
                self.loader.record(self._deps.get(("policy", cache_key)))
            return found
        if self.loader.reuse_traces:
            found, self._deps[("policy", cache_key)] = self.loader.tracked(
                lambda: self._iam_policy_lookup(decl, key, cache_key))
            return found
        return self._iam_policy_lookup(decl, key, cache_key)

    def _iam_policy_lookup(self, decl: _Decl, key: Any, cache_key: tuple) -> dict[str, Any]:
        from ..iam import managed as managed_policies  # only configurations that look one up

        arn = self._configured_scalar(decl, key, "arn")
        name = self._configured_scalar(decl, key, "name")
        path_prefix = self._configured_scalar(decl, key, "path_prefix")
        found = {}
        if isinstance(arn, str) and arn.startswith("arn:") and ":policy/" in arn:
            if managed_policies.managed_policy_name(arn) and managed_policies.aws_managed_path(arn):
                name, path = managed_policies.managed_policy_name(arn), managed_policies.aws_managed_path(arn)
            else:
                resource_path = arn.split(":policy/", 1)[1]
                name = resource_path.rsplit("/", 1)[-1]
                path = "/" + resource_path[:-len(name)] if name and name != resource_path else "/"
            if name:
                found = {"arn": arn, "id": arn, "name": name, "path": path}
        elif arn is None and isinstance(name, str) and name:
            managed_arn = managed_policies.aws_managed_arn(
                name, path_prefix if isinstance(path_prefix, str) else None)
            if managed_arn is not None and (path_prefix is None or isinstance(path_prefix, str)):
                found = {"arn": managed_arn, "id": managed_arn, "name": name,
                         "path": managed_policies.aws_managed_path(managed_arn)}
        if found and managed_policies.managed_policy_name(found["arn"]):
            known = managed_policies.KNOWN.get(found["name"])
            if known is not None:
                found["policy"] = Encoded(_positioned(known[0]))
            else:
                found["policy"] = Unknown(f"data.aws_iam_policy.{decl.block.labels[1]}.policy",
                                          reason=f"AWS managed policy {found['name']} "
                                                 "whose document iacguard does not know")
        self._policy_docs[cache_key] = found
        return found

    def policy_document(self, decl: _Decl, key: Any) -> Any:
        cache_key = (id(decl.block), str(key))
        if cache_key in self._policy_docs:
            if self.loader.reuse_traces:
                self.loader.record(self._deps.get(("policy", cache_key)))
            return self._policy_docs[cache_key]
        if self.loader.reuse_traces:
            value, deps = self.loader.tracked(lambda: self._policy_document(decl, key, cache_key))
            if cache_key in self._policy_docs:
                self._deps[("policy", cache_key)] = deps
            return value
        return self._policy_document(decl, key, cache_key)

    def _policy_document(self, decl: _Decl, key: Any, cache_key: tuple) -> Any:
        name = decl.block.labels[1]
        text = f"data.aws_iam_policy_document.{name}.json"
        bindings = self.instance_bindings(decl, key)
        if bindings is None:
            return Unknown(text, reason="no such instance")
        value = self.loader.guarded(
            (id(self), "policy", cache_key),
            lambda: build_policy_document(
                evaluate_body(decl.block.body, self.ctx(decl.file, bindings),
                              skip=_RESOURCE_META_ATTRS, skip_blocks=_RESOURCE_META_BLOCKS),
                decl.block.line, text, decl.file),
            lambda: self._cycle(f"data.aws_iam_policy_document.{name}", decl.file, decl.block.line))
        self._policy_docs[cache_key] = value
        return value

    # -- modules -----------------------------------------------------------------------------------
    def _module_ref(self, steps: list, expr, ctx: Context) -> tuple[Any, int]:
        if not steps or not isinstance(steps[0], GetAttr):
            raise EvalError("module must be followed by a module name")
        name = steps[0].name
        if name not in self.source.modules:
            raise EvalError(f"undeclared module {name!r}")
        instances = self.child_instances(name)
        if not instances:
            if name in self.unanalysed_calls:  # named as not analysed: its outputs are not known
                return Unknown(expr.text, reason="module not analysed",
                               origins=(Origin("module", f"{self.prefix}module.{name}"),)), len(steps)
            if self._module_is_external(name):
                return Unknown(expr.text, reason="module source not loaded"), len(steps)
            return Unknown(expr.text, reason="module not loaded"), len(steps)
        rest = steps[1:]
        keyed = next(iter(instances)) is not None
        if rest and isinstance(rest[0], Index):
            key = hcl_eval._eval(rest[0].key, ctx)
            if isinstance(key, Unknown):
                return unknown(expr.text, key), len(steps)
            child = _lookup_key(instances, key)
            if child is None:
                raise EvalError(f"module.{name} has no instance {key!r}")
            return self._module_outputs(child, rest[1:], expr), 2 + (1 if len(rest) > 1 and
                                                                     isinstance(rest[1], GetAttr) else 0)
        if rest and isinstance(rest[0], Splat):
            splat = rest[0]
            values = PList()
            for child in instances.values():
                if child is not None:
                    values.append(self._module_outputs(child, splat.steps[:1], expr))
            if splat.steps[1:]:
                values = PList(hcl_eval._apply_steps(v, splat.steps[1:], expr, ctx) for v in values)
            return values, 2
        if keyed:
            # the whole map/list of instances
            if rest and isinstance(rest[0], GetAttr):
                raise EvalError(f"module.{name} has several instances; index it first")
            whole: Any = PDict() if isinstance(next(iter(instances)), str) else PList()
            for key, child in instances.items():
                outputs = self._module_outputs(child, [], expr)
                if isinstance(whole, dict):
                    whole[key] = outputs
                else:
                    whole.append(outputs)
            return whole, 1
        child = instances[None]
        if rest and isinstance(rest[0], GetAttr):
            return self._module_outputs(child, rest[:1], expr), 2
        return self._module_outputs(child, [], expr), 1

    def _module_outputs(self, child: "_Instance | None", steps: list, expr) -> Any:
        if child is None:
            return Unknown(expr.text, reason="module not loaded")
        if steps and isinstance(steps[0], GetAttr):
            return child.output(steps[0].name)
        return PDict({name: child.output(name) for name in child.source.outputs})

    def _module_is_external(self, name: str) -> bool:
        decl = self.source.modules[name]
        src = decl.block.body.attributes.get("source")
        if src is None:
            return True
        value = evaluate(src.expr, self.ctx(decl.file))
        return not (isinstance(value, str) and _is_local_source(value))

    def child_instances(self, name: str) -> dict:
        """Instances of a module call: {key: _Instance | None}; key None when not expanded."""
        if name in self._children:
            if self.loader.reuse_traces:
                self.loader.record(self._deps.get(("module", name)))
            return self._children[name]
        decl = self.source.modules[name]
        guard = (id(self), "module", name)

        def load() -> dict:
            return self.loader.guarded(guard, lambda: self._load_children(name, decl),
                                       lambda: self._cycle(f"module.{name}", decl.file,
                                                           decl.block.line) and {})
        if self.loader.reuse_traces:
            instances, self._deps[("module", name)] = self.loader.tracked(load)
        else:
            instances = load()
        self._children[name] = instances
        return instances

    def _load_children(self, name: str, decl: _Decl) -> dict:
        attrs = decl.block.body.attributes
        src_attr = attrs.get("source")
        if src_attr is None:
            self.loader.error(f"module {name!r} has no source", decl.file, decl.block.line)
            return {}
        line = src_attr.line
        src = evaluate(src_attr.expr, self.ctx(decl.file))
        version_attr = attrs.get("version")
        version = evaluate(version_attr.expr, self.ctx(decl.file)) if version_attr is not None else None
        if not isinstance(src, str) or isinstance(src, Unknown):
            return self._not_analysed(name, decl, src_attr.expr.text, version,
                                      "its source is not a literal string (Terraform requires one)")
        if _is_local_source(src):
            target, real, inside = self.loader.local_module(self.source.dir, src)
            if not inside:
                self.loader.error(f"module source path escapes the repository: {src}", decl.file, line)
                return {}
            if not os.path.isdir(real):
                return self._not_analysed(name, decl, src, version, "its source directory does not exist")
        else:
            installed = self.loader.installed_module(self._module_key(name))
            if installed is None:
                return self._not_analysed(name, decl, src, version, "run terraform init or scan a plan")
            directory, installed_version, installed_source = installed
            written, recorded = _registry_address(src), _registry_address(installed_source)
            if written is not None and recorded is not None and written.lower() != recorded.lower():
                return self._not_analysed(name, decl, src, version,
                                          f"terraform init installed it from another source "
                                          f"({installed_source}): run terraform init again")
            target = Path(directory)
            real = self.loader.module_realpath(target)
            if not os.path.isdir(real):
                return self._not_analysed(name, decl, src, installed_version or version,
                                          "the directory terraform init recorded for it does not exist: "
                                          "run terraform init or scan a plan")
        if real in self.call_stack:
            self.loader.error(f"module {name!r} calls itself (cycle through {src})", decl.file, line)
            return {}
        if self.depth + 1 > self.loader.max_depth:
            self.loader.error(f"module nesting deeper than {self.loader.max_depth} at {name!r}; "
                              "raise the limit with --max-module-depth", decl.file, line)
            return {}
        if self.loader.module_instances > self.loader.max_instances:
            return {}  # over the limit already (reported once): load no more modules
        source = self.loader.module_source(target)
        expansion = self.expansion(decl, f"module.{name}")
        keys = [(None, self._unknown_bindings(decl))] if expansion is None else expansion
        self.loader.module_instances += len(keys)
        # count = 0 or an empty for_each makes no instance: then this call does not judge the
        # module's resources, and the scan analyses the directory on its own
        self.loader.note_module(source, instantiated=bool(keys) and
                                self.loader.module_instances <= self.loader.max_instances)
        if self.loader.module_instances > self.loader.max_instances:
            # nested count/for_each multiply: 1000 x 1000 instances would never finish
            self.loader.error(f"root module {self.loader.group}: more than {self.loader.max_instances} "
                              f"module instances ({self.prefix}module.{name} would add {len(keys)}); "
                              "it is not loaded; raise the limit with --max-instances",
                              decl.file, decl.block.line)
            return {}
        children: dict = {}
        for key, bindings in keys:
            ctx = self.ctx(decl.file, bindings)
            children[key] = _Instance(
                self.loader, source,
                prefix=f"{self.prefix}module.{name}{_instance_suffix(key)}.",
                base_prefix=f"{self.base_prefix}module.{name}.", inputs=_CallArguments(attrs, ctx),
                depth=self.depth + 1, call_stack=self.call_stack + (real,),
                module_key=self._module_key(name), path=self.path + ((name, key),))
        return children

    def _module_key(self, name: str) -> str:
        """The call's key in `.terraform/modules/modules.json`: module names from the root,
        joined with dots, without instance keys."""
        return f"{self.module_key}.{name}" if self.module_key else name

    def _not_analysed(self, name: str, decl: _Decl, source: str, version: Any, why: str) -> dict:
        line = decl.block.body.attributes["source"].line
        self.loader.not_analysed(f"{self.base_prefix}module.{name}", source, version, why, decl.file, line)
        self.unanalysed_calls.add(name)
        return {}

    def emit_argument_policies(self, decl: _Decl) -> None:
        """The policy documents written in the arguments of a call whose module is not analysed
        (a `jsonencode` document, an `aws_iam_policy_document`'s json, JSON text), as resources
        of the pseudo-type ``module_argument_policy`` at the argument: the module will apply
        them somewhere, so they are judged where they are written. A document with a Principal
        is judged as a resource (or trust) policy, one without as an identity policy."""
        name = decl.block.labels[0]
        expansion = self.expansion(decl, f"module.{name}")
        keys = [(None, self._unknown_bindings(decl))] if expansion is None else expansion
        for key, bindings in keys:
            ctx = self.ctx(decl.file, bindings)
            call = f"module.{name}{_instance_suffix(key)}"
            for arg, attr in decl.block.body.attributes.items():
                if arg in _MODULE_META_ATTRS:
                    continue
                for path, document, parsed in _policy_documents(evaluate(attr.expr, ctx), arg):
                    local = f"{call}.var.{path}"
                    props = PDict(policy=document, argument=path, **_policy_shape(parsed))
                    resource = Resource(address=self.prefix + local, type=MODULE_ARGUMENT_POLICY,
                                        properties=props,
                                        base_address=f"{self.base_prefix}module.{name}.var.{path}",
                                        file=decl.file, line=attr.line, end_line=attr.end_line,
                                        source=TERRAFORM, group=self.loader.group,
                                        metadata={"comments": _comments_within(
                                            self.source.comments.get(decl.file, ()),
                                            decl.block.line, decl.block.end_line)})
                    if not self.loader.add(resource):
                        return

    # -- emission ----------------------------------------------------------------------------------
    def emit_block(self, kind: str, decl: _Decl) -> None:
        block = decl.block
        comments = _comments_within(self.source.comments.get(decl.file, ()), block.line, block.end_line)
        common: dict[str, Any] = dict(file=decl.file, line=block.line, end_line=block.end_line, source=TERRAFORM,
                      group=self.loader.group)
        if kind in ("managed", "data"):
            type_name, name = block.labels
            local = f"{type_name}.{name}" if kind == "managed" else f"data.{type_name}.{name}"
            expansion = self.expansion(decl, local)
            keys = [(None, self._unknown_bindings(decl))] if expansion is None else expansion
            for key, bindings in keys:
                props = evaluate_body(block.body, self.ctx(decl.file, bindings),
                                      skip=_RESOURCE_META_ATTRS, skip_blocks=_RESOURCE_META_BLOCKS)
                for attr in [a for a, v in props.items() if v is None]:
                    del props[attr]  # an argument set to null is not set: the provider's default applies
                if kind == "data" and type_name == "aws_iam_policy_document":
                    props["json"] = self.policy_document(decl, key)
                elif kind == "data" and type_name == "aws_iam_policy":
                    # what the lookup identifies; not its `policy`: the data source does not
                    # write or attach that document, so it is not reported as if it did
                    for attr, value in self.iam_policy_lookup(decl, key).items():
                        if attr != "policy":
                            props.setdefault(attr, value)
                resource = Resource(address=f"{self.prefix}{local}{_instance_suffix(key)}",
                                    type=type_name, properties=props,
                                    base_address=self.base_prefix + local, mode=kind,
                                    metadata={"comments": list(comments)}, **common)
                if not self.loader.add(resource):
                    return
            return
        ctx = self.ctx(decl.file)
        if kind == "variable":
            props = evaluate_body(block.body, ctx, skip=frozenset({"type"}))
            if "type" in block.body.attributes:
                props["type"] = block.body.attributes["type"].expr.text
            local = f"var.{block.labels[0]}"
        elif kind == "output":
            props = evaluate_body(block.body, ctx)
            local = f"output.{block.labels[0]}"
        else:  # provider
            props = evaluate_body(block.body, ctx)
            alias = props.get("alias")
            local = f"provider.{block.labels[0]}" + (f".{alias}" if isinstance(alias, str) else "")
        self.loader.add(Resource(address=self.prefix + local, type=kind, properties=props,
                                 base_address=self.base_prefix + local, mode=kind,
                                 metadata={"comments": list(comments)}, **common))


_NOT_READ = object()
_HCL_TYPES: Any = None


def _hcl_types() -> Any:
    """The hcl_types module, imported at the first typed variable (an import statement run for
    each of tens of thousands of variable values costs more than converting most of them)."""
    global _HCL_TYPES
    if _HCL_TYPES is None:
        from . import hcl_types
        _HCL_TYPES = hcl_types
    return _HCL_TYPES


def _variable_type(decl: _Decl, type_attr: Any) -> tuple | None:
    """The type a variable declares (hcl_types), None when iacguard does not read it. The same
    for every instance of the module and every world of flags: read once per module source."""
    from .hcl_types import NotAType, parse_type

    def constant(expr) -> Any:
        return evaluate(expr, Context(Resolver(), decl.file, template_only=True))

    try:
        return parse_type(type_attr.expr, constant)
    except NotAType:
        return None


def _comments_within(comments: Sequence[tuple[int, str]], first: int, last: int) -> list:
    """The comments (sorted (line, text), as the parser gives them) on lines first..last."""
    start = bisect.bisect_left(comments, (first, ""))
    end = bisect.bisect_left(comments, (last + 1, ""), start)
    return list(comments[start:end])


def _written_nowhere(value: Any) -> Any:
    """``value`` with no file on its mappings: a -var value is written in no file a finding
    could point at (findings on it point at the resource that uses it)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, PDict):
            item.file = None
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value


class _CallArguments:
    """The arguments of one instance of a module call (``attrs`` of the call block, evaluated
    in ``ctx``, the instance's bindings), each evaluated when the module reads its variable.
    Made for every instance in every world of flags: nothing is built per argument here."""

    __slots__ = ("attrs", "ctx")

    def __init__(self, attrs: dict, ctx: Context):
        self.attrs = attrs
        self.ctx = ctx

    def __contains__(self, name: str) -> bool:
        return name in self.attrs and name not in _MODULE_META_ATTRS


def _lookup_key(instances: dict, key: Any) -> Any:
    """The instance for an index value (``module.m[0]``, ``module.m["a"]``)."""
    try:
        wanted = _normalize_key(next(iter(instances)), key)
    except (EvalError, StopIteration):
        return None
    return instances.get(wanted)


def _normalize_key(sample: Any, key: Any) -> Any:
    """Convert an index value to the kind of key the instances use (int for count)."""
    if isinstance(sample, int):
        number = hcl_eval.to_number(key)
        if isinstance(number, float) and number.is_integer():
            number = int(number)
        return number
    return hcl_eval.to_string(key)


def _positioned(value: Any) -> Any:
    """A copy of a plain policy structure as PDict/PList without a line: an AWS managed
    policy's document is written nowhere in the scan, so a finding on a resource that uses it
    is reported at that resource's own line."""
    if isinstance(value, dict):
        return PDict((k, _positioned(v)) for k, v in value.items())
    if isinstance(value, list):
        return PList(_positioned(v) for v in value)
    return value


_MAX_ARGUMENT_DEPTH = 32  # how deep an argument value is searched for policy documents


def _policy_documents(value: Any, path: str) -> list[tuple[str, Any, dict]]:
    """(path within the argument, the document as written, its parsed form) of every value in
    ``value`` that is an IAM policy document: an object with a `Statement`, encoded or as JSON
    text. Unknown parts are passed over: what they hold is decided at apply."""
    found: list = []
    pending = [(value, path, 0)]
    while pending:
        item, where, depth = pending.pop()
        if isinstance(item, Unknown) or depth > _MAX_ARGUMENT_DEPTH:
            continue
        if isinstance(item, Encoded):
            if isinstance(item.value, dict) and "Statement" in item.value:
                found.append((where, item, item.value))
            continue
        if isinstance(item, str):
            text = item.strip()
            if text.startswith("{") and "Statement" in text:
                try:
                    parsed = json.loads(text)
                except (ValueError, RecursionError):
                    continue
                if isinstance(parsed, dict) and "Statement" in parsed:
                    found.append((where, item, parsed))
            continue
        if isinstance(item, dict):
            if "Statement" in item:  # an object the module will encode itself
                found.append((where, Encoded(item), item))
                continue
            for key in reversed(list(item)):
                pending.append((item[key], f"{where}[{json.dumps(str(key), ensure_ascii=False)}]", depth + 1))
        elif isinstance(item, list):
            for index in reversed(range(len(item))):
                pending.append((item[index], f"{where}[{index}]", depth + 1))
    return found


def _policy_shape(document: dict) -> dict:
    """``policy_kind`` (identity or resource) and, for a resource policy, the ``service`` whose
    actions it governs (``trust`` for a role trust policy), from the document's own statements."""
    statements = document.get("Statement")
    statements = [statements] if isinstance(statements, dict) else statements
    statements = [s for s in statements if isinstance(s, dict)] if isinstance(statements, list) else []
    if not any("Principal" in s or "NotPrincipal" in s for s in statements):
        return {"policy_kind": "identity"}
    counts: dict[str, int] = {}
    for statement in statements:
        actions = statement.get("Action", ())
        for action in [actions] if isinstance(actions, str) else actions if isinstance(actions, list) else ():
            if isinstance(action, str) and ":" in action:
                prefix = action.split(":", 1)[0].lower()
                counts[prefix] = counts.get(prefix, 0) + 1
    service = min(counts, key=lambda p: (-counts[p], p)) if counts else "*"
    return {"policy_kind": "resource", "service": "trust" if service == "sts" else service}


_REGISTRY_SOURCE = re.compile(r"(?:(?P<host>[\w.-]+\.[\w-]+(?::\d+)?)/)?[\w-]+/[\w-]+/[\w-]+(?://\S*)?")


def _registry_address(source: str) -> str | None:
    """A registry module source in one form (the default host written out, as `terraform init`
    records it); None for git, HTTP, S3 and other sources, whose recorded form differs from the
    written one (`github.com/o/r` is recorded as `git::https://github.com/o/r.git`)."""
    match = _REGISTRY_SOURCE.fullmatch(source)
    if match is None or (match.group("host") or "").lower() in ("github.com", "bitbucket.org"):
        return None
    return source if match.group("host") else "registry.terraform.io/" + source


def _is_local_source(src: str) -> bool:
    return src in (".", "..") or src.startswith("./") or src.startswith("../") \
        or src.startswith(".\\") or src.startswith("..\\")
