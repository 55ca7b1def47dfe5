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
from clausetag.harness.train import ConfigError, build_classifier, parse_config

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
    # the shipped ensemble is saved in the config form; cards written before it (params: weights only) load
    shipped = json.loads((ROOT / "clausetag/resources/models/ensemble/clausetag.json").read_text(encoding="utf-8"))
    assert shipped["params"] == {"members": ["transformer", "baseline"], "weights": [0.5, 0.5]}
    old = tmp_path / "old"
    shutil.copytree(out, old)
    card["params"] = {"weights": [0.25, 0.75]}
    (old / "clausetag.json").write_text(json.dumps(card), encoding="utf-8")
    loaded = load_classifier(old)
    assert [n for n, _ in loaded.members] == ["x", "y"] and loaded.weights == [0.25, 0.75]
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), again.predict_proba(TEXTS))


def test_harness_modules_have_no_type_branches() -> None:
    """evaluate.py and train.py build and evaluate every type the same way (no ``== "ensemble"``)."""
    files = [p for name in ("evaluate.py", "train.py") for p in ROOT.joinpath("clausetag").rglob(name)]
    assert len(files) >= 2
    for path in files:
        found = path.read_text(encoding="utf-8")
        for literal in ('"ensemble"', '"bert"', '"student"', '"baseline"', "ENSEMBLE"):
            assert f"== {literal}" not in found and f"!= {literal}" not in found, (path, literal)


# -- types registered through entry points -------------------------------------------------------------
HELPERS = ROOT / "tests" / "helpers"


def _records(docs: int = 3, per_doc: int = 12) -> list[dict]:
    pools = {"funding": "资金补贴奖励专项财政", "talent": "人才培养引进博士技能", "other": "联系电话抄送附件日期"}
    out = []
    for d in range(docs):
        for i in range(per_doc):
            label = list(pools)[(i + d) % 3]
            text = "".join(pools[label][(i * 7 + k * 3 + d) % 10] for k in range(6 + i % 5)) + "。"
            out.append({"doc_id": f"doc{d}", "index": i, "text": text, "start": 0, "end": len(text),
                        "heading_path": [], "label": label, "quantities": []})
    return out


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch):
    """``toy`` registered as a third-party package would register it (tests/helpers/toy_classifier.py)."""
    import sys

    monkeypatch.syspath_prepend(str(HELPERS))
    import toy_classifier

    toy_classifier.register(monkeypatch)
    yield toy_classifier
    sys.modules.pop("toy_classifier", None)


def test_pyproject_entry_points_are_the_builtin_table() -> None:
    tomllib = pytest.importorskip("tomllib")
    from clausetag.classifiers.registry import BUILTIN, GROUP

    table = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["entry-points"][GROUP]
    assert {k: tuple(v.split(":")) for k, v in table.items()} == BUILTIN


def test_builtin_types_need_no_distribution_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """A source tree run without installing: no entry points at all, every built-in type still loads."""
    import importlib.metadata

    from clausetag.classifiers import classifier_types
    from clausetag.classifiers.registry import BUILTIN

    monkeypatch.setattr(importlib.metadata, "entry_points", lambda **kw: importlib.metadata.EntryPoints([]))
    assert set(classifier_types()) == set(BUILTIN)
    for name in BUILTIN:
        assert classifier_class(name).type_name == name
    with pytest.raises(ValueError, match=r"unknown classifier type 'svm'; known: \['baseline', 'bert'"):
        classifier_class("svm")


