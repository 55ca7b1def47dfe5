"""The label schema (SPEC §2/§3): the measure-type taxonomy and its quantity vocabulary.

The taxonomy lives in ``clausetag/resources/schema.yaml`` (``labels/schema.yaml`` in a checkout is a
symlink to it); :func:`load_schema` reads it. Nothing else in the project should hard-code label codes.
:meth:`LabelSchema.class_label` gives the matching ``datasets.ClassLabel``. The validator for gold data
is :mod:`clausetag.harness.validation`.
"""
from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # pragma: no cover
    import datasets

__all__ = [
    "FAMILIES",
    "Label",
    "LabelSchema",
    "QuantitySpec",
    "SchemaError",
    "load_schema",
]

#: The four instrument families of SPEC §2 (Rothwell & Zegveld plus "none").
FAMILIES: tuple[str, ...] = ("supply", "environment", "demand", "none")
_REQUIRED_LABEL_KEYS = ("code", "zh", "en", "family", "definition", "examples")
_CODE_RE = re.compile(r"^[a-z][a-z_]*$")


class SchemaError(ValueError):
    """The schema file is malformed (duplicate code, unknown family, missing field …)."""


@dataclass(frozen=True)
class Label:
    """One measure-type label of the taxonomy."""

    code: str
    zh: str
    en: str
    family: str
    definition_zh: str
    definition_en: str
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuantitySpec:
    """Allowed field names and values of quantity records (SPEC §3)."""

    fields: tuple[str, ...]
    required: tuple[str, ...]
    kinds: tuple[str, ...]
    comparators: tuple[str, ...]
    roles: tuple[str, ...]


@dataclass(frozen=True)
class LabelSchema:
    """The label taxonomy: an ordered tuple of :class:`Label` plus the quantity vocabulary."""

    labels: tuple[Label, ...]
    families: dict[str, dict[str, str]]
    quantities: QuantitySpec
    version: int = 1
    source: str = ""
    _by_code: dict[str, Label] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_code.update({label.code: label for label in self.labels})

    @property
    def codes(self) -> tuple[str, ...]:
        """Label codes in schema (SPEC) order; position = class index."""
        return tuple(label.code for label in self.labels)

    def __len__(self) -> int:
        return len(self.labels)

    def __iter__(self) -> Iterator[Label]:
        return iter(self.labels)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Label:
        """The :class:`Label` for ``code``; ``KeyError`` naming the known codes if unknown."""
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"unknown label {code!r}; known labels: {', '.join(self.codes)}") from None

    def family(self, code: str) -> str:
        """The family (supply/environment/demand/none) of ``code``."""
        return self.get(code).family

    def zh(self, code: str) -> str:
        """The Chinese name of ``code``."""
        return self.get(code).zh

    def index(self, code: str) -> int:
        """The class index of ``code`` (its position in :attr:`codes`)."""
        self.get(code)
        return self.codes.index(code)

    def codes_in_family(self, family: str) -> tuple[str, ...]:
        """All codes of one family, in schema order."""
        if family not in self.families:
            raise KeyError(f"unknown family {family!r}; known families: {', '.join(self.families)}")
        return tuple(label.code for label in self.labels if label.family == family)

    def class_label(self) -> datasets.ClassLabel:
        """A ``datasets.ClassLabel`` with the codes as names (``datasets`` is imported lazily)."""
        import datasets

        return datasets.ClassLabel(names=list(self.codes))


# --------------------------------------------------------------------------------------------------
# loading


def _schema_error(source: str, message: str) -> SchemaError:
    return SchemaError(f"{source}: {message}")


def _str_list(value: Any, source: str, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _schema_error(source, f"{where} must be a list of strings")
    return tuple(value)


def _parse_schema(data: Any, source: str) -> LabelSchema:
    if not isinstance(data, dict):
        raise _schema_error(source, "top level must be a mapping with 'labels'")
    families = data.get("families") or {name: {} for name in FAMILIES}
    if not isinstance(families, dict) or set(families) != set(FAMILIES):
        raise _schema_error(source, f"'families' must define exactly {', '.join(FAMILIES)}")
    raw_labels = data.get("labels")
    if not isinstance(raw_labels, list) or not raw_labels:
        raise _schema_error(source, "'labels' must be a non-empty list")
    labels: list[Label] = []
    seen: set[str] = set()
    for i, item in enumerate(raw_labels):
        where = f"labels[{i}]"
        if not isinstance(item, dict):
            raise _schema_error(source, f"{where} must be a mapping")
        missing = [k for k in _REQUIRED_LABEL_KEYS if k not in item]
        if missing:
            raise _schema_error(source, f"{where} ({item.get('code', '?')}) lacks {', '.join(missing)}")
        code = item["code"]
        if not isinstance(code, str) or not _CODE_RE.match(code):
            raise _schema_error(source, f"{where}: bad code {code!r} (lower-case letters and '_')")
        if code in seen:
            raise _schema_error(source, f"duplicate label code {code!r}")
        seen.add(code)
        if item["family"] not in FAMILIES:
            raise _schema_error(
                source, f"label {code!r}: bad family {item['family']!r} (one of {', '.join(FAMILIES)})"
            )
        definition = item["definition"]
        if not isinstance(definition, dict) or not definition.get("zh") or not definition.get("en"):
            raise _schema_error(source, f"label {code!r}: definition needs 'zh' and 'en'")
        labels.append(
            Label(
                code=code,
                zh=str(item["zh"]),
                en=str(item["en"]),
                family=item["family"],
                definition_zh=str(definition["zh"]).strip(),
                definition_en=str(definition["en"]).strip(),
                include=_str_list(item.get("include"), source, f"label {code!r} include"),
                exclude=_str_list(item.get("exclude"), source, f"label {code!r} exclude"),
                examples=_str_list(item.get("examples"), source, f"label {code!r} examples"),
            )
        )
    q = data.get("quantities")
    if not isinstance(q, dict):
        raise _schema_error(
            source, "'quantities' section (fields, required, kinds, comparators, roles) missing"
        )
    try:
        spec = QuantitySpec(**{k: _str_list(q.get(k), source, f"quantities.{k}") for k in
                               ("fields", "required", "kinds", "comparators", "roles")})
    except TypeError as exc:  # pragma: no cover - defensive
        raise _schema_error(source, f"bad 'quantities' section: {exc}") from None
    if not set(spec.required) <= set(spec.fields):
        raise _schema_error(source, "quantities.required must be a subset of quantities.fields")
    return LabelSchema(
        labels=tuple(labels),
        families={k: dict(v or {}) for k, v in families.items()},
        quantities=spec,
        version=int(data.get("version", 1)),
        source=source,
    )


@functools.lru_cache(maxsize=8)
def _load_cached(path: str | None) -> LabelSchema:
    if path is None:
        ref = resources.files("clausetag") / "resources" / "schema.yaml"
        text = ref.read_text(encoding="utf-8")
        source = "clausetag/resources/schema.yaml"
    else:
        text = Path(path).read_text(encoding="utf-8")
        source = path
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _schema_error(source, f"invalid YAML: {exc}") from None
    return _parse_schema(data, source)


def load_schema(path: str | os.PathLike[str] | None = None) -> LabelSchema:
    """Load the label schema (cached). Without ``path``, the copy shipped inside the package."""
    return _load_cached(None if path is None else str(Path(path).resolve()))
