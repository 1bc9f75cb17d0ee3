"""Tests for discovery (iacguard.loaders.discover)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from iacguard.errors import InputError
from iacguard.loaders import discover as discover_module
from iacguard.loaders.discover import Discovered, discover, relpath, sniff

REPO = Path(__file__).parent / "fixtures" / "discover" / "repo"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A private copy of the fixture tree, so tests can add links and files."""
    target = tmp_path / "repo"
    shutil.copytree(REPO, target, symlinks=True)
    return target


def rel(result: Discovered, paths) -> list[str]:
    return [relpath(p, result.root) for p in paths]


def tf_dirs(result: Discovered) -> dict[str, list[str]]:
    return {relpath(d, result.root): rel(result, files) for d, files in result.terraform_dirs.items()}


def messages(result: Discovered) -> list[tuple[str | None, str]]:
    return [(e.file, e.message) for e in result.errors]


# -- whole tree -------------------------------------------------------------------------------------

def test_walk_classifies_and_skips(repo: Path):
    result = discover([repo])
    assert result.root == repo
    assert result.errors == []
    assert rel(result, result.cloudformation) == [
        "cdk.out/AppStack.template.json",
        "cdk.out/assembly-Prod/ProdAppStack.template.json",
        "cfn/bucket.json",          # Resources + "Type": "AWS::
        "cfn/queue.template",       # Type: 'AWS::
        "cfn/roles.yaml",           # AWSTemplateFormatVersion
        "sam/template.yml",
    ]
    assert rel(result, result.plans) == ["plans/tfplan.json"]        # state.json is not a plan
    assert tf_dirs(result) == {
        # hidden and backup files are ignored like Terraform does; .terraform is skipped;
        # the zero-byte .tf is a (empty) part of the module
        "infra/iam": ["infra/iam/empty.tf", "infra/iam/main.tf", "infra/iam/policies.tf.json"],
        "infra/network": ["infra/network/vpc.tf"],
    }


def test_paths_are_absolute_and_deterministic(repo: Path):
    first = discover([repo])
    second = discover([repo / "sam", repo / "cfn", repo], root=repo)
    assert all(p.is_absolute() for p in first.cloudformation + first.plans)
    assert first.cloudformation == second.cloudformation
    assert first.plans == second.plans
    assert list(first.terraform_dirs) == list(second.terraform_dirs)


def test_relative_arguments_and_default_root(repo: Path, monkeypatch):
    monkeypatch.chdir(repo)
    result = discover(["cfn", "sam/template.yml"])
    assert result.root == repo                  # common directory of cfn/ and sam/
    assert rel(result, result.cloudformation) == ["cfn/bucket.json", "cfn/queue.template",
                                                  "cfn/roles.yaml", "sam/template.yml"]


def test_single_directory_argument_is_its_own_root(repo: Path):
    result = discover([repo / "cfn"])
    assert result.root == repo / "cfn"
    assert rel(result, result.cloudformation) == ["bucket.json", "queue.template", "roles.yaml"]


def test_explicit_hidden_or_skipped_directory_is_scanned(repo: Path):
    result = discover([repo / "node_modules"], root=repo)
    assert rel(result, result.cloudformation) == ["node_modules/pkg/template.yaml"]


# -- explicit files -------------------------------------------------------------------------------

def test_explicit_tf_file_brings_its_module(repo: Path):
    result = discover([repo / "infra" / "iam" / "main.tf"])
    assert result.root == repo / "infra" / "iam"
    assert tf_dirs(result) == {".": ["empty.tf", "main.tf", "policies.tf.json"]}


def test_explicit_missing_paths_are_errors(repo: Path):
    result = discover([repo / "infra" / "iam" / "missing.tf", repo / "nope"], root=repo)
    assert messages(result) == [("infra/iam/missing.tf", "path does not exist"),
                                ("nope", "path does not exist")]
    assert result.terraform_dirs == {}
    assert all(isinstance(e, InputError) for e in result.errors)


def test_explicit_file_any_extension_is_sniffed(repo: Path):
    (repo / "stack.cfn").write_text("Resources:\n  T:\n    Type: AWS::SNS::Topic\n")
    (repo / "random.txt").write_text("hello\n")
    result = discover([repo / "stack.cfn", repo / "random.txt", repo / "package.json"], root=repo)
    assert rel(result, result.cloudformation) == ["stack.cfn"]
    assert result.errors == []   # non-templates passed explicitly (pre-commit does this) are skipped


def test_walk_ignores_other_extensions(repo: Path):
    (repo / "cfn" / "stack.cfn").write_text("Resources:\n  T:\n    Type: AWS::SNS::Topic\n")
    result = discover([repo / "cfn"])
    assert "stack.cfn" not in rel(result, result.cloudformation)


