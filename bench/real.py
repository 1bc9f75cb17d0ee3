"""The real-code corpus of bench/run.py: the pinned public repositories of the field set.

``bench/field/manifest.json`` pins each repository to a commit. The trees are extracted from bare
git mirrors (``<mirrors>/<owner>+<name>/repo``, as bench/field/run.py reads them) into a work
directory that must lie outside this repository: their files are never part of it.

One row per repository (its whole tree, as a user would scan it), plus one row ``plans`` for the
plan-only entries: their plan files (48 at the pinned commits) scanned together in one process, the
rest of those repositories being unrelated code. Per round, iacguard, checkov and cfn-lint run one
after the other on the same input (paired runs), so a busy machine slows all of them alike.

``per_file`` scans every file alone, in this process (iacguard imported once and warm), and ranks
them by seconds per 1,000 lines; files under 1,000 lines count as 1,000 (a 5-line file taking
10 ms is not slow). The worst few are timed again as whole processes.
"""

from __future__ import annotations

import importlib.util
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
MANIFEST = BENCH_DIR / "field" / "manifest.json"
DEFAULT_MIRRORS = Path(os.environ.get("IACGUARD_FIELD_MIRRORS", "/work/.mirror"))
DEFAULT_WORK = Path(os.environ.get("IACGUARD_REAL_WORK", "/tmp/iacguard-realbench"))
PLANS_ROW = "plans"

# A CloudFormation template for cfn-lint: a top-level Resources key and at least one AWS:: type.
_CFN_RESOURCES = re.compile(r'"Resources"\s*:|^Resources\s*:', re.MULTILINE)
_CFN_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::")


