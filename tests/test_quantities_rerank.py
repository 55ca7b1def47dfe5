"""The learned role and indicator re-rankers of the quantity extractor (clausetag.quantities.rerank, issue 27)."""
from __future__ import annotations

import json
from importlib import resources

import pytest
from conftest import DATA_DIR

from clausetag.quantities import rerank
from clausetag.quantities.extract import extract_quantities
from clausetag.quantities.rerank import LinearModel

GOLDEN = [json.loads(line) for line in (DATA_DIR / "quantities_golden.jsonl").read_text(encoding="utf-8").splitlines()
          if line.strip()]


def test_packaged_models_load_and_are_small() -> None:
    role, ind = rerank.role_model(), rerank.indicator_model()
    assert set(role.classes) == {"target", "actual", "cap", "threshold", "other"}
    assert ind.classes == ("score",)
    assert len(role.weights) > 1000 and len(ind.weights) > 1000
    assert "rule=target" in role.weights and "is_rule" in ind.weights
    assert "quantities_train" in role.meta["trained_on"]
    for name in (rerank.ROLE_MODEL, rerank.INDICATOR_MODEL):  # shipped inside the package, compressed
        assert resources.files("clausetag").joinpath("resources", name).read_bytes()[:2] == b"\x1f\x8b"
    assert rerank.role_model() is role  # loaded once


def test_learned_false_is_the_rules_alone() -> None:
    """learned=False skips both re-rankers: its output equals the rules' steps applied by hand."""
    from dataclasses import replace

    from clausetag.quantities.indicators import find_indicators

    for case in GOLDEN[:60]:
        text = case["text"]
        rules = extract_quantities(text, indicators=False, learned=False)
        by_hand = [q if i is None else replace(q, indicator=i.text, indicator_start=i.start, indicator_end=i.end)
                   for q, i in zip(rules, find_indicators(text, rules))]
        assert extract_quantities(text, learned=False) == by_hand


@pytest.mark.parametrize("text, span, rules, learned", [
    # labels/quantities_sample (a training sentence): a count that scopes a plan, not a target (gold: other)
    ("将承德市12个县（市、区，含高新区）纳入薄弱环节改善与能力提升工程实施范围。", "12个",
     ("target", "县（市、区"), ("other", None)),
    # the same sample: the rate's indicator without its change word (gold: 技术合同成交额)
    ("力争实现技术合同成交额年递增21%,到2015年达到10000亿元。", "21%",
     ("target", "技术合同成交额年递增"), ("target", "技术合同成交额")),
])
def test_learned_path_changes_a_known_case(text, span, rules, learned) -> None:
    by_rules = {q.text: q for q in extract_quantities(text, learned=False)}
    by_model = {q.text: q for q in extract_quantities(text)}
    assert by_rules.keys() == by_model.keys()  # spans, values and units never change
    assert (by_rules[span].role, by_rules[span].indicator) == rules
    assert (by_model[span].role, by_model[span].indicator) == learned
    assert by_model[span].value == by_rules[span].value and by_model[span].year == by_rules[span].year


def test_linear_model_scores_and_round_trips(tmp_path) -> None:
    m = LinearModel(["a", "b"], [0.0, 0.5], {"x": [2.0, 0.0], "y": [0.0, 1.0]}, {"margin": 0.0})
    assert m.best(["x"]) == "a" and m.best(["y"]) == "b" and m.best(["unseen"]) == "b"
    for name in ("m.json", "m.json.gz"):
        m.save(tmp_path / name)
        back = LinearModel.load(tmp_path / name)
        assert back.classes == m.classes and back.weights == m.weights and back.intercept == m.intercept
    (tmp_path / "bad.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.json"):
        LinearModel.load(tmp_path / "bad.json")
    with pytest.raises(ValueError, match="one per class"):
        LinearModel(["a", "b"], [0.0], {})
