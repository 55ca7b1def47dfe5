"""clausetag.harness.units / ``clausetag apply-units``: skeleton + label table with unit corrections -> gold
JSONL (made-up cases; the policy gold rebuilt byte for byte; the labels/tools/apply_units.py wrapper)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT

from clausetag.cli import main
from clausetag.harness import units as apply_units_mod
from clausetag.harness.validation import validate
from clausetag.io.schema import load_schema
from clausetag.segment.splitter import split

LABELS = set(load_schema().codes)
POLICY = ROOT / "labels" / "policy"
ROUNDS = sorted((ROOT / "labels" / "policy_annotation").glob("r*"))

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


@pytest.mark.parametrize(("rows", "message"), [
    ([("regulation", "merge_prev", "")] + GOOD[1:], r"d row 0: merge_prev on the first clause"),
    (GOOD + [("other", "", "")], r"d: rows for clauses the skeleton does not have \[10\]"),
])
def test_corrections_that_cannot_apply_are_errors(rows: list[tuple[str, str, str]], message: str) -> None:
    with pytest.raises(apply_units_mod.UnitError, match=message):
        apply_units_mod.apply_units("d", RAW, _skeleton(), _rows(rows), LABELS)


def test_two_rows_for_one_clause_are_an_error() -> None:
    rows = _rows(GOOD)
    rows.insert(5, dict(rows[4]))
    with pytest.raises(apply_units_mod.UnitError, match=r"d row 4: two rows for this clause"):
        apply_units_mod.apply_units("d", RAW, _skeleton(), rows, LABELS)


def test_labels_default_to_the_schema() -> None:
    assert apply_units_mod.apply_units("d", RAW, _skeleton(), _rows(GOOD)) == \
        apply_units_mod.apply_units("d", RAW, _skeleton(), _rows(GOOD), LABELS)


# ---- folders and the command line ---------------------------------------------------------------------------

def _folder(root: Path, stem: str = "d", rows: list[tuple[str, str, str]] = GOOD, doc_id: str = "d") -> Path:
    """RAW, its skeleton and a label table as apply-units reads them: root/<stem>.txt, .skeleton.jsonl, .labels.tsv."""
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{stem}.txt").write_text(RAW, encoding="utf-8")
    (root / f"{stem}.skeleton.jsonl").write_text(
        "".join(json.dumps(dict(c, doc_id=doc_id), ensure_ascii=False) + "\n" for c in _skeleton()), encoding="utf-8")
    table = ["index\tlabel\tunit\tnote"] + [f"{i}\t{lab}\t{unit}\t{note}" for i, (lab, unit, note) in enumerate(rows)]
    (root / f"{stem}.labels.tsv").write_text("\n".join(table) + "\n", encoding="utf-8")
    return root


def test_cli_writes_the_good_documents_and_exits_1_for_a_bad_one(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    src = _folder(tmp_path / "in")
    bad = list(GOOD)
    bad[4] = ("fundng", "", "")
    _folder(src, "e", bad, doc_id="e")
    (src / "f.labels.tsv").write_text("index\tlabel\n0\tother\n", encoding="utf-8")  # no raw text, no skeleton
    out = tmp_path / "out"
    code = main(["apply-units", "--raw", str(src), "--skeletons", str(src), "--labels", str(src), "--out", str(out),
                 "--source-is-doc-id"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "e row 4: unknown label 'fundng'" in err and f"f: missing {src / 'f.txt'}" in err
    assert "1 document(s) written" in err and "2 failed" in err
    assert sorted(p.name for p in out.iterdir()) == ["d.jsonl", "d.txt"]
    assert (out / "d.txt").read_bytes() == (src / "d.txt").read_bytes()
    recs = [json.loads(x) for x in (out / "d.jsonl").read_text("utf-8").splitlines()]
    assert len(recs) == 9 and {r["source"] for r in recs} == {"d"}
    assert validate(out) == []


@pytest.mark.parametrize(("damage", "message"), [
    (lambda d: (d / "d.labels.tsv").write_text("idx\tlabel\n0\tother\n", encoding="utf-8"),
     r"d\.labels\.tsv: no column 'index' in the header"),
    (lambda d: (d / "d.labels.tsv").write_text("index\tlabel\nzero\tother\n", encoding="utf-8"),
     r"d\.labels\.tsv:2: index 'zero' is not a clause number"),
    (lambda d: (d / "d.skeleton.jsonl").write_text('{"index": 0, "text": "x", "start": 0\n', encoding="utf-8"),
     r"d\.skeleton\.jsonl:1: not JSON"),
    (lambda d: (d / "d.skeleton.jsonl").write_text('{"index": 0, "text": "x", "start": 0}\n', encoding="utf-8"),
     r"d\.skeleton\.jsonl:1: no int 'end'"),
    (lambda d: _folder(d, doc_id="other-doc"), r"d\.skeleton\.jsonl: the clauses are of document 'other-doc', not 'd'"),
    (lambda d: (d / "d.txt").write_text(RAW.replace("冀政发", "X政发"), encoding="utf-8"),
     r"^d: skeleton clause 2: raw\[\d+:\d+\] is 'X政发〔2024〕1号各市人民政府：', the clause text is "
     r"'冀政发〔2024〕1号各市人民政府：' \(compared without whitespace; the raw text is not the one the skeleton"),
    (lambda d: (d / "d.txt").write_text(RAW[:20], encoding="utf-8"),
     r"^d: skeleton clause 2: span \[\d+:\d+\] is not inside the raw text \(length 20;"),
])
def test_unusable_inputs_fail_the_document_with_one_line(tmp_path: Path, damage: Callable[[Path], object],
                                                         message: str) -> None:
    src = _folder(tmp_path / "in")
    damage(src)
    result = apply_units_mod.apply_units_dir(src, src, src, tmp_path / "out")
    assert result.written == [] and len(result.problems) == 1
    assert re.search(message, result.problems[0]), result.problems[0]


# ---- the skeleton is checked before any row is applied --------------------------------------------------------

HEADINGS_RAW = "一、总体要求\n（一）指导思想\n正文一。\n正文二。\n二、重点任务\n正文四。\n"


def _write_doc(root: Path, raw: str, skeleton: list[dict], rows: list[tuple[str, str, str]], stem: str = "d") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{stem}.txt").write_text(raw, encoding="utf-8")
    (root / f"{stem}.skeleton.jsonl").write_text(
        "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in skeleton), encoding="utf-8")
    table = ["index\tlabel\tunit\tnote"] + [f"{c['index']}\t{lab}\t{unit}\t{note}"
                                           for c, (lab, unit, note) in zip(skeleton, rows)]
    (root / f"{stem}.labels.tsv").write_text("\n".join(table) + "\n", encoding="utf-8")
    return root


def _headings_doc() -> tuple[list[dict], list[tuple[str, str, str]]]:
    skel = [dict(c.to_dict(), doc_id="d") for c in split(HEADINGS_RAW, "d")]
    assert [c["text"] for c in skel] == ["一、总体要求", "（一）指导思想", "正文一。", "正文二。", "二、重点任务", "正文四。"]
    rows = [("heading", "", ""), ("heading", "", ""), ("planning", "", ""), ("planning", "merge_prev", ""),
            ("heading", "", ""), ("planning", "", "")]
    return skel, rows


def test_a_raw_text_that_is_not_the_skeletons_fails_without_split_rows(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Plain rows and merge_prev only: before, the replaced raw text gave exit 0 and gold whose span of
    '一、总体要求' was '完全不同的文' (review finding)."""
    skel, rows = _headings_doc()
    other = "完全不同的文" + HEADINGS_RAW[6:].replace("正文", "别的")  # same length, other characters
    assert len(other) == len(HEADINGS_RAW)
    src = _write_doc(tmp_path / "in", other, skel, rows)
    out = tmp_path / "out"
    code = main(["apply-units", "--raw", str(src), "--skeletons", str(src), "--labels", str(src), "--out", str(out)])
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err[0] == ("d: skeleton clause 0: raw[0:6] is '完全不同的文', the clause text is '一、总体要求' (compared "
                      "without whitespace; the raw text is not the one the skeleton was made from)")
    assert err[1].startswith("0 document(s) written") and err[1].endswith("1 failed")
    assert not (out / "d.jsonl").exists() and not (out / "d.txt").exists()
    # only one clause differs (the merge_prev one): still the whole document fails, naming that clause
    other = HEADINGS_RAW.replace("正文二", "正文三")
    result = apply_units_mod.apply_units_dir(_write_doc(tmp_path / "in2", other, skel, rows),
                                             tmp_path / "in2", tmp_path / "in2", tmp_path / "out2")
    assert result.written == [] and len(result.problems) == 1
    assert result.problems[0].startswith("d: skeleton clause 3: raw[20:24] is '正文三。', the clause text is '正文二。'")


