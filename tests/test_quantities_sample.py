"""Issue 27: the random quantity sample (labels/quantities_sample), its scorer, and the ratio field."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from clausetag.quantities.evaluate import TAC_ROLES, gold_spans, normalise_indicator, same_field, score_sample
from clausetag.quantities.extract import Quantity, extract_quantities

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "labels" / "quantities_sample"


def _jsonl(name: str) -> list[dict]:
    with open(SAMPLE_DIR / name, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


SENTENCES = _jsonl("sample.jsonl")
GOLD = {r["sid"]: r["quantities"] for r in _jsonl("gold.jsonl")}


def test_sample_is_complete_and_apart_from_the_golden_tables() -> None:
    assert len(SENTENCES) == len(GOLD) == 760
    assert sum(any(q["role"] in TAC_ROLES for q in GOLD[s["sid"]]) for s in SENTENCES) >= 300
    golden = set()
    for name in ("quantities_golden.jsonl", "indicators_golden.jsonl"):
        with open(Path(__file__).parent / "data" / name, encoding="utf-8") as fh:
            golden |= {json.loads(line)["text"] for line in fh if line.strip()}
    assert not golden & {s["text"] for s in SENTENCES}


def test_every_annotated_span_is_in_its_sentence() -> None:
    for s in SENTENCES:
        spans = gold_spans(s["text"], GOLD[s["sid"]])
        assert len(spans) == len(GOLD[s["sid"]])
        for q in GOLD[s["sid"]]:
            assert q["role"] in ("target", "actual", "cap", "threshold", "other")
            assert (q["indicator"] is None) or q["role"] in TAC_ROLES


def test_adjudication_covers_the_shared_sids() -> None:
    adjudicated = {r["sid"] for r in _jsonl("adjudicated_000-099.jsonl")}
    assert adjudicated == {f"qs-{i:03d}" for i in range(100)}
    assert {r["sid"] for r in _jsonl("annotations_B.jsonl")} == adjudicated
    log = _jsonl("adjudication_log.jsonl")
    assert log and all(r["reason"] and r["decision"] for r in log)


def test_score_sample_counts_a_missed_quantity_as_wrong() -> None:
    sentences = [{"sid": "x", "text": "新建口袋公园157个，改造公园20个。"}]
    gold = {"x": [
        {"text": "157个", "value": 157.0, "unit": "个", "comparator": "=", "role": "target", "year": None,
         "indicator": "口袋公园", "ratio": None},
        {"text": "20个", "value": 20.0, "unit": "个", "comparator": "=", "role": "target", "year": None,
         "indicator": "公园", "ratio": None},
    ]}

    def only_first(text: str) -> list[Quantity]:
        return extract_quantities(text)[:1]

    res = score_sample(sentences, gold, extract=only_first)
    assert res["tac"]["n"] == 2 and res["tac"]["found"] == 0.5
    assert res["tac"]["indicator"] == 0.5 and res["tac"]["value"] == 0.5
    assert (res["tac_sentences"], res["tac_sentences_indicators_right"]) == (1, 0)  # one indicator missed: sentence wrong
    full = score_sample(sentences, gold)
    assert full["tac"]["indicator"] == 1.0 and (full["tac_sentences"], full["tac_sentences_indicators_right"]) == (1, 1)


VALUE_PAIRS = yaml.safe_load((Path(__file__).parent / "data" / "value_pairs.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("row", VALUE_PAIRS, ids=[f"{r['pred']}|{r['gold']}" for r in VALUE_PAIRS])
def test_values_as_the_gold_wrote_them(row: dict) -> None:
    assert same_field("value", row["pred"], row["gold"]) is row["same"]
    assert same_field("ratio", row["pred"], row["gold"]) is row["same"]


def test_indicator_normalisation() -> None:
    assert normalise_indicator("全省城镇绿色建筑占新建建筑比例") == "城镇绿色建筑占新建建筑比例"
    assert normalise_indicator("示范区众创空间（星创天地）") == "示范区众创空间"
    assert normalise_indicator(None) is None


SCOPED_PAIRS = yaml.safe_load((Path(__file__).parent / "data" / "indicator_scope_pairs.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("row", SCOPED_PAIRS, ids=[f"{r['pred']}|{r['gold']}" for r in SCOPED_PAIRS])
def test_indicator_scope_prefixes(row: dict) -> None:
    pred, gold = row["pred"], row["gold"]
    assert same_field("indicator", pred, gold) is row["same"]
    assert same_field("indicator", gold, pred) is row["same"]
    assert same_field("indicator_exact", pred, gold) is False


def test_extractor_on_the_sample_does_not_regress() -> None:
    """Floors just under today's scores (docs/quantities.md); raise them when the extractor improves."""
    res = score_sample(SENTENCES, GOLD)["tac"]
    assert res["value"] >= 0.98 and res["unit"] >= 0.98 and res["ratio"] >= 0.98
    assert res["role"] >= 0.93 and res["year"] >= 0.96
    assert res["indicator"] >= 0.80


