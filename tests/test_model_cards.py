"""Each packaged model card is written once, by a generator: ``clausetag/resources/models/<name>/README.md``
equals what ``training/build_default.py --card-only`` writes from ``training/model_cards.json`` (the
results files it names), and no second copy of it is kept elsewhere in the repository."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "clausetag" / "resources" / "models"
SPEC = ROOT / "training" / "model_cards.json"


def _generator():
    spec = importlib.util.spec_from_file_location("build_default", ROOT / "training" / "build_default.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _packaged() -> list[str]:
    return sorted(p.parent.name for p in MODELS.glob("*/clausetag.json"))


def test_every_packaged_model_has_a_generated_card_entry() -> None:
    entries = json.loads(SPEC.read_text(encoding="utf-8"))
    assert sorted(entries) == _packaged()
    for name, e in entries.items():
        for path in e["results"] + [e.get("speed"), e.get("decision")]:
            assert path is None or (ROOT / path).is_file(), f"{SPEC.name}: {name}: {path} does not exist"


@pytest.mark.parametrize("name", _packaged())
def test_packaged_card_is_the_generated_one(name: str) -> None:
    generated = _generator().cards_from_spec()[name]
    on_disk = (MODELS / name / "README.md").read_text(encoding="utf-8")
    assert on_disk == generated, (f"{MODELS / name / 'README.md'} differs from its generated text: edit the "
                                  "results or training/model_cards.json and run training/build_default.py --card-only")


@pytest.mark.parametrize("name", _packaged())
def test_no_second_copy_of_a_packaged_card(name: str) -> None:
    card = (MODELS / name / "README.md").read_text(encoding="utf-8")
    title = card.splitlines()[0]
    files = [ROOT / "README.md"] + [p for d in ("models", "docs", "training", "clausetag") for p in (ROOT / d).rglob("*.md")]
    copies = [p for p in files if "_build" not in p.parts and p != MODELS / name / "README.md"
              and p.read_text(encoding="utf-8").startswith(title)]
    assert not copies, f"copies of the {name} card: {copies}"
