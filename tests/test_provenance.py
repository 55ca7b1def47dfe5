"""Provenance: version, model name and hash, rule-set name and hash, time — on every record."""
from __future__ import annotations

from pathlib import Path

import pytest

import clausetag
from clausetag.classifiers.loading import resolve_model
from clausetag.outputs.provenance import Provenance, hash_files, model_identity, now_utc, rules_identity


def test_now_utc_honours_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert now_utc() == "2023-11-14T22:13:20Z"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert now_utc().endswith("Z") and now_utc()[:2] == "20"


def test_model_hash_is_content_not_place(tmp_path: Path) -> None:
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "clausetag.json").write_text('{"type": "baseline"}', encoding="utf-8")
        (tmp_path / d / "model.bin").write_bytes(b"weights")
    (na, ha), (nb, hb) = model_identity(tmp_path / "a"), model_identity(tmp_path / "b")
    assert ha == hb and len(ha or "") == 16 and (na, nb) == ("a:baseline", "b:baseline")
    (tmp_path / "b" / "model.bin").write_bytes(b"other weights")
    assert model_identity(tmp_path / "b")[1] != ha
    assert hash_files([tmp_path / "a" / "model.bin"]) != hash_files([tmp_path / "b" / "model.bin"])


def test_rules_identity_follows_the_rule_set() -> None:
    from clausetag.segment.rulesets import load_rule_set
    from clausetag.segment.splitter import Splitter

    default = load_rule_set(None)
    assert rules_identity() == (default.name, default.hash)
    reg = Splitter("regulation")
    assert rules_identity(reg) == ("regulation", reg.rules_hash) != rules_identity()


def test_every_record_carries_provenance(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from clausetag.tagging.pipeline import Tagger

    class Stub:
        classes_ = np.array(["funding", "talent"], dtype=object)

        def predict_proba(self, texts: list[str], contexts: list[str] | None = None) -> np.ndarray:
            return np.tile([0.6, 0.4], (len(texts), 1))

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    records = Tagger(Stub())("一、总体要求\n设立专项资金。\n").records
    assert records
    for r in records:
        p = Provenance.from_record(r)
        assert p is not None and p.clausetag_version == clausetag.__version__
        assert (p.model, p.rules, p.tagged_at) == ("Stub", "default", "2023-11-14T22:13:20Z")
        assert p.rules_hash == rules_identity()[1]
        assert Provenance.from_record(r.to_dict()) == p


def test_every_output_of_a_run_carries_provenance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    import numpy as np
    import pandas as pd
    from PIL import Image

    from clausetag.cli import main
    from clausetag.tagging import pipeline

    class Stub:
        classes_ = np.array(["funding", "talent"], dtype=object)

        def predict_proba(self, texts: list[str], contexts: list[str] | None = None) -> np.ndarray:
            return np.tile([0.6, 0.4], (len(texts), 1))

    monkeypatch.setattr(pipeline, "load_model", lambda *a, **k: Stub())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    (tmp_path / "a.txt").write_text("一、总体要求\n到2027年，全市数字经济核心产业增加值突破1000亿元。\n", encoding="utf-8")
    (tmp_path / "z.txt").write_bytes(b"")
    out = tmp_path / "out"
    assert main(["tag", str(tmp_path / "a.txt"), str(tmp_path / "z.txt"), "-o", f"{out}/", "--no-progress"]) == 1
    prov = Provenance.collect(Stub(), model=resolve_model("default"), model_name="default")
    want = prov.to_dict()
    rec = json.loads((out / "clauses.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert {k: rec[k] for k in want} == want
    summary = pd.read_csv(out / "summary.csv", encoding="utf-8-sig", dtype=str).set_index("doc_id")
    for doc in ("a", "z"):  # a tagged and a failed document
        assert summary.loc[doc, "model_hash"] == prov.model_hash and summary.loc[doc, "rules_hash"] == prov.rules_hash
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert "## Provenance" in md and str(prov.model_hash) in md and "2023-11-14T22:13:20Z" in md
    assert json.loads(Image.open(out / "mix.png").text["Description"]) == want  # type: ignore[attr-defined]
    targets = pd.read_csv(out / "targets.csv", encoding="utf-8-sig", dtype=str)
    assert len(targets) == 1 and targets.loc[0, "model_hash"] == prov.model_hash  # the 1000亿元 target
    import pyarrow.parquet as pq

    assert pq.read_table(out / "targets.parquet").column("rules_hash").to_pylist() == [prov.rules_hash]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert str(prov.model_hash) in page and str(prov.rules_hash) in page and clausetag.__version__ in page
