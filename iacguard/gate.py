"""The gate workflow around a scan: baselines and "no new risk" against a git base.

* Baseline: ``write_baseline`` records the active findings of a scan by fingerprint;
  ``apply_baseline`` marks findings found in it as ``baselined`` (a finding that became more
  severe than recorded is not baselined).
* Diff base: ``scan_base`` reads the same paths at a git revision through ``git ls-tree`` and
  ``git cat-file`` into a temporary directory (the working tree and index are never touched) and
  scans them; ``compare`` marks every finding of the working tree ``new``, ``worse`` or
  ``unchanged``, semantically: a finding is unchanged only when the base had a finding of the same
  check on the same principal, protected resource or policy resource, at least as severe, and the
  base granted those same principals/resources at least the statement's access (every action,
  resource and principal of it covered by base statements with no more conditions). A policy
  reordered, split, merged or moved from inline to a managed policy attached to the same role is
  unchanged; a widened action, resource or principal is not.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterable

from .errors import UsageError
from .framework import Finding, is_statement_like, severity_rank
from .values import Unknown, to_plain

BASELINE_VERSION = 1


# ---------------------------------------------------------------- baselines

def baseline_document(findings: Iterable[Finding]) -> dict:
    entries = [{"fingerprint": f.fingerprint, "rule_id": f.rule_id, "severity": f.severity,
                "resource": f.resource, "file": f.file, "message": f.message}
               for f in findings if not f.suppressed]
    entries.sort(key=lambda e: (e["file"], e["resource"], e["rule_id"], e["fingerprint"]))
    return {"version": BASELINE_VERSION, "tool": "iacguard", "findings": entries}


def write_baseline(findings: Iterable[Finding], path: Path) -> int:
    """Write the baseline file; returns how many findings it records."""
    document = baseline_document(findings)
    try:
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write baseline: {exc.strerror or exc}", file=str(path)) from None
    return len(document["findings"])


def load_baseline(path: Path) -> dict[str, str]:
    """{fingerprint: recorded severity} from a baseline file; any problem is a UsageError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read baseline: {exc.strerror or exc}", file=str(path)) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"baseline is not valid JSON: {exc}", file=str(path)) from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or not isinstance(data.get("findings"), list):
        raise UsageError(f"not an iacguard baseline (version {BASELINE_VERSION}); "
                         f"write one with `iacguard baseline PATH... -o FILE`", file=str(path))
    recorded: dict[str, str] = {}
    for index, entry in enumerate(data["findings"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise UsageError(f"baseline entry {index + 1} has no fingerprint", file=str(path))
        severity = entry.get("severity")
        recorded[entry["fingerprint"]] = severity if isinstance(severity, str) and severity in _RANKS else "critical"
    return recorded


_RANKS = ("low", "medium", "high", "critical")


def apply_baseline(findings: Iterable[Finding], recorded: dict[str, str]) -> int:
    """Mark findings recorded in the baseline (at the same or a higher severity) as baselined;
    returns how many."""
    count = 0
    for finding in findings:
        severity = recorded.get(finding.fingerprint)
        if severity is not None and severity_rank(finding.severity) <= severity_rank(severity):
            finding.baselined = True
            count += 1
    return count


# ---------------------------------------------------------------- reading a git revision

def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    try:
        proc = subprocess.run(["git", *args], cwd=str(cwd), input=stdin, capture_output=True, env=env,
                              timeout=300)
    except FileNotFoundError:
        raise UsageError("--diff-base needs git, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {args[0]} timed out") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]} failed: {message[-1] if message else 'exit ' + str(proc.returncode)}")
    return proc.stdout


