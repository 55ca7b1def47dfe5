"""labels/tools/apply_units.py: skeleton + label table with unit corrections -> gold JSONL (made-up cases)."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from clausetag.harness.validation import validate
from clausetag.io.schema import load_schema
from clausetag.segment.splitter import split

_spec = importlib.util.spec_from_file_location("labels_tool_apply_units", ROOT / "labels" / "tools" / "apply_units.py")
apply_units_mod = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = apply_units_mod
_spec.loader.exec_module(apply_units_mod)
LABELS = set(load_schema().codes)

RAW = ("XX省人民政府关于推进\n审批改革的通知\n冀政发〔2024〕1号各市人民政府：\n"
       "一、重点任务\n（一）将审批权限下放至开发区。\n（负责部门：XX部）\n（二）设立专项资金。\n"
       "二、保障措施\n加强组织领导。\n抄送：省委办公厅。\n")
PIECES = ["XX省人民政府关于推进", "审批改革的通知", "冀政发〔2024〕1号各市人民政府：", "一、重点任务",
          "（一）将审批权限下放至开发区。", "（负责部门：XX部）", "（二）设立专项资金。", "二、保障措施",
          "加强组织领导。", "抄送：省委办公厅。"]


def _skeleton() -> list[dict]:
    """Hand-made skeleton of RAW: the title in two clauses, the document number glued to the addressee,
    the note on its own line."""
    out, pos = [], 0
    for i, piece in enumerate(PIECES):
        a = RAW.index(piece, pos)
        pos = a + len(piece)
        out.append({"doc_id": "d", "index": i, "text": piece, "start": a, "end": pos, "heading_path": []})
    return out


def _rows(spec: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    return [{"index": str(i), "label": lab, "unit": unit, "note": note} for i, (lab, unit, note) in enumerate(spec)]


GOOD = [("other", "", ""), ("other", "merge_prev", ""), ("other", "split", "split: 各市人民=other"),
        ("heading", "", ""), ("regulation", "", ""), ("regulation", "merge_prev", "C4"),
        ("funding", "", ""), ("heading", "", ""), ("organization", "", ""), ("other", "", "")]


def test_merge_split_and_heading_paths(tmp_path: Path) -> None:
    recs = apply_units_mod.apply_units("d", RAW, _skeleton(), _rows(GOOD), LABELS)
    assert [r["text"] for r in recs] == [
        "XX省人民政府关于推进审批改革的通知", "冀政发〔2024〕1号", "各市人民政府：", "一、重点任务",
        "（一）将审批权限下放至开发区。（负责部门：XX部）", "（二）设立专项资金。", "二、保障措施", "加强组织领导。",
        "抄送：省委办公厅。"]
    assert [r["label"] for r in recs] == ["other", "other", "other", "heading", "regulation", "funding", "heading",
                                          "organization", "other"]
    assert [r["index"] for r in recs] == list(range(9))
    assert recs[4]["heading_path"] == ["一、重点任务"]
    assert recs[7]["heading_path"] == ["二、保障措施"]  # a heading of the same family closes the one before
    for r in recs:
        assert "".join(RAW[r["start"]:r["end"]].split()) == "".join(r["text"].split())
    (tmp_path / "d.txt").write_text(RAW, encoding="utf-8")
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs),
                                      encoding="utf-8")
    assert validate(tmp_path) == []


def test_split_note_may_name_the_first_part_and_go_on_after_the_parts() -> None:
    rows = _rows(GOOD)
    rows[2]["note"] = "split: 冀政发〔2024=other | 各市人民=other; adj: P104 — two units"
    recs = apply_units_mod.apply_units("d", RAW, _skeleton(), rows, LABELS)
    assert [r["text"] for r in recs][1:3] == ["冀政发〔2024〕1号", "各市人民政府："]


def test_heading_paths_follow_the_gold_headings_by_numbering_family() -> None:
    raw = "一、总体要求\n（一）指导思想\n正文一。\n（二）基本原则\n1.坚持创新\n正文二。\n二、重点任务\n正文四。\n"
    skel = [dict(c.to_dict(), doc_id="d") for c in split(raw, "d")]
    texts = [c["text"] for c in skel]
    labels = ["heading" if t[0] in "一（1二" else "planning" for t in texts]
    recs = apply_units_mod.apply_units("d", raw, skel, _rows([(lab, "", "") for lab in labels]), LABELS)
    path = {r["text"]: r["heading_path"] for r in recs}
    assert path["正文一。"] == ["一、总体要求", "（一）指导思想"]
    assert path["正文二。"] == ["一、总体要求", "（二）基本原则", "1.坚持创新"]
    assert path["正文四。"] == ["二、重点任务"]
    # without （二） as a gold heading, （一） stays open
    labels = ["planning" if t == "（二）基本原则" else lab for t, lab in zip(texts, labels)]
    recs = apply_units_mod.apply_units("d", raw, skel, _rows([(lab, "", "") for lab in labels]), LABELS)
    path = {r["text"]: r["heading_path"] for r in recs}
    assert path["正文二。"] == ["一、总体要求", "（一）指导思想", "1.坚持创新"]


@pytest.mark.parametrize(("row", "spec", "message"), [
    (4, ("fundng", "", ""), r"d row 4: unknown label 'fundng'"),
    (2, ("other", "split", "split: 不存在的文字=other"), r"d row 2: split fragment '不存在的文字' not found"),
    (2, ("other", "split", "split: 各市人民=fundng"), r"d row 2: unknown label 'fundng' of split part"),
    (2, ("other", "split", "no parts here"), r"d row 2: unit 'split' but the note gives no"),
    (4, ("regulation", "merge", ""), r"d row 4: unknown unit 'merge'"),
])
def test_errors_name_the_document_and_row(row: int, spec: tuple[str, str, str], message: str) -> None:
    rows = _rows(GOOD)
    rows[row] = _rows([spec])[0] | {"index": str(row)}
    with pytest.raises(apply_units_mod.UnitError, match=message):
        apply_units_mod.apply_units("d", RAW, _skeleton(), rows, LABELS)


def test_missing_rows_are_an_error() -> None:
    with pytest.raises(apply_units_mod.UnitError, match=r"no row for skeleton clauses \[9\]"):
        apply_units_mod.apply_units("d", RAW, _skeleton(), _rows(GOOD[:9]), LABELS)
