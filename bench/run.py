"""Benchmark iacguard: loader throughput in-process, whole-process scans, optional Checkov/cfn-lint.

    python bench/run.py [--sizes 50,200] [--runs 5] [--seed 1] [--checkov] [--cfn-lint] [--out bench/out]

Stdlib only (plus iacguard itself). Failures of one step or input are reported in the results
and the run continues; nothing here asserts on timings.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
import generate  # noqa: E402  (bench/generate.py, next to this file)
import real  # noqa: E402  (bench/real.py: the real-code corpus)

IAC_SUFFIXES = {".tf", ".tfvars", ".json", ".yaml", ".yml", ".template"}
CFN_SUFFIXES = {".yaml", ".yml", ".json", ".template"}
# cfn-lint exit codes are bit flags (2 error, 4 warning, 8 informational); 1 means it crashed.
CFN_LINT_OK = {0, 2, 4, 6, 8, 10, 12, 14}


@dataclass
class Input:
    name: str
    path: Path
    files: int
    lines: int
    cfn_only: Path | None = None  # the CloudFormation part, for cfn-lint


@dataclass
class Row:
    tool: str
    input: str
    files: int
    lines: int
    times: list[float] = field(default_factory=list)
    cpu_times: list[float] = field(default_factory=list)  # user+sys of the process and its workers
    peak_rss_mb: float | None = None
    status: str = "ok"
    note: str = ""
    ratio: float | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def median_cpu(self) -> float | None:
        return statistics.median(self.cpu_times) if self.cpu_times else None


# ---------------------------------------------------------------------------------------------
# iacguard import (installed package first, then the checkout this script lives in)
# ---------------------------------------------------------------------------------------------

def import_iacguard() -> tuple[Any, str | None, str]:
    """(module or None, PYTHONPATH entry the children need or None, message)."""
    try:
        module = importlib.import_module("iacguard")
        return module, None, f"iacguard from {Path(module.__file__).parent}"
    except ImportError:
        pass
    if (REPO_ROOT / "iacguard" / "__init__.py").is_file():
        sys.path.insert(0, str(REPO_ROOT))
        try:
            module = importlib.import_module("iacguard")
            return module, str(REPO_ROOT), f"iacguard from the checkout {REPO_ROOT / 'iacguard'}"
        except Exception as exc:  # a half-written package must not stop the benchmark
            return None, str(REPO_ROOT), f"iacguard is not importable: {type(exc).__name__}: {exc}"
    return None, None, "iacguard is not importable (pip install . first)"


def child_env(extra_path: str | None, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    # An installed package has its .pyc files; a checkout run with this set would recompile every
    # module on every run and time the compiler, not the scan.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if extra_path:
        env["PYTHONPATH"] = extra_path + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------

def count_tree(path: Path, suffixes: set[str] = IAC_SUFFIXES) -> tuple[int, int]:
    paths = [path] if path.is_file() else [p for p in sorted(path.rglob("*")) if p.is_file()]
    files = lines = 0
    for item in paths:
        if item.suffix in suffixes:
            files += 1
            lines += item.read_bytes().count(b"\n")
    return files, lines


def make_input(name: str, path: Path, cfn_only: Path | None = None) -> Input:
    files, lines = count_tree(path)
    return Input(name, path, files, lines, cfn_only)


def build_corpora(out: Path, sizes: list[int], seed: int) -> dict[int, Path]:
    corpora = {}
    for size in sizes:
        directory = out / f"corpus-{size}-seed{seed}"
        counts = generate.write_corpus(directory, size, seed, clean=True)
        print(f"corpus {directory}:\n{generate.format_counts(counts)}\n")
        corpora[size] = directory
    return corpora


# ---------------------------------------------------------------------------------------------
# Step 1: loader throughput (in-process, warm)
# ---------------------------------------------------------------------------------------------

def loader_throughput(corpus: Path, runs: int) -> list[dict]:
    """Lines per second of the Terraform and CloudFormation loaders on a corpus."""
    results = []
    try:
        from iacguard.loaders import cloudformation
    except Exception as exc:
        cloudformation = None
        cfn_problem = f"{type(exc).__name__}: {exc}"
    for kind, suffix in (("cloudformation-yaml", ".yaml"), ("cloudformation-json", ".json")):
        entry: dict[str, Any] = {"loader": kind, "corpus": corpus.name}
        if cloudformation is None:
            entry.update(status="skipped", note=f"cannot import iacguard.loaders.cloudformation: {cfn_problem}")
            results.append(entry)
            continue
        texts = [(p.relative_to(corpus).as_posix(), p.read_text(encoding="utf-8"))
                 for p in sorted((corpus / "cloudformation").rglob("*" + suffix))]

        def parse_all(texts: list = texts) -> tuple[int, int, list[str]]:
            lines = errors = 0
            failures = []
            for rel, text in texts:
                try:
                    data = cloudformation.parse_document(text, rel)
                    loaded = cloudformation.build_resources(data, rel)
                    errors += len(loaded.errors)
                    lines += text.count("\n")
                except Exception as exc:  # report and keep going
                    failures.append(f"{rel}: {type(exc).__name__}: {exc}")
            return lines, errors, failures

        results.append(time_loader(entry, parse_all, len(texts), runs))

    entry = {"loader": "terraform-hcl", "corpus": corpus.name}
    try:
        from iacguard.loaders import discover, terraform
    except Exception as exc:
        entry.update(status="skipped", note=f"cannot import iacguard.loaders.terraform: {type(exc).__name__}: {exc}")
        results.append(entry)
        return results
    found = discover.discover([corpus / "terraform"], root=corpus)
    roots = root_modules(found.terraform_dirs)

    def load_all() -> tuple[int, int, list[str]]:
        lines = errors = 0
        failures = []
        for directory in roots:
            try:
                loaded = terraform.load_module_tree(directory, found.terraform_dirs[directory], found.root,
                                                    variables={}, var_files=[])
                errors += len(loaded.errors)
                # lines of every file the call read (a called module counts once per caller)
                read = loaded.files or [discover.relpath(p, found.root) for p in found.terraform_dirs[directory]]
                lines += sum((found.root / rel).read_bytes().count(b"\n") for rel in read)
            except Exception as exc:
                failures.append(f"{directory.name}: {type(exc).__name__}: {exc}")
        return lines, errors, failures

    results.append(time_loader(entry, load_all, sum(len(v) for v in found.terraform_dirs.values()), runs))
    return results


def root_modules(dirs: dict[Path, list[Path]]) -> list[Path]:
    """Module directories the engine would load as roots (the ones no scanned module calls)."""
    try:
        from iacguard.engine import _root_modules  # same rule as `iacguard scan`
        return _root_modules(dirs, set())
    except Exception:
        return [d for d in sorted(dirs) if d.parent.name != "modules"]


def time_loader(entry: dict, work: Callable[[], tuple[int, int, list[str]]], files: int, runs: int) -> dict:
    entry["files"] = files
    if not files:
        entry.update(status="skipped", note="no files of this kind in the corpus")
        return entry
    lines, errors, failures = work()  # warm-up: imports, caches, first-call costs
    entry.update(lines=lines, loader_errors=errors)
    if failures:
        entry.update(status="failed", failures=len(failures), note=failures[0][:300])
        return entry
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    entry.update(status="ok", times=times, median_s=median,
                 lines_per_s=round(lines / median) if median > 0 else None)
    return entry


# ---------------------------------------------------------------------------------------------
# Step 2/3: whole-process timings
# ---------------------------------------------------------------------------------------------

GNU_TIME = "/usr/bin/time"


def gnu_time_works() -> bool:
    """True when /usr/bin/time is GNU time (understands -f %M and -o FILE)."""
    if not os.path.exists(GNU_TIME):
        return False
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "rss"
        try:
            subprocess.run([GNU_TIME, "-f", "%M", "-o", str(report), sys.executable, "-c", "pass"],
                           capture_output=True, timeout=60, check=True)
            int(report.read_text().strip().splitlines()[-1])
        except (OSError, ValueError, IndexError, subprocess.SubprocessError):
            return False
    return True


# Peak RSS method, decided once. A child forked from this (large) process inherits our RSS
# high-water mark on Linux, so wait4's ru_maxrss is at least our own RSS; GNU time forks from
# a tiny process and has no such floor.
RSS_METHOD = "gnu-time" if gnu_time_works() else ("wait4" if hasattr(os, "wait4") else "none")
RSS_NOTES = {"gnu-time": "peak RSS from /usr/bin/time %M",
             "wait4": "peak RSS from wait4; on Linux it cannot be lower than the runner's own RSS",
             "none": "peak RSS not measured on this platform"}


def run_child(command: list[str], env: dict[str, str], timeout: float, *,
              measure_rss: bool = False) -> tuple[int | None, float, float | None, str, str, float | None]:
    """(exit code or None on timeout, wall seconds, peak RSS in MiB or None, stdout, stderr tail,
    CPU seconds or None). CPU time (user+sys, workers included) stays meaningful on a busy machine,
    where wall time also measures everybody else."""
    method = RSS_METHOD if measure_rss else ("wait4" if hasattr(os, "wait4") else "none")
    handle, name = tempfile.mkstemp(suffix=".rss")
    os.close(handle)
    rss_path = Path(name)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        if method == "gnu-time":
            command = [GNU_TIME, "-f", "%M", "-o", str(rss_path), *command]
        start = time.perf_counter()
        try:
            process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        except OSError as exc:
            rss_path.unlink(missing_ok=True)
            return None, 0.0, None, "", f"cannot start {command[0]}: {exc}", None
        rss = cpu = None
        code: int | None
        if method == "wait4":
            code, rss, cpu = wait_with_rusage(process, timeout)
            if not measure_rss:
                rss = None
        else:
            try:
                code = process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                code = None
        elapsed = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if method == "gnu-time":
        try:  # GNU time writes "Command exited with non-zero status N" before the value
            rss = int(rss_path.read_text().strip().splitlines()[-1]) / 1024
        except (OSError, ValueError, IndexError):
            rss = None
    rss_path.unlink(missing_ok=True)
    return code, elapsed, rss, stdout, stderr[-2000:], cpu


def wait_with_rusage(process: subprocess.Popen, timeout: float) -> tuple[int | None, float | None, float | None]:
    """Wait for this one child and read its own peak RSS (RUSAGE_CHILDREN would be a running max)
    and CPU seconds."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            # ru_maxrss is KiB on Linux, bytes on macOS
            scale = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024
            return process.returncode, usage.ru_maxrss * scale, usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            process.kill()
            os.wait4(process.pid, 0)
            process.returncode = -9
            return None, None, None
        time.sleep(0.005)


