"""docs/guide.md is followed on a copy of tests/fixtures/guide_repo: its shell commands run in
order with the exit codes the page gives, its settings are applied, and the pre-commit
configuration and workflow it shows are checked against the hook and action definitions."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import ROOT

GUIDE = ROOT / "docs" / "guide.md"
FIXTURE = ROOT / "tests" / "fixtures" / "guide_repo"
_BLOCK = re.compile(r"<!-- guide-test(?:: (?P<mark>[^>]*?))? -->\n```(?P<lang>\w+)\n(?P<body>.*?)```", re.S)
_FENCE = re.compile(r"^```\w+\n", re.M)  # opening fences (closing ones name no language)
SHA = re.compile(r"^[0-9a-f]{40}$")


def blocks() -> list[tuple[str, str, str]]:
    """(mark, language, body) of every marked block of the guide, in order."""
    return [(m.group("mark") or "", m.group("lang"), m.group("body")) for m in _BLOCK.finditer(GUIDE.read_text())]


def commands(body: str) -> list[tuple[str, int]]:
    """Each command of a sh block with the exit code its trailing `# exit N` gives (default 0)."""
    out = []
    for line in body.replace("\\\n", " ").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.search(r"\s+#\s*exit (\d)\s*$", line)
        out.append((line[:match.start()] if match else line, int(match.group(1)) if match else 0))
    return out


def apply_settings(repo: Path, snippet: str) -> None:
    """What the guide asks a person to do: set these keys in .iacguard.yaml (replacing the
    starter's line for each, commented or not)."""
    settings = repo / ".iacguard.yaml"
    keys = [k for k in (yaml.safe_load(snippet) or {})]
    kept = [line for line in settings.read_text().splitlines()
            if not any(re.match(rf"#?\s*{k}:", line) for k in keys)]
    settings.write_text("\n".join(kept) + "\n" + snippet)


def fix_one_finding(repo: Path) -> None:
    """The fixture's worker role reads its queue with sqs:* on every resource (IAG-LP-002): narrowed
    to the actions it needs on its queue, as `iacguard explain IAG-LP-002` says."""
    template = repo / "stacks" / "app.yaml"
    text = template.read_text()
    wide = "                Action: sqs:*\n                Resource: \"*\"\n"
    assert wide in text
    template.write_text(text.replace(wide, "                Action: [sqs:ReceiveMessage, sqs:DeleteMessage]\n"
                                           "                Resource: !GetAtt Queue.Arn\n"))


def _entries(repo: Path) -> list[str]:
    return [e["fingerprint"] for e in json.loads((repo / ".iacguard-baseline.json").read_text())["findings"]]


def _environment() -> dict[str, str]:
    env = dict(os.environ, GIT_AUTHOR_NAME="guide", GIT_AUTHOR_EMAIL="guide@example.com",
               GIT_COMMITTER_NAME="guide", GIT_COMMITTER_EMAIL="guide@example.com", NO_COLOR="1")
    # the interpreter running the tests has iacguard installed: its scripts come first
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("IACGUARD_CHECKS_DIR", None)
    return env


def test_every_block_of_the_guide_is_marked():
    """A block is run, checked or skipped with a reason: none is silently untested."""
    text = GUIDE.read_text()
    assert len(_FENCE.findall(text)) == len(blocks())
    for mark, _, _ in blocks():
        assert not mark.startswith("skip") or len(mark) > len("skip: ") + 10, mark


def test_following_the_guide(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    env = _environment()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "add", "."], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "the application"], cwd=repo, check=True, env=env)
    outputs: list[tuple[str, str]] = []
    ran = 0
    baseline_before_fix: list[str] = []
    for mark, lang, body in blocks():
        if mark.startswith("skip"):
            continue
        if mark == "settings":
            apply_settings(repo, body)
            continue
        if mark in ("pre-commit-config", "workflow"):
            continue  # checked below
        assert lang == "sh", mark
        if mark == "fix one finding":
            baseline_before_fix = _entries(repo)
            fix_one_finding(repo)
        for command, expected in commands(body):
            done = subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True,
                                  timeout=300)
            assert done.returncode == expected, f"{command}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
            assert "Traceback" not in done.stderr
            outputs.append((command, done.stdout + done.stderr))
            ran += 1
    assert ran >= 12
    scans = [out for command, out in outputs if command.startswith("iacguard scan . ") or command == "iacguard scan ."]
    # before the zone of trust: foreign accounts are unknown (low); after: the vendor's is outside it
    assert "no zone of trust is configured" in scans[0]
    assert "HIGH     IAG-EXT-002 aws_iam_role.auditor" in scans[1] and "IAG-EXT-002 aws_iam_role.deployer" not in scans[1]
    assert "PASSED" in scans[2] and "(baselined)" in scans[2]
    baselined = [out for command, out in outputs if "grep -c '(baselined)'" in command][0]
    assert int(baselined.strip()) == len(baseline_before_fix) == 4
    listed = [out for command, out in outputs if command.startswith("python3 -c")][0]
    assert len(listed.splitlines()) == 4 and "IAG-LP-001 infra/main.tf aws_iam_role_policy.deployer" in listed
    # burning down: the fixed finding left the baseline, nothing was added
    after = _entries(repo)
    assert len(after) == len(baseline_before_fix) - 1 and set(after) < set(baseline_before_fix)


