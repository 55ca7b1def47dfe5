"""Prune a Unigram (XLM-R style) checkpoint's vocabulary to the pieces a domain actually uses.

Kept: every piece the full tokenizer produces on the training part of a corpus (a seeded ~10 % of its
documents is held out), every piece produced on ``keep_texts`` (e.g. the labeled documents), a coverage set
(every piece that is a single CJK, ASCII or full/half-width punctuation character, with or without the
leading U+2581, and by default every piece made only of CJK ideographs or only of digits), the pieces of e5's input prefixes ``passage: `` / ``query: `` and the special tokens. Rows of the word-embedding matrix are gathered in the old id
order, so ids of kept pieces stay monotone and the specials ``<s> <pad> </s> <unk>`` keep ids 0-3.

Unigram segmentation is a Viterbi search over the whole vocabulary, so removing pieces can change how
text the pruning never saw is segmented: :func:`prune_checkpoint` measures this on the held-out documents
(share of sentences whose tokens are identical, and the unknown-piece rate) and writes the numbers to
``clausetag_prune.json`` in the output directory.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from clausetag.pretrained.mlm import corpus_files, open_corpus_file

PRUNE_REPORT = "clausetag_prune.json"
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n+")
META = "\u2581"
E5_PREFIXES = ("passage: ", "query: ")  # e5's input prefixes must survive pruning


def is_coverage_char(ch: str) -> bool:
    """CJK ideographs/symbols/punctuation, ASCII, full/half-width forms, general punctuation."""
    cp = ord(ch)
    return (
        cp < 0x80
        or 0x2000 <= cp <= 0x206F      # general punctuation
        or 0x3000 <= cp <= 0x303F      # CJK symbols and punctuation
        or 0x3400 <= cp <= 0x4DBF      # CJK extension A
        or 0x4E00 <= cp <= 0x9FFF      # CJK unified ideographs
        or 0xF900 <= cp <= 0xFAFF      # CJK compatibility ideographs
        or 0xFE30 <= cp <= 0xFE4F      # CJK compatibility forms
        or 0xFF00 <= cp <= 0xFFEF      # half/full-width forms
        or 0x20000 <= cp <= 0x2FA1F    # CJK extensions B-F, compatibility supplement
    )


def is_han(ch: str) -> bool:
    """A CJK ideograph (unified, extension A-F, compatibility)."""
    cp = ord(ch)
    return 0x3400 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x2FA1F


_NUMERIC = re.compile(r"[0-9.,%]+")


def coverage_ids(pieces: Sequence[str], *, whole_words: bool = True) -> set[int]:
    """Ids of pieces that are one coverage character, optionally prefixed by U+2581 (and U+2581 itself).

    With ``whole_words`` also every piece made only of CJK ideographs or only of digits and ``.,%`` (any
    length): Chinese text and numbers the pruning never saw then segment as with the full vocabulary.
    """
    out = set()
    for i, p in enumerate(pieces):
        core = p[1:] if p.startswith(META) else p
        single = p == META or (len(core) == 1 and is_coverage_char(core))
        whole = whole_words and bool(core) and (all(is_han(c) for c in core) or bool(_NUMERIC.fullmatch(core)))
        if single or whole:
            out.add(i)
    return out


def iter_documents(paths: Sequence[str | Path]) -> Iterator[tuple[str, str]]:
    """``(doc_key, text)`` for every document: each JSONL line (its ``id``) or each ``.txt`` file."""

    if not paths:  # e.g. no extra texts to keep
        return
    for f in corpus_files(paths):
        if ".jsonl" in f.name:
            with open_corpus_file(f) as fh:
                for lineno, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    try:
                        obj = json.loads(line)
                        text = obj.get("text") or ""
                    except (json.JSONDecodeError, AttributeError):
                        raise ValueError(f"{f}:{lineno}: not a JSON object with a 'text' field") from None
                    yield f"{f.name}:{obj.get('id', lineno)}", str(text)
        else:
            with open_corpus_file(f) as fh:
                yield f.name, fh.read()


def is_held_out(doc_key: str, fraction: float, seed: int) -> bool:
    """Deterministic document-level hold-out (a hash of seed and key; independent of file order)."""
    h = int.from_bytes(hashlib.sha1(f"{seed}:{doc_key}".encode()).digest()[:8], "big")
    return h / 2**64 < fraction


def sentences(text: str) -> list[str]:
    """Sentence-ish units (split after 。！？；!?; and at newlines), stripped, non-empty."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


