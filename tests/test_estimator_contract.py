"""One contract, every registered classifier type (scikit-learn's estimator conventions, our surface),
built-in or added by a package through the ``clausetag.classifiers`` entry points (``toy``: the stand-in
third-party type of tests/helpers/toy_classifier.py, registered by the autouse fixture below).

Each registry entry gets a factory for an unfitted instance (trainable types) and a way to obtain a
fitted one; the same checks then run on every type: constructor arguments stored untouched, get_params
/set_params/clone, NotFittedError before fit, fitted attributes ending in ``_``, ``predict`` returning
labels that agree with ``predict_proba`` and ``classes_``, save/load round trips, and config validation.
"""
from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from clausetag.classifiers import REGISTRY, classifier_class, load_classifier
from clausetag.classifiers.base import ParamError
from clausetag.classifiers.trainer import TrainingArguments

LABELS = ["funding", "talent", "heading", "other", "tax"]
HELPERS = Path(__file__).resolve().parent / "helpers"


@pytest.fixture(autouse=True)
def toy_type(monkeypatch: pytest.MonkeyPatch) -> None:
    """The third-party ``toy`` type, registered through a (fake) entry point."""
    monkeypatch.syspath_prepend(str(HELPERS))
    import toy_classifier

    toy_classifier.register(monkeypatch)
POOLS = {"funding": "资金补贴奖励专项财政", "talent": "人才培养引进博士技能",
         "heading": "一二三四总体要求重点任务", "other": "联系电话抄送附件日期"}