def test_an_entry_point_adds_a_type_that_evaluate_train_and_load_use(toy, tmp_path: Path) -> None:
    import yaml

    from clausetag.classifiers import classifier_types
    from clausetag.cli import main

    assert classifier_class("toy") is toy.CentroidClassifier
    assert "toy" in classifier_types()
    with pytest.raises(ValueError, match=r"known: \[.*'toy'"):
        classifier_class("svm")
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _records()), encoding="utf-8")
    config = tmp_path / "toy.yaml"
    config.write_text(yaml.safe_dump({
        "name": "toy", "data": str(data), "seed": 3, "labels": ["funding", "talent", "other"],
        "models": [{"name": "centroid", "type": "toy", "params": {"temperature": 0.1}},
                   {"name": "base", "type": "baseline"},
                   {"name": "both", "type": "ensemble", "params": {"members": ["centroid", "base"]}}]}),
        encoding="utf-8")
    assert main(["evaluate", "--config", str(config), "-o", str(tmp_path / "ev"), "--no-progress"]) == 0
    results = json.loads((tmp_path / "ev" / "results.json").read_text(encoding="utf-8"))
    found = results.get("results", results)
    assert found["centroid"]["type"] == "toy" and found["centroid"]["params"] == {"temperature": 0.1}
    assert main(["train", "--config", str(config), "--model", "centroid", "-o", str(tmp_path / "m"),
                 "--no-progress"]) == 0
    card = json.loads((tmp_path / "m" / "clausetag.json").read_text(encoding="utf-8"))
    assert card["type"] == "toy" and card["params"]["temperature"] == 0.1 and card["params"]["seed"] == 3
    model = load_classifier(tmp_path / "m")
    assert isinstance(model, toy.CentroidClassifier)
    assert list(model.predict(["资金补贴奖励专项。", "人才培养引进博士。"])) == ["funding", "talent"]
    text = tmp_path / "doc.txt"
    text.write_text("一、总体要求\n设立专项资金，给予补贴奖励。\n加强人才培养，引进博士人才。\n", encoding="utf-8")
    assert main(["tag", str(text), "--model", str(tmp_path / "m"), "-o", str(tmp_path / "tagged"),
                 "--no-progress"]) == 0
    assert any((tmp_path / "tagged").iterdir())
    with pytest.raises(ConfigError, match=r"models\[0\].params.temperature"):
        parse_config({"models": [{"type": "toy", "params": {"temperature": -1}}]}, "t.yaml")


@pytest.mark.filterwarnings("ignore:ignoring entry point bert")
def test_bad_registrations_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    real = importlib.metadata.entry_points
    extra = [importlib.metadata.EntryPoint(name=n, value=v, group="clausetag.classifiers") for n, v in (
        ("notaclf", "json:JSONDecoder"), ("renamed", "clausetag.classifiers.baseline:BaselineClassifier"),
        ("missing", "no_such_package.mod:Thing"), ("bert", "json:JSONDecoder"))]

    def entry_points(**kw):
        found = real(**kw)
        return importlib.metadata.EntryPoints([*found, *extra]) if kw.get("group") == "clausetag.classifiers" \
            else found

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    with pytest.raises(TypeError, match="'notaclf'.*not a subclass of clausetag.classifiers.base.Classifier"):
        classifier_class("notaclf")
    with pytest.raises(ValueError, match="'renamed'.*type_name is 'baseline'"):
        classifier_class("renamed")
    with pytest.raises(ImportError, match="'missing'.*no_such_package"):
        classifier_class("missing")
    from clausetag.classifiers import classifier_types

    with pytest.warns(UserWarning, match="ignoring entry point bert = json:JSONDecoder.*built-in"):
        types = classifier_types()
    assert types["bert"] == ("clausetag.classifiers.bert", "BertClassifier")


