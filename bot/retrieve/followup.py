"""Follow-up questions understood against the previous turn: rewrite the question before retrieval.

- 那江苏呢？              → the previous question with its region replaced (or added);
- 这个什么时候失效？        → the pronoun replaced by the document the previous answer cited;
- 那需要什么条件？ (short)  → the new question about the previous one's subject (its words before what it
                            asked: 知识产权质押登记在上海怎么办 → 知识产权质押登记在上海需要什么条件), never the old
                            question with the new one glued on.

The openers, the words pointing back and the fillers are data (knowledge/followups.yaml), matched on words: 该
is not said in 应该, nor 那 (an opener) in 那些.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.answer.hotline import default_speech
from bot.retrieve.kinds import Words
from bot.retrieve.query import QueryUnderstanding
from bot.store.conversations import Turn
from bot.text import normalise_text
from bot.yamlfile import KnowledgeFileError, own_over_shipped, phrase_list, read_yaml

FOLLOWUPS_FILE = "followups.yaml"
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "knowledge" / FOLLOWUPS_FILE


class FollowUpsError(KnowledgeFileError):
    """knowledge/followups.yaml is malformed; the message names the key."""

    file = FOLLOWUPS_FILE


@dataclass(frozen=True)
class FollowUpWords:
    """The words of knowledge/followups.yaml: openers, words pointing at the cited document, fillers."""

    openers: list[str]
    pronouns: list[str]  # point back wherever they stand
    leading: list[str]  # point back only after nothing but openers and fillers
    fillers: frozenset[str]
    data: dict = field(repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: dict, source: str = FOLLOWUPS_FILE) -> "FollowUpWords":
        def words(*keys: str) -> list[str]:
            return phrase_list(data, keys, source, FollowUpsError)

        return cls(words("openers", "words"), words("pronouns", "anywhere"), words("pronouns", "leading"),
                   frozenset(words("fillers", "words")), data)

    @classmethod
    def from_yaml(cls, path: Path) -> "FollowUpWords":
        return cls.from_dict(read_yaml(path, FollowUpsError), str(path))

    @classmethod
    def for_knowledge(cls, knowledge_dir: Path) -> "FollowUpWords":
        """The bureau's own file over the shipped one: a section or a key inside one that the bureau's file
        lacks is the shipped one's."""
        return cls.from_dict(*own_over_shipped(knowledge_dir, FOLLOWUPS_FILE, DEFAULT_PATH, FollowUpsError, 2))

    def opener(self, text: str) -> str:
        """The opener the text starts with ("那要是外地企业呢" → 那要是), or ""."""
        found = Words(text).first(self.openers)
        return found[2] if found and found[0] == 0 else ""

    def without_opener(self, text: str) -> str:
        return text[len(self.opener(text)):]

    def pronoun(self, text: str, understanding: QueryUnderstanding) -> tuple[int, int] | None:
        """Where the text first points at the previous answer's document, or None."""
        words = Words(text)
        spans = [(s, e) for p in self.pronouns for s, e in words.spans(p)]
        spans += [(s, e) for p in self.leading for s, e in words.spans(p) if self._lead_in(text[:s], understanding)]
        return min(spans, key=lambda span: (span[0], -span[1])) if spans else None

    def _lead_in(self, prefix: str, understanding: QueryUnderstanding) -> bool:
        """Whether `prefix` holds nothing but openers and fillers (this file's and question_kinds.yaml's)."""
        words = Words(prefix)
        said = [*self.openers, *self.fillers, *understanding.lexicon.kinds.fillers]
        covered = {i for p in said for s, e in words.spans(p) for i in range(s, e)}
        return not any(ch.isalnum() for i, ch in enumerate(prefix) if i not in covered)

    def content(self, text: str, understanding: QueryUnderstanding) -> list[str]:
        """The follow-up's search words besides its region names, opener and fillers ([] for 那江苏呢)."""
        rest = understanding.without_places(text)
        rest = Words(self.without_opener(rest.strip())).without(sorted(self.fillers), " ")
        return understanding.tokenizer.tokens(rest)


@functools.cache
def default_followups() -> FollowUpWords:
    return FollowUpWords.from_yaml(DEFAULT_PATH)


def rewrite(question: str, history: list[Turn], understanding: QueryUnderstanding,
            words: FollowUpWords | None = None) -> str | None:
    """The question to retrieve with, or None when it stands on its own. `words`: the knowledge base's
    followups.yaml (the shipped one when None)."""
    if not history:
        return None
    words = words or default_followups()
    previous = history[-1]
    before = previous.rewritten or previous.question
    text = normalise_text(question)
    regions = understanding.regions_in(text)
    content = words.content(text, understanding)

    if regions and not content:
        # 那江苏呢？ — the same question about another region
        replaced = understanding.without_places(before, "\u0000")
        start, end, _ = understanding.place_spans(text)[0]
        new = text[start:end]  # the place as the caller said it (苏州, not its region)
        return replaced.replace("\u0000", new, 1).replace("\u0000", "") if "\u0000" in replaced else new + before

    pointer = words.pronoun(text, understanding)
    if pointer and previous.citations:
        title = previous.citations[0].get("doc_title")
        if title:
            return text[:pointer[0]] + f"《{title}》" + text[pointer[1]:]

    if words.opener(text) or len("".join(content)) <= 4:
        return subject_of(before, understanding) + words.without_opener(text)
    return None


def subject_of(question: str, understanding: QueryUnderstanding) -> str:
    """What a question is about, without what it asks: its words before the first question word or word of the
    kind of fact asked (江苏的若干措施什么时候失效 → 江苏的若干措施); when that leaves too little (上海怎么提升…),
    the whole question without those words."""
    text = normalise_text(question).rstrip("？?。！!")
    kinds = understanding.lexicon.kinds
    words = Words(text)
    asked = [t for kind in (*kinds.asks.values(), *kinds.fields.values()) if kind.holds(words)
             for rule in kind.rules for t in rule.phrases(text)]
    spans = [span for t in asked for span in words.spans(t)]
    spans += [(m.start(), m.end()) for m in re.finditer("|".join(map(re.escape, default_speech().markers)), text)]
    spans += [(m.start(), m.end()) for m in re.finditer(r"(.)[不没]\1", text)]
    if not spans:
        return text + "，"
    start = min(s for s, _ in spans)
    head = text[:start].rstrip("的，, ")
    if len(re.findall(r"[\u4e00-\u9fff]", head)) >= 4:
        return head
    out, pos = [], 0
    for s, e in sorted(spans):
        if s >= pos:
            out.append(text[pos:s])
        pos = max(pos, e)
    out.append(text[pos:])
    return "".join(out).strip("，, ") or text
