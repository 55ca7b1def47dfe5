"""Indicators: what a target, actual or cap quantity measures.

``find_indicators(text, quantities)`` returns, for each quantity, the span of the thing measured
(``到2027年，培育视听领域省级重点企业500家以上`` → ``视听领域省级重点企业``) as an :class:`Indicator`, or
``None``. :func:`clausetag.quantities.extract.extract_quantities` calls it and stores the result in
``Quantity.indicator``/``indicator_start``/``indicator_end`` for quantities whose role is target, actual or
cap. Cue words are data in ``clausetag/lexicons/indicator_cues.yaml``; this module holds the rules.

Conventions (the golden table ``tests/data/indicators_golden.jsonl`` follows them):

* The indicator is looked for in the quantity's clause segment (between ``，；。：`` marks) and never
  crosses another quantity: the text *before* runs from the segment start, the end of the previous
  quantity or the end of the previous quantity's indicator, whichever is last; the text *after* runs to
  the segment end or the next quantity (a quantity followed by 的, such as ``超千人的``, is a modifier and
  does not stop it).
* **Counts and measures** name what they count right after the counter when anything follows it
  (``两个国家文化出口基地``, ``新增15个左右国家级工业设计中心``); the text before is used when the
  quantity closes its segment or list item (``培育视听领域省级重点企业500家以上，``).
* **Before or after.** Link words (突破, 达到, 为, 提高到 …) and cue words are dropped from the end of the
  text before. If what is left ends with an object verb (培育, 新增, 打造, 遴选 …) or is empty, the
  indicator is read after the quantity (``新增15个左右国家级工业设计中心`` → ``国家级工业设计中心``); else it
  is the text before, from after its last object verb (``实现营业收入5728.02亿元`` → ``营业收入``,
  ``数字创意产业营业收入突破6200亿元`` → ``数字创意产业营业收入``). A money quantity followed by a money
  noun measures that noun (``给予最高450万元奖励`` → ``奖励``).
* **After the quantity** the indicator stops before a stop word (进行, 纳入, 在 …) and, when it holds
  a 的 modifier, is the head after the last 的 (``10个具有全国影响力的标杆应用场景`` → ``标杆应用场景``).
* **Light normalisation** trims the span only (so ``text[indicator_start:indicator_end] == indicator``):
  scope prefixes (全市, 我市, 全省, 全国, 各类 …), leading particles and cue words, trailing particles
  (的, 等 …) and a trailing bracketed note (``基地(园区)`` → ``基地``) are dropped.
* **Noun-phrase edges** (issue 27, third follow-up): last, each indicator is cut into jieba words; a predicate
  after its noun (``…企业上市``; a change word right before the number, also after 年均/同比: ``单位GDP能耗下降15%`` →
  ``单位GDP能耗``, ``营业收入年均增长10%`` → ``营业收入``)
  and a governing verb that opens it (``完成设备购置金额`` → ``设备购置金额``) are cut, and a text read after the
  quantity ends at a preposition or adverb after its nouns. Lists in ``indicator_cues.yaml: pos_edges``.
* **Noun phrases, not verbs** (issue 27). A unit note or an aside in brackets right after a number
  (``新增储能装机200万千瓦（时）``, ``150万亩（其中…）``) is never the indicator; neither is a bare verb
  (``支持`` after a money noun is dropped; an indicator that would be only a verb is none), except the
  activity counted (``开展职业技能培训50万人次`` → ``职业技能培训``). No verb splits a ``占`` phrase
  (``装配式建筑占新建建筑面积比例``). Before the number, time expressions, baselines (``森林覆盖率由82%…``),
  comparison bases (``较2021年``) and the other side of a share (``销售额要达到总销售额的30%`` →
  ``销售额``) are cut off; ``将``/``把`` take their object.
* **Shares, rankings, changes.** A share followed by 的 is a share of what follows (``30%的县城`` →
  ``县城``); a cap written as a share at a distance names what is capped (``奖励总额不超过…的35%``; else the
  grant that follows); a ranked list item that is only a place name (``衡水市116.48%``) takes the list's
  head (``开工率由高到低排序，依次是：…``); a change after a value (``…1200亿元，增长12%``,
  ``比上年增加2000家``) takes the previous indicator as it is (``营业收入``: the indicator is a substring of
  the text; the change word is the comparison, not the thing measured — the sample's gold, issue 27).
* **Shared heads.** ``1—2家国家级、3—4家省级工业设计研究院``: an indicator made only of a level
  (``国家级``) takes the head of the next one, giving ``国家级工业设计研究院``; this is the one case where
  the indicator is not a substring: its offsets run from ``国家级`` to the end of the shared head.
  Bounds of one range written as two quantities (``五千元以上二万元以下罚款``) share the indicator.
* **A last pass** (:func:`final_pass`), after the re-rankers and the reader, which score one quantity at a time:
  a 分别 run takes one item of a shared list, or one of the sentence's earlier indicators, each
  (:func:`respectively`); a quantity after a 的 phrase without a head noun measures that phrase
  (``年销售收入超5亿元的达到300家`` → ``年销售收入超5亿元``; :func:`headless`); an indicator that ends inside a link
  word (``…冶炼废渣力|争达到``) or opens with the rest of a deadline (``2019年底|前…``) is cut at the word.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

from clausetag.quantities.lexicon import load_indicator_cues
from clausetag.quantities.places import place_scope
from clausetag.quantities.segments import segment_end
from clausetag.quantities.segments import segment_start as _segment_start

__all__ = ["INDICATOR_ROLES", "Indicator", "baseline_from", "final_pass", "find_indicators", "headless", "load_indicator_cues", "respectively"]

#: roles whose quantities get an indicator
INDICATOR_ROLES = frozenset({"target", "actual", "cap"})


@dataclass(frozen=True, slots=True)
class Indicator:
    """The thing a quantity measures: normalised text and its offsets in the clause text."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def baseline_from() -> re.Pattern[str]:
    """The 由/从 that opens a former value (``森林覆盖率由82%…``; not 自由, 由于, 从事): ``baseline_from_pattern``
    of ``clausetag/lexicons/indicator_cues.yaml``, shared by the role rules and the indicator rules."""
    return re.compile(load_indicator_cues()["baseline_from_pattern"])


def _alt(words: Any) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


