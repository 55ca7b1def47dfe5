"""Label Studio round trip (clausetag.harness.labelstudio, ``export-tasks``/``import-annotations``) with exports
built in Label Studio's JSON export format (task ``id``/``data``/``annotations``/``predictions``;
annotation ``completed_by``, ``created_at``, ``updated_at``, ``lead_time``, ``was_cancelled``; result
``from_name``/``to_name``/``type``/``value.choices``). ``tests/data/labelstudio/`` holds an export made
by a real Label Studio (see docs/annotation.md); the default suite never needs Label Studio itself."""
from __future__ import annotations

import copy
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from clausetag.cli import main
from clausetag.harness.labelstudio import (
    FROM_NAME,
    TO_NAME,
    LabelStudioError,
    export_tasks,
    import_annotations,
    labeling_config,
)
from clausetag.harness.validation import validate
from clausetag.io.schema import load_schema

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "labelstudio"
DOC = "我省推进就业工作方案"
TEXT = ("关于印发推进就业工作方案的通知\n一、总体要求\n到2025年，新增城镇就业50万人。\n二、主要措施\n"
        "设立专项资金，给予奖补和补助。\n引进高层次人才，开展技能培训。\n成立领导小组，强化考核评估。\n")


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    d = tmp_path / "raw"
    d.mkdir()
    (d / f"{DOC}.txt").write_text(TEXT, encoding="utf-8")
    return d


@pytest.fixture
def tasks(raw_dir: Path, baseline_dir: Path) -> list[dict[str, Any]]:
    out = export_tasks([raw_dir], model=baseline_dir, progress=False)
    for i, t in enumerate(out, 1):  # what Label Studio adds on import
        t["id"] = 100 + i
    return out


def _annotation(label: str, ann_id: int, user: int = 1, updated: str = "2026-12-06T10:00:00.000000Z",
                note: str | None = None, **extra: Any) -> dict[str, Any]:
    result: list[dict[str, Any]] = [{"value": {"choices": [label]}, "id": f"r{ann_id}", "from_name": FROM_NAME,
                                     "to_name": TO_NAME, "type": "choices", "origin": "manual"}]
    if note:
        result.append({"value": {"text": [note]}, "id": f"n{ann_id}", "from_name": "note", "to_name": TO_NAME,
                       "type": "textarea", "origin": "manual"})
    ann = {"id": ann_id, "completed_by": user, "result": result, "was_cancelled": False, "ground_truth": False,
           "created_at": "2026-12-06T09:59:00.000000Z", "updated_at": updated, "draft_created_at": None,
           "lead_time": 12.5, "prediction": {}, "result_count": 1, "unique_id": f"u{ann_id}",
           "import_id": None, "last_action": None, "bulk_created": False, "task": 0, "project": 1,
           "updated_by": user, "parent_prediction": None, "parent_annotation": None, "last_created_by": None}
    ann.update(extra)
    return ann


def _export(tasks: list[dict[str, Any]], labels: dict[int, str] | None = None) -> list[dict[str, Any]]:
    """A Label Studio JSON export of ``tasks``: each annotated with the model's label (or ``labels``)."""
    out = []
    for t in copy.deepcopy(tasks):
        label = (labels or {}).get(t["data"]["index"]) or t["predictions"][0]["result"][0]["value"]["choices"][0]
        ann = _annotation(label, 1000 + t["id"])
        ann["task"] = t["id"]
        out.append({"id": t["id"], "annotations": [ann], "file_upload": "tasks.json", "drafts": [],
                    "predictions": [], "data": t["data"], "meta": {}, "created_at": "2026-12-06T09:00:00.000000Z",
                    "updated_at": "2026-12-06T10:00:00.000000Z", "inner_id": t["id"], "total_annotations": 1,
                    "cancelled_annotations": 0, "total_predictions": 1, "comment_count": 0,
                    "unresolved_comment_count": 0, "last_comment_updated_at": None, "project": 1,
                    "updated_by": 1, "comment_authors": []})
    return out


