"""Baseline clause classifier: character n-gram TF-IDF (+ optional jieba words, + optional heading
context) and a class-balanced logistic regression.

Saved models are a joblib pickle plus ``clausetag.json``. **Pickles run code when loaded: only load
baseline models from sources you trust.**
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from clausetag.classifiers.base import Classifier, check_inputs, read_card, resolve_labels, write_card

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
        labels: label codes in schema order (default: the packaged schema).
        char_ngrams: (min_n, max_n) character n-gram range.
        word_ngrams: also use jieba word uni/bi-gram TF-IDF.
        use_context: also use character n-grams of the heading path (a separate feature block, so
            context n-grams never mix with clause n-grams).
        C: inverse regularisation strength.
        max_features: cap per TF-IDF block (None: no cap).
        seed: random state of the solver.
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
        self.labels = resolve_labels(labels)
        self.params: dict[str, Any] = {
            "char_ngrams": [int(char_ngrams[0]), int(char_ngrams[1])],
            "word_ngrams": bool(word_ngrams),
            "use_context": bool(use_context),
            "C": float(C),
            "max_features": max_features,
            "max_iter": int(max_iter),
            "seed": int(seed),
        }
        self.pipeline: Any = None
        self.metrics: dict[str, Any] = {}

    # -- building -------------------------------------------------------------------------------
    def _build(self) -> Any:
        from sklearn.compose import ColumnTransformer
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        p = self.params
        lo, hi = p["char_ngrams"]
        blocks = [
            ("char", TfidfVectorizer(analyzer="char", ngram_range=(lo, hi), sublinear_tf=True,
                                     max_features=p["max_features"]), "text"),
        ]
        if p["word_ngrams"]:
            blocks.append(
                ("word", TfidfVectorizer(tokenizer=jieba_tokenize, token_pattern=None, lowercase=False,
                                         ngram_range=(1, 2), sublinear_tf=True,
                                         max_features=p["max_features"]), "text")
            )
        if p["use_context"]:
            blocks.append(
                ("context", TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True,
                                            max_features=p["max_features"]), "context")
            )
        clf = LogisticRegression(C=p["C"], class_weight="balanced", max_iter=p["max_iter"],
                                 random_state=p["seed"])
        return Pipeline([("features", ColumnTransformer(blocks)), ("clf", clf)])

    @staticmethod
    def _frame(texts: Sequence[str], contexts: Sequence[str] | None) -> Any:
        import pandas as pd

        texts = list(texts)
        ctx = list(contexts) if contexts is not None else [""] * len(texts)
        # an empty context still needs a token for the context vectoriser's vocabulary
        return pd.DataFrame({"text": texts, "context": [c if c else "∅" for c in ctx]})

    # -- surface --------------------------------------------------------------------------------
    def fit(
        self, texts: Sequence[str], labels: Sequence[str], contexts: Sequence[str] | None = None
    ) -> "BaselineClassifier":
        contexts = check_inputs(texts, contexts)
        if len(texts) != len(labels):
            raise ValueError(f"got {len(texts)} texts but {len(labels)} labels")
        self._check_labels(labels)
        if len(set(labels)) < 2:
            raise ValueError("the baseline needs at least two distinct labels to train")
        self.pipeline = self._build()
        self.pipeline.fit(self._frame(texts, contexts), list(labels))
        return self

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        if self.pipeline is None:
            raise RuntimeError("the classifier is not fitted; call fit() or from_pretrained() first")
        contexts = check_inputs(texts, contexts)
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float64)
        if len(texts) == 0:
            return out
        proba = self.pipeline.predict_proba(self._frame(texts, contexts))
        index = {label: i for i, label in enumerate(self.labels)}
        cols = [index[c] for c in self.pipeline.classes_]
        out[:, cols] = proba
        return out

    def save_pretrained(self, path: str | Path) -> Path:
        import joblib
        import sklearn

        if self.pipeline is None:
            raise RuntimeError("nothing to save: the classifier is not fitted")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.pipeline, path / MODEL_FILE, compress=3)  # n-gram vocabularies compress ~3x
        write_card(path, {
            "type": self.type_name,
            "labels": self.labels,
            "params": self.params,
            "metrics": self.metrics,
            "files": {"model": MODEL_FILE},
            "sklearn_version": sklearn.__version__,
            "warning": "model.joblib is a pickle: load it only from a trusted source",
        })
        return path

    @classmethod
    def from_pretrained(cls, path: str | Path, **kwargs: Any) -> "BaselineClassifier":
        """Load a saved baseline. The weights are a pickle: only load directories you trust."""
        import joblib

        card = read_card(path)
        if card.get("type") != cls.type_name:
            raise ValueError(f"{path}: clausetag.json type is {card.get('type')!r}, not 'baseline'")
        params = dict(card.get("params", {}))
        if "char_ngrams" in params:
            params["char_ngrams"] = tuple(params["char_ngrams"])
        model = cls(card["labels"], **params)
        model.pipeline = joblib.load(Path(path) / card.get("files", {}).get("model", MODEL_FILE))
        model.metrics = card.get("metrics", {})
        return model
