"""Question kinds (knowledge/question_kinds.yaml): what a question asks, in words rather than substrings.

A kind holds when one of its rules holds. A rule holds when the question says one of its `triggers`, one of
its `requires` words (if it has any; with `requires_before: N`, ending at most N characters before the trigger:
怎么申请 and 怎么去申请 ask how to apply, 申请怎么监管 and 如何提高专利申请质量 do not), none of its `not_with` words
(nor a word ending in one: 注册商标 says 商标), none of its `not_in_part` words in the trigger's own part of the
question (去年没赶上，今年什么时候报名 asks a date; 多久没交年费会怎样 asks no length; parts end at punctuation, as the
spaces between Chinese characters are gone by then); with `ends_part`, the trigger ends its part, but for those
particles (有奖励没 asks, 奖励没到账 does not), and none of its `not_between` words between the trigger and the
nearest such `requires` word (这个专利到期了: 专利 expires, not 这个 document). A rule's `compound_heads` are single
characters said as the head of a compound too, after a word of two characters or more (评估费, 受理费 are fees; 浪费,
经费 are not), or of `compound_heads_after` (1: 规费, 学费, and any other one-character word before it that the rule's
`not_after` does not bar, 浪费, 欠费), which one character otherwise never is.
"Says" means the words of the phrase occur in the question as whole words: the phrase starts and ends where
the question's words do, so 多元化 does not say 元 and 几乎 does not say 几 — however jieba happens to cut
the phrase itself (多少钱 as 多少/钱 or as one word). A trigger or a not_with word of two or more characters is
also said as the head of a compound jieba keeps whole (具体地址 says 地址, 注册商标 says 商标; Words.head_spans)."""
from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.text import A_NOT_A, Tokenizer, clause_sentences
from bot.yamlfile import read_yaml

if TYPE_CHECKING:
    from bot.models import Clause

KINDS_FILE = "question_kinds.yaml"
# The shipped file: a knowledge folder without its own copy (and an index built before kinds travelled with
# it) understands questions the way the bureau's own knowledge base does.
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "knowledge" / KINDS_FILE


_PARTS = re.compile(r"[，,。？?！!；;\s]+")  # where a question's parts end


class KindsError(ValueError):
    """question_kinds.yaml is malformed; the message names the file and the key."""


@functools.cache
def _plain_tokenizer() -> Tokenizer:
    """jieba's own dictionary without the corpus's terms: triggers are words of everyday Chinese, and a
    corpus term that swallows one (收费标准) must not hide it."""
    return Tokenizer()


class Words:
    """A question cut into words, asked which phrases it says as whole words."""

    def __init__(self, text: str):
        self.text = text
        self.starts: set[int] = set()
        self.ends: set[int] = set()
        pos = 0
        for word in _plain_tokenizer().dictionary_words(text):
            self.starts.add(pos)
            pos += len(word)
            self.ends.add(pos)

    def spans(self, phrase: str) -> list[tuple[int, int]]:
        """Where the question says `phrase` as whole words."""
        found, at = [], self.text.find(phrase)
        while at >= 0:
            if at in self.starts and at + len(phrase) in self.ends:
                found.append((at, at + len(phrase)))
            at = self.text.find(phrase, at + 1)
        return found

    def says(self, phrases: list[str]) -> bool:
        return any(self.spans(p) for p in phrases)

    def heads(self, phrases: list[str]) -> bool:
        """Whether the question says a phrase as a whole word, or as the head of a compound (head_spans)."""
        return any(self.head_spans(p) for p in phrases)

    def head_spans(self, phrase: str, one_character: bool = False, shortest_before: int = 2) -> list[tuple[int, int]]:
        """Where the question says `phrase` as a whole word, or as the end of one word made of a word of the
        language before it and the phrase (of two or more characters), with that word's span: a compound is a
        kind of its last word (注册商标 is a 商标, 具体地址 an 地址, 专利证书 a 证书), while 著作权法 is no 著作权 (the
        phrase must end the word), 持有人 no 有人 (持 is no word of its own), 手续 no 续 (one character ends many
        words), and an A-not-A question (有没有) no compound at all. `one_character`: a phrase of one character
        heads a compound too (a rule's `compound_heads`: 评估费 is a 费); what comes before it is still a word of two or
        more characters (not 浪费, 经费), or of `shortest_before` (a rule's `compound_heads_after`: 1 takes 规费, 学费 and
        浪费 alike, so such a rule bars the words that are no fee by `not_after`)."""
        found, at = [], self.text.find(phrase)
        while at >= 0:
            end = at + len(phrase)
            if at in self.starts and end in self.ends:
                found.append((at, end))
            elif (len(phrase) >= 2 or one_character) and at not in self.starts and end in self.ends:
                start = max(s for s in self.starts if s < at)
                word = self.text[start:end]
                if not any(at < s < end for s in self.starts) and not A_NOT_A.match(word) \
                        and len(self.text[start:at]) >= shortest_before and _plain_tokenizer().is_word(self.text[start:at]):
                    found.append((start, end))
            at = self.text.find(phrase, at + 1)
        return found

    def first(self, phrases: list[str]) -> tuple[int, int, str] | None:
        """The earliest (then longest) phrase said, with its span."""
        hits = [(s, -(e - s), p) for p in phrases for s, e in self.spans(p)]
        if not hits:
            return None
        start, neg, phrase = min(hits)
        return start, start - neg, phrase

    def ends_from(self, start: int, phrases: list[str]) -> list[int]:
        """Where the phrases said from `start` end, longest first."""
        return sorted({e for p in phrases for s, e in self.spans(p) if s == start}, reverse=True)

    def said(self, phrases: list[str]) -> list[tuple[int, int]]:
        """The spans of the phrases said, leftmost then longest, none overlapping another."""
        out: list[tuple[int, int]] = []
        for s, e in sorted({span for p in phrases for span in self.spans(p)}, key=lambda x: (x[0], -x[1])):
            if not out or s >= out[-1][1]:
                out.append((s, e))
        return out

    def without(self, phrases: list[str], by: str = "") -> str:
        """The text with every phrase said replaced by `by` (overlapping ones as one)."""
        out, pos = [], 0
        for start, end in sorted(span for p in phrases for span in self.spans(p)):
            if start >= pos:
                out.append(self.text[pos:start] + by)
            pos = max(pos, end)
        out.append(self.text[pos:])
        return "".join(out)


@dataclass
class Rule:
    triggers: list[str]
    requires: list[str] = field(default_factory=list)
    not_with: list[str] = field(default_factory=list)
    not_between: list[str] = field(default_factory=list)
    not_after: list[str] = field(default_factory=list)
    not_before: list[str] = field(default_factory=list)
    counted: list[str] = field(default_factory=list)  # 几天, 多少个工作日: triggers too, which may run on into…
    after_counts: list[str] = field(default_factory=list)  # …a place word jieba keeps with them (工作日内, 年内)
    requires_before: int | None = None  # the requires word ends at most this many characters before the trigger
    told_by: list[str] = field(default_factory=list)  # a trigger in a part that says one of these (我, 我们) and does
    # not ask (_asking_parts) is the caller's story…
    asked_by: list[str] = field(default_factory=list)  # …unless one of these is said before it there (我们一年能报几件)
    not_in_part: list[str] = field(default_factory=list)  # none of these in the trigger's own part of the question
    compound_heads: list[str] = field(default_factory=list)  # one character said as a compound's head (评估费: 费)
    # the trigger ends its part of the question, but for these particles (啊, 呢), the longest first
    ends_part: list[str] | None = None
    compound_heads_after: int = 2  # the fewest characters of the word before a compound head (1: 规费, 学费 are fees)

    def phrases(self, text: str) -> list[str]:
        """The phrases that may say the rule's trigger in `text`: its triggers and counts, and the run-ons of a count
        the text holds (spelling out every run-on of every count for every question doubled the time a question's
        kinds take to read)."""
        return self.triggers + self.counted + [c + a for c in self.counted if c in text
                                               for a in self.after_counts if c + a in text]

    def _in_story(self, words: Words, at: int) -> bool:
        return in_story(words, at, self.told_by, self.asked_by)

    def holds(self, words: Words) -> bool:
        if self.not_with and words.heads(self.not_with):
            return False
        after = {e for p in self.not_after for _, e in words.spans(p)}
        before = {s for p in self.not_before for s, _ in words.spans(p)}
        # a trigger heading a compound jieba keeps whole (具体地址, 起止日期) is said as well: the compound is a kind
        # of it, unless what comes before it in the compound is a not_after word (以下几点 is no 几点)
        spans = [(t, span) for t in self.phrases(words.text) for span in words.head_spans(t)] + \
            [(t, span) for t in self.compound_heads
             for span in words.head_spans(t, one_character=True, shortest_before=self.compound_heads_after)]
        triggers = [(s, e) for t, (s, e) in spans
                    if s not in after and e not in before
                    and not (e - s > len(t) and words.text[s:e - len(t)].endswith(tuple(self.not_after)))]
        if self.told_by:
            triggers = [(s, e) for s, e in triggers if not self._in_story(words, s)]
        if self.ends_part is not None:
            triggers = [(s, e) for s, e in triggers if _ends_part(words.text, e, self.ends_part)]
        if self.not_in_part:
            # a word of another part is another statement: 去年就没赶上 tells the caller's story, and leaves
            # 从哪天到哪天 asking a date
            blocked = {_part(words.text, s) for p in self.not_in_part for s, _ in words.head_spans(p)}
            triggers = [(s, e) for s, e in triggers if _part(words.text, s) not in blocked]
        if not triggers:
            return False
        if not self.requires:
            return True
        anchors = [span for r in self.requires for span in words.spans(r)]
        if not anchors:
            return False
        if not self.not_between and self.requires_before is None:
            return True
        for t_start, t_end in triggers:
            near = anchors if self.requires_before is None else \
                [a for a in anchors if 0 <= t_start - a[1] <= self.requires_before]
            if not near:
                continue
            if not self.not_between:
                return True
            # the requires word nearest the trigger is what the trigger is said of, unless one of
            # not_between stands between them
            a_start, a_end = min(near, key=lambda a: max(t_start - a[1], a[0] - t_end, 0))
            lo, hi = (a_end, t_start) if a_end <= t_start else (t_end, a_start)
            if not any(lo <= s and e <= hi for p in self.not_between for s, e in words.spans(p)):
                return True
        return False