class _Cues:
    def __init__(self) -> None:
        c = load_indicator_cues()
        self.breaks = frozenset(c["segment_breaks"])
        self.sentence_breaks = frozenset(c["sentence_breaks"])
        verbs = list(c["object_verbs"])
        self.verb_end = re.compile(f"(?:{_alt(verbs)})$")
        # inner scanning only uses verbs of two or more characters (处 is too often part of a word)
        # 处 (impose a penalty) only where it is not part of a word (处理, 之处, 办事处)
        self.verb_inner = re.compile(f"(?:{_alt(w for w in verbs if len(w) >= 2)}|(?<![之各住事到本该此一两每])处(?![理置罚分所长级室]))"
                                     f"(?!{'|'.join([_alt(c['verb_not_before'])] + list(c['verb_not_before_patterns']))})")
        self.penalty = re.compile(f"的?(?:{_alt(c['penalty_nouns'])})")
        self.link_end = re.compile(f"(?:{_alt(c['link_words'])})$")
        self.link_only = re.compile(f"(?:{_alt(c['link_words'])})+")
        self.change_only = re.compile(c["change_pattern"])
        self.keep_words = tuple(c["keep_words"])
        self.determiner = re.compile(c["determiner_pattern"])
        self.zai_words = tuple(c["zai_words"])
        self.grant_object = re.compile(c["grant_object_pattern"])
        self.names_nothing_alone = frozenset(c["names_nothing_alone"])
        self.closing_verb = re.compile(c["closing_verb_pattern"])
        self.comparison_tail = re.compile(c["comparison_tail_pattern"])
        self.modal_inner = re.compile(c["modal_inner_pattern"])
        self.fund_grant_tail = re.compile(c["fund_grant_tail_pattern"])
        self.link_start = re.compile(f"(?:{_alt(c['change_words'])})(?:到|至|为)|(?:{_alt(c['link_words'])})$")
        self.list_label = re.compile(c["list_label_pattern"])
        self.list_head = re.compile(c["list_head_pattern"])
        self.list_opening = re.compile(c["list_opening_pattern"])
        self.change_word = re.compile(f"(?:年均)?(?:{_alt(c['change_words'])})")
        self.prefix = re.compile(f"^(?:{_alt(c['drop_prefixes'])})")
        # the patterns are tried only when one of their key characters is near the start (they are slower)
        self.calc_basis = re.compile(c["calculation_basis_pattern"])
        self.prefix_pat = re.compile(f"(?:{'|'.join([c['calculation_basis_pattern'], *c['drop_prefix_patterns']])})"
                                     f"(?=[\u4e00-\u9fff]{{2}})")
        self.prefix_hint = re.compile(f"[{re.escape(c['drop_prefix_pattern_keys'])}]")
        self.suffix = re.compile(f"(?:{_alt(c['drop_suffixes'])})$")
        self.after_stop = re.compile(_alt(c["after_stops"]))
        self.after_other_np = re.compile(c["after_other_np"])
        self.generic_word = re.compile(_alt(c["generic_alone"]))
        self.generic_alone = re.compile(f"(?:{_alt(c['generic_alone'])}|{_alt(c['link_words'])}|{_alt(c['drop_prefixes'])})*")
        self.after_category = re.compile(c["after_category"])
        self.per_case = re.compile(c["per_case_scope_pattern"])
        self.per_case_money = re.compile(c["per_case_scope_money_pattern"])
        self.money_noun = re.compile(f"(?:{_alt(c['money_nouns'])})")
        self.money_noun_near = re.compile(f"[^，,。；;、：:]{{0,12}}?(?:{_alt(c['money_nouns'])})")
        self.generic_after = re.compile(_alt(c["generic_after"]))
        self.money_noun_end = re.compile(f"(?:{_alt(c['money_nouns'])})$")
        # end-anchored patterns are searched only over the last few characters (their longest word)
        self.link_len = max(map(len, c["link_words"]))
        self.verb_len = max(map(len, verbs))
        self.suffix_len = max(map(len, c["drop_suffixes"]))
        self.money_len = max(map(len, c["money_nouns"]))
        self.level = re.compile(c["level_modifier_pattern"])
        self.property_head = re.compile(f"(?:{_alt(c['property_heads'])})$")
        self.property_len = max(map(len, c["property_heads"]))
        self.result_verbs = frozenset(c["result_verbs"])
        self.noun_links = frozenset(c["noun_links"])
        self.noun_link_subjects = frozenset(c["noun_link_subjects"])
        # words an indicator never ends inside (…冶炼废渣力|争达到100%): the link words of 2+ characters
        self.edge_words = tuple(sorted({w for w in c["link_words"] if len(w) >= 2}))
        self.headless_link = re.compile(f"(?:要|应|均)?(?:{_alt(c['headless_links'])})")
        self.headless = re.compile(f"的{self.headless_link.pattern}$")
        self.respectively_head = re.compile(f"(?:{_alt(c['respectively_item_heads'])})$")
        self.counter_any = {unit: re.compile(_alt(words)) for unit, words in c["counter_heads"].items()}
        self.counter_heads = {unit: re.compile(f"(?:{_alt(words)})(?![\u4e00-\u9fff])|(?:{_alt(words)})(?=建设|培育|认定|发展|及|和|与)")
                              for unit, words in c["counter_heads"].items()}


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    return _Cues()


_ENUM_OR_PER = re.compile(r"^(?:\d{1,2}[、.．](?!\d)|[一二三四五六七八九十]{1,3}、|第[一二三四五六七八九十百零\d]{1,5}条\s*|[（(][一二三四五六七八九十\d]{1,3}[）)]|[a-zA-Z][)）]|每(?:平方米|立方米|平方公里|公顷|亩|吨|公斤|千克|人|户|年|月|日|次|件|台|辆|处|个|家|项))")
_TIME_PREFIX = re.compile(r"^(?:(?:(?:19|20)\d{2}\s*年?\s*(?:[—–\-－~～]+|至|到)\s*)?(?:19|20)\d{2}\s*年(?:度|底|末|初)?(?:\d{1,2}月)?"
                          r"|(?:\d{1,2}\s*(?:[—–\-－~～]|至|到)\s*)?\d{1,2}\s*月份?(?![\d日号]))")  # (1-12月份营养膳食补助)
_BRACKET_TAIL = re.compile(r"[(（][^()（）]*[)）]$")
_SPACE = " \t\u3000"


def _trim(text: str, s: int, e: int, cues: _Cues) -> tuple[int, int]:
    """Drop prefixes, time expressions, particles and a trailing bracketed note from ``text[s:e]``."""
    changed = True
    while changed and s < e:
        changed = False
        while s < e and (text[s] in _SPACE or text[s] in "”’\"'）)》"):
            s, changed = s + 1, True
        m = _ASIDE_OPEN.match(text, s, e)  # （其中优质苜蓿50万亩）
        if m:
            s, changed = m.end(), True
        seg = text[s:e]
        m = _TIME_PREFIX.match(seg) or cues.prefix.match(seg) or _ENUM_OR_PER.match(seg) or (
            cues.prefix_pat.match(seg) if cues.prefix_hint.search(seg, 0, 12) else None)
        if m and m.end() > 0:
            s, changed = s + m.end(), True
        seg = text[s:e]
        m = _BRACKET_TAIL.search(seg)
        if m and m.start() > 0:
            e, changed = s + m.start(), True
        while s < e and text[e - 1] in _SPACE:
            e, changed = e - 1, True
        seg = text[s:e]
        m = cues.suffix.search(seg, max(0, len(seg) - cues.suffix_len))
        if m and not seg.endswith(cues.keep_words):
            e, changed = s + m.start(), True
    return s, e


def _last(matches: Iterator[re.Match[str]]) -> re.Match[str] | None:
    """The last of ``matches`` (None when there is none)."""
    last = None
    for last in matches:  # noqa: B007 - only the last one is wanted
        pass
    return last


_CAP_CUE = re.compile(r"最高不超过|最高不得超过|不得超过|不超过|不高于|最高")
_MONEY_NP = re.compile(r"([^，,。；;、：:的]{2,20}?(?:专项资金|资金|奖励|补助|补贴|奖补|经费|资助|贷款|罚款))")
# …处以不超过违法所得3倍的罚款，但最高不得超过30000元: the penalty noun alone names what a later cap caps
_MONEY_NP_ANY = re.compile(r"([^，,。；;、：:的]{0,20}?(?:专项资金|资金|奖励|补助|补贴|奖补|经费|资助|贷款|罚款))")


def _cap_share(text: str, ls: int, q: Any, cues: _Cues) -> tuple[int, int] | None:
    """A cap written as a share at a distance (奖励总额不超过…净资产增值额的35%; 给予不超过项目固定资产投资20%、
    最高不超过2000万元的省…专项资金支持): what is capped — the subject before the cap cue, else the money
    noun phrase that follows in the sentence — not the base of the share."""
    cue = _last(_CAP_CUE.finditer(text, ls, q.start))
    if cue is None or cue.end() == q.start:
        return None
    bs, be, verb_end = _before(text, ls, cue.start(), cues)
    if be > bs and not verb_end:
        return bs, be
    end = len(text)
    for ch in "。；;！？":
        k = text.find(ch, q.end)
        if k >= 0:
            end = min(end, k)
    m = _MONEY_NP.search(text, q.end, end)
    if m is None:
        return None
    s, e = m.start(1), m.end(1)
    for v in cues.verb_inner.finditer(text, s, e):
        if v.end() < e:
            s = v.end()
    for c in _CAP_CUE.finditer(text, s, e):
        s = c.end()
    return _trim(text, s, e, cues)


def _trim_links(text: str, s: int, e: int, cues: _Cues) -> tuple[int, int]:
    """``text[s:e]`` without link words and spaces at its end, then trimmed."""
    while e > s:
        m = cues.link_end.search(text, max(s, e - cues.link_len), e)
        if text[e - 1] in _SPACE:
            e -= 1
        elif m:
            e = m.start()
        else:
            break
    return _trim(text, s, e, cues)


def _head_after_de(text: str, s: int, e: int) -> int:
    """Start of the head noun after the last 的 in ``text[s:e]`` (two characters at least), else ``s``."""
    i = text.rfind("的", s, e - 2)
    return i + 1 if i >= s else s


def _balanced(seg: str) -> bool:
    return seg.count("(") + seg.count("（") == seg.count(")") + seg.count("）") and seg.count("“") == seg.count("”")


