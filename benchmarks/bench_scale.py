"""Scaling of ``clausetag tag``: one vs N worker processes, local engine vs Ray, identical output.

    python benchmarks/bench_scale.py [--docs 3469] [--jobs 1,2] [--ray] [--model default]
                                     [--folder] [--out benchmarks/results/scale.md]

Input: the first ``--docs`` documents of the regulations corpus (``../shared/corpus/regulations.jsonl.xz``
or ``--corpus``), written as .txt files into a temporary folder (never into the repository); without the
corpus, the five seed texts repeated. Each row runs the real command line in a fresh process,
``python -m clausetag tag DIR -o OUT.jsonl --no-progress --jobs N [--engine ray]`` (``--folder``: a
folder output, so summary, plot and report are included), timed wall-clock including start-up and
model loading. Every output is compared byte for byte with the ``--jobs 1`` local one (provenance time
fixed with ``SOURCE_DATE_EPOCH``). The load average is printed beside each row: on a shared machine,
numbers are only comparable between rows of one run.
"""
from __future__ import annotations

import argparse
import filecmp
import json
import lzma
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("CLAUSETAG_SHARED", ROOT.parent / "shared")) / "corpus" / "regulations.jsonl.xz"


def make_inputs(folder: Path, n_docs: int, corpus: Path) -> str:
    """Write up to ``n_docs`` documents as .txt files; returns a description of the input."""
    folder.mkdir(parents=True, exist_ok=True)
    if corpus.is_file():
        n = 0
        with lzma.open(corpus, "rt", encoding="utf-8") as fh:
            for line in fh:
                if n >= n_docs:
                    break
                rec = json.loads(line)
                (folder / f"{n:05d}_{rec['id']}.txt").write_text(rec["text"], encoding="utf-8")
                n += 1
        return f"{n} documents of {corpus.name}"
    seeds = sorted((ROOT / "labels" / "seed").glob("*.txt"))
    for i in range(n_docs):
        s = seeds[i % len(seeds)]
        (folder / f"{i:05d}_{s.name}").write_bytes(s.read_bytes())
    return f"{n_docs} copies of the 5 seed texts (corpus not found at {corpus})"


def run_tag(inp: Path, out: Path, jobs: int, engine: str, model: str) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               SOURCE_DATE_EPOCH="1700000000", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               TOKENIZERS_PARALLELISM="false")
    cmd = [sys.executable, "-m", "clausetag", "tag", str(inp), "-o", str(out), "--no-progress",
           "--jobs", str(jobs), "--engine", engine, "--model", model]
    load0 = os.getloadavg()[0]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and its worker processes (not Ray's)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return {"seconds": dt, "cpu": cpu, "load": (load0 + os.getloadavg()[0]) / 2}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=3469, help="documents (default: the whole corpus, 3469)")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--jobs", default="1,2", help="comma-separated worker counts (default 1,2)")
    ap.add_argument("--ray", action="store_true", help="also run --engine ray with each worker count")
    ap.add_argument("--model", default="default")
    ap.add_argument("--folder", action="store_true", help="folder output (adds summary, plot, report)")
    ap.add_argument("--out", help="write the Markdown table here as well")
    args = ap.parse_args(argv)
    jobs = [int(j) for j in args.jobs.split(",")]

    with tempfile.TemporaryDirectory(prefix="clausetag-scale-") as tmp:
        inp = Path(tmp) / "in"
        what = make_inputs(inp, args.docs, args.corpus)
        rows = []
        reference: Path | None = None
        engines = ["local"] + (["ray"] if args.ray else [])
        for engine in engines:
            for j in jobs:
                out = Path(tmp) / f"{engine}-{j}" / ("" if args.folder else "clauses.jsonl")
                res = run_tag(inp, out, j, engine, args.model)
                clauses_file = out / "clauses.jsonl" if args.folder else out
                n_clauses = sum(1 for _ in clauses_file.open("rb"))
                if reference is None:
                    reference = clauses_file
                same = filecmp.cmp(reference, clauses_file, shallow=False)
                rows.append({"engine": engine, "jobs": j, "clauses": n_clauses, "same": same, **res})
                print(f"{engine:5s} jobs={j}: {res['seconds']:7.1f} s  cpu {res['cpu']:7.1f} s  "
                      f"{n_clauses / res['seconds']:8.0f} clauses/s  identical={same}  load={res['load']:.1f}",
                      flush=True)
    base = rows[0]["seconds"]
    lines = [
        f"Input: {what}; `clausetag tag DIR -o {'OUT/' if args.folder else 'OUT.jsonl'} --jobs N "
        f"[--engine ray]` (model `{args.model}`), wall-clock seconds including start-up. "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}. "
        "Load average (1 min) of the machine beside each row. CPU s: user + system time of the command and "
        "its worker processes (Ray's workers are not its children: —). CPU-bound speed-up: N × CPU s of "
        "local × 1 / CPU s of the row, what N idle cores would give if the shards balance (an estimate).",
        "",
        "| engine | workers | seconds | clauses/s | speed-up vs local × 1 | CPU s | CPU-bound speed-up "
        "(estimate) | identical to local × 1 | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    cpu1 = rows[0]["cpu"]
    for r in rows:
        local = r["engine"] == "local"
        cpu = f"{r['cpu']:.1f}" if local else "—"
        est = f"{r['jobs'] * cpu1 / r['cpu']:.2f}×" if local and r["cpu"] else "—"
        lines.append(f"| {r['engine']} | {r['jobs']} | {r['seconds']:.1f} | {r['clauses'] / r['seconds']:,.0f} | "
                     f"{base / r['seconds']:.2f}× | {cpu} | {est} | {'yes' if r['same'] else 'NO'} | "
                     f"{r['load']:.1f} |")
    table = "\n".join(lines)
    print()
    print(table)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(table + "\n", encoding="utf-8")
    return 0 if all(r["same"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
