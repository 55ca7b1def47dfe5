"""Throughput of ``clausetag.extract_quantities`` (and, if installed, JioNLP money extraction and cn2an).

    python benchmarks/bench_quantities.py [--mb 5] [--peer-lines 2000]
    python benchmarks/bench_quantities.py --growth [--sizes 10000,100000,1000000,10000000]
    python benchmarks/bench_quantities.py --one-sentence [--counts 250,500,1000,2000] [--reader]

``--growth`` instead times one ``extract_quantities`` call on whole texts of growing size (the seed
texts joined and repeated to each size in characters) and prints ns/char per size: flat means linear.
``--one-sentence`` times single sentences holding many amounts (a scraped table whose line breaks were lost) and
prints ms per quantity: flat means linear.

The five seed texts are cut into lines and repeated until the corpus holds ``--mb`` MB of UTF-8; every
line is one call (single process, one core). JioNLP and cn2an are optional (``pip install .[compare]``);
they are timed on the first ``--peer-lines`` lines and skipped with a message when not importable.
A second table compares money extraction quality on the golden table (tests/data/quantities_golden.jsonl):
a gold money quantity counts as found when a prediction has the same value and overlapping span.
A third table checks Chinese-numeral parsing (``clausetag.quantities.numbers.parse_chinese`` vs ``cn2an.cn2an``)
on 1..99 999 written by ``int_to_chinese`` and on the Chinese numerals of the golden table.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import platform
import statistics
import sys
import time
import warnings
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clausetag.quantities.extract import extract_quantities  # noqa: E402
from clausetag.quantities.numbers import int_to_chinese, parse_chinese  # noqa: E402


def corpus(mb: float) -> list[str]:
    lines: list[str] = []
    for p in sorted((ROOT / "labels" / "seed").glob("*.txt")):
        lines += [ln for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
    out, size = [], 0
    while size < mb * 1e6:
        for ln in lines:
            out.append(ln)
            size += len(ln.encode("utf-8"))
    return out


def timeit(fn, lines: list[str], repeats: int = 3) -> float:
    """Median seconds for one pass over ``lines``."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for ln in lines:
            fn(ln)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def row(name: str, lines: list[str], seconds: float) -> str:
    chars = sum(map(len, lines))
    nbytes = sum(len(ln.encode("utf-8")) for ln in lines)
    return (f"| {name} | {len(lines)} | {nbytes / 1e6:.2f} | {seconds:.3f} | {chars / seconds / 1e6:.2f} "
            f"| {nbytes / seconds / 1e6:.2f} |")


def load_jionlp():
    try:
        with redirect_stdout(io.StringIO()):
            import jionlp  # noqa: F401
            from jionlp.algorithm.ner.money_extractor import MoneyExtractor
        ex = MoneyExtractor()
        return lambda s: ex(s, with_parsing=True)
    except Exception as err:
        print(f"JioNLP skipped: {type(err).__name__}: {err}")
        return None


def load_cn2an():
    try:
        import cn2an

        warnings.filterwarnings("ignore", module="cn2an")
        return cn2an
    except Exception as err:
        print(f"cn2an skipped: {type(err).__name__}: {err}")
        return None


def money_quality(jio_extract) -> list[str]:
    gold_cases = [json.loads(ln) for ln in (ROOT / "tests/data/quantities_golden.jsonl").open(encoding="utf-8")]
    cases = [c for c in gold_cases if any(q["kind"] == "money" for q in c["quantities"])]
    n_gold = sum(1 for c in cases for q in c["quantities"] if q["kind"] == "money")
    rows = []
    systems = [("clausetag", lambda s: [(q.start, q.end, q.value) for q in extract_quantities(s) if q.kind == "money"])]
    if jio_extract is not None:
        def jio(s):
            out = []
            for r in jio_extract(s):
                try:
                    out.append((r["offset"][0], r["offset"][1], float(r["detail"]["num"])))
                except (KeyError, TypeError, ValueError):
                    pass
            return out
        systems.append(("JioNLP MoneyExtractor", jio))
    for name, fn in systems:
        tp = n_pred = exact = 0
        for c in cases:
            pred = fn(c["text"])
            n_pred += len(pred)
            for g in (q for q in c["quantities"] if q["kind"] == "money"):
                hit = [p for p in pred if p[0] < g["end"] and g["start"] < p[1]
                       and math.isclose(p[2], g["value"], rel_tol=1e-9)]
                tp += bool(hit)
                exact += any(p[0] == g["start"] and p[1] == g["end"] for p in hit)
        rows.append(f"| {name} | {len(cases)} | {n_gold} | {n_pred} | {tp} | {tp / n_gold:.3f} | {exact} |")
    return rows