@dataclass
class PruneReport:
    pieces_before: int
    pieces_after: int
    embedding_rows_before: int
    params_before: int
    params_after: int
    kept_from_corpus: int
    kept_from_keep_texts: int
    kept_coverage: int
    train_documents: int
    heldout_documents: int
    heldout_sentences: int
    heldout_identical_sentences: int
    heldout_identical_fraction: float
    heldout_tokens_full: int
    heldout_tokens_pruned: int
    heldout_unk_rate_full: float
    heldout_unk_rate_pruned: float
    holdout_fraction: float
    seed: int
    whole_words: bool


def _collect_ids(tok, texts: Iterable[str], batch: int = 256) -> tuple[set[int], int]:
    used: set[int] = set()
    buf: list[str] = []
    n = 0

    def flush() -> None:
        for enc in tok.encode_batch(buf, add_special_tokens=False):
            used.update(enc.ids)

    for t in texts:
        buf.append(t)
        n += 1
        if len(buf) >= batch:
            flush()
            buf = []
    if buf:
        flush()
    return used, n


def pruned_tokenizer_json(tok_json: dict, keep: Sequence[int]) -> dict:
    """A copy of a Unigram ``tokenizer.json`` dict restricted to the old ids in ``keep`` (sorted)."""
    model = tok_json["model"]
    if model.get("type") != "Unigram":
        raise ValueError(f"vocabulary pruning needs a Unigram tokenizer, got {model.get('type')!r}")
    remap = {old: new for new, old in enumerate(keep)}
    out = json.loads(json.dumps(tok_json))
    out["model"]["vocab"] = [model["vocab"][i] for i in keep]
    unk = model.get("unk_id")
    if unk is not None:
        if unk not in remap:
            raise ValueError("the unknown piece must be kept")
        out["model"]["unk_id"] = remap[unk]
    for at in out.get("added_tokens", []):
        if at["id"] not in remap:
            raise ValueError(f"added token {at['content']!r} must be kept")
        at["id"] = remap[at["id"]]
    pp = out.get("post_processor") or {}
    for spec in (pp.get("special_tokens") or {}).values():
        spec["ids"] = [remap[i] for i in spec["ids"]]
    return out


