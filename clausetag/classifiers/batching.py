"""Length-sorted inference batches, the one routine every transformer-backed classifier uses.

Batching inputs of similar length wastes little padding (CPU time goes to real tokens). The inputs are
sorted by length (stable: equal lengths keep their input order), cut into batches of ``size``, and the
results are written back in input order, so a caller never sees the reordering.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

__all__ = ["length_sorted_batches", "map_sorted"]


def length_sorted_batches(lengths: Sequence[int], size: int) -> Iterator[list[int]]:
    """Index batches of at most ``size`` inputs over the inputs sorted by length (stable)."""
    if size < 1:
        raise ValueError(f"batch size must be >= 1, got {size}")
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    for lo in range(0, len(order), size):
        yield order[lo:lo + size]


def map_sorted(fn: Callable[[list[int]], np.ndarray], lengths: Sequence[int], size: int, out: np.ndarray, *,
               progress: bool = False, desc: str = "classify") -> np.ndarray:
    """Fill ``out`` (one row per input) with ``fn(indices)`` for every length-sorted batch of indices;
    ``fn`` returns one row per index, in the order given. Returns ``out``, rows in input order. A tqdm
    bar is shown when ``progress`` and there is more than one batch."""
    if len(out) != len(lengths):
        raise ValueError(f"out has {len(out)} rows for {len(lengths)} inputs")
    batches = length_sorted_batches(lengths, size)
    if progress and len(lengths) > size:
        from tqdm.auto import tqdm

        batches = tqdm(batches, total=-(-len(lengths) // size), desc=desc, unit="batch", leave=False)
    for idx in batches:
        out[idx] = fn(idx)
    return out
