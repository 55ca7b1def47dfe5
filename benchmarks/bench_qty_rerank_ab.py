"""A/B of the re-rankers alone: ``clausetag.quantities.rerank`` of this checkout against another checkout's.

    python benchmarks/bench_qty_rerank_ab.py OTHER_CHECKOUT [--input DIR|JSONL] [--repeats 7]

Both modules are imported in one process (the other one from ``OTHER_CHECKOUT/clausetag/quantities/rerank.py``
under another name) and given the same inputs: the rules' quantities of every text (``learned=False``,
``indicators=False``) for :func:`rerank_roles` and the quantities with the rules' indicators for
:func:`rerank_indicators`. They run in turn (A B A B ...), their jieba caches cleared before every pass and
their models loaded beforehand (the one-off load is timed apart, fresh each time). Printed: CPU seconds
(median, min–max) of each and the ratio of the medians, and whether both gave equal outputs.
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_qty_rerank import load_texts  # noqa: E402

from clausetag.quantities import rerank  # noqa: E402
from clausetag.quantities.extract import extract_quantities, rerank_roles  # noqa: E402
from clausetag.quantities.indicators import find_indicators  # noqa: E402


def load_other(checkout: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("other_rerank", checkout / "clausetag/quantities/rerank.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["other_rerank"] = mod
    spec.loader.exec_module(mod)
    return mod


def inputs(texts: list[str]) -> list[tuple[str, list[Any], list[Any]]]:
    out = []
    for text in texts:
        rules = extract_quantities(text, indicators=False, learned=False)
        if not rules:
            continue
        roles = rerank_roles(text, rules)
        with_ind = [q if i is None else replace(q, indicator=i.text, indicator_start=i.start, indicator_end=i.end)
                    for q, i in zip(roles, find_indicators(text, roles))]
        out.append((text, rules, with_ind))
    return out


def one_pass(mod: ModuleType, data: list[tuple[str, list[Any], list[Any]]]) -> tuple[float, list[Any]]:
    for name in ("_pos_cut",):
        getattr(mod, name).cache_clear()
    t = time.process_time()
    res = [(mod.rerank_roles(text, rules), mod.rerank_indicators(text, ind)) for text, rules, ind in data]
    return time.process_time() - t, res


def load(mod: ModuleType) -> float:
    mod.role_model.cache_clear()
    mod.indicator_model.cache_clear()
    t = time.process_time()
    mod.role_model()
    mod.indicator_model()
    return time.process_time() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="A/B of the quantity re-rankers of two checkouts.")
    ap.add_argument("other", type=Path, help="the other checkout (B)")
    ap.add_argument("--input", type=Path, default=ROOT / "labels/quantities_train/sample.jsonl")
    ap.add_argument("--repeats", type=int, default=7)
    a = ap.parse_args(argv)
    other = load_other(a.other)
    data = inputs(load_texts(a.input))
    mods = {"A (this checkout)": rerank, f"B ({a.other})": other}
    times: dict[str, list[float]] = {k: [] for k in mods}
    loads: dict[str, list[float]] = {k: [] for k in mods}
    outs = {}
    for m in mods.values():  # warm-up: jieba and the models
        one_pass(m, data)
    for _ in range(a.repeats):
        for k, m in mods.items():
            loads[k].append(load(m))
            t, outs[k] = one_pass(m, data)
            times[k].append(t)
    print(f"{a.input}: {len(data)} texts with quantities, {a.repeats} alternating passes (CPU s, median (min-max))")
    for k in mods:
        print(f"  {k}: re-rank {statistics.median(times[k]):.3f} ({min(times[k]):.3f}-{max(times[k]):.3f}), "
              f"model load {statistics.median(loads[k]):.3f} ({min(loads[k]):.3f}-{max(loads[k]):.3f})")
    ka, kb = mods
    ratios = [x / y for x, y in zip(times[ka], times[kb])]
    print(f"  A/B re-rank: {statistics.median(times[ka]) / statistics.median(times[kb]):.3f} "
          f"(pairwise {min(ratios):.3f}-{max(ratios):.3f}); model load "
          f"{statistics.median(loads[ka]) / statistics.median(loads[kb]):.3f}")
    print(f"  outputs equal: {outs[ka] == outs[kb]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
