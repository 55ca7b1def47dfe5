"""Classifier throughput per backend, and end-to-end tagging throughput of the packaged models.

    python benchmarks/bench_models.py --transformer DIR [--onnx-fp32 DIR] [--onnx-int8 DIR] \
        [--clauses 2000] [--out benchmarks/results/models.md]

Classifier rows time ``predict_proba`` on real body clauses (seed + regulation texts with their heading
paths, the order shuffled with a fixed seed) in one process with all cores: the baseline (TF-IDF + LR),
the fine-tuned transformer in torch fp32 (``--transformer``), the same model exported to ONNX fp32 and
int8 (``clausetag export-onnx``), and each packaged model (``default``, ``baseline``). End-to-end rows
run ``Tagger.__call__`` (split → quantities → classify) on the seed documents repeated, and count every
clause (headings are labelled by the splitter). Best of ``--runs``; the load average is recorded,
since other work on the machine slows every row.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def body_clauses(n: int) -> tuple[list[str], list[str]]:
    from clausetag.classifiers.base import join_context
    from clausetag.harness.data import read_labeled

    records = [r for d in ("labels/seed", "labels/extra") for r in read_labeled(ROOT / d) if not r.get("is_heading")]
    random.Random(0).shuffle(records)
    records = (records * (n // max(1, len(records)) + 1))[:n]
    return [r["text"] for r in records], [join_context(r.get("heading_path")) for r in records]


def best_of(runs: int, fn: Any) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--transformer", type=Path, help="fine-tuned transformer (bert) model directory")
    ap.add_argument("--onnx-fp32", type=Path)
    ap.add_argument("--onnx-int8", type=Path)
    ap.add_argument("--models", nargs="*", default=["default", "baseline"], help="packaged models (end to end)")
    ap.add_argument("--clauses", type=int, default=2000)
    ap.add_argument("--doc-repeat", type=int, default=4, help="seed documents repeated for end-to-end rows")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/models.md")
    args = ap.parse_args()

    from clausetag.classifiers import load_classifier
    from clausetag.tagging.pipeline import Tagger

    texts, contexts = body_clauses(args.clauses)
    rows: dict[str, float] = {}
    backends: list[tuple[str, Any]] = []
    if args.transformer:
        backends.append(("transformer, torch fp32", lambda: load_classifier(args.transformer, device="cpu")))
    if args.onnx_fp32:
        backends.append(("transformer, onnxruntime fp32", lambda: load_classifier(args.onnx_fp32)))
    if args.onnx_int8:
        backends.append(("transformer, onnxruntime int8", lambda: load_classifier(args.onnx_int8)))
    for name in args.models:
        backends.append((f"packaged `{name}` (classifier only)", lambda name=name: Tagger(name).classifier))
    for label, make in backends:
        model = make()
        model.predict_proba(texts[:64], contexts[:64])  # warm-up
        seconds = best_of(args.runs, lambda m=model: m.predict_proba(texts, contexts))
        rows[label] = len(texts) / seconds
        print(f"{label}: {rows[label]:.0f} clauses/s", flush=True)

    seeds = sorted((ROOT / "labels/seed").glob("*.txt"))
    docs = [p.read_text(encoding="utf-8") for p in seeds] * args.doc_repeat
    for name in args.models:
        tagger = Tagger(name)
        tagger(docs[0], doc_id="warm")
        n_clauses = 0

        def run(t: Any = tagger) -> None:
            nonlocal n_clauses
            n_clauses = sum(len(t(d, doc_id=f"d{i}").records) for i, d in enumerate(docs))

        seconds = best_of(args.runs, run)
        rows[f"packaged `{name}`, end to end (split, quantities, classify)"] = n_clauses / seconds
        print(f"{name} end to end: {n_clauses / seconds:.0f} clauses/s ({n_clauses} clauses)", flush=True)

    load = os.getloadavg()[0]
    command = "python " + " ".join([str(Path(sys.argv[0]).as_posix())] + sys.argv[1:])
    note = f"{os.cpu_count()} cores, load average {load:.1f} at the end, best of {args.runs}, {len(texts)} body clauses"
    lines = ["# Classifier and tagging throughput", "", f"`{command}` — {note}.", "",
             "| model / backend | clauses/s |", "|---|---:|"]
    lines += [f"| {k} | {v:.0f} |" for k, v in rows.items()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps({"command": command, "note": note, "clauses_per_s": rows},
                                                        indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
