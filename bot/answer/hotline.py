"""Hotline calls: read a telephony transcript (any ASR's labels, or none) and find the caller's questions.

The words are data (knowledge/transcripts.yaml): speaker labels, what only an operator says, an operator's
confirming rephrase, greetings/closings/fillers, question markers and breaks, clarifying openers, the caller's
self-introduction and replies agreeing or denying a rephrase; punctuation, time stamps and the spoken A-not-A
stay patterns here. The phrases are matched on words (kinds.Words, as followups.yaml's), the markers inside
them. Only the caller's turns are searched for questions; an operator's confirming rephrase ("您是问报考费是吧？")
travels with the question it confirms.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.retrieve.kinds import Words
from bot.text import normalise_text
from bot.yamlfile import KnowledgeFileError, own_over_shipped, phrase_list, read_yaml

TRANSCRIPTS_FILE = "transcripts.yaml"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "knowledge" / TRANSCRIPTS_FILE
_CJK = r"\u4e00-\u9fff"
_TIME = r"[\[【(（]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\]】)）]?"
_END = re.compile(r"[。！？?!；;\n]+")
_AFTER_PARTICLE = re.compile(rf"(?<=[吗呢])(?=[{_CJK}]{{6}})")
_A_NOT_A = re.compile(rf"([{_CJK}])[不没]\1")
_SOFT_BREAK_BEFORE = re.compile(rf"[，,]|[{_CJK}]{{4}}")


class TranscriptsError(KnowledgeFileError):
    """knowledge/transcripts.yaml is malformed; the message names the key."""

    file = TRANSCRIPTS_FILE


def _alternation(phrases: list[str]) -> str:
    """The phrases, longest first; a list a bureau emptied ([]) matches nothing (an empty pattern would match
    everywhere)."""
    return "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True)) or "(?!)"


@dataclass(frozen=True)
class Speech:
    """The words of knowledge/transcripts.yaml, compiled."""

    roles: dict[str, str]  # label → operator | caller | unnamed
    operator_phrases: list[str]
    confirming: list[str]
    pleasantries: list[str]
    markers: list[str]
    breaks: list[str]
    soft_breaks: list[str]  # break only before a comma or a clause of four characters or more
    clarifying: list[str]
    introductions: tuple[list[str], list[str], list[str]]  # subjects, here, verbs
    agreeing: list[str]
    denying: list[str]
    openers: list[str]  # what makes a short pleasantry an opener
    data: dict = field(repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: dict, source: str = TRANSCRIPTS_FILE) -> "Speech":
        def phrases(*keys: str) -> list[str]:
            return phrase_list(data, keys, source, TranscriptsError)

        roles = {label: role for role in ("operator", "caller", "unnamed")
                 for label in phrases("speakers", role)}
        return cls(roles, phrases("operator_phrases", "phrases"), phrases("confirming", "phrases"),
                   phrases("pleasantries", "phrases"), phrases("asking", "markers"),
                   phrases("asking", "breaks"), phrases("asking", "soft_breaks"),
                   phrases("clarifying", "phrases"),
                   tuple(phrases("introductions", key) for key in ("subjects", "here", "verbs")),
                   phrases("replies", "agreeing"), phrases("replies", "denying"),
                   phrases("openers", "phrases"), data)

    @classmethod
    def from_yaml(cls, path: Path) -> "Speech":
        return cls.from_dict(read_yaml(path, TranscriptsError), str(path))

    @classmethod
    def for_knowledge(cls, knowledge_dir: Path) -> "Speech":
        """The bureau's own file over the shipped one: a section or a key inside one that the bureau's file
        lacks (one added to the software later) is the shipped one's."""
        if not (knowledge_dir / TRANSCRIPTS_FILE).exists():
            return default_speech()
        return cls.from_dict(*own_over_shipped(knowledge_dir, TRANSCRIPTS_FILE, DEFAULT_PATH, TranscriptsError, 2))

    @functools.cached_property
    def label(self) -> re.Pattern:
        names = _alternation(list(self.roles))
        # 坐席：, [00:01:12] 客服1:, 说话人 2 00:03：, or bracketed (【市民】, [客服]) with the colon optional
        return re.compile(rf"(?:^|(?<=[\s。！？!?；;，]))[ \t]*(?:{_TIME}[ \t]*)?"
                          rf"(?:[【\[](?P<bracketed>{names})[ \t]*(?P<bnum>\d{{0,2}})[】\]][ \t]*(?:{_TIME}[ \t]*)?[：:]?"
                          rf"|(?P<plain>{names})[ \t]*(?P<pnum>\d{{0,2}})[ \t]*(?:{_TIME}[ \t]*)?[：:])")

    @functools.cached_property
    def _marker(self) -> re.Pattern:
        # question markers are matched inside words on purpose: jieba glues them to what they ask (几号, 哪家)
        return re.compile(_alternation(self.markers))

    @staticmethod
    def speaker(m: re.Match) -> tuple[str, str]:
        """The label a `label` match found, and its number (说话人, 2)."""
        return (m.group("bracketed"), m.group("bnum")) if m.group("bracketed") else (m.group("plain"), m.group("pnum"))

    def is_pleasantry(self, text: str) -> bool:
        """Nothing but greetings, thanks, closings and fillers ("没别的事了，再见")."""
        rest = Words(normalise_text(text)).without(self.pleasantries)
        return not re.search(rf"[{_CJK}A-Za-z0-9]", rest)

    def asks(self, text: str) -> bool:
        """A question: a marker of the file, or a spoken A-not-A (办不办, 收不收, 有没有)."""
        return bool(self._marker.search(text) or _A_NOT_A.search(text))

    def operator_says(self, text: str) -> int:
        return len(Words(text).said(self.operator_phrases))

    def confirms(self, text: str) -> bool:
        return Words(text).says(self.confirming)

    def clarifies(self, clause: str) -> bool:
        """The clause narrows the question before it ("是不是在余杭那边")."""
        return bool(Words(clause).ends_from(0, self.clarifying))

    def introduces(self, clause: str) -> bool:
        """The clause opens with the caller saying who they are ("我们是上海的一家小企业"): a subject, maybe a
        word for here, then a verb."""
        words = Words(clause)
        subjects, here, verbs = self.introductions
        return any(words.ends_from(after, verbs) for end in words.ends_from(0, subjects)
                   for after in (end, *words.ends_from(end, here)))

    def agrees(self, reply: str) -> bool:
        """The caller's reply starts by agreeing with an operator's rephrase ("对对，…")."""
        text = reply.lstrip("，, \t\n")
        return bool(Words(text).ends_from(0, self.agreeing))

    def denies(self, reply: str) -> bool:
        return bool(Words(reply).ends_from(0, self.denying))

    def split_at_breaks(self, sentence: str) -> list[str]:
        """The sentence cut where the next question starts (还有一个问题、另外), the break words dropped; a soft
        break (还有) only before a comma or four characters or more (还有吗 is no break)."""
        words = Words(sentence)
        hard = {span for p in self.breaks for span in words.spans(p)}
        spans = [(s, e) for s, e in words.said(self.breaks + self.soft_breaks)
                 if (s, e) in hard or _SOFT_BREAK_BEFORE.match(sentence, e)]
        pieces, pos = [], 0
        for s, e in spans:
            pieces.append(sentence[pos:s])
            pos = e
        return pieces + [sentence[pos:]]

    def trim(self, text: str) -> str:
        """The text without the pleasantries standing as whole clauses, or opening it ("想问一下专利…")."""
        clauses = [c for c in re.split(r"[，,、]", text) if c.strip() and not self.is_pleasantry(c)]
        text = "，".join(c.strip() for c in clauses)
        while True:
            ends = Words(text).ends_from(0, self.pleasantries)
            said, rest = (text[:ends[0]], text[ends[0]:]) if ends else ("", "")
            # only an opener that is clearly one (请问、想问一下、喂): 可以申请吗 keeps its 可以
            if not said or len(said) < 3 and not any(w in said for w in self.openers) \
                    or len(re.findall(rf"[{_CJK}]", rest)) < 4:
                return text.strip("，, ")
            text = rest.lstrip("，, ")


