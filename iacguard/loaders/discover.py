"""Find what to scan: CloudFormation templates, Terraform plan JSON and Terraform modules.

Discovery never parses files; it sniffs the first bytes of template-like files and groups
Terraform files by directory (a directory is one module). Everything it cannot read becomes
an ``InputError`` in ``Discovered.errors`` so the run can still report what it could read.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

from ..errors import InputError

SNIFF_BYTES = 64 * 1024
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024

# Directories that hold tool state, dependencies or caches, never the user's own IaC.
SKIPPED_DIRS = frozenset({".git", ".terraform", "node_modules", ".venv", "__pycache__"})
CANDIDATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
CDK_OUT = "cdk.out"

_PLAN_FORMAT = re.compile(r'"format_version"\s*:')
_PLAN_BODY = re.compile(r'"(?:planned_values|resource_changes)"\s*:')
_CFN_VERSION = re.compile(r"AWSTemplateFormatVersion")
# `Resources:` as a YAML key (any indentation, optionally quoted) or a JSON key.
_CFN_RESOURCES = re.compile(r"""(?m)(?:^[ \t]*|["'])Resources["']?[ \t]*:""")
# `Type: AWS::…`, `Type: "AWS::…`, `"Type": "AWS::…` (and single quotes).
_CFN_TYPE = re.compile(r"""(?:\bType|["']Type["'])[ \t]*:[ \t]*["']?AWS::""")
# Weak hints that a truncated head may belong to a template whose decisive keys come later
# (a long Parameters/Mappings section before Resources, large plan variables).
_LATE_HINT = re.compile(
    r'"format_version"|AWS::|\bResources\b'
    r"""|(?m:^["']?(?:Parameters|Mappings|Conditions|Metadata|Transform|Outputs)["']?[ \t]*:)"""
    r'|"(?:Parameters|Mappings|Conditions)"\s*:')


@dataclass
class Discovered:
    cloudformation: list[Path] = field(default_factory=list)
    plans: list[Path] = field(default_factory=list)
    terraform_dirs: dict[Path, list[Path]] = field(default_factory=dict)
    errors: list[InputError] = field(default_factory=list)
    root: Path = field(default_factory=Path.cwd)


def sniff(path: Path, head: str) -> str | None:
    """Classify a file by its first characters: 'plan', 'cloudformation' or None.

    ``path`` matters only for CDK output (``cdk.out/*.template.json``). Plans are tested
    first: a plan that deploys an ``aws_cloudformation_stack`` carries a
    template body (with ``AWSTemplateFormatVersion``) inside a JSON string.
    """
    text = head.lstrip("\ufeff \t\r\n")
    if not text:
        return None
    if path.name.endswith(".template.json") and CDK_OUT in path.parts:
        return "cloudformation"  # CDK synth output; may lack AWSTemplateFormatVersion
    if text.startswith("{") and _PLAN_FORMAT.search(text) and _PLAN_BODY.search(text):
        return "plan"
    if _CFN_VERSION.search(text):
        return "cloudformation"
    if _CFN_RESOURCES.search(text) and _CFN_TYPE.search(text):
        return "cloudformation"
    return None


def relpath(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` in posix form, or ``path`` as given when outside root."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return Path(path).as_posix()


def decode_bytes(data: bytes) -> str:
    """Decode file bytes honouring a UTF-8/16/32 byte-order mark (PowerShell writes
    ``terraform show -json > plan.json`` as UTF-16); otherwise UTF-8 with replacement."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    return data.decode("utf-8", errors="replace")


def is_terraform_file(name: str) -> bool:
    return name.endswith(".tf") or name.endswith(".tf.json")


def terraform_ignores(name: str) -> bool:
    """Terraform itself skips hidden files, editor backups and emacs lock files."""
    return name.startswith(".") or name.endswith("~") or (name.startswith("#") and name.endswith("#"))


def _open_binary(path: Path) -> BinaryIO:
    # Separate so tests can simulate permission errors even when running as root.
    return open(path, "rb")


class _Walker:
    def __init__(self, root: Path, max_file_bytes: int):
        self.root = root
        self.max_file_bytes = max_file_bytes
        self.result = Discovered(root=root)
        self.cloudformation: dict[str, Path] = {}  # real path -> path as discovered
        self.plans: dict[str, Path] = {}
        self.terraform: dict[Path, dict[str, Path]] = {}  # module dir -> real path -> path
        self.terraform_keys: dict[str, Path] = {}  # real module dir -> its key in self.terraform
        self.visited_dirs: set[str] = set()
        self.errors: list[InputError] = []
        self.known_real: dict[str, str] = {}  # path as walked -> real path, for plain files

    def realpath(self, path: Path) -> str:
        return self.known_real.get(str(path)) or os.path.realpath(path)

    def error(self, path: Path, message: str) -> None:
        self.errors.append(InputError(message, file=relpath(path, self.root)))

    # -- explicit arguments -------------------------------------------------------------------

    def add_argument(self, path: Path) -> None:
        if not os.path.lexists(path):
            self.error(path, "path does not exist")
            return
        try:
            info = os.stat(path)
        except OSError as exc:
            self.error(path, _describe_stat_error(exc))
            return
        if stat.S_ISDIR(info.st_mode):
            self.walk(path)
        elif not stat.S_ISREG(info.st_mode):
            self.error(path, "not a regular file")  # a FIFO or device would block the read
        elif is_terraform_file(path.name):
            self.add_terraform_dir(path.parent, explicit_file=path)
        else:
            self.consider_file(path, explicit=True)

    # -- directories ----------------------------------------------------------------------------

    def walk(self, start: Path) -> None:
        """Depth-first walk in sorted order. Real directories are walked before symlinked ones
        so a file is reported under its own path rather than under a link that sorts first."""
        pending: list[tuple[Path, bool]] = [(start, start.name == CDK_OUT)]
        deferred_links: list[tuple[Path, bool]] = []
        while pending or deferred_links:
            if not pending:
                link, in_cdk = deferred_links.pop(0)
                target = os.path.realpath(link)
                container = os.path.realpath(link.parent)
                if container == target or container.startswith(target.rstrip(os.sep) + os.sep):
                    shown = (Path(os.path.relpath(target, os.path.realpath(self.root))).as_posix()
                             if _within(target, self.root) else "outside the scan root")
                    self.error(link, f"symlink loop: points back to ancestor directory {shown}")
                    continue
                pending.append((link, in_cdk))
                continue
            directory, in_cdk = pending.pop()
            real = os.path.realpath(directory)
            if real in self.visited_dirs:
                continue  # reached twice (a second link, or an argument inside another)
            self.visited_dirs.add(real)
            children = self.list_dir(directory)
            if children is None:
                continue
            subdirs: list[tuple[Path, bool]] = []
            terraform_files: list[Path] = []
            for entry in children:
                child = directory / entry.name
                kind = self.entry_kind(entry, child)
                if kind == "file" and not entry.is_symlink():
                    # a plain file's real path is its real directory's plus its name: no
                    # realpath() walk (one lstat per path component) per file
                    self.known_real[str(child)] = os.path.join(real, entry.name)
                if kind in ("dir", "dirlink"):
                    if self.skip_dir(entry.name, in_cdk):
                        continue
                    item = (child, in_cdk or entry.name == CDK_OUT)
                    (deferred_links if kind == "dirlink" else subdirs).append(item)
                elif kind != "file":
                    continue
                elif in_cdk:
                    # Inside a CDK cloud assembly only the synthesized templates matter.
                    if entry.name.endswith(".template.json"):
                        self.consider_file(child, explicit=False)
                elif is_terraform_file(entry.name):
                    if not terraform_ignores(entry.name):
                        terraform_files.append(child)
                elif entry.name.lower().endswith(CANDIDATE_SUFFIXES):
                    self.consider_file(child, explicit=False)
            if terraform_files:
                self.add_terraform_files(directory, terraform_files)
            # Reversed so the first subdirectory in sorted order is popped (walked) first.
            pending.extend(reversed(subdirs))

    def list_dir(self, directory: Path) -> list[os.DirEntry] | None:
        try:
            with os.scandir(directory) as iterator:
                return sorted(iterator, key=lambda e: e.name)
        except OSError as exc:
            self.error(directory, f"cannot read directory: {exc.strerror or exc}")
            return None

    def entry_kind(self, entry: os.DirEntry, path: Path) -> str | None:
        """'dir', 'dirlink', 'file' or None (reported or irrelevant)."""
        try:
            is_link = entry.is_symlink()
            if entry.is_dir(follow_symlinks=True):
                return "dirlink" if is_link else "dir"
            if entry.is_file(follow_symlinks=True):
                return "file"
        except OSError as exc:
            self.error(path, _describe_stat_error(exc))
            return None
        if is_link:
            # is_dir/is_file are False for dangling links and links that loop on themselves.
            try:
                os.stat(path)
            except OSError as exc:
                self.error(path, _describe_stat_error(exc))
                return None
        if is_terraform_file(entry.name) or entry.name.lower().endswith(CANDIDATE_SUFFIXES):
            # a FIFO/socket/device under a template name: reading it could block forever
            self.error(path, "not a regular file (a FIFO, socket or device); not read")
        return None

    @staticmethod
    def skip_dir(name: str, in_cdk: bool) -> bool:
        if name in SKIPPED_DIRS or name.startswith("."):
            return True
        # CDK asset directories hold bundled code and copies of inputs, not stack templates.
        return in_cdk and name.startswith("asset.")

    # -- Terraform ------------------------------------------------------------------------------

    def add_terraform_dir(self, directory: Path, explicit_file: Path) -> None:
        """An explicitly named .tf file brings its whole module (directory)."""
        files = [explicit_file]
        children = self.list_dir(directory)
        for entry in children or ():
            if is_terraform_file(entry.name) and not terraform_ignores(entry.name):
                child = directory / entry.name
                if self.entry_kind(entry, child) == "file":
                    files.append(child)
        self.add_terraform_files(directory, files)

    def add_terraform_files(self, directory: Path, files: list[Path]) -> None:
        # Keyed by real directory so the same module reached twice is one module.
        key = self.terraform_keys.setdefault(os.path.realpath(directory), directory)
        module = self.terraform.setdefault(key, {})
        for path in files:
            if self.too_large(path):
                continue
            module.setdefault(self.realpath(path), path)

    # -- templates and plans --------------------------------------------------------------------

    def consider_file(self, path: Path, *, explicit: bool) -> None:
        real = self.realpath(path)
        if real in self.cloudformation or real in self.plans:
            return
        try:
            size = os.stat(path).st_size
            with _open_binary(path) as handle:
                raw = handle.read(SNIFF_BYTES)
        except OSError as exc:
            self.error(path, f"cannot read file: {exc.strerror or exc}")
            return
        if not raw.strip():
            if explicit:
                self.error(path, "file is empty; expected a CloudFormation template or a Terraform plan")
            return
        head = decode_bytes(raw)
        kind = sniff(path, head)
        truncated = size > len(raw)
        if size > self.max_file_bytes:
            # Only complain about files that are (or may be) IaC; a huge data file is not ours.
            if kind or _LATE_HINT.search(head):
                self.error(path, self.size_message(size))
            return
        if kind is None and truncated and _LATE_HINT.search(head):
            # The decisive keys may sit after the sniff window (large variables or Parameters).
            try:
                with _open_binary(path) as handle:
                    kind = sniff(path, decode_bytes(handle.read()))
            except OSError as exc:
                self.error(path, f"cannot read file: {exc.strerror or exc}")
                return
        if kind == "plan":
            self.plans[real] = path
        elif kind == "cloudformation":
            self.cloudformation[real] = path

    def too_large(self, path: Path) -> bool:
        try:
            size = os.stat(path).st_size
        except OSError as exc:
            self.error(path, _describe_stat_error(exc))
            return True
        if size > self.max_file_bytes:
            self.error(path, self.size_message(size))
            return True
        return False

    def size_message(self, size: int) -> str:
        return f"file is {size} bytes, limit is {self.max_file_bytes}; raise it with --max-file-size"

    def finish(self) -> Discovered:
        result = self.result
        result.cloudformation = sorted(self.cloudformation.values(), key=_sort_key)
        result.plans = sorted(self.plans.values(), key=_sort_key)
        result.terraform_dirs = {
            directory: sorted(self.terraform[directory].values(), key=_sort_key)
            for directory in sorted(self.terraform, key=_sort_key)
            if self.terraform[directory]
        }
        result.errors = self.errors
        return result


def _within(path: str, root: Path) -> bool:
    try:
        return os.path.commonpath([path, os.path.realpath(root)]) == os.path.realpath(root)
    except ValueError:
        return False


def _sort_key(path: Path) -> str:
    return path.as_posix()


def _describe_stat_error(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "broken symlink: target does not exist"
    if exc.errno == errno.EACCES:
        return "permission denied"
    return f"cannot read: {exc.strerror or exc}"


def default_root(paths: list[Path]) -> Path:
    """The common directory of the given paths (a file counts as its parent directory)."""
    if not paths:
        return Path.cwd()
    directories = []
    for path in paths:
        absolute = os.path.abspath(path)
        directories.append(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
    return Path(os.path.commonpath(directories))


def discover(paths: list[str | Path], *, root: Path | None = None,
             max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Discovered:
    """Find CloudFormation templates, plan JSON files and Terraform module directories.

    Returned paths are absolute (symlinks not resolved, so they read the way the user laid the
    tree out); report them with ``relpath(path, result.root)``. Lists are sorted.
    """
    absolute = [Path(os.path.abspath(p)) for p in paths]
    scan_root = Path(os.path.abspath(root)) if root is not None else default_root(absolute)
    walker = _Walker(scan_root, max_file_bytes)
    for path in absolute:
        walker.add_argument(path)
    return walker.finish()


# -- local module calls ------------------------------------------------------------------------------
#
# Which Terraform directories are only called as modules is decided before any file is parsed,
# so this is a small scanner, not a parser: it knows just enough HCL (comments, quoted strings
# with interpolation, heredocs, bracket depth) to find `source` attributes of top-level `module`
# blocks and nothing else. A commented-out call or a `source` argument of a resource must not
# hide a directory from the scan.

_HCL_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\f]+)
  | (?P<newline>\n)
  | (?P<comment>\#[^\n]*|//[^\n]*|/\*.*?(?:\*/|\Z))
  | (?P<heredoc><<-?[ \t]*(?P<marker>[A-Za-z_][\w-]*)[ \t]*\r?\n)
  | (?P<simple>"[^"\\\n$%]*")
  | (?P<quote>")
  | (?P<ident>[A-Za-z_][\w-]*)
  | (?P<open>[{\[(])
  | (?P<close>[}\])])
  | (?P<equals>=(?![=>]))
  | (?P<other>[^\s"\#/{}\[\]()=A-Za-z_<]+|.)
""", re.VERBOSE | re.DOTALL)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _quoted_string(text: str, start: int) -> tuple[int, str | None]:
    """Scan the quoted template starting at ``text[start] == '"'``.

    Returns (index after it, its value), the value None when it interpolates (``${...}``,
    ``%{...}``): Terraform requires a module source to be a literal. Interpolations may hold
    strings that hold interpolations; an explicit stack keeps that iterative."""
    stack: list[int | None] = [None]  # None: inside a string; int: open braces of an interpolation
    chars: list[str] = []
    literal = True
    position = start + 1
    length = len(text)
    while position < length:
        char = text[position]
        if stack[-1] is None:
            outermost = len(stack) == 1
            if char == '"':
                stack.pop()
                position += 1
                if not stack:
                    return position, "".join(chars) if literal else None
                continue
            if char == "\n":  # a quoted string never spans lines: stop at the broken one
                return position, None
            if char == "\\" and position + 1 < length:
                if outermost:
                    escaped = text[position + 1]
                    chars.append(_ESCAPES.get(escaped, "\\" + escaped))
                position += 2
                continue
            if text.startswith(("$${", "%%{"), position):
                if outermost:
                    chars.append(text[position + 1:position + 3])
                position += 3
                continue
            if text.startswith(("${", "%{"), position):
                literal = False
                stack.append(0)
                position += 2
                continue
            if outermost:
                chars.append(char)
            position += 1
            continue
        depth = stack[-1]
        if char == '"':
            stack.append(None)
        elif char == "{":
            stack[-1] = depth + 1
        elif char == "}":
            if depth == 0:
                stack.pop()
            else:
                stack[-1] = depth - 1
        position += 1
    return length, None


def _hcl_tokens(text: str) -> Iterator[tuple[str, str | None]]:
    """(kind, value) of each significant token: newline, open, close, equals, ident, string
    (value None when interpolated) or other. Comments and heredoc bodies are skipped."""
    position = 0
    length = len(text)
    while position < length:
        match = _HCL_TOKEN.match(text, position)
        kind = match.lastgroup
        position = match.end()
        if kind == "space":
            continue
        if kind == "comment":
            if "\n" in match.group():
                yield "newline", None  # a block comment over several lines ends the statement
            continue
        if kind in ("heredoc", "marker"):
            closing = re.compile(r"^[ \t]*" + re.escape(match.group("marker")) + r"[ \t]*\r?$",
                                 re.MULTILINE)
            end = closing.search(text, position)
            position = end.end() if end else length
            yield "other", None
        elif kind == "simple":
            yield "string", match.group()[1:-1]
        elif kind == "quote":
            position, value = _quoted_string(text, match.start())
            yield "string", value
        else:
            yield kind, match.group()


def _hcl_module_sources(text: str) -> list[str]:
    sources: list[str] = []
    depth = 0
    at_start = True  # the next token starts a statement (an attribute or a block)
    # "module": a top-level statement starts with `module`; "labeled": it has its label;
    # "body": inside a module block; "source" / "equals" / "value": reading `source = "..."`
    # directly in that body
    state = ""
    pending: str | None = None
    for kind, value in _hcl_tokens(text):
        starts = at_start
        at_start = kind in ("newline", "open", "close")
        if state == "value":
            if kind in ("newline", "close") and pending is not None:
                sources.append(pending)
            state = "body"
        elif state == "equals":
            if kind == "string":
                pending, state = value, "value"
                continue
            state = "body"
        elif state == "source":
            if kind == "equals":
                state = "equals"
                continue
            state = "body"
        if kind == "open":
            depth += 1
            if state == "labeled" and depth == 1 and value == "{":
                state = "body"
            elif state in ("module", "labeled"):
                state = ""
        elif kind == "close":
            depth = max(depth - 1, 0)
            if depth == 0:
                state = ""
        elif kind == "newline":
            if state in ("module", "labeled"):
                state = ""  # a block's opening brace is on the line of its labels
        elif depth == 0:
            if starts and kind == "ident":
                state = "module" if value == "module" else ""
            elif state == "module" and kind in ("string", "ident"):
                state = "labeled"
            else:
                state = ""
        elif state == "body" and depth == 1 and starts and kind == "ident" and value == "source":
            state = "source"
    if state == "value" and pending is not None:
        sources.append(pending)  # `source = "..."` on the file's last line, without a newline
    return sources


def _json_module_sources(text: str) -> list[str]:
    import json

    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return []  # the loader reports the syntax error
    sources: list[str] = []
    if not isinstance(data, dict):
        return sources
    # Terraform's JSON syntax allows a block type to hold an object or a list of objects, at
    # the level of the block type and of each label
    for calls in data.get("module") if isinstance(data.get("module"), list) else [data.get("module")]:
        if not isinstance(calls, dict):
            continue
        for bodies in calls.values():
            for body in bodies if isinstance(bodies, list) else [bodies]:
                if isinstance(body, dict) and isinstance(body.get("source"), str):
                    sources.append(body["source"])
    return sources


_MODULE_LINE = re.compile(r"^[ \t]*module[ \t]*[\"\w-]", re.MULTILINE)


def local_module_sources(text: str, json_syntax: bool = False) -> list[str]:
    """The local-path ``source`` of every ``module`` call in one Terraform file's text.

    Only real top-level ``module`` blocks count: calls inside comments, strings and heredocs,
    and ``source`` arguments of other blocks (an ``aws_s3_object`` uploading ``./files/x``)
    do not. Registry, git and other remote sources are left out."""
    if "module" not in text:
        return []
    if not json_syntax and not _MODULE_LINE.search(text):
        return []  # a module block starts a line; only then is the file worth tokenizing
    found = _json_module_sources(text) if json_syntax else _hcl_module_sources(text)
    return [source for source in found if is_local_module_source(source)]


def is_local_module_source(source: str) -> bool:
    """Terraform reads a module source as a local directory when it starts with ./ or ../."""
    return source in (".", "..") or source.startswith(("./", "../", ".\\", "..\\"))
