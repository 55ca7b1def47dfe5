"""Label Studio round trip: clauses → Label Studio tasks with pre-annotations → export → gold JSONL.

* :func:`labeling_config` — the labeling config XML for the label schema: the clause as ``Text`` (with
  title, heading path and neighbouring clauses as context), one ``Choices`` block ``label`` with a
  ``Choice`` per label (shown as ``中文 · English``, stored as the label code through ``alias``, the
  definition as hover ``hint``, hotkeys 1–9, 0, q–u), an optional ``Choices`` ``unit`` for clauses the
  splitter cut wrongly (``merge_prev``, hotkey m; ``split``, hotkey s, with the parts in the note; SPEC
  §1), and a free ``TextArea`` ``note``.
* :func:`export_tasks` — one task per clause (headings included, so a document comes back whole), with
  the model's label as a prediction (``model_version`` = the model hash of :mod:`clausetag.outputs.provenance`,
  ``score`` = its probability).
* :func:`import_annotations` — a Label Studio JSON export (``[{"id", "data", "annotations": [...]}]``)
  back into gold JSONL (SPEC §4) beside a copy of each raw text, checked against the raw texts and the
  schema and then by :func:`clausetag.harness.validation.validate`. Annotator, times and lead time are kept as
  extra fields (``annotator``, ``annotation_id``, ``annotated_at``, ``created_at``, ``lead_time``,
  ``ls_task``). Where a task has several annotations that disagree, the one marked ground truth wins,
  else the latest (``updated_at``, then ``created_at``, then id), and the conflict is reported;
  ``all_annotations=True`` instead writes one gold folder per annotator (``OUT/<annotator>/``), e.g. for
  an agreement study. Both the ``JSON`` and the ``JSON_MIN`` export formats are read.

The formats follow Label Studio's documented task format (``data``, ``predictions`` with
``model_version``/``score``/``result``, ``annotations`` with ``completed_by``, ``created_at``,
``updated_at``, ``lead_time``, ``was_cancelled``) and were checked against a running Label Studio
(docs/annotation.md).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from clausetag.harness.data import write_labeled
from clausetag.harness.validation import doc_file_stem, read_raw_text, validate
from clausetag.io.readers import iter_inputs, read_document
from clausetag.io.schema import LabelSchema, load_schema
from clausetag.tagging.pipeline import Tagger

__all__ = [
    "FROM_NAME",
    "HOTKEYS",
    "TO_NAME",
    "UNIT_CHOICES",
    "UNIT_NAME",
    "ImportResult",
    "LabelStudioError",
    "export_tasks",
    "from_json_min",
    "import_annotations",
    "labeling_config",
    "read_export",
    "tasks_from_records",
]

#: name of the ``Choices`` control and of the ``Text`` object it labels
FROM_NAME = "label"
TO_NAME = "text"
NOTE_NAME = "note"
#: the optional unit correction (SPEC §1) of a clause the splitter cut wrongly: value, shown text, hotkey
UNIT_NAME = "unit"
UNIT_CHOICES: tuple[tuple[str, str, str], ...] = (
    ("merge_prev", "并入上一条 · belongs to the previous clause (merge_prev)", "m"),
    ("split", "拆分 · several units: note 'split: <first chars>=<label> | …' (split)", "s"),
)
_SPLIT_NOTE = re.compile(r"split:\s*[^=|]+=\s*\w+")
#: hotkeys in schema order (17 labels)
HOTKEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "q", "w", "e", "r", "t", "y", "u")
HEADING_SEP = " › "


class LabelStudioError(ValueError):
    """An export file that cannot be read at all (not JSON, not a list of tasks)."""


# ------------------------------------------------------------------------------------------- config
def labeling_config(schema: LabelSchema | None = None) -> str:
    """The Label Studio labeling config (XML) for the labels of ``schema`` (default: the package's)."""
    schema = schema or load_schema()
    choices = []
    for i, label in enumerate(schema):
        hotkey = f" hotkey={quoteattr(HOTKEYS[i])}" if i < len(HOTKEYS) else ""
        shown = f"{label.zh} · {label.en}"
        choices.append(f"    <Choice value={quoteattr(shown)} alias={quoteattr(label.code)}{hotkey} "
                       f"hint={quoteattr(label.definition_zh)}/>")
    return "\n".join([
        "<View>",
        '  <Header value="$title" size="5"/>',
        '  <Text name="heading" value="$heading" granularity="symbol"/>',
        '  <View style="color: #888"><Text name="prev" value="$prev" granularity="symbol"/></View>',
        '  <View style="font-weight: bold; border-left: 4px solid #1f77b4; padding-left: 8px">',
        f'    <Text name="{TO_NAME}" value="$text" granularity="symbol"/>',
        "  </View>",
        '  <View style="color: #888"><Text name="next" value="$next" granularity="symbol"/></View>',
        f'  <Choices name="{FROM_NAME}" toName="{TO_NAME}" choice="single-radio" required="true" '
        'showInline="false">',
        *choices,
        "  </Choices>",
        f'  <Choices name="{UNIT_NAME}" toName="{TO_NAME}" choice="single" showInline="true">',
        *(f"    <Choice value={quoteattr(shown)} alias={quoteattr(code)} hotkey={quoteattr(key)}/>"
          for code, shown, key in UNIT_CHOICES),
        "  </Choices>",
        f'  <TextArea name="{NOTE_NAME}" toName="{TO_NAME}" placeholder="note (optional)" '
        'maxSubmissions="1" editable="true"/>',
        "</View>",
        "",
    ])


# ------------------------------------------------------------------------------------------- export
def tasks_from_records(
    records: Sequence[Any],
    title: str = "",
    raw_path: str | None = None,
    model_version: str | None = None,
) -> list[dict[str, Any]]:
    """Label Studio tasks for the clause records of one document (``ClauseRecord`` s or dicts with
    ``doc_id``, ``index``, ``text``, ``start``, ``end``, ``heading_path``, and ``label``/``prob`` for a
    pre-annotation)."""
    rows = [r.to_dict() if hasattr(r, "to_dict") else dict(r) for r in records]
    tasks = []
    for i, r in enumerate(rows):
        heading_path = list(r.get("heading_path") or [])
        data = {
            "text": r["text"],
            "title": title,
            "doc_id": r["doc_id"],
            "index": r["index"],
            "start": r["start"],
            "end": r["end"],
            "heading": HEADING_SEP.join(heading_path),
            "heading_path": heading_path,
            "is_heading": bool(r.get("is_heading")),
            "prev": rows[i - 1]["text"] if i > 0 else "",
            "next": rows[i + 1]["text"] if i + 1 < len(rows) else "",
            "raw": raw_path or r.get("source") or "",
        }
        task: dict[str, Any] = {"data": data}
        if r.get("label"):
            prob = r.get("prob")
            pred: dict[str, Any] = {
                "model_version": model_version or r.get("model_hash") or "unknown",
                "result": [{"from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices",
                            "value": {"choices": [r["label"]]}}],
            }
            if prob is not None:
                pred["score"] = round(float(prob), 6)
            task["predictions"] = [pred]
        tasks.append(task)
    return tasks


def export_tasks(
    paths: Iterable[str | os.PathLike[str]],
    model: Any = "default",
    *,
    titles: dict[str, str] | None = None,
    raw_out: str | os.PathLike[str] | None = None,
    predictions: bool = True,
    progress: bool = True,
    errors: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Tag the documents at ``paths`` (files, folders, globs; ``.txt`` keeps offsets into the file itself)
    and return one Label Studio task per clause, the model's label as a prediction.

    ``titles`` maps doc ids to titles (default: the first clause of the document). ``raw_out``: also
    write the text the spans index to ``raw_out/<doc_id>.txt`` (a ``.txt`` input is copied byte for
    byte; a ``.docx``/``.pdf``/``.html`` input gives its extracted text), the ``--raw`` folder of
    :func:`import_annotations`. ``predictions=False`` leaves the pre-annotations out (a blind second
    annotation for an agreement study). Documents that cannot be read are reported in ``errors``
    (``path: reason``), or raised when ``errors`` is None."""

    tagger = Tagger(model, with_quantities=False)
    version = tagger.provenance.model_hash or tagger.provenance.model or "unknown"
    # a missing file or a pattern that matches nothing fails like an unreadable document
    files = list(iter_inputs(paths, missing="keep"))
    tasks: list[dict[str, Any]] = []
    for res in tagger.pipe([Path(f) for f in files], batch_size=_SHARD, progress=progress):
        if not res.ok:
            msg = f"{res.path}: {res.error}"
            if errors is None:
                raise ValueError(msg)
            errors.append(msg)
            continue
        title = (titles or {}).get(res.doc_id) or (res.records[0].text if res.records else "")
        raw_path = res.path
        if raw_out is not None and res.path is not None:
            raw_path = str(_write_raw(Path(res.path), res.doc_id, Path(raw_out)))
        doc_tasks = tasks_from_records(res.records, title=title, raw_path=raw_path, model_version=version)
        if not predictions:
            for task in doc_tasks:
                task.pop("predictions", None)
        tasks.extend(doc_tasks)
    return tasks


#: documents tagged together (their clauses share the classifier's batches)
_SHARD = 16


def _write_raw(path: Path, doc_id: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{doc_file_stem(doc_id)}.txt"
    if path.suffix.lower() == ".txt":
        if path.resolve() != out.resolve():
            shutil.copyfile(path, out)
    else:
        out.write_text(read_document(path), encoding="utf-8")
    return out


# ------------------------------------------------------------------------------------------- import
@dataclass
class ImportResult:
    """What :func:`import_annotations` did: files written, one-line problems, conflicts resolved."""

    written: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    #: documents with unit corrections: one line each, with the command that makes their gold
    pending: list[str] = field(default_factory=list)
    #: their label tables (beside ``<doc_id>.skeleton.jsonl``)
    units: list[Path] = field(default_factory=list)
    clauses: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def read_export(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The tasks of a Label Studio export in ``JSON`` format (a list of task objects), or in ``JSON_MIN``
    format (one flat row per annotation), converted to task objects (:func:`from_json_min`)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabelStudioError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelStudioError(f"{p}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise LabelStudioError(f"{p}:{exc.lineno}: not JSON ({exc.msg})") from None
    if isinstance(data, dict):  # a single task
        data = [data]
    if not isinstance(data, list) or not all(isinstance(t, dict) for t in data):
        raise LabelStudioError(f"{p}: not a Label Studio JSON export (expected a list of tasks)")
    if data and all("data" not in t and "annotations" not in t for t in data):
        return from_json_min(data)
    return data


#: keys of a JSON_MIN row that are not task data
_MIN_KEYS = ("id", FROM_NAME, NOTE_NAME, UNIT_NAME, "annotator", "annotation_id", "created_at", "updated_at",
             "lead_time")


def from_json_min(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Task objects (as in the ``JSON`` export) from the rows of a ``JSON_MIN`` export: one row per
    annotation, the task data flattened beside ``id`` (task), ``annotator``, ``annotation_id``,
    ``created_at``, ``updated_at``, ``lead_time`` and the control values by name (``label``, ``note``)."""
    tasks: dict[Any, dict[str, Any]] = {}
    for row in rows:
        task = tasks.setdefault(row.get("id"), {"id": row.get("id"), "annotations": [],
                                                "data": {k: v for k, v in row.items() if k not in _MIN_KEYS}})
        if FROM_NAME not in row and "annotation_id" not in row:
            continue  # a task without annotation
        value = row.get(FROM_NAME)
        if isinstance(value, dict):
            value = value.get("choices")
        choices = [] if value is None else [value] if isinstance(value, str) else list(value)
        result: list[dict[str, Any]] = [{"from_name": FROM_NAME, "to_name": TO_NAME, "type": "choices",
                                         "value": {"choices": choices}}] if choices else []
        if row.get(NOTE_NAME):
            result.append({"from_name": NOTE_NAME, "to_name": TO_NAME, "type": "textarea",
                           "value": {"text": [str(row[NOTE_NAME])]}})
        unit = row.get(UNIT_NAME)
        if isinstance(unit, dict):
            unit = unit.get("choices")
        if unit:
            result.append({"from_name": UNIT_NAME, "to_name": TO_NAME, "type": "choices",
                           "value": {"choices": [unit] if isinstance(unit, str) else list(unit)}})
        task["annotations"].append({"id": row.get("annotation_id"), "completed_by": row.get("annotator"),
                                    "result": result, "created_at": row.get("created_at"),
                                    "updated_at": row.get("updated_at"), "lead_time": row.get("lead_time")})
    return list(tasks.values())


def _annotator(ann: dict[str, Any]) -> str:
    who = ann.get("completed_by")
    if isinstance(who, dict):  # some versions export the user object
        who = who.get("email") or who.get("username") or who.get("id")
    return str(who) if who is not None else "unknown"


def _choice(ann: dict[str, Any]) -> tuple[list[str], str | None, list[str]]:
    """The chosen label codes of an annotation, its note and its unit corrections."""
    labels: list[str] = []
    units: list[str] = []
    note = None
    for res in ann.get("result") or []:
        if not isinstance(res, dict):
            continue
        value = res.get("value") or {}
        if res.get("type") == "choices" and res.get("from_name") == UNIT_NAME:
            units.extend(str(c) for c in value.get("choices") or [])
        elif res.get("type") == "choices" and res.get("from_name", FROM_NAME) == FROM_NAME:
            labels.extend(str(c) for c in value.get("choices") or [])
        elif res.get("type") == "textarea" and res.get("from_name") == NOTE_NAME:
            text = " ".join(str(t) for t in value.get("text") or []).strip()
            note = text or None
    return labels, note, units


def _time_key(ann: dict[str, Any]) -> tuple[bool, str, str, str]:
    """Order of precedence: an annotation marked ground truth, then the latest."""
    return (bool(ann.get("ground_truth")), str(ann.get("updated_at") or ""), str(ann.get("created_at") or ""),
            f"{ann.get('id', '')!s:>20}")


def import_annotations(
    export: str | os.PathLike[str] | Sequence[dict[str, Any]],
    raw_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    all_annotations: bool = False,
    label_tables: bool = False,
    schema: LabelSchema | None = None,
    validate_output: bool = True,
    name: str | None = None,
) -> ImportResult:
    """Turn a Label Studio JSON export into gold JSONL files ``out_dir/<doc_id>.jsonl`` (with the raw
    text copied to ``out_dir/<doc_id>.txt``).

    Raw texts are ``raw_dir/<doc_id>.txt``. A document is written only when every one of its clauses
    has a valid annotation; every problem is one line in :attr:`ImportResult.problems` (unknown label,
    no or several labels, missing raw file, span that no longer matches the raw text, clause without
    annotation, …). Conflicting annotations of one task: the one marked ground truth in Label Studio,
    else the latest wins (reported in :attr:`ImportResult.conflicts`), or with ``all_annotations`` one
    folder per annotator. Each file is checked with :func:`clausetag.harness.validation.validate`
    (``validate_output``) and removed again, with its problems reported, when it fails (e.g. the export
    lacks the last clauses of a document). ``label_tables`` also writes ``<doc_id>.labels.tsv``
    (``index``, ``label``, ``note``) beside each gold file: the input of ``labels/tools/agreement.py``.
    ``name`` (default: the export's path) starts every problem line."""

    schema = schema or load_schema()
    name = name or (str(export) if isinstance(export, (str, os.PathLike)) else "<tasks>")
    tasks = read_export(export) if isinstance(export, (str, os.PathLike)) else list(export)
    result = ImportResult()
    raw_root, out_root = Path(raw_dir), Path(out_dir)
    # (annotator folder or "") → doc_id → index → record
    docs: dict[str, dict[str, dict[int, dict[str, Any]]]] = {}
    expected: dict[str, set[int]] = {}
    raws: dict[str, str | None] = {}
    bad_docs: set[str] = set()

    def problem(task: dict[str, Any], msg: str) -> None:
        data = task.get("data") or {}
        result.problems.append(f"{name}: task {task.get('id', '?')} ({data.get('doc_id', '?')}#"
                               f"{data.get('index', '?')}): {msg}")
        if data.get("doc_id") is not None:
            bad_docs.add(str(data["doc_id"]))

    for task in tasks:
        data = task.get("data")
        if not isinstance(data, dict):
            problem(task, "no data object")
            continue
        missing = [k for k in ("doc_id", "index", "text", "start", "end") if k not in data]
        if missing:
            problem(task, f"task data lacks {', '.join(missing)} (not made by clausetag export-tasks?)")
            continue
        doc_id, index = str(data["doc_id"]), data["index"]
        if not all(isinstance(data[k], int) and not isinstance(data[k], bool) for k in ("index", "start", "end")):
            problem(task, "index, start and end must be integers")
            continue
        expected.setdefault(doc_id, set()).add(index)
        if doc_id not in raws:
            raw_path = raw_root / f"{doc_file_stem(doc_id)}.txt"
            raws[doc_id] = None
            if not raw_path.is_file():
                result.problems.append(f"{name}: document {doc_id}: raw text {raw_path} not found")
                bad_docs.add(doc_id)
            else:
                try:
                    raws[doc_id] = read_raw_text(raw_path)
                except (OSError, ValueError) as exc:  # DecodeError is a ValueError
                    result.problems.append(f"{name}: document {doc_id}: cannot read raw text {raw_path} ({exc})")
                    bad_docs.add(doc_id)
        raw = raws[doc_id]
        if raw is not None:
            start, end = data["start"], data["end"]
            if not 0 <= start <= end <= len(raw):
                problem(task, f"span [{start}:{end}] lies outside the raw text ({len(raw)} characters)")
                continue
            if "".join(raw[start:end].split()) != "".join(str(data["text"]).split()):
                problem(task, f"span moved: raw text [{start}:{end}] is {_short(raw[start:end])!r}, "
                              f"the task text {_short(str(data['text']))!r}")
                continue
        anns = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
        if not anns:
            continue  # reported below as a clause without annotation
        chosen: list[tuple[dict[str, Any], str, str | None, str]] = []
        for ann in anns:
            labels, note, units = _choice(ann)
            who = f"annotation {ann.get('id', '?')} by {_annotator(ann)}"
            unit = units[0] if len(units) == 1 else ""
            if len(units) > 1 or (unit and unit not in {c[0] for c in UNIT_CHOICES}):
                problem(task, f"{who}: unknown unit correction {', '.join(units)!r} (merge_prev or split)")
                continue
            if unit == "merge_prev" and index == 0:
                problem(task, f"{who}: merge_prev on the first clause of the document (nothing to merge with)")
                continue
            if unit == "split" and not _SPLIT_NOTE.search(note or ""):
                problem(task, f"{who}: unit split needs a note 'split: <first chars>=<label> | …' naming the "
                              "further parts")
                continue
            if len(labels) != 1:
                problem(task, f"annotation {ann.get('id', '?')} by {_annotator(ann)} has "
                              f"{'no label' if not labels else 'several labels: ' + ', '.join(labels)}")
                continue
            if labels[0] not in schema:
                problem(task, f"unknown label {labels[0]!r} in annotation {ann.get('id', '?')} by "
                              f"{_annotator(ann)} (labels: {', '.join(schema.codes)})")
                continue
            chosen.append((ann, labels[0], note, unit))
        if len(chosen) != len(anns):
            continue
        if all_annotations:
            picks = chosen
        else:
            picks = [max(chosen, key=lambda c: _time_key(c[0]))]
            if len({(c[1], c[3]) for c in chosen}) > 1:
                others = ", ".join(f"{c[1]}{'/' + c[3] if c[3] else ''} by {_annotator(c[0])}"
                                   for c in chosen if c is not picks[0])
                which = "the ground truth" if picks[0][0].get("ground_truth") else "the latest"
                result.conflicts.append(f"{name}: task {task.get('id', '?')} ({doc_id}#{index}): "
                                        f"{len(chosen)} annotations disagree; kept {which}, {picks[0][1]} "
                                        f"by {_annotator(picks[0][0])} (others: {others})")
        for ann, label, note, unit in picks:
            rec: dict[str, Any] = {
                "doc_id": doc_id, "index": index, "text": data["text"], "start": data["start"],
                "end": data["end"], "heading_path": list(data.get("heading_path") or []), "label": label,
                "quantities": [], "quantities_annotated": False,
            }
            if data.get("is_heading"):
                rec["is_heading"] = True
            if note:
                rec["note"] = note
            if unit:
                rec["unit"] = unit
            rec.update({"annotator": _annotator(ann), "annotation_id": ann.get("id"),
                        "annotated_at": ann.get("updated_at") or ann.get("created_at"),
                        "created_at": ann.get("created_at"), "lead_time": ann.get("lead_time"),
                        "ls_task": task.get("id")})
            folder = _safe_name(_annotator(ann)) if all_annotations else ""
            slot = docs.setdefault(folder, {}).setdefault(doc_id, {})
            if index in slot:
                problem(task, f"clause {index} of {doc_id} appears in two tasks ({slot[index]['ls_task']} and "
                              f"{task.get('id')})")
                continue
            slot[index] = rec

    for folder, by_doc in sorted(docs.items()):
        for doc_id, recs in sorted(by_doc.items()):
            # an export may leave out tasks (Label Studio exports only annotated tasks unless asked for all)
            missing_idx = sorted((set(range(max(expected[doc_id]) + 1)) | expected[doc_id]) - set(recs))
            if missing_idx and not all_annotations:
                shown = ", ".join(map(str, missing_idx[:10])) + (" …" if len(missing_idx) > 10 else "")
                result.problems.append(f"{name}: document {doc_id}: {len(missing_idx)} of {len(expected[doc_id])} "
                                       f"clauses have no valid annotation (index {shown}); document not written")
                continue
            if doc_id in bad_docs or (all_annotations and missing_idx):
                if all_annotations and missing_idx and doc_id not in bad_docs:
                    result.problems.append(f"{name}: document {doc_id}: annotator {folder} left "
                                           f"{len(missing_idx)} clauses unannotated; not written for them")
                continue
            target = out_root / folder if folder else out_root
            ordered = [recs[i] for i in sorted(recs)]
            stem = doc_file_stem(doc_id)  # the file name of its raw text, gold and tables
            n_units = sum(1 for r in ordered if r.get("unit"))
            if n_units:  # the clauses themselves change: `clausetag apply-units` (harness.units) makes the gold
                units_dir = target / "units"
                units_dir.mkdir(parents=True, exist_ok=True)
                skeleton = [{k: r[k] for k in ("doc_id", "index", "text", "start", "end", "heading_path")}
                            for r in ordered]
                write_labeled(skeleton, units_dir / f"{stem}.skeleton.jsonl")
                _write_label_table(ordered, units_dir / f"{stem}.labels.tsv")
                result.units.append(units_dir / f"{stem}.labels.tsv")
                result.pending.append(
                    f"{name}: document {doc_id}: {n_units} unit correction(s) (merge_prev/split); its skeleton and "
                    f"label table are in {units_dir}: clausetag apply-units --raw {raw_root} "
                    f"--skeletons {units_dir} --labels {units_dir} --out {target} --source-is-doc-id")
                continue
            target.mkdir(parents=True, exist_ok=True)
            # written and validated in a folder of their own first: a document that fails validation
            # never replaces the gold already in the target folder
            with tempfile.TemporaryDirectory(dir=target, prefix=".import-") as tmp:
                staged_txt = Path(tmp) / f"{stem}.txt"
                shutil.copyfile(raw_root / f"{stem}.txt", staged_txt)  # byte for byte
                staged = write_labeled(ordered, Path(tmp) / f"{stem}.jsonl")
                found = validate([staged], schema=schema) if validate_output else []
                if found:  # e.g. clauses missing at the end of the document, a heading path naming no clause
                    result.problems.extend(str(p).replace(str(staged), str(target / staged.name)) for p in found)
                    result.problems.append(f"{name}: document {doc_id}: {len(found)} validation problem(s); "
                                           "document not written")
                    continue
                txt, gold = target / staged_txt.name, target / staged.name
                os.replace(staged_txt, txt)
                os.replace(staged, gold)
            result.written.append(gold)
            result.clauses += len(ordered)
            if label_tables:
                _write_label_table(ordered, target / f"{stem}.labels.tsv")
    unannotated = sorted(set(expected) - {d for by_doc in docs.values() for d in by_doc} - bad_docs)
    for doc_id in unannotated:
        result.problems.append(f"{name}: document {doc_id}: no clause annotated yet; document not written")
    return result


def _write_label_table(records: Sequence[dict[str, Any]], path: Path) -> None:
    """``index``/``label``/``unit``/``note`` as TSV: the label tables of ``labels/agreement*/`` and
    ``labels/policy_annotation/`` (``labels/tools/agreement.py``, ``clausetag apply-units``)."""
    lines = ["index\tlabel\tunit\tnote"]
    for r in records:
        note = " ".join(str(r.get("note") or "").split())  # no tabs or line breaks in a TSV cell
        lines.append(f"{r['index']}\t{r['label']}\t{r.get('unit') or ''}\t{note}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _short(text: str, width: int = 30) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


def _safe_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.@" else "_" for c in name) or "unknown"


def write_tasks(tasks: Sequence[dict[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Write tasks as one JSON list (Label Studio's import format), UTF-8."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(list(tasks), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out
