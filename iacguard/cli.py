"""The `iacguard` command: argument parsing and exit codes only; the work is in engine.py.

Exit codes: 0 no blocking finding, 1 blocking findings, 2 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Callable

from . import __version__
from .errors import IacguardError, UsageError
from .severity import FAIL_ON_CHOICES

# --format name -> module under iacguard/report with render(result, settings); imported only when used.
# The one place that names an output format.
_REPORTERS = {"text": "text", "json": "json_report", "sarif": "sarif", "junit": "junit", "github": "github",
              "html": "html"}
FORMATS = tuple(_REPORTERS)
# Reports that draw the IAM graph need the model; the others only findings, so a parallel scan
# can leave resources and model in its workers.
_MODEL_FORMATS = {"github", "html"}


def _say(message: str) -> None:
    """One line on stderr. Messages quote file names and template text: escaped like every
    report (an Actions log reads commands on stderr too)."""
    from .report.safe import inert_lines, visible

    print(inert_lines(visible(message)), file=sys.stderr)


def _key_value(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    return key.strip(), value


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of processes, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return value


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's own layout, but the terminal's width is read only when help or usage is laid
    out: argparse makes a formatter for every option it adds, and the default width comes from
    shutil, whose import (with bz2 and lzma) a scan would otherwise pay for nothing."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None, **kwargs: Any) -> None:
        super().__init__(prog, indent_increment, max_help_position, 80 if width is None else width, **kwargs)
        if width is None:  # argparse's default: measured on first use (__getattr__ below)
            self._layout = (prog, indent_increment, max_help_position, kwargs)
            del self._width, self._max_help_position

    def __getattr__(self, name: str) -> Any:
        if name not in ("_width", "_max_help_position") or "_layout" not in vars(self):
            raise AttributeError(name)
        prog, indent_increment, max_help_position, kwargs = self._layout
        measured = argparse.HelpFormatter(prog, indent_increment, max_help_position, **kwargs)
        self._width, self._max_help_position = measured._width, measured._max_help_position
        return getattr(self, name)


# Each subcommand with its one-line help, in the order `iacguard --help` lists them
_COMMANDS = {
    "scan": "scan templates, modules and plans",
    "baseline": "record the current findings so that `scan --baseline` blocks only on new ones",
    "graph": "draw each escalation path and exposure as a small picture (--whole: the repository's whole graph)",
    "init": "write a commented starter .iacguard.yaml",
    "list-checks": "print the catalogue of checks",
    "explain": "print one check's documentation",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser. With ``command`` (the subcommand the command line names), only
    that subcommand's options are built: argparse hands everything after the subcommand's name to
    its own parser, so the others' options are never read, and building them all cost every small
    scan a few milliseconds. Help and errors read the same either way (tests/test_cli.py)."""
    parser = argparse.ArgumentParser(prog="iacguard", description="Pre-deploy gate for AWS identity and access "
                                     "in Terraform and CloudFormation.", formatter_class=_HelpFormatter)
    parser.add_argument("--version", action="version", version=f"iacguard {__version__}")
    sub = parser.add_subparsers(dest="command")
    if command not in _COMMANDS:
        command = None
    # baseline and graph take scan's inputs and settings options: scan is built for them too
    wanted = set(_COMMANDS) if command is None else {command, "scan"} if command in ("baseline", "graph") \
        else {command}
    # every subcommand is named (the usage line of an error lists them), only the wanted ones get options
    parsers = {name: sub.add_parser(name, help=text, formatter_class=_HelpFormatter)
               for name, text in _COMMANDS.items()}
    parsers = {name: subparser for name, subparser in parsers.items() if name in wanted}
    if "scan" in parsers:
        _add_scan_arguments(parsers["scan"])
    if "baseline" in parsers:
        _add_baseline_arguments(parsers["baseline"], parsers["scan"])
    if "graph" in parsers:
        _add_graph_arguments(parsers["graph"], parsers["scan"])
    if "init" in parsers:
        init = parsers["init"]
        init.add_argument("directory", nargs="?", default=".", help="where to write it (default: .)")
        init.add_argument("--force", action="store_true", help="overwrite an existing .iacguard.yaml")
    if "list-checks" in parsers:
        checks = parsers["list-checks"]
        checks.add_argument("--checks-dir", action="append", default=[], metavar="DIR")
        checks.add_argument("--format", choices=("text", "json"), default="text")
    if "explain" in parsers:
        explain = parsers["explain"]
        explain.add_argument("check_id")
        explain.add_argument("--checks-dir", action="append", default=[], metavar="DIR")
    return parser


