"""Whole-document segmentation scores (clausetag.harness.metrics.segmentation_scores), clausetag.harness.split_eval and
``clausetag split-eval``."""
from __future__ import annotations

import json

import pytest

from clausetag.cli import main
from clausetag.harness.metrics import nonspace_offsets, segmentation_scores, sum_scores
from clausetag.harness.split_eval import SplitEvalError, evaluate_split, split_eval_markdown
from clausetag.segment.splitter import split

TEXT = "一、总体要求\n推进产业发展。加快项目建设。\n（一）设立专项资金。\n"


def _recs(text, spans, headings=()):
    return [{"doc_id": "d", "start": a, "end": b, "label": "heading" if i in headings else "other"}
            for i, (a, b) in enumerate(spans)]


def _gold():
    return _recs(TEXT, [(0, 6), (7, 14), (14, 21), (22, 32)], headings={0})


def test_text_spans():
    assert [TEXT[a:b] for a, b in [(0, 6), (7, 14), (14, 21), (22, 32)]] == [
        "一、总体要求", "推进产业发展。", "加快项目建设。", "（一）设立专项资金。"]


def test_nonspace_offsets():
    assert nonspace_offsets("a \nb") == [0, 1, 1, 1, 2]


def test_identical_segmentation_scores_one():
    s = segmentation_scores(_gold(), _gold(), TEXT)
    assert s["boundary"] == {"tp": 3, "pred": 3, "gold": 3, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert s["heading"]["f1"] == 1.0 and s["heading"]["gold"] == 1


def test_whitespace_insensitive_alignment():
    # the heading's end after its line break and a clause end with trailing blanks align with gold
    pred = _recs(TEXT, [(0, 7), (7, 14), (14, 22), (22, 33)], headings={0})
    s = segmentation_scores(pred, _gold(), TEXT)
    assert s["boundary"]["f1"] == 1.0 and s["heading"]["f1"] == 1.0


def test_merge_lowers_recall_and_split_lowers_precision():
    merged = _recs(TEXT, [(0, 6), (7, 21), (22, 32)], headings={0})
    s = segmentation_scores(merged, _gold(), TEXT)
    assert (s["boundary"]["tp"], s["boundary"]["pred"], s["boundary"]["gold"]) == (2, 2, 3)
    assert s["boundary"]["precision"] == 1.0 and s["boundary"]["recall"] == pytest.approx(2 / 3)
    split_more = _recs(TEXT, [(0, 6), (7, 10), (10, 14), (14, 21), (22, 32)], headings={0})
    s = segmentation_scores(split_more, _gold(), TEXT)
    assert s["boundary"]["precision"] == pytest.approx(3 / 4) and s["boundary"]["recall"] == 1.0


def test_heading_scores_use_label_for_gold_and_is_heading_for_pred():
    pred = [dict(r, is_heading=False) for r in _gold()]
    pred[3]["is_heading"] = True  # a whole-measure item predicted as heading, the real heading missed
    s = segmentation_scores(pred, _gold(), TEXT)
    assert (s["heading"]["tp"], s["heading"]["pred"], s["heading"]["gold"]) == (0, 1, 1)
    assert s["heading"]["f1"] == 0.0


def test_sum_scores_is_micro():
    a = segmentation_scores(_gold(), _gold(), TEXT)
    b = segmentation_scores(_recs(TEXT, [(0, 6), (7, 21), (22, 32)]), _gold(), TEXT)
    total = sum_scores([a, b])
    assert total["boundary"]["tp"] == 5 and total["boundary"]["gold"] == 6
    assert total["heading"]["recall"] == 0.5


def _write_doc(folder, doc_id, text, records):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    with (folder / f"{doc_id}.jsonl").open("w", encoding="utf-8") as fh:
        for i, r in enumerate(records):
            fh.write(json.dumps(dict(r, doc_id=doc_id, index=i), ensure_ascii=False) + "\n")


def _splitter_gold(text):
    return [{"start": c.start, "end": c.end, "text": c.text, "heading_path": list(c.heading_path),
             "label": "heading" if c.is_heading else "other", "quantities": []} for c in split(text)]


def test_evaluate_split_against_splitter_output_is_perfect(tmp_path):
    _write_doc(tmp_path / "g", "d1", TEXT, _splitter_gold(TEXT))
    report = evaluate_split(tmp_path / "g")
    assert report["n_documents"] == 1
    assert report["overall"]["boundary"]["f1"] == 1.0 and report["overall"]["heading"]["f1"] == 1.0
    md = split_eval_markdown(report)
    assert "| d1 | 1.000 |" in md and "overall (1 documents)" in md


def test_evaluate_split_counts_a_missed_heading_and_boundary(tmp_path):
    gold = _splitter_gold(TEXT)
    gold[3]["label"] = "funding"  # gold: （一）设立专项资金。 is a measure; the splitter agrees (no children)
    merged = gold[1:3]
    gold = [gold[0], dict(merged[0], end=merged[1]["end"]), gold[3]]  # gold joins the two body sentences
    _write_doc(tmp_path / "g", "d1", TEXT, gold)
    report = evaluate_split(tmp_path / "g")
    b = report["documents"]["d1"]["boundary"]
    assert (b["tp"], b["pred"], b["gold"]) == (2, 3, 2)
    assert report["documents"]["d1"]["clauses"] == {"gold": 3, "pred": 4}


def test_evaluate_split_with_pred_files(tmp_path):
    gold = _splitter_gold(TEXT)
    _write_doc(tmp_path / "a", "d1", TEXT, gold)
    other = [dict(r) for r in gold]
    other[0]["label"] = "other"
    _write_doc(tmp_path / "b", "d1", TEXT, other)
    report = evaluate_split(tmp_path / "a", pred=tmp_path / "b")
    assert report["overall"]["heading"]["recall"] == 0.0
    assert report["overall"]["boundary"]["f1"] == 1.0


def test_evaluate_split_errors_name_the_file(tmp_path):
    _write_doc(tmp_path / "g", "d1", TEXT, _splitter_gold(TEXT))
    (tmp_path / "g" / "d1.txt").unlink()
    (tmp_path / "g" / "d1.jsonl").rename(tmp_path / "g" / "x.jsonl")
    with pytest.raises(SplitEvalError, match=r"x\.jsonl: raw text .*d1\.txt"):
        evaluate_split(tmp_path / "g")


def test_cli_split_eval(tmp_path, capsys):
    _write_doc(tmp_path / "g", "d1", TEXT, _splitter_gold(TEXT))
    out_json = tmp_path / "r.json"
    assert main(["split-eval", str(tmp_path / "g"), "--json", str(out_json)]) == 0
    assert "| d1 | 1.000 | 1.000 | 1.000 |" in capsys.readouterr().out
    assert json.loads(out_json.read_text(encoding="utf-8"))["overall"]["boundary"]["f1"] == 1.0
    assert main(["split-eval", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "clausetag split-eval: error:" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_predicted_spans_outside_the_raw_text_are_an_error(tmp_path):
    _write_doc(tmp_path / "g", "d1", TEXT, _splitter_gold(TEXT))
    bad = [dict(r, end=len(TEXT) + 5) if i == 0 else r for i, r in enumerate(_splitter_gold(TEXT))]
    _write_doc(tmp_path / "p", "d1", TEXT, bad)
    with pytest.raises(SplitEvalError, match=r"span \[\d+:\d+\] outside the raw text"):
        evaluate_split(tmp_path / "g", pred=tmp_path / "p")
