"""Worker processes die with their parent, SIGKILL included (clausetag.tagging.parallel._watch_parent)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")]


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st is not None:
                parents[int(entry.name)] = st[1]
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[0] not in ("Z", "X")  # a zombie has ended (nobody reaped it yet)


def test_sigkill_of_a_jobs_2_run_leaves_no_worker_behind(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    seeds = sorted((ROOT / "labels" / "seed").glob("*.txt"))
    for i in range(60):  # 300 documents, 10 shards: enough that the run is still going when both workers are up
        for seed in seeds:
            shutil.copyfile(seed, docs / f"{i:03d}_{seed.name}")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.Popen([sys.executable, "-m", "clausetag", "tag", str(docs), "-o", str(tmp_path / "out"),
                             "--jobs", "2", "--no-progress"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        out = tmp_path / "out" / "clauses.jsonl"
        while time.monotonic() < deadline and proc.poll() is None:
            children |= {p for p in _descendants(proc.pid) if _alive(p)}
            if len(children) >= 3 and out.exists() and out.stat().st_size:  # 2 busy workers + resource tracker
                break
            time.sleep(0.05)
        assert proc.poll() is None, f"the run ended before it was killed: {proc.stderr.read()!r}"  # type: ignore[union-attr]
        assert len(children) >= 3 and out.stat().st_size, f"workers not seen at work: {children}"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(p) for p in children):
            time.sleep(0.1)
        survivors = [p for p in children if _alive(p)]
        assert not survivors, f"orphans after SIGKILL of the parent: {survivors}"
    finally:
        if proc.poll() is None:
            proc.kill()
        for p in children:  # never leave anything behind, even when the test fails
            if _alive(p):
                os.kill(p, signal.SIGKILL)
