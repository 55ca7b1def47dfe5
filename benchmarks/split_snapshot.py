"""Snapshot of the splitter's output, to prove that a change to the splitter changes nothing.

Run:  python benchmarks/split_snapshot.py dump  OUT.jsonl [--corpus DIR]   (before the change)
      python benchmarks/split_snapshot.py check OUT.jsonl [--corpus DIR]   (after: exit 1 on a difference)

Inputs, in a fixed order: every golden case of tests/data/split_golden.yaml (with its own rule
set), every ``*.txt`` under labels/ and every document of the corpus (read with
:func:`clausetag.pretrained.mlm.corpus_files`/``open_corpus_file``; default /work/shared/corpus or
$CLAUSETAG_CORPUS) with the ``default`` and the ``regulation`` rule sets, the same documents as one
line (line breaks as spaces), and seeded random documents made of the characters the rules care
about (brackets, terminators, heading markers, residue, blanks). One JSON line per input: its key
and every field of every clause. The snapshot is large (about 300 MB): keep it out of git.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from clausetag.pretrained.mlm import corpus_files, open_corpus_file  # noqa: E402
from clausetag.segment.splitter import Splitter  # noqa: E402
from clausetag.segment.text import read_text  # noqa: E402

# Pieces of random documents: what the rules react to, plus plain text.
_PIECES = (
    "加快推进数字内容产业发展", "支持企业做大做强", "省科技厅", "工业和信息化厅", "按职责分工负责", "牵头单位：",
    "责任单位：", "；", "。", "！", "？", "：", "，", "、", "（", "）", "(", ")", "【", "】", "〔", "〕", "《", "》",
    "“", "”", "‘", "’", "「", "」", "[", "]", "〈", "〉", "一、", "二、", "十一、", "（一）", "（二）", "(三)",
    "1.", "2、", "12.", "3.5", "（1）", "①", "②", "▍", "■", "第一章 ", "第二节 ", "第三条 ", "第十条", "附件：",
    "抄送：", "特此通知。", "（牵头单位：省发展改革委；责任单位：省财政厅）", "（省教育厅负责）", "〔2023〕9号 ",
    "各地级以上市人民政府：  ", "[bookmark: _GoBack]", "&nbsp;", "<br>", "— 3 —", "第 2 页", "|", " ", "  ",
    "\u3000", "\t", "\n", "\n", "\n\n", "\r\n", "２０２４年", "（2024—2026年）", "ＡＢＣ", "2024年1月1日",
)


def _random_docs(n: int, seed: int = 17) -> Iterator[tuple[str, str]]:
    rng = random.Random(seed)
    for i in range(n):
        k = rng.randint(1, 120)
        yield f"random:{i}", "".join(rng.choice(_PIECES) for _ in range(k))


def inputs(corpus: Path) -> Iterator[tuple[str, str, str | None]]:
    """(key, text, rules) for every input, in a fixed order."""
    for c in yaml.safe_load((ROOT / "tests/data/split_golden.yaml").read_text(encoding="utf-8"))["cases"]:
        yield f"golden:{c['id']}", c["text"], c.get("rules")
    docs = [(str(p.relative_to(ROOT)), read_text(p)) for p in sorted((ROOT / "labels").rglob("*.txt"))]
    for f in corpus_files(corpus):
        with open_corpus_file(f) as fh:
            if ".jsonl" in f.name:
                for line in fh:
                    if line.strip():
                        d = json.loads(line)
                        docs.append((f"corpus:{d.get('id')}", d.get("text", "")))
            else:
                docs.append((f"corpus:{f.name}", fh.read()))
    for rules in ("default", "regulation"):
        for key, text in docs:
            yield f"{rules}:{key}", text, rules
        for key, text in docs:
            yield f"{rules}:oneline:{key}", text.replace("\n", " "), rules
        for key, text in _random_docs(3000):
            yield f"{rules}:{key}", text, rules


def _record(splitter: Splitter, key: str, text: str) -> tuple[str, int]:
    rows = [[c.doc_id, c.index, c.text, c.start, c.end, list(c.heading_path), c.is_heading,
             list(c.lead_units), list(c.responsible_units)] for c in splitter.split(text, doc_id=key)]
    return json.dumps({"key": key, "clauses": rows}, ensure_ascii=False), len(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("dump", "check"))
    ap.add_argument("snapshot", type=Path)
    ap.add_argument("--corpus", type=Path, default=Path(os.environ.get("CLAUSETAG_CORPUS", "/work/shared/corpus")))
    args = ap.parse_args()
    splitters: dict[str | None, Splitter] = {}
    t0 = time.perf_counter()
    n_docs = n_clauses = n_diff = 0
    if args.mode == "dump":
        with args.snapshot.open("w", encoding="utf-8") as out:
            for key, text, rules in inputs(args.corpus):
                sp = splitters.get(rules) or splitters.setdefault(rules, Splitter(rules))
                rec, n = _record(sp, key, text)
                out.write(rec + "\n")
                n_docs += 1
                n_clauses += n
    else:
        with args.snapshot.open(encoding="utf-8") as ref:
            for (key, text, rules), line in zip(inputs(args.corpus), ref, strict=True):
                sp = splitters.get(rules) or splitters.setdefault(rules, Splitter(rules))
                rec, n = _record(sp, key, text)
                n_docs += 1
                n_clauses += n
                if rec != line.rstrip("\n"):
                    n_diff += 1
                    if n_diff <= 5:
                        want, got = json.loads(line)["clauses"], json.loads(rec)["clauses"]
                        print(f"DIFF {key}: {len(want)} clauses before, {len(got)} now")
                        for w, g in zip(want + [None] * len(got), got + [None] * len(want)):
                            if w != g:
                                print(f"  before: {w}\n  now:    {g}")
                                break
    print(f"{args.mode}: {n_docs} inputs, {n_clauses} clauses, {n_diff} differences, "
          f"{time.perf_counter() - t0:.0f} s")
    return 1 if n_diff else 0


if __name__ == "__main__":
    sys.exit(main())
