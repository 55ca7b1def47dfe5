"""BERT clause classifier: ``transformers`` sequence classification over clause text, with the heading
path as an optional second segment.

``base_model`` is any local directory (e.g. one written by :func:`clausetag.pretrain.pretrain_mlm`) or,
for users with internet access, a hub id; the documented default is ``hfl/chinese-roberta-wwm-ext``.
torch and transformers are imported only when a model is built or loaded.
"""
from __future__ import annotations

import contextlib
import math
import time
import warnings
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from clausetag.classifiers.base import Classifier, check_inputs, read_card, resolve_labels, write_card

DEFAULT_BASE_MODEL = "hfl/chinese-roberta-wwm-ext"


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
            f"base model directory {name!r} not found; build one offline with "
            f"`clausetag pretrain CORPUS -o DIR`, or give a hub id such as {DEFAULT_BASE_MODEL!r}"
        )
    return name


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' load-time chatter (progress bars, "newly initialised head" notices)."""
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


def resolve_device(device: str | None) -> str:
    """``"cpu"``, ``"cuda"`` or ``None``/``"auto"`` (cuda when available)."""
    import torch

    if device in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"device {device!r} requested but CUDA is not available")
    return device


class BertClassifier(Classifier):
    """Fine-tunes ``AutoModelForSequenceClassification`` on clause labels.

    Args:
        base_model: local directory or hub id of the encoder to start from.
        labels: label codes in schema order (default: the packaged schema).
        use_context: feed the heading path as the second segment.
        max_length: token limit of text (+ context); longer inputs are truncated.
        epochs, batch_size, lr, weight_decay, warmup_ratio: the training loop (AdamW, linear warmup
            then linear decay, gradient clipping at 1.0).
        max_steps: stop after this many optimiser steps (overrides ``epochs`` when smaller).
        class_weights: ``"balanced"`` weighs the loss by inverse label frequency; ``None`` does not.
        seed: seeds head initialisation, dropout and batch order.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"``.
        batch_size_predict: inference batch size.
        progress: show tqdm progress bars.
    """

    type_name = "bert"

    def __init__(
        self,
        base_model: str | Path = DEFAULT_BASE_MODEL,
        labels: Sequence[str] | None = None,
        *,
        use_context: bool = True,
        max_length: int = 128,
        epochs: float = 3,
        batch_size: int = 16,
        lr: float = 5e-5,
        weight_decay: float = 0.01,
        warmup_ratio: float = 0.1,
        max_steps: int | None = None,
        class_weights: str | None = "balanced",
        seed: int = 0,
        device: str | None = "auto",
        batch_size_predict: int = 64,
        progress: bool = True,
    ) -> None:
        self.labels = resolve_labels(labels)
        self.base_model = str(base_model)
        if class_weights not in (None, "balanced"):
            raise ValueError(f"class_weights must be None or 'balanced', not {class_weights!r}")
        self.config: dict[str, Any] = {
            "use_context": bool(use_context),
            "max_length": int(max_length),
            "epochs": float(epochs),
            "batch_size": int(batch_size),
            "lr": float(lr),
            "weight_decay": float(weight_decay),
            "warmup_ratio": float(warmup_ratio),
            "max_steps": None if max_steps is None else int(max_steps),
            "class_weights": class_weights,
            "seed": int(seed),
        }
        self.device = device
        self.batch_size_predict = int(batch_size_predict)
        self.progress = progress
        self.model: Any = None
        self.tokenizer: Any = None
        self.quantized = False
        self.metrics: dict[str, Any] = {}
        self.history: dict[str, list[float]] = {"loss": []}

    @property
    def use_context(self) -> bool:
        return self.config["use_context"]

    @property
    def max_length(self) -> int:
        return self.config["max_length"]

    # -- encoding -------------------------------------------------------------------------------
    def _encode(self, texts: Sequence[str], contexts: Sequence[str] | None) -> list[dict[str, list[int]]]:
        texts = list(texts)
        if self.use_context:
            # always a pair, also for an empty/missing context, so that one clause encodes the same
            # whatever else is in its batch
            second = [c or "" for c in contexts] if contexts is not None else [""] * len(texts)
            enc = self.tokenizer(texts, second, truncation="longest_first", max_length=self.max_length)
        else:
            enc = self.tokenizer(texts, truncation=True, max_length=self.max_length)
        keys = [k for k in ("input_ids", "token_type_ids", "attention_mask") if k in enc]
        return [{k: enc[k][i] for k in keys} for i in range(len(texts))]

    def _collate(self, features: list[dict[str, list[int]]]) -> dict[str, Any]:
        return self.tokenizer.pad(features, padding=True, return_tensors="pt")

    # -- training -------------------------------------------------------------------------------
    def fit(
        self, texts: Sequence[str], labels: Sequence[str], contexts: Sequence[str] | None = None
    ) -> "BertClassifier":
        import torch
        from tqdm.auto import tqdm
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers import get_linear_schedule_with_warmup

        contexts = check_inputs(texts, contexts)
        if len(texts) != len(labels):
            raise ValueError(f"got {len(texts)} texts but {len(labels)} labels")
        if len(texts) == 0:
            raise ValueError("no training examples")
        self._check_labels(labels)
        cfg = self.config
        device = resolve_device(self.device)
        base = check_base_model(self.base_model)

        torch.manual_seed(cfg["seed"])
        np.random.seed(cfg["seed"] % (2**32))
        with quiet_transformers():  # "newly initialised classifier head" is expected here
            self.tokenizer = AutoTokenizer.from_pretrained(base)
            self.model = AutoModelForSequenceClassification.from_pretrained(
                base,
                num_labels=len(self.labels),
                id2label=dict(enumerate(self.labels)),
                label2id={label: i for i, label in enumerate(self.labels)},
                ignore_mismatched_sizes=True,
            )
        max_pos = getattr(self.model.config, "max_position_embeddings", None)
        if max_pos is not None and self.max_length > max_pos:
            raise ValueError(f"max_length {self.max_length} exceeds the {max_pos} positions of {base}")
        self.model.to(device)
        self.quantized = False

        features = self._encode(texts, contexts)
        index = {label: i for i, label in enumerate(self.labels)}
        y = torch.tensor([index[label] for label in labels], dtype=torch.long)
        weight = None
        if cfg["class_weights"] == "balanced":
            counts = torch.bincount(y, minlength=len(self.labels)).float()
            present = counts > 0
            weight = torch.zeros(len(self.labels))
            weight[present] = len(y) / (present.sum() * counts[present])
            weight = weight.to(device)
        loss_fn = torch.nn.CrossEntropyLoss(weight=weight)

        bs = cfg["batch_size"]
        steps_per_epoch = math.ceil(len(features) / bs)
        total = max(1, math.ceil(cfg["epochs"] * steps_per_epoch))
        if cfg["max_steps"] is not None:
            total = min(total, cfg["max_steps"]) if cfg["epochs"] > 0 else cfg["max_steps"]
        no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight")
        groups = [
            {"params": [p for n, p in self.model.named_parameters() if not n.endswith(no_decay)],
             "weight_decay": cfg["weight_decay"]},
            {"params": [p for n, p in self.model.named_parameters() if n.endswith(no_decay)],
             "weight_decay": 0.0},
        ]
        optimizer = torch.optim.AdamW(groups, lr=cfg["lr"])
        scheduler = get_linear_schedule_with_warmup(optimizer, int(cfg["warmup_ratio"] * total), total)
        generator = torch.Generator().manual_seed(cfg["seed"])

        self.history = {"loss": []}
        self.model.train()
        step = 0
        started = time.perf_counter()
        bar = tqdm(total=total, desc="fine-tune", unit="step", disable=not self.progress, leave=False)
        while step < total:
            order = torch.randperm(len(features), generator=generator).tolist()
            for start in range(0, len(order), bs):
                idx = order[start:start + bs]
                batch = {k: v.to(device) for k, v in self._collate([features[i] for i in idx]).items()}
                logits = self.model(**batch).logits
                loss = loss_fn(logits, y[idx].to(device))
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                self.history["loss"].append(float(loss.detach()))
                step += 1
                bar.update(1)
                bar.set_postfix(loss=f"{self.history['loss'][-1]:.3f}")
                if step >= total:
                    break
        bar.close()
        self.model.eval()
        self.metrics["train"] = {
            "steps": step,
            "examples": len(features),
            "final_loss": self.history["loss"][-1],
            "seconds": round(time.perf_counter() - started, 2),
        }
        return self

    # -- inference ------------------------------------------------------------------------------
    def quantize(self) -> "BertClassifier":
        """Int8 dynamic quantisation of the Linear layers (CPU inference only; irreversible)."""
        import torch

        self._require_model()
        if self.quantized:
            return self
        self.model.to("cpu")
        self.device = "cpu"
        with warnings.catch_warnings():
            # torch announces the move of eager-mode quantisation to torchao; the API still works
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            self.model = torch.ao.quantization.quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8)
        self.quantized = True
        return self

    def _require_model(self) -> None:
        if self.model is None or self.tokenizer is None:
            raise RuntimeError("the classifier is not fitted; call fit() or from_pretrained() first")

    def logits(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        """Raw logits, shape ``(len(texts), len(self.labels))``, in input order."""
        import torch
        from tqdm.auto import tqdm

        self._require_model()
        contexts = check_inputs(texts, contexts)
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        if len(texts) == 0:
            return out
        device = "cpu" if self.quantized else resolve_device(self.device)
        self.model.to(device)
        self.model.eval()
        features = self._encode(texts, contexts)
        # length-sorted batches waste little padding; results go back to input order
        order = sorted(range(len(features)), key=lambda i: len(features[i]["input_ids"]))
        bs = self.batch_size_predict
        with torch.inference_mode():
            for start in tqdm(range(0, len(order), bs), desc="classify", unit="batch",
                              disable=not self.progress or len(order) <= bs, leave=False):
                idx = order[start:start + bs]
                batch = {k: v.to(device) for k, v in self._collate([features[i] for i in idx]).items()}
                out[idx] = self.model(**batch).logits.float().cpu().numpy()
        return out

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        logits = self.logits(texts, contexts).astype(np.float64)
        if len(logits) == 0:
            return logits
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    # -- persistence ----------------------------------------------------------------------------
    def save_pretrained(self, path: str | Path) -> Path:
        self._require_model()
        if self.quantized:
            raise RuntimeError("a quantised model cannot be saved; save before quantize()")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        with quiet_transformers():
            self.model.save_pretrained(str(path))  # safetensors is the default format
            self.tokenizer.save_pretrained(str(path))
        write_card(path, {
            "type": self.type_name,
            "labels": self.labels,
            "base_model": self.base_model,
            "use_context": self.use_context,
            "max_length": self.max_length,
            "training": self.config,
            "metrics": self.metrics,
            "history": self.history,
        })
        return path

    @classmethod
    def from_pretrained(
        cls,
        path: str | Path,
        *,
        device: str | None = "auto",
        quantize: bool = False,
        progress: bool = False,
        batch_size_predict: int = 64,
        **kwargs: Any,
    ) -> "BertClassifier":
        """Load a directory written by :meth:`save_pretrained`. ``quantize=True`` applies int8 dynamic
        quantisation for CPU inference."""
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        card = read_card(path)
        if card.get("type") != cls.type_name:
            raise ValueError(f"{path}: clausetag.json type is {card.get('type')!r}, not 'bert'")
        training = dict(card.get("training", {}))
        training.update(use_context=card.get("use_context", True), max_length=card.get("max_length", 128))
        training.update(kwargs)
        model = cls(card.get("base_model", DEFAULT_BASE_MODEL), card["labels"], device=device,
                    progress=progress, batch_size_predict=batch_size_predict, **training)
        with quiet_transformers():
            model.tokenizer = AutoTokenizer.from_pretrained(str(path))
            model.model = AutoModelForSequenceClassification.from_pretrained(str(path))
        model.model.eval()
        n_out = model.model.config.num_labels
        if n_out != len(model.labels):
            raise ValueError(f"{path}: model has {n_out} outputs but clausetag.json lists {len(model.labels)} labels")
        model.metrics = card.get("metrics", {})
        model.history = card.get("history", {"loss": []})
        if quantize:
            model.quantize()
        else:
            model.model.to(resolve_device(device))
        return model
