#!/usr/bin/env python3
"""Draw the random quantity sample (issue 27): sentences of the two corpora that hold a candidate amount.

    python labels/tools/draw_quantity_sample.py --out labels/quantities_sample/sample.jsonl

Every document of ``policies.jsonl.xz`` and ``regulations.jsonl.xz`` is cut into clauses by the
clausetag splitter and each clause into sentences at 。；！？ (the end mark stays with its sentence).
A sentence is a *candidate* when a broad surface rule (``CANDIDATE`` below, written here and on
purpose independent of the extractor's lexicons, roles and indicator rules) finds a number — Arabic,
Chinese numerals, 成, 倍 or N分之M — followed by a unit, currency, counter or percent sign. The rule
measures the extractor's reach: it does not know which sentences the extractor handles.

Candidates shorter than 6 or longer than 300 characters are left out (a person must be able to
annotate them); so are sentences of the golden tables (``tests/data/quantities_golden.jsonl``,
``indicators_golden.jsonl``) and repeated sentences (the first occurrence, in corpus order, stays).
From the candidates ``N_POLICIES`` policy sentences and ``N_REGULATIONS`` regulation sentences are
drawn with ``random.Random(SEED)`` and shuffled together, so any prefix of the file (e.g. the first
100 sids that the second annotator gets) is itself a random sample. Regulations get fewer draws
because their amounts are mostly fines and thresholds, while the issue measures target, actual and
cap quantities (policy texts); the stratification is stated in docs/quantities.md. A reserve of\n``N_RESERVE`` further policy sentences follows the first draw (see there).
"""
from __future__ import annotations

import argparse
import json
import lzma
import os
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clausetag.segment.splitter import split

SEED = 27
N_POLICIES = 540
N_REGULATIONS = 60
#: a second draw, appended after the first (sids qs-600 …): policy sentences only, from the candidates
#: the first draw left, with ``random.Random(SEED + 1)``; added when the first 600 held fewer than 300
#: sentences with a target, actual or cap (250 after annotation), so the first 600 stay as they were
N_RESERVE = 160
MIN_LEN, MAX_LEN = 6, 300
CORPUS = Path(os.environ.get("CLAUSETAG_CORPUS", "/work/shared/corpus"))

_NUM = r"(?:[0-9０-９]+(?:[.．][0-9０-９]+)?|[零〇一二两三四五六七八九十百千万亿]+)"
_UNITS = sorted(
    ["%", "％", "‰", "‱", "个百分点", "百分点", "成", "倍", "元", "美元", "欧元", "港元", "日元", "英镑", "人民币", "个", "家", "人", "人次", "名", "位", "项", "件", "部", "期", "场", "次", "所", "座", "台", "套", "辆", "户", "亩", "公顷", "平方米", "平方公里", "立方米", "吨", "千瓦", "兆瓦", "吉瓦", "千瓦时", "瓦", "公里", "千米", "米", "千克", "公斤", "克", "张", "册", "床", "间", "栋", "处", "支", "种", "类", "份", "篇", "门", "课时", "学时", "村", "镇", "条", "组", "队", "座", "艘", "架", "头", "只", "株", "棵", "片", "块", "根", "枚", "剂", "盒", "箱", "包", "袋", "GW", "MW", "kW", "KW", "万千瓦", "标准煤", "吨标准煤", "立方", "升", "毫升", "千兆", "兆", "G", "人年", "工日", "个月"],
    key=lambda u: -len(u),
)
CANDIDATE = re.compile(
    r"(?<![第0-9０-９A-Za-z.．零〇一二两三四五六七八九十百千万亿])"
    + _NUM
    + r"(?:[十百千万亿]*)(?:余|多)?(?:"
    + "|".join(re.escape(u) for u in _UNITS)
    + r"|分之" + _NUM + r")"
)
_SENT_END = re.compile(r"(?<=[。；！？;!?])")


def _is_candidate(sentence: str) -> bool:
    for m in CANDIDATE.finditer(sentence):
        s = m.group()
        # the article 一 before a counter (一个平台, 一批) and 一成不变-like words are not amounts
        if re.fullmatch(r"一[个家人名项件部种类批次处支位条组队只块根片份门间场期届]", s):
            continue
        if re.fullmatch(r"[0-9０-９]{4}.*", s) and s[4:5] in ("年", "届"):
            continue
        return True
    return False


def sentences(text: str) -> Iterator[str]:
    """Sentences of a document: splitter clauses cut at 。；！？ (end marks kept)."""
    for clause in split(text):
        for s in _SENT_END.split(clause.text):
            s = s.strip()
            if s:
                yield s


def _golden(folder: Path = ROOT / "tests" / "data") -> set[str]:
    out: set[str] = set()
    for name in ("quantities_golden.jsonl", "indicators_golden.jsonl"):
        with open(folder / name, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    out.add(json.loads(line)["text"])
    return out


def candidates(corpus: Path, golden: set[str], seen: set[str], max_len: int = MAX_LEN) -> list[dict[str, str]]:
    """Candidate sentences of one corpus file, in corpus order."""
    out = []
    with lzma.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            for i, s in enumerate(sentences(doc["text"])):
                if not MIN_LEN <= len(s) <= max_len or s in seen or s in golden:
                    continue
                seen.add(s)
                if _is_candidate(s):
                    out.append({"doc_source": f"{corpus.name}:{doc['id']}", "sent_index": str(i), "text": s})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder with the two corpus files")
    parser.add_argument("--out", type=Path, default=ROOT / "labels" / "quantities_sample" / "sample.jsonl")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--policies", type=int, default=N_POLICIES, help="policy sentences to draw")
    parser.add_argument("--regulations", type=int, default=N_REGULATIONS, help="regulation sentences to draw")
    parser.add_argument("--reserve", type=int, default=N_RESERVE,
                        help="further policy sentences appended, drawn with seed + 1 (0: none)")
    parser.add_argument("--exclude", type=Path, nargs="*", default=[],
                        help="earlier samples (sample.jsonl) whose sentences are not drawn again")
    parser.add_argument("--golden-dir", type=Path, default=ROOT / "tests" / "data",
                        help="folder of the golden tables whose sentences are left out (to reproduce a "
                             "sample, that of the commit it was drawn at)")
    parser.add_argument("--sid-prefix", default="qs")
    parser.add_argument("--max-len", type=int, default=MAX_LEN,
                        help=f"longest sentence drawn, in characters (default {MAX_LEN})")
    args = parser.parse_args()
    golden, seen = _golden(args.golden_dir), set()
    for path in args.exclude:
        with open(path, encoding="utf-8") as fh:
            seen |= {json.loads(line)["text"] for line in fh if line.strip()}
    pol = candidates(args.corpus / "policies.jsonl.xz", golden, seen, args.max_len)
    reg = candidates(args.corpus / "regulations.jsonl.xz", golden, seen, args.max_len)
    rng = random.Random(args.seed)
    drawn = rng.sample(pol, args.policies) + rng.sample(reg, args.regulations)
    rng.shuffle(drawn)
    if args.reserve:
        taken = {row["text"] for row in drawn}
        drawn += random.Random(args.seed + 1).sample([row for row in pol if row["text"] not in taken], args.reserve)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        for k, row in enumerate(drawn):
            rec = {"sid": f"{args.sid_prefix}-{k:03d}", "doc_source": f"{row['doc_source']}#s{row['sent_index']}",
                   "text": row["text"]}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"candidates: policies {len(pol)}, regulations {len(reg)}; drawn {len(drawn)} -> {args.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