def test_the_skeleton_check_ignores_whitespace_like_the_validator() -> None:
    """raw[start:end] and the clause text are compared without whitespace (U+3000, line breaks), as
    clausetag validate does: a clause whose raw span holds a line break or a full-width space is fine."""
    raw = "一、总体\n要求\n第一条　正文。\n"
    skel = [{"doc_id": "d", "index": 0, "text": "一、总体要求", "start": 0, "end": 7},
            {"doc_id": "d", "index": 1, "text": "第一条正文。", "start": 8, "end": 15}]
    recs = apply_units_mod.apply_units("d", raw, skel, _rows([("heading", "", ""), ("regulation", "", "")]), LABELS)
    assert [r["text"] for r in recs] == ["一、总体要求", "第一条正文。"]


def _dup(skel: list[dict]) -> list[dict]:
    return skel[:3] + [dict(skel[2])] + skel[3:]


def _reorder(skel: list[dict]) -> list[dict]:
    return [dict(c, index={2: 3, 3: 2}.get(c["index"], c["index"])) for c in skel]


def _overlap(skel: list[dict]) -> list[dict]:
    return [dict(c, start=c["start"] - 2, text=HEADINGS_RAW[c["start"] - 2:c["end"]]) if c["index"] == 3 else c
            for c in skel]