def test_empty_template_silent_when_walked_error_when_explicit(repo: Path):
    walked = discover([repo / "cfn"])
    assert walked.errors == []
    explicit = discover([repo / "cfn" / "empty.yaml"], root=repo)
    assert messages(explicit) == [
        ("cfn/empty.yaml", "file is empty; expected a CloudFormation template or a Terraform plan")]


def test_same_file_given_twice_is_reported_once(repo: Path):
    result = discover([repo / "cfn", repo / "cfn" / "roles.yaml", repo / "cfn" / "roles.yaml"])
    assert rel(result, result.cloudformation) == ["bucket.json", "queue.template", "roles.yaml"]


# -- size limit, binary, permissions --------------------------------------------------------------

def test_size_limit(repo: Path):
    big = repo / "cfn" / "big.yaml"
    big.write_text("AWSTemplateFormatVersion: '2010-09-09'\n" + "# padding\n" * 200)
    limit = 1000
    result = discover([repo / "cfn"], max_file_bytes=limit)
    size = big.stat().st_size
    assert messages(result) == [
        ("big.yaml", f"file is {size} bytes, limit is {limit}; raise it with --max-file-size")]
    assert "big.yaml" not in rel(result, result.cloudformation)
    assert "roles.yaml" in rel(result, result.cloudformation)


def test_size_limit_applies_to_terraform(repo: Path):
    (repo / "infra" / "network" / "big.tf").write_text("# x\n" * 400)
    result = discover([repo / "infra" / "network"], max_file_bytes=1000)
    assert [m for _, m in messages(result)] == [
        "file is 1600 bytes, limit is 1000; raise it with --max-file-size"]
    assert tf_dirs(result) == {".": ["vpc.tf"]}


def test_oversized_non_template_is_skipped_silently(repo: Path):
    (repo / "data.json").write_text('{"rows": [' + ",".join(["1"] * 2000) + "]}")
    result = discover([repo / "data.json"], max_file_bytes=1000)
    assert result.errors == [] and result.cloudformation == [] and result.plans == []


def test_binary_files_are_skipped_silently(repo: Path):
    (repo / "cfn" / "blob.json").write_bytes(b"\x00\x01\x02PNG\x00" * 100)
    result = discover([repo / "cfn"])
    assert result.errors == []
    assert "blob.json" not in rel(result, result.cloudformation)


def test_binary_looking_head_that_sniffs_is_kept(repo: Path):
    (repo / "cfn" / "odd.yaml").write_bytes(b"# \x00 stray nul\nAWSTemplateFormatVersion: '2010-09-09'\n")
    result = discover([repo / "cfn"])
    assert "odd.yaml" in rel(result, result.cloudformation)


def test_utf16_plan_from_powershell_is_found(repo: Path):
    text = '{"format_version":"1.2","planned_values":{"root_module":{}}}'
    (repo / "plans" / "win.json").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    result = discover([repo / "plans"])
    assert rel(result, result.plans) == ["tfplan.json", "win.json"]