def prune_checkpoint(
    src_dir: str | Path,
    out_dir: str | Path,
    *,
    corpus: Sequence[str | Path] = (),
    keep_texts: Sequence[str | Path] = (),
    keep_strings: Sequence[str] = E5_PREFIXES,
    holdout_fraction: float = 0.1,
    seed: int = 0,
    coverage: bool = True,
    whole_words: bool = True,
    progress: bool = True,
) -> PruneReport:
    """Write a vocabulary-pruned copy of the checkpoint in ``src_dir`` to ``out_dir``; return the numbers."""
    import torch
    from safetensors.torch import load_file, save_file
    from tokenizers import Tokenizer
    from tqdm.auto import tqdm

    src, out = Path(src_dir), Path(out_dir)
    for name in ("tokenizer.json", "config.json", "model.safetensors"):
        if not (src / name).is_file():
            raise FileNotFoundError(f"{src / name}: missing (prune needs a converted checkpoint directory)")
    tok_json = json.loads((src / "tokenizer.json").read_text(encoding="utf-8"))
    tok = Tokenizer.from_str(json.dumps(tok_json))
    pieces = [p for p, _ in tok_json["model"]["vocab"]]
    specials = {at["id"] for at in tok_json.get("added_tokens", [])}
    if tok_json["model"].get("unk_id") is not None:
        specials.add(tok_json["model"]["unk_id"])

    train_docs: list[str] = []
    held_docs: list[str] = []
    for key, text in tqdm(iter_documents(corpus), desc="reading corpus", unit=" docs", disable=not progress):
        (held_docs if is_held_out(key, holdout_fraction, seed) else train_docs).append(text)

    def paragraphs(docs: Iterable[str]) -> Iterator[str]:
        for d in docs:
            for line in d.split("\n"):
                if line.strip():
                    yield line

    corpus_ids, _ = _collect_ids(tok, tqdm(paragraphs(train_docs), desc="tokenising corpus", unit=" par",
                                           disable=not progress))
    keep_ids, _ = _collect_ids(tok, paragraphs(t for _, t in iter_documents(keep_texts)))
    keep_ids |= _collect_ids(tok, keep_strings)[0]
    cov = coverage_ids(pieces, whole_words=whole_words) if coverage else set()
    keep = sorted(corpus_ids | keep_ids | cov | specials)

    # weights
    sd = load_file(str(src / "model.safetensors"))
    key = next((k for k in sd if k.endswith("word_embeddings.weight")), None)
    if key is None:
        raise ValueError(f"{src / 'model.safetensors'}: no word_embeddings.weight tensor")
    rows_before = sd[key].shape[0]
    params_before = sum(t.numel() for t in sd.values())
    sd[key] = sd[key][torch.tensor(keep)].contiguous()
    params_after = sum(t.numel() for t in sd.values())
    out.mkdir(parents=True, exist_ok=True)
    save_file(sd, str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "model.safetensors").chmod(0o644)
    config = json.loads((src / "config.json").read_text(encoding="utf-8"))
    config["vocab_size"] = len(keep)
    remap = {old: new for new, old in enumerate(keep)}
    for k in ("pad_token_id", "bos_token_id", "eos_token_id"):
        if config.get(k) is not None:
            config[k] = remap[config[k]]
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    new_json = pruned_tokenizer_json(tok_json, keep)
    (out / "tokenizer.json").write_text(json.dumps(new_json, ensure_ascii=False), encoding="utf-8")
    for name in ("tokenizer_config.json", "special_tokens_map.json", "clausetag_import.json"):
        if (src / name).is_file():
            (out / name).write_bytes((src / name).read_bytes())

    # held-out check
    pruned = Tokenizer.from_str(json.dumps(new_json))
    unk_full, unk_new = tok_json["model"].get("unk_id"), new_json["model"].get("unk_id")
    sents = [s for d in held_docs for s in sentences(d)]
    same = n_full = n_new = u_full = u_new = 0
    for i in tqdm(range(0, len(sents), 256), desc="held-out check", unit=" batch", disable=not progress):
        chunk = sents[i:i + 256]
        for a, b in zip(tok.encode_batch(chunk, add_special_tokens=False),
                        pruned.encode_batch(chunk, add_special_tokens=False)):
            same += a.tokens == b.tokens
            n_full += len(a.ids)
            n_new += len(b.ids)
            u_full += sum(1 for x in a.ids if x == unk_full)
            u_new += sum(1 for x in b.ids if x == unk_new)
    report = PruneReport(
        pieces_before=len(pieces), pieces_after=len(keep), embedding_rows_before=rows_before,
        params_before=params_before, params_after=params_after,
        kept_from_corpus=len(corpus_ids), kept_from_keep_texts=len(keep_ids), kept_coverage=len(cov),
        train_documents=len(train_docs), heldout_documents=len(held_docs), heldout_sentences=len(sents),
        heldout_identical_sentences=same, heldout_identical_fraction=same / len(sents) if sents else 1.0,
        heldout_tokens_full=n_full, heldout_tokens_pruned=n_new,
        heldout_unk_rate_full=u_full / n_full if n_full else 0.0,
        heldout_unk_rate_pruned=u_new / n_new if n_new else 0.0,
        holdout_fraction=holdout_fraction, seed=seed, whole_words=whole_words,
    )
    (out / PRUNE_REPORT).write_text(json.dumps(asdict(report), indent=2) + "\n", encoding="utf-8")
    if progress:
        print(f"prune: {report.pieces_before} -> {report.pieces_after} pieces, params {report.params_before:,} -> "
              f"{report.params_after:,}; held-out sentences identical {report.heldout_identical_fraction:.4f}",
              file=sys.stderr)
    return report
