#!/usr/bin/env python3
"""Precision of a field run against the hand judgements in judged.jsonl.

    python bench/field/run.py --save /tmp/after.json
    python bench/field/precision.py /tmp/after.json                  # judged.jsonl next to this file
    python bench/field/precision.py /tmp/after.json --judged other.jsonl

judged.jsonl has one judged finding per line: repo, file, resource, rule_id, severity (at
judgement), blocking (at judgement), fingerprint, message, verdict ("tp": a security reviewer
signs it at that severity; "debatable": real but over-rated or context-dependent; "fp": wrong),
issue_item and reason.

Each judgement is matched to at most one finding of the run, and each finding to at most one
judgement: first by repository and fingerprint, then, for what is left, by repository, file,
resource and rule (a fingerprint changes when a message or evidence changes). The output gives,
for the run's blocking and non-blocking findings separately, how many are judged tp / debatable /
fp, precision = tp / judged, how many are not judged, and how many were matched each way.
Judged findings whose repository is in the run but that the run no longer reports are listed as
"gone": each one is either fixed (an fp or a debatable that should go) or lost (a tp: recall!).
A judged finding whose severity changed is listed too: its verdict was given at the old severity.
A judgement may carry re-judgements at other severities, ``"at_severity": {"low": {"verdict":
"tp", "reason": "...", "judged_on": "..."}}``: a finding reported at one of those severities counts
with that verdict (and is listed as re-judged); at any other new severity it counts with the
original verdict and is listed as "not re-judged".
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import is_blocking  # noqa: E402  (the same blocking rule as the field table)

VERDICTS = ("tp", "debatable", "fp")


def load_judged(path: Path) -> list[dict]:
    judged = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        entry = json.loads(line)
        if entry.get("verdict") not in VERDICTS:
            raise SystemExit(f"{path}:{number}: verdict must be one of {', '.join(VERDICTS)}")
        for severity, again in (entry.get("at_severity") or {}).items():
            if not isinstance(again, dict) or again.get("verdict") not in VERDICTS or not again.get("reason"):
                raise SystemExit(f"{path}:{number}: at_severity {severity} needs a verdict and a reason")
        for key in ("repo", "file", "resource", "rule_id", "fingerprint"):
            if key not in entry:
                raise SystemExit(f"{path}:{number}: no {key}")
        judged.append(entry)
    return judged


def _fallback_key(repo: str, finding: dict) -> tuple:
    return (repo, finding.get("file"), finding.get("resource"), finding.get("rule_id"))


def evaluate(run: dict, judged: list[dict]) -> dict:
    """Match ``judged`` to the findings of ``run`` (a run.py --save dict) and count."""
    findings = []  # (repo, finding, blocking)
    for repo, result in run.items():
        for finding in result.get("findings_list", []) or []:
            findings.append((repo, finding, is_blocking(finding, result.get("fail_on"))))
    by_fingerprint: dict[tuple, list[int]] = {}
    by_fallback: dict[tuple, list[int]] = {}
    for index, (repo, finding, _) in enumerate(findings):
        by_fingerprint.setdefault((repo, finding.get("fingerprint")), []).append(index)
        by_fallback.setdefault(_fallback_key(repo, finding), []).append(index)

    taken: set[int] = set()
    match: dict[int, tuple[int, str]] = {}  # judged index -> (finding index, how)

    def first_free(candidates: list[int]) -> int | None:
        for candidate in candidates:
            if candidate not in taken:
                return candidate
        return None

    # every fingerprint match first, so that a fallback never takes a finding another
    # judgement names exactly
    for how, index_of, key_of in (("fingerprint", by_fingerprint, lambda j: (j["repo"], j["fingerprint"])),
                                  ("fallback", by_fallback, lambda j: _fallback_key(j["repo"], j))):
        for number, entry in enumerate(judged):
            if number in match:
                continue
            found = first_free(index_of.get(key_of(entry), []))
            if found is not None:
                taken.add(found)
                match[number] = (found, how)

    buckets = {name: Counter() for name in ("blocking", "non-blocking")}
    gone, not_scanned, changed = [], [], []
    for number, entry in enumerate(judged):
        if number not in match:
            (gone if entry["repo"] in run and "findings_list" in run[entry["repo"]] else not_scanned).append(entry)
            continue
        found, how = match[number]
        _, finding, blocking = findings[found]
        bucket = buckets["blocking" if blocking else "non-blocking"]
        severity = finding.get("severity")
        rejudged = (entry.get("at_severity") or {}).get(severity) if severity != entry.get("severity") else None
        bucket[rejudged["verdict"] if rejudged else entry["verdict"]] += 1
        bucket[f"matched by {how}"] += 1
        if severity != entry.get("severity"):
            changed.append((entry, severity, blocking, rejudged))
    judged_repos = {entry["repo"] for entry in judged}
    for index, (repo, _, blocking) in enumerate(findings):
        if index not in taken:
            bucket = buckets["blocking" if blocking else "non-blocking"]
            bucket["unjudged"] += 1
            bucket["unjudged in judged repos"] += repo in judged_repos
    return {"buckets": buckets, "gone": gone, "not_scanned": not_scanned, "changed": changed}


def precision(bucket: Counter) -> float | None:
    judged = sum(bucket[v] for v in VERDICTS)
    return bucket["tp"] / judged if judged else None


def report(result: dict) -> str:
    lines = []
    for name, bucket in result["buckets"].items():
        judged = sum(bucket[v] for v in VERDICTS)
        value = precision(bucket)
        shown = f"{value:.0%}" if value is not None else "n/a"
        lines.append(f"{name}: {judged} judged: {bucket['tp']} tp, {bucket['debatable']} debatable, "
                     f"{bucket['fp']} fp; precision (tp / judged) {shown}; {bucket['unjudged']} not judged "
                     f"({bucket['unjudged in judged repos']} of them in judged repositories); "
                     f"matched by fingerprint {bucket['matched by fingerprint']}, "
                     f"by repo+file+resource+rule {bucket['matched by fallback']}")
    for entry, severity, blocking, rejudged in result["changed"]:
        again = f"re-judged {rejudged['verdict']}" if rejudged else "not re-judged"
        lines.append(f"severity changed {entry['severity']} -> {severity}"
                     f"{' (blocking)' if blocking else ''}, judged {entry['verdict']}, {again}: "
                     f"{entry['repo']} {entry['file']} {entry['resource']} {entry['rule_id']}")
    lines.append(f"gone: {len(result['gone'])} judged findings not reported by the run "
                 f"(fixed if fp/debatable, LOST if tp)")
    for entry in result["gone"]:
        mark = "LOST" if entry["verdict"] == "tp" else "gone"
        lines.append(f"  {mark} [{entry['verdict']}] {entry['repo']} {entry['file']} {entry['resource']} "
                     f"{entry['rule_id']} {entry.get('severity', '')}")
    if result["not_scanned"]:
        lines.append(f"not scanned: {len(result['not_scanned'])} judged findings of repositories absent from the run")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="results saved by run.py --save")
    parser.add_argument("--judged", type=Path, default=HERE / "judged.jsonl")
    options = parser.parse_args(argv)
    try:
        run = json.loads(options.run.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SystemExit(f"{options.run}: {error}")
    print(report(evaluate(run, load_judged(options.judged))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