def _yaml_block(mark: str) -> dict:
    return yaml.safe_load(next(body for m, _, body in blocks() if m == mark))


def _commit_of_this_repository(sha: str) -> None:
    assert SHA.match(sha), f"{sha} is not a full commit SHA"
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the pinned commit cannot be looked up")
    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True, text=True)
    if shallow.stdout.strip() == "true":
        pytest.skip("a shallow clone may not hold the pinned commit")
    found = subprocess.run(["git", "cat-file", "-e", f"{sha}^{{commit}}"], cwd=ROOT, capture_output=True)
    assert found.returncode == 0, f"{sha} is not a commit of this repository"


def test_pre_commit_configuration_is_valid_and_pinned(tmp_path):
    config = _yaml_block("pre-commit-config")
    (repo,) = config["repos"]
    assert repo["repo"] == "https://github.com/iacguard/iacguard"
    hook_ids = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert {h["id"] for h in repo["hooks"]} <= hook_ids
    path = tmp_path / ".pre-commit-config.yaml"
    path.write_text(next(body for m, _, body in blocks() if m == "pre-commit-config"))
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install '.[test]')")
    done = subprocess.run([pre_commit, "validate-config", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    _commit_of_this_repository(repo["rev"])


def test_workflow_uses_the_action_pinned_with_its_real_inputs():
    workflow = _yaml_block("workflow")
    steps = workflow["jobs"]["iacguard"]["steps"]
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    ours = [s for s in steps if str(s.get("uses", "")).startswith("iacguard/iacguard@")]
    assert len(ours) == 1
    _commit_of_this_repository(ours[0]["uses"].split("@", 1)[1])
    assert set(ours[0]["with"]) <= set(action["inputs"]), set(ours[0]["with"]) - set(action["inputs"])
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert "diff-base" not in ours[0]["with"] or checkout["with"]["fetch-depth"] == 0
    assert "github-actions.md" in GUIDE.read_text()


def test_readme_links_the_guide_right_after_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first_block_end = readme.index("```", readme.index("```sh") + 5) + 3
    after = readme[first_block_end:].lstrip("\n")
    assert after.startswith("**Adopting iacguard in an existing repository: [docs/guide.md](docs/guide.md)**")
    for page in ("docs/guide.md", "docs/configuration.md", "docs/troubleshooting.md"):
        assert (ROOT / page).is_file()


def test_regenerating_the_baseline_over_a_new_finding_is_caught(tmp_path):
    """What the guide warns of: a baseline written again after a change that brought a new
    finding records it, and `scan --diff-base` blocks on the added entry (IAG-GR-005)."""
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    env = _environment()

    def run(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(command), cwd=repo, env=env, capture_output=True, text=True, timeout=300)

    run("git", "init", "-q")
    assert run("iacguard", "init").returncode == 0
    apply_settings(repo, "baseline: .iacguard-baseline.json\n")
    assert run("iacguard", "baseline", ".", "-o", ".iacguard-baseline.json").returncode == 0
    run("git", "add", ".")
    assert run("git", "commit", "-q", "-m", "baseline").returncode == 0
    template = repo / "stacks" / "app.yaml"
    # narrower, but still on every resource: IAG-LP-002 goes, IAG-LP-005 comes
    template.write_text(template.read_text().replace("Action: sqs:*", "Action: [sqs:ReceiveMessage, sqs:DeleteMessage]"))
    assert run("iacguard", "baseline", ".", "-o", ".iacguard-baseline.json").returncode == 0
    done = run("iacguard", "scan", ".", "--diff-base", "HEAD")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "IAG-GR-005" in done.stdout and "IAG-LP-005" in done.stdout
