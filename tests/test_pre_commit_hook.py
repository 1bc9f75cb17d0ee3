"""The pre-commit hook: its definition, the entry point's file selection, and the real
`pre-commit try-repo` in a temporary git repository (slow: it builds the hook's virtualenv)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import ROOT, SAMPLES, scan_json, triples
from iacguard.integrations import pre_commit
from snapshot import copy_tree

BAD = (SAMPLES / "checks" / "IAG-LP-001" / "bad.yaml").read_text()
GOOD = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n"
WORKFLOW = "name: ci\non: push\njobs: {}\n"


def git(cwd: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env, timeout=120)


def test_hook_definition():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(hooks, list)
    hook = next(h for h in hooks if h["id"] == "iacguard")
    assert hook["language"] == "python" and hook["require_serial"] is True
    import re

    pattern = re.compile(hook["files"])
    for name in ("main.tf", "a/b.tf.json", "prod.tfvars", "stack.yaml", "stack.yml", "cdk.out/A.template.json",
                 "queue.template"):
        assert pattern.search(name), name
    for name in ("README.md", "app.py", "main.tf.bak"):
        assert not pattern.search(name), name


def test_entry_point_keeps_only_infrastructure_files(tmp_path, monkeypatch, capsys):
    (tmp_path / "bad.yaml").write_text(BAD)
    (tmp_path / "ci.yml").write_text(WORKFLOW)
    (tmp_path / "package.json").write_text('{"name": "x"}')
    module = tmp_path / "infra"
    module.mkdir()
    (module / "main.tf").write_text('resource "aws_sqs_queue" "q" {}\n')
    (module / "prod.tfvars").write_text('x = 1\n')
    monkeypatch.chdir(tmp_path)
    assert pre_commit.main(["ci.yml", "package.json"]) == 0
    assert "none of the 2 changed files" in capsys.readouterr().out
    assert pre_commit.main(["--format", "json", "infra/prod.tfvars", "ci.yml"]) == 0
    assert pre_commit.main(["--format", "json", "bad.yaml", "ci.yml", "package.json"]) == 1
    assert pre_commit.main(["--fail-on", "none", "bad.yaml"]) == 0
    assert pre_commit.main([]) == 0


def test_entry_point_recognises_templates_by_parsing(tmp_path, monkeypatch, capsys):
    # the decisive keys spelled with JSON escapes, after more than 64 KiB of other content
    admin = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}}
    escaped = json.dumps({"Metadata": {"Notes": ["x" * 100] * 700}, "Resources": {"Admin": admin}})
    (tmp_path / "bad.json").write_text(escaped.replace('"Resources"', '"\\u0052esources"'))
    (tmp_path / "pod.yaml").write_text("kind: Pod\nResources: {limits: {cpu: 1}}\n")  # parses, not ours
    (tmp_path / "broken.yaml").write_text("Resources:\n  R: [\n")
    monkeypatch.chdir(tmp_path)
    assert pre_commit.main(["pod.yaml"]) == 0
    assert "none of the 1 changed files" in capsys.readouterr().out
    assert pre_commit.main(["--format", "json", "bad.json", "pod.yaml"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["errors"] == [] and {f["file"] for f in report["findings"]} == {"bad.json"}
    # what cannot be parsed may be a broken template: the scan reports it
    assert pre_commit.main(["--format", "json", "broken.yaml", "pod.yaml"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [(e["file"], e["line"]) for e in report["errors"]] == [("broken.yaml", 3)]


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """This working tree committed into a throw-away repository (try-repo ignores untracked files)."""
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    repo = copy_tree(tmp_path_factory.mktemp("hook") / "iacguard")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "snapshot")
    return repo


@pytest.fixture
def project(tmp_path):
    work = tmp_path / "project"
    work.mkdir()
    (work / "bad.yaml").write_text(BAD)
    (work / "good.yaml").write_text(GOOD)
    (work / ".github").mkdir()
    (work / ".github" / "ci.yml").write_text(WORKFLOW)
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "init")
    return work


def try_repo(hook_repo: Path, project: Path, *files: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRE_COMMIT_HOME=str(project.parent / "pre-commit-home"))
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "iacguard",
                           "--files", *files], cwd=project, capture_output=True, text=True, env=env, timeout=280)


@pytest.mark.timeout(600)
def test_try_repo_fails_on_the_bad_template(hook_repo, project):
    proc = try_repo(hook_repo, project, "bad.yaml", ".github/ci.yml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout and "IAG-LP-001" in proc.stdout


@pytest.mark.timeout(600)
def test_try_repo_passes_the_good_template(hook_repo, project):
    proc = try_repo(hook_repo, project, "good.yaml", ".github/ci.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


# -- real layouts: what a change affects, judged as `iacguard scan .` judges it -------------------

LAYOUT = ROOT / "tests" / "fixtures" / "pre_commit_repo"
# envs/prod -> modules/app -> modules/iam-role <- envs/dev; envs/stage and cfn/queue.yaml are
# unrelated; cfn/stack.yaml nests cfn/nested/permissions.yaml; README.yaml is not infrastructure.
UNRELATED = {("IAG-LP-001", "aws_iam_policy.stage_admin", "envs/stage/main.tf", 9),
             ("IAG-LP-001", "Publisher", "cfn/queue.yaml", 9)}


def quads(findings: list[dict]) -> set[tuple]:
    return {(f["rule_id"], f["resource"], f["file"], f["line"], f["fingerprint"]) for f in findings}


def prod_values_config(repo: Path, target: Path) -> Path:
    """The reference scan's settings: what the hook does with a changed envs/prod/prod.tfvars,
    written as the settings `paths` entry that gives that var file to that root."""
    target.write_text(f"paths:\n  {repo / 'envs/prod'}:\n    var_files: [{repo / 'envs/prod/prod.tfvars'}]\n")
    return target


# changed files -> (whose findings in `scan .` are the affected roots': the roots each finding
# comes through, by the caller's address or the template's file; the findings expected)
SCENARIOS = {
    "module used by two environments": (
        ("modules/iam-role/main.tf", "README.yaml"),
        lambda f: f["resource"].startswith(("module.app.", "module.sandbox.")),
        {("IAG-AK-001", "module.app.aws_iam_access_key.deployer", "modules/app/main.tf", 19),
         ("IAG-PE-001", "module.sandbox.aws_iam_role.this", "modules/iam-role/main.tf", 9),
         ("IAG-LP-002", "module.sandbox.aws_iam_role_policy.this", "modules/iam-role/main.tf", 21),
         ("IAG-LP-006", "module.sandbox.aws_iam_role_policy.this", "modules/iam-role/main.tf", 21),
         ("IAG-PE-003", "module.sandbox.aws_iam_role_policy.this", "modules/iam-role/main.tf", 21),
         ("IAG-LP-007", "module.app.module.role.aws_iam_role_policy.this", "modules/iam-role/main.tf", 21)}),
    "var file of one environment": (
        ("envs/prod/prod.tfvars",),
        lambda f: f["resource"].startswith("module.app."),
        # prod.tfvars gives actions = ["*"]: an admin policy, where scan . without it sees s3:GetObject
        {("IAG-AK-001", "module.app.aws_iam_access_key.deployer", "modules/app/main.tf", 19),
         ("IAG-LP-001", "module.app.module.role.aws_iam_role_policy.this", "modules/iam-role/main.tf", 21)}),
    "var file and the module together": (
        ("envs/prod/prod.tfvars", "modules/iam-role/main.tf"),
        lambda f: f["resource"].startswith(("module.app.", "module.sandbox.")),
        # the var file is prod's only: dev's findings are those of scan .
        {("IAG-AK-001", "module.app.aws_iam_access_key.deployer", "modules/app/main.tf", 19),
         ("IAG-LP-001", "module.app.module.role.aws_iam_role_policy.this", "modules/iam-role/main.tf", 21),
         ("IAG-PE-001", "module.sandbox.aws_iam_role.this", "modules/iam-role/main.tf", 9),
         ("IAG-LP-002", "module.sandbox.aws_iam_role_policy.this", "modules/iam-role/main.tf", 21),
         ("IAG-LP-006", "module.sandbox.aws_iam_role_policy.this", "modules/iam-role/main.tf", 21),
         ("IAG-PE-003", "module.sandbox.aws_iam_role_policy.this", "modules/iam-role/main.tf", 21)}),
    "nested template": (
        ("cfn/nested/permissions.yaml",),
        lambda f: f["file"].startswith("cfn/nested/"),
        # judged through cfn/stack.yaml with the Actions it passes (iam:PassRole), as scan . does
        {("IAG-LP-006", "Role", "cfn/nested/permissions.yaml", 21)}),
}


def local_hook_config() -> str:
    """The published hook as a `repo: local` hook run by this interpreter (no install, no
    network): its files pattern and serial run are the ones `.pre-commit-hooks.yaml` declares."""
    hook = next(h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()) if h["id"] == "iacguard")
    local = {"id": hook["id"], "name": hook["name"], "files": hook["files"], "require_serial": hook["require_serial"],
             "language": "system", "entry": f"{sys.executable} -m iacguard.integrations.pre_commit"}
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]})


@pytest.fixture
def layout_repo(tmp_path):
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    shutil.copytree(LAYOUT, repo)
    (repo / ".pre-commit-config.yaml").write_text(local_hook_config())
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "init")
    return repo


@pytest.mark.timeout(300)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_real_pre_commit_matches_scan_of_the_repository(layout_repo, tmp_path, scenario):
    changed, affected, expected = SCENARIOS[scenario]
    repo = layout_repo
    for name in changed:  # a change that moves no line: the findings' lines stay put
        with open(repo / name, "a") as handle:
            handle.write("# reviewed\n")
    git(repo, "add", *changed)
    out = tmp_path / "out"
    out.mkdir()
    # the hook's args as a user would put them in the config
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    config["repos"][0]["hooks"][0]["args"] = ["--format", "json", "--output", str(out / "hook.json"),
                                              "--report", f"sarif={out / 'hook.sarif'}",
                                              "--report", f"text={out / 'hook.txt'}"]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), NO_COLOR="1")
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--config", str(tmp_path / "config.yaml")],
                          cwd=repo, capture_output=True, text=True, env=env, timeout=240)
    assert proc.returncode == 1 and "Failed" in proc.stdout, proc.stdout + proc.stderr
    hook = json.loads((out / "hook.json").read_text())
    assert hook["errors"] == [] and hook["summary"]["exit_code"] == 1

    given = ["--config", str(prod_values_config(repo, tmp_path / "reference.yaml"))] \
        if "envs/prod/prod.tfvars" in changed else []
    reference, _ = scan_json(".", *given, cwd=repo)
    assert reference["errors"] == []
    assert UNRELATED <= triples(reference)
    # the same findings, fingerprints included, as `scan .` gives for the roots the change affects
    assert quads(hook["findings"]) == quads([f for f in reference["findings"] if affected(f)])
    assert triples(hook) == expected

    # every format names files relative to the repository root, whatever roots were selected
    files = {f["file"] for f in hook["findings"]}
    sarif = json.loads((out / "hook.sarif").read_text())
    uris = {location["physicalLocation"]["artifactLocation"]["uri"]
            for result in sarif["runs"][0]["results"] for location in result["locations"]}
    assert uris == files
    text_report = (out / "hook.txt").read_text()
    assert {line for line in text_report.splitlines() if line and not line[0].isspace() and line.endswith(
        (".tf", ".yaml"))} == files
    assert "../" not in text_report and str(repo) not in text_report


def test_a_change_nothing_scans_is_passed_over(tmp_path, monkeypatch, capsys):
    """A .tf file Terraform skips (hidden), a template under a directory `scan .` skips."""
    repo = tmp_path / "repo"
    shutil.copytree(LAYOUT, repo)
    installed = repo / ".terraform" / "modules" / "x"
    installed.mkdir(parents=True)
    shutil.copy(repo / "cfn" / "queue.yaml", installed / "queue.yaml")
    (repo / "envs" / "stage" / ".draft.tf").write_text('resource "aws_iam_user" "u" {}\n')
    monkeypatch.chdir(repo)
    assert pre_commit.main(["--format", "json", "envs/stage/.draft.tf", ".terraform/modules/x/queue.yaml"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["findings"], report["errors"], report["summary"]["files_scanned"]) == ([], [], 0)


def _scan_findings(repo: Path, changed: list[str] | None) -> set[tuple]:
    from iacguard.engine import scan
    from iacguard.settings import Settings

    settings = Settings()
    discovered = pre_commit.select(repo, changed, settings) if changed is not None else None
    result = scan([str(repo)], settings, root=repo, discovered=discovered, keep_model=False)
    assert result.errors == [], result.errors
    return {(f.rule_id, f.resource, f.file, f.line, f.fingerprint) for f in result.findings}


ROOT_LAYOUTS = ROOT / "tests" / "fixtures" / "tf" / "roots"


@pytest.mark.parametrize("repo", [LAYOUT, ROOT_LAYOUTS], ids=["pre_commit_repo", "tf_roots"])
def test_each_changed_file_gets_what_scan_reports_for_it(repo):
    """Over every Terraform file and template of layouts where modules are called with count = 0,
    with an empty for_each, with all defaults, with a backend, with their own tfvars, by two
    callers, through a chain: the hook reports only findings `scan .` reports (fingerprints
    included), and every finding `scan .` reports in the changed file."""
    everything = _scan_findings(repo, None)
    changed_files = sorted(p for p in repo.rglob("*") if p.suffix in (".tf", ".yaml") and p.name != "README.yaml")
    assert len(changed_files) >= 8
    for path in changed_files:
        name = path.relative_to(repo).as_posix()
        selected = _scan_findings(repo, [name])
        assert selected <= everything, name
        assert {f for f in everything if f[2] == name} <= selected, name


def test_unreadable_files_of_the_selection_are_errors_and_others_are_not_looked_at(tmp_path, monkeypatch, capsys):
    repo = tmp_path / "repo"
    shutil.copytree(LAYOUT, repo)
    padding = "#" * 3000 + "\n"
    (repo / "envs" / "dev" / "big.tf").write_text(padding)  # a file of the affected root dev
    (repo / "envs" / "stage" / "big.tf").write_text(padding)  # unrelated to the change
    monkeypatch.chdir(repo)
    assert pre_commit.main(["--format", "json", "--max-file-size", "2048", "modules/iam-role/main.tf"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [(e["file"], e["message"]) for e in report["errors"]] == [
        ("envs/dev/big.tf", "file is 3001 bytes, limit is 2048; raise it with --max-file-size")]
    assert "IAG-LP-006" in {f["rule_id"] for f in report["findings"]}  # the rest is still judged
