"""Shared test fixtures: where the shared data lives."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

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
