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

from helpers import ROOT, SAMPLES
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
