"""A self-contained HTML report: inline CSS and JS, no network fetch of any kind.

Findings are grouped by family, most severe first, with filters by family and severity (also
read from the URL fragment, e.g. ``report.html#family=external-access&severity=high``). Each
finding shows its message, location, evidence and, for escalation paths and external grants,
the path drawn as inline SVG generated here (no drawing library).
"""

from __future__ import annotations

import json
from html import escape as _escape_markup
from typing import TYPE_CHECKING

from ..framework import active_findings
from ..severity import MOST_SEVERE_FIRST, SEVERITIES, severity_rank
from .safe import inert_markup, visible

if TYPE_CHECKING:  # types only: reports are imported before a scan runs
    from ..engine import ScanResult
    from ..framework import Finding
    from ..settings import Settings
    from .graph_view import GraphView


def escape(text: object) -> str:
    """Text for an HTML element or attribute: markup escaped, and control, bidi and separator
    characters shown as visible escapes (a bidi override would reorder what the reader sees)."""
    return _escape_markup(visible(text))

_BOX_W, _BOX_H, _COL, _ROW, _PAD = 210, 40, 290, 64, 12

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:16px 24px}
header h1{margin:0 0 4px;font-size:20px}
.controls{display:flex;gap:16px;align-items:center;padding:12px 24px;background:#fff;border-bottom:1px solid #dde1e7;position:sticky;top:0}
main{padding:8px 24px 40px}
section h2{font-size:17px;margin:22px 0 8px;text-transform:capitalize}
article{background:#fff;border:1px solid #dde1e7;border-left:5px solid #999;border-radius:4px;margin:10px 0;padding:10px 14px}
article[data-severity=critical]{border-left-color:#8e0000}article[data-severity=high]{border-left-color:#c62828}
article[data-severity=medium]{border-left-color:#ef8f00}article[data-severity=low]{border-left-color:#4f7fbf}
.sev{display:inline-block;font-size:11px;font-weight:700;text-transform:uppercase;padding:1px 6px;border-radius:3px;color:#fff;background:#999}
.sev-critical{background:#8e0000}.sev-high{background:#c62828}.sev-medium{background:#ef8f00}.sev-low{background:#4f7fbf}
.rule{font-weight:600;margin:0 6px}.loc{color:#555;font-family:ui-monospace,monospace;font-size:12px}
.msg{margin:6px 0}
pre{background:#f1f3f6;padding:8px;overflow:auto;font-size:12px;max-height:260px}
svg.path-graph{display:block;margin:6px 0;max-width:100%;height:auto}
svg .node rect{fill:#fde2e2;stroke:#c62828;stroke-width:2}svg .node text{font-size:12px;fill:#1d2330}
svg .edge line{stroke:#c62828;stroke-width:2}svg .edge text{font-size:11px;fill:#8e0000}
[hidden]{display:none!important}
"""

# Filters: the selects drive the URL fragment, the fragment drives what is shown, so a link
# (or a headless browser) can open the report already filtered. rank() reads the severities'
# order from SEVERITIES (filled in below).
_JS = """
(function(){
  var fam=document.getElementById('family'),sev=document.getElementById('severity');
  function fromHash(){
    var params={};
    location.hash.replace(/^#/,'').split('&').forEach(function(part){
      var kv=part.split('=');if(kv[0])params[decodeURIComponent(kv[0])]=decodeURIComponent(kv[1]||'');});
    fam.value=params.family&&fam.querySelector('option[value="'+CSS.escape(params.family)+'"]')?params.family:'';
    sev.value=params.severity&&sev.querySelector('option[value="'+CSS.escape(params.severity)+'"]')?params.severity:'';
    apply();
  }
  function rank(s){return [SEVERITIES_LOW_FIRST].indexOf(s);}
  function apply(){
    var shown=0,all=document.querySelectorAll('article.finding');
    all.forEach(function(a){
      var ok=(!fam.value||a.dataset.family===fam.value)&&(!sev.value||rank(a.dataset.severity)>=rank(sev.value));
      a.hidden=!ok;if(ok)shown++;});
    document.querySelectorAll('section.family').forEach(function(s){
      s.hidden=!s.querySelector('article.finding:not([hidden])');});
    document.getElementById('shown').textContent=shown+' of '+all.length+' findings shown';
  }
  function toHash(){
    var parts=[];if(fam.value)parts.push('family='+encodeURIComponent(fam.value));
    if(sev.value)parts.push('severity='+encodeURIComponent(sev.value));
    history.replaceState(null,'',parts.length?'#'+parts.join('&'):location.pathname+location.search);apply();
  }
  fam.addEventListener('change',toHash);sev.addEventListener('change',toHash);
  window.addEventListener('hashchange',fromHash);fromHash();
})();
""".replace("SEVERITIES_LOW_FIRST", ",".join(f"'{s}'" for s in SEVERITIES))


def _short(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _arrowhead(start: tuple[float, float], end: tuple[float, float]) -> str:
    import math

    angle = math.atan2(end[1] - start[1], end[0] - start[0])
    points = [end] + [(end[0] - 10 * math.cos(angle + turn), end[1] - 10 * math.sin(angle + turn))
                      for turn in (0.45, -0.45)]
    return '<polygon fill="#c62828" points="' + " ".join(f"{x:.0f},{y:.0f}" for x, y in points) + '"/>'


def path_svg(view: GraphView) -> str:
    """Inline SVG of a small finding view: columns by distance from the nodes nothing points to."""
    if not view.edges:
        return ""
    order = list(view.nodes)
    incoming = {e.target for e in view.edges if e.source != e.target}
    column = {n: 0 for n in order if n not in incoming} or {order[0]: 0}
    frontier = list(column)
    while frontier:  # breadth first: each node in the column after its nearest predecessor
        following = []
        for source in frontier:
            for e in view.edges:
                if e.source == source and e.target not in column:
                    column[e.target] = column[source] + 1
                    following.append(e.target)
        frontier = following
    for n in order:
        column.setdefault(n, 0)
    rows: dict[int, int] = {}
    position = {}
    for n in order:
        row = rows.get(column[n], 0)
        rows[column[n]] = row + 1
        position[n] = (_PAD + column[n] * _COL, _PAD + row * _ROW)
    width = _PAD * 2 + max(column.values()) * _COL + _BOX_W
    height = _PAD * 2 + (max(rows.values()) - 1) * _ROW + _BOX_H
    parts = [f'<svg class="path-graph" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">']
    for e in view.edges:
        (x1, y1), (x2, y2) = position[e.source], position[e.target]
        start = (x1 + _BOX_W, y1 + _BOX_H / 2)
        end = (x2, y2 + _BOX_H / 2) if x2 > x1 else (x2 + _BOX_W / 2, y2 + (_BOX_H if y2 < y1 else 0))
        label = e.kind.replace("_", " ")
        parts.append(f'<g class="edge" data-kind="{escape(e.kind)}"><title>{escape(e.via or label)}</title>'
                     f'<line x1="{start[0]:.0f}" y1="{start[1]:.0f}" x2="{end[0]:.0f}" y2="{end[1]:.0f}" '
                     f'/>{_arrowhead(start, end)}<text x="{(start[0] + end[0]) / 2:.0f}" '
                     f'y="{(start[1] + end[1]) / 2 - 5:.0f}" text-anchor="middle">{escape(label)}</text></g>')
    for n, (x, y) in position.items():
        label = view.nodes[n].label
        parts.append(f'<g class="node" data-node="{escape(n)}"><title>{escape(label)}</title>'
                     f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="6"/>'
                     f'<text x="{x + 8}" y="{y + 25}">{escape(_short(label))}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _finding_html(result: ScanResult, settings: Settings, finding: Finding) -> str:
    from .graph_view import finding_view, is_pictured

    location = f"{finding.file}:{finding.line}"
    evidence = ""
    if finding.evidence is not None:
        evidence = ("<details open><summary>Evidence</summary><pre>"
                    + _escape_markup(json.dumps(finding.evidence, indent=2, default=str)) + "</pre></details>")
    drawing = ""
    if is_pictured(finding) and getattr(result, "model", None) is not None:
        drawing = path_svg(finding_view(result, settings, finding))
    return (f'<article class="finding" data-family="{escape(finding.family)}" '
            f'data-severity="{escape(finding.severity)}" data-rule="{escape(finding.rule_id)}">'
            f'<div><span class="sev sev-{escape(finding.severity)}">{escape(finding.severity)}</span>'
            f'<span class="rule">{escape(finding.rule_id)}</span>{escape(finding.title)}</div>'
            f'<p class="msg">{escape(finding.message)}</p>'
            f'<div class="loc">{escape(location)} · {escape(finding.resource)} ({escape(finding.resource_type)})</div>'
            f"{drawing}{evidence}</article>")


def render(result: ScanResult, settings: Settings) -> str:
    findings = sorted(active_findings(result.findings),
                      key=lambda f: (f.family, -severity_rank(f.severity), f.file, f.line, f.rule_id))
    families = sorted({f.family for f in findings})
    counts = ", ".join(f"{sum(1 for f in findings if f.severity == s)} {s}" for s in MOST_SEVERE_FIRST)
    verdict = "failed" if result.exit_code(settings) else "passed"
    body = []
    for family in families:
        members = [f for f in findings if f.family == family]
        body.append(f'<section class="family" data-family="{escape(family)}"><h2>{escape(family.replace("-", " "))}'
                    f" ({len(members)})</h2>" + "".join(_finding_html(result, settings, f) for f in members)
                    + "</section>")
    if not findings:
        body.append("<p>No findings.</p>")
    problems = [("input error", e) for e in result.errors] + [("unresolved", e) for e in result.unresolved]
    if problems:
        body.append("<section><h2>Errors</h2><ul>" + "".join(
            f"<li>{escape(str(e.file or 'input'))}{':' + str(e.line) if e.line else ''}: {escape(kind)}: "
            f"{escape(e.message)}</li>" for kind, e in problems) + "</ul></section>")
    not_analysed = list(getattr(result, "not_analysed", ()))
    if not_analysed:
        body.append("<section><h2>Not analysed</h2><ul>" + "".join(
            f"<li>{escape(str(e.file))}:{e.line}: {escape(e.message)}</li>" for e in not_analysed)
            + "</ul></section>")
    family_options = "".join(f'<option value="{escape(f)}">{escape(f)}</option>' for f in families)
    severity_options = "".join(f'<option value="{s}">{s} and above</option>' for s in MOST_SEVERE_FIRST)
    # "##[" in a name is an Actions workflow command when the page is printed in a log; a
    # character reference shows the same text (our own style and script need none).
    main = inert_markup("".join(body))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            # the CSP forbids every fetch: the report must work offline and leak nothing
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
            "<title>iacguard report</title>"
            f"<style>{_CSS}</style></head><body>"
            f"<header><h1>iacguard: {verdict}</h1><div>{len(result.files)} files, {result.resource_total} "
            f"resources: {len(findings)} findings ({counts}); {len(result.errors)} input errors, "
            f"{len(result.unresolved)} unresolved"
            + (f", {len(not_analysed)} module calls not analysed" if not_analysed else "") + "</div></header>"
            '<div class="controls"><label>Family <select id="family"><option value="">all</option>'
            f'{family_options}</select></label><label>Severity <select id="severity"><option value="">all</option>'
            f'{severity_options}</select></label><span id="shown"></span></div>'
            f"<main>{main}</main><script>{_JS}</script></body></html>\n")
