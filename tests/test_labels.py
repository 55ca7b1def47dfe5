"""Label schema (clausetag.io.schema) and gold-data validator (clausetag.harness.validation)."""
from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS_DIR

from clausetag.cli import main
from clausetag.harness.data import read_labeled
from clausetag.harness.validation import validate
from clausetag.io.schema import FAMILIES, LabelSchema, SchemaError, load_schema

# SPEC §2 table order; the schema must follow it (this test is the only other place the list appears).
SPEC_CODES = ["talent", "funding", "technology", "infrastructure", "public_service", "planning", "finance", "tax", "regulation", "enterprise", "land", "organization", "demand", "market", "status", "heading", "other"]
RESIDUE = [r"\[bookmark: _GoBack\]"]


def _seed_texts() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS_DIR.glob("*.txt")))


# ---------------------------------------------------------------------------------------------------
# schema


def test_schema_has_17_labels_in_spec_order() -> None:
    schema = load_schema()
    assert isinstance(schema, LabelSchema)
    assert list(schema.codes) == SPEC_CODES
    assert len(schema) == 17


def test_schema_label_fields_and_families() -> None:
    schema = load_schema()
    assert set(schema.families) == set(FAMILIES)
    assert schema.family("funding") == "supply"
    assert schema.family("finance") == "environment"
    assert schema.family("market") == "demand"
    assert schema.family("status") == "none"
    assert schema.zh("tax") == "税收优惠"
    assert schema.index("talent") == 0 and schema.index("other") == 16
    assert schema.codes_in_family("demand") == ("demand", "market")
    for label in schema:
        assert label.zh and label.en and label.definition_zh and label.definition_en
        assert label.include and label.exclude, label.code
    with pytest.raises(KeyError, match="unknown label"):
        schema.family("nope")


def test_every_label_has_two_real_examples_from_the_seeds() -> None:
    seeds = _seed_texts()
    for label in load_schema():
        assert len(label.examples) >= 2, label.code
        for example in label.examples:
            assert example in seeds, f"{label.code}: example not an exact seed substring: {example}"


def test_schema_is_cached_and_symlinked_copy_agrees() -> None:
    assert load_schema() is load_schema()
    link = ROOT / "labels" / "schema.yaml"
    assert link.is_symlink()
    assert load_schema(link).codes == load_schema().codes


def test_class_label() -> None:
    cl = load_schema().class_label()
    assert cl.names == SPEC_CODES
    assert cl.str2int("land") == load_schema().index("land")


def _write_schema(tmp_path: Path, mutate) -> Path:
    import yaml

    data = yaml.safe_load((ROOT / "clausetag" / "resources" / "schema.yaml").read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "schema.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["labels"].append(copy.deepcopy(d["labels"][0])), "duplicate label code 'talent'"),
        (lambda d: d["labels"][3].update(family="supplies"), "bad family 'supplies'"),
        (lambda d: d["labels"][1].pop("definition"), "lacks definition"),
        (lambda d: d["labels"][2].update(code="Tech-1"), "bad code"),
        (lambda d: d.pop("quantities"), "'quantities' section"),
    ],
)
def test_malformed_schema_errors(tmp_path: Path, mutate, message: str) -> None:
    path = _write_schema(tmp_path, mutate)
    with pytest.raises(SchemaError, match=re.escape(message)):
        load_schema(path)


# ---------------------------------------------------------------------------------------------------
# validator fixtures

RAW = (
    "一、总体要求\n"
    "到2027年，培育重点企业500家以上。支持企业参加国际展会。\n"
    "[bookmark: _GoBack]特此回复。\n"
)


