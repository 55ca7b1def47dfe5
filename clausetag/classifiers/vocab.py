"""Offline character vocabulary and BERT size presets for a self-made Chinese BERT.

The vocabulary is ``bert-base-chinese``-like in spirit: every CJK Unified Ideograph (U+4E00–U+9FFF) is a
token of its own (``tokenize_chinese_chars=True`` splits them one by one), digits and Latin letters
exist both as word starts and as ``##`` continuations (so ``2027`` → ``2 ##0 ##2 ##7``), and ASCII,
full-width and CJK punctuation are single tokens. Frequent other characters of a user corpus can be
added. Nothing is downloaded.
"""
from __future__ import annotations

import string
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
CJK_RANGE = (0x4E00, 0x9FFF)
#: CJK symbols and punctuation block (U+3000–U+303F) minus the ideographic space
CJK_PUNCT = [chr(c) for c in range(0x3001, 0x3040)]
#: full-width ASCII variants U+FF01–U+FF5E (！ … ～), plus ｟｠｡｢｣､･
FULLWIDTH = [chr(c) for c in range(0xFF01, 0xFF66)]
GENERAL_PUNCT = list("‐‑‒–—―‖‘’‚‛“”„‟†‡•‥…‰′″‹›※‼⁇⁈⁉℃℉№™Ⅰ ⅡⅢⅣⅤⅥⅦⅧⅨⅩ①②③④⑤⑥⑦⑧⑨⑩·×÷±≤≥≈≠→←↑↓■□▲△◆◇○●★☆▍▎▌")

VOCAB_FILE = "vocab.txt"


def base_characters() -> list[str]:
    """All single-character tokens of the built-in vocabulary (no specials, no ``##`` pieces)."""
    chars: list[str] = []
    chars += list(string.digits)
    chars += list(string.ascii_uppercase) + list(string.ascii_lowercase)
    chars += list(string.punctuation)
    chars += CJK_PUNCT + FULLWIDTH + [c for c in GENERAL_PUNCT if not c.isspace()]
    chars += [chr(c) for c in range(CJK_RANGE[0], CJK_RANGE[1] + 1)]
    return _dedupe(chars)


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def count_characters(texts: Iterable[str]) -> Counter:
    """Character frequencies of a text stream (whitespace excluded)."""
    counts: Counter = Counter()
    for t in texts:
        counts.update(ch for ch in t if not ch.isspace())
    return counts


def build_vocab(
    corpus_texts: Iterable[str] | None = None,
    *,
    min_count: int = 5,
    max_extra: int = 2000,
    lowercase: bool = False,
) -> list[str]:
    """The token list: specials, built-in characters, ``##`` continuations of digits and Latin letters,
    and up to ``max_extra`` characters seen at least ``min_count`` times in ``corpus_texts`` that the
    built-in set lacks. With ``lowercase=True`` upper-case Latin letters are left out (the tokenizer
    lower-cases its input)."""
    chars = base_characters()
    if lowercase:
        chars = [c for c in chars if c not in string.ascii_uppercase]
    if corpus_texts is not None:
        known = set(chars)
        counts = count_characters(corpus_texts)
        extra = [c for c, n in counts.most_common() if n >= min_count and c not in known
                 and not (lowercase and c != c.lower())]
        chars += extra[:max_extra]
    letters = string.ascii_lowercase if lowercase else string.ascii_letters
    pieces = ["##" + c for c in string.digits + letters]
    return _dedupe(SPECIAL_TOKENS + chars + pieces)


def write_vocab(tokens: list[str], directory: str | Path) -> Path:
    """Write ``vocab.txt`` (one token per line) into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    bad = [t for t in tokens if "\n" in t or "\r" in t or t != t.strip()]
    if bad:
        raise ValueError(f"tokens with whitespace cannot go into vocab.txt: {bad[:5]}")
    path = directory / VOCAB_FILE
    path.write_text("\n".join(tokens) + "\n", encoding="utf-8")
    return path


def make_tokenizer(vocab_dir: str | Path, *, lowercase: bool = False, model_max_length: int = 512) -> Any:
    """A fast BERT tokenizer over ``vocab_dir/vocab.txt`` (a directory, or the vocab file itself) that
    splits Chinese characters one by one."""
    from transformers import BertTokenizerFast

    vocab_dir = Path(vocab_dir)
    if vocab_dir.is_file():
        vocab_dir = vocab_dir.parent
    if not (vocab_dir / VOCAB_FILE).is_file():
        raise FileNotFoundError(f"no {VOCAB_FILE} in {vocab_dir}")
    # from_pretrained on a local folder works the same across transformers 4.x and 5.x
    return BertTokenizerFast.from_pretrained(
        str(vocab_dir),
        do_lower_case=lowercase,
        tokenize_chinese_chars=True,
        strip_accents=None if lowercase else False,
        model_max_length=model_max_length,
    )


@dataclass(frozen=True)
class Preset:
    """A BERT size."""

    num_hidden_layers: int
    hidden_size: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int


#: Size presets. ``tiny`` is for tests (seconds on CPU); ``mini`` (~3.6 M parameters, most of them the
#: character embeddings) is what a 2-core CPU pre-trains in minutes; ``small`` is a laptop-trainable model
#: (~8.8 M parameters with the default ~21 k vocabulary); ``base`` is BERT-base-sized.
PRESETS: dict[str, Preset] = {
    "tiny": Preset(2, 32, 2, 64, 128),
    "mini": Preset(4, 128, 2, 512, 256),
    "small": Preset(4, 256, 4, 1024, 256),
    "base": Preset(12, 768, 12, 3072, 512),
}


def bert_config(preset: str | Preset, vocab_size: int, **overrides: Any) -> Any:
    """A ``transformers.BertConfig`` for a size preset (``tiny``, ``small``, ``base``)."""
    from transformers import BertConfig

    if isinstance(preset, str):
        try:
            preset = PRESETS[preset]
        except KeyError:
            raise ValueError(f"unknown preset {preset!r}; known: {sorted(PRESETS)}") from None
    kwargs = {
        "vocab_size": vocab_size,
        "num_hidden_layers": preset.num_hidden_layers,
        "hidden_size": preset.hidden_size,
        "num_attention_heads": preset.num_attention_heads,
        "intermediate_size": preset.intermediate_size,
        "max_position_embeddings": preset.max_position_embeddings,
        "type_vocab_size": 2,
        "pad_token_id": 0,
    }
    kwargs.update(overrides)
    return BertConfig(**kwargs)