@functools.cache
def default_speech() -> Speech:
    return Speech.from_yaml(DEFAULT_PATH)


@dataclass
class Turn:
    role: str  # caller | operator
    text: str
    speaker: str = ""  # the label as written (来电人, A, 说话人2); empty with no labels


@dataclass
class Heard:
    """A question the caller asked, and the operator's confirming rephrase of it, if any."""
    text: str
    rephrase: str | None = None
    topic: str = ""  # what the call was about just before ("国家知识产权局专利局杭州代办处"), for 它几点上班


@dataclass
class CallReading:
    questions: list[Heard]
    context: list[str]  # what the caller said that is not a question ("我们是上海的一家小企业")
    turns: list[Turn]

    @property
    def texts(self) -> list[str]:
        return [q.text for q in self.questions]


def turns_of(transcript: str, speech: Speech | None = None) -> list[Turn]:
    """The transcript's turns with each speaker's role. Unnamed voices (A/B, 说话人1/2): the one that says what
    operators say is the operator (the first to speak on a tie: the line answers first); no labels at all:
    one caller turn."""
    speech = speech or default_speech()
    text = "\n".join(normalise_text(_pauses(line)) for line in transcript.replace("\r", "\n").split("\n"))
    text = re.sub(rf"(?m)^[ \t]*{_TIME}[ \t]*", "", text) if not speech.label.search(text) else text
    found = list(speech.label.finditer(text))
    if not found:
        return [Turn("caller", text.strip())] if text.strip() else []
    raw: list[tuple[str, str, str]] = []  # (speaker key, its role, text)
    head = text[:found[0].start()].strip()
    if re.search(rf"[{_CJK}]", head):
        raw.append(("", "caller", head))
    for m, nxt in zip(found, found[1:] + [None]):
        body = text[m.end():nxt.start() if nxt else len(text)].strip()
        label, number = speech.speaker(m)
        raw.append((label + number, speech.roles[label], body))
    unnamed = list(dict.fromkeys(key for key, role, _ in raw if role == "unnamed"))
    if unnamed:
        named_operator = any(role == "operator" for _, role, _ in raw)
        said = {key: sum(speech.operator_says(t) for k, _, t in raw if k == key) for key in unnamed}
        operator = None if named_operator else max(unnamed, key=lambda k: (said[k], -unnamed.index(k)))
        if len(unnamed) == 1 and not said[unnamed[0]] and not named_operator and len(raw) == 1:
            operator = None  # a single voice with a label is the caller speaking
        raw = [(k, ("operator" if k == operator else "caller") if role == "unnamed" else role, t) for k, role, t in raw]
    return [Turn(role, body.strip("，"), key) for key, role, body in raw if body.strip("，")]


