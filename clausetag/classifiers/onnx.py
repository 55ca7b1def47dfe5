"""Torch-free inference of a fine-tuned transformer clause classifier: ONNX Runtime + ``tokenizers``.

:func:`export_onnx` (needs torch, run once after training) writes a directory with ``model.onnx`` (fp32,
or int8 dynamic quantisation of the MatMul weights), ``tokenizer.json`` and ``clausetag.json``;
:class:`OnnxClassifier` loads it with nothing but onnxruntime, tokenizers and numpy, and classifies in
length-sorted batches (little padding). Its probabilities match the torch model's to within int8
rounding.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from clausetag.classifiers.base import Classifier, check_inputs, softmax
from clausetag.classifiers.batching import map_sorted
from clausetag.classifiers.card import read_card, write_card
from clausetag.classifiers.ort import ort_session

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"


def run_size(batch_size: int | None, quantized: bool) -> int:
    """Inputs per ONNX Runtime call: ``batch_size``, or by default 1 for an int8 model (its activations are
    quantised with one scale per call, so batch-mates would change each other's results) and 8 for fp32
    (the fastest on one thread; ``benchmarks/results/roofline.md``)."""
    return max(1, batch_size or (1 if quantized else 8))


def pad_encodings(encodings: Sequence[Any], pad_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(input_ids, attention_mask, token_type_ids)`` of ``tokenizers`` encodings, padded to the longest."""
    width = max(len(e.ids) for e in encodings)
    ids = np.full((len(encodings), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    types = np.zeros((len(encodings), width), dtype=np.int64)
    for row, e in enumerate(encodings):
        n = len(e.ids)
        ids[row, :n] = e.ids
        mask[row, :n] = 1
        types[row, :n] = e.type_ids
    return ids, mask, types


def module_to_onnx(module: Any, inputs: tuple[Any, ...], input_names: Sequence[str],
                   dynamic_axes: dict[str, dict[int, str]], model_file: str | Path, *, quantize: bool = True,
                   opset: int = 17) -> Path:
    """Export the torch ``module`` (called with ``inputs``; one output, ``logits``) to ``model_file``: fp32, or int8
    dynamic quantisation of the MatMul weights (``quantize``). Needs torch and onnxruntime."""
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / MODEL_FILE
        with torch.inference_mode():
            torch.onnx.export(module, inputs, str(fp32), input_names=list(input_names), output_names=["logits"],
                              dynamic_axes=dynamic_axes, opset_version=opset, dynamo=False)
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantize_dynamic(str(fp32), str(model_file), weight_type=QuantType.QInt8)
        else:
            shutil.copyfile(fp32, model_file)
    return Path(model_file)


def export_onnx(model: Any, path: str | Path, *, quantize: bool = True, opset: int = 17) -> Path:
    """Export a fitted :class:`~clausetag.classifiers.bert.BertClassifier` to an ONNX directory."""
    import torch

    model._require_fitted()
    if getattr(model, "quantized_", False):
        raise RuntimeError("export the fp32 model: torch-quantised modules do not export to ONNX")
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    sample = model._encode(["示例条款：设立专项资金支持企业。"], ["一、总体要求"])
    batch = model._collate(sample + sample)
    names = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in batch]
    module = model.model_.to("cpu").eval()

    class _Wrapper(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = module

        def forward(self, *tensors: Any) -> Any:
            return self.inner(**dict(zip(names, tensors)))

    module_to_onnx(_Wrapper(), tuple(batch[k] for k in names), names,
                   {**{k: {0: "batch", 1: "seq"} for k in names}, "logits": {0: "batch"}}, out / MODEL_FILE,
                   quantize=quantize, opset=opset)
    model.tokenizer_.backend_tokenizer.save(str(out / TOKENIZER_FILE))
    write_card(out, {
        "type": OnnxClassifier.type_name,
        "labels": model.labels_,
        "params": {"use_context": bool(model.use_context), "max_length": int(model.max_length)},
        "inputs": names,
        "pad_id": int(model.tokenizer_.pad_token_id or 0),
        "quantized": bool(quantize),
        "exported_from": {"type": model.type_name, "params": {
            **{k: (str(v) if isinstance(v, Path) else v) for k, v in model.get_params(deep=False).items()},
            "training_args": model.training_arguments().to_dict()}},
        "metrics": getattr(model, "metrics_", {}),
    })
    return out


class OnnxClassifier(Classifier):
    """Inference-only transformer classifier on ONNX Runtime (no torch).

    Args:
        labels: label codes (from the exported card).
        use_context: the heading path goes in as the second segment (as in training).
        max_length: token limit (longest-first truncation of the pair, as in training).
        batch_size: clauses per ONNX Runtime call (length-sorted, so batches pad little). ``None``
            (default): 1 for an int8 model, 8 for fp32. An int8 model quantises its activations with one
            scale per call, so in a batch a clause's probabilities would depend on the clauses it shares
            the call with (18 of 393 seed labels changed between two batchings, issue 17); one clause a
            call makes every result independent of the rest of the input, and on one thread it is also
            faster than batches of 64 (``benchmarks/results/roofline.md``). fp32 results do not depend
            on batch-mates beyond float rounding; 4–8 clauses a call is its fastest on one thread.
        num_threads: intra-op threads (``None``: ONNX Runtime's default, all cores; use 1 per worker
            process when running several).

    Fitted attributes (set by :meth:`from_pretrained`): ``classes_``, ``session_``, ``tokenizer_``,
    ``quantized_``.
    """

    type_name = "onnx"
    trainable = False

    def __init__(self, labels: Sequence[str] | None = None, *, use_context: bool = True, max_length: int = 128,
                 batch_size: int | None = None, num_threads: int | None = None) -> None:
        self.labels = labels
        self.use_context = use_context
        self.max_length = max_length
        self.batch_size = batch_size
        self.num_threads = num_threads

    def _encode(self, texts: Sequence[str], contexts: Sequence[str] | None) -> list[Any]:
        if self.use_context:
            second = [c or "" for c in contexts] if contexts is not None else [""] * len(texts)
            return list(self.tokenizer_.encode_batch(list(zip(texts, second))))
        return list(self.tokenizer_.encode_batch(list(texts)))

    def logits(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        """Raw logits in input order."""
        self._require_fitted()
        ctx = check_inputs(texts, contexts)
        out = np.zeros((len(texts), len(self.classes_)), dtype=np.float32)
        if len(texts) == 0:
            return out
        encs = self._encode(texts, ctx)

        def run(idx: list[int]) -> np.ndarray:
            ids, mask, types = pad_encodings([encs[i] for i in idx], self.pad_id_)
            feed = {name: arr for name, arr in (("input_ids", ids), ("attention_mask", mask), ("token_type_ids", types))
                    if name in self.inputs_}
            result: np.ndarray = self.session_.run(None, feed)[0]
            return result

        return map_sorted(run, [len(e.ids) for e in encs], run_size(self.batch_size, self.quantized_), out)

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        return softmax(self.logits(texts, contexts))

    def save_pretrained(self, path: str | Path) -> Path:
        """Copy the exported directory (the model is read-only)."""
        self._require_fitted()
        out = Path(path)
        if out.resolve() != self.path_.resolve():
            shutil.copytree(self.path_, out, dirs_exist_ok=True)
        return out

    @classmethod
    def from_pretrained(cls, path: str | Path, *, batch_size: int | None = None, num_threads: int | None = None,
                        device: str | None = "cpu", quantize: bool = False, **kwargs: Any) -> OnnxClassifier:
        """Load an exported directory. ``device``/``quantize`` are accepted for a uniform loading
        surface: ONNX models run on the CPU and are quantised at export."""
        from tokenizers import Tokenizer

        card = read_card(path)
        params = cls._params_from_card(card, path)
        if batch_size:
            params["batch_size"] = batch_size
        if num_threads is not None:
            params["num_threads"] = num_threads
        model = cls(**params)
        folder = Path(path)
        for name in (MODEL_FILE, TOKENIZER_FILE):
            if not (folder / name).is_file():
                raise FileNotFoundError(f"{folder}: {name} missing (not an exported ONNX clausetag model)")
        tok = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        tok.no_padding()
        tok.enable_truncation(int(model.max_length), strategy="longest_first")
        model.session_ = ort_session(folder / MODEL_FILE, model.num_threads)
        model.tokenizer_ = tok
        model.inputs_ = {i.name for i in model.session_.get_inputs()}
        model.pad_id_ = int(card.get("pad_id", 0))
        model.quantized_ = bool(card.get("quantized", False))
        model.classes_ = np.array(card["labels"], dtype=object)
        model.metrics_ = card.get("metrics", {})
        model.path_ = folder
        return model
