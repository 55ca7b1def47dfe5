#!/usr/bin/env python3
"""Agreement between two quantity annotators on their shared sids (issue 27), and the list to adjudicate.

    python labels/tools/qty_agreement.py labels/quantities_sample/sample.jsonl A.jsonl B.jsonl \
        [--disagreements OUT.jsonl]

Quantities are aligned by identical span, else by largest overlap (``quantities.evaluate.align_spans``). Printed:
span agreement (pairs / quantities of each annotator, and F1), per-field agreement over the aligned pairs
(all roles, and pairs where either annotator says target/actual/cap), and Cohen's kappa for ``role``.
``--disagreements`` writes one line per unaligned quantity or differing field, for adjudication.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clausetag.quantities.evaluate import TAC_ROLES, align_spans, gold_spans, same_field

FIELDS = ("kind", "value", "unit", "comparator", "role", "year", "indicator", "ratio")


def _read(path: str) -> dict[str, dict]:
    with open(path, encoding="utf-8") as fh:
        return {d["sid"]: d for d in (json.loads(line) for line in fh if line.strip())}


def kappa(pairs: list[tuple[str, str]]) -> float:
    n = len(pairs)
    if not n:
        return 1.0
    po = sum(a == b for a, b in pairs) / n
    ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    pe = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return (po - pe) / (1 - pe) if pe < 1 else 1.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sample")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--disagreements")
    args = ap.parse_args()
    with open(args.sample, encoding="utf-8") as fh:
        texts = {d["sid"]: d["text"] for d in map(json.loads, fh)}
    A, B = _read(args.a), _read(args.b)
    shared = sorted(set(A) & set(B))
    n_a = n_b = n_pair = 0
    agree = {g: Counter() for g in ("all", "tac")}
    n_grp = Counter()
    roles: list[tuple[str, str]] = []
    out = []
    for sid in shared:
        text = texts[sid]
        qa, qb = A[sid]["quantities"], B[sid]["quantities"]
        n_a, n_b = n_a + len(qa), n_b + len(qb)
        pairs = align_spans(gold_spans(text, qa), gold_spans(text, qb))
        n_pair += len(pairs)
        for ia, q in enumerate(qa):
            if ia not in pairs:
                out.append({"sid": sid, "text": text, "field": "span", "A": q, "B": None})
        for ib in sorted(set(range(len(qb))) - set(pairs.values())):
            out.append({"sid": sid, "text": text, "field": "span", "A": None, "B": qb[ib]})
        for ia, ib in pairs.items():
            a, b = qa[ia], qb[ib]
            roles.append((a["role"], b["role"]))
            grps = ["all"] + (["tac"] if a["role"] in TAC_ROLES or b["role"] in TAC_ROLES else [])
            for g in grps:
                n_grp[g] += 1
            if a["text"] != b["text"]:
                out.append({"sid": sid, "text": text, "field": "text", "A": a, "B": b})
            for f in FIELDS:
                ok = same_field(f, a.get(f), b.get(f))
                for g in grps:
                    agree[g][f] += ok
                if not ok:
                    out.append({"sid": sid, "text": text, "field": f, "A": a, "B": b})
    print(f"shared sids: {len(shared)}; quantities A {n_a}, B {n_b}, aligned pairs {n_pair}; "
          f"span F1 {2 * n_pair / (n_a + n_b):.3f}")
    print("| pairs | n | " + " | ".join(FIELDS) + " |")
    print("|---|---:|" + "---:|" * len(FIELDS))
    for g, name in (("all", "all aligned pairs"), ("tac", "either says target/actual/cap")):
        n = n_grp[g]
        print(f"| {name} | {n} | " + " | ".join(f"{agree[g][f] / n:.3f}" for f in FIELDS) + " |")
    print(f"Cohen's kappa (role, aligned pairs): {kappa(roles):.3f}")
    if args.disagreements:
        with open(args.disagreements, "w", encoding="utf-8") as fh:
            for d in out:
                fh.write(json.dumps(d, ensure_ascii=False) + "\n")
        print(f"{len(out)} disagreements -> {args.disagreements}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
