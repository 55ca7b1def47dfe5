"""Active learning (clausetag.harness.active, ``clausetag select``): doc types, near-duplicates, exclusion,
determinism and the reasons on every pick. Uses the tiny baseline of conftest (trained in milliseconds)."""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from clausetag.cli import main
from clausetag.harness.active import (
    CorpusDoc,
    SelectionError,
    doc_type,
    near_duplicates,
    read_corpus,
    select,
    source_group,
    uncertainty,
)

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[1]

SENTENCES = [
    "设立专项资金，对符合条件的项目给予奖补。", "引进高层次人才，开展职业技能培训。", "到2025年，产业规模突破500亿元。",
    "成立工作领导小组，强化督导考核。", "加强宣传引导，营造良好社会氛围。", "支持企业开展技术攻关和成果转化。",
    "完善金融服务，扩大信贷投放规模。", "落实税收优惠政策，减轻企业负担。", "保障重点项目建设用地需求。",
    "推进政务服务一网通办，简化审批流程。", "鼓励政府采购创新产品，扩大应用场景。", "组织企业参加展会，开拓国际市场。",
    "建设公共服务平台和新型基础设施。", "各地要结合实际认真贯彻落实。", "本办法自印发之日起施行。",
]


def _doc(doc_id: str, title: str, rng: random.Random, n: int = 14, source: str = "hebei:a") -> dict[str, Any]:
    lines = [title, "一、总体要求"] + [rng.choice(SENTENCES) + f"（第{doc_id}号第{i}项）" for i in range(n)]
    return {"id": doc_id, "title": title, "source": source, "date": "2024-01-01", "url": "", "text": "\n".join(lines)}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    rng = random.Random(7)
    titles = ["关于做好就业工作的通知", "关于促进产业发展的实施意见", "数字化转型行动方案", "支持科技创新若干措施",
              "制造业发展规划", "专项资金管理办法", "安全生产管理规定", "关于某事项的复函", "人才发展行动计划",
              "关于表彰先进集体的决定", "2021年项目申报指南", "关于开展培训的通知"]
    docs = [_doc(f"d{i:02d}", t, rng, source=["hebei:a", "hebei:b", "gov.cn:c"][i % 3]) for i, t in enumerate(titles)]
    twin = dict(docs[1], id="d01twin", title=docs[1]["title"] + "（转载）")
    twin["text"] = docs[1]["text"].replace("（第d01号第3项）", "（第d01号第三项）")
    docs.append(twin)
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


@pytest.fixture
def no_heldout(tmp_path: Path) -> Path:
    d = tmp_path / "heldout"
    d.mkdir()
    return d


@pytest.mark.parametrize(("title", "kind"), yaml.safe_load((DATA / "doc_types_golden.yaml").read_text("utf-8")))
def test_doc_type_golden(title: str, kind: str) -> None:
    assert doc_type(title) == kind


def test_source_group_uses_the_host_of_url_sources() -> None:
    assert source_group("hebei:https://kjt.hebei.gov.cn/www/x/1.html") == "hebei:kjt.hebei.gov.cn"
    assert source_group("gov.cn:state-council") == "gov.cn:state-council"


def test_uncertainty_margin_and_entropy() -> None:
    p = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]])
    assert uncertainty(p, "margin") == pytest.approx([0.0, 1.0, 1.0])
    assert uncertainty(p, "entropy") == pytest.approx([0.0, np.log(2) / np.log(3), 1.0], abs=1e-6)
    with pytest.raises(ValueError, match="margin"):
        uncertainty(p, "bald")


def test_near_duplicates_finds_reposts_not_relatives() -> None:
    rng = random.Random(1)
    a = "".join(rng.choice(SENTENCES) for _ in range(60))
    b = a[:500] + "此处有改动" + a[505:]
    c = "".join(rng.choice(SENTENCES) for _ in range(60))
    found = near_duplicates({"a": a, "b": b, "c": c}, threshold=0.7)
    assert set(found) == {"a", "b"} and found["a"]["b"] > 0.9


def test_read_corpus_errors_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "c.jsonl"
    bad.write_text('{"id": "x", "text": "甲"}\n{"id": "x", "text": "乙"}\n', encoding="utf-8")
    with pytest.raises(SelectionError, match=r"c\.jsonl:2: duplicate id"):
        read_corpus(bad)
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    with pytest.raises(SelectionError, match=r"c\.jsonl:1: missing field\(s\) text"):
        read_corpus(bad)
    with pytest.raises(SelectionError, match="no such corpus"):
        read_corpus(tmp_path / "nope.jsonl")


