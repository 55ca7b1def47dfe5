"""``report.html``: one self-contained page for the people who read the results.

Sections: the measure-type mix per document (an inline SVG chart), the targets of each document (the
targets table of :mod:`clausetag.outputs.targets`), a clause browser (filter by document, label, confidence
and text; heading path shown; quantities highlighted, coloured by role) and the provenance of the run.

Self-contained: CSS, JavaScript and the chart are inline; nothing is fetched (no fonts, scripts or
images from anywhere), so the file can be mailed or opened offline. The browser's filters are
mirrored in the URL hash (``report.html#doc=…&label=funding&min=0.8&q=资金``), so a filtered view can
be linked or bookmarked.

Columns come from :class:`~clausetag.io.records.ClauseRecord`; nothing here re-lists record fields.
"""
from __future__ import annotations

import html
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from clausetag.io.records import ClauseRecord
from clausetag.io.schema import load_schema
from clausetag.io.writers import RecordLike, as_record, write_atomic
from clausetag.outputs.provenance import Provenance
from clausetag.outputs.targets import document_targets, format_target

__all__ = ["LABEL_COLOURS", "render_report", "write_report"]

#: one colour per label code, in schema order (matplotlib's tab20, so the HTML and mix.png agree)
LABEL_COLOURS = (
    "#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728", "#ff9896", "#9467bd",
    "#c5b0d5", "#8c564b", "#c49c94", "#e377c2", "#f7b6d2", "#7f7f7f", "#c7c7c7", "#bcbd22", "#dbdb8d",
    "#17becf", "#9edae5",
)
_NOT_MEASURES = ("heading", "other")
#: above this many clauses the browser lists the first ones only (every clause is in the clauses file)
MAX_CLAUSES = 20000
#: the mix chart shows at most this many documents (summary.csv has every one)
MAX_CHART_DOCS = 300


def write_report(
    path: str | os.PathLike[str],
    records: Iterable[RecordLike],
    summary: Any = None,
    provenance: Provenance | None = None,
    failures: Iterable[dict[str, str]] = (),
    max_clauses: int = MAX_CLAUSES,
) -> Path:
    """Write ``report.html`` (atomically) for clause ``records`` of one or more documents.

    ``summary`` (a :class:`~clausetag.outputs.summary.SummaryBuilder`) supplies the targets table and failed
    documents when given; otherwise both are computed from ``records``. ``provenance`` describes the
    run; without it, the provenance stamped on the records is shown.
    """
    page = render_report(records, summary=summary, provenance=provenance, failures=failures,
                         max_clauses=max_clauses)
    return write_atomic(Path(path), page.encode("utf-8"))


def render_report(
    records: Iterable[RecordLike],
    summary: Any = None,
    provenance: Provenance | None = None,
    failures: Iterable[dict[str, str]] = (),
    max_clauses: int = MAX_CLAUSES,
) -> str:
    """The report as an HTML string (see :func:`write_report`)."""

    schema = load_schema()
    codes = list(schema.codes)
    zh = {lab.code: lab.zh for lab in schema.labels}
    colours = {c: LABEL_COLOURS[i % len(LABEL_COLOURS)] for i, c in enumerate(codes)}

    docs: dict[str, list[ClauseRecord]] = {}
    for rec in map(as_record, records):
        docs.setdefault(rec.doc_id, []).append(rec)
    fails = list(summary.failures if summary is not None else failures)
    provs = _provenances(docs)
    run_prov = provenance or (provs[0][0] if provs else None)
    n_clauses = sum(len(v) for v in docs.values())

    parts = [_HEAD.replace("{title}", "clausetag report")]
    parts.append('<header><h1>clausetag report</h1><p class="lead">'
                 f"{len(docs):,} document(s), {n_clauses:,} clause(s)"
                 + (f", {len(fails)} failed" if fails else "")
                 + (f" (the clause list shows the first {max_clauses:,})" if n_clauses > max_clauses else "")
                 + (f" · {_e(run_prov.line())}" if run_prov else "") + "</p>"
                 '<nav><a href="#mix">Measure mix</a> · <a href="#targets">Targets</a> · '
                 '<a href="#clauses">Clauses</a> · <a href="#provenance">Provenance</a></nav></header>')
    parts.append(_mix_section(docs, codes, zh, colours))
    parts.append(_targets_section(docs, summary))
    parts.append(_clauses_section(docs, codes, zh, colours, max_clauses))
    parts.append(_provenance_section(run_prov, provs, fails))
    data = {
        "documents": [{"doc_id": d, "source": recs[0].source, "clauses": len(recs)} for d, recs in docs.items()],
        "labels": [{"code": c, "zh": zh.get(c, ""), "colour": colours[c]} for c in codes],
        "provenance": run_prov.to_dict() if run_prov else None,
        "failures": fails,
    }
    parts.append('<script type="application/json" id="report-data">'
                 + json.dumps(data, ensure_ascii=False).replace("</", "<\\/") + "</script>")
    parts.append("<script>" + _JS + "</script></body></html>\n")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------- sections
