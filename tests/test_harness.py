"""Training/evaluation harness: configs, LODO folds, results tables, CLI wiring (synthetic data)."""
from __future__ import annotations

import json
import os
import random
import re
import sys
import types
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach a model hub

from clausetag.harness.evaluate import Report, evaluate, lodo_splits
from clausetag.harness.train import ConfigError, load_config, parse_config, train

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "training" / "configs" / "tiny_test.yaml"
SEED_LODO = ROOT / "training" / "configs" / "seed_lodo.yaml"
POOLS = {
    "funding": "资金补贴奖励专项财政",
    "talent": "人才培养引进博士技能",
    "heading": "一二三四总体要求重点任务",
    "other": "联系电话抄送附件日期",
}


def synth_records(docs: int = 3, per_doc: int = 16, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    labels = list(POOLS)
    out = []
    for d in range(docs):
        pos = 0
        for i in range(per_doc):
            label = labels[(i + d) % len(labels)]
            text = "".join(rng.choice(POOLS[label]) for _ in range(rng.randint(6, 12))) + "。"
            out.append({"doc_id": f"doc{d}", "index": i, "text": text, "start": pos, "end": pos + len(text),
                        "heading_path": ["一、总体要求"] if i else [], "label": label, "quantities": []})
            pos += len(text)
    return out


# -- folds ------------------------------------------------------------------------------------
def test_lodo_never_leaks_a_document_into_its_training_fold():
    doc_ids = ["a", "b", "a", "c", "b", "c", "c", "a"]
    folds = list(lodo_splits(doc_ids))
    assert [f[0] for f in folds] == ["a", "b", "c"]
    tested = []
    for doc, train_idx, test_idx in folds:
        assert all(doc_ids[i] == doc for i in test_idx)
        assert all(doc_ids[i] != doc for i in train_idx)
        assert sorted(train_idx + test_idx) == list(range(len(doc_ids)))
        tested += test_idx
    assert sorted(tested) == list(range(len(doc_ids)))  # every record is tested exactly once
    with pytest.raises(ValueError, match="at least 2 documents"):
        list(lodo_splits(["a", "a"]))


# -- configs ----------------------------------------------------------------------------------
def test_shipped_configs_parse():
    tiny = load_config(TINY, check_files=False)
    assert [m.name for m in tiny.models] == ["baseline-char", "baseline-word-ctx", "bert-tiny"]
    assert tiny.lodo and tiny.seed == 7
    seed = load_config(SEED_LODO, check_files=False)  # its base models are built, not shipped
    assert {m.type for m in seed.models} == {"baseline"}
    for name in ("e5_finetune_heldout", "extra_heldout_seed_plus_extra", "seed_lodo_plus_extra", "default_model"):
        assert load_config(ROOT / "training" / "configs" / f"{name}.yaml", check_files=False).models
    assert seed.data == ["labels/seed"]


@pytest.mark.parametrize(
    "text, key",
    [
        ("models: []\n", "models"),
        ("models:\n  - type: svm\n", "models[0].type"),
        ("models:\n  - type: baseline\n    params: [1]\n", "models[0].params"),
        ("models:\n  - type: baseline\n    colour: red\n", "models[0].colour"),
        ("models:\n  - type: bert\n    params: {}\n", "models[0].params.base_model"),
        ("models:\n  - {name: a, type: baseline}\n  - {name: a, type: baseline}\n", "models[1].name"),
        ("seed: abc\nmodels:\n  - type: baseline\n", "seed"),
        ("lodo: maybe\nmodels:\n  - type: baseline\n", "lodo"),
        ("lodo: false\ndata: x\nmodels:\n  - type: baseline\n", "test_data"),
        ("epochs: 3\nmodels:\n  - type: baseline\n", "epochs"),
        ("models: [\n", "<yaml>"),
    ],
)
def test_config_errors_name_file_and_key(tmp_path, text, key):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key
    assert str(path) in str(info.value) and f"'{key}'" in str(info.value)


def test_bad_model_params_and_missing_base_model_name_the_key(tmp_path):
    # the whole config is validated by the registry classes before any work starts
    with pytest.raises(ConfigError, match=r"x.yaml: key 'models\[0\].params.colour'.*unknown parameter"):
        parse_config({"models": [{"name": "b", "type": "baseline", "params": {"colour": 1}}]}, "x.yaml")
    with pytest.raises(ConfigError, match=r"y.yaml: key 'models\[1\].params.base_model'.*not found"):
        parse_config({"models": [{"name": "b", "type": "baseline"},
                                 {"name": "m", "type": "bert",
                                  "params": {"base_model": str(tmp_path / "no-such-base")}}]}, "y.yaml")
    cfg = parse_config({"models": [{"name": "m", "type": "bert",
                                    "params": {"base_model": str(tmp_path / "no-such-base")}}]}, "y.yaml",
                       check_files=False)
    assert cfg.models[0].params["base_model"].endswith("no-such-base")
    with pytest.raises(ConfigError, match=r"models\[0\].type.*inference-only"):
        parse_config({"models": [{"type": "onnx"}]}, "w.yaml")
    with pytest.raises(ConfigError, match=r"models\[1\].params.members.*'nope'"):
        parse_config({"models": [{"name": "a", "type": "baseline"},
                                 {"type": "ensemble", "params": {"members": ["a", "nope"]}}]}, "v.yaml")
    with pytest.raises(FileNotFoundError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="labeled data not found"):
        train(parse_config({"models": [{"type": "baseline"}]}, "z.yaml"), data=str(tmp_path / "none"))


# -- train ------------------------------------------------------------------------------------
def test_train_saves_a_loadable_model_from_jsonl(tmp_path):
    from clausetag.classifiers import load_classifier

    data = tmp_path / "data"
    data.mkdir()
    records = synth_records()
    for doc in ("doc0", "doc1", "doc2"):
        with (data / f"{doc}.jsonl").open("w", encoding="utf-8") as fh:
            for r in records:
                if r["doc_id"] == doc:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    model = train(TINY, data=str(data), output_dir=tmp_path / "model", model_name="baseline-word-ctx")
    assert model.metrics_["train_data"]["examples"] == len(records)
    assert model.metrics_["train_data"]["documents"] == 3
    loaded = load_classifier(tmp_path / "model")
    assert len(loaded.classes_) == 17  # the schema's labels, also those without training data
    texts = [r["text"] for r in records[:8]]
    assert list(loaded.predict(texts)) == list(model.predict(texts))


# -- evaluate ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_evaluate_baselines_writes_every_label(tmp_path):
    from clausetag.io.schema import load_schema

    codes = list(load_schema().codes)
    report = evaluate(TINY, data=synth_records(), output_dir=tmp_path / "out",
                      models=["baseline-char", "baseline-word-ctx"], progress=False)
    assert isinstance(report, Report)
    assert report.folds == ["doc0", "doc1", "doc2"]
    for name in ("baseline-char", "baseline-word-ctx"):
        r = report.results[name]
        assert r["n"] == 48 and list(r["labels"]) == codes
        assert r["accuracy"] > 0.9  # separable synthetic data
        assert r["labels"]["tax"]["support"] == 0 and r["labels"]["funding"]["support"] == 12
    md = (tmp_path / "out" / "results.md").read_text(encoding="utf-8")
    label_rows = [line.split("|")[1].strip() for line in md.splitlines() if line.startswith("| ")]
    assert all(code in label_rows for code in codes)
    saved = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert set(saved["results"]) == {"baseline-char", "baseline-word-ctx"}
    assert (tmp_path / "out" / "confusion_baseline-char.png").read_bytes()[:4] == b"\x89PNG"
    preds = (tmp_path / "out" / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(preds) == 48 and "baseline-char" in json.loads(preds[0])


def test_evaluate_is_deterministic():
    a = evaluate(TINY, data=synth_records(seed=3), models=["baseline-char"], progress=False)
    b = evaluate(TINY, data=synth_records(seed=3), models=["baseline-char"], progress=False)
    strip = lambda rep: {k: {f: v for f, v in r.items() if f != "seconds"} for k, r in rep.results.items()}  # noqa: E731
    assert strip(a) == strip(b)
    assert a.predictions == b.predictions


@pytest.mark.slow
def test_evaluate_bert_in_the_same_table(tmp_path, monkeypatch):
    from clausetag.pretrained.mlm import build_base_model

    base = tmp_path / "base"
    model, tok = build_base_model(base, "tiny")
    model.save_pretrained(str(base))
    tok.save_pretrained(str(base))
    monkeypatch.setenv("CLAUSETAG_TINY_BASE", str(base))
    report = evaluate(TINY, data=synth_records(docs=2, per_doc=8), output_dir=tmp_path / "out",
                      models=["baseline-char", "bert-tiny"], progress=False)
    assert set(report.results) == {"baseline-char", "bert-tiny"}
    assert report.results["bert-tiny"]["n"] == 16
    assert "| bert-tiny |" in report.markdown()


def test_segmentation_independent_scoring(tmp_path):
    pytest.importorskip("clausetag.segment.splitter")
    data = tmp_path / "data"
    data.mkdir()
    records = []
    for d in range(2):
        doc = f"doc{d}"
        sentences = [("一、总体要求", "heading"), ("设立专项资金给予补贴奖励。", "funding"),
                     ("加强人才培养和引进。", "talent"), ("二、重点任务", "heading"),
                     ("落实财政资金专项奖励。", "funding"), ("引进博士和技能人才。", "talent")]
        text, _pos = "", 0
        for i, (s, label) in enumerate(sentences):
            records.append({"doc_id": doc, "index": i, "text": s, "start": len(text), "end": len(text) + len(s),
                            "heading_path": [], "label": label, "quantities": []})
            text += s + ("\n" if label in ("heading", "talent") else "")
        (data / f"{doc}.txt").write_text(text, encoding="utf-8")
        with (data / f"{doc}.jsonl").open("w", encoding="utf-8") as fh:
            for r in records[-len(sentences):]:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    cfg = parse_config({"data": str(data), "segmentation": True, "seed": 1,
                        "models": [{"name": "b", "type": "baseline"}]}, "seg.yaml")
    report = evaluate(cfg, output_dir=tmp_path / "out", progress=False)
    seg = report.segmentation["b"]
    assert seg["n"] == len(records)  # every gold clause is scored against some predicted clause
    assert seg["accuracy"] == pytest.approx(report.results["b"]["accuracy"], abs=0.35)
    assert "splitter's clauses" in (tmp_path / "out" / "results.md").read_text(encoding="utf-8")


def test_quantity_hook_reports_when_scorer_exists(monkeypatch):
    seen = {}

    def score_quantities(pred, gold):
        seen["n"] = (len(pred), len(gold))
        return {"precision": 0.5, "recall": 1.0, "f1": 2 / 3}

    fake_eval = types.ModuleType("clausetag.quantities.evaluate")
    fake_eval.score_quantities = score_quantities
    fake_q = types.ModuleType("clausetag.quantities.extract")
    fake_q.extract_quantities = lambda text: []
    monkeypatch.setitem(sys.modules, "clausetag.quantities.evaluate", fake_eval)
    monkeypatch.setitem(sys.modules, "clausetag.quantities.extract", fake_q)
    report = evaluate(TINY, data=synth_records(), models=["baseline-char"], progress=False)
    assert report.quantities["f1"] == pytest.approx(2 / 3)
    assert seen["n"] == (48, 48)
    assert "Quantity extraction" in report.markdown()


def test_quantity_hook_skips_without_scorer(monkeypatch):
    monkeypatch.setitem(sys.modules, "clausetag.quantities.evaluate", None)  # import fails
    report = evaluate(TINY, data=synth_records(), models=["baseline-char"], progress=False)
    assert report.quantities is None and "Quantity extraction" not in report.markdown()


# -- CLI --------------------------------------------------------------------------------------
def test_cli_wires_train_evaluate_pretrain(tmp_path):
    from clausetag.cli import build_parser

    parser = build_parser()
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in synth_records()), encoding="utf-8")

    args = parser.parse_args(["train", "--config", str(TINY), "--data", str(data), "-o", str(tmp_path / "m"),
                              "--no-progress"])
    assert args.func(args) == 0 and (tmp_path / "m" / "clausetag.json").is_file()
    args = parser.parse_args(["evaluate", "--config", str(TINY), "--data", str(data), "--models", "baseline-char",
                              "-o", str(tmp_path / "ev"), "--no-progress"])
    assert args.func(args) == 0 and (tmp_path / "ev" / "results.md").is_file()
    args = parser.parse_args(["pretrain", "x", "-o", "y", "--preset", "tiny", "--steps", "3"])
    assert (args.preset, args.steps, args.corpus) == ("tiny", 3, ["x"]) and callable(args.func)


