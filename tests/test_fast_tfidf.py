"""The fast character n-gram transform gives scikit-learn's matrix and the baseline's predictions.

Every comparison is against the vectoriser's own ``transform`` (or the pipeline's own
``predict_proba``) on the same input: same sparsity pattern (indptr, sorted indices), values within
1e-12, probabilities identical.
"""
from __future__ import annotations

import json
import lzma
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from clausetag.classifiers import fast_tfidf
from clausetag.classifiers.baseline import BaselineClassifier
from clausetag.classifiers.fast_tfidf import CharNgramCounter, counter_for, fast_transform, unsupported_reason
from clausetag.classifiers.loading import default_model_path

#: inputs that stress the n-gram arithmetic: empty and one-character documents, white-space runs
#: (collapsed by scikit-learn), case (lowercased), characters outside the BMP, a NUL, a lone surrogate,
#: full-width forms, accents
EDGE = ["", "资", " ", "\t\n  \u3000", "资金", "ABC abc", "设立  专项\n\n资金。", "😀资金😀😀", "a\x00b",
        "x\ud800y", "ＡＢＣ１２３", "Crème brûlée", "（牵头单位：市财政局；责任单位：各区政府）", "。" * 50]
#: the pipeline's own DataFrame (Arrow strings) cannot hold a lone surrogate: compare predictions without it
EDGE_UTF8 = [t for t in EDGE if "\ud800" not in t]
TRAIN = ["设立专项资金，给予奖补和补助。", "对企业给予最高100万元奖励。", "引进高层次人才，开展技能培训。",
         "加强人才培养和产教融合。", "到2027年，产业规模突破1000亿元。", "Crème brûlée ABC 😀😀", "成立领导小组。"]
LABELS = ["funding", "funding", "talent", "talent", "planning", "other", "organization"]


def assert_same_matrix(fast: Any, ref: Any) -> None:
    fast, ref = fast.tocsr(), ref.tocsr()
    assert fast.shape == ref.shape
    assert np.array_equal(fast.indptr, ref.indptr)
    assert np.array_equal(fast.indices, ref.indices)
    np.testing.assert_allclose(fast.data, ref.data, rtol=0, atol=1e-12)
    assert fast.dtype == ref.dtype


def seed_clauses(seed_paths: list[Path]) -> list[str]:
    from clausetag.segment.splitter import split

    return [c.text for p in seed_paths for c in split(p.read_text(encoding="utf-8"))]


@pytest.fixture(scope="module")
def shipped() -> BaselineClassifier:
    from clausetag.classifiers import load_classifier

    path = default_model_path()
    if not (path / "clausetag.json").is_file():
        pytest.skip(f"no shipped model at {path}")
    model = load_classifier(path)
    if not isinstance(model, BaselineClassifier):
        pytest.skip("the default model is not a baseline")
    return model


def char_block(model: BaselineClassifier) -> Any:
    return model.pipeline_.steps[0][1].named_transformers_["char"]


@pytest.mark.parametrize("vec", [
    TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
    TfidfVectorizer(analyzer="char", ngram_range=(2, 3), norm="l1", use_idf=False, lowercase=False),
    TfidfVectorizer(analyzer="char", ngram_range=(1, 2), binary=True, strip_accents="unicode", dtype=np.float32),
    TfidfVectorizer(analyzer="char", ngram_range=(1, 1), norm=None, smooth_idf=False),
    TfidfVectorizer(analyzer="char", ngram_range=(1, 3), max_features=40, preprocessor=str.upper),
    CountVectorizer(analyzer="char", ngram_range=(1, 3)),
    CountVectorizer(analyzer="char", ngram_range=(3, 3), binary=True),
    CountVectorizer(analyzer="char", ngram_range=(1, 2), vocabulary=["资", "资金", "专项资金", "a", "😀"]),
], ids=["shipped-settings", "l1-no-idf-cased", "binary-accents-f32", "unigrams", "max-features-custom-prep",
        "counts", "trigrams-binary", "given-vocabulary-with-a-too-long-entry"])
def test_fast_path_equals_sklearn_for_every_setting_it_covers(vec: Any) -> None:
    vec.fit(TRAIN + EDGE[:6])
    assert unsupported_reason(vec) is None
    docs = EDGE + TRAIN + [t[::-1] for t in TRAIN]
    assert_same_matrix(CharNgramCounter(vec).transform(docs), vec.transform(docs))


@pytest.mark.parametrize(("vec", "why"), [
    (TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)), "analyzer"),
    (TfidfVectorizer(analyzer="char", ngram_range=(2, 5)), "ngram_range"),
    (TfidfVectorizer(analyzer="word"), "analyzer"),
    (TfidfVectorizer(analyzer=list), "analyzer"),
])
def test_uncovered_settings_fall_back_to_sklearn(vec: Any, why: str) -> None:
    vec.fit(TRAIN)
    assert why in (unsupported_reason(vec) or "")
    assert counter_for(vec) is None
    with pytest.raises(ValueError, match="does not cover"):
        CharNgramCounter(vec)
    assert_same_matrix(fast_transform(vec, EDGE + TRAIN), vec.transform(EDGE + TRAIN))


def test_unfitted_or_subclassed_vectorisers_are_not_covered() -> None:
    class Mine(TfidfVectorizer):
        pass

    assert "not fitted" in (unsupported_reason(TfidfVectorizer(analyzer="char")) or "")
    assert "plain" in (unsupported_reason(Mine(analyzer="char").fit(TRAIN)) or "")