LABEL_JOINERS = ("以及", "及", "和", "与", "、", "/")  # what joins the things one label names
LIST_HEADING_CHARS = 8  # a heading naming a list (申请材料, 申报材料及要求) is a short noun phrase
OFFICE_WORDS = 4  # an office's name said after a place ends within so many words (泉州市|知识产权|保护|中心)
# a count starts at an act said so many characters before `acts.counted_from_within` (自核准注册之日起: four; an
# office's whole name between, 收到授予专利权通知之日起, five)
COUNTED_WITHIN = 10


@dataclass
class Headings:
    """The words of a clause's own label (申报时间：…, 收费标准：…, 报送地点) that say the clause is the one stating a
    kind of fact, with labels that do and do not (办理时间 is a window's hours, not the date a call opens)."""
    words: list[str] = field(default_factory=list)
    not_with: list[str] = field(default_factory=list)
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)

    def name(self, label: str) -> bool:
        """Whether a clause labelled `label` is labelled as stating this kind of fact: a word ends the label, or one of
        the things it joins (参会对象及名额: 参会对象, 名额), as a Chinese label ends in what it names (投诉处理 is no 处理,
        责任分工 no 责任), and no `not_with` word is in it (联系方式 is no 方式 of how to apply)."""
        joined = label
        for joiner in LABEL_JOINERS:
            joined = joined.replace(joiner, "\n")
        parts = [p for p in joined.split("\n") if p]
        return any(p.endswith(w) for p in parts for w in self.words) and not any(w in label for w in self.not_with)


@dataclass
class Kind:
    """One kind of question, with the example questions that pin down what it means."""
    name: str
    rules: list[Rule]
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    with_kinds: list[str] = field(default_factory=list)  # also holds whenever one of these kinds is asked
    label: str = ""  # how an answer names the fact asked (文件没有写明您问的费用或金额)
    yields_to: list[str] = field(default_factory=list)  # not asked when one of these, more specific, is
    expands: list[str] = field(default_factory=list)  # words a clause stating this fact is labelled with (办理时间)
    headings: Headings = field(default_factory=Headings)  # a clause's label naming it (申报时间; else `expands`)

    def holds(self, words: Words, asks: set[str] = frozenset()) -> bool:
        """Whether the question is of this kind; `asks`: the kinds of fact it was found to ask for."""
        return bool(set(self.with_kinds) & asks) or any(rule.holds(words) for rule in self.rules)


@dataclass
class Statement:
    """The pattern of a sentence that states a kind of fact (an answer, not a question: so a regex); and for a kind a
    notice lists item by item (所需材料), the headings whose items state it whatever their own words."""
    pattern: re.Pattern
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    headings: Headings | None = None  # the kind's own, when an item under one states it (`under_heading`)
    listed: list[str] = field(default_factory=list)  # examples: a clause's path, " > " between its parts
    not_listed: list[str] = field(default_factory=list)

    def lists(self, clause: "Clause") -> bool:
        """Whether the clause is an item of this kind of fact by the heading it sits under: 营业执照复印件 right under
        六、申请材料 is a material to submit, though no word of its own says so. Only the nearest heading counts
        (四、申报方式和所需材料 > （一）申报方式 > 1.注册登录 is a step), and only a short one: a heading that names a
        list is a noun phrase, a longer one a sentence ingest took for a heading (企业应当如实提交相关材料)."""
        if self.headings is None:
            return False
        label = clause.section_label
        return 0 < len(label) <= LIST_HEADING_CHARS and self.headings.name(label)


@dataclass
class PlaceWords:
    """How a place name in a question is read: right before one of `not_before` it names a street or a river
    (延安西路, 南京路, 苏州河), not where the caller or the office is; `positive` examples name a region, `negative`
    ones none."""
    not_before: list[str] = field(default_factory=list)
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DocumentYears:
    """The years a document speaks of: those it states, and for a standing policy every year from its issue on (a
    measure of 2024 does not speak of what was done in 2023, unless it says so)."""
    stated: frozenset[str]
    since: int | None = None

    def speaks_of(self, years: frozenset[str]) -> bool:
        return all(y in self.stated or (self.since is not None and int(y) >= self.since) for y in years)


@dataclass
class YearWords:
    """A year a question asks about (2023年又认定了哪些网点): `pattern` finds one (its first group the year), `asked`
    examples must be read as asking theirs, `told` ones as asking none (a year of the caller's own story)."""
    pattern: re.Pattern | None = None
    stated: re.Pattern | None = None  # a year as a document writes one (2022-07-18, 〔2022〕), its first group the year
    dated: list[str] = field(default_factory=list)  # how an act of its day's title ends (通知, 公告): of its issue year
    standing: list[str] = field(default_factory=list)  # how a rule's title ends (法, 条例, 指南): of every year
    asked: list[str] = field(default_factory=list)
    told: list[str] = field(default_factory=list)


@dataclass
class Delegation:
    """A clause that only says by whom its rules are made (民间文学艺术作品的著作权保护办法由国务院另行规定) states none of
    them. `pattern` is matched on each of its sentences; a question wants the rules themselves when it asks a kind of
    fact or says one of `details` (具体, 内容), and does not ask who makes them (one of `who` with one of `makes`
    after it: 由谁来定). The examples: sentences that delegate or not, questions that want details or not, that ask who
    or not."""
    pattern: re.Pattern | None = None
    details: list[str] = field(default_factory=list)
    who: list[str] = field(default_factory=list)
    makes: list[str] = field(default_factory=list)
    delegates: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    details_questions: list[str] = field(default_factory=list)
    not_details: list[str] = field(default_factory=list)
    who_questions: list[str] = field(default_factory=list)
    not_who: list[str] = field(default_factory=list)

    @functools.cached_property
    def who_pattern(self) -> re.Pattern | None:
        if not self.who:
            return None

        def one_of(words: list[str]) -> str:
            return "|".join(map(re.escape, sorted(words, key=len, reverse=True)))

        return re.compile(f"(?:{one_of(self.who)})[^，。？?！!]{{0,3}}?(?:{one_of(self.makes)})")

    def asks_who(self, text: str) -> bool:
        """Whether a question asks who makes the rules (由谁来定, 哪个部门制定的; not 向谁付费, 谁能确定)."""
        return self.who_pattern is not None and bool(self.who_pattern.search(text))

    def wants_rules(self, text: str, asks_fact: bool) -> bool:
        """Whether a question wants what rules say (their details, or a kind of fact), not who makes them nor only
        whether there are any (受不受保护)."""
        return (asks_fact or any(word in text for word in self.details)) and not self.asks_who(text)

    def only_delegates(self, text: str) -> bool:
        """Whether every sentence of a clause's text says only by whom its rules are made."""
        sentences = [s.rstrip("。！？；") for s in clause_sentences(text)]
        return self.pattern is not None and bool(sentences) and all(self.pattern.search(s) for s in sentences)


