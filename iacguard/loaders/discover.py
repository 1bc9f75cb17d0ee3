"""Find what to scan: CloudFormation templates, Terraform plan JSON and Terraform modules.

Discovery never parses files. It groups Terraform files by directory (a directory is one
module) and keeps every YAML/JSON file that may be a template or a plan; the loader's parse
decides what each one is (engine.py). A kept file that parses as neither is dropped quietly in a
directory scan and an error when it was named. Everything discovery cannot read becomes an
``InputError`` in ``Discovered.errors`` so the run can still report what it could read.
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
from ..excludes import Excludes
from ..lazy_regex import lazy_compile

DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024

# Directories that hold version control, tool state, dependencies, caches or build copies, never
# the user's own IaC (the README's "What is scanned" lists them). Other dot-directories
# (.github, .cfn, ...) are scanned.
SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn",                          # version control
    ".terraform", ".terragrunt-cache",              # downloaded modules and providers
    ".aws-sam",                                     # `sam build` copies of the templates
    "node_modules", ".venv", ".tox", ".nox",        # dependencies
    "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
})
# Not counted among the skipped directories of the summary: no one expects IaC in them.
VERSION_CONTROL_DIRS = frozenset({".git", ".hg", ".svn"})
CANDIDATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
CDK_OUT = "cdk.out"

# What the loader's parse looks for (cloudformation.looks_like_cloudformation, plan.looks_like_plan).
_DOCUMENT_KEYS = ("Resources", "AWSTemplateFormatVersion", "format_version")
# The only ways YAML or JSON spell a key without writing its letters out: JSON \uXXXX, YAML
# double-quoted \xXX \uXXXX \UXXXXXXXX, and a YAML escaped line break, which joins the pieces of
# a key written over two lines (PyYAML counts NEL, LS and PS as line breaks too).
_KEY_ESCAPE = lazy_compile(r"\\[uxU\r\n\x85\u2028\u2029]")
# chunks of a file too large to read whole overlap by the longest key above
_CHUNK_OVERLAP = len("AWSTemplateFormatVersion")

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


# Why a file that could have been IaC by its name was not scanned (the summary counts them).
NOT_INFRASTRUCTURE = "not infrastructure"  # YAML/JSON that is neither a template nor a plan


def is_own_file(path: str) -> bool:
    """iacguard's own files (`.iacguard.yaml`, `.iacguard-baseline.json`, a base branch's copy),
    by name or by path: not infrastructure, and not worth a line of the summary either."""
    return path.replace("\\", "/").rsplit("/", 1)[-1].startswith(".iacguard")


def excluded_by(excludes: Excludes | None, repository: str, path: str | Path, is_dir: bool) -> str | None:
    """The exclude pattern that matches ``path`` (as laid out, links not resolved), relative to
    the absolute ``repository``; None when none does or the path is outside the repository."""
    if not excludes:
        return None
    absolute = os.path.abspath(path)
    if not is_inside(absolute, repository):
        return None  # patterns only ever name paths inside the repository
    return excludes.match(os.path.relpath(absolute, repository), is_dir=is_dir)
EMPTY = "empty"
TOO_LARGE = "too large"  # over --max-file-size and not possibly a template or plan
TERRAFORM_IGNORED = "ignored by Terraform"  # a hidden .tf file: Terraform skips it too


def excluded_reason(pattern: str) -> str:
    return f"excluded by {pattern!r}"


@dataclass
class Discovered:
    """The templates, plans and Terraform directories found under the scanned paths."""

    # YAML/JSON files that may be CloudFormation templates or plans: the loader's parse decides
    documents: list[Path] = field(default_factory=list)
    terraform_dirs: dict[Path, list[Path]] = field(default_factory=dict)
    errors: list[InputError] = field(default_factory=list)
    root: Path = field(default_factory=Path.cwd)
    # files not scanned, relative to ``root``, with why (the reasons above, or excluded_reason)
    skipped: dict[str, str] = field(default_factory=dict)
    # directories of tool state or dependencies not walked (SKIPPED_DIRS): name -> how many
    skipped_dirs: dict[str, int] = field(default_factory=dict)


def may_be_document(text: str) -> bool:
    """False only when no CloudFormation template or plan can be in ``text``: the keys the
    parsers recognise them by are neither written out nor possibly spelled with escapes.

    Conservative by design (tests/test_discover.py proves it over generated layouts): a file it
    keeps is parsed, and a kept file that is neither is dropped then."""
    return any(key in text for key in _DOCUMENT_KEYS) or _KEY_ESCAPE.search(text) is not None


class UndecodableText(ValueError):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def _bom_encoding(data: bytes) -> tuple[str, int]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return "utf-8", 0


def decode_text(data: bytes) -> str:
    """The text of a template or plan file: UTF-8, or UTF-8/16/32 after a byte-order mark
    (PowerShell writes ``terraform show -json > plan.json`` as UTF-16).

    Raises UndecodableText for invalid text and for a NUL character, which no YAML or JSON
    document holds: binary data, or UTF-16/32 without a byte-order mark."""
    encoding, start = _bom_encoding(data)
    try:
        text = data[start:].decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding == "utf-8":
            position = start + exc.start
            raise UndecodableText(f"not valid UTF-8 text (byte {position})",
                                  data[:position].count(b"\n") + 1) from None
        raise UndecodableText(f"invalid {encoding[:6].upper()} text after its byte-order mark "
                              f"(byte {start + exc.start})") from None
    nul = text.find("\0")
    if nul >= 0:
        raise UndecodableText("binary content, or UTF-16/32 text without a byte-order mark "
                              "(a NUL character)", text.count("\n", 0, nul) + 1)
    return text


def large_file_may_be_document(path: Path) -> bool:
    """``may_be_document`` over a file too large to read at once, in overlapping chunks."""
    with _open_binary(path) as handle:
        head = handle.read(4)
        encoding, start = _bom_encoding(head)
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        carried = decoder.decode(head[start:])
        while True:
            chunk = handle.read(1024 * 1024)
            text = carried + decoder.decode(chunk, final=not chunk)
            if may_be_document(text):
                return True
            if not chunk:
                return False
            carried = text[-_CHUNK_OVERLAP:]


def printable(name: str) -> str:
    """``name`` with the bytes of a non-UTF-8 file name (``os.fsdecode``'s surrogate escapes)
    written as ``\\xNN``, so reports can print it."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _utf8_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def relpath(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` in posix form, or ``path`` as given when outside root."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return Path(path).as_posix()


def is_terraform_file(name: str) -> bool:
    return name.endswith(".tf") or name.endswith(".tf.json")


def is_tfvars_file(name: str) -> bool:
    return name.endswith(".tfvars") or name.endswith(".tfvars.json")


def terraform_ignores(name: str) -> bool:
    """Terraform itself skips hidden files, editor backups and emacs lock files."""
    return name.startswith(".") or name.endswith("~") or (name.startswith("#") and name.endswith("#"))


def _open_binary(path: Path) -> BinaryIO:
    # Separate so tests can simulate permission errors even when running as root.
    return open(path, "rb")


class _Walker:
    def __init__(self, root: Path, max_file_bytes: int, excludes: Excludes | None = None,
                 repository: Path | None = None, read_documents: bool = True):
        self.root = root
        self.max_file_bytes = max_file_bytes
        self.excludes = excludes
        # exclude patterns are relative to the repository root, not to the scan root
        self.repository = os.path.abspath(repository if repository is not None else root)
        self.skipped: dict[str, str] = {}
        self.skipped_dirs: dict[str, int] = {}
        # False: keep every file a walk would consider as a document without reading it (the
        # pre-commit hook maps a repository cheaply, then reads only what it selects)
        self.read_documents = read_documents
        self.result = Discovered(root=root)
        self.documents: dict[str, Path] = {}  # real path -> path as discovered
        self.terraform: dict[Path, dict[str, Path]] = {}  # module dir -> real path -> path
        self.terraform_keys: dict[str, Path] = {}  # real module dir -> its key in self.terraform
        self.visited_dirs: set[str] = set()
        self.errors: list[InputError] = []
        self.known_real: dict[str, str] = {}  # path as walked -> real path, for plain files

    def realpath(self, path: Path) -> str:
        return self.known_real.get(str(path)) or os.path.realpath(path)

    def error(self, path: Path, message: str, line: int | None = None) -> None:
        self.errors.append(InputError(message, file=printable(relpath(path, self.root)), line=line))

    def skip(self, path: Path, reason: str) -> None:
        if reason == NOT_INFRASTRUCTURE and is_own_file(path.name):
            return  # the settings and baseline beside the code: nobody expects them scanned
        self.skipped.setdefault(printable(relpath(path, self.root)), reason)

    # -- exclude patterns -----------------------------------------------------------------------

    def excluded_by(self, path: Path, is_dir: bool) -> str | None:
        """The exclude pattern that matches ``path`` (as laid out, links not resolved)."""
        return excluded_by(self.excludes, self.repository, path, is_dir)

    def skip_tree(self, directory: Path, reason: str) -> None:
        """Count the files below an excluded directory that would have been read, without
        reading them (links are not followed: nothing is reached twice or outside)."""
        pending = [directory]
        while pending:
            current = pending.pop()
            try:
                with os.scandir(current) as iterator:
                    entries = list(iterator)
            except OSError:
                continue  # not read, so not an error either
            for entry in entries:
                try:
                    if entry.is_symlink():
                        continue
                    if entry.is_dir():
                        if entry.name not in SKIPPED_DIRS:
                            pending.append(current / entry.name)
                    elif entry.is_file() and self.is_ours(entry.name, False):
                        self.skip(current / entry.name, reason)
                except OSError:
                    continue

    # -- explicit arguments -------------------------------------------------------------------

    def add_argument(self, path: Path) -> None:
        if not _utf8_name(str(path)):
            self.error(path, "name is not valid UTF-8; not scanned (rename it)")
            return
        if not os.path.lexists(path):
            self.error(path, "path does not exist")
            return
        try:
            info = os.stat(path)
        except OSError as exc:
            self.error(path, _describe_stat_error(exc))
            return
        # a named file is excluded too: pre-commit names the changed files one by one
        pattern = self.excluded_by(path, stat.S_ISDIR(info.st_mode))
        if pattern is not None:
            if stat.S_ISDIR(info.st_mode):
                self.skip_tree(path, excluded_reason(pattern))
            else:
                self.skip(path, excluded_reason(pattern))
            return
        if stat.S_ISDIR(info.st_mode):
            self.walk(path)
        elif not stat.S_ISREG(info.st_mode):
            self.error(path, "not a regular file")  # a FIFO or device would block the read
        elif is_terraform_file(path.name):
            self.add_terraform_dir(path.parent, explicit_file=path)
        elif is_tfvars_file(path.name):
            # values for the module beside it: that module is what gets scanned
            self.add_terraform_dir(path.parent, explicit_file=None)
            module = self.terraform_keys.get(os.path.realpath(path.parent))
            if module is None or not self.terraform[module]:
                self.error(path, "no Terraform configuration (.tf) in its directory reads these "
                                 "values; pass them to a module with --var-file")
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
                if not _within(target, self.root):
                    self.error(link, "symlink to a directory outside the scan root; not followed")
                    continue
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
                if not _utf8_name(entry.name):
                    self.report_undecodable_name(entry, child, in_cdk)
                    continue
                kind = self.entry_kind(entry, child)
                if self.excludes and (self.is_ours(entry.name, in_cdk) if kind == "file" else
                                      kind is not None and not self.skip_dir(entry.name, in_cdk)):
                    pattern = self.excluded_by(child, kind != "file")
                    if pattern is not None:
                        if kind == "file":
                            self.skip(child, excluded_reason(pattern))
                        elif kind == "dir":  # a linked directory is not walked, nor counted
                            self.skip_tree(child, excluded_reason(pattern))
                        continue
                if kind == "file" and not entry.is_symlink():
                    # a plain file's real path is its real directory's plus its name: no
                    # realpath() walk (one lstat per path component) per file
                    self.known_real[str(child)] = os.path.join(real, entry.name)
                elif kind == "file" and self.is_ours(entry.name, in_cdk) and \
                        not _within(os.path.realpath(child), self.root):
                    self.error(child, "symlink to a file outside the scan root; not read")
                    continue
                if kind in ("dir", "dirlink"):
                    if self.skip_dir(entry.name, in_cdk):
                        if entry.name in SKIPPED_DIRS and entry.name not in VERSION_CONTROL_DIRS:
                            self.skipped_dirs[entry.name] = self.skipped_dirs.get(entry.name, 0) + 1
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
                    else:
                        self.skip(child, TERRAFORM_IGNORED)
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
        if name in SKIPPED_DIRS:
            return True
        # CDK asset directories hold bundled code and copies of inputs, not stack templates.
        return in_cdk and name.startswith("asset.")

    @staticmethod
    def is_ours(name: str, in_cdk: bool) -> bool:
        """Whether a file of this name is read when walked (templates, plans, Terraform)."""
        if in_cdk:
            return name.endswith(".template.json")
        return is_terraform_file(name) or name.lower().endswith(CANDIDATE_SUFFIXES)

    def report_undecodable_name(self, entry: os.DirEntry, path: Path, in_cdk: bool) -> None:
        """A name that is not UTF-8 cannot be reported or passed on faithfully: the entry is an
        error (shown with its bytes as \\xNN) when it is a directory or a file we would read."""
        try:
            is_dir = entry.is_dir(follow_symlinks=True)
        except OSError:
            is_dir = False
        if is_dir and not self.skip_dir(entry.name, in_cdk):
            self.error(path, "directory name is not valid UTF-8; not scanned (rename it)")
        elif not is_dir and self.is_ours(entry.name, in_cdk):
            self.error(path, "file name is not valid UTF-8; not read (rename it)")

    # -- Terraform ------------------------------------------------------------------------------

    def add_terraform_dir(self, directory: Path, explicit_file: Path | None) -> None:
        """An explicitly named .tf (or .tfvars) file brings its whole module (directory)."""
        files = [explicit_file] if explicit_file is not None else []
        children = self.list_dir(directory)
        for entry in children or ():
            if not _utf8_name(entry.name):
                self.report_undecodable_name(entry, directory / entry.name, False)
            elif is_terraform_file(entry.name) and not terraform_ignores(entry.name):
                child = directory / entry.name
                if self.entry_kind(entry, child) != "file":
                    continue
                pattern = self.excluded_by(child, False)
                if pattern is not None:
                    self.skip(child, excluded_reason(pattern))
                else:
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
        """Keep a file the loader should parse. A named file is always kept (the loader reports
        what it is not); a walked one only when it is text that may be a template or a plan."""
        real = self.realpath(path)
        if real in self.documents:
            return
        if not self.read_documents:
            self.documents[real] = path
            return
        try:
            size = os.stat(path).st_size
            if size > self.max_file_bytes:
                # a huge data file is not ours: only one that may be a template is an error
                if explicit or large_file_may_be_document(path):
                    self.error(path, self.size_message(size))
                else:
                    self.skip(path, TOO_LARGE)
                return
            with _open_binary(path) as handle:
                data = handle.read(self.max_file_bytes + 1)
        except OSError as exc:
            self.error(path, f"cannot read file: {exc.strerror or exc}")
            return
        if len(data) > self.max_file_bytes:  # grew since stat()
            self.error(path, self.size_message(len(data)))
            return
        if not data.strip():
            if explicit:
                self.error(path, "file is empty; expected a CloudFormation template or a Terraform plan")
            else:
                self.skip(path, EMPTY)
            return
        if not explicit:
            try:
                text = decode_text(data)
            except UndecodableText as exc:
                self.error(path, exc.message, exc.line)
                return
            if not may_be_document(text):
                self.skip(path, NOT_INFRASTRUCTURE)
                return
        self.documents[real] = path

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
        result.documents = sorted(self.documents.values(), key=_sort_key)
        result.terraform_dirs = {
            directory: sorted(self.terraform[directory].values(), key=_sort_key)
            for directory in sorted(self.terraform, key=_sort_key)
            if self.terraform[directory]
        }
        result.errors = self.errors
        result.skipped = dict(sorted(self.skipped.items()))
        result.skipped_dirs = dict(sorted(self.skipped_dirs.items()))
        return result


def is_inside(path: str, root: str) -> bool:
    """``path`` is ``root`` or below it (both as given: resolve them first where links matter)."""
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # another drive
        return False


def module_boundary(scan_root: Path, cwd: Path | None = None) -> Path:
    """The directory module sources may be read from: the repository that holds ``scan_root``
    (the nearest directory at or above it with a `.git` directory or file; git is never run),
    else the working directory when it holds the scan root, else the scan root itself."""
    start = Path(os.path.abspath(scan_root))
    for candidate in [start, *start.parents]:
        if os.path.lexists(candidate / ".git"):
            return candidate
    cwd = Path(os.path.abspath(cwd if cwd is not None else os.getcwd()))
    if is_inside(os.path.realpath(start), os.path.realpath(cwd)):
        return cwd
    return start


def _within(path: str, root: Path) -> bool:
    return is_inside(path, os.path.realpath(root))


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
             max_file_bytes: int = DEFAULT_MAX_FILE_BYTES, excludes: Excludes | None = None,
             repository: Path | None = None,
             read_documents: bool = True) -> Discovered:
    """Find what may be CloudFormation templates or plan JSON files, and Terraform module
    directories, leaving out what ``excludes`` matches (relative to ``repository``, the scan
    root when None), whether walked or named.

    Returned paths are absolute (symlinks not resolved, so they read the way the user laid the
    tree out); report them with ``relpath(path, result.root)``. Lists are sorted. Without
    ``read_documents``, ``documents`` holds every YAML/JSON file a scan would consider, unread.
    """
    absolute = [Path(os.path.abspath(p)) for p in paths]
    scan_root = Path(os.path.abspath(root)) if root is not None else default_root(absolute)
    walker = _Walker(scan_root, max_file_bytes, excludes, repository, read_documents)
    for path in absolute:
        walker.add_argument(path)
    return walker.finish()


