"""Document-level summary of tagged clauses: a table (CSV + Markdown) and a measure-mix plot.

Per document: number of clauses; clauses per label and per family; quantities by kind and by role;
distinct targets, actuals and caps (:mod:`clausetag.outputs.targets`) and the largest distinct CNY target and
actual with what they measure (amounts are never summed across indicators or restatements). Failed
documents are listed with their reason. The targets table goes to ``targets.csv``/``targets.parquet``.
"""
from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from clausetag.io.records import ClauseRecord
from clausetag.io.schema import load_schema
from clausetag.io.writers import RecordLike, as_record, write_atomic
from clausetag.outputs.fonts import cjk_font, hint_once, renders
from clausetag.outputs.provenance import Provenance
from clausetag.outputs.targets import TARGET_ROLES, document_targets, format_target, write_targets

__all__ = ["SummaryBuilder", "plot_mix", "summarize", "summary_part"]

QUANTITY_KINDS = ("money", "percent", "ratio", "count", "measure")
QUANTITY_ROLES = ("target", "actual", "cap", "threshold", "other")
FAMILIES = ("supply", "environment", "demand", "none")
#: provenance columns of summary.csv (the provenance fields of a clause record)
PROVENANCE_COLUMNS = tuple(f.name for f in dataclasses.fields(Provenance))
#: non-measure labels left out of the measure-mix plot
_NOT_MEASURES = ("heading", "other")


def _schema_codes() -> list[str]:
    return list(load_schema().codes)