def _records(raw: str = RAW) -> list[dict]:
    def clause(index, text, label, heading_path, quantities=()):
        start = raw.index(text)
        return {
            "doc_id": "doc_a", "index": index, "text": text, "start": start, "end": start + len(text),
            "heading_path": list(heading_path), "label": label, "quantities": list(quantities),
        }

    qtext = "500家以上"
    target = "到2027年，培育重点企业500家以上。"
    quantity = {
        "text": qtext, "start": target.index(qtext), "end": target.index(qtext) + len(qtext),
        "kind": "count", "value": 500.0, "low": 500.0, "high": None, "comparator": ">=", "unit": "家",
        "currency": None, "year": 2027, "role": "target",
    }
    return [
        clause(0, "一、总体要求", "heading", []),
        clause(1, target, "planning", ["一、总体要求"], [quantity]),
        clause(2, "支持企业参加国际展会。", "market", ["一、总体要求"]),
        clause(3, "特此回复。", "other", ["一、总体要求"]),
    ]


def _write(tmp_path: Path, records: list[dict], raw: str = RAW, lines: list[str] | None = None) -> Path:
    folder = tmp_path / "gold"
    folder.mkdir(exist_ok=True)
    (folder / "doc_a.txt").write_text(raw, encoding="utf-8")
    body = lines if lines is not None else [json.dumps(r, ensure_ascii=False) for r in records]
    (folder / "doc_a.jsonl").write_text("\n".join(body) + "\n", encoding="utf-8")
    return folder


def _codes(problems) -> set[str]:
    return {p.code for p in problems}


def test_valid_fixture_passes(tmp_path: Path) -> None:
    folder = _write(tmp_path, _records())
    assert validate(folder, residue_patterns=RESIDUE) == []
    assert validate(folder / "doc_a.jsonl", residue_patterns=RESIDUE) == []


def test_residue_is_reported_without_patterns(tmp_path: Path) -> None:
    folder = _write(tmp_path, _records())
    problems = validate(folder, residue_patterns=[])
    assert _codes(problems) == {"uncovered"}
    start = RAW.index("[bookmark")
    assert f"[{start}:{start + len('[bookmark: _GoBack]')}]" in problems[0].message


def test_whitespace_differences_are_accepted(tmp_path: Path) -> None:
    recs = _records()
    recs[2]["text"] = "支持企业参加 国际展会。"
    assert validate(_write(tmp_path, recs), residue_patterns=RESIDUE) == []


def _mutations():
    def bad_span(r):
        r[1]["start"] += 1

    def overlap(r):
        r[2]["start"] -= 3
        r[2]["text"] = RAW[r[2]["start"]:r[2]["end"]]

    def gap(r):
        del r[2]
        r[2]["index"] = 2

    def unknown_label(r):
        r[2]["label"] = "export"

    def null_label(r):
        r[2]["label"] = None

    def bad_quantity_offsets(r):
        r[1]["quantities"][0]["start"] += 1

    def quantity_out_of_clause(r):
        r[1]["quantities"][0]["end"] = 999

    def bad_quantity_values(r):
        r[1]["quantities"][0].update(kind="amount", comparator="≥", role="goal")

    def bad_range(r):
        r[1]["quantities"][0].update(comparator="range", low=None)

    def money_without_currency(r):
        r[1]["quantities"][0].update(kind="money")

    def missing_field(r):
        del r[3]["heading_path"]

    def index_jump(r):
        r[3]["index"] = 5

    def order(r):
        r[1], r[2] = r[2], r[1]
        r[1]["index"], r[2]["index"] = 1, 2

    def wrong_type(r):
        r[0]["start"] = "0"

    def bad_heading_path(r):
        r[2]["heading_path"] = ["二、重点任务"]

    return {  # case name -> (mutation, the problem code it must produce)
        "bad-span": (bad_span, "span-text"),
        "overlap": (overlap, "overlap"),
        "gap": (gap, "uncovered"),
        "unknown-label": (unknown_label, "label"),
        "null-label": (null_label, "label"),
        "quantity-offsets": (bad_quantity_offsets, "quantity-span"),
        "quantity-outside-clause": (quantity_out_of_clause, "quantity-span"),
        "quantity-vocabulary": (bad_quantity_values, "quantity"),
        "quantity-range": (bad_range, "quantity"),
        "quantity-money": (money_without_currency, "quantity"),
        "missing-field": (missing_field, "field"),
        "index-jump": (index_jump, "index"),
        "order": (order, "order"),
        "wrong-type": (wrong_type, "type"),
        "heading-path": (bad_heading_path, "heading-path"),
    }