def _add_scan_arguments(scan: argparse.ArgumentParser) -> None:
    scan.add_argument("paths", nargs="+", help="files or directories")
    scan.add_argument("--format", "-f", choices=FORMATS, default="text")
    scan.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    scan.add_argument("--quiet", "-q", action="store_true",
                      help="text: show only the blocking findings, the problems and the verdict")
    scan.add_argument("--report", action="append", type=_key_value, default=[], metavar="FORMAT=FILE",
                      help="also write a report in FORMAT to FILE (repeatable; e.g. sarif=iacguard.sarif)")
    scan.add_argument("--cfn-lint", action="store_true",
                      help="also run cfn-lint's template-validity rules on the CloudFormation templates")
    scan.add_argument("--fail-on", choices=FAIL_ON_CHOICES,
                      help="lowest severity that fails the run (default: high)")
    scan.add_argument("--config", help="settings file (default: .iacguard.yaml or pyproject.toml [tool.iacguard])")
    scan.add_argument("--parameter", action="append", type=_key_value, default=[], metavar="KEY=VALUE",
                      help="CloudFormation parameter value (repeatable)")
    scan.add_argument("--parameters-file", action="append", default=[], metavar="FILE",
                      help="CloudFormation parameters file (CLI, CodePipeline or plain mapping JSON/YAML)")
    scan.add_argument("--var", action="append", type=_key_value, default=[], metavar="NAME=VALUE",
                      help="Terraform variable value (repeatable)")
    scan.add_argument("--var-file", action="append", default=[], metavar="FILE", help="Terraform .tfvars file")
    scan.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                      help="do not scan paths matching GLOB, relative to the repository root "
                           "(repeatable; added to the settings' exclude; e.g. 'examples/**')")
    scan.add_argument("--checks-dir", action="append", default=[], metavar="DIR",
                      help="directory of extra checks (repeatable; also IACGUARD_CHECKS_DIR); never from settings")
    scan.add_argument("--allow-unresolved", action="store_true",
                      help="do not fail (exit 2) on policies that cannot be resolved before deploy")
    scan.add_argument("--modules-not-on-disk", choices=("report", "error"),
                      help="Terraform module calls whose code is not on disk (no terraform init): name them "
                           "in the report (default) or fail the run (exit 2)")
    scan.add_argument("--max-file-size", type=int, metavar="BYTES", help="largest file read (default 20 MiB)")
    scan.add_argument("--jobs", "-j", type=_jobs, metavar="N",
                      help="processes that scan templates and modules (default: the number of CPUs "
                           "when the input is large enough to pay for them, else 1); same output for any N")
    scan.add_argument("--max-nesting-depth", type=int, metavar="N",
                      help="deepest nesting of mappings, lists and expressions (default 200)")
    scan.add_argument("--max-alias-nodes", type=int, metavar="N",
                      help="nodes YAML aliases may add to a template (default 10000)")
    scan.add_argument("--max-module-depth", type=int, metavar="N",
                      help="deepest chain of Terraform local module calls (default 20)")
    scan.add_argument("--max-instances", type=int, metavar="N",
                      help="resource instances per Terraform root module (default 1000)")
    scan.add_argument("--max-seconds-per-file", type=int, metavar="SECONDS",
                      help="time to read one template, plan or root module; 0 = no limit (default 10)")

    _add_gate_options(scan)


def _add_baseline_arguments(baseline: argparse.ArgumentParser, scan: argparse.ArgumentParser) -> None:
    baseline.add_argument("paths", nargs="+", help="files or directories")
    baseline.add_argument("--output", "-o", required=True, metavar="FILE",
                          help="baseline file to write (e.g. .iacguard-baseline.json)")
    _add_scan_inputs(baseline, scan)


