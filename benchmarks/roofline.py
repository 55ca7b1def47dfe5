"""The transformer's speed against this machine's fp32 roofline (issue 17, point 4).

    python benchmarks/roofline.py [--quick] [--torch DIR] [--onnx-fp32 DIR] [--onnx-int8 DIR] \
        [--threads 1 2] [--out benchmarks/results/roofline.md]

Four parts, all printed and written to ``--out`` (Markdown) and its ``.json`` twin:

1. **Peak**: measured GEMM throughput, 1 and 2 threads: large square fp32 ``torch.mm`` (MKL), numpy
   (OpenBLAS) and ONNX Runtime ``MatMul``; int8 ONNX Runtime ``MatMulInteger`` (u8 × s8 → s32) and, when
   available, torch's dynamically quantised linear (fbgemm). Then the encoder's own linear-layer shapes
   (rows = batch × mean clause length; d→d four times, d→ffn, ffn→d) in fp32 and in the int8
   dynamic-quantisation form the shipped model uses. Relevant CPU flags from ``/proc/cpuinfo``.
2. **Model FLOPs** per clause of ``L`` tokens (counted from the ONNX graph: every MatMul/Gemm whose
   weight is an initializer gives ``2·K·N`` per token, or per clause for the head after pooling; attention
   adds ``4·L²·d`` per layer, ``Q·Kᵀ`` and ``A·V``), summed over the seed clauses tokenised with the
   model's tokenizer (heading path as the second segment, longest-first truncation to ``max_length``, as
   the classifier does).
3. **Achieved**: forward-pass clauses/s and useful GFLOP/s (FLOPs at the real lengths; padding is waste)
   and % of the measured fp32 peak, for torch fp32, ONNX Runtime fp32 and int8, each with length-sorted
   batches (what the classifiers do), input-order batches padded to the batch's longest clause, batches
   padded to ``max_length`` (timed only where that differs from input order) and, in the full run, one
   clause a call; 1 and 2 threads. Tokenisation and collation are outside the timing.
4. The padding each batching wastes (padded tokens / real tokens, and executed / useful FLOPs).

Every timed row carries the 1-minute load average read right after it (it includes this process) and
its rate per CPU second beside the wall-clock one (with one thread, the CPU time is what the work costs
a core even while other processes share it). A per-operator ONNX Runtime profile (one thread) shows where
the time goes. ``--quick`` (< 2 min): every 5th clause, best of 1, a 2048³ peak on three engines, two
threads for sorted batches only, the batch-size sweep (1, 8, 64) and profile for int8 only.
Without ``--onnx-fp32`` but with ``--torch`` the fp32 ONNX model is exported to a temporary directory.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHIPPED_INT8 = ROOT / "clausetag/resources/models/ensemble/transformer"
MARKER = "<!-- notes: kept when the script rewrites this file -->"
FLAGS = ("avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")


# ---------------------------------------------------------------------------------------------- machine
def cpu_info() -> dict[str, Any]:
    """Model name, MHz, core count and the SIMD/matrix flags that matter for GEMM."""
    text = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    info: dict[str, Any] = {"cores": os.cpu_count()}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "model name":
            info.setdefault("model", value)
        elif key == "cpu MHz":
            info.setdefault("mhz", float(value))
        elif key == "flags":
            have = set(value.split())
            info.setdefault("flags", {f: f in have for f in FLAGS})
    return info


def load() -> float:
    return round(os.getloadavg()[0], 2)


def best_of(runs: int, fn: Callable[[], Any], min_time: float = 0.0) -> tuple[float, float]:
    """Smallest wall time and smallest process CPU time of ``runs`` calls (at least one; more until
    ``min_time`` wall seconds were spent). With one thread the CPU time is what the work costs a core
    even when other processes share it; the wall time includes waiting for the core."""
    walls: list[float] = []
    cpus: list[float] = []
    while len(walls) < max(1, runs) or sum(walls) < min_time:
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus)


# ---------------------------------------------------------------------------------------------- peak
def ort_session(model: Any, threads: int) -> Any:
    """A CPU session with the classifier's options (``intra_op`` threads, no spinning)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    data = model if isinstance(model, (str, bytes)) else model.SerializeToString()
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def matmul_graph(m: int, k: int, n: int, *, int8_inputs: bool = False, seed: int = 0) -> Any:
    """``Y = A · W`` with ``W`` an initializer: fp32 MatMul, or (``int8_inputs``) u8 × s8 MatMulInteger."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    if int8_inputs:
        w = numpy_helper.from_array(rng.integers(-127, 128, (k, n), dtype=np.int8), "W")
        a_zp = numpy_helper.from_array(np.array(128, dtype=np.uint8), "a_zp")
        b_zp = numpy_helper.from_array(np.array(0, dtype=np.int8), "b_zp")
        node = helper.make_node("MatMulInteger", ["A", "W", "a_zp", "b_zp"], ["Y"])
        inits, a_type, y_type = [w, a_zp, b_zp], TensorProto.UINT8, TensorProto.INT32
    else:
        w = numpy_helper.from_array(rng.standard_normal((k, n), dtype=np.float32), "W")
        node = helper.make_node("MatMul", ["A", "W"], ["Y"])
        inits, a_type, y_type = [w], TensorProto.FLOAT, TensorProto.FLOAT
    graph = helper.make_graph([node], "mm", [helper.make_tensor_value_info("A", a_type, [None, k])],
                              [helper.make_tensor_value_info("Y", y_type, [None, n])], initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def dynamic_int8(model: Any) -> bytes:
    """The fp32 MatMul graph quantised the way the shipped model was (``quantize_dynamic``, QInt8 weights)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        onnx.save(model, src)
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)
        return dst.read_bytes()


