"""The classifiers' surface as the harness sees it: a type's constructor takes its config keys (one
``cls(**params)`` path, no per-type branches), transformer types take a typed ``training_args``, and
types are found through the ``clausetag.classifiers`` entry points."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from clausetag.classifiers import classifier_class, load_classifier
from clausetag.classifiers.ensemble import EnsembleClassifier
from clausetag.train import build_classifier, parse_config

ROOT = Path(__file__).resolve().parents[1]
LABELS = ["funding", "talent", "other"]
TEXTS = ["设立专项资金给予补贴。", "引进博士人才。", "联系电话：12345。", "财政资金奖励企业。", "加强人才培养。", "抄送各部门。"]
YS = ["funding", "talent", "other", "funding", "talent", "other"]


# -- the ensemble's parameters are its config keys ----------------------------------------------------
def test_ensemble_constructor_takes_exactly_its_config_keys() -> None:
    cls = classifier_class("ensemble")
    assert set(cls.param_names()) - cls.harness_params == {"members", "weights"}
    cfg = parse_config({"models": [{"name": "a", "type": "baseline"},
                                   {"name": "b", "type": "baseline", "params": {"char_ngrams": [1, 2]}},
                                   {"name": "ens", "type": "ensemble",
                                    "params": {"members": ["a", "b"], "weights": [0.7, 0.3]}}]}, "e.yaml")
    spec = cfg.model("ens")
    assert spec.params == {"members": ["a", "b"], "weights": [0.7, 0.3]}
    model = build_classifier(spec, LABELS, 5, specs=cfg.models)
    assert isinstance(model, EnsembleClassifier)
    assert [name for name, _ in model.members] == ["a", "b"]
    assert tuple(model.members[1][1].get_params()["char_ngrams"]) == (1, 2) and model.members[0][1].seed == 5
    assert model.weights == [0.7, 0.3] and model.labels == LABELS
    model.fit(TEXTS, YS)
    proba = model.predict_proba(TEXTS)
    parts = [est.predict_proba(TEXTS) for _, est in model.members_]
    np.testing.assert_allclose(proba, 0.7 * parts[0] + 0.3 * parts[1])
    np.testing.assert_allclose(cls.combine_held_out(spec.params, parts), proba)


def test_ensemble_card_keeps_the_config_form_and_old_cards_load(tmp_path: Path) -> None:
    from clausetag.classifiers.baseline import BaselineClassifier

    members = [(n, BaselineClassifier(LABELS, char_ngrams=(1, k)).fit(TEXTS, YS)) for n, k in (("x", 2), ("y", 3))]
    out = EnsembleClassifier.from_members(members, [0.25, 0.75]).save_pretrained(tmp_path / "ens")
    card = json.loads((out / "clausetag.json").read_text(encoding="utf-8"))
    assert card["params"] == {"members": ["x", "y"], "weights": [0.25, 0.75]}
    assert [m["dir"] for m in card["members"]] == ["x", "y"]
    again = load_classifier(out)
    np.testing.assert_allclose(again.predict_proba(TEXTS), EnsembleClassifier.from_members(members, [0.25, 0.75])
                               .predict_proba(TEXTS))
    # the shipped ensemble's card predates the config form (params: weights only): it loads unchanged
    shipped = json.loads((ROOT / "clausetag/resources/models/ensemble/clausetag.json").read_text(encoding="utf-8"))
    assert set(shipped["params"]) == {"weights"}
    old = tmp_path / "old"
    shutil.copytree(out, old)
    card["params"] = {"weights": [0.25, 0.75]}
    (old / "clausetag.json").write_text(json.dumps(card), encoding="utf-8")
    loaded = load_classifier(old)
    assert [n for n, _ in loaded.members] == ["x", "y"] and loaded.weights == [0.25, 0.75]
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), again.predict_proba(TEXTS))


def test_harness_modules_have_no_type_branches() -> None:
    """evaluate.py and train.py build and evaluate every type the same way (no ``== "ensemble"``)."""
    for name in ("evaluate.py", "train.py"):
        found = next(ROOT.joinpath("clausetag").rglob(name)).read_text(encoding="utf-8")
        for literal in ('"ensemble"', '"bert"', '"student"', '"baseline"', "ENSEMBLE"):
            assert f"== {literal}" not in found and f"!= {literal}" not in found, (name, literal)