def _before(text: str, ls: int, qs: int, cues: _Cues, verb_noun: bool = False) -> tuple[int, int, bool]:
    """Indicator candidate before the quantity: (start, end, ends_with_object_verb)."""
    e = qs
    bm = _last(_BASIS.finditer(text, ls, qs))  # 在原…的基础上增加18元: what follows 基础上
    if bm is not None:
        ls = bm.end()
    m = _SHARE_OF_END.search(text, ls, e)  # 销售额要达到总销售额的30%: the share is of 销售额
    if m and m.start() > ls:
        e = m.start()
    while e > ls:  # link words, cue words, time expressions (由2015年的, 到2005年) and spaces at the end
        seg = text[ls:e]
        if seg[-1] in _SPACE:
            e -= 1
            continue
        m = (cues.link_end.search(seg, max(0, len(seg) - cues.link_len)) or _TIME_END.search(seg)
             or _PER_HEAD_END.search(seg))
        if not m:
            break
        if (m.group() in cues.noun_links and m.start() > 0 and "\u4e00" <= seg[m.start() - 1] <= "\u9fff"
                and seg[m.start() - 1] not in cues.noun_link_subjects):
            break  # 专项硕士研究生招生计划由…: the end of a name (招生计划), not 计划 "plans to"
        e = ls + m.start()
    m = _last(baseline_from().finditer(text, max(ls, e - 13), e))  # 森林覆盖率由82%…: what precedes 由/从
    if m is not None and cues.verb_inner.search(text, m.end(), e):
        m = None  # 从失业保险基金结余中提取: a source, not a baseline
    if m is None:
        m = _COMPARED_TO.search(text, ls, e)  # 森林碳汇能力较2021年提高6%以上: what is compared
    if m is not None and m.start() > ls:
        e = m.start()
        m2 = cues.link_end.search(text, max(ls, e - cues.link_len), e)  # …占有率力争由当前3%
        if m2 and m2.start() > ls and not (m2.group() in cues.noun_links and "\u4e00" <= text[m2.start() - 1] <= "\u9fff"
                                           and text[m2.start() - 1] not in cues.noun_link_subjects):
            e = m2.start()
    seg = text[ls:e]
    if not seg:
        return ls, ls, False
    if not verb_noun and cues.verb_end.search(seg, max(0, len(seg) - cues.verb_len)):
        return e, e, True
    s = ls
    zhan = text.rfind("占", ls, e)  # 装配式建筑占新建建筑面积比例: no verb inside a 占 phrase
    # 新建燃煤机组脱硫效率, 省级龙头企业带动系统销售额: a property of what the verb names (效率, 数量, 金额 …)
    # keeps the verb as a modifier; only verbs that state the result (实现, 力争 …) are cut
    prop = cues.property_head.search(text, max(ls, e - cues.property_len), e) is not None
    for m in cues.verb_inner.finditer(text, ls, e):  # (endpos e, not zhan: the lookahead must see 占)
        if zhan >= 0 and m.end() > zhan:
            break
        if (prop and m.group() not in cues.result_verbs and not _NOT_NP.search(text, m.start(), e)
                and not _SUBJECT_LIST.search(text, ls, m.start())):
            continue  # (not after a list of subjects: 户外广告牌、…等社会媒介设置公益广告总量占比)
        if m.end() < e or not verb_noun:  # 开展职业技能培训50万人次: the last verb is the noun
            s = m.end()
    if prop:  # …》明确了签约比例: the noun phrase starts after the predicate
        k = _last(_NOT_NP.finditer(text, s, e))
        if k is not None:
            s = k.end()
    for m in _ARTICLE_QUANT.finditer(text, s, e):  # 曝光一批典型案件: what the batch holds
        s = m.end()
    for m in _DISPOSAL.finditer(text, s, e):  # 《计划》将…上限, 调整标准将失业保险金标准…: what 将/把 takes
        if m.end() < e:
            s = m.end()
    for m in _TIME_PREFIX_ANY.finditer(text, s, e):  # a time expression inside: what follows it
        if not cues.verb_end.fullmatch(text, m.end(), e):  # (not 专项资金每年安排: the verb alone is nothing)
            s = m.end()
    zhan = text.rfind("占", s, e)
    if zhan < 0 or text.find("的", zhan, e) < 0:  # 教师占专业课教师的比例: the 占 phrase is whole
        s = _head_after_de(text, s, e)
    s, e = _trim(text, s, e, cues)
    return s, e, False


_NOT_NP = re.compile(r"[了》]")  # a verb before these is a predicate, not a modifier of a noun phrase
_TIME_PREFIX_ANY = re.compile(r"(?:19|20)\d{2}\s*年(?:度|底|末|初)?|每年度?|每季度|每月|(?<![\d一二两三四五六七八九十])年内"
                              r"|今年(?!以来)|时间内|期限内")
_SUBJECT_LIST = re.compile(r"[、等]")
# a time expression closing the text before a quantity: 由2021年的135立方米, 到２００５年达到１２万人
_SHARE_OF_END = re.compile(r"(?:要达到|达到|不低于|不高于|不超过|超过|低于|高于|提高到|降至|降低到)[^，,；;。：:]{1,24}的$")
_COMPARED_TO = re.compile(r"(?:较|比|同比)(?:[12１２][0-9０-９]{3}\s*年(?:度|底|末)?|上年|去年|上一年度?)[^，,；;。]{0,6}$"
                          r"|分别(?:同比|环比)(?:增长|增加|提高|提升|下降|减少|降低)$")  # …企业数量分别同比增长20%、30%
_ORIGINAL = re.compile(r"(?:在|比)原(?:每(?:人|户|生|名|个|家|年|月))*$")  # 在原每人每月70元的基础上
#: the end of an amount (number and unit) right before a bound word
_AMOUNT_END = re.compile(r"[0-9０-９.．一二两三四五六七八九十百千万亿](?:[万亿])?(?:美元|元|人|户|吨|平方米|亩|千瓦|家|个|项|台|辆|床|年)?$")
_NOUN_NEXT = re.compile(r"(?![的以左及或和与、])[\u4e00-\u9fff]")
_ANY_DIGIT = re.compile(r"[0-9０-９]")
_RANK = re.compile(r"(?:前|排名前|位列前)$")  # 前15家钢铁企业: a rank inside a noun phrase
_ARTICLE_QUANT = re.compile(r"(?:一批|一大批|一些|一系列|若干)(?=[\u4e00-\u9fff“]{2})")
_BASIS = re.compile(r"的?基础上")  # …的基础上增加18元: the change is of the standard before it
_DISPOSAL = re.compile(r"(?<![即必])[将把](?![来近要会])")
_ASIDE_OPEN = re.compile(r"[(（](?=其中|含|包括|已)")
_LIST_LEAD = re.compile(r"按照|根据|依据|按")
_PER_HEAD_END = re.compile(r"(?:每(?:人|户|生|名|个|家|年|月|季度|学年)){1,3}$")  # …提高至每人每月88元
_YEAR_ANY = re.compile(r"(?:[1１][9９]|[2２][0０])[0-9０-９]{2}\s*年(?:度|底|末|初)?")
_TIME_ANY = re.compile(r"(?:到|至|在)?(?:[1１][9９]|[2２][0０])[0-9０-９]{2}\s*年(?:度|底|末|初)?")
_TIME_END = re.compile(r"(?:由|从|到|至|在)?(?:[1１][9９]|[2２][0０])[0-9０-９]{2}\s*年(?:度|底|末|初)?的?$")
# a unit note or an aside in brackets right after a quantity (200万千瓦（时）, 150万亩（其中…）): never the indicator
_NOTE_AFTER = re.compile(r"(?:[(（][^()（）]{0,12}[)）]|[(（](?=其中|含|包括|具体|不含|以下|已|按))")
# a per-unit tail after a quantity (135立方米/公顷, 9万元/人)
_PER_AFTER = re.compile(r"/(?:平方米|平方公里|立方米|公顷|千克|公斤|人次|人年|万人|亩|人|户|年|月|日|天|吨|次|台|件|个|辆|床|间)")


