"""A fast ``transform`` for fitted character n-gram vectorisers, equal to scikit-learn's.

scikit-learn's ``CountVectorizer._count_vocab`` builds every n-gram of every document as a Python
string and looks each one up in a dict, one at a time: with the shipped baseline that is over a third of
the time ``clausetag tag`` spends. :class:`CharNgramCounter` does the same work for a whole batch with
numpy: the batch's text is decoded once into an array of code points, every n-gram (n ≤ 3) becomes one
64-bit integer ``(c₀+1)·2⁴² + (c₁+1)·2²¹ + (c₂+1)`` (distinct for every string of length 1 to 3, since
code points are below 2²¹ − 1), n-grams are looked up at once in a hash table of the vocabulary's keys
(``pandas.Index.get_indexer``), and counts come from ``np.unique`` on ``row · n_features + column``.

Everything else is read from the fitted object and done by its own code, so the result is the matrix
scikit-learn builds (same values, same sorted indices): decoding (``vec.decode``), preprocessing
(``vec.build_preprocessor()``: lowercase, accent stripping or a custom preprocessor), white-space
normalisation (``vec._white_spaces``), ``ngram_range``, ``binary``, ``dtype``, and for a
``TfidfVectorizer`` its fitted ``TfidfTransformer`` (sublinear tf, idf, norm). What this path does not
cover — ``char_wb`` or word analysers, callables, n-grams longer than 3, subclasses — goes to the
vectoriser's own ``transform`` (:func:`fast_transform` decides). Nothing is stored on the vectoriser:
the vocabulary's keys are cached per vectoriser object in this process (rebuilt on first use in each
worker), so models on disk stay untouched.

Set ``CLAUSETAG_FAST_FEATURES=0`` to use scikit-learn's transform everywhere (for comparisons).
"""
from __future__ import annotations

import os
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = ["ENV", "CharNgramCounter", "counter_for", "fast_enabled", "fast_transform", "unsupported_reason"]

ENV = "CLAUSETAG_FAST_FEATURES"
#: bits per character in an n-gram key (code points + 1 are below 2**21)
_BITS = 21
_MAX_N = 3  # 3 × 21 = 63 bits
#: code points handled per numpy pass (bounds the temporary arrays to a few tens of MB)
_CHUNK_CHARS = 1 << 20

_CACHE: weakref.WeakKeyDictionary[Any, CharNgramCounter] = weakref.WeakKeyDictionary()


def fast_enabled() -> bool:
    """Whether the fast path is on (``CLAUSETAG_FAST_FEATURES`` unset, or not ``0``/``false``/``no``)."""
    return os.environ.get(ENV, "1").strip().lower() not in {"0", "false", "no", "off"}


