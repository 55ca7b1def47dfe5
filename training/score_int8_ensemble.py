"""Score the shipped ensemble's members as they run (ONNX int8 transformer + baseline) on the 8 held-out
regulations, with a baseline trained WITHOUT them (the packaged baseline has seen them):

    clausetag evaluate --config training/configs/e5_finetune_heldout.yaml   # saves models/ in its output
    python training/score_int8_ensemble.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clausetag.classifiers import load_classifier  # noqa: E402
from clausetag.classifiers.ensemble import EnsembleClassifier  # noqa: E402
from clausetag.harness.evaluate import score_model  # noqa: E402

RUN = ROOT / "training/results/e5_finetune_heldout"
cfg = yaml.safe_load((ROOT / "training/configs/e5_finetune_heldout.yaml").read_text(encoding="utf-8"))
transformer = load_classifier(ROOT / "clausetag/resources/models/ensemble/transformer")
baseline = load_classifier(RUN / "models/baseline-char")
ens = EnsembleClassifier.from_members([("transformer", transformer), ("baseline", baseline)], [0.5, 0.5])
DESCRIPTION = ("ONNX int8 transformer (models ensemble/transformer, one clause per call) + baseline-char trained "
               "without the 8 held-out documents, weights 0.5/0.5")
for name, model, out in (("e5-ft (ONNX int8)", transformer, None),
                         ("ens-0.5 (ONNX int8 + baseline)", ens, RUN / "int8")):
    rep = score_model(model, [str(ROOT / p) for p in cfg["test_data"]], name=name)
    rep.settings.update(model=DESCRIPTION, data=cfg["test_data"], command="python training/score_int8_ensemble.py")
    if out is not None:
        rep.name = "the shipped ensemble's members, " + DESCRIPTION + " (python training/score_int8_ensemble.py)"
        rep.write(out)
    r = rep.results[name]
    print(f"{name}: accuracy {r['accuracy']:.3f}, macro-F1 {r['macro_f1']:.3f}")
