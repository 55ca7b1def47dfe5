"""The FLOP count and batch plans of ``benchmarks/roofline.py`` (the timings themselves are not tested)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "clausetag/resources/models/ensemble/transformer"


@pytest.fixture(scope="module")
def roofline() -> ModuleType:
    spec = importlib.util.spec_from_file_location("roofline", ROOT / "benchmarks/roofline.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["roofline"] = module  # its dataclass looks its module up while being defined
    spec.loader.exec_module(module)
    return module


def test_arch_counted_from_the_shipped_int8_graph(roofline: ModuleType) -> None:
    """12 layers of e5-small (d 384, ffn 1536) read from MatMulInteger weights; the head is per clause."""
    pytest.importorskip("onnx")
    arch = roofline.arch_from_onnx(SHIPPED / "model.onnx", num_labels=17)
    d, ffn = 384, 1536
    assert (arch.layers, arch.hidden) == (12, d)
    assert arch.token_matmul_params == 12 * (4 * d * d + 2 * d * ffn)
    assert arch.clause_matmul_params == d * 17
    length = 50
    expected = 2 * arch.token_matmul_params * length + 4 * 12 * length**2 * d + 2 * d * 17
    assert arch.flops(length) == pytest.approx(expected)


def test_arch_from_an_fp32_graph_matches(roofline: ModuleType, tmp_path: Path) -> None:
    """A plain fp32 MatMul graph (weight as initializer) counts K·N; Gemm with transB swaps the shape."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    w1 = numpy_helper.from_array(np.zeros((8, 32), dtype=np.float32), "W1")
    head = numpy_helper.from_array(np.zeros((3, 32), dtype=np.float32), "H")  # Gemm transB: (N, K)
    nodes = [helper.make_node("MatMul", ["x", "W1"], ["h"]), helper.make_node("Softmax", ["h"], ["p"]),
             helper.make_node("Gemm", ["p", "H"], ["y"], transB=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 3])], [w1, head])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph), path)
    arch = roofline.arch_from_onnx(path, num_labels=3)
    assert (arch.layers, arch.hidden, arch.token_matmul_params, arch.clause_matmul_params) == (1, 8, 8 * 32, 32 * 3)


def test_batch_plans_and_padding(roofline: ModuleType) -> None:
    lengths = [5, 1, 4, 2, 3, 6]
    sorted_plan = roofline.batches(lengths, 2, "sorted", 10)
    assert sorted_plan == [([1, 3], 2), ([4, 2], 4), ([0, 5], 6)]
    assert roofline.batches(lengths, 2, "input", 10) == [([0, 1], 5), ([2, 3], 4), ([4, 5], 6)]
    assert all(w == 10 for _, w in roofline.batches(lengths, 4, "max_length", 10))
    assert roofline.batches(lengths, 4, "single", 10) == [([i], n) for i, n in enumerate(lengths)]
    feeds = roofline.collate([[7] * n for n in lengths], sorted_plan[:1], pad_id=1)
    assert feeds[0]["input_ids"].tolist() == [[7, 1], [7, 7]]
    assert feeds[0]["attention_mask"].tolist() == [[1, 0], [1, 1]]