@pytest.mark.parametrize("text, kind, value, unit, ratio", [
    ("按日加收万分之三的滞纳金。", "ratio", 3.0, "‱", 0.0003),
    ("占比达到25%。", "percent", 25.0, "%", 0.25),
    ("新能源汽车销量占比提高到七成。", "ratio", 7.0, "成", 0.7),
    ("比上年提高3个百分点。", "percent", 3.0, "个百分点", 0.03),
    ("处违法所得两倍罚款。", "ratio", 2.0, "倍", 2.0),
    ("三分之一以上的村民代表联名。", "ratio", 1 / 3, "分之", 1 / 3),
    ("千分之五以上的罚款。", "ratio", 5.0, "‰", 0.005),
])
def test_ratio_field(text: str, kind: str, value: float, unit: str, ratio: float) -> None:
    (q,) = extract_quantities(text)
    assert (q.kind, q.unit) == (kind, unit)
    assert q.value == pytest.approx(value) and q.ratio == pytest.approx(ratio)


def test_ratio_is_none_for_amounts_and_in_the_arrow_schemas() -> None:
    (q,) = extract_quantities("新建5G基站2万个。")
    assert q.ratio is None and q.to_dict()["ratio"] is None
    from clausetag.io.records import record_schema
    from clausetag.outputs.targets import _arrow_schema

    qtype = record_schema().field("quantities").type.value_type
    assert qtype.field("ratio").type.to_pandas_dtype().__name__ == "float64"
    assert "ratio" in _arrow_schema().names


@pytest.mark.parametrize("text, role, year, indicator", [
    ("全社会研发经费投入强度达到3%。", "target", None, "全社会研发经费投入强度"),
    ("新建5G基站2万个。", "target", None, "5G基站"),
    ("开展职业技能培训50万人次。", "target", None, "职业技能培训"),
    ("装配式建筑占新建建筑面积比例达到30%。", "target", None, "装配式建筑占新建建筑面积比例"),
    ("新增储能装机200万千瓦（时）。", "target", None, "储能装机"),
    ("2022年制定《若干措施》，对原创影视作品最高补助50万元。", "cap", None, "补助"),
    ("每年培训新型职业农民2万人。", "target", None, "新型职业农民"),
    ("完成造林绿化面积300万亩。", "target", None, "造林绿化面积"),
    # the rules cut the opener (完成) and the verb phrase (设备购置); the learned indicator re-ranker keeps
    # 设备购置学校 (scores 1.65 vs -2.02): a known miss of the shipped path, the rules alone give 学校
    pytest.param("已完成设备购置学校11953所。", "actual", None, "学校",
                 marks=pytest.mark.xfail(strict=True, reason="learned indicator keeps 设备购置学校")),
    ("处违法所得一倍以上三倍以下罚款。", "other", None, None),
    ("拒不改正的，处1万元以下罚款。", "cap", None, "罚款"),
])
def test_issue_27_examples(text: str, role: str, year: int | None, indicator: str) -> None:
    q = extract_quantities(text)[-1]
    assert (q.role, q.year, q.indicator) == (role, year, indicator)


def test_issue_27_example_by_the_rules_alone() -> None:
    q = extract_quantities("已完成设备购置学校11953所。", learned=False)[-1]
    assert (q.role, q.indicator) == ("actual", "学校")


def test_place_names_are_the_generators_output() -> None:
    """lexicons/places.txt is what training/make_places.py writes from jieba's dictionary (rerun it after a jieba
    upgrade), and a run of places is read longest name first."""
    import importlib.util

    from clausetag.quantities.places import leading_places, place_names

    script = Path(__file__).resolve().parents[1] / "training" / "make_places.py"
    spec = importlib.util.spec_from_file_location("make_places", script)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    packaged = (Path(__file__).resolve().parents[1] / "clausetag" / "lexicons" / "places.txt").read_text(encoding="utf-8")
    assert mod.place_lines() == packaged
    assert {"河南省", "石家庄市", "浦东新区"} <= place_names()
    assert not {"城市", "大城市", "示范区", "五星红旗", "百强县", "北方省", "中心区", "内蒙古军区"} & place_names()
    assert leading_places("河北省石家庄市工业用电量") == 7 and leading_places("城市绿地") == 0
    assert leading_places("工业用电量河南省", 5) == 3