@pytest.mark.parametrize("case", sorted(_mutations()))
def test_validator_catches_each_error_class(tmp_path: Path, case: str) -> None:
    records = _records()
    mutate, expected = _mutations()[case]
    mutate(records)
    problems = validate(_write(tmp_path, records), residue_patterns=RESIDUE)
    assert expected in _codes(problems), [str(p) for p in problems]
    for p in problems:
        assert p.path.endswith("doc_a.jsonl")
        assert str(p).startswith(p.path)


def test_gap_is_reported_with_offsets_and_text(tmp_path: Path) -> None:
    records = _records()
    del records[2]
    records[2]["index"] = 2
    problems = [p for p in validate(_write(tmp_path, records), residue_patterns=RESIDUE)
                if p.code == "uncovered"]
    start = RAW.index("支持企业")
    assert len(problems) == 1
    assert f"[{start}:{start + len('支持企业参加国际展会。')}]" in problems[0].message
    assert "支持企业参加国际展会" in problems[0].message


def test_bad_json_line_names_the_line(tmp_path: Path) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in _records()]
    lines[2] = lines[2][:-5]
    problems = validate(_write(tmp_path, [], lines=lines), residue_patterns=RESIDUE)
    bad = [p for p in problems if p.code == "json"]
    assert len(bad) == 1 and bad[0].line == 3
    assert ":3: [json]" in str(bad[0])


def test_bad_span_problem_names_line(tmp_path: Path) -> None:
    records = _records()
    records[1]["start"] += 1
    problems = validate(_write(tmp_path, records), residue_patterns=RESIDUE)
    assert any(p.code == "span-text" and p.line == 2 for p in problems)


def test_raw_text_missing(tmp_path: Path) -> None:
    folder = _write(tmp_path, _records())
    (folder / "doc_a.txt").unlink()
    assert _codes(validate(folder, residue_patterns=RESIDUE)) == {"raw-missing"}


def test_raw_text_differs_from_reference(tmp_path: Path) -> None:
    folder = _write(tmp_path, _records())
    ref = tmp_path / "ref"
    ref.mkdir()
    (ref / "doc_a.txt").write_text(RAW.replace("特此", "特别"), encoding="utf-8")
    assert _codes(validate(folder, residue_patterns=RESIDUE, reference_dir=ref)) == {"raw-mismatch"}
    (ref / "doc_a.txt").write_text(RAW, encoding="utf-8")
    assert validate(folder, residue_patterns=RESIDUE, reference_dir=ref) == []


def test_empty_directory_is_a_problem(tmp_path: Path) -> None:
    assert _codes(validate(tmp_path)) == {"empty"}


def test_cli_exit_codes(tmp_path: Path, capsys) -> None:
    raw = RAW.replace("[bookmark: _GoBack]", "")
    folder = _write(tmp_path, _records(raw), raw=raw)
    assert main(["validate", str(folder)]) == 0
    records = _records(raw)
    records[2]["label"] = "export"
    folder = _write(tmp_path, records, raw=raw)
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "doc_a.jsonl:3: [label] unknown label 'export'" in out