def _after(text: str, qe: int, re_: int, cues: _Cues, before_quantity: bool, unit: str | None = None) -> tuple[int, int]:
    """Indicator candidate after the quantity (``before_quantity``: the region ends at the next quantity,
    so a list mark 、 in it ends this quantity's item: ``2156家企业和机构、3072名`` → ``企业和机构``)."""
    s, e = qe, re_
    m = _PER_AFTER.match(text, s, e)
    if m:
        s = m.end()
    m = _NOTE_AFTER.match(text, s, e)
    if m:
        if m.group()[-1] not in ")）":  # an aside that runs on (150万亩（其中优质苜蓿50万亩）): nothing after
            return s, s
        s = m.end()
    if cues.link_start.match(text, s, e):  # 135立方米增加到142立方米: a link to the next value, not a noun
        return s, s
    while s < e and text[s] in _SPACE + "的":
        s += 1
    if text.startswith("比例", s):  # 按不超过其实际投资额1%的比例给予一次性奖励
        s += 2
    m = cues.verb_inner.match(text, s, e)  # 给予分档奖励, 予以奖补: the object after the verb
    if m and m.end() < e:
        s = m.end()
    if before_quantity:
        i = text.find("、", s, e)
        while i >= 0 and not _balanced(text[s:i]):
            i = text.find("、", i + 1, e)
        if i >= 0:
            e = i
    de = text.find("的", s, e)
    heads = cues.counter_any.get(unit) if unit is not None else None
    hm = _last(heads.finditer(text, s, de)) if heads is not None and de > s + 1 else None
    if hm is not None and len(hm.group()) >= 2 and not cues.verb_inner.match(text, s, de) and text[s] not in "在对为向由":
        e = hm.end()  # 1000项重大科技计划项目成果的转移转化, 100余万名从业人员薪酬调查的基础上: what the counter counts
        # (成果, 人员) ends the indicator, not what it owns
    elif not before_quantity:  # 40个左右具有中坚支撑作用的“腰部”项目: the head after 的 first
        s = _head_after_de(text, s, e)
    m = cues.after_other_np.search(text, s + 1, e)  # 11个市和所有县（市）: the count counts 市 only
    if m:
        e = m.start()
    for m in cues.after_stop.finditer(text, s + 2, e):
        if m.group() == "以上" and text[m.start() - 1] in "级模额":
            continue  # 20家省级以上创新平台, 1万家规模以上工业企业: part of the noun phrase
        if m.start() >= e:
            break
        if (m.group() == "以上" and heads is not None and _AMOUNT_END.search(text, s, m.start())
                and _NOUN_NEXT.match(text, m.end(), e)
                and (hm := _last(heads.finditer(text, m.end(), e))) is not None):
            e = hm.end()  # 50家投资总额2000万美元以上重点外资企业包联帮扶: a criterion inside the noun phrase
            continue  # (FORMAT.md), which ends with what the counter counts
        if _balanced(text[s:m.start()]):
            e = m.start()
            break
    m = _last(cues.after_category.finditer(text, s + 2, e)) if heads is not None else None
    if (m is not None and _balanced(text[m.end():e]) and _LIST_MARK.search(text, s, m.start())
            and not _LIST_MARK.search(_BRACKETED.sub("", text[m.end():e]))):
        s = m.end()  # 20个A、B和C等新商贸业态建设项目: the category (not 数字内容等文化领域…, not …等D及E、F)
    s = _head_after_de(text, s, e)
    return _trim(text, s, e, cues)


