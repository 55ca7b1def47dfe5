"""Tagging metrics and span-overlap matching."""
from __future__ import annotations

import pytest

from clausetag.harness.metrics import (
    classification_report,
    confusion_matrix,
    labels_by_overlap,
    match_by_overlap,
    plot_confusion,
    report_markdown,
)

LABELS = ["funding", "talent", "heading", "tax"]


@pytest.mark.parametrize(
    "pred, gold, expected",
    [
        # identical segmentation
        ([(0, 5), (5, 9)], [(0, 5), (5, 9)], [0, 1]),
        # coarser prediction: both gold clauses map to the one predicted clause
        ([(0, 9)], [(0, 5), (5, 9)], [0, 0]),
        # finer prediction: the largest overlap wins
        ([(0, 2), (2, 9)], [(0, 9)], [1]),
        # predictions out of order, one gold clause with nothing overlapping
        ([(12, 20), (0, 6), (6, 12)], [(0, 4), (3, 10), (10, 30), (40, 50)], [1, 2, 0, None]),
        # a tie goes to the earlier predicted clause (lower index)
        ([(4, 8), (0, 4)], [(2, 6)], [0]),
        # touching spans do not overlap (half-open)
        ([(0, 5)], [(5, 9)], [None]),
        # a long predicted clause that starts far before the gold clause is still found
        ([(0, 100), (100, 101)], [(90, 101)], [0]),
        ([], [(0, 3)], [None]),
    ],
)
def test_match_by_overlap(pred, gold, expected):
    assert match_by_overlap(pred, gold) == expected


def test_classification_report_numbers_and_every_label():
    y_true = ["funding", "funding", "talent", "heading", "heading"]
    y_pred = ["funding", "talent", "talent", "heading", None]  # None: no predicted clause matched
    r = classification_report(y_true, y_pred, LABELS)
    assert r["n"] == 5
    assert r["accuracy"] == pytest.approx(3 / 5)
    assert list(r["labels"]) == LABELS  # every label is a row, in label order
    f = r["labels"]["funding"]
    assert (f["precision"], f["recall"], f["f1"], f["support"]) == (1.0, 0.5, pytest.approx(2 / 3), 2)
    t = r["labels"]["talent"]
    assert (t["precision"], t["recall"], t["f1"]) == (0.5, 1.0, pytest.approx(2 / 3))
    h = r["labels"]["heading"]
    assert (h["precision"], h["recall"], h["f1"], h["predicted"]) == (1.0, 0.5, pytest.approx(2 / 3), 1)
    tax = r["labels"]["tax"]
    assert tax == {"precision": None, "recall": None, "f1": None, "support": 0, "predicted": 0}
    assert r["macro_f1"] == pytest.approx(2 / 3)  # "tax" (no support, no predictions) is left out
    assert r["confusion"][0] == [1, 1, 0, 0]
    assert sum(map(sum, r["confusion"])) == 4  # the unmatched clause is in no column


def test_predicted_label_without_support_counts_in_macro():
    r = classification_report(["funding", "funding"], ["funding", "tax"], LABELS)
    assert r["labels"]["tax"]["f1"] == 0.0 and r["labels"]["tax"]["support"] == 0
    assert r["macro_f1"] == pytest.approx((2 / 3 + 0.0) / 2)


def test_confusion_matrix_rejects_unknown_gold():
    with pytest.raises(ValueError, match="not in the label list"):
        confusion_matrix(["nope"], ["funding"], LABELS)
    with pytest.raises(ValueError, match="predictions"):
        confusion_matrix(["funding"], [], LABELS)


def test_labels_by_overlap_is_per_document():
    gold = [
        {"doc_id": "a", "start": 0, "end": 10, "label": "funding"},
        {"doc_id": "a", "start": 10, "end": 20, "label": "talent"},
        {"doc_id": "b", "start": 0, "end": 10, "label": "heading"},
    ]
    pred = [
        {"doc_id": "a", "start": 0, "end": 12, "label": "funding"},
        {"doc_id": "a", "start": 12, "end": 20, "label": "talent"},
        {"doc_id": "c", "start": 0, "end": 10, "label": "heading"},  # other document: must not match b
    ]
    y_true, y_pred = labels_by_overlap(pred, gold)
    assert y_true == ["funding", "talent", "heading"]
    assert y_pred == ["funding", "talent", None]


def test_markdown_and_plot(tmp_path):
    r = classification_report(["funding", "talent"], ["funding", "funding"], LABELS)
    md = report_markdown({"m1": r, "m2": r}, LABELS, title="T")
    rows = [line for line in md.splitlines() if line.startswith("| ") and line.split("|")[1].strip() in LABELS]
    assert [row.split("|")[1].strip() for row in rows] == LABELS
    assert "| tax | 0 | — | — |" in md
    assert "| m1 | 2 | 0.500 |" in md
    png = plot_confusion(r["confusion"], LABELS, tmp_path / "cm.png", title="x")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
