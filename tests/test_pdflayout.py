"""PDFs that come out whole: layout re-joining (synthetic line boxes) and test PDFs made from seed 002
(tests/data/make_pdf.py; ~40 characters a line, running header, page footers ``- N -``) that must give
the same clauses as the text version, with the document's money target and its year."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from clausetag.io.pdflayout import Line, Page, layout_text
from clausetag.io.readers import read_document
from clausetag.segment.splitter import split
from clausetag.segment.text import read_text

DATA = Path(__file__).parent / "data"
SEED = Path(__file__).resolve().parents[1] / "labels" / "seed" / "002_31a27fb9b77a598d.txt"
W, H = 595.0, 842.0


def _page(rows: list[tuple[str, float, float, float]]) -> Page:
    """rows: (text, x0, x1, top); 12 pt lines."""
    return Page(W, H, [Line(t, x0, x1, top, top + 12) for t, x0, x1, top in rows])


def test_wrapped_lines_join_short_line_ends_paragraph():
    page = _page([
        ("一、总体要求", 57, 129, 100),
        ("紧盯数字内容技术创新和产业发展前沿,突出武汉特色,推动优势转化,补", 57, 537, 120),
        ("齐发展短板,延展产业链条,到2026年,初步建成国内一流、具有全球影响", 57, 530, 140),
        ("力的数字内容技术创新中心,营业收入突破2000亿元,对地区GDP贡献率", 57, 528, 160),
        ("达到3%左右。", 57, 140, 180),
        ("完善政策体系。", 57, 141, 200),
    ])
    assert layout_text([page]).split("\n") == [
        "一、总体要求",
        "紧盯数字内容技术创新和产业发展前沿,突出武汉特色,推动优势转化,补齐发展短板,延展产业链条,到2026年,"
        "初步建成国内一流、具有全球影响力的数字内容技术创新中心,营业收入突破2000亿元,对地区GDP贡献率达到3%左右。",
        "完善政策体系。",
    ]


def test_indented_next_line_and_vertical_gap_end_a_paragraph():
    page = _page([
        ("    第一段很长很长很长很长很长很长很长很长很长很长很长很长很长很长很", 81, 537, 100),
        ("长。", 57, 81, 120),
        ("    第二段缩进开头很长很长很长很长很长很长很长很长很长很长很长很长很", 81, 537, 140),
        ("    第三段缩进开头,上一行虽然到了右边距,但这一行缩进了", 81, 400, 160),
        ("到了右边距的一行很长很长很长很长很长很长很长很长很长很长很长很长很长", 57, 537, 180),
        ("隔了一大段空白的一行", 57, 177, 230),
    ])
    lines = layout_text([page]).split("\n")
    assert lines[0].endswith("很长。") and lines[1].startswith("第二段") and lines[2].startswith("第三段")
    assert lines[-1] == "隔了一大段空白的一行"


def test_page_numbers_and_running_headers_dropped_and_paragraph_crosses_page():
    body = "数字内容产业是文化产业的重要组成部分发展数字内容产业要深入贯彻落实"
    pages = []
    for n in range(1, 4):
        rows = [("武汉市加快数字内容产业发展三年行动计划", 180, 420, 40)] if n > 1 else []
        # the second line of page 2 is short: the paragraph ends there
        rows += [(f"{body}{n}", 57, 537, 100), (f"{body}{n}", 57, 300 if n == 2 else 537, 700)]
        rows += [(f"- {n} -", 280, 310, 790)]
        pages.append(_page(rows))
    # another page-number style on the last page
    pages[2] = Page(W, H, [*pages[2].lines[:-1], Line("第 3 页 共 3 页", 260, 330, 800, 812)])
    text = layout_text(pages)
    assert "- 2 -" not in text and "第 3 页" not in text and "三年行动计划" not in text
    # the last line of page 1 reaches the margin: it continues on page 2 (the header is no break)
    assert text.split("\n")[0] == f"{body}1{body}1{body}2{body}2"


def test_flush_document_keeps_heading_after_full_sentence_line():
    page = _page([
        ("开头一行写满了右边距很长很长很长很长很长很长很长很长很长很长很长很长", 57, 537, 80),
        ("这一行正好写满了右边距并且以句号结束很长很长很长很长很长很长很长很长。", 57, 537, 100),
        ("二、保障措施", 57, 129, 120),
        ("这一行也写满了右边距但是没有结束很长很长很长很长很长很长很长很长很长", 57, 537, 140),
        ("接着写完。", 57, 117, 160),
    ])
    assert layout_text([page]).split("\n") == [
        "开头一行写满了右边距很长很长很长很长很长很长很长很长很长很长很长很长"
        "这一行正好写满了右边距并且以句号结束很长很长很长很长很长很长很长很长。",
        "二、保障措施",
        "这一行也写满了右边距但是没有结束很长很长很长很长很长很长很长很长很长接着写完。",
    ]


@pytest.mark.parametrize("style", ["indented", "flush"])
def test_pdf_gives_the_clauses_of_its_text_version(style):
    pdf_text = read_document(DATA / "pdf" / f"002_{style}.pdf")
    assert "- 2 -" not in pdf_text and "市委宣传部" in pdf_text
    got = [c.text for c in split(pdf_text)]
    want = [c.text for c in split(read_text(SEED))]
    squash = re.compile(r"\s")
    # PDF text extraction keeps no spaces at line wraps: compare texts without whitespace
    assert [squash.sub("", t) for t in got] == [squash.sub("", t) for t in want]
    assert len(got) == 96


def test_pdf_keeps_the_money_target_and_its_year():
    pytest.importorskip("clausetag.outputs.targets")
    from clausetag.outputs.targets import document_targets
    from clausetag.tagging.pipeline import split_records

    for path in (DATA / "pdf" / "002_flush.pdf", DATA / "pdf" / "002_indented.pdf"):
        records = split_records(read_document(path), "002")
        money = [(t.value, t.currency, t.year, t.role) for t in document_targets(records) if t.kind == "money"]
        assert (2000e8, "CNY", 2026, "target") in money, (path.name, money)