def test_large_batches_are_cut_into_chunks_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True).fit(TRAIN)
    docs = EDGE + TRAIN * 5
    whole = CharNgramCounter(vec).transform(docs)
    monkeypatch.setattr(fast_tfidf, "_CHUNK_CHARS", 16)  # many chunks; long documents alone in one
    assert_same_matrix(CharNgramCounter(vec).transform(docs), whole)
    assert_same_matrix(whole, vec.transform(docs))


def test_a_string_is_rejected_like_sklearn_does() -> None:
    vec = TfidfVectorizer(analyzer="char").fit(TRAIN)
    with pytest.raises(ValueError, match="string object received"):
        CharNgramCounter(vec).transform("设立专项资金")


def test_counter_is_cached_and_rebuilt_after_a_refit() -> None:
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2)).fit(TRAIN[:3])
    first = counter_for(vec)
    assert first is not None and counter_for(vec) is first
    vec.fit(TRAIN[3:])  # new vocabulary: the cached keys are stale
    second = counter_for(vec)
    assert second is not first
    assert_same_matrix(fast_transform(vec, TRAIN), vec.transform(TRAIN))


def test_switch_turns_the_fast_path_off(monkeypatch: pytest.MonkeyPatch) -> None:
    vec = TfidfVectorizer(analyzer="char").fit(TRAIN)
    calls = []
    monkeypatch.setattr(CharNgramCounter, "transform", lambda self, docs: calls.append(1) or vec.transform(docs))
    fast_transform(vec, TRAIN)
    assert calls == [1]
    monkeypatch.setenv(fast_tfidf.ENV, "0")
    assert not fast_tfidf.fast_enabled()
    fast_transform(vec, TRAIN)
    assert calls == [1]


@pytest.mark.parametrize("words", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["context", "words+context"])
def test_fresh_model_with_context_and_word_blocks_predicts_exactly_as_its_pipeline(tmp_path: Path, words: bool) -> None:
    if words:
        pytest.importorskip("jieba")  # loading its dictionary takes seconds: marked slow
    contexts = ["一、总体要求", "", "二、重点任务 > （一）人才", "", "", "", "三、保障措施"]
    model = BaselineClassifier(char_ngrams=(1, 3), word_ngrams=words, use_context=True, seed=0)
    model.fit(TRAIN, LABELS, contexts)
    blocks = dict(model.pipeline_.steps[0][1].named_transformers_)
    assert counter_for(blocks["char"]) is not None and counter_for(blocks["context"]) is not None
    if words:
        assert counter_for(blocks["word"]) is None  # jieba words: scikit-learn's own transform
    saved = (model.save_pretrained(tmp_path / "a") / "model.joblib").read_bytes()

    docs = EDGE_UTF8 + TRAIN
    ctx = (contexts * 4)[: len(docs)]
    proba = model.predict_proba(docs, ctx)
    ref = model.pipeline_.predict_proba(model._frame(docs, ctx))
    cols = [list(model.classes_).index(c) for c in model.pipeline_.classes_]
    assert np.array_equal(proba[:, cols], ref)
    assert (model.save_pretrained(tmp_path / "b") / "model.joblib").read_bytes() == saved  # nothing added


def test_other_pipeline_shapes_use_sklearn_unchanged() -> None:
    from sklearn.pipeline import Pipeline

    model = BaselineClassifier(char_ngrams=(1, 2)).fit(TRAIN, LABELS)
    assert model._plain_features() is not None
    model.pipeline_ = Pipeline([("features", model.pipeline_.steps[0][1]), ("id", "passthrough"),
                                ("clf", model.pipeline_.steps[1][1])])
    assert model._plain_features() is None
    assert model.predict_proba(TRAIN).shape == (len(TRAIN), len(model.classes_))


def test_shipped_model_matrix_and_predictions_on_the_seeds(shipped: BaselineClassifier,
                                                           seed_paths: list[Path]) -> None:
    vec = char_block(shipped)
    docs = seed_clauses(seed_paths) + EDGE_UTF8
    assert counter_for(vec) is not None
    assert_same_matrix(fast_transform(vec, docs), vec.transform(docs))
    ref = shipped.pipeline_.predict_proba(shipped._frame(docs, None))
    cols = [list(shipped.classes_).index(c) for c in shipped.pipeline_.classes_]
    assert np.array_equal(shipped.predict_proba(docs)[:, cols], ref)


def test_shipped_model_matrix_on_a_corpus_sample(shipped: BaselineClassifier, shared_dir: Path) -> None:
    from clausetag.segment.splitter import split

    corpus = shared_dir / "corpus" / "regulations.jsonl.xz"
    if not corpus.is_file():
        pytest.skip(f"no corpus at {corpus}")
    docs: list[str] = []
    with lzma.open(corpus, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i % 100 == 0:  # every 100th document of the first 1,500: 15 documents
                docs += [c.text for c in split(json.loads(line)["text"])]
            if i >= 1499:
                break
    vec = char_block(shipped)
    assert_same_matrix(fast_transform(vec, docs), vec.transform(docs))
    ref = shipped.pipeline_.predict_proba(shipped._frame(docs, None))
    cols = [list(shipped.classes_).index(c) for c in shipped.pipeline_.classes_]
    assert np.array_equal(shipped.predict_proba(docs)[:, cols], ref)