def find_indicators(text: str, quantities: Sequence[Any], roles: frozenset[str] = INDICATOR_ROLES) -> list[Indicator | None]:
    """One :class:`Indicator` (or ``None``) per quantity in ``quantities`` (left to right, with ``start``,
    ``end``, ``kind`` and ``role`` attributes); only quantities whose role is in ``roles`` get one."""
    cues = _cues()
    n = len(text)
    out: list[Indicator | None] = [None] * len(quantities)
    side: list[str] = [""] * len(quantities)
    consumed = 0  # end of the previous quantity (or of its indicator, when that was read after it)
    consumed_before = 0  # the same, before the previous quantity
    for i, q in enumerate(quantities):
        seg_s = _segment_start(text, q.start, cues.breaks)
        ls = max(seg_s, consumed)
        if i and quantities[i - 1].start > seg_s and (quantities[i - 1].role == "threshold" or (_RANK.search(
                text, max(seg_s, quantities[i - 1].start - 2), quantities[i - 1].start)
                and "、" not in text[quantities[i - 1].end:q.start])):
            # 培育年销售收入超50亿元企业3-5家, 前15家钢铁企业产能规模占全省比重: a criterion or a rank belongs to the noun
            ls = max(seg_s, consumed_before)
        consumed_before = consumed
        # the text after runs to the segment end or the next quantity that is not a modifier (…的)
        re_ = segment_end(text, q.end, cues.breaks, n)
        stopped = False
        for j in range(i + 1, len(quantities)):  # by index: slicing would make whole texts quadratic
            nq = quantities[j]
            if nq.start >= re_:
                break
            if nq.role == "threshold" and (text.find("的", nq.end, re_) >= 0 or (
                    q.kind == "count" and _NOUN_NEXT.match(text, nq.end, re_))):
                continue  # (5家主营业务收入超百亿元企业: the criterion belongs to the counted noun)  # 15个关键工序数控化率提升5%以上、…的数字化特色产业集群: criteria inside the noun phrase
            if not text.startswith("的", nq.end) or text[nq.start - 1:nq.start] == "、":
                re_, stopped = nq.start, True  # (a list item such as 、80%的… is not a modifier)
                break
        pm = _PER_AFTER.match(text, q.end)
        consumed = pm.end() if pm else q.end
        if q.role not in roles:
            continue
        bs, be, verb_end = _before(text, ls, q.start, cues)
        if i and ls < quantities[i - 1].start and bs <= quantities[i - 1].start < be < quantities[i - 1].end:
            be = quantities[i - 1].end  # 年销售收入3亿元以上的达到300家: not inside the criterion's amount
        if i and be > bs and quantities[i - 1].end == ls and quantities[i - 1].role not in roles:
            # 46个连片县和国贫县土建项目100%开工: after what the scope count counts (县), the share's subject
            pq = quantities[i - 1]
            heads = cues.counter_any.get(pq.unit) if pq.kind == "count" else None
            hm = _last(heads.finditer(text, bs, be - 2)) if heads is not None else None
            if hm is not None and be - hm.end() >= 2:
                bs = _trim(text, hm.end(), be, cues)[0]
        as_, ae = _after(text, q.end, re_, cues, stopped, q.unit if q.kind == "count" else None)
        if ae > as_ and cues.generic_after.fullmatch(text, as_, ae):
            ae = as_  # 300吨生产能力, 1万人的工作目标: nothing named after the number
        after_money = (q.kind == "money" and cues.money_noun_near.match(text, q.end) is not None) or (
            cues.penalty.match(text, q.end) is not None)
        # counts and measures name what they count right after the counter (两个国家文化出口基地,
        # 已生育三个子女); the text before is the indicator only when nothing follows (企业500家以上，);
        # a share followed by 的 is a share of what follows (30%的县城, 80%以上的乡镇卫生院)
        counted_after = (q.kind in ("count", "measure") or (q.kind in ("percent", "ratio") and text.startswith("的", q.end))) and ae > as_
        pen = cues.penalty.match(text, q.end)
        orig = _ORIGINAL.search(text, ls, q.start)
        if pen is not None:  # …10万元以下罚款的法律责任: the fine is what is measured, not what it belongs to
            s, e, side[i] = pen.end() - len(pen.group().lstrip("的")), pen.end(), "after"
        elif orig is not None and i and out[i - 1] is not None and quantities[i - 1].kind == q.kind:
            out[i], side[i] = out[i - 1], "before"  # …提高至每人每月88元，即在原每人每月70元的基础上: the same standard
            continue
        elif (after_money or counted_after) and ae > as_:
            s, e, side[i] = as_, ae, "after"
        elif be > bs and not verb_end:
            s, e, side[i] = bs, be, "before"
        elif ae > as_:
            s, e, side[i] = as_, ae, "after"
        elif (verb_end and q.kind in ("count", "measure") and (vn := _before(text, ls, q.start, cues, True))[1] > vn[0]
              and (vm := cues.verb_end.search(text, max(vn[0], vn[1] - cues.verb_len), vn[1])) and vm.start() > vn[0]):
            s, e, side[i] = vn[0], vn[1], "before"  # 开展职业技能培训50万人次: the verb names the activity counted
        elif (verb_end and q.kind == "money" and (vn := _before(text, ls, q.start, cues, True))[1] > vn[0]
              and (vm := cues.verb_end.search(text, max(vn[0], vn[1] - cues.verb_len), vn[1])) and vm.start() > vn[0]
              and (vt := _trim_links(text, vn[0], vm.start(), cues))[1] > vt[0]):
            s, e, side[i] = vt[0], vt[1], "before"  # 营养膳食补助共支出39537万元: what was spent
        elif (verb_end and q.kind == "money" and (vn := _before(text, ls, q.start, cues, True))[1] > vn[0]
              and cues.verb_end.fullmatch(text, vn[0], vn[1])
              and (vt := _trim_links(text, ls, vn[0], cues))[1] > vt[0]
              and cues.money_noun_end.search(text, max(vt[0], vt[1] - cues.money_len), vt[1])):
            s, e, side[i] = vt[0], vt[1], "before"  # 1-12月份营养膳食补助共支出…: 补助 is the noun there
        elif verb_end and cues.money_noun_end.search(text, max(ls, q.start - cues.money_len), q.start):
            # 区块链应用示范支持最高300万: the money verb is the noun
            s, e = _trim(text, ls, q.start, cues)
            inner = list(cues.verb_inner.finditer(text, s, e - 2))
            m = inner[-1] if inner else None
            s = m.end() if m is not None and m.end() < e else s
            s, e = _trim(text, s, e, cues)
            side[i] = "before"
        else:
            continue
        if q.role == "cap" and q.kind in ("percent", "ratio"):
            share = _cap_share(text, ls, q, cues)
            if share is not None:
                s, e, side[i] = share[0], share[1], "share"
        if e > s and side[i] == "before" and cues.change_only.fullmatch(text, s, e):
            continue  # 增长8.5%: only a change word; takes the previous quantity's indicator below
        if e > s:
            out[i] = Indicator(text[s:e], s, e)
            if side[i] == "after":
                consumed = max(consumed, e)
    _pos_edges(text, out, side)
    _list_heads(text, quantities, out, cues, roles)
    _respectively(text, quantities, out, side, cues, roles)
    _earlier_referent(text, quantities, out, cues, roles)
    _previous_segment(text, quantities, out, cues, roles)
    _share(text, quantities, out, side, cues, roles)
    for i in range(1, len(quantities)):  # 新增上市企业50家，累计达到300家: only link words before it
        q, pq = quantities[i], quantities[i - 1]
        prev_ind = out[i - 1]
        if out[i] is not None or q.role not in roles or prev_ind is None:
            continue
        # 技术合同成交额年递增21%,到2015年达到10000亿元: the amount whose growth was given before
        # (the growth word ends the previous indicator or, cut from it by _pos_edges, follows it: then it is whole)
        rate_of_level = pq.kind in ("percent", "ratio") and q.kind not in ("percent", "ratio")
        grown = _GROWTH_END.search(prev_ind.text) if rate_of_level else None
        follows = rate_of_level and _GROWTH_END.fullmatch(text, prev_ind.end, pq.start) is not None
        if (pq.kind != q.kind and not (q.kind in ("percent", "ratio") and pq.role == q.role) and grown is None
                and not follows):
            continue
        gap = text[pq.end:q.start]
        if any(ch in gap for ch in "。；;！!？?\n"):
            continue
        seg = gap[max(gap.rfind(ch) for ch in "，,：:、") + 1:].strip(_SPACE)
        if (bm := _BASIS.match(seg)) is not None and bm.end() < len(seg):
            seg = seg[bm.end():]  # 70元的基础上增加18元
        if (cm := cues.calc_basis.match(seg)) is not None:
            seg = seg[cm.end():]  # 按不变价格计算同比增长5.8%
        pm = _PER_AFTER.match(seg)
        seg = seg[pm.end():] if pm else seg  # 135立方米/公顷增加到142立方米
        bare = _YEAR_ANY.sub("", seg)  # 由…提高到2020年的19.4%: the year is not part of the link
        seg = bare if cues.link_only.fullmatch(bare) else _TIME_ANY.sub("", seg)  # …，到2015年达到10000亿元
        pm = _PER_AFTER.match(text, q.end)
        qe = pm.end() if pm else q.end
        closes = not text[qe:qe + 1].strip("，,。；;、 ")
        if seg and closes and cues.link_only.fullmatch(seg):
            prev = out[i - 1]
            assert prev is not None
            if grown is not None and grown.start() >= 2:
                out[i] = Indicator(prev.text[:grown.start()], prev.start, prev.start + grown.start())
            elif grown is None:
                out[i] = prev
        elif seg and closes and cues.change_only.fullmatch(seg):
            # …营业收入1200亿元，增长12%, …171.72亿元，比2015年增长21.6%: the change of the same thing measures
            # that thing (FORMAT: the indicator is a substring; the change word is the comparison, not the noun)
            out[i] = out[i - 1]
    for i, q in enumerate(quantities):  # …予以补助，最高不超过500万元: a cap alone in its segment caps that grant
        if q.role != "cap":
            continue
        seg_s = _segment_start(text, q.start, cues.breaks)
        # …给予补助，单个企业最高不超过200万元: the case it applies to is no indicator (a grant named after the amount,
        # 单个企业最高不超过100万元的专项资金支持, stays)
        found = out[i]
        lead = text[seg_s:q.start].strip(_SPACE)
        if found is None or (found.end <= q.start and (cues.per_case.fullmatch(lead) or (
                q.kind == "money" and cues.per_case_money.fullmatch(lead)))):
            sent_s = max(text.rfind(ch, 0, seg_s) for ch in "。；;！？\n") + 1
            last = (_last(_MONEY_NP.finditer(text, sent_s, seg_s))
                    or _last(_MONEY_NP_ANY.finditer(text, sent_s, seg_s)))
            if last is not None:
                s, e = last.start(1), last.end(1)
                for v in cues.verb_inner.finditer(text, s, e):
                    if v.end() < e:
                        s = v.end()
                s, e = _trim(text, s, e, cues)
                if e > s:
                    out[i] = Indicator(text[s:e], s, e)
    for i in range(1, len(quantities)):  # …的比例给予奖励、最高不超过1000万元: a second cap on the same grant
        q, pq = quantities[i], quantities[i - 1]
        gap = text[pq.end:q.start]
        if (out[i] is None and q.role == "cap" and pq.role == "cap" and out[i - 1] is not None
                and gap.rstrip(_SPACE).endswith(("、", "，", ",")) and not any(ch in gap for ch in "。；;")):
            out[i] = out[i - 1]
    for i in range(1, len(quantities)):  # 分别增长两成和百分之十五: the second takes the first's indicator
        q, pq = quantities[i], quantities[i - 1]
        if (out[i] is None and q.role in roles and out[i - 1] is not None and side[i - 1] == "before"
                and text[pq.end:q.start].strip(_SPACE) in ("和", "及", "与", "、", "以及")):
            out[i] = out[i - 1]
    return out


@lru_cache(maxsize=1)
def _pos_cues() -> dict[str, frozenset[str]]:
    c = load_indicator_cues()["pos_edges"]
    return {k: frozenset(v) for k, v in c.items()}