def _mix_section(docs: dict[str, list[ClauseRecord]], codes: list[str], zh: dict[str, str],
                 colours: dict[str, str]) -> str:
    measures = [c for c in codes if c not in _NOT_MEASURES]
    n_all = len(docs)
    docs = dict(list(docs.items())[:MAX_CHART_DOCS])
    row_h, label_w, bar_w, gap = 22, 260, 620, 6
    height = max(1, len(docs)) * (row_h + gap) + 10
    svg = [f'<svg class="mix" role="img" aria-label="measure-type mix per document" '
           f'viewBox="0 0 {label_w + bar_w + 70} {height}" width="{label_w + bar_w + 70}" height="{height}">']
    for i, (doc_id, recs) in enumerate(docs.items()):
        y = 5 + i * (row_h + gap)
        counts = dict.fromkeys(measures, 0)
        for r in recs:
            if r.label in counts:
                counts[r.label] += 1
        total = sum(counts.values())
        svg.append(f'<text x="{label_w - 8}" y="{y + row_h * 0.7:.1f}" text-anchor="end" class="doc">'
                   f'<a href="#doc={_e(_hash_value(doc_id))}">{_e(_short(doc_id, 34))}</a><title>{_e(doc_id)}</title></text>')
        x = float(label_w)
        svg.append(f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="{row_h}" class="track"/>')
        for c in measures:
            if not counts[c]:
                continue
            w = bar_w * counts[c] / total
            svg.append(f'<rect x="{x:.2f}" y="{y}" width="{w:.2f}" height="{row_h}" fill="{colours[c]}">'
                       f'<title>{_e(doc_id)} · {c} {_e(zh.get(c, ""))}: {counts[c]} of {total} '
                       f'({100 * counts[c] / total:.0f}%)</title></rect>')
            x += w
        svg.append(f'<text x="{label_w + bar_w + 6}" y="{y + row_h * 0.7:.1f}" class="n">n={total}</text>')
    svg.append("</svg>")
    legend = "".join(f'<span class="key"><i style="background:{colours[c]}"></i>{c} {_e(zh.get(c, ""))}</span>'
                     for c in measures)
    return ('<section id="mix"><h2>Measure-type mix per document</h2>'
            '<p class="note">Share of each measure type among a document\'s measure clauses (headings and '
            '<code>other</code> left out); n = measure clauses. Click a name to browse its clauses.'
            + (f" The first {len(docs)} of {n_all} documents are shown; summary.csv has all." if n_all > len(docs)
               else "") + "</p>"
            + "".join(svg) + f'<div class="legend">{legend}</div></section>')


def _targets_section(docs: dict[str, list[ClauseRecord]], summary: Any) -> str:
    """Per-document targets table (clausetag.outputs.targets); quantities with role target where it is absent."""
    rows_by_doc: dict[str, list[dict[str, Any]]] = {}
    try:
        have = {t.doc_id for t in summary.targets} if summary is not None and hasattr(summary, "targets") else set()
        for doc_id, recs in docs.items():
            targets = ([t for t in summary.targets if t.doc_id == doc_id] if doc_id in have
                       else document_targets(recs))
            rows_by_doc[doc_id] = [{**t.to_dict(), "value_text": _format_target(t)} for t in targets]
        source = "the targets table (<code>clausetag.outputs.targets</code>: restated targets merged)"
    except ImportError:  # hook: without clausetag.outputs.targets, list quantities whose role is target
        for doc_id, recs in docs.items():
            rows_by_doc[doc_id] = [{**q.to_dict(), "clauses": [r.index], "mentions": 1}
                                   for r in recs for q in r.quantities if q.role == "target"]
        source = "quantities with role <code>target</code>"
    out = ['<section id="targets"><h2>Targets</h2>'
           f'<p class="note">Targets, actuals and caps each document states, from {source}. '
           'Clause numbers link to the clause browser.</p>']
    for doc_id, rows in rows_by_doc.items():
        out.append(f'<h3 id="targets-{_e(_hash_value(doc_id))}">{_e(doc_id)} <small>{len(rows)} row(s)</small></h3>')
        if not rows:
            out.append('<p class="none">no targets found</p>')
            continue
        out.append('<table class="targets"><thead><tr><th>indicator</th><th>role</th><th>amount</th>'
                   '<th>value</th><th>year</th><th>mentions</th><th>clauses</th></tr></thead><tbody>')
        for t in rows:
            links = " ".join(f'<a href="#doc={_e(_hash_value(doc_id))}&amp;clause={i}">{i}</a>'
                             for i in t.get("clauses") or [])
            out.append(
                f'<tr class="target role-{_e(str(t.get("role")))}"><td>{_e(t.get("indicator") or "")}</td>'
                f'<td>{_e(str(t.get("role")))}</td><td>{_e(t.get("text") or "")}</td>'
                f'<td class="num">{_e(_value(t))}</td><td>{_e(str(t.get("year") or ""))}</td>'
                f'<td class="num">{t.get("mentions", 1)}</td><td>{links}</td></tr>')
        out.append("</tbody></table>")
    out.append("</section>")
    return "".join(out)


def _count_text(n: int, n_total: int, max_clauses: int) -> str:
    """The clause counter: ``n`` clauses match the filters (kept in step with ``counter()`` in the
    page's script), of ``n_total``, of which the first ``max_clauses`` are listed."""
    if n_total > max_clauses:
        return f"showing the first {max_clauses:,} of {n_total:,} clauses" if n == max_clauses else \
            f"{n:,} of the first {max_clauses:,} of {n_total:,} clauses"
    return f"{n:,} of {n_total:,} clauses"


def _clauses_section(docs: dict[str, list[ClauseRecord]], codes: list[str], zh: dict[str, str],
                     colours: dict[str, str], max_clauses: int) -> str:
    n_total = sum(len(v) for v in docs.values())
    doc_opts = "".join(f'<option value="{_e(d)}">{_e(d)}</option>' for d in docs)
    used = [c for c in codes if any(r.label == c for recs in docs.values() for r in recs)]
    label_opts = "".join(f'<option value="{c}">{c} {_e(zh.get(c, ""))}</option>' for c in used)
    out = ['<section id="clauses"><h2>Clauses</h2><form id="filters" onsubmit="return false">'
           f'<label>document <select id="f-doc"><option value="">all</option>{doc_opts}</select></label> '
           f'<label>label <select id="f-label"><option value="">all</option>{label_opts}</select></label> '
           '<label>confidence ≥ <input id="f-min" type="number" min="0" max="1" step="0.05" value="0"></label> '
           '<label>text <input id="f-q" type="search" placeholder="contains…"></label> '
           '<label><input id="f-quant" type="checkbox"> with quantities</label> '
           f'<output id="f-count" data-total="{n_total}">{_count_text(min(n_total, max_clauses), n_total, max_clauses)}</output>'
           '</form>']
    if n_total > max_clauses:
        out.append(f'<p class="note">Showing the first {max_clauses:,} of {n_total:,} clauses (in document '
                   "order); filters search these only. Every clause is in the clauses file.</p>")
    out.append('<table id="clause-table"><thead><tr><th>document</th><th>#</th><th>clause</th><th>label</th>'
               '<th>prob</th></tr></thead><tbody>')
    shown = 0
    for doc_id, recs in docs.items():
        for r in recs:
            if shown >= max_clauses:
                break
            shown += 1
            prob = "" if r.prob is None else f"{r.prob:.2f}"
            path = " › ".join(r.heading_path)
            label = r.label or ""
            probs = ""
            if r.probs:
                probs = " · ".join(f"{p.label} {p.prob:.2f}" for p in r.probs[:5])
            cls = "clause heading" if r.is_heading else "clause"
            units = ""
            if r.lead_units or r.responsible_units:
                units = ('<div class="units">' + (f"牵头: {_e('、'.join(r.lead_units))} " if r.lead_units else "")
                         + (f"责任: {_e('、'.join(r.responsible_units))}" if r.responsible_units else "") + "</div>")
            out.append(
                f'<tr class="{cls}" id="c-{_e(_hash_value(doc_id))}-{r.index}" data-doc="{_e(doc_id)}" '
                f'data-label="{_e(label)}" data-prob="{"" if r.prob is None else f"{r.prob:.4f}"}" '
                f'data-index="{r.index}" data-nq="{len(r.quantities)}">'
                f'<td class="doc">{_e(_short(doc_id, 24))}</td><td class="num">{r.index}</td>'
                f'<td>{f"<div class=path>{_e(path)}</div>" if path else ""}'
                f'<div class="text">{_highlight(r)}</div>{units}</td>'
                f'<td><span class="lab" style="border-color:{colours.get(label, "#999")}">{_e(label)}</span>'
                f'<div class="zh">{_e(zh.get(label, ""))}</div></td>'
                f'<td class="num" title="{_e(probs)}">{prob}</td></tr>')
    out.append("</tbody></table></section>")
    return "".join(out)


def _provenance_section(run: Provenance | None, provs: list[tuple[Provenance, int]],
                        fails: list[dict[str, str]]) -> str:
    out = ['<section id="provenance"><h2>Provenance</h2>']
    if run is not None:
        out.append('<table class="prov"><tbody>'
                   + "".join(f"<tr><th>{_e(k)}</th><td><code>{_e(str(v))}</code></td></tr>"
                             for k, v in run.to_dict().items()) + "</tbody></table>")
    else:
        out.append('<p class="none">no provenance recorded</p>')
    if len(provs) > 1:
        out.append('<p class="note">The clauses come from more than one run (e.g. resumed with another model):</p>'
                   '<table class="prov"><thead><tr><th>clauses</th><th>run</th></tr></thead><tbody>'
                   + "".join(f"<tr><td class=num>{n}</td><td>{_e(p.line())}</td></tr>" for p, n in provs)
                   + "</tbody></table>")
    if fails:
        out.append("<h3>Failed documents</h3><table><thead><tr><th>document</th><th>path</th><th>reason</th>"
                   "</tr></thead><tbody>"
                   + "".join(f"<tr><td>{_e(f.get('doc_id', ''))}</td><td>{_e(f.get('path', ''))}</td>"
                             f"<td>{_e(f.get('error', ''))}</td></tr>" for f in fails)
                   + "</tbody></table>")
    out.append("</section>")
    return "".join(out)


# ----------------------------------------------------------------------------------------- helpers
def _provenances(docs: dict[str, list[ClauseRecord]]) -> list[tuple[Provenance, int]]:
    counts: dict[Provenance, int] = {}
    for recs in docs.values():
        for r in recs:
            p = Provenance.from_record(r)
            if p is not None:
                counts[p] = counts.get(p, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])


