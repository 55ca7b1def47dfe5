"""The baseline's features: scikit-learn's TF-IDF transform vs the fast n-gram counter, same output.

    python benchmarks/bench_features.py [--docs 500] [--model default] [--runs 3] [--before REV]
                                        [--no-tag] [--no-profile] [--out benchmarks/results/features.md]

Input: the first ``--docs`` documents of the regulations corpus (``$CLAUSETAG_SHARED/corpus/
regulations.jsonl.xz``, default ``../shared``; without it, the seed texts repeated) plus the five seeds.

1. *Features*: every clause of the input (split once), sorted by length and cut into the chunks
   ``clausetag.tagging.pipeline._classify_records`` sends to the model (1,024 clauses); the char block of the
   model is transformed by scikit-learn (``vec.transform``) and by
   :class:`~clausetag.classifiers.fast_tfidf.CharNgramCounter`; then the whole ``predict_proba`` (features +
   logistic regression) both ways. Best of ``--runs``. Checked: same sparsity pattern, values within 1e-12,
   identical probabilities. For comparison, scikit-learn's ``HashingVectorizer`` with the same analyser
   (what a newly trained hashing model would pay: it still builds every n-gram string in Python).
2. *End to end*: ``python -m clausetag tag DIR -o OUT.jsonl --no-progress --jobs 1`` in a fresh process with
   the code of ``--before REV`` (a temporary git worktree; optional), then this checkout with
   ``CLAUSETAG_FAST_FEATURES=0`` (scikit-learn features) and ``=1`` (fast), on the seeds and on the corpus
   sample; outputs compared byte for byte (provenance time fixed with ``SOURCE_DATE_EPOCH``).
3. *Profile*: cProfile's top 10 functions by own time of the same ``clausetag tag`` run in process
   (``clausetag.cli.main``) on the sample, fast path.

Timings on a shared machine: the 1-minute load average is printed beside each row.
"""
from __future__ import annotations

import argparse
import cProfile
import filecmp
import io
import os
import platform
import pstats
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_scale import CORPUS, make_inputs  # noqa: E402

from clausetag.classifiers import fast_tfidf, load_classifier  # noqa: E402
from clausetag.classifiers.loading import model_path  # noqa: E402
from clausetag.tagging.pipeline import Tagger  # noqa: E402

CHUNK = 32 * 32  # _classify_records: batch_size 32 × _CHUNK_BATCHES


def load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def best_of(runs: int, fn: Any) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def clauses_of(folder: Path) -> list[str]:
    from clausetag.io.readers import read_document
    from clausetag.segment.splitter import split

    return [c.text for p in sorted(folder.glob("*.txt")) for c in split(read_document(p)) if not c.is_heading]