def _backwards(skel: list[dict]) -> list[dict]:
    return skel[:2] + [dict(skel[3], index=2), dict(skel[2], index=3)] + skel[4:]


@pytest.mark.parametrize(("damage", "message"), [
    (_dup, "d: skeleton clause 2: index 2 given twice (the skeleton's indices must increase)"),
    (_reorder, "d: skeleton clause 2: index 2 comes after index 3 (the skeleton's indices must increase)"),
    (_overlap, "d: skeleton clause 3: span [18:24] overlaps clause 2 [15:19]"),
    (_backwards, "d: skeleton clause 3: span [15:19] starts before clause 2 [20:24]"),
], ids=["duplicate-index", "index-out-of-order", "overlapping-spans", "clauses-out-of-order"])
def test_a_skeleton_with_indices_twice_or_out_of_order_fails(tmp_path: Path, damage: Callable[[list[dict]], list[dict]],
                                                             message: str) -> None:
    """Before, a duplicated skeleton clause was accepted and its text written twice into the gold."""
    skel, rows = _headings_doc()
    bad = damage(skel)
    with pytest.raises(apply_units_mod.UnitError) as err:
        apply_units_mod.apply_units("d", HEADINGS_RAW, bad, _rows(rows), LABELS)
    assert str(err.value) == message
    # through the folder step too: a row per distinct index, the document fails with that one line
    src = tmp_path / "in"
    _write_doc(src, HEADINGS_RAW, skel, rows)
    (src / "d.skeleton.jsonl").write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in bad),
                                          encoding="utf-8")
    result = apply_units_mod.apply_units_dir(src, src, src, tmp_path / "out")
    assert result.problems == [message] and result.written == []


def test_spans_in_order_starting_where_the_clause_before_ends_are_fine() -> None:
    raw = "第一条正文。第二条正文。"
    skel = [{"index": 0, "text": "第一条正文。", "start": 0, "end": 6},
            {"index": 1, "text": "第二条正文。", "start": 6, "end": 12}]
    recs = apply_units_mod.apply_units("d", raw, skel, _rows([("regulation", "", "")] * 2), LABELS)
    assert [(r["start"], r["end"]) for r in recs] == [(0, 6), (6, 12)]