def test_read_corpus_folder_of_txt(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x1.txt").write_text("\n关于做好就业工作的通知\n正文。\n", encoding="utf-8")
    docs = read_corpus(tmp_path)
    assert [(d.id, d.title, d.source) for d in docs] == [("x1", "关于做好就业工作的通知", "sub")]


def test_select_is_deterministic_and_explains_every_pick(corpus: Path, baseline_dir: Path, no_heldout: Path) -> None:
    kw: dict[str, Any] = {"model": baseline_dir, "n": 8, "seed": 3, "heldout": no_heldout, "progress": False}
    first = select(corpus, **kw)
    assert first == select(corpus, **kw)
    assert len(first) == 8 and [r["rank"] for r in first] == list(range(1, 9))
    for row in first:
        assert row["reason"] and row["diversity"]
        assert 0 <= row["uncertainty"] <= 1 and 0 <= row["rarity"] <= 1
        assert row["doc_type"] == doc_type(row["title"])
        assert f"{row['uncertainty']:.3f}" in row["reason"]
        assert row["score"] == pytest.approx(row["uncertainty"] + 0.5 * row["rarity"], abs=2e-4)
        assert abs(row["perturbed_score"] - row["score"]) < 0.01 * 10  # Gumbel noise of scale 0.01
    # diversity: the first picks are all of different types, each "first of type"
    assert len({r["doc_type"] for r in first[:6]}) == 6
    assert all("first of type" in r["diversity"] for r in first[:6])


def test_select_without_diversity_ranks_by_score(corpus: Path, baseline_dir: Path, no_heldout: Path) -> None:
    rows = select(corpus, model=baseline_dir, n=12, heldout=no_heldout, progress=False,
                  type_decay=1.0, source_decay=1.0, noise=0.0)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    noisy = select(corpus, model=baseline_dir, n=12, heldout=no_heldout, progress=False,
                   type_decay=1.0, source_decay=1.0, noise=0.05, seed=4)
    assert [r["perturbed_score"] for r in noisy] == sorted((r["perturbed_score"] for r in noisy), reverse=True)


def test_the_seed_changes_the_batch_only_through_the_noise(corpus: Path, baseline_dir: Path, no_heldout: Path) -> None:
    def ids(seed: int, noise: float) -> list[str]:
        rows = select(corpus, model=baseline_dir, n=6, heldout=no_heldout, progress=False, seed=seed, noise=noise,
                      type_decay=1.0, source_decay=1.0)
        return [r["doc_id"] for r in rows]

    assert ids(1, 0.0) == ids(2, 0.0)
    assert len({tuple(ids(s, 1.0)) for s in range(4)}) > 1  # large noise: the seed decides


def test_near_duplicate_reposts_are_never_both_picked(corpus: Path, baseline_dir: Path, no_heldout: Path) -> None:
    rows = select(corpus, model=baseline_dir, n=50, heldout=no_heldout, progress=False)
    ids = [r["doc_id"] for r in rows]
    assert ("d01" in ids) != ("d01twin" in ids)
    keeper = next(r for r in rows if r["doc_id"] in ("d01", "d01twin"))
    assert [s["doc_id"] for s in keeper["near_duplicates_skipped"]] == [{"d01": "d01twin", "d01twin": "d01"}[keeper["doc_id"]]]
    assert len(rows) == 12  # 13 documents, one of the twins left out


def test_labeled_and_heldout_documents_and_their_twins_are_excluded(corpus: Path, baseline_dir: Path,
                                                                   tmp_path: Path) -> None:
    docs = {d.id: d for d in read_corpus(corpus)}
    labeled = tmp_path / "labeled"
    labeled.mkdir()
    (labeled / "d01.txt").write_text(docs["d01"].text, encoding="utf-8")  # the twin d01twin goes too
    (labeled / "d05.jsonl").write_text(json.dumps({"doc_id": "x", "source": "d05", "index": 0, "start": 0,
                                                   "end": 1, "text": "甲", "label": "tax"}) + "\n", encoding="utf-8")
    held = tmp_path / "held"
    held.mkdir()
    (held / "documents.jsonl").write_text(json.dumps({"doc_id": "d07", "title": "t"}) + "\n", encoding="utf-8")
    skipped: list[dict[str, Any]] = []
    rows = select(corpus, model=baseline_dir, n=50, exclude=[labeled], heldout=held, progress=False, skipped=skipped)
    ids = {r["doc_id"] for r in rows}
    assert ids.isdisjoint({"d01", "d01twin", "d05", "d07"}) and len(ids) == 9
    rules = {s["doc_id"]: s["rule"] for s in skipped}
    assert rules == {"d01": "labeled", "d05": "labeled", "d07": "held_out", "d01twin": "near_duplicate"}


def test_default_heldout_is_never_selected(baseline_dir: Path) -> None:
    held = ROOT / "labels" / "policy_heldout"
    meta = [json.loads(line) for line in (held / "documents.jsonl").read_text("utf-8").splitlines()]
    docs = [CorpusDoc(m["doc_id"], m["title"], (held / f"{m['doc_id']}.txt").read_text("utf-8")) for m in meta]
    docs.append(CorpusDoc("other1", "关于做好就业工作的通知", "\n".join(SENTENCES)))
    skipped: list[dict[str, Any]] = []
    rows = select(docs, model=baseline_dir, n=20, progress=False, min_clauses=None, skipped=skipped)
    assert [r["doc_id"] for r in rows] == ["other1"]
    assert sum(s["rule"] == "held_out" for s in skipped) == len(meta) >= 12


def test_clause_unit_respects_per_doc_and_explains(corpus: Path, baseline_dir: Path, no_heldout: Path) -> None:
    rows = select(corpus, model=baseline_dir, n=10, unit="clause", per_doc=2, heldout=no_heldout, progress=False)
    assert len(rows) == 10
    per_doc: dict[str, int] = {}
    for r in rows:
        per_doc[r["doc_id"]] = per_doc.get(r["doc_id"], 0) + 1
        assert {"index", "text", "start", "end", "predicted", "prob", "reason"} <= set(r)
    assert max(per_doc.values()) <= 2
    texts = [r["text"] for r in rows]
    assert len(set(texts)) == len(texts)


def test_min_and_max_clauses(corpus: Path, baseline_dir: Path, no_heldout: Path) -> None:
    skipped: list[dict[str, Any]] = []
    assert select(corpus, model=baseline_dir, n=5, min_clauses=100, heldout=no_heldout, progress=False,
                  skipped=skipped) == []
    assert {s["rule"] for s in skipped} == {"min_clauses"}
    assert select(corpus, model=baseline_dir, n=5, max_clauses=3, heldout=no_heldout, progress=False) == []


def test_cli_select_writes_rows_and_texts(corpus: Path, baseline_dir: Path, no_heldout: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out, texts = tmp_path / "sel.jsonl", tmp_path / "texts"
    assert main(["select", str(corpus), "--model", str(baseline_dir), "-n", "4", "--seed", "1", "--heldout",
                 str(no_heldout), "--no-progress", "-o", str(out), "--texts-out", str(texts)]) == 0
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(rows) == 4 and all(r["reason"] for r in rows)
    docs = {d.id: d for d in read_corpus(corpus)}
    assert sorted(p.stem for p in texts.glob("*.txt")) == sorted(r["doc_id"] for r in rows)
    assert all((texts / f"{r['doc_id']}.txt").read_text("utf-8") == docs[r["doc_id"]].text for r in rows)
    assert "selected 4 document(s)" in capsys.readouterr().err


def test_cli_select_usage_errors(corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["select", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "no such corpus" in capsys.readouterr().err
    assert main(["select", str(corpus), "-n", "0", "-o", str(tmp_path / "o.jsonl")]) == 2
    assert main(["select", str(corpus), "--exclude", str(tmp_path / "missing"), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "--exclude needs a folder" in capsys.readouterr().err


def test_exclude_an_earlier_selection_file(corpus: Path, baseline_dir: Path, no_heldout: Path, tmp_path: Path) -> None:
    from clausetag.harness.active import write_selection

    first = select(corpus, model=baseline_dir, n=3, heldout=no_heldout, progress=False)
    earlier = write_selection(first, tmp_path / "round1.jsonl")
    second = select(corpus, model=baseline_dir, n=3, heldout=no_heldout, progress=False, exclude=[earlier])
    assert {r["doc_id"] for r in first}.isdisjoint(r["doc_id"] for r in second) and len(second) == 3


def test_missing_heldout_folder_is_an_error(corpus: Path, baseline_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(SelectionError, match="held-out folder not found"):
        select(corpus, model=baseline_dir, heldout=tmp_path / "nope", progress=False)


def test_rarity_weights_follow_the_label_counts() -> None:
    from collections import Counter

    from clausetag.harness.active import rarity_weights

    w = rarity_weights(["tax", "regulation", "heading", "other"], Counter(tax=5, regulation=500, other=100))
    assert w["tax"] == 1.0 and 0 <= w["regulation"] < w["other"] < w["tax"] and w["heading"] == 0.0
    more = rarity_weights(["tax", "regulation", "heading", "other"], Counter(tax=5 + 400, regulation=500, other=100))
    assert more["tax"] < more["other"]  # labeled data (the --exclude folders) makes a label common


def test_clause_unit_skips_clauses_repeated_in_a_repost(corpus: Path, baseline_dir: Path, no_heldout: Path) -> None:
    docs = [d for d in read_corpus(corpus) if d.id in ("d01", "d01twin")]
    rows = select(docs, model=baseline_dir, n=100, unit="clause", per_doc=100, heldout=no_heldout,
                  progress=False, dup_threshold=0.95)
    texts = [r["text"] for r in rows]
    assert len(texts) == len(set(texts))
    assert sum(len(r["near_duplicates_skipped"]) for r in rows) >= 10
