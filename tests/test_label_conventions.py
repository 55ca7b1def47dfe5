"""Gold labels follow SPEC §2.1 C1: purpose, scope, applicable-law, definition, effective-date and
interpretation articles are `other`, checked by rule over every gold file (tests/data/apparatus_rules.yaml)."""
from __future__ import annotations

import re
from functools import lru_cache

import pytest
import yaml
from conftest import DATA_DIR, ROOT

from clausetag.harness.data import read_labeled

RULES_FILE = DATA_DIR / "apparatus_rules.yaml"


@lru_cache(maxsize=1)
def _rules() -> dict[str, re.Pattern[str]]:
    spec = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    macros = spec["macros"]
    out = {}
    for name, rule in spec["rules"].items():
        pattern = rule["pattern"]
        for key, value in macros.items():
            pattern = pattern.replace("{" + key + "}", value)
        out[name] = re.compile(pattern)
    return out


def _examples(kind: str) -> list[tuple[str, str]]:
    spec = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return [(name, text) for name, rule in spec["rules"].items() for text in rule.get(kind, [])]


def apparatus_kind(text: str) -> str | None:
    """The C1 apparatus kind a clause text matches (purpose, scope, …), or None."""
    for name, pattern in _rules().items():
        if pattern.search(text):
            return name
    return None


@pytest.mark.parametrize(("name", "text"), _examples("must_match"))
def test_rule_catches_real_apparatus(name: str, text: str) -> None:
    assert _rules()[name].search(text), f"{name} misses: {text}"


@pytest.mark.parametrize(("name", "text"), _examples("must_not_match"))
def test_rule_spares_obligations(name: str, text: str) -> None:
    assert apparatus_kind(text) is None, f"{name} wrongly matches: {text}"


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    records = read_labeled(ROOT / "labels" / "seed") + read_labeled(ROOT / "labels" / "extra")
    assert len(records) >= 3000
    return records


def test_every_apparatus_article_is_other(gold: list[dict]) -> None:
    matched = [(r, apparatus_kind(r["text"])) for r in gold]
    matched = [(r, k) for r, k in matched if k]
    # the rules must find the articles (every one of the 43 regulations has at least a purpose article)
    assert len(matched) >= 150
    wrong = [f"{r['doc_id']}#{r['index']} [{k}] {r['label']}: {r['text'][:60]}" for r, k in matched
             if r["label"] != "other"]
    assert not wrong, f"{len(wrong)} apparatus clauses not labelled `other`:\n" + "\n".join(wrong[:30])