@dataclass
class QuestionKinds:
    """Everything question understanding reads from question_kinds.yaml."""
    fillers: list[str]
    asks: dict[str, Kind]
    fields: dict[str, Kind]
    service: Kind
    history: Kind
    document: Kind  # about a document itself: its dated lines answer
    units: list[str]
    unit_forms: dict[str, str]
    numeral: str
    states: dict[str, Statement]
    places: PlaceWords = field(default_factory=PlaceWords)
    rights: dict[str, list[str]] = field(default_factory=dict)  # a kind of right: the words that name it
    rights_examples: list[tuple[str, list[str]]] = field(default_factory=list)
    matter: dict[str, list[str]] = field(default_factory=dict)  # a kind of right: words for what it protects (小说)
    matter_examples: list[tuple[str, list[str]]] = field(default_factory=list)
    events: Events = field(default_factory=lambda: Events({}))  # a document's events whose date is asked (施行…)
    acts: Acts = field(default_factory=lambda: Acts({}, {}))  # an act whose date or length is asked (钱到账)
    years: YearWords = field(default_factory=YearWords)  # a year asked about: no document of another year answers
    office_endings: tuple[str, ...] = ()  # a question word ending in one names an office (保护中心, 促进科)
    office_kinds: frozenset[str] = frozenset()  # the kinds of fact that are an office's own (phone, address…)
    body_endings: tuple[str, ...] = ()  # a body's name ends so (局, 委): not a unit's (知识产权科) nor a place's (政务服务中心)
    body_examples: tuple[list[str], list[str]] = ([], [])  # names of bodies, and office or place names that are none
    body_names: tuple[tuple[str, str], ...] = ()  # one body's two names everywhere (知识产权局, 市场监督管理局)
    office_examples: tuple[list[str], list[str]] = ([], [])  # words that name an office, and words that do not
    landmark_before: tuple[str, ...] = ()  # a name right before one of these says where the office is (中医院旁边)
    landmark_beside: tuple[str, ...] = ()  # …and these, when the question names another office (在会展中心那边)
    office_told_by: tuple[str, ...] = ()  # a place said in a part telling the caller's story is no office's (我是晋江的)
    office_streets: tuple[str, ...] = ()  # a place's office is not named across a street (青秀区竹溪大道市教育局)
    # a question, offices it asks about and words it says that are none
    offices_asked_examples: list[tuple[str, list[str], list[str]]] = field(default_factory=list)
    # a question and the places whose office it asks of (Query.places_asked)
    office_places_examples: list[tuple[str, list[str]]] = field(default_factory=list)
    delegation: Delegation = field(default_factory=Delegation)  # a clause that only says who makes its rules
    data: dict[str, Any] = field(repr=False, default_factory=dict)  # as read, to travel with the index

    @classmethod
    def from_yaml(cls, path: Path) -> "QuestionKinds":
        """The file at `path`, or the shipped one when the knowledge folder has none."""
        if not path.exists():
            path = DEFAULT_PATH
        data = read_yaml(path, KindsError)
        return cls.from_dict(data, str(path))

    @classmethod
    def default(cls) -> "QuestionKinds":
        return _default()

    def to_json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict, source: str = KINDS_FILE) -> "QuestionKinds":
        # a word list that takes in another by its YAML alias ([*a_few, 前]) holds its words in its place, here and in
        # the index (data travels with it), so that a version without aliases reads an index built with them
        data = _spread(data)

        def fail(key: str, why: str) -> KindsError:
            return KindsError(f"{source}: {key} {why}")

        def strings(value: Any, key: str) -> list[str]:
            if value is None:
                return []
            if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
                raise fail(key, "应为词语列表，例如 [多少钱, 费用]（可含另一列表的别名，例如 [*a_few, 前]）")
            return [str(v) for v in value]

        after_counts = strings(data.get("after_counts"), "after_counts")

        def single_characters(value: Any, key: str) -> list[str]:
            heads = strings(value, key)
            if any(len(h) != 1 for h in heads):
                raise fail(key, "应为单字列表，例如 [费]（多字的词本就作复合词的中心词，写进 triggers）")
            return heads

        def count(r: dict, where: str, key: str, beside: str, least: int, meaning: str) -> int | None:
            """A rule's count setting (requires_before, compound_heads_after): a whole number of at least `least`,
            given only beside the key it qualifies."""
            value = r.get(key)
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise fail(where, f"{key} 应为{'非负' if least == 0 else '正'}整数（{meaning}）")
            if not r.get(beside):
                raise fail(where, f"{key} 需要同时给出 {beside}")
            return value

        def kind(name: str, spec: Any, key: str) -> Kind:
            if not isinstance(spec, dict):
                raise fail(key, "应为映射，含 triggers 或 rules 以及 examples")
            if "rules" in spec:  # beside its rules a kind holds only kind-level keys: any other would be ignored
                unknown = set(spec) - {"rules", "label", "yields_to", "with_kinds", "expands", "headings", "examples",
                                       "states", "why"}
                if unknown:
                    raise fail(key, f"有未知的键 {sorted(unknown)}（条件写在 rules 的各条里）")
            rule_specs = spec.get("rules") or ([spec] if "triggers" in spec else [])
            if not rule_specs and not spec.get("with_kinds"):
                raise fail(key, "缺少 triggers（触发词）")
            rules = []
            for n, r in enumerate(rule_specs):
                where = f"{key}.rules[{n}]" if "rules" in spec else key
                unknown = set(r) - {"triggers", "counts", "counts_by", "requires", "requires_before", "not_with",
                                    "not_between", "not_after", "not_before", "told_by", "asked_by", "not_in_part",
                                    "compound_heads", "compound_heads_after", "ends_part", "examples", "states",
                                    "with_kinds", "why"} \
                    - ({"label", "yields_to", "expands", "headings"} if r is spec else set())
                if unknown:
                    raise fail(where, f"有未知的键 {sorted(unknown)}")
                # 几 / 多少 (or `counts_by`), with or without 个, before each unit: 几天 多少个工作日 几个钟头 (jieba
                # often keeps them whole), and with a place word after it that jieba keeps with the unit (年内)
                by = strings(r.get("counts_by"), f"{where}.counts_by") or ["几", "多少"]
                counted = [q + c + u for u in strings(r.get("counts"), f"{where}.counts") for q in by
                           for c in ("", "个")]
                triggers = strings(r.get("triggers"), f"{where}.triggers")
                heads = single_characters(r.get("compound_heads"), f"{where}.compound_heads")
                if not (triggers or counted or heads):
                    raise fail(where, "缺少 triggers、counts 或 compound_heads：这条规则永远不会成立")
                rules.append(Rule(triggers,
                                  strings(r.get("requires"), f"{where}.requires"),
                                  strings(r.get("not_with"), f"{where}.not_with"),
                                  strings(r.get("not_between"), f"{where}.not_between"),
                                  strings(r.get("not_after"), f"{where}.not_after"),
                                  strings(r.get("not_before"), f"{where}.not_before"),
                                  counted, after_counts if counted else [],
                                  count(r, where, "requires_before", "requires", 0, "requires 词与触发词之间最多隔几个字"),
                                  strings(r.get("told_by"), f"{where}.told_by"),
                                  strings(r.get("asked_by"), f"{where}.asked_by"),
                                  strings(r.get("not_in_part"), f"{where}.not_in_part"), heads,
                                  sorted(strings(r["ends_part"], f"{where}.ends_part"), key=len, reverse=True)
                                  if "ends_part" in r else None,
                                  count(r, where, "compound_heads_after", "compound_heads", 1,
                                        "复合词中心字前面的词至少几个字") or 2))
            examples = spec.get("examples") or {}
            expands = strings(spec.get("expands"), f"{key}.expands")
            return Kind(name, rules, strings(examples.get("positive"), f"{key}.examples.positive"),
                        strings(examples.get("negative"), f"{key}.examples.negative"),
                        strings(spec.get("with_kinds"), f"{key}.with_kinds"), str(spec.get("label") or ""),
                        strings(spec.get("yields_to"), f"{key}.yields_to"), expands,
                        headings(spec.get("headings"), f"{key}.headings", expands))

        def headings(spec: Any, key: str, expands: list[str]) -> Headings:
            if spec is None:  # the words an answer is labelled with, which the question is expanded by
                return Headings(list(expands))
            if not isinstance(spec, dict) or set(spec) - {"words", "not_with", "examples"} or not spec.get("words"):
                raise fail(key, "应为映射，含 words（条款自身标题里说明它写的是这类事实的词）及可选的 not_with、examples")
            examples = spec.get("examples") or {}
            if not isinstance(examples, dict) or set(examples) - {"positive", "negative"}:
                raise fail(f"{key}.examples", "应为映射，只含 positive 与 negative（条款标题的例子）")
            return Headings(strings(spec["words"], f"{key}.words"), strings(spec.get("not_with"), f"{key}.not_with"),
                            strings(examples.get("positive"), f"{key}.examples.positive"),
                            strings(examples.get("negative"), f"{key}.examples.negative"))

        def section(key: str) -> dict[str, Kind]:
            specs = data.get(key)
            if not isinstance(specs, dict) or not specs:
                raise fail(key, "缺少或不是映射")
            return {str(name): kind(str(name), spec, f"{key}.{name}") for name, spec in specs.items()}

        asks = section("asks")
        fields = section("fields")
        service = kind("service", data.get("service"), "service")
        history = kind("history", data.get("history"), "history")
        # a file or an index without the section: every date question is about a document, as before it
        doc_spec = data.get("document", {})
        if not isinstance(doc_spec, dict):
            raise fail("document", "应为映射，含 rules 以及 events 等")
        document = kind("document", {k: v for k, v in doc_spec.items() if k not in EVENT_KEYS}, "document") \
            if "document" in data else Kind("document", [], with_kinds=["date", "validity"])
        events = _events(doc_spec, fail, strings)
        acts = _acts(data.get("acts"), fail, strings)
        named = [(f"asks.{k.name}", k) for k in asks.values()] + [(f"fields.{k.name}", k) for k in fields.values()] \
            + [(k.name, k) for k in (service, history)] + ([("document", document)] if "document" in data else [])
        for where, k in named:
            unknown = set(k.with_kinds + k.yields_to) - set(asks)
            if unknown:
                raise fail(where, f"的 with_kinds / yields_to 指向不存在的问题类型 {sorted(unknown)}")
        states = {}
        # a statement given as `any_of` other kinds' (contact: a phone, a mail or a web address) after theirs
        specs = sorted(((name, data["asks"][name].get("states")) for name in asks),
                       key=lambda ns: isinstance(ns[1], dict) and "any_of" in ns[1])
        for name, raw in specs:
            if raw is None:
                continue
            try:
                if isinstance(raw, dict) and "any_of" in raw:
                    unknown = [k for k in strings(raw["any_of"], f"asks.{name}.states.any_of") if k not in states]
                    if unknown:
                        raise fail(f"asks.{name}.states.any_of", f"指向没有 pattern 的问题类型 {unknown}")
                    own = [raw["pattern"]] if raw.get("pattern") else []  # its own statements beside theirs
                    pattern = re.compile("|".join(f"(?:{p})" for p in
                                                  [states[k].pattern.pattern for k in raw["any_of"]] + own))
                else:
                    pattern = re.compile(raw["pattern"])
            except (TypeError, KeyError, re.error) as exc:
                raise fail(f"asks.{name}.states.pattern", f"不是有效的正则表达式：{exc}") from exc
            examples = raw.get("examples") or {}
            under = raw.get("under_heading")
            if under is not None and not isinstance(under, bool):
                raise fail(f"asks.{name}.states.under_heading", "应为 true 或 false")
            if under and not asks[name].headings.words:
                raise fail(f"asks.{name}.states.under_heading", "需要该类型的 headings.words（哪些标题下的条目写明了它）")
            listed = raw.get("heading_examples") or {}
            if not isinstance(listed, dict) or set(listed) - {"positive", "negative"}:
                raise fail(f"asks.{name}.states.heading_examples", "应为映射，只含 positive 与 negative（条款路径的例子）")
            states[name] = Statement(pattern, strings(examples.get("positive"), f"asks.{name}.states.examples"),
                                     strings(examples.get("negative"), f"asks.{name}.states.examples"),
                                     asks[name].headings if under else None,
                                     strings(listed.get("positive"), f"asks.{name}.states.heading_examples"),
                                     strings(listed.get("negative"), f"asks.{name}.states.heading_examples"))
        if set(acts.kinds) - set(states):
            raise fail("acts.kinds", f"指向没有 states 的问题类型 {sorted(set(acts.kinds) - set(states))}")
        units = data.get("units") or {}
        numeral = str(units.get("numeral") or "")
        for pattern in [numeral, *map(str, (units.get("forms") or {}).values())]:
            _pattern(pattern, "units", fail)
        for key in ("rights", "years", "delegation"):
            # a bureau's own file, or an index built before these were data: the shipped file's (rights' words and
            # matter, how a year is written, what only delegates), as for labels; document events have no such
            # fallback: without them a date question asks any date
            if key not in data and source != str(DEFAULT_PATH):
                data = {**data, key: _default().data.get(key) or {}}
        year_spec = data.get("years") or {}
        if not isinstance(year_spec, dict) or set(year_spec) - {"pattern", "stated", "dated", "standing", "examples"} \
                or bool(year_spec.get("pattern")) != bool(year_spec.get("stated")):
            raise fail("years", "应为映射，含 pattern（问题和标题里的年份）与 stated（文件里的年份）两个正则（第一组为年份），"
                                "dated（按日发布的文件标题的结尾，如 通知）、standing（规则类文件标题的结尾，如 条例）及 examples")
        year_examples = year_spec.get("examples") or {}
        if not isinstance(year_examples, dict) or set(year_examples) - {"asked", "told"}:
            raise fail("years.examples", "应为映射，只含 asked（问到年份的问题）与 told（只是讲到年份的问题）")
        found = []
        for key in ("pattern", "stated"):
            text = str(year_spec.get(key) or "")
            found.append(re.compile(_pattern(text, f"years.{key}", fail)) if text else None)
            if found[-1] is not None and found[-1].groups < 1:
                raise fail(f"years.{key}", "需要一个分组，标出年份本身（如 2023）")
        years = YearWords(found[0], found[1], strings(year_spec.get("dated"), "years.dated"),
                          strings(year_spec.get("standing"), "years.standing"),
                          strings(year_examples.get("asked"), "years.examples.asked"),
                          strings(year_examples.get("told"), "years.examples.told"))
        places = data.get("places") or {}
        if not isinstance(places, dict):
            raise fail("places", "应为映射，含 not_before 与 examples")
        examples = places.get("examples") or {}
        place_words = PlaceWords(strings(places.get("not_before"), "places.not_before"),
                                 strings(examples.get("positive"), "places.examples"),
                                 strings(examples.get("negative"), "places.examples"))
        spec = data.get("delegation") or {}
        keys, example_keys = {"pattern", "details", "who", "makes", "examples"}, \
            ("delegates", "states", "details", "not_details", "who", "not_who")
        if not isinstance(spec, dict) or set(spec) - keys:
            raise fail("delegation", f"应为映射，只含 {'、'.join(sorted(keys))}"
                                     f"{'；未知的项 ' + '、'.join(map(str, set(spec) - keys)) if isinstance(spec, dict) else ''}")
        spec_examples = spec.get("examples") or {}
        if not isinstance(spec_examples, dict) or set(spec_examples) - set(example_keys):
            raise fail("delegation.examples", f"应为映射，只含 {'、'.join(example_keys)}")
        if not isinstance(spec.get("pattern") or "", str):
            raise fail("delegation.pattern", "应为一个正则表达式字符串")
        if bool(spec.get("who")) != bool(spec.get("makes")):
            raise fail("delegation", "who（谁、哪个部门）与 makes（制定、规定）须同时给出：问由谁制定，要两者相连")
        delegation = Delegation(
            re.compile(_pattern(spec["pattern"], "delegation.pattern", fail)) if spec.get("pattern") else None,
            *(strings(spec.get(k), f"delegation.{k}") for k in ("details", "who", "makes")),
            *(strings(spec_examples.get(k), f"delegation.examples.{k}") for k in example_keys))
        offices = data.get("offices") or {}
        if not isinstance(offices, dict) or set(offices) - {"endings", "bodies", "same_body", "near", "near_beside", "of",
                                                            "told_by", "streets", "examples"} \
                or not isinstance(offices.get("examples") or {}, dict):
            raise fail("offices", "应为映射，只含 endings（机构名的结尾字）、bodies（机关名的结尾字）、same_body（同一机关的名称对）、near（说明位置的词，"
                                  "如 附近、旁边）、near_beside（问题另提机构时说明位置的词，如 那边）、of（属于机构"
                                  "的事实种类）、told_by（说自己情况的词，如 我、我们）、streets（街路的结尾字）与 examples")
        office_examples = offices.get("examples") or {}
        pairs = offices.get("same_body") or {}
        if not isinstance(pairs, dict) or not all(isinstance(v, str) for v in pairs.values()):
            raise fail("offices.same_body", "应为名称对的映射，如 {知识产权局: 市场监督管理局}")
        office_endings = strings(offices.get("endings"), "offices.endings")
        body_endings = strings(offices.get("bodies"), "offices.bodies")
        if not set(body_endings) <= set(office_endings):
            raise fail("offices.bodies", "应是 endings 中的结尾字（机关名也是机构名）")
        asked_examples = []
        for n, ex in enumerate(office_examples.get("asked") or []):
            if not isinstance(ex, dict) or "question" not in ex:
                raise fail(f"offices.examples.asked[{n}]", "应为 {question: 问题, offices: [机构名], not: [不算的词]}")
            asked_examples.append((str(ex["question"]), strings(ex.get("offices"), f"offices.examples.asked[{n}]"),
                                   strings(ex.get("not"), f"offices.examples.asked[{n}]")))
        place_examples = []
        for n, ex in enumerate(office_examples.get("places") or []):
            if not isinstance(ex, dict) or "question" not in ex:
                raise fail(f"offices.examples.places[{n}]", "应为 {question: 问题, places: [所问机构的地名]}")
            place_examples.append((str(ex["question"]), strings(ex.get("places"), f"offices.examples.places[{n}]")))
        office_kinds = strings(offices.get("of"), "offices.of")
        if set(office_kinds) - set(asks):
            raise fail("offices.of", f"未知的事实种类 {sorted(set(office_kinds) - set(asks))}")
        rights = data.get("rights")
        if not isinstance(rights, dict) or not isinstance(rights.get("words"), dict) or not rights["words"] \
                or set(rights) - {"words", "matter", "examples"} \
                or not isinstance(rights.get("matter") or {}, dict):
            raise fail("rights", "应为映射，只含 words（权利种类: 词表，不能为空）、matter（权利种类: 保护对象的词）与 examples")
        right_words = {str(k): strings(v, f"rights.words.{k}") for k, v in rights["words"].items()}
        right_matter = {str(k): strings(v, f"rights.matter.{k}") for k, v in (rights.get("matter") or {}).items()}
        if set(right_matter) - set(right_words):
            raise fail("rights.matter", f"未知的权利种类 {sorted(set(right_matter) - set(right_words))}")
        _listed_once([("rights.words", right_words), ("rights.matter", right_matter)], fail,
                     "空词会让每段文字都算作提到这种权利")
        right_examples, matter_examples = [], []
        for n, ex in enumerate(rights.get("examples") or []):
            if not isinstance(ex, dict) or "question" not in ex:
                raise fail(f"rights.examples[{n}]", "应为 {question: 问题, rights: [权利种类], matter: [权利种类]（可省）}")
            named = strings(ex.get("rights"), f"rights.examples[{n}].rights")
            matter = strings(ex.get("matter"), f"rights.examples[{n}].matter")
            if set(named + matter) - set(right_words):
                raise fail(f"rights.examples[{n}]", f"未知的权利种类 {sorted(set(named + matter) - set(right_words))}")
            right_examples.append((str(ex["question"]), named))
            if "matter" in ex:
                matter_examples.append((str(ex["question"]), matter))
        return cls(
            fillers=strings(data.get("fillers"), "fillers"),
            asks=asks,
            fields=fields,
            service=service,
            history=history,
            document=document,
            units=strings(units.get("words"), "units.words"),
            unit_forms={str(k): str(v) for k, v in (units.get("forms") or {}).items()},
            numeral=numeral,
            states=states,
            places=place_words,
            rights=right_words,
            rights_examples=right_examples,
            matter=right_matter,
            matter_examples=matter_examples,
            events=events,
            acts=acts,
            years=years,
            office_endings=tuple(office_endings),
            office_kinds=frozenset(office_kinds),
            body_endings=tuple(body_endings),
            body_names=tuple((str(a), str(b)) for a, b in pairs.items()),
            body_examples=(strings(office_examples.get("body"), "offices.examples.body"),
                           strings(office_examples.get("no_body"), "offices.examples.no_body")),
            landmark_before=tuple(strings(offices.get("near"), "offices.near")),
            landmark_beside=tuple(strings(offices.get("near_beside"), "offices.near_beside")),
            office_told_by=tuple(strings(offices.get("told_by"), "offices.told_by")),
            office_streets=tuple(strings(offices.get("streets"), "offices.streets")),
            office_examples=(strings(office_examples.get("office"), "offices.examples.office"),
                             strings(office_examples.get("not"), "offices.examples.not")),
            offices_asked_examples=asked_examples,
            office_places_examples=place_examples,
            delegation=delegation,
            data=data,
        )

    def names_office(self, word: str) -> bool:
        """Whether a question word names an office (保护中心, 商标评审委员会; not 中心 alone): three characters or more,
        ending as offices' names end."""
        return len(word) >= 3 and word.endswith(self.office_endings)  # no endings (a file without offices): none

    def names_body(self, word: str) -> bool:
        """Whether a word names a body (区市场监管局, 卫健委): an office's name ending as bodies' names end, not a unit's
        (知识产权科, 局办公室) nor a place's (政务服务中心); none without `offices.bodies`."""
        return bool(self.body_endings) and self.names_office(word) and word.endswith(self.body_endings)

    def same_body(self, name: str, other: str, aliases: Iterable[tuple[str, str]] = ()) -> bool:
        """Whether two names are one body's: one is the other said short, its characters in order (市场监管局 of
        市场监督管理局, 科技局 of 科学技术局), or they are one body's two names, everywhere (`offices.same_body`: a
        city's 知识产权局 is its 市场监督管理局) or as a document writes them (`aliases`: 市场监督管理局（知识产权局）).
        A name's level is not compared (国家知识产权局, 省知识产权局)."""
        return _alike(name, other) or any(
            (_alike(name, x) and _alike(other, y)) or (_alike(name, y) and _alike(other, x))
            for x, y in (*self.body_names, *aliases))

    def split_offices(self, words: list[str], known: Callable[[str], bool]) -> list[str]:
        """Offices' names the segmenter cut before their ending (运用|促进|处, 县|农业|农村|局): the word before a
        one-character word that is an office's ending, of two characters or more, joined to it (促进处, 农村局), when
        `known` (the knowledge base says it somewhere) holds for the joined name; 哪个|科 names no office."""
        return [name for before, ending in zip(words, words[1:])
                if len(before) >= 2 and ending in self.office_endings and self.names_office(name := before + ending)
                and known(name)]

    def office_after(self, text: str, at: int, stop: int | None = None, words: "Words | None" = None) -> bool:
        """Whether an office's name runs on from position `at`, where a place's name ends, before `stop` (where the
        next place is named): a word of its own that ends as offices' names end, right after the place (红河州|局,
        兰州市|局), or, within OFFICE_WORDS words and no 的 nor punctuation, one of two characters or more ending so
        after three characters or more (南陵县|市场|监管局, 杭州|代办处, 泉州市|知识产权|保护|中心); not 深圳|科技型|企业,
        苏州|委托, 在杭州|哪里|可以|办, 余杭区|企业 before 杭州代办处 (the office is the nearer place's), nor across a
        street (`offices.streets`: 青秀区|竹溪|大道|市|教育局 is where the city's bureau is)."""
        if not self.office_endings:
            return False
        words = words or Words(text)
        limit = len(text) if stop is None else stop
        bounds = sorted({b for b in words.starts if at <= b < limit} | {limit})
        first = bounds[0]
        for n, (start, end) in enumerate(zip(bounds, bounds[1:])):
            word = text[start:end]
            if n >= OFFICE_WORDS or word == "的" or _PARTS.search(word) or word.endswith(self.office_streets):
                return False
            if word.endswith(self.office_endings) and ((n == 0 and len(word) == 1) or
                                                        (len(word) >= 2 and end - first >= 3)):
                return True
        return False

    @functools.cached_property
    def trigger_words(self) -> frozenset[str]:
        """What the fact kinds are asked about (施行, 多少钱, 电话, 罚): the typo corrector leaves them as the caller
        said them."""
        return frozenset(w for kind in self.asks.values() for rule in kind.rules for w in rule.triggers)

    @functools.cached_property
    def asking_words(self) -> frozenset[str]:
        """The words a question asks with: the fact kinds' triggers and their asking words (吗, 有没有, 是什么). The
        typo corrector changes one only where the question still asks the same kinds (罚不罚款 is no 发布罚款)."""
        return self.trigger_words | frozenset(w for kind in self.asks.values() for rule in kind.rules
                                              for w in rule.requires)

    def asked(self, words: Words) -> set[str]:
        """The kinds of fact the question asks for; a general kind yields to a more specific one it names
        (多少钱 asks for money, not any number; 多少天 for a length)."""
        found = {name for name, kind in self.asks.items() if kind.holds(words)}
        return {name for name in found if not set(self.asks[name].yields_to) & found}

    def rights_named(self, text: str) -> frozenset[str]:
        """The kinds of right a title or a heading names (专利法, 商标法实施条例), by the words of
        question_kinds.yaml's `rights`, as characters."""
        return frozenset(right for right, words in self.rights.items() if any(w in text for w in words))

    def wants_rules(self, words: Words, asks: set[str]) -> bool:
        """Whether a question wants what rules say, which a clause saying only by whom they are made does not state
        (`delegation`): their details or a kind of fact, not who makes them."""
        return self.delegation.wants_rules(words.text, bool(set(asks) & set(self.states)))

    def rights_asked(self, words: Words) -> frozenset[str]:
        """The kinds of right a question names, as whole words or the heads of compounds (合作品牌 says no 作品,
        研发明显 no 发明; 注册商标 says 商标)."""
        return _said(self.rights, words)

    def matter_asked(self, words: Words) -> frozenset[str]:
        """The kinds of right whose protected matter a question names (小说, 翻唱: 著作权), read as rights_asked reads
        names; what the other-right damping counts, never the refusal (a 论文 or 照片 may be a patent's matter too)."""
        return _said(self.matter, words)

    def event_asked(self, words: Words) -> str:
        """The event of a document whose date a question asks (施行, 印发…): the event word nearest to where it asks when,
        in the same part of the question (parts end at punctuation), the one after it on a tie (哪天印发的); the last
        one said when it asks when in no word of the date kind. Not one beginning a title (实施条例, 实施方案). Read as
        characters, as jieba may cut across one (哪天下发 is 哪/天下/发); "" when it says none."""
        ev, text = self.events, words.text
        if not ev.words:
            return ""
        date = self.asks.get("date")
        # where it asks when: the date kind's triggers that are no event word (施行了吗 asks whether, not when)
        asking = [(m.start(), m.end()) for rule in (date.rules if date else []) for t in rule.triggers
                  if t not in ev.of for m in re.finditer(re.escape(t), text)]
        said = [m for m in ev.finder.finditer(text)  # longest first, none overlapping another
                if not text.startswith(tuple(ev.not_before), m.end())]

        def distance(m: re.Match) -> tuple[float, int]:
            gaps = [(m.start() - e, 0) if m.start() >= e else (s - m.end(), 1) for s, e in asking
                    if _part(text, s) == _part(text, m.start())]
            return min(gaps, default=(math.inf, 0))

        if asking:
            said = [m for m in said if distance(m)[0] < math.inf]
            return ev.of[min(said, key=distance).group(0)] if said else ""
        return ev.of[said[-1].group(0)] if said else ""

    def dated(self, event: str) -> re.Pattern:
        """A sentence stating the date of `event`: a calendar date and a word of the event in one sentence
        (自2014年3月1日起施行 for 施行), the event's `also` (自印发之日起施行), or for the `signed` event a calendar date
        alone on its line (a cover's or a closing's 2024年12月2日)."""
        ev = self.events
        return _event_pattern(ev.calendar, "|".join(map(re.escape, ev.words[event])), ev.also.get(event, ""),
                              event == ev.signed)

    @functools.cached_property
    def act_triggers(self) -> frozenset[str]:
        """Where a question asks when or how long, for `act_asked`: the triggers of the kinds the acts bind, and
        `acts.when`."""
        return frozenset(t for name in self.acts.kinds if name in self.asks for rule in self.asks[name].rules
                         for t in rule.triggers) | frozenset(self.acts.when)

    def act_asked(self, words: Words, asks: set[str]) -> str:
        """The act whose date or length of time a question asks (付款 of 补贴钱大概啥时候到账), by question_kinds.yaml's
        `acts`, when it asks one of the kinds they bind: a word of the act said after where the question asks when or
        how long (the date and period kinds' triggers and `acts.when`: 多久能到账, 几天能到我卡上) in the same part, or
        right before a word naming its time (到账时间), and no other act between (`not_between`: 多久要报送拨付资金的
        使用计划); a word that needs a money word (`with_money`: 发放, 兑现) only when that part says one
        (奖金什么时候发放, not 证书多久发放); not a word the time is counted from (到账以后多久要报送), nor one said of an
        act done, withheld or unscheduled as a sentence says it (`not_after`: 多长时间内不核准), nor one in a part
        saying a word its act lists as asking another thing (`not_in_part`: 几天给答复受不受理). "" when none.
        Read as characters, as jieba cuts 到账 into 到 and 账."""
        acts = self.acts
        if not acts.of or not set(acts.kinds) & asks:
            return ""
        text, parts = words.text, _PARTS.split(words.text)  # parts[n] is the part _part numbers n
        asked_at = [(m.end(), _part(text, m.start())) for t in self.act_triggers
                    for m in re.finditer(re.escape(t), text)]
        for m in acts.finder.finditer(text):
            word, after, part = m.group(0), text[m.end():], _part(text, m.start())
            if word in acts.with_money_words and not any(w in parts[part] for w in acts.money) \
                    or after.startswith(acts.counted_from) or text[:m.start()].endswith(acts.not_after) \
                    or any(w in parts[part] for w in acts.not_in_part.get(acts.of[word], ())):
                continue
            if after.startswith(acts.time_words) or any(
                    end <= m.start() and at == part and not any(w in text[end:m.start()] for w in acts.not_between)
                    for end, at in asked_at):
                return acts.of[word]
        return ""

    def acted(self, kind: str, act: str) -> re.Pattern:
        """A sentence stating the `kind` of fact (a date, a length of time) of `act`: the kind's statement and a word
        stating the act, or a statement matching its `stated_pattern`, in one sentence (公示结束后30个工作日内拨付 for
        付款; not 申报时间为3月1日至4月30日); not the act right after a word saying it is done, withheld or not
        scheduled (`not_after`: 追回已拨付的资金，3年内不得申报; 不再拨付; 资金另行拨付), nor an act the time is counted
        from (`counted_from`, after `counted_through`: 拨付之日起12个月内, 拨付到位后3个月内; not 兑现于公示后20个工作日内;
        `counted_from_within`, a few characters on: 自核准注册之日起计算, 收到授予专利权通知之日起2个月内)."""
        return _act_pattern(self.states[kind].pattern.pattern, tuple(self.acts.stated[act]), self.acts.counted_from,
                            self.acts.not_after, self.acts.counted_through, self.acts.stated_patterns.get(act, ""),
                            self.acts.counted_from_within)

    def label(self, kind: str) -> str:
        """How an answer names a kind of fact asked (费用或金额): this file's label, else the shipped file's (an
        index built before labels were data, a bureau's own file without them)."""
        found = self.asks.get(kind)
        if found and found.label:
            return found.label
        shipped = _default().asks.get(kind)
        return shipped.label if shipped else ""

    @classmethod
    def from_json(cls, text: str) -> "QuestionKinds":
        return cls.from_dict(json.loads(text), "索引中的 question_kinds")

    def without_fillers(self, text: str) -> str:
        """The question without the words that carry nothing (喂、您好、我想问一下), where they stand as whole
        words; the question itself if nothing else is left."""
        words = Words(text)
        if not words.says(self.fillers):
            return text
        # overlapping fillers (我想问 / 我想问一下) are cut as one
        rest = re.sub(r"^[\s，,。、！!？?]+", "", words.without(self.fillers))
        rest = re.sub(r"([，,、])[\s，,、]+", r"\1", rest)
        return rest.strip() if re.search(r"\w", rest) else text

    def years_asked(self, text: str) -> frozenset[str]:
        """The years a question asks about: those said in a part of it that asks (its last part, or one ending in a
        question mark), not in one telling the caller's story (我爷爷是2000年去世的，他的小说还受保护吗)."""
        if self.years.pattern is None:
            return frozenset()
        asking = _asking_parts(text)
        return frozenset(m.group(1) for m in self.years.pattern.finditer(text) if _part(text, m.start()) in asking)

    def offices_asked(self, text: str, words: list[str]) -> frozenset[str]:
        """The office a question asks a fact of (`offices.of`: a phone, an address…): of its words that name an office
        (names_office), and none a kind of fact is asked with (哪个办公室, 官方网站, 公交站) nor a landmark (`offices.near`:
        在中医院旁边), those said in the last part of it that says such a trigger (商标评审委员会的咨询电话是多少，我想查查
        进度; not 街道办让我打电话问，杭州专利受理电话是多少, nor 我们实验室发明了个东西，杭州代办处电话多少), or, when that
        part names none, in an earlier such part that asks (ending in a question mark: 海外服务站设在哪里？联系电话是多少？);
        of these the last said, as a name goes from the whole to its part (市知识产权局业务事项中心, 我是设计院的杭州代办处),
        the longest of those ending there (知识产权局, not 产权局)."""
        triggers = [t for kind in self.office_kinds for rule in self.asks[kind].rules for t in rule.triggers]
        said = sorted({_part(text, m.start()) for t in triggers for m in re.finditer(re.escape(t), text)})
        long_triggers = [t for t in self.trigger_words if len(t) >= 2]
        # a name said right before a word of position (在中医院旁边, 离火车站远吗) is a landmark, where the office is
        named = [w for w in words if self.names_office(w) and not any(w in t or t in w for t in long_triggers)]
        offices = [w for w in named if not all(self._landmark(text, m, any(o not in w and w not in o for o in named))
                                               for m in re.finditer(re.escape(w), text))]
        asking = _asking_parts(text)
        for part in reversed(said):
            if part != said[-1] and part not in asking:
                continue
            ends = {w: max((m.end() for m in re.finditer(re.escape(w), text) if _part(text, m.start()) == part),
                           default=-1) for w in offices}
            last = max(ends.values(), default=-1)
            if last >= 0:
                return frozenset(sorted((w for w, end in ends.items() if end == last), key=len)[-1:])
        return frozenset()

    def _landmark(self, text: str, said: re.Match, others: bool) -> bool:
        """Whether a name said there is a landmark: a word of position follows it (中医院旁边), or 那边 when the
        question names another office (`others`: 代办处的地址是不是在会展中心那边; not 商标局那边的电话是多少)."""
        return text.startswith(self.landmark_before, said.end()) or (
            others and text.startswith(self.landmark_beside, said.end()))

    def years_stated(self, text: str) -> frozenset[str]:
        """The years a document's text (or title, or 文号) states."""
        return frozenset(m.group(1) for m in self.years.stated.finditer(text)) if self.years.stated else frozenset()

    def document_years(self, title: str, issued: int | None, text: Callable[[], str]) -> DocumentYears | None:
        """The years a document speaks of (`text`: its 文号 and clauses, read only when needed); None for a rule that
        applies whatever year a question names (a law, a regulation, a guide: a title ending in one of `standing`),
        or a document of no known date.
        - Of a year — its title names one (关于认定2022年…网点的通知; not a revision's, 专利法（2020年修正）), or it is an
          act of its day (a title ending in one of `dated`: 通知, 公告) issued that year: only the years it states.
        - A standing policy (a 措施, an 意见): the years it states, and every year from its issue on."""
        named = {m.group(1) for m in self.years.pattern.finditer(title)} if self.years.pattern else set()
        base = re.sub(r"[（(][^（）()]*[)）]\s*$", "", title.strip())  # 管理办法（2025修订版） is a 办法
        if not named and issued and base.endswith(tuple(self.years.dated)):
            named = {str(issued)}
        if not named and (not issued or base.endswith(tuple(self.years.standing))):
            return None
        stated = self.years_stated(f"{title}\n{text()}")
        return DocumentYears(frozenset(named) | stated) if named else DocumentYears(stated, since=issued)

    def unit_asked(self, words: Words) -> str:
        """The measure word of a number asked for (多少家 → 家), or ""."""
        phrases = [q + u for u in self.units for q in ("多少", "几")]
        found = words.first(phrases)
        return found[2].removeprefix("多少").removeprefix("几") if found else ""


