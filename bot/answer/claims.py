"""What one sentence of an LLM answer may claim, beyond its numbers (those are checked in generative.py).

- URLs, phone numbers, organisations and document-status claims (废止, 失效, 有效 …) must be supported by the
  clauses the sentence cites: their text, title, 文号, issuer, heading and validity status. The word lists are
  data (knowledge/claims.yaml, with examples a test checks).
- The sentence's content words must be covered by the cited clauses: each word literally, through the bureau's
  synonyms, or through a close general-language synonym (the retriever's SoftMatcher), weighted by how much
  the word tells in general Chinese (semantic.information). Below COVERAGE_MIN the sentence says something
  the clause does not.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.models import Citation
from bot.text import CJK, normalise_text
from bot.yamlfile import read_yaml

if TYPE_CHECKING:
    from bot.retrieve.search import Retriever

CLAIMS_FILE = Path(__file__).resolve().parent.parent.parent / "knowledge" / "claims.yaml"
# The coverage a supported sentence reaches. Measured by `python -m evals.claim_coverage` on the sentences of
# the extractive answers to evals/sets/core.jsonl, as quoted and with words swapped for synonyms, against
# their own clause (supported) and against another document's clause (unsupported). At 0.65: 100% of quoted and
# 96% of paraphrased sentences pass, 1.6% of those checked against a random clause of another document and 30%
# against the nearest other document's clause among the question's hits (sister policies share much wording);
# the widest gap between paraphrases and near mis-citations of the thresholds tried.
COVERAGE_MIN = 0.65
HUMAN_CHANNEL_NUMBERS = {"12345"}
ORG_NAME_CHARS = 8  # how far before an organisation's ending its name may start (上海市知识产权 + 局)
ORG_MATCH_CHARS = 3  # the characters before the ending that must agree (市知识产权局 ~ 上海市知识产权局)

# an ASCII run between Chinese characters has no \b around it (both count as word characters): lookarounds
URL = re.compile(r"(?i)[a-z0-9._%+\-]+@[a-z0-9.\-]+\.[a-z]{2,}|(?:https?://|www\.)[a-z0-9\-._~/?#=&%+:]+|"
                 r"(?<![a-z0-9\-.])[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*"
                 r"\.(?:cn|com|net|org|gov|edu|info|io|top|xyz|cc|me|biz|co)(?![a-z0-9\-])(?:/[a-z0-9\-._~/?#=&%+]*)?")
PHONE = re.compile(r"(?<![\d.])(?:[（(]?0\d{2,3}[）)]?-?\d{7,8}|(?:\+?86-?)?1[3-9]\d{9}|[48]00-?\d{3}-?\d{4})(?![\d.])")
PHONE_SEPARATORS = re.compile(r"[-\s（）()+]")
DOC_AGENCY = re.compile(rf"[{CJK}]{{1,3}}(?=〔\d{{4}}〕\d+号)")


class ClaimWordsError(ValueError):
    """knowledge/claims.yaml is malformed; the message names the key."""


@dataclass(frozen=True)
class ClaimWords:
    organisations: tuple[str, ...]  # endings of organisation names (局, 委员会, 公司)
    names: tuple[str, ...]  # whole names (国务院)
    not_organisations: tuple[str, ...]  # words with such an ending that name no organisation (布局)
    statuses: dict[str, str]  # status word → the document status it asserts ("" none: only the text can)
    not_statuses: tuple[str, ...]  # words holding a status word that claim no status (有效期)
    framing: frozenset[str]  # words the model uses for the sources themselves (资料, 条款)
    number_cues: tuple[str, ...]  # words before a short service number (拨打12330, 热线12345)
    examples: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_yaml(cls, path: Path = CLAIMS_FILE) -> "ClaimWords":
        data = read_yaml(path, ClaimWordsError)

        def words(key: str) -> tuple[str, ...]:
            value = data.get(key) or []
            if not isinstance(value, list):
                raise ClaimWordsError(f"{path}: {key} 应为列表")
            return tuple(sorted({str(v) for v in value}, key=len, reverse=True))  # longest first

        statuses = data.get("statuses") or {}
        if not isinstance(statuses, dict):
            raise ClaimWordsError(f"{path}: statuses 应为“词: 效力状态”的映射")
        return cls(words("organisations"), words("names"), words("not_organisations"),
                   {str(k): str(v or "") for k, v in statuses.items()}, words("not_statuses"),
                   frozenset(words("framing")),
                   # a bureau's file written before the cues were data checks them as the shipped one does
                   words("number_cues") or (() if path == CLAIMS_FILE else claim_words().number_cues),
                   data.get("examples") or {})

    @functools.cached_property
    def _short_numbers(self) -> re.Pattern | None:
        """A five- or six-digit number after a cue (拨打12330); its digits are group 1."""
        cues = "|".join(map(re.escape, self.number_cues))
        return re.compile(rf"(?:{cues})[：:为是]?(\d{{5,6}})(?!\d)") if cues else None

    def short_numbers_in(self, text: str) -> list[str]:
        return [m.group(1) for m in self._short_numbers.finditer(text)] if self._short_numbers else []

    @staticmethod
    def _masked(text: str, words: tuple[str, ...]) -> str:
        """The text with these words blanked out, so that a word inside one of them is not found."""
        for word in words:
            text = text.replace(word, "\0" * len(word))
        return text

    def organisations_in(self, text: str) -> list[tuple[str, int]]:
        """(name as written, how many of its last characters must be found in the sources) for each
        organisation the text names."""
        found: list[tuple[str, int]] = []
        text = self._masked(text, self.not_organisations)
        for name in self.names:
            if name in text:
                found.append((name, len(name)))
                text = text.replace(name, "\0" * len(name))
        for ending in self.organisations:
            for m in re.finditer(re.escape(ending), text):
                before = re.search(rf"[{CJK}]{{0,{ORG_NAME_CHARS}}}$", text[:m.start()]).group(0)
                name = before + ending
                found.append((name, min(len(name), len(ending) + ORG_MATCH_CHARS)))
            text = text.replace(ending, "\0" * len(ending))
        return found

    def statuses_in(self, text: str) -> list[str]:
        text = self._masked(text, self.not_statuses)
        return [word for word in self.statuses if word in text]


def claim_words(knowledge_dir: Path | None = None) -> ClaimWords:
    """The knowledge base's claims.yaml (HOTLINE_KNOWLEDGE_DIR), else the shipped one; read once per file."""
    path = knowledge_dir / CLAIMS_FILE.name if knowledge_dir is not None else CLAIMS_FILE
    return _read_claim_words(path if path.exists() else CLAIMS_FILE)


