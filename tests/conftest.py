"""Shared test fixtures: where the shared data lives; one thread for torch and friends.

torch's intra-op threads thrash on the tiny tensors of the tests (issue 14: 111 s with two threads, 50 s
with one), so the thread count is fixed before anything imports torch; tests never reach a model hub.
"""
from __future__ import annotations

import os
import sys

for _var, _value in (("OMP_NUM_THREADS", "1"), ("MKL_NUM_THREADS", "1"), ("TOKENIZERS_PARALLELISM", "false"),
                     ("HF_HUB_OFFLINE", "1"), ("HF_DATASETS_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1")):
    os.environ.setdefault(_var, _value)
if "torch" in sys.modules:  # imported by a plugin before this file: too late for the variable
    sys.modules["torch"].set_num_threads(1)

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CLAUSETAG_SHARED", ROOT.parent / "shared"))
SEEDS_DIR = ROOT / "labels" / "seed"
DATA_DIR = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared data folder not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def seed_paths() -> list[Path]:
    """The five seed documents: the copies committed under labels/seed (byte-identical to ../shared/seeds)."""
    paths = sorted(SEEDS_DIR.glob("*.txt"))
    assert len(paths) == 5, f"expected 5 seed texts in {SEEDS_DIR}, found {len(paths)}"
    return paths
