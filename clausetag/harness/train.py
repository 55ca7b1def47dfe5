"""Training harness: run configs (YAML), labeled records → classifier, ``clausetag train``.

A run config (see ``training/configs/``)::

    name: seed_lodo
    data: labels/seed                 # a JSONL file or a folder of them, or a list of such
    seed: 13
    lodo: true                        # evaluate: leave-one-document-out over `data`
    test_data: null                   # evaluate with lodo: false: held-out JSONL file(s)/folder(s)
    extra_train: null                 # evaluate: JSONL file(s)/folder(s) added to every training fold, never tested
    output_dir: training/results/seed_lodo
    labels: null                      # default: every label of the packaged schema, in schema order
    models:
      - name: baseline-char
        type: baseline                # a registered classifier type (clausetag.classifiers entry points)
        params: {char_ngrams: [1, 3]}

Relative paths are taken relative to the current directory (run from the repository root);
``${VAR}`` and ``~`` in paths are expanded. Errors name the config file and the offending key.
"""
from __future__ import annotations

import os
import random
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clausetag.classifiers import classifier_class
from clausetag.classifiers.base import Classifier, ParamError, default_labels, join_context
from clausetag.harness.data import read_labeled

CONFIG_KEYS = {"name", "data", "test_data", "extra_train", "seed", "lodo", "output_dir", "labels", "models",
               "segmentation", "description", "save_models"}
MODEL_KEYS = {"name", "type", "params"}


class ConfigError(ValueError):
    """A run config is malformed; the message names the file and the key."""

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source, self.key = source, key
        super().__init__(f"{source}: key '{key}': {message}")


@dataclass
class ModelSpec:
    """One model of a run: a unique ``name``, a classifier ``type`` and its constructor ``params``."""

    name: str
    type: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunConfig:
    """A parsed run config (see the module docstring for the YAML form)."""

    models: list[ModelSpec]
    data: list[str] = field(default_factory=list)
    name: str = "run"
    seed: int = 0
    lodo: bool = True
    test_data: list[str] = field(default_factory=list)
    extra_train: list[str] = field(default_factory=list)
    output_dir: str | None = None
    labels: list[str] | None = None
    segmentation: bool = False
    save_models: bool = False
    source: str = "<dict>"

    def model(self, name: str | None = None) -> ModelSpec:
        """The model called ``name`` (the first model when ``name`` is None)."""
        if name is None:
            return self.models[0]
        for spec in self.models:
            if spec.name == name:
                return spec
        raise ConfigError(self.source, "models", f"no model named {name!r}; have {[m.name for m in self.models]}")


def _expand(path: str) -> str:
    return os.path.expanduser(os.path.expandvars(str(path)))


def _paths(value: Any, source: str, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, Path)):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, Path)) for v in value):
        raise ConfigError(source, key, f"expected a path or a list of paths, got {value!r}")
    return [_expand(v) for v in value]