class SummaryBuilder:
    """Accumulate per-document statistics, one document at a time (memory: one row per document)."""

    def __init__(self, labels: Iterable[str] | None = None) -> None:
        self.labels = list(labels) if labels is not None else _schema_codes()
        self.rows: list[dict[str, Any]] = []
        self.failures: list[dict[str, str]] = []
        self.targets: list[Any] = []  # clausetag.outputs.targets.Target rows of every document

    # -- adding ---------------------------------------------------------------------------------
    def add(self, result: Any) -> None:
        """Add a :class:`~clausetag.tagging.pipeline.DocResult` (a failure goes to :attr:`failures`)."""
        if result.error is not None:
            self.failures.append({"doc_id": result.doc_id, "path": str(result.path), "error": result.error})
        else:
            self.add_document(result.doc_id, result.path, result.records or [])

    def add_records(self, records: Iterable[RecordLike]) -> None:
        """Add records of possibly many documents (grouped by consecutive ``doc_id``)."""
        current: list[ClauseRecord] = []
        for rec in map(as_record, records):
            if current and rec.doc_id != current[0].doc_id:
                self.add_document(current[0].doc_id, current[0].source, current)
                current = []
            current.append(rec)
        if current:
            self.add_document(current[0].doc_id, current[0].source, current)

    def add_document(self, doc_id: str, source: Any, records: Iterable[RecordLike]) -> None:
        """Add one document's clause records (:class:`ClauseRecord` objects or their dicts)."""
        typed = [as_record(r) for r in records]
        row: dict[str, Any] = {"doc_id": doc_id, "source": "" if source is None else str(source),
                               "clauses": len(typed)}
        for code in self.labels:
            row[f"label:{code}"] = 0
        for fam in FAMILIES:
            row[f"family:{fam}"] = 0
        row["quantities"] = 0
        for kind in QUANTITY_KINDS:
            row[f"kind:{kind}"] = 0
        for role in QUANTITY_ROLES:
            row[f"role:{role}"] = 0
        for rec in typed:
            if rec.label is not None:
                row[f"label:{rec.label}"] = row.get(f"label:{rec.label}", 0) + 1
            if rec.family is not None:
                row[f"family:{rec.family}"] = row.get(f"family:{rec.family}", 0) + 1
            for q in rec.quantities:
                row["quantities"] += 1
                kind, role = q.kind, q.role or "other"
                if kind:
                    row[f"kind:{kind}"] = row.get(f"kind:{kind}", 0) + 1
                row[f"role:{role}"] = row.get(f"role:{role}", 0) + 1

        targets = document_targets(typed)
        self.targets.extend(targets)
        for role in TARGET_ROLES:
            mine = [t for t in targets if t.role == role]
            row[f"distinct:{role}"] = len(mine)
            cny = [t for t in mine if t.kind == "money" and t.currency == "CNY" and _finite(t.value)]
            top = max(cny, key=lambda t: float(t.value), default=None)
            row[f"top_cny:{role}"] = float(top.value) if top is not None else 0.0
            row[f"top_cny_indicator:{role}"] = (top.indicator or "") if top is not None else ""
        prov = next((p for p in map(Provenance.from_record, typed) if p is not None), None)
        for k, v in (prov.to_dict() if prov else {}).items():
            row[k] = v
        self.rows.append(row)

    def add_part(self, part: tuple[dict[str, Any], list[Any]]) -> None:
        """Add a document's :func:`summary_part` (computed elsewhere, e.g. in a worker process)."""
        row, targets = part
        self.rows.append(dict(row))
        self.targets.extend(targets)

    # -- output ---------------------------------------------------------------------------------
    def table(self) -> Any:
        """The summary as a ``pandas.DataFrame``, one row per document (sorted by ``doc_id``)."""
        import pandas as pd

        df = pd.DataFrame(self.rows)
        if df.empty:
            return df
        df = df.sort_values("doc_id", kind="stable").reset_index(drop=True)
        prov = [c for c in PROVENANCE_COLUMNS if c in df.columns]
        df = df.fillna({c: 0 for c in df.columns if c not in prov})
        df.insert(1, "plot_id", [f"D{i + 1}" for i in range(len(df))])  # the key of mix.png's fallback labels
        return df

    def to_markdown(self, provenance: Provenance | None = None) -> str:
        """A readable Markdown report: documents, clauses per label, targets, failures, provenance."""
        df = self.table()
        n_ok, n_fail = len(df), len(self.failures)
        lines = ["# Tagging summary", "", f"{n_ok} document(s) tagged, {n_fail} failed. Families count clauses; "
             "targets/actuals count distinct ones (a target restated counts once); the CNY columns show the "
             "largest distinct CNY target/actual and what it measures, never a sum across indicators "
             "(亿元 = 1e8 yuan; summary.csv has yuan).", ""]
        if n_ok:
            lines += ["## Documents", ""]
            head = ["doc_id", "plot_id", "clauses", "supply", "environment", "demand", "none", "quantities", "targets",
                    "actuals", "largest CNY target (亿元)", "largest CNY actual (亿元)", "top measure"]
            body = []
            for _, r in df.iterrows():
                measures = {c: r.get(f"label:{c}", 0) for c in self.labels if c not in _NOT_MEASURES}
                top = max(measures, key=lambda c: measures[c]) if measures and max(measures.values()) > 0 else ""
                body.append([r["doc_id"], r["plot_id"], int(r["clauses"])] + [int(r.get(f"family:{f}", 0)) for f in FAMILIES]
                            + [int(r["quantities"]), int(r.get("distinct:target", 0)), int(r.get("distinct:actual", 0)),
                               _top(r, "target"), _top(r, "actual"), top])
            lines += _md_table(head, body) + [""]
            used = [c for c in self.labels if df.get(f"label:{c}") is not None and df[f"label:{c}"].sum() > 0]
            lines += ["## Clauses per label", ""]
            lines += _md_table(["doc_id"] + used, [[r["doc_id"]] + [int(r[f"label:{c}"]) for c in used]
                                                   for _, r in df.iterrows()]) + [""]
        if self.targets:
            lines += ["## Targets", "", "One row per distinct target, actual or cap (targets.csv has all columns; "
                      "clauses are clause indices).", ""]
            shown = self.targets[:_MAX_TARGET_ROWS]
            lines += _md_table(["doc_id", "role", "indicator", "amount", "year", "clauses"],
                               [[t.doc_id, t.role, t.indicator or "", format_target(t), t.year or "",
                                 ", ".join(str(i) for i in t.clauses)] for t in shown]) + [""]
            if len(self.targets) > len(shown):
                lines += [f"({len(self.targets) - len(shown)} more rows in targets.csv)", ""]
        if self.failures:
            lines += ["## Failures", ""]
            lines += _md_table(["doc_id", "path", "reason"],
                               [[f["doc_id"], f["path"], f["error"]] for f in self.failures]) + [""]
        provs = self.provenances(provenance)
        if provs:
            lines += ["## Provenance", ""]
            lines += _md_table(["documents"] + list(PROVENANCE_COLUMNS),
                               [[n] + [v or "" for v in p.to_dict().values()] for p, n in provs]) + [""]
        return "\n".join(lines)

    def provenances(self, run: Provenance | None = None) -> list[tuple[Provenance, int]]:
        """The distinct provenances of the documents (with how many documents each), most first;
        ``run`` (this run's) is listed even when no document carries it (e.g. all failed)."""
        counts: dict[Provenance, int] = {}
        for row in self.rows:
            p = Provenance.from_record(row)
            if p is not None:
                counts[p] = counts.get(p, 0) + 1
        if run is not None and run not in counts:
            counts[run] = 0
        return sorted(counts.items(), key=lambda kv: -kv[1])

    def write(self, out_dir: str | os.PathLike[str], plot: bool = True,
              provenance: Provenance | None = None) -> list[Path]:
        """Write ``summary.csv``, ``summary.md``, ``targets.csv``, ``targets.parquet`` and (if ``plot``)
        ``mix.png`` into ``out_dir``,
        each atomically. Failed documents appear in the CSV with ``status=failed`` and the reason.
        Every output carries provenance: per-document columns in the CSV (``provenance`` for failed
        documents), a section in the Markdown, a footer line and PNG metadata in the plot."""
        import pandas as pd


        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        df = self.table()
        df.insert(2, "status", "ok") if not df.empty else None
        run = provenance.to_dict() if provenance is not None else {}
        fails = pd.DataFrame([{"doc_id": f["doc_id"], "source": f["path"], "status": "failed",
                               "error": f["error"], **run} for f in self.failures])
        full = pd.concat([df, fails], ignore_index=True) if not fails.empty else df
        if "error" not in full.columns:
            full["error"] = ""
        paths = [out / "summary.csv", out / "summary.md"]
        write_atomic(paths[0], full.to_csv(index=False).encode("utf-8-sig"))
        write_atomic(paths[1], self.to_markdown(provenance).encode("utf-8"))

        by_doc = {str(r["doc_id"]): {k: r.get(k) for k in PROVENANCE_COLUMNS} for r in self.rows
                   if r.get("clausetag_version") is not None}
        paths += write_targets(self.targets, out, provenance=by_doc)
        if plot:
            paths.append(plot_mix(self, out / "mix.png", provenance=provenance))
        return paths


