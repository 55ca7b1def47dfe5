"""Labeled-data I/O (clausetag.harness.data): JSONL read/write, Dataset conversion, seed loading."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SEEDS_DIR

from clausetag.harness.data import (
    LabeledDataError,
    find_labels_dir,
    from_dataset,
    load_labeled,
    load_seed,
    read_labeled,
    to_dataset,
    write_labeled,
)
from clausetag.io.schema import load_schema


def _records(doc_id: str = "doc_a") -> list[dict]:
    return [
        {"doc_id": doc_id, "index": 0, "text": "一、总体要求", "start": 0, "end": 6,
         "heading_path": [], "label": "heading", "quantities": []},
        {"doc_id": doc_id, "index": 1, "text": "到2027年，培育重点企业500家以上。",
         "start": 7, "end": 28,
         "heading_path": ["一、总体要求"], "label": "planning",
         "quantities": [{"text": "500家以上", "start": 14, "end": 20, "kind": "count", "value": 500.0,
                         "low": 500.0, "high": None, "comparator": ">=", "unit": "家", "currency": None,
                         "year": 2027, "role": "target"}]},
        {"doc_id": doc_id, "index": 2, "text": "最高给予50万元奖励。", "start": 29, "end": 40,
         "heading_path": ["一、总体要求"], "label": "funding", "is_heading": False,
         "responsible_units": ["市财政局"],
         "quantities": [{"text": "最高给予50万元", "start": 0, "end": 8, "kind": "money", "value": 5e5,
                         "low": None, "high": 5e5, "comparator": "<=", "unit": "元", "currency": "CNY",
                         "year": None, "role": "cap", "note": "extra key kept"}]},
    ]


def test_write_then_read_roundtrip_and_atomicity(tmp_path: Path) -> None:
    path = write_labeled(_records(), tmp_path / "out" / "doc_a.jsonl")
    assert path.exists()
    assert [p.name for p in path.parent.iterdir()] == ["doc_a.jsonl"]  # no temp file left behind
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and "总体要求" in lines[0]  # UTF-8, not \u escapes
    assert list(json.loads(lines[0])) == ["doc_id", "index", "text", "start", "end", "heading_path",
                                          "label", "quantities"]
    assert read_labeled(path) == _records()


def test_write_failure_keeps_old_file(tmp_path: Path) -> None:
    path = write_labeled(_records(), tmp_path / "doc_a.jsonl")
    before = path.read_bytes()
    bad = _records() + [{"doc_id": "doc_a", "index": 3, "text": object()}]
    with pytest.raises(TypeError):
        write_labeled(bad, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["doc_a.jsonl"]


def test_read_directory_sorts_by_doc_and_index(tmp_path: Path) -> None:
    write_labeled(list(reversed(_records("doc_b"))), tmp_path / "doc_b.jsonl")
    write_labeled(list(reversed(_records("doc_a"))), tmp_path / "doc_a.jsonl")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    records = read_labeled(tmp_path)
    assert [(r["doc_id"], r["index"]) for r in records] == [
        ("doc_a", 0), ("doc_a", 1), ("doc_a", 2), ("doc_b", 0), ("doc_b", 1), ("doc_b", 2)]


def test_read_bad_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "doc_a.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in _records()]
    lines.insert(1, "")
    lines[2] = lines[2][:-1]
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(LabeledDataError, match=r"doc_a\.jsonl:3: invalid JSON"):
        read_labeled(path)


def test_read_missing_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_labeled(tmp_path / "nope.jsonl")


def test_to_dataset_features() -> None:
    import datasets

    ds = to_dataset(_records(), split="extra")
    assert isinstance(ds, datasets.Dataset)
    assert len(ds) == 3
    assert isinstance(ds.features["label"], datasets.ClassLabel)
    assert ds.features["label"].names == list(load_schema().codes)
    assert ds[1]["label"] == load_schema().index("planning")
    assert ds[1]["heading_path"] == ["一、总体要求"]
    assert json.loads(ds[1]["quantities"])[0]["value"] == 500.0
    assert json.loads(ds[2]["extra"]) == {"is_heading": False, "responsible_units": ["市财政局"]}
    assert set(ds["split"]) == {"extra"}


def test_dataset_roundtrip_is_identical() -> None:
    records = _records()
    assert from_dataset(to_dataset(records)) == records
    unlabeled = [dict(records[0], label=None)]
    ds = to_dataset(unlabeled)
    assert ds[0]["label"] == -1
    assert from_dataset(ds) == unlabeled


def test_split_from_record_field_wins() -> None:
    records = [dict(r, split="extra") for r in _records()]
    ds = to_dataset(records, split="seed")
    assert set(ds["split"]) == {"extra"}
    assert from_dataset(ds, keep_split=True) == records


def test_unknown_label_is_rejected() -> None:
    with pytest.raises(LabeledDataError, match="unknown label 'export'"):
        to_dataset([dict(_records()[0], label="export")])


def _labels_tree(tmp_path: Path) -> Path:
    labels = tmp_path / "labels"
    write_labeled(_records("doc_a"), labels / "seed" / "doc_a.jsonl")
    write_labeled(_records("doc_x"), labels / "extra" / "doc_x.jsonl")
    return labels


def test_load_seed_and_labeled_with_root(tmp_path: Path) -> None:
    labels = _labels_tree(tmp_path)
    seed = load_seed(root=tmp_path)
    assert len(seed) == 3 and set(seed["split"]) == {"seed"}
    assert load_seed(root=labels)["doc_id"] == ["doc_a"] * 3
    both = load_labeled(("seed", "extra"), root=tmp_path)
    assert len(both) == 6
    assert sorted(set(zip(both["doc_id"], both["split"]))) == [("doc_a", "seed"), ("doc_x", "extra")]
    with pytest.raises(FileNotFoundError, match="'nope'"):
        load_labeled("nope", root=tmp_path)


def test_find_labels_dir_env(tmp_path: Path, monkeypatch) -> None:
    labels = _labels_tree(tmp_path)
    monkeypatch.setenv("CLAUSETAG_LABELS", str(labels))
    monkeypatch.chdir(tmp_path.parent)
    assert find_labels_dir() == labels
    with pytest.raises(FileNotFoundError, match="CLAUSETAG_LABELS"):
        find_labels_dir(root=tmp_path / "missing")


def test_find_labels_dir_in_checkout() -> None:
    assert find_labels_dir() == SEEDS_DIR.parent


def test_load_real_seed_if_labeled() -> None:
    if not list(SEEDS_DIR.glob("*.jsonl")):
        pytest.skip("no gold labels/seed/*.jsonl yet")
    ds = load_seed()
    assert set(ds["doc_id"]) == {p.stem for p in SEEDS_DIR.glob("*.jsonl")}
    assert from_dataset(ds) == read_labeled(SEEDS_DIR)


def test_directory_reading_skips_manifests(tmp_path: Path) -> None:
    write_labeled(_records("doc_a"), tmp_path / "doc_a.jsonl")  # no .txt: recognised by its fields
    (tmp_path / "doc_b.txt").write_text("x", encoding="utf-8")
    write_labeled(_records("doc_b"), tmp_path / "doc_b.jsonl")
    (tmp_path / "documents.jsonl").write_text('{"doc_id": "doc_a", "title": "t"}\n', encoding="utf-8")
    assert {r["doc_id"] for r in read_labeled(tmp_path)} == {"doc_a", "doc_b"}


def test_load_seed_from_an_installed_copy(tmp_path: Path) -> None:
    """Issue 15: ``load_seed()`` after a plain install — the package, copied as a wheel would (symlinks
    followed, no checkout around it), still finds the seed set it ships."""
    import os
    import shutil
    import subprocess
    import sys

    import clausetag

    pkg = Path(clausetag.__file__).resolve().parent
    site = tmp_path / "site"
    shutil.copytree(pkg, site / "clausetag", symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__", "models", "*.joblib"))
    assert not (site / "clausetag" / "resources" / "labels" / "seed").is_symlink()
    env = {k: v for k, v in os.environ.items() if k != "CLAUSETAG_LABELS"}
    env["PYTHONPATH"] = str(site)
    code = ("import clausetag.harness.data as d; p = d.find_labels_dir(); "
            "print(p); print(len(d.read_labeled(p / 'seed')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    where, n = out.stdout.split()
    assert Path(where) == site / "clausetag" / "resources" / "labels" and int(n) > 400
