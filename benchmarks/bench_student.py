"""End-to-end tagging speed of the distilled student beside the baseline and the ensemble, in one run:
``clausetag tag`` (split, quantities, classify; default workers = all cores) on a sample of corpus
documents, the models alternating round by round so that every model meets the same machine load.

    python benchmarks/bench_student.py --student DIR [DIR ...] [--models baseline ensemble] [--docs 60] [--rounds 3] \
        [--out benchmarks/results/student_speed.md]

``clauses/s`` = clauses written / wall seconds of the whole command (process start and model loading
included), the median over rounds; the ratio is against the first model (the baseline). Each round also
tags a one-clause document with every model (``start-up s``: interpreter, imports, workers, model
loading), and ``clauses/s after start-up`` divides by the difference: the rate a long run approaches.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def write_sample(corpus: Path, n: int, seed: int, folder: Path) -> int:
    from clausetag.harness.distill import iter_corpus

    docs = list(iter_corpus(corpus))
    random.Random(seed).shuffle(docs)
    folder.mkdir(parents=True, exist_ok=True)
    chars = 0
    for doc in docs[:n]:
        (folder / f"{doc['id']}.txt").write_text(doc["text"], encoding="utf-8")
        chars += len(doc["text"])
    return chars


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--student", type=Path, nargs="+", required=True,
                    help="the students' model directories (ONNX int8)")
    ap.add_argument("--models", nargs="*", default=["baseline", "ensemble"], help="packaged models beside it")
    ap.add_argument("--corpus", type=Path, default=Path(os.environ.get("CLAUSETAG_CORPUS", "/work/shared/corpus"))
                    / "policies.jsonl.xz")
    ap.add_argument("--docs", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/student_speed.md")
    args = ap.parse_args()

    models = [*args.models, *(str(s) for s in args.student)]
    times: dict[str, list[float]] = {m: [] for m in models}
    clauses: dict[str, int] = {}
    startup: dict[str, list[float]] = {m: [] for m in models}
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        chars = write_sample(args.corpus, args.docs, args.seed, docs)
        tiny = Path(tmp) / "tiny"
        tiny.mkdir()
        (tiny / "one.txt").write_text("设立专项资金，给予奖励。", encoding="utf-8")

        def tag(m: str, folder: Path, out: Path) -> float:
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "clausetag", "tag", str(folder), "-o", str(out),
                                   "--model", m, "--no-progress"], capture_output=True, text=True,
                                  env=dict(os.environ, PYTHONPATH=str(ROOT)))
            if done.returncode != 0:
                raise SystemExit(f"{m}: clausetag tag failed ({done.returncode}): {done.stderr[-1500:]}")
            return time.perf_counter() - started

        for r in range(args.rounds):
            for k, m in enumerate(models):
                startup[m].append(tag(m, tiny, Path(tmp) / f"tiny{r}_{k}.jsonl"))
                out = Path(tmp) / f"out{r}_{k}.jsonl"
                seconds = tag(m, docs, out)
                clauses[m] = sum(1 for _ in out.open(encoding="utf-8"))
                times[m].append(seconds)
                print(f"round {r + 1}: {m}: {clauses[m]} clauses in {seconds:.1f} s "
                      f"({clauses[m] / seconds:.0f} clauses/s; start-up {startup[m][-1]:.1f} s)", flush=True)
    rate = {m: clauses[m] / statistics.median(times[m]) for m in models}
    steady = {m: clauses[m] / max(1e-9, statistics.median(times[m]) - statistics.median(startup[m])) for m in models}
    first = models[0]
    command = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    note = (f"{os.cpu_count()} cores, {args.docs} documents of {args.corpus.name} ({chars:,} characters), "
            f"{args.rounds} alternating rounds, median; load average {os.getloadavg()[0]:.1f} at the end")
    lines = ["# End-to-end tagging speed: student vs baseline vs ensemble", "", f"`{command}` — {note}.", "",
             f"| model | clauses | seconds (median) | clauses/s | ratio to {first} | start-up s (median) | "
             f"clauses/s after start-up | ratio to {first} |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {m} | {clauses[m]} | {statistics.median(times[m]):.1f} | {rate[m]:.0f} | {rate[m] / rate[first]:.3f} "
              f"| {statistics.median(startup[m]):.1f} | {steady[m]:.0f} | {steady[m] / steady[first]:.3f} |"
              for m in models]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(
        {"command": command, "note": note, "clauses_per_s": rate, "clauses_per_s_after_startup": steady,
         "seconds": times, "startup_seconds": startup, "clauses": clauses},
        indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
