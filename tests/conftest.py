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
# the package has no default location for shared data: point its variables at it for the tests
if SHARED.is_dir():
    os.environ.setdefault("CLAUSETAG_SHARED", str(SHARED))
    if (SHARED / "corpus").is_dir():
        os.environ.setdefault("CLAUSETAG_CORPUS", str(SHARED / "corpus"))
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


#: a handful of synthetic clauses per label: what the tiny test baselines are trained on
TRAIN_CLAUSES = [
    ("设立专项资金，给予奖补和补助。", "funding"),
    ("对企业给予最高100万元奖励。", "funding"),
    ("引进高层次人才，开展技能培训。", "talent"),
    ("加强人才培养和产教融合。", "talent"),
    ("到2027年，产业规模突破1000亿元。", "planning"),
    ("明确发展目标和空间布局。", "planning"),
    ("成立领导小组，强化考核评估。", "organization"),
    ("加强宣传引导，营造良好氛围。", "organization"),
    ("关于印发行动方案的通知", "other"),
    ("联系电话：12345678", "other"),
]


@pytest.fixture(scope="session")
def train_clauses() -> list[tuple[str, str]]:
    """``(text, label)`` pairs the tiny test baselines are trained on."""
    return list(TRAIN_CLAUSES)


@pytest.fixture(scope="session")
def baseline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A baseline classifier trained in milliseconds on :data:`TRAIN_CLAUSES`, saved once per session."""
    from clausetag.classifiers.baseline import BaselineClassifier

    texts, labels = zip(*TRAIN_CLAUSES)
    path = tmp_path_factory.mktemp("model") / "baseline"
    BaselineClassifier().fit(list(texts), list(labels)).save_pretrained(path)
    return path


#: The modules that take longest, longest first (seconds of wall time in one process, from
#: ``python -m pytest -q --durations=0``; update when a module's cost changes). Under ``-n`` they are
#: handed out first, so no worker is left alone with a long module at the end (the rest fill the gaps).
LONGEST_FIRST = ("test_ray_engine", "test_run", "test_classifiers", "test_pipeline", "test_harness",
                 "test_pretrained", "test_estimator_contract", "test_api", "test_split")


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist's --dist loadfile hands out modules with the most tests first (most of ours are quick
    # table cases); keep the order chosen below instead
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules in :data:`LONGEST_FIRST` order, then modules with ``slow`` tests, then the rest; each
    module's tests kept together in file order (a stable sort).

    Under ``-n`` (pytest-xdist, ``--dist loadfile``) the long modules start first on every worker, and
    keeping a module contiguous means its module-scoped fixtures (a trained tiny BERT, a local Ray) are
    set up once.
    """
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    slow_modules = {item.module.__name__ for item in items
                    if item.get_closest_marker("slow") is not None and item.module is not None}

    def key(item: pytest.Item) -> tuple[int, int]:
        name = item.module.__name__ if item.module is not None else ""
        return (0, rank[name]) if name in rank else (1, 0) if name in slow_modules else (2, 0)

    items.sort(key=key)
