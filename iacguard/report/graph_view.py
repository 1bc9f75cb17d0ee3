"""Pictures of the risk: who can become whom, and who outside can reach what.

``build_view`` reduces the scan's graph (iacguard/graph.py plus the escalation edges) to what a
reviewer needs: principals, external principals, resources with resource policies, the policies
findings are reported on, and the edges that make findings (can_assume, grants, can_become,
can_pass, can_modify, member_of, attached). The nodes and edges of findings are highlighted.
``finding_pictures`` cuts one small picture per escalation path or exposure out of it (the
default of ``iacguard graph`` and what the HTML report draws); nodes written in a template are
labelled ``file:line resource``. Renderers: Mermaid (GitHub renders it in Markdown), Graphviz
DOT, JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..errors import UsageError
from ..framework import active_findings
from .safe import inert_json, inert_lines, visible

if TYPE_CHECKING:  # types only: reports are imported before a scan runs
    from ..analysis import Analysis
    from ..iam.model import IamModel
    from ..engine import ScanResult
    from ..framework import Finding
    from ..settings import Settings

# Edge kinds drawn; references and bounded_by add clutter without explaining a finding.
DRAWN_EDGES = ("can_assume", "grants", "can_become", "can_pass", "can_modify", "member_of", "attached")
PRINCIPAL_KINDS = ("user", "role", "group")
ESCALATION_EDGES = ("can_become", "can_pass", "can_modify")


@dataclass
class ViewNode:
    id: str
    label: str
    kind: str  # user | role | group | external | resource | policy
    highlighted: bool = False
    findings: list[str] = field(default_factory=list)  # rule ids reported on this node


@dataclass
class ViewEdge:
    source: str
    target: str
    kind: str
    via: str = ""
    highlighted: bool = False

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.target, self.kind)


@dataclass
class GraphView:
    nodes: dict[str, ViewNode] = field(default_factory=dict)
    edges: list[ViewEdge] = field(default_factory=list)

    def add_node(self, node: ViewNode) -> ViewNode:
        return self.nodes.setdefault(node.id, node)

    def add_edge(self, edge: ViewEdge) -> ViewEdge:
        for existing in self.edges:
            if existing.key == edge.key:
                existing.highlighted = existing.highlighted or edge.highlighted
                existing.via = existing.via or edge.via
                return existing
        self.edges.append(edge)
        return edge

    def sorted(self) -> "GraphView":
        """Nodes and edges in a stable order, so the output does not depend on scan order."""
        return GraphView({key: self.nodes[key] for key in sorted(self.nodes)},
                         sorted(self.edges, key=lambda e: e.key))


def _node_kind(attributes: dict) -> str:
    kind = attributes.get("kind", "resource")
    if attributes.get("external") or kind in ("anyone", "service", "federated", "canonical-user", "account",
                                              "external-principal"):
        return "external"
    if kind in PRINCIPAL_KINDS:
        return kind
    return "policy" if kind == "policy" else "resource"


def _label(model: IamModel, graph: Any, node_id: str) -> str:
    """What a reviewer finds in the code: ``file:line resource`` for a node written in a template
    (``iam.tf:12 aws_iam_role.deployer``, ``stack.yaml:3 role AdminRole``), the principal's or
    node's own name for one outside the templates (``account 444455556666``)."""
    principal = model.principals.get(node_id) or model.external_principals.get(node_id)
    attributes = graph.nodes[node_id] if node_id in graph else {}
    policy = model.policies.get(node_id)
    if policy is not None:
        name = f"policy {policy.name}"
    elif principal is not None:
        name = principal.label
        address = attributes.get("address")
        # a Terraform address names its type (aws_iam_role.x); a logical id needs the kind
        if address and "." in str(address) and not str(attributes.get("type", "")).startswith("AWS::"):
            name = str(address)
    else:
        name = str(attributes.get("label") or node_id)
    where = _where(attributes)
    return f"{where} {name}" if where else name


def _where(attributes: dict) -> str:
    """``file:line`` of a node written in a template, else empty."""
    file, line = attributes.get("file"), attributes.get("line")
    if not file or attributes.get("external"):
        return ""
    return f"{file}:{line}" if line else str(file)