def _pauses(text: str) -> str:
    """A recogniser marks pauses with spaces, not commas ("就是它是从哪天开始实行的 有效器是到什么时候")."""
    return re.sub(rf"(?<=[{_CJK}A-Za-z0-9])[ \t\u3000]+(?=[{_CJK}])", "，", text.strip())


def read_call(transcript: str, speech: Speech | None = None, correct: Callable[[str], str] | None = None,
              limit: int = 8) -> CallReading:
    """The caller's questions in the order asked (each with an operator's confirming rephrase, if any, and what
    the call was about just before it), and the rest the caller said. `correct` fixes sound-alikes (ASR's 投述 for
    投诉) against the knowledge base."""
    speech = speech or default_speech()
    correct = correct or (lambda s: s)
    turns = turns_of(transcript, speech)
    labelled = any(t.speaker for t in turns)
    questions: list[Heard] = []
    context: list[str] = []
    last: list[Heard] = []  # the questions of the caller's last turn
    pending: str | None = None  # an operator's rephrase of what the caller said before any question
    topic = ""  # what the call was about last: a rephrase, or the caller's last statement
    for i, turn in enumerate(turns):
        if turn.role == "operator":
            following = next((t for t in turns[i + 1:] if t.role == "caller"), None)
            denied = following is not None and speech.denies(speech.trim(following.text) or following.text)
            for sentence in _END.split(turn.text):
                if not speech.confirms(sentence) or speech.is_pleasantry(sentence) or denied:
                    continue
                rephrase = correct(_strip_confirming(sentence, speech))
                if len(re.findall(rf"[{_CJK}]", rephrase)) < 4:
                    continue
                topic = rephrase
                if last and last[-1].rephrase is None:
                    last[-1].rephrase = rephrase
                else:
                    pending = rephrase
            continue
        asked, said = _caller_pieces(turn.text, speech, labelled)
        heard = [Heard(correct(q), topic=topic) for q in asked]
        if heard and pending and speech.agrees(turn.text):
            heard[0].rephrase = pending  # "对，要交哪些材料" after "备案需要准备什么材料是吧"
        pending = None
        questions.extend(heard)
        last = heard or last
        context.extend(correct(s) for s in said)
        if said:
            topic = correct(said[-1])
    if not questions and context:
        questions = [Heard(context.pop())]  # "我公司被侵权了" alone is still what the caller wants help with
    unique: dict[str, Heard] = {}
    for q in questions:
        unique.setdefault(q.text, q)
    return CallReading(list(unique.values())[:limit], context, turns)