def test_labeling_config_has_every_label_once_with_hotkeys() -> None:
    schema = load_schema()
    root = ET.fromstring(labeling_config())
    choices = root.find("Choices")
    assert choices is not None and choices.get("name") == FROM_NAME and choices.get("toName") == TO_NAME
    items = choices.findall("Choice")
    assert [c.get("alias") for c in items] == list(schema.codes) and len(items) == 17
    assert all(schema.zh(c.get("alias") or "") in (c.get("value") or "") for c in items)
    units = root.find("Choices[@name='unit']")
    assert units is not None and [c.get("alias") for c in units.findall("Choice")] == ["merge_prev", "split"]
    hotkeys = [c.get("hotkey") for c in root.iter("Choice")]
    assert len(set(hotkeys)) == len(hotkeys) == 19
    assert root.find(f".//Text[@name='{TO_NAME}']") is not None


def test_tasks_carry_spans_context_and_predictions(tasks: list[dict[str, Any]], raw_dir: Path,
                                                   baseline_dir: Path) -> None:
    from clausetag.outputs.provenance import model_identity

    raw = TEXT
    assert [t["data"]["index"] for t in tasks] == list(range(len(tasks)))
    for i, t in enumerate(tasks):
        d = t["data"]
        assert "".join(raw[d["start"]:d["end"]].split()) == "".join(d["text"].split())
        assert d["raw"] == str(raw_dir / f"{DOC}.txt") and d["doc_id"] == DOC
        assert d["prev"] == (tasks[i - 1]["data"]["text"] if i else "")
        pred = t["predictions"][0]
        assert pred["model_version"] == model_identity(baseline_dir)[1]
        assert 0 < pred["score"] <= 1
        assert pred["result"][0]["value"]["choices"][0] in load_schema()
    heads = [t for t in tasks if t["data"]["is_heading"]]
    assert [t["data"]["text"] for t in heads] == ["一、总体要求", "二、主要措施"]
    assert all(t["predictions"][0]["result"][0]["value"]["choices"] == ["heading"] for t in heads)
    body = next(t for t in tasks if t["data"]["text"].startswith("设立专项资金"))
    assert body["data"]["heading_path"] == ["二、主要措施"] and body["data"]["heading"] == "二、主要措施"


def test_blind_tasks_have_no_predictions(raw_dir: Path, baseline_dir: Path) -> None:
    blind = export_tasks([raw_dir], model=baseline_dir, progress=False, predictions=False)
    assert blind and all("predictions" not in t for t in blind)


def test_round_trip_writes_valid_gold_with_annotator_and_time(tasks: list[dict[str, Any]], raw_dir: Path,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "gold"
    export = _export(tasks, labels={0: "other"})
    export[3]["annotations"][0]["result"].append(
        {"value": {"text": ["见GUIDE §5"]}, "id": "n", "from_name": "note", "to_name": TO_NAME, "type": "textarea"})
    result = import_annotations(export, raw_dir, out)
    assert result.ok, result.problems
    assert result.written == [out / f"{DOC}.jsonl"] and result.clauses == len(tasks)
    assert (out / f"{DOC}.txt").read_bytes() == (raw_dir / f"{DOC}.txt").read_bytes()
    assert validate(out) == []
    recs = [json.loads(line) for line in (out / f"{DOC}.jsonl").read_text("utf-8").splitlines()]
    assert recs[0]["label"] == "other"
    assert recs[3]["note"] == "见GUIDE §5"
    for r, t in zip(recs, tasks):
        assert (r["doc_id"], r["index"], r["start"], r["end"]) == (DOC, t["data"]["index"], t["data"]["start"],
                                                                   t["data"]["end"])
        assert r["annotator"] == "1" and r["lead_time"] == 12.5 and r["ls_task"] == t["id"]
        assert r["annotated_at"] == "2026-12-06T10:00:00.000000Z" and r["created_at"].startswith("2026-12-06T09:59")
        assert r["quantities"] == [] and r["quantities_annotated"] is False


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda e: e[2]["annotations"][0]["result"][0]["value"].update(choices=["subsidy"]), "unknown label 'subsidy'"),
    (lambda e: e[2]["annotations"][0]["result"][0]["value"].update(choices=["tax", "land"]),
     "several labels: tax, land"),
    (lambda e: e[2]["annotations"][0].update(result=[]), "has no label"),
    (lambda e: e[2]["data"].update(start=e[2]["data"]["start"] + 2), "span moved"),
    (lambda e: e[2]["data"].update(end=10_000), "outside the raw text"),
    (lambda e: e[2]["data"].pop("start"), "task data lacks start"),
    (lambda e: e[2].update(annotations=[]), "clauses have no valid annotation (index 2)"),
    (lambda e: e[2]["annotations"][0].update(was_cancelled=True), "clauses have no valid annotation (index 2)"),
    (lambda e: e.pop(2), "clauses have no valid annotation (index 2)"),  # an export of annotated tasks only
    (lambda e: e.pop(), "[uncovered]"),  # the last clause missing: raw text outside every clause
])
def test_problems_are_one_line_and_block_the_document(tasks: list[dict[str, Any]], raw_dir: Path, tmp_path: Path,
                                                       mutate: Any, message: str) -> None:
    export = _export(tasks)
    mutate(export)
    result = import_annotations(export, raw_dir, tmp_path / "gold")
    assert not result.ok and result.written == []
    assert any(message in p for p in result.problems), result.problems
    assert all("\n" not in p for p in result.problems)
    assert not (tmp_path / "gold" / f"{DOC}.jsonl").exists()


