"""Readers: .txt/.docx/.pdf/.html into text, named ReadErrors, input expansion."""
from __future__ import annotations

from pathlib import Path

import pytest

from clausetag.io.readers import ReadError, iter_inputs, read_bytes, read_document


# ------------------------------------------------------------------------------------ fixtures
def make_pdf(pages: list[list[str]], encrypt: bool = False) -> bytes:
    """A minimal hand-written PDF (Helvetica, ASCII lines); a page with no lines has no text.

    No PDF-writing dependency is installed, so the tests build the file format directly. With
    ``encrypt=True`` the trailer carries a Standard-handler /Encrypt dictionary whose password check
    fails for the empty password, which is what a password-protected PDF looks like to pdfminer.
    """
    n = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n))
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {n} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td"]
        for line in lines:
            ops.append("(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode() if lines else b""
        objs.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for k, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    extra = b""
    if encrypt:
        extra = (b" /Encrypt << /Filter /Standard /V 1 /R 2 /O <" + b"00" * 32 + b"> /U <" + b"11" * 32
                 + b"> /P -4 >> /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]")
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, extra, xref)
    return bytes(out)


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph("一、总体要求")
    d.add_paragraph("加快发展数字经济。")
    table = d.add_table(rows=2, cols=3)
    for r, row in enumerate([["项目", "金额", "单位"], ["专项资金", "5亿元", "市财政局"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.add_paragraph("二、保障措施")
    d.save(path)
    return path


# ---------------------------------------------------------------------------------------- .txt
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_txt_encodings(tmp_path: Path, encoding: str) -> None:
    p = tmp_path / "a.txt"
    p.write_bytes("一、总体要求\n支持企业发展。".encode(encoding))
    assert read_document(p) == "一、总体要求\n支持企业发展。"


def test_txt_binary_is_named_error(tmp_path: Path) -> None:
    p = tmp_path / "blob.txt"
    p.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(ReadError) as info:
        read_document(p)
    assert info.value.path == str(p)
    assert str(p) in str(info.value) and info.value.reason


@pytest.mark.parametrize("content", [b"", b"  \n\n \t\n"])
def test_empty_documents_are_errors(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "empty.txt"
    p.write_bytes(content)
    with pytest.raises(ReadError, match="empty"):
        read_document(p)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="not found"):
        read_document(tmp_path / "nope.txt")


def test_unsupported_extension(tmp_path: Path) -> None:
    p = tmp_path / "report.doc"
    p.write_bytes(b"whatever")
    with pytest.raises(ReadError, match=r"unsupported file type '\.doc'"):
        read_document(p)


# --------------------------------------------------------------------------------------- .docx
def test_docx_paragraphs_and_tables_in_order(tmp_path: Path) -> None:
    text = read_document(make_docx(tmp_path / "a.docx"))
    assert text.split("\n") == [
        "一、总体要求",
        "加快发展数字经济。",
        "项目 | 金额 | 单位",
        "专项资金 | 5亿元 | 市财政局",
        "二、保障措施",
    ]


def test_docx_merged_cells_kept_once(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    t = d.add_table(rows=1, cols=3)
    merged = t.cell(0, 0).merge(t.cell(0, 1))
    merged.text = "牵头单位"
    t.cell(0, 2).text = "市发展改革委"
    d.save(tmp_path / "m.docx")
    assert read_document(tmp_path / "m.docx") == "牵头单位 | 市发展改革委"


def test_corrupt_docx(tmp_path: Path) -> None:
    p = tmp_path / "broken.docx"
    p.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(ReadError, match="docx") as info:
        read_document(p)
    assert "broken.docx" in str(info.value)


# ---------------------------------------------------------------------------------------- .pdf
def test_pdf_pages_joined(tmp_path: Path) -> None:
    p = tmp_path / "a.pdf"
    p.write_bytes(make_pdf([["Article 1. Support firms.", "Second line"], ["Page two text."]]))
    assert read_document(p) == "Article 1. Support firms.\nSecond line\nPage two text."


def test_pdf_image_only_is_error(tmp_path: Path) -> None:
    p = tmp_path / "scan.pdf"
    p.write_bytes(make_pdf([[], []]))
    with pytest.raises(ReadError, match="no extractable text.*2 page"):
        read_document(p)


def test_pdf_encrypted_is_error(tmp_path: Path) -> None:
    p = tmp_path / "locked.pdf"
    p.write_bytes(make_pdf([["secret"]], encrypt=True))
    with pytest.raises(ReadError, match="encrypted"):
        read_document(p)


def test_pdf_garbage_is_error(tmp_path: Path) -> None:
    p = tmp_path / "bad.pdf"
    p.write_bytes(b"%PDF-1.4 nothing else")
    with pytest.raises(ReadError, match="not a readable PDF"):
        read_document(p)


# --------------------------------------------------------------------------------------- .html
HTML = """<html><head><title>页面标题</title><style>p {color: red}</style>
<script>var x = "不要";</script></head>
<body><nav>首页 | 导航</nav>
<h1>关于印发行动方案的通知</h1>
<table><tr><th>索引号</th><td>001</td></tr><tr><td>发文日期</td><td>2024-05-01</td></tr></table>
<div><p>一、总体要求</p><p>加快发展<b>数字</b>经济。<br>第二行。</p></div>
<ul><li>一是强化支持。</li><li>二是优化服务。</li></ul>
</body></html>"""


@pytest.mark.parametrize("suffix", [".html", ".htm"])
def test_html_blocks_become_lines(tmp_path: Path, suffix: str) -> None:
    p = tmp_path / f"page{suffix}"
    p.write_text(HTML, encoding="utf-8")
    lines = read_document(p).split("\n")
    assert [x for x in lines if x] == [
        "关于印发行动方案的通知",
        "索引号 | 001",
        "发文日期 | 2024-05-01",
        "一、总体要求",
        "加快发展数字经济。",
        "第二行。",
        "一是强化支持。",
        "二是优化服务。",
    ]


def test_html_gbk_declared_charset() -> None:
    data = '<html><head><meta charset="gbk"></head><body><p>支持企业。</p></body></html>'.encode("gbk")
    assert read_bytes(data, "x.html") == "支持企业。"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_html_short_page_without_charset(encoding: str) -> None:
    """Short pages give charset sniffing too little to go on; undeclared pages use strict decoding."""
    data = "<html><body><p>支持企业。</p></body></html>".encode(encoding)
    assert read_bytes(data, "x.html") == "支持企业。"


def test_html_declared_charset_wins() -> None:
    data = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"></head>'
            "<body><p>支持企業。</p></body></html>").encode("big5")
    assert read_bytes(data, "x.htm") == "支持企業。"


def test_html_without_text_is_error() -> None:
    with pytest.raises(ReadError, match="no text"):
        read_bytes(b"<html><body><script>1</script></body></html>", "x.html")


# -------------------------------------------------------------------------------------- inputs
def test_iter_inputs_folders_globs_and_skips(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "deep").mkdir()
    for rel in ["a.txt", "b/c.html", "b/deep/d.docx", "b/notes.xlsx", "b/.hidden.txt", "b/~$lock.docx", "z.pdf"]:
        (tmp_path / rel).write_bytes(b"x")
    skipped: list[str] = []
    found = list(iter_inputs([tmp_path], on_skip=lambda p, why: skipped.append(p.name)))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.txt", "b/c.html", "b/deep/d.docx", "z.pdf"]
    assert sorted(skipped) == [".hidden.txt", "notes.xlsx", "~$lock.docx"]

    flat = list(iter_inputs([tmp_path], recursive=False, on_skip=lambda p, w: None))
    assert [p.name for p in flat] == ["a.txt", "z.pdf"]

    # glob + explicit duplicate: de-duplicated and sorted whatever the argument order
    globbed = list(iter_inputs([str(tmp_path / "z.pdf"), str(tmp_path / "*.txt"), tmp_path / "a.txt"]))
    assert [p.name for p in globbed] == ["a.txt", "z.pdf"]


def test_iter_inputs_explicit_unsupported_file_is_yielded(tmp_path: Path) -> None:
    """An explicitly named unsupported file is not silently skipped: it fails when read."""
    p = tmp_path / "notes.xlsx"
    p.write_bytes(b"x")
    assert list(iter_inputs([p])) == [p]
    with pytest.raises(ReadError, match="unsupported"):
        read_document(p)


def test_iter_inputs_missing_path_and_empty_glob(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="no such file"):
        list(iter_inputs([tmp_path / "missing"]))
    with pytest.raises(ReadError, match="matches no files"):
        list(iter_inputs([str(tmp_path / "*.nothing")]))


def test_seed_texts_read(seed_paths: list[Path]) -> None:
    for p in seed_paths:
        text = read_document(p)
        assert len(text) > 500 and "\ufeff" not in text[:1]
