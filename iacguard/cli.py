"""The `iacguard` command: argument parsing and exit codes only; the work is in engine.py.

Exit codes: 0 no blocking finding, 1 blocking findings, 2 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .errors import IacguardError, UsageError

FORMATS = ("text", "json")


def _key_value(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    return key.strip(), value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="iacguard", description="Pre-deploy gate for AWS identity and access "
                                     "in Terraform and CloudFormation.")
    parser.add_argument("--version", action="version", version=f"iacguard {__version__}")
    sub = parser.add_subparsers(dest="command")

    scan = sub.add_parser("scan", help="scan templates, modules and plans")
    scan.add_argument("paths", nargs="+", help="files or directories")
    scan.add_argument("--format", "-f", choices=FORMATS, default="text")
    scan.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    scan.add_argument("--fail-on", choices=("low", "medium", "high", "critical", "none"),
                      help="lowest severity that fails the run (default: high)")
    scan.add_argument("--config", help="settings file (default: .iacguard.yaml or pyproject.toml [tool.iacguard])")
    scan.add_argument("--parameter", action="append", type=_key_value, default=[], metavar="KEY=VALUE",
                      help="CloudFormation parameter value (repeatable)")
    scan.add_argument("--parameters-file", action="append", default=[], metavar="FILE",
                      help="CloudFormation parameters file (CLI, CodePipeline or plain mapping JSON/YAML)")
    scan.add_argument("--var", action="append", type=_key_value, default=[], metavar="NAME=VALUE",
                      help="Terraform variable value (repeatable)")
    scan.add_argument("--var-file", action="append", default=[], metavar="FILE", help="Terraform .tfvars file")
    scan.add_argument("--checks-dir", action="append", default=[], metavar="DIR", help="directory of extra checks")
    scan.add_argument("--allow-unresolved", action="store_true",
                      help="do not fail (exit 2) on policies that cannot be resolved before deploy")
    scan.add_argument("--max-file-size", type=int, metavar="BYTES", help="largest file read (default 20 MiB)")

    checks = sub.add_parser("list-checks", help="print the catalogue of checks")
    checks.add_argument("--checks-dir", action="append", default=[], metavar="DIR")
    checks.add_argument("--format", choices=("text", "json"), default="text")
    explain = sub.add_parser("explain", help="print one check's documentation")
    explain.add_argument("check_id")
    explain.add_argument("--checks-dir", action="append", default=[], metavar="DIR")
    return parser


def _settings_for(args: argparse.Namespace):
    from .settings import find_settings_file, load_settings

    config = Path(args.config) if args.config else find_settings_file(Path(args.paths[0]))
    if args.config and not config.is_file():
        raise UsageError(f"settings file not found: {args.config}")
    settings = load_settings(config)
    if args.fail_on:
        settings.fail_on = args.fail_on
    settings.parameters.update(dict(args.parameter))
    settings.parameter_files.extend(args.parameters_file)
    settings.variables.update(dict(args.var))
    settings.var_files.extend(args.var_file)
    settings.checks_dirs.extend(args.checks_dir)
    if args.allow_unresolved:
        settings.allow_unresolved = True
    if args.max_file_size:
        settings.max_file_size = args.max_file_size
    return settings


def _scan(args: argparse.Namespace) -> int:
    from .engine import scan

    for path in args.paths:
        if not os.path.lexists(path):
            raise UsageError(f"path not found: {path}")
    settings = _settings_for(args)
    result = scan(args.paths, settings)
    if args.format == "json":
        from .report.json_report import render
    else:
        from .report.text import render
    output = render(result, settings)
    if args.output:
        Path(args.output).write_text(output, encoding="utf-8")
    else:
        sys.stdout.write(output)
    return result.exit_code(settings)


def _list_checks(args: argparse.Namespace) -> int:
    from .framework import load_checks

    checks = load_checks(args.checks_dir)
    if args.format == "json":
        import json

        print(json.dumps([{"id": c.id, "family": c.family, "severity": c.severity, "title": c.title,
                           "controls": list(c.controls)} for c in checks.values()], indent=2))
        return 0
    for meta in checks.values():
        print(f"{meta.id:<8} {meta.family:<22} {meta.severity:<8} {meta.title}")
    return 0


def _explain(args: argparse.Namespace) -> int:
    from .docs import render_check
    from .framework import load_checks

    checks = load_checks(args.checks_dir)
    meta = checks.get(args.check_id) or checks.get(args.check_id.upper())
    if meta is None:
        raise UsageError(f"unknown check {args.check_id!r}; `iacguard list-checks` prints them")
    sys.stdout.write(render_check(meta))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        handler = {"scan": _scan, "list-checks": _list_checks, "explain": _explain}[args.command]
        return handler(args)
    except IacguardError as exc:
        print(f"iacguard: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback for users; IACGUARD_DEBUG=1 shows it
        if os.environ.get("IACGUARD_DEBUG"):
            raise
        print(f"iacguard: internal error: {type(exc).__name__}: {exc} (set IACGUARD_DEBUG=1 for details)",
              file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
