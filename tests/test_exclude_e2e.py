"""`exclude` end to end through the real CLI: --exclude, the settings key, named files (the
pre-commit hook's way), a module under an excluded directory read with the root that calls it,
and the summary of what was skipped and why (tests/fixtures/exclude)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, run_cli, scan_json, triples

FIXTURE = ROOT / "tests" / "fixtures" / "exclude"

STACK = {("IAG-LP-001", "Deployer", "infra/stack.yaml", 3),
         ("IAG-GR-001", "Deployer", "infra/stack.yaml", 3),
         ("IAG-GR-002", "Deployer", "infra/stack.yaml", 3)}
# the module under examples/ is deployed with infra/app, which calls it
SHARED_MODULE = {("IAG-LP-001", "module.shared.aws_iam_role_policy.everything", "examples/shared_policy/main.tf", 10)}
DEMO = {("IAG-AK-001", "aws_iam_access_key.demo", "examples/demo/main.tf", 5),
        ("IAG-LP-001", "DemoAdmin", "examples/demo/template.yaml", 3),
        ("IAG-GR-001", "DemoAdmin", "examples/demo/template.yaml", 3),
        ("IAG-GR-002", "DemoAdmin", "examples/demo/template.yaml", 3)}
TEST_FIXTURE = {("IAG-LP-001", "FixtureAdmin", "fixtures/admin_role.test.yaml", 9)}
DEPLOYED = STACK | SHARED_MODULE
# files every scan of the tree passes over: an empty YAML file, a workflow and a YAML file with a
# `Resources` key that is a list (parsed, then found to be neither template nor plan)
ALWAYS_SKIPPED = {"not infrastructure": 2, "empty": 1}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The fixture as a repository of its own (patterns are relative to its root)."""
    target = tmp_path / "repo"
    shutil.copytree(FIXTURE, target)
    (target / ".git").mkdir()
    return target