def select(root: Path, documents: list[Path], terraform_dirs: dict[Path, list[Path]],
           errors: list[InputError], max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Discovered:
    """What a directory scan of ``root`` would have discovered, narrowed to some of its Terraform
    directories (with their files as a walk found them) and documents (read here, as a walk reads
    them: a file that cannot be a template or a plan is left out)."""
    walker = _Walker(Path(os.path.abspath(root)), max_file_bytes)
    for path in documents:
        walker.consider_file(path, explicit=False)
    for directory, files in terraform_dirs.items():
        walker.terraform.setdefault(directory, {}).update((walker.realpath(f), f) for f in files)
    walker.errors[:0] = errors
    return walker.finish()


# -- local module calls ------------------------------------------------------------------------------
#
# Which Terraform directories are only called as modules is decided before any file is parsed,
# so this is a small scanner, not a parser: it knows just enough HCL (comments, quoted strings
# with interpolation, heredocs, bracket depth) to find `source` attributes of top-level `module`
# blocks and nothing else. A commented-out call or a `source` argument of a resource must not
# hide a directory from the scan.

_HCL_TOKEN = lazy_compile(r"""
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
        assert match is not None  # its last alternative matches any character
        kind = match.lastgroup or "other"
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
    modules = data.get("module")
    for calls in modules if isinstance(modules, list) else [modules]:
        if not isinstance(calls, dict):
            continue
        for bodies in calls.values():
            for body in bodies if isinstance(bodies, list) else [bodies]:
                if isinstance(body, dict) and isinstance(body.get("source"), str):
                    sources.append(body["source"])
    return sources


_MODULE_LINE = lazy_compile(r"^[ \t]*module[ \t]*[\"\w-]", re.MULTILINE)


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