def synth(n: int, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(seed)
    labels = list(POOLS)
    texts, ys, ctx = [], [], []
    for i in range(n):
        y = labels[i % len(labels)]
        texts.append("".join(rng.choice(POOLS[y]) for _ in range(rng.randint(6, 12))) + "。")
        ys.append(y)
        ctx.append("一、总体要求" if i % 2 else "")
    return texts, ys, ctx


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    from clausetag.pretrained.mlm import build_base_model

    out = tmp_path_factory.mktemp("contract_base")
    model, tok = build_base_model(out, "tiny", seed=0)
    model.save_pretrained(str(out))
    tok.save_pretrained(str(out))
    return out


def _unfitted(type_name: str, base: Path | None) -> Any:
    from clausetag.classifiers.baseline import BaselineClassifier

    if type_name == "baseline":
        return BaselineClassifier(LABELS, char_ngrams=(1, 2), seed=1)
    if type_name == "bert":
        return classifier_class("bert")(base, LABELS, max_length=32, device="cpu", progress=False, seed=1,
                                        training_args=TrainingArguments(epochs=2, batch_size=8, lr=2e-3))
    if type_name == "student":  # gold labels only here; distillation: tests/test_distill.py
        return classifier_class("student")(base, LABELS, keep_layers=1, max_length=32, device="cpu",
                                           progress=False, seed=1,
                                           training_args={"epochs": 2, "batch_size": 8, "lr": 2e-3})
    if type_name == "embedding":
        return classifier_class("embedding")(base, LABELS, C=2.0, max_length=32)
    if type_name == "toy":
        return classifier_class("toy")(LABELS, temperature=0.5, seed=1)
    if type_name == "ensemble":
        return classifier_class("ensemble")(
            [("a", BaselineClassifier(LABELS)), ("b", BaselineClassifier(LABELS, char_ngrams=(1, 2)))],
            weights=[0.6, 0.4], labels=LABELS)
    return None  # inference-only


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Callable[[str], Any]:
    cache: dict[str, Any] = {}

    def get(type_name: str) -> Any:
        if type_name in cache:
            return cache[type_name]
        texts, ys, ctx = synth(30)
        if type_name == "onnx":
            pytest.importorskip("onnxruntime")
            bert = get("bert")
            out = bert.export_onnx(tmp_path_factory.mktemp("onnx") / "m", quantize=False)
            cache[type_name] = load_classifier(out)
        elif type_name == "embedding":
            from clausetag.classifiers.embedding import export_encoder

            enc = export_encoder(request.getfixturevalue("tiny_base"), tmp_path_factory.mktemp("enc") / "e",
                                 quantize=True)
            cache[type_name] = _unfitted(type_name, enc).fit(texts, ys, ctx)
        else:
            base = request.getfixturevalue("tiny_base") if type_name in ("bert", "student") else None
            cache[type_name] = _unfitted(type_name, base).fit(texts, ys, ctx)
        return cache[type_name]

    return get


TYPES = [*sorted(REGISTRY), "toy"]


@pytest.mark.parametrize("type_name", TYPES)
def test_constructor_stores_arguments_and_clones(type_name: str, tmp_path: Path) -> None:
    cls = classifier_class(type_name)
    base = tmp_path / "not-needed-until-fit"
    est = _unfitted(type_name, base) if cls.trainable else cls(LABELS, max_length=40)
    params = est.get_params(deep=False)
    assert params["labels"] is LABELS  # stored untouched, not copied or resolved
    twin = clone(est)
    assert twin is not est
    assert set(twin.get_params(deep=False)) == set(params)
    assert not any(k.endswith("_") for k in vars(est))  # nothing fitted before fit
    with pytest.raises(NotFittedError):
        est.predict(["设立专项资金。"])
    est.set_params(labels=["a", "b"])
    assert est.labels == ["a", "b"]


@pytest.mark.parametrize("type_name", TYPES)
def test_fitted_surface(type_name: str, fitted: Callable[[str], Any], tmp_path: Path) -> None:
    model = fitted(type_name)
    assert list(model.classes_) == LABELS
    assert all(not k.startswith("_") for k in vars(model) if k.endswith("_"))
    texts, _ys, ctx = synth(10, seed=3)
    proba = model.predict_proba(texts, ctx)
    assert proba.shape == (10, len(LABELS))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    pred = model.predict(texts, ctx)
    assert list(pred) == [LABELS[j] for j in proba.argmax(axis=1)]
    assert all(isinstance(p, str) for p in pred)
    assert model.predict_proba([], []).shape == (0, len(LABELS))
    with pytest.raises(TypeError):
        model.predict("一个字符串")
    with pytest.raises(ValueError, match="contexts"):
        model.predict_proba(texts[:2], ctx[:1])
    out = model.save_pretrained(tmp_path / type_name)
    again = load_classifier(out)
    assert type(again) is type(model)
    np.testing.assert_allclose(again.predict_proba(texts, ctx), proba, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("type_name", TYPES)
def test_validate_params_names_the_key(type_name: str) -> None:
    cls = classifier_class(type_name)
    with pytest.raises(ParamError) as info:
        cls.validate_params({"no_such_param": 1}, check_files=False)
    assert info.value.key.startswith("params")
    with pytest.raises(ParamError, match="top level|unknown"):
        cls.validate_params({"seed": 3}, check_files=False)


@pytest.mark.slow
def test_onnx_matches_torch_and_tags_without_torch(fitted: Callable[[str], Any], tmp_path: Path) -> None:
    bert = fitted("bert")
    texts, _, ctx = synth(12, seed=7)
    texts[2] = texts[2] * 8  # a long one: length-sorted batches reorder
    onnx_dir = bert.export_onnx(tmp_path / "int8", quantize=True)
    q = load_classifier(onnx_dir)
    assert q.quantized_ and q.batch_size is None
    together = q.predict_proba(texts, ctx)
    np.testing.assert_allclose(together, bert.predict_proba(texts, ctx), atol=0.05)
    # int8 activations are scaled per call: by default a clause's result never depends on its batch-mates
    alone = np.vstack([q.predict_proba([t], [c]) for t, c in zip(texts, ctx)])
    np.testing.assert_array_equal(together, alone)
    np.testing.assert_array_equal(q.predict_proba(texts[::-1], ctx[::-1]), together[::-1])
    from clausetag.tagging.pipeline import Tagger

    assert Tagger(onnx_dir).classifier.batch_size is None  # the tagging path keeps the model's default
    fp32 = fitted("onnx")
    np.testing.assert_allclose(fp32.predict_proba(texts, ctx), bert.predict_proba(texts, ctx), atol=1e-4)
    code = textwrap.dedent(f"""
        import sys
        import clausetag
        tagger = clausetag.Tagger(model={str(onnx_dir)!r})
        records = tagger("一、总体要求\\n设立专项资金给予补贴奖励。加强人才培养和引进。").records
        assert records and all(r["label"] for r in (x if isinstance(x, dict) else x.to_dict() for x in records))
        bad = sorted(m for m in sys.modules if m == "torch" or m.startswith(("torch.", "transformers")))
        assert not bad, bad
        print("ok", len(records))
    """)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          cwd=Path(__file__).resolve().parents[1], timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ok")


def test_embedding_model_is_self_contained_and_torch_free(fitted: Callable[[str], Any], tmp_path: Path) -> None:
    model = fitted("embedding")
    out = model.save_pretrained(tmp_path / "emb")
    assert {p.name for p in out.iterdir()} >= {"encoder.onnx", "tokenizer.json", "head.npz", "clausetag.json"}
    code = textwrap.dedent(f"""
        import sys
        from clausetag.classifiers import load_classifier
        m = load_classifier({str(out)!r})
        p = m.predict_proba(["设立专项资金。", "引进博士人才。"], ["一、总体要求", ""])
        assert p.shape == (2, 5)
        bad = sorted(x for x in sys.modules if x == "torch" or x.startswith(("torch.", "transformers")))
        assert not bad, bad
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).resolve().parents[1], env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert done.returncode == 0, done.stderr[-2000:]


def test_ensemble_combines_probabilities() -> None:
    from clausetag.classifiers.ensemble import combine

    a = np.array([[0.8, 0.2], [0.1, 0.9]])
    b = np.array([[0.2, 0.8], [0.5, 0.5]])
    np.testing.assert_allclose(combine([a, b], [3, 1]), 0.75 * a + 0.25 * b)
    np.testing.assert_allclose(combine([a, b], None), (a + b) / 2)
    with pytest.raises(ValueError):
        combine([a, b], [1.0])