def gemm_rate(kind: str, m: int, k: int, n: int, threads: int, runs: int, min_time: float) -> tuple[float, float]:
    """Measured G(FL)OP/s of one ``m×k · k×n`` product (2·m·k·n operations) on ``kind``: per wall second
    and per CPU second."""
    rng = np.random.default_rng(1)
    if kind == "torch fp32":
        import torch

        torch.set_num_threads(threads)
        a, b = torch.randn(m, k), torch.randn(k, n)
        fn: Callable[[], Any] = lambda: torch.mm(a, b)  # noqa: E731
    elif kind == "torch int8 (dynamic quantised linear, fbgemm)":
        import torch
        from torch.ao.nn.quantized.dynamic import Linear as QLinear

        torch.set_num_threads(threads)
        torch.backends.quantized.engine = "fbgemm"
        lin = QLinear(k, n, bias_=False)
        a = torch.randn(m, k)
        fn = lambda: lin(a)  # noqa: E731
    elif kind == "numpy fp32":
        from threadpoolctl import threadpool_limits

        a32, b32 = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)

        def fn() -> Any:
            with threadpool_limits(threads):
                return a32 @ b32
    elif kind in ("onnxruntime fp32", "onnxruntime int8 (MatMulInteger)", "onnxruntime int8 (dynamic quantisation)"):
        if kind == "onnxruntime fp32":
            sess, a_in = ort_session(matmul_graph(m, k, n), threads), rng.standard_normal((m, k), dtype=np.float32)
        elif kind == "onnxruntime int8 (MatMulInteger)":
            sess = ort_session(matmul_graph(m, k, n, int8_inputs=True), threads)
            a_in = rng.integers(0, 256, (m, k), dtype=np.uint8)  # type: ignore[assignment]
        else:
            sess = ort_session(dynamic_int8(matmul_graph(m, k, n)), threads)
            a_in = rng.standard_normal((m, k), dtype=np.float32)
        fn = lambda: sess.run(None, {"A": a_in})  # noqa: E731
    else:
        raise ValueError(kind)
    fn()
    wall, cpu = best_of(runs, fn, min_time)
    return 2.0 * m * k * n / wall / 1e9, 2.0 * m * k * n / cpu / 1e9


def layer_gemm_rate(kind: str, rows: int, d: int, ffn: int, threads: int, runs: int,
                    min_time: float) -> tuple[float, float]:
    """G(FL)OP/s (wall, CPU) over one encoder layer's linear products at ``rows`` tokens: four d→d,
    d→ffn, ffn→d."""
    shapes = {(rows, d, d): 4, (rows, d, ffn): 1, (rows, ffn, d): 1}
    flops = wall = cpu = 0.0
    for (m, k, n), count in shapes.items():
        f = 2.0 * m * k * n
        rate_wall, rate_cpu = gemm_rate(kind, m, k, n, threads, runs, min_time)
        flops += count * f
        wall += count * f / rate_wall
        cpu += count * f / rate_cpu
    return flops / wall, flops / cpu


