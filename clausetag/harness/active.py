"""Active learning: choose the documents (or clauses) of an unlabeled corpus that are worth annotating next.

:func:`select` tags every candidate with the current model and ranks it by

* **uncertainty** of the model on its body clauses (``margin``: 1 − (p₁ − p₂), or ``entropy``: H / log K),
  per document the mean over its body clauses (or its ``top_k`` most uncertain ones);
* **rarity** of the labels it probably holds: Σ p(label) · w(label) per clause, averaged over the body
  clauses, where w(label) = log((N + K) / (n_label + 1)) scaled to [0, 1] and n_label is the larger of
  the label's count in the model's training data (its card) and in the labeled folders given as
  ``exclude`` (the two usually overlap: the larger, not the sum);
* **diversity**, in a greedy pick: a candidate's score is multiplied by ``type_decay`` for every document
  its type (:func:`doc_type`, from ``resources/doc_types.yaml``) already holds beyond its fair share of
  the picks, and by ``source_decay`` likewise for its source; a near-duplicate (character-shingle Jaccard ≥
  ``dup_threshold``, found with MinHash) of a picked, labeled or held-out document is never picked.

Documents already labeled (ids or sources in the ``exclude`` folders) and the held-out set
(``labels/policy_heldout/documents.jsonl``) are never selected. Every row of the result says why it was
chosen. ``seed`` fixes a small Gumbel noise on every score (``noise``; stochastic batch acquisition,
Kirsch et al., TMLR 2023), the tie-break and the MinHash permutations: the same inputs and seed give
the same selection, another seed a somewhat different one (``noise=0``: the plain greedy ranking).
"""
from __future__ import annotations

import functools
import hashlib
import json
import lzma
import math
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from clausetag.classifiers.card import read_card
from clausetag.classifiers.loading import load_model, resolve_model
from clausetag.harness.data import find_labels_dir
from clausetag.io.records import join_context
from clausetag.segment.text import read_text
from clausetag.tagging.pipeline import split_records

__all__ = [
    "CorpusDoc",
    "SelectionError",
    "doc_type",
    "heldout_ids",
    "labeled_ids",
    "near_duplicates",
    "read_corpus",
    "select",
    "uncertainty",
    "write_selection",
]

HEADING_LABEL = "heading"
#: clauses per ``predict_proba`` call
_CHUNK = 2048


class SelectionError(ValueError):
    """A corpus or labeled folder cannot be read; the message names the file and the problem."""


@dataclass
class CorpusDoc:
    """One candidate document."""

    id: str
    title: str
    text: str
    source: str = ""
    date: str = ""
    url: str = ""
    path: str = ""


