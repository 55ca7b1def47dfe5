"""ClauseRecord: one typed record, its dict form, its derived Arrow schema, and --probs."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

import pytest

from clausetag.io.records import (
    ClauseRecord,
    LabelProb,
    arrow_type,
    record_fields,
    record_schema,
)
from clausetag.io.writers import read_clause_records, read_records, write_records
from clausetag.quantities.extract import Quantity


def quantity() -> Quantity:
    return Quantity("5亿元", 2, 5, "money", 5e8, None, None, "=", "元", currency="CNY", role="target")


def rec(doc: str = "a", i: int = 0, **kw: object) -> ClauseRecord:
    return ClauseRecord(doc, i, "设立5亿元专项资金。", 0, 10, **kw)  # type: ignore[arg-type]


def test_fields_and_schema_follow_the_dataclass() -> None:
    names = [f.name for f in dataclasses.fields(ClauseRecord)]
    assert list(record_fields()) == names
    assert record_schema().names == names
    assert record_schema(with_error=True).names == names + ["error"]
    schema = record_schema()
    import pyarrow as pa

    q = schema.field("quantities").type.value_type
    assert [f.name for f in q] == [f.name for f in dataclasses.fields(Quantity)]
    assert q.field("year").type == pa.int64() and q.field("value").type == pa.float64()
    assert schema.field("probs").type == pa.list_(pa.struct([("label", pa.string()), ("prob", pa.float64())]))
    assert schema.field("heading_path").type == pa.list_(pa.string())


def test_arrow_type_refuses_unknown_types() -> None:
    with pytest.raises(TypeError, match="no Arrow type"):
        arrow_type(complex)
    with pytest.raises(TypeError, match="union"):
        arrow_type(int | str)


def test_dict_round_trip_and_unknown_keys() -> None:
    r = rec(quantities=[quantity()], probs=[LabelProb("funding", 0.9), LabelProb("talent", 0.1)],
            heading_path=["一、总体要求"], label="funding", prob=0.9)
    d = r.to_dict()
    assert list(d) == list(record_fields())
    assert d["quantities"][0]["value"] == 5e8 and d["probs"][0] == {"label": "funding", "prob": 0.9}
    assert ClauseRecord.from_dict(d) == r
    with pytest.raises(ValueError, match="unknown clause record field.*colour"):
        ClauseRecord.from_dict({**d, "colour": "red"})
    with pytest.raises(ValueError, match="not a clause record"):
        ClauseRecord.from_dict({"doc_id": "a"})
    # a file written before a field existed still reads (defaults fill the gap)
    old = {k: v for k, v in d.items() if k not in ("probs", "model_hash", "tagged_at")}
    assert ClauseRecord.from_dict(old).probs is None


@pytest.mark.parametrize("ext", ["jsonl", "csv", "parquet"])
def test_typed_round_trip_every_format(tmp_path: Path, ext: str) -> None:
    records = [rec(quantities=[quantity()], probs=[LabelProb("funding", 0.75)], label="funding", prob=0.75),
               rec(i=1, source=None, model=None)]
    out = write_records(records, tmp_path / f"o.{ext}")
    assert read_clause_records(out) == records


def test_parquet_schema_is_the_same_for_every_output(tmp_path: Path) -> None:
    """Issue 14: with quantities, without, and empty — one schema, so outputs concatenate."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with_q = write_records([rec(quantities=[quantity()], probs=[LabelProb("funding", 1.0)])], tmp_path / "q.parquet")
    without = write_records([rec(is_heading=True, label="heading")], tmp_path / "n.parquet")
    empty = write_records([], tmp_path / "e.parquet")
    schemas = [pq.read_schema(p).remove_metadata() for p in (with_q, without, empty)]
    assert schemas[0] == schemas[1] == schemas[2] == record_schema()
    table = pa.concat_tables([pq.read_table(p) for p in (with_q, without, empty)])
    assert table.num_rows == 2
    assert read_records(empty) == []


def test_csv_header_is_the_record_fields(tmp_path: Path) -> None:
    out = write_records([], tmp_path / "o.csv")
    assert out.read_text(encoding="utf-8-sig").strip() == ",".join(record_fields())


# ----------------------------------------------------------------------------------------- probs
class ProbaClassifier:
    classes_: ClassVar[list[str]] = ["funding", "talent", "planning"]

    def predict_proba(self, texts: list[str], contexts: list[str] | None = None) -> list[list[float]]:
        return [[0.2, 0.7, 0.1] for _ in texts]


DOC = "一、总体要求\n引进高层次人才，开展技能培训。\n"


@pytest.mark.parametrize("probs, expected", [
    ("all", [("talent", 0.7), ("funding", 0.2), ("planning", 0.1)]),
    (2, [("talent", 0.7), ("funding", 0.2)]),
    ("1", [("talent", 0.7)]),
])
def test_probs_top_k_and_all(probs: object, expected: list[tuple[str, float]]) -> None:
    from clausetag.tagging.pipeline import Tagger

    records = Tagger(ProbaClassifier(), probs=probs)(DOC).records  # type: ignore[arg-type]
    body = next(r for r in records if not r.is_heading)
    assert (body.label, body.prob) == ("talent", pytest.approx(0.7))
    assert [(p.label, p.prob) for p in body.probs or []] == expected
    head = next(r for r in records if r.is_heading)
    assert head.probs == [LabelProb("heading", 1.0)]


def test_parse_probs() -> None:
    from clausetag.tagging.pipeline import parse_probs

    assert parse_probs(None) is None and parse_probs("0") is None and parse_probs("ALL") == -1
    for bad in ("most", "-3", -2):
        with pytest.raises(ValueError, match="probs"):
            parse_probs(bad)  # type: ignore[arg-type]


def test_cli_probs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from clausetag.cli import main
    from clausetag.tagging import pipeline

    (tmp_path / "a.txt").write_text(DOC, encoding="utf-8")
    monkeypatch.setattr(pipeline, "load_model", lambda *a, **k: ProbaClassifier())

    def run(*argv: str) -> int:
        return main(["tag", *argv])

    out = tmp_path / "o.jsonl"
    assert run(str(tmp_path / "a.txt"), "-o", str(out), "--no-progress", "--probs", "2") == 0
    body = [r for r in read_clause_records(out) if not r.is_heading]
    assert body and all([p.label for p in r.probs or []] == ["talent", "funding"] for r in body)
    assert run(str(tmp_path / "a.txt"), "-o", str(out), "--no-progress", "--probs", "many") == 2
    assert "--probs must be 'all' or a number" in capsys.readouterr().err
