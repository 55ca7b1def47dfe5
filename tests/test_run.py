"""Run machinery: --jobs N worker processes, durable runs (commit per batch, resume, signals)."""
from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from clausetag.cli import main
from clausetag.io.writers import read_records
from clausetag.tagging import parallel
from clausetag.tagging.parallel import Item, plan_shards
from clausetag.tagging.pipeline import Tagger
from clausetag.tagging.runstate import RunState

ROOT = Path(__file__).resolve().parents[1]
SLOW_TAG = ROOT / "tests" / "helpers" / "slow_tag.py"

DOC = """关于印发数字经济行动方案的通知

一、总体要求
到2027年，全市数字经济核心产业增加值突破1000亿元。
二、重点任务
（一）加大资金支持
设立5亿元专项资金，对企业给予最高200万元奖励。（牵头单位：市财政局；责任单位：市经信局、市商务局）
（二）强化人才培养
引进高层次人才，开展技能培训，培养技能人才{n}万人。
"""


def make_docs(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"d{i:02d}.txt").write_text(DOC.format(n=i + 1) + "三、保障措施\n" * (i % 3), encoding="utf-8")
    (folder / "zz_empty.txt").write_bytes(b"")  # a failure, reported and kept out of the clauses
    return folder


def run_cli(*argv: str) -> int:
    return main(["tag", *argv])


def outputs(folder: Path) -> dict[str, bytes]:
    return {n: (folder / n).read_bytes()
            for n in ("clauses.jsonl", "summary.csv", "summary.md", "targets.csv", "targets.parquet", "report.html")}


# ------------------------------------------------------------------------------------------ shards
def test_shards_depend_on_the_input_only(tmp_path: Path) -> None:
    docs = make_docs(tmp_path / "in", 7)
    items = [Item(p.stem, str(p)) for p in sorted(docs.iterdir())]
    shards = plan_shards(items, max_docs=3)
    assert [len(s.items) for s in shards] == [3, 3, 2]
    assert [it for s in shards for it in s.items] == items  # input order, nothing lost
    sizes = {it.doc_id: Path(it.path or "").stat().st_size for it in items}
    limit = 2 * max(sizes.values())
    by_bytes = plan_shards(items, max_docs=100, max_bytes=limit)
    assert 1 < len(by_bytes) < len(items)
    assert all(sum(sizes[it.doc_id] for it in s.items) <= limit for s in by_bytes)
    texts = [Item(f"t{i}", text="一" * 100) for i in range(4)]  # a text counts its UTF-8 bytes
    assert [len(s.items) for s in plan_shards(texts, max_docs=10, max_bytes=600)] == [2, 2]
    with pytest.raises(ValueError, match="at least 1"):
        plan_shards(items, max_docs=0)
    assert plan_shards(items, max_docs=3) == shards  # the same input, the same plan