# ------------------------------------------------------------------------------------------- corpus
def read_corpus(path: str | os.PathLike[str]) -> list[CorpusDoc]:
    """A corpus: JSONL (optionally ``.xz``) with ``id``, ``title``, ``text`` (and optional ``source``,
    ``date``, ``url``) per line, or a folder of ``.txt`` files (searched recursively; id = file stem,
    title = first non-blank line, source = the sub-folder)."""
    p = Path(path)
    if p.is_dir():
        docs = []
        for f in sorted(p.rglob("*.txt")):
            text = read_text(f)
            title = next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]
            rel = f.parent.relative_to(p).as_posix()
            docs.append(CorpusDoc(f.stem, title, text, source=p.name if rel == "." else rel, path=str(f)))
        if not docs:
            raise SelectionError(f"{p}: no .txt files in this folder")
        return docs
    if not p.is_file():
        raise SelectionError(f"{p}: no such corpus file or folder")
    opener: Any = lzma.open if p.suffix == ".xz" else open
    docs = []
    seen: set[str] = set()
    try:
        with opener(p, "rt", encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SelectionError(f"{p}:{lineno}: not JSON ({exc.msg})") from None
                missing = [k for k in ("id", "text") if not isinstance(row.get(k), str)]
                if missing:
                    raise SelectionError(f"{p}:{lineno}: missing field(s) {', '.join(missing)}")
                if row["id"] in seen:
                    raise SelectionError(f"{p}:{lineno}: duplicate id {row['id']!r}")
                seen.add(row["id"])
                docs.append(CorpusDoc(row["id"], str(row.get("title") or ""), row["text"],
                                      str(row.get("source") or ""), str(row.get("date") or "").strip(),
                                      str(row.get("url") or ""), f"{p}#{row['id']}"))
    except (OSError, EOFError, lzma.LZMAError, UnicodeDecodeError) as exc:
        raise SelectionError(f"{p}: cannot read corpus ({exc})") from None
    return docs


def source_group(source: str) -> str:
    """The source a document counts under for diversity: ``site:host`` for a URL source
    (``hebei:https://kjt.hebei.gov.cn/…`` → ``hebei:kjt.hebei.gov.cn``), else the source as is."""
    m = re.match(r"^([^:]*):\s*https?://([^/]+)", source)
    return f"{m.group(1)}:{m.group(2)}" if m else source


# --------------------------------------------------------------------------------------- doc types
@functools.lru_cache(maxsize=4)
def _doc_type_rules(path: str | None = None) -> tuple[list[re.Pattern[str]], list[re.Pattern[str]],
                                                       list[tuple[str, tuple[str, ...]]], str]:
    import yaml

    if path is None:
        data = yaml.safe_load(resources.files("clausetag").joinpath("resources/doc_types.yaml").read_text("utf-8"))
    else:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    unwrap = [re.compile(p) for p in data.get("unwrap", [])]
    strip = [re.compile(p) for p in data.get("strip", [])]
    types = [(t["name"], tuple(t["suffixes"])) for t in data["types"]]
    return unwrap, strip, types, str(data.get("fallback", "other"))


def doc_type(title: str, rules: str | None = None) -> str:
    """The document type a title names (通知, 意见, 方案, 若干措施, 计划, 规划, 办法, 规定, 复函, 决定 or
    ``other``), by the suffix rules of ``resources/doc_types.yaml`` (or the YAML file ``rules``).
    A transmitting notice (关于印发《X方案》的通知) has the type of what it transmits."""
    unwrap, strip, types, fallback = _doc_type_rules(rules)
    t = title.strip()

    def clean(s: str) -> str:
        for _ in range(3):
            before = s
            for pat in strip:
                s = pat.sub("", s).strip()
            if s == before:
                break
        return s

    t = clean(t)
    for pat in unwrap:
        m = pat.search(t)
        if m and m.group("inner"):
            inner = clean(m.group("inner"))
            kind = _match_type(inner, types)
            if kind is not None:
                return kind
    return _match_type(t, types) or fallback


def _match_type(title: str, types: list[tuple[str, tuple[str, ...]]]) -> str | None:
    for name, suffixes in types:
        if title.endswith(suffixes):
            return name
    return None


# ------------------------------------------------------------------------------ labeled / held out
@dataclass
class LabeledSet:
    """Ids and raw texts of documents that must not be selected, and label counts of labeled data."""

    ids: dict[str, str] = field(default_factory=dict)  # id → where it was found
    texts: dict[str, str] = field(default_factory=dict)  # "folder/stem" → raw text
    label_counts: Counter[str] = field(default_factory=Counter)


def labeled_ids(folders: Iterable[str | os.PathLike[str]], into: LabeledSet | None = None,
                count_labels: bool = True) -> LabeledSet:
    """Ids of labeled documents in ``folders`` (``.txt`` stems; ``doc_id``, ``source`` and ``id`` of
    every JSONL record, ``documents.jsonl`` included), their raw texts (for near-duplicate checks) and
    the labels of their gold records. A ``.jsonl`` file instead of a folder (e.g. an earlier
    selection) contributes its ids."""
    out = into or LabeledSet()
    for folder in map(Path, folders):
        if folder.is_file() and folder.suffix == ".jsonl":  # e.g. an earlier selection
            _ids_from_jsonl(folder, out, count_labels)
            continue
        if not folder.is_dir():
            raise SelectionError(f"{folder}: --exclude needs a folder of labeled .jsonl/.txt files "
                                 "(or a .jsonl file such as an earlier selection)")
        for txt in sorted(folder.glob("*.txt")):
            out.ids.setdefault(txt.stem, str(txt))
            try:
                out.texts[f"{folder.name}/{txt.stem}"] = txt.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise SelectionError(f"{txt}: cannot read ({exc})") from None
        for js in sorted(folder.glob("*.jsonl")):
            _ids_from_jsonl(js, out, count_labels)
    return out


def _ids_from_jsonl(js: Path, out: LabeledSet, count_labels: bool) -> None:
    try:
        lines = js.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SelectionError(f"{js}: cannot read ({exc})") from None
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SelectionError(f"{js}:{lineno}: not JSON ({exc.msg})") from None
        if not isinstance(rec, dict):
            continue
        for key in ("doc_id", "source", "id"):
            value = rec.get(key)
            if isinstance(value, str) and value:
                out.ids.setdefault(value, f"{js}:{lineno}")
        if count_labels and isinstance(rec.get("label"), str) and "index" in rec:
            out.label_counts[rec["label"]] += 1


def heldout_dir() -> Path | None:
    """``labels/policy_heldout`` of the checkout (or ``$CLAUSETAG_LABELS``), ``None`` if not found."""

    try:
        d = find_labels_dir() / "policy_heldout"
    except FileNotFoundError:
        return None
    return d if d.is_dir() else None


def heldout_ids(folder: str | os.PathLike[str] | None = None) -> LabeledSet:
    """The held-out documents (``documents.jsonl`` and ``.txt`` files of ``folder``, default
    :func:`heldout_dir`): never selected, never near-duplicated."""
    d = Path(folder) if folder is not None else heldout_dir()
    if d is None:
        return LabeledSet()
    if not d.is_dir():
        raise SelectionError(f"{d}: held-out folder not found")
    return labeled_ids([d], count_labels=False)


# --------------------------------------------------------------------------------- near-duplicates
_SHINGLE = 5
_PERMS = 60
_BANDS = 20
_SPACE_RE = re.compile(r"\s+")


def shingles(text: str, k: int = _SHINGLE) -> Any:
    """The distinct character k-shingles of ``text`` (whitespace removed) as sorted uint64 hashes."""
    import numpy as np

    s = _SPACE_RE.sub("", text)
    if len(s) < k:
        s = s + "\0" * (k - len(s))
    codes = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    h = np.zeros(len(codes) - k + 1, dtype=np.uint64)
    mult = np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * mult + codes[j:len(codes) - k + 1 + j] + np.uint64(j + 1)
    return np.unique(h)


def jaccard(a: Any, b: Any) -> float:
    """Jaccard similarity of two sorted unique hash arrays."""
    import numpy as np

    if len(a) == 0 and len(b) == 0:
        return 1.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def near_duplicates(texts: dict[str, str], threshold: float = 0.8, seed: int = 0) -> dict[str, dict[str, float]]:
    """Pairs of near-duplicate texts: ``{key: {other_key: jaccard}}`` for every pair whose character
    5-shingle Jaccard similarity is at least ``threshold``. Candidate pairs come from MinHash LSH
    (60 permutations drawn from ``seed``, 20 bands of 3), and each is confirmed by the exact Jaccard."""
    import numpy as np

    keys = list(texts)
    sets = [shingles(texts[k]) for k in keys]
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63 - 1, size=_PERMS, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63 - 1, size=_PERMS, dtype=np.uint64)
    rows = _PERMS // _BANDS
    buckets: dict[tuple[int, bytes], list[int]] = {}
    with np.errstate(over="ignore"):
        for i, s in enumerate(sets):
            sig = (s[None, :] * a[:, None] + b[:, None]).min(axis=1)
            for band in range(_BANDS):
                buckets.setdefault((band, sig[band * rows:(band + 1) * rows].tobytes()), []).append(i)
    out: dict[str, dict[str, float]] = {}
    checked: set[tuple[int, int]] = set()
    for members in buckets.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                pair = (members[x], members[y])
                if pair in checked:
                    continue
                checked.add(pair)
                j = jaccard(sets[pair[0]], sets[pair[1]])
                if j >= threshold:
                    ka, kb = keys[pair[0]], keys[pair[1]]
                    out.setdefault(ka, {})[kb] = j
                    out.setdefault(kb, {})[ka] = j
    return out


