"""Before/after wall time of the splitter: ``bench_split.py`` run alternately on another checkout and this one.

Run:  mkdir /tmp/before && git archive REV | tar -x -C /tmp/before
      taskset -c 0 python benchmarks/bench_split_ab.py /tmp/before [--rounds 5] [--repeats 10]

Each run prints clausetag's and JioNLP's M chars/s from the *same* process, so their ratio is less
sensitive to the machine's speed drifting between runs than either number alone; alternating the two
checkouts spreads the drift over both. One line per run: UTC time, 1-minute load average, which
checkout, both speeds, ratio; then the median ratio of each checkout.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(tree: Path, repeats: int) -> tuple[float, float | None]:
    # this checkout's bench_split.py for both trees (--root): the same timing code before and after
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_split.py"), "--repeats", str(repeats),
                          "--root", str(tree)], cwd=tree, capture_output=True, text=True, check=True).stdout
    speeds = {}
    for line in out.splitlines():
        m = re.match(r"\| (clausetag|jionlp)\S* .*?\| [\d.]+ \| ([\d.]+) \|", line)
        if m:
            speeds[m.group(1)] = float(m.group(2))
    return speeds["clausetag"], speeds.get("jionlp")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path, help="checkout of the engine before (e.g. a git archive copy)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=10, help="passed to bench_split.py")
    args = ap.parse_args()
    if not (args.before / "clausetag" / "splitter.py").is_file():
        ap.error(f"{args.before}: no clausetag/segment/splitter.py there")
    ratios: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(args.rounds):
        for name, tree in (("before", args.before), ("after", ROOT)):
            ours, jio = _run(tree, args.repeats)
            stamp = time.strftime("%H:%M:%S", time.gmtime())
            load = os.getloadavg()[0]
            if jio is None:
                print(f"{stamp} UTC load {load:.2f} {name:6s} clausetag {ours:.2f} M chars/s (JioNLP not installed)")
                continue
            ratios[name].append(ours / jio)
            print(f"{stamp} UTC load {load:.2f} {name:6s} clausetag {ours:.2f} JioNLP {jio:.2f} M chars/s "
                  f"ratio {ours / jio:.3f}", flush=True)
    for name, values in ratios.items():
        if values:
            print(f"{name}: median ratio to JioNLP {statistics.median(values):.3f} over {len(values)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
