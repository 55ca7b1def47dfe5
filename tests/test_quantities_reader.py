"""The transformer reader of indicator spans and its fusion with the linear re-ranker (clausetag.quantities.reader,
clausetag.quantities.rerank.fuse; issue 27)."""
from __future__ import annotations

import math

import pytest

from clausetag.quantities import reader as rd
from clausetag.quantities.extract import extract_quantities
from clausetag.quantities.rerank import fuse

FUSION = {"w": 0.5, "pen_ranker": -4.0, "pen_reader": -5.0}


def test_fuse_weights_pick_the_ranker_the_reader_or_both() -> None:
    cands, scores = [(0, 4), (2, 4)], [3.0, -1.0]  # the ranker prefers 0..4
    starts, ends = {2: math.log(0.9), 0: math.log(0.1)}, {4: 0.0}  # the reader prefers 2..4
    assert fuse(cands, scores, starts, ends, (2, 4), {**FUSION, "w": 0.0}) == (0, 4)
    assert fuse(cands, scores, starts, ends, (2, 4), {**FUSION, "w": 1.0}) == (2, 4)
    # a span only the reader proposes gets pen_ranker for the ranker's part
    assert fuse(cands, scores, {6: 0.0}, {9: 0.0}, (6, 9), {**FUSION, "w": 0.5}) == (6, 9)
    assert fuse(cands, scores, {6: 0.0}, {9: 0.0}, (6, 9), {**FUSION, "w": 0.5, "pen_ranker": -30.0}) == (0, 4)
    assert fuse([], [], {}, {}, None, FUSION) is None
    assert fuse([], [], {1: 0.0}, {3: 0.0}, (1, 3), FUSION) == (1, 3)  # no rule span: the reader's


def test_span_logprobs_are_a_distribution_and_take_the_best_token_per_character() -> None:
    offsets = [None, (0, 1), (1, 3), (1, 2), None, (5, 6), None]
    sl = [9.0, 1.0, 2.0, 0.5, 9.0, 0.0, 9.0]
    el = [9.0, 0.0, 1.0, 3.0, 9.0, 0.0, 9.0]
    starts, ends = rd.span_logprobs(sl, el, offsets)
    assert set(starts) == {0, 1, 5} and set(ends) == {1, 2, 3, 6}
    z = math.log(sum(math.exp(sl[k]) for k in (1, 2, 3, 5)))
    assert starts[1] == pytest.approx(2.0 - z)  # of the two tokens that start at 1, the better
    assert sum(math.exp(v) for v in (sl[k] - z for k in (1, 2, 3, 5))) == pytest.approx(1.0)
    assert rd.best_span(starts, ends, 3, 5) == (1, 2)  # ends[2] is the best end before the quantity at 3..5
    assert rd.best_span(starts, ends, 0, 6) is None  # every span crosses the quantity


class _Tok:
    """A character tokenizer with the interface of ``tokenizers.Tokenizer`` that reader.encode uses."""

    def token_to_id(self, t: str) -> int:
        return {"<s>": 0, "</s>": 2, rd.MARK_OPEN: 5, rd.MARK_CLOSE: 6}[t]

    def encode(self, text: str, add_special_tokens: bool = False):
        from types import SimpleNamespace

        return SimpleNamespace(ids=[100 + ord(c) % 1000 for c in text], offsets=[(i, i + 1) for i in range(len(text))])


def test_encode_marks_the_quantity_and_reads_its_clause() -> None:
    text = "上年完成。新建5G基站2万个，覆盖全部乡镇；其余"
    s = text.index("2万个")
    enc = rd.encode(_Tok(), text, s, s + 3)
    assert enc.ids[0] == 0 and enc.ids[-1] == 2
    k = enc.ids.index(5)
    assert enc.ids[k + 4] == 6 and enc.offsets[k:k + 5] == [None] * 5  # markers and the quantity: never a span
    covered = "".join(text[a:b] for a, b in (o for o in enc.offsets if o))
    assert covered == "新建5G基站，覆盖全部乡镇"  # the clause only, without the quantity
    long = "甲" * 300 + "新增100家" + "乙" * 300
    s = long.index("100家")
    enc = rd.encode(_Tok(), long, s, s + 4, max_len=40)
    assert len(enc.ids) == 40 and 5 in enc.ids and 6 in enc.ids  # cut around the quantity


