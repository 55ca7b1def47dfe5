"""Writers: JSONL/CSV/Parquet round trips, atomic replacement, resume."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from clausetag.io import writers
from clausetag.io.records import ClauseRecord
from clausetag.io.writers import (
    RecordWriter,
    read_records,
    write_records,
)


def record(doc_id: str, index: int, **extra: object) -> dict:
    rec = {
        "doc_id": doc_id,
        "index": index,
        "text": f"设立5亿元专项资金，支持企业“出海”。{index}",
        "start": index * 10,
        "end": index * 10 + 9,
        "heading_path": ["一、总体要求", "（一）资金支持"],
        "is_heading": False,
        "label": "funding",
        "prob": 0.875,
        "family": "supply",
        "quantities": [
            {"text": "5亿元", "start": 2, "end": 5, "kind": "money", "value": 5e8, "low": None,
             "high": None, "comparator": "=", "unit": "元", "currency": "CNY", "year": None, "role": "target"}
        ],
        "lead_units": ["市发展改革委"],
        "responsible_units": ["市财政局", "市商务局"],
        "source": f"in/{doc_id}.txt",
    }
    rec.update(extra)
    return ClauseRecord.from_dict(rec).to_dict()  # complete: every field of the record type


RECORDS = [
    record("a", 0),
    record("a", 1, is_heading=True, label="heading", prob=1.0, family="none", quantities=[], heading_path=[]),
    record("b", 0, lead_units=[], responsible_units=[]),
]


@pytest.mark.parametrize("ext", ["jsonl", "csv", "parquet"])
def test_round_trip(tmp_path: Path, ext: str) -> None:
    out = write_records(RECORDS, tmp_path / f"out.{ext}")
    assert read_records(out) == RECORDS
    assert [p.name for p in tmp_path.iterdir()] == [f"out.{ext}"]  # no temp file left


def test_jsonl_is_readable_utf8(tmp_path: Path) -> None:
    out = write_records(RECORDS, tmp_path / "out.jsonl")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert "专项资金" in lines[0]  # ensure_ascii=False
    assert list(json.loads(lines[0]))[:3] == ["doc_id", "index", "text"]


def test_csv_has_bom_and_json_lists(tmp_path: Path) -> None:
    import csv

    out = write_records(RECORDS, tmp_path / "out.csv")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert json.loads(rows[0]["responsible_units"]) == ["市财政局", "市商务局"]
    assert json.loads(rows[0]["quantities"])[0]["value"] == 5e8


def test_parquet_keeps_nested_lists(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    out = write_records(RECORDS, tmp_path / "out.parquet")
    table = pq.read_table(out)
    import pyarrow as pa

    assert pa.types.is_list(table.schema.field("heading_path").type)
    assert pa.types.is_string(table.schema.field("heading_path").type.value_type)
    import dataclasses

    from clausetag.quantities.extract import Quantity

    assert table.schema.field("quantities").type.value_type.num_fields == len(dataclasses.fields(Quantity))


def test_unknown_extension(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot tell the output format"):
        write_records(RECORDS, tmp_path / "out.xlsx")


class Boom(RuntimeError):
    pass


@pytest.mark.parametrize("ext", ["jsonl", "csv", "parquet"])
def test_exception_mid_write_keeps_old_file(tmp_path: Path, ext: str) -> None:
    out = tmp_path / f"out.{ext}"
    write_records(RECORDS[:1], out)
    before = out.read_bytes()

    def records():
        yield RECORDS[1]
        raise Boom("interrupted")

    with pytest.raises(Boom):
        write_records(records(), out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_failure_at_replace_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.jsonl"
    write_records(RECORDS[:1], out)
    before = out.read_bytes()

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(writers.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_records(RECORDS, out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_writer_context_manager_aborts_on_error(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with pytest.raises(Boom), RecordWriter(out) as w:  # noqa: PT012 (the error must come from inside the writer block)
        w.write(RECORDS)
        raise Boom()
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_explicit_commit_keeps_written_documents(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    w = RecordWriter(out)
    w.write(RECORDS[:2])
    w.commit()  # what the CLI does on Ctrl-C
    assert read_records(out) == RECORDS[:2]


@pytest.mark.parametrize("ext", ["jsonl", "csv", "parquet"])
def test_writing_again_replaces(tmp_path: Path, ext: str) -> None:
    """No append mode: resuming is the run journal's job (clausetag.tagging.runstate)."""
    out = tmp_path / f"out.{ext}"
    write_records(RECORDS[:2], out)
    write_records(RECORDS[2:], out)
    assert read_records(out) == RECORDS[2:]
    with pytest.raises(TypeError):
        write_records(RECORDS, out, resume=True)  # type: ignore[call-arg]


def test_write_atomic(tmp_path: Path) -> None:
    p = writers.write_atomic(tmp_path / "sub" / "x.md", "内容".encode())
    assert p.read_text(encoding="utf-8") == "内容"
    assert [q.name for q in p.parent.iterdir()] == ["x.md"]