@dataclass
class EventExample:
    """A question about a document's date, the event it asks, and sentences that do and do not state that date; or
    a question, the act whose date or length of time it asks ("" for none), and sentences that do and do not state
    it (`Acts`)."""
    question: str
    event: str
    states: list[str] = field(default_factory=list)
    not_states: list[str] = field(default_factory=list)


@dataclass
class Events:
    """question_kinds.yaml's document events: the words of each, what else states one (`also`), the words an event
    word may begin that make it a title or a noun of something else (实施条例, 修订版), a calendar date's pattern, and
    the event a date alone on its line states."""
    words: dict[str, list[str]]
    also: dict[str, str] = field(default_factory=dict)
    not_before: list[str] = field(default_factory=list)
    calendar: str = r"\d{4}年\d{1,2}月"
    signed: str = ""
    examples: list[EventExample] = field(default_factory=list)

    def __post_init__(self):
        self.of, self.finder = _words_of(self.words)


EVENT_KEYS = ("events", "event_not_before", "calendar", "signed", "event_examples")  # the document section's own


def _events(spec: dict, fail, strings) -> Events:
    """The document section's events, checked as the rights are: no empty word, no word under two events, no
    unknown key, every pattern valid."""
    raw = spec.get("events") or {}
    if not isinstance(raw, dict):
        raise fail("document.events", "应为映射（事件: {words: [词], also: 正则（可省）}）")
    words, also = {}, {}
    for name, event in raw.items():
        where = f"document.events.{name}"
        if not isinstance(event, dict) or set(event) - {"words", "also"}:
            raise fail(where, "应为 {words: [词], also: 正则（可省）}，不能有别的键")
        words[str(name)] = strings(event.get("words"), f"{where}.words")
        if not words[str(name)]:
            raise fail(where, "每种事件都要有词")
        if event.get("also"):
            also[str(name)] = _pattern(str(event["also"]), f"{where}.also", fail)
    _listed_once([("document.events", words)], fail, "空词会让每个问日期的问题都算作问这种事件")
    not_before = strings(spec.get("event_not_before"), "document.event_not_before")
    if any(not w.strip() for w in not_before):
        raise fail("document.event_not_before", "含有空词：空词会让任何事件词都不算（删去空词）")
    calendar = _pattern(str(spec.get("calendar") or Events.calendar), "document.calendar", fail)
    signed = str(spec.get("signed") or "")
    if signed and signed not in words:
        raise fail("document.signed", f"应为 events 中的一种：{sorted(words)}")
    examples = _event_examples(spec.get("event_examples"), "document.event_examples", "event", words, fail, strings)
    return Events(words, also, not_before, calendar, signed, examples)


