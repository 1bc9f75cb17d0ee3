"""Plot whole-process time against corpus size, one line per tool, from bench/run.py's results.json.

    python bench/plot.py OUT/results.json OUT/time-vs-size.png

Needs matplotlib (run.py uses the current interpreter when it has it, else a venv in OUT).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Which rows are corpus scans, and how each tool's line is labelled.
SERIES = {
    ("iacguard", False): "iacguard (default --jobs)",
    ("iacguard --jobs 1", False): "iacguard --jobs 1",
    ("checkov", False): "checkov",
    ("iacguard", True): "iacguard, CloudFormation part",
    ("cfn-lint", True): "cfn-lint, CloudFormation part",
}


def series(rows: list[dict]) -> dict[str, list[tuple[int, float, float, float]]]:
    """label -> [(lines, median, min, max)] for the corpus rows that succeeded, by size."""
    found: dict[str, list[tuple[int, float, float, float]]] = {}
    for row in rows:
        if not row["input"].startswith("corpus ") or row["status"] != "ok" or not row["times"]:
            continue
        label = SERIES.get((row["tool"], "CloudFormation part" in row["input"]))
        if label is None:
            continue
        found.setdefault(label, []).append((row["lines"], row["median_s"], min(row["times"]), max(row["times"])))
    return {label: sorted(points) for label, points in found.items()}


def plot(results: dict, target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7.5, 4.5), dpi=110)
    for label, points in series(results["process"]).items():
        lines = [p[0] for p in points]
        medians = [p[1] for p in points]
        low = [p[1] - p[2] for p in points]
        high = [p[3] - p[1] for p in points]
        dashed = "CloudFormation part" in label
        axes.errorbar(lines, medians, yerr=[low, high], marker="o", capsize=3, label=label,
                      linestyle="--" if dashed else "-")
    axes.set_xscale("log")
    axes.set_yscale("log")  # the tools differ by more than an order of magnitude
    axes.set_xlabel("lines scanned")
    axes.set_ylabel("wall-clock seconds (median, min-max bars)")
    machine = results.get("machine", {})
    axes.set_title(f"Whole-process time against corpus size ({machine.get('cpus', '?')} CPUs)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    results = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    plot(results, Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
