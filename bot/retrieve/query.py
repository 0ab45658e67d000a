"""Query understanding for real callers: normalise, correct typos and sound-alikes against the corpus's
own vocabulary, map callers' words to the documents' words, and find the region and the kind of fact
asked for."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from pypinyin import Style, lazy_pinyin, pinyin
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.retrieve.kinds import QuestionKinds, Statement, Words, in_story
from bot.retrieve.lexicon import Lexicon
from bot.text import CJK, PARTICLES, STOPWORDS, Tokenizer, normalise_text, place_short_name, place_units, unit_names

if TYPE_CHECKING:
    from bot.models import Clause, Document

# Fuzzy pinyin: the confusions speech recognition and pinyin typing make (zh/z, ch/c, sh/s, -ng/-n).
_FUZZY = [("zh", "z"), ("ch", "c"), ("sh", "s"), ("ang", "an"), ("eng", "en"), ("ing", "in")]

# What a question asks (a date, a number, which field of a service item…), the words that carry nothing, and
# the patterns of sentences that state each kind of fact live in knowledge/question_kinds.yaml (bot/retrieve/
# kinds.py reads it): matched on whole words, so that 多元化 does not ask for money nor 几乎 for a number.


_PINYIN_RUN = re.compile(r"(?<![A-Za-z])[a-z]{5,}(?![A-Za-z])")


@dataclass(frozen=True)
class Fact:
    """A kind of fact asked and what states it: a sentence its pattern finds (`search`, as a compiled pattern's), and
    in a clause also the clause's being an item under a heading that names the kind (`in_clause`: 营业执照复印件 under
    六、申请材料 states a material to submit)."""
    kind: str
    pattern: re.Pattern
    statement: Statement | None = field(default=None, compare=False)

    def search(self, text: str) -> re.Match | None:
        return self.pattern.search(text)

    def in_clause(self, clause: "Clause") -> bool:
        """Whether the clause states this kind of fact: in its text, or as an item right under a heading naming it."""
        return self.pattern.search(clause.text) is not None or (
            self.statement is not None and self.statement.lists(clause))


def _fuzzy(syllable: str) -> str:
    for a, b in _FUZZY:
        syllable = syllable.replace(a, b)
    return syllable


@lru_cache(maxsize=65536)
def fuzzy_pinyin(text: str) -> str:
    return " ".join(_fuzzy(s) for s in lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


@lru_cache(maxsize=65536)
def _readings(char: str) -> frozenset[str]:
    """Every reading of a character, fuzzy (行: xin, han, hen); none for one pypinyin cannot read."""
    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return frozenset(_fuzzy(r) for r in found[0]) if found else frozenset()


def _sounds_alike(typed: str, word: str) -> bool:
    """Whether the characters that differ share a reading (fuzzy pinyin, any of a character's readings): 知识厂权 is
    知识产权 typed by sound, 专利导行 专利导航 (行 also reads hang), while 一式三份 is no typo of 一式两份 nor 信用评分
    of 信用评价, and a character without a reading sounds like none."""
    return all(_readings(a) & _readings(b) for a, b in zip(typed, word) if a != b)


@lru_cache(maxsize=256)
def _unit_pattern(numeral: str, unit: str) -> re.Pattern:
    return re.compile(numeral + unit)


@dataclass
class Query:
    """A question as understood: its words, region and what kind of fact or service field it asks for."""
    raw: str
    text: str  # normalised, without fillers (喂、您好、我想问一下), and corrected
    corrections: list[tuple[str, str]] = field(default_factory=list)
    expansions: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)  # the caller's setting (a widget's data-region) and those named
    named_regions: list[str] = field(default_factory=list)  # the regions the question itself names (上海, 芜湖)
    localities: list[str] = field(default_factory=list)  # cities or districts of the documents named (南京市, 松江区)
    # any city named (厦门, whether documents bind it or not), a county's with its city (南陵县: 南陵, 芜湖)
    cities: list[str] = field(default_factory=list)
    counties: list[str] = field(default_factory=list)  # the counties and districts named (南陵县: 南陵)
    # the cities and counties named as an office's, outside the caller's story, each by its most local unit
    # (南陵县市场监管局: 南陵; not 深圳的企业, nor 我是南陵县的，芜湖市局…): whose office a phone or an address asked is
    # (Candidates.offices_unnamed)
    places_asked: list[str] = field(default_factory=list)
    asks: set[str] = field(default_factory=set)
    fields: list[str] = field(default_factory=list)  # service-item fields asked about, in question_kinds.yaml order
    service_like: bool = False
    history: bool = False  # about validity or the past: documents no longer in force are not set aside
    # about a document itself (when it was issued, whether it is in force): its dated lines answer, and several
    # documents that match its words equally well are several answers (the caller is asked which)
    about_a_document: bool = False
    as_of: date | None = None  # the day validity is judged on
    tokens: list[str] = field(default_factory=list)  # search tokens of text + expansions
    unit: str = ""  # the measure word of a number asked for (多少家 → 家)
    rights: frozenset[str] = frozenset()  # the kinds of right the question is about (专利, 商标…)
    matter: frozenset[str] = frozenset()  # the kinds of right whose matter it names without naming them (小说: 著作权)
    event: str = ""  # about a document: the event whose date it asks (施行, 印发…), "" for any
    act: str = ""  # the act whose date or length of time it asks (付款 of 钱多久能到账), "" for none
    years: frozenset[str] = frozenset()  # the years it asks about (2023年又认定了哪些): a document of a year states them
    # what rules say (具体怎么规定, or a fact), which a clause saying only by whom they are made (…另行规定) does not state
    wants_rules: bool = False
    kinds: QuestionKinds = field(default_factory=QuestionKinds.default, repr=False, compare=False)

    @cached_property
    def _named_places(self) -> frozenset[str]:
        return frozenset(name for named in self.localities for unit in (named, *place_units(named))
                         for name in unit_names(unit))

    def names_locality(self, locality: str) -> bool:
        """Whether the question names this city or district, or the city it lies in (泉州 names the 泉州市 of a
        document and the 泉州 of a catalogue item alike, 合肥 the 合肥高新区; 武进, naming 常州市武进区, names
        常州市 too). A caller who names a county or a district is not answered from another district's document of
        the same city (瓯海区 and 温州市鹿城区), though its city's own are theirs (南陵县 and 芜湖市)."""
        if place_short_name(locality) in self._named_places:
            return True
        units = place_units(locality)
        if self.counties and len(units) > 1:
            return any(county in units[-1] for county in self.counties)
        return any(city in locality for city in self.cities)

    def other_rights(self, clause: Clause, document: Document, matter: bool = False) -> frozenset[str]:
        """The kinds of right a clause is about when none is one the question asks about (专利法's 诉讼时效 says
        nothing of 商标侵权's); empty when one is, or when it is about none in particular. A clause is about what its
        document's title and its headings name (专利法, 第三章 专利的申请, a catalogue's 专利导航 item), not what its
        text mentions: a policy on 知识产权 in general names 专利 as an example (以专利等知识产权开展质押融资).
        With `matter`, a right whose matter the question names (小说: 著作权) counts as asked too."""
        asked = self.rights | self.matter if matter else self.rights
        if not asked:
            return frozenset()
        named = self.kinds.rights_named(" ".join([document.title, *clause.path]))
        return frozenset() if named & asked else named

    def fact(self, kind: str, of_act: bool = True) -> Fact:
        """The pattern of a sentence that states the `kind` of fact asked for: a number of the measure word
        the question gives (多少家 → 35家), a date or a length of time of the act asked (钱多久能到账: of the payment),
        else any of that kind. `of_act=False`: the time alone, as a part of a sentence already found to state it
        of the act says it (the read-aloud gist keeps the part with the time)."""
        statement = self.kinds.states.get(kind)  # (a unit's or an event's pattern needs none)
        if kind == "number" and self.unit:
            pattern = _unit_pattern(self.kinds.numeral, self.kinds.unit_forms.get(self.unit, re.escape(self.unit)))
        elif kind == "date" and self.event:
            pattern = self.kinds.dated(self.event)
        elif of_act and self._of_act(kind):
            pattern = self.kinds.acted(kind, self.act)
        else:
            pattern = self.kinds.states[kind].pattern
        return Fact(kind, pattern, statement)

    def label(self, kind: str) -> str:
        """How an answer names the `kind` of fact asked: the act's own name for it when one binds it (钱款拨付或到账的时间
        for 补贴啥时候到账), else the kind's label (日期)."""
        if self._of_act(kind) and self.kinds.acts.labels.get(self.act):
            return self.kinds.acts.labels[self.act]
        return self.kinds.label(kind)

    def _of_act(self, kind: str) -> bool:
        """Whether the `kind` of fact is asked of the question's act (a date or a length of time of a payment)."""
        return bool(self.act) and kind in self.kinds.acts.kinds

    def facts(self, of_act: bool = True) -> list[Fact]:
        """The facts the question asks for (a date, a number of 家…), each with what states it."""
        return [self.fact(kind, of_act) for kind in sorted(self.asks) if kind in self.kinds.states]

    @property
    def search_text(self) -> str:
        return " ".join([self.text, *self.expansions])


# how many characters either side of a typo correction are read to tell whether it changes what is asked
ASKING_CONTEXT = 8


class QueryUnderstanding:
    """Built once per index from its vocabulary; `parse` is pure and cheap (well under a millisecond)."""

    def __init__(self, lexicon: Lexicon, tokenizer: Tokenizer, df: dict[str, int], known: frozenset[str] = frozenset(),
                 places: dict[str, tuple[str, str]] | None = None, written: Callable[[str], bool] | None = None):
        """`df`: the corpus's words with the number of clauses containing each; `known`: words of the
        knowledge base that no clause uses (the FAQ's question variants), never taken for typos;
        `places`: the names of the cities and districts the documents bind, each with (locality, region);
        `written`: whether the documents write two characters side by side (IndexVersion.writes)."""
        self.lexicon = lexicon
        self.tokenizer = tokenizer
        self.known = known
        self.written = written or (lambda pair: False)
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
        # the same sounds written as one run of letters: a phone's pinyin left unconverted (zhuanli → 专利)
        self.by_spelling: dict[str, str] = {}
        for sound, word in by_sound.items():
            self.by_spelling.setdefault(sound.replace(" ", ""), word)
        self.by_length: dict[int, list[str]] = {}
        for word in vocab:
            if len(word) >= 4:
                self.by_length.setdefault(len(word), []).append(word)
        # (name, region, said as a whole word only): synonyms.yaml's names as the bureau wrote them (沪 in 沪知局),
        # places.yaml's cities, the regions' short forms and every city or county named with its kind (大庆市,
        # 南陵县; ingest.divisions) only as words (三明治 names no 三明, 大庆市场 no 大庆市)
        self.region_names = sorted(
            [*((name, region, False) for region, names in lexicon.regions.items() for name in [region, *names]),
             *((name, region, True) for region, names in lexicon.places.items() for name in names),
             *((form, region, True) for form, (region, _, _) in lexicon.divisions.items())],
            key=lambda x: -len(x[0]),
        )
        self._region_names: dict[str, tuple[str, bool]] = {}  # each name's first entry: the one place_spans reads
        for name, region, whole in self.region_names:
            self._region_names.setdefault(name, (region, whole))
        self._name_lengths = sorted({len(n) for n in self._region_names}, reverse=True)
        self.synonym_keys = sorted(lexicon.synonyms, key=len, reverse=True)
        # what a place named names: a city itself (大庆市: 大庆); a county its city too (南陵县: 南陵, 芜湖)
        self.cities = {**{city: (city,) for city in lexicon.cities},
                       **{form: tuple(n for n in (county, city) if n)
                          for form, (_, city, county) in lexicon.divisions.items()}}
        self.counties = {form: county for form, (_, _, county) in lexicon.divisions.items() if county}
        # a place the caller names is never a typo: 温州保护中心 is not 泉州保护中心, 奉贤投资 not 风险投资
        self.place_names = frozenset(name for name in [*(n for n, _, _ in self.region_names),
                                                       *(n for n, _ in self.places), *lexicon.cities] if len(name) >= 2)

    def correct(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """Replace words the corpus does not contain by corpus words that sound or look the same, and pinyin
        typed without being turned into characters (zhuanli代理 → 专利代理: lower-case letters, five or more, that
        spell a corpus word's sound; PCT, WIPO and logo stay)."""
        corrections = []
        for run in _PINYIN_RUN.finditer(text):
            spelled = run.group(0)
            word = None if spelled in self.vocab or spelled in self.known else self.by_spelling.get(_fuzzy(spelled))
            if word:
                corrections.append((spelled, word))
                text = text.replace(spelled, word, 1)
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
                if self._known(window) or self.tokenizer.general_frequency(window) or self._names_a_place(window) \
                        or (n == 2 and self.written(window)):
                    continue  # a word the documents or general Chinese know, a place, or two characters the
                    # documents write side by side (在先 of 在先权利, cut 在|先 in their words too) is not a typo
                pieces, p = [], i
                while p < i + n:
                    pieces.append(starts[p])
                    p += len(starts[p])
                if all(self._known(piece) or piece in STOPWORDS for piece in pieces) \
                        or self._made_of_known_words(window):
                    continue
                candidate = self.by_sound.get(fuzzy_pinyin(window))
                if candidate is None and n >= 4:
                    # one character wrong in a long word: 知识产全 → 知识产权
                    candidate = next((word for word, _, _ in process.extract(
                        window, self.by_length.get(n, ()), scorer=Levenshtein.distance, score_cutoff=1, limit=None)
                        if _sounds_alike(window, word)), None)
                # a word the documents say once may be a piece of their own mis-cut (时作 of 同时作为): it corrects
                # nothing. A phone's pinyin input puts a wrong character for a right one: at least half the window
                # is the word meant (申情 申请, 专力申情 专利申请); a window of other characters is the caller's own
                # words (所的 is no typo of 所得, nor 是位 of 视为, 县产 of 现场)
                if candidate and candidate != window and len(candidate) == n and self.vocab[candidate] >= 2 \
                        and 2 * sum(a == b for a, b in zip(window, candidate)) >= n \
                        and (n >= 4 or not self._changes_a_word_of_its_own(pieces, candidate)) \
                        and not self._lengthens_a_word_said(window, pieces, candidate) \
                        and self._keeps_asking(out, i, candidate):
                    corrections.append((window, candidate))
                    out = out[:i] + candidate + out[i + n:]
                    i += n
                    replaced = True
                    break
            if not replaced:
                i += 1
        return out

    def _lengthens_a_word_said(self, window: str, pieces: list[str], candidate: str) -> bool:
        """Whether the correction only changes a character jieba reads as a word of its own, at the window's edge,
        beside known words the caller said whole, into one that does not sound like it: 著作权跟 is 著作权 and 跟, no
        typo of 著作权法, as 专利权归 is none of 专利权人, 知识产权科 of 知识产权局 or 是小微企业 of 中小微企业. A typo inside
        a word (知识产全, 专利年非) or of an edge's sound (有效器, 著作全: what a phone's pinyin input gives) is still
        corrected."""
        changed = [k for k in range(len(window)) if window[k] != candidate[k]]
        if len(pieces) < 2 or len(changed) != 1 \
                or fuzzy_pinyin(window[changed[0]]) == fuzzy_pinyin(candidate[changed[0]]):
            return False  # a sound-alike of the word's own edge is the caller's typo: 有效器, 著作全, 专利权任
        return (len(pieces[0]) == 1 and changed == [0] and self._made_of_known_words(window[1:])) or \
            (len(pieces[-1]) == 1 and changed == [len(window) - 1] and self._made_of_known_words(window[:-1]))

    @staticmethod
    def _changes_a_word_of_its_own(pieces: list[str], candidate: str) -> bool:
        """Whether the correction changes a particle or the copula the caller said as a word of its own (代理所的 is
        的, no typo of 所得; 都是用 是, no typo of 使用; 许可和同 is 合同's typo all the same). Read in short windows
        only: in a long one the rest of the word says what was meant."""
        at = 0
        for piece in pieces:
            if piece in PARTICLES and piece != candidate[at:at + len(piece)]:
                return True
            at += len(piece)
        return False

    def _made_of_known_words(self, window: str) -> bool:
        """Whether known words of two characters or more make up the window, however jieba cut it: 信息网点 is 信息|网点
        (jieba's 信息网|点 hid it, and it became 信息网络), 专利代理所 专利|代理所 (not 专利代理师). Single characters do
        not count: 能里 is a typo of 能力, though 能 and 里 are stopwords."""
        made = [True] + [False] * len(window)  # made[k]: window[:k] is
        for end in range(2, len(window) + 1):
            made[end] = any(made[start] and self._known(window[start:end]) for start in range(max(0, end - 8), end - 1))
        return made[-1]

    def _known(self, word: str) -> bool:
        """A word of the documents, of the FAQ's questions or of synonyms.yaml (代理所): never a typo."""
        return word in self.vocab or word in self.known or word in self.lexicon.synonyms

    def _names_a_place(self, window: str) -> bool:
        """Whether the window holds a region's or a city's name (温州保护中心, 奉贤投资): a place is never a typo."""
        return any(window[a:b] in self.place_names for a in range(len(window)) for b in range(a + 2, len(window) + 1))

    def _keeps_asking(self, run: str, at: int, candidate: str) -> bool:
        """Whether correcting `run` at `at` to `candidate` leaves the question asking what it asked. No fact kind's
        trigger the caller said (question_kinds.yaml, as a whole word) changes: 自何时起施行 is no 自何时歧视性, 罚不罚款
        no 发布罚款. Another word the question asks with (吗, 有, 是什么) changes only where the words around it still
        ask the same kinds of fact: 区号吗 is no 区号码, while 有先权 is 优先权 and 考是什么时候 考试什么时候. Only the words
        around the correction are read, so that a caller's turn of thousands of characters is corrected in linear
        time."""
        kinds, end = self.lexicon.kinds, at + len(candidate)
        lo = max(0, at - ASKING_CONTEXT)
        before = run[lo:end + ASKING_CONTEXT]
        after = before[:at - lo] + candidate + before[end - lo:]
        present = [word for word in kinds.asking_words if word in before]
        if not present:
            return True
        said = Words(before)  # cut only where an asking word may be said: most corrections have none near
        # the asking words said before the correction with a character it changes (a word it makes is the caller's
        # typo mended: 怎么申情 → 怎么申请)
        touched = [word for word in present for start, stop in said.spans(word)
                   if before[max(start, at - lo):min(stop, end - lo)] != after[max(start, at - lo):min(stop, end - lo)]]
        if any(word in kinds.trigger_words for word in touched):
            return False
        return not touched or kinds.asked(said) == kinds.asked(Words(after))

    def parse(self, question: str, region: str | None = None, as_of: date | None = None) -> Query:
        """Understand one question; `region` is the caller's (a channel's) region, `as_of` the day validity
        is judged on."""
        kinds = self.lexicon.kinds
        text = normalise_text(question)
        text = re.sub(r"\s+", " ", text)
        text = kinds.without_fillers(text)
        corrected, corrections = self.correct(text)
        expansions: list[str] = []
        rest = corrected
        for key in self.synonym_keys:
            if key in rest:
                expansions.extend(self.lexicon.synonyms[key])
                rest = rest.replace(key, " ")
        words = Words(corrected)
        localities = self.localities_in(corrected, words)
        spans = self.place_spans(corrected, words)
        # 芜湖 names 安徽省 even where the lexicon lacks it
        named = list(dict.fromkeys([*(r for _, _, r in spans), *(r for _, r in localities if r)]))
        regions: list[str] = []
        if region:
            regions.extend(self.regions_in(normalise_text(region)) or [region])
        regions += [r for r in named if r not in regions]
        asks = kinds.asked(words)
        for kind in sorted(asks):  # an answer to 几点上班 is labelled 办理时间, a word the caller did not say
            expansions.extend(w for w in kinds.asks[kind].expands if w not in expansions)
        history = kinds.history.holds(words, asks)
        about = bool({"date", "validity"} & asks) and kinds.document.holds(words, asks)
        query = Query(raw=question, text=corrected, corrections=corrections, expansions=expansions,
                      regions=regions, named_regions=named, localities=[locality for locality, _ in localities],
                      cities=list(dict.fromkeys(c for s, e, _ in spans for c in self.cities.get(corrected[s:e], ()))),
                      counties=list(dict.fromkeys(self.counties[corrected[s:e]] for s, e, _ in spans
                                                  if corrected[s:e] in self.counties)),
                      places_asked=self.office_places(corrected, spans, words),
                      asks=asks,
                      fields=[name for name, kind in kinds.fields.items() if kind.holds(words, asks)],
                      service_like=kinds.service.holds(words, asks), history=history,
                      about_a_document=about, event=kinds.event_asked(words) if about and "date" in asks else "",
                      act=kinds.act_asked(words, asks),
                      as_of=as_of, unit=kinds.unit_asked(words), rights=kinds.rights_asked(words),
                      matter=kinds.matter_asked(words), years=kinds.years_asked(corrected),
                      wants_rules=kinds.wants_rules(words, asks), kinds=kinds)
        query.tokens = self.tokenizer.tokens(query.search_text, self.vocab)
        return query

    def localities_in(self, text: str, words: Words | None = None) -> list[tuple[str, str]]:
        """The cities and districts of the documents a text names, each with its region: a name of two
        characters only as a word of its own, or with 市/县/区 (市中 of 济南市市中区 is not in 本市中小企业)."""
        found = []
        words = words or Words(text)
        for name, place in self.places:
            at = text.find(name)
            while at >= 0:
                if len(name) > 2 or self._a_word(words, at, at + len(name)):
                    if place not in found:
                        found.append(place)
                    text = text[:at] + " " * len(name) + text[at + len(name):]  # its positions stay the words'
                at = text.find(name, at + 1)
        return found

    @staticmethod
    def _a_word(words: Words, start: int, end: int) -> bool:
        """Whether text[start:end] is a word of its own, or one with 市/县/区 after it (开封市)."""
        text = words.text
        return start in words.starts and (end in words.ends or (text[end:end + 1] in "市县区" and end + 1 in words.ends))

    def office_places(self, text: str, spans: list[tuple[int, int, str]], words: Words) -> list[str]:
        """The cities and counties a question names as an office's (南陵县市场监管局: 南陵; 杭州代办处: 杭州), each by
        its most local unit, outside the caller's story (我是晋江的企业，泉州保护中心电话多少 names 泉州's office only)."""
        kinds = self.lexicon.kinds
        places = []
        for n, (start, end, _) in enumerate(spans):
            name = text[start:end]
            if name not in self.counties and name not in self.cities:
                continue
            stop = spans[n + 1][0] if n + 1 < len(spans) else None
            if kinds.office_after(text, end, stop, words) and not in_story(words, start, kinds.office_told_by):
                places.append(self.counties.get(name) or self.cities[name][0])
        return list(dict.fromkeys(places))

    def place_spans(self, text: str, words: Words | None = None) -> list[tuple[int, int, str]]:
        """Where a text names a region: (start, end, region), in the text's order, longest names first where
        they overlap. A name right before one of question_kinds.yaml's `places.not_before` (路, 西路, 河…) names
        a street or a river instead (延安西路, 南京路, 苏州河); a city is a whole word, or one with 市/县/区 (开封市:
        三明治 names no 三明); any other city or county is named with its own kind (大庆市, 南陵县). Where two names
        overlap, the longer wins, and of two as long the one further left. `words`: the text already cut, when the
        caller has it."""
        taken, spans = [False] * len(text), []
        not_before = self.lexicon.kinds.places.not_before

        def a_word(start: int, end: int) -> bool:
            nonlocal words
            words = words or Words(text)
            return self._a_word(words, start, end)

        # every name found in the text, longest first (as many names as China has places: looked up, not searched)
        for length in self._name_lengths:
            for at in range(len(text) - length + 1):
                end = at + length
                found = self._region_names.get(text[at:end])
                if found is None or any(taken[at:end]):
                    continue
                taken[at:end] = [True] * length  # a street's name holds no shorter place name either
                region, whole = found
                if not any(text.startswith(w, end) for w in not_before) and (not whole or a_word(at, end)):
                    spans.append((at, end, region))
        return sorted(spans)

    def regions_in(self, text: str) -> list[str]:
        """The regions a text names, in its order."""
        return list(dict.fromkeys(region for _, _, region in self.place_spans(text)))

    def without_places(self, text: str, by: str = " ") -> str:
        """The text with the place names that name a region replaced by `by`."""
        out, pos = [], 0
        for start, end, _ in self.place_spans(text):
            out.append(text[pos:start] + by)
            pos = end
        return "".join(out) + text[pos:]
