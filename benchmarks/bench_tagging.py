"""Tagging throughput: documents/s and clauses/s of ``Tagger.pipe`` on the seed texts repeated N×.

    python benchmarks/bench_tagging.py [--repeat 200] [--bert DIR | --bert-preset small]
                                       [--bert-repeat 4] [--device cpu] [--out benchmarks/results/tagging.md]

Rows (each runs the whole chain: read file → split → quantities → classify, batched across documents):

* ``no model`` – a constant stub classifier: the cost of reading, splitting and quantity extraction;
* ``baseline`` – TF-IDF + logistic regression, trained on the labelled seed set if present, else on a
  few synthetic clauses (speed barely depends on which);
* ``default`` – the packaged default model (``$CLAUSETAG_MODEL``), when one is there, and the same model
  with scikit-learn's own TF-IDF transform instead of the fast n-gram counter (``CLAUSETAG_FAST_FEATURES=0``);
* ``bert fp32`` / ``bert int8`` – a BERT classifier (``--bert DIR``), or, with ``--bert-preset``, an
  *untrained* one of that size built offline (only its speed means anything), on ``--bert-repeat``
  copies; ``--device cuda`` also adds a GPU fp32 row.
"""
from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clausetag.classifiers.loading import default_model_path  # noqa: E402
from clausetag.tagging.pipeline import Tagger  # noqa: E402

SEEDS = ROOT / "labels" / "seed"

SYNTHETIC = [
    ("设立专项资金，给予奖补和补助。", "funding"), ("对企业给予最高100万元奖励。", "funding"),
    ("引进高层次人才，开展技能培训。", "talent"), ("加强人才培养和产教融合。", "talent"),
    ("到2027年，产业规模突破1000亿元。", "planning"), ("明确发展目标和空间布局。", "planning"),
    ("成立领导小组，强化考核评估。", "organization"), ("加强宣传引导，营造良好氛围。", "organization"),
    ("关于印发行动方案的通知", "other"), ("联系电话：12345678", "other"),
]


class ConstantClassifier:
    """Labels everything ``other``: isolates the cost of everything but the model."""

    classes_ = np.array(["other"], dtype=object)

    def predict_proba(self, texts: list[str], contexts: list[str] | None = None) -> np.ndarray:
        return np.ones((len(texts), 1))


def make_corpus(folder: Path, repeat: int) -> list[Path]:
    seeds = sorted(SEEDS.glob("*.txt"))
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(repeat):
        for s in seeds:
            p = folder / f"{i:05d}_{s.name}"
            shutil.copyfile(s, p)
            out.append(p)
    return out


def train_baseline(path: Path) -> tuple[Path, str]:
    from clausetag.classifiers.baseline import BaselineClassifier

    source = "synthetic (10 clauses)"
    texts, labels, contexts = [list(x) for x in zip(*SYNTHETIC)] + [None]
    if any(SEEDS.glob("*.jsonl")):
        try:
            from clausetag.classifiers.base import join_context
            from clausetag.harness.data import read_labeled

            rows = read_labeled(SEEDS)
            texts = [r["text"] for r in rows]
            labels = [r["label"] for r in rows]
            contexts = [join_context(r.get("heading_path")) for r in rows]
            source = f"labelled seed set ({len(rows)} clauses)"
        except Exception as exc:  # fall back to the synthetic set, but say so
            source = f"synthetic (labelled seeds unreadable: {exc})"
    BaselineClassifier().fit(texts, labels, contexts).save_pretrained(path)
    return path, source


def make_bert(path: Path, preset: str) -> Path:
    """An untrained BERT classifier of a preset size (random weights; for timing only)."""
    from clausetag.classifiers.bert import BertClassifier
    from clausetag.pretrained.mlm import build_base_model

    base = path.parent / f"{path.name}-base"
    model, tokenizer = build_base_model(base, preset)
    model.save_pretrained(str(base))
    tokenizer.save_pretrained(str(base))
    texts, labels = zip(*SYNTHETIC)
    clf = BertClassifier(str(base), training_args={"max_steps": 1, "batch_size": 4}, device="cpu", progress=False)
    clf.fit(list(texts), list(labels))
    clf.save_pretrained(path)
    return path


