"""ONNX Runtime CPU sessions, shared by the exported classifiers, encoders and the quantity reader (a leaf
module: it imports nothing else of clausetag)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

__all__ = ["ort_session"]


def ort_session(model_file: str | Path, num_threads: int | None = None) -> Any:
    """An ONNX Runtime CPU session with ``num_threads`` intra-op threads (``None``: ``$CLAUSETAG_ORT_THREADS``,
    else ONNX Runtime's default, all cores) and no busy-waiting threads (on a shared or oversubscribed
    machine spinning only burns CPU)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    threads = num_threads if num_threads is not None else int(os.environ.get("CLAUSETAG_ORT_THREADS", 0))
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