def unsupported_reason(vec: Any) -> str | None:
    """Why :class:`CharNgramCounter` cannot reproduce ``vec.transform`` (``None``: it can)."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    if type(vec) not in (CountVectorizer, TfidfVectorizer):
        return f"{type(vec).__name__} is not a plain CountVectorizer/TfidfVectorizer"
    if vec.analyzer != "char":
        return f"analyzer={vec.analyzer!r} (only 'char')"
    lo, hi = vec.ngram_range
    if not 1 <= lo <= hi <= _MAX_N:
        return f"ngram_range={vec.ngram_range!r} (only n-grams of 1 to {_MAX_N} characters)"
    if not hasattr(vec, "vocabulary_"):
        return "not fitted (no vocabulary_)"
    if isinstance(vec, TfidfVectorizer) and not hasattr(vec, "_tfidf"):
        return "no fitted TfidfTransformer (_tfidf)"
    return None


class CharNgramCounter:
    """Counts of the vocabulary's character n-grams in documents, as ``vec``'s ``CountVectorizer``
    part computes them (``counts``), and the vectoriser's full output (``transform``)."""

    def __init__(self, vec: Any) -> None:
        reason = unsupported_reason(vec)
        if reason is not None:
            raise ValueError(f"the fast n-gram path does not cover this vectoriser: {reason}")
        self._vec = weakref.ref(vec)  # the cache maps vec → counter: no strong reference back
        self._vocab = vec.vocabulary_  # kept alive, so the id() in the signature stays unique
        self.signature = _signature(vec)
        self.min_n, self.max_n = (int(x) for x in vec.ngram_range)
        self.n_features = len(vec.vocabulary_)
        grams = list(vec.vocabulary_)
        cols = np.fromiter(vec.vocabulary_.values(), dtype=np.int64, count=len(grams))
        fits = [isinstance(g, str) and self.min_n <= len(g) <= self.max_n for g in grams]
        if not all(fits):  # other entries (a hand-made vocabulary) never match an n-gram of the input
            grams = [g for g, ok in zip(grams, fits) if ok]
            cols = cols[np.asarray(fits, dtype=bool)]
        keys = _keys_of(grams)
        import pandas as pd

        self._index = pd.Index(keys)  # a hash table over the keys
        self._cols = cols
        self._prep = vec.build_preprocessor()
        self._ws = vec._white_spaces.sub

    @property
    def vec(self) -> Any:
        """The vectoriser this counter reproduces."""
        vec = self._vec()
        if vec is None:
            raise ReferenceError("the vectoriser of this CharNgramCounter no longer exists")
        return vec

    def counts(self, docs: Iterable[Any]) -> Any:
        """The count matrix ``CountVectorizer.transform(docs)`` returns (CSR, sorted indices)."""
        import scipy.sparse as sp

        if isinstance(docs, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        decode, prep, ws = self.vec.decode, self._prep, self._ws
        texts = [ws(" ", prep(decode(d))) for d in docs]
        parts: list[Any] = []
        lo = 0
        while lo < len(texts) or not parts:
            hi, size = lo, 0
            while hi < len(texts) and (hi == lo or size + len(texts[hi]) <= _CHUNK_CHARS):
                size += len(texts[hi])
                hi += 1
            parts.append(self._counts(texts[lo:hi]))
            lo = hi
        X = parts[0] if len(parts) == 1 else sp.vstack(parts, format="csr")
        if self.vec.binary:
            X.data.fill(1)
        return X

    def transform(self, docs: Iterable[Any]) -> Any:
        """What ``vec.transform(docs)`` returns."""
        X = self.counts(docs)
        tfidf = getattr(self.vec, "_tfidf", None)
        return X if tfidf is None else tfidf.transform(X, copy=False)

    def _counts(self, texts: Sequence[str]) -> Any:
        import scipy.sparse as sp

        n_docs = len(texts)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n_docs)
        raw = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        cp = raw.astype(np.uint64) + np.uint64(1)
        total = len(cp)
        doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        room = np.cumsum(lengths)[doc_of] - np.arange(total)  # characters left in the document from here
        keys_parts, rows_parts = [], []
        for n in range(self.min_n, self.max_n + 1):
            m = total - n + 1
            if m <= 0:
                break
            keys = cp[:m].copy()
            for j in range(1, n):
                keys <<= np.uint64(_BITS)
                keys |= cp[j:j + m]
            ok = room[:m] >= n
            keys_parts.append(keys[ok])
            rows_parts.append(doc_of[:m][ok])
        indptr = np.zeros(n_docs + 1, dtype=np.int64)
        if keys_parts and len(self._cols):
            keys = np.concatenate(keys_parts)
            rows = np.concatenate(rows_parts)
            pos = self._index.get_indexer(keys)  # -1: not in the vocabulary
            hit = pos >= 0
            flat = rows[hit] * self.n_features + self._cols[pos[hit]]
            cells, counts = np.unique(flat, return_counts=True)
            row_of, col_of = np.divmod(cells, self.n_features)
            np.cumsum(np.bincount(row_of, minlength=n_docs), out=indptr[1:])
        else:
            col_of = np.zeros(0, dtype=np.int64)
            counts = np.zeros(0, dtype=np.int64)
        index_dtype = np.int32 if indptr[-1] <= np.iinfo(np.int32).max else np.int64
        return sp.csr_matrix(
            (counts.astype(np.intc), col_of.astype(index_dtype), indptr.astype(index_dtype)),
            shape=(n_docs, self.n_features), dtype=self.vec.dtype,
        )


def _keys_of(grams: Sequence[str]) -> np.ndarray:
    """The 64-bit key of each string of 1 to 3 characters (whole-array passes over their code points)."""
    lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
    cp = np.frombuffer("".join(grams).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    starts = np.cumsum(lengths) - lengths
    keys = np.zeros(len(grams), dtype=np.uint64)
    for j in range(_MAX_N):
        has = lengths > j
        keys[has] = (keys[has] << np.uint64(_BITS)) | (cp[starts[has] + j] + np.uint64(1))
    return keys


def _signature(vec: Any) -> tuple[Any, ...]:
    """What a counter depends on: a vectoriser refitted or re-parametrised in place gets a new one."""
    return (id(getattr(vec, "vocabulary_", None)), vec.analyzer, tuple(vec.ngram_range), vec.lowercase,
            vec.preprocessor, vec.strip_accents, vec.input, vec.encoding, vec.decode_error, vec.binary, vec.dtype)


def counter_for(vec: Any) -> CharNgramCounter | None:
    """The cached :class:`CharNgramCounter` of ``vec``, or ``None`` where it does not apply."""
    try:
        cached = _CACHE.get(vec)
    except TypeError:
        cached = None
    if cached is not None and cached.signature == _signature(vec):
        return cached
    if unsupported_reason(vec) is not None:
        return None
    counter = CharNgramCounter(vec)
    try:
        _CACHE[vec] = counter
    except TypeError:  # not weak-referenceable: no cache
        pass
    return counter


def fast_transform(vec: Any, docs: Sequence[Any]) -> Any:
    """``vec.transform(docs)``, computed by :class:`CharNgramCounter` where it covers ``vec`` (and
    :func:`fast_enabled`), else by ``vec.transform`` itself."""
    counter = counter_for(vec) if fast_enabled() else None
    return vec.transform(docs) if counter is None else counter.transform(docs)