def parse_config(data: Any, source: str = "<dict>", *, check_files: bool = True) -> RunConfig:
    """Validate a config mapping (as loaded from YAML) into a :class:`RunConfig`. Every model's params
    are checked by its registry class before any work starts; ``check_files=False`` skips the checks
    that need files on disk (a base model directory)."""

    if not isinstance(data, dict):
        raise ConfigError(source, "<top level>", f"expected a mapping, got {type(data).__name__}")
    unknown = sorted(set(data) - CONFIG_KEYS)
    if unknown:
        raise ConfigError(source, unknown[0], f"unknown key; allowed keys: {sorted(CONFIG_KEYS)}")
    models_raw = data.get("models")
    if not isinstance(models_raw, list) or not models_raw:
        raise ConfigError(source, "models", "expected a non-empty list of models")
    models: list[ModelSpec] = []
    for i, m in enumerate(models_raw):
        where = f"models[{i}]"
        if not isinstance(m, dict):
            raise ConfigError(source, where, f"expected a mapping with name, type, params; got {m!r}")
        extra = sorted(set(m) - MODEL_KEYS)
        if extra:
            raise ConfigError(source, f"{where}.{extra[0]}", f"unknown key; allowed: {sorted(MODEL_KEYS)}")
        mtype: Any = m.get("type")
        try:
            cls = classifier_class(mtype)
        except (ValueError, ImportError, TypeError) as exc:
            raise ConfigError(source, f"{where}.type", str(exc)) from None
        params = m.get("params") or {}
        if not isinstance(params, dict):
            raise ConfigError(source, f"{where}.params", f"expected a mapping, got {params!r}")
        name = m.get("name") or f"{mtype}-{i}"
        if not isinstance(name, str):
            raise ConfigError(source, f"{where}.name", f"expected a string, got {name!r}")
        if name in {s.name for s in models}:
            raise ConfigError(source, f"{where}.name", f"duplicate model name {name!r}")
        if isinstance(params.get("base_model"), str):
            params = dict(params, base_model=_expand(params["base_model"]))
        if not cls.trainable:
            raise ConfigError(source, f"{where}.type", f"{mtype!r} models are inference-only (exported); "
                                                       "train the model they come from instead")
        with warnings.catch_warnings(record=True) as caught:  # deprecations of a config: say which file and model
            warnings.simplefilter("always")
            try:
                params = cls.validate_params(dict(params), check_files=check_files)
            except ParamError as exc:
                raise ConfigError(source, f"{where}.{exc.key}", str(exc)) from None
        for w in caught:
            warnings.warn(f"{source}: {where}: {w.message}", w.category, stacklevel=2)
        for key in cls.member_params:
            for member in cls.member_names({key: params.get(key)}):
                if member not in {s.name for s in models}:
                    raise ConfigError(source, f"{where}.params.{key}",
                                      f"{member!r} is not a model listed before this {mtype}")
        models.append(ModelSpec(name, mtype, dict(params)))
    seed = data.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ConfigError(source, "seed", f"expected an integer, got {seed!r}")
    lodo = data.get("lodo", True)
    if not isinstance(lodo, bool):
        raise ConfigError(source, "lodo", f"expected true or false, got {lodo!r}")
    segmentation = data.get("segmentation", False)
    if not isinstance(segmentation, bool):
        raise ConfigError(source, "segmentation", f"expected true or false, got {segmentation!r}")
    save_models = data.get("save_models", False)
    if not isinstance(save_models, bool):
        raise ConfigError(source, "save_models", f"expected true or false, got {save_models!r}")
    if save_models and lodo:
        raise ConfigError(source, "save_models", "only with lodo: false (one model per config entry)")
    labels = data.get("labels")
    if labels is not None and (not isinstance(labels, list) or not all(isinstance(x, str) for x in labels)):
        raise ConfigError(source, "labels", f"expected a list of label codes, got {labels!r}")
    output_dir = data.get("output_dir")
    if output_dir is not None and not isinstance(output_dir, str):
        raise ConfigError(source, "output_dir", f"expected a path, got {output_dir!r}")
    test_data = _paths(data.get("test_data"), source, "test_data")
    if not lodo and data.get("data") is not None and not test_data:
        raise ConfigError(source, "test_data", "required when lodo is false")
    return RunConfig(
        models=models,
        data=_paths(data.get("data"), source, "data"),
        name=str(data.get("name") or Path(source).stem),
        seed=seed,
        lodo=lodo,
        test_data=test_data,
        extra_train=_paths(data.get("extra_train"), source, "extra_train"),
        output_dir=_expand(output_dir) if output_dir else None,
        labels=labels,
        segmentation=segmentation,
        save_models=save_models,
        source=source,
    )


