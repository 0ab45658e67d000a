"""Query understanding for real callers: normalise, correct typos and sound-alikes against the corpus's
own vocabulary, map callers' words to the documents' words, and find the region and the kind of fact
asked for."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.retrieve.lexicon import Lexicon
from bot.text import CJK, STOPWORDS, Tokenizer, normalise_text

# Fuzzy pinyin: the confusions speech recognition and pinyin typing make (zh/z, ch/c, sh/s, -ng/-n).
_FUZZY = [("zh", "z"), ("ch", "c"), ("sh", "s"), ("ang", "an"), ("eng", "en"), ("ing", "in")]

# What kind of fact the question asks for, and the pattern of a sentence that states it.
ASKS = {
    "validity": re.compile(r"有效期|失效|过期|到期|废止|还有效|有效吗|截止到"),
    "date": re.compile(r"什么时候|何时|哪天|几号|哪一天|多久|期限|有效期|到期|过期|失效|截止|施行|生效|哪年|几年|日期"),
    "number": re.compile(r"多少|几家|几个|几项|几所|几成|比例|百分之|覆盖率|数量|多大|几"),
    "money": re.compile(r"多少钱|费用|收费|价格|几块|补贴多少|奖励多少|资助多少|金额|万元|元|[交收免要缴][^，。？]{1,4}费"),
    "contact": re.compile(r"电话|号码|热线是多少|地址|在哪里|在哪儿|在哪|怎么去|邮箱|网址|联系方式|联系人"),
}
FACT_PATTERNS = {
    "validity": re.compile(r"有效期|施行|废止|失效"),
    "date": re.compile(r"\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日|有效期|施行|期末|每年|定期|之日起"),
    "number": re.compile(r"\d|[一二三四五六七八九十百千]+[家项个所名]"),
    "money": re.compile(r"\d+(\.\d+)?\s*(万?元|块)|免报考费|免费|不收费|不收取"),
    "contact": re.compile(r"\d{3,4}-?\d{7,8}|1[3-9]\d{9}|地址|路\d+号|https?://|www\.|12345"),
}

# 多少家, 几天: the measure word the answer's number comes with (网点达到35家, not 办结案件数达到648); 个 is
# often left out of the answer (多少个部门 → 17部门), so it asks for any number
_UNIT_ASKED = re.compile(r"(?:多少|几)(个工作日|家|项|件|名|人|所|场|次|批|天|万元|元|倍)")
_NUMERAL = r"(?:\d+(?:\.\d+)?|[一二三四五六七八九十百千万两]+)\s*(?:余|多)?"
_UNIT_FORMS = {"天": "(?:天|日|个?工作日)", "个工作日": "(?:天|日|个?工作日)", "元": "[万千百亿]?元",
               "人": "(?:人|名)", "名": "(?:名|人)"}


# Which field of a service item the question asks about (materials, conditions, …).
FIELD_ASKS = {
    "materials": re.compile(r"材料|带什么|准备什么|提交什么|要什么证|需要什么东西|要带"),
    "conditions": re.compile(r"条件|资格|谁可以|哪些人|能不能申请|符合|门槛"),
    "time_limit": re.compile(r"多久|多长时间|时限|几天|多少天|期限|多快"),
    "fee": re.compile(r"多少钱|收费|费用|要钱|免费|交钱|报考费|报名费|收不收"),
    "channel": re.compile(r"哪里办|在哪办|去哪办|去哪里办|怎么办理|如何办理|哪个窗口|网上办|在哪里申请|找哪个部门"),
    "contact": re.compile(r"电话|联系方式|地址|热线是多少|邮箱"),
}
# Asking how to get a service done (not what a policy says about it): the service catalogue answers.
# The question is about a document's validity or its past: documents no longer in force may answer it.
HISTORY = re.compile(r"以前|原来|旧的|旧版|历史|过去|曾经|失效|废止|过期|有效期|还有效|有效吗|现行|被替代|修订|哪一版|当时")
SERVICE_LIKE = re.compile(r"办理|怎么办|怎么弄|去哪|在哪办|哪里办|哪里能|哪里有|哪儿|怎么申请|如何申请|流程|手续|窗口|材料|费用|收费|要钱|"
                          r"条件|要带|多久|时限|电话|地址|联系方式|找谁办")


def _fuzzy(syllable: str) -> str:
    for a, b in _FUZZY:
        syllable = syllable.replace(a, b)
    return syllable


@lru_cache(maxsize=65536)
def fuzzy_pinyin(text: str) -> str:
    return " ".join(_fuzzy(s) for s in lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


@dataclass
class Query:
    raw: str
    text: str  # normalised and corrected
    corrections: list[tuple[str, str]] = field(default_factory=list)
    expansions: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    localities: list[str] = field(default_factory=list)  # cities or districts named (南京市, 松江区)
    asks: set[str] = field(default_factory=set)
    fields: list[str] = field(default_factory=list)  # service-item fields asked about, in FIELD_ASKS order
    service_like: bool = False
    history: bool = False  # about validity or the past: documents no longer in force are not set aside
    as_of: date | None = None  # the day validity is judged on
    per_region: bool = False  # set by the search: no region named, and the answer differs by region
    concepts: list | None = None  # the weighted words of the question, set by the retriever
    tokens: list[str] = field(default_factory=list)  # search tokens of text + expansions
    unit: str = ""  # the measure word of a number asked for (多少家 → 家)

    @property
    def about_a_document(self) -> bool:
        """About a document itself (when it was issued, whether it is in force): its dated lines answer, and
        several documents that match its words equally well are several answers (the caller is asked which)."""
        return bool({"date", "validity"} & self.asks)

    def fact(self, kind: str) -> re.Pattern:
        """The pattern of a sentence that states the `kind` of fact asked for: a number of the measure word
        the question gives (多少家 → 35家), else any of that kind."""
        if kind == "number" and self.unit:
            return re.compile(_NUMERAL + _UNIT_FORMS.get(self.unit, re.escape(self.unit)))
        return FACT_PATTERNS[kind]

    def facts(self) -> list[re.Pattern]:
        """The patterns of the facts the question asks for (a date, a number of 家…)."""
        return [self.fact(kind) for kind in sorted(self.asks) if kind in FACT_PATTERNS]

    @property
    def search_text(self) -> str:
        return " ".join([self.text, *self.expansions])


class QueryUnderstanding:
    """Built once per index from its vocabulary; `parse` is pure and cheap (well under a millisecond)."""

    def __init__(self, lexicon: Lexicon, tokenizer: Tokenizer, df: dict[str, int], known: frozenset[str] = frozenset(),
                 places: dict[str, tuple[str, str]] | None = None):
        """`df`: the corpus's words with the number of clauses containing each; `known`: words of the
        knowledge base that no clause uses (the FAQ's question variants), never taken for typos;
        `places`: the names of the cities and districts the documents bind, each with (locality, region)."""
        self.lexicon = lexicon
        self.tokenizer = tokenizer
        self.known = known
        self.places = sorted((places or {}).items(), key=lambda kv: -len(kv[0]))
        vocab: dict[str, int] = {}
        for word, count in df.items():
            if 2 <= len(word) <= 8 and re.fullmatch(rf"[{CJK}]+", word):
                vocab[word] = count
        for term in tokenizer.terms:
            vocab[term] = vocab.get(term, 0) + 5
        self.vocab = vocab
        by_sound: dict[str, str] = {}
        for word, _ in sorted(vocab.items(), key=lambda kv: -kv[1]):
            by_sound.setdefault(fuzzy_pinyin(word), word)
        self.by_sound = by_sound
        self.by_length: dict[int, list[str]] = {}
        for word in vocab:
            if len(word) >= 4:
                self.by_length.setdefault(len(word), []).append(word)
        self.region_names = sorted(
            ((name, region) for region, names in lexicon.regions.items() for name in [region, *names]),
            key=lambda x: -len(x[0]),
        )
        self.synonym_keys = sorted(lexicon.synonyms, key=len, reverse=True)

    def correct(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """Replace words the corpus does not contain by corpus words that sound or look the same."""
        corrections = []
        for run in re.finditer(rf"[{CJK}]{{2,}}", text):
            segment = run.group(0)
            fixed = self._correct_run(segment, corrections)
            if fixed != segment:
                text = text.replace(segment, fixed, 1)
        return text, corrections

    def _correct_run(self, run: str, corrections: list[tuple[str, str]]) -> str:
        """Correct windows of a run of Chinese characters. A window must start and end where jieba cuts
        the question and hold at least one piece the corpus does not know, so that correct text that
        happens to sound like a corpus word across a word boundary (意见是 / 一件事) is left alone."""
        words = self.tokenizer.words(run)
        bounds, pos = {0}, 0
        for w in words:
            pos += len(w)
            bounds.add(pos)
        starts = {}
        pos = 0
        for w in words:
            starts[pos] = w
            pos += len(w)
        out, i = run, 0
        while i < len(run):
            if i not in bounds:
                i += 1
                continue
            replaced = False
            for n in range(min(6, len(run) - i), 1, -1):
                if i + n not in bounds:
                    continue
                window = run[i:i + n]
                if window in self.vocab or window in self.known or window in self.lexicon.synonyms \
                        or self.tokenizer.general_frequency(window):
                    continue  # a word the documents or general Chinese know is not a typo
                pieces, p = [], i
                while p < i + n:
                    pieces.append(starts[p])
                    p += len(starts[p])
                if all(piece in self.vocab or piece in STOPWORDS for piece in pieces):
                    continue
                candidate = self.by_sound.get(fuzzy_pinyin(window))
                if candidate is None and n >= 4:
                    # one character wrong in a long word: 知识产全 → 知识产权
                    best = process.extractOne(window, self.by_length.get(n, ()), scorer=Levenshtein.distance,
                                              score_cutoff=1)
                    if best and self.vocab[best[0]] >= 2:
                        candidate = best[0]
                if candidate and candidate != window and len(candidate) == n:
                    corrections.append((window, candidate))
                    out = out.replace(window, candidate, 1)
                    i += n
                    replaced = True
                    break
            if not replaced:
                i += 1
        return out

    def parse(self, question: str, region: str | None = None, as_of: date | None = None) -> Query:
        text = normalise_text(question)
        text = re.sub(r"\s+", " ", text)
        corrected, corrections = self.correct(text)
        expansions: list[str] = []
        rest = corrected
        for key in self.synonym_keys:
            if key in rest:
                expansions.extend(self.lexicon.synonyms[key])
                rest = rest.replace(key, " ")
        regions: list[str] = []
        if region:
            regions.extend(self.regions_in(normalise_text(region)) or [region])
        for found in self.regions_in(corrected):
            if found not in regions:
                regions.append(found)
        localities = self.localities_in(corrected)
        for _, region_of_place in localities:
            if region_of_place not in regions:  # 芜湖 names 安徽省 even where the lexicon lacks it
                regions.append(region_of_place)
        asks = {kind for kind, pattern in ASKS.items() if pattern.search(corrected)}
        query = Query(raw=question, text=corrected, corrections=corrections, expansions=expansions,
                      regions=regions, localities=[locality for locality, _ in localities], asks=asks,
                      fields=[k for k, p in FIELD_ASKS.items() if p.search(corrected)],
                      service_like=bool(SERVICE_LIKE.search(corrected)), history=bool(HISTORY.search(corrected)),
                      as_of=as_of, unit=(m.group(1) if (m := _UNIT_ASKED.search(corrected)) else ""))
        query.tokens = self.tokenizer.tokens(query.search_text)
        return query

    def localities_in(self, text: str) -> list[tuple[str, str]]:
        """The cities and districts of the documents a text names, each with its region."""
        found = []
        for name, place in self.places:
            if name in text:
                if place not in found:
                    found.append(place)
                text = text.replace(name, " ")
        return found

    def regions_in(self, text: str) -> list[str]:
        found = []
        for name, region in self.region_names:
            if name in text and region not in found:
                found.append(region)
                text = text.replace(name, " ")
        return found