reader = rd.packaged_reader()
needs_reader = pytest.mark.skipif(reader is None, reason="no packaged reader")


@needs_reader
def test_packaged_reader_card_and_determinism() -> None:
    assert set(reader.fusions["span"]) == {"w", "pen_ranker", "pen_reader"}
    assert "quantities_train4" in reader.card["trained_on"]
    assert not any(t.startswith(("quantities_test", "quantities_written")) for t in reader.card["trained_on"])
    text = "到2025年，全省新建5G基站2万个。"
    s = text.index("2万个")
    a = reader.span_logprobs(text, s, s + 3)
    assert a == reader.span_logprobs(text, s, s + 3)
    for logprobs in a:  # the best token per character: at most the whole distribution
        assert 0 < math.fsum(math.exp(v) for v in logprobs.values()) <= 1.0 + 1e-6
    assert text[slice(*rd.best_span(*a, s, s + 3))] == "5G基站"


@needs_reader
def test_reader_fills_an_indicator_the_rules_missed_and_changes_nothing_else() -> None:
    # a training sentence (labels/quantities_train2): the second amount leaves its indicator out
    text = "2025年实现农产品电商销售额150亿元，2028年实现300亿元。"
    alone = extract_quantities(text, reader=False)
    fused = extract_quantities(text)
    assert [q.indicator for q in alone] == ["农产品电商销售额", None]
    assert [q.indicator for q in fused] == ["农产品电商销售额", "农产品电商销售额"]
    assert fused[1].indicator_start == text.index("农产品")
    strip = [("indicator", None), ("indicator_start", None), ("indicator_end", None)]
    from dataclasses import replace
    assert [replace(q, **dict(strip)) for q in fused] == [replace(q, **dict(strip)) for q in alone]


class _StubRoleReader:
    """A role reader that is sure of one role."""

    def __init__(self, role: str, v: float) -> None:
        self.role, self.fusions = role, {"role": {"v": v, "skip_above": 1.0}}

    def role_logprobs(self, text: str, s: int, e: int) -> dict[str, float]:
        return {c: (0.0 if c == self.role else -30.0) for c in ("target", "actual", "cap", "threshold", "other")}


def test_rerank_roles_fuses_a_role_reader_by_its_weight() -> None:
    from clausetag.quantities.rerank import rerank_roles

    text = "到2025年，全省新建5G基站2万个。"
    rules = extract_quantities(text, indicators=False, learned=False)
    alone = rerank_roles(text, rules)
    assert [q.role for q in alone] == ["target"]
    assert rerank_roles(text, rules, reader=_StubRoleReader("actual", 0.0)) == alone  # v 0: the linear model
    assert [q.role for q in rerank_roles(text, rules, reader=_StubRoleReader("actual", 1.0))] == ["actual"]
    assert [q.role for q in rerank_roles(text, rules, reader=_StubRoleReader("actual", 0.6))] == ["actual"]
    sure = _StubRoleReader("actual", 1.0)
    sure.fusions["role"]["skip_above"] = 0.0  # the linear model is always sure enough: the reader is never asked
    assert rerank_roles(text, rules, reader=sure) == alone


role_reader = rd.packaged_role_reader()


@pytest.mark.skipif(role_reader is None, reason="no packaged role reader")
def test_packaged_role_reader_reads_a_distribution_over_the_roles() -> None:
    assert set(role_reader.classes) == {"target", "actual", "cap", "threshold", "other"}
    assert 0 < role_reader.fusions["role"]["v"] < 1
    assert not any(t.startswith("quantities_test") for t in role_reader.card["trained_on"])
    text = "到2025年，全省新建5G基站2万个。"
    s = text.index("2万个")
    lp = role_reader.role_logprobs(text, s, s + 3)
    assert lp == role_reader.role_logprobs(text, s, s + 3)
    assert math.fsum(math.exp(v) for v in lp.values()) == pytest.approx(1.0)
    assert max(lp, key=lp.__getitem__) == "target"


