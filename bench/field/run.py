#!/usr/bin/env python3
"""Field trials: scan pinned public repositories with the installed iacguard.

The repositories in manifest.json are never part of this repository. Each is extracted from a
bare git mirror outside it (``<mirrors>/<owner>+<name>/repo``, the layout the library's fetch
tool writes; ``git --git-dir=D archive COMMIT | tar -x``) into a work directory, then scanned with
``iacguard scan --format json`` from the extracted root. One row per repository: exit code,
findings, blocking findings, errors by kind, module calls not analysed and seconds; an entry of
kind "plan" lists its plan files in ``paths``, each scanned alone with a row of its own.

    python bench/field/run.py                          # table of the installed iacguard
    python bench/field/run.py --save before.json       # keep the results ...
    python bench/field/run.py --compare before.json    # ... and show them beside a later run
    python bench/field/run.py --blocking blocking.jsonl  # every blocking finding, to hand-judge
    python bench/field/run.py --kind plan              # only the public plans

It fetches nothing: a repository without a mirror is reported as missing. CI never runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_MIRRORS = os.environ.get("IACGUARD_FIELD_MIRRORS", "/work/.mirror")
DEFAULT_WORK = os.environ.get("IACGUARD_FIELD_WORK", "/tmp/iacguard-field")


def load_manifest(path: Path) -> list[dict]:
    entries = json.loads(path.read_text())["repositories"]
    for entry in entries:
        if "/" not in entry["repo"] or len(entry["commit"]) != 40:
            raise SystemExit(f"{path}: bad entry {entry}")
    return entries


def mirror_of(mirrors: Path, repo: str) -> Path | None:
    owner, name = repo.split("/", 1)
    for candidate in (mirrors / f"{owner}+{name}" / "repo", mirrors / owner / f"{name}.git"):
        if candidate.is_dir():
            return candidate
    return None


def extract(mirror: Path, commit: str, destination: Path, only: list[str] | None = None) -> None:
    """A clean tree of ``commit`` in ``destination`` (kept between runs: same commit, same files).
    ``only``: just these paths (a plan is read alone, and a mirror may lack the large files of
    the rest of its tree, which makes a whole archive fail)."""
    stamp = destination / ".field-commit"
    if stamp.is_file() and stamp.read_text() == commit and all((destination / p).is_file() for p in only or ()):
        return
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    archive = subprocess.run(["git", f"--git-dir={mirror}", "archive", commit, *(["--", *only] if only else [])],
                             capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive.stdout, check=True)
    stamp.write_text(commit)


def scan(command: list[str], root: Path, paths: list[str], extra: list[str], timeout: float) -> dict:
    argv = [*command, "scan", *(paths or ["."]), "--format", "json", *extra]
    started = time.perf_counter()
    try:
        proc = subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"exit": "timeout", "seconds": round(time.perf_counter() - started, 2)}
    seconds = round(time.perf_counter() - started, 2)
    result: dict = {"exit": proc.returncode, "seconds": seconds}
    if "Traceback" in proc.stderr:
        result["traceback"] = proc.stderr[-2000:]
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        result["unparsed"] = (proc.stdout[-500:], proc.stderr[-1000:])
        return result
    findings = [f for f in report.get("findings", []) if not f.get("suppressed") and not f.get("baselined")]
    summary = report.get("summary", {})
    result.update(
        files=summary.get("files_scanned"),
        findings=len(findings),
        blocking=summary.get("blocking"),
        errors=dict(Counter(e.get("kind", "input") for e in report.get("errors", []))),
        error_list=report.get("errors", []),
        findings_list=findings,
        fail_on=summary.get("fail_on"),
        not_analysed=len(report.get("not_analysed", [])),
        libraries=len(summary.get("libraries", []) or []),
    )
    return result


def is_blocking(finding: dict, fail_on: str | None) -> bool:
    order = ["low", "medium", "high", "critical"]
    threshold = fail_on if fail_on in order else "high"
    return order.index(finding.get("severity", "low")) >= order.index(threshold)


def row(name: str, result: dict) -> str:
    if "missing" in result:
        return f"| {name} | missing mirror | | | | | | |"
    errors = ", ".join(f"{k} {v}" for k, v in sorted(result.get("errors", {}).items())) or "0"
    note = " TRACEBACK" if "traceback" in result else (" UNPARSED" if "unparsed" in result else "")
    return (f"| {name} | {result.get('files', '')} | {result['exit']}{note} | {result.get('findings', '')} "
            f"| {result.get('blocking', '')} | {errors} | {result.get('not_analysed', '')} | {result['seconds']:.2f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", type=Path, default=HERE / "manifest.json")
    parser.add_argument("--mirrors", type=Path, default=Path(DEFAULT_MIRRORS))
    parser.add_argument("--work", type=Path, default=Path(DEFAULT_WORK))
    parser.add_argument("--iacguard", default="iacguard", help="command to run (default: iacguard on PATH)")
    parser.add_argument("--args", default="", help="extra scan arguments, e.g. '--jobs 1'")
    parser.add_argument("--only", action="append", default=[],
                        help="only repositories whose name contains this (repeatable)")
    parser.add_argument("--kind", action="append", default=[],
                        help="only entries of this kind: terraform, cloudformation, plan ... (repeatable)")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--save", type=Path, help="write the results (JSON) for a later --compare")
    parser.add_argument("--compare", type=Path, help="results saved by an earlier run, shown beside")
    parser.add_argument("--blocking", type=Path, help="write every blocking finding (JSON lines) to hand-judge")
    parser.add_argument("--show-errors", action="store_true", help="print every error message")
    options = parser.parse_args()

    command = shlex.split(options.iacguard)
    if not shutil.which(command[0]):
        raise SystemExit(f"{command[0]} not found: install iacguard (pip install .) or pass --iacguard")
    results: dict[str, dict] = {}
    for entry in load_manifest(options.manifest):
        name = entry["repo"]
        if options.only and not any(part in name for part in options.only):
            continue
        if options.kind and entry.get("kind") not in options.kind:
            continue
        mirror = mirror_of(options.mirrors, name)
        if mirror is None:
            results[name] = {"missing": True}
            continue
        root = options.work / name.replace("/", "+")
        paths = entry.get("paths", [])
        plans = entry.get("kind") == "plan"
        extract(mirror, entry["commit"], root, paths if plans else None)
        # each plan is a pipeline's gate on its own: one scan and one row per plan file
        for label, scanned in ([(f"{name}:{p}" if len(paths) > 1 else name, [p]) for p in paths] if plans
                               else [(name, paths)]):
            results[label] = scan(command, root, scanned, shlex.split(options.args), options.timeout)
            results[label]["kind"] = entry.get("kind", "")

    before = json.loads(options.compare.read_text()) if options.compare else {}
    print("| repository | files | exit | findings | blocking | errors by kind | not analysed | seconds |")
    print("|---|---:|---:|---:|---:|---|---:|---:|")
    totals = Counter()
    for name, result in results.items():
        if name in before:
            print(row(f"{name} (before)", before[name]))
        print(row(name, result))
        for key in ("findings", "blocking"):
            totals[key] += result.get(key) or 0
        totals["seconds"] += result.get("seconds", 0)
        totals["exit2"] += result.get("exit") == 2
        totals["errors"] += sum(result.get("errors", {}).values())
    print(f"\n{len(results)} repositories: {totals['exit2']} exit 2, {totals['errors']} errors, "
          f"{totals['findings']} findings, {totals['blocking']} blocking, {totals['seconds']:.1f} s")
    if options.show_errors:
        for name, result in results.items():
            for error in result.get("error_list", []):
                print(f"{name}: [{error.get('kind')}] {error.get('file')}:{error.get('line')}: {error.get('message')}")
            if "traceback" in result:
                print(f"{name}: TRACEBACK\n{result['traceback']}")
    if options.save:
        options.save.write_text(json.dumps(results, indent=1, sort_keys=True))
    if options.blocking:
        with options.blocking.open("w") as handle:
            for name, result in results.items():
                for finding in result.get("findings_list", []):
                    if is_blocking(finding, result.get("fail_on")):
                        handle.write(json.dumps({"repo": name, **finding}, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
