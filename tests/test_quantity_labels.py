"""Every annotated quantity sample under labels/ (issue 27) is well formed: one gold line per sentence, in order,
and every span, indicator and role as FORMAT.md defines them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from clausetag.quantities.evaluate import TAC_ROLES, gold_spans

LABELS = Path(__file__).resolve().parents[1] / "labels"
SAMPLES = sorted(p.parent for p in LABELS.glob("quantities_*/gold.jsonl"))
ROLES = {"target", "actual", "cap", "threshold", "other"}


def _jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_the_samples_are_found():
    assert {"quantities_test3", "quantities_written4", "quantities_remainder"} <= {p.name for p in SAMPLES}


@pytest.mark.parametrize("folder", SAMPLES, ids=[p.name for p in SAMPLES])
def test_gold_is_well_formed(folder: Path):
    sentences = _jsonl(folder / "sample.jsonl")
    gold = _jsonl(folder / "gold.jsonl")
    assert [s["sid"] for s in sentences] == [g["sid"] for g in gold]
    assert len({s["sid"] for s in sentences}) == len(sentences)
    for s, g in zip(sentences, gold):
        text, qs = s["text"], g["quantities"]
        assert len(gold_spans(text, qs)) == len(qs), s["sid"]
        for q in qs:
            assert q["role"] in ROLES, (s["sid"], q)
            if q["role"] in TAC_ROLES:
                assert q["indicator"] is None or q["indicator"] in text, (s["sid"], q)
            else:
                assert q["indicator"] is None, (s["sid"], q)


def test_sids_are_unique_across_samples():
    """A sid names one sentence of one sample: scorers, error files and dumps key on it (quantities_written7 was
    written as qr-…, the prefix of quantities_reach)."""
    owner: dict[str, str] = {}
    clashes = []
    for folder in SAMPLES:
        for s in _jsonl(folder / "sample.jsonl"):
            if s["sid"] in owner:
                clashes.append((s["sid"], owner[s["sid"]], folder.name))
            owner.setdefault(s["sid"], folder.name)
    assert not clashes, clashes[:5]


TEST_SAMPLES = [p for p in SAMPLES if p.name.startswith(("quantities_test", "quantities_written"))
                or p.name == "quantities_remainder" or p.name.startswith("quantities_regulations")]


@pytest.mark.parametrize("folder", TEST_SAMPLES, ids=[p.name for p in TEST_SAMPLES])
def test_the_reranker_trainer_refuses_a_test_sample(folder: Path, tmp_path: Path):
    import subprocess
    import sys

    root = LABELS.parent
    proc = subprocess.run([sys.executable, str(root / "training" / "qty_rerank.py"), "--out", str(tmp_path),
                           "--train-extra", str(folder / "sample.jsonl"), str(folder / "gold.jsonl")],
                          capture_output=True, text=True, cwd=root)
    assert proc.returncode != 0 and "a test sample; do not train on it" in proc.stderr
    assert not any(tmp_path.iterdir())


def test_the_reranker_trainer_refuses_a_copy_of_a_test_sample(tmp_path: Path):
    import shutil
    import subprocess
    import sys

    root = LABELS.parent
    for name in ("sample.jsonl", "gold.jsonl"):
        shutil.copy(LABELS / "quantities_written6" / name, tmp_path / name)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(root / "training" / "qty_rerank.py"), "--out", str(out),
                           "--train-extra", str(tmp_path / "sample.jsonl"), str(tmp_path / "gold.jsonl")],
                          capture_output=True, text=True, cwd=root)
    assert proc.returncode != 0 and "sentences of a test sample; do not train on them" in proc.stderr
    assert not out.exists()
