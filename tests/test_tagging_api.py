"""The public tagging API, table-driven (tests/data/tagging_api.yaml): ``tagger(text)`` for one document,
``tagger.pipe(texts_or_paths)`` for many; texts vs paths; jobs=1 vs 2; one-line errors."""
from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

import clausetag
from clausetag.tagging.pipeline import DocResult, Tagger, assign_doc_ids, clause_rows, number_duplicates

TABLE = yaml.safe_load((Path(__file__).parent / "data" / "tagging_api.yaml").read_text(encoding="utf-8"))
SLOW_TAG = Path(__file__).parent / "helpers" / "slow_tag.py"
ERRORS: dict[str, type[Exception]] = {"TypeError": TypeError, "ValueError": ValueError}


def _stub() -> Any:
    """A deterministic stub classifier importable by name (spawned workers unpickle it)."""
    if str(SLOW_TAG.parent) not in sys.path:
        sys.path.insert(0, str(SLOW_TAG.parent))
    return importlib.import_module("slow_tag").SlowClassifier(0.0)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, text in TABLE["files"].items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def _input(x: Any, folder: Path) -> Any:
    if isinstance(x, str) and x.startswith("path:"):
        return folder / x[len("path:"):]
    return x


def _call(tagger: Tagger, case: dict[str, Any], folder: Path) -> list[DocResult]:
    kwargs = case.get("kwargs") or {}
    if case["call"] == "one":
        return [tagger(_input(case["input"], folder), **kwargs)]
    if case["call"] == "pipe_raw":
        return list(tagger.pipe(case["input"], **kwargs))
    return list(tagger.pipe([_input(x, folder) for x in case["input"]], **kwargs))


@pytest.mark.parametrize("case", TABLE["ok"], ids=[c["name"] for c in TABLE["ok"]])
def test_api_calls(case: dict[str, Any], folder: Path) -> None:
    docs = _call(Tagger(_stub()), case, folder)
    assert all(isinstance(d, DocResult) for d in docs)
    assert [d.doc_id for d in docs] == case["ids"]
    assert [d.doc_id for d in docs if not d.ok] == case.get("failed", [])
    if "error" in case:  # the reason of every failed document
        assert all(d.error == case["error"] for d in docs if not d.ok), [d.error for d in docs]
    for d in docs:
        if d.ok:
            assert d.records and list(d) == d.records and d.error is None
            assert all(r.doc_id == d.doc_id and r.label is not None for r in d.records)
            assert [r.index for r in d.records] == list(range(len(d.records)))
        else:
            assert d.records == [] and d.error and "\n" not in d.error
    if case["call"] == "one" and "title" in (case.get("kwargs") or {}):
        assert docs[0].title == case["kwargs"]["title"]


@pytest.mark.parametrize("case", TABLE["errors"], ids=[c["name"] for c in TABLE["errors"]])
def test_api_errors_are_one_line(case: dict[str, Any], folder: Path) -> None:
    with pytest.raises(ERRORS[case["raises"]], match=case["match"]) as info:
        _call(Tagger(_stub()), case, folder)
    assert "\n" not in str(info.value)


def test_paths_and_texts_give_the_same_records(folder: Path) -> None:
    tagger = Tagger(_stub())
    names = ["a", "b"]
    by_path = list(tagger.pipe([folder / f"{n}.txt" for n in names]))
    by_text = list(tagger.pipe([(folder / f"{n}.txt").read_text(encoding="utf-8") for n in names], doc_ids=names))
    one = [tagger((folder / f"{n}.txt").read_text(encoding="utf-8"), doc_id=n) for n in names]

    def strip(docs: list[DocResult]) -> list[list[dict[str, Any]]]:
        return [[{k: v for k, v in row.items() if k != "source"} for row in clause_rows(d)] for d in docs]

    assert strip(by_path) == strip(by_text) == strip(one)
    assert all(r.source == str(folder / "a.txt") for r in by_path[0])
    assert all(r.source is None for d in by_text for r in d)


