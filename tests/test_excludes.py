"""The `exclude` glob matcher (iacguard.excludes) and its settings validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacguard.errors import UsageError
from iacguard.excludes import Excludes, ExcludePatternError, check_pattern, normalize_path
from iacguard.settings import STARTER, load_settings, validate


def matched(pattern: str, path: str, is_dir: bool = False) -> bool:
    return Excludes([pattern]).match(path, is_dir=is_dir) == pattern


# (pattern, path, is_dir, excluded)
CASES = [
    # a pattern without "/" names any single segment, at any depth, file or directory
    ("examples", "examples", True, True),
    ("examples", "examples/a.yaml", False, True),
    ("examples", "infra/examples/deep/b.tf", False, True),
    ("examples", "examples.yaml", False, False),
    ("examples", "my-examples/a.yaml", False, False),
    ("examples", "infra/examples", False, True),          # a file called examples
    ("*.test.yaml", "a.test.yaml", False, True),
    ("*.test.yaml", "infra/x/role.test.yaml", False, True),
    ("*.test.yaml", "infra/x/role.yaml", False, False),
    ("*.test.yaml", "infra/x.test.yaml/main.tf", False, True),  # a directory of that name
    ("fixture?", "tests/fixture1/a.yaml", False, True),
    ("fixture?", "tests/fixture12/a.yaml", False, False),
    # `*` stays within a segment
    ("infra/*.yaml", "infra/a.yaml", False, True),
    ("infra/*.yaml", "infra/sub/a.yaml", False, False),
    ("infra/*", "infra/sub/a.yaml", False, True),         # infra/sub matches: below it too
    ("*/a.yaml", "x/a.yaml", False, True),
    ("*/a.yaml", "x/y/a.yaml", False, False),
    ("infra/dev*", "infra/development/main.tf", False, True),
    ("infra/dev*", "infra/prod/dev.tf", False, False),
    ("a**b", "axxb", False, True),                        # `**` inside a segment is `*`
    ("a**b", "ax/xb", False, False),
    # a pattern with "/" is anchored at the repository root
    ("tests/fixtures", "tests/fixtures/x.yaml", False, True),
    ("tests/fixtures", "app/tests/fixtures/x.yaml", False, False),
    ("tests/fixtures", "tests/fixtures2/x.yaml", False, False),
    ("tests/fixtures", "tests", True, False),
    # `**` across segments
    ("examples/**", "examples/a.yaml", False, True),
    ("examples/**", "examples/deep/er/a.yaml", False, True),
    ("examples/**", "examples", True, False),             # the directory itself is walked, its files are not read
    ("examples/**", "other/examples/a.yaml", False, False),
    ("**/examples", "examples/a.yaml", False, True),
    ("**/examples", "x/y/examples/a.yaml", False, True),
    ("**/fixtures/*.json", "a/b/fixtures/plan.json", False, True),
    ("**/fixtures/*.json", "fixtures/plan.json", False, True),
    ("**/fixtures/*.json", "a/fixtures/sub/plan.json", False, False),
    ("infra/**/test", "infra/test/main.tf", False, True),  # zero segments
    ("infra/**/test", "infra/a/b/test/main.tf", False, True),
    ("infra/**/test", "infra/a/b/testing/main.tf", False, False),
    ("infra/**/*.tf", "infra/a/b/main.tf", False, True),
    ("**", "anything/at/all.yaml", False, True),
    # a trailing "/" matches directories only
    ("build/", "build/x.yaml", False, True),
    ("build/", "app/build", True, True),
    ("build/", "app/build", False, False),
    # a leading "/" or "./" anchors at the root
    ("/examples", "examples/a.yaml", False, True),
    ("/examples", "app/examples/a.yaml", False, False),
    ("./examples", "examples/a.yaml", False, True),
    ("./examples", "app/examples/a.yaml", False, False),
    ("./infra/*.yaml", "infra/a.yaml", False, True),
    # Windows separators and leading ./ in paths and patterns
    ("examples/**", "examples\\sub\\a.yaml", False, True),
    ("examples\\**", "examples/sub/a.yaml", False, True),
    ("tests\\fixtures", "tests\\fixtures\\x.yaml", False, True),
    ("tests/fixtures", ".\\tests\\fixtures\\x.yaml", False, True),
    ("examples/**", "./examples/a.yaml", False, True),
    ("examples/**", "./././examples//a.yaml", False, True),
    ("*.test.yaml", ".\\infra\\r.test.yaml", False, True),
    # other characters are literal, regex ones included
    ("infra/[ab].yaml", "infra/[ab].yaml", False, True),
    ("infra/[ab].yaml", "infra/a.yaml", False, False),
    ("a+b.yaml", "a+b.yaml", False, True),
    ("a+b.yaml", "aab.yaml", False, False),
    ("a.yaml", "aXyaml", False, False),
    ("a(b)|c.tf", "a(b)|c.tf", False, True),
    # case matters (as git and Linux): Examples is not examples
    ("examples", "Examples/a.yaml", False, False),
]


@pytest.mark.parametrize("pattern,path,is_dir,excluded", CASES)
def test_matcher(pattern, path, is_dir, excluded):
    assert matched(pattern, path, is_dir) is excluded


def test_the_repository_root_is_never_excluded():
    excludes = Excludes(["**", "*"])
    for root in ("", ".", "./", ".\\"):
        assert excludes.match(root, is_dir=True) is None


def test_the_first_matching_pattern_is_the_reason():
    excludes = Excludes(["examples/**", "*.yaml", "examples"])
    assert excludes.match("examples/a.yaml") == "examples/**"
    assert excludes.match("infra/a.yaml") == "*.yaml"
    assert excludes.match("examples", is_dir=True) == "examples"
    assert excludes.match("infra/main.tf") is None
    assert not Excludes([]) and Excludes([]).match("a.yaml") is None


def test_normalize_path():
    assert normalize_path(".\\infra\\\\prod\\.\\main.tf") == "infra/prod/main.tf"
    assert normalize_path("./a/") == "a"
    assert normalize_path("") == ""


@pytest.mark.parametrize("pattern,why", [
    ("", "empty"),
    ("   ", "empty"),
    ("/", "repository root itself"),
    ("./", "repository root itself"),
    (".", "repository root itself"),
    ("../shared/**", "'..' leaves the repository root"),
    ("infra/../../x", "'..' leaves the repository root"),
    ("C:\\work\\examples", "absolute path"),
    ("c:/work/examples", "absolute path"),
    ("//server/share", "absolute path"),
])
def test_unusable_patterns(pattern, why):
    with pytest.raises(ExcludePatternError, match=why):
        check_pattern(pattern)


def test_settings_validate_exclude(tmp_path: Path):
    settings = validate({"exclude": ["examples/**", "*.test.yaml"]}, "s.yaml", tmp_path)
    assert settings.exclude == ["examples/**", "*.test.yaml"]
    with pytest.raises(UsageError) as raised:
        validate({"exclude": "examples/**"}, "s.yaml", tmp_path)
    assert str(raised.value) == "s.yaml: setting 'exclude' must be a list, got string"
    with pytest.raises(UsageError) as raised:
        validate({"exclude": ["examples", 3]}, "s.yaml", tmp_path)
    assert str(raised.value) == "s.yaml: setting 'exclude' must be a list of strings"
    with pytest.raises(UsageError) as raised:
        validate({"exclude": ["../x"]}, "s.yaml", tmp_path)
    assert str(raised.value) == ("s.yaml: setting 'exclude': '../x': '..' leaves the repository root; "
                                 "patterns match paths inside it")


def test_settings_files_name_themselves_in_exclude_errors(tmp_path: Path):
    yaml_file = tmp_path / ".iacguard.yaml"
    yaml_file.write_text("exclude:\n  - ''\n")
    with pytest.raises(UsageError) as raised:
        load_settings(yaml_file)
    assert str(raised.value) == f"{yaml_file}: setting 'exclude': '': an empty pattern would exclude nothing"
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.iacguard]\nexclude = ["examples/**", "/"]\n')
    with pytest.raises(UsageError) as raised:
        load_settings(pyproject)
    assert str(raised.value) == (f"{pyproject}: setting 'exclude': '/': matches the repository root itself, "
                                 "which would exclude everything")
    pyproject.write_text('[tool.iacguard]\nexclude = ["examples/**"]\n')
    assert load_settings(pyproject).exclude == ["examples/**"]


def test_starter_has_exclude_with_commented_examples(tmp_path: Path):
    import yaml

    assert yaml.safe_load(STARTER)["exclude"] == []
    assert "#   - examples/**" in STARTER
    uncommented = "\n".join(line.replace("#   - ", "  - ", 1) if line.startswith("#   - examples") or
                            line.startswith("#   - tests/fixtures") or line.startswith('#   - "*.test') else line
                            for line in STARTER.splitlines())
    settings = validate(yaml.safe_load(uncommented.replace("exclude: []", "exclude:")), "s.yaml", tmp_path)
    assert settings.exclude == ["examples/**", "tests/fixtures", "*.test.yaml"]