def _add_scan_inputs(parser: argparse.ArgumentParser, scan: argparse.ArgumentParser) -> None:
    """Every input and settings option of ``scan`` (not its output, baseline or diff options),
    shared with ``parser`` so the two stay in sync."""
    for action in scan._actions:
        if action.dest not in ("help", "paths", "format", "output", "report", "baseline", "diff_base"):
            parser._add_action(action)


def _add_graph_arguments(graph: argparse.ArgumentParser, scan: argparse.ArgumentParser) -> None:
    graph.add_argument("paths", nargs="+", help="files or directories")
    graph.add_argument("--format", "-f", choices=("mermaid", "dot", "json"), default="mermaid")
    graph.add_argument("--output", "-o", help="write the graph to this file instead of stdout")
    graph.add_argument("--whole", action="store_true",
                       help="draw the repository's whole graph instead of one picture per finding")
    graph.add_argument("--focus", metavar="RESOURCE",
                       help="draw the whole graph, keeping only the paths through this node (an address)")
    _add_scan_inputs(graph, scan)


def _add_gate_options(scan: argparse.ArgumentParser) -> None:
    """Settings overrides and the baseline / diff-base gate options of `scan`."""
    scan.add_argument("--baseline", metavar="FILE",
                      help="do not block on findings recorded in this baseline (from `iacguard baseline`)")
    scan.add_argument("--diff-base", metavar="REF",
                      help="block only on findings new or worse than at this git revision (same paths); "
                           "plans compare with their prior state (prior-state: plans only, no git)")
    scan.add_argument("--enable", action="append", default=[], metavar="ID|FAMILY",
                      help="run only these checks or families (repeatable)")
    scan.add_argument("--disable", action="append", default=[], metavar="ID|FAMILY",
                      help="do not run these checks or families (repeatable)")
    scan.add_argument("--severity", action="append", type=_key_value, default=[], metavar="ID=SEVERITY",
                      help="override a check's severity (repeatable)")
    scan.add_argument("--profile", action="append", default=[], metavar="NAME",
                      help="enable an opt-in profile, e.g. account-baseline (repeatable)")
    scan.add_argument("--deploy-account", action="append", default=[], metavar="ACCOUNT",
                      help="12-digit account the templates deploy to (repeatable)")
    scan.add_argument("--trusted-account", action="append", default=[], metavar="ACCOUNT",
                      help="12-digit account inside the zone of trust (repeatable)")
    scan.add_argument("--organization-id", metavar="o-...", help="your AWS Organizations id")
    scan.add_argument("--require-permissions-boundary", action="store_true", default=None,
                      help="require a permissions boundary on every role and user")


def _gate_overrides(args: argparse.Namespace) -> dict:
    overrides = {"enable": args.enable, "disable": args.disable, "severity_overrides": dict(args.severity),
                 "profiles": args.profile, "deploy_accounts": args.deploy_account,
                 "trusted_accounts": args.trusted_account, "organization_id": args.organization_id,
                 "require_permissions_boundary": args.require_permissions_boundary}
    return {key: value for key, value in overrides.items() if value not in (None, [], {})}


def _settings_for(args: argparse.Namespace):
    from .settings import checks_dirs_from_environment, find_settings_file, load_settings, repository_root

    config = Path(args.config) if args.config else find_settings_file(Path(args.paths[0]))
    if args.config and not Path(args.config).is_file():
        raise UsageError(f"settings file not found: {args.config}")
    settings = load_settings(config, repository_root(Path(args.paths[0])))
    if args.fail_on:
        settings.fail_on = args.fail_on
    settings.parameters.update(dict(args.parameter))
    settings.parameter_files.extend(args.parameters_file)
    settings.variables.update(dict(args.var))
    settings.var_files.extend(args.var_file)
    settings.checks_dirs.extend(checks_dirs_from_environment() + args.checks_dir)
    if args.allow_unresolved:
        settings.allow_unresolved = True
    if getattr(args, "modules_not_on_disk", None):
        settings.modules_not_on_disk = args.modules_not_on_disk
    if args.max_file_size:
        settings.max_file_size = args.max_file_size
    for limit in ("max_nesting_depth", "max_alias_nodes", "max_module_depth", "max_instances",
                  "max_seconds_per_file"):
        value = getattr(args, limit)
        if value is not None:
            if value < (0 if limit == "max_seconds_per_file" else 1):
                raise UsageError(f"--{limit.replace('_', '-')} must be "
                                 f"{'0 or more' if limit == 'max_seconds_per_file' else 'at least 1'}")
            setattr(settings, limit, value)
    from .settings import apply_settings

    apply_settings(settings, _gate_overrides(args), "command line", extend=True)
    if args.exclude:
        from .excludes import ExcludePatternError, check_pattern

        for pattern in args.exclude:
            try:
                check_pattern(pattern)
            except ExcludePatternError as exc:
                raise UsageError(f"--exclude {pattern!r}: {exc}") from None
        apply_settings(settings, {"exclude": args.exclude}, "command line", extend=True)
    return settings