# ---------------------------------------------------------------------------------------------- model
@dataclass
class Arch:
    """What the FLOP count needs, read from an ONNX graph."""

    layers: int
    hidden: int
    token_matmul_params: int  # Σ K·N over the per-token linear layers
    clause_matmul_params: int  # Σ K·N over what runs once per clause (the head after pooling)
    weights: list[tuple[str, int, int]] = field(default_factory=list)

    def flops(self, length: int | np.ndarray) -> Any:
        """FLOPs of one clause of ``length`` tokens (matrix products only)."""
        length = np.asarray(length, dtype=np.float64)
        return (2.0 * self.token_matmul_params * length + 4.0 * self.layers * length**2 * self.hidden
                + 2.0 * self.clause_matmul_params)


def arch_from_onnx(path: Path, num_labels: int) -> Arch:
    """Count the matrix products of an exported encoder: weight initializers of MatMul / MatMulInteger /
    Gemm nodes (int8 weights included), one Softmax per attention layer, ``d`` from the first weight."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    g = model.graph
    dims = {i.name: list(i.dims) for i in g.initializer}
    # weights may pass through a Transpose / DequantizeLinear node first
    produced = {o: n for n in g.node for o in n.output}

    def weight_shape(name: str) -> list[int] | None:
        for _ in range(3):
            if name in dims:
                return dims[name]
            node = produced.get(name)
            if node is None or node.op_type not in ("Transpose", "DequantizeLinear", "Cast"):
                return None
            name = node.input[0]
            if node.op_type == "Transpose" and name in dims:
                return dims[name][::-1]
        return None

    weights: list[tuple[str, int, int]] = []
    for node in g.node:
        if node.op_type not in ("MatMul", "MatMulInteger", "Gemm"):
            continue
        shape = weight_shape(node.input[1])
        if shape is None or len(shape) != 2:
            continue
        k, n = shape
        if node.op_type == "Gemm" and any(a.name == "transB" and a.i for a in node.attribute):
            k, n = n, k
        weights.append((node.name, k, n))
    if not weights:
        raise ValueError(f"{path}: no MatMul/Gemm with an initializer weight (not an exported encoder?)")
    layers = sum(1 for n in g.node if n.op_type == "Softmax")
    per_clause = sum(k * n for _, k, n in weights if n == num_labels)
    per_token = sum(k * n for _, k, n in weights if n != num_labels)
    return Arch(layers=layers, hidden=weights[0][1], token_matmul_params=per_token,
                clause_matmul_params=per_clause, weights=weights)


def seed_clauses(step: int = 1) -> tuple[list[str], list[str]]:
    """Body clauses of the seed documents (headings are labelled by the splitter) with their heading
    paths as the classifier gets them; every ``step``-th one."""
    from clausetag.classifiers.base import join_context
    from clausetag.harness.data import read_labeled

    records = [r for r in read_labeled(ROOT / "labels/seed") if not r.get("is_heading")][::step]
    return [r["text"] for r in records], [join_context(r.get("heading_path")) for r in records]


def encode(model_dir: Path, texts: Sequence[str], contexts: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids exactly as :class:`~clausetag.classifiers.onnx.OnnxClassifier` makes them."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length, strategy="longest_first")
    return [e.ids for e in tok.encode_batch(list(zip(texts, contexts)))]


def batches(lengths: Sequence[int], batch_size: int, mode: str, max_length: int) -> list[tuple[list[int], int]]:
    """(clause indices, padded width) per batch: ``sorted`` (by length, as the classifiers do), ``input``
    (input order, padded to the batch's longest), ``max_length`` (input order, padded to the limit) or
    ``single`` (one clause a call, no padding)."""
    if mode == "single":
        return [([i], n) for i, n in enumerate(lengths)]
    order = sorted(range(len(lengths)), key=lambda i: lengths[i]) if mode == "sorted" else list(range(len(lengths)))
    out = []
    for lo in range(0, len(order), batch_size):
        idx = order[lo:lo + batch_size]
        out.append((idx, max_length if mode == "max_length" else max(lengths[i] for i in idx)))
    return out


def collate(ids: Sequence[list[int]], plan: list[tuple[list[int], int]], pad_id: int) -> list[dict[str, np.ndarray]]:
    feeds = []
    for idx, width in plan:
        x = np.full((len(idx), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(idx), width), dtype=np.int64)
        for row, i in enumerate(idx):
            x[row, :len(ids[i])] = ids[i]
            mask[row, :len(ids[i])] = 1
        feeds.append({"input_ids": x, "attention_mask": mask})
    return feeds


# ---------------------------------------------------------------------------------------------- backends
def torch_runner(model_dir: Path, threads: int) -> Callable[[list[dict[str, np.ndarray]]], list[np.ndarray]]:
    import torch

    from clausetag.classifiers import load_classifier

    torch.set_num_threads(threads)
    module = load_classifier(model_dir, device="cpu").model_.to("cpu").eval()

    def run(feeds: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
        torch.set_num_threads(threads)
        with torch.inference_mode():
            return [module(**{k: torch.from_numpy(v) for k, v in f.items()}).numpy() for f in feeds]

    return run


def ort_runner(model_dir: Path, threads: int) -> Callable[[list[dict[str, np.ndarray]]], list[np.ndarray]]:
    sess = ort_session(str(model_dir / "model.onnx"), threads)
    names = {i.name for i in sess.get_inputs()}

    def run(feeds: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
        return [sess.run(None, {k: v for k, v in f.items() if k in names})[0] for f in feeds]

    return run


def export_fp32(torch_dir: Path, out: Path) -> Path:
    from clausetag.classifiers import load_classifier
    from clausetag.classifiers.onnx import export_onnx

    return export_onnx(load_classifier(torch_dir, device="cpu"), out, quantize=False)


# ---------------------------------------------------------------------------------------------- main
def ort_profile(model_dir: Path, feeds: list[dict[str, np.ndarray]], threads: int = 1) -> dict[str, float]:
    """Share of ONNX Runtime kernel time per operator type over one pass (after graph fusion)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.intra_op_num_threads = threads
    options.enable_profiling = True
    with tempfile.TemporaryDirectory() as tmp:
        options.profile_file_prefix = str(Path(tmp) / "prof")
        sess = ort.InferenceSession(str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"])
        names = {i.name for i in sess.get_inputs()}
        for f in feeds:
            sess.run(None, {k: v for k, v in f.items() if k in names})
        events = json.loads(Path(sess.end_profiling()).read_text())
    per_op: dict[str, float] = {}
    for e in events:
        if e.get("cat") == "Node" and e.get("name", "").endswith("_kernel_time"):
            op = e.get("args", {}).get("op_name", "?")
            per_op[op] = per_op.get(op, 0.0) + float(e["dur"])
    total = sum(per_op.values()) or 1.0
    return {k: v / total for k, v in sorted(per_op.items(), key=lambda kv: -kv[1])}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--torch", type=Path, help="fine-tuned transformer (bert) directory, torch fp32")
    ap.add_argument("--onnx-fp32", type=Path, help="fp32 ONNX export of it (exported on the fly from --torch if absent)")
    ap.add_argument("--onnx-int8", type=Path, default=SHIPPED_INT8, help="int8 ONNX directory (default: shipped)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batch-size", type=int, default=64, help="clauses per forward call (the classifiers' 64)")
    ap.add_argument("--runs", type=int, default=2, help="best of N for the model rows")
    ap.add_argument("--peak-size", type=int, default=3072, help="square GEMM size for the peak")
    ap.add_argument("--quick", action="store_true",
                    help="< 2 min: every 5th clause, best of 1, 2048³ peak on three engines, 2 threads sorted "
                         "batches only, batch sizes 1/8/64 and the profile for int8 only")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/roofline.md")
    args = ap.parse_args(argv)
    logging.getLogger().setLevel(logging.ERROR)  # quantize_dynamic's "consider pre-processing" advice
    warnings.filterwarnings("ignore")
    started = time.time()
    runs = 1 if args.quick else args.runs
    gemm_runs, min_time = (2, 0.2) if args.quick else (5, 1.0)
    peak_n = min(args.peak_size, 2048) if args.quick else args.peak_size
    tmp = tempfile.TemporaryDirectory()

    info = cpu_info()
    print(f"CPU: {info.get('model')} × {info['cores']}, {info.get('mhz')} MHz; "
          + ", ".join(f for f, ok in info.get("flags", {}).items() if ok), flush=True)

    # ---- the model: architecture, tokens, FLOPs, padding
    card = json.loads((args.onnx_int8 / "clausetag.json").read_text(encoding="utf-8"))
    labels, max_length = card["labels"], int(card["params"].get("max_length", 128))
    pad_id = int(card.get("pad_id", 0))
    arch = arch_from_onnx(args.onnx_int8 / "model.onnx", len(labels))
    ffn = max(n for _, k, n in arch.weights if k == arch.hidden)
    texts, contexts = seed_clauses(5 if args.quick else 1)
    ids = encode(args.onnx_int8, texts, contexts, max_length)
    lengths = np.array([len(x) for x in ids])
    useful = float(arch.flops(lengths).sum())
    print(f"model: {arch.layers} layers, d={arch.hidden}, ffn={ffn}, {arch.token_matmul_params:,} matmul weights/token; "
          f"{len(ids)} seed clauses, {lengths.sum():,} tokens (mean {lengths.mean():.1f}, max {lengths.max()}), "
          f"{useful / len(ids) / 1e6:.0f} MFLOP/clause", flush=True)
    plans = {m: batches(lengths.tolist(), args.batch_size, m, max_length)
             for m in ("sorted", "input", "max_length", "single")}
    padding = {}
    for mode, plan in plans.items():
        tokens = sum(len(idx) * w for idx, w in plan)
        executed = sum(float(arch.flops(w)) * len(idx) for idx, w in plan)
        padding[mode] = {"tokens": tokens, "pad_per_real": tokens / lengths.sum() - 1, "flops": executed,
                         "executed_per_useful": executed / useful}
        print(f"  batches {mode}: {tokens:,} tokens, {padding[mode]['pad_per_real']:.2f} padding per real token, "
              f"executed/useful FLOPs {executed / useful:.2f}", flush=True)
    # padded-to-max_length batches are timed only where they differ from input-order ones
    # (one clause a call is timed in the batch-size sweep below)
    modes = [m for m in ("sorted", "input", "max_length")
             if m != "max_length" or padding[m]["tokens"] != padding["input"]["tokens"]]

    # ---- peak
    rows_per_batch = round(float(args.batch_size * lengths.mean()))
    peak_rows: list[dict[str, Any]] = []
    kinds = ["torch fp32", "onnxruntime fp32", "onnxruntime int8 (MatMulInteger)"]
    if not args.quick:
        kinds[1:1] = ["numpy fp32"]
        kinds.append("torch int8 (dynamic quantised linear, fbgemm)")
    for threads in args.threads:
        for what, kinds_here, fn in (
            (f"{peak_n}³ square", kinds, lambda k, t: gemm_rate(k, peak_n, peak_n, peak_n, t, gemm_runs, min_time)),
            (f"one layer's linears, {rows_per_batch} rows",
             ["torch fp32", "onnxruntime fp32", "onnxruntime int8 (dynamic quantisation)"],
             lambda k, t: layer_gemm_rate(k, rows_per_batch, arch.hidden, ffn, t, gemm_runs, min_time)),
        ):
            for kind in kinds_here:
                try:
                    wall, cpu = fn(kind, threads)
                except Exception as exc:  # an optional engine missing: say so, keep going
                    print(f"  peak {kind}: not measured ({type(exc).__name__}: {exc})", flush=True)
                    continue
                peak_rows.append({"what": what, "kind": kind, "threads": threads, "gops": wall, "gops_cpu": cpu,
                                  "load": load()})
                print(f"  {what}, {kind}, {threads} thread(s): {wall:.1f} G(FL)OP/s, {cpu:.1f} per CPU-s "
                      f"(load {load()})", flush=True)
    square_fp32 = [r for r in peak_rows if "fp32" in r["kind"] and "square" in r["what"]]
    fp32_peak = {t: max((r["gops"] for r in square_fp32 if r["threads"] == t), default=float("nan"))
                 for t in args.threads}
    core_peak = max((r["gops_cpu"] for r in square_fp32 if r["threads"] == 1), default=float("nan"))

    # ---- achieved
    backends: list[tuple[str, Callable[[int], Any]]] = []
    if args.torch:
        backends.append(("torch fp32", lambda t: torch_runner(args.torch, t)))
        if args.onnx_fp32 is None:
            print("exporting the fp32 ONNX model from --torch …", flush=True)
            args.onnx_fp32 = export_fp32(args.torch, Path(tmp.name) / "fp32")
    if args.onnx_fp32:
        backends.append(("onnxruntime fp32", lambda t: ort_runner(args.onnx_fp32, t)))
    backends.append(("onnxruntime int8", lambda t: ort_runner(args.onnx_int8, t)))
    feeds = {m: collate(ids, plans[m], pad_id) for m in modes}
    rows: list[dict[str, Any]] = []
    reference: dict[str, np.ndarray] = {}
    for name, make in backends:
        for threads in args.threads:
            run = make(threads)
            run(feeds["sorted"][:2])  # warm-up
            for mode in modes:
                if args.quick and threads > 1 and mode != "sorted":
                    continue
                out: list[np.ndarray] = []

                def once(mode: str = mode, out: list[np.ndarray] = out, run: Any = run) -> None:
                    out[:] = run(feeds[mode])

                wall, cpu = best_of(runs, once)
                logits = np.zeros((len(ids), len(labels)), dtype=np.float32)
                for (idx, _), block in zip(plans[mode], out):
                    logits[idx] = block
                ref = reference.setdefault(name, logits)
                row = {"backend": name, "threads": threads, "batches": mode, "seconds": wall, "cpu_seconds": cpu,
                       "clauses_per_s": len(ids) / wall, "useful_gflops": useful / wall / 1e9,
                       "useful_gflops_per_cpu_s": useful / cpu / 1e9,
                       "executed_gflops": padding[mode]["flops"] / wall / 1e9,
                       "max_abs_diff_vs_sorted": float(np.abs(logits - ref).max()),
                       "labels_changed_vs_sorted": int((logits.argmax(1) != ref.argmax(1)).sum()), "load": load()}
                row["pct_fp32_peak"] = 100 * row["useful_gflops"] / fp32_peak.get(threads, float("nan"))
                row["pct_core_peak_per_cpu_s"] = 100 * row["useful_gflops_per_cpu_s"] / core_peak
                rows.append(row)
                print(f"  {name}, {threads} thread(s), {mode}: {row['clauses_per_s']:.1f} clauses/s, "
                      f"{row['useful_gflops']:.1f} useful GFLOP/s ({row['pct_fp32_peak']:.0f} % of fp32 peak), "
                      f"{row['useful_gflops_per_cpu_s']:.1f} per CPU-s, {row['executed_gflops']:.1f} executed, "
                      f"{row['labels_changed_vs_sorted']} labels ≠ sorted (load {row['load']})", flush=True)
    first = next(iter(reference))
    agreement = {name: {"max_abs_logit_diff": float(np.abs(reference[name] - reference[first]).max()),
                        "labels_changed": int((reference[name].argmax(1) != reference[first].argmax(1)).sum())}
                 for name in list(reference)[1:]}
    for name, a in agreement.items():
        print(f"  {name} vs {first} (sorted batches): max |Δ logit| {a['max_abs_logit_diff']:.3g}, "
              f"{a['labels_changed']} of {len(ids)} labels differ", flush=True)

    # ---- batch size (one thread, sorted batches)
    sizes = sorted({1, 8, args.batch_size} if args.quick else {1, 4, 8, 16, 32, args.batch_size})
    sweep: list[dict[str, Any]] = []
    for name, make in backends:
        if args.quick and name != "onnxruntime int8":
            continue
        run = make(1)
        for size in sizes:
            plan = batches(lengths.tolist(), size, "sorted", max_length)
            size_feeds = collate(ids, plan, pad_id)
            run(size_feeds[:1])
            def call(run: Any = run, size_feeds: list[dict[str, np.ndarray]] = size_feeds) -> Any:
                return run(size_feeds)

            wall, cpu = best_of(runs, call)
            tokens = sum(len(idx) * w for idx, w in plan)
            sweep.append({"backend": name, "batch_size": size, "pad_per_real": tokens / lengths.sum() - 1,
                          "clauses_per_s": len(ids) / wall, "clauses_per_cpu_s": len(ids) / cpu,
                          "useful_gflops_per_cpu_s": useful / cpu / 1e9, "load": load()})
            print(f"  batch size {size}, {name}, 1 thread, sorted: {len(ids) / wall:.1f} clauses/s, "
                  f"{len(ids) / cpu:.1f} per CPU-s (load {load()})", flush=True)

    # ---- where the time goes (ONNX Runtime, one thread, sorted batches; int8 also at its best batch size)
    profiles = {}
    for name, path in (("onnxruntime fp32", args.onnx_fp32), ("onnxruntime int8", args.onnx_int8)):
        if path is None or not any(s["backend"] == name for s in sweep):
            continue
        best = max((s for s in sweep if s["backend"] == name), key=lambda s: s["clauses_per_cpu_s"])["batch_size"]
        for size in dict.fromkeys([args.batch_size] + ([best] if name.endswith("int8") else [])):
            key = f"{name}, batch {size}"
            profiles[key] = ort_profile(path, collate(ids, batches(lengths.tolist(), size, "sorted", max_length), pad_id))
            print(f"  profile {key}: " + ", ".join(f"{k} {v:.0%}" for k, v in list(profiles[key].items())[:8]),
                  flush=True)

    # ---- write
    command = "python " + " ".join([Path(sys.argv[0]).as_posix()] + list(argv if argv is not None else sys.argv[1:]))
    result = {"command": command, "cpu": info, "minutes": (time.time() - started) / 60, "batch_size": args.batch_size,
              "model": {"layers": arch.layers, "hidden": arch.hidden, "ffn": ffn,
                        "token_matmul_params": arch.token_matmul_params,
                        "clause_matmul_params": arch.clause_matmul_params, "max_length": max_length},
              "clauses": len(ids), "tokens": int(lengths.sum()), "useful_flops": useful, "padding": padding,
              "peak": peak_rows, "fp32_peak": fp32_peak, "fp32_core_peak_per_cpu_s": core_peak, "achieved": rows, "batch_sweep": sweep,
              "agreement_vs_" + first.replace(" ", "_"): agreement, "ort_profile": profiles}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    kept = ""
    if args.out.is_file():  # hand-written notes below the marker survive a re-run
        old = args.out.read_text(encoding="utf-8")
        if MARKER in old:
            kept = old[old.index(MARKER):]
    args.out.write_text(render(result) + ("\n" + kept if kept else ""), encoding="utf-8")
    print(f"written to {args.out} ({result['minutes']:.1f} min)")
    tmp.cleanup()
    return 0


def render(r: dict[str, Any]) -> str:
    """The Markdown tables of one run (the interpretation is written by hand below a marker line)."""
    cpu, m = r["cpu"], r["model"]
    flags = ", ".join(f for f, ok in cpu.get("flags", {}).items() if ok)
    lines = ["# Transformer vs the fp32 roofline of this machine", "",
             f"`{r['command']}` — {cpu.get('model')}, {cpu['cores']} cores at {cpu.get('mhz')} MHz; flags: {flags}. "
             f"{r['minutes']:.1f} min. *load* = 1-minute load average right after the row (this process included); "
             "*per CPU-s* = the same work divided by the process's CPU time instead of wall time (what it costs a "
             "core even when other work shares the machine).", "",
             "## Peak (measured GEMM, best of several)", "",
             "| product | engine | threads | G(FL)OP/s | per CPU-s | load |", "|---|---|---:|---:|---:|---:|"]
    lines += [f"| {p['what']} | {p['kind']} | {p['threads']} | {p['gops']:.1f} | {p['gops_cpu']:.1f} | {p['load']} |"
              for p in r["peak"]]
    lines += ["", "fp32 peak used below (best square fp32 GEMM): "
              + ", ".join(f"{t} thread(s) {v:.1f} GFLOP/s" for t, v in r["fp32_peak"].items())
              + f"; one core per CPU-second {r['fp32_core_peak_per_cpu_s']:.1f} GFLOP/s."]
    per_clause = r["useful_flops"] / r["clauses"]
    lines += ["", "## Model FLOPs", "",
              f"{m['layers']} layers, d = {m['hidden']}, ffn = {m['ffn']}: {m['token_matmul_params']:,} matrix-product "
              f"weights per token ({2 * m['token_matmul_params'] / 1e6:.1f} MFLOP a token) + attention 4·L²·d a layer "
              f"+ head {m['clause_matmul_params']:,} weights a clause. {r['clauses']} seed body clauses, "
              f"{r['tokens']:,} tokens (mean {r['tokens'] / r['clauses']:.1f}; max_length {m['max_length']}): "
              f"{r['useful_flops'] / 1e9:.1f} GFLOP, {per_clause / 1e6:.0f} MFLOP a clause.", "",
              f"| batches of {r['batch_size']} clauses | tokens run | padding per real token | executed / useful FLOPs |",
              "|---|---:|---:|---:|"]
    lines += [f"| {k} | {v['tokens']:,} | {v['pad_per_real']:.2f} | {v['executed_per_useful']:.2f} |"
              for k, v in r["padding"].items()]
    lines += ["", "## Achieved (forward pass only; useful GFLOP/s = FLOPs at the real lengths / time)", "",
              "| backend | threads | batches | clauses/s | useful GFLOP/s | % of fp32 peak | useful GFLOP per CPU-s "
              "| % of 1-core peak | executed GFLOP/s | labels ≠ sorted | load |",
              "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {a['backend']} | {a['threads']} | {a['batches']} | {a['clauses_per_s']:.1f} | {a['useful_gflops']:.1f} | "
              f"{a['pct_fp32_peak']:.0f} % | {a['useful_gflops_per_cpu_s']:.1f} | {a['pct_core_peak_per_cpu_s']:.0f} % | "
              f"{a['executed_gflops']:.1f} | {a['labels_changed_vs_sorted']} | {a['load']} |" for a in r["achieved"]]
    for key, agreement in r.items():
        if key.startswith("agreement_vs_"):
            for name, a in agreement.items():
                lines.append(f"\n{name} vs {key[len('agreement_vs_'):].replace('_', ' ')} (sorted batches): max |Δ logit| "
                             f"{a['max_abs_logit_diff']:.3g}, {a['labels_changed']} of {r['clauses']} labels differ.")
    lines += ["", "## Batch size (1 thread, length-sorted batches)", "",
              "| backend | clauses a call | padding per real token | clauses/s | clauses per CPU-s | "
              "useful GFLOP per CPU-s | % of 1-core peak | load |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {s['backend']} | {s['batch_size']} | {s['pad_per_real']:.2f} | {s['clauses_per_s']:.1f} | "
              f"{s['clauses_per_cpu_s']:.1f} | {s['useful_gflops_per_cpu_s']:.1f} | "
              f"{100 * s['useful_gflops_per_cpu_s'] / r['fp32_core_peak_per_cpu_s']:.0f} % | {s['load']} |"
              for s in r["batch_sweep"]]
    lines += ["", "## Summary (computed from the rows above)", ""] + summary(r)
    if r["ort_profile"]:
        lines += ["", "## Where ONNX Runtime's time goes (1 thread, sorted batches, kernel time by operator)", "",
                  "| operator | " + " | ".join(r["ort_profile"]) + " |", "|---|" + "---:|" * len(r["ort_profile"])]
        ops = list(dict.fromkeys(op for prof in r["ort_profile"].values() for op in list(prof)[:10]))
        lines += [f"| {op} | " + " | ".join(f"{prof.get(op, 0):.1%}" for prof in r["ort_profile"].values()) + " |"
                  for op in ops]
    return "\n".join(lines) + "\n"


def summary(r: dict[str, Any]) -> list[str]:
    """Bucketing gain, best % of the fp32 peak per backend, and int8 against the fp32 roofline."""
    rows = {(a["backend"], a["threads"], a["batches"]): a for a in r["achieved"]}
    pad = r["padding"]
    out = [f"- Length-sorted batches run {pad['sorted']['tokens']:,} tokens for {r['tokens']:,} real ones "
           f"({pad['sorted']['pad_per_real']:.2f} padding a real token) against {pad['input']['tokens']:,} "
           f"({pad['input']['pad_per_real']:.2f}) in input order: {pad['input']['tokens'] / pad['sorted']['tokens']:.2f}× "
           f"fewer tokens, {pad['input']['executed_per_useful'] / pad['sorted']['executed_per_useful']:.2f}× fewer FLOPs."]
    for (backend, threads, mode), a in rows.items():
        if mode != "sorted":
            continue
        line = (f"- {backend}, {threads} thread(s), sorted: {a['useful_gflops']:.1f} useful GFLOP/s = "
                f"{a['pct_fp32_peak']:.0f} % of the {threads}-thread fp32 peak ({a['pct_core_peak_per_cpu_s']:.0f} % of "
                f"one core's per CPU-second)")
        other = rows.get((backend, threads, "input"))
        if other:
            line += f"; {a['clauses_per_s'] / other['clauses_per_s']:.2f}× the clauses/s of input-order batches"
        for ref in ("onnxruntime fp32", "torch fp32"):
            base = rows.get((ref, threads, "sorted"))
            if backend == "onnxruntime int8" and base:
                line += (f"; {a['clauses_per_s'] / base['clauses_per_s']:.2f}× {ref} by wall clock, "
                         f"{a['useful_gflops_per_cpu_s'] / base['useful_gflops_per_cpu_s']:.2f}× per CPU-s")
        out.append(line + ".")
    for backend in dict.fromkeys(s["backend"] for s in r["batch_sweep"]):
        here = [s for s in r["batch_sweep"] if s["backend"] == backend]
        best = max(here, key=lambda s: s["clauses_per_cpu_s"])
        default = next((s for s in here if s["batch_size"] == r["batch_size"]), None)
        if default:
            out.append(f"- {backend}, 1 thread: best batch size {best['batch_size']} ({best['clauses_per_cpu_s']:.1f} "
                       f"clauses per CPU-s), {best['clauses_per_cpu_s'] / default['clauses_per_cpu_s']:.2f}× batches of "
                       f"{r['batch_size']}.")
    return out


if __name__ == "__main__":
    sys.exit(main())
