"""Every benchmark in one command: split, extract, tag (each model), 1 and N workers, local and Ray.

    python benchmarks/run_all.py [--quick] [--split-mb 5] [--quant-mb 2] [--tag-repeat 100]
                                 [--scale-docs 1000] [--jobs 1,2] [--no-ray] [--bert-preset small]

Runs the existing scripts, each in its own process, with the sizes given here, and collects the Markdown
tables they print into ``benchmarks/results/all.md`` (also printed):

* ``bench_split.py`` — clausetag's splitter beside JioNLP's ``split_sentence``;
* ``bench_quantities.py`` — quantity extraction beside JioNLP's money extractor and cn2an;
* ``bench_tagging.py`` — the whole chain per model (stub, baseline, the shipped default, BERT fp32/int8);
* ``bench_features.py`` — the shipped baseline's TF-IDF features, scikit-learn vs the fast counter, and
  ``clausetag tag`` with each (outputs compared byte for byte);
* ``bench_scale.py`` — ``clausetag tag`` with 1 and N workers, local and Ray, outputs compared byte for byte.

JioNLP rows appear when it is installed (``pip install '.[compare]'``); Ray rows when Ray Data is
(``'.[ray]'``). ``--quick`` shrinks every size (about a minute); the defaults take a few minutes on two
cores. Timings depend on the machine's load: the scale table prints the load average beside each row.
"""
from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def run(script: str, *args: str) -> tuple[str, str, float]:
    """Run one benchmark script; returns (command, its stdout, seconds)."""
    cmd = [sys.executable, str(BENCH / script), *args]
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"),
               MKL_NUM_THREADS=os.environ.get("MKL_NUM_THREADS", "1"), TOKENIZERS_PARALLELISM="false")
    shown = "python " + " ".join(shlex.quote(x) for x in [f"benchmarks/{script}", *args])
    print(f"$ {shown}", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        return shown, f"(failed with status {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]})", dt
    return shown, proc.stdout, dt


def tables(stdout: str) -> str:
    """The Markdown tables of a script's output, with the one-line notes just above each."""
    out: list[str] = []
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|"):
            if i == 0 or not lines[i - 1].startswith("|"):  # a new table
                note = lines[i - 1] if i > 0 and lines[i - 1].strip() and not lines[i - 1].startswith("|") else ""
                if out:
                    out.append("")
                if note:
                    out += [note, ""]
            out.append(line)
    return "\n".join(out) if out else stdout.strip()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes everywhere (about a minute)")
    ap.add_argument("--split-mb", type=float, default=5.0)
    ap.add_argument("--quant-mb", type=float, default=2.0)
    ap.add_argument("--tag-repeat", type=int, default=100, help="copies of the 5 seeds for the model rows")
    ap.add_argument("--bert-preset", default="small", help="untrained BERT size for speed rows ('' to skip)")
    ap.add_argument("--scale-docs", type=int, default=1000, help="corpus documents for the workers table")
    ap.add_argument("--jobs", default=f"1,{max(2, len(os.sched_getaffinity(0)))}")
    ap.add_argument("--no-ray", action="store_true", help="leave out the Ray rows")
    ap.add_argument("--out", default=str(BENCH / "results" / "all.md"))
    args = ap.parse_args(argv)
    if args.quick:
        args.split_mb, args.quant_mb, args.tag_repeat, args.scale_docs = 1.0, 0.5, 20, 200

    try:
        import ray.data  # noqa: F401

        have_ray = not args.no_ray
    except ImportError:
        have_ray = False
    sections = [
        ("Splitting", "bench_split.py", ["--target-mb", str(args.split_mb), "--repeats", "1"]),
        ("Quantity extraction", "bench_quantities.py", ["--mb", str(args.quant_mb), "--peer-lines", "1000"]),
        ("Tagging, per model (one process)", "bench_tagging.py",
         ["--repeat", str(args.tag_repeat), "--runs", "1"]
         + (["--bert-preset", args.bert_preset, "--bert-repeat", "2"] if args.bert_preset else [])),
        ("Baseline features: scikit-learn's transform vs the fast n-gram counter", "bench_features.py",
         ["--docs", str(min(args.scale_docs, 500)), "--runs", "1", "--no-profile"]),
        ("Tagging, workers and engines (`clausetag tag`)", "bench_scale.py",
         ["--docs", str(args.scale_docs), "--jobs", args.jobs] + (["--ray"] if have_ray else [])),
    ]
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    doc = [
        "# All benchmarks",
        "",
        f"`python benchmarks/run_all.py {' '.join(argv if argv is not None else sys.argv[1:])}`".replace(" `", "`"),
        f"— {started}, {platform.machine()}, {len(os.sched_getaffinity(0))} usable CPUs, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the start.",
        "",
    ]
    for title, script, script_args in sections:
        shown, stdout, dt = run(script, *script_args)
        doc += [f"## {title}", "", f"`{shown}` ({dt:.0f} s)", "", tables(stdout), ""]
    text = "\n".join(doc)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
