"""Decoding: every supported encoding round-trips; bad input is a clear error naming the source."""
from __future__ import annotations

import codecs
import os

import pytest

from clausetag.segment.text import DecodeError, decode, decode_bytes, read_text

SAMPLE = "一、总体要求\n到2025年，数字创意产业营业收入突破6200亿元（含增加值）；培育“专精特新”企业。\n"


@pytest.mark.parametrize(
    "encoded, encoding",
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE.encode("gbk"), "gb18030"),
        (SAMPLE.encode("gb18030"), "gb18030"),
        (SAMPLE.encode("gb2312"), "gb18030"),
        (codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"), "utf-16"),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "gb2312", "utf16le-bom", "utf16be-bom"],
)
def test_encodings_round_trip(encoded, encoding):
    decoded = decode(encoded, "sample.txt")
    assert decoded.text == SAMPLE
    assert decoded.encoding == encoding


def test_gb18030_only_characters():
    text = "数字经济𠀀促进条例"  # U+20000 is encodable in GB18030, not in GBK
    assert decode_bytes(text.encode("gb18030")) == text


def test_read_text_seed_files(seed_paths, tmp_path):
    for path in seed_paths:
        original = read_text(path)
        gbk = tmp_path / f"{path.stem}.gbk.txt"
        try:
            gbk.write_bytes(original.encode("gb18030"))
        except UnicodeEncodeError:  # pragma: no cover - seeds are all GB18030-encodable
            continue
        assert read_text(gbk) == original


def test_binary_garbage_is_an_error():
    garbage = os.urandom(4096) + b"\x00\x00\x00"
    with pytest.raises(DecodeError, match="garbage.bin"):
        decode_bytes(garbage, "garbage.bin")


def test_png_header_is_an_error():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(DecodeError) as err:
        decode_bytes(png, "picture.png")
    assert "picture.png" in str(err.value)


def test_latin1_text_is_not_guessed():
    data = "Café crème brûlée àéîõü".encode("latin-1") * 20
    with pytest.raises(DecodeError, match="cannot decode"):
        decode_bytes(data, "latin1.txt")


def test_missing_file_names_the_file(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(DecodeError, match="nope.txt"):
        read_text(missing)


def test_empty_bytes_decode_to_empty_text():
    assert decode_bytes(b"", "empty.txt") == ""


def test_non_bytes_rejected():
    with pytest.raises(TypeError, match="x.txt"):
        decode("文本", "x.txt")  # type: ignore[arg-type]


# ---- the fast paths of normalisation give the reference answers ------------------------------

def test_rare_check_equals_the_character_class():
    """``_has_rare`` (UTF-16 bytes, even offsets only) answers as ``_RARE.search`` does, also next to
    characters whose UTF-16 bytes hold 0xFF at an odd offset (仿 U+4EFF), surrogates and astral text."""
    import random

    from clausetag.segment.text import _RARE, _has_rare

    pool = [chr(c) for c in [*range(0xFF00, 0xFF60), 0xFFFF, 0x4EFF, 0x4E00, 0x5E00, 0x0B, 0x0C, 0xFE59, 0xFE5A,
                             0xD800, 0x1F600, 0x20, 0x0A, 0x3002]]
    rng = random.Random(7)
    for _ in range(20000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 6)))
        assert _has_rare(text) == bool(_RARE.search(text)), ascii(text)


def _reference_line_spans(residue, text):
    """Line-anchored residue the simple way: try the pattern at every line start past the last match."""
    found, pos, last_end = [], 0, 0
    while True:
        if pos >= last_end:
            m = residue.line_regex.match(text, pos)
            if m is not None:
                found.append(m.span())
                last_end = m.end()
        nl = text.find("\n", pos)
        if nl < 0:
            return found
        pos = nl + 1


def test_line_anchored_residue_is_found_at_every_line_start():
    """Residue patterns anchored with ``^`` are found by one search for "\\n" + pattern; on random
    text, the packaged patterns and odd custom ones (a match that eats its line break, one that is
    empty, one that spans lines) give the spans of a plain per-line loop, and the table pipes are
    those of the lines with at least ``table_pipe_min`` pipes."""
    import random

    from clausetag.segment.text import _default_residue, compile_residue

    custom = compile_residue({"patterns": ["^ab\n", r"^a\s*b", "^(?=x)y|^x", "^\\s*c\n\n", "q"], "table_pipe_min": 2})
    pieces = ["\n", "\n\n", " ", "— 3 —", "第 2 页", "第\n2\n页", "a", "b", "ab\n", "x", "y", "c", "q", "中文", "|"]
    rng = random.Random(11)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 15)))
        for residue in (_default_residue(), custom):
            want = sorted([m.span() for rx in residue.others for m in rx.finditer(text)]
                          + _reference_line_spans(residue, text))
            prev, overlap = -1, False
            for x, y in want:
                overlap = overlap or x < prev or x == y
                prev = y
            if overlap:
                want = [m.span() for m in residue.regex.finditer(text)]
            pipes = []
            start = 0
            for line in text.split("\n"):
                if line.count("|") >= residue.pipe_min:
                    pipes += [(start + i, start + i + 1) for i, ch in enumerate(line) if ch == "|"]
                start += len(line) + 1
            assert residue.spans(text) == sorted(want + pipes), ascii(text)
