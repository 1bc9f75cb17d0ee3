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
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .errors import UsageError
from .framework import Finding, is_statement_like
from .loaders.discover import is_inside
from .resource import TERRAFORM_PLAN
from .severity import SEVERITIES, fail_on_rank, severity_rank
from .values import to_plain

if TYPE_CHECKING:  # types only: the gate is imported before a scan runs
    from .engine import ScanResult
    from .framework import CheckMeta
    from .iam.model import IamModel
    from .iam.policy import PolicyDocument, Statement
    from .resource import Resource
    from .settings import Settings

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
    return parse_baseline(text, str(path))


def parse_baseline(text: str, source: str) -> dict[str, str]:
    """{fingerprint: recorded severity} from the text of a baseline file."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"baseline is not valid JSON: {exc}", file=source) from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or not isinstance(data.get("findings"), list):
        raise UsageError(f"not an iacguard baseline (version {BASELINE_VERSION}); "
                         f"write one with `iacguard baseline PATH... -o FILE`", file=source)
    recorded: dict[str, str] = {}
    for index, entry in enumerate(data["findings"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            problem = "has no fingerprint"
        elif entry.get("severity") not in SEVERITIES:
            # The recorded severity bounds what the entry accepts: guessing one would accept a
            # finding that became more severe (or refuse one that did not).
            problem = ("has no severity" if "severity" not in entry
                       else f"has an unknown severity {entry['severity']!r}") + f" (one of {', '.join(SEVERITIES)})"
        else:
            recorded[entry["fingerprint"]] = entry["severity"]
            continue
        raise UsageError(f"baseline entry {index + 1} {problem}; write the baseline again with "
                         f"`iacguard baseline PATH... -o FILE`", file=source, line=_entry_line(text, index))
    return recorded


def _entry_line(text: str, index: int) -> int | None:
    """The line where the ``index``-th baseline entry starts (parsed again only for an error)."""
    from .jsonpos import loads_positioned

    try:
        entry = loads_positioned(text)["findings"][index]
    except ValueError:  # NaN or Infinity, which json.loads accepts: the entry number must do
        return None
    return getattr(entry, "line", None) or None


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


def _revision(ref: str, paths: list[str]) -> tuple[Path, str]:
    """The git top level of the scanned paths and the commit id ``ref`` names."""
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
    return toplevel, commit.decode().strip()


def materialize(ref: str, paths: list[str], target: Path,
                also: Sequence[Path] = ()) -> tuple[Path, list[Path]]:
    """Write the files under ``paths`` (and under the directories ``also``, the modules the
    scan read outside them) as they are at git revision ``ref`` into ``target``, keeping their
    place relative to the repository root. Returns the repository root and the paths inside
    ``target`` that correspond to ``paths`` (those that existed at ``ref``)."""
    toplevel, commit_id = _revision(ref, paths)
    relatives: list[str] = []
    for path in paths:
        absolute = Path(path).resolve()
        try:
            relatives.append(absolute.relative_to(toplevel).as_posix())
        except ValueError:
            raise UsageError(f"--diff-base: {path} is outside the git repository {toplevel}") from None
    extra = []
    for directory in also:
        try:
            extra.append(Path(directory).resolve().relative_to(toplevel).as_posix() or ".")
        except ValueError:
            continue  # outside the repository: never read by the scan either
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit_id, "--",
                    *[(r or ".") for r in relatives], *sorted(set(extra))], toplevel)
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


def scan_base(ref: str, paths: list[str], settings: Settings, head_root: Path, jobs: int | None = 1,
              head_files: Sequence[str] = ()) -> ScanResult | None:
    """Scan ``paths`` as they were at ``ref``; returns the base ScanResult (None when none of the
    paths existed there). ``head_files`` (relative to ``head_root``): what the head scan read; the
    module directories among them outside ``paths`` are read at ``ref`` too."""
    import dataclasses

    from .engine import scan

    scanned = [Path(p).resolve() for p in paths]
    outside = sorted({(head_root / f).resolve().parent for f in head_files
                      if not any((head_root / f).resolve().is_relative_to(p) for p in scanned)})
    with tempfile.TemporaryDirectory(prefix="iacguard-base-") as directory:
        target = Path(directory)
        toplevel, mapped = materialize(ref, paths, target, outside)
        settings = dataclasses.replace(settings, repository=str(target))  # its modules are in the copy
        if not mapped:
            return None
        try:
            root = target / head_root.resolve().relative_to(toplevel)
        except ValueError:
            root = target
        root.mkdir(parents=True, exist_ok=True)
        return scan([str(p) for p in mapped], settings, root=root, jobs=jobs)


# ---------------------------------------------------------------- plans: their prior state

# --diff-base keyword: compare plans with the state they were made against, without git
PRIOR_STATE = "prior-state"
# files that are never a plan or a state (read by the Terraform loader)
_NOT_DOCUMENTS = (".tf", ".tf.json", ".tfvars", ".tfvars.json", ".hcl")


def deployed_base(head: ScanResult, settings: Settings) -> tuple[ScanResult, set[str]]:
    """The scan of what is deployed under each plan (its ``prior_state``) and each state file
    (itself) that ``head`` read, and the set of those files. Each is read again, with the same
    file and group as in ``head``, so that findings on the same resources match."""
    from .engine import ScanResult, _read_template, run_checks
    from .errors import IacguardError
    from .limits import ScanLimits
    from .loaders import cloudformation, plan

    limits = ScanLimits.from_settings(settings)
    base = ScanResult(root=head.root)
    files: set[str] = set()
    source_of = {r.file: r.source for r in head.resources}
    for rel in head.files:
        # a template is not parsed again; a file without resources may be an empty plan or state
        if rel.endswith(_NOT_DOCUMENTS) or source_of.get(rel, TERRAFORM_PLAN) != TERRAFORM_PLAN:
            continue
        try:
            data = cloudformation.parse_document(_read_template(Path(head.root) / rel, rel, limits), rel,
                                                 max_depth=limits.max_nesting_depth,
                                                 max_alias_nodes=limits.max_alias_nodes)
        except IacguardError:
            continue  # the head scan reported it
        if plan.looks_like_plan(data):
            loaded = plan.load_prior_state(data, rel)
        elif plan.looks_like_state(data):
            loaded = plan.load_state(data, rel)  # a state is what is deployed: its own base
        else:
            continue
        files.add(rel)
        base.add(loaded, rel)
    run_checks(base, settings)
    return base, files


def diff_against_base(ref: str, paths: list[str], settings: Settings, head: ScanResult, jobs: int | None = 1) -> dict:
    """--diff-base: findings on resources of plans (and states) against the deployed state the
    plan holds (``prior_state``); every other finding against the git revision ``ref``, read only
    when something else was scanned. ``ref`` ``prior-state`` scans only plans and states."""
    base, deployed_files = deployed_base(head, settings)
    others = [f for f in head.files if f not in deployed_files]
    if ref == PRIOR_STATE and others:
        raise UsageError(f"--diff-base {PRIOR_STATE} compares plans with the state they were made against; "
                         f"{others[0]} is not a plan: give a git revision to compare it")
    on_plans = [f for f in head.findings if f.resource_key[0] in deployed_files]
    rest = [f for f in head.findings if f.resource_key[0] not in deployed_files]
    counts: dict[str, Any] = {"base": ref, "new": 0, "worse": 0, "unchanged": 0, "fixed": 0}
    if deployed_files:
        counts = compare(head, base, ref, on_plans)
        if ref != PRIOR_STATE:
            counts["base"] = f"{ref} (plans: their prior state)"
    if others or not deployed_files:
        git_base = scan_base(ref, paths, settings, head.root, jobs=jobs, head_files=head.files)
        if git_base is not None:  # a plan committed at the base is judged against its prior state
            git_base.findings = [f for f in git_base.findings if f.resource_key[0] not in deployed_files]
        for key, value in compare(head, git_base, ref, rest).items():
            if key != "base":
                counts[key] += value
    return counts


def in_git_repository(paths: list[str]) -> bool:
    first = Path(paths[0]).resolve()
    try:
        _git(["rev-parse", "--show-toplevel"], first if first.is_dir() else first.parent)
    except UsageError:
        return False
    return True


# ---------------------------------------------------------------- semantic comparison

def compare(head: ScanResult, base: ScanResult | None, ref: str, findings: list[Finding] | None = None) -> dict:
    """Mark each finding of ``head`` (or only ``findings`` of it) new / worse / unchanged against
    ``base`` (a ScanResult or None) and return the counts."""
    base_findings = base.findings if base is not None else []
    head_subjects = _Subjects(head.model) if head.model is not None else None
    base_subjects = _Subjects(base.model) if base is not None and base.model is not None else None
    base_index: list[tuple[Finding, set[str]]] = [(g, base_subjects.of(g) if base_subjects else set())
                                                  for g in base_findings]
    counts: dict[str, Any] = {"base": ref, "new": 0, "worse": 0, "unchanged": 0, "fixed": 0}
    still_present: set[int] = set()  # base findings matched by a head finding
    for finding in head.findings if findings is None else findings:
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

    def __init__(self, model: IamModel):
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

    def _add(self, resource: Resource, subject: str) -> None:
        self._by_resource.setdefault((resource.file, resource.address), set()).add(subject)

    def of(self, finding: Finding) -> set[str]:
        file, address = finding.resource_key
        return {f"res:{file}::{address}"} | self._by_resource.get((file, address), set())

    def statements(self, subject: str) -> list:
        return self._statements.get(subject, [])


def _resource_key(resource: Resource) -> str:
    return f"res:{resource.file}::{resource.address}"


def _plain_statements(document: PolicyDocument | None) -> list[Statement]:
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


def _parse_statement(value: Any) -> Statement | None:
    if not is_statement_like(value):
        return None
    from .iam.policy import parse_policy

    document = parse_policy({"Version": "2012-10-17", "Statement": [value]})
    return document.statements[0] if len(document.statements) == 1 else None


def _content_covered(finding: Finding, subjects: set[str], base_subjects: _Subjects | None) -> bool:
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
    from .iam.coverage import statement_covered

    holders = [s for s in subjects if not s.startswith("res:")] or [s for s in subjects if s.startswith("res:")]
    return all(statement_covered(statement, base_subjects.statements(subject)) for subject in holders)


# ---------------------------------------------------------------- settings that weaken the gate

@dataclass
class SettingsChange:
    """One way the working tree's settings (or baseline) let more through than the base's did.
    ``place`` has what a finding needs (address, type, file, line): the key in the settings file,
    or the first added entry of the baseline file."""

    setting: str
    message: str
    evidence: dict
    place: _Place


def settings_changes(ref: str, paths: list[str], head: Settings, checks: dict[str, CheckMeta], root: Path, *,
                     config_given: bool, baseline: str | None,
                     baseline_given: bool) -> tuple[list[SettingsChange], Any]:
    """Compare the settings file in effect (``head``, as loaded from its file: command-line
    options are the CI owner's and not compared) and the baseline file with those at ``ref``.
    Returns the weakenings and the base's settings. Files outside the repository (a settings file
    or baseline given on the command line from elsewhere) are the CI owner's: not compared.
    ``config_given``/``baseline_given``: named on the command line (then the base's is the same
    file at ``ref``; else the base's own settings decide which)."""
    from .settings import Settings, load_settings, repository_root

    toplevel, commit = _revision(ref, paths)
    head_file = Path(head.source).resolve() if head.source and Path(head.source).is_file() else None
    if head_file is not None and not is_inside(str(head_file), str(toplevel)):
        return [], None
    head_settings = load_settings(head_file, repository_root(Path(paths[0]))) if head_file else Settings()
    base_file, base_settings = _base_settings(commit, ref, toplevel, paths, head_file,
                                              explicit=config_given and head_file is not None)
    changes: list[SettingsChange] = []
    shown_file = head_file or base_file
    lines = _key_lines(head_file) if head_file else {}
    for setting, message, evidence in compare_settings(base_settings, head_settings, checks):
        place = _Place(setting, "iacguard::Settings", _display(shown_file, root), lines.get(setting, 1))
        changes.append(SettingsChange(setting, message, evidence, place))
    if baseline:
        base_baseline = Path(baseline) if baseline_given else \
            Path(base_settings.baseline) if base_settings.baseline else None
        change = _baseline_change(commit, ref, toplevel, Path(baseline), base_baseline, root)
        if change is not None:
            changes.append(change)
    return changes, base_settings


def _display(path: Path | None, root: Path) -> str:
    if path is None:
        return "."
    try:  # a settings file above the scanned directory reads as ../.iacguard.yaml
        return Path(os.path.relpath(path, Path(root).resolve())).as_posix()
    except ValueError:  # another drive
        return path.as_posix()


@dataclass
class _Place:
    address: str
    type: str
    file: str
    line: int
    source: str = "settings"
    metadata: dict = field(default_factory=dict)

    @property
    def group(self) -> str:
        return self.file


def _git_file(commit: str, relative: str, toplevel: Path) -> bytes | None:
    """A file's content at ``commit`` (None when it is not a regular file there)."""
    listing = _git(["ls-tree", "-z", "--full-tree", commit, "--", relative], toplevel)
    for record in listing.split(b"\0"):
        meta, _, name = record.partition(b"\t")
        parts = meta.decode().split()
        if len(parts) == 3 and parts[1] == "blob" and parts[0] in ("100644", "100755"):
            return _git(["cat-file", "blob", parts[2]], toplevel)
    return None


def _base_settings(commit: str, ref: str, toplevel: Path, paths: list[str], head_file: Path | None,
                   explicit: bool) -> tuple[Path | None, Any]:
    """The settings the base revision used for the same scan: the same file when it was named
    with --config, else the one the same discovery finds in the base's tree; defaults when none."""
    from .settings import Settings, has_settings_table, settings_table, validate

    if explicit:
        candidates = [head_file] if head_file is not None else []
    else:
        first = Path(paths[0]).resolve()
        directory = first if first.is_dir() else first.parent
        candidates = []
        for folder in [directory, *directory.parents]:
            if not is_inside(str(folder), str(toplevel)):
                break
            candidates += [folder / ".iacguard.yaml", folder / "pyproject.toml"]
    for candidate in candidates:
        data = _git_file(commit, candidate.relative_to(toplevel).as_posix(), toplevel)
        if data is None:
            continue
        text = data.decode("utf-8", "replace")
        if candidate.name == "pyproject.toml" and not has_settings_table(text):
            continue
        source = f"{candidate.relative_to(toplevel).as_posix()} at {ref}"
        raw = settings_table(text, candidate.name, source)
        if isinstance(raw, dict):  # keys this version refuses say nothing about the gate's strength
            raw = {k: v for k, v in raw.items() if str(k).replace("-", "_") not in ("checks_dirs", "checks_dir")}
            if isinstance(raw.get("roots"), list):  # a root removed from the tree since hides nothing now
                raw["roots"] = [r for r in raw["roots"] if not isinstance(r, str) or (candidate.parent / r).is_dir()]
        try:
            return candidate, validate(raw, source, candidate.parent)
        except UsageError as exc:
            raise UsageError(f"cannot tell whether the settings weaken the gate: the base's settings are not "
                             f"valid: {exc.message}", file=exc.file) from None
    return None, Settings()


def fail_on_raised(base: str, head: str) -> bool:
    """``head`` blocks on fewer severities than ``base`` (``none`` blocks on none)."""
    return fail_on_rank(head) > fail_on_rank(base)


def compare_settings(base: Settings, head: Settings, checks: dict[str, CheckMeta]) -> list[tuple[str, str, dict]]:
    """(setting, message, evidence) for each way ``head`` lets through what ``base`` blocked."""
    changes: list[tuple[str, str, dict]] = []

    def add(setting: str, message: str, **evidence: Any) -> None:
        changes.append((setting, f"{setting}: {message}", {"setting": setting, **evidence}))

    if fail_on_raised(base.fail_on, head.fail_on):
        add("fail_on", f"raised from {base.fail_on} to {head.fail_on}", base=base.fail_on, head=head.fail_on)
    turned_off: dict[str, list[str]] = {}
    for meta in checks.values():
        if not base.check_enabled(meta.id, meta.family) or head.check_enabled(meta.id, meta.family):
            continue
        key = "disable" if meta.id in head.disable or meta.family in head.disable else "enable"
        turned_off.setdefault(key, []).append(meta.id)
    for key, ids in turned_off.items():
        add(key, f"turns off {', '.join(ids)}", base=list(getattr(base, key)), head=list(getattr(head, key)),
            checks=ids)
    lowered = []
    for meta in checks.values():
        if not head.check_enabled(meta.id, meta.family):
            continue
        before = base.severity_overrides.get(meta.id, meta.severity)
        after = head.severity_overrides.get(meta.id, meta.severity)
        if severity_rank(after) < severity_rank(before):
            lowered.append({"check": meta.id, "base": before, "head": after})
    if lowered:
        add("severity_overrides", "lowers " + ", ".join(f"{c['check']} from {c['base']} to {c['head']}"
                                                         for c in lowered), checks=lowered)
    for key in ("trusted_accounts", "deploy_accounts"):
        added = [a for a in getattr(head, key) if a not in getattr(base, key)]
        if added:
            add(key, f"adds {', '.join(added)} to the zone of trust", added=added)
    if head.organization_id is not None and head.organization_id != base.organization_id:
        add("organization_id", f"trusts organization {head.organization_id} (base: {base.organization_id or 'none'})",
            base=base.organization_id, head=head.organization_id)
    removed = [p for p in base.profiles if p not in head.profiles]
    if removed:
        add("profiles", f"removes {', '.join(removed)} (its checks stop running)", removed=removed)
    if head.allow_unresolved and not base.allow_unresolved:
        add("allow_unresolved", "turned on: policies that cannot be resolved no longer fail the run",
            base=False, head=True)
    if base.modules_not_on_disk == "error" and head.modules_not_on_disk != "error":
        add("modules_not_on_disk", f"turned to {head.modules_not_on_disk}: Terraform module calls whose code "
                                   "is not on disk no longer fail the run", base="error", head=head.modules_not_on_disk)
    if base.require_permissions_boundary and not head.require_permissions_boundary:
        add("require_permissions_boundary", "turned off", base=True, head=False)
    excluded = [p for p in head.exclude if p not in base.exclude]
    if excluded:  # `**` in a pull request's settings would hide every file of it
        add("exclude", f"adds {', '.join(repr(p) for p in excluded)}: the paths it matches are no longer scanned",
            added=excluded)
    dropped = sorted(set(_relative_roots(base)) - set(_relative_roots(head)))
    if dropped:
        add("roots", f"removes {', '.join(dropped)} (a library then: its variables without a value no longer "
                     "fail the run)", removed=dropped)
    return changes


def _relative_roots(settings: Settings) -> list[str]:
    """The settings `roots` as paths relative to the settings file (base and head compare by these)."""
    base_dir = settings.base_dir or "."
    return [Path(os.path.relpath(root, base_dir)).as_posix() for root in settings.roots]


def _baseline_change(commit: str, ref: str, toplevel: Path, path: Path, base_path: Path | None,
                     root: Path) -> SettingsChange | None:
    """Entries of the baseline in effect (``path``) that the base's baseline (``base_path`` as
    it was at ``commit``; None: the base used none) did not have, or had at a lower severity:
    each hides a finding the base would block on."""
    path = path.resolve()
    if not is_inside(str(path), str(toplevel)):
        return None  # the CI owner's file, not the pull request's
    head_entries = load_baseline(path)
    base_entries: dict[str, str] = {}
    if base_path is not None and is_inside(str(base_path.resolve()), str(toplevel)):
        base_path = base_path.resolve()
        data = _git_file(commit, base_path.relative_to(toplevel).as_posix(), toplevel)
        if data is not None:
            try:
                base_entries = parse_baseline(data.decode("utf-8", "replace"), f"{base_path.name} at {ref}")
            except UsageError:
                base_entries = {}  # an unreadable base baseline hid nothing there: every entry is new
    added = [fp for fp, severity in head_entries.items()
             if fp not in base_entries or severity_rank(severity) > severity_rank(base_entries[fp])]
    if not added:
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    entries = {e["fingerprint"]: e for e in json.loads(text)["findings"]}
    offset = text.find(added[0])
    line = text.count("\n", 0, offset) + 1 if offset >= 0 else 1
    shown = [{k: entries[fp].get(k) for k in ("rule_id", "resource", "file", "severity", "fingerprint")}
             for fp in added]
    described = ", ".join(f"{e['rule_id']} on {e['resource']}" for e in shown[:5])
    more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
    message = f"baseline: {len(added)} entr{'y' if len(added) == 1 else 'ies'} added since {ref} ({described}{more})"
    return SettingsChange("baseline", message, {"setting": "baseline", "added": shown},
                          _Place("baseline", "iacguard::Baseline", _display(path, root), line))


def _key_lines(path: Path) -> dict[str, int]:
    """Line of each top-level key of a settings file (its [tool.iacguard] table in pyproject.toml)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    lines: dict[str, int] = {}
    if path.name == "pyproject.toml":
        in_table = False
        for number, line in enumerate(text.splitlines(), 1):
            header = re.match(r"\s*\[([^\]]*)\]", line)
            if header:
                in_table = header.group(1).replace(" ", "").replace('"', "") == "tool.iacguard"
            elif in_table:
                key = re.match(r"\s*([A-Za-z_][\w-]*)\s*=", line)
                if key:
                    lines.setdefault(key.group(1).replace("-", "_"), number)
        return lines
    import yaml

    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return {}
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines.setdefault(str(key.value).replace("-", "_"), key.start_mark.line + 1)
    return lines