# ------------------------------------------------------------------------------------ model scores
def uncertainty(proba: Any, method: str = "margin") -> Any:
    """Per-row uncertainty of a probability matrix in [0, 1]: ``margin`` 1 − (p₁ − p₂) or ``entropy``
    H(p) / log K."""
    import numpy as np

    p = np.asarray(proba, dtype=float)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError("uncertainty needs an (n, K ≥ 2) probability matrix")
    if method == "margin":
        top = np.sort(p, axis=1)[:, -2:]
        return 1.0 - (top[:, 1] - top[:, 0])
    if method == "entropy":
        q = np.clip(p, 1e-12, 1.0)
        return -(q * np.log(q)).sum(axis=1) / math.log(p.shape[1])
    raise ValueError(f"uncertainty method must be 'margin' or 'entropy', not {method!r}")


def rarity_weights(classes: Sequence[str], counts: Counter[str]) -> dict[str, float]:
    """w(label) = log((N + K) / (n_label + 1)), scaled so the rarest label has 1 (``heading`` 0)."""
    body = [c for c in classes if c != HEADING_LABEL]
    total = sum(counts.get(c, 0) for c in body)
    raw = {c: math.log((total + len(body)) / (counts.get(c, 0) + 1)) for c in body}
    top = max(raw.values(), default=1.0) or 1.0
    weights = {c: max(0.0, v / top) for c, v in raw.items()}
    weights[HEADING_LABEL] = 0.0
    return weights