def bench_features(model: Any, texts: list[str], runs: int) -> list[str]:
    vec = model.pipeline_.steps[0][1].named_transformers_["char"]
    texts = sorted(texts, key=len)
    chunks = [texts[i:i + CHUNK] for i in range(0, len(texts), CHUNK)]
    t0 = time.perf_counter()
    counter = fast_tfidf.CharNgramCounter(vec)
    build = time.perf_counter() - t0
    rows = []
    l0 = load()
    t_sk, ref = best_of(runs, lambda: [vec.transform(c) for c in chunks])
    t_fast, got = best_of(runs, lambda: [counter.transform(c) for c in chunks])
    for a, b in zip(ref, got):
        a, b = a.tocsr(), b.tocsr()
        if not (np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
                and np.allclose(a.data, b.data, rtol=0, atol=1e-12)):
            raise SystemExit("the fast matrix differs from scikit-learn's")
    exact = all(np.array_equal(a.tocsr().data, b.tocsr().data) for a, b in zip(ref, got))
    cols = [list(model.classes_).index(c) for c in model.pipeline_.classes_]
    t_psk, p_ref = best_of(runs, lambda: [model.pipeline_.predict_proba(model._frame(c, None)) for c in chunks])
    t_pf, p_got = best_of(runs, lambda: [model.predict_proba(c)[:, cols] for c in chunks])
    same_proba = all(np.array_equal(a, b) for a, b in zip(p_ref, p_got))
    if not same_proba:
        raise SystemExit("probabilities differ")
    from sklearn.feature_extraction.text import HashingVectorizer

    hasher = HashingVectorizer(analyzer="char", ngram_range=vec.ngram_range, n_features=2 ** 20,
                               alternate_sign=False, norm=None)
    t_hash, _ = best_of(runs, lambda: [hasher.transform(c) for c in chunks])
    lavg = (l0 + load()) / 2
    n = len(texts)
    rows.append(f"Clauses: {n:,} body clauses in {len(chunks)} chunks of ≤ {CHUNK}; vocabulary "
                f"{len(vec.vocabulary_):,} n-grams (counter built in {build:.2f} s, once per process). "
                f"Matrices: same pattern, values {'bit-identical' if exact else 'within 1e-12'}; "
                f"probabilities identical.")
    rows.append("")
    rows.append("| step | scikit-learn s | fast s | scikit-learn clauses/s | fast clauses/s | speed-up | load avg |")
    rows.append("|---|---:|---:|---:|---:|---:|---:|")
    rows.append(f"| char TF-IDF transform | {t_sk:.2f} | {t_fast:.2f} | {n / t_sk:,.0f} | {n / t_fast:,.0f} | "
                f"{t_sk / t_fast:.1f}× | {lavg:.1f} |")
    rows.append(f"| for comparison: HashingVectorizer (same analyzer, 2²⁰ columns; counts only) | {t_hash:.2f} | "
                f"— | {n / t_hash:,.0f} | — | — | {lavg:.1f} |")
    rows.append(f"| predict_proba (features + LR) | {t_psk:.2f} | {t_pf:.2f} | {n / t_psk:,.0f} | {n / t_pf:,.0f} | "
                f"{t_psk / t_pf:.1f}× | {lavg:.1f} |")
    return rows


def tag_once(root: Path, folder: Path, out: Path, model: str, fast: bool) -> dict[str, float]:
    """``python -m clausetag tag`` with the code of checkout ``root``, timed wall-clock."""
    env = dict(os.environ, PYTHONPATH=str(root), SOURCE_DATE_EPOCH="1700000000", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false", **{fast_tfidf.ENV: "1" if fast else "0"})
    cmd = [sys.executable, "-m", "clausetag", "tag", str(folder), "-o", str(out), "--no-progress", "--jobs", "1",
           "--model", model]
    l0 = load()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} (in {root}) failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return {"seconds": seconds, "cpu": cpu, "load": (l0 + load()) / 2}


def bench_tag(inputs: list[tuple[str, Path]], tmp: Path, model: str, before: str | None) -> tuple[list[str], bool]:
    modes: list[tuple[str, Path, bool]] = []
    if before:
        tree = tmp / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), before], check=True)
        modes.append((f"`{before}` (before)", tree, True))
    modes += [("scikit-learn features (`CLAUSETAG_FAST_FEATURES=0`)", ROOT, False), ("fast features", ROOT, True)]
    rows = ["| input | code | documents | clauses | seconds | clauses/s | speed-up vs first row | CPU s | "
            "CPU speed-up vs first row | identical output | load avg |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    all_same = True
    try:
        for name, folder in inputs:
            docs = len(list(folder.glob("*.txt")))
            first: tuple[Path, float, float] | None = None
            for i, (label, root, fast) in enumerate(modes):
                out = tmp / f"{name}-{i}.jsonl"
                res = tag_once(root, folder, out, model, fast)
                n = sum(1 for _ in out.open("rb"))
                if first is None:
                    first = (out, res["seconds"], res["cpu"])
                same = filecmp.cmp(first[0], out, shallow=False)
                all_same &= same
                rows.append(f"| {name} | {label} | {docs} | {n:,} | {res['seconds']:.1f} | {n / res['seconds']:,.0f} | "
                            f"{first[1] / res['seconds']:.2f}× | {res['cpu']:.1f} | {first[2] / res['cpu']:.2f}× | "
                            f"{'yes' if same else 'NO'} | {res['load']:.1f} |")
                print(rows[-1], file=sys.stderr, flush=True)  # progress; the report goes to stdout
    finally:
        if before:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tmp / "before")], check=False)
    return rows, all_same


