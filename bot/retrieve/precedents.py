"""Questions asked before and the clauses that answered them (`knowledge/asked.jsonl`): a new question worded like one
a clause answered is likely answered by that clause again, even when it shares few words with the clause (盗图 and
信息网络传播权). Each past question is a TF-IDF vector over the search tokens the question parser gives it; a new
question's nearest past questions lend their clauses the `precedent` feature (the cosine of the nearest one each
answered) and bring them in as candidates; the nearest past question about the leading clause's document that the
documents did not answer gives the answerability model `refused_precedent`, and whether anyone asked about that
document at all `top_asked_about`. Their weights are fitted like every other feature (evals/fit.py), on searches
with and without the question's documents' past questions, as a document just added has none.

A line of the file: {"question", "doc" (a document id), "title" (its title, used when the index names the document
otherwise), "evidence" (a verbatim quote of the clause that answers; null when the documents do not answer), "answerable",
"set" (where it came from), "id"}, or "gold": [clause ids] instead of doc and evidence. An answered question whose
clause the index does not hold is left out; a past question in the set being evaluated or fitted lends nothing
(`holding_out`)."""
from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.text import normalise_text

NEAREST = 10  # past questions read per question: a clause is credited with the best of its own


class PrecedentsInvalid(ValueError):
    """The questions file cannot be read; the message names the line and how to fix it."""


@dataclass(frozen=True)
class Precedent:
    question: str
    clauses: tuple[str, ...]  # the clauses that answered it; empty when the documents do not answer it
    source: str = ""  # the set or log it came from
    id: str = ""
    documents: tuple[str, ...] = ()  # the documents of its clauses, or the one it sounded closest to when unanswered


@dataclass
class Near:
    """What the past questions nearest to a new one say: the clauses they were answered from, each with the cosine
    of the nearest such question, and for each document the cosine of the nearest one about it that the documents
    did not answer (a question like it about another document says nothing of this one)."""
    answered: dict[str, float] = field(default_factory=dict)
    refused: dict[str, float] = field(default_factory=dict)


def squeezed(text: str) -> str:
    """Normalised and without whitespace: how a quote and a clause are compared."""
    return "".join(normalise_text(text).split())


def quoted_clauses(records, doc_id: str, evidence: str) -> list[str]:
    """The clauses of a document that contain a verbatim quote; a quote of a heading (（一）基础服务（免费）) names the
    clauses under it. Shared by the evaluation's gold clauses (evals/run.py) and the past questions here."""
    quote = squeezed(evidence)
    clauses = records.clauses_of(doc_id)
    return [c.id for c in clauses if quote in squeezed(c.text)] or \
        [c.id for c in clauses if any(quote in squeezed(h) for h in (c.heading, *c.path))]