def _scan(args: argparse.Namespace, select: Callable[[Any], Any] | None = None) -> int:
    """``select``: given the settings, what to scan of the one directory in ``args.paths``
    instead of all of it (a ``discover.Discovered``; the pre-commit hook's selection)."""
    from .engine import scan

    for path in args.paths:
        if not os.path.lexists(path):
            raise UsageError(f"path not found: {path}")
    settings = _settings_for(args)
    discovered = select(settings) if select is not None else None
    for report_format, _ in args.report:
        if report_format not in _REPORTERS:
            raise UsageError(f"--report: unknown format {report_format!r} (choose from {', '.join(FORMATS)})")
    formats = {args.format} | {report_format for report_format, _ in args.report}
    result = scan(args.paths, settings, jobs=args.jobs,
                  keep_model=bool(formats & _MODEL_FORMATS or args.diff_base or args.cfn_lint), discovered=discovered)
    if args.cfn_lint:
        from .integrations.cfn_lint import add_cfn_lint_findings

        add_cfn_lint_findings(result, settings)
    _apply_gate(args, result, settings)
    for report_format, report_file in args.report:
        _write(report_file, _render(report_format, result, settings))
    output = _render(args.format, result, settings, quiet=args.quiet,
                     colour=not args.output and _colour_wanted(sys.stdout))
    if args.output:
        _write(args.output, output)
    else:
        sys.stdout.write(output)
    return result.exit_code(settings)


def _apply_gate(args: argparse.Namespace, result, settings) -> None:
    """Baseline, then diff against the base revision; both only change what blocks."""
    baseline = args.baseline or settings.baseline
    if baseline:
        from .gate import apply_baseline, load_baseline

        apply_baseline(result.findings, load_baseline(Path(baseline)))
        result.baseline = baseline
    if args.diff_base:
        from .gate import PRIOR_STATE, diff_against_base, in_git_repository

        result.diff = diff_against_base(args.diff_base, args.paths, settings, result, jobs=args.jobs)
        # settings compare with a git revision; plans outside any repository have none (anything
        # else scanned needed the repository already)
        if args.diff_base != PRIOR_STATE and in_git_repository(args.paths):
            _report_weakened_settings(args, result, settings, baseline)


def _report_weakened_settings(args: argparse.Namespace, result, settings, baseline: str | None) -> None:
    """IAG-GR-005 with --diff-base: the settings file or baseline lets through what the base's
    blocked. It runs whatever the settings say (they are what it judges) and a fail_on the file
    raised gives way to the base's."""
    from .engine import _finish
    from .framework import SETTINGS_CHECK, CheckContext
    from .gate import fail_on_raised, settings_changes

    changes, base_settings = settings_changes(args.diff_base, args.paths, settings, result.checks, result.root,
                                              config_given=bool(args.config), baseline=baseline,
                                              baseline_given=bool(args.baseline))
    if base_settings is not None and args.fail_on is None and fail_on_raised(base_settings.fail_on, settings.fail_on):
        settings.fail_on = base_settings.fail_on
    meta = result.checks[SETTINGS_CHECK]
    sink: list = []
    meta.func(CheckContext(meta, result.model, settings, sink, settings_changes=changes, checks=result.checks,
                           analysis=result.analysis))
    for finding in sink:
        finding.diff = "new"
        result.diff["new"] += 1
    result.findings.extend(sink)
    _finish(result)


