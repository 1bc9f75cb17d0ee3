"""`iacguard graph`, the step-summary diagrams and the HTML report (without a browser)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from iacguard.cli import main
from iacguard.engine import scan
from iacguard.report.github import MAX_DIAGRAMS, summary_markdown
from iacguard.report.graph_view import (GraphView, ViewEdge, ViewNode, build_view, dot_text, mermaid_text,
                                        render_dot, render_mermaid)
from iacguard.settings import Settings

HERE = Path(__file__).resolve().parent
GRAPH = HERE / "fixtures" / "graph"
EXPECTED = GRAPH / "expected"


def _graph(capsys, *args: str) -> str:
    code = main(["graph", *args])
    out = capsys.readouterr().out
    assert code == 0
    return out


@pytest.mark.parametrize("arguments, expected", [
    (["small.yaml", "--whole"], "small.mmd"),
    (["tf", "--whole"], "tf.mmd"),
    (["small.yaml", "--whole", "--format", "dot"], "small.dot"),
    (["small.yaml", "--format", "json", "--focus", "Key"], "small_focus_key.json"),
    (["small.yaml", "tf"], "pictures.md"),
])
def test_graph_exact_output(capsys, monkeypatch, arguments, expected):
    monkeypatch.chdir(GRAPH)
    assert _graph(capsys, *arguments) == (EXPECTED / expected).read_text()


@pytest.mark.parametrize("path, user, role, key", [
    ("small.yaml", "small.yaml::Dev", "small.yaml::AdminRole", "small.yaml::Key"),
    ("tf", ".::aws_iam_user.dev", ".::aws_iam_role.admin", ".::aws_kms_key.key"),
])
def test_focus_keeps_only_paths_through_the_node(capsys, monkeypatch, path, user, role, key):
    monkeypatch.chdir(GRAPH)
    focus = user.split("::", 1)[1]
    data = json.loads(_graph(capsys, path, "--format", "json", "--focus", focus))
    ids = {node["id"] for node in data["nodes"]}
    assert {user, role} <= ids and key not in ids
    assert "account:444455556666" not in ids
    # the escalation edge that makes IAG-PE-002 is there and highlighted
    assert any(e["source"] == user and e["target"] == role and e["kind"] == "can_become" and e["highlighted"]
               for e in data["edges"])
    for edge in data["edges"]:
        assert edge["source"] in ids and edge["target"] in ids


def test_focus_on_unknown_node_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.chdir(GRAPH)
    assert main(["graph", "small.yaml", "--focus", "Nope"]) == 2
    assert "--focus: no node 'Nope'" in capsys.readouterr().err


def test_graph_output_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(GRAPH)
    target = tmp_path / "g.mmd"
    assert main(["graph", "small.yaml", "--whole", "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert target.read_text() == (EXPECTED / "small.mmd").read_text()


@pytest.mark.parametrize("text, expected", [
    ('say "hi"', "say #quot;hi#quot;"),
    ("a<b>c", "a#lt;b#gt;c"),
    ("#1", "#35;1"),
    ("x|y`z", "x#124;y#96;z"),
    ("two\nlines", "two\\x0alines"),
    ("tab\tand  spaces", "tab\\x09and spaces"),
    ("${AWS::AccountId}", "${AWS::AccountId}"),
])
def test_mermaid_label_escaping(text, expected):
    assert mermaid_text(text) == expected


def test_mermaid_ids_are_sanitised_and_labels_quoted():
    hostile = 'module.m.aws_iam_role.x["a b"] --> end; click'
    view = GraphView({hostile: ViewNode(hostile, 'role "x" <b>', "role", True),
                      "account:1": ViewNode("account:1", "account 1", "external")},
                     [ViewEdge("account:1", hostile, "can_assume", highlighted=True)]).sorted()
    text = render_mermaid(view)
    assert text == ("flowchart LR\n"
                    '  n0(["account 1"])\n'
                    '  n1["role #quot;x#quot; #lt;b#gt;"]\n'
                    '  n0 -->|"can assume"| n1\n'
                    "  classDef finding fill:#fde2e2,stroke:#c62828,stroke-width:3px\n"
                    "  class n1 finding\n"
                    "  linkStyle 0 stroke:#c62828,stroke-width:3px\n")
    for line in text.splitlines()[1:]:
        assert re.match(r'^  (n\d+[\[(]|n\d+ -->|classDef|class |linkStyle)', line), line
    assert dot_text('a "b" \\ c') == '"a \\"b\\" \\\\ c"'
    assert f'{dot_text(hostile)} [label="role \\"x\\" <b>"' in render_dot(view)


def test_mermaid_node_cap_keeps_highlighted_nodes():
    nodes = {f"id{i}": ViewNode(f"id{i}", f"node {i}", "role", i % 2 == 0) for i in range(6)}
    view = GraphView(nodes, [ViewEdge("id0", "id1", "can_become")]).sorted()
    text = render_mermaid(view, max_nodes=3)
    assert '"node 0"' in text and '"node 2"' in text and '"node 4"' in text and '"node 1"' not in text
    assert "-->" not in text  # the edge lost an end
    assert "%% 3 more nodes left out" in text


def test_one_picture_per_escalation_path(capsys, monkeypatch):
    """Two escalation paths that share no node: two pictures, each with only its own nodes,
    labelled with file, line and resource, titled with its finding."""
    monkeypatch.chdir(GRAPH / "two_paths")
    data = json.loads(_graph(capsys, ".", "--format", "json"))
    pictures = data["pictures"]
    assert [(p["rule_id"], p["resource"], p["line"]) for p in pictures] == [
        ("IAG-PE-002", "aws_iam_user.ci", 15), ("IAG-PE-002", "aws_iam_role.ops", 50)]
    assert [p["title"] for p in pictures] == [
        "IAG-PE-002 (critical) iam.tf:15 aws_iam_user.ci: Principal can become an administrator through another principal",
        "IAG-PE-002 (critical) iam.tf:50 aws_iam_role.ops: Principal can become an administrator through another principal"]
    assert [sorted(n["label"] for n in p["nodes"]) for p in pictures] == [
        ["iam.tf:15 aws_iam_user.ci", "iam.tf:2 aws_iam_role.deployer"],
        ["iam.tf:37 aws_iam_role.break_glass", "iam.tf:50 aws_iam_role.ops"]]
    assert [[(e["source"], e["target"], e["kind"]) for e in p["edges"]] for p in pictures] == [
        [(".::aws_iam_user.ci", ".::aws_iam_role.deployer", "can_become")],
        [(".::aws_iam_role.ops", ".::aws_iam_role.break_glass", "can_become")]]
    # DOT: one digraph per picture, titled, each naming only its own nodes
    dot = _graph(capsys, ".", "--format", "dot")
    graphs = re.findall(r"^digraph .*?^}$", dot, re.S | re.M)
    assert len(graphs) == 2
    assert 'label="IAG-PE-002 (critical) iam.tf:15 aws_iam_user.ci: ' in graphs[0]
    assert "deployer" in graphs[0] and "break_glass" not in graphs[0] and "ops" not in graphs[0]
    assert "break_glass" in graphs[1] and "aws_iam_user.ci" not in graphs[1] and "deployer" not in graphs[1]
    # Mermaid: a Markdown heading and a diagram per picture
    markdown = _graph(capsys, ".")
    assert markdown.count("```mermaid\nflowchart LR") == 2 and markdown.count("\n## IAG-PE-002") == 1
    # the whole graph, on request, holds both paths (and the groups, policies and attachments)
    whole = json.loads(_graph(capsys, ".", "--format", "json", "--whole"))
    labels = {n["label"] for n in whole["nodes"]}
    assert {"iam.tf:15 aws_iam_user.ci", "iam.tf:2 aws_iam_role.deployer", "iam.tf:37 aws_iam_role.break_glass",
            "iam.tf:50 aws_iam_role.ops"} <= labels and len(labels) > 4


def test_nothing_to_draw(capsys, monkeypatch, tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    monkeypatch.chdir(tmp_path)
    assert _graph(capsys, ".") == "no escalation path or exposure to draw\n"
    assert json.loads(_graph(capsys, ".", "--format", "json")) == {"version": 1, "pictures": []}


def _result(*paths: str):
    settings = Settings()
    return scan([str(GRAPH / p) for p in paths], settings), settings


def test_step_summary_draws_paths_and_grants():
    result, settings = _result("small.yaml")
    text = summary_markdown(result, settings)
    blocks = re.findall(r"```mermaid\n(.*?)```", text, re.S)
    assert "### Paths and grants" in text
    assert any('"small.yaml:13 user Dev"' in b and '"small.yaml:3 role AdminRole"' in b
               and '-->|"can become"|' in b for b in blocks)
    assert any('"small.yaml:24 Key"' in b and '"account 444455556666"' in b and '-->|"grants"|' in b for b in blocks)


def test_step_summary_caps_diagrams():
    result, settings = _result("small.yaml")
    finding = next(f for f in result.findings if f.rule_id == "IAG-PE-002")
    result.findings.extend([finding] * (MAX_DIAGRAMS + 5))
    text = summary_markdown(result, settings)
    assert text.count("```mermaid") == MAX_DIAGRAMS
    assert "more findings with a path or grant" in text


def test_step_summary_without_room_has_no_diagrams():
    result, settings = _result("small.yaml")
    assert "```mermaid" not in summary_markdown(result, settings, limit=4096)


def test_view_without_model_is_empty():
    result, settings = _result("small.yaml")
    result.model = None
    assert build_view(result, settings).nodes == {}


def test_html_report_is_self_contained(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(GRAPH)
    target = tmp_path / "report.html"
    assert main(["scan", "small.yaml", "tf", "--format", "html", "-o", str(target)]) == 1
    assert capsys.readouterr().out == ""
    page = target.read_text()
    assert page.startswith("<!DOCTYPE html>")
    # nothing is fetched: no external URL in any attribute that loads something, no link/img tags
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', page, re.I)
    assert "<link" not in page and "<img" not in page and "@import" not in page
    assert "default-src 'none'" in page
    assert page.count('<article class="finding"') == len(
        [f for f in scan(["small.yaml", "tf"], Settings()).findings if not f.suppressed])
    assert page.count('<svg class="path-graph"') >= 4  # PE-002 and EXT-002 in both formats
    assert '&quot;Sid&quot;: &quot;Vendor&quot;' in page  # evidence, escaped


def test_html_escapes_hostile_text(tmp_path):
    result, settings = _result("small.yaml")
    result.findings[0].message = "<script>alert(1)</script>"
    from iacguard.report.html import render

    page = render(result, settings)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
