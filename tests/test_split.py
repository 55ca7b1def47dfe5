"""Splitter tests: the golden table (tests/data/split_golden.yaml), span properties on every seed and on
a sample of the regulations corpus, and bad input."""
from __future__ import annotations

import json
import lzma
import re
from pathlib import Path

import pytest
import yaml

from clausetag.segment.splitter import Clause, split
from clausetag.segment.text import normalize, read_text, residue_spans

DATA = Path(__file__).parent / "data"
GOLDEN = yaml.safe_load((DATA / "split_golden.yaml").read_text(encoding="utf-8"))["cases"]


def _case_params():
    for case in GOLDEN:
        marks = [pytest.mark.xfail(reason=case["known_failure"], strict=True)] if case.get("known_failure") else []
        yield pytest.param(case, id=case["id"], marks=marks)


def test_golden_table_is_big_enough():
    assert len(GOLDEN) >= 60
    assert len({c["id"] for c in GOLDEN}) == len(GOLDEN), "duplicate case ids"
    known = {"id", "rule", "text", "expect", "paths", "units_at", "lead", "responsible", "rules", "known_failure",
             "source"}
    for c in GOLDEN:
        assert set(c) <= known, f"{c['id']}: unknown field(s) {set(c) - known}"


@pytest.mark.parametrize("case", list(_case_params()))
def test_golden(case):
    clauses = split(case["text"], doc_id="golden", rules=case.get("rules"))
    got = [("H " if c.is_heading else "") + c.text for c in clauses]
    want = [re.sub(r"\n", "", w) if not w.startswith("H ") else w for w in case["expect"]]
    # expected texts are written as in the source; clause.text drops line breaks
    want = [w.replace("\n", "") for w in want]
    assert got == want
    if "paths" in case:
        assert [list(c.heading_path) for c in clauses] == case["paths"]
    if "units_at" in case:
        c = clauses[case["units_at"]]
        assert list(c.lead_units) == case["lead"]
        assert list(c.responsible_units) == case["responsible"]
    _assert_span_properties(case["text"], clauses)


def _assert_span_properties(original: str, clauses: list[Clause]) -> None:
    """In order, non-overlapping, spans reproduce the text modulo whitespace, all text covered."""
    prev_end = 0
    covered = [False] * len(original)
    for i, c in enumerate(clauses):
        assert c.index == i
        assert 0 <= c.start < c.end <= len(original)
        assert c.start >= prev_end, f"clause {i} overlaps the previous one"
        prev_end = c.end
        assert re.sub(r"\s", "", original[c.start : c.end]) == re.sub(r"\s", "", c.text)
        assert not original[c.start].isspace() and not original[c.end - 1].isspace()
        for k in range(c.start, c.end):
            covered[k] = True
    for a, b in residue_spans(original):
        for k in range(a, b):
            covered[k] = True
    missing = [k for k, ch in enumerate(original) if not covered[k] and not ch.isspace()]
    assert not missing, f"uncovered text at {missing[:5]}: {original[missing[0]:missing[0] + 20]!r}"


def test_seed_span_properties(seed_paths):
    for path in seed_paths:
        original = read_text(path)
        clauses = split(original, doc_id=path.stem)
        assert len(clauses) > 40
        _assert_span_properties(original, clauses)
        assert all(c.doc_id == path.stem for c in clauses)


# Headings (and inline headings) that must come out as heading clauses, per seed.
SEED_HEADINGS = {
    "000_d94976eb27b44e5c": ["一、基本情况", "(一)大力发展数字技术,推动数字内容和场景建设", "三、下一步工作计划",
                             "(三)强化服务,推进文化贸易高质量发展。"],
    "001_7fe047341f9c9fa0": ["▍总体要求", "实施重大项目牵引行动,提升产业能级", "1.优化产业空间布局", "20.规范行业管理",
                             "▍组织实施", "加强监测评估"],
    "002_31a27fb9b77a598d": ["一、总体要求", "(一)搭建产业技术创新平台", "1. 技术攻坚工程。", "10. 品牌辐射工程。",
                             "(一) 加强组织领导。"],
    "003_f513bcfc0eb49b69": ["一、总体情况", "(一)发展现状。", "二、工作目标", "(二)内容创作生产提升工程",
                             "1.强化优质内容供给能力。", "五、保障措施"],
    "004_d52d78eb7af4af38": ["一、工作开展情况", "（五）政策引导，深入推进文化与金融融合发展", "二、下一步工作安排"],
}