def test_deterministic_and_in_input_order(folder: Path) -> None:
    texts = [f"一、要求\n设立专项资金{i}亿元。\n加强人才培养。" for i in range(7)]
    tagger = Tagger(_stub())
    first = [clause_rows(d) for d in tagger.pipe(texts, batch_size=3)]
    again = [clause_rows(d) for d in tagger.pipe(texts, batch_size=2)]  # batching does not change records
    assert first == again
    assert [d.doc_id for d in tagger.pipe(texts)] == [f"doc{i + 1}" for i in range(7)]


@pytest.mark.slow  # starts two worker processes: a few seconds
def test_jobs_two_gives_what_jobs_one_gives(folder: Path) -> None:
    for i in range(5):
        (folder / f"c{i}.txt").write_text(f"一、要求\n设立专项资金{i}亿元。\n对企业给予奖励。\n", encoding="utf-8")
    tagger = Tagger(_stub())
    inputs: list[Any] = [folder, "设立专项资金。", folder / "a.txt"]
    one = [(d.doc_id, d.path, d.sha256, d.error, clause_rows(d)) for d in tagger.pipe(inputs, batch_size=2)]
    two = [(d.doc_id, d.path, d.sha256, d.error, clause_rows(d)) for d in tagger.pipe(inputs, batch_size=2, jobs=2)]
    assert one == two and len(one) == 10  # 9 files in the folder, the text (a.txt again is tagged once)


def test_clausetag_tagger_is_the_pipeline_tagger() -> None:
    assert clausetag.Tagger is Tagger
    old = ("tag_text", "tag_file", "tag_shard", "tag_paths", "map_batch", "features")
    assert not [name for name in old if hasattr(Tagger, name)]
    from clausetag.tagging import pipeline

    gone = ("tag_document", "records_from_text", "classify_records", "read_path")
    assert not [name for name in gone if hasattr(pipeline, name)]


def test_unsupported_files_are_skipped_with_one_warning(tmp_path: Path) -> None:
    for name in ("a.doc", "b.wps", "c.xls", "d.ppt", ".hidden.txt"):
        (tmp_path / name).write_bytes(b"x")
    with pytest.warns(UserWarning, match="unsupported type") as caught:
        docs = list(Tagger(_stub()).pipe([tmp_path, tmp_path / "*.doc"]))
    assert docs == []
    assert len(caught) == 1  # once per call, not once per file or per input (sorted by path)
    msg = str(caught[0].message)
    assert "skipped 4 file(s) of unsupported type" in msg  # a.doc reached twice counts once and "\n" not in msg
    assert str(tmp_path / "a.doc") in msg and str(tmp_path / "c.xls") in msg and msg.endswith("…")
    assert ".hidden" not in msg


def test_no_warning_when_nothing_is_skipped(folder: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(Tagger(_stub()).pipe([folder, "设立专项资金。"]))) == 5


def test_empty_text_is_ok_but_empty_file_is_an_error(folder: Path) -> None:
    text, file = Tagger(_stub()).pipe(["", folder / "empty.txt"])
    assert text.ok and text.records == []
    assert not file.ok and file.records == [] and file.error


@pytest.mark.parametrize(("paths", "ids"), [
    (["j2/a.txt", "j2/a.txt"], ["a", "a~2"]),  # never "." (callers deduplicate first)
    (["j2/a.txt", "j2/./a.txt", "k/a.txt"], ["j2/a.txt", "j2/a.txt~2", "k/a.txt"]),
    (["x/a.txt", "y/a.txt", "a~2.txt"], ["x/a.txt", "y/a.txt", "a~2"]),
    (["x/a.txt", "x/a.md", "y/a.txt"], ["x/a.txt", "x/a.md", "y/a.txt"]),
])
def test_assign_doc_ids(paths: list[str], ids: list[str]) -> None:
    got = assign_doc_ids(paths)
    assert got == ids
    assert len(set(got)) == len(got) and "." not in got


def test_number_duplicates_skips_taken_numbers() -> None:
    assert number_duplicates(["a", "a~2", "a", "b", "a"]) == ["a", "a~2", "a~3", "b", "a~4"]
