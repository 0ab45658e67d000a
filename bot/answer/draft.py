"""One structured answer, built once by a composer and rendered per channel (bot/answer/render.py).

A draft holds what was decided — the sentences that answer, each with the citation numbers it rests on, the
notes on validity, the citations, a refusal's statement and nearest clause, a service's checklist — so that no
channel has to re-parse another channel's text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from bot.models import Citation, LeadSource

_BARE = re.compile(r"[\s\W_]+")  # what a quoted sentence may gain or lose: spaces, line breaks, punctuation

DraftKind = Literal["grounded", "refusal", "service", "faq", "llm", "message"]


@dataclass(frozen=True)
class DraftSentence:
    """What one citation (or a run of them) says: its sentences, the best first, and the numbers cited."""
    parts: tuple[str, ...]
    refs: tuple[int, ...]
    label: str = ""  # the region (上海) of a per-region answer, or 《title》 when several documents are meant
    gist: str = ""  # the clause of the best sentence that states what was asked, when the sentence is long

    @property
    def text(self) -> str:
        return "".join(self.parts).rstrip("。；")

    @classmethod
    def from_marked(cls, text: str) -> list["DraftSentence"]:
        """The verified sentences of an LLM's answer ("…[1]。"), each with the numbers it cites."""
        out = []
        for sentence in re.split(r"(?<=[。！？；\n])", text):
            refs = tuple(int(n) for n in re.findall(r"\[(\d+)\]", sentence))
            plain = re.sub(r"\[\d+\]", "", sentence).strip()
            if plain:
                out.append(cls((plain,), refs))
        return out


@dataclass
class AnswerDraft:
    kind: DraftKind
    citations: list[Citation]
    sentences: list[DraftSentence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # validity notes ("注意：[1]所在文件…已经失效")
    statement: str = ""  # a refusal's or a message's own words; a service's title line
    nearest: str = ""  # a refusal: the nearest clause's most relevant sentence (cited as [1])
    checklist: list[tuple[str, str]] = field(default_factory=list)  # a service: (field name, value), asked first
    checklist_note: str = ""
    one_per_line: bool = False  # per region, or several documents: each on its own line
    asks_which: str = ""  # several documents fit: the question back to the caller
    asked_fact: str = ""  # a refusal for want of a fact asked: how it is named (费用或金额, question_kinds.yaml)
    missing_fields: list[str] = field(default_factory=list)  # a service: what the documents leave open

    def lead_from(self) -> list[LeadSource]:
        """The citations the answer's sentences were taken from, in citation order, each saying whether those
        sentences hold its whole clause. A refusal's or a message's own words lead nothing; a service's
        checklist is its item [1], field by field."""
        if self.kind in ("refusal", "message"):
            return []
        said: dict[int, str] = {1: ""} if self.kind == "service" else {}
        for sentence in self.sentences:
            for n in sentence.refs:
                said[n] = said.get(n, "") + "".join(sentence.parts)
        texts = {c.n: c.text for c in self.citations}
        return [LeadSource(n=n, whole=(self.kind == "service" and n == 1) or
                           _BARE.sub("", texts[n]) in _BARE.sub("", lead))
                for n, lead in sorted(said.items()) if n in texts]