def measure(row: Row, command: list[str], env: dict[str, str], runs: int, timeout: float,
            accept: Callable[[int, str], str | None]) -> Row:
    """Run ``command`` ``runs`` times; ``accept(code, stdout)`` returns a problem or None.

    The timed runs are not wrapped; one more run measures peak RSS (wrapping costs a few ms)."""
    for attempt in range(runs + (RSS_METHOD != "none")):
        rss_run = attempt == runs
        code, elapsed, rss, stdout, stderr, cpu = run_child(command, env, timeout, measure_rss=rss_run)
        if code is None:
            row.status = "failed"
            row.note = f"timed out after {timeout:.0f}s" if elapsed else stderr
            return row
        problem = accept(code, stdout)
        if problem:
            row.status = "failed"
            tail = stderr.strip().splitlines()[-1:] or [""]
            row.note = f"{problem}; exit {code}; {tail[0][:240]}"
            return row
        if rss_run:
            row.peak_rss_mb = rss
        else:
            row.times.append(elapsed)
            if cpu is not None:
                row.cpu_times.append(cpu)
    return row


def accept_iacguard(row: Row) -> Callable[[int, str], str | None]:
    def accept(code: int, stdout: str) -> str | None:
        if code not in (0, 1, 2):
            return "unexpected exit code"
        try:
            summary = json.loads(stdout)["summary"]
        except (ValueError, KeyError, TypeError):
            return "no JSON report on stdout"
        row.note = (f"{summary.get('resources')} resources, {summary.get('findings')} findings, "
                    f"{summary.get('errors')} errors, {summary.get('unresolved')} unresolved")
        return None
    return accept