def read_lines(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PrecedentsInvalid(f"{path}:{n}: 不是有效的 JSON：{exc}") from exc
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or not row["question"].strip() \
                or not isinstance(row.get("answerable"), bool):
            raise PrecedentsInvalid(f"{path}:{n}: 每行应为 {{\"question\": 问题, \"answerable\": true/false, "
                                    f"\"doc\"/\"title\" 与 \"evidence\"（或 \"gold\": [条款编号]）}}")
        rows.append(row)
    return rows


def resolve(rows: Iterable[dict], records) -> list[Precedent]:
    """The past questions whose clauses this index holds (an answerable one whose quote no clause of its document
    holds any more is left out), and the unanswered ones about its documents."""
    by_title = {d.title: d.id for d in records.documents.values()}
    out = []
    for row in rows:
        doc = row.get("doc") if row.get("doc") in records.documents else by_title.get(row.get("title") or "")
        if row["answerable"] and row.get("gold"):
            clauses = [c for c in row["gold"] if c in records.clauses]
        elif row["answerable"]:
            clauses = quoted_clauses(records, doc, row["evidence"]) if doc and row.get("evidence") else []
        else:
            clauses = []
        documents = tuple(dict.fromkeys(records.clauses[c].doc_id for c in clauses)) or ((doc,) if doc else ())
        if (row["answerable"] and not clauses) or not documents:  # nothing this index holds: it says nothing here
            continue
        out.append(Precedent(row["question"], tuple(clauses), str(row.get("set") or ""), str(row.get("id") or ""),
                             documents))
    return out


def asking(query) -> tuple:
    """What a parsed question asks, beyond its topic: the kinds of fact, and whether it wants what rules say."""
    return frozenset(query.asks), bool(query.wants_rules)


class Precedents:
    """The past questions of one index version, as TF-IDF vectors over their search tokens."""

    def __init__(self, entries: list[Precedent], parse: Callable[[str], object]):
        """`parse`: a question → its Query (search tokens, the kinds of fact it asks, whether it wants rules)."""
        self.entries = entries
        parsed = [parse(e.question) for e in entries]
        self.held_out: frozenset[str] = frozenset()  # sets that lend nothing
        self.held_documents: frozenset[str] = frozenset()  # documents whose past questions lend nothing
        self.vectorizer = TfidfVectorizer(analyzer=lambda words: words, sublinear_tf=True)
        self.matrix = self.vectorizer.fit_transform([q.tokens for q in parsed]) if entries else None
        self.asking = [asking(q) for q in parsed]
        self.sources = np.array([e.source for e in entries])
        self._asked: frozenset[str] | None = None  # the documents lending past questions are about, made on first need
        self._by_document: dict[str, list[int]] = {}
        for j, entry in enumerate(entries):
            for doc in entry.documents:
                self._by_document.setdefault(doc, []).append(j)

    @classmethod
    def load(cls, path: Path | None, records, parse: Callable[[str], object]) -> "Precedents":
        """From a questions file (none, or a missing one: no past questions)."""
        if path is None or not path.exists():
            return cls([], parse)
        return cls(resolve(read_lines(path), records), parse)

    def __len__(self) -> int:
        return len(self.entries)

    @contextmanager
    def holding_out(self, items: Iterable[dict] = (), documents: Iterable[str] = ()):
        """While evaluating or fitting on `items`, the sets any of them came from lend nothing: a question must not
        find itself, nor its writer's other questions. With `documents`, no past question about them lends anything
        either: how a document nobody has asked about yet is searched (the fit learns from both)."""
        ids = {item.get("id") for item in items}
        held = frozenset(e.source for e in self.entries if e.id and e.id in ids)
        before = self.held_out, self.held_documents
        self.held_out, self.held_documents = self.held_out | held, self.held_documents | frozenset(documents)
        self._asked = None
        try:
            yield held
        finally:
            (self.held_out, self.held_documents), self._asked = before, None

    def _lending(self) -> np.ndarray:
        """Which past questions lend now (neither their set nor their document held out)."""
        lending = ~np.isin(self.sources, list(self.held_out)) if self.held_out else np.ones(len(self.entries), bool)
        for doc in self.held_documents:
            lending[self._by_document.get(doc, [])] = False
        return lending

    def asked_about(self, doc_id: str) -> bool:
        """Whether any lending past question is about this document: a question about it unlike every one of them
        is then worth less than one about a document nobody has asked about yet."""
        if self._asked is None:
            lending = self._lending()
            self._asked = frozenset(doc for doc, rows in self._by_document.items() if lending[rows].any())
        return doc_id in self._asked

    def near(self, query, floor: float = 0.0) -> Near:
        """The nearest past questions to a parsed question, those at least `floor` alike, each credited with how far
        above the floor it lies, as a share of the way to 1. An unanswered one counts only if it asked what this one
        asks (the same kinds of fact, rules or not): 民间文学艺术作品的保护期是多长 was not answered, but that says nothing
        of 民间文学艺术作品受不受保护, which shares all its words."""
        if self.matrix is None or not query.tokens:
            return Near()
        sims = (self.matrix @ self.vectorizer.transform([query.tokens]).T).toarray().ravel()
        asked = asking(query)
        if self.held_out or self.held_documents:
            sims[~self._lending()] = 0.0
        found = Near()
        for j in np.argsort(-sims)[:NEAREST]:
            sim = (float(sims[j]) - floor) / (1.0 - floor)
            if sim <= 0.0:
                break
            entry = self.entries[j]
            if not entry.clauses and self.asking[j] == asked:
                for doc in entry.documents:
                    found.refused[doc] = max(found.refused.get(doc, 0.0), sim)
            for clause_id in entry.clauses:
                found.answered[clause_id] = max(found.answered.get(clause_id, 0.0), sim)
        return found