def test_extra_train_is_in_every_fold_and_never_tested(tmp_path, monkeypatch):
    """LODO with extra_train: the extra records join each training fold and are never predicted."""
    from clausetag.classifiers.baseline import BaselineClassifier

    seen_fit: list[int] = []
    original_fit = BaselineClassifier.fit

    def spy_fit(self, texts, labels, contexts=None):
        seen_fit.append(len(texts))
        return original_fit(self, texts, labels, contexts)

    monkeypatch.setattr(BaselineClassifier, "fit", spy_fit)
    extra = synth_records(docs=2, per_doc=10, seed=5)
    for r in extra:
        r["doc_id"] = "x" + r["doc_id"]
    extra_path = tmp_path / "extra.jsonl"
    extra_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in extra), encoding="utf-8")
    cfg = {"models": [{"name": "b", "type": "baseline"}], "lodo": True, "seed": 1,
           "extra_train": str(extra_path)}
    records = synth_records(docs=3, per_doc=12)
    report = evaluate(cfg, data=records, progress=False)
    assert seen_fit == [24 + 20] * 3  # two seed documents + all extra records in each fold
    assert {p["doc_id"] for p in report.predictions} == {"doc0", "doc1", "doc2"}
    assert report.settings["n_extra_train"] == 20


def test_quantity_scoring_skips_records_without_annotated_quantities():
    from clausetag.harness.evaluate import score_quantities_if_available

    recs = [{"doc_id": "a", "index": 0, "text": "培育企业500家以上", "quantities": [], "quantities_annotated": False}]
    assert score_quantities_if_available(recs) is None