def test_module_entry_point(tmp_path: Path) -> None:
    folder = _write(tmp_path, [], lines=["{not json"])
    proc = subprocess.run([sys.executable, "-m", "clausetag", "validate", str(folder)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 1
    assert "doc_a.jsonl:1: [json]" in proc.stdout


def test_cli_parses_validate() -> None:
    from clausetag.cli import build_parser

    args = build_parser().parse_args(["validate", "a", "b"])
    assert args.paths == ["a", "b"] and callable(args.func)


# ---------------------------------------------------------------------------------------------------
# the real gold data


def test_seed_gold_validates() -> None:
    if not list(SEEDS_DIR.glob("*.jsonl")):
        pytest.skip("no gold labels/seed/*.jsonl yet")
    problems = validate(SEEDS_DIR)
    assert problems == [], "\n".join(map(str, problems[:30]))


# ---------------------------------------------------------------------------------------------------
# the annotation guide


GUIDE = ROOT / "labels" / "GUIDE.md"


def test_guide_covers_every_label_with_seed_examples() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    seeds = _seed_texts()
    for code in load_schema().codes:
        assert re.search(rf"^### .*`{code}`", text, re.M), f"no section for {code}"
    body, _, log = text.partition("## 5. Decisions log")
    quoted = re.findall(r"「([^」]+)」", body)
    assert len(quoted) >= 2 * 17
    missing = [q for q in quoted if q not in seeds]
    assert not missing, f"GUIDE quotes not found verbatim in the seeds: {missing}"
    # The decisions log quotes the seeds and the other labeled documents (regulations, policy documents);
    # `…` marks an elision, and the seeds' half-width punctuation may be quoted full-width. Every quoted
    # fragment must be real text.
    extra = "".join(p.read_text(encoding="utf-8") for name in ("extra", "policy", "policy_heldout")
                    for p in sorted((ROOT / "labels" / name).glob("*.txt")))
    corpus = _fold(seeds + extra)
    fragments = [f for q in re.findall(r"「([^」]+)」", log) for f in q.split("…") if len(f) >= 4]
    missing = [f for f in fragments if _fold(f) not in corpus]
    assert not missing, f"decisions-log quotes not found in the seed or extra texts: {missing}"


def _fold(text: str) -> str:
    return text.translate(str.maketrans("(),;:", "（），；："))


def test_default_residue_rules_accept_bookmarks_and_table_pipes(tmp_path: Path) -> None:
    raw = "索引号: | 002489604 |\n" + RAW
    records = [
        {"doc_id": "doc_a", "index": 0, "text": "索引号:", "start": 0, "end": 4, "heading_path": [],
         "label": "other", "quantities": []},
        {"doc_id": "doc_a", "index": 1, "text": "002489604", "start": 7, "end": 16, "heading_path": [],
         "label": "other", "quantities": []},
    ]
    for rec in _records(raw):
        rec["index"] += 2
        records.append(rec)
    folder = _write(tmp_path, records, raw=raw)
    assert validate(folder) == []  # clausetag.segment.text.residue_spans: [bookmark: …] and table pipes
    problems = validate(folder, residue_patterns=[])
    assert [p.code for p in problems] == ["uncovered"] * 3


def test_manifest_jsonl_is_not_validated_as_gold(tmp_path: Path) -> None:
    folder = _write(tmp_path, _records())
    (folder / "documents.jsonl").write_text('{"doc_id": "doc_a", "title": "t"}\n', encoding="utf-8")
    assert validate(folder, residue_patterns=RESIDUE) == []
    assert _codes(validate(folder / "documents.jsonl", residue_patterns=RESIDUE)) >= {"field"}


# ---------------------------------------------------------------------------------------------------
# labels/tools/stats.py


def _stats_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("labels_stats", ROOT / "labels" / "tools" / "stats.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stats_table_counts_and_splices(tmp_path: Path) -> None:
    stats = _stats_module()
    labels = tmp_path / "labels"
    labels.mkdir()
    folder = _write(labels, _records())
    folder.rename(labels / "seed")
    (labels / "README.md").write_text(f"intro\n{stats.START}\nold\n{stats.END}\nend\n", encoding="utf-8")
    assert stats.main(["--labels", str(labels), "--check"]) == 1
    assert stats.main(["--labels", str(labels)]) == 0
    text = (labels / "README.md").read_text(encoding="utf-8")
    assert text.startswith("intro\n") and text.endswith("end\n") and "old" not in text
    assert "| seed | `doc_a` | 4 | 1 | 1 |" in text
    assert "| `planning` | 目标规划 | environment | 1 | 25.0% |" in text
    assert "| count | 1 |" in text
    assert stats.main(["--labels", str(labels), "--check"]) == 0


def test_labels_readme_stats_are_up_to_date() -> None:
    stats = _stats_module()
    assert stats.main(["--check"]) == 0, "run: python labels/tools/stats.py"


# ---------------------------------------------------------------------------------------------------
# labels/tools/make_skeleton.py: the splitter's output must fit the gold format


def test_seed_skeletons_pass_the_span_and_coverage_checks(tmp_path: Path, seed_paths) -> None:
    import importlib.util
    import shutil

    pytest.importorskip("clausetag.segment.splitter")
    tool = ROOT / "labels" / "tools" / "make_skeleton.py"
    spec = importlib.util.spec_from_file_location("make_skeleton", tool)
    skeleton = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(skeleton)
    out = tmp_path / "work"
    assert skeleton.main([str(SEEDS_DIR), "--out", str(out)]) == 0
    gold = tmp_path / "gold"
    gold.mkdir()
    from clausetag.harness.data import read_labeled, write_labeled

    for path in seed_paths:
        shutil.copy(path, gold / path.name)
        records = read_labeled(out / f"{path.stem}.skeleton.jsonl")
        assert records and all(r["label"] in ("heading", None) and r["quantities"] == [] for r in records)
        assert any(r["label"] == "heading" for r in records)
        for rec in records:
            rec["label"] = rec["label"] or "other"  # stand-in labels: only spans are checked here
        write_labeled(records, gold / f"{path.stem}.jsonl")
    problems = validate(gold)
    assert problems == [], "\n".join(map(str, problems[:20]))


def test_extra_gold_validates() -> None:
    extra = ROOT / "labels" / "extra"
    if not list(extra.glob("*.jsonl")):
        pytest.skip("no labels/extra yet")
    problems = validate(extra)
    assert problems == [], "\n".join(map(str, problems[:30]))


@pytest.mark.parametrize("name", ["policy", "policy_heldout"])
def test_policy_gold_validates(name: str) -> None:
    problems = validate(ROOT / "labels" / name)
    assert problems == [], "\n".join(map(str, problems[:30]))


def test_policy_training_and_heldout_sets_are_disjoint() -> None:
    train = {r["doc_id"] for r in read_labeled(ROOT / "labels" / "policy")}
    heldout = {r["doc_id"] for r in read_labeled(ROOT / "labels" / "policy_heldout")}
    assert len(heldout) == 12 and len(train) >= 100
    assert not train & heldout


def test_excerpt_span_checked_against_corpus(tmp_path: Path) -> None:
    from clausetag.harness.validation import corpus_text

    targeted = ROOT / "labels" / "extra" / "targeted.jsonl"
    first = json.loads(targeted.read_text(encoding="utf-8").splitlines()[0])
    if corpus_text(first["source"]) is None:
        pytest.skip("corpus not available")
    bad = dict(first, start=first["start"] + 3, end=first["end"] + 3)
    (tmp_path / "targeted.jsonl").write_text(json.dumps(bad, ensure_ascii=False) + "\n", encoding="utf-8")
    problems = validate(tmp_path)
    assert any(p.code == "span-text" for p in problems)


def test_every_measure_label_has_60_examples() -> None:
    from clausetag.harness.data import read_labeled

    records = read_labeled(ROOT / "labels" / "seed") + read_labeled(ROOT / "labels" / "extra")
    counts = dict.fromkeys(load_schema().codes, 0)
    for r in records:
        counts[r["label"]] += 1
    measure = [c for c in load_schema().codes if load_schema().family(c) != "none"]
    assert len(measure) == 14
    assert {c: counts[c] for c in measure if counts[c] < 60} == {}
    assert len(records) >= 3000