def test_a_failing_reimport_keeps_the_gold_already_written(tasks: list[dict[str, Any]], raw_dir: Path,
                                                          tmp_path: Path) -> None:
    """An export of a document half annotated (the last clauses missing) must not delete the good gold of an
    earlier import into the same folder."""
    gold = tmp_path / "gold"
    assert import_annotations(_export(tasks), raw_dir, gold).ok
    before = (gold / f"{DOC}.jsonl").read_bytes()
    partial = _export(tasks)
    partial.pop()
    result = import_annotations(partial, raw_dir, gold)
    assert not result.ok and any("[uncovered]" in p for p in result.problems)
    assert (gold / f"{DOC}.jsonl").read_bytes() == before and (gold / f"{DOC}.txt").exists()
    assert sorted(p.name for p in gold.iterdir()) == [f"{DOC}.jsonl", f"{DOC}.txt"]  # no staging folder left


def _unit(ann: dict[str, Any], unit: str, note: str | None = None) -> None:
    ann["result"].append({"value": {"choices": [unit]}, "id": "u", "from_name": "unit", "to_name": TO_NAME,
                          "type": "choices", "origin": "manual"})
    if note:
        ann["result"].append({"value": {"text": [note]}, "id": "n", "from_name": "note", "to_name": TO_NAME,
                              "type": "textarea", "origin": "manual"})