def _baseline(args: argparse.Namespace) -> int:
    from .engine import scan
    from .gate import write_baseline

    for path in args.paths:
        if not os.path.lexists(path):
            raise UsageError(f"path not found: {path}")
    settings = _settings_for(args)
    result = scan(args.paths, settings, jobs=args.jobs, keep_model=bool(args.cfn_lint))
    if args.cfn_lint:  # the same findings `scan --cfn-lint` would report
        from .integrations.cfn_lint import add_cfn_lint_findings

        add_cfn_lint_findings(result, settings)
    problems = list(result.errors) + ([] if settings.allow_unresolved else list(result.unresolved))
    if problems:
        # A baseline over input that could not be read would hide nothing yet accept too much later.
        for problem in problems:
            _say(f"iacguard: {problem}")
        print(f"iacguard: error: baseline not written: {len(problems)} unreadable or unresolved input(s) "
              f"(--allow-unresolved accepts unresolved policies)", file=sys.stderr)
        return 2
    count = write_baseline(result.findings, Path(args.output))
    _say(f"iacguard: wrote {count} findings to {args.output}")
    return 0


def _init(args: argparse.Namespace) -> int:
    from .settings import write_starter

    target = write_starter(Path(args.directory), force=args.force)
    print(f"iacguard: wrote {target}", file=sys.stderr)
    return 0


def _render(report_format: str, result, settings, **text_options: bool) -> str:
    import importlib

    module = importlib.import_module(f".report.{_REPORTERS[report_format]}", __package__)
    if report_format == "text" and text_options:
        return module.render(result, settings, **text_options)
    return module.render(result, settings)


def _colour_wanted(stream) -> bool:
    """Colours on a terminal, unless NO_COLOR is set to anything (no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


def _write(file: str, text: str) -> None:
    try:
        Path(file).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write report {file}: {exc.strerror or exc}") from None


def _graph(args: argparse.Namespace) -> int:
    from .engine import scan
    from .report.graph_view import render_graph

    for path in args.paths:
        if not os.path.lexists(path):
            raise UsageError(f"path not found: {path}")
    settings = _settings_for(args)
    result = scan(args.paths, settings, jobs=args.jobs)
    for problem in list(result.errors) + list(result.unresolved):
        _say(f"iacguard: {problem}")
    output = render_graph(result, settings, args.format, args.focus, whole=args.whole)
    if args.output:
        _write(args.output, output)
    else:
        sys.stdout.write(output)
    return 2 if result.errors else 0


def _list_checks(args: argparse.Namespace) -> int:
    from .framework import load_checks
    from .settings import checks_dirs_from_environment

    checks = load_checks(checks_dirs_from_environment() + args.checks_dir)
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
    from .settings import checks_dirs_from_environment

    checks = load_checks(checks_dirs_from_environment() + args.checks_dir)
    meta = checks.get(args.check_id) or checks.get(args.check_id.upper())
    if meta is None:
        raise UsageError(f"unknown check {args.check_id!r}; `iacguard list-checks` prints them")
    sys.stdout.write(render_check(meta))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    handler = {"scan": _scan, "list-checks": _list_checks, "explain": _explain, "baseline": _baseline,
               "init": _init, "graph": _graph}[args.command]
    return run(lambda: handler(args))


def command() -> None:
    """The installed ``iacguard`` command (and ``python -m iacguard``): ``main()``, then exit."""
    exit_now(main())


def exit_now(code: int) -> None:
    """Exit with ``code`` once output is flushed, without tearing the interpreter down: freeing
    every module and every object of a scan one by one took 10-20 ms of a 0.1 s scan. Nothing a
    scan starts is left to clean up at exit (worker pools and the temporary checkout of
    --diff-base are closed by their own with-blocks before this)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (| head) or a closed stream
            pass
    if "logging" in sys.modules:  # a library's handlers may buffer
        import logging

        logging.shutdown()
    os._exit(code)


def run(command: Callable[[], int]) -> int:
    """``command``'s exit code; an error is one line on stderr and exit 2, never a traceback."""
    try:
        return command()
    except IacguardError as exc:
        _say(f"iacguard: error: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback for users; IACGUARD_DEBUG=1 shows it
        if os.environ.get("IACGUARD_DEBUG"):
            raise
        _say(f"iacguard: internal error: {type(exc).__name__}: {exc} (set IACGUARD_DEBUG=1 for details)")
        return 2


if __name__ == "__main__":  # pragma: no cover
    command()
