"""report.html: structure (sections, one row per clause, data embedded, nothing external) and, when a
system Chromium exists, the filters in a real headless browser."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from clausetag.io.records import ClauseRecord
from clausetag.outputs.provenance import Provenance
from clausetag.outputs.report import render_report, write_report
from clausetag.quantities.extract import Quantity

PROV = Provenance("0.1.0", "default:baseline", "7ff34ac1753ecd57", "default", "17988cf9a0fdbc18",
                  "2023-11-14T22:13:20Z")


def q(text: str, start: int, kind: str, value: float, role: str, unit: str = "元") -> Quantity:
    return Quantity(text, start, start + len(text), kind, value, None, None, "=", unit, currency="CNY", year=2027,
                    role=role, indicator="产业规模")


def records() -> list[ClauseRecord]:
    recs = [
        ClauseRecord("关于印发行动方案的通知", 0, "一、总体要求", 0, 6, is_heading=True, label="heading", prob=1.0),
        ClauseRecord("关于印发行动方案的通知", 1, "到2027年，产业规模突破1000亿元。", 7, 26, heading_path=["一、总体要求"],
                     label="planning", prob=0.91, quantities=[q("1000亿元", 13, "money", 1e11, "target")]),
        ClauseRecord("关于印发行动方案的通知", 2, "设立5亿元专项资金<script>alert(1)</script>。", 27, 40,
                     heading_path=["一、总体要求"], label="funding", prob=0.55,
                     quantities=[q("5亿元", 2, "money", 5e8, "cap")], lead_units=["市财政局"]),
        ClauseRecord("plan_b", 0, "引进高层次人才。", 0, 8, label="talent", prob=0.8),
    ]
    for r in recs:
        PROV.stamp(r)
    return recs


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.rows: list[dict[str, str | None]] = []
        self.marks = 0
        self.urls: list[str] = []
        self.tags: list[str] = []
        self.json_data = ""
        self._in_json = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "tr" and "clause" in (a.get("class") or "").split():
            self.rows.append(a)
        if tag == "mark":
            self.marks += 1
        for key in ("src", "href", "action", "xlink:href"):
            if a.get(key):
                self.urls.append(str(a[key]))
        self._in_json = tag == "script" and a.get("type") == "application/json"

    def handle_data(self, data: str) -> None:
        if self._in_json:
            self.json_data += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_json = False


def parse(page: str) -> Collector:
    c = Collector()
    c.feed(page)
    return c


def test_structure(tmp_path: Path) -> None:
    recs = records()
    page = write_report(tmp_path / "report.html", recs, provenance=PROV).read_text(encoding="utf-8")
    c = parse(page)
    assert {"mix", "targets", "clauses", "provenance", "clause-table", "report-data"} <= set(c.ids)
    assert len(c.rows) == len(recs)  # one row per clause
    assert [(r["data-doc"], r["data-label"]) for r in c.rows] == [(r.doc_id, r.label) for r in recs]
    assert c.marks == sum(len(r.quantities) for r in recs)  # every quantity highlighted
    data = json.loads(c.json_data)
    assert [d["doc_id"] for d in data["documents"]] == ["关于印发行动方案的通知", "plan_b"]
    assert data["provenance"] == PROV.to_dict()
    # self-contained: only in-page links, no external resources of any kind
    assert all(u.startswith("#") for u in c.urls), c.urls
    assert not re.search(r"(?i)\b(?:https?:|ftp:)//|@import|url\(", page)
    assert "link" not in c.tags and "img" not in c.tags and "iframe" not in c.tags
    # clause text is escaped, the heading path and units are shown, provenance hashes are there
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    assert "一、总体要求" in page and "市财政局" in page
    assert PROV.model_hash in page and PROV.rules_hash in page
    assert '<svg class="mix"' in page


def test_targets_per_document() -> None:
    page = render_report(records(), provenance=PROV)
    targets = page[page.index('<section id="targets">'):page.index('<section id="clauses">')]
    assert targets.count("<h3") == 2  # one block per document
    assert "产业规模" in targets and "1000亿元" in targets and "no targets found" in targets
    assert 'href="#doc=' in targets and "clause=1" in targets


def test_empty_report() -> None:
    c = parse(render_report([], provenance=PROV))
    assert c.rows == [] and json.loads(c.json_data)["documents"] == []


def test_records_from_several_runs_are_listed() -> None:
    recs = records()
    other = Provenance("0.1.0", "bert", "aaaa", "default", "bbbb", "2024-01-01T00:00:00Z")
    other.stamp(recs[-1])
    page = render_report(recs)
    assert "more than one run" in page and "bert (aaaa)" in page


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _dump_dom(html_file: Path, fragment: str) -> str:
    exe = _chromium()
    assert exe
    profile = html_file.parent / "profile"
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--dump-dom", html_file.resolve().as_uri() + fragment]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def _visible(dom: str) -> list[dict[str, Any]]:
    return [r for r in parse(dom).rows if "hidden" not in r]


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="no system chromium (Debian: apt install chromium)")
def test_filters_in_a_real_browser(tmp_path: Path) -> None:
    recs = records()
    path = write_report(tmp_path / "report.html", recs, provenance=PROV)
    dom = _dump_dom(path, "#label=funding")
    assert [r["data-index"] for r in _visible(dom)] == ["2"]
    assert "1 of 4 clauses" in dom
    dom = _dump_dom(path, "#doc=" + "%E5%85%B3%E4%BA%8E%E5%8D%B0%E5%8F%91%E8%A1%8C%E5%8A%A8%E6%96%B9%E6%A1%88%E7%9A%84%E9%80%9A%E7%9F%A5"
                    + "&min=0.9")
    assert [(r["data-doc"], r["data-index"]) for r in _visible(dom)] == [
        ("关于印发行动方案的通知", "0"), ("关于印发行动方案的通知", "1")]
    capped = write_report(tmp_path / "capped.html", recs, provenance=PROV, max_clauses=2)
    assert "showing the first 2 of 4 clauses" in _dump_dom(capped, "")  # the script's counter keeps the total
    assert "1 of the first 2 of 4 clauses" in _dump_dom(capped, "#q=" + "%E4%BA%A7%E4%B8%9A")


def test_large_outputs_are_capped_and_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from clausetag.outputs import report


    monkeypatch.setattr(report, "MAX_CHART_DOCS", 1)
    page = render_report(records(), provenance=PROV, max_clauses=2)
    c = parse(page)
    assert len(c.rows) == 2 and "Showing the first 2 of 4 clauses" in page
    assert "4 clause(s) (the clause list shows the first 2)" in page  # the header states the total
    assert '<output id="f-count" data-total="4">showing the first 2 of 4 clauses</output>' in page
    assert "The first 1 of 2 documents are shown" in page
    assert json.loads(c.json_data)["documents"][1]["doc_id"] == "plan_b"  # the data still lists every document