def test_unit_corrections_go_through_apply_units(tasks: list[dict[str, Any]], raw_dir: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """merge_prev/split (SPEC §1) change the clauses: the import writes the skeleton and the label table with
    a unit column, and `clausetag apply-units` (the command the `next:` line gives) makes the gold from them."""
    export = _export(tasks)
    by_text = {t["data"]["text"]: i for i, t in enumerate(export)}
    _unit(export[by_text["成立领导小组，强化考核评估。"]]["annotations"][0], "merge_prev")
    split_at = by_text["设立专项资金，给予奖补和补助。"]
    export[split_at]["annotations"][0]["result"][0]["value"]["choices"] = ["funding"]
    _unit(export[split_at]["annotations"][0], "split", "split: 给予奖补=funding")
    result = import_annotations(export, raw_dir, tmp_path / "gold")
    assert result.ok, result.problems
    assert result.written == [] and len(result.pending) == 1 and "2 unit correction(s)" in result.pending[0]
    units = tmp_path / "gold" / "units"
    rows = (units / f"{DOC}.labels.tsv").read_text("utf-8").splitlines()
    assert rows[0] == "index\tlabel\tunit\tnote"
    assert rows[split_at + 1].split("\t") == [str(split_at), "funding", "split", "split: 给予奖补=funding"]
    command = result.pending[0].partition(": clausetag ")[2].split()
    assert command == ["apply-units", "--raw", str(raw_dir), "--skeletons", str(units), "--labels", str(units),
                       "--out", str(tmp_path / "gold"), "--source-is-doc-id"]
    assert main(command) == 0, capsys.readouterr().err
    assert "1 document(s) written" in capsys.readouterr().err
    assert validate(tmp_path / "gold" / f"{DOC}.jsonl") == []
    gold = [json.loads(x) for x in (tmp_path / "gold" / f"{DOC}.jsonl").read_text("utf-8").splitlines()]
    texts = [g["text"] for g in gold]
    assert "设立专项资金，" in texts and "给予奖补和补助。" in texts  # split in two
    assert "引进高层次人才，开展技能培训。成立领导小组，强化考核评估。" in texts  # merged into the previous clause
    assert len(gold) == len(tasks)  # one more by the split, one fewer by the merge


@pytest.mark.parametrize(("unit", "note", "index", "message"), [
    ("split", None, 3, "unit split needs a note"),
    ("merge_prev", None, 0, "merge_prev on the first clause"),
    ("join", None, 3, "unknown unit correction 'join'"),
])
def test_bad_unit_corrections(tasks: list[dict[str, Any]], raw_dir: Path, tmp_path: Path, unit: str,
                              note: str | None, index: int, message: str) -> None:
    export = _export(tasks)
    _unit(export[index]["annotations"][0], unit, note)
    result = import_annotations(export, raw_dir, tmp_path / "gold")
    assert not result.ok and any(message in p for p in result.problems), result.problems


def test_missing_or_unreadable_raw_file_is_reported(tasks: list[dict[str, Any]], tmp_path: Path) -> None:
    result = import_annotations(_export(tasks), tmp_path / "nowhere", tmp_path / "gold")
    assert result.written == [] and any("raw text" in p and "not found" in p for p in result.problems)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / f"{DOC}.txt").write_bytes(b"\x00\xff\xfe\x00binary" * 50)
    result = import_annotations(_export(tasks), tmp_path / "bin", tmp_path / "gold")
    assert result.written == [] and any("cannot read raw text" in p for p in result.problems), result.problems


def test_conflicting_annotations_latest_wins_or_all(tasks: list[dict[str, Any]], raw_dir: Path, tmp_path: Path) -> None:
    export = _export(tasks)
    body = next(i for i, t in enumerate(export) if not t["data"]["is_heading"] and t["data"]["index"] > 0)
    first = export[body]["annotations"][0]
    export[body]["annotations"] = [
        _annotation("tax", 1, user=7, updated="2026-12-06T11:00:00.000000Z"),
        first,
        _annotation("land", 2, user=8, updated="2026-12-06T08:00:00.000000Z"),
    ]
    for t in export:  # every other task annotated by 7 and 8 alike
        if t is not export[body]:
            t["annotations"] = [dict(t["annotations"][0], completed_by=7), dict(t["annotations"][0], completed_by=8)]
    result = import_annotations(export, raw_dir, tmp_path / "latest")
    assert result.ok, result.problems
    assert len(result.conflicts) == 1 and "kept the latest, tax by 7" in result.conflicts[0]
    recs = [json.loads(x) for x in (tmp_path / "latest" / f"{DOC}.jsonl").read_text("utf-8").splitlines()]
    assert recs[export[body]["data"]["index"]]["label"] == "tax"

    export[body]["annotations"] = export[body]["annotations"][::2]  # users 7 (tax) and 8 (land)
    both = import_annotations(export, raw_dir, tmp_path / "all", all_annotations=True)
    assert both.ok, both.problems
    assert sorted(p.parent.name for p in both.written) == ["7", "8"]
    by_user = {p.parent.name: [json.loads(x) for x in p.read_text("utf-8").splitlines()] for p in both.written}
    idx = export[body]["data"]["index"]
    assert (by_user["7"][idx]["label"], by_user["8"][idx]["label"]) == ("tax", "land")
    assert validate(tmp_path / "all" / "7") == [] and validate(tmp_path / "all" / "8") == []
    # the per-annotator label tables feed labels/tools/agreement.py
    import_annotations(export, raw_dir, tmp_path / "tables", all_annotations=True, label_tables=True)
    rows = (tmp_path / "tables" / "8" / f"{DOC}.labels.tsv").read_text("utf-8").splitlines()
    assert rows[0] == "index\tlabel\tunit\tnote" and rows[idx + 1].split("\t")[:2] == [str(idx), "land"]
    done = subprocess.run([sys.executable, str(ROOT / "labels" / "tools" / "agreement.py"), str(tmp_path / "tables" / "7"),
                           str(tmp_path / "tables" / "8")], capture_output=True, text=True, check=True)
    assert "| **all** |" in done.stdout