def test_seed_headings(seed_paths):
    for path in seed_paths:
        clauses = split(read_text(path), doc_id=path.stem)
        headings = {c.text for c in clauses if c.is_heading}
        for h in SEED_HEADINGS[path.stem]:
            assert h in headings, f"{path.stem}: {h!r} not a heading"
        # every body clause after the first heading has a non-empty path until the closing apparatus
        by_text = {c.text: c for c in clauses}
        body = next(c for c in clauses if not c.is_heading and c.heading_path)
        assert body.heading_path[0] in headings
        assert all(p in headings for c in clauses for p in c.heading_path), "path elements are headings"
        del by_text


def test_seed_inline_heading_path(seed_paths):
    clauses = split(read_text(next(p for p in seed_paths if p.stem.startswith("003"))))
    c = next(c for c in clauses if c.text.startswith("推进公共数字文化建设"))
    assert c.heading_path == ("四、重点工程", "(二)内容创作生产提升工程", "1.强化优质内容供给能力。")


def test_corpus_sample_span_properties(shared_dir):
    """Another genre (local regulations): the span properties hold on a sample of 60 documents."""
    path = shared_dir / "corpus" / "regulations.jsonl.xz"
    if not path.exists():
        pytest.skip("corpus not available")
    with lzma.open(path, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= 600:
                break
            if i % 10:
                continue
            doc = json.loads(line)
            _assert_span_properties(doc["text"], split(doc["text"], doc["id"]))


# ---- bad and unusual input ------------------------------------------------------------------

def test_empty_and_blank():
    assert split("") == []
    assert split("   \n\n\u3000 ") == []


def test_bytes_rejected_with_hint():
    with pytest.raises(TypeError, match="read_text"):
        split("中文".encode())  # type: ignore[arg-type]


def test_multi_megabyte_document():
    """A document of 2.6 M characters (speed and linear time on larger inputs: benchmarks/bench_split*.py)."""
    unit = "加快推进数字内容产业发展，支持企业做大做强。"  # 22 chars
    text = ("一、总体要求\n" + unit * 40 + "\n") * 3000  # ~2.7M chars
    assert len(text) > 2_600_000
    clauses = split(text)
    assert len(clauses) == 3000 * 41
    assert clauses[-1].end == len(text) - 1


def test_one_giant_line_without_punctuation():
    text = "数字内容" * 500_000
    clauses = split(text)
    assert len(clauses) == 1 and clauses[0].end == len(text)


def test_normalize_is_length_preserving():
    text = "（一）ＡＢＣ１２３, (x);\u3000[bookmark: _GoBack]a|b|c|\r\n"
    norm = normalize(text)
    assert len(norm) == len(text)
    assert "[bookmark" not in norm and "|" not in norm
    assert norm.startswith("（一）ABC123，")


def test_clause_to_dict_is_json_ready():
    c = split("一、总体要求\n加快发展。", doc_id="d")[1]
    d = c.to_dict()
    assert d["heading_path"] == ["一、总体要求"] and d["doc_id"] == "d" and d["index"] == 1
    json.dumps(d, ensure_ascii=False)


def test_one_line_document_is_linear(seed_paths):
    """A whole document on one line (seeds joined, line breaks as spaces): 4x the text may take
    at most ~8x the time (quadratic growth, as when every inline heading copied the rest of the
    line, gives 16x). CPU time, best of two, so a busy machine does not make it flaky."""
    import time

    line = " ".join(read_text(p).replace("\n", " ") for p in seed_paths)
    small, big = line * 4, line * 16  # ~0.1 and ~0.4 M chars

    def cpu(text):
        best = float("inf")
        for _ in range(2):
            t0 = time.process_time()
            n = len(split(text))
            best = min(best, time.process_time() - t0)
        return best, n

    (t_small, n_small), (t_big, n_big) = cpu(small), cpu(big)
    assert n_big == 4 * n_small or abs(n_big - 4 * n_small) <= 4
    assert t_big < 8 * t_small + 0.05, (t_small, t_big)


def test_many_unmatched_brackets_stay_linear():
    """Thousands of stray openers of one kind and closers of another (the pair stack keeps a
    per-kind index, so each closer costs O(1))."""
    import time

    text = ("“开始" * 20000) + ("）结束。" * 20000)
    t0 = time.process_time()
    clauses = split(text)
    assert time.process_time() - t0 < 5
    assert len(clauses) == 20000