# -- transformer types take a typed training_args ------------------------------------------------------
def test_bert_and_student_do_not_repeat_training_arguments_or_each_other() -> None:
    import inspect

    from clausetag.classifiers.bert import BertClassifier
    from clausetag.classifiers.student import StudentClassifier
    from clausetag.classifiers.trainer import TrainingArguments

    fields = TrainingArguments.field_names()
    assert not set(BertClassifier.param_names()) & fields
    assert not set(StudentClassifier.param_names()) & fields
    assert set(StudentClassifier.param_names()) > set(BertClassifier.param_names())
    own = set(inspect.signature(StudentClassifier.__init__).parameters) - {"self", "bert_params"}
    # the student's constructor names only its own parameters and the defaults it changes
    assert own & set(BertClassifier.param_names()) == {"base_model", "labels", "keep_layers", "max_length"}
    student = StudentClassifier("x", training_args={"lr": 3e-4, "head_lr": 3e-3})
    args = student.training_arguments()
    assert (args.lr, args.head_lr, args.epochs, args.batch_size) == (3e-4, 3e-3, 2, 32)  # over the student's defaults
    given = TrainingArguments(epochs=5)
    assert BertClassifier("x", training_args=given).training_arguments() is given  # taken as it is


def test_config_training_args_nested_and_flat(recwarn: pytest.WarningsRecorder) -> None:
    nested = {"base_model": "x", "max_length": 64, "device": "cpu",
              "training_args": {"epochs": 2, "lr": 1e-3, "log_file": "log.jsonl"}}
    cfg = parse_config({"models": [{"name": "m", "type": "bert", "params": nested}]}, "n.yaml", check_files=False)
    assert cfg.models[0].params == nested
    assert not [w for w in recwarn if issubclass(w.category, FutureWarning)]
    flat = {"base_model": "x", "max_length": 64, "device": "cpu", "epochs": 2, "lr": 1e-3, "log_file": "log.jsonl"}
    with pytest.warns(FutureWarning, match=r"f.yaml: models\[0\].*\['epochs', 'lr', 'log_file'\].*training_args"):
        old = parse_config({"models": [{"name": "m", "type": "bert", "params": flat}]}, "f.yaml", check_files=False)
    assert old.models[0].params == nested  # moved into training_args
    model = build_classifier(old.models[0], LABELS, 7)
    args = model.training_arguments()
    assert (args.epochs, args.lr, args.log_file, model.seed, model.device) == (2, 1e-3, "log.jsonl", 7, "cpu")
    with pytest.warns(FutureWarning, match="temperature"):
        student = parse_config({"models": [{"type": "student", "params": {"base_model": "x", "temperature": 3.0}}]},
                               "s.yaml", check_files=False)
    assert student.models[0].params["training_args"] == {"temperature": 3.0}


@pytest.mark.parametrize("params,key,match", [
    ({"training_args": {"epoch": 2}}, "params.training_args.epoch", "unknown training argument"),
    ({"training_args": {"seed": 2}}, "params.training_args.seed", "top level"),
    ({"training_args": {"device": "cpu"}}, "params.training_args.device", "params.device"),
    ({"training_args": {"lr": -1}}, "params.training_args", "lr must be > 0"),
    ({"training_args": [1, 2]}, "params.training_args", "mapping"),
    ({"lr": 1e-3, "training_args": {"lr": 2e-3}}, "params.lr", "both flat and under training_args"),
])
def test_training_args_errors_name_the_key(params: dict, key: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as info:
        parse_config({"models": [{"type": "bert", "params": {"base_model": "x", **params}}]}, "b.yaml",
                     check_files=False)
    assert info.value.key == f"models[0].{key}"


def test_old_flat_cards_load_with_nested_training_args() -> None:
    from clausetag.classifiers.student import StudentClassifier

    card = {"type": "student", "labels": LABELS, "params": {
        "base_model": "x", "keep_layers": 4, "epochs": 1, "lr": 2e-4, "temperature": 2.0, "head_lr": 3e-3,
        "device": "cpu", "seed": 13, "teacher": "t", "distill_clauses": 10}}
    params = StudentClassifier._params_from_card(card, "old")
    assert params["training_args"] == {"epochs": 1, "lr": 2e-4, "temperature": 2.0, "head_lr": 3e-3}
    assert params["seed"] == 13 and params["teacher"] == "t" and params["labels"] == LABELS