def _event_examples(raw, where: str, key: str, names, fail, strings) -> list[EventExample]:
    """A section's examples: each a question, the event or act it asks (`key`: one of `names`, or "" for none), and
    sentences that do and do not state its date."""
    examples = []
    for n, ex in enumerate(raw or []):
        at = f"{where}[{n}]"
        if not isinstance(ex, dict) or "question" not in ex or str(ex.get(key) or "") not in {"", *names}:
            raise fail(at, f"应为 {{question: 问题, {key}: {sorted(names)} 之一或空, states: [句], not_states: [句]}}")
        examples.append(EventExample(str(ex["question"]), str(ex.get(key) or ""),
                                     strings(ex.get("states"), f"{at}.states"),
                                     strings(ex.get("not_states"), f"{at}.not_states")))
    return examples


@dataclass
class Acts:
    """question_kinds.yaml's acts: for each, the words a question asks it by (`asked`) and those a sentence states
    it by (`stated`), the kinds of fact it binds (a date, a length of time), how an answer names the fact it asks,
    and examples."""
    asked: dict[str, list[str]]
    stated: dict[str, list[str]]
    kinds: tuple[str, ...] = ("date", "period")
    labels: dict[str, str] = field(default_factory=dict)
    with_money: dict[str, list[str]] = field(default_factory=dict)  # asked words that need a money word (发放)
    money: tuple[str, ...] = ()  # words of money (钱, 资金, 补贴…)
    when: tuple[str, ...] = ()  # where a question asks when or how long, besides the kinds' triggers (几天)
    time_words: tuple[str, ...] = ()  # an act's word right before one asks its time (到账时间)
    counted_from: tuple[str, ...] = ()  # after an act's word, a time counted from it (拨付之日起): not its time
    counted_through: tuple[str, ...] = ()  # what may come between (拨付到位后, 拨付资金之日起)
    counted_from_within: tuple[str, ...] = ()  # a few characters after an act's word, the count starts there (之日起)
    not_between: tuple[str, ...] = ()  # another act between where a question asks when and the act's word (报送)
    not_after: tuple[str, ...] = ()  # before a stated word, the act is done, withheld or unscheduled (已拨付, 另行拨付)
    examples: list[EventExample] = field(default_factory=list)  # `event`: the act asked
    # a statement of the act words cannot list (作出…决定: any decision's name between, but not 是否受理的)
    stated_patterns: dict[str, str] = field(default_factory=dict)
    # words that, said in the part asking, make it ask another thing (给答复受不受理 asks of the acceptance)
    not_in_part: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self):
        self.of, self.finder = _words_of({name: [*self.asked.get(name, []), *self.with_money.get(name, [])]
                                          for name in self.asked})
        self.with_money_words = frozenset(w for words in self.with_money.values() for w in words)