def test_template_keys_after_sniff_window_are_found(repo: Path):
    padding = "".join(f"  Param{i}:\n    Type: String\n" for i in range(4000))
    (repo / "cfn" / "late.yaml").write_text("Parameters:\n" + padding + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
    assert (repo / "cfn" / "late.yaml").stat().st_size > discover_module.SNIFF_BYTES
    result = discover([repo / "cfn"])
    assert "late.yaml" in rel(result, result.cloudformation)


def test_unreadable_file_is_an_error(repo: Path, monkeypatch):
    original = discover_module._open_binary

    def deny(path):
        if Path(path).name == "roles.yaml":
            raise PermissionError(13, "Permission denied", str(path))
        return original(path)

    monkeypatch.setattr(discover_module, "_open_binary", deny)
    result = discover([repo / "cfn"])
    assert messages(result) == [("roles.yaml", "cannot read file: Permission denied")]
    assert rel(result, result.cloudformation) == ["bucket.json", "queue.template"]


def test_unreadable_directory_is_an_error(repo: Path, monkeypatch):
    real_scandir = os.scandir

    def deny(path):
        if Path(path).name == "cfn":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", deny)   # chmod does not stop root, which runs CI here
    result = discover([repo])
    assert messages(result) == [("cfn", "cannot read directory: Permission denied")]
    assert "sam/template.yml" in rel(result, result.cloudformation)


def test_explicit_tf_file_and_its_directory_make_one_module(repo: Path):
    iam = repo / "infra" / "iam"
    result = discover([iam / "main.tf", iam, iam / "policies.tf.json"], root=repo)
    assert tf_dirs(result) == {
        "infra/iam": ["infra/iam/empty.tf", "infra/iam/main.tf", "infra/iam/policies.tf.json"]}


def test_fifo_argument_is_an_error_not_a_hang(repo: Path):
    fifo = repo / "pipe.yaml"
    os.mkfifo(fifo)
    result = discover([fifo], root=repo)
    assert messages(result) == [("pipe.yaml", "not a regular file")]


# -- symlinks -------------------------------------------------------------------------------------

def test_symlink_loop_to_ancestor_is_reported_once_and_walk_finishes(repo: Path):
    os.symlink("../..", repo / "infra" / "iam" / "back")       # points at repo itself
    os.symlink(".", repo / "cfn" / "self")
    result = discover([repo])
    assert sorted(messages(result)) == [
        ("cfn/self", "symlink loop: points back to ancestor directory cfn"),  # relative to the root
        ("infra/iam/back", "symlink loop: points back to ancestor directory ."),
    ]
    assert rel(result, result.cloudformation)[2:5] == ["cfn/bucket.json", "cfn/queue.template", "cfn/roles.yaml"]
    assert len(result.cloudformation) == 6


def test_symlinked_directory_elsewhere_is_followed_once(repo: Path, tmp_path: Path):
    shared = tmp_path / "shared-templates"
    shared.mkdir()
    (shared / "topic.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
    os.symlink(shared, repo / "linked")
    os.symlink(shared, repo / "linked-again")
    result = discover([repo])
    assert result.errors == []
    found = rel(result, result.cloudformation)
    assert found.count("linked/topic.yaml") == 1
    assert "linked-again/topic.yaml" not in found


def test_real_directory_wins_over_link_that_sorts_first(repo: Path):
    os.symlink("sam", repo / "a-link-to-sam")
    result = discover([repo])
    found = rel(result, result.cloudformation)
    assert "sam/template.yml" in found
    assert "a-link-to-sam/template.yml" not in found


def test_dangling_and_self_looping_symlinks(repo: Path):
    os.symlink(repo / "does-not-exist.yaml", repo / "cfn" / "dangling.yaml")
    os.symlink("loop-b.yaml", repo / "cfn" / "loop-a.yaml")
    os.symlink("loop-a.yaml", repo / "cfn" / "loop-b.yaml")
    result = discover([repo / "cfn"])
    assert messages(result) == [
        ("dangling.yaml", "broken symlink: target does not exist"),
        ("loop-a.yaml", "symlink loop"),
        ("loop-b.yaml", "symlink loop"),
    ]
    assert rel(result, result.cloudformation) == ["bucket.json", "queue.template", "roles.yaml"]


def test_explicit_dangling_symlink(repo: Path):
    os.symlink(repo / "gone.tf", repo / "main.tf")
    result = discover([repo / "main.tf"], root=repo)
    assert messages(result) == [("main.tf", "broken symlink: target does not exist")]


# -- sniff and relpath ------------------------------------------------------------------------------

@pytest.mark.parametrize("head, kind", [
    ('{"format_version":"1.2","planned_values":{}}', "plan"),
    ('\ufeff {\n "format_version": "1.1",\n "resource_changes": []}', "plan"),
    ('{"format_version":"1.0","values":{}}', None),                       # state
    ('{"format_version":"1.2","planned_values":{"x":"AWSTemplateFormatVersion"}}', "plan"),
    ("AWSTemplateFormatVersion: 2010-09-09\n", "cloudformation"),
    ("Resources:\n  R:\n    Type: AWS::IAM::Role\n", "cloudformation"),
    ('Resources:\n  R:\n    Type: "AWS::IAM::Role"\n', "cloudformation"),
    ('{"Resources": {"R": {"Type": "AWS::IAM::Role"}}}', "cloudformation"),
    ("'Resources':\n  R: {'Type': 'AWS::IAM::Role'}\n", "cloudformation"),
    ("Resources:\n  R:\n    Type: Custom::Thing\n", None),
    ("Type: AWS::IAM::Role\n", None),                                      # no Resources key
    ("kind: Deployment\nspec:\n  resources: {}\n", None),
    ("on: push\njobs: {}\n", None),
    ('{"name": "pkg", "format_version": "x"}', None),
    ("", None),
])
def test_sniff(head: str, kind):
    assert sniff(Path("t.json"), head) == kind


def test_sniff_cdk_out_template_by_path():
    assert sniff(Path("/x/cdk.out/Stack.template.json"), '{"Resources": {}}') == "cloudformation"
    assert sniff(Path("/x/out/Stack.template.json"), '{"Resources": {}}') is None


def test_relpath(tmp_path: Path):
    root = tmp_path / "root"
    assert relpath(root / "a" / "b.yaml", root) == "a/b.yaml"
    assert relpath(root, root) == "."
    outside = tmp_path / "elsewhere" / "c.yaml"
    assert relpath(outside, root) == outside.as_posix()
    assert relpath(Path("rel/x.tf"), Path("/somewhere/else")) == "rel/x.tf"


def test_no_paths():
    result = discover([])
    assert result.cloudformation == [] and result.plans == [] and result.terraform_dirs == {}
    assert result.root == Path.cwd()
