"""The Ray Data engine on a local Ray with 2 CPUs: the same output as the local engine."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from clausetag.cli import main
from clausetag.io.writers import read_records
from clausetag.tagging.pipeline import Tagger

OUTPUTS = ("clauses.jsonl", "summary.csv", "summary.md", "targets.csv")


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray with 2 CPUs for this module (ray is imported here, not when the module is collected)."""
    pytest.importorskip("ray.data")
    import ray

    from clausetag.tagging.ray_engine import init_ray

    before = os.environ.get("PYTHONPATH")
    init_ray(num_cpus=2)
    assert os.environ.get("PYTHONPATH") == before  # the local Ray got clausetag's path; this process keeps its own
    yield
    ray.shutdown()


@pytest.mark.slow  # starts a local Ray (seconds)
def test_ray_engine_output_identical_to_local(seed_paths: list[Path], tmp_path: Path, local_ray: None,
                                              baseline_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clausetag.tagging import parallel


    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr(parallel, "SHARD_DOCS", 2)  # several shards, so both actors get work
    docs = [str(p) for p in seed_paths] + [str(tmp_path / "broken.txt")]
    (tmp_path / "broken.txt").write_bytes(b"")
    m = ["--no-progress", "--model", str(baseline_dir)]  # a small model: actors load it in milliseconds
    assert main(["tag", *docs, "-o", str(tmp_path / "local") + "/", "--jobs", "1", *m]) == 1
    assert main(["tag", *docs, "-o", str(tmp_path / "ray") + "/", "--engine", "ray", "--jobs", "2", *m]) == 1
    for name in OUTPUTS:
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name

    # the Python entry point: a Dataset of clause rows, the same records as the local Tagger's
    from clausetag.tagging.ray_engine import tag_dataset

    tagger = Tagger(baseline_dir)
    rows = tag_dataset(docs, tagger, workers=1).take_all()  # two actors ran above; one is enough here
    local = [r.to_dict() for res in tagger.pipe([Path(d) for d in docs]) for r in res.records]
    assert [{k: v for k, v in r.items() if k != "error"} for r in rows if r["error"] is None] == local
    assert [r["doc_id"] for r in rows if r["error"]] == ["broken"]
    assert read_records(tmp_path / "ray" / "clauses.jsonl") == local


def test_tag_dataset_expands_paths_like_pipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing path is an error row, not an exception; a file reached twice is tagged once; input order
    kept; unsupported files warned about. (No Ray started: the dataset builder is replaced.)"""
    pytest.importorskip("ray.data")
    from typing import Any

    from clausetag.tagging import ray_engine

    for name in ("b.txt", "c.txt"):
        (tmp_path / name).write_text("设立专项资金。\n", encoding="utf-8")
    (tmp_path / "d.doc").write_bytes(b"x")
    seen: list[Any] = []
    monkeypatch.setattr(ray_engine, "init_ray", lambda address=None, num_cpus=None: None)
    monkeypatch.setattr(ray_engine, "_shard_dataset", lambda shards, *a, **k: seen.extend(shards))
    with pytest.warns(UserWarning, match=r"tag_dataset\(\) skipped 1 file\(s\) of unsupported type"):
        ray_engine.tag_dataset([tmp_path / "c.txt", tmp_path, tmp_path / "nowhere.txt"],
                               tagger=Tagger(_Fixed()), workers=1)
    items = [it for shard in seen for it in shard.items]
    assert [(it.doc_id, Path(it.path).name) for it in items] == [("c", "c.txt"), ("b", "b.txt"),
                                                                  ("nowhere", "nowhere.txt")]


class _Fixed:
    classes_ = ("other",)

    def predict_proba(self, texts: list[str], contexts: list[str]) -> list[list[float]]:
        return [[1.0] for _ in texts]