def accept_checkov(code: int, stdout: str) -> str | None:
    if code not in (0, 1):
        return "unexpected exit code"
    try:
        json.loads(stdout)
    except ValueError:
        return "no JSON report on stdout"
    return None


def accept_cfn_lint(code: int, stdout: str) -> str | None:
    return None if code in CFN_LINT_OK else "unexpected exit code"


def tool_venv(out: Path, name: str, package: str, executable: str) -> tuple[Path | None, str]:
    """bench/out/<name>-venv with ``package`` installed once; (path to executable or None, message)."""
    venv = out / f"{name}-venv"
    binary = venv / ("Scripts" if os.name == "nt" else "bin") / executable
    if binary.exists():
        return binary, f"using {binary}"
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    print(f"creating {venv} and installing {package} (once)...", flush=True)
    for command in ([sys.executable, "-m", "venv", str(venv)],
                    [str(python), "-m", "pip", "install", "--quiet", package]):
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"{' '.join(command[:4])} failed: {exc}"
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
            return None, f"{' '.join(command[:4])} exited {done.returncode}: {tail[0][:300]}"
    return (binary, f"installed {package} in {venv}") if binary.exists() else (None, f"{binary} missing after install")


def cfn_files(path: Path) -> list[str]:
    if path.is_file():
        return [str(path)]
    return [str(p) for p in sorted(path.rglob("*")) if p.is_file() and p.suffix in CFN_SUFFIXES]


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------

