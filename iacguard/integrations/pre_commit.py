"""Entry point of the pre-commit hook (``iacguard-pre-commit``, see ``.pre-commit-hooks.yaml``).

pre-commit runs the hook from the repository root and passes the changed files that match the
hook's ``files`` pattern, repository-relative, YAML and JSON that are not infrastructure
(workflows, Kubernetes manifests, package.json) included. The hook scans what those changes
affect, as ``iacguard scan .`` would judge it (README "Integrations"):

- a changed ``.tf`` file: its directory's module, and every directory of the repository that
  calls it as a local module, directly or through other modules; of these, the scan's own root
  selection decides which are roots (the same rounds as ``scan .``, over the same callers);
- ``terraform.tfvars`` / ``*.auto.tfvars``: their directory, as a ``.tf`` file would;
- another ``.tfvars`` file: its directory too, with that file as a var file of that root only;
- a template or plan: itself, and every template nesting it as a local nested stack (its
  findings are reported through them, as ``scan .`` reports them).

The scan root is the repository root, so every report names files as ``scan .`` does. Finding
the callers reads the repository's ``.tf`` files as text (only the ones with a ``module`` line
are tokenized) and only the templates that declare a nested stack naming a changed file's name
are parsed; nothing else of the repository is read.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..loaders.discover import Discovered
    from ..settings import Settings


def _is_iac(path: Path) -> bool:
    """Whether a changed file may be infrastructure code the scan reads: quick, before any scan.

    A YAML/JSON file is parsed as the scan parses it: kept when it is a template or a plan, or
    when it cannot be read or parsed (the scan reports why); a file that parses as something
    else (a workflow, a Kubernetes manifest) is not ours."""
    from ..errors import IacguardError
    from ..loaders.cloudformation import looks_like_cloudformation, parse_document
    from ..loaders.discover import (DEFAULT_MAX_FILE_BYTES, UndecodableText, decode_text, is_terraform_file,
                                    is_tfvars_file, large_file_may_be_document, may_be_document,
                                    terraform_ignores)
    from ..loaders.shapes import looks_like_plan

    name = path.name
    if is_terraform_file(name):
        return not terraform_ignores(name)  # Terraform itself skips hidden files and backups
    if is_tfvars_file(name):
        return any(p.is_file() and is_terraform_file(p.name) for p in path.parent.glob("*.tf*"))
    try:
        if path.stat().st_size > DEFAULT_MAX_FILE_BYTES:  # the scan reports the size (or reads it)
            return large_file_may_be_document(path)
        text = decode_text(path.read_bytes())
    except (OSError, UndecodableText):
        return True  # let the scan report why it cannot be read
    if not may_be_document(text):
        return False
    try:
        data = parse_document(text, name)
    except IacguardError:
        return True
    return looks_like_plan(data) or looks_like_cloudformation(data)


def _auto_loaded(name: str) -> bool:
    """Var files Terraform (and the scan) reads in a root without being named."""
    return name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith((".auto.tfvars",
                                                                                   ".auto.tfvars.json"))


def select(repository: Path, changed: list[str], settings: Settings) -> Discovered:
    """What of ``repository`` the ``changed`` files affect, as discovery of ``scan .`` would give
    it; sets ``settings.root_var_files`` for the changed var files that are not auto-loaded."""
    from ..engine import _module_calls
    from ..loaders import discover

    repository = Path(os.path.abspath(repository))
    # the whole tree as `scan .` walks it, without reading a template: which directories are
    # Terraform modules, which files may be templates or plans
    tree = discover.discover([repository], root=repository, max_file_bytes=settings.max_file_size,
                             read_documents=False)
    documents_by_real = {os.path.realpath(p): p for p in tree.documents}
    changed_dirs: set[Path] = set()
    changed_documents: list[Path] = []
    var_files: dict[str, list[str]] = {}
    for name in changed:
        path = Path(os.path.abspath(repository / name))
        if discover.is_terraform_file(path.name) or discover.is_tfvars_file(path.name):
            if discover.is_terraform_file(path.name) and discover.terraform_ignores(path.name):
                continue
            real_dir = Path(os.path.realpath(path.parent))
            changed_dirs.add(real_dir)
            if discover.is_tfvars_file(path.name) and not _auto_loaded(path.name):
                var_files.setdefault(str(real_dir), []).append(str(path))
        else:
            walked = documents_by_real.get(os.path.realpath(path))
            if walked is not None:  # else `scan .` does not read it (a skipped directory)
                changed_documents.append(walked)

    terraform_dirs: dict[Path, list[Path]] = {}
    if changed_dirs and tree.terraform_dirs:
        real_of, calls = _module_calls(tree.terraform_dirs)
        walked_dir = {real: directory for directory, real in real_of.items()}
        callers: dict[Path, set[Path]] = {}
        for caller, targets in calls.items():
            for target in targets:
                callers.setdefault(target, set()).add(caller)
        # every caller of a selected directory is selected: the planner decides whether a module
        # is a root of its own from all of its callers, exactly as in `scan .`
        affected = {real for real in changed_dirs if real in walked_dir}
        pending = list(affected)
        while pending:
            for caller in callers.get(pending.pop(), ()):
                if caller in walked_dir and caller not in affected:
                    affected.add(caller)
                    pending.append(caller)
        terraform_dirs = {walked_dir[real]: tree.terraform_dirs[walked_dir[real]] for real in sorted(affected)}
        settings.root_var_files = {real: files for real, files in var_files.items() if Path(real) in affected}

    skipped: dict[str, str] = {}
    # what `scan .` leaves out by the exclude setting stays out; the caller map above is of the
    # whole tree, so a change in an excluded module still selects the scanned roots that call it
    if settings.exclude:
        from ..excludes import Excludes

        excludes = Excludes(settings.exclude)

        def kept(path: Path, is_dir: bool = False) -> bool:
            return discover.excluded_by(excludes, str(repository), path, is_dir) is None

        for name in changed:  # a changed file left out is counted in the summary, as `scan .` does
            pattern = discover.excluded_by(excludes, str(repository), repository / name, False)
            if pattern is not None:
                skipped[discover.printable(name.replace(os.sep, "/"))] = discover.excluded_reason(pattern)
        changed_documents = [p for p in changed_documents if kept(p)]
        terraform_dirs = {d: [f for f in files if kept(f)] for d, files in terraform_dirs.items() if kept(d, True)}
        terraform_dirs = {d: files for d, files in terraform_dirs.items() if files}
        candidates = [p for p in tree.documents if kept(p)]
    else:
        candidates = list(tree.documents)
    documents = changed_documents + _nesting_parents(changed_documents, candidates, settings)
    found = discover.select(repository, sorted(set(documents)), terraform_dirs,
                            _errors_about(tree, repository, documents, terraform_dirs), settings.max_file_size)
    found.skipped.update(skipped)
    return found


def _nesting_parents(children: list[Path], candidates: list[Path], settings: Settings) -> list[Path]:
    """The templates among ``candidates`` that nest one of ``children`` as a local nested stack,
    directly or through other nested templates. Only a template that declares a nested stack
    and names a wanted file's name (or may spell it with escapes) is parsed."""
    if not children:
        return []
    from ..errors import IacguardError
    from ..loaders import cloudformation
    from ..loaders.discover import UndecodableText, decode_text

    texts: dict[Path, str] = {}
    for path in candidates:
        try:
            if os.stat(path).st_size > settings.max_file_size:
                continue
            text = decode_text(path.read_bytes())
        except (OSError, UndecodableText):
            continue
        if any(kind in text for kind in cloudformation.NESTING_TYPES):
            texts[path] = text
    wanted = {Path(os.path.realpath(child)) for child in children}
    parents: list[Path] = []
    parsed: dict[Path, set[Path]] = {}
    grew = True
    while grew:
        grew = False
        names = {real.name for real in wanted}
        for path, text in texts.items():
            if path in parents or not (any(n in text for n in names) or "\\" in text):
                continue
            if path not in parsed:
                try:
                    document = cloudformation.parse_document(text, str(path), max_depth=settings.max_nesting_depth,
                                                             max_alias_nodes=settings.max_alias_nodes)
                except IacguardError:
                    parsed[path] = set()  # a broken parent is reported when it changes itself
                    continue
                base = Path(os.path.realpath(path)).parent
                parsed[path] = {Path(os.path.realpath(base / url))
                                for url in cloudformation.local_nested_templates(document)}
            if parsed[path] & wanted:
                parents.append(path)
                wanted.add(Path(os.path.realpath(path)))
                grew = True
    return parents


