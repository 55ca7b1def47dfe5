"""Rule sets per Splitter instance: by name, path (file or folder) or dict; isolation between
instances; a content hash that is stable and follows the rules; clear errors naming the source."""
from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml

from clausetag.segment.rulesets import RuleSetError, available_rule_sets, load_rule_set
from clausetag.segment.splitter import Splitter, split

ROOT = Path(__file__).resolve().parents[1]
RULES_DIR = Path(str(resources.files("clausetag").joinpath("rules")))
TEXT = "一、总体要求\n加快发展数字内容产业；支持企业做大做强。培育龙头企业。"


def _texts(clauses):
    return [c.text for c in clauses]


def _default_dict() -> dict:
    d = yaml.safe_load((RULES_DIR / "splitting.yaml").read_text(encoding="utf-8"))
    d["residue"] = yaml.safe_load((RULES_DIR / "residue.yaml").read_text(encoding="utf-8"))
    return d


def test_module_does_not_shadow_function():
    import clausetag.segment.splitter

    assert callable(clausetag.split)
    assert clausetag.split("加快发展。")[0].text == "加快发展。"
    assert clausetag.Splitter is Splitter


def test_packaged_names():
    names = available_rule_sets()
    assert names[0] == "default" and "regulation" in names
    default, regulation = Splitter(), Splitter("regulation")
    assert default.rules_name == "default" and regulation.rules_name == "regulation"
    assert default.rules_hash != regulation.rules_hash
    assert len(default.rules_hash) == 16 and int(default.rules_hash, 16) >= 0
    assert Splitter("default").rules_hash == default.rules_hash == Splitter(None).rules_hash


def test_same_rules_same_hash_however_given(tmp_path):
    folder = tmp_path / "myrules"
    folder.mkdir()
    shutil.copy(RULES_DIR / "splitting.yaml", folder)
    shutil.copy(RULES_DIR / "residue.yaml", folder)
    by_folder = Splitter(folder)
    by_dict = Splitter(_default_dict())
    reordered = dict(reversed(list(_default_dict().items())))
    assert by_folder.rules_name == "myrules" and by_dict.rules_name == "custom"
    assert by_folder.rules_hash == by_dict.rules_hash == Splitter(reordered).rules_hash == Splitter().rules_hash
    # a 'name' key names the set without changing its hash
    named = Splitter({**_default_dict(), "name": "mine"})
    assert named.rules_name == "mine" and named.rules_hash == Splitter().rules_hash
    assert _texts(by_folder.split(TEXT)) == _texts(split(TEXT))


def test_hash_is_stable_across_processes():
    code = "from clausetag.segment.splitter import Splitter; print(Splitter('regulation').rules_hash)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONHASHSEED": "123", "PYTHONPATH": str(ROOT)}, check=True)
    assert out.stdout.strip() == Splitter("regulation").rules_hash


def test_yaml_file_extending_default(tmp_path):
    f = tmp_path / "no_semicolon.yaml"
    f.write_text("extends: default\nterminators: \"。！？\"\n", encoding="utf-8")
    s = Splitter(f)
    assert s.rules_name == "no_semicolon" and s.rules_hash != Splitter().rules_hash
    assert _texts(s.split(TEXT)) == ["一、总体要求", "加快发展数字内容产业；支持企业做大做强。", "培育龙头企业。"]
    assert _texts(split(TEXT, rules=str(f))) == _texts(s.split(TEXT))
    # nested mappings merge key by key: only max_length of plain_heading changes
    g = tmp_path / "g.yaml"
    g.write_text("extends: default\nplain_heading: {max_length: 10}\n", encoding="utf-8")
    merged = load_rule_set(g).rules["plain_heading"]
    assert merged["max_length"] == 10 and merged["next_min_length"] == _default_dict()["plain_heading"]["next_min_length"]


def test_hash_changes_when_one_rule_changes():
    base = _default_dict()
    seen = {Splitter(base).rules_hash}
    for key, value in [("max_heading_length", 51), ("terminators", "。！？"),
                       ("residue", {**base["residue"], "table_pipe_min": 3})]:
        seen.add(Splitter({**base, key: value}).rules_hash)
    assert len(seen) == 4


def test_two_splitters_do_not_interfere():
    d = _default_dict()
    d["terminators"] = "。"
    only_period = Splitter(d)
    default = Splitter()
    for _ in range(2):  # interleaved calls, in both orders
        assert len(default.split(TEXT)) == 4
        assert len(only_period.split(TEXT)) == 3
        assert len(split(TEXT)) == 4
    assert d["terminators"] == "。"  # the caller's dict is not modified either


def test_regulation_rule_set_via_split():
    text = "第一章  总则\n（一）规划编制\n第三条 市政府负责协调。"
    assert [c.is_heading for c in split(text)] == [True, True, False]
    assert [c.is_heading for c in split(text, rules="regulation")] == [True, False, False]
    never = {**_default_dict(), "article_mode": "never"}
    # articles ignored: a later (一) after an article is a heading again
    # (（一） gets a body: a heading has children, SPEC §1)
    t2 = "第三条 下列事项：\n（一）规划编制\n编制发展规划。\n"
    assert [c.is_heading for c in split(t2)] == [False, False, False]
    assert [c.is_heading for c in split(t2, rules=never)] == [False, True, False]


@pytest.mark.parametrize("spec, message", [
    ("nosuchset", "unknown rule set 'nosuchset'; packaged rule sets: default, regulation"),
    ("/nonexistent/rules.yaml", "/nonexistent/rules.yaml: no such rule-set file or folder"),
    ({"terminators": "。"}, "<dict>: missing rule key(s) heading_terminators"),
    ({**yaml.safe_load((RULES_DIR / "splitting.yaml").read_text(encoding="utf-8")), "terminatorz": "。"},
     "unknown rule key(s) terminatorz"),
    ({"extends": "default", "article_mode": "sometimes"}, "article_mode must be one of auto, always, never"),
    ({"extends": "default", "path_reset": "(unclosed"}, "<dict>: bad regular expression in rule set 'custom'"),
])
def test_bad_rule_sets_name_the_problem(spec, message):
    with pytest.raises(RuleSetError) as info:
        Splitter(spec)
    assert message in str(info.value)


def test_bad_yaml_file_names_the_file(tmp_path):
    f = tmp_path / "broken.yaml"
    f.write_text("extends: default\nheadings: [unclosed\n", encoding="utf-8")
    with pytest.raises(RuleSetError, match="broken.yaml: not valid YAML"):
        Splitter(f)
    f.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(RuleSetError, match="broken.yaml: a rule set must be a YAML mapping"):
        Splitter(f)
    with pytest.raises(RuleSetError, match="must contain splitting.yaml"):
        Splitter(tmp_path)
    with pytest.raises(TypeError, match="rule-set name, a path or a mapping"):
        Splitter(42)  # type: ignore[arg-type]