def test_ground_truth_annotation_wins_over_a_later_one(tasks: list[dict[str, Any]], raw_dir: Path,
                                                      tmp_path: Path) -> None:
    export = _export(tasks)
    export[2]["annotations"] = [_annotation("tax", 1, user=7, updated="2026-12-06T08:00:00.000000Z", ground_truth=True),
                                _annotation("land", 2, user=8, updated="2026-12-06T11:00:00.000000Z")]
    result = import_annotations(export, raw_dir, tmp_path / "g")
    assert result.ok and "kept the ground truth, tax by 7" in result.conflicts[0]


def test_export_tasks_raw_out_for_html_input(tmp_path: Path, baseline_dir: Path) -> None:
    html = tmp_path / "in" / "doc1.html"
    html.parent.mkdir()
    html.write_text("<html><body><h1>关于推进就业工作的通知</h1><p>一、总体要求</p><p>设立专项资金，给予奖补。</p>"
                    "<p>引进高层次人才，开展技能培训。</p></body></html>", encoding="utf-8")
    tasks = export_tasks([html], model=baseline_dir, progress=False, raw_out=tmp_path / "raw")
    raw = tmp_path / "raw" / "doc1.txt"
    assert raw.is_file() and all(t["data"]["raw"] == str(raw) for t in tasks)
    for i, t in enumerate(tasks, 1):
        t["id"] = i
    result = import_annotations(_export(tasks), tmp_path / "raw", tmp_path / "gold")
    assert result.ok, result.problems
    assert validate(tmp_path / "gold") == []


def test_agreeing_annotations_are_no_conflict(tasks: list[dict[str, Any]], raw_dir: Path, tmp_path: Path) -> None:
    export = _export(tasks)
    export[1]["annotations"].append(dict(export[1]["annotations"][0], id=5, completed_by=2))
    result = import_annotations(export, raw_dir, tmp_path / "g")
    assert result.ok and result.conflicts == []


def test_completed_by_as_user_object(tasks: list[dict[str, Any]], raw_dir: Path, tmp_path: Path) -> None:
    export = _export(tasks)
    for t in export:
        t["annotations"][0]["completed_by"] = {"id": 3, "email": "a@example.org", "first_name": "", "last_name": ""}
    result = import_annotations(export, raw_dir, tmp_path / "g")
    recs = [json.loads(x) for x in result.written[0].read_text("utf-8").splitlines()]
    assert {r["annotator"] for r in recs} == {"a@example.org"}


def test_unreadable_export(tmp_path: Path) -> None:
    bad = tmp_path / "e.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(LabelStudioError, match=r"e\.json:1: not JSON"):
        import_annotations(bad, tmp_path, tmp_path / "o")
    bad.write_text('"text"', encoding="utf-8")
    with pytest.raises(LabelStudioError, match="expected a list of tasks"):
        import_annotations(bad, tmp_path, tmp_path / "o")