def _words_of(table: dict[str, list[str]]) -> tuple[dict[str, str], re.Pattern]:
    """Each word of `table` ({name: words}) with its name, and a pattern finding them, the longest first."""
    of = {word: name for name, words in table.items() for word in words}
    longest_first = sorted(of, key=len, reverse=True)
    return of, re.compile("|".join(map(re.escape, longest_first))) if longest_first else re.compile("(?!)")


ACT_OWN_KEYS = {"asked", "with_money", "stated", "stated_pattern", "not_in_part", "label"}
ACT_KEYS = {"kinds", "acts", "money", "when", "time_words", "counted_from", "counted_through", "counted_from_within",
            "not_after", "not_between", "examples"}


def _acts(spec, fail, strings) -> Acts:
    """The acts section, checked as the events are (no empty word, no question word under two acts, every act with
    words it is asked and stated by); a file or an index without it: no act is asked, every date or period is read
    as before."""
    if spec is None:
        return Acts({}, {})
    if not isinstance(spec, dict) or set(spec) - ACT_KEYS or not isinstance(spec.get("acts"), dict):
        raise fail("acts", "应为映射，含 kinds（约束的问题类型）、acts（动作: {asked: [词], with_money: [词], stated: [词], "
                           f"label: 名称}}）以及 {'、'.join(sorted(ACT_KEYS - {'kinds', 'acts'}))}")
    asked, with_money, stated, labels, patterns, not_in_part = {}, {}, {}, {}, {}, {}
    for name, act in spec["acts"].items():
        where, name = f"acts.acts.{name}", str(name)
        if not isinstance(act, dict) or set(act) - ACT_OWN_KEYS or not isinstance(act.get("label", ""), str) \
                or not isinstance(act.get("stated_pattern", ""), str):
            raise fail(where, "应为 {asked: [词], with_money: [词], stated: [词], stated_pattern: 正则, not_in_part: [词], "
                              "label: 名称（字符串）}，不能有别的键")
        asked[name] = strings(act.get("asked"), f"{where}.asked")
        with_money[name] = strings(act.get("with_money"), f"{where}.with_money")
        stated[name] = strings(act.get("stated"), f"{where}.stated")
        if act.get("stated_pattern"):
            patterns[name] = _pattern(act["stated_pattern"], f"{where}.stated_pattern", fail)
        not_in_part[name] = strings(act.get("not_in_part"), f"{where}.not_in_part")
        if not asked[name] or not stated[name]:
            raise fail(where, "asked 与 stated 都要有词")
        labels[name] = act.get("label") or ""
    _listed_once([("acts.acts", {f"{n}.{key}": table[n] for n in asked
                                 for key, table in (("asked", asked), ("with_money", with_money))})],
                 fail, "空词会让每个问日期或期限的问题都算作问这个动作")
    _listed_once([("acts.acts", {f"{n}.stated": stated[n] for n in stated})], fail, "空词会让任何句子都算作说到这个动作")
    words = {key: tuple(strings(spec.get(key), f"acts.{key}")) for key in ACT_KEYS - {"kinds", "acts", "examples"}}
    for where, found in [*((f"acts.{key}", w) for key, w in words.items()),
                         *((f"acts.acts.{name}.not_in_part", w) for name, w in not_in_part.items())]:
        if any(not w.strip() for w in found):
            raise fail(where, "含有空词（删去空词）")
    if "kinds" in spec and not spec["kinds"]:
        raise fail("acts.kinds", "不能为空：省去 kinds 即为 [date, period]")
    kinds = tuple(strings(spec.get("kinds"), "acts.kinds")) or Acts.kinds
    examples = _event_examples(spec.get("examples"), "acts.examples", "act", asked, fail, strings)
    return Acts(asked, stated, kinds, labels, with_money, examples=examples, stated_patterns=patterns,
                not_in_part=not_in_part, **words)