def _errors_about(tree: Discovered, repository: Path, documents: list[Path],
                  terraform_dirs: dict[Path, list[Path]]) -> list[Any]:
    """What the walk of the repository could not read among the selected files: a module file
    too large or a link out of the repository in a selected directory."""
    from ..loaders.discover import relpath

    files = {relpath(p, repository) for p in documents}
    dirs = {relpath(d, repository) for d in terraform_dirs}
    return [e for e in tree.errors
            if e.file in files or (e.file is not None and (Path(e.file).parent.as_posix() in dirs))]


def main(argv: list[str] | None = None) -> int:
    from ..cli import _scan, build_parser, run

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser("scan")
    try:
        args, _ = parser.parse_known_args(["scan", *argv])
        files = list(args.paths)
    except SystemExit:  # no file at all: nothing changed that the hook looks at
        return 0
    # pre-commit appends the file names after the hook's own args
    options = argv[:-len(files)] if argv[-len(files):] == files else [a for a in argv if a not in set(files)]
    changed = [file for file in files if _is_iac(Path(file))]
    if not changed:
        print(f"iacguard: none of the {len(files)} changed files is a CloudFormation template, "
              "Terraform module or plan")
        return 0
    # pre-commit runs hooks from the repository root: the scan is `scan .`, narrowed to what
    # the changed files affect, so paths and fingerprints are the ones `scan .` gives
    args = parser.parse_args(["scan", *options, "."])
    return run(lambda: _scan(args, select=lambda settings: select(Path.cwd(), changed, settings)))


def command() -> None:
    """The installed ``iacguard-pre-commit`` hook: ``main()``, then exit (``cli.exit_now``)."""
    from ..cli import exit_now

    exit_now(main())


if __name__ == "__main__":  # pragma: no cover
    command()
