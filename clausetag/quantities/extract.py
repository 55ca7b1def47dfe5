"""Quantity extraction: money, percentages, counts and measures stated in a clause, normalised.

``extract_quantities(text)`` returns one :class:`Quantity` per numeric mention that states an amount;
``extract_times(text)`` returns the time expressions (years, dates, periods) separately.
Units, currencies, cue words and role cues are data in ``clausetag/lexicons/quantity_*.yaml``.

Conventions (the gold annotation in ``tests/data/quantities_golden.jsonl`` follows them):

* ``start``/``end`` are character offsets into the given text (``text[start:end] == q.text``).
* **Span.** The span covers the number, its scale word, 余/多, the unit, and comparator cues that are
  *adjacent*: a prefix cue right before the number (``超万亿元``, ``近2亿元``, ``不少于100家``,
  ``突破6200亿元``, ``高于5%``) and a suffix cue right after the unit (``600亿元以上``, ``15个左右``).
  A cap cue separated from the number by verbs (``最高可支持50万元``) sets comparator ``<=`` and role
  ``cap`` but stays outside the span (span ``50万元``).
* **value** is in base units: ``12.7亿美元`` → 1.27e9 with unit ``美元``, currency ``USD``; ``3亿人次``
  → 3e8 with unit ``人次``. Scale words (万, 亿, 万亿, 千万 …) never appear in ``unit``. Percentages keep
  the written number: ``6.94%`` → value 6.94, unit ``%`` (``百分之五`` → 5.0, ``%``).
* **comparator / bounds.** ``=``: low = high = value. ``>``/``>=``: low = value, high = None.
  ``<``/``<=``: high = value, low = None. ``~``: low = high = None. ``range`` (``1—2家``, ``3至5个``,
  ``10%-20%``): low and high set and ``value = low``; a scale word on the upper end only applies to both
  (``3-5万元`` → 3e4..5e4). 余/多 (``70余场``, ``14.7万余件``, ``十余家``) mean ``>``.
* **Sign.** A minus sign (``-``, ``－``, ``负``) right before a number that is not part of a range negates
  it and joins the span (``增速为-2.1%`` → -2.1).
* **Other written forms.** Tenths with 成 are kind ``ratio`` in unit 成 (``三成`` → 3 成, ``两成半`` → 2.5 成,
  ``9.5成``; not ``一成不变``, ``三五成群``, ``九成新``); ``千分之三`` → 3 ``‰``, ``万分之五`` → 5 ``‱``, ``两倍`` → 2 ``倍``,
  ``五分之一`` → 0.2 ``分之`` (kind ``ratio``: proportions that are not percentages); sub-units join the
  amount (``五元三毛`` → 5.3 元, ``50元6角三分`` → 50.63, ``两美元又三美分`` → 2.03 美元); currency symbols
  before Arabic numbers are money (``$20`` → 20 美元/USD, ``￥300万元`` → 3e6 元/CNY, ``€``, ``£``).
  Numbers inside web addresses (``?q=30%25``) are not quantities.
* **ratio.** Every ``percent`` and ``ratio`` quantity also carries ``ratio``, the amount as a plain fraction
  or multiplier, the one figure to compare or add across units: ``25%`` → 0.25, ``万分之三`` → 0.0003,
  ``七成`` → 0.7, ``3个百分点`` → 0.03, ``两倍`` → 2.0 (divisors are data in ``quantity_units.yaml``).
  ``value`` stays in the unit as written; kind ``percent`` is kept for ``%`` and 个百分点 only, so its
  ``value`` column is always in percent.
* **Money without a unit.** A number with a scale word and no unit (``支持最高300万``) is money in 元
  (CNY) when a cap cue is attached or a money word (支持, 奖励, 资金, 投资 …) occurs earlier in the
  sentence; the span is then just number + scale word. Without such context it is not a quantity.
* **Not quantities:** numbers without a unit (plain numbers, phone numbers, index numbers, ``261号``,
  ``〔2024〕48号``, ``JY20230117``), numbers touching Latin letters (``5G``, ``4K/8K``, ``3D``), ordinals
  (``第93届``, ``第三批``, ``十二届三次会议``), versions (``3.0版``), years, dates and periods (reported by
  :func:`extract_times`), durations in 年/月/天 (``3年行动计划``, ``连续18年``), scale classes (``千亿级``,
  ``百亿级``), the article 一 before a counter (``一个平台``, ``一批``; Arabic ``1个`` is kept), vague
  digit pairs (``二三十家``), enumerations with 大 (``三大产业集群``, ``6大集群`` — 大 is not a counter), names in
  quotes (``“11条”``, ``“965”``, ``“十四五”``), headings (``(一)``, ``1.``) and enumerators (``一是``).
* **year** is the year of the time expression that governs the quantity: the nearest preceding year,
  date or period (period → its end year) in the same sentence, preferring one introduced by
  到/至/力争/在/于/截至 or opening the sentence; times inside 《》 or brackets are ignored, and so are years
  that do not time what follows: ``2022年制定《…》``, ``2017年以来``, comparison bases (``比2017年底``),
  baseline years (``由2015年的54.2%`` times 54.2% only) and years before a present-time word
  (``2014年…，目前…31个``).
* **role** (cue words are data in ``quantity_cues.yaml``): fines — an upper bound (``五万元以下罚款``) is
  ``cap``, any other amount of a fine ``other``; ``threshold`` when the quantity is a condition
  (``比重高于5%的企业``, ``五千元以上的``, ``对…完成课题研究5项以上…的，``, ``…20%的，可申请``; a share
  followed by 的 is a condition only after what it is a share of: ``30%的县城建成…`` is not); ``cap`` for
  最高/最多/不超过/上限/不得超过 cues (also at a distance before a share: ``不超过项目总投资的30%``); a
  baseline (``由2015年的54.2%提升到…``) is ``actual``; grant conditions (``每引进1个团队，给予…``) and money
  after a grant verb (``分别奖励200万元``) are ``other``; otherwise the nearest role cue before the quantity
  in the same sentence decides ``target`` (到2027年, 力争, 将, 提高到 …), ``actual`` (已, 共, 了, 截至, a
  year opening the sentence such as ``2023年，…`` unless the sentence states a goal) or ``other`` (按30%,
  给予, 补贴 … in the quantity's segment); without a cue, a plan verb (新建, 开展, 达到, 培育 …) makes a
  ``target`` (``新建5G基站2万个``, ``全社会研发经费投入强度达到3%``), a verbless statistic
  (``普及率为10.50%``, ``网上咨询17件``) is ``actual``, a floor without a verb a ``target``; else ``other``.
* **indicator** (target, actual and cap quantities): what the quantity measures, with its offsets
  (``培育视听领域省级重点企业500家以上`` → ``视听领域省级重点企业``); see :mod:`clausetag.quantities.indicators`.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

from clausetag.quantities.indicators import (
    INDICATOR_ROLES,
    Indicator,
    baseline_from,
    final_pass,
    find_indicators,
)
from clausetag.quantities.numbers import CN_NUMERAL_CHARS, parse_arabic, parse_chinese, scale_value
from clausetag.quantities.rerank import rerank_indicators, rerank_roles
from clausetag.quantities.segments import segment_end
from clausetag.quantities.segments import segment_start as _segment_start

__all__ = ["Quantity", "TimeExpr", "extract_quantities", "extract_times", "load_lexicons"]

KINDS = ("money", "percent", "ratio", "count", "measure")
COMPARATORS = ("=", ">", ">=", "<", "<=", "~", "range")
ROLES = ("target", "actual", "cap", "threshold", "other")


@dataclass(frozen=True, slots=True)
class Quantity:
    """One amount stated in a text (see the module docstring for the conventions)."""

    text: str
    start: int
    end: int
    kind: str
    value: float
    low: float | None
    high: float | None
    comparator: str
    unit: str
    currency: str | None = None
    year: int | None = None
    role: str = "other"
    #: what the quantity measures (target, actual and cap quantities; see :mod:`clausetag.quantities.indicators`)
    indicator: str | None = None
    indicator_start: int | None = None
    indicator_end: int | None = None
    #: percent and ratio quantities: the amount as a plain fraction or multiplier, comparable across units
    #: (25% -> 0.25, 万分之三 -> 0.0003, 七成 -> 0.7, 3个百分点 -> 0.03, 两倍 -> 2.0); None for other kinds
    ratio: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class TimeExpr:
    """A year (``2023年``), month, date (``2024年6月28日``, ``2024-08-28``, ``7月1日``) or period (``2024—2027年``,
    a five-year plan named before a period word: ``“十四五”期间`` 2021–2025)."""

    text: str
    start: int
    end: int
    kind: str  # year | month | date | month_day | period
    year: int | None  # the year; for a period its end year
    start_year: int | None  # first year of a period, else equal to ``year``
    month: int | None = None
    day: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------------------------------
# Lexicons and compiled patterns (loaded once)

def _load_yaml(name: str) -> dict[str, Any]:
    import yaml

    with resources.files("clausetag.lexicons").joinpath(name).open("r", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=1)
def load_lexicons() -> dict[str, Any]:
    """Units and cue words from ``clausetag/lexicons/quantity_units.yaml`` and ``quantity_cues.yaml``."""
    units = _load_yaml("quantity_units.yaml")
    cues = _load_yaml("quantity_cues.yaml")
    return {"units": units, "cues": cues}


def _alt(words: Any) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


#: comparators of a bound (a criterion or a limit)
_BOUNDS = frozenset({">", ">=", "<", "<="})


class _Compiled:
    """Everything the extractor needs, built once from the lexicons."""

    def __init__(self) -> None:
        lex = load_lexicons()
        u, c = lex["units"], lex["cues"]
        self.unit_kind: dict[str, str] = {}
        self.unit_norm: dict[str, str] = {}
        self.currency: dict[str, str] = {}
        for w, iso in u["currencies"].items():
            self.unit_kind[w], self.unit_norm[w], self.currency[w] = "money", w, iso
        for w, norm in u["percent"].items():
            self.unit_kind[w], self.unit_norm[w] = "percent", norm
        #: unit -> divisor that turns a value into its ``ratio`` (percent: 100; ratios: from the lexicon)
        self.ratio_divisor: dict[str, float] = dict.fromkeys(u["percent"].values(), 100.0)
        for w, div in u["ratios"].items():
            self.ratio_divisor[w] = float(div)
            if w not in ("成", "分之"):  # read by their own rules only (一成不变, 分之 alone)
                self.unit_kind[w], self.unit_norm[w] = "ratio", w
        self.percent_units = frozenset(u["percent"]) | {"‰", "‱"}
        for w in u["counters"]:
            self.unit_kind[w], self.unit_norm[w] = "count", w
        self.count_units = frozenset(u["counters"])
        for w in u["measures"]:
            self.unit_kind[w], self.unit_norm[w] = "measure", w
        # 余人 (written 100余人) is 余 + 人; keep the counter list clean of it
        self.unit_kind.pop("余人", None)
        #: a unit whose not_before blocks it that falls back to a shorter unit (亩次 → 亩 in 5000亩次生林)
        self.unit_fallback: dict[str, str] = dict(u.get("unit_fallback") or {})
        # words (usually one character) that may not follow a unit: 元宇宙, 个工作日
        self.not_before: dict[str, tuple[str, ...]] = {
            k: tuple(v) for k, v in (u.get("not_before") or {}).items()
        }
        self.prefix: dict[str, str] = {}
        for comp, words in c["prefix_comparators"].items():
            for w in words:
                self.prefix[w] = comp
        self.prefix_lens = sorted({len(w) for w in self.prefix}, reverse=True)
        self.suffix: dict[str, str] = {}
        for comp, words in c["suffix_comparators"].items():
            for w in words:
                self.suffix[w] = comp
        self.suffix_lens = sorted({len(w) for w in self.suffix}, reverse=True)
        # an explicit bound written in a quantity (not 余/多 nor 约): 以上, 超, 不低于, 不超过 …
        self.bound_words = re.compile(_alt(w for w, comp in (*self.prefix.items(), *self.suffix.items())
                                           if comp in _BOUNDS))
        self.cap_words = frozenset(c["remote_cap_cues"])
        self.remote_cap = re.compile(
            f"(?:{_alt(c['remote_cap_cues'])})(?:(?:{_alt(c['remote_cap_fillers'])}){{0,4}}"
            f"|[\u4e00-\u9fff]{{0,8}}(?:{_alt(c['remote_cap_heads'])})(?:为|是)?)$"
        )
        # 最高贷款额度由60万元提高至80万元, 最高支付限额提高到25万元, 补贴上限由300万元提高至500万元: the limit's
        # former and new amounts
        self.remote_cap_change = re.compile(
            f"(?:(?:{_alt(c['remote_cap_cues'])})(?:(?!的)[\u4e00-\u9fff]){{0,8}}(?:{_alt(c['remote_cap_change_heads'])})"
            f"|(?:{_alt(c['remote_cap_nouns'])}))"
            f"(?:由(?:每[\u4e00-\u9fff]{{1,3}})?|(?:由[^，,。；;]{{1,12}}?)?(?:{_alt(c['remote_cap_changes'])}))$"
        )
        self.remote_floor_words = tuple(c["remote_floor_cues"])
        self.plan_intent = re.compile(_alt(c["plan_intent"]))
        self.plan_intent_not = re.compile("|".join(f"(?:{p})" for p in c["plan_intent_not_patterns"]))
        self.remote_floor = re.compile(f"(?:{_alt(c['remote_floor_cues'])})(?:(?!的)[\u4e00-\u9fff]){{1,3}}$")
        # 不超过项目总投资的30%, 不超过项目固定资产投资20%: a cap cue, a few words (的), then a share
        self.remote_cap_share = re.compile(
            f"(?:{_alt(c['remote_cap_cues'])})(?:[^,，。；;、按]{{0,28}}的|[^,，。；;、的按]{{0,12}})$")
        self.share_units = frozenset(c["remote_cap_share_units"])
        self.remote_cap_condition = re.compile(c["remote_cap_condition_right"])
        self.criterion_attribute_left = re.compile(f"(?:{_alt(c['criterion_attribute_left'])})$")
        self.money_context = re.compile(_alt(c["money_context"]))
        self.symbol_unit: dict[str, str] = dict(u["symbols"])
        digit = "(?:\\d|[一二两三四五六七八九])"
        self.minor_units = {  # sub-units written after the main unit
            "元": re.compile(f"(?=零?{digit}[角毛分](?!钟))(?:(?P<j>{digit})[角毛])?(?:零?(?P<f>{digit})分(?!钟))?"),
            "美元": re.compile("(?:又|零)?(?P<f>\\d{1,2}|[一二两三四五六七八九十]{1,3})美分"),
        }
        self.cn_blocked_left = frozenset(c["cn_blocked_left"])
        self.between_units = frozenset(c["between_units"])
        self.set_phrases = re.compile(_alt(c["set_phrases"]))
        self.quoted_max = int(c["quoted_name_max"])
        self.pair_before = re.compile(c["pair_before_pattern"])
        self.ordinal_left = frozenset(w for w in c["ordinal_left"] if len(w) == 1)
        self.ordinal_left_multi = tuple(w for w in c["ordinal_left"] if len(w) > 1)
        self.ordinal_left_nouns = tuple(c["ordinal_left_nouns"])
        self.approx_actual = tuple(c["approx_actual"])
        self.attribute_actual = re.compile(f"(?:{_alt(c['attribute_actual'])})(?:{_alt(c['attribute_links'])})?")
        self.review_end = re.compile(c["review_pattern"])
        self.criterion_share_gap = re.compile(c["criterion_share_gap"])
        self.beneficiary_left = tuple(c["beneficiary_left"])
        self.review_any = re.compile(c["review_pattern"].removesuffix("$") + r"(?=[\d０-９])")
        self.threshold_right = tuple(c["threshold_right"])
        self.plan_object_left = re.compile(f"(?:{_alt(c['plan_object_verbs'])})(?:{_alt(c['plan_object_fillers'])})*$")
        self.target_time_left = tuple(c["target_time_left"])
        self.govern_time_left = tuple(c["target_time_left"]) + ("在", "于", "截至", "截止", "自")
        role_words = dict.fromkeys(c["role_target"], "target")
        role_words.update(dict.fromkeys(c["role_actual"], "actual"))
        self.role_of = role_words
        self.role_re = re.compile(_alt(role_words))
        self.target_verbs_re = re.compile(_alt(c["role_target_verbs"]))
        self.target_verbs_segment_re = re.compile(f"(?:^|(?<=[，,；;：:]))(?:{_alt(c['role_target_verbs'])})", re.M)
        role_words.update(dict.fromkeys(c["role_other"], "other"))
        role_words.update(dict.fromkeys(c["role_actual_weak"], "weak_actual"))
        role_words.update(dict.fromkeys(c["role_segment_bound"], "segment_actual"))
        self.role_of = role_words
        patterns = ([(p, "actual") for p in c["role_actual_patterns"]] + [(p, "other") for p in c["role_other_patterns"]]
                    + [(p, "target") for p in c["role_target_patterns"]]
                    + [(p, "weak_actual") for p in c["role_actual_weak_patterns"]])
        self.role_re = re.compile("|".join([_alt(role_words)] + [f"(?:{p})" for p, _ in patterns]))
        self._role_patterns = [(re.compile(p), r) for p, r in patterns]
        self.threshold_share_left = re.compile(c["threshold_share_left"])
        self.annual_lead = tuple(c["annual_lead"])
        self.grant_verbs_re = re.compile(_alt(c["grant_verbs"]))
        # 已/了 after the quantity in its segment: done (有37个县已全部竣工, 47个县…达到了…要求)
        self.actual_after = re.compile(f"[^，,；;。：:]{{0,16}}?(?:{_alt(c['actual_after'])}|(?<![为除])了)")
        self.year_goal_words = tuple(c["year_goal_verbs"])
        self.report_words = tuple(c["report_markers"])
        self.year_not_governing_right = tuple(c["year_not_governing_right"])
        self.year_base_right = re.compile(c["year_base_right_pattern"])
        self.year_action_right = re.compile(c["year_action_right_pattern"])
        self.year_start_right = re.compile(c["year_start_right_pattern"])
        self.as_of_opening = re.compile(c["as_of_opening_pattern"])
        self.as_of_level = frozenset(c["as_of_level_cues"])
        self.deadline_segment_opening = re.compile(c["deadline_segment_opening_pattern"])
        self.period_opening = re.compile(c["period_opening_pattern"])
        self.opening_time_left = re.compile(c["opening_time_left_pattern"])
        self.deadline_right = re.compile(c["deadline_right_pattern"])
        self.definition = re.compile(c["definition_pattern"])
        self.modal_floor = re.compile(c["modal_floor_pattern"])
        self.modal_floor_area = re.compile(c["modal_floor_area_pattern"])
        self.condition = re.compile(c["condition_pattern"])
        self.only = re.compile(c["only_pattern"])
        self.floor_limit = re.compile(c["floor_limit_pattern"])
        self.ceiling_limit = re.compile(c["ceiling_limit_pattern"])
        self.limit_frame = tuple(c["limit_frame"])
        self.per_scope = re.compile(c["per_scope_pattern"])
        self.negated_floor = re.compile(c["negated_floor_pattern"])
        self.negated_floor_units = frozenset(c["negated_floor_units"])
        self.basis_note = re.compile(c["basis_note_pattern"])
        self.opening_time_right = re.compile(c["opening_time_right_pattern"])
        self.year_not_governing_left = tuple(c["year_not_governing_left"])
        self.present_words = tuple(c["present_time"])
        # 罚款 after the quantity in its segment, possibly after the range's other bound (五千元以上五万元以下罚款)
        self.penalty_right = re.compile(f"[^，,；;。：:]{{0,14}}?(?:{_alt(c['penalty_right'])})")
        self.penalty_left = re.compile(_alt(c["penalty_left"]))
        self.range_lower_end = tuple(c["range_lower_end"])
        self.threshold_right_nouns = tuple(c["threshold_right_nouns"])
        self.criterion_money_left = re.compile(f"(?:{_alt(c['criterion_money_left'])})$")
        self.baseline_left = baseline_from()
        self.baseline_right = re.compile(f"[^，,；;。]{{0,3}}?(?:{_alt(c['baseline_right'])})")
        self.upper_prefix = tuple(w for w, comp in self.prefix.items() if comp == "<=")
        self.existing_left = re.compile(c["existing_left_pattern"])
        self.estimate_left = tuple(c["estimate_left"])
        self.current_year_opening = re.compile(
            f"[\\s\u3000]*(?:19|20)\\d{{2}}\\s*年(?:{c['opening_time_right_pattern']})")
        self.subject_share_left = re.compile(c["subject_share_left_pattern"])
        self.subject_share_verb = re.compile(f"的[^，,；;。：:！!？?]{{0,30}}?(?:{_alt(c['subject_share_verbs'])})")
        self.part_of_total = re.compile(_alt(c["part_of_total"]))
        self.own_role_cue = re.compile(c["own_role_cue_pattern"])
        self.baseline_original = re.compile(
            f"(?:{_alt(c['baseline_original'])})(?:每(?:人|户|生|年|月))*$")
        self.baseline_year = re.compile(r"((?:19|20)\d{2})\s*年(?:度|底|末|初)?的?[^，,；;。]{0,4}$")
        self.copula_left = tuple(c["copula_left"])
        self.per_capita = re.compile(f"每(?:{_alt(c['per_capita'])})[^，,；;。]{{0,6}}$")
        self.per_unit = re.compile(f"每(?!{_alt(c['per_unit_not'])})[\\u4e00-\\u9fff]{{1,4}}$")
        # (not 确定…品牌30个（名单附后），给予每个品牌…: a grant to each of the counted set, not a condition)
        self.condition_next = re.compile(f"[，,](?:{_alt(c['condition_next'])})(?!每)")
        # a share's verb phrase closing a condition: …参加职业技能培训的企业，给予…
        self.condition_close = re.compile(f"{c['share_condition_close_pattern']}[，,](?:{_alt(c['condition_next'])})")
        self.bare_statement = re.compile(c["bare_statement_pattern"])

        arabic = r"(?<![\d.．])(?:\d{1,3}(?:,\d{3})+(?:[.．]\d+)?(?![\d])|\d{1,3}(?: \d{3})+(?![\d.．])|\d+(?:[.．]\d+)?)"
        cn = r"[零〇两一二三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+)?"
        num = f"(?:{arabic}|{cn})"
        scale = r"(?:[十百千]?万亿|[十百千]?万|[十百千]?亿|千(?![米克瓦])|百(?!分))"
        unit = _alt(self.unit_kind)
        tenth = r"(?<![零〇两一二三四五六七八九十百千万亿\d.．])(?:\d{1,2}(?:[.．]\d)?(?![\d])|[一二两三四五六七八九十](?:点[一二三四五六七八九])?|半)"
        self.pattern = re.compile(
            f"百分之(?P<pn>{num})"
            f"|(?P<pm>[千万])分之(?P<pmn>{num})"
            f"|(?P<fd>{num})分之(?P<fm>{num})"
            f"|(?P<tn>{tenth})成(?P<th>半|[一二三四五六七八九](?![零〇一二三四五六七八九十百千万亿成倍]))?"
            f"(?![{re.escape(''.join(c['tenths_not_before']))}])"
            f"|(?P<sym>[$＄￥¥€£])\\s?(?P<sn>{arabic})(?P<ss>{scale})?(?P<su>美元|欧元|英镑|元)?"
            f"|(?P<n1>{num})(?P<s1>{scale})?(?P<a1>[余多])?(?P<s1b>{scale})?"
            f"(?:(?P<u1>{unit})?(?P<sep> ?(?:[—–\\-－~～]+|至|到) ?)(?P<n2>{num})(?P<s2>{scale})?(?P<a2>[余多])?(?P<s2b>{scale})?)?"
            f"(?P<unit>{unit})?"
        )
        # every alternative of `pattern` starts with one of these: scan for them first, then match there
        self.first_char = re.compile(r"[\d零〇两一二三四五六七八九十百千万亿半$＄￥¥€£]")
        self.single = re.compile(
            f"(?P<n1>{num})(?P<s1>{scale})?(?P<a1>[余多])?(?P<s1b>{scale})?(?P<unit>{unit})?"
        )


    def cue_role(self, word: str) -> str:
        """The role a matched cue word (or cue pattern match) stands for."""
        role = self.role_of.get(word)
        if role is not None:
            return role
        for pat, r in self._role_patterns:
            if pat.fullmatch(word):
                return r
        return "other"

@lru_cache(maxsize=1)
def _compiled() -> _Compiled:
    return _Compiled()


_TIME_RE = re.compile(
    r"(?<!\d)(?:"
    r"(?P<py1>(?:19|20)\d{2})\s*年?\s*(?:[—–\-－~～]+|至|到)\s*(?P<py2>(?:19|20)\d{2})\s*年(?:度)?"
    r"|(?P<dy>(?:19|20)\d{2})\s*年\s*(?P<dm>\d{1,2})\s*月(?:\s*(?P<dd>\d{1,2})\s*[日号])?"
    r"|(?P<iy>(?:19|20)\d{2})(?P<isep>[-/.])(?P<im>\d{1,2})(?P=isep)(?P<id>\d{1,2})(?!\d)"
    r"|(?P<y>(?:19|20)\d{2})\s*年(?:度|底|末|初)?"
    r"|(?P<mm>\d{1,2})\s*月\s*(?P<md>\d{1,2})\s*[日号]"
    r")"
)
#: a five-year plan named in the text (“十四五”期间, 十二五末, “十一五”时期): the period of plan 10 + k ends in 2005 + 5k
#: (十五 2001–2005 … 十四五 2021–2025, 十五五 2026–2030); only before a word for the whole period or its end (not
#: 初期: ``是“十三五”初期的2.2倍`` is a base), so 十五 as a number stays one
_PLAN_RE = re.compile(r"[“\"]?十(?P<k>[一二三四五]?)五[”\"]?(?=期间|时期|期末|末|规划期|以来)")
_PLAN_K = {"": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_MINUS = frozenset("-－−负")
_SENTENCE_END = frozenset("。；;！!？?\n\r")
#: the marks that end a whole sentence (its parts end at ；)
_FULL_STOP = _SENTENCE_END - frozenset("；;")
#: words that make a year an as-of date (截至2023年底): not a deadline, and the figures it dates are reported
_AS_OF = ("截至", "截止")
_OPEN_QUOTES = frozenset("“\"「『‘'")
_CLOSE_QUOTES = frozenset("”\"」』’'")
_MASK_PAIRS = {"《": "》", "(": ")", "（": "）", "〔": "〕", "[": "]", "【": "】"}
_SENTENCE_END_RE = re.compile("[" + re.escape("".join(sorted(_SENTENCE_END))) + "]")
_MASK_CHARS_RE = re.compile("[" + re.escape("".join(sorted(set(_MASK_PAIRS) | set(_MASK_PAIRS.values()) | {"“", "”"}))) + "]")


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def extract_times(text: str) -> list[TimeExpr]:
    """Years, months, dates and periods in ``text`` (offsets into ``text``), left to right."""
    out: list[TimeExpr] = []
    orig = text
    text = text.translate(_FULLWIDTH_DIGITS)  # ２００５年 reads as 2005年; one character each, so offsets hold
    for m in _TIME_RE.finditer(text):
        g = m.group
        written = orig[m.start():m.end()]
        if g("py1"):
            y1, y2 = int(g("py1")), int(g("py2"))
            if y2 < y1:
                continue
            out.append(TimeExpr(written, m.start(), m.end(), "period", y2, y1))
        elif g("dy"):
            y, mo = int(g("dy")), int(g("dm"))
            d = int(g("dd")) if g("dd") else None
            if not 1 <= mo <= 12 or (d is not None and not 1 <= d <= 31):
                continue
            out.append(TimeExpr(written, m.start(), m.end(), "date" if d else "month", y, y, mo, d))
        elif g("iy"):
            y, mo, d = int(g("iy")), int(g("im")), int(g("id"))
            if not (1 <= mo <= 12 and 1 <= d <= 31):
                continue
            out.append(TimeExpr(written, m.start(), m.end(), "date", y, y, mo, d))
        elif g("y"):
            y = int(g("y"))
            out.append(TimeExpr(written, m.start(), m.end(), "year", y, y))
        else:
            mo, d = int(g("mm")), int(g("md"))
            if not (1 <= mo <= 12 and 1 <= d <= 31):
                continue
            out.append(TimeExpr(written, m.start(), m.end(), "month_day", None, None, mo, d))
    if "五" in text:
        for m in _PLAN_RE.finditer(text):
            end = 2005 + 5 * _PLAN_K[m.group("k")]
            out.append(TimeExpr(orig[m.start():m.end()], m.start(), m.end(), "period", end, end - 4))
        out.sort(key=lambda t: t.start)
    return out


# --------------------------------------------------------------------------------------------------
# Context (sentences, masks, times) computed lazily, once per text

class _Context:
    """Per-text analysis shared by all candidates: sentence boundaries, the masked text and the time
    expressions are computed once (lazily) and looked up by bisection, so a whole text costs linear
    time however many quantities it holds."""

    __slots__ = ("_bounds", "_cues", "_masked", "_time_ends", "_time_starts", "_times", "_words", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._bounds: list[int] | None = None
        self._masked: str | None = None
        self._times: list[TimeExpr] | None = None
        self._time_starts: list[int] = []
        self._time_ends: list[int] = []
        self._cues: dict[int, tuple[list[int], list[tuple[int, int, str]], int]] = {}
        self._words: dict[tuple[str, ...], tuple[list[int], list[int]]] = {}

    def sentence(self, pos: int) -> tuple[int, int]:
        """(start, end) of the sentence holding ``pos`` (end = the position of its end mark)."""
        if self._bounds is None:
            self._bounds = [m.start() for m in _SENTENCE_END_RE.finditer(self.text)]
        bounds = self._bounds
        i = bisect_left(bounds, pos)  # bounds[i-1] < pos <= bounds[i]
        s = bounds[i - 1] + 1 if i else 0
        e = bounds[i] if i < len(bounds) else len(self.text)
        return s, e

    def role_cues(self, sent_start: int, sent_end: int, c: _Compiled
                  ) -> tuple[list[int], list[tuple[int, int, str]], int]:
        """(ends, cues, first): the role cues of the sentence at ``sent_start`` (``c.role_re`` over the masked text,
        each as (start, end, role)), their ends, and the index of the first target cue (-1 if none); found once per
        sentence."""
        got = self._cues.get(sent_start)
        if got is None:
            cues = [(m.start(), m.end(), c.cue_role(m.group())) for m in c.role_re.finditer(self.masked, sent_start,
                                                                                             sent_end)]
            first = next((i for i, t in enumerate(cues) if t[2] == "target"), -1)
            got = self._cues[sent_start] = ([t[1] for t in cues], cues, first)
        return got

    def has_word(self, words: tuple[str, ...], start: int, end: int) -> bool:
        """Whether one of ``words`` lies in the masked text between ``start`` and ``end`` (as a search of their
        alternation, ``re.compile(_alt(words)).search(masked, start, end)``), from the words' places found once per
        text and word list: a sentence with thousands of amounts asks once per amount."""
        got = self._words.get(words)
        if got is None:
            masked, found = self.masked, []
            for w in words:  # every occurrence, overlapping ones too (截至目前 holds 目前)
                k = masked.find(w)
                while k >= 0:
                    found.append((k, k + len(w)))
                    k = masked.find(w, k + 1)
            found.sort()
            ends = [e for _, e in found]
            for i in range(len(ends) - 2, -1, -1):  # the least end of the words that start at or after each one
                ends[i] = min(ends[i], ends[i + 1])
            got = self._words[words] = ([s for s, _ in found], ends)
        starts, least_end = got
        i = bisect_left(starts, start)
        return i < len(starts) and least_end[i] <= end

    def times_between(self, start: int, end: int) -> list[TimeExpr]:
        """Time expressions that start at or after ``start`` and end at or before ``end``."""
        times = self.times
        lo = bisect_left(self._time_starts, start)
        hi = bisect_right(self._time_ends, end)
        return times[lo:hi] if hi > lo else []

    @property
    def masked(self) -> str:
        """The text with 《…》, brackets and “…” contents blanked (same length)."""
        if self._masked is None:
            text = self.text
            stack: list[tuple[str, int]] = []
            spans: list[tuple[int, int]] = []
            for m in _MASK_CHARS_RE.finditer(text):  # only the bracket and quote characters
                ch, i = m.group(), m.start()
                if ch in _MASK_PAIRS or ch == "“":
                    stack.append(("”" if ch == "“" else _MASK_PAIRS[ch], i))
                elif stack and ch == stack[-1][0]:
                    _, j = stack.pop()
                    if not stack:
                        spans.append((j, i + 1))
            pieces: list[str] = []
            last = 0
            for j, k in spans:
                pieces += [text[last:j], " " * (k - j)]
                last = k
            pieces.append(text[last:])
            self._masked = "".join(pieces)
        return self._masked

    @property
    def times(self) -> list[TimeExpr]:
        if self._times is None:
            masked = self.masked
            # a plan period keeps its quotes (“十四五”期间), which the mask blanks; the period word after them is
            # blanked only inside a title, a note or a quotation
            self._times = [t for t in extract_times(self.text) if masked[t.start] != " " or (
                t.text[0] in _OPEN_QUOTES and masked[t.end] != " ")]
            self._time_starts = [t.start for t in self._times]
            self._time_ends = [t.end for t in self._times]
        return self._times


def _preceded_by(text: str, pos: int, words: tuple[str, ...]) -> bool:
    return any(text.startswith(w, pos - len(w)) for w in words if pos >= len(w))


def _year_and_time_cue(ctx: _Context, sent_start: int, pos: int, c: _Compiled) -> tuple[int | None, int, str | None]:
    """Governing year before ``pos`` in its sentence, and the role cue (position, role) it implies.

    A year governs when introduced by 到/至/力争/在/于/截至 …, when it opens the sentence or a comma
    segment, or — failing those — when it is the nearest year that is not ruled out: years followed by
    以来/以前/制定/印发 … (``2022年制定《…》``, ``2017年以来``), comparison bases (``比2017年底``) and years
    before a present-time word (``2014年…，目前…``) never govern a later quantity."""
    best: TimeExpr | None = None
    best_gov = False
    cue_pos, cue_role = -1, None
    text = ctx.text
    for t in ctx.times_between(sent_start, pos):
        if t.year is None:
            continue
        target = (_preceded_by(text, t.start, c.target_time_left)
                  and not _preceded_by(text, t.start, _AS_OF))
        raw = text[sent_start:t.start]
        before = raw.rstrip(" \t\u3000")
        # …情况　　2017年，…: a year after a run-in heading (blanks) opens the text that follows
        opens_segment = not before or before[-1] in ",，:：、" or len(raw) - len(before) >= 2
        gov = target or opens_segment or _preceded_by(text, t.start, c.govern_time_left)
        ruled_out = (text.startswith(c.year_not_governing_right, t.end)
                     or _preceded_by(text, t.start, c.year_not_governing_left)
                     or c.year_base_right.match(text, t.end) is not None
                     or c.year_start_right.match(text, t.end) is not None)
        if ruled_out:
            continue
        if gov or not best_gov:
            best, best_gov = t, gov
        if target:
            cue_pos, cue_role = t.start, "target"
        elif opens_segment and t.kind != "period":  # 2019至2022年，每年新增…: a plan period, no cue
            cue_pos, cue_role = t.start, "actual"
    if best is not None and ctx.has_word(c.present_words, best.end, pos):
        return None, cue_pos, cue_role  # 2014年全市共安排…，目前已经启动…31个: the year stops at 目前
    return (best.year if best else None), cue_pos, cue_role


def _opening_year(ctx: _Context, sent_start: int, pos: int, c: _Compiled) -> int | None:
    """The year of a time expression that opens the whole sentence (up to 。！？) when the part holding ``pos``
    (from ``sent_start``) follows a ；: ``2023年，全市…；城镇登记失业率为2.8%`` and ``到2025年，…；…达到60%`` time
    every part of the sentence (FORMAT.md: the year comes from the sentence), unless the part names a year of its
    own before ``pos`` (``；2020年以来…`` keeps none)."""
    text = ctx.text
    if not sent_start or text[sent_start - 1] not in "；;" or any(t.year for t in ctx.times_between(sent_start, pos)):
        return None
    full = max(text.rfind(ch, 0, sent_start - 1) for ch in _FULL_STOP) + 1
    for t in ctx.times_between(full, sent_start):
        if t.year is None or not c.opening_time_left.fullmatch(text, full, t.start):
            return None
        if (text.startswith(c.year_not_governing_right, t.end) or c.year_start_right.match(text, t.end)
                or not c.opening_time_right.match(text, t.end)):
            return None
        return t.year
    return None


def _deadline_year(ctx: _Context, q_end: int, sent_end: int, c: _Compiled) -> int | None:
    """The year of a dated deadline after the quantity in its comma segment, when no year before it governs
    (``2座中型水库力争2022年11月底前完工``, ``12个项目2022年6月底前全部开工``)."""
    text = ctx.text
    seg_end = _segment_end(text, q_end, sent_end)
    for t in ctx.times_between(q_end, seg_end):
        m = c.deadline_right.match(text, t.end) if t.year is not None else None
        if (m is not None and not _preceded_by(text, t.start, c.year_not_governing_left)
                and "的" not in text[m.end():seg_end]):  # (比2020年前增加…, 2021年底前认定的企业: a base, a modifier)
            return t.year
    return None


_SPACE_CHARS = " \t\u3000"
#: 余/多 right after a number: a figure rounded in a report (1700多万吨), not 多于 (a floor)
_APPROXIMATE = re.compile(r"[\d０-９零〇一二两三四五六七八九十百千万亿][余多]")
#: characters before an amount in which role cues are searched again up to it (:func:`_last_cue`): more than any cue
#: pattern reads from where a match attempt starts, lookarounds included (a test checks the bound)
_CUE_MARGIN = 32
_DIGIT = re.compile(r"[0-9０-９零〇一二两三四五六七八九十百千万亿]")
_DUI = re.compile(r"(?:^|(?<=[，,；;：:\s]))对(?!于|外|接|标|照|话|象|应|策)")
_SEGMENT_BREAKS = frozenset("，,；;：:。！!？?\n")


def _opens_with_dui(masked: str, lo: int, hi: int) -> bool:
    """``_DUI.search(masked, lo, hi)``, tried only where 对 stands (a 、 list of thousands of amounts is one segment:
    a regex scan of it for each amount was most of the extractor's time)."""
    k = masked.find("对", lo, hi)
    while k >= 0:
        if _DUI.match(masked, k, hi):
            return True
        k = masked.find("对", k + 1, hi)
    return False


_CJK_NOUN_NEXT = re.compile(r"(?![的以左及或和、])[\u4e00-\u9fff]")
_COUNT_AHEAD = re.compile(r"(?:[\d０-９]+|[一二两三四五六七八九十百千万]+)(?:[万亿]|[家个项所名人批条件台座])")


def _role(ctx: _Context, q_start: int, q_end: int, cap: bool, comp: str, kind: str,
          c: _Compiled) -> tuple[str, int | None]:
    """Role and governing year of the quantity at ``text[q_start:q_end]`` (rules in the module docstring)."""
    text, masked = ctx.text, ctx.masked
    sent_start, sent_end = ctx.sentence(q_start)
    year, cue_pos, cue_role = _year_and_time_cue(ctx, sent_start, q_start, c)
    if year is None:
        year = _opening_year(ctx, sent_start, q_start, c)
    if year is None:
        year = _deadline_year(ctx, q_end, sent_end, c)
    seg_start = _segment_start(text, q_start, _SEGMENT_BREAKS, sent_start)
    # penalties: a fine's upper bound is a cap, any other amount of a fine is `other`
    short_lead = q_start - seg_start <= 5  # 对个人的罚款金额，为人民币十万元以下: the fine is named before
    if (c.penalty_right.match(text, q_end) or c.penalty_left.search(masked, seg_start, q_start)
            or (short_lead and c.penalty_left.search(masked, sent_start, seg_start))):
        upper = cap or comp in ("<", "<=")
        lower_bound_before = _preceded_by(text, q_start, c.range_lower_end)  # 一万元以上|五万元以下罚款
        return ("cap" if upper and not lower_bound_before else "other"), year
    if text.startswith("的", q_end) and q_end + 1 < len(text) and text[q_end + 1] in "，,":
        return "threshold", year  # 裁员率不高于参保职工总数20%的，可申请…: a condition, even with a cap cue
    if cap:
        return "cap", year
    lead = text[seg_start:q_start].strip(_SPACE_CHARS)
    if comp in ("=", "~") and lead and c.attribute_actual.fullmatch(lead):
        return "actual", year  # …重点项目建设，总投资约158亿元: an attribute of what is listed
    rv = c.review_end.search(text, max(seg_start, q_start - 16), q_start)
    if rv is not None and _year_and_time_cue(ctx, sent_start, rv.start(), c)[2] != "target":
        return "actual", int(rv.group(1))  # 由2006年的9107元提高到2010年的16190元: that year's figure
    if (text.startswith(c.threshold_right, q_end) and c.plan_object_left.search(text, seg_start, q_start)
            and not _COUNT_AHEAD.search(text, q_end, _segment_end(text, q_end, sent_end))):
        # (培育超百亿元的…龙头企业5家左右: a count follows, so the amount is a criterion of what is counted)
        return "target", year  # 设立每年不少于3000万元的…专项资金, 打造10个以上的…场景: what the plan delivers
    if text.startswith(c.threshold_right, q_end) and (
            comp not in ("=", "~") if kind not in ("percent", "ratio")
            else c.threshold_share_left.search(text, seg_start, q_start)):
        return "threshold", year
    if comp in (">", ">=") and kind == "money" and (text.startswith(c.threshold_right_nouns, q_end) or (
            c.criterion_money_left.search(text, max(seg_start, q_start - 8), q_start)
            and _CJK_NOUN_NEXT.match(text, q_end) and (_COUNT_AHEAD.search(text, seg_start, q_start)
                                                       or _COUNT_AHEAD.search(text, q_end, _segment_end(text, q_end, sent_end))))):
        return "threshold", year  # 培育年销售收入超50亿元企业3-5家
    # a baseline: 由2015年的54.2%提升到…, 由当前3%提升到…, 在原每人每月70元的基础上
    if c.baseline_right.match(text, q_end) and c.baseline_left.search(masked, seg_start, q_start):
        m = c.baseline_year.search(text, seg_start, q_start)
        return "actual", (_int_year(m.group(1)) if m else None)
    if c.baseline_original.search(text, seg_start, q_start):
        return "actual", None  # 在原每人每月70元的基础上
    # a condition written 对…的，(对…完成课题研究5项以上、…新认定的省级工业设计研究院，给予…): threshold
    seg_end = _segment_end(text, q_end, sent_end)
    if (text[seg_end - 1:seg_end] == "的" and _opens_with_dui(masked, seg_start, q_start)
            and seg_end < len(text) and text[seg_end] in "，,"):
        return "threshold", year
    # a condition of a grant (每引进1个…团队，给予最高10万元奖励; 引进1名高层次人才，给予…): other
    if c.per_unit.search(text, seg_start, q_start) or c.condition_next.match(text, _segment_end(text, q_end, sent_end)):
        return "other", year
    pc = c.per_capita.search(text, seg_start, q_start)
    if pc and not c.target_verbs_re.search(masked, pc.start(), q_start) and not any(
            c.cue_role(m.group()) == "target" for m in c.role_re.finditer(masked, seg_start, q_start)):
        return "other", year  # 奖励标准：每人每年8000元: a standard per head (not 提高至每人每月88元, 每个市新增2个)
    year_pos = cue_pos if cue_role == "actual" else -1  # a year opening the sentence or a segment
    cue_pos, cue_role, goal_before_year = _last_cue(ctx, c, sent_start, sent_end, seg_start, q_start, cue_pos,
                                                    cue_role, year_pos)
    if (cue_role == "actual" and cue_pos == year_pos and not _preceded_by(text, year_pos, _AS_OF)
            and (goal_before_year or _year_goal(ctx, c, year_pos, q_start, q_end, comp, sent_start, sent_end))):
        # (截至2023年底，…总里程达到30.2万公里: a figure as of a date is reported, whatever verb states it)
        cue_role = "target"
    if cue_role is not None:
        if cue_role == "target" and (_in_review(ctx, c, sent_start, q_start) or c.actual_after.match(text, q_end)):
            return "actual", year  # (今年5月底前2个问题已整改到位: done by the deadline)
        return cue_role, year
    span = text[q_start:q_end]
    if comp == ">" and any(w in span for w in c.approx_actual):
        return "actual", year  # 厅网站发布信息3000余条: a figure rounded by 余/多 is reported
    if c.actual_after.match(text, q_end):
        return "actual", year  # 有37个县已全部竣工: done
    if kind == "money" and c.grant_verbs_re.search(masked, seg_start, q_start):
        return "other", year  # 省级分别支持4000万元: an amount granted
    if lead and lead.split()[-1] in c.beneficiary_left and c.target_verbs_re.search(masked, q_end, seg_end):
        return "target", year  # 为1.5万户农村贫困残疾人家庭实施危房改造: what the plan delivers, to whom
    if c.target_verbs_re.search(masked, seg_start, q_start) or c.target_verbs_segment_re.search(
            masked, sent_start, seg_start):  # (培育一批…企业，全国版权示范单位、园区超过18家: the verb opens a segment)
        return ("actual" if _in_review(ctx, c, sent_start, q_start) else "target"), year  # 培育一批…企业，全国版权示范单位、园区超过18家: the plan verb opens a segment
    # no cue, no plan verb: a statistic written as 普及率为10.50% or 网上咨询17件 is an actual value
    lead = text[seg_start:q_start].rstrip(" \t\u3000")
    closes = q_end >= sent_end or text[q_end] in _SEGMENT_BREAKS
    if lead.startswith(c.annual_lead):
        return "target", year  # 每年…赋能新产品100项: an annual task
    if lead and comp in ("=", "~") and (
            (len(lead) > 2 and lead.endswith(c.copula_left) and lead[-2] not in _SPACE_CHARS)
            or (closes and c.bare_statement.fullmatch(lead))):
        return "actual", year
    if lead and comp in (">", ">=") and closes and c.bare_statement.fullmatch(lead):
        return "target", year  # 有效发明专利拥有量年均增长10%以上: a floor stated without a verb is a goal
    return "other", year


def _last_cue(ctx: _Context, c: _Compiled, sent_start: int, sent_end: int, seg_start: int, q_start: int,
              cue_pos: int, cue_role: str | None, year_pos: int) -> tuple[int, str | None, bool]:
    """The role cue that governs an amount at ``q_start``: the last cue word of its sentence before it, at or after
    ``cue_pos`` (the time cue's), as (position, role); and whether a goal cue and a number come before the year
    that opens the sentence at ``year_pos`` (要达到…30%以上，2028年达到60%以上).

    A weak actual cue (同比, 累计) counts only while no target cue came before it; a segment cue and 按… only in the
    amount's comma segment. The sentence's cues are found once (:meth:`_Context.role_cues`) and read back from the
    amount, so a sentence with thousands of amounts costs linear time; the last ``_CUE_MARGIN`` characters before
    the amount are searched again up to it, as a search that ends there reads them (lookaheads, 按's included)."""
    text = ctx.text
    ends, cues, first_target = ctx.role_cues(sent_start, sent_end, c)
    k = bisect_right(ends, q_start - _CUE_MARGIN)
    # Search again from the margin, or from the end of the last cue kept if later: an attempt that starts before
    # the margin reads nothing past it, so it found what a search ending at the amount finds, and there is no cue
    # there; but not after the start of the next cue found (one that ends within the margin), which is read again.
    resume = max(ends[k - 1] if k else sent_start, q_start - _CUE_MARGIN)
    if k < len(cues):
        resume = min(resume, cues[k][0])
    tail = []
    for m in c.role_re.finditer(ctx.masked, resume, min(q_start + 1, len(text))):
        if m.end() > q_start:  # +1 above: 按's lookahead
            break
        tail.append((m.start(), m.end(), c.cue_role(m.group())))
    if first_target < 0 or first_target >= k:  # (a target cue the whole-sentence search did not find: none today)
        first_target = next((k + j for j, t in enumerate(tail) if t[2] == "target"), -1)
    goal_before_year = False
    if year_pos >= 0 and first_target >= 0:
        end = cues[first_target][1] if first_target < k else tail[first_target - k][1]
        goal_before_year = end < year_pos and _DIGIT.search(text, end, year_pos) is not None
    target_before = cue_role == "target"
    for j in range(k + len(tail) - 1, -1, -1):  # back from the amount: the first that counts is the last one
        start, _, role = cues[j] if j < k else tail[j - k]
        if start < cue_pos:
            break
        if role == "weak_actual":
            if target_before or 0 <= first_target < j:
                continue
            role = "actual"
        elif role == "segment_actual":
            if start < seg_start:
                continue
            role = "actual"
        if role != "other" or start >= seg_start:  # 按… binds in its segment
            return start, role, goal_before_year
    return cue_pos, cue_role, goal_before_year


def _in_review(ctx: _Context, c: _Compiled, sent_start: int, q_start: int) -> bool:
    """Whether the sentence before ``q_start`` reports a change up to a year's figure (提高到2010年的16190元)
    that no target year before it sets: a review, whose verbs and link words state results."""
    m = c.review_any.search(ctx.text, sent_start, q_start)
    return m is not None and _year_and_time_cue(ctx, sent_start, m.start(), c)[2] != "target"


def _year_goal(ctx: _Context, c: _Compiled, year_pos: int, q_start: int, q_end: int, comp: str,
               sent_start: int, sent_end: int) -> bool:
    """Whether a sentence opened by a year states a goal for the quantity (see ``year_goal_verbs``)."""
    if ctx.has_word(c.report_words, sent_start, sent_end):
        return False
    if ctx.has_word(c.year_goal_words, year_pos, q_start):
        return True
    span = ctx.text[q_start:q_end]
    return comp in (">", ">=") and not _approximate(span)


def _approximate(span: str) -> bool:
    """Whether an amount's text says "more than" by 余 or 多 right after its number (``1700多万吨``, ``3000余家``): a
    reported figure, not a floor (``多于300家`` is one)."""
    return _APPROXIMATE.search(span) is not None


def _segment_end(text: str, pos: int, limit: int) -> int:
    """Position of the mark that closes the comma segment holding ``pos`` (or ``limit``)."""
    return segment_end(text, pos, _SEGMENT_BREAKS, limit)


def _int_year(s: str) -> int:
    return int(s)


# --------------------------------------------------------------------------------------------------
# The extractor

def _num_value(s: str) -> tuple[float, bool]:
    """(value, is_chinese)."""
    ch = s[0]
    if ch in CN_NUMERAL_CHARS:
        return parse_chinese(s), True
    return parse_arabic(s.replace("．", ".")), False


def extract_quantities(text: str, indicators: bool = True, learned: bool = True, reader: bool = True
                       ) -> list[Quantity]:
    """All amounts (money, percent, count, measure) stated in ``text``; offsets index into ``text``.

    With ``indicators`` (default) every target, actual and cap quantity also says what it measures
    (``indicator``, ``indicator_start``, ``indicator_end``; see :mod:`clausetag.quantities.indicators`).
    With ``learned`` (default) the packaged re-rankers of :mod:`clausetag.quantities.rerank` revise the rules'
    role of every quantity and the span of every indicator; ``learned=False`` gives the rules alone. With
    ``reader`` (default) the packaged transformer readers (:mod:`clausetag.quantities.reader`) also score every
    quantity's role and the indicator spans of target/actual/cap quantities; ``reader=False`` leaves them out
    (faster, less accurate)."""
    c = _compiled()
    out: list[Quantity] = []
    holder: list[_Context] = []
    pos, n = 0, len(text)
    first, match, single = c.first_char.search, c.pattern.match, c.single.match
    while pos < n:
        f = first(text, pos)  # much cheaper than searching with the full pattern
        if f is None:
            break
        m = match(text, f.start())
        if m is None or m.start() == m.end():
            pos = f.start() + 1
            continue
        q = _candidate(text, m, c, holder)
        if q is _RETRY_SINGLE:  # a rejected range such as 10%至20%: read the first number alone
            m = single(text, m.start())
            q = _candidate(text, m, c, holder) if m is not None else None
        if q is not None and q is not _RETRY_SINGLE:
            out.append(q)
        pos = max(m.end() if m is not None else pos + 1, pos + 1)
    if len(out) > 1:
        out = _scope_counts(text, out)
        out = _criteria(text, out, c)
        if "分别" in text:
            out = _shared_cues(text, out, opening=False)  # before the roles, which read the upper limit
    if learned and out:
        out = _former_values(text, rerank_roles(text, out, reader=None if reader else False), c)
        out = _agreeing_roles(text, out, c, holder[0] if holder else None)
    if len(out) > 1 and "分别" in text:
        out = _shared_cues(text, out, opening=True)  # after the roles: a bare floor reads as a criterion
    if out and "按" in text:
        out = _basis_notes(text, out, c)
    if out:
        out = _norm_roles(holder[0] if holder else _Context(text), out, c)
        if any(w in text for w in c.remote_floor_words):
            out = _remote_floors(text, out, c)
    if len(out) > 1:
        out = _former_bounds(text, out, c)
    if indicators and out:
        out = [q if ind is None else replace(q, indicator=ind.text, indicator_start=ind.start, indicator_end=ind.end)
               for q, ind in zip(out, find_indicators(text, out))]
        if learned:
            out = rerank_indicators(text, out, reader=None if reader else False)
        out = [_with_indicator(q, ind) for q, ind in zip(out, final_pass(text, out))]
        out = _embedded_criteria(text, out, c)
    return out


_JOINERS = ("、", "和", "及", "与", "以及")
_CUE_BOUND = {">": "low", ">=": "low", "<": "high", "<=": "high"}


def _bare(q: Quantity) -> bool:
    """Whether ``q`` is a plain amount: no cue written on it, one value."""
    return q.comparator == "=" and q.low == q.high == q.value


def _shared_cues(text: str, out: list[Quantity], opening: bool) -> list[Quantity]:
    """Amounts of a 分别 run joined by 、/和/及 share the cue written once on the run (FORMAT.md, clarification 4 of
    the seventh sample): with ``opening``, a cue before the first (``分别不低于50家、200家、500家``), else an upper
    limit after the last (``分别控制在千分之四和千分之六以下``). A floor after the last stays its own (``分别达到50%和20%以上``:
    the samples' gold reads the first as exactly 50%). The extractor shares an upper limit before the learned readers
    score the roles (they read it as a goal's bound) and an opening cue after them (a bare floor reads as a
    criterion)."""
    res = out
    i = 0
    while i < len(out) - 1:
        j = i  # the run: out[i..j], each joined to the next by a joiner alone, of one kind
        while (j + 1 < len(out) and out[j].kind == out[j + 1].kind
               and text[out[j].end:out[j + 1].start].strip(_SPACE_CHARS) in _JOINERS):
            j += 1
        first, last = out[i], out[j]
        if j > i and "分别" in text[_segment_start(text, first.start, _SEGMENT_BREAKS):first.start]:
            if opening and first.comparator in _CUE_BOUND and not _DIGIT.match(first.text):  # the cue opens the first
                src = first
            elif not opening and last.comparator in ("<", "<=") and _DIGIT.match(last.text):  # …closes the last
                src = last
            else:
                src = None
            if src is not None:
                bound = _CUE_BOUND[src.comparator]
                for k in range(i, j + 1):
                    if _bare(res[k]):
                        res = res if res is not out else list(out)
                        res[k] = replace(res[k], comparator=src.comparator,
                                         low=res[k].value if bound == "low" else None,
                                         high=res[k].value if bound == "high" else None)
        i = j + 1
    return res


def _norm_roles(ctx: _Context, out: list[Quantity], c: _Compiled) -> list[Quantity]:
    """Roles that a rule's wording fixes (``quantity_cues.yaml``, "Roles a rule's wording fixes"): an amount in a
    definition (是指) or a condition (如果, 若) is a threshold; an allowance after 仅可/只能 is a cap; 最低限额为 sets a
    threshold floor, 限额为 and 以N为限 a cap; a floor set for one person or body, or by a rule's modal with no year
    (造林成活率应当达到85％以上), is a threshold; a floor on a count under a prohibition (不得…两个以上) is a cap with ``<``."""
    text = ctx.text
    res = out
    tac = ("cap", "target", "actual")
    for i, q in enumerate(out):
        seg_start = _segment_start(text, q.start, _SEGMENT_BREAKS, max(0, q.start - 60))
        near = max(0, q.start - 12)
        new = q
        if q.role in tac and ((q.comparator != "range" and c.definition.search(text, max(0, q.start - 200), q.start))
                              or c.condition.search(text, max(0, q.start - 40), q.start)):
            new = replace(q, role="threshold")
        elif q.comparator == "=" and q.role in ("other", "actual", "target") and c.only.search(text, seg_start, q.start):
            new = replace(q, role="cap")
        elif q.comparator == "=" and c.floor_limit.search(text, near, q.start):
            new = replace(q, comparator=">=", low=q.value, high=None, role="threshold")
        elif q.comparator == "=" and ((c.ceiling_limit.search(text, near, q.start) and "最低" not in text[near:q.start])
                                      or (_preceded_by(text, q.start, c.limit_frame[:1])
                                          and text.startswith(c.limit_frame[1], q.end))):
            new = replace(q, comparator="<=", low=None, high=q.value, role="cap")
        elif q.role == "target" and q.comparator in (">=", ">") and (
                c.per_scope.search(text, seg_start, q.start)
                or (q.year is None and c.modal_floor.search(ctx.masked, seg_start, q.start)
                    and not c.modal_floor_area.search(ctx.masked, seg_start, q.start)
                    and _first_intent(ctx.masked, seg_start, q.start, c) > q.start)):
            new = replace(q, role="threshold")
        elif (q.comparator == ">=" and q.text.endswith("以上") and q.unit in c.negated_floor_units
              and c.negated_floor.search(text, max(0, q.start - 40), q.start)):
            new = replace(q, comparator="<", low=None, high=q.value, role="cap")
        if new.year is not None and new.role != "target" and new.role != "actual" and _issuing_year(ctx, new, c):
            new = replace(new, year=None)
        if new is not q:
            res = res if res is not out else list(out)
            res[i] = new
    return res


def _remote_floors(text: str, out: list[Quantity], c: _Compiled) -> list[Quantity]:
    """A plain amount a verb after a floor cue (``每个乡镇至少建成1个``, ``每年至少组织2次``) is ``>=``; set after every
    role pass, which read the plain count (the samples' gold is split on such floors: plan targets in the older
    samples, per-case thresholds in the newer ones), so no role moves."""
    return [replace(q, comparator=">=", low=q.value, high=None)
            if q.comparator == "=" and c.remote_floor.search(text, max(0, q.start - 6), q.start) else q for q in out]


def _issuing_year(ctx: _Context, q: Quantity, c: _Compiled) -> bool:
    """Whether ``q``'s year is that of a document a named body issued earlier in its sentence (``2022年，浦东新区出台
    《…》，…给予最高100万元资助``): the year of an action, not of the amount the document sets (a target or actual of
    that year keeps it: ``2023年，市政府印发《…》，全年新培育企业120家``)."""
    text, lo = ctx.text, max(0, q.start - 200)
    stop = max(text.rfind(ch, lo, q.start) for ch in _FULL_STOP)  # (across ；: the sentence, not its part)
    return any(t.year == q.year and c.year_action_right.match(text, t.end) is not None
               for t in ctx.times_between(max(lo, stop + 1), q.start))


def _basis_notes(text: str, out: list[Quantity], c: _Compiled) -> list[Quantity]:
    """An amount inside a bracketed note on how a figure is counted (``25万架（按2.5千瓦标准机架折算）``) is a basis of
    the calculation: role ``other``."""
    notes = [(m.start(), m.end()) for m in c.basis_note.finditer(text)]
    if not notes:
        return out
    return [replace(q, role="other") if q.role != "other" and any(s < q.start and q.end < e for s, e in notes) else q
            for q in out]


def _former_pairs(text: str, out: list[Quantity], c: _Compiled) -> Iterator[int]:
    """Indices ``i`` where ``out[i]`` is the former value of ``out[i + 1]``: a change verb right after it
    (``baseline_right``), the new value within ``_FORMER_GAP`` after that verb, and 由/从 before it in its segment."""
    for i in range(len(out) - 1):
        q, new = out[i], out[i + 1]
        m = c.baseline_right.match(text, q.end)
        if m is None or not m.end() <= new.start <= m.end() + _FORMER_GAP:
            continue
        if c.baseline_left.search(text, _segment_start(text, q.start, _SEGMENT_BREAKS), q.start):
            yield i


def _former_values(text: str, out: list[Quantity], c: _Compiled) -> list[Quantity]:
    """A former value of a target (``森林覆盖率由82%提高到84%``: ``82%``) is ``actual``, as the rules say: the learned
    models read the plan around it and call it a target. Only a target is changed, and only before a target."""
    res = out
    for i in _former_pairs(text, out, c):
        if out[i].role == "target" and out[i + 1].role == "target":
            res = res if res is not out else list(out)
            res[i] = replace(out[i], role="actual")
    return res


def _former_bounds(text: str, out: list[Quantity], c: _Compiled) -> list[Quantity]:
    """A former value written as a bound (``占比由不低于80%提高至不低于90%``, ``从现行不低于20%提高到不低于50%``) is
    the value a rule or plan set before, not a measured baseline: it takes the role of the new value
    (FORMAT.md: "a former value takes the role of the new one"; the samples' gold holds 15 such pairs, all alike)."""
    res = out
    for i in _former_pairs(text, out, c):
        q, new = out[i], out[i + 1]
        if q.comparator in _CUE_BOUND and q.role != new.role:
            res = res if res is not out else list(out)
            res[i] = replace(q, role=new.role, year=new.year if q.year is None else q.year)
    return res


def _agreeing_roles(text: str, out: list[Quantity], c: _Compiled, ctx: _Context | None = None) -> list[Quantity]:
    """Roles the learned readers give against a cue written on the number or the sentence's structure
    (quantity_cues.yaml, "Roles the learned readers give against…"): see :func:`_cue_roles` and
    :func:`_joined_roles`. ``ctx``: the text's :class:`_Context`, if the extractor built one."""
    ctx = ctx or _Context(text)
    roles = _cue_roles(ctx, out, c)
    fixed = frozenset(i for i, (q, r) in enumerate(zip(out, roles)) if r != q.role)
    roles = _joined_roles(ctx, out, roles, fixed, c)
    roles = _reported_amounts(ctx, out, roles, c)
    if roles == [q.role for q in out]:
        return out
    return [q if r == q.role else replace(q, role=r) for q, r in zip(out, roles)]


def _cue_roles(ctx: _Context, out: list[Quantity], c: _Compiled) -> list[str]:
    """Each amount's role after the cues written on it: an upper limit written on an amount that no deadline
    (到2025年) governs (``加权利率不高于5.5%``) is a cap, not a target; an amount after 现有 is actual, not a target,
    and so is an estimate (``预计超1000亿元``) in a sentence opened by a bare year (``2023年，``: the year the text
    plans for) and any amount of a sentence opened by an as-of date (``截至2023年底，``); an amount in a segment a
    deadline year opens (``…，到2025年…覆盖率达到100%``) or in a sentence a plan period opens (``2024—2026年，``) is a
    target, not actual; a floor before 的 and a noun, with a count after it in its segment, is a criterion of what
    is counted (threshold); a share of the subjects that do something (``50%以上的养老机构能够…``) is a target
    (actual with 已/了), not a criterion."""
    text, roles = ctx.text, [q.role for q in out]
    as_of: dict[int, int] = {}
    for i, q in enumerate(out):
        r = roles[i]
        if (r == "target" and q.text.startswith(c.upper_prefix)
                and _year_and_time_cue(ctx, ctx.sentence(q.start)[0], q.start, c)[2] != "target"):
            roles[i] = "cap"  # (到2025年…不超过3.2亿吨: a goal under a deadline stays a target)
        elif r in ("target", "actual") and c.deadline_segment_opening.match(
                text, _segment_start(text, q.start, _SEGMENT_BREAKS, ctx.sentence(q.start)[0])):
            roles[i] = "target"  # (…，到2025年乡镇自动气象站覆盖率达到100%: a goal after a report)
        elif (r in ("target", "actual") and q.comparator in (">", ">=") and text.startswith("的", q.end)
              and _CJK_NOUN_NEXT.match(text, q.end + 1)
              and _COUNT_AHEAD.search(text, q.end, _segment_end(text, q.end, ctx.sentence(q.start)[1]))):
            roles[i] = "threshold"  # (展览面积5000平方米以上的展会达到300个: a criterion of what is counted, as the rules say)
        elif r == "actual" and _plan_period(ctx, q, c):
            roles[i] = "target"  # (2024—2026年，…累计新改建农村公路1.5万公里: what the period plans)
        elif r == "target" and (c.existing_left.search(text, max(0, q.start - 4), q.start)
                                or (text.endswith(c.estimate_left, 0, q.start) and _opens_current_year(ctx, q.start, c))
                                or _as_of_report(ctx, q.start, c, as_of)):
            roles[i] = "actual"
        elif r in ("threshold", "other") and q.kind in ("percent", "ratio") and _subject_share(text, q, c):
            roles[i] = "actual" if c.actual_after.match(text, q.end) else "target"
    return roles


def _plan_period(ctx: _Context, q: Quantity, c: _Compiled) -> bool:
    """Whether the sentence of ``q`` opens with a plan period (``2024—2026年，``) and no 已 or 了 comes before ``q`` in
    its segment (``2015至2017年，我省已有1060所…``: a report)."""
    sent_start = ctx.sentence(q.start)[0]
    if c.period_opening.match(ctx.text, sent_start) is None:
        return False
    return not ctx.has_word(_REPORT_CHARS, _segment_start(ctx.text, q.start, _SEGMENT_BREAKS, sent_start), q.start)


#: words of a report that keep a plan period's amount actual (:func:`_plan_period`)
_REPORT_CHARS = ("已", "了")


def _as_of_report(ctx: _Context, pos: int, c: _Compiled, seen: dict[int, int]) -> bool:
    """Whether the sentence holding ``pos`` opens with an as-of date (``截至2023年底，``) and no target cue (but a
    level held: 保持在, 稳定在, 控制在) comes between it and ``pos`` (``seen``: the first target cue of each sentence
    start already looked at, so a long sentence is scanned once)."""
    start, end = ctx.sentence(pos)
    if start not in seen:
        m = c.as_of_opening.match(ctx.text, start)
        first = -1
        if m is not None:
            first = len(ctx.text)
            for x in c.role_re.finditer(ctx.masked, m.end(), end):
                if c.cue_role(x.group()) == "target" and x.group() not in c.as_of_level:
                    first = x.start()
                    break
        seen[start] = first
    return pos <= seen[start]


def _subject_share(text: str, q: Quantity, c: _Compiled) -> bool:
    """Whether the share ``q`` counts subjects that do something: it opens its segment (after scope words, an
    enumerator or a year) or follows a plan verb or a joining word, and a verb of doing follows its 的 and noun,
    not closing a condition after it (``…参加职业技能培训的企业，给予…``: 的, a short noun, then a grant)."""
    m = c.subject_share_verb.match(text, q.end)
    if m is None or c.condition_close.match(text, m.end()):
        return False
    floor = max(0, q.start - _SHARE_LEFT_REACH)
    lo = _segment_start(text, q.start, _SEGMENT_BREAKS, floor)
    opens = lo == 0 or text[lo - 1] in _SEGMENT_BREAKS  # lo is where the share's segment starts
    return c.subject_share_left.search(("\n" if opens else "") + text[lo:q.start]) is not None


def _reported_amounts(ctx: _Context, out: list[Quantity], roles: list[str], c: _Compiled) -> list[str]:
    """``roles`` where an amount read as a target in a sentence opened by a bare year (``2023年，``) is actual when a
    plain amount before it in the sentence is actual and no word of intent (力争, 确保 …: ``plan_intent``) comes
    between the year and it: ``2023年，…参保人数达到2150万人，参保率稳定在95%以上，领取待遇人数超过720万人`` and
    ``2023年，全市新增养老床位4200张，其中护理型床位占比提升至62%`` report every amount (in the samples' gold, floors
    in such sentences take the earlier amount's role in 50 of 59 sentences)."""
    res = roles
    sentence, first_plain, intent = -1, None, -1  # per sentence: its first plain amount, its first word of intent
    for i, q in enumerate(out):  # in text order: one pass
        sent_start, sent_end = ctx.sentence(q.start)
        if sent_start != sentence:
            sentence, first_plain, intent = sent_start, None, _first_intent(ctx.masked, sent_start, sent_end, c)
        if first_plain is None and (q.comparator in ("=", "~") or (q.comparator == ">" and _approximate(q.text))):
            first_plain = i
        if (roles[i] != "target" or first_plain is None or first_plain >= i
                or roles[first_plain] != "actual" or intent <= q.start or not _opens_current_year(ctx, q.start, c)):
            continue
        res = res if res is not roles else list(roles)
        res[i] = "actual"
    return res


def _first_intent(masked: str, lo: int, hi: int, c: _Compiled) -> int:
    """End of the first word of intent (``plan_intent``) in ``masked[lo:hi]`` that is not part of a longer word
    (``plan_intent_not``: 要求, 主要 …); past the text's end if none."""
    blocked = [m.span() for m in c.plan_intent_not.finditer(masked, lo, hi)]  # in order, not overlapping
    j = 0
    for m in c.plan_intent.finditer(masked, lo, hi):
        while j + 1 < len(blocked) and blocked[j + 1][0] <= m.start():
            j += 1  # the last blocked word that starts at or before m is the only one that can hold it
        if not (blocked and blocked[j][0] <= m.start() and m.end() <= blocked[j][1]):
            return m.end()
    return len(masked) + 1


def _opens_current_year(ctx: _Context, pos: int, c: _Compiled) -> bool:
    """Whether the sentence holding ``pos`` (up to 。！？, its ；-parts included) opens with a bare year (``2023年，``,
    ``2023年底，``; not ``到2027年``) and names no other year before ``pos``."""
    text = ctx.text
    full = ctx.sentence(pos)[0]
    for _ in range(_PARTS_BACK):  # back over ；-parts to the sentence's start
        if full == 0 or text[full - 1] in _FULL_STOP:
            break
        full = ctx.sentence(full - 1)[0]
    m = c.current_year_opening.match(text, full)
    return m is not None and not any(t.year for t in ctx.times_between(m.end(), pos))


def _joined_roles(ctx: _Context, out: list[Quantity], roles: list[str], fixed: frozenset[int], c: _Compiled
                  ) -> list[str]:
    """``roles`` where amounts joined by 、 (``购置生活设备7.58万台、安保设备1561套``) take the target/actual role of
    the first amount of their run, and the parts in the segment after 其中 (``…提高到70.7%，其中工业用水重复利用率达到
    80.9%``) that of their total: the last target/actual amount before 其中 in the sentence, if of the same kind. Not
    an amount with a time or role cue of its own after the 、 or 其中, a former value (``由50%提高到55%``: 50%), nor
    across a segment break; a role a cue set on the first amount of a run (``fixed``) is not spread over the run."""
    text = ctx.text
    parts = [m.span() for m in c.part_of_total.finditer(text)]
    if len(out) < 2 or (not parts and "、" not in text):
        return roles  # nothing joined: the positions below are not worth finding
    roles = list(roles)
    part_ends = [e for _, e in parts]
    breaks = [k for k, ch in enumerate(text) if ch in _SEGMENT_BREAKS] if parts else []
    ends = [q.end for q in out]
    own = [m.span() for m in c.own_role_cue.finditer(text)]
    own_starts = [a for a, _ in own]
    totals: dict[int, int | None] = {}

    def former(i: int) -> bool:  # a former value (由60%提高到65%: 60%), whose role _former_values decided
        return c.baseline_right.match(text, out[i].end) is not None

    def own_cue(a: int, b: int) -> bool:  # a cue of its own wholly inside text[a:b]
        k = bisect_left(own_starts, a)
        return k < len(own) and own[k][1] <= b

    head = 0
    for i in range(1, len(out)):
        q, prev = out[i], out[i - 1]
        gap = text[prev.end:q.start]
        if not (q.kind == prev.kind and "、" in gap and len(gap) <= _RUN_GAP
                and not any(ch in _SEGMENT_BREAKS for ch in gap) and not own_cue(prev.end, q.start)):
            head = i
        elif {roles[i], roles[head]} == _PLAN_OR_FACT and head not in fixed and not former(i):
            roles[i] = roles[head]  # 、 joins it to the first amount of its run (提升现有12个、新建8个: not 现有's)
            continue
        k = bisect_right(part_ends, q.start) - 1  # the last 其中 before the amount
        if k < 0 or roles[i] not in _PLAN_OR_FACT or former(i):
            continue
        p_start, p_end = parts[k]
        body = p_end + 1 if text[p_end:p_end + 1] in ("，", ",", "：", ":") else p_end
        if bisect_left(breaks, body) < bisect_left(breaks, q.start) or own_cue(p_end, q.start):
            continue  # not in the segment 其中 opens, or a cue of its own (由 of a former value included)
        if k not in totals:  # the last target/actual amount of the sentence before 其中
            totals[k] = None
            sent_start = ctx.sentence(p_start)[0]
            for j in range(bisect_right(ends, p_start) - 1, -1, -1):
                if out[j].start < sent_start:
                    break
                if roles[j] in _PLAN_OR_FACT:
                    totals[k] = j
                    break
        t = totals[k]
        if t is not None and out[t].kind == q.kind:
            roles[i] = roles[t]
    return roles


#: characters before a share in which its left context (subject_share_left_pattern) is looked for
_SHARE_LEFT_REACH = 16
#: ；-parts at most that an opening year of a sentence reaches back over
_PARTS_BACK = 20
_PLAN_OR_FACT = frozenset({"target", "actual"})
#: the longest text between two amounts joined by 、 (…生活设备7.58万台（件、套）、安保设备1561套: 10 characters)
_RUN_GAP = 12


#: characters at most between the change word and the new value (由2010年25%提高到2015年的31%)
_FORMER_GAP = 12


def _embedded_criteria(text: str, out: list[Quantity], c: _Compiled) -> list[Quantity]:
    """A bounded amount that describes what a target/actual/cap count counts is a criterion, so a threshold: inside
    the count's indicator (``建立200个单产10吨以上的高产奶牛核心群``: ``10吨以上``) or after the count, right before its
    indicator (``建设30个面积1000亩以上的高标准示范基地``). Only an explicit bound (以上, 超, 不低于 …; not 余 or 约), only
    what a count counts (``三分之二以上的创新型县…比重超过2.5%``: a share of the subjects a rate measures is the
    annotators' target), and not a count of the same unit sharing the indicator (``活动32场，其中线下活动不少于2场``). Runs with
    the indicators (``extract_quantities(indicators=True)``): without them, these roles are the models'."""
    counts = sorted(((q.indicator_start, q.indicator_end, q) for q in out
                     if q.kind == "count" and q.role in INDICATOR_ROLES
                     and q.indicator_start is not None and q.indicator_end is not None), key=lambda k: k[0])
    if not counts:
        return out
    starts = [k[0] for k in counts]

    def describes(q: Quantity) -> bool:
        # only indicators that start at most _CRITERION_REACH characters before the amount (indicators are short)
        for s, e, a in counts[bisect_left(starts, q.start - _CRITERION_REACH):bisect_right(starts, q.end + 1)]:
            if a is q or (q.kind == "count" and q.unit == a.unit and (q.indicator_start, q.indicator_end) == (s, e)):
                continue
            if s <= q.start and q.end <= e:
                return True  # inside what the count counts
            if a.end <= q.start and s in (q.end, q.end + 1) and text[q.end:s] in ("", "的"):
                return True  # between the count and what it counts
        return False

    return [replace(q, role="threshold", indicator=None, indicator_start=None, indicator_end=None)
            if (q.role != "threshold" and q.comparator in _BOUNDS and c.bound_words.search(q.text) and describes(q))
            else q for q in out]


#: how far (characters) before a bounded amount the indicator of a count may start and still hold it
_CRITERION_REACH = 120


def _with_indicator(q: Quantity, ind: Indicator | None) -> Quantity:
    """``q`` with the indicator ``ind`` (None: none), the same object when nothing changes."""
    if ind is None:
        return q if q.indicator is None else replace(q, indicator=None, indicator_start=None, indicator_end=None)
    if (ind.text, ind.start, ind.end) == (q.indicator, q.indicator_start, q.indicator_end):
        return q
    return replace(q, indicator=ind.text, indicator_start=ind.start, indicator_end=ind.end)


def _suffix_at(text: str, e: int, c: _Compiled) -> tuple[str, int, bool] | None:
    """The suffix cue right after the unit ending at ``e`` (after an inclusion note: 30人（含）以下, 300人（不含）以上):
    its comparator, where it ends, and whether the note leaves the bound itself out (不含); None when there is none."""
    note = _INCLUSION_NOTE.match(text, e)
    ce = note.end() if note else e
    for L in c.suffix_lens:
        w = text[ce:ce + L]
        if len(w) == L and w in c.suffix and not (w == "上下" and text[ce + L:ce + L + 1] == "游"):
            return c.suffix[w], ce + L, bool(note and note.group(1) == "不含")
    return None


def _bound_follows(text: str, e: int, c: _Compiled) -> bool:
    """Whether a bound (以上, 以下, 以内 …; not 左右) follows the unit ending at ``e``."""
    sx = _suffix_at(text, e, c)
    return sx is not None and sx[0] in (">=", "<=")


def _criteria(text: str, out: list[Quantity], c: _Compiled) -> list[Quantity]:
    """A floor (>=, >) on a count or measure right before the name of a share in the same noun phrase
    (``全省普通高中66人及以上超大班额占比降至9.46%``) is a criterion of what the share is of: ``threshold``."""
    res: list[Quantity] | None = None
    for i in range(len(out) - 1):
        q, nq = out[i], out[i + 1]
        if (q.kind in ("count", "measure") and q.comparator in (">", ">=") and q.role in ("target", "actual", "other")
                and nq.kind in ("percent", "ratio") and c.criterion_share_gap.fullmatch(text, q.end, nq.start)):
            if res is None:
                res = list(out)
            res[i] = replace(q, role="threshold")
    return out if res is None else res


_SCOPE_GAP = re.compile(r"[^，,；;。：:！!？?\n的\d０-９%％]{1,24}")
_SCOPE_JOIN = frozenset({"和", "、", "及", "与", "以及"})


def _scope_counts(text: str, out: list[Quantity]) -> list[Quantity]:
    """Counts that only delimit whose figure a share is (``46个连片县和国贫县土建项目100%开工``,
    ``…等3个市竣工率超过90%``): a count followed in its segment, across a noun phrase only, by a percent
    that is not itself a modifier (no 的 after it in the segment) is ``other``, and so are counts joined to it
    by 和/、 (``22个连片特困地区和40个国家级扶贫县…100%开工``)."""
    roles: list[str] | None = None
    for i in range(len(out) - 1):
        q = out[i]
        if q.kind != "count" or q.role == "other":
            continue
        nq = out[i + 1]
        if nq.kind != "percent":
            continue
        if not _SCOPE_GAP.fullmatch(text, q.end, nq.start):
            continue
        seg_end = _segment_end(text, nq.end, len(text))
        de = text.rfind("的", nq.end, seg_end)
        if de >= 0:  # 培育15个关键工序数控化率提升5%以上、…10%以上的数字化特色产业集群: the shares qualify what is
            if roles is None:  # counted — criteria it must meet (FORMAT: threshold)
                roles = [x.role for x in out]
            for k in range(i + 1, len(out)):
                if out[k].start >= de:
                    break
                if out[k].kind in ("percent", "ratio") and roles[k] in ("target", "actual"):
                    roles[k] = "threshold"
            continue
        if roles is None:
            roles = [x.role for x in out]
        roles[i] = "other"
        k = i
        while k > 0 and out[k - 1].kind == "count" and text[out[k - 1].end:out[k].start].strip() and any(
                text.startswith(w, out[k].start - len(w)) for w in _SCOPE_JOIN) and _SCOPE_GAP.fullmatch(
                text, out[k - 1].end, out[k].start):
            k -= 1
            roles[k] = "other"
    if roles is None:
        return out
    return [q if r == q.role else replace(q, role=r) for q, r in zip(out, roles)]


_RETRY_SINGLE: Any = object()
_INCLUSION_NOTE = re.compile(r"[（(](含|不含)[^（）()]{0,4}[)）]")
_ORDINAL_LIST = re.compile(r"第[零〇一二三四五六七八九十百\d]+(?:、[零〇一二三四五六七八九十百\d]+)*、$")


def _longest_numeral_prefix(s: str) -> tuple[float, int]:
    """(value, length) of the longest readable prefix of a numeral; ValueError when there is none."""
    for k in range(len(s) - 1, 0, -1):
        try:
            return _num_value(s[:k])[0], k
        except ValueError:
            continue
    raise ValueError(f"no numeral in {s!r}")
_URL_LEFT = frozenset("%=&/#?@\\")


def _named(text: str, s: int, e: int, prev: str, count: bool, c: _Compiled) -> bool:
    """Whether the Chinese numeral ``text[s:e]`` lies inside a set phrase (``最后一公里``, ``五位一体``) or, a ``count``,
    opens a short quoted name (``“三支一扶”``, the quote closing within ``quoted_name_max`` characters after it): a
    slogan or a programme, not an amount."""
    if count and prev in _OPEN_QUOTES and any(ch in _CLOSE_QUOTES for ch in text[e:e + c.quoted_max]):
        return True
    return any(m.start() <= s and e <= m.end() for m in c.set_phrases.finditer(text, max(0, s - 8), e + 8))


def _candidate(text: str, m: re.Match[str], c: _Compiled, holder: list[_Context]) -> Quantity | None:
    s, e = m.span()
    n = len(text)
    if s == e:
        return None
    g = m.group
    gd = m.groupdict()
    low: float | None
    high: float | None
    prev = text[s - 1] if s else ""
    if (prev.isascii() and prev.isalpha()) or prev in _URL_LEFT:
        return None  # JY20230117, IPv6 …; ?q=30%25%2020% inside a web address
    if (prev in c.ordinal_left and not (prev == "号" and _preceded_by(text, s, c.ordinal_left_nouns))) or _preceded_by(
            text, s, c.ordinal_left_multi):
        return None  # (not 科普类微信公众号9612个: 号 ends a noun there)
    if prev == "、" and _ORDINAL_LIST.search(text, max(0, s - 16), s):
        return None  # 第三、四项: the ordinal goes on
    pn = gd.get("pn")
    sc1 = ""
    fixed = False  # kind and unit set by the branch itself (百分之, 千分之, 成, currency symbols)
    try:
        if pn is not None:
            try:
                value, _ = _num_value(pn)
            except ValueError:  # 百分之七十百分位: the numeral ends before 百
                value, k = _longest_numeral_prefix(pn)
                if k >= 2 and all(ch in "一二两三四五六七八九" for ch in pn[:k]):
                    return None  # 百分之二三十: a vague pair, not a number
                e = m.start("pn") + k
            unit_raw, kind, unit, currency = "%", "percent", "%", None
            comp, low, high = "=", value, value
            is_cn_lead, fixed = False, True
        elif gd.get("pmn") is not None:  # 千分之三 -> 3 ‰, 万分之五 -> 5 ‱
            value, _ = _num_value(gd["pmn"])
            unit_raw = unit = "‰" if gd["pm"] == "千" else "‱"
            kind, currency = "ratio", None
            comp, low, high = "=", value, value
            is_cn_lead, fixed = False, True
        elif gd.get("fd") is not None:  # 五分之一 -> 0.2 分之, 三分之二 -> 0.667 分之
            (den, den_cn), (num_, num_cn) = _num_value(gd["fd"]), _num_value(gd["fm"])
            if not 0 < num_ <= den or den_cn != num_cn:  # 五百分之2.2: mixed scripts, not a fraction
                return None
            value = num_ / den
            unit_raw = unit = "分之"
            kind, currency = "ratio", None
            comp, low, high = "=", value, value
            is_cn_lead, fixed = False, True
        elif gd.get("tn") is not None:  # tenths: 三成 -> 3 成 (ratio 0.3), 两成半 -> 2.5 成, 八成五 -> 8.5 成, 9.5成
            tn, th = gd["tn"], gd.get("th")
            value = 0.5 if tn == "半" else _num_value(tn)[0]
            if th == "半":
                value += 0.5
            elif th:  # 八成五: a tenth digit
                value += _num_value(th)[0] / 10
            if not 0 < value <= 10:
                return None
            unit_raw, kind, unit, currency = "成", "ratio", "成", None
            comp, low, high = "=", value, value
            is_cn_lead, fixed = False, True
        elif gd.get("sym") is not None:  # $20, ￥300, €5万
            value = _num_value(gd["sn"])[0] * scale_value(gd.get("ss") or "")
            unit_raw = unit = c.symbol_unit[gd["sym"]]
            if gd.get("su") not in (None, unit):  # ￥300美元: symbol and unit disagree
                return None
            kind, currency = "money", c.currency[unit]
            comp, low, high = "=", value, value
            is_cn_lead, fixed = False, True
        else:
            n1 = g("n1")
            v1, is_cn_lead = _num_value(n1)
            unit_raw = g("unit")
            sc1 = g("s1") or g("s1b") or ""
            approx = bool(g("a1") or gd.get("a2"))
            if is_cn_lead and (prev in c.cn_blocked_left or v1 == 0 or (n1 == "一" and unit_raw in c.count_units
                                                                         and gd.get("sep") is None
                                                                         and not _bound_follows(text, e, c))):
                return None  # 单一项目, 零; 一个/一位/一家 is an article, not a count (一次以上 is one)
            if is_cn_lead and _named(text, s, e, prev, unit_raw in c.count_units, c):
                return None  # 最后一公里, “三支一扶”: a slogan or a quoted name (not “五万元以下小额贷款”)
            if e < n and text[e].isascii() and text[e].isalpha():
                return None  # 5G, 4K, 3D
            if unit_raw in c.between_units and c.pair_before.search(text, max(0, s - 3), s):
                return None  # 10000与20000间: between two numbers, not rooms
            if unit_raw is not None:
                nb = c.not_before.get(unit_raw)
                if nb and e < n and text.startswith(nb, e):
                    shorter = c.unit_fallback.get(unit_raw)
                    if shorter is None:
                        return None
                    e -= len(unit_raw) - len(shorter)  # 5000亩次生林: 5000亩 of 次生林
                    unit_raw = shorter
            sep = gd.get("sep")
            if sep is not None:
                sc2 = g("s2") or g("s2b") or ""
                v2, _ = _num_value(g("n2"))
                u1 = g("u1")
                if (u1 is not None and (u1 != unit_raw or sep.strip() in ("至", "到"))) or unit_raw is None:
                    return _RETRY_SINGLE
                if not sc1 and sc2:
                    sc1 = sc2
                low, high = v1 * scale_value(sc1), v2 * scale_value(sc2)
                if not low < high:
                    return _RETRY_SINGLE
                value, comp = low, "range"
            else:
                value = v1 * scale_value(sc1)
                comp = ">" if approx else "="
                low = high = value
                if unit_raw in c.minor_units and not approx:  # 五元三毛, 50元6角三分, 两美元又三美分
                    mm = c.minor_units[unit_raw].match(text, e)
                    if mm is not None:
                        gm = mm.groupdict()
                        value += sum(_num_value(gm[k])[0] * f for k, f in (("j", 0.1), ("f", 0.01)) if gm.get(k))
                        value = round(value, 2)
                        low = high = value
                        e = mm.end()
    except ValueError:
        return None
    if unit_raw == "元" and text.startswith("人民币", e):
        e += 3  # 10000元人民币以下: the currency named again belongs to the amount

    # comparator cues around the span
    start, end = s, e
    cap = cap_cue = False
    for L in c.prefix_lens:
        w = text[s - L:s] if s >= L else ""
        if w in c.prefix:
            if comp != "range":
                comp = c.prefix[w]
            # 户籍人口不超过100万的城市，…: a criterion of the noun after 的, no cap (as for a remote cue below)
            cap_cue = w in c.cap_words or w == "上限"
            cap = cap_cue and not (c.remote_cap_condition.match(text, e) and c.criterion_attribute_left.search(
                text, max(0, s - L - 8), s - L))
            start = s - L
            break
    if pn is None and is_cn_lead and start == s and g("n1")[0] in "百千万亿" and not _bound_follows(text, e, c):
        return None  # 千亿级, 万人 … need an explicit cue (超千人, 超万亿元, 万亿元以上)
    if unit_raw is not None and (sx := _suffix_at(text, e, c)) is not None:
        suffix_comp, end, excluded = sx
        if comp != "range":
            comp = {">=": ">", "<=": "<"}.get(suffix_comp, suffix_comp) if excluded else suffix_comp
    if start > 0 and end < n and text[start - 1] in _OPEN_QUOTES and text[end] in _CLOSE_QUOTES:
        return None  # a name in quotes: “11条”
    if (start == s and s and text[s - 1] in _MINUS and not (s > 1 and text[s - 2].isdigit())
            and comp != "range"):
        value, low, high = -value, (-low if low is not None else None), (-high if high is not None else None)
        start = s - 1
    if comp == "=" and start == s and (
        c.remote_cap.search(text, max(0, s - 12), s)
        or c.remote_cap_change.search(text, max(0, s - 36), s)
        or ((unit_raw in c.percent_units or unit_raw in c.share_units) and c.remote_cap_share.search(text, max(0, s - 34), s))
    ):
        comp, cap = "<=", c.remote_cap_condition.match(text, end) is None

    if not holder:
        holder.append(_Context(text))
    ctx = holder[0]
    if not fixed:
        if unit_raw is None:
            if not ("万" in sc1 or "亿" in sc1):
                return None
            sent_start, _ = ctx.sentence(s)
            if not (cap_cue or cap or c.money_context.search(text, sent_start, s)):
                return None
            kind, unit, currency = "money", "元", "CNY"
        else:
            kind = c.unit_kind[unit_raw]
            unit = c.unit_norm[unit_raw]
            currency = c.currency.get(unit_raw)

    if comp in (">", ">="):
        low, high = value, None
    elif comp in ("<", "<="):
        low, high = None, value
    elif comp == "~":
        low = high = None
    elif comp == "=":
        low = high = value
    role, year = _role(ctx, start, end, cap, comp, kind, c)
    div = c.ratio_divisor.get(unit)
    ratio = None if div is None else round(value / div, 12)
    return Quantity(text[start:end], start, end, kind, value, low, high, comp, unit, currency, year, role,
                    ratio=ratio)