def _listed_once(tables: list[tuple[str, dict[str, list[str]]]], fail, empty: str) -> None:
    """No empty word and no word under two keys across `tables` ((where, {key: words})): `empty` says what an empty
    word would do."""
    seen: dict[str, str] = {}
    for where, table in tables:
        for key, words in table.items():
            for word in words:
                if not word.strip():
                    raise fail(f"{where}.{key}", f"含有空词：{empty}（删去空词）")
                if seen.setdefault(word, key) != key:
                    raise fail(f"{where}.{key}", f"“{word}”同时列在{seen[word]}下（只保留一处）")


def _pattern(text: str, where: str, fail) -> str:
    """`text`, when it compiles as a regular expression; else the loader's error for `where`."""
    try:
        re.compile(text)
    except re.error as exc:
        raise fail(where, f"不是有效的正则表达式：{exc}") from exc
    return text


def _spread(value: Any) -> Any:
    """`value` with every list that takes in another (not_after: [*a_few, 前]) holding that list's words in its place."""
    if isinstance(value, dict):
        return {key: _spread(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_spread(w) for v in value for w in (v if isinstance(v, list) else [v])]
    return value


def _said(table: dict[str, list[str]], words: Words) -> frozenset[str]:
    """The keys of `table` (kinds of right) one of whose words the question says as a word or a compound's head."""
    return frozenset(key for key, names in table.items() if words.heads(names))


def in_story(words: Words, at: int, told_by: Iterable[str], asked_by: Iterable[str] = ()) -> bool:
    """Whether position `at` is in a part of the question that tells of the caller (says one of `told_by`, 我, 我们)
    and does not ask, with none of `asked_by` said before it there (我们一年能报几件 asks)."""
    text, part = words.text, _part(words.text, at)

    def said_in_part(phrases: Iterable[str], before: int = len(text)) -> bool:
        return any(_part(text, s) == part and s < before for p in phrases for s, _ in words.spans(p))

    return part not in _asking_parts(text) and said_in_part(told_by) and not said_in_part(asked_by, at)


def _asking_parts(text: str) -> set[int]:
    """The parts of a question that ask (numbered as _part numbers them): its last part, and any ending in a question
    mark."""
    inner = [m for m in _PARTS.finditer(text) if m.end() < len(text)]  # a mark ending the text starts no part
    # the n-th mark ends part n (one pass: numbering each mark's part by counting the marks before it again took
    # time growing with their number times the text's length)
    return {len(inner)} | {n for n, m in enumerate(inner) if any(mark in m.group(0) for mark in "？?")}


def asking_text(text: str) -> str:
    """The parts of a question that ask (its last part, and any ending in a question mark; split at punctuation and
    spaces), joined by spaces: what the caller wants to know, without the story told before it (我们是做阀门的小厂，
    去年拿专利贷了款，利息能补多少 → 利息能补多少)."""
    asking = _asking_parts(text)
    return " ".join(p for n, p in enumerate(_PARTS.split(text)) if p and n in asking)


def _ends_part(text: str, end: int, particles: list[str]) -> bool:
    """Whether what follows position `end` up to the end of its part (or of the text) is only some of `particles`
    (the longest first, as a rule holds them, so that one holding another is taken whole)."""
    stop = _PARTS.search(text, end)
    rest = text[end:stop.start() if stop else len(text)]
    for particle in particles:
        rest = rest.replace(particle, "")
    return not rest


def _alike(name: str, other: str) -> bool:
    """Whether one name is the other said short: its characters in the other's, in order (市场监管局, 市场监督管理局)."""
    short, full = sorted((name, other), key=len)
    rest = iter(full)
    return all(ch in rest for ch in short)


def _part(text: str, at: int) -> int:
    """Which part of a question, split at its punctuation and spaces, position `at` falls in."""
    return len(_PARTS.findall(text, 0, at))


@functools.lru_cache(maxsize=64)
def _act_pattern(fact: str, stated: tuple[str, ...], counted_from: tuple[str, ...], not_after: tuple[str, ...],
                 counted_through: tuple[str, ...] = (), stated_pattern: str = "",
                 counted_from_within: tuple[str, ...] = ()) -> re.Pattern:
    # one lookbehind per word: Python's re takes only fixed-width lookbehinds
    said = [*map(re.escape, stated), *([f"(?:{stated_pattern})"] if stated_pattern else [])]
    act = "".join(f"(?<!{re.escape(w)})" for w in not_after) + f"(?:{'|'.join(said)})"
    if counted_from:
        through = f"(?:{'|'.join(map(re.escape, counted_through))})?" if counted_through else ""
        act += f"(?!{through}(?:{'|'.join(map(re.escape, counted_from))}))"
    # 自核准注册之日起: the act names where a count starts, a few words on; not across a field's colon nor a count of
    # its own (承诺时限：自受理之日起15个工作日)
    if counted_from_within:
        act += f"(?![^，。；,、：:自从\n]{{0,{COUNTED_WITHIN}}}?(?:{'|'.join(map(re.escape, counted_from_within))}))"
    return re.compile(f"(?:{fact})[^。；\n]*?{act}|{act}[^。；\n]*?(?:{fact})")


@functools.lru_cache(maxsize=64)
def _event_pattern(calendar: str, event: str, also: str, signed: bool) -> re.Pattern:
    alternatives = [f"(?:{calendar})[^。；\n]*?(?:{event})", f"(?:{event})[^。；\n]*?(?:{calendar})"]
    if also:
        alternatives.append(f"(?:{also})")
    if signed:  # the date alone on its line: a signature
        alternatives.append(f"(?m:^[^\\S\\n]*(?:{calendar})[^\\S\\n]*$)")
    return re.compile("|".join(alternatives))


@functools.cache
def _default() -> QuestionKinds:
    return QuestionKinds.from_yaml(DEFAULT_PATH)
