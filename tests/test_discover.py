"""Tests for discovery (iacguard.loaders.discover)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from iacguard.errors import InputError
from iacguard.loaders import discover as discover_module
from iacguard.loaders.discover import Discovered, discover, may_be_document, relpath

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

def test_walk_keeps_candidates_and_skips(repo: Path):
    result = discover([repo])
    assert result.root == repo
    assert result.errors == []
    # every YAML/JSON file that names a key of a template or plan; the loader's parse decides
    assert rel(result, result.documents) == [
        ".github/workflows/ci.yml",  # mentions AWSTemplateFormatVersion in a command
        "cdk.out/AppStack.template.json",
        "cdk.out/assembly-Prod/ProdAppStack.template.json",
        "cfn/bucket.json",
        "cfn/notes.yml",             # a Resources list
        "cfn/queue.template",
        "cfn/roles.yaml",
        "plans/state.json",
        "plans/tfplan.json",
        "sam/template.yml",
    ]
    assert tf_dirs(result) == {
        # hidden and backup files are ignored like Terraform does; .terraform is skipped;
        # the zero-byte .tf is a (empty) part of the module
        "infra/iam": ["infra/iam/empty.tf", "infra/iam/main.tf", "infra/iam/policies.tf.json"],
        "infra/network": ["infra/network/vpc.tf"],
    }


def test_paths_are_absolute_and_deterministic(repo: Path):
    first = discover([repo])
    second = discover([repo / "sam", repo / "cfn", repo], root=repo)
    assert all(p.is_absolute() for p in first.documents)
    assert first.documents == second.documents
    assert list(first.terraform_dirs) == list(second.terraform_dirs)


def test_relative_arguments_and_default_root(repo: Path, monkeypatch):
    monkeypatch.chdir(repo)
    result = discover(["cfn", "sam/template.yml"])
    assert result.root == repo                  # common directory of cfn/ and sam/
    assert rel(result, result.documents) == ["cfn/bucket.json", "cfn/notes.yml", "cfn/queue.template",
                                             "cfn/roles.yaml", "sam/template.yml"]


def test_single_directory_argument_is_its_own_root(repo: Path):
    result = discover([repo / "cfn"])
    assert result.root == repo / "cfn"
    assert rel(result, result.documents) == ["bucket.json", "notes.yml", "queue.template", "roles.yaml"]


def test_explicit_hidden_or_skipped_directory_is_scanned(repo: Path):
    result = discover([repo / "node_modules"], root=repo)
    assert rel(result, result.documents) == ["node_modules/pkg/template.yaml"]


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


def test_explicit_file_of_any_extension_goes_to_the_loader(repo: Path):
    (repo / "stack.cfn").write_text("Resources:\n  T:\n    Type: AWS::SNS::Topic\n")
    (repo / "random.txt").write_text("hello\n")
    result = discover([repo / "stack.cfn", repo / "random.txt", repo / "package.json"], root=repo)
    # a named file is parsed whatever it holds: the loader says what it is not (see test_e2e_bad_input)
    assert rel(result, result.documents) == ["package.json", "random.txt", "stack.cfn"]
    assert result.errors == []


def test_walk_ignores_other_extensions(repo: Path):
    (repo / "cfn" / "stack.cfn").write_text("Resources:\n  T:\n    Type: AWS::SNS::Topic\n")
    result = discover([repo / "cfn"])
    assert "stack.cfn" not in rel(result, result.documents)


def test_empty_template_silent_when_walked_error_when_explicit(repo: Path):
    walked = discover([repo / "cfn"])
    assert walked.errors == []
    explicit = discover([repo / "cfn" / "empty.yaml"], root=repo)
    assert messages(explicit) == [
        ("cfn/empty.yaml", "file is empty; expected a CloudFormation template or a Terraform plan")]


def test_same_file_given_twice_is_reported_once(repo: Path):
    result = discover([repo / "cfn", repo / "cfn" / "roles.yaml", repo / "cfn" / "roles.yaml"])
    assert rel(result, result.documents) == ["bucket.json", "notes.yml", "queue.template", "roles.yaml"]


# -- size limit, binary, permissions --------------------------------------------------------------

def test_size_limit(repo: Path):
    big = repo / "cfn" / "big.yaml"
    big.write_text("AWSTemplateFormatVersion: '2010-09-09'\n" + "# padding\n" * 200)
    limit = 1000
    result = discover([repo / "cfn"], max_file_bytes=limit)
    size = big.stat().st_size
    assert messages(result) == [
        ("big.yaml", f"file is {size} bytes, limit is {limit}; raise it with --max-file-size")]
    assert "big.yaml" not in rel(result, result.documents)
    assert "roles.yaml" in rel(result, result.documents)


def test_size_limit_applies_to_terraform(repo: Path):
    (repo / "infra" / "network" / "big.tf").write_text("# x\n" * 400)
    result = discover([repo / "infra" / "network"], max_file_bytes=1000)
    assert [m for _, m in messages(result)] == [
        "file is 1600 bytes, limit is 1000; raise it with --max-file-size"]
    assert tf_dirs(result) == {".": ["vpc.tf"]}


def test_oversized_non_template_is_skipped_silently_when_walked(repo: Path):
    data = repo / "data"
    data.mkdir()
    (data / "data.json").write_text('{"rows": [' + ",".join(["1"] * 2000) + "]}")
    # the key past the first chunk of a large file is still seen
    (data / "late.json").write_text('{"rows": [' + ",".join(["1"] * 600_000) + '], "Resources": {}}')
    result = discover([data], max_file_bytes=1000)
    late = (data / "late.json").stat().st_size
    assert messages(result) == [("late.json", f"file is {late} bytes, limit is 1000; raise it with --max-file-size")]
    assert result.documents == []
    named = discover([data / "data.json"], root=repo, max_file_bytes=1000)
    size = (data / "data.json").stat().st_size
    assert messages(named) == [("data/data.json", f"file is {size} bytes, limit is 1000; raise it with --max-file-size")]


BINARY = "binary content, or UTF-16/32 text without a byte-order mark (a NUL character)"


def test_binary_and_undecodable_files_are_reported_when_walked(repo: Path):
    (repo / "cfn" / "blob.json").write_bytes(b"\x00\x01\x02PNG\x00" * 100)
    (repo / "cfn" / "odd.yaml").write_bytes(b"# stray\n\x00 nul\nAWSTemplateFormatVersion: '2010-09-09'\n")
    (repo / "cfn" / "latin1.yaml").write_bytes(b"# caf\xe9\nkey: value\n")
    (repo / "cfn" / "random.template").write_bytes(bytes(range(128, 256)) * 4)
    result = discover([repo / "cfn"])
    assert [(e.file, e.line, e.message) for e in result.errors] == [
        ("blob.json", 1, BINARY),
        ("latin1.yaml", 1, "not valid UTF-8 text (byte 5)"),
        ("odd.yaml", 2, BINARY),
        ("random.template", 1, "not valid UTF-8 text (byte 0)"),
    ]
    assert rel(result, result.documents) == ["bucket.json", "notes.yml", "queue.template", "roles.yaml"]


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                           ("utf-32-le", b"\xff\xfe\x00\x00"), ("utf-32-be", b"\x00\x00\xfe\xff")])
def test_utf16_and_utf32_with_a_bom_are_decoded(repo: Path, encoding: str, bom: bytes):
    text = '{"format_version":"1.2","planned_values":{"root_module":{}}}'
    (repo / "plans" / "win.json").write_bytes(bom + text.encode(encoding))
    result = discover([repo / "plans"])
    assert result.errors == []
    assert rel(result, result.documents) == ["state.json", "tfplan.json", "win.json"]


def test_template_keys_after_64_kib_are_found(repo: Path):
    padding = "".join(f"  Param{i}:\n    Type: String\n" for i in range(4000))
    (repo / "cfn" / "late.yaml").write_text("Parameters:\n" + padding + "Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
    assert (repo / "cfn" / "late.yaml").stat().st_size > 64 * 1024
    result = discover([repo / "cfn"])
    assert "late.yaml" in rel(result, result.documents)


def test_unreadable_file_is_an_error(repo: Path, monkeypatch):
    original = discover_module._open_binary

    def deny(path):
        if Path(path).name == "roles.yaml":
            raise PermissionError(13, "Permission denied", str(path))
        return original(path)

    monkeypatch.setattr(discover_module, "_open_binary", deny)
    result = discover([repo / "cfn"])
    assert messages(result) == [("roles.yaml", "cannot read file: Permission denied")]
    assert rel(result, result.documents) == ["bucket.json", "notes.yml", "queue.template"]


def test_unreadable_directory_is_an_error(repo: Path, monkeypatch):
    real_scandir = os.scandir

    def deny(path):
        if Path(path).name == "cfn":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", deny)   # chmod does not stop root, which runs CI here
    result = discover([repo])
    assert messages(result) == [("cfn", "cannot read directory: Permission denied")]
    assert "sam/template.yml" in rel(result, result.documents)


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
    assert rel(result, result.documents)[3:7] == ["cfn/bucket.json", "cfn/notes.yml", "cfn/queue.template",
                                                  "cfn/roles.yaml"]
    assert len(result.documents) == 10


def test_symlinked_directory_inside_the_root_is_followed_once(repo: Path):
    os.symlink("sam", repo / "z-linked")
    os.symlink("sam", repo / "z-linked-again")
    result = discover([repo])
    assert result.errors == []
    found = rel(result, result.documents)
    assert found.count("sam/template.yml") == 1
    assert not any(path.startswith("z-linked") for path in found)


def test_symlinks_leaving_the_scan_root_are_reported_not_followed(repo: Path, tmp_path: Path):
    shared = tmp_path / "shared-templates"
    shared.mkdir()
    (shared / "topic.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n")
    os.symlink(shared, repo / "linked")
    os.symlink(shared / "topic.yaml", repo / "cfn" / "topic.yaml")
    os.symlink(shared / "topic.yaml", repo / "cfn" / "README")  # not a name discovery reads
    result = discover([repo])
    assert messages(result) == [
        ("cfn/topic.yaml", "symlink to a file outside the scan root; not read"),
        ("linked", "symlink to a directory outside the scan root; not followed"),
    ]
    assert not any("topic.yaml" in path for path in rel(result, result.documents))


def test_real_directory_wins_over_link_that_sorts_first(repo: Path):
    os.symlink("sam", repo / "a-link-to-sam")
    result = discover([repo])
    found = rel(result, result.documents)
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
    assert rel(result, result.documents) == ["bucket.json", "notes.yml", "queue.template", "roles.yaml"]


def test_explicit_dangling_symlink(repo: Path):
    os.symlink(repo / "gone.tf", repo / "main.tf")
    result = discover([repo / "main.tf"], root=repo)
    assert messages(result) == [("main.tf", "broken symlink: target does not exist")]


# -- the pre-filter and relpath --------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    '{"format_version":"1.2","planned_values":{}}',
    "AWSTemplateFormatVersion: 2010-09-09\n",
    "Resources:\n  R:\n    Type:\n      AWS::IAM::Role\n",
    '{"\\u0052esources": {}}',                      # JSON escape
    '"\\x52esources": {}\n',                       # YAML double-quoted escapes
    '"\\U00000052esources": {}\n',
    '"Reso\\\n  urces": {}\n',                    # YAML escaped line break joins a key
    '"Reso\\\u2028urces": {}\n',
])
def test_pre_filter_keeps_every_spelling_of_a_key(text: str):
    assert may_be_document(text)


@pytest.mark.parametrize("text", [
    "kind: Deployment\nspec:\n  resources: {}\n",   # keys are case-sensitive
    "on: push\njobs: {}\n",
    '{"name": "pkg", "scripts": {"build": "tsc \\"src\\""}, "path": "C:\\\\bin\\n"}',
    "",
])
def test_pre_filter_drops_what_cannot_be_a_template(text: str):
    assert not may_be_document(text)


def test_relpath(tmp_path: Path):
    root = tmp_path / "root"
    assert relpath(root / "a" / "b.yaml", root) == "a/b.yaml"
    assert relpath(root, root) == "."
    outside = tmp_path / "elsewhere" / "c.yaml"
    assert relpath(outside, root) == outside.as_posix()
    assert relpath(Path("rel/x.tf"), Path("/somewhere/else")) == "rel/x.tf"


def test_no_paths():
    result = discover([])
    assert result.documents == [] and result.terraform_dirs == {}
    assert result.root == Path.cwd()


# -- property: the pre-filter never drops a template the parser accepts --------------------------
#
# Templates and plans are generated in many layouts: JSON or YAML, block or flow style, keys plain,
# quoted, tagged or spelled with escapes (JSON \uXXXX; YAML \xXX \uXXXX \UXXXXXXXX and an escaped
# line break inside a key), the type on the next line or folded, sections in any order, and more
# than 64 KiB of comments or Metadata before the decisive keys. Each one must parse as a template
# (else the generator is wrong) and a directory scan must load it.

from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st  # noqa: E402

from iacguard.engine import load_resources  # noqa: E402
from iacguard.loaders.cloudformation import looks_like_cloudformation, parse_document  # noqa: E402
from iacguard.loaders.plan import looks_like_plan  # noqa: E402
from iacguard.settings import Settings  # noqa: E402

_PADDING = 66 * 1024  # past the 64 KiB that discovery used to sniff


@st.composite
def _json_string(draw, text: str) -> str:
    """``text`` as a JSON string, some characters as \\uXXXX."""
    escaped = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return '"' + "".join(f"\\u{ord(c):04x}" if e else c for c, e in zip(text, escaped)) + '"'


@st.composite
def _yaml_scalar(draw, text: str, key: bool) -> str:
    """``text`` as a YAML scalar: plain, single-quoted, tagged, or double-quoted with escapes
    and, unless it is an implicit key (those are one line), an escaped line break."""
    style = draw(st.sampled_from(["plain", "single", "tagged", "double"]))
    if style == "plain":
        return text
    if style == "single":
        return f"'{text}'"
    if style == "tagged":
        return f"!!str {text}"
    forms = [lambda c: c, lambda c: f"\\x{ord(c):02x}", lambda c: f"\\u{ord(c):04x}",
             lambda c: f"\\U{ord(c):08x}"]
    chars = [draw(st.sampled_from(forms))(c) for c in text]
    if not key and len(text) > 1:
        cut = draw(st.integers(1, len(text) - 1))
        if draw(st.booleans()):
            chars.insert(cut, "\\\n      ")  # escaped line break: the pieces join without a space
    return '"' + "".join(chars) + '"'


def _yaml_comment_padding() -> str:
    line = "# " + "x" * 78 + "\n"
    return line * (_PADDING // len(line) + 1)


@st.composite
def cloudformation_layouts(draw) -> tuple[str, str]:
    """(file name, text) of a template with one IAM user in some layout."""
    suffix = draw(st.sampled_from([".yaml", ".yml", ".json", ".template"]))
    as_json = suffix == ".json" or draw(st.booleans()) and suffix == ".template"
    with_version = draw(st.booleans())
    padding = draw(st.sampled_from(["none", "metadata", "comments"]))
    metadata_first = draw(st.booleans())
    type_name = "AWS::IAM::User"
    if as_json:
        key, type_key, value = (draw(_json_string(t)) for t in ("Resources", "Type", type_name))
        sections = [f'{key}: {{"User": {{{type_key}: {value}}}}}']
        if with_version:
            sections.append(f'{draw(_json_string("AWSTemplateFormatVersion"))}: "2010-09-09"')
        if padding != "none":  # JSON has no comments: Metadata is the padding
            blob = json.dumps({"Notes": ["x" * 78] * (_PADDING // 80 + 1)})
            sections.insert(0 if metadata_first else len(sections), f'"Metadata": {blob}')
        text = "{" + draw(st.sampled_from([",", ",\n", ",\n\n  "])).join(
            draw(st.permutations(sections)) if not metadata_first else sections) + "}\n"
        return "template" + suffix, text
    key = draw(_yaml_scalar("Resources", key=True))
    type_key = draw(_yaml_scalar("Type", key=True))
    value = draw(_yaml_scalar(type_name, key=False))
    layout = draw(st.sampled_from(["block", "explicit-key", "next-line", "folded", "flow", "anchor"]))
    if layout == "block":
        resources = f"{key}:\n  User:\n    {type_key}: {value}\n"
    elif layout == "explicit-key":  # `? key`: the one place a key may span lines
        resources = f"? {draw(_yaml_scalar('Resources', key=False))}\n:\n  User:\n    {type_key}: {value}\n"
    elif layout == "next-line":
        resources = f"{key}:\n  User:\n    {type_key}:\n      {value}\n"
    elif layout == "folded":
        resources = f"{key}:\n  User:\n    {type_key}: >-\n      {type_name}\n"
    elif layout == "flow":
        resources = f"{key}: {{User: {{{type_key}: {value}}}}}\n"
    else:
        resources = f"{key}: &resources\n  User:\n    {type_key}: {value}\n"
    sections = [resources]
    if with_version:
        sections.append(f"{draw(_yaml_scalar('AWSTemplateFormatVersion', key=True))}: '2010-09-09'\n")
    if padding == "metadata":
        notes = "".join(f"    - {'x' * 74}\n" for _ in range(_PADDING // 80 + 1))
        sections.insert(0 if metadata_first else len(sections), f"Metadata:\n  Notes:\n{notes}")
    text = "".join(draw(st.permutations(sections)) if not metadata_first else sections)
    if padding == "comments":
        text = _yaml_comment_padding() + text
    return "template" + suffix, text


@st.composite
def plan_layouts(draw) -> tuple[str, str]:
    keys = {k: draw(_json_string(k)) for k in ("format_version", "planned_values", "resource_changes")}
    sections = [f'{keys["format_version"]}: "1.2"', f'{keys["planned_values"]}: {{"root_module": {{}}}}']
    if draw(st.booleans()):
        sections.append(f'{keys["resource_changes"]}: []')
    sections = draw(st.permutations(sections))
    if draw(st.booleans()):
        sections.insert(0, '"variables": {"blob": {"value": "' + "x" * _PADDING + '"}}')
    return "plan.json", "{" + ",\n".join(sections) + "}\n"


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(cloudformation_layouts(), plan_layouts()))
def test_pre_filter_never_drops_a_template_the_parser_accepts(layout: tuple[str, str]):
    import tempfile

    name, text = layout
    data = parse_document(text, name)
    assert looks_like_cloudformation(data) or looks_like_plan(data), text[-300:]
    assert may_be_document(text)
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / name).write_text(text, encoding="utf-8")
        (Path(directory) / "k8s.yaml").write_text("kind: Pod\nspec:\n  resources: {}\n")
        result = load_resources([directory], Settings())
    assert result.errors == []
    assert result.files == [name]
