"""Cost of the learned quantity re-rankers (``extract_quantities(learned=True)``) over the rules alone.

    python benchmarks/bench_qty_rerank.py [--input labels/quantities_train/sample.jsonl | --input DIR] [--repeats 5]

Input: a JSONL file with a ``text`` per line (every line is one call), or a directory of ``.txt`` documents
(split into clauses by :func:`clausetag.segment.splitter.split`; every clause is one call, as ``clausetag tag``
does). The rules (``learned=False``) and the learned path are timed in turn, ``--repeats`` times each, in
one process, after one untimed pass of each (jieba's dictionary, the lexicons and the models loaded); the
jieba caches of both paths (:mod:`clausetag.quantities.indicators`, :mod:`clausetag.quantities.rerank`) are
cleared before every pass, so that every pass cuts its text as a first pass would. Printed: CPU seconds
(median, min–max) of each path and of the learned path's extra cost, and the one-off cost of loading the two
packaged models (median of ``--repeats`` fresh loads).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clausetag.quantities import indicators, rerank  # noqa: E402
from clausetag.quantities.extract import extract_quantities  # noqa: E402


def load_texts(path: Path) -> list[str]:
    if path.is_dir():
        from clausetag.segment.splitter import split

        return [c.text for p in sorted(path.glob("*.txt"))
                for c in split(p.read_text(encoding="utf-8"), doc_id=p.stem)]
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _clear_caches() -> None:
    for fn in (getattr(indicators, "_pos_tokens", None), getattr(rerank, "_pos_cut", None)):
        if fn is not None and hasattr(fn, "cache_clear"):
            fn.cache_clear()


def one_pass(texts: list[str], learned: bool) -> float:
    _clear_caches()
    t = time.process_time()
    for x in texts:
        extract_quantities(x, learned=learned)
    return time.process_time() - t


def model_load() -> float:
    rerank.role_model.cache_clear()
    rerank.indicator_model.cache_clear()
    t = time.process_time()
    rerank.role_model()
    rerank.indicator_model()
    return time.process_time() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Cost of the learned quantity re-rankers over the rules alone.")
    ap.add_argument("--input", type=Path, default=ROOT / "labels/quantities_train/sample.jsonl")
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args(argv)
    texts = load_texts(a.input)
    chars = sum(map(len, texts))
    loads = [model_load() for _ in range(a.repeats)]
    one_pass(texts, False)
    one_pass(texts, True)
    rules, learned = [], []
    for _ in range(a.repeats):
        rules.append(one_pass(texts, False))
        learned.append(one_pass(texts, True))
    extra = [b - r for r, b in zip(rules, learned)]

    def fmt(xs: list[float]) -> str:
        return f"{statistics.median(xs):.3f} s ({min(xs):.3f}–{max(xs):.3f})"

    print(f"{a.input}: {len(texts)} texts, {chars} chars, {a.repeats} alternating passes each (CPU time)")
    print(f"  rules (learned=False): {fmt(rules)}  {chars / statistics.median(rules) / 1e6:.2f} M chars/s")
    print(f"  learned (default):     {fmt(learned)}  {chars / statistics.median(learned) / 1e6:.2f} M chars/s")
    print(f"  learned - rules:       {fmt(extra)}  ratio {statistics.median(learned) / statistics.median(rules):.2f}x")
    print(f"  model load (once per process): {fmt(loads)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