def test_a_failed_rerun_keeps_the_earlier_gold_and_says_so(tmp_path: Path) -> None:
    """Like import-annotations, a document that fails leaves the gold of an earlier run in place (never a
    half-written file); its problem line names that file, so nobody takes it for this run's output."""
    src = _folder(tmp_path / "in")
    out = tmp_path / "out"
    first = apply_units_mod.apply_units_dir(src, src, src, out)
    assert first.ok
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(before) == ["d.jsonl", "d.txt"]
    (src / "d.txt").write_text(RAW.replace("重点任务", "主要任务"), encoding="utf-8")
    again = apply_units_mod.apply_units_dir(src, src, src, out)
    assert again.written == [] and len(again.problems) == 1
    assert again.problems[0].startswith("d: skeleton clause 3: raw[")
    assert again.problems[0].endswith(f"; {out / 'd.jsonl'} from an earlier run is left as it was (not updated)")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # nothing else left behind either
    # a missing raw text likewise
    (src / "d.txt").unlink()
    assert apply_units_mod.apply_units_dir(src, src, src, out).problems == [
        f"d: missing {src / 'd.txt'}; {out / 'd.jsonl'} from an earlier run is left as it was (not updated)"]
    # a failure with no earlier gold says nothing of one
    assert apply_units_mod.apply_units_dir(src, src, src, tmp_path / "fresh").problems == [f"d: missing {src / 'd.txt'}"]


def test_ids_with_folders_keep_their_doc_id(tmp_path: Path) -> None:
    """import-annotations stores the id ``a/x.txt`` as ``a__x.txt``: the gold keeps the id and validates."""
    src = _folder(tmp_path / "in", stem="a__x.txt", doc_id="a/x.txt")
    result = apply_units_mod.apply_units_dir(src, src, src, tmp_path / "out", source_is_doc_id=True)
    assert result.ok, result.problems
    assert result.written == [tmp_path / "out" / "a__x.txt.jsonl"]
    recs = [json.loads(x) for x in result.written[0].read_text("utf-8").splitlines()]
    assert {r["doc_id"] for r in recs} == {"a/x.txt"} and {r["source"] for r in recs} == {"a/x.txt"}
    assert validate(tmp_path / "out") == []


def test_the_out_folder_may_be_the_raw_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _folder(tmp_path / "in")
    assert main(["apply-units", "--raw", str(src), "--skeletons", str(src), "--labels", str(src), "--out", str(src)]) == 0
    assert (src / "d.txt").read_text("utf-8") == RAW and len((src / "d.jsonl").read_text("utf-8").splitlines()) == 9


@pytest.mark.parametrize("round_dir", ROUNDS, ids=[r.name for r in ROUNDS])
def test_the_policy_gold_is_rebuilt_byte_for_byte(round_dir: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """labels/policy was made by this step from labels/policy_annotation/r*/ (labels/README.md): every
    document of every round comes out identical, gold and raw copy."""
    tables = sorted((round_dir / "labels").glob("*.labels.tsv"))
    assert len(tables) >= 50
    out = tmp_path / "gold"
    code = main(["apply-units", "--raw", str(POLICY), "--skeletons", str(round_dir / "skeletons"),
                 "--labels", str(round_dir / "labels"), "--out", str(out), "--source-is-doc-id"])
    assert code == 0, capsys.readouterr().err
    made = sorted(p.name for p in out.iterdir())
    stems = [t.name.removesuffix(".labels.tsv") for t in tables]
    assert made == sorted([f"{s}.jsonl" for s in stems] + [f"{s}.txt" for s in stems])
    differ = [name for name in made if (out / name).read_bytes() != (POLICY / name).read_bytes()]
    assert differ == []


def test_the_labels_tools_script_still_works(tmp_path: Path) -> None:
    """labels/tools/apply_units.py (cited in older notes) is `clausetag apply-units` of the checkout."""
    src = _folder(tmp_path / "in")
    done = subprocess.run([sys.executable, str(ROOT / "labels" / "tools" / "apply_units.py"), "--raw", str(src),
                           "--skeletons", str(src), "--labels", str(src), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 document(s) written" in done.stderr
    assert len((tmp_path / "out" / "d.jsonl").read_text("utf-8").splitlines()) == 9
    bad = subprocess.run([sys.executable, str(ROOT / "labels" / "tools" / "apply_units.py"), "--raw",
                          str(tmp_path / "nope"), "--skeletons", str(src), "--labels", str(src), "--out", str(src)],
                         capture_output=True, text=True, check=False, timeout=120)
    assert bad.returncode == 2 and bad.stderr.strip().endswith("--raw " + str(tmp_path / "nope") +
                                                               ": no such folder (the raw texts <doc_id>.txt)")
