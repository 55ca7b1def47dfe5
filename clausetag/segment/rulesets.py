"""Rule sets for the splitter: find, load, merge, validate and hash them (the engine is in
:mod:`clausetag.segment.splitter`; the rules themselves are YAML data).

A rule set is one mapping with the keys of ``clausetag/rules/splitting.yaml`` plus ``residue``
(the patterns of ``clausetag/rules/residue.yaml``). It is given as

- a **name** of a packaged set: ``"default"`` (``rules/splitting.yaml`` + ``rules/residue.yaml``)
  or a file stem in ``clausetag/rules/sets/`` (``"regulation"``); :func:`available_rule_sets`
  lists them;
- a **path** to a YAML file (the mapping) or to a folder holding ``splitting.yaml`` and, optionally,
  ``residue.yaml``;
- a **dict** (the mapping itself), or a :class:`RuleSet`.

A mapping may say ``extends: <name or path>``: it is then merged over that base (nested mappings
key by key, everything else replaced), so a variant states only what it changes. Without
``extends`` a mapping must be complete, except ``residue``, which defaults to the packaged one.
An optional ``name`` key names the set; otherwise the name is the packaged name, the file stem or
folder name, or ``"custom"`` for a dict.

:attr:`RuleSet.hash` is a SHA-256 over the canonical JSON of the resolved rules (``name`` and
``extends`` excluded), so it is the same for the same rules however they were given, and changes
when any rule changes. Outputs record it next to :attr:`RuleSet.name`.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Union

import yaml

__all__ = ["DEFAULT_RULES", "RuleSet", "RuleSetError", "RulesSpec", "available_rule_sets", "load_rule_set"]

DEFAULT_RULES = "default"

#: Top-level keys of a rule set; the first group is required (after ``extends`` is resolved).
REQUIRED_KEYS = (
    "terminators", "heading_terminators", "protected_pairs", "headings", "max_heading_length",
    "plain_heading", "responsibility", "pdf_join",
)
OPTIONAL_KEYS = (
    "name", "extends", "residue", "article", "article_keeps", "article_mode", "heading_forbidden",
    "soft_boundaries", "path_reset", "paragraph_break", "title_join", "heading_children",
    "heading_glued_stop", "heading_glued_words", "scraped",
)
ARTICLE_MODES = ("auto", "always", "never")


class RuleSetError(ValueError):
    """A rule set cannot be found or is invalid; the message names its source and the problem."""


@dataclass(frozen=True)
class RuleSet:
    """A resolved rule set: ``rules`` is the complete mapping (read it, do not mutate it)."""

    name: str
    rules: Mapping[str, Any]
    hash: str
    source: str

    def canonical_json(self) -> str:
        """The rules as canonical JSON (sorted keys): what :attr:`hash` is computed over."""
        return _canonical(self.rules)


RulesSpec = Union[str, "os.PathLike[str]", Mapping[str, Any], RuleSet, None]


def _package_rules() -> Any:
    return resources.files("clausetag").joinpath("rules")


def available_rule_sets() -> list[str]:
    """Names of the packaged rule sets (``"default"`` first)."""
    sets = _package_rules().joinpath("sets")
    names = sorted(p.name[:-5] for p in sets.iterdir() if p.name.endswith(".yaml")) if sets.is_dir() else []
    return [DEFAULT_RULES] + [n for n in names if n != DEFAULT_RULES]


def load_rule_set(spec: RulesSpec = None) -> RuleSet:
    """Resolve ``spec`` (name, path, mapping, :class:`RuleSet` or ``None`` for the default)."""
    if isinstance(spec, RuleSet):
        return spec
    if spec is None:
        spec = DEFAULT_RULES
    if isinstance(spec, Mapping):
        return _finish(_resolve_mapping(dict(spec), "<dict>", None, ()), "custom", "<dict>")
    if isinstance(spec, (str, os.PathLike)):
        s = os.fspath(spec)
        if is_rule_set_name(s):
            return _packaged(s)
        return _load_path(Path(s))
    raise TypeError(f"rules must be a rule-set name, a path or a mapping, not {type(spec).__name__}")


# ------------------------------------------------------------------------------------- internals
def is_rule_set_name(s: str) -> bool:
    return bool(s) and "/" not in s and os.sep not in s and not s.endswith((".yaml", ".yml")) and s not in (".", "..")


@cache
def _packaged(name: str) -> RuleSet:
    data, source = _packaged_data(name, ())
    return _finish(data, name, source)


def _packaged_data(name: str, chain: tuple[str, ...]) -> tuple[dict[str, Any], str]:
    root = _package_rules()
    if name == DEFAULT_RULES:
        data = _yaml(root.joinpath("splitting.yaml").read_text(encoding="utf-8"), "clausetag/rules/splitting.yaml")
        data.setdefault("residue", _default_residue())
        return data, "clausetag/rules/splitting.yaml"
    f = root.joinpath("sets").joinpath(f"{name}.yaml")
    if not f.is_file():
        raise RuleSetError(f"unknown rule set {name!r}; packaged rule sets: {', '.join(available_rule_sets())} "
                           "(or give a path to a YAML file or folder)")
    source = f"clausetag/rules/sets/{name}.yaml"
    return _resolve_mapping(_yaml(f.read_text(encoding="utf-8"), source), source, None, chain + (source,)), source


def _default_residue() -> dict[str, Any]:
    return _yaml(_package_rules().joinpath("residue.yaml").read_text(encoding="utf-8"), "clausetag/rules/residue.yaml")


def _load_path(p: Path) -> RuleSet:
    if p.is_dir():
        split_file = p / "splitting.yaml"
        if not split_file.is_file():
            raise RuleSetError(f"{p}: a rule-set folder must contain splitting.yaml (and optionally residue.yaml)")
        data = _yaml(_read(split_file), str(split_file))
        if (p / "residue.yaml").is_file():
            if "residue" in data:
                raise RuleSetError(f"{p}: residue rules given twice (residue.yaml and a 'residue' key in splitting.yaml)")
            data["residue"] = _yaml(_read(p / "residue.yaml"), str(p / "residue.yaml"))
        resolved = _resolve_mapping(data, str(split_file), p, (str(split_file.resolve()),))
        return _finish(resolved, p.resolve().name, str(p))
    if p.is_file():
        data = _yaml(_read(p), str(p))
        return _finish(_resolve_mapping(data, str(p), p.parent, (str(p.resolve()),)), p.stem, str(p))
    raise RuleSetError(f"{p}: no such rule-set file or folder; packaged rule sets: {', '.join(available_rule_sets())}")


def _read(p: Path) -> str:
    try:
        return p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleSetError(f"{p}: cannot read rule file ({exc})") from None


def _yaml(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleSetError(f"{source}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise RuleSetError(f"{source}: a rule set must be a YAML mapping, got {type(data).__name__}")
    return data


def _resolve_mapping(data: dict[str, Any], source: str, base_dir: Path | None, chain: tuple[str, ...]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    base = data.pop("extends", None)
    if base is None:
        data.setdefault("residue", _default_residue())
        return data
    if not isinstance(base, str):
        raise RuleSetError(f"{source}: 'extends' must be a rule-set name or a path, got {type(base).__name__}")
    if is_rule_set_name(base):
        if base in chain:
            raise RuleSetError(f"{source}: 'extends' cycle through {base!r}")
        base_data, _ = _packaged_data(base, chain + (base,))
    else:
        bp = Path(base)
        if not bp.is_absolute() and base_dir is not None:
            bp = base_dir / bp
        key = str(bp.resolve())
        if key in chain:
            raise RuleSetError(f"{source}: 'extends' cycle through {base}")
        base_set = _load_path(bp) if len(chain) < 16 else None
        if base_set is None:
            raise RuleSetError(f"{source}: 'extends' nested too deeply")
        base_data = dict(base_set.rules)
    base_data.pop("name", None)
    return _merge(base_data, data)


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _canonical(rules: Mapping[str, Any]) -> str:
    body = {k: v for k, v in rules.items() if k not in ("name", "extends")}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _finish(data: dict[str, Any], default_name: str, source: str) -> RuleSet:
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name:
        raise RuleSetError(f"{source}: 'name' must be a non-empty string")
    unknown = sorted(set(data) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise RuleSetError(f"{source}: unknown rule key(s) {', '.join(unknown)}; "
                           f"known: {', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}")
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise RuleSetError(f"{source}: missing rule key(s) {', '.join(missing)} "
                           "(give them, or start the file with 'extends: default')")
    mode = data.get("article_mode", "auto")
    if mode not in ARTICLE_MODES:
        raise RuleSetError(f"{source}: article_mode must be one of {', '.join(ARTICLE_MODES)}, got {mode!r}")
    residue = data.get("residue")
    if not isinstance(residue, Mapping) or not isinstance(residue.get("patterns", []), list):
        raise RuleSetError(f"{source}: 'residue' must be a mapping with a 'patterns' list")
    try:
        canonical = _canonical(data)
    except (TypeError, ValueError) as exc:
        raise RuleSetError(f"{source}: rules must be plain YAML data (strings, numbers, lists, mappings): {exc}") from None
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
    return RuleSet(name=name, rules=data, hash=digest, source=source)