def _highlight(rec: ClauseRecord) -> str:
    """The clause text, HTML-escaped, with each quantity in a ``<mark>`` coloured by its role."""
    text, out, pos = rec.text, [], 0
    for q in sorted(rec.quantities, key=lambda q: (q.start, -q.end)):
        if q.start < pos or q.end > len(text) or text[q.start:q.end] != q.text:
            continue  # overlapping, or offsets that do not fit this text: leave unmarked
        out.append(_e(text[pos:q.start]))
        tip = f"{q.kind} {q.comparator} {q.value:g} {q.unit}".strip() + f" · {q.role}"
        ratio = getattr(q, "ratio", None)
        if ratio is not None:
            tip += f" · ratio {ratio:.6g}"
        indicator = getattr(q, "indicator", None)
        if indicator:
            tip += f" · {indicator}"
        if q.year:
            tip += f" · {q.year}"
        out.append(f'<mark class="q role-{_e(q.role)}" title="{_e(tip)}">{_e(q.text)}</mark>')
        pos = q.end
    out.append(_e(text[pos:]))
    return "".join(out)


def _format_target(t: Any) -> str:
    return str(format_target(t))


def _value(t: dict[str, Any]) -> str:
    if t.get("value_text"):
        return str(t["value_text"])
    v, unit, cur = t.get("value"), t.get("unit") or "", t.get("currency")
    if v is None:
        return ""
    if t.get("kind") == "money" and cur == "CNY":
        yi = float(v) / 1e8
        return f"{yi:,.4g} 亿元" if abs(yi) >= 0.01 else f"{float(v):,.0f} 元"
    return f"{t.get('comparator', '')} {float(v):,.6g} {unit}".strip()