def numeral_quality(cn2an) -> list[str]:
    numerals = [int_to_chinese(n) for n in range(1, 100_000)]
    extra = ["两千", "一万", "十", "三十五", "一千二百万", "两亿", "万亿", "千", "十二"]
    expected = [float(n) for n in range(1, 100_000)] + [2000, 1e4, 10, 35, 1.2e7, 2e8, 1e12, 1000, 12]
    systems = [("clausetag.quantities.numbers.parse_chinese", parse_chinese)]
    if cn2an is not None:
        systems.append(("cn2an.cn2an(smart)", lambda s: cn2an.cn2an(s, "smart")))
    rows = []
    for name, fn in systems:
        ok = 0
        t = time.perf_counter()
        for s, v in zip(numerals + extra, expected):
            try:
                ok += math.isclose(float(fn(s)), v)
            except Exception:
                pass
        dt = time.perf_counter() - t
        n = len(expected)
        rows.append(f"| {name} | {n} | {ok} | {n / dt / 1e3:.0f} |")
    return rows


def growth(sizes: list[int], repeats: int = 3) -> list[str]:
    """One ``extract_quantities`` call per whole text of ``n`` characters; best of ``repeats`` (one for 10 M)."""
    base = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "labels" / "seed").glob("*.txt")))
    rows = []
    for n in sizes:
        text = (base * (n // len(base) + 1))[:n]
        best, found = math.inf, 0
        for _ in range(1 if n >= 5_000_000 else repeats):
            t = time.perf_counter()
            found = len(extract_quantities(text))
            best = min(best, time.perf_counter() - t)
        rows.append(f"| {n:,} | {found:,} | {best:.3f} | {best / n * 1e9:,.0f} |")
    return rows


def one_sentence(counts: list[int], reader: bool, repeats: int = 3) -> list[str]:
    """One ``extract_quantities`` call per sentence holding ``n`` amounts and no sentence end (a scraped table whose
    line breaks were lost), in two layouts: amounts joined by 、 and comma segments of plan wording."""
    cities = ["衡水市", "沧州市", "定州市", "邢台市", "承德市"]
    rows = []
    for n in counts:
        layouts = {
            "、 list": "开工率由高到低排序，依次是：" + "、".join(
                f"{cities[i % 5]}{50 + i % 40 + 0.01 * (i % 97):.2f}%" for i in range(n)) + "。",
            "comma segments": "2023年，" + "，".join(
                f"新建道路{i + 1}公里、完成投资{i + 3}万元" for i in range(n // 2)) + "。",
        }
        for name, text in layouts.items():
            best, found = math.inf, 0
            for _ in range(repeats):
                t = time.perf_counter()
                found = len(extract_quantities(text, reader=reader))
                best = min(best, time.perf_counter() - t)
            rows.append(f"| {name} | {len(text):,} | {found:,} | {best:.2f} | {best / max(found, 1) * 1e3:.2f} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=5.0)
    ap.add_argument("--peer-lines", type=int, default=2000)
    ap.add_argument("--growth", action="store_true", help="time whole texts of growing size instead")
    ap.add_argument("--sizes", default="10000,100000,1000000,10000000", help="text sizes (characters) for --growth")
    ap.add_argument("--one-sentence", action="store_true",
                    help="time single sentences with many amounts instead (readers off unless --reader)")
    ap.add_argument("--counts", default="250,500,1000,2000", help="amounts per sentence for --one-sentence")
    ap.add_argument("--reader", action="store_true", help="with --one-sentence: also run the transformer readers")
    args = ap.parse_args(argv)
    if args.one_sentence:
        extract_quantities("预热100家", reader=args.reader)
        print(f"python {platform.python_version()} on {platform.machine()}, single process, one call per sentence, "
              f"readers {'on' if args.reader else 'off'}\n")
        print("| layout | characters | quantities | seconds | ms per quantity |")
        print("|---|---|---|---|---|")
        for r in one_sentence([int(x) for x in args.counts.split(",")], args.reader):
            print(r)
        return 0
    if args.growth:
        extract_quantities("预热100家")
        print(f"python {platform.python_version()} on {platform.machine()}, single process, one call per text\n")
        print("| characters | quantities | seconds | ns/char |")
        print("|---|---|---|---|")
        for r in growth([int(x) for x in args.sizes.split(",")]):
            print(r)
        return 0
    lines = corpus(args.mb)
    print(f"python {platform.python_version()} on {platform.machine()}, single process\n")
    print("| extractor | lines | MB (UTF-8) | seconds | M chars/s | MB/s |")
    print("|---|---|---|---|---|---|")
    extract_quantities("预热100家")  # load lexicons and compile once
    print(row("clausetag.extract_quantities", lines, timeit(extract_quantities, lines)))
    n_q = sum(len(extract_quantities(ln)) for ln in lines)
    sub = lines[: args.peer_lines]
    jio = load_jionlp()
    cn = load_cn2an()
    if jio is not None:
        print(row("JioNLP MoneyExtractor (money only)", sub, timeit(jio, sub, repeats=1)))
    if cn is not None:
        print(row("cn2an.transform(cn2an) (numeral rewriting only)", sub, timeit(lambda s: cn.transform(s, "cn2an"), sub, repeats=1)))
    print(f"\nclausetag found {n_q} quantities in the {len(lines)} lines.\n")
    print("| money extraction on golden table | cases with money | gold money | predicted | found (value + overlap) | recall | exact span |")
    print("|---|---|---|---|---|---|---|")
    for r in money_quality(jio):
        print(r)
    print("\n| Chinese numeral parser | numerals | correct | k numerals/s |")
    print("|---|---|---|---|")
    for r in numeral_quality(cn):
        print(r)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