def scan_analysis(result: ScanResult, settings: Settings | None) -> Analysis:
    """The analysis of ``result.model`` (``iacguard.analysis.Analysis``): the one the checks used,
    or, for a model the checks did not see (built again for the reports), one kept on the result
    so that every report of it shares it."""
    model = result.model
    if model is None:  # the reports picture only scans that kept their model, and check first
        raise ValueError("the scan kept no model to picture")
    analysis = getattr(result, "analysis", None)
    if analysis is None or analysis.model is not model:
        from ..analysis import Analysis

        analysis = result.analysis = Analysis(model, settings)
    return analysis


def finding_edges(result: ScanResult, graph: Any, finding: Finding) -> list[ViewEdge]:
    """The edges that make one finding: the hops of its ``path``, or for a resource-policy or
    trust finding the grants/can_assume edges of the reported statement (matched by its line)."""
    if finding.path:
        edges = []
        for previous, step in zip(finding.path, finding.path[1:]):
            edges.append(ViewEdge(previous["node"], step["node"], step.get("edge", "can_become"),
                                  step.get("via", ""), True))
        return edges
    analysis = scan_analysis(result, None)
    resource = analysis.resource_at(finding.file, finding.resource, finding.when)
    if resource is None:
        return []
    model = analysis.model
    own = model.node_id(resource)
    holders = {own} | {model.node_id(rp.target) for rp in model.resource_policies
                       if rp.target is not None and rp.node.resource is resource}
    found = []
    for source, target, data in graph.edges(data=True):
        if data.get("line") != finding.line:
            continue
        if (data.get("kind") == "grants" and source in holders) or \
                (data.get("kind") == "can_assume" and target == own):
            found.append(ViewEdge(source, target, data["kind"], data.get("service") or "", True))
    return found


def build_view(result: ScanResult, settings: Settings, focus: str | None = None) -> GraphView:
    """The reviewer's graph of a scan; ``focus`` keeps only the paths through one node (a node
    id, a resource address or a label)."""
    model = result.model
    if model is None:
        return GraphView()
    analysis = scan_analysis(result, settings)
    graph = analysis.escalation_graph()
    # An administrator can already do everything: its outgoing escalation edges explain nothing.
    admins = {pid for pid, principal in model.principals.items() if analysis.escalation.is_admin(principal)}
    view = GraphView()

    def node(node_id: str) -> ViewNode:
        attributes = graph.nodes[node_id] if node_id in graph else {}
        kind = "policy" if node_id in model.policies else _node_kind(attributes)
        return view.add_node(ViewNode(node_id, _label(model, graph, node_id), kind))

    findings = active_findings(result.findings)
    reported: dict[str, Any] = {}
    for finding in findings:
        resource = analysis.resource_at(finding.file, finding.resource, finding.when)
        if resource is not None:
            reported.setdefault(model.node_id(resource), []).append(finding.rule_id)
    policies_that_matter = {pid for pid, policy in model.policies.items()
                            if model.node_id(policy.resource) in reported and policy.kind not in ("trust", "resource")}

    for principal in model.principals.values():
        node(principal.id)
    for source, target, data in graph.edges(data=True):
        kind = data.get("kind")
        if kind not in DRAWN_EDGES or (kind == "attached" and source not in policies_that_matter):
            continue
        if kind in ESCALATION_EDGES and (source in admins or source == target):
            continue
        node(source)
        node(target)
        view.add_edge(ViewEdge(source, target, kind, str(data.get("via") or data.get("service") or "")))

    for finding in findings:
        for edge in finding_edges(result, graph, finding):
            node(edge.source).highlighted = True
            node(edge.target).highlighted = True
            view.add_edge(edge)
    for node_id, rule_ids in reported.items():
        if node_id in view.nodes or node_id in model.policies:
            target = node(node_id)
            target.highlighted = True
            target.findings = sorted(set(rule_ids))
    if focus:
        view = _focus(view, focus)
    return view.sorted()


def _focus(view: GraphView, focus: str) -> GraphView:
    wanted = focus.strip()
    matches = [n for n in view.nodes.values()
               if wanted in (n.id, n.label) or n.id.endswith("::" + wanted) or n.label.split(" ", 1)[-1] == wanted]
    if not matches:
        raise UsageError(f"--focus: no node {focus!r} in the graph (use a resource address, e.g. a logical id "
                         "or aws_iam_role.name, or an id from --format json)")
    successors: dict[str, set[str]] = {}
    predecessors: dict[str, set[str]] = {}
    for edge in view.edges:
        successors.setdefault(edge.source, set()).add(edge.target)
        predecessors.setdefault(edge.target, set()).add(edge.source)
    start = {n.id for n in matches}
    upstream = _reach(start, predecessors)  # focus and everything with a path into it
    downstream = _reach(start, successors)  # focus and everything it reaches
    edges = [e for e in view.edges if (e.source in upstream and e.target in upstream)
             or (e.source in downstream and e.target in downstream)]
    keep = start | {e.source for e in edges} | {e.target for e in edges}
    return GraphView({k: v for k, v in view.nodes.items() if k in keep}, edges)