_PART_BUILDER: SummaryBuilder | None = None


def summary_part(doc_id: str, source: Any, records: Iterable[RecordLike]) -> tuple[dict[str, Any], list[Any]]:
    """One document's contribution to a summary (its row and its targets), as
    :meth:`SummaryBuilder.add_document` makes it; give it back with :meth:`SummaryBuilder.add_part`.
    Worker processes compute these beside the records, so the writer never reads the records back."""
    global _PART_BUILDER
    if _PART_BUILDER is None:
        _PART_BUILDER = SummaryBuilder()
    b = _PART_BUILDER
    b.rows.clear()
    b.targets.clear()
    b.add_document(doc_id, source, records)
    return b.rows.pop(), list(b.targets)


def summarize(results: Iterable[Any], labels: Iterable[str] | None = None) -> SummaryBuilder:
    """Build a summary from :class:`~clausetag.tagging.pipeline.DocResult` objects."""
    builder = SummaryBuilder(labels)
    for result in results:
        builder.add(result)
    return builder


def plot_mix(summary: SummaryBuilder, path: str | os.PathLike[str], max_docs: int = 60,
             provenance: Provenance | None = None) -> Path:
    """Stacked horizontal bars: the share of each measure type among a document's measure clauses
    (``heading`` and ``other`` left out), one bar per document, label codes in the legend.

    Document names are drawn with a CJK font when the system has one (see :func:`clausetag.outputs.fonts.cjk_font`);
    otherwise non-ASCII names become their ``plot_id`` (D1, D2, … — the key is in summary.csv/.md) and
    the way to install a font is said once. No glyph warnings either way. Names are shortened so that two
    documents never share a label. ``provenance`` goes into a footer line and the PNG metadata.
    """
    import io
    import logging
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt


    df = summary.table()
    measures = [c for c in summary.labels if c not in _NOT_MEASURES]
    shown = df.head(max_docs) if not df.empty else df
    n = len(shown)
    ticks, family = plot_labels([str(d) for d in shown["doc_id"]] if n else [],
                                [str(p) for p in shown["plot_id"]] if n else [])
    rc = {"font.family": [family, "DejaVu Sans"]} if family else {}
    mpl_log = logging.getLogger("matplotlib.font_manager")
    level = mpl_log.level
    with warnings.catch_warnings(), matplotlib.rc_context(rc):
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
        mpl_log.setLevel(logging.ERROR)
        try:
            fig_h = max(0.24 * len(measures) + 1.2, 0.38 * n + 1.6)  # room for the bars and the legend
            fig, ax = plt.subplots(figsize=(11, fig_h))
            cmap = plt.get_cmap("tab20")
            if n:
                counts = [[float(r.get(f"label:{c}", 0)) for c in measures] for _, r in shown.iterrows()]
                totals = [sum(row) for row in counts]
                left = [0.0] * n
                ys = list(range(n))[::-1]
                for j, code in enumerate(measures):
                    share = [row[j] / t if t else 0.0 for row, t in zip(counts, totals)]
                    ax.barh(ys, share, left=left, color=cmap(j % 20), label=code, edgecolor="white", linewidth=0.4)
                    left = [a + b for a, b in zip(left, share)]
                for y, t in zip(ys, totals):
                    ax.text(1.01, y, f"n={int(t)}", va="center", fontsize=8)
                ax.set_yticks(ys)
                ax.set_yticklabels(ticks, fontsize=8)
            ax.set_xlim(0, 1)
            ax.set_xlabel("share of measure clauses (headings and 'other' excluded)")
            title = "Measure-type mix per document"
            if len(df) > n:
                title += f" (first {n} of {len(df)})"
            ax.set_title(title)
            if n:
                ax.legend(loc="upper left", bbox_to_anchor=(1.08, 1.0), fontsize=8, frameon=False)
            else:
                ax.text(0.5, 0.5, "no documents tagged", ha="center", va="center", transform=ax.transAxes)
            if provenance is not None:
                fig.text(0.005, 0.003, provenance.line(), fontsize=6, color="#777", ha="left", va="bottom")
            fig.tight_layout(rect=(0, 0.02 if provenance is not None else 0, 1, 1))
            buf = io.BytesIO()
            meta = {"Software": "clausetag"}
            if provenance is not None:
                import json

                meta["Description"] = json.dumps(provenance.to_dict(), ensure_ascii=False)
            fig.savefig(buf, format="png", dpi=110, metadata=meta)
            plt.close(fig)
        finally:
            mpl_log.setLevel(level)
    out = Path(path)
    write_atomic(out, buf.getvalue())
    return out


