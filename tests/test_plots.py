"""mix.png with Chinese document names: a CJK font when there is one, short ids with a key when there is
none, never a glyph warning, and never two documents under one label."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from clausetag.io.records import ClauseRecord
from clausetag.outputs import fonts
from clausetag.outputs.summary import SummaryBuilder, plot_labels, plot_mix, unique_labels
from clausetag.tagging.pipeline import DocResult

# two real-world policy file names that share a long prefix
NAMES = ["关于印发杭州市数字经济高质量发展三年行动计划（2024—2026年）的通知",
         "关于印发杭州市数字经济高质量发展三年行动计划（2024—2026年）实施细则的通知"]


def summary(names: list[str]) -> SummaryBuilder:
    sb = SummaryBuilder()
    for i, name in enumerate(names):
        recs = [ClauseRecord(name, 0, "设立专项资金。", 0, 7, label="funding", family="supply"),
                ClauseRecord(name, 1, "引进人才。", 8, 13, label="talent" if i else "funding", family="supply")]
        sb.add(DocResult(name, f"in/{name}.txt", records=recs))
    return sb


def test_unique_labels_keep_distinct_names_distinct() -> None:
    labels = unique_labels(NAMES)
    assert len(set(labels)) == 2 and all(len(x) <= 28 for x in labels)
    assert unique_labels(["a" * 40, "a" * 40]) == ["a" * 18 + "…" + "a" * 9 + " #1", "a" * 18 + "…" + "a" * 9 + " #2"]


def test_fallback_without_a_cjk_font(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(fonts, "cjk_font", lambda: None)
    monkeypatch.setattr(fonts, "_HINTED", False)
    sb = summary(NAMES + ["plan_en"])
    table = sb.table()
    labels, family = plot_labels(list(table["doc_id"]), list(table["plot_id"]))
    assert family is None and labels == ["D1  plan_en", "D2", "D3"]  # sorted by doc_id
    assert list(table["plot_id"]) == ["D1", "D2", "D3"]  # the key, also in summary.csv/.md
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot_mix(sb, tmp_path / "mix.png")
        plot_labels(["第二张图"], ["D1"])
    err = capfd.readouterr().err
    assert not [w for w in caught if "Glyph" in str(w.message) or "font" in str(w.message).lower()]
    assert "Glyph" not in err and "findfont" not in err
    assert err.count("fonts-noto-cjk") == 1  # said once
    assert "| doc_id | plot_id |" in sb.to_markdown()


@pytest.mark.skipif(fonts.cjk_font() is None, reason="no CJK font on this system (e.g. apt install fonts-noto-cjk)")
def test_chinese_names_with_a_cjk_font(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    sb = summary(NAMES)
    table = sb.table()
    labels, family = plot_labels(list(table["doc_id"]), list(table["plot_id"]))
    assert family and len(set(labels)) == 2 and all(not x.isascii() for x in labels)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert plot_mix(sb, tmp_path / "mix.png").read_bytes().startswith(b"\x89PNG")
    assert not [w for w in caught if "Glyph" in str(w.message)]
    assert "Glyph" not in capfd.readouterr().err


def test_plot_carries_provenance(tmp_path: Path) -> None:
    from PIL import Image

    from clausetag.outputs.provenance import Provenance

    prov = Provenance("0.1.0", "m", "abcd", "default", "ef01", "2023-11-14T22:13:20Z")
    path = plot_mix(summary(["plan_a"]), tmp_path / "mix.png", provenance=prov)
    meta = Image.open(path).text  # type: ignore[attr-defined]
    assert '"model_hash": "abcd"' in meta["Description"] and meta["Software"] == "clausetag"