def _hash_value(s: str) -> str:
    from urllib.parse import quote

    return quote(s, safe="")


def _short(s: str, width: int) -> str:
    return s if len(s) <= width else s[: width - 1] + "…"


def _e(s: Any) -> str:
    return html.escape("" if s is None else str(s), quote=True)


_HEAD = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;
 margin:0 auto;max-width:1280px;padding:0 16px 40px;color:#222}
header{border-bottom:1px solid #ddd;margin-bottom:8px} h1{margin:12px 0 4px;font-size:22px}
.lead{color:#555;margin:0 0 4px} nav a{color:#0b57d0} h2{margin:24px 0 6px;font-size:18px}
h3{margin:14px 0 4px;font-size:15px} h3 small{color:#777;font-weight:normal}
.note{color:#666;font-size:12px;margin:2px 0 8px} .none{color:#888;font-style:italic}
svg.mix{max-width:100%;height:auto;font-size:12px} svg .track{fill:#f3f3f3} svg .n{fill:#555}
svg a{fill:#0b57d0} .legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin-top:4px}
.key i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
table{border-collapse:collapse;width:100%;font-size:13px} th,td{border-bottom:1px solid #eee;padding:3px 6px;
 text-align:left;vertical-align:top} th{background:#fafafa;position:sticky;top:0} .num{text-align:right;white-space:nowrap}
table.targets{width:auto;min-width:60%} table.prov{width:auto}
#filters{position:sticky;top:0;background:#fff;padding:6px 0;border-bottom:1px solid #ddd;z-index:2;display:flex;
 flex-wrap:wrap;gap:6px 14px;align-items:center} #filters select{max-width:260px} #f-min{width:64px}
#f-count{color:#555;margin-left:auto} #clause-table th{top:44px}
tr.heading td{background:#f7f9fc;font-weight:600} .path{color:#888;font-size:11px} .units{color:#777;font-size:11px}
td.doc{color:#666;font-size:12px;white-space:nowrap} .zh{color:#888;font-size:11px}
.lab{border-left:4px solid #999;padding-left:4px;white-space:nowrap}
mark.q{background:#fff3b0;border-radius:2px;padding:0 1px} mark.role-target{background:#c8f0c8}
mark.role-actual{background:#cfe3ff} mark.role-cap{background:#ffd6cc} mark.role-threshold{background:#ead6ff}
tr.sel td{outline:2px solid #0b57d0}
</style></head><body>"""

_JS = r"""
(function(){
  var rows=[].slice.call(document.querySelectorAll('#clause-table tbody tr'));
  var f={doc:document.getElementById('f-doc'),label:document.getElementById('f-label'),
         min:document.getElementById('f-min'),q:document.getElementById('f-q'),quant:document.getElementById('f-quant')};
  var count=document.getElementById('f-count'),total=parseInt(count.getAttribute('data-total'),10)||rows.length;
  function num(x){return x.toLocaleString('en-US');}
  function counter(n){return total>rows.length?(n===rows.length?'showing the first '+num(rows.length)+' of '+num(total)+' clauses'
    :num(n)+' of the first '+num(rows.length)+' of '+num(total)+' clauses'):num(n)+' of '+num(total)+' clauses';}
  function parse(){var o={};(location.hash||'').replace(/^#/,'').split('&').forEach(function(kv){
    if(!kv)return;var i=kv.indexOf('=');if(i<0)return;o[decodeURIComponent(kv.slice(0,i))]=decodeURIComponent(kv.slice(i+1));});return o;}
  function apply(){
    var d=f.doc.value,l=f.label.value,m=parseFloat(f.min.value)||0,q=f.q.value.trim(),wq=f.quant.checked,n=0;
    rows.forEach(function(r){
      var p=r.getAttribute('data-prob');var ok=(!d||r.getAttribute('data-doc')===d)&&(!l||r.getAttribute('data-label')===l)
        &&(m<=0||(p!==''&&parseFloat(p)>=m))&&(!q||r.textContent.indexOf(q)>=0)&&(!wq||r.getAttribute('data-nq')!=='0');
      r.hidden=!ok;if(ok)n++;});
    count.textContent=counter(n);
  }
  function fromHash(){
    var h=parse();f.doc.value=h.doc||'';f.label.value=h.label||'';f.min.value=h.min||'0';f.q.value=h.q||'';
    f.quant.checked=h.quant==='1';apply();
    rows.forEach(function(r){r.classList.remove('sel');});
    if(h.clause!==undefined){var t=rows.filter(function(r){return r.getAttribute('data-doc')===(h.doc||'')
      &&r.getAttribute('data-index')===h.clause;})[0];if(t){t.classList.add('sel');t.scrollIntoView({block:'center'});}}
  }
  function toHash(){
    var parts=[];[['doc',f.doc.value],['label',f.label.value],['min',f.min.value!=='0'?f.min.value:''],
      ['q',f.q.value.trim()],['quant',f.quant.checked?'1':'']].forEach(function(kv){
      if(kv[1])parts.push(kv[0]+'='+encodeURIComponent(kv[1]));});
    history.replaceState(null,'',parts.length?'#'+parts.join('&'):location.pathname);apply();
  }
  ['change','input'].forEach(function(ev){Object.keys(f).forEach(function(k){f[k].addEventListener(ev,toHash);});});
  window.addEventListener('hashchange',function(){fromHash();document.getElementById('clauses').scrollIntoView();});
  fromHash();
  var h0=parse();if((h0.doc||h0.label||h0.min||h0.q||h0.quant)&&h0.clause===undefined)document.getElementById('clauses').scrollIntoView();
})();
"""