@needs_reader
def test_a_reader_remembers_its_inputs_so_one_quantity_costs_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = rd.QuantityReader(reader.path)
    calls = []
    run = fresh.session.run
    monkeypatch.setattr(fresh.session, "run", lambda *a, **k: calls.append(1) or run(*a, **k), raising=False)
    text = "到2025年，全省新建5G基站2万个。"
    s = text.index("2万个")
    first = fresh.span_logprobs(text, s, s + 3)
    assert fresh.logits(text, s, s + 3)[:2] == reader.logits(text, s, s + 3)[:2]
    assert first == reader.span_logprobs(text, s, s + 3) and len(calls) == 1  # (a joint reader: role and span)
    fresh.span_logprobs(text, 0, 5)
    assert len(calls) == 2


def test_the_packaged_reader_reads_roles_too_where_it_is_a_joint_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    joint = SimpleNamespace(tasks={"span": (0, 2), "role": (2, 7)})
    monkeypatch.setattr(rd, "packaged_reader", lambda: joint)
    assert rd.packaged_role_reader() is joint
    monkeypatch.setattr(rd, "packaged_reader", lambda: SimpleNamespace(tasks={"span": (0, 2)}))
    assert rd.packaged_role_reader() is rd._packaged_role_reader()


@pytest.mark.parametrize(("card", "tasks", "fusions"), [
    ({"type": "quantity-reader", "fusion": FUSION}, {"span": (0, 2)}, {"span": FUSION}),
    ({"type": "quantity-role-reader", "classes": ["a", "b", "c"], "fusion": {"v": 0.5}},
     {"role": (0, 3)}, {"role": {"v": 0.5}}),
    ({"type": "quantity-reader", "classes": ["a", "b"], "tasks": {"span": [0, 2], "role": [2, 4]},
      "fusion": {"span": FUSION, "role": {"v": 0.6}}}, {"span": (0, 2), "role": (2, 4)},
     {"span": FUSION, "role": {"v": 0.6}}),
])
def test_reader_cards_name_their_tasks_and_fusions(tmp_path, monkeypatch, card, tasks, fusions) -> None:
    import json

    from clausetag.classifiers import ort

    monkeypatch.setattr(ort, "ort_session", lambda path, threads=None: object())
    (tmp_path / "clausetag.json").write_text(json.dumps(card), encoding="utf-8")
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel

    Tokenizer(WordLevel({"【": 0, "[UNK]": 1}, unk_token="[UNK]")).save(str(tmp_path / "tokenizer.json"))
    r = rd.QuantityReader(tmp_path)
    assert r.tasks == tasks and r.fusions == fusions
    if len(tasks) == 1:
        assert r.fusion == next(iter(fusions.values()))
    else:
        with pytest.raises(AttributeError, match="fusions"):
            _ = r.fusion
    with pytest.raises(ValueError, match="reads"):
        r._task("nothing")


def test_joint_examples_teach_the_role_everywhere_and_the_span_where_there_is_one() -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "training"))
    from qty_reader import ROLES, joint_examples

    text = "新建5G基站2万个，处5万元以下罚款。"
    pred = extract_quantities(text, indicators=False, learned=False)
    assert [q.text for q in pred] == ["2万个", "5万元以下"]
    gold = [{"text": "2万个", "role": "target", "indicator": "5G基站"},
            {"text": "5万元以下", "role": "other", "indicator": None}]
    exs = joint_examples([{"text": text, "gold": gold, "pred": pred, "pairs": {0: 0, 1: 1}}], _Tok(), 160)
    assert [(ROLES[e[2]], e[3] is not None) for e in exs] == [("target", True), ("other", False)]
    ids, mark, _, (a, b) = exs[0]
    assert ids[mark] == 5  # the 【 marker
    assert ids[a:b + 1] == [100 + ord(c) % 1000 for c in "5G基站"]  # the span's first and last token