def _reach(start: Iterable[str], neighbours: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    todo = list(seen)
    while todo:
        for following in neighbours.get(todo.pop(), ()):
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return seen


def finding_view(result: ScanResult, settings: Settings, finding: Finding) -> GraphView:
    """The small picture of one finding: only the nodes and edges that make it."""
    analysis = scan_analysis(result, settings)
    graph = analysis.escalation_graph()
    model = analysis.model
    view = GraphView()
    for edge in finding_edges(result, graph, finding):
        for node_id in (edge.source, edge.target):
            attributes = graph.nodes[node_id] if node_id in graph else {}
            kind = "policy" if node_id in model.policies else _node_kind(attributes)
            view.add_node(ViewNode(node_id, _label(model, graph, node_id), kind, True))
        view.add_edge(edge)
    return view


def is_pictured(finding: Finding) -> bool:
    """Escalation paths and external grants get a picture."""
    return bool(finding.path) or finding.family == "external-access"


@dataclass
class Picture:
    """One finding's small picture and the title it is shown under."""
    finding: Finding
    view: GraphView

    @property
    def title(self) -> str:
        f = self.finding
        return f"{f.rule_id} ({f.severity}) {f.file}:{f.line} {f.resource}: {f.title}"


def finding_pictures(result: ScanResult, settings: Settings) -> list[Picture]:
    """A picture per active escalation path or exposure, most severe first (then by file and
    line); findings whose edges cannot be found in the graph are left out."""
    from ..severity import severity_rank

    if result.model is None:
        return []
    pictured = sorted((f for f in active_findings(result.findings) if is_pictured(f)),
                      key=lambda f: (-severity_rank(f.severity), f.file, f.line, f.rule_id, f.resource))
    pictures = []
    for finding in pictured:
        view = finding_view(result, settings, finding)
        if view.edges:
            pictures.append(Picture(finding, view.sorted()))
    return pictures


# --- Mermaid ---------------------------------------------------------------------------------

_MERMAID_SHAPES = {"user": ('["', '"]'), "role": ('["', '"]'), "group": ('[["', '"]]'),
                   "external": ('(["', '"])'), "resource": ('[("', '")]'), "policy": ('[/"', '"/]')}


def mermaid_text(text: str) -> str:
    """A label safe inside Mermaid double quotes: entity codes for the characters Mermaid or
    Markdown would interpret, and control or bidi characters as visible escapes."""
    text = " ".join(visible(text).split())
    text = text.replace("#", "#35;")
    for char, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;"), ("|", "#124;")):
        text = text.replace(char, code)
    return text


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_mermaid(view: GraphView, max_nodes: int | None = None) -> str:
    """``flowchart LR``; node ids are n0, n1, ... (names never reach the syntax), labels quoted."""
    nodes = list(view.nodes.values())
    if max_nodes is not None and len(nodes) > max_nodes:
        keep = {n.id for n in sorted(nodes, key=lambda n: (not n.highlighted, n.id))[:max_nodes]}
        nodes = [n for n in nodes if n.id in keep]
    ids = {n.id: f"n{index}" for index, n in enumerate(nodes)}
    lines = ["flowchart LR"]
    for n in nodes:
        opening, closing = _MERMAID_SHAPES.get(n.kind, ('["', '"]'))
        label = _short(n.label) + (f" ({', '.join(n.findings)})" if n.findings else "")
        lines.append(f"  {ids[n.id]}{opening}{mermaid_text(label)}{closing}")
    drawn = [e for e in view.edges if e.source in ids and e.target in ids]
    for e in drawn:
        lines.append(f'  {ids[e.source]} -->|"{mermaid_text(e.kind.replace("_", " "))}"| {ids[e.target]}')
    lines.append("  classDef finding fill:#fde2e2,stroke:#c62828,stroke-width:3px")
    marked = [ids[n.id] for n in nodes if n.highlighted]
    if marked:
        lines.append(f"  class {','.join(marked)} finding")
    hot = [str(i) for i, e in enumerate(drawn) if e.highlighted]
    if hot:
        lines.append(f"  linkStyle {','.join(hot)} stroke:#c62828,stroke-width:3px")
    if len(nodes) < len(view.nodes):
        lines.append(f"  %% {len(view.nodes) - len(nodes)} more nodes left out")
    return "\n".join(lines) + "\n"


# --- DOT ---------------------------------------------------------------------------------------

_DOT_SHAPES = {"user": "box", "role": "box", "group": "box3d", "external": "ellipse", "resource": "cylinder",
               "policy": "note"}


def dot_text(text: str) -> str:
    # inert_lines: a "##[" in a name is written "##\\x5b" (the DOT source is printed as it is)
    return '"' + inert_lines(" ".join(visible(text).split())).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(view: GraphView, name: str = "iacguard", title: str | None = None) -> str:
    lines = [f"digraph {dot_text(name)} {{", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    if title is not None:
        lines.append(f'  label={dot_text(title)}; labelloc=t; fontname="Helvetica";')
    for n in view.nodes.values():
        label = n.label + (f" ({', '.join(n.findings)})" if n.findings else "")
        attributes = [f"label={dot_text(label)}",
                      f"shape={_DOT_SHAPES.get(n.kind, 'box')}"]
        if n.highlighted:
            attributes += ['color="#c62828"', "penwidth=2", 'style=filled', 'fillcolor="#fde2e2"']
        lines.append(f"  {dot_text(n.id)} [{', '.join(attributes)}];")
    for e in view.edges:
        attributes = [f"label={dot_text(e.kind.replace('_', ' '))}"]
        if e.via:
            attributes.append(f"tooltip={dot_text(e.via)}")
        if e.highlighted:
            attributes += ['color="#c62828"', "penwidth=2"]
        lines.append(f"  {dot_text(e.source)} -> {dot_text(e.target)} [{', '.join(attributes)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _json_view(view: GraphView) -> dict:
    return {"nodes": [{"id": n.id, "label": n.label, "kind": n.kind, "highlighted": n.highlighted,
                       "findings": n.findings} for n in view.nodes.values()],
            "edges": [{"source": e.source, "target": e.target, "kind": e.kind, "via": e.via,
                       "highlighted": e.highlighted} for e in view.edges]}


def render_json(view: GraphView) -> str:
    return json.dumps({"version": 1, **_json_view(view)}, indent=2) + "\n"


RENDERERS: dict[str, Callable[[GraphView], str]] = {"mermaid": render_mermaid, "dot": render_dot,
                                                   "json": render_json}

NOTHING_TO_DRAW = "no escalation path or exposure to draw"


def render_pictures(pictures: list[Picture], graph_format: str) -> str:
    """One small picture per finding: Markdown with a Mermaid block under each finding's title
    (GitHub renders it), a DOT file of one digraph each (``dot -Tsvg -O`` writes one file per
    graph), or JSON with a list of pictures."""
    from .safe import markdown_text

    if graph_format == "json":
        return json.dumps({"version": 1, "pictures": [
            {"title": p.title, "rule_id": p.finding.rule_id, "severity": p.finding.severity,
             "file": p.finding.file, "line": p.finding.line, "resource": p.finding.resource,
             **_json_view(p.view)} for p in pictures]}, indent=2) + "\n"
    if graph_format == "dot":
        if not pictures:
            return f"// {NOTHING_TO_DRAW}\n"
        return "\n".join(render_dot(p.view, f"finding_{index}", p.title)
                         for index, p in enumerate(pictures, 1))
    if not pictures:
        return f"{NOTHING_TO_DRAW}\n"
    return "\n".join(f"## {markdown_text(p.title)}\n\n```mermaid\n{render_mermaid(p.view)}```\n"
                     for p in pictures)


def render_graph(result: ScanResult, settings: Settings, graph_format: str, focus: str | None = None,
                 whole: bool = False) -> str:
    """A picture per escalation path or exposure; ``whole`` (or a ``focus``): the repository's
    whole graph, around ``focus`` when given."""
    if whole or focus:
        text = RENDERERS[graph_format](build_view(result, settings, focus))
    else:
        text = render_pictures(finding_pictures(result, settings), graph_format)
    # Labels are escaped one by one; this keeps a printed graph from carrying workflow commands.
    return inert_json(text) if graph_format == "json" else inert_lines(text)