def profile(folder: Path, out: Path, model: str) -> list[str]:
    from clausetag.cli import main as cli

    _ = Tagger(model).classifier  # imports and the first model load happen before profiling
    argv = ["tag", str(folder), "-o", str(out), "--no-progress", "--jobs", "1", "--model", model]
    prof = cProfile.Profile()
    prof.enable()
    cli(argv)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    total = stats.total_tt  # type: ignore[attr-defined]
    entries = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:10]  # type: ignore[attr-defined]
    rows = [f"cProfile of `clausetag tag SAMPLE -o OUT.jsonl --jobs 1` run in process (`clausetag.cli.main`), fast "
            f"path, after a first model load ({total:.1f} s profiled; cProfile inflates call-heavy code):", "",
            "| own time s | share | calls | function |", "|---:|---:|---:|---|"]
    for (file, line, func), (_, ncalls, tottime, _, _) in entries:
        where = file.replace(str(ROOT) + os.sep, "").split("site-packages" + os.sep)[-1]
        rows.append(f"| {tottime:.2f} | {100 * tottime / total:.1f} % | {ncalls} | `{func}` ({where}:{line}) |")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=500, help="corpus documents in the sample (default 500)")
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--model", default="default")
    ap.add_argument("--runs", type=int, default=3, help="timed passes of the feature rows; the best counts")
    ap.add_argument("--no-tag", action="store_true", help="skip the end-to-end `clausetag tag` rows")
    ap.add_argument("--before", metavar="REV", help="also time `clausetag tag` with the code of git revision REV "
                    "(a temporary worktree), e.g. the commit before the fast features")
    ap.add_argument("--no-profile", action="store_true", help="skip the cProfile table")
    ap.add_argument("--out", help="write the Markdown report here as well")
    args = ap.parse_args(argv)

    model = load_classifier(model_path(args.model))
    command = "python " + " ".join(shlex.quote(a) for a in
                                   [os.path.relpath(__file__, ROOT), *(argv if argv is not None else sys.argv[1:])])
    report = ["# Baseline features: scikit-learn vs the fast n-gram counter", "",
              f"Command: `{command}`  ",
              f"Measured: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
              f"{os.cpu_count()} CPUs, Python {platform.python_version()}, model `{args.model}`; 1-minute load "
              f"average beside each row (a shared machine: compare rows of one run only).  "]
    ok = True
    with tempfile.TemporaryDirectory(prefix="clausetag-features-") as tmp_name:
        tmp = Path(tmp_name)
        sample = tmp / "sample"
        what = make_inputs(sample, args.docs, args.corpus)
        seeds = tmp / "seeds"
        seeds.mkdir()
        for p in sorted((ROOT / "labels" / "seed").glob("*.txt")):
            (seeds / p.name).write_bytes(p.read_bytes())
        report.append(f"Input: {what}, and the 5 seed texts.")
        report.append("")
        report.append("## Features (in process)")
        report.append("")
        report += bench_features(model, clauses_of(sample) + clauses_of(seeds), args.runs)
        print("\n".join(report[-5:]), file=sys.stderr, flush=True)
        if not args.no_tag:
            report += ["", "## `clausetag tag --jobs 1` end to end (fresh process each, wall-clock incl. start-up "
                       "and model loading; CPU s: user + system time of the command, steadier than wall-clock on a "
                       "loaded machine; outputs compared byte for byte with the first row's)", ""]
            rows, ok = bench_tag([("seeds", seeds), ("corpus sample", sample)], tmp, args.model, args.before)
            report += rows
        if not args.no_profile:
            report += ["", "## Where the time goes now", ""]
            report += profile(sample, tmp / "profiled.jsonl", args.model)
    text = "\n".join(report) + "\n"
    print()
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