def test_without_exclude_everything_is_scanned(repo):
    report, proc = scan_json(".", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert triples(report) == DEPLOYED | DEMO | TEST_FIXTURE
    assert report["summary"]["files_scanned"] == 6
    assert report["summary"]["skipped"] == ALWAYS_SKIPPED
    assert report["summary"]["skipped_directories"] == {}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_exclude_on_the_command_line(repo, jobs):
    report, proc = scan_json(".", "--exclude", "examples", "--exclude", "*.test.yaml", "--jobs", jobs, cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert report["errors"] == []
    assert triples(report) == DEPLOYED
    summary = report["summary"]
    # infra/app/main.tf, its module examples/shared_policy/main.tf and infra/stack.yaml
    assert summary["files_scanned"] == 3
    # examples/demo's two files; the shared module is not among them: it was read
    assert summary["skipped"] == {"excluded by 'examples'": 2, "not infrastructure": 2, "empty": 1,
                                  "excluded by '*.test.yaml'": 1}
    # most first, then by name
    assert list(summary["skipped"]) == ["excluded by 'examples'", "not infrastructure", "empty",
                                        "excluded by '*.test.yaml'"]


def test_text_report_says_what_was_skipped_and_why(repo):
    proc = run_cli("scan", ".", "--exclude", "examples/**", "--exclude", "*.test.yaml", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    tail = proc.stdout.splitlines()[-3:]
    assert tail == [
        "3 files, 4 resources: 4 findings (2 critical, 0 high, 1 medium, 1 low); 0 errors, 0 unresolved",
        "skipped 6 files: 2 excluded by 'examples/**', 2 not infrastructure, 1 empty, 1 excluded by '*.test.yaml'",
        "FAILED: 2 blocking at fail-on high",
    ]
    assert "examples/demo" not in proc.stdout and "FixtureAdmin" not in proc.stdout


def test_exclude_in_the_settings_file(repo):
    (repo / ".iacguard.yaml").write_text("exclude:\n  - examples/**\n  - '*.test.yaml'\n")
    report, proc = scan_json(".", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert triples(report) == DEPLOYED
    # the settings file is iacguard's own: neither scanned nor counted
    assert report["summary"]["skipped"] == {"excluded by 'examples/**'": 2, "excluded by '*.test.yaml'": 1,
                                            "not infrastructure": 2, "empty": 1}


def test_exclude_in_pyproject_and_on_the_command_line_add_up(repo):
    (repo / "pyproject.toml").write_text('[tool.iacguard]\nexclude = ["examples/demo"]\n')
    report, proc = scan_json(".", "--exclude", "fixtures", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert triples(report) == DEPLOYED
    assert report["summary"]["skipped"] == {"excluded by 'examples/demo'": 2, "excluded by 'fixtures'": 1,
                                            **ALWAYS_SKIPPED}


def test_patterns_are_relative_to_the_repository_root_not_the_working_directory(repo):
    inside = repo / "fixtures"
    anchored, _ = scan_json(".", "--exclude", "fixtures/*.test.yaml", cwd=inside)
    assert triples(anchored) == set() and anchored["summary"]["skipped"] == {"excluded by 'fixtures/*.test.yaml'": 1}
    # `./x` is anchored at the repository root, where there is no admin_role.test.yaml
    relative_to_cwd, proc = scan_json(".", "--exclude", "./admin_role.test.yaml", cwd=inside)
    assert proc.returncode == 1
    assert triples(relative_to_cwd) == {("IAG-LP-001", "FixtureAdmin", "admin_role.test.yaml", 9)}
    by_name, proc = scan_json(".", "--exclude", "admin_role.test.yaml", cwd=inside)
    assert proc.returncode == 0 and triples(by_name) == set()


def test_named_files_are_excluded_too(repo):
    files = ["infra/stack.yaml", "examples/demo/template.yaml", "examples/demo/main.tf",
             "fixtures/admin_role.test.yaml", "examples/shared_policy/main.tf"]
    report, proc = scan_json(*files, "--exclude", "examples", "--exclude", "*.test.yaml", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert report["errors"] == []
    assert triples(report) == STACK
    assert report["summary"]["skipped"] == {"excluded by 'examples'": 3, "excluded by '*.test.yaml'": 1}
    # only excluded files: nothing to scan is a pass, not an error
    report, proc = scan_json("fixtures/admin_role.test.yaml", "--exclude", "fixtures/", cwd=repo)
    assert proc.returncode == 0 and report["errors"] == [] and report["summary"]["files_scanned"] == 0
    assert report["summary"]["skipped"] == {"excluded by 'fixtures/'": 1}


def test_a_named_directory_that_is_excluded_is_not_walked(repo):
    report, proc = scan_json("examples", "infra", "--exclude", "examples", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert triples(report) == DEPLOYED
    assert report["summary"]["skipped"] == {"excluded by 'examples'": 2, **ALWAYS_SKIPPED}


def test_pre_commit_entry_point_leaves_excluded_fixtures_out(repo):
    """The hook's entry point gets the changed files one by one and the hook's args first."""
    def hook(*args: str) -> subprocess.CompletedProcess:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        return subprocess.run([sys.executable, "-m", "iacguard.integrations.pre_commit", *args], cwd=repo,
                              capture_output=True, text=True, env=env, timeout=120)

    proc = hook("--exclude", "*.test.yaml", "--exclude", "examples/demo/**", "--format", "json",
                "fixtures/admin_role.test.yaml", "examples/demo/template.yaml", "infra/stack.yaml")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert triples(report) == STACK
    assert report["summary"]["skipped"] == {"excluded by '*.test.yaml'": 1, "excluded by 'examples/demo/**'": 1}
    proc = hook("--exclude", "*.test.yaml", "fixtures/admin_role.test.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-2:] == ["skipped 1 file: 1 excluded by '*.test.yaml'",
                                             "PASSED: 0 blocking at fail-on high"]


def test_pre_commit_change_in_an_excluded_module_selects_the_roots_that_call_it(repo):
    """examples/shared_policy is excluded, but infra/app deploys it: a change there is judged
    through infra/app, as `scan .` judges it, and nothing under examples/ is scanned alone."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "iacguard.integrations.pre_commit", "--exclude", "examples",
                           "--format", "json", "examples/shared_policy/main.tf"], cwd=repo,
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert triples(report) == SHARED_MODULE
    assert report["summary"]["skipped"] == {}  # read with infra/app: scanned, not skipped
    whole, _ = scan_json(".", "--exclude", "examples", cwd=repo)
    assert SHARED_MODULE <= triples(whole)


def test_what_discovery_passes_over_is_counted(repo):
    (repo / "infra" / "app" / ".terraform" / "modules").mkdir(parents=True)
    (repo / "infra" / "app" / ".terraform" / "modules" / "modules.json").write_text('{"Modules": []}')
    (repo / "node_modules" / "x").mkdir(parents=True)
    (repo / "infra" / "app" / ".editor.tf").write_text('resource "aws_iam_user" "ghost" {}\n')
    (repo / "infra" / "inventory.json").write_text(json.dumps({"hosts": ["h" * 40] * 20}))
    # iacguard's own files beside the code are neither scanned nor counted
    (repo / ".iacguard-baseline.json").write_text('{"version": 1, "findings": []}')
    (repo / "infra" / ".iacguard.base.yaml").write_text("fail_on: high\n")
    report, proc = scan_json(".", "--max-file-size", "600", "--exclude", "examples", "--exclude", "fixtures",
                             cwd=repo)
    assert proc.returncode == 1, proc.stderr
    assert report["errors"] == []
    assert triples(report) == DEPLOYED
    assert report["summary"]["skipped"] == {
        "excluded by 'examples'": 2, "not infrastructure": 2, "empty": 1, "excluded by 'fixtures'": 1,
        "ignored by Terraform": 1, "too large": 1}
    assert report["summary"]["skipped_directories"] == {".terraform": 1, "node_modules": 1}
    proc = run_cli("scan", ".", "--max-file-size", "600", "--exclude", "examples", "--exclude", "fixtures", cwd=repo)
    assert ("skipped 8 files: 2 excluded by 'examples', 2 not infrastructure, 1 empty, 1 excluded by 'fixtures', "
            "1 ignored by Terraform, 1 too large; not walked: .terraform (1), node_modules (1)") in proc.stdout


def test_baseline_and_graph_take_exclude(repo, tmp_path):
    baseline = tmp_path / "baseline.json"
    proc = run_cli("baseline", ".", "--exclude", "examples/demo", "--exclude", "fixtures", "-o", str(baseline),
                   cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == f"iacguard: wrote {len(DEPLOYED)} findings to {baseline}"
    report, proc = scan_json(".", "--baseline", str(baseline), "--exclude", "examples/demo", "--exclude", "fixtures",
                             cwd=repo)
    assert proc.returncode == 0 and report["summary"]["baselined"] == len(DEPLOYED)
    proc = run_cli("graph", ".", "--exclude", "examples/demo", "--exclude", "fixtures", "--format", "json", "--whole",
                   cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "DemoAdmin" not in proc.stdout and "FixtureAdmin" not in proc.stdout and "Deployer" in proc.stdout


@pytest.mark.parametrize("where", ["cli", "yaml", "pyproject"])
def test_bad_patterns_are_usage_errors_naming_where(repo, where):
    args = [".", "--exclude", "../shared"] if where == "cli" else ["."]
    if where == "yaml":
        (repo / ".iacguard.yaml").write_text("exclude: examples/**\n")
    elif where == "pyproject":
        (repo / "pyproject.toml").write_text('[tool.iacguard]\nexclude = ["C:\\\\repo\\\\examples"]\n')
    proc = run_cli("scan", *args, cwd=repo)
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    expected = {
        "cli": "iacguard: error: --exclude '../shared': '..' leaves the repository root; patterns match paths inside it",
        "yaml": f"iacguard: error: {repo / '.iacguard.yaml'}: setting 'exclude' must be a list, got string",
        "pyproject": f"iacguard: error: {repo / 'pyproject.toml'}: setting 'exclude': 'C:\\\\repo\\\\examples': "
                     "an absolute path; write it relative to the repository root",
    }[where]
    assert proc.stderr.strip() == expected


def test_an_exclude_added_to_the_settings_weakens_the_gate(tmp_path):
    """With --diff-base, a pull request that adds an `exclude` pattern to the settings hides files
    from both scans: the change itself is an IAG-GR-005 finding at the key's line."""
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    from test_e2e_gate import _git, _repo, _write

    stack = (FIXTURE / "infra" / "stack.yaml").read_text()
    repo = _repo(tmp_path, {"stack.yaml": stack, ".iacguard.yaml": "fail_on: critical\nexclude: [examples/**]\n"})
    _write(repo, {".iacguard.yaml": "fail_on: critical\nexclude: [examples/**, '*.yaml']\n"})
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "hide the stack")
    report, proc = scan_json(".", "--diff-base", "HEAD~1", cwd=repo)
    weakened = [(f["resource"], f["file"], f["line"], f["message"]) for f in report["findings"]
                if f["rule_id"] == "IAG-GR-005"]
    assert weakened == [("exclude", ".iacguard.yaml", 2,
                         "exclude: adds '*.yaml': the paths it matches are no longer scanned")]
    assert proc.returncode == 1
    # the same pattern given on the command line (the CI owner's) is not judged
    _write(repo, {".iacguard.yaml": "fail_on: critical\nexclude: [examples/**]\n"})
    report, proc = scan_json(".", "--diff-base", "HEAD~1", "--exclude", "*.yaml", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert report["findings"] == [] and report["summary"]["skipped"] == {"excluded by '*.yaml'": 2}


@pytest.mark.timeout(600)
def test_real_pre_commit_run_leaves_an_excluded_fixture_out(tmp_path):
    """`pre-commit try-repo` with this working tree as the hook and the settings' exclude: a
    changed fixture next to a changed deployed template (slow: it builds the hook's virtualenv)."""
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    from snapshot import copy_tree
    from test_e2e_gate import _git, _repo

    hook = copy_tree(tmp_path / "iacguard")
    _git(hook, "init", "-q")
    _git(hook, "add", "-A")
    _git(hook, "commit", "-qm", "snapshot")
    project = _repo(tmp_path, {
        "fixtures/admin_role.test.yaml": (FIXTURE / "fixtures" / "admin_role.test.yaml").read_text(),
        "infra/queue.yaml": "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n",
        ".iacguard.yaml": "exclude: ['*.test.yaml']\n",
    })
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    env.pop("PYTHONPATH", None)
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hook), "iacguard", "--verbose",
                           "--files", "fixtures/admin_role.test.yaml", "infra/queue.yaml"],
                          cwd=project, capture_output=True, text=True, env=env, timeout=580)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout and "FixtureAdmin" not in proc.stdout
    assert "skipped 1 file: 1 excluded by '*.test.yaml'" in proc.stdout