def test_score_model_scores_a_saved_model_without_training(tmp_path):
    from clausetag.harness.evaluate import score_model

    records = synth_records(seed=4)
    model = train(TINY, data=records, output_dir=tmp_path / "m", model_name="baseline-char")
    report = score_model(tmp_path / "m", records, output_dir=tmp_path / "out", name="mine")
    rep = report.results["mine"]
    assert rep["n"] == len(records) and rep["accuracy"] > 0.9
    assert (tmp_path / "out" / "confusion_mine.png").is_file()
    assert [p["mine"] for p in report.predictions] == list(model.predict([r["text"] for r in records],
                                                                         [" > ".join(r["heading_path"]) for r in records]))


def test_score_warns_when_it_scores_the_training_documents(tmp_path, capsys):
    """The card lists the training documents (train_data.doc_ids); `score` says when it scores them."""
    from clausetag.classifiers.card import training_documents
    from clausetag.cli import main
    from clausetag.harness.evaluate import score_model

    records = synth_records(seed=5)
    train(TINY, data=[r for r in records if r["doc_id"] != "doc2"], output_dir=tmp_path / "m",
          model_name="baseline-char")
    assert training_documents(tmp_path / "m") == {"doc0", "doc1"}
    assert score_model(tmp_path / "m", records).settings["in_training_data"] == ["doc0", "doc1"]
    data = tmp_path / "data"
    data.mkdir()
    for doc in ("doc1", "doc2"):
        (data / f"{doc}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records
                                                  if r["doc_id"] == doc), encoding="utf-8")
    assert main(["score", str(tmp_path / "m"), str(data / "doc2.jsonl")]) == 0
    assert "warning" not in capsys.readouterr().err  # a document the model never saw
    assert main(["score", str(tmp_path / "m"), str(data)]) == 0
    assert re.search(r"clausetag score: warning: 1 of the 2 scored document\(s\) \(doc1\) are in the "
                     r"training data of .*m \(its model card lists them\)", capsys.readouterr().err)