def plot_labels(names: list[str], plot_ids: list[str]) -> tuple[list[str], str | None]:
    """The document labels of a plot and the font family to draw them with.

    Names as they are (shortened, distinct) when they are ASCII or a CJK font exists; otherwise the
    plot ids (``D1``, ``D2``, … — their key is the ``plot_id`` column of the summary), and the way to
    install a CJK font is printed once."""

    family = cjk_font() if any(not d.isascii() for d in names) else None
    if all(renders(d, family) for d in names):
        return unique_labels(names), family
    hint_once()
    return [pid + (f"  {d}" if d.isascii() else "") for pid, d in zip(plot_ids, names)], None


def unique_labels(names: list[str], width: int = 28) -> list[str]:
    """Shorten names to ``width`` characters (keeping head and tail: policy file names often share a
    long prefix) so that distinct names stay distinct; numbered if they still collide."""
    def short(s: str) -> str:
        if len(s) <= width:
            return s
        head = (width - 1) * 2 // 3
        return s[:head] + "…" + s[len(s) - (width - 1 - head):]

    out = [short(s) for s in names]
    dupes = {s for s in out if out.count(s) > 1}
    seen: dict[str, int] = {}
    for i, s in enumerate(out):
        if s in dupes:
            seen[s] = seen.get(s, 0) + 1
            out[i] = f"{s} #{seen[s]}"
    return out


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_MAX_TARGET_ROWS = 500  # summary.md lists at most this many target rows (targets.csv has all)


def _top(row: Any, role: str) -> str:
    """``5,728 (营业收入)``: the largest distinct CNY amount of a role and its indicator."""
    value = row.get(f"top_cny:{role}", 0)
    if not value:
        return ""
    ind = row.get(f"top_cny_indicator:{role}", "")
    return f"{_money(value)} ({ind})" if ind else _money(value)


def _money(value: Any) -> str:
    """Yuan as 亿元 (1e8), e.g. 306000000000 → "3,060"; 0 → ""."""
    if not value:
        return ""
    yi = float(value) / 1e8
    return f"{yi:,.0f}" if abs(yi) >= 100 else f"{yi:,.4g}"


def _md_table(head: list[str], body: list[list[Any]]) -> list[str]:
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in body]
    return lines