def _card_label_counts(model: Any) -> Counter[str]:
    resolved = resolve_model(model)
    if not isinstance(resolved, Path):
        return Counter()

    card = read_card(resolved)
    counts = ((card.get("metrics") or {}).get("train_data") or {}).get("label_counts") or {}
    return Counter({str(k): int(v) for k, v in counts.items()})


@dataclass
class _Scored:
    doc: CorpusDoc
    doc_type: str
    source: str
    n_clauses: int
    n_body: int
    uncertainty: float
    rarity: float
    score: float
    labels: Counter[str]
    clauses: list[dict[str, Any]]


def _tiebreak(seed: int, key: str) -> str:
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def _gumbel(seed: int, key: str) -> float:
    """A standard Gumbel draw fixed by ``seed`` and ``key`` (independent of the candidates' order)."""
    u = (int(hashlib.sha256(f"gumbel:{seed}:{key}".encode()).hexdigest()[:13], 16) + 0.5) / 16**13
    return -math.log(-math.log(u))


# ------------------------------------------------------------------------------------------- select
def select(
    corpus: str | os.PathLike[str] | Sequence[CorpusDoc],
    model: Any = "default",
    n: int = 50,
    *,
    unit: str = "document",
    seed: int = 0,
    exclude: Sequence[str | os.PathLike[str]] = (),
    heldout: str | os.PathLike[str] | None = None,
    method: str = "margin",
    top_k: int | None = None,
    rarity_weight: float = 0.5,
    type_decay: float = 0.7,
    source_decay: float = 0.85,
    share_power: float = 0.5,
    noise: float = 0.01,
    dup_threshold: float = 0.7,
    min_clauses: int | None = 10,
    max_clauses: int | None = None,
    per_doc: int = 3,
    progress: bool = True,
    skipped: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Rank documents (``unit="document"``) or clauses (``"clause"``) of ``corpus`` for annotation and
    return the top ``n`` as rows (dicts), best first, each with the reasons it was chosen.

    Args:
        corpus: a corpus JSONL(.xz) or folder of ``.txt`` (:func:`read_corpus`), or :class:`CorpusDoc` s.
        model: ``"default"``, a packaged model name, a model directory or a fitted classifier.
        exclude: folders of labeled documents (gold JSONL and/or ``.txt``) whose ids or sources are left
            out; their labels also count for rarity, and their texts for near-duplicates.
        heldout: the held-out folder (default ``labels/policy_heldout`` of the checkout); always left out.
        method: ``"margin"`` or ``"entropy"`` (see :func:`uncertainty`).
        top_k: a document's uncertainty is the mean over its ``top_k`` most uncertain body clauses
            (``None``: over all of them, the expected uncertainty of one annotated clause).
        rarity_weight: score = uncertainty + rarity_weight · rarity.
        type_decay, source_decay, share_power: the score of a candidate is multiplied by
            ``type_decay`` (``source_decay``) once per document its type (source) already holds beyond
            its fair share, which is proportional to the type's candidates ** ``share_power`` (1.0
            decays switch the rule off; see :class:`_Diversity`).
        noise: scale of seeded Gumbel noise added to every score before the greedy pick (stochastic
            batch acquisition, Kirsch et al. 2023: picks stay score-driven but a batch is less
            redundant and each ``seed`` gives its own batch); 0 for a pure greedy ranking.
        dup_threshold: character 5-shingle Jaccard at or above which two texts are near-duplicates.
        min_clauses, max_clauses: only documents with at least / at most this many clauses (headings
            included; default at least 10: shorter pages are mostly a transmitting notice whose
            attachment the crawl lost, or a bare announcement; ``None`` for no limit).
        per_doc: at most this many clauses from one document (unit ``clause``).
        skipped: if a list is given, one ``{"doc_id", "rule", "why"}`` entry is appended for every document left
            out before ranking (held out, labeled, near-duplicate of those, clause-count limits).
    """
    import numpy as np

    if unit not in ("document", "clause"):
        raise ValueError(f"unit must be 'document' or 'clause', not {unit!r}")
    if n < 1:
        raise ValueError("n must be at least 1")
    docs = list(corpus) if not isinstance(corpus, (str, os.PathLike)) else read_corpus(corpus)
    labeled = labeled_ids(exclude)
    held = heldout_ids(heldout)

    # 1. leave out labeled and held-out documents, and near-duplicates of them
    skipped = skipped if skipped is not None else []
    candidates: list[CorpusDoc] = []
    for d in docs:
        if d.id in held.ids:
            skipped.append({"doc_id": d.id, "rule": "held_out", "why": f"held out ({held.ids[d.id]})"})
        elif d.id in labeled.ids:
            skipped.append({"doc_id": d.id, "rule": "labeled", "why": f"already labeled ({labeled.ids[d.id]})"})
        else:
            candidates.append(d)
    texts = {f"doc:{d.id}": d.text for d in candidates}
    fixed = {**{f"heldout:{k}": v for k, v in held.texts.items()}, **{f"labeled:{k}": v for k, v in labeled.texts.items()}}
    for d in docs:  # held-out/labeled corpus documents without a .txt copy: their corpus text
        if d.id in held.ids and not any(k.endswith("/" + d.id) for k in held.texts):
            fixed[f"heldout:{d.id}"] = d.text
        elif d.id in labeled.ids and d.id not in held.ids and not any(k.endswith("/" + d.id) for k in labeled.texts):
            fixed[f"labeled:{d.id}"] = d.text
    dups = near_duplicates({**texts, **fixed}, threshold=dup_threshold, seed=seed)
    kept: list[CorpusDoc] = []
    for d in candidates:
        bad = {k: j for k, j in dups.get(f"doc:{d.id}", {}).items() if not k.startswith("doc:")}
        if bad:
            k, j = max(bad.items(), key=lambda kv: (kv[1], kv[0]))
            skipped.append({"doc_id": d.id, "rule": "near_duplicate",
                            "why": f"near-duplicate of {k.replace(':', ' ', 1)} document (Jaccard {j:.2f})"})
        else:
            kept.append(d)

    # 2. tag them

    classifier = load_model(model)
    classes = [str(c) for c in classifier.classes_]
    # the model's training data and the labeled folders overlap (the shipped model was trained on labels/):
    # per label the larger of the two counts, not their sum
    card = _card_label_counts(model)
    counts = Counter({c: max(card.get(c, 0), labeled.label_counts.get(c, 0)) for c in set(card) | set(labeled.label_counts)})
    weights = rarity_weights(classes, counts)
    wvec = np.array([weights.get(c, 0.0) for c in classes])
    scored: list[_Scored] = []
    bar = _progress(len(kept), progress)
    try:
        for lo in range(0, len(kept), 64):
            group = kept[lo:lo + 64]
            per_doc_records = [split_records(d.text, d.id, source=d.path, with_quantities=False) for d in group]
            body = [(gi, r) for gi, recs in enumerate(per_doc_records) for r in recs if not r.is_heading]
            proba = _predict(classifier, [r for _, r in body]) if body else np.zeros((0, len(classes)))
            unc = uncertainty(proba, method) if len(body) else np.zeros(0)
            rar = proba @ wvec if len(body) else np.zeros(0)
            best = proba.argmax(axis=1) if len(body) else np.zeros(0, dtype=int)
            rows_of: dict[int, list[int]] = {}
            for row, (gi, _) in enumerate(body):
                rows_of.setdefault(gi, []).append(row)
            for gi, d in enumerate(group):
                rows = rows_of.get(gi, [])
                recs = per_doc_records[gi]
                if min_clauses is not None and len(recs) < min_clauses:
                    skipped.append({"doc_id": d.id, "rule": "min_clauses",
                                    "why": f"{len(recs)} clauses < min_clauses {min_clauses}"})
                    continue
                if max_clauses is not None and len(recs) > max_clauses:
                    skipped.append({"doc_id": d.id, "rule": "max_clauses",
                                    "why": f"{len(recs)} clauses > max_clauses {max_clauses}"})
                    continue
                if not rows:
                    skipped.append({"doc_id": d.id, "rule": "no_body", "why": "no body clauses"})
                    continue
                u = np.sort(unc[rows])[::-1]
                doc_u = float(u[:top_k].mean() if top_k else u.mean())
                doc_r = float(rar[rows].mean())
                clauses = [{"index": r.index, "text": r.text, "start": r.start, "end": r.end,
                            "heading_path": r.heading_path, "predicted": classes[int(best[row])],
                            "prob": round(float(proba[row, best[row]]), 4),
                            "uncertainty": round(float(unc[row]), 4), "rarity": round(float(rar[row]), 4)}
                           for row, (_, r) in ((row, body[row]) for row in rows)] if unit == "clause" else []
                scored.append(_Scored(d, doc_type(d.title), source_group(d.source), len(recs), len(rows),
                                      doc_u, doc_r, doc_u + rarity_weight * doc_r,
                                      Counter(classes[int(best[row])] for row in rows), clauses))
            if bar is not None:
                bar.update(len(group))
    finally:
        if bar is not None:
            bar.close()

    # 3. greedy pick with diversity
    div = _Diversity(scored, type_decay, source_decay, share_power)
    if unit == "document":
        how = f"{method}, mean of the top {top_k} body clauses" if top_k else f"{method}, mean of the body clauses"
        picked = _pick_documents(scored, n, seed, div, dups, rarity_weight, how, noise)
    else:
        picked = _pick_clauses(scored, n, seed, div, dup_threshold, rarity_weight, per_doc, method, noise)
    return picked


class _Diversity:
    """The greedy pick's diversity rule: a candidate's score is multiplied by ``type_decay`` (and
    ``source_decay``) once for every document its type (source) holds beyond its fair share of the picks
    so far. A type's share is proportional to (its number of candidates) ** ``share_power``: 1 follows
    the corpus mix, 0 spreads evenly over types, 0.5 (default) lies between. A type or source not yet
    picked is never penalised, so every one of them gets picked early."""

    def __init__(self, candidates: Sequence[_Scored], type_decay: float, source_decay: float,
                 share_power: float) -> None:
        self.decay = {"type": type_decay, "source": source_decay}
        self.share: dict[str, dict[str, float]] = {}
        for kind in ("type", "source"):
            counts = Counter(c.doc_type if kind == "type" else c.source for c in candidates)
            weights = {k: v ** share_power for k, v in counts.items()}
            total = sum(weights.values()) or 1.0
            self.share[kind] = {k: w / total for k, w in weights.items()}
        self.picked: dict[str, Counter[str]] = {"type": Counter(), "source": Counter()}
        self.n = 0

    def _excess(self, kind: str, key: str) -> float:
        return max(0.0, self.picked[kind][key] - (self.n + 1) * self.share[kind].get(key, 0.0))

    def factor(self, c: _Scored) -> float:
        return float(self.decay["type"] ** self._excess("type", c.doc_type)
                     * self.decay["source"] ** self._excess("source", c.source))

    def note(self, c: _Scored) -> str:
        """Which diversity rule applied to ``c`` (call before :meth:`add`)."""
        t, s = self.picked["type"][c.doc_type], self.picked["source"][c.source]
        first = [f"first of {kind} {key}" for kind, key, k in (("type", c.doc_type, t), ("source", c.source, s))
                 if k == 0]
        parts = first or []
        f = self.factor(c)
        over = [f"{kind} {key} {self.picked[kind][key]} picked, fair share {(self.n + 1) * self.share[kind][key]:.1f}"
                for kind, key in (("type", c.doc_type), ("source", c.source)) if self._excess(kind, key) > 0]
        if over:
            parts.append("; ".join(over) + f": score × {f:.2f}")
        elif not first:
            parts.append(f"type {c.doc_type} ({t} picked) and source ({s} picked) within their fair share")
        return "; ".join(parts)

    def add(self, c: _Scored) -> None:
        self.picked["type"][c.doc_type] += 1
        self.picked["source"][c.source] += 1
        self.n += 1


def _pick_documents(scored: list[_Scored], n: int, seed: int, div: _Diversity,
                    dups: dict[str, dict[str, float]], rarity_weight: float, how: str,
                    noise: float) -> list[dict[str, Any]]:
    key = {c.doc.id: c.score + noise * _gumbel(seed, c.doc.id) for c in scored}
    pool = sorted(scored, key=lambda c: (-key[c.doc.id], _tiebreak(seed, c.doc.id)))
    picked: list[dict[str, Any]] = []
    row_of: dict[str, dict[str, Any]] = {}
    while pool and len(picked) < n:
        best_i, best_adj = 0, -1.0
        for i, c in enumerate(pool):
            adj = key[c.doc.id] * div.factor(c)
            if adj > best_adj:  # pool is sorted by (key, tiebreak): the first maximum wins
                best_i, best_adj = i, adj
        c = pool.pop(best_i)
        twins = {k: j for k, j in dups.get(f"doc:{c.doc.id}", {}).items() if k in row_of}
        if twins:
            k, j = max(twins.items(), key=lambda kv: (kv[1], kv[0]))
            row_of[k]["near_duplicates_skipped"].append({"doc_id": c.doc.id, "title": c.doc.title,
                                                         "jaccard": round(j, 3)})
            continue
        factor, note = div.factor(c), div.note(c)
        row = {
            "rank": len(picked) + 1,
            "doc_id": c.doc.id,
            "title": c.doc.title,
            "doc_type": c.doc_type,
            "source": c.doc.source,
            "source_group": c.source,
            "date": c.doc.date,
            "url": c.doc.url,
            "path": c.doc.path,
            "clauses": c.n_clauses,
            "body_clauses": c.n_body,
            "uncertainty": round(c.uncertainty, 4),
            "rarity": round(c.rarity, 4),
            "score": round(c.score, 4),
            "perturbed_score": round(key[c.doc.id], 4),
            "adjusted_score": round(key[c.doc.id] * factor, 4),
            "predicted_labels": dict(c.labels.most_common()),
            "diversity": note,
            "near_duplicates_skipped": [],
            "reason": (f"uncertainty {c.uncertainty:.3f} ({how}) + {rarity_weight} × rarity {c.rarity:.3f} "
                       f"= {c.score:.3f}" + (f" (seeded noise → {key[c.doc.id]:.3f})" if noise else "")
                       + f"; {note}"),
        }
        picked.append(row)
        row_of[f"doc:{c.doc.id}"] = row
        div.add(c)
    return picked


def _pick_clauses(scored: list[_Scored], n: int, seed: int, div: _Diversity, dup_threshold: float,
                  rarity_weight: float, per_doc: int, method: str, noise: float) -> list[dict[str, Any]]:
    items = [(cl["uncertainty"] + rarity_weight * cl["rarity"] + noise * _gumbel(seed, f"{c.doc.id}#{cl['index']}"),
              c, cl) for c in scored for cl in c.clauses]
    items.sort(key=lambda t: (-t[0], _tiebreak(seed, f"{t[1].doc.id}#{t[2]['index']}")))
    by_doc: Counter[str] = Counter()
    picked: list[dict[str, Any]] = []
    picked_sets: list[tuple[int, Any]] = []
    while items and len(picked) < n:
        best_i, best_adj = -1, -1.0
        for i, (score, c, _cl) in enumerate(items):
            if by_doc[c.doc.id] >= per_doc:
                continue
            adj = score * div.factor(c)
            if adj > best_adj:
                best_i, best_adj = i, adj
        if best_i < 0:
            break
        score, c, cl = items.pop(best_i)
        sh = shingles(cl["text"], k=3)
        twin = next((pi for pi, s in picked_sets if jaccard(sh, s) >= dup_threshold), None)
        if twin is not None:
            picked[twin]["near_duplicates_skipped"].append({"doc_id": c.doc.id, "index": cl["index"]})
            continue
        factor, note = div.factor(c), div.note(c)
        picked.append({
            "rank": len(picked) + 1, "doc_id": c.doc.id, "title": c.doc.title, "doc_type": c.doc_type,
            "source": c.doc.source, "source_group": c.source, "path": c.doc.path, **cl,
            "score": round(score, 4), "adjusted_score": round(score * factor, 4), "diversity": note,
            "near_duplicates_skipped": [],
            "reason": (f"{method} uncertainty {cl['uncertainty']:.3f} + {rarity_weight} × rarity "
                       f"{cl['rarity']:.3f} (predicted {cl['predicted']} p={cl['prob']:.2f}); {note}"),
        })
        picked_sets.append((len(picked) - 1, sh))
        by_doc[c.doc.id] += 1
        div.add(c)
    return picked


def _predict(classifier: Any, records: list[Any]) -> Any:
    import numpy as np


    out = []
    for lo in range(0, len(records), _CHUNK):
        chunk = records[lo:lo + _CHUNK]
        out.append(np.asarray(classifier.predict_proba([r.text for r in chunk],
                                                       [join_context(r.heading_path) for r in chunk]), dtype=float))
    return np.vstack(out)


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="doc", desc="tagging candidates", file=sys.stderr)


# ------------------------------------------------------------------------------------------- output
def write_selection(rows: Iterable[dict[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Write selection rows as JSONL (UTF-8, one row a line)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return out


def write_texts(rows: Iterable[dict[str, Any]], docs: Sequence[CorpusDoc], folder: str | os.PathLike[str]) -> list[Path]:
    """Write the raw text of every selected document to ``folder/<doc_id>.txt`` (the corpus text, byte
    for byte in UTF-8), ready for ``clausetag export-tasks``."""
    by_id = {d.id: d for d in docs}
    out_dir = Path(folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for doc_id in dict.fromkeys(r["doc_id"] for r in rows):
        p = out_dir / f"{doc_id}.txt"
        p.write_bytes(by_id[doc_id].text.encode("utf-8"))
        written.append(p)
    return written