@lru_cache(maxsize=1)
def _pos_hints() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Words a span must end with (predicates, change words) or hold near its start (openers) to be cut."""
    pc = _pos_cues()
    return tuple(pc["predicates"] | pc["change_after"]), tuple(pc["openers"])


@lru_cache(maxsize=8192)
def _pos_tokens(span: str) -> tuple[tuple[str, str], ...]:
    """jieba part-of-speech tokens of an indicator span (cached: spans repeat across a corpus)."""
    import logging

    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.WARNING)
    return tuple((w.word, w.flag) for w in pseg.cut(span))


_NOMINAL = ("n", "vn", "b", "eng", "x", "m", "q", "a", "j", "l", "s", "f", "h", "k")


def _pos_span(span: str, after: str) -> tuple[int, int]:
    """Offsets inside ``span`` of its noun phrase (``after``: the text right after the span). A predicate after
    the noun (``pos_edges.predicates``; a change word only right before a number) and
    an opener that governs the rest (``pos_edges.openers``) are cut: ``县域…企业上市`` → ``县域…企业``,
    ``单位GDP能耗下降``+``15%`` → ``单位GDP能耗``, ``完成设备购置金额`` → ``设备购置金额``. jieba's words say where a
    word ends; its tags only whether a neighbour is nominal (its verb tags are too noisy to decide alone)."""
    pc = _pos_cues()
    ends, opens = _pos_hints()
    if not span.endswith(ends) and not any(w in span[:4] for w in opens):
        return 0, len(span)  # nothing to cut: no word segmentation needed (the common case, and fast)
    toks = _pos_tokens(span)
    if len(toks) < 2:
        return 0, len(span)

    def nominal(w: str, f: str) -> bool:
        return w in pc["nouns"] or (f.startswith(_NOMINAL) and f not in pc["verb_tags"] and w not in pc["predicates"])

    s, e = 0, len(span)
    # the tail: a predicate after the noun ends the noun phrase (…企业上市, 单位GDP能耗下降15%)
    last = toks[-1][0]
    k = len(toks) - 2
    while k > 0 and toks[k][0] in pc["tail_adverbs"]:
        k -= 1  # 单位工业增加值能耗累计下降26.08%: 累计 goes with the change
    tail = sum(len(t[0]) for t in toks[k + 1:])
    change = last in pc["change_after"]
    if ((last in pc["predicates"] or change) and nominal(*toks[k]) and len(toks[k][0]) >= 2
            and "占" not in span[:len(span) - tail]
            and (not change or _NUMBER_START.match(after))):
        e = len(span) - tail
    # the head: an opener (after a listed adverb: 重新确认…, 已完成…) followed by a noun phrase
    i0 = 1 if toks[0][0] in pc["opener_adverbs"] and len(toks) > 2 else 0
    w = toks[i0][0]
    rest = toks[i0 + 1:]
    off = sum(len(t[0]) for t in toks[:i0 + 1])
    if (w in pc["openers"] and rest and e - off >= 2 and len(rest[0][0]) >= 2 and nominal(*rest[0])
            and all(nominal(*t) or t[1] in pc["verb_tags"] or t[0] in pc["predicates"] for t in rest)):
        s = off
    return s, e


_NUMBER_START = re.compile(r"[0-9０-９一二两三四五六七八九十百千万.．%％]")


def _after_np_end(span: str) -> int:
    """End of the noun phrase that opens ``span``, a text read after the quantity: a preposition or an adverb
    after its nouns starts the predicate (``场地免费向高校毕业生创业者`` → ``场地``, ``信息化项目仅占`` →
    ``信息化项目``)."""
    pc = _pos_cues()
    if not any(ch in pc["after_stop_chars"] for ch in span[2:]):
        return len(span)
    pos = 0
    for k, (w, _tag) in enumerate(_pos_tokens(span)):
        if k and pos >= 2 and w in pc["after_stop_words"]:
            return pos
        pos += len(w)
    return len(span)


def _pos_edges(text: str, out: list[Indicator | None], side: list[str]) -> None:
    """Trim each indicator to its noun phrase by part of speech (see :func:`_pos_span`)."""
    done: dict[int, Indicator] = {}
    for i, ind in enumerate(out):
        if ind is None or ind.end - ind.start < 3 or text[ind.start:ind.end] != ind.text:
            continue
        if id(ind) in done:
            out[i] = done[id(ind)]
            continue
        if side[i] == "after" and (k := _after_np_end(ind.text)) < len(ind.text):
            ind = Indicator(ind.text[:k], ind.start, ind.start + k)
            done[id(out[i])] = ind
            out[i] = ind
        s, e = _pos_span(ind.text, text[ind.end:ind.end + 2])
        if (s, e) != (0, len(ind.text)) and e - s >= 2:
            new = Indicator(ind.text[s:e], ind.start + s, ind.start + e)
            done[id(ind)] = new
            out[i] = new


def _share(text: str, quantities: Sequence[Any], out: list[Indicator | None], side: list[str], cues: _Cues,
           roles: frozenset[str]) -> None:
    """Shared heads (国家级、…省级工业设计中心) and the two bounds of one range (五千元以上二万元以下罚款)."""
    for i in range(len(quantities) - 2, -1, -1):
        q, nq = quantities[i], quantities[i + 1]
        if q.role not in roles:
            continue
        nxt = out[i + 1]
        gap = text[q.end:nq.start]
        adjacent = gap.strip(_SPACE + "、至到-—～~") == ""
        lower_upper = q.comparator in (">", ">=") and nq.comparator in ("<", "<=")
        if nxt is not None and adjacent and (out[i] is None or (lower_upper and side[i + 1] == "after")):
            out[i] = nxt  # 五千元以上二万元以下罚款, 百分之五以上百分之十以下的罚款: one range, one indicator
            side[i] = side[i + 1]
            continue
        cur = out[i]
        if cur is None or nxt is None or side[i] != "after" or side[i + 1] != "after":
            continue
        if not cues.level.match(cur.text):
            continue
        m = re.match(r"^[^、，,]{1,4}?级", nxt.text)
        if m and cues.level.match(m.group()) and len(nxt.text) > m.end():
            out[i] = Indicator(cur.text + nxt.text[m.end():], cur.start, nxt.end)


def _list_heads(text: str, quantities: Sequence[Any], out: list[Indicator | None], cues: _Cues,
                roles: frozenset[str]) -> None:
    """Ranked lists (``开工率由高到低排序，依次是：衡水市116.48%、沧州市114.19%…``, ``完成率较低的县（市）为：
    故城县（0%）、…``): a quantity whose list item is only a place name measures the list's head, the
    first rate or amount word before the colon (``开工率``), not the place."""
    if "：" not in text and ":" not in text and cues.list_opening.search(text) is None:
        return  # neither a colon nor a ranking opener: no list head anywhere (most texts; a fast exit)
    for i, q in enumerate(quantities):
        if q.role not in roles:
            continue
        colon = max(text.rfind("：", 0, q.start), text.rfind(":", 0, q.start))
        if colon < 0 or any(ch in text[colon:q.start] for ch in "。；;！？"):
            # no colon: a ranking opened by its head (竣工率由高到低排序，…，邢台市99.97%)
            sent0 = max(text.rfind(ch, 0, q.start) for ch in "。；;！？\n") + 1
            first = min((k for k in (text.find(ch, sent0, q.start) for ch in "，,") if k >= 0), default=-1)
            if first < 0 or not cues.list_opening.search(text, sent0, first):
                continue
            colon = first
        item_s = max(text.rfind("、", colon, q.start), text.rfind("，", colon, q.start), colon) + 1
        if i and item_s <= quantities[i - 1].end < q.start:
            item_s = quantities[i - 1].end  # …辛集市69.86%张家口市68.99%: an item whose 、 was left out
        if not cues.list_label.fullmatch(text, item_s, q.start):
            continue
        sent_s = max(text.rfind(ch, 0, colon) for ch in "。；;！？\n") + 1
        head = None
        seg_e = colon
        while head is None and seg_e > sent_s:  # the segment before the colon, then the one before it
            seg_s = max(max(text.rfind(ch, sent_s, seg_e) for ch in "，,") + 1, sent_s)
            for m in cues.list_head.finditer(text, seg_s, seg_e):
                s, e = m.start(1), m.end(1)
                lead = _LIST_LEAD.match(text, s, e)
                s, e = _trim(text, lead.end() if lead else s, e, cues)
                if e > s:
                    head = Indicator(text[s:e], s, e)
                    break
            seg_e = seg_s - 1
        if head is not None:
            out[i] = head


_GROWTH_END = re.compile(r"(?:年均|每年|年)?(?:递增|增长|增加|提高|提升)$")
_LIST_SEP = re.compile(r"、")
_LIST_MARK = re.compile(r"、|和|及|与")
_BRACKETED = re.compile(r"[（(][^（）()]*[)）]")
_LIST_LAST = re.compile(r"和|及|以及|与")


def _runs(text: str, quantities: Sequence[Any], roles: frozenset[str], gaps: tuple[str, ...]) -> Iterator[range]:
    """Runs of consecutive quantities (indices), each after the first with a role in ``roles`` and only one of
    ``gaps`` between it and the one before."""
    n, i = len(quantities), 0
    while i < n:
        j = i + 1
        while (j < n and quantities[j].role in roles
               and text[quantities[j - 1].end:quantities[j].start].strip(_SPACE) in gaps):
            j += 1
        yield range(i, j)
        i = j


def _respectively(text: str, quantities: Sequence[Any], out: list[Indicator | None], side: list[str], cues: _Cues,
                  roles: frozenset[str]) -> None:
    """分别 lists: ``开展A计划、B计划和C计划，到2022年底分别培训48万人次、9万人次、3万人次`` — a run of n
    quantities after 分别 whose indicators are all missing or all the same takes, one by one, the n items
    of the list in the previous segment of the sentence (split at 、, the last item at 和/及); nothing
    changes when the counts differ. A list in the 分别 segment itself (``审核期、辅导期企业数量分别增长…``)
    is one indicator and is left alone."""
    for run in _runs(text, quantities, roles, ("、", "和", "及", "，", ",")):
        q = quantities[run[0]]
        if len(run) < 2 or q.role not in roles:
            continue
        seg_s = _segment_start(text, q.start, cues.breaks)
        k = text.rfind("分别", seg_s, q.start)
        first = out[run[0]]
        if k >= 0 and q.start - k <= 6 and first is not None and first.end <= k and all(
                out[r] is None or out[r] == first for r in run) and not any(quantities[r].role == "cap" for r in run):
            # 污泥无害化处理处置率和再生水利用率分别达到50%和20%以上: a list of whole indicators in the segment
            own = _list_items(text, first.start, first.end, len(run), cues)
            if own is not None and all(cues.respectively_head.search(text, a, b) for a, b in own):
                for r, (a, b) in zip(run, own):
                    out[r] = Indicator(text[a:b], a, b)
                continue
        if len({ind.text if (ind := out[k]) else None for k in run}) != 1:
            continue
        if k < 0 or q.start - k > 6 or seg_s == 0 or text[seg_s - 1] not in "，," or any(
                quantities[r].role == "cap" for r in run):
            continue  # (分别培训48万人次, 分别达到; not 分别择优给予不超过…、最高不超过…: two caps on one grant)
        prev_s = _segment_start(text, seg_s - 1, cues.breaks)
        if any(prev_s <= x.start < seg_s for x in quantities):
            continue  # 新增超50亿、超100亿的特色产业集群30个和20个左右，分别达150个、80个: not a list of names
        items = _list_items(text, prev_s, seg_s - 1, len(run), cues)
        if items is None:
            continue
        for k, (s, e) in zip(run, items):
            out[k] = Indicator(text[s:e], s, e)
            side[k] = "before"


def _list_items(text: str, s: int, e: int, n: int, cues: _Cues) -> list[tuple[int, int]] | None:
    """The ``n`` items of the list ``text[s:e]`` (a leading verb dropped), or None when it has another count."""
    m = cues.verb_inner.match(text, s, e)
    if m:
        s = m.end()
    bounds = [s] + [x.end() for x in _LIST_SEP.finditer(text, s, e) if _balanced(text[s:x.start()])]  # not 县（市、区）
    spans = [(a, b - 1) for a, b in pairwise(bounds)] + [(bounds[-1], e)]
    if len(spans) == n - 1:  # A、B和C: the last item splits at its last 和/及
        ls, le = spans[-1]
        last = _last(x for x in _LIST_LAST.finditer(text, ls, le) if _balanced(text[ls:x.start()]))
        if last is None:
            return None
        spans[-1:] = [(ls, last.start()), (last.end(), le)]
    if len(spans) != n:
        return None
    out = []
    for a, b in spans:
        a, b = _trim(text, a, b, cues)
        if b - a < 2 or not _balanced(text[a:b]):
            return None
        out.append((a, b))
    return out


def _previous_segment(text: str, quantities: Sequence[Any], out: list[Indicator | None], cues: _Cues,
                      roles: frozenset[str]) -> None:
    """A quantity whose comma segment names only a generic word, a currency or link words before it
    (``…曝光一批典型案件，数量不得少于10个``, ``对个人的罚款金额，为人民币十万元以下``) measures what the
    previous comma segment of the sentence names, read like the text before a quantity."""
    for i, q in enumerate(quantities):
        cur = out[i]
        if q.role not in roles or (cur is not None and not cues.generic_alone.fullmatch(cur.text)):
            continue
        seg_s = _segment_start(text, q.start, cues.breaks)
        if seg_s == 0 or text[seg_s - 1] not in "，," or (i and quantities[i - 1].end > seg_s):
            continue
        if not cues.generic_alone.fullmatch(text, seg_s, q.start) or not cues.generic_word.search(text, seg_s, q.start):
            continue
        prev_s = _segment_start(text, seg_s - 1, cues.breaks)
        if any(prev_s <= x.start < seg_s for x in quantities):
            continue
        s, e, verb_end = _before(text, prev_s, seg_s - 1, cues)
        if not verb_end and e - s >= 2 and _balanced(text[s:e]) and not _ANY_DIGIT.search(text, s, e):
            out[i] = Indicator(text[s:e], s, e)


def _earlier_referent(text: str, quantities: Sequence[Any], out: list[Indicator | None], cues: _Cues,
                      roles: frozenset[str]) -> None:
    """A count with nothing named in its segment (``提前启动今年5G基站及网络建设，力争全年新增2.2万个``)
    counts the last noun of the previous comma segment that its counter counts (``个`` → 基站, ``家`` →
    企业 …; ``counter_heads`` in the cue lexicon), from after the verb or time word before that noun."""
    for i, q in enumerate(quantities):
        if out[i] is not None or q.role not in roles or q.kind != "count":
            continue
        heads = cues.counter_heads.get(q.unit)
        if heads is None:
            continue
        seg_s = _segment_start(text, q.start, cues.breaks)
        if seg_s == 0 or text[seg_s - 1] not in "，,":
            continue
        sent_s = _segment_start(text, seg_s - 1, cues.breaks)  # the previous comma segment of the sentence only
        if any(sent_s <= x.start < seg_s for x in quantities):
            continue  # an earlier quantity of the sentence: its own rules apply
        m = _last(heads.finditer(text, sent_s, seg_s))
        if m is None:
            continue
        s, e = m.start(), m.end()
        while s > sent_s and text[s - 1] not in cues.breaks and text[s - 1] not in "、和及与":
            s -= 1
        for v in cues.verb_inner.finditer(text, s, m.start()):
            s = v.end()
        for t in _TIME_PREFIX_ANY.finditer(text, s, m.start()):
            s = t.end()
        s, e = _trim(text, _head_after_de(text, s, e), e, cues)
        if e - s >= 2 and _balanced(text[s:e]):
            out[i] = Indicator(text[s:e], s, e)


_RUN_GAPS = ("、", "和", "及", "与", "以及", "，", ",")


def final_pass(text: str, quantities: Sequence[Any], roles: frozenset[str] = INDICATOR_ROLES
               ) -> list[Indicator | None]:
    """The quantities' indicators (their ``indicator``/``indicator_start``/``indicator_end``) after a last pass
    for what the re-rankers and the reader, which score each quantity alone, cannot see: 分别 runs
    (:func:`respectively`) and headless 的 phrases (:func:`headless`)."""
    out = headless(text, quantities, respectively(text, quantities, roles), roles)
    return _broken_edges(text, _grown_numerators(text, quantities, out))


_SHARE_OF = re.compile("占(?!有|用|地面积)")


def _grown_numerators(text: str, quantities: Sequence[Any], out: list[Indicator | None]) -> list[Indicator | None]:
    """A growth rate right after a share that took the share's indicator grows the share's numerator
    (``…增加值占地区生产总值比重达到12%，年均增长10%以上`` → ``…增加值``); a change in 个百分点 is the share's own."""
    cues = _cues()
    res = out
    for i in range(1, len(quantities)):
        q, pq, ind, prev = quantities[i], quantities[i - 1], out[i], out[i - 1]
        if (ind is None or prev is None or (ind.start, ind.end) != (prev.start, prev.end) or q.kind != "percent"
                or q.unit == "个百分点" or q.role not in INDICATOR_ROLES):
            continue
        m = _SHARE_OF.search(ind.text, 2)  # (not 市场占有率, 占用)
        k = m.start() if m else -1
        gap = text[pq.end:q.start]
        seg = gap[max(gap.rfind(ch) for ch in "，,") + 1:].strip(_SPACE)
        if k < 0 or any(ch in gap for ch in "。；;！!？?\n") or not seg or not cues.change_only.fullmatch(seg):
            continue
        res = res if res is not out else list(out)
        res[i] = Indicator(ind.text[:k], ind.start, ind.start + k)
    return res