def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def markdown(throughput: list[dict], rows: list[Row], header: str) -> str:
    lines = [header, "", "## Loader throughput (in-process, warm)", "",
             "| loader | corpus | files | lines | median s | lines/s | loader errors | status |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for entry in throughput:
        status = entry.get("status", "")
        if entry.get("note"):
            status += ": " + entry["note"].replace("|", "/")
        lines.append(f"| {entry['loader']} | {entry['corpus']} | {entry.get('files', '-')} | {entry.get('lines', '-')} | "
                     f"{fmt(entry.get('median_s'))} | {entry.get('lines_per_s') or '-'} | "
                     f"{entry.get('loader_errors', '-')} | {status} |")
    lines += ["", "## Whole process (wall clock)", "",
              "| tool | input | files | lines | median s | spread (min-max) | ratio | CPU s | peak RSS MiB | status |",
              "|---|---|---:|---:|---:|---|---:|---:|---:|---|"]
    for row in rows:
        spread = f"{min(row.times):.3f}-{max(row.times):.3f}" if row.times else "-"
        status = row.status + (": " + row.note.replace("|", "/") if row.note else "")
        lines.append(f"| {row.tool} | {row.input} | {row.files} | {row.lines} | {fmt(row.median)} | {spread} | "
                     f"{fmt(row.ratio, 2)} | {fmt(row.median_cpu, 2)} | {fmt(row.peak_rss_mb, 0)} | {status} |")
    lines += ["", "ratio = the tool's median / iacguard's median on the same input (iacguard rows are 1.00); "
              "CPU s = median user+sys seconds of the process and its workers; "
              + RSS_NOTES[RSS_METHOD] + ".", ""]
    return "\n".join(lines)


def set_ratios(rows: list[Row]) -> None:
    base = {(r.input): r.median for r in rows if r.tool == "iacguard" and r.median}
    for row in rows:
        reference = base.get(row.input)
        if reference and row.median:
            row.ratio = row.median / reference


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive integers")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark iacguard (and optionally Checkov / cfn-lint).")
    parser.add_argument("--sizes", type=parse_sizes, default=[1000, 2000],
                        help="corpus sizes in files (default 1000,2000: >=100,000 lines and its double)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement (default 5)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "out", help="output directory (default bench/out)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per child process (default 900)")
    parser.add_argument("--checkov", action="store_true", help="also time Checkov (own venv in OUT/checkov-venv)")
    parser.add_argument("--checkov-bin", type=Path, help="use this checkov executable instead of the venv")
    parser.add_argument("--cfn-lint", action="store_true", help="also time cfn-lint on the CloudFormation part")
    parser.add_argument("--cfn-lint-bin", type=Path, help="use this cfn-lint executable instead of the venv")
    parser.add_argument("--no-plot", action="store_true", help="do not draw OUT/time-vs-size.png")
    parser.add_argument("--update-readme", action="store_true",
                        help="write the table and plot into README.md's Performance section (docs/bench/); "
                             "needs --real and the generated corpora")
    parser.add_argument("--real", action="store_true",
                        help="also time the real-code corpus: the pinned repositories of bench/field/manifest.json")
    parser.add_argument("--mirrors", type=Path, default=real.DEFAULT_MIRRORS,
                        help=f"bare git mirrors <owner>+<name>/repo (default {real.DEFAULT_MIRRORS})")
    parser.add_argument("--real-work", type=Path, default=real.DEFAULT_WORK,
                        help=f"where the real corpus is extracted, outside the repository (default {real.DEFAULT_WORK})")
    parser.add_argument("--real-only", action="append", default=[], metavar="TEXT",
                        help="only real-code rows whose name contains TEXT (repeatable; the plan files are row 'plans')")
    parser.add_argument("--per-file", action="store_true",
                        help="scan every file of the real corpus (with --real) and of tests/fixtures alone; "
                             "report the worst seconds per 1,000 lines")
    parser.add_argument("--per-file-top", type=int, default=5, help="how many of the worst files to show (default 5)")
    parser.add_argument("--no-generated", action="store_true",
                        help="skip the generated corpora (with --real or --per-file)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.update_readme and (args.no_generated or not args.real):
        parser.error("--update-readme writes both corpora: it needs --real and not --no-generated")
    real_work = real.outside_repository(args.real_work) if args.real or args.per_file else None
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    module, extra_path, import_message = import_iacguard()
    print(import_message)
    corpora = {} if args.no_generated else build_corpora(out, sorted(set(args.sizes)), args.seed)
    real_inputs: list[real.RealInput] = []
    missing: list[str] = []
    if real_work is not None and (args.real or args.per_file):
        real_inputs, missing = real.prepare(args.mirrors.resolve(), real_work, only=args.real_only)
        print(f"real corpus in {real_work}: {len(real_inputs)} inputs, "
              f"{sum(i.files for i in real_inputs)} files, {sum(i.lines for i in real_inputs)} lines"
              + (f"; no mirror: {', '.join(missing)}" if missing else ""), flush=True)

    # Step 1
    throughput: list[dict] = []
    largest = corpora[max(corpora)] if corpora else None
    if largest is None:
        pass
    elif module is None:
        throughput.append({"loader": "all", "corpus": largest.name, "status": "skipped", "note": import_message})
    else:
        try:
            throughput = loader_throughput(largest, args.runs)
        except Exception as exc:  # keep going to the process timings
            throughput.append({"loader": "all", "corpus": largest.name, "status": "failed",
                               "note": f"{type(exc).__name__}: {exc}"})
            traceback.print_exc()
    for entry in throughput:
        print(f"loader {entry['loader']}: {entry.get('status')} {entry.get('lines_per_s') or ''} lines/s "
              f"{entry.get('note', '')}".rstrip())

    # Step 2 inputs
    inputs: list[Input] = []
    samples = REPO_ROOT / "tests" / "fixtures" / "check_samples"
    if samples.is_dir() and not args.no_generated:
        inputs.append(make_input("check samples", samples,
                                 samples / "cloudformation" if (samples / "cloudformation").is_dir() else None))
    smallest = corpora[min(corpora)] if corpora else None
    yaml_files = sorted((smallest / "cloudformation").rglob("*.yaml"),
                        key=lambda p: (p.stat().st_size, str(p))) if smallest else []
    if yaml_files:
        inputs.append(make_input("small template", yaml_files[0], yaml_files[0]))
    for size, directory in sorted(corpora.items()):
        cfn_dir = directory / "cloudformation"
        inputs.append(make_input(f"corpus {size} files", directory, cfn_dir if cfn_dir.is_dir() else None))

    rows: list[Row] = []
    env = child_env(extra_path)
    iacguard_cmd = [sys.executable, "-m", "iacguard", "scan"]
    if inputs:  # untimed warm-up so .pyc compilation is not in the first measurement
        run_child(iacguard_cmd + [str(inputs[0].path), "--format", "json"], env, args.timeout)
    for item in inputs:
        row = Row("iacguard", item.name, item.files, item.lines)
        measure(row, iacguard_cmd + [str(item.path), "--format", "json"], env, args.runs, args.timeout,
                accept_iacguard(row))
        print(f"iacguard {item.name}: {row.status} median {fmt(row.median)} s {row.note}", flush=True)
        rows.append(row)
        if item.name.startswith("corpus "):  # one process: the parallel speedup and the whole-scan memory
            single = Row("iacguard --jobs 1", item.name, item.files, item.lines)
            measure(single, iacguard_cmd + [str(item.path), "--format", "json", "--jobs", "1"], env, args.runs,
                    args.timeout, accept_iacguard(single))
            print(f"iacguard --jobs 1 {item.name}: {single.status} median {fmt(single.median)} s", flush=True)
            rows.append(single)

    # Step 3: other tools, same inputs
    checkov_bin: Path | None = None
    cfn_lint_bin: Path | None = None
    checkov_env = child_env(None, BC_SKIP_MAPPING="TRUE")
    if args.checkov:
        binary, message = (args.checkov_bin, f"using {args.checkov_bin}") if args.checkov_bin else \
            tool_venv(out, "checkov", "checkov", "checkov")
        checkov_bin = binary
        print(message)
        for item in inputs:
            row = Row("checkov", item.name, item.files, item.lines)
            if binary is None:
                row.status, row.note = "skipped", message
            else:
                target = ["-f", str(item.path)] if item.path.is_file() else ["-d", str(item.path)]
                measure(row, [str(binary), *target, "--framework", "terraform", "cloudformation",
                              "--skip-download", "-o", "json", "--quiet"],
                        checkov_env, args.runs, args.timeout, accept_checkov)
            print(f"checkov {item.name}: {row.status} median {fmt(row.median)} s {row.note}", flush=True)
            rows.append(row)
    if args.cfn_lint:
        binary, message = (args.cfn_lint_bin, f"using {args.cfn_lint_bin}") if args.cfn_lint_bin else \
            tool_venv(out, "cfn-lint", "cfn-lint", "cfn-lint")
        cfn_lint_bin = binary
        print(message)
        for item in inputs:
            if item.cfn_only is None:
                continue
            files, lines = count_tree(item.cfn_only, CFN_SUFFIXES)
            name = f"{item.name} (CloudFormation part)" if item.cfn_only != item.path else item.name
            if item.cfn_only != item.path:  # iacguard on the same CloudFormation-only input, for the ratio
                base = Row("iacguard", name, files, lines)
                measure(base, iacguard_cmd + [str(item.cfn_only), "--format", "json"], env, args.runs,
                        args.timeout, accept_iacguard(base))
                rows.append(base)
            row = Row("cfn-lint", name, files, lines)
            if binary is None:
                row.status, row.note = "skipped", message
            else:
                measure(row, [str(binary), *cfn_files(item.cfn_only)], child_env(None), args.runs, args.timeout,
                        accept_cfn_lint)
            print(f"cfn-lint {name}: {row.status} median {fmt(row.median)} s {row.note}", flush=True)
            rows.append(row)

    # Step 3b: the real-code corpus, paired runs
    real_rows: list[real.RealRow] = []
    if args.real and real_inputs:
        if not inputs:  # untimed warm-up (.pyc files) when the generated corpora were skipped
            run_child(iacguard_cmd + [str(real_inputs[0].targets[0]), "--format", "json"], env, args.timeout)
        real_rows = real.measure_real(
            real_inputs, args.runs, args.timeout, iacguard_cmd=iacguard_cmd, env=env, accept_iacguard=accept_iacguard,
            checkov=checkov_bin, checkov_env=checkov_env, accept_checkov=accept_checkov,
            cfn_lint=cfn_lint_bin, cfn_env=child_env(None), run_child=run_child, rss_method=RSS_METHOD)

    # Step 3c: every file alone
    per_file: list[real.FileTime] = []
    again: dict[Path, float | None] = {}
    if args.per_file:
        if module is None:
            print(f"per file skipped: {import_message}")
        else:
            sets = [(i.name, i.targets[0] if i.kind != "plan" else real_work, i.targets) for i in real_inputs]
            fixtures = REPO_ROOT / "tests" / "fixtures"
            if fixtures.is_dir():
                sets.append(("tests/fixtures", fixtures, [fixtures]))
            per_file = real.per_file(sets)
            worst = sorted(per_file, key=lambda r: -r.per_kline)[:args.per_file_top]
            again = real.whole_process_again(worst, iacguard_cmd, env, args.runs, args.timeout, run_child)

    # Step 4: report
    set_ratios(rows)
    machine = {"python": platform.python_version(), "platform": platform.platform(),
               "cpus": os.cpu_count(), "rss_method": RSS_METHOD, "runs": args.runs, "seed": args.seed, "sizes": sorted(corpora)}
    header = (f"# iacguard benchmark\n\nPython {machine['python']} on {machine['platform']}, "
              f"{machine['cpus']} CPUs; {args.runs} timed runs each; corpus seed {args.seed}. {import_message}.")
    target_lines = targets(rows, real_rows, per_file)
    table = markdown(throughput, rows, header) if corpora else header + "\n"
    if real_rows:
        table += "\n" + real.markdown(real_rows, missing, args.runs)
    if per_file:
        table += "\n" + real.per_file_markdown(per_file, again, args.per_file_top)
    table += "\n" + "\n".join(target_lines) + "\n"
    print()
    print(table)
    (out / "results.md").write_text(table, encoding="utf-8")
    document = {"machine": machine, "iacguard": import_message, "loader_throughput": throughput,
                "process": [dict(asdict(r), median_s=r.median, median_cpu_s=r.median_cpu) for r in rows],
                "real": real.as_json(real_rows), "real_totals": real.totals(real_rows) if real_rows else None,
                "per_file_worst": [{"corpus": r.corpus, "path": str(r.path), "lines": r.lines, "seconds": r.seconds,
                                    "per_kline": r.per_kline, "whole_process_s": again.get(r.path), "status": r.status}
                                   for r in sorted(per_file, key=lambda r: -r.per_kline)[:args.per_file_top]],
                "targets": target_lines}
    (out / "results.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out / 'results.md'} and {out / 'results.json'}")
    png = out / "time-vs-size.png"
    if not args.no_plot and corpora:
        print(draw_plot(out, out / "results.json", png))
    if args.update_readme:
        print(update_readme(table, png if png.exists() and not args.no_plot else None))
    if real_work is not None:
        print(f"the real corpus stays in {real_work} (outside the repository) for the next run")
    return 0


# ---------------------------------------------------------------------------------------------
# Targets, plot, README
# ---------------------------------------------------------------------------------------------

TARGET_SMALL_RATIO = 15
TARGET_SMALL_SECONDS = 0.10
TARGET_CORPUS_RATIO = 25
TARGET_REAL_RATIO = 30      # checkov's time / iacguard's on the real-code corpus, sums of medians
TARGET_DOUBLING = 2.0
TARGET_PEAK_MB = 400
TARGET_SECONDS_PER_KLINE = 2.0  # any one file scanned alone
TARGET_CORPUS_FILES = 1000
TARGET_CORPUS_LINES = 100_000


def targets(rows: list[Row], real_rows: list["real.RealRow"] | None = None,
            per_file: list["real.FileTime"] | None = None) -> list[str]:
    """The README's targets, each with the measured figure (and checkov's) and met / NOT met."""
    def find(tool: str, name: str) -> Row | None:
        return next((r for r in rows if r.tool == tool and r.input == name and r.median), None)

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    def cpu_note(ours: Row, theirs: Row) -> str:
        if not (ours.median_cpu and theirs.median_cpu):
            return ""
        return (f" [CPU seconds: {theirs.median_cpu:.2f} vs {ours.median_cpu:.2f} = "
                f"{theirs.median_cpu / ours.median_cpu:.1f}x]")

    lines = ["## Targets", ""]
    small, small_ck = find("iacguard", "small template"), find("checkov", "small template")
    if small:
        text = f"- one small template: iacguard {small.median:.3f} s median (target < {TARGET_SMALL_SECONDS} s)"
        ok = small.median < TARGET_SMALL_SECONDS
        if small_ck:
            ratio = small_ck.median / small.median
            text += f", checkov {small_ck.median:.3f} s = {ratio:.1f}x (target >= {TARGET_SMALL_RATIO}x)"
            ok = ok and ratio >= TARGET_SMALL_RATIO
        lines.append(f"{text}: {verdict(ok)}" + (cpu_note(small, small_ck) if small_ck else ""))
    corpora = sorted((r for r in rows if r.tool == "iacguard" and r.input.startswith("corpus ") and r.median
                      and "CloudFormation" not in r.input), key=lambda r: r.lines)
    big = next((r for r in corpora if r.files >= TARGET_CORPUS_FILES and r.lines >= TARGET_CORPUS_LINES), None)
    if big:
        checkov = find("checkov", big.input)
        text = f"- {big.input} ({big.files} files, {big.lines} lines): iacguard {big.median:.2f} s"
        if checkov:
            ratio = checkov.median / big.median
            lines.append(f"{text}, checkov {checkov.median:.2f} s = {ratio:.1f}x "
                         f"(target >= {TARGET_CORPUS_RATIO}x): {verdict(ratio >= TARGET_CORPUS_RATIO)}"
                         + cpu_note(big, checkov))
        else:
            lines.append(f"{text}; checkov not measured (--checkov)")
        single = find("iacguard --jobs 1", big.input)
        peak = single.peak_rss_mb if single and single.peak_rss_mb else big.peak_rss_mb
        if peak:
            lines.append(f"- peak memory on {big.input}, whole scan in one process (--jobs 1): {peak:.0f} MiB "
                         f"(target < {TARGET_PEAK_MB} MB): {verdict(peak < TARGET_PEAK_MB)}")
    for tool in ("iacguard", "iacguard --jobs 1", "checkov"):
        points = sorted((r for r in rows if r.tool == tool and r.input.startswith("corpus ") and r.median
                         and "CloudFormation" not in r.input), key=lambda r: r.lines)
        for small_row in points:
            double = next((r for r in points if 1.8 <= r.lines / small_row.lines <= 2.2), None)
            if double:
                growth = double.median / small_row.median
                line = (f"- doubling the corpus ({small_row.lines} -> {double.lines} lines), {tool}: "
                        f"{small_row.median:.2f} s -> {double.median:.2f} s = {growth:.2f}x")
                if tool.startswith("iacguard"):
                    line += f" (target <= {TARGET_DOUBLING}x): {verdict(growth <= TARGET_DOUBLING)}"
                if small_row.median_cpu and double.median_cpu:
                    line += f" [CPU: {double.median_cpu / small_row.median_cpu:.2f}x]"
                lines.append(line)
    if real_rows:
        total = real.totals(real_rows)
        text = (f"- real code ({total['rows']} rows, {total['files']} files, {total['lines']} lines): "
                f"iacguard {total['iacguard_s']:.2f} s")
        if total["checkov_ratio"]:
            lines.append(f"{text}, checkov {total['checkov_s']:.2f} s over the {total['pairs']} rows both ran "
                         f"(iacguard {total['iacguard_paired_s']:.2f} s) = {total['checkov_ratio']:.1f}x "
                         f"(target >= {TARGET_REAL_RATIO}x): {verdict(total['checkov_ratio'] >= TARGET_REAL_RATIO)}")
        else:
            lines.append(f"{text}; checkov not measured (--checkov)")
        if total["cfn_lint_ratio"]:
            lines.append(f"- real CloudFormation templates: cfn-lint {total['cfn_lint_s']:.2f} s, iacguard "
                         f"{total['iacguard_cfn_s']:.2f} s = {total['cfn_lint_ratio']:.1f}x")
        if total["peak_rss_mb"]:
            lines.append(f"- peak memory on real code, largest repository: {total['peak_rss_mb']:.0f} MiB "
                         f"(target < {TARGET_PEAK_MB} MB): {verdict(total['peak_rss_mb'] < TARGET_PEAK_MB)}")
    worst = real.worst_per_kline(per_file or [])
    if worst:
        lines.append(f"- worst file scanned alone: {worst.path.name} ({worst.corpus}, {worst.lines} lines) "
                     f"{worst.per_kline:.3f} s per 1,000 lines (target <= {TARGET_SECONDS_PER_KLINE} s): "
                     f"{verdict(worst.per_kline <= TARGET_SECONDS_PER_KLINE)}")
    if len(lines) == 2:
        lines.append("- not enough measurements to judge the targets")
    return lines + [""]


def draw_plot(out: Path, results: Path, png: Path) -> str:
    """Draw with this interpreter when it has matplotlib, else with a venv made for it in OUT."""
    script = BENCH_DIR / "plot.py"
    python: str | None = sys.executable
    try:
        importlib.import_module("matplotlib")
    except ImportError:
        venv = out / "plot-venv"
        candidate = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        if not candidate.exists():
            print(f"creating {venv} for matplotlib (once)...", flush=True)
            for command in ([sys.executable, "-m", "venv", str(venv)],
                            [str(candidate), "-m", "pip", "install", "--quiet", "matplotlib"]):
                done = subprocess.run(command, capture_output=True, text=True)
                if done.returncode != 0:
                    return f"plot skipped: {' '.join(command[:4])} failed: {(done.stderr or done.stdout)[-300:]}"
        python = str(candidate)
    done = subprocess.run([python, str(script), str(results), str(png)], capture_output=True, text=True)
    if done.returncode != 0:
        return f"plot failed: {(done.stderr or done.stdout).strip()[-300:]}"
    return f"wrote {png}"


README_START = "<!-- bench:start (bench/run.py --update-readme rewrites this part) -->"
README_END = "<!-- bench:end -->"
PUBLISHED_PNG = "docs/bench/time-vs-size.png"


def update_readme(table: str, png: Path | None) -> str:
    """Put the latest tables (and plot) between the markers of README.md's Performance section."""
    readme = REPO_ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        return f"README not updated: it has no {README_START!r} ... {README_END!r} markers"
    body = table.split("\n", 2)[2] if table.startswith("# ") else table  # drop the page title
    body = body.replace("\n## ", "\n#### ").replace("\n\n\n", "\n\n")
    if body.startswith("## "):
        body = "#### " + body[3:]
    if png is not None:
        published = REPO_ROOT / PUBLISHED_PNG
        published.parent.mkdir(parents=True, exist_ok=True)
        published.write_bytes(png.read_bytes())
        body += f"\n![time against corpus size]({PUBLISHED_PNG})\n"
    before, rest = text.split(README_START, 1)
    after = rest.split(README_END, 1)[1]
    readme.write_text(f"{before}{README_START}\n{body.strip()}\n{README_END}{after}", encoding="utf-8")
    return f"updated {readme}" + (f" and {PUBLISHED_PNG}" if png is not None else "")


if __name__ == "__main__":
    sys.exit(main())
