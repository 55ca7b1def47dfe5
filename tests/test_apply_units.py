"""labels/tools/apply_units.py: skeleton + label table -> gold JSONL with corrected units (made-up cases)."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from clausetag.splitter import split
from clausetag.validation import validate

_spec = importlib.util.spec_from_file_location("labels_tool_apply_units", ROOT / "labels" / "tools" / "apply_units.py")
apply_units_mod = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = apply_units_mod  # dataclasses look their module up
_spec.loader.exec_module(apply_units_mod)
Row, UnitsError = apply_units_mod.Row, apply_units_mod.UnitsError

RAW = ("XX省人民政府关于推进\n审批改革的通知\n冀政发〔2024〕1号各市人民政府：\n"
       "一、重点任务\n（一）将审批权限下放至开发区。\n（负责部门：XX部）\n（二）设立专项资金。\n"
       "二、保障措施\n加强组织领导。\n抄送：省委办公厅。\n")


def _rows(spec: list[tuple[str, str, str]]) -> list:
    return [Row(i, label, unit, note) for i, (label, unit, note) in enumerate(spec)]


def _units_skeleton() -> list[dict]:
    """Hand-made skeleton clauses of RAW (the title in two clauses, document number glued to the
    addressee, the note on its own)."""
    def span(s: str, after: int = 0) -> tuple[int, int]:
        a = RAW.index(s, after)
        return a, a + len(s)
    pieces = ["XX省人民政府关于推进", "审批改革的通知", "冀政发〔2024〕1号各市人民政府：", "一、重点任务",
              "（一）将审批权限下放至开发区。", "（负责部门：XX部）", "（二）设立专项资金。", "二、保障措施",
              "加强组织领导。", "抄送：省委办公厅。"]
    out, pos = [], 0
    for i, p in enumerate(pieces):
        a, b = span(p, pos)
        pos = b
        out.append({"doc_id": "d", "index": i, "text": p, "start": a, "end": b, "heading_path": [],
                    "is_heading": p.endswith("任务") or p.endswith("措施"), "label": None, "quantities": []})
    return out


def test_merge_split_and_heading_paths(tmp_path: Path) -> None:
    skel = _units_skeleton()
    rows = _rows([
        ("other", "", ""), ("other", "merge_prev", ""),
        ("other", "split", "? other; split: 各市人民=other"),
        ("heading", "", ""), ("regulation", "", ""), ("regulation", "merge_prev", "C4"),
        ("funding", "", ""), ("heading", "", ""), ("organization", "", ""), ("other", "", ""),
    ])
    recs = apply_units_mod.apply_units(skel, rows, RAW)
    texts = [r["text"] for r in recs]
    assert texts == ["XX省人民政府关于推进审批改革的通知", "冀政发〔2024〕1号", "各市人民政府：", "一、重点任务",
                     "（一）将审批权限下放至开发区。（负责部门：XX部）", "（二）设立专项资金。", "二、保障措施",
                     "加强组织领导。", "抄送：省委办公厅。"]
    assert [r["label"] for r in recs] == ["other", "other", "other", "heading", "regulation", "funding", "heading",
                                          "organization", "other"]
    assert [r["index"] for r in recs] == list(range(9))
    assert recs[4]["heading_path"] == ["一、重点任务"]
    assert recs[6]["heading_path"] == []  # a heading of an open family closes that level
    assert recs[7]["heading_path"] == ["二、保障措施"]
    assert recs[8]["heading_path"] == []  # 抄送 closes every section
    for r in recs:
        assert "".join(RAW[r["start"]:r["end"]].split()) == "".join(r["text"].split())
    # the output validates against the raw text beside it
    (tmp_path / "d.txt").write_text(RAW, encoding="utf-8")
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    assert validate(tmp_path) == []


def test_nested_heading_families_and_unmarked_headings() -> None:
    raw = "一、总体要求\n（一）指导思想\n正文一。\n（二）基本原则\n1.坚持创新\n正文二。\n强化保障\n正文三。\n二、重点任务\n正文四。\n"
    skel = [dict(c.to_dict(), doc_id="d", label=None) for c in split(raw, "d")]
    labels = ["heading" if c["is_heading"] else "planning" for c in skel]
    recs = apply_units_mod.apply_units(skel, _rows([(lab, "", "") for lab in labels]), raw)
    path = {r["text"]: r["heading_path"] for r in recs}
    assert path["正文一。"] == ["一、总体要求", "（一）指导思想"]
    assert path["正文二。"] == ["一、总体要求", "（二）基本原则", "1.坚持创新"]
    assert path["正文四。"] == ["二、重点任务"]
    # paths follow the gold headings, not the splitter's: without （二） as a heading, （一） stays open
    labels = ["planning" if c["text"] == "（二）基本原则" else lab for c, lab in zip(skel, labels)]
    recs = apply_units_mod.apply_units(skel, _rows([(lab, "", "") for lab in labels]), raw)
    path = {r["text"]: r["heading_path"] for r in recs}
    assert path["正文二。"] == ["一、总体要求", "（一）指导思想", "1.坚持创新"]
    assert path["（二）基本原则"] == ["一、总体要求", "（一）指导思想"]


def test_split_parts_parsing() -> None:
    sp = apply_units_mod.split_parts
    assert sp("split: 河北省人力资源=other | 关于加强农民工=other") == [("河北省人力资源", "other"), ("关于加强农民工", "other")]
    assert sp("? public_service (C3); split: 省级动物防疫=demand") == [("省级动物防疫", "demand")]
    assert sp("split: 填写《河北=funding | NEW: sections of a guide -> funding") == [("填写《河北", "funding")]
    assert sp("split: 填写《河北=other; adj: P1 — format = submission logistics") == [("填写《河北", "other")]
    assert sp("split: a=b=heading; ? other") == [("a=b", "heading")]
    with pytest.raises(ValueError, match="no known label"):
        sp("split: 某某=fundng")
    assert sp("C2") == []


def test_split_part_found_despite_width_and_whitespace() -> None:
    raw = "各市人民政府：２０２４年\n７月４日印发"
    assert apply_units_mod.find_part(raw, 0, len(raw), "2024年7月4日") == raw.index("２")


def test_errors_name_the_row(tmp_path: Path) -> None:
    skel = _units_skeleton()
    bad = _rows([("other", "merge_prev", "")] + [("other", "", "")] * 9)
    with pytest.raises(UnitsError, match="row 0: merge_prev on the first clause"):
        apply_units_mod.apply_units(skel, bad, RAW)
    bad = _rows([("other", "split", "split: 不存在的文字=other")] + [("other", "", "")] * 9)
    with pytest.raises(UnitsError, match="row 0: split part '不存在的文字' not found"):
        apply_units_mod.apply_units(skel, bad, RAW)
    table = tmp_path / "d.labels.tsv"
    table.write_text("index\tlabel\tunit\tnote\n0\tfundng\t\t\n", encoding="utf-8")
    with pytest.raises(UnitsError, match=r"d\.labels\.tsv:2: unknown label 'fundng'"):
        apply_units_mod.read_label_table(table)
    table.write_text("index\tlabel\tunit\tnote\n0\tother\t\t\n", encoding="utf-8")
    with pytest.raises(UnitsError, match="1 rows for 10 skeleton clauses"):
        apply_units_mod.read_label_table(table, 10)


def test_folder_mode_cli(tmp_path: Path) -> None:
    tasks, labels, raw, out = (tmp_path / n for n in ("tasks", "labels", "raw", "out"))
    for d in (tasks, labels, raw):
        d.mkdir()
    (raw / "d.txt").write_text(RAW, encoding="utf-8")
    skel = _units_skeleton()
    (tasks / "d.skeleton.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in skel),
                                            encoding="utf-8")
    rows = ["index\tlabel\tunit\tnote"] + [f"{i}\t{'heading' if s['is_heading'] else 'other'}\t\t" for i, s in enumerate(skel)]
    (labels / "d.labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert apply_units_mod.main(["--tasks", str(tasks), "--labels", str(labels), "--raw", str(raw), "--out", str(out)]) == 0
    assert (out / "d.txt").read_text(encoding="utf-8") == RAW
    assert validate(out) == []
    assert len((out / "d.jsonl").read_text(encoding="utf-8").splitlines()) == len(skel)
