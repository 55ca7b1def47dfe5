"""List the splitter's boundary and heading errors against gold clause JSONL, grouped by kind.

    python benchmarks/split_errors.py labels/policy [--rules default] [--examples 5] [--kind KIND]

A development tool (docs/splitting.md): every error is aligned whitespace-insensitively as in
``clausetag split-eval``; each is given a kind from the texts around it (``kind_of_*`` below), and
the kinds are printed largest first with examples (document id and the text around the error, ``‖``
where a boundary is missing or spurious).
"""
from __future__ import annotations

import argparse
import re
from collections import defaultdict
from typing import Any

from clausetag.harness.metrics import nonspace_offsets
from clausetag.harness.split_eval import load_clause_files
from clausetag.harness.validation import read_raw_text
from clausetag.segment.splitter import Splitter

MARK = re.compile(r"^\s*(?:第[一二三四五六七八九十百零〇两\d]+[编章节条]|[一二三四五六七八九十]{1,3}、|（[一二三四五六七八九十]{1,3}）"
                  r"|\d{1,2}[.、．](?!\d)|（\d{1,2}）|[①-⑳])")
FAMILY = [("article", r"第[一二三四五六七八九十百零〇两\d]+条"), ("chapter", r"第[一二三四五六七八九十百零〇两\d]+[编章节]"),
          ("cn_dun", r"[一二三四五六七八九十]{1,3}、"), ("cn_paren", r"（[一二三四五六七八九十]{1,3}）"),
          ("arabic", r"\d{1,2}[.、．](?!\d)"), ("arabic_paren", r"（\d{1,2}）"), ("circled", r"[①-⑳]")]
DATE = re.compile(r"^\s*\d{4}年\d{1,2}月\d{1,2}日|^\s*[〇零一二三四五六七八九十]{4}年")


def family(s: str) -> str:
    s = s.lstrip()
    for name, pat in FAMILY:
        if re.match(pat, s):
            return name
    if s.startswith("答"):
        return "answer"
    if s.startswith(("附件", "抄送", "联系人")):
        return "apparatus"
    if DATE.match(s):
        return "date"
    if s.startswith("（"):
        return "paren"
    return "text"


def kind_of_cut(before: dict[str, Any], after: dict[str, Any], text: str) -> str:
    """Kind of a gold boundary between ``before`` and ``after`` (gold clauses)."""
    b = text[before["start"]:before["end"]].strip()
    bl = "heading" if before.get("label") == "heading" else "body"
    tail = b[-1:] if b else ""
    tailk = "punct" if tail in "。！？；：" else ("）" if tail == "）" else "none")
    return f"{bl}({family(b)},{tailk}) | {family(text[after['start']:after['end']])}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold")
    ap.add_argument("--rules", default=None)
    ap.add_argument("--examples", type=int, default=4)
    ap.add_argument("--kind", default=None, help="print every example of kinds containing this string")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args(argv)
    sp = Splitter(args.rules)
    docs = load_clause_files([args.gold])
    errs: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for doc_id in sorted(docs):
        path, gold = docs[doc_id]
        raw = path.parent / f"{doc_id}.txt"
        if not raw.is_file():
            continue
        text = read_raw_text(raw)
        pred = [c.to_dict() for c in sp.split(text, doc_id)]
        off = nonspace_offsets(text)
        last = off[len(text)]
        gend = {off[g["end"]]: i for i, g in enumerate(gold)}
        pend = {off[p["end"]]: i for i, p in enumerate(pred)}

        def containing(recs: list[dict[str, Any]], a: int, off: list[int] = off) -> dict[str, Any]:
            for r in recs:
                if off[r["start"]] <= a < off[r["end"]]:
                    return r
            return recs[-1]

        def ctx(r: dict[str, Any], cut: int | None = None, off: list[int] = off, text: str = text) -> str:
            s = text[r["start"]:r["end"]].replace("\n", "⏎")
            if cut is not None:
                # position in raw text whose nonspace offset is cut
                for i in range(r["start"], r["end"] + 1):
                    if off[i] == cut:
                        s = (text[r["start"]:i] + "‖" + text[i:r["end"]]).replace("\n", "⏎")
                        break
            return s if len(s) <= 160 else s[:100] + " … " + s[-50:]

        for a, gi in gend.items():
            if a == last or a in pend:
                continue
            k = kind_of_cut(gold[gi], gold[gi + 1], text) if gi + 1 < len(gold) else "end"
            errs["boundary missing"][k].append(f"{doc_id}: {ctx(containing(pred, a), a)}")
        for a in pend:
            if a == last or a in gend:
                continue
            g = containing(gold, a)
            k = f"inside gold {g.get('label')}({family(text[g['start']:g['end']])})"
            errs["boundary spurious"][k].append(f"{doc_id}: {ctx(g, a)}")
        gh = {(off[g["start"]], off[g["end"]]): g for g in gold if g.get("label") == "heading"}
        ph = {(off[p["start"]], off[p["end"]]): p for p in pred if p["is_heading"]}
        gspan = {(off[g["start"]], off[g["end"]]): g for g in gold}
        pspan = {(off[p["start"]], off[p["end"]]): p for p in pred}
        for s, p in ph.items():
            if s in gh:
                continue
            gs = gspan.get(s)
            t = text[p["start"]:p["end"]].strip()
            if gs is None:
                k = f"wrong span ({family(t)})"
            else:
                nxt = gold[gold.index(gs) + 1] if gold.index(gs) + 1 < len(gold) else None
                nk = family(text[nxt["start"]:nxt["end"]]) if nxt else "END"
                end = "punct" if t[-1:] in "。！？；" else "nopunct"
                k = f"false heading {gs.get('label')} ({family(t)},{end}) -> next {nk}"
            errs["heading spurious"][k].append(f"{doc_id}: {ctx(p)}")
        for s, g in gh.items():
            if s in ph:
                continue
            ps = pspan.get(s)
            t = text[g["start"]:g["end"]].strip()
            end = "punct" if t[-1:] in "。！？；" else "nopunct"
            if ps is None:
                k = f"wrong span ({family(t)},{end})"
                ex = ctx(containing(pred, off[g["start"]]))
                errs["heading missed"][k].append(f"{doc_id}: [{t[:40]}] in pred: {ex}")
            else:
                gi = gold.index(g)
                nxt = gold[gi + 1] if gi + 1 < len(gold) else None
                nk = family(text[nxt["start"]:nxt["end"]]) if nxt else "END"
                k = f"not flagged ({family(t)},{end}) -> next {nk}"
                errs["heading missed"][k].append(f"{doc_id}: {ctx(g)} ⟶ {ctx(nxt) if nxt else ''}"[:260])
    for cat in ("boundary missing", "boundary spurious", "heading spurious", "heading missed"):
        kinds = errs[cat]
        total = sum(len(v) for v in kinds.values())
        print(f"\n=== {cat}: {total}")
        for k, v in sorted(kinds.items(), key=lambda kv: -len(kv[1]))[: args.top]:
            print(f"  {len(v):5d}  {k}")
            n = len(v) if args.kind and args.kind in k else args.examples
            for e in v[:n]:
                print(f"         {e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
