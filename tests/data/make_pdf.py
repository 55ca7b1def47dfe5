"""Make the test PDFs of tests/test_pdflayout.py from a seed text (reportlab, CJK CID font).

    python tests/data/make_pdf.py     # needs reportlab; writes tests/data/pdf/002_indented.pdf, 002_flush.pdf

Each non-blank line of the text is one paragraph, wrapped at the text width (about 40 CJK
characters at 12 pt); a blank line in the text adds half a line of space. Pages carry a running
header (the document's short title, from page 2 on) and a page footer ``- N -``, as Chinese
official documents do. ``indented``: the first line of each paragraph is indented by two
characters (GB/T 9704 layout); ``flush``: no indentation, so only line widths tell where a
paragraph ends. The font is reportlab's built-in CID font STSong-Light (no font file needed; the
PDF names the font, a viewer substitutes it), so the files stay small.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FONT = "STSong-Light"
SIZE = 12.0
LEADING = 20.0
LEFT = 57.5
TEXT_WIDTH = 40 * SIZE  # 480 pt: 40 CJK characters
TOP = A4[1] - 72
BOTTOM = 80
HEADER = "武汉市加快数字内容产业发展三年行动计划"


def wrap(paragraph: str, first_indent: float) -> list[tuple[float, str]]:
    """Greedy wrap by glyph widths; a line never starts or ends with a space."""
    out: list[tuple[float, str]] = []
    indent = first_indent
    line = ""
    for ch in paragraph:
        if not line and ch == " ":
            continue
        if pdfmetrics.stringWidth(line + ch, FONT, SIZE) > TEXT_WIDTH - indent + 0.01:
            out.append((indent, line.rstrip(" ")))
            indent = 0.0
            line = "" if ch == " " else ch
        else:
            line += ch
    if line.strip():
        out.append((indent, line.rstrip(" ")))
    return out


def make(text: str, path: Path, indented: bool) -> int:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    c = canvas.Canvas(str(path), pagesize=A4, pageCompression=1, invariant=1)
    c.setTitle("clausetag test PDF")
    page = 1
    y = TOP

    def finish_page() -> None:
        nonlocal page, y
        c.setFont(FONT, 10.5)
        c.drawCentredString(A4[0] / 2, 48, f"- {page} -")
        if page > 1:
            c.drawCentredString(A4[0] / 2, A4[1] - 45, HEADER)
        c.showPage()
        page += 1
        y = TOP

    for raw in text.split("\n"):
        para = raw.strip()
        if not para:
            y -= LEADING / 2
            continue
        for indent, line in wrap(para, 2 * SIZE if indented else 0.0):
            if y < BOTTOM:
                finish_page()
            c.setFont(FONT, SIZE)
            c.drawString(LEFT + indent, y, line)
            y -= LEADING
    finish_page()
    c.save()
    return page - 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", default="002_31a27fb9b77a598d", help="seed document id (labels/seed/<id>.txt)")
    ap.add_argument("--out", type=Path, default=HERE / "pdf")
    args = ap.parse_args()
    text = (ROOT / "labels" / "seed" / f"{args.seed}.txt").read_text(encoding="utf-8")
    args.out.mkdir(parents=True, exist_ok=True)
    for style in ("indented", "flush"):
        path = args.out / f"{args.seed[:3]}_{style}.pdf"
        pages = make(text, path, indented=style == "indented")
        print(f"{path}: {pages} pages, {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