def test_shipped_cards_list_their_training_documents():
    """The shipped models' cards list what they were trained on: the default baseline every labeled
    document but the policy held-out set, the ensemble's baseline member the same (the same bytes), its
    transformer all but both held-out sets (the 8 regulations and the policy held-out documents)."""
    from clausetag.classifiers.card import training_documents
    from clausetag.classifiers.loading import model_path
    from clausetag.harness.data import read_labeled

    heldout = {"53336735e3a4", "c30f96c4a3ba", "3d8b87ae2279", "1da5dc878064", "dc3f03db171c", "75d8fc990c52",
               "6910b18ba912", "f6b2c6d1141f"}
    policy = {r["doc_id"] for r in read_labeled(ROOT / "labels" / "policy")}
    policy_heldout = {r["doc_id"] for r in read_labeled(ROOT / "labels" / "policy_heldout")}
    baseline = training_documents(model_path("default"))
    member = training_documents(model_path("ensemble") / "baseline")
    transformer = training_documents(model_path("transformer"))
    assert baseline is not None and member is not None and transformer is not None
    assert heldout <= baseline and policy <= baseline and not baseline & policy_heldout
    assert member == baseline
    assert policy <= transformer and not heldout & transformer and not policy_heldout & transformer
    assert transformer == baseline - heldout
    assert training_documents(model_path("ensemble")) == member | transformer


def test_packaged_model_names_resolve(monkeypatch):
    from clausetag.classifiers.loading import ModelNotFoundError, model_path, packaged_models, resolve_model

    names = packaged_models()
    assert "default" in names and "baseline" in names
    for name in names:
        assert resolve_model(name) == model_path(name)  # every packaged name is a model directory
    with pytest.raises(ModelNotFoundError, match="packaged model name"):
        resolve_model("no-such-model")
