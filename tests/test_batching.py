"""The one length-sorted batching routine of the transformer-backed classifiers (bert, student, onnx,
embedding): batches by length, results back in input order, and the same predictions as one input at a
time."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from clausetag.classifiers.batching import length_sorted_batches, map_sorted

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("n,size", [(0, 3), (1, 1), (7, 3), (10, 10), (25, 4)])
def test_batches_cover_every_index_once_sorted_by_length(n: int, size: int) -> None:
    rng = random.Random(n * 31 + size)
    lengths = [rng.randint(1, 6) for _ in range(n)]
    batches = list(length_sorted_batches(lengths, size))
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(n))
    assert all(1 <= len(b) <= size for b in batches)
    assert [lengths[i] for i in flat] == sorted(lengths)
    # stable: equal lengths keep their input order
    assert all(flat[k] < flat[k + 1] for k in range(n - 1) if lengths[flat[k]] == lengths[flat[k + 1]])


def test_map_sorted_restores_input_order() -> None:
    rng = random.Random(3)
    lengths = [rng.randint(1, 50) for _ in range(37)]
    seen: list[list[int]] = []

    def fn(idx: list[int]) -> np.ndarray:
        seen.append(idx)
        return np.array([[i, lengths[i]] for i in idx], dtype=np.float64)

    out = map_sorted(fn, lengths, 8, np.zeros((37, 2)))
    np.testing.assert_array_equal(out[:, 0], np.arange(37))
    np.testing.assert_array_equal(out[:, 1], lengths)
    assert len(seen) == 5 and max(len(b) for b in seen) == 8


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="batch size"):
        list(length_sorted_batches([1, 2], 0))
    with pytest.raises(ValueError, match="rows"):
        map_sorted(lambda idx: np.zeros((len(idx), 1)), [1, 2], 1, np.zeros((3, 1)))


def test_shipped_onnx_model_batches_like_one_at_a_time() -> None:
    """The shipped int8 transformer: by default one clause a call, so any batching gives identical
    probabilities, in input order whatever the input order."""
    pytest.importorskip("onnxruntime")
    from clausetag.classifiers import load_classifier
    from clausetag.harness.data import read_labeled

    path = ROOT / "clausetag/resources/models/ensemble/transformer"
    records = read_labeled(ROOT / "labels/seed")[:60]
    texts = [r["text"] for r in records]
    ctx = [" > ".join(r.get("heading_path") or []) for r in records]
    model = load_classifier(path)
    together = model.predict_proba(texts, ctx)
    alone = np.vstack([model.predict_proba([t], [c]) for t, c in zip(texts, ctx)])
    np.testing.assert_array_equal(together, alone)
    np.testing.assert_array_equal(model.predict_proba(texts[::-1], ctx[::-1]), together[::-1])
