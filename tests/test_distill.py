"""Knowledge distillation: the corpus sample, the cached teacher probabilities, the soft-target loss and
the student classifier (tiny models only: a 2-layer random BERT and millisecond baselines)."""
from __future__ import annotations

import json
import lzma
from pathlib import Path

import numpy as np
import pytest

from clausetag.harness.distill import (
    labeled_document_ids,
    model_hash,
    sample_corpus_clauses,
    teacher_probabilities,
)

BODY = ["设立专项资金，给予奖补和补助。", "对企业给予最高100万元奖励。", "引进高层次人才，开展技能培训。",
        "加强人才培养和产教融合。", "到2027年，产业规模突破1000亿元。", "成立领导小组，强化考核评估。"]


def _doc(i: int) -> dict[str, str]:
    lines = ["一、总体要求"] + [f"{BODY[(i + k) % len(BODY)]}（{i}-{k}）" for k in range(3)]
    lines += ["二、保障措施"] + [f"{BODY[(i + k + 3) % len(BODY)]}（{i}+{k}）" for k in range(3)]
    return {"id": f"doc{i:02d}", "title": f"关于第{i}号的通知", "text": "\n".join(lines)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "mini.jsonl.xz"
    with lzma.open(path, "wt", encoding="utf-8") as fh:
        for i in range(12):
            fh.write(json.dumps(_doc(i), ensure_ascii=False) + "\n")
    return path


def test_sample_is_seeded_capped_and_body_only(corpus: Path) -> None:
    a = sample_corpus_clauses([corpus], 20, seed=3, per_doc=2)
    assert len(a) == 20
    assert a == sample_corpus_clauses([corpus], 20, seed=3, per_doc=2)
    assert a != sample_corpus_clauses([corpus], 20, seed=4, per_doc=2)
    per_doc: dict[str, int] = {}
    for c in a:
        per_doc[c.corpus_id] = per_doc.get(c.corpus_id, 0) + 1
        assert not c.text.endswith(("总体要求", "保障措施"))  # headings are never drawn
        assert c.context in ("一、总体要求", "二、保障措施")  # the heading path comes along
        assert c.title.startswith("关于第")
    assert max(per_doc.values()) == 2 and len(per_doc) == 10


def test_excluding_documents_keeps_every_other_draw(corpus: Path) -> None:
    full = sample_corpus_clauses([corpus], 100, seed=3, per_doc=2)
    skipped = sample_corpus_clauses([corpus], 100, seed=3, per_doc=2, exclude={"doc04", "doc07"})
    assert skipped == [c for c in full if c.corpus_id not in {"doc04", "doc07"}]
    # a smaller sample is a prefix of a larger one: the cache of a large run serves every smaller run
    assert sample_corpus_clauses([corpus], 7, seed=3, per_doc=2) == full[:7]


def test_labeled_document_ids(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.jsonl").write_text(json.dumps({"doc_id": "d1", "source": "doc04", "text": "t"}) + "\n",
                                             encoding="utf-8")
    assert labeled_document_ids([tmp_path]) == {"d1", "doc04"}
    with pytest.raises(FileNotFoundError, match="nope"):
        labeled_document_ids([tmp_path / "nope"])


def test_teacher_probabilities_are_cached_per_member(corpus: Path, baseline_dir: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from clausetag.classifiers import load_classifier
    from clausetag.classifiers.baseline import BaselineClassifier
    from clausetag.classifiers.ensemble import EnsembleClassifier

    clauses = sample_corpus_clauses([corpus], 15, seed=1, per_doc=3)
    base = load_classifier(baseline_dir)
    labels = [str(c) for c in base.classes_]
    other = BaselineClassifier(labels, char_ngrams=(1, 2)).fit(BODY * 2, labels[:1] * 6 + labels[1:2] * 6)
    ens_dir = EnsembleClassifier.from_members([("a", base), ("b", other)], [0.75, 0.25]).save_pretrained(tmp_path / "t")
    cache = tmp_path / "cache"
    first = teacher_probabilities(ens_dir, clauses, labels, cache_dir=cache, progress=False)
    want = 0.75 * base.predict_proba([c.text for c in clauses], [c.context for c in clauses]) + \
        0.25 * other.predict_proba([c.text for c in clauses], [c.context for c in clauses])
    np.testing.assert_allclose(first, want, atol=1e-6)
    assert sorted(p.name for p in cache.iterdir()) == sorted(f"{model_hash(ens_dir / m)}.npz" for m in "ab")

    def no_loading(*args: object, **kwargs: object) -> None:
        raise AssertionError("a cached teacher was loaded again")

    monkeypatch.setattr("clausetag.classifiers.load_classifier", no_loading)
    # new weights, reordered student columns, a subset: all from the cache
    again = EnsembleClassifier.from_members([("a", base), ("b", other)], [0.5, 0.5]).save_pretrained(tmp_path / "t2")
    swapped = labels[::-1]
    got = teacher_probabilities(again, clauses[:5], swapped, cache_dir=cache, progress=False)
    half = 0.5 * base.predict_proba([c.text for c in clauses[:5]], [c.context for c in clauses[:5]]) + \
        0.5 * other.predict_proba([c.text for c in clauses[:5]], [c.context for c in clauses[:5]])
    np.testing.assert_allclose(got, half[:, ::-1], atol=1e-6)


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    from clausetag.pretrained.mlm import build_base_model

    out = tmp_path_factory.mktemp("distill_base")
    model, tok = build_base_model(out, "tiny", seed=0)
    model.save_pretrained(str(out))
    tok.save_pretrained(str(out))
    return out


def test_one_hot_soft_targets_at_t1_equal_cross_entropy(tiny_base: Path) -> None:
    """KL to a one-hot target is the cross-entropy: the distillation term is the gold loss in disguise."""
    from clausetag.classifiers.bert import BertClassifier
    from clausetag.classifiers.trainer import Trainer, TrainingArguments

    texts = BODY * 2
    ys = [i % 3 for i in range(len(texts))]
    losses = []
    for soft in (False, True):
        clf = BertClassifier(tiny_base, ["a", "b", "c"], max_length=32, device="cpu", progress=False)
        import torch
        from transformers import AutoModel, AutoTokenizer

        torch.manual_seed(0)
        clf.tokenizer_ = AutoTokenizer.from_pretrained(str(tiny_base))
        model = clf._build_model(AutoModel.from_pretrained(str(tiny_base)), 3)
        args = TrainingArguments(epochs=2, batch_size=4, lr=1e-3, class_weights=None, temperature=1.0)
        trainer = Trainer(model, clf._collate, args, seed=0, device="cpu", progress=False)
        feats = clf._encode(texts, None)
        if soft:
            trainer.train(feats, [-1] * len(ys), 3, np.eye(3)[ys])
        else:
            trainer.train(feats, ys, 3)
        losses.append(trainer.history["loss"])
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4)


def test_soft_targets_are_checked(tiny_base: Path) -> None:
    from clausetag.classifiers.trainer import Trainer, TrainingArguments

    trainer = Trainer(None, lambda f: {}, TrainingArguments(), device="cpu", progress=False)
    with pytest.raises(ValueError, match="soft_targets"):
        trainer.train([{"input_ids": [1]}], [-1], 3)
    with pytest.raises(ValueError, match="shape"):
        trainer.train([{"input_ids": [1]}], [-1], 3, np.ones((2, 3)))
    with pytest.raises(ValueError, match="temperature"):
        TrainingArguments(temperature=0)


def test_student_distils_saves_loads_and_exports(tiny_base: Path, baseline_dir: Path, corpus: Path,
                                                 tmp_path: Path) -> None:
    from clausetag.classifiers import load_classifier
    from clausetag.classifiers.student import StudentClassifier

    texts, ys = BODY * 2, ["funding", "funding", "talent", "talent", "planning", "organization"] * 2
    ctx = ["一、总体要求"] * len(texts)
    log = tmp_path / "log.jsonl"

    def make(seed: int) -> StudentClassifier:
        return StudentClassifier(tiny_base, keep_layers=1, max_length=32, device="cpu", progress=False, seed=seed,
                                 teacher=str(baseline_dir), corpora=[str(corpus)], distill_clauses=20, per_doc=2,
                                 cache_dir=str(tmp_path / "cache"), num_threads=1,
                                 training_args={"epochs": 2, "batch_size": 8, "lr": 2e-3, "log_file": str(log)})

    student = make(2).fit(texts, ys, ctx)
    assert student.metrics_["distillation"]["clauses"] == 20
    assert len(student.model_.encoder.encoder.layer) == 1
    start = json.loads(log.read_text(encoding="utf-8").splitlines()[0])
    assert start["event"] == "start" and start["examples"] == 32 and start["gold"] == 12
    assert student.history_["loss"] == make(2).fit(texts, ys, ctx).history_["loss"]  # seeded
    assert student.history_["loss"] != make(3).fit(texts, ys, ctx).history_["loss"]
    out = student.save_pretrained(tmp_path / "student")
    assert json.loads((out / "clausetag.json").read_text(encoding="utf-8"))["type"] == "student"
    again = load_classifier(out)
    assert type(again) is StudentClassifier and len(again.model_.encoder.encoder.layer) == 1
    np.testing.assert_allclose(again.predict_proba(texts, ctx), student.predict_proba(texts, ctx), atol=1e-5)
    pytest.importorskip("onnxruntime")
    onnx = load_classifier(student.export_onnx(tmp_path / "onnx", quantize=False))
    np.testing.assert_allclose(onnx.predict_proba(texts, ctx), student.predict_proba(texts, ctx), atol=1e-4)


def test_student_config_errors_name_the_key(baseline_dir: Path) -> None:
    from clausetag.harness.train import ConfigError, parse_config

    model = {"name": "s", "type": "student", "params": {"base_model": "x", "distill_clauses": 10,
                                                         "corpora": ["c.jsonl.xz"]}}
    with pytest.raises(ConfigError, match=r"models\[0\]\.params\.teacher"):
        parse_config({"models": [model]}, check_files=False)
    model["params"].update(teacher=str(baseline_dir), distill_clauses=-1)
    with pytest.raises(ConfigError, match=r"params\.distill_clauses"):
        parse_config({"models": [model]}, check_files=False)
    model["params"].update(distill_clauses=10)
    with pytest.raises(ConfigError, match=r"params\.corpora.*not found"):
        parse_config({"models": [model]}, check_files=True)


def test_head_lr_moves_only_the_classification_layer_faster(tiny_base: Path) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    from clausetag.classifiers.bert import BertClassifier
    from clausetag.classifiers.trainer import Trainer, TrainingArguments

    moved = {}
    for head_lr in (None, 1e-1):
        clf = BertClassifier(tiny_base, ["a", "b", "c"], max_length=32, device="cpu", progress=False)
        torch.manual_seed(0)
        clf.tokenizer_ = AutoTokenizer.from_pretrained(str(tiny_base))
        model = clf._build_model(AutoModel.from_pretrained(str(tiny_base)), 3)
        head0 = model.classifier.weight.detach().clone()
        enc0 = model.encoder.encoder.layer[0].output.dense.weight.detach().clone()
        args = TrainingArguments(max_steps=1, epochs=0, batch_size=4, lr=1e-6, warmup_ratio=0.0, head_lr=head_lr)
        Trainer(model, clf._collate, args, device="cpu", progress=False).train(clf._encode(BODY[:4], None), [0, 1, 2, 0], 3)
        moved[head_lr] = (float((model.classifier.weight - head0).abs().max()),
                          float((model.encoder.encoder.layer[0].output.dense.weight - enc0).abs().max()))
    assert moved[1e-1][0] > 1000 * moved[None][0]
    assert moved[1e-1][1] == pytest.approx(moved[None][1], rel=1e-3)  # the encoder keeps lr


def test_time_limit_stops_early_and_says_so(tiny_base: Path, tmp_path: Path) -> None:
    from clausetag.classifiers.student import StudentClassifier

    log = tmp_path / "log.jsonl"
    clf = StudentClassifier(tiny_base, keep_layers=1, max_length=32, device="cpu", progress=False,
                            training_args={"epochs": 50, "batch_size": 2, "time_limit_s": 0.0, "log_file": str(log)})
    clf.fit(BODY, ["funding", "funding", "talent", "talent", "planning", "organization"])
    train = clf.metrics_["train"]
    assert train["steps"] == 1 and train["of"] == 150 and train["stopped"] == "time limit"
    assert json.loads(log.read_text(encoding="utf-8").splitlines()[-1])["stopped"] == "time limit"