def test_cli_round_trip(raw_dir: Path, baseline_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tasks_path, config = tmp_path / "tasks.json", tmp_path / "config.xml"
    assert main(["export-tasks", str(raw_dir), "--model", str(baseline_dir), "-o", str(tasks_path),
                 "--config-out", str(config), "--no-progress"]) == 0
    ET.fromstring(config.read_text("utf-8"))
    tasks = json.loads(tasks_path.read_text("utf-8"))
    for i, t in enumerate(tasks, 1):
        t["id"] = i
    export = tmp_path / "export.json"
    export.write_text(json.dumps(_export(tasks), ensure_ascii=False), encoding="utf-8")
    assert main(["import-annotations", str(export), "--raw", str(raw_dir), "-o", str(tmp_path / "gold")]) == 0
    assert "wrote 1 gold file(s)" in capsys.readouterr().err
    assert main(["validate", str(tmp_path / "gold")]) == 0
    broken = _export(tasks)
    broken[1]["annotations"][0]["result"][0]["value"]["choices"] = ["nope"]
    export.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    assert main(["import-annotations", str(export), "--raw", str(raw_dir), "-o", str(tmp_path / "gold2")]) == 1
    assert f"{export}: task 2 " in capsys.readouterr().err


@pytest.mark.skipif(not (DATA / "export.json").is_file(), reason="no real Label Studio export recorded")
def test_real_label_studio_export(tmp_path: Path) -> None:
    """An export written by a real Label Studio (scripts in benchmarks/labelstudio_roundtrip.py)."""
    raw = DATA / "raw" if (DATA / "raw").is_dir() else ROOT / "labels" / "seed"
    export = json.loads((DATA / "export.json").read_text("utf-8"))
    result = import_annotations(DATA / "export.json", raw, tmp_path / "gold")
    assert result.ok, result.problems
    assert result.clauses == len(export) and len(result.conflicts) == 1  # one task annotated twice
    assert validate(tmp_path / "gold") == []
    gold = [json.loads(x) for x in result.written[0].read_text("utf-8").splitlines()]
    assert [r["index"] for r in gold] == [t["data"]["index"] for t in sorted(export, key=lambda t: t["data"]["index"])]
    assert any(r.get("note") == "corrected in the round trip" for r in gold)
    assert all(r["annotator"] == "1" and r["lead_time"] is not None for r in gold)
    # the JSON_MIN export of the same project (one flat row per annotation) gives the same gold
    minimal = import_annotations(DATA / "export_min.json", raw, tmp_path / "gold_min")
    assert minimal.ok, minimal.problems
    assert len(minimal.conflicts) == 1
    assert minimal.written[0].read_text("utf-8") == result.written[0].read_text("utf-8")
    # the prediction Label Studio stored is the one export-tasks wrote: the model hash and its score
    preds = [a["prediction"] for t in export for a in t["annotations"] if a.get("prediction")]
    assert preds and all(len(p["model_version"]) == 16 and 0 < p["score"] <= 1 for p in preds)


def test_same_named_files_in_two_folders_round_trip(tmp_path: Path, baseline_dir: Path) -> None:
    """Doc ids that tell same-named files apart (``a/x.txt``) name their raw and gold files ``a__x.txt``."""
    for folder, text in (("a", TEXT), ("b", TEXT.replace("50万人", "60万人"))):
        (tmp_path / "in" / folder).mkdir(parents=True)
        (tmp_path / "in" / folder / "x.txt").write_text(text, encoding="utf-8")
    tasks = export_tasks([tmp_path / "in" / "a", tmp_path / "in" / "b"], model=baseline_dir, progress=False,
                         raw_out=tmp_path / "raw")
    assert {t["data"]["doc_id"] for t in tasks} == {"a/x.txt", "b/x.txt"}
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["a__x.txt.txt", "b__x.txt.txt"]
    for i, t in enumerate(tasks, 1):
        t["id"] = i
    result = import_annotations(_export(tasks), tmp_path / "raw", tmp_path / "gold")
    assert result.ok, result.problems
    assert sorted(p.name for p in result.written) == ["a__x.txt.jsonl", "b__x.txt.jsonl"]
    assert validate(tmp_path / "gold") == []
