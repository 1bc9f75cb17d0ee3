"""A self-contained HTML report: inline CSS and JS, no network fetch of any kind.

Findings are listed most severe first (critical on top; within a severity by file and line) in
two tabs: the active findings, and those suppressed inline or baselined. A search box filters
them as one types; the family and severity filters, the tab and the search are also read from
the URL fragment (``report.html#tab=muted&severity=high&q=deployer``). Each finding shows its
message, location, how to fix it and its check's documentation (what ``iacguard explain``
prints: why it matters, how to fix), its evidence collapsed and, for escalation paths and
external grants, the path drawn as inline SVG generated here (no drawing library).

The Content-Security-Policy allows no fetch and only our own style and script, by hash: even
markup that escaped escaping could not run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import escape as _escape_markup
from typing import TYPE_CHECKING

from ..fixtext import FIXED_BY
from ..severity import MOST_SEVERE_FIRST, SEVERITIES, severity_rank
from .safe import inert_markup, visible

if TYPE_CHECKING:  # types only: reports are imported before a scan runs
    from ..engine import ScanResult
    from ..framework import CheckMeta, Finding
    from ..settings import Settings
    from .graph_view import GraphView


def escape(text: object) -> str:
    """Text for an HTML element or attribute: markup escaped, and control, bidi and separator
    characters shown as visible escapes (a bidi override would reorder what the reader sees)."""
    return _escape_markup(visible(text))


def escape_block(text: object) -> str:
    """Prose of several lines (a check's documentation) for a ``white-space: pre-wrap`` element:
    each line escaped as :func:`escape` does; lines wrapped in the source are joined, while
    paragraph breaks, list items and indented lines keep their own line."""
    out: list[str] = []
    for line in str(text).splitlines():
        starts_own_line = not out or not out[-1] or not line.strip() or line[:1].isspace() \
            or line.lstrip().startswith(("- ", "* ", "```"))
        if starts_own_line:
            out.append(escape(line))
        else:
            out[-1] += " " + escape(line.strip())
    return "\n".join(out)


_BOX_W, _BOX_H, _COL, _ROW, _PAD = 250, 46, 330, 70, 12

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:16px 24px}
header h1{margin:0 0 4px;font-size:20px}
.controls{display:flex;flex-wrap:wrap;gap:12px 16px;align-items:center;padding:10px 24px;background:#fff;border-bottom:1px solid #dde1e7;position:sticky;top:0;z-index:1}
.tabs{display:flex;gap:4px}
.tabs button{font:inherit;border:1px solid #c3c9d3;background:#f1f3f6;padding:4px 12px;border-radius:4px;cursor:pointer}
.tabs button[aria-selected=true]{background:#1d2330;color:#fff;border-color:#1d2330}
#search{font:inherit;padding:4px 8px;min-width:260px;border:1px solid #c3c9d3;border-radius:4px}
main{padding:8px 24px 40px}
section h2{font-size:17px;margin:22px 0 8px;text-transform:capitalize}
article{background:#fff;border:1px solid #dde1e7;border-left:5px solid #999;border-radius:4px;margin:10px 0;padding:10px 14px}
article[data-severity=critical]{border-left-color:#8e0000}article[data-severity=high]{border-left-color:#c62828}
article[data-severity=medium]{border-left-color:#ef8f00}article[data-severity=low]{border-left-color:#4f7fbf}
.sev{display:inline-block;font-size:11px;font-weight:700;text-transform:uppercase;padding:1px 6px;border-radius:3px;color:#fff;background:#999}
.sev-critical{background:#8e0000}.sev-high{background:#c62828}.sev-medium{background:#ef8f00}.sev-low{background:#4f7fbf}
.rule{font-weight:600;margin:0 6px}.loc{color:#555;font-family:ui-monospace,monospace;font-size:12px}
.status{display:inline-block;margin-left:8px;font-size:12px;color:#555;border:1px solid #c3c9d3;border-radius:3px;padding:0 5px}
.msg{margin:6px 0}.fix{margin:6px 0;white-space:pre-wrap}.fix strong{font-weight:600}
details{margin:6px 0}summary{cursor:pointer;color:#344;font-size:13px}
.doc h3{font-size:13px;margin:8px 0 2px}.doc p{margin:0;white-space:pre-wrap}
pre{background:#f1f3f6;padding:8px;overflow:auto;font-size:12px;max-height:260px}
#none{color:#555}
svg.path-graph{display:block;margin:6px 0;max-width:100%;height:auto}
svg .node rect{fill:#fde2e2;stroke:#c62828;stroke-width:2}svg .node text{font-size:12px;fill:#1d2330}
svg .node text.where{font-size:10px;fill:#555}
svg .edge line{stroke:#c62828;stroke-width:2}svg .edge text{font-size:11px;fill:#8e0000}
[hidden]{display:none!important}
"""

# The tab, the selects and the search box drive the URL fragment, the fragment drives what is
# shown, so a link (or a headless browser) can open the report already filtered. rank() reads
# the severities' order from SEVERITIES (filled in below). The search matches every word typed
# (any case) against a finding's rule, title, message, file and resource.
_JS = """
(function(){
  var fam=document.getElementById('family'),sev=document.getElementById('severity'),
      search=document.getElementById('search'),tabs=document.querySelectorAll('.tabs button'),tab='active';
  function fromHash(){
    var params={};
    location.hash.replace(/^#/,'').split('&').forEach(function(part){
      var kv=part.split('=');if(kv[0])params[decodeURIComponent(kv[0])]=decodeURIComponent(kv[1]||'');});
    fam.value=params.family&&fam.querySelector('option[value="'+CSS.escape(params.family)+'"]')?params.family:'';
    sev.value=params.severity&&sev.querySelector('option[value="'+CSS.escape(params.severity)+'"]')?params.severity:'';
    tab=params.tab==='muted'?'muted':'active';
    search.value=params.q||'';
    apply();
  }
  function rank(s){return [SEVERITIES_LOW_FIRST].indexOf(s);}
  function apply(){
    tabs.forEach(function(b){b.setAttribute('aria-selected',b.dataset.tab===tab?'true':'false');});
    document.querySelectorAll('.panel').forEach(function(p){p.hidden=p.dataset.tab!==tab;});
    var words=search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown=0,all=document.querySelectorAll('.panel[data-tab="'+tab+'"] article.finding');
    all.forEach(function(a){
      var text=a.querySelector('.head').textContent.toLowerCase();
      var ok=(!fam.value||a.dataset.family===fam.value)&&(!sev.value||rank(a.dataset.severity)>=rank(sev.value))
        &&words.every(function(w){return text.indexOf(w)>=0;});
      a.hidden=!ok;if(ok)shown++;});
    document.querySelectorAll('section.severity').forEach(function(s){
      s.hidden=!s.querySelector('article.finding:not([hidden])');});
    document.getElementById('shown').textContent=shown+' of '+all.length+' findings shown';
    var none=document.getElementById('none');none.hidden=shown>0;
    none.textContent=all.length?'No findings here match.':'No findings.';
  }
  function toHash(){
    var parts=[];if(tab!=='active')parts.push('tab='+tab);
    if(fam.value)parts.push('family='+encodeURIComponent(fam.value));
    if(sev.value)parts.push('severity='+encodeURIComponent(sev.value));
    if(search.value)parts.push('q='+encodeURIComponent(search.value));
    history.replaceState(null,'',parts.length?'#'+parts.join('&'):location.pathname+location.search);apply();
  }
  tabs.forEach(function(b){b.addEventListener('click',function(){tab=b.dataset.tab;toHash();});});
  fam.addEventListener('change',toHash);sev.addEventListener('change',toHash);search.addEventListener('input',toHash);
  window.addEventListener('hashchange',fromHash);fromHash();
})();
""".replace("SEVERITIES_LOW_FIRST", ",".join(f"'{s}'" for s in SEVERITIES))


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


# Nothing may be fetched (the report must work offline and leak nothing); only our own style
# and script run, named by their hashes.
CONTENT_SECURITY_POLICY = (f"default-src 'none'; style-src {_csp_hash(_CSS)}; script-src {_csp_hash(_JS)}; "
                           "img-src data:; base-uri 'none'; form-action 'none'")


# a node label that starts with where it is written: "iam.tf:12 aws_iam_role.deployer"
_LOCATED = re.compile(r"^\S+:\d+ ")


def _short(text: str, limit: int = 36) -> str:
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
        where, _, name = label.partition(" ") if _LOCATED.match(label) else ("", "", label)
        text = (f'<text class="where" x="{x + 8}" y="{y + 17}">{escape(_short(where, 40))}</text>'
                f'<text x="{x + 8}" y="{y + 35}">{escape(_short(name))}</text>' if where
                else f'<text x="{x + 8}" y="{y + 28}">{escape(_short(name))}</text>')
        parts.append(f'<g class="node" data-node="{escape(n)}"><title>{escape(label)}</title>'
                     f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="6"/>{text}</g>')
    parts.append("</svg>")
    return "".join(parts)


def _language(finding: Finding) -> str:
    """The language a fix is written in for this finding's file."""
    return "cloudformation" if finding.resource_type.startswith(("AWS::", "Custom::", "Alexa::")) else "terraform"


def _fix_and_doc(finding: Finding, meta: CheckMeta | None) -> str:
    """How to fix this finding (its own fix when its message says one, else the check's, in the
    file's language) and the check's documentation, as `iacguard explain` prints it."""
    _, said, own_fix = finding.message.partition(FIXED_BY)
    fix = own_fix.strip() if said else (meta.fix_in(_language(finding)) if meta is not None else "")
    out = f'<p class="fix"><strong>How to fix:</strong> {escape_block(fix)}</p>' if fix else ""
    if meta is not None:
        out += (f'<details class="doc"><summary>About {escape(meta.id)}: {escape(meta.title)}</summary>'
                f"<h3>Why it matters</h3><p>{escape_block(meta.why)}</p>"
                f"<h3>What it checks</h3><p>{escape_block(meta.doc or meta.title)}</p>"
                f"<h3>How to fix</h3><p>{escape_block(meta.fix_in(_language(finding)))}</p>"
                f"<h3>More</h3><p>iacguard explain {escape(meta.id)}</p></details>")
    return out


def _finding_html(result: ScanResult, settings: Settings, finding: Finding) -> str:
    from .graph_view import finding_view, is_pictured

    location = f"{finding.file}:{finding.line}"
    status = ""
    if finding.suppressed:
        status = '<span class="status">suppressed' + (
            f": {escape(finding.suppression_reason)}" if finding.suppression_reason else "") + "</span>"
    elif finding.baselined:
        status = '<span class="status">baselined</span>'
    evidence = ""
    if finding.evidence is not None:
        evidence = ('<details class="evidence"><summary>Evidence</summary><pre>'
                    + _escape_markup(json.dumps(finding.evidence, indent=2, default=str)) + "</pre></details>")
    drawing = ""
    if is_pictured(finding) and getattr(result, "model", None) is not None:
        drawing = path_svg(finding_view(result, settings, finding))
    meta = (getattr(result, "checks", None) or {}).get(finding.rule_id)
    # .head is what the search box reads: rule, title, status, message, file, resource
    return (f'<article class="finding" data-family="{escape(finding.family)}" '
            f'data-severity="{escape(finding.severity)}" data-rule="{escape(finding.rule_id)}" '
            f'data-resource="{escape(finding.resource)}"><div class="head">'
            f'<div><span class="sev sev-{escape(finding.severity)}">{escape(finding.severity)}</span>'
            f'<span class="rule">{escape(finding.rule_id)}</span>{escape(finding.title)}{status}</div>'
            f'<p class="msg">{escape(finding.message)}</p>'
            f'<div class="loc">{escape(location)} · {escape(finding.resource)} ({escape(finding.resource_type)})</div>'
            f"</div>{_fix_and_doc(finding, meta)}{drawing}{evidence}</article>")


def _by_severity(result: ScanResult, settings: Settings, findings: list[Finding]) -> str:
    """A section per severity, critical first; within one, by file and line."""
    sections = []
    for severity in MOST_SEVERE_FIRST + tuple(sorted({f.severity for f in findings} - set(MOST_SEVERE_FIRST))):
        members = sorted((f for f in findings if f.severity == severity),
                         key=lambda f: (f.file, f.line, f.rule_id, f.resource))
        if members:
            sections.append(f'<section class="severity" data-severity="{escape(severity)}">'
                            f"<h2>{escape(severity)} ({len(members)})</h2>"
                            + "".join(_finding_html(result, settings, f) for f in members) + "</section>")
    return "".join(sections)


def render(result: ScanResult, settings: Settings) -> str:
    active = [f for f in result.findings if not f.suppressed and not f.baselined]
    muted = [f for f in result.findings if f.suppressed or f.baselined]
    suppressed = sum(1 for f in muted if f.suppressed)
    counts = ", ".join(f"{sum(1 for f in active if f.severity == s)} {s}" for s in MOST_SEVERE_FIRST)
    code = result.exit_code(settings)
    verdict = {0: "passed", 1: "failed"}.get(code, "error")
    families = sorted({f.family for f in result.findings})
    body = [f'<div class="panel" data-tab="active">{_by_severity(result, settings, active)}</div>',
            f'<div class="panel" data-tab="muted" hidden>{_by_severity(result, settings, muted)}</div>',
            '<p id="none" hidden>No findings.</p>']
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
    reason = result.exit_reason(settings) if code == 2 else ""
    blocking = len(result.blocking(settings.fail_on))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
            "<title>iacguard report</title>"
            f"<style>{_CSS}</style></head><body>"
            f"<header><h1>iacguard: {verdict}</h1><div>"
            + (f"{escape(reason.removeprefix('exit 2: '))}; " if reason else "")
            + f"{blocking} blocking at fail-on {escape(settings.fail_on)}. "
            f"{len(result.files)} files, {result.resource_total} "
            f"resources: {len(active)} findings ({counts}); {len(result.errors)} input errors, "
            f"{len(result.unresolved)} unresolved"
            + (f", {len(not_analysed)} module calls not analysed" if not_analysed else "") + "</div></header>"
            '<div class="controls"><div class="tabs" role="tablist">'
            f'<button type="button" role="tab" data-tab="active" id="tab-active">Active ({len(active)})</button>'
            f'<button type="button" role="tab" data-tab="muted" id="tab-muted">Suppressed ({suppressed}) and '
            f"baselined ({len(muted) - suppressed})</button></div>"
            '<input type="search" id="search" placeholder="Search: rule, resource, file, text" '
            'aria-label="Search findings" autocomplete="off">'
            '<label>Family <select id="family"><option value="">all</option>'
            f'{family_options}</select></label><label>Severity <select id="severity"><option value="">all</option>'
            f'{severity_options}</select></label><span id="shown"></span></div>'
            f"<main>{main}</main><script>{_JS}</script></body></html>\n")