def load_config(path: str | Path, *, check_files: bool = True) -> RunConfig:
    """Read and validate a YAML run config; errors name the file and the key."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(str(path), "<yaml>", f"not valid YAML: {exc}") from None
    return parse_config(data, str(path), check_files=check_files)


def as_config(config: RunConfig | dict[str, Any] | str | Path, *, check_files: bool = True) -> RunConfig:
    """Accept a :class:`RunConfig`, a mapping or a YAML path."""
    if isinstance(config, RunConfig):
        return config
    if isinstance(config, dict):
        return parse_config(config, check_files=check_files)
    return load_config(config, check_files=check_files)


def select_models(cfg: RunConfig, names: Sequence[str] | None = None) -> list[ModelSpec]:
    """The models of a run to work on (all, or ``names`` plus the members of selected ensembles), with
    the checks that need files on disk (base model directories) done now, before any work."""

    specs = [cfg.model(n) for n in names] if names else list(cfg.models)
    wanted = {s.name for s in specs}
    for s in list(specs):
        wanted |= set(classifier_class(s.type).member_names(s.params))
    specs = [s for s in cfg.models if s.name in wanted]
    for spec in specs:
        try:
            classifier_class(spec.type).validate_params(dict(spec.params), check_files=True)
        except ParamError as exc:
            raise ConfigError(cfg.source, f"models[{spec.name}].{exc.key}", str(exc)) from None
    return specs


# -- data ---------------------------------------------------------------------------------------
Records = list[dict[str, Any]]


def load_records(data: str | Path | Sequence[str | Path] | Records, *, source: str = "<data>",
                 key: str = "data") -> Records:
    """Labeled records from JSONL path(s)/folder(s) (via :func:`clausetag.harness.data.read_labeled`) or a list of
    record dicts (returned as is)."""
    if isinstance(data, list) and (not data or isinstance(data[0], dict)):
        return list(data)

    paths = [data] if isinstance(data, (str, Path)) else list(data)
    if not paths:
        raise ConfigError(source, key, "no labeled data given")
    records: Records = []
    for p in paths:
        if not Path(p).exists():
            raise ConfigError(source, key, f"labeled data not found: {p}")
        records += read_labeled(p)
    if not records:
        raise ConfigError(source, key, f"no labeled records in {[str(p) for p in paths]}")
    return records


def examples(records: Records, labels: Sequence[str] | None = None) -> tuple[list[str], list[str], list[str]]:
    """``(texts, contexts, labels)`` of labeled records; the context is the joined heading path."""
    known = set(labels) if labels is not None else None
    texts, contexts, ys = [], [], []
    for r in records:
        label = r.get("label")
        if label is None:
            raise ValueError(f"record {r.get('doc_id')}#{r.get('index')} has no label")
        if known is not None and label not in known:
            raise ValueError(f"record {r.get('doc_id')}#{r.get('index')}: label {label!r} not in the schema")
        texts.append(r["text"])
        contexts.append(join_context(r.get("heading_path")))
        ys.append(label)
    return texts, contexts, ys


def config_labels(config: RunConfig) -> list[str]:
    """The config's label list, or the packaged schema's."""
    if config.labels is not None:
        return list(config.labels)

    return default_labels()


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and (when loaded) torch's generators."""
    import sys

    import numpy as np

    random.seed(seed)
    np.random.seed(seed % (2**32))
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def build_classifier(spec: ModelSpec, labels: Sequence[str], seed: int, *, source: str = "<config>",
                     progress: bool = True, specs: Sequence[ModelSpec] = ()) -> Classifier:
    """Instantiate an untrained classifier from a model spec (params already validated by the
    registry class) with one ``cls(**params)`` for every type; models that a spec's member parameters
    name (an ensemble's ``members``) are built from ``specs`` first."""

    cls = classifier_class(spec.type)
    params = dict(spec.params)
    by_name = {s.name: s for s in specs}
    for key in cls.member_params:  # member names → (name, unfitted classifier)
        params[key] = [(m, build_classifier(by_name[m], labels, seed, source=source, progress=progress, specs=specs))
                       for m in cls.member_names({key: params.get(key)})]
    names = set(cls.param_names())
    params.update({k: v for k, v in (("labels", list(labels)), ("seed", seed)) if k in names})
    if "progress" in names:
        params.setdefault("progress", progress)
    try:
        model: Classifier = cls(**params)
    except TypeError as exc:
        raise ConfigError(source, f"models[{spec.name}].params", str(exc)) from None
    return model


# -- train --------------------------------------------------------------------------------------
def document_ids(records: Records) -> list[str]:
    """The sorted, distinct ``doc_id`` of ``records``: the training documents a model card lists."""
    return sorted({str(r.get("doc_id")) for r in records})


def train(
    config: RunConfig | dict[str, Any] | str | Path,
    *,
    data: str | Path | Sequence[str | Path] | Records | None = None,
    output_dir: str | Path | None = None,
    model_name: str | None = None,
    progress: bool = True,
) -> Classifier:
    """Train one model of a run config (the first, or ``model_name``) on all of its data (or ``data``)
    and save it to ``output_dir`` when given. Returns the trained classifier."""
    from collections import Counter

    cfg = as_config(config, check_files=False)
    spec = cfg.model(model_name)
    select_models(cfg, [spec.name])
    labels = config_labels(cfg)
    records = load_records(data if data is not None else cfg.data, source=cfg.source)
    texts, contexts, ys = examples(records, labels)
    seed_everything(cfg.seed)
    model = build_classifier(spec, labels, cfg.seed, source=cfg.source, progress=progress, specs=cfg.models)
    model.fit(texts, ys, contexts)
    model.metrics_["train_data"] = {
        "examples": len(texts),
        "documents": len({r.get("doc_id") for r in records}),
        "doc_ids": document_ids(records),  # `clausetag score` warns when it scores these
        "label_counts": dict(Counter(ys)),
        "config": cfg.source,
        "model": spec.name,
    }
    if output_dir is not None:
        model.save_pretrained(output_dir)
    return model