def _strip_confirming(sentence: str, speech: Speech) -> str:
    return speech.trim(Words(sentence).without(speech.confirming, "，"))


def _caller_pieces(text: str, speech: Speech, labelled: bool) -> tuple[list[str], list[str]]:
    """A caller's turn in questions and statements, pleasantries dropped. Without labels, what only an
    operator says is dropped too."""
    pieces: list[str] = []
    for sentence in _END.split(text):
        if not labelled and speech.operator_says(sentence):
            continue
        for part in speech.split_at_breaks(sentence):
            pieces.extend(_AFTER_PARTICLE.split(part))
    asked, said = [], []
    for piece in pieces:
        piece = speech.trim(re.sub(r"[，,]{2,}", "，", piece))
        clauses = piece.split("，")
        # the caller introducing themselves ("我们是上海的一家小企业，…") is context, not part of the question
        while len(clauses) > 1 and speech.introduces(clauses[0]) and not speech.asks(clauses[0]):
            said.append(clauses.pop(0))
        piece = speech.trim("，".join(clauses))
        if len(re.findall(rf"[{_CJK}]", piece)) < 4 or speech.is_pleasantry(piece):
            continue
        if speech.asks(piece):
            asked.extend(_questions_of(piece, speech))
        else:
            said.append(piece)
    return asked, said


def _questions_of(piece: str, speech: Speech) -> list[str]:
    """A piece that asks two things in a row ("从哪天开始实行的，有效期是到什么时候") is two questions; a clause
    that only narrows the one before ("在哪里报名，有没有电话", "是不是在余杭那边") stays with it."""
    out: list[str] = []
    for clause in piece.split("，"):
        own = speech.asks(clause) and len(re.findall(rf"[{_CJK}]", clause)) >= 6 and not speech.clarifies(clause)
        if out and own and speech.asks(out[-1]):
            out.append(clause)
        elif out:
            out[-1] += "，" + clause
        else:
            out.append(clause)
    return [speech.trim(q) for q in out if len(re.findall(rf"[{_CJK}]", q)) >= 4]