@pytest.mark.slow  # starts worker processes: a few seconds
def test_jobs_output_is_byte_identical(tmp_path: Path, baseline_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--jobs 2 (two spawned workers, several shards) writes exactly what --jobs 1 writes."""
    docs = make_docs(tmp_path / "in", 6)
    monkeypatch.setattr(parallel, "SHARD_DOCS", 2)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # provenance time: the same in both runs
    m = ["--model", str(baseline_dir), "--no-progress"]
    assert run_cli(str(docs), "-o", str(tmp_path / "one") + "/", "--jobs", "1", *m) == 1  # zz_empty fails
    assert run_cli(str(docs), "-o", str(tmp_path / "two") + "/", "--jobs", "2", *m) == 1
    one, two = outputs(tmp_path / "one"), outputs(tmp_path / "two")
    assert one == two
    ids = list(dict.fromkeys(r["doc_id"] for r in read_records(tmp_path / "two" / "clauses.jsonl")))
    assert ids == [f"d{i:02d}" for i in range(6)]
    assert b"zz_empty" in two["summary.md"] and b"empty file" in two["summary.md"]


@pytest.mark.slow  # starts worker processes: a few seconds
def test_pipe_jobs_same_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = make_docs(tmp_path / "in", 4)
    monkeypatch.setattr(parallel, "SHARD_DOCS", 1)
    # a stub classifier (no scikit-learn to import in the spawned workers); the CLI test above uses a real model
    tagger = Tagger(_slow_tag_module().SlowClassifier(0.0))
    one = list(tagger.pipe([docs], batch_size=1))
    two = list(tagger.pipe([docs], batch_size=1, jobs=2))
    assert [(r.doc_id, r.records, r.error, r.sha256) for r in one] == [(r.doc_id, r.records, r.error, r.sha256)
                                                                       for r in two]
    assert one[-1].error and all(r.ok for r in one[:-1])


# -------------------------------------------------------------------------------- durable state
def test_resume_cuts_back_an_uncommitted_batch(baseline_dir: Path, tmp_path: Path) -> None:
    docs = make_docs(tmp_path / "in", 3)
    out = tmp_path / "out"
    assert run_cli(str(docs), "-o", str(out) + "/", "--jobs", "1", "--no-progress",
                   "--model", str(baseline_dir)) == 1
    clauses, state = out / "clauses.jsonl", out / "clauses.jsonl.state"
    good_clauses, good_state = clauses.read_bytes(), state.read_bytes()
    # a kill while a batch was being written: records half out, its state line half out
    with clauses.open("ab") as fh:
        fh.write(b'{"doc_id": "d99", "index": 0, "te')
    with state.open("ab") as fh:
        fh.write(b'{"start": 1, "end": 2, "docs": [{"doc_')
    run = RunState.open(clauses, "jsonl", resume=True)
    assert clauses.read_bytes() == good_clauses and state.read_bytes() == good_state
    assert sorted(run.done()) == ["d00", "d01", "d02"]  # zz_empty failed: tried again on resume


@pytest.mark.parametrize(("second", "differs"), [
    (["--model", "ensemble"], "model_hash"),
    (["--no-quantities"], "quantities"),
    (["--no-reader"], "extractor"),
    (["--probs", "2"], "probs"),
])
def test_resume_with_other_settings_is_refused(baseline_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               second: list[str], differs: str) -> None:
    """One output, one model: resuming with another model or other record options would mix two kinds of
    records in one file; it fails with one line (exit 2) and leaves the output as it was."""
    docs = make_docs(tmp_path / "in", 2)
    out = tmp_path / "out"
    first = ["--jobs", "1", "--no-progress", "--model", str(baseline_dir)]
    run_cli(str(docs), "-o", str(out) + "/", *first)
    before = (out / "clauses.jsonl").read_bytes()
    capsys.readouterr()
    args = [a for a in first if a not in ("--model", str(baseline_dir))] if second[0] == "--model" else first
    assert run_cli(str(docs), "-o", str(out) + "/", "--resume", *args, *second) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "started with other settings" in err[0] and differs in err[0]
    assert (out / "clauses.jsonl").read_bytes() == before


def test_state_files_without_settings_still_resume(baseline_dir: Path, tmp_path: Path) -> None:
    docs = make_docs(tmp_path / "in", 2)
    out = tmp_path / "out"
    m = ["--jobs", "1", "--no-progress", "--model", str(baseline_dir)]
    run_cli(str(docs), "-o", str(out) + "/", *m)
    state = out / "clauses.jsonl.state"
    lines = state.read_text(encoding="utf-8").splitlines(keepends=True)
    header = json.loads(lines[0])
    header.pop("settings")  # as written by clausetag before the settings were kept
    state.write_text(json.dumps(header) + "\n" + "".join(lines[1:]), encoding="utf-8")
    assert run_cli(str(docs), "-o", str(out) + "/", "--resume", *m) in (0, 1)


def test_changed_file_is_tagged_again(baseline_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = make_docs(tmp_path / "in", 3)
    out = tmp_path / "out"
    m = ["--jobs", "1", "--no-progress", "--model", str(baseline_dir)]
    run_cli(str(docs), "-o", str(out) + "/", *m)
    (docs / "d01.txt").write_text("一、新的要求\n设立10亿元产业基金。\n", encoding="utf-8")
    (docs / "zz_empty.txt").unlink()
    capsys.readouterr()
    assert run_cli(str(docs), "-o", str(out) + "/", "--resume", *m) == 0
    assert "resuming: 2 document(s)" in capsys.readouterr().err
    records = read_records(out / "clauses.jsonl")
    assert list(dict.fromkeys(r["doc_id"] for r in records)) == ["d00", "d02", "d01"]
    assert [r["text"] for r in records if r["doc_id"] == "d01"] == ["一、新的要求", "设立10亿元产业基金。"]
    import pandas as pd

    summary = pd.read_csv(out / "summary.csv", encoding="utf-8-sig").set_index("doc_id")
    assert summary.loc["d01", "clauses"] == 2 and set(summary.index) == {"d00", "d01", "d02"}
    assert summary.loc["d00", "clauses"] == sum(r["doc_id"] == "d00" for r in records)


def test_stale_temp_files_are_removed(baseline_dir: Path, tmp_path: Path) -> None:
    docs = make_docs(tmp_path / "in", 1)
    out = tmp_path / "out"
    out.mkdir()
    stale = [out / ".clauses.jsonl.abc123.tmp", out / ".summary.csv.x1.tmp", out / ".mix.png.y.tmp"]
    for p in stale:
        p.write_bytes(b"x" * 100)
    (out / "keep.tmp").write_bytes(b"not ours")
    run_cli(str(docs), "-o", str(out) + "/", "--jobs", "1", "--no-progress", "--model", str(baseline_dir))
    assert not any(p.exists() for p in stale) and (out / "keep.tmp").exists()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_csv_and_parquet_resume(baseline_dir: Path, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # provenance time: the same in every run
    docs = make_docs(tmp_path / "in", 2)
    m = ["--jobs", "1", "--no-progress", "--model", str(baseline_dir)]
    full = tmp_path / f"full.{fmt}"
    run_cli(str(docs), "-o", str(full), *m)
    part = tmp_path / f"part.{fmt}"
    (tmp_path / "first").mkdir()
    (docs / "d00.txt").rename(tmp_path / "first" / "d00.txt")
    run_cli(str(tmp_path / "first"), "-o", str(part), *m)
    (tmp_path / "first" / "d00.txt").rename(docs / "d00.txt")
    run_cli(str(docs), "-o", str(part), "--resume", *m)
    strip = lambda rs: [{k: v for k, v in r.items() if k != "source"} for r in rs]  # noqa: E731
    assert strip(read_records(part)) == strip(read_records(full))
    assert not (tmp_path / f"part.{fmt}.journal.jsonl").exists()


# --------------------------------------------------------------------------------- kill + resume
def _slow_run(inp: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", SOURCE_DATE_EPOCH="1700000000")
    return subprocess.Popen([sys.executable, str(SLOW_TAG), str(inp), str(out), *extra], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _committed_docs(out: Path) -> int:
    try:
        lines = (out / "clauses.jsonl.state").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return 0
    return sum(len(json.loads(x)["docs"]) for x in lines[1:] if x.endswith("}") and '"docs"' in x)


def _slow_tag_module() -> Any:
    """tests/helpers/slow_tag.py imported by name (spawned --jobs workers must unpickle its classifier)."""
    if str(SLOW_TAG.parent) not in sys.path:
        sys.path.insert(0, str(SLOW_TAG.parent))
    return importlib.import_module("slow_tag")


@pytest.fixture(scope="module")
def kill_inputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    """12 documents + an empty file, their reference output from an uninterrupted run (in-process)."""
    base = tmp_path_factory.mktemp("kill")
    docs = make_docs(base / "in", 12)
    slow_tag = _slow_tag_module()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        assert slow_tag.tag(docs, base / "ref") == 1  # zz_empty fails
    return docs, base / "ref", slow_tag


@pytest.mark.slow  # a run in a subprocess per case, killed mid-way
@pytest.mark.parametrize("sig,jobs", [(signal.SIGTERM, 2), (signal.SIGKILL, 1), (signal.SIGHUP, 1)])
def test_killed_run_resumes_to_identical_output(kill_inputs: tuple[Path, Path, Any], tmp_path: Path,
                                                 sig: int, jobs: int, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    docs, ref, slow_tag = kill_inputs
    out = tmp_path / "out"
    run = _slow_run(docs, out, "--jobs", str(jobs), "--delay", "0.3")
    deadline = time.monotonic() + 60
    while _committed_docs(out) < 3 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run.poll() is None, "the run ended before it could be interrupted"
    run.send_signal(sig)
    _, err = run.communicate(timeout=60)
    if sig == signal.SIGKILL:
        assert run.returncode == -signal.SIGKILL
    else:
        assert run.returncode == 128 + sig, err
        assert f"interrupted ({signal.Signals(sig).name})" in err and "--resume" in err
    done = _committed_docs(out)
    assert 3 <= done < 13
    kept = list(dict.fromkeys(r["doc_id"] for r in read_records(out / "clauses.jsonl")))
    assert kept == [f"d{i:02d}" for i in range(len(kept))]  # a prefix, in input order
    assert not (out / "summary.csv").exists()  # no stale summary beside a partial output

    # the resume runs in this process: it reads only what the killed process left on disk
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    capsys.readouterr()
    assert slow_tag.tag(docs, out, jobs=jobs, resume=True) == 1
    assert "resuming:" in capsys.readouterr().err
    assert outputs(out) == outputs(ref)


# ------------------------------------------------------------------------------------------ helpers


def test_tagger_takes_splitter_and_extractor(tmp_path: Path) -> None:
    """Tagger(splitter=…, extractor=…) replaces the defaults (no sys.modules patching needed)."""
    from clausetag.quantities.extract import Quantity
    from clausetag.segment.splitter import Splitter

    class OneLabel:
        classes_ = ("funding",)

        def predict_proba(self, texts: list[str], contexts: list[str] | None = None) -> list[list[float]]:
            import numpy as np

            return np.ones((len(texts), 1))

    def no_quantities(text: str) -> list[Quantity]:
        return []

    text = "第一条 为了规范管理，制定本办法。\n第二条 本办法适用于全市。\n"
    default = Tagger(OneLabel())
    custom = Tagger(OneLabel(), splitter=Splitter(rules="regulation"), extractor=no_quantities)
    records = custom(text).records
    assert [r.text for r in records] == [r.text for r in Splitter(rules="regulation").split(text)]
    assert all(r.quantities == [] for r in records) and all(r.label == "funding" for r in records)
    assert custom.provenance.rules == "regulation" and default.provenance.rules == "default"


def test_no_reader_leaves_the_quantity_reader_out(baseline_dir: Path, tmp_path: Path) -> None:
    """--no-reader: the indicators of extract_quantities(reader=False); the default: the reader's."""
    from clausetag.quantities.extract import extract_quantities
    from clausetag.quantities.reader import packaged_reader

    text = "2025年实现农产品电商销售额150亿元，2028年实现300亿元。"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "d.txt").write_text(text + "\n", encoding="utf-8")
    got = {}
    for name, extra in (("default", []), ("no_reader", ["--no-reader"])):
        out = tmp_path / name
        assert run_cli(str(tmp_path / "in"), "-o", str(out) + "/", "--jobs", "1", "--no-progress",
                       "--model", str(baseline_dir), *extra) == 0
        got[name] = [q["indicator"] for r in read_records(out / "clauses.jsonl") for q in r["quantities"]]
    assert got["no_reader"] == [q.indicator for q in extract_quantities(text, reader=False)]
    assert got["default"] == [q.indicator for q in extract_quantities(text)]
    assert (got["default"] != got["no_reader"]) == (packaged_reader() is not None)
