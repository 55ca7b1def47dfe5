"""Baseline clause classifier: character n-gram TF-IDF (+ optional jieba words, + optional heading
context) and a class-balanced logistic regression.

Saved models are a joblib pickle plus ``clausetag.json``. **Pickles run code when loaded: only load
baseline models from sources you trust.**
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from clausetag.classifiers.base import Classifier, ParamError, check_inputs
from clausetag.classifiers.card import read_card, write_card
from clausetag.classifiers.sklearn_compat import restore_removed_params

MODEL_FILE = "model.joblib"


def jieba_tokenize(text: str) -> list[str]:
    """Word tokens from jieba (module-level so that fitted pipelines pickle)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return [w for w in jieba.lcut(text) if w.strip()]


class BaselineClassifier(Classifier):
    """TF-IDF features + ``LogisticRegression(class_weight="balanced")``.

    Args:
        labels: label codes in schema order (default ``None``: the packaged schema, resolved at fit).
        char_ngrams: (min_n, max_n) character n-gram range.
        word_ngrams: also use jieba word uni/bi-gram TF-IDF.
        use_context: also use character n-grams of the heading path (a separate feature block, so
            context n-grams never mix with clause n-grams).
        C: inverse regularisation strength.
        max_features: cap per TF-IDF block (None: no cap).
        max_iter: solver iterations.
        seed: random state of the solver.

    Fitted attributes: ``classes_``, ``pipeline_`` (the scikit-learn pipeline), ``metrics_``.
    """

    type_name = "baseline"

    def __init__(
        self,
        labels: Sequence[str] | None = None,
        *,
        char_ngrams: tuple[int, int] = (1, 3),
        word_ngrams: bool = False,
        use_context: bool = False,
        C: float = 10.0,
        max_features: int | None = None,
        max_iter: int = 2000,
        seed: int = 0,
    ) -> None:
        self.labels = labels
        self.char_ngrams = char_ngrams
        self.word_ngrams = word_ngrams
        self.use_context = use_context
        self.C = C
        self.max_features = max_features
        self.max_iter = max_iter
        self.seed = seed

    @classmethod
    def validate_params(cls, params: dict[str, Any], *, check_files: bool = True) -> dict[str, Any]:
        out = super().validate_params(params, check_files=check_files)
        if "char_ngrams" in out:
            ng = out["char_ngrams"]
            if (not isinstance(ng, (list, tuple)) or len(ng) != 2 or not all(isinstance(x, int) for x in ng)
                    or not 1 <= ng[0] <= ng[1]):
                raise ParamError("params.char_ngrams", f"expected [min_n, max_n] with 1 <= min_n <= max_n, got {ng!r}")
            out["char_ngrams"] = (int(ng[0]), int(ng[1]))
        if "C" in out and not (isinstance(out["C"], (int, float)) and out["C"] > 0):
            raise ParamError("params.C", f"expected a positive number, got {out['C']!r}")
        return out

    # -- building -------------------------------------------------------------------------------
    def _build(self) -> Any:
        from sklearn.compose import ColumnTransformer
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        lo, hi = self.char_ngrams
        blocks = [
            ("char", TfidfVectorizer(analyzer="char", ngram_range=(lo, hi), sublinear_tf=True,
                                     max_features=self.max_features), "text"),
        ]
        if self.word_ngrams:
            blocks.append(
                ("word", TfidfVectorizer(tokenizer=jieba_tokenize, token_pattern=None, lowercase=False,
                                         ngram_range=(1, 2), sublinear_tf=True,
                                         max_features=self.max_features), "text")
            )
        if self.use_context:
            blocks.append(
                ("context", TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True,
                                            max_features=self.max_features), "context")
            )
        clf = LogisticRegression(C=self.C, class_weight="balanced", max_iter=self.max_iter,
                                 random_state=self.seed)
        return Pipeline([("features", ColumnTransformer(blocks)), ("clf", clf)])

    @staticmethod
    def _columns(texts: Sequence[str], contexts: Sequence[str] | None) -> dict[str, list[str]]:
        texts = list(texts)
        ctx = list(contexts) if contexts is not None else [""] * len(texts)
        # an empty context still needs a token for the context vectoriser's vocabulary
        return {"text": texts, "context": [c if c else "∅" for c in ctx]}

    @classmethod
    def _frame(cls, texts: Sequence[str], contexts: Sequence[str] | None) -> Any:
        import pandas as pd

        return pd.DataFrame(cls._columns(texts, contexts))

    # -- surface --------------------------------------------------------------------------------
    def fit(
        self, texts: Sequence[str], labels: Sequence[str], contexts: Sequence[str] | None = None
    ) -> BaselineClassifier:
        ctx = self._start_fit(texts, labels, contexts)
        if len(set(labels)) < 2:
            raise ValueError("the baseline needs at least two distinct labels to train")
        pipeline = self._build()
        pipeline.fit(self._frame(texts, ctx), list(labels))
        self.pipeline_ = pipeline
        return self

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        self._require_fitted()
        ctx = check_inputs(texts, contexts)
        out = np.zeros((len(texts), len(self.classes_)), dtype=np.float64)
        if len(texts) == 0:
            return out
        proba = self._predict_proba_fast(texts, ctx)
        index = {label: i for i, label in enumerate(self.classes_)}
        cols = [index[c] for c in self.pipeline_.classes_]
        out[:, cols] = proba
        return out

    def _predict_proba_fast(self, texts: Sequence[str], contexts: Sequence[str] | None) -> np.ndarray:
        """``pipeline_.predict_proba`` of the clauses, with every vectoriser block computed by
        :func:`~clausetag.classifiers.fast_tfidf.fast_transform` (character n-grams: the same matrix,
        counted for the whole batch at once; other analysers: the vectoriser's own ``transform``), and
        no DataFrame in between. A pipeline of another shape than :meth:`_build` makes goes to
        scikit-learn unchanged. Nothing in ``pipeline_`` is modified: a saved model stays byte-identical."""
        features = self._plain_features()
        if features is None:
            return np.asarray(self.pipeline_.predict_proba(self._frame(texts, contexts)))
        import scipy.sparse as sp

        from clausetag.classifiers.fast_tfidf import fast_transform

        columns = self._columns(texts, contexts)
        blocks = [fast_transform(vec, columns[column]) for vec, column in features]
        X = sp.hstack(blocks).tocsr()  # what ColumnTransformer does with sparse blocks
        return np.asarray(self.pipeline_[-1].predict_proba(X))

    def _plain_features(self) -> list[tuple[Any, str]] | None:
        """``[(vectoriser, column), ...]`` when ``pipeline_`` is ``Pipeline([ColumnTransformer of text
        vectorisers on one column each, remainder dropped, sparse output], classifier)``, else ``None``."""
        from sklearn.compose import ColumnTransformer
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.pipeline import Pipeline

        pipe = self.pipeline_
        if not isinstance(pipe, Pipeline) or len(pipe.steps) != 2:
            return None
        ct = pipe.steps[0][1]
        if (type(ct) is not ColumnTransformer or not getattr(ct, "sparse_output_", False)
                or ct.transformer_weights is not None):
            return None
        out: list[tuple[Any, str]] = []
        for _name, trans, column in ct.transformers_:
            if isinstance(trans, str) and trans == "drop":
                continue
            if not isinstance(trans, CountVectorizer) or column not in ("text", "context"):
                return None
            out.append((trans, column))
        return out or None

    def save_pretrained(self, path: str | Path) -> Path:
        import joblib
        import sklearn

        self._require_fitted()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.pipeline_, path / MODEL_FILE, compress=3)  # n-gram vocabularies compress ~3x
        write_card(path, dict(
            self._card_base(),
            files={"model": MODEL_FILE},
            sklearn_version=sklearn.__version__,
            warning="model.joblib is a pickle: load it only from a trusted source",
        ))
        return path

    @classmethod
    def from_pretrained(cls, path: str | Path, **kwargs: Any) -> BaselineClassifier:
        """Load a saved baseline. The weights are a pickle: only load directories you trust.
        Runtime options meant for other model types (``device``, ``quantize``, ``batch_size``) are
        accepted and ignored."""
        import joblib

        card = read_card(path)
        params = cls._params_from_card(card, path)
        if "char_ngrams" in params:
            params["char_ngrams"] = tuple(params["char_ngrams"])
        model = cls(**params)
        model.pipeline_ = restore_removed_params(
            joblib.load(Path(path) / card.get("files", {}).get("model", MODEL_FILE)))
        model.classes_ = np.array(card["labels"], dtype=object)
        model.metrics_ = card.get("metrics", {})
        return model