def field_run() -> ModuleType:
    """bench/field/run.py (manifest, mirrors and extraction live there)."""
    spec = importlib.util.spec_from_file_location("iacguard_field_run", BENCH_DIR / "field" / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class RealInput:
    name: str
    kind: str
    targets: list[Path]              # what the tools are given: a tree's root, or the plan files
    files: int = 0                   # files iacguard reads (discovered templates, plans, .tf)
    lines: int = 0
    cfn_files: list[Path] = field(default_factory=list)
    cfn_lines: int = 0


def outside_repository(work: Path) -> Path:
    work = work.resolve()
    if work == REPO_ROOT or REPO_ROOT in work.parents:
        raise SystemExit(f"--real-work {work} is inside the repository {REPO_ROOT}; "
                         "the real corpus must be extracted outside it")
    return work


def prepare(mirrors: Path, work: Path, manifest: Path = MANIFEST,
            only: list[str] | None = None) -> tuple[list[RealInput], list[str]]:
    """Extract every pinned repository (kept between runs) and describe the inputs; also the
    repositories that have no mirror. ``only``: rows whose name contains one of these."""
    work = outside_repository(work)
    field = field_run()
    inputs: list[RealInput] = []
    missing: list[str] = []
    plans = RealInput(PLANS_ROW, "plan", [])
    for entry in field.load_manifest(manifest):
        row_name = PLANS_ROW if entry.get("kind") == "plan" else entry["repo"]
        if only and not any(part in row_name for part in only):
            continue
        mirror = field.mirror_of(mirrors, entry["repo"])
        if mirror is None:
            missing.append(entry["repo"])
            continue
        root = work / entry["repo"].replace("/", "+")
        paths = entry.get("paths", [])
        if entry.get("kind") == "plan":
            field.extract(mirror, entry["commit"], root, paths)
            plans.targets += [root / p for p in paths]
        else:
            field.extract(mirror, entry["commit"], root, paths or None)
            inputs.append(RealInput(entry["repo"], entry.get("kind", ""), [root / p for p in paths] or [root]))
    if plans.targets:
        inputs.append(plans)
    for item in inputs:
        describe(item)
    return inputs, missing


def read_files(targets: list[Path]) -> tuple[list[Path], list[Path]]:
    """(documents iacguard may read as templates or plans, Terraform files) under ``targets``, as
    iacguard's own discovery finds them; a plain walk when iacguard cannot be imported."""
    try:
        from iacguard.loaders import discover
    except Exception:
        suffixes = {".tf", ".json", ".yaml", ".yml", ".template"}
        found = [p for t in targets for p in ([t] if t.is_file() else sorted(t.rglob("*")))
                 if p.is_file() and p.suffix in suffixes]
        return [p for p in found if p.suffix != ".tf"], [p for p in found if p.suffix == ".tf"]
    found = discover.discover(targets)
    terraform = sorted(p for files in found.terraform_dirs.values() for p in files)
    return list(found.documents), terraform


def is_cloudformation(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(_CFN_RESOURCES.search(text) and _CFN_TYPE.search(text))


def line_count(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except OSError:
        return 0


def describe(item: RealInput) -> None:
    documents, terraform = read_files(item.targets)
    everything = documents + terraform
    item.files = len(everything)
    item.lines = sum(line_count(p) for p in everything)
    item.cfn_files = [p for p in documents if is_cloudformation(p)] if item.kind != "plan" else []
    item.cfn_lines = sum(line_count(p) for p in item.cfn_files)


# ---------------------------------------------------------------------------------------------
# Paired whole-process timings
# ---------------------------------------------------------------------------------------------

@dataclass
class Timed:
    tool: str
    command: list[str]
    env: dict[str, str]
    accept: Callable[[int, str], str | None]
    times: list[float] = field(default_factory=list)
    cpu_times: list[float] = field(default_factory=list)
    peak_rss_mb: float | None = None
    status: str = "ok"
    note: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times and self.status == "ok" else None


def run_paired(timed: list[Timed], runs: int, timeout: float, run_child: Callable[..., tuple],
               rss_method: str) -> None:
    """``runs`` rounds; in each, every tool once, in turn. Then one more run each for peak RSS.
    A tool that fails once is dropped from the later rounds."""
    for attempt in range(runs + (rss_method != "none")):
        rss_run = attempt == runs
        for item in timed:
            if item.status != "ok":
                continue
            code, elapsed, rss, stdout, stderr, cpu = run_child(item.command, item.env, timeout,
                                                                measure_rss=rss_run)
            if code is None:
                item.status, item.note = "failed", f"timed out after {timeout:.0f}s" if elapsed else stderr
                continue
            problem = item.accept(code, stdout)
            if problem:
                tail = stderr.strip().splitlines()[-1:] or [""]
                item.status, item.note = "failed", f"{problem}; exit {code}; {tail[0][:240]}"
                continue
            if rss_run:
                item.peak_rss_mb = rss
            else:
                item.times.append(elapsed)
                if cpu is not None:
                    item.cpu_times.append(cpu)


@dataclass
class RealRow:
    input: RealInput
    iacguard: Timed
    checkov: Timed | None = None
    iacguard_cfn: Timed | None = None    # iacguard on the CloudFormation files only, beside cfn-lint
    cfn_lint: Timed | None = None


def checkov_command(binary: Path, item: RealInput) -> list[str]:
    if item.kind == "plan":  # checkov reads plans only with its terraform_plan framework
        return [str(binary), *[a for p in item.targets for a in ("-f", str(p))],
                "--framework", "terraform_plan", "--skip-download", "-o", "json", "--quiet"]
    return [str(binary), "-d", str(item.targets[0]), "--framework", "terraform", "cloudformation",
            "--skip-download", "-o", "json", "--quiet"]


def accept_any_cfn_lint(code: int, stdout: str) -> str | None:
    # On real templates cfn-lint also reports its own parse failures (exit 1 with a message): it ran.
    return None if 0 <= code < 32 else "unexpected exit code"


def measure_real(inputs: list[RealInput], runs: int, timeout: float, *, iacguard_cmd: list[str],
                 env: dict[str, str], accept_iacguard: Callable[[Any], Callable[[int, str], str | None]],
                 checkov: Path | None, checkov_env: dict[str, str], accept_checkov: Callable[[int, str], str | None],
                 cfn_lint: Path | None, cfn_env: dict[str, str], run_child: Callable[..., tuple],
                 rss_method: str) -> list[RealRow]:
    rows = []
    for item in inputs:
        target_args = [str(p) for p in item.targets]
        ours = Timed("iacguard", [*iacguard_cmd, *target_args, "--format", "json"], env, lambda c, o: None)
        ours.accept = accept_iacguard(ours)
        row = RealRow(item, ours)
        timed = [ours]
        if checkov is not None:
            row.checkov = Timed("checkov", checkov_command(checkov, item), checkov_env, accept_checkov)
            timed.append(row.checkov)
        if cfn_lint is not None and item.cfn_files:
            files = [str(p) for p in item.cfn_files]
            row.iacguard_cfn = Timed("iacguard", [*iacguard_cmd, *files, "--format", "json"], env, lambda c, o: None)
            row.iacguard_cfn.accept = accept_iacguard(row.iacguard_cfn)
            row.cfn_lint = Timed("cfn-lint", [str(cfn_lint), *files], cfn_env, accept_any_cfn_lint)
            timed += [row.iacguard_cfn, row.cfn_lint]
        run_paired(timed, runs, timeout, run_child, rss_method)
        medians = " ".join(f"{t.tool} {fmt(t.median)}" for t in timed)
        print(f"real {item.name}: {item.files} files, {item.lines} lines: {medians} "
              f"{'; '.join(t.note for t in timed if t.status != 'ok')}".rstrip(), flush=True)
        rows.append(row)
    return rows


def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def ratio(theirs: Timed | None, ours: Timed | None) -> float | None:
    if theirs is None or ours is None or not theirs.median or not ours.median:
        return None
    return theirs.median / ours.median


def totals(rows: list[RealRow]) -> dict[str, Any]:
    """Sums of medians over the rows where both tools of a pair were measured."""
    pairs = [(r.iacguard.median, r.checkov.median) for r in rows
             if r.checkov and r.iacguard.median and r.checkov.median]
    lint = [(r.iacguard_cfn.median, r.cfn_lint.median) for r in rows
            if r.cfn_lint and r.iacguard_cfn and r.iacguard_cfn.median and r.cfn_lint.median]
    result: dict[str, Any] = {
        "rows": len(rows), "files": sum(r.input.files for r in rows), "lines": sum(r.input.lines for r in rows),
        "iacguard_s": sum(r.iacguard.median or 0 for r in rows),
        "pairs": len(pairs), "iacguard_paired_s": sum(a for a, _ in pairs), "checkov_s": sum(b for _, b in pairs),
        "lint_pairs": len(lint), "iacguard_cfn_s": sum(a for a, _ in lint), "cfn_lint_s": sum(b for _, b in lint),
        "peak_rss_mb": max((r.iacguard.peak_rss_mb or 0 for r in rows), default=0) or None,
    }
    result["checkov_ratio"] = result["checkov_s"] / result["iacguard_paired_s"] if pairs else None
    result["cfn_lint_ratio"] = result["cfn_lint_s"] / result["iacguard_cfn_s"] if lint else None
    return result


def markdown(rows: list[RealRow], missing: list[str], runs: int) -> str:
    lines = ["## Real code (pinned public repositories of bench/field/manifest.json)", "",
             f"Whole process, median of {runs} paired rounds (in each round the tools run one after the other on "
             "the same input). `plans` is every plan file of the plan-only entries in one scan "
             "(checkov with `--framework terraform_plan`). cfn-lint gets the CloudFormation templates of the "
             "repository, and iacguard is timed again on exactly those files for its ratio.", "",
             "| repository | files | lines | iacguard s | checkov s | ratio | CFN files | iacguard s (CFN) | "
             "cfn-lint s | ratio | iacguard peak MiB | checkov peak MiB | notes |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        item = row.input
        notes = [f"{t.tool}: {t.status}: {t.note}" if t.status != "ok" else (f"{t.note}" if t.tool == "iacguard" and t is row.iacguard else "")
                 for t in (row.iacguard, row.checkov, row.iacguard_cfn, row.cfn_lint) if t is not None]
        note = "; ".join(n for n in notes if n).replace("|", "/")
        checkov_ratio = ratio(row.checkov, row.iacguard)
        lint_ratio = ratio(row.cfn_lint, row.iacguard_cfn)
        lines.append(
            f"| {item.name} | {item.files} | {item.lines} | {fmt(row.iacguard.median)} | "
            f"{fmt(row.checkov.median if row.checkov else None)} | {fmt(checkov_ratio, 1)} | "
            f"{len(item.cfn_files) or '-'} | {fmt(row.iacguard_cfn.median if row.iacguard_cfn else None)} | "
            f"{fmt(row.cfn_lint.median if row.cfn_lint else None)} | {fmt(lint_ratio, 1)} | "
            f"{fmt(row.iacguard.peak_rss_mb, 0)} | {fmt(row.checkov.peak_rss_mb if row.checkov else None, 0)} | {note} |")
    total = totals(rows)
    lines.append(
        f"| **total** | {total['files']} | {total['lines']} | {fmt(total['iacguard_s'])} | "
        f"{fmt(total['checkov_s'] if total['pairs'] else None)} | {fmt(total['checkov_ratio'], 1)} | "
        f"{sum(len(r.input.cfn_files) for r in rows)} | {fmt(total['iacguard_cfn_s'] if total['lint_pairs'] else None)} | "
        f"{fmt(total['cfn_lint_s'] if total['lint_pairs'] else None)} | {fmt(total['cfn_lint_ratio'], 1)} | "
        f"{fmt(total['peak_rss_mb'], 0)} | - | sums of medians; ratios over the {total['pairs']} rows where both ran |")
    if missing:
        lines += ["", "No mirror (not measured): " + ", ".join(missing)]
    return "\n".join(lines) + "\n"


def as_json(rows: list[RealRow]) -> list[dict]:
    def timed(t: Timed | None) -> dict | None:
        if t is None:
            return None
        return {"tool": t.tool, "times": t.times, "cpu_times": t.cpu_times, "median_s": t.median,
                "peak_rss_mb": t.peak_rss_mb, "status": t.status, "note": t.note}
    return [{"input": r.input.name, "kind": r.input.kind, "files": r.input.files, "lines": r.input.lines,
             "cfn_files": len(r.input.cfn_files), "cfn_lines": r.input.cfn_lines,
             "iacguard": timed(r.iacguard), "checkov": timed(r.checkov),
             "iacguard_cfn": timed(r.iacguard_cfn), "cfn_lint": timed(r.cfn_lint)} for r in rows]


# ---------------------------------------------------------------------------------------------
# Per file: the worst seconds per 1,000 lines
# ---------------------------------------------------------------------------------------------

@dataclass
class FileTime:
    corpus: str
    path: Path
    root: Path
    lines: int
    seconds: float
    status: str = "ok"

    @property
    def per_kline(self) -> float:
        return self.seconds / max(self.lines / 1000, 1.0)


def per_file(sets: list[tuple[str, Path, list[Path]]], progress: bool = True) -> list[FileTime]:
    """Scan every file alone, in this process: ``sets`` are (corpus name, scan root, targets)."""
    from iacguard import engine
    from iacguard.settings import Settings

    results: list[FileTime] = []
    first = True
    for corpus, root, targets in sets:
        documents, terraform = read_files(targets)
        paths = sorted(set(documents + terraform))
        if progress:
            print(f"per file: {corpus}: {len(paths)} files", flush=True)
        for path in paths:
            if first:  # imports, catalogue, caches: not the first file's cost
                engine.scan([str(path)], Settings(), root=root, jobs=1, keep_model=False)
                first = False
            start = time.perf_counter()
            status = "ok"
            lines = line_count(path)
            try:
                result = engine.scan([str(path)], Settings(), root=root, jobs=1, keep_model=False)
                # a .tf file brings its module directory and the modules it calls: count what was read
                lines = max(lines, sum(line_count(root / rel) for rel in result.files))
            except Exception as exc:  # an internal error is a result too, not the end of the run
                status = f"{type(exc).__name__}: {str(exc)[:120]}"
            results.append(FileTime(corpus, path, root, lines, time.perf_counter() - start, status))
    return results


def whole_process_again(worst: list[FileTime], iacguard_cmd: list[str], env: dict[str, str], runs: int,
                        timeout: float, run_child: Callable[..., tuple]) -> dict[Path, float | None]:
    """Median whole-process seconds of the worst files, each scanned alone from its root."""
    again: dict[Path, float | None] = {}
    for item in worst:
        times = []
        for _ in range(runs):
            code, elapsed, *_ = run_child([*iacguard_cmd, str(item.path), "--format", "json"], env, timeout)
            if code is None:
                break
            times.append(elapsed)
        again[item.path] = statistics.median(times) if len(times) == runs else None
    return again


def per_file_markdown(results: list[FileTime], again: dict[Path, float | None], top: int) -> str:
    worst = sorted(results, key=lambda r: -r.per_kline)[:top]
    counts: dict[str, int] = {}
    for item in results:
        counts[item.corpus] = counts.get(item.corpus, 0) + 1
    failed = [r for r in results if r.status != "ok"]
    lines = ["## Worst seconds per 1,000 lines, each file scanned alone", "",
             f"{len(results)} files ({', '.join(f'{n} {c}' for c, n in counts.items())}), each scanned alone in one "
             "warm process (`engine.scan`, one job); lines are those of every file the scan read (a `.tf` file brings its "
             "module directory and the modules it calls); under 1,000 lines count as 1,000. The worst are timed "
             "again as whole processes (`iacguard scan FILE`, median).", "",
             "| file | lines | seconds in process | s per 1,000 lines | whole process s |",
             "|---|---:|---:|---:|---:|"]
    for item in worst:
        try:
            shown = f"{item.corpus}: {item.path.relative_to(item.root).as_posix()}"
        except ValueError:
            shown = f"{item.corpus}: {item.path.name}"
        lines.append(f"| {shown} | {item.lines} | {item.seconds:.3f} | {item.per_kline:.3f} | "
                     f"{fmt(again.get(item.path))} |")
    if failed:
        lines += ["", f"{len(failed)} files raised: " + "; ".join(f"{r.path.name}: {r.status}" for r in failed[:5])]
    return "\n".join(lines) + "\n"


def worst_per_kline(results: list[FileTime]) -> FileTime | None:
    return max(results, key=lambda r: r.per_kline, default=None)


if __name__ == "__main__":
    sys.exit("run bench/run.py --real or --per-file")