@functools.cache
def _read_claim_words(path: Path) -> ClaimWords:
    return ClaimWords.from_yaml(path)


@dataclass(frozen=True)
class Evidence:
    """What cited clauses can support: their words (lower case) and the status of their documents."""

    text: str
    statuses: frozenset[str]

    @classmethod
    def of(cls, citations: list[Citation]) -> "Evidence":
        text = "\n".join(normalise_text(f"{c.doc_title} {c.doc_number or ''} {c.issuer or ''} {c.clause} "
                                        f"{c.heading} {c.text}") for c in citations)
        return cls(text.lower(), frozenset(c.status for c in citations))


def _url_key(url: str) -> str:
    return re.sub(r"^(?:https?://)?(?:www\.)?", "", url.lower()).rstrip("/.,;")


def unsupported_claims(sentence: str, evidence: Evidence, words: ClaimWords | None = None) -> list[str]:
    """The URLs, phone numbers, organisations and status claims in the sentence that the evidence lacks."""
    words = words or claim_words()
    missing: list[str] = []
    urls = [m.group(0) for m in URL.finditer(sentence)]
    missing += [u for u in urls if _url_key(u) not in evidence.text]
    digits = PHONE_SEPARATORS.sub("", evidence.text)
    phones = [m.group(0) for m in PHONE.finditer(sentence)] + words.short_numbers_in(sentence)
    missing += [p for p in phones
                if p not in HUMAN_CHANNEL_NUMBERS and PHONE_SEPARATORS.sub("", p).removeprefix("86") not in digits]
    # a 文号's agency (沪知局〔2024〕32号) is checked with the number, as a fact; no organisation to look up here
    without_urls = DOC_AGENCY.sub(" ", URL.sub(" ", sentence))
    for name, needed in words.organisations_in(without_urls):
        if name[-needed:].lower() not in evidence.text:
            missing.append(name)
    source_statuses = words.statuses_in(evidence.text)
    for word in words.statuses_in(without_urls):
        if word not in source_statuses and words.statuses[word] not in evidence.statuses:
            missing.append(word)
    return missing


class Coverage:
    """How much of a sentence's content a clause says: the information-weighted share of the sentence's words
    that the clause holds, literally, through the bureau's synonyms (synonyms.yaml) or through a close
    general-language synonym (the retriever's SoftMatcher, credited by its similarity)."""

    def __init__(self, retriever: "Retriever", words: ClaimWords | None = None):
        self.retriever = retriever
        self.framing = (words or claim_words()).framing
        self.groups: dict[str, set[str]] = {}
        for key, values in retriever.lexicon.synonyms.items():
            group = {key, *values}
            for member in group:
                self.groups.setdefault(member, set()).update(group)

    def words(self, sentence: str) -> list[str]:
        """The content words: no markers, numbers (checked as facts), framing words or sub-words of a compound."""
        text = re.sub(r"\[\d+\]", " ", sentence)
        tokens = [t for t in dict.fromkeys(self.retriever.tokenizer.tokens(text))
                  if not re.fullmatch(r"[\d.%]+", t) and t not in self.framing]
        return [t for t in tokens if not any(t != other and t in other for other in tokens)]

    def __call__(self, sentence: str, text: str) -> float:
        from bot.retrieve.search import Concept

        text = text.lower()
        total = credited = 0.0
        for word in self.words(sentence):
            weight = self.retriever.information(word)
            parts = tuple(t for t in self.retriever.tokenizer.tokens(word) if t != word)
            concept = Concept(word, self.groups.get(word, {word}), weight, parts,
                              dict(self.retriever.soft.neighbours(word)), weight)
            total += weight
            credited += weight * self.retriever.credit(text, concept, soft=True)
        return credited / total if total else 1.0


def coverage_for(retriever: "Retriever") -> Coverage:
    """The index version's Coverage (its synonym groups are built once), kept on the retriever itself so that
    it goes when that version is unloaded (a cache keyed by retriever would keep old versions alive)."""
    found = getattr(retriever, "_claim_coverage", None)
    if found is None:
        found = Coverage(retriever)
        retriever._claim_coverage = found
    return found