#: a baseline clause after an indicator (…已达60.2%的基础上) whose 在 opened it (words that open with 在: zai_words)
_BASIS_AFTER = re.compile(r"[^，,；;。]{0,24}?的基础上")
_WORD_CHAR = re.compile(r"[\u4e00-\u9fffA-Za-z0-9０-９Ａ-Ｚａ-ｚ]")
_TIME_BEFORE = re.compile(r"(?:(?:19|20)\d{2}\s*年|月)(?:底|末)?$")
_DEADLINE_REST = re.compile(r"(?:之前|以前|前)(?![一二三四五六七八九十两\d])")
#: characters an indicator does not open with (it does not end with a segment break or 、 either; a trailing 的
#: closes a headless phrase: 年销售收入超5亿元的)
_LOOSE_START = frozenset("的，,、；;：:")


def _broken_edges(text: str, out: list[Indicator | None]) -> list[Indicator | None]:
    """``out`` without an indicator of punctuation alone, and with one that ends inside a link word cut before it
    (``脱硫石膏、冶炼废渣力争达到100%`` → not ``…冶炼废渣力``) and one that opens with the rest of a deadline
    (``2019年底前省市县三级事项网上可办率`` → not ``前省市…``) cut after it, and one that opens with 的 or a comma or
    ends with a comma without them (``的项目补助或贷款贴息``), opens with a place name (``河南省粮食总产量``) or a
    determiner (``所有``, ``各种``, ``其``) or ends with a 公开 after a document type (``规范性文件公开``) or a
    comparison (``增速高于…平均增速``, ``使用量较基期``) without them; the readers score spans without words."""
    cues = _cues()
    res = list(out)
    for i, ind in enumerate(out):
        if ind is None:
            continue
        if not _WORD_CHAR.search(ind.text):
            res[i] = None  # 、 or a bracket alone names nothing
            continue
        s, e = ind.start, ind.end
        for w in cues.edge_words:
            k = text.find(w, max(0, e - len(w) + 1), e + len(w) - 1)  # starts before e, ends after it
            if 0 <= k < e and k - s >= 2:
                e = k
        m = _DEADLINE_REST.match(text, s, e) if _TIME_BEFORE.search(text, max(0, s - 8), s) else None
        if m is not None and e - m.end() >= 2:
            s = m.end()
        if text[s] == "在" and e - s > 3 and _BASIS_AFTER.match(text, e) and not text.startswith(cues.zai_words, s):
            s += 1  # 在高等教育毛入学率已达60.2%的基础上 → 高等教育毛入学率: a preposition, not the noun
        k = place_scope(text, s, e)
        if k and _WORD_CHAR.match(text, s + k):
            s += k  # 河南省粮食总产量 → 粮食总产量: the place says whose figure it is (FORMAT.md)
        while e - s > 2 and text[s] in _LOOSE_START and not text.startswith(cues.keep_words, s):
            s += 1  # 的项目补助 → 项目补助: a noun phrase does not open with 的 or a comma (的士车辆 stays)
        m = cues.determiner.match(text, s, e)
        if m is not None and e - m.end() >= 2:
            s = m.end()  # 所有涉企经营许可事项 → 涉企经营许可事项
        while e - s > 2 and (text[e - 1] in cues.breaks or text[e - 1] == "、"):
            e -= 1  # “信贷通”， → “信贷通”
        m = cues.closing_verb.search(text, s, e)
        if m is not None and m.start() - s >= 2:
            e = m.start()  # 规范性文件公开 → 规范性文件
        m = cues.comparison_tail.search(text, s, e)
        if m is not None and m.start() - s >= 2:
            e = m.start()  # 贷款增速高于各项贷款平均增速 → 贷款增速
        m = cues.modal_inner.search(text, s, e)
        if m is not None and m.start() - s >= 2:
            e = m.start()  # …变更仅可在项目执行内变更 → …变更: a modal ends the noun phrase
        m = cues.fund_grant_tail.search(text, s, e)
        if m is not None and m.start() - s >= 2:
            e = m.start()  # 省…专项资金补助 → 省…专项资金: the fund, not what is done with it
        if (s, e) != (ind.start, ind.end) and text[s:e].strip(_SPACE):
            res[i] = Indicator(text[s:e], s, e)
    return res