def materialize(ref: str, paths: list[str], target: Path) -> tuple[Path, list[Path]]:
    """Write the files under ``paths`` as they are at git revision ``ref`` into ``target``,
    keeping their place relative to the repository root. Returns the repository root and the
    paths inside ``target`` that correspond to ``paths`` (those that existed at ``ref``)."""
    if not ref or ref.startswith("-"):
        raise UsageError(f"--diff-base: invalid revision {ref!r}")
    first = Path(paths[0]).resolve()
    start = first if first.is_dir() else first.parent
    try:
        toplevel = Path(_git(["rev-parse", "--show-toplevel"], start).decode().strip()).resolve()
    except UsageError:
        raise UsageError(f"--diff-base needs the scanned paths to be in a git repository ({paths[0]} is not)") from None
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], toplevel)
    except UsageError:
        raise UsageError(f"--diff-base: unknown git revision {ref!r}") from None
    commit_id = commit.decode().strip()
    relatives: list[str] = []
    for path in paths:
        absolute = Path(path).resolve()
        try:
            relatives.append(absolute.relative_to(toplevel).as_posix())
        except ValueError:
            raise UsageError(f"--diff-base: {path} is outside the git repository {toplevel}") from None
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit_id, "--",
                    *[(r or ".") for r in relatives]], toplevel)
    blobs: list[tuple[str, str]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        # Regular files only: a symlink's target or a submodule is not content of this revision.
        if kind == "blob" and mode in ("100644", "100755"):
            blobs.append((sha, name.decode("utf-8", "surrogateescape")))
    if blobs:
        _write_blobs(blobs, toplevel, target)
    mapped: list[Path] = []
    for path, relative in zip(paths, relatives):
        inside = target / relative if relative else target
        if not inside.exists() and Path(path).is_dir():
            inside.mkdir(parents=True, exist_ok=True)  # a directory new since the base: nothing to compare
        if inside.exists():
            mapped.append(inside)
    return toplevel, mapped


def _write_blobs(blobs: list[tuple[str, str]], toplevel: Path, target: Path) -> None:
    output = _git(["cat-file", "--batch"], toplevel, stdin="".join(sha + "\n" for sha, _ in blobs).encode())
    position = 0
    root = target.resolve()
    for sha, name in blobs:
        header_end = output.index(b"\n", position)
        header = output[position:header_end].split()
        size = int(header[2])
        content = output[header_end + 1: header_end + 1 + size]
        position = header_end + 1 + size + 1
        destination = (target / name).resolve()
        if root not in destination.parents:
            continue  # never write outside the temporary directory
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(content)


def scan_base(ref: str, paths: list[str], settings: Any, head_root: Path, jobs: int | None = 1):
    """Scan ``paths`` as they were at ``ref``; returns the base ScanResult (None when none of the
    paths existed there)."""
    from .engine import scan

    with tempfile.TemporaryDirectory(prefix="iacguard-base-") as directory:
        target = Path(directory)
        toplevel, mapped = materialize(ref, paths, target)
        if not mapped:
            return None
        try:
            root = target / head_root.resolve().relative_to(toplevel)
        except ValueError:
            root = target
        root.mkdir(parents=True, exist_ok=True)
        return scan([str(p) for p in mapped], settings, root=root, jobs=jobs)


# ---------------------------------------------------------------- semantic comparison

def compare(head: Any, base: Any, ref: str) -> dict:
    """Mark each finding of ``head`` new / worse / unchanged against ``base`` (a ScanResult or
    None) and return the counts."""
    base_findings = base.findings if base is not None else []
    head_subjects = _Subjects(head.model) if head.model is not None else None
    base_subjects = _Subjects(base.model) if base is not None and base.model is not None else None
    base_index: list[tuple[Finding, set[str]]] = [(g, base_subjects.of(g) if base_subjects else set())
                                                  for g in base_findings]
    counts = {"base": ref, "new": 0, "worse": 0, "unchanged": 0, "fixed": 0}
    still_present: set[int] = set()  # base findings matched by a head finding
    for finding in head.findings:
        subjects = head_subjects.of(finding) if head_subjects else set()
        matched = [(i, g) for i, (g, g_subjects) in enumerate(base_index) if g.rule_id == finding.rule_id
                   and (g.fingerprint == finding.fingerprint or subjects & g_subjects)]
        still_present.update(i for i, _ in matched)
        candidates = [g for _, g in matched]
        if not candidates:
            finding.diff = "new"
        elif severity_rank(finding.severity) > max(severity_rank(g.severity) for g in candidates):
            finding.diff = "worse"
        elif not _content_covered(finding, subjects, base_subjects):
            finding.diff = "worse"
        else:
            finding.diff = "unchanged"
        counts[finding.diff] += 1
    counts["fixed"] = len(base_findings) - len(still_present)
    return counts


class _Subjects:
    """What a finding is about, in terms that survive moving a policy around: the principals
    that hold the policy or statement, the resources a resource policy protects, and the
    finding's own resource. Each subject knows the policy statements that apply to it."""

    def __init__(self, model: Any):
        self.model = model
        self._statements: dict[str, list] = {}
        principals = model.all_principals()
        self._by_resource: dict[tuple[str, str], set[str]] = {}
        for principal in principals:
            key = f"principal:{principal.id}"
            statements = self._statements.setdefault(key, [])
            for node in principal.identity_policies() + ([principal.trust] if principal.trust else []):
                statements.extend(_plain_statements(node.document))
            if not principal.external:
                self._add(principal.resource, key)
            for node, via in principal.attachments:
                self._add(via, key)
        for node in model.policies.values():
            res_key = _resource_key(node.resource)
            self._statements.setdefault(res_key, []).extend(_plain_statements(node.document))
            for principal_id in node.attached_to:
                self._add(node.resource, f"principal:{principal_id}")
                if node.via is not None:
                    self._add(node.via, f"principal:{principal_id}")
        for policy in model.resource_policies:
            target = policy.target or policy.node.resource
            key = f"target:{target.group}::{target.address}"
            self._statements.setdefault(key, []).extend(_plain_statements(policy.node.document))
            self._add(policy.node.resource, key)
            self._add(target, key)

    def _add(self, resource: Any, subject: str) -> None:
        self._by_resource.setdefault((resource.file, resource.address), set()).add(subject)

    def of(self, finding: Finding) -> set[str]:
        own = f"res:{finding.file}::{finding.resource}"
        return {own} | self._by_resource.get((finding.file, finding.resource), set())

    def statements(self, subject: str) -> list:
        return self._statements.get(subject, [])


def _resource_key(resource: Any) -> str:
    return f"res:{resource.file}::{resource.address}"


def _plain_statements(document: Any) -> list:
    """Statements of a document re-parsed from their plain form, so unknown values compare as
    their expression text on both sides."""
    if document is None:
        return []
    result = []
    for statement in document.statements:
        raw = statement.raw
        parsed = _parse_statement(to_plain(raw)) if raw is not None else None
        result.append(parsed if parsed is not None else statement)
    return result


def _parse_statement(value: Any) -> Any:
    if not is_statement_like(value):
        return None
    from .iam.policy import parse_policy

    document = parse_policy({"Version": "2012-10-17", "Statement": [value]})
    return document.statements[0] if len(document.statements) == 1 else None


def _content_covered(finding: Finding, subjects: set[str], base_subjects: Any) -> bool:
    """The finding's statement grants nothing its subjects were not granted in the base. A
    finding without statement content is covered (its check and subject matched already)."""
    content = finding.content if finding.content is not None else finding.evidence
    if hasattr(content, "raw") and hasattr(content, "effect"):
        content = to_plain(content.raw)
    statement = _parse_statement(to_plain(content)) if content is not None else None
    if statement is None:
        return True
    if base_subjects is None:
        return False
    holders = [s for s in subjects if not s.startswith("res:")] or [s for s in subjects if s.startswith("res:")]
    return all(statement_covered(statement, base_subjects.statements(subject)) for subject in holders)


# --- statement coverage --------------------------------------------------------------------

def statement_covered(statement: Any, others: list) -> bool:
    """Every (action, resource, principal) the statement grants is granted by one of ``others``
    with the same effect and no condition the statement does not also have."""
    from .iam.policy import PolicyDocument, normalize

    if statement.not_actions is not None or statement.not_resources is not None or statement.not_principals is not None \
            or isinstance(statement.effect, Unknown):
        mine = _canonical_without_sid(normalize(PolicyDocument([statement], None, 0)))
        return any(_canonical_without_sid(normalize(PolicyDocument([o], None, 0))) == mine for o in others)
    conditions = _condition_set(statement)
    usable = [o for o in others if o.effect == statement.effect and o.actions is not None
              and o.not_resources is None and o.not_principals is None and _condition_set(o) <= conditions]
    actions = [_text(a, lower=True) for a in statement.actions or ()]
    resources = [_text(r) for r in statement.resources] if statement.resources is not None else [None]
    principals = list(statement.principals) if statement.principals is not None else [None]
    for action in actions:
        for resource in resources:
            for principal in principals:
                if not any(_grants(o, action, resource, principal) for o in usable):
                    return False
    return True


def _grants(other: Any, action: str, resource: str | None, principal: Any) -> bool:
    if not any(_pattern_covers(_text(a, lower=True), action) for a in other.actions):
        return False
    if resource is None:
        if other.resources is not None and not any(_text(r) == "*" for r in other.resources):
            return False
    elif other.resources is None or not any(_pattern_covers(_text(r), resource) for r in other.resources):
        return False
    if principal is None:
        return other.principals is None
    if other.principals is None:
        return False
    return any(p.is_anyone or (p.kind == principal.kind and _text(p.value) == _text(principal.value))
               for p in other.principals)


def _text(value: Any, lower: bool = False) -> str:
    text = "${" + value.text + "}" if isinstance(value, Unknown) else str(value).strip()
    return text.lower() if lower else text


def _pattern_covers(broad: str, narrow: str) -> bool:
    """Every string ``narrow`` (an IAM glob) matches is matched by ``broad``."""
    if broad == narrow or broad == "*":
        return True
    if "?" in broad and ("*" in narrow or "?" in narrow):
        return False  # '?' matches one character; '*' in narrow may stand for many
    from .iam.wildcard import glob_match

    # narrow's own '*' can only be matched by a '*' of broad: read as text, it is covered
    return glob_match(broad, narrow, case_sensitive=True)


def _condition_set(statement: Any) -> set:
    found = set()
    for condition in statement.conditions:
        values = tuple(sorted(_text(v) for v in condition.values))
        found.add((condition.canonical_operator, condition.key_lc, values))
    return found


def _canonical_without_sid(normalized: dict) -> Any:
    statements = normalized.get("Statement", []) if isinstance(normalized, dict) else []
    return [{k: v for k, v in s.items() if k != "Sid"} if isinstance(s, dict) else s for s in statements]