def run(name: str, model: Any, files: list[Path], runs: int = 3, **kwargs: Any) -> dict[str, Any]:
    """Best of ``runs`` timed passes (after a one-document warm-up) of ``Tagger.pipe``."""
    t0 = time.perf_counter()
    tagger = Tagger(model, **kwargs)
    _ = tagger.classifier  # the model is loaded on first use: time that here
    load_s = time.perf_counter() - t0
    # warm-up on one document (lazy imports, rule compilation, first-batch allocation)
    list(tagger.pipe(files[:1]))
    times = []
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        docs = clauses = failed = 0
        for res in tagger.pipe(files):
            if res.ok:
                docs += 1
                clauses += len(res.records)
            else:
                failed += 1
        times.append(time.perf_counter() - t0)
    elapsed = min(times)
    row = {"model": name, "docs": docs, "clauses": clauses, "failed": failed, "seconds": elapsed,
           "docs/s": docs / elapsed, "clauses/s": clauses / elapsed, "load s": load_s}
    print(f"{name:28s} {docs:6d} docs {clauses:8d} clauses {elapsed:8.2f} s "
          f"{row['docs/s']:9.1f} docs/s {row['clauses/s']:10.1f} clauses/s", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=200, help="copies of the 5 seeds (default 200 → 1000 docs)")
    ap.add_argument("--bert", help="a trained BERT model directory")
    ap.add_argument("--bert-preset", choices=["tiny", "small", "base"],
                    help="build an untrained BERT of this size for timing (when --bert is not given)")
    ap.add_argument("--bert-repeat", type=int, default=4, help="copies of the seeds for BERT rows (default 4)")
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="also time BERT on cuda")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--runs", type=int, default=3, help="timed passes per row; the best is reported (default 3)")
    ap.add_argument("--out", help="write the results table (Markdown) here")
    args = ap.parse_args(argv)

    import torch

    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        files = make_corpus(tmp_path / "docs", args.repeat)
        rows.append(run("no model (constant stub)", ConstantClassifier(), files, args.runs))
        baseline, source = train_baseline(tmp_path / "baseline")
        notes.append(f"baseline trained on: {source}")
        rows.append(run("baseline (tf-idf + LR)", baseline, files, args.runs, batch_size=args.batch_size))
        if (default_model_path() / "clausetag.json").is_file():
            rows.append(run("default", "default", files, args.runs, batch_size=args.batch_size))
            # the same model with scikit-learn's own TF-IDF transform, for comparison in the same run
            from clausetag.classifiers.fast_tfidf import ENV

            saved = os.environ.get(ENV)
            os.environ[ENV] = "0"
            try:
                rows.append(run(f"default, scikit-learn features ({ENV}=0)", "default", files, args.runs,
                                batch_size=args.batch_size))
            finally:
                if saved is None:
                    os.environ.pop(ENV, None)
                else:
                    os.environ[ENV] = saved
        else:
            where = default_model_path()
            shown = where.relative_to(ROOT) if where.is_relative_to(ROOT) else where
            notes.append(f"default model: none at `{shown}`, row skipped")
        bert = args.bert
        if bert is None and args.bert_preset:
            bert = str(make_bert(tmp_path / "bert", args.bert_preset))
            notes.append(f"BERT: untrained `{args.bert_preset}` preset built offline (random weights; speed only)")
        if bert:
            few = files[: 5 * args.bert_repeat]
            rows.append(run("bert fp32 (cpu)", bert, few, args.runs, batch_size=args.batch_size))
            rows.append(run("bert int8 (cpu)", bert, few, args.runs, batch_size=args.batch_size, quantize=True))
            if args.device == "cuda":
                rows.append(run("bert fp32 (cuda)", bert, few, args.runs, batch_size=args.batch_size, device="cuda"))

    header = ["model", "docs", "clauses", "seconds", "docs/s", "clauses/s", "load s"]
    table = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        table.append(f"| {r['model']} | {r['docs']} | {r['clauses']} | {r['seconds']:.2f} | {r['docs/s']:.1f} | "
                     f"{r['clauses/s']:.0f} | {r['load s']:.2f} |")
    cpu = f"{os.cpu_count()} CPU cores, torch {torch.__version__} ({torch.get_num_threads()} threads)"
    if args.device == "cuda" and torch.cuda.is_available():
        cpu += f", GPU {torch.cuda.get_device_name(0)}"
    command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, ROOT), *(argv or sys.argv[1:])])
    report = "\n".join([
        "# Tagging throughput",
        "",
        f"Command: `{command}`  ",
        f"Measured: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {cpu}, "
        f"Python {platform.python_version()}; 1-minute load average {load_before:.1f} before the run "
        "(other processes share the machine, so treat differences under ~30 % as noise).  ",
        "Input: the 5 seed texts copied N× into a temporary folder; each row runs `Tagger.pipe` "
        "(read → split → quantities → classify, clauses batched across documents) after a one-document "
        "warm-up; best of `--runs` passes; `load s` is model loading time.",
        "",
        *table,
        "",
        *[f"- {n}" for n in notes],
        "",
    ])
    print()
    print(report)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
