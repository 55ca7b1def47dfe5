"""The command-line package: every command registered, split/extract exit codes and output."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from clausetag.cli import COMMAND_MODULES, build_parser, main

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["split", "extract", "tag", "train", "evaluate", "pretrain", "validate"]


def test_every_command_is_registered() -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(COMMANDS) <= set(sub.choices)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", COMMAND_MODULES)
def test_command_modules_expose_add_parsers(name: str) -> None:
    assert callable(importlib.import_module(name).add_parsers)


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_split_writes_jsonl_and_text(tmp_path: Path) -> None:
    doc = tmp_path / "d1.txt"
    doc.write_text("一、总体要求\n加强组织领导。落实资金保障。\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert main(["split", str(doc), "-o", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in rows] == ["一、总体要求", "加强组织领导。", "落实资金保障。"]
    assert rows[0]["doc_id"] == "d1" and rows[0]["is_heading"] is True
    out_txt = tmp_path / "o.txt"
    assert main(["split", str(doc), "-o", str(out_txt), "--format", "text"]) == 0
    assert out_txt.read_text(encoding="utf-8").splitlines()[1].split("\t")[-1] == "加强组织领导。"


def test_split_text_names_the_document_of_each_clause(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name, text in (("a", "加强组织领导。"), ("b", "落实资金保障。")):
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    assert main(["split", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--format", "text"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [(r[0], r[-1]) for r in rows] == [("a", "加强组织领导。"), ("b", "落实资金保障。")]


def test_split_missing_file_exits_1_and_keeps_going(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "d1.txt"
    doc.write_text("加强组织领导。", encoding="utf-8")
    assert main(["split", str(tmp_path / "missing.txt"), str(doc)]) == 1
    captured = capsys.readouterr()
    assert "missing.txt" in captured.err and "加强组织领导" in captured.out


def test_extract_prints_one_json_line_per_quantity(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "最高可支持50万元，奖励3家企业"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["text"], r["kind"]) for r in rows] == [("50万元", "money"), ("3家", "count")]


def test_python_dash_m_entry_point() -> None:
    proc = subprocess.run([sys.executable, "-m", "clausetag", "--version"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("clausetag ")


def test_pretrain_unknown_preset_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pretrain", str(tmp_path), "-o", str(tmp_path / "m"), "--preset", "huge"]) == 2
    assert "unknown --preset 'huge'" in capsys.readouterr().err