def headless(text: str, quantities: Sequence[Any], out: list[Indicator | None],
             roles: frozenset[str] = INDICATOR_ROLES) -> list[Indicator | None]:
    """``out`` with the indicator of a quantity after a 的 phrase without a head noun (``年销售收入3亿元以上的达到300家``,
    ``自建快递物流配送体系的达到30家``) set to the whole phrase from the segment start, criterion included
    (the samples' annotators' convention), where no other target/actual/cap quantity is inside it."""
    cues = _cues()
    out = list(out)
    for i, q in enumerate(quantities):
        if q.role not in roles or (q.end < len(text) and text[q.end] not in cues.breaks):
            continue  # (…确定的超过10%目标: the quantity modifies what follows)
        seg_s = _segment_start(text, q.start, cues.breaks)
        before = text[seg_s:q.start].rstrip(_SPACE)
        m = cues.headless.search(before)  # …的达到300家: a link verb after the 的
        if m is not None:
            de = m.start()
        elif before.endswith("的") and cues.headless_link.match(q.text):
            de = len(before) - 1  # …的不得超过30%: the link verb opens the quantity
        else:
            continue  # (…总额的30%: a share of what precedes 的)
        s, e = _trim(text, seg_s, seg_s + de, cues)
        if e - s < 2 or any(s <= x.start < e and x.role in roles for x in quantities):
            continue
        out[i] = Indicator(text[s:e], s, e)
    return out


def respectively(text: str, quantities: Sequence[Any], roles: frozenset[str] = INDICATOR_ROLES
                 ) -> list[Indicator | None]:
    """The quantities' indicators (their ``indicator``/``indicator_start``/``indicator_end``) after a last pass
    over runs of two or more target/actual quantities after 分别 in their segment:

    * all with one indicator that is a list of as many parallel items, each ending with the same character
      (``科技型中小企业、高新技术企业分别不低于100家、50家``; not ``审核期、辅导期企业数量``, a list of modifiers of
      one head): one item each;
    * else, when the earlier target/actual/cap quantities of the sentence all have indicators and name as many
      distinct ones, and the run's own indicators are among them, missing or the list holding all of them
      (``开工率为100%，竣工率为83.32%，…，分别比8月底增长了5.3个百分点、5.9个百分点…``): one each, in order.

    Caps are left alone (``分别择优给予不超过…、最高不超过…``: two caps on one grant)."""
    cues = _cues()
    out: list[Indicator | None] = [
        Indicator(q.indicator, q.indicator_start, q.indicator_end) if q.indicator is not None else None
        for q in quantities]
    for run in _runs(text, quantities, roles, _RUN_GAPS):
        q = quantities[run[0]]
        if len(run) < 2 or any(quantities[r].role not in roles or quantities[r].role == "cap" for r in run):
            continue
        seg_s = _segment_start(text, q.start, cues.breaks)
        k = text.rfind("分别", seg_s, q.start)
        if k < 0:
            continue
        # the list is the indicator of one of them; the others name the same list or already their own item of it
        # (…死亡率、孕产妇死亡率分别控制在千分之三和十万分之十以下: the last reads 孕产妇死亡率 alone)
        names = {ind.text for r in run if (ind := out[r]) is not None}
        split = False
        for first in dict.fromkeys(ind for r in run if (ind := out[r]) is not None and ind.end <= k):
            if any(first.end <= x.start < q.start for x in quantities):
                continue
            items = _list_items(text, first.start, first.end, len(run), cues)
            if (items is not None and len({text[b - 1] for _, b in items}) == 1
                    and all((ind := out[r]) is not None and ind.text in (first.text, text[a:b])
                            for r, (a, b) in zip(run, items))):
                for r, (a, b) in zip(run, items):
                    out[r] = Indicator(text[a:b], a, b)
                split = True
                break
        if split:
            continue
        sent_s = _segment_start(text, q.start, cues.sentence_breaks)
        earlier = [out[x] for x in range(run[0]) if quantities[x].start >= sent_s and quantities[x].role in roles]
        distinct: dict[str, Indicator] = {}
        for ind in earlier:
            if ind is None:
                break
            distinct.setdefault(ind.text, ind)
        else:
            if not earlier:
                continue
            # (…起数和死亡人数分别为126起、98人，同比分别下降14.3%和11.7%: the run's own indicator may be the
            # unsplit list that holds every one of them)
            if len(distinct) == len(run) and all(n in distinct or all(d in n for d in distinct) for n in names):
                for r, ind in zip(run, distinct.values()):
                    out[r] = ind
    return out
