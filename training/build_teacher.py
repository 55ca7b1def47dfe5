"""Build the distillation teacher (issue 23) and score it, with its members, on both held-out sets.

    python training/build_teacher.py [--out .cache/teachers/teacher] [--weights 0.5 0.5]

1. trains ``baseline-char`` of ``training/configs/teacher_heldout.yaml`` (seeds, 35 regulations, targeted
   clauses, every policy-document label in ``labels/policy``; never the 8 held-out regulations nor
   ``labels/policy_heldout``);
2. pairs it with the fine-tuned e5 of the packaged ensemble (``clausetag/resources/models/ensemble/
   transformer``: ONNX int8, trained without the same held-out documents) into a soft-voting ensemble
   saved to ``--out`` (git-ignored; the students' configs point at it);
3. scores the transformer, the baseline and the teacher on the 8 held-out regulations and on
   ``labels/policy_heldout`` (``training/results/teacher_heldout/{regulations,policy}/``).

A retrained baseline changes only the baseline member's cache file in ``.cache/distill`` (teacher
probabilities are cached per member).
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    from clausetag.classifiers import load_classifier
    from clausetag.classifiers.ensemble import EnsembleClassifier
    from clausetag.harness.evaluate import score_model
    from clausetag.harness.train import load_config, train

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", type=Path, default=Path("training/configs/teacher_heldout.yaml"))
    ap.add_argument("--transformer", type=Path, default=Path("clausetag/resources/models/ensemble/transformer"))
    ap.add_argument("--weights", type=float, nargs=2, default=[0.5, 0.5], metavar=("TRANSFORMER", "BASELINE"))
    ap.add_argument("--out", type=Path, default=Path(".cache/teachers/teacher"))
    ap.add_argument("--policy-heldout", type=Path, default=Path("labels/policy_heldout"))
    ap.add_argument("--results", type=Path, default=Path("training/results/teacher_heldout"))
    ap.add_argument("--no-score", action="store_true")
    ap.add_argument("--score-only", action="store_true", help="score the teacher already in --out")
    args = ap.parse_args()

    cfg = load_config(args.config)
    if args.score_only:
        teacher = load_classifier(args.out)
        members = list(teacher.members_)
        args.weights = list(teacher.weights)
    else:
        if args.out.exists():
            shutil.rmtree(args.out)
        tmp = args.out.with_name(args.out.name + "-baseline")
        train(cfg, output_dir=tmp, progress=False)
        members = [("transformer", load_classifier(args.transformer)), ("baseline", load_classifier(tmp))]
        teacher = EnsembleClassifier.from_members(members, args.weights)
        teacher.metrics_ = {"members": {"transformer": str(args.transformer), "baseline": str(args.config)}}
        teacher.save_pretrained(args.out)
        shutil.rmtree(tmp)
        print(f"teacher saved to {args.out}", flush=True)
    if args.no_score:
        return 0
    tests = {"regulations": list(cfg.test_data), "policy": [str(args.policy_heldout)]}
    for where, data in tests.items():
        for name, model in (("e5-ft (ONNX int8)", members[0][1]), ("baseline-char", members[1][1]),
                            (f"teacher (ens {args.weights[0]:g}/{args.weights[1]:g})", teacher)):
            rep = score_model(model, data, name=name)
            rep.settings.update(command="python training/build_teacher.py", data=data)
            rep.write(args.results / where / name.split(" ")[0])
            r = rep.results[name]
            print(f"{where}: {name}: accuracy {r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
