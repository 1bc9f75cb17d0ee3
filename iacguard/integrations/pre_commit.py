"""Entry point of the pre-commit hook (``iacguard-pre-commit``, see ``.pre-commit-hooks.yaml``).

pre-commit passes every changed file that matches the hook's ``files`` pattern, which includes
YAML and JSON that are not infrastructure (workflows, Kubernetes manifests, package.json).
Given explicitly, ``iacguard scan`` treats such a file as an error, so this wrapper keeps only
what iacguard analyses: Terraform files (their whole module directory is scanned), a
``.tfvars`` file's module, and files that parse as CloudFormation or a Terraform plan (or cannot
be read or parsed, which the scan reports). Then it runs ``iacguard scan`` with the hook's
arguments.
"""

from __future__ import annotations

import sys
from pathlib import Path


def _is_iac(path: Path) -> Path | None:
    """The path to scan for a changed file, or None when it is not infrastructure code.

    A YAML/JSON file is parsed as the scan parses it: kept when it is a template or a plan, or
    when it cannot be read or parsed (the scan reports why); a file that parses as something
    else (a workflow, a Kubernetes manifest) is not ours."""
    from ..errors import IacguardError
    from ..loaders.cloudformation import looks_like_cloudformation, parse_document
    from ..loaders.discover import (DEFAULT_MAX_FILE_BYTES, UndecodableText, decode_text, is_terraform_file,
                                    is_tfvars_file, large_file_may_be_document, may_be_document)
    from ..loaders.plan import looks_like_plan

    name = path.name
    if is_terraform_file(name):
        return path
    if is_tfvars_file(name):
        module_files = sorted(p for p in path.parent.glob("*.tf") if p.is_file())
        return module_files[0] if module_files else None  # the module that reads these values
    try:
        if path.stat().st_size > DEFAULT_MAX_FILE_BYTES:  # the scan reports the size (or reads it)
            return path if large_file_may_be_document(path) else None
        text = decode_text(path.read_bytes())
    except (OSError, UndecodableText):
        return path  # let the scan report why it cannot be read
    if not may_be_document(text):
        return None
    try:
        data = parse_document(text, name)
    except IacguardError:
        return path
    return path if looks_like_plan(data) or looks_like_cloudformation(data) else None


def main(argv: list[str] | None = None) -> int:
    from ..cli import build_parser, main as cli_main

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args, _ = parser.parse_known_args(["scan", *argv])
        files = list(args.paths)
    except SystemExit:  # no file at all: nothing changed that the hook looks at
        return 0
    # pre-commit appends the file names after the hook's own args
    options = argv[:-len(files)] if argv[-len(files):] == files else [a for a in argv if a not in set(files)]
    selected: list[str] = []
    for file in files:
        target = _is_iac(Path(file))
        if target is not None and str(target) not in selected:
            selected.append(str(target))
    if not selected:
        print(f"iacguard: none of the {len(files)} changed files is a CloudFormation template, "
              "Terraform module or plan")
        return 0
    return cli_main(["scan", *options, *selected])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
