"""Decoding: every supported encoding round-trips; bad input is a clear error naming the source."""
from __future__ import annotations

import codecs
import os

import pytest

from clausetag.text import DecodeError, decode, decode_bytes, read_text

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
