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
from bot.yamlfile import KnowledgeFileError

NEAREST = 10  # past questions read per question: a clause is credited with the best of its own


class PrecedentsInvalid(KnowledgeFileError):
    """The questions file cannot be read; the message names the line and how to fix it."""

    file = "asked.jsonl"


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


class Quotes:
    """Which clauses of a document contain a verbatim quote; a quote of a heading (（一）基础服务（免费）) names the
    clauses under it. Each document's clauses are squeezed once, however many quotes are looked up in it (the 2 108
    past questions took 1.6 s of every index load squeezing them again for each). Shared by the evaluation's gold
    clauses (evals/run.py) and the past questions here."""

    def __init__(self, records):
        self.records = records
        self._squeezed: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}

    def clauses(self, doc_id: str, evidence: str) -> list[str]:
        quote = squeezed(evidence)
        if doc_id not in self._squeezed:
            self._squeezed[doc_id] = [(c.id, squeezed(c.text), tuple(squeezed(h) for h in (c.heading, *c.path)))
                                      for c in self.records.clauses_of(doc_id)]
        clauses = self._squeezed[doc_id]
        return [cid for cid, text, _ in clauses if quote in text] or \
            [cid for cid, _, heads in clauses if any(quote in h for h in heads)]


FIX = ("每行一个 JSON 对象：{\"question\": 问题, \"answerable\": true 或 false, \"doc\": 文档编号 或 \"title\": 文件标题, "
       "\"evidence\": 答句原文}，或用 \"gold\": [条款编号] 代替 doc 与 evidence；改好后重新加载索引（hotline ingest）")
TEXT_FIELDS = ("doc", "title", "evidence", "set", "id")


def _problem(row) -> str | None:
    """What is wrong with one line of a questions file, in the words its editor needs; None when nothing is."""
    if not isinstance(row, dict):
        return "不是 JSON 对象"
    if not isinstance(row.get("question"), str) or not row["question"].strip():
        return "缺少 question（问题原文）"
    if not isinstance(row.get("answerable"), bool):
        return "answerable 应为 true 或 false"
    bad = [k for k in TEXT_FIELDS if row.get(k) is not None and not isinstance(row[k], str)]
    if bad:
        return f"{'、'.join(bad)} 应为文字"
    gold = row.get("gold")
    if gold is not None and not (isinstance(gold, list) and all(isinstance(g, str) for g in gold)):
        return "gold 应为条款编号的列表"
    if row["answerable"] and not gold and not (row.get("evidence") and (row.get("doc") or row.get("title"))):
        return "可回答的问题需要 gold，或 doc/title 与 evidence"
    return None


def read_lines(path: Path) -> list[dict]:
    """The lines of a questions file, each checked (a UTF-8 file, with or without a byte-order mark)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PrecedentsInvalid(f"无法读取历史问题文件 {path}：{exc}；应为 UTF-8 编码的文本文件") from exc
    rows = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PrecedentsInvalid(f"{path}:{n}: 不是有效的 JSON（{exc.msg}）。{FIX}") from exc
        problem = _problem(row)
        if problem:
            raise PrecedentsInvalid(f"{path}:{n}: {problem}。{FIX}")
        rows.append(row)
    return rows


def resolve(rows: Iterable[dict], records) -> list[Precedent]:
    """The past questions whose clauses this index holds (an answerable one whose quote no clause of its document
    holds any more is left out), and the unanswered ones about its documents."""
    by_title = {d.title: d.id for d in records.documents.values()}
    quotes = Quotes(records)
    out = []
    for row in rows:
        doc = row.get("doc") if row.get("doc") in records.documents else by_title.get(row.get("title") or "")
        if row["answerable"] and row.get("gold"):
            clauses = [c for c in row["gold"] if c in records.clauses]
        elif row["answerable"]:
            clauses = quotes.clauses(doc, row["evidence"]) if doc and row.get("evidence") else []
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


def named_rights(query) -> frozenset[str]:
    """The kinds of right a parsed question's words name, as characters (专利申请 names 专利, 商表 corrected 商标)."""
    return query.kinds.rights_named(query.text)


class Precedents:
    """The past questions of one index version, as TF-IDF vectors over their search tokens."""

    def __init__(self, entries: list[Precedent], parse: Callable[[str], object]):
        """`parse`: a question → its Query (search tokens, the kinds of fact it asks, whether it wants rules)."""
        self.entries = entries
        parsed = [parse(e.question) for e in entries]
        self.vectorizer = TfidfVectorizer(analyzer=lambda words: words, sublinear_tf=True)
        try:
            self.matrix = self.vectorizer.fit_transform([q.tokens for q in parsed]) if entries else None
        except ValueError:  # not one search word among them (只有 的、？): they lend nothing
            self.matrix = None
        self.asking = [asking(q) for q in parsed]
        self.rights = [named_rights(q) for q in parsed]
        self.sources = np.array([e.source for e in entries])
        self._by_document: dict[str, list[int]] = {}
        for j, entry in enumerate(entries):
            for doc in entry.documents:
                self._by_document.setdefault(doc, []).append(j)
        self._lend(np.ones(len(entries), bool))

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
        find itself, nor its writer's other questions, nor a copy of it word for word in another set. With
        `documents`, no past question about them lends anything either: how a document nobody has asked about yet is
        searched (the fit learns from both)."""
        items = list(items)
        ids = {item.get("id") for item in items}
        texts = {squeezed(item["question"]) for item in items if item.get("question")}
        held = frozenset(e.source for e in self.entries if e.id and e.id in ids)
        lending = self.lending & ~np.isin(self.sources, list(held))
        lending &= np.array([squeezed(e.question) not in texts for e in self.entries], bool)
        for doc in documents:
            lending[self._by_document.get(doc, [])] = False
        before = self.lending
        self._lend(lending)
        try:
            yield held
        finally:
            self._lend(before)

    def _lend(self, lending: np.ndarray) -> None:
        """Which past questions lend (`lending`), and the documents those are about (asked_about)."""
        self.lending = lending
        self._asked = frozenset(doc for doc, rows in self._by_document.items() if lending[rows].any())

    def asked_about(self, doc_id: str) -> bool:
        """Whether any lending past question is about this document: a question about it unlike every one of them
        is then worth less than one about a document nobody has asked about yet."""
        return doc_id in self._asked

    def near(self, query, floor: float = 0.0) -> Near:
        """The nearest past questions to a parsed question, those at least `floor` alike, each credited with how far
        above the floor it lies, as a share of the way to 1. One that names another kind of right than this one does
        lends nothing. An unanswered one counts only if it asked what this one asks (the same kinds of fact, rules or
        not): 民间文学艺术作品的保护期是多长 was not answered, but that says nothing of 民间文学艺术作品受不受保护, which
        shares all its words."""
        if self.matrix is None or not query.tokens:
            return Near()
        sims = (self.matrix @ self.vectorizer.transform([query.tokens]).T).toarray().ravel()
        asked, rights = asking(query), named_rights(query)
        sims[~self.lending] = 0.0
        found = Near()
        for j in np.argsort(-sims)[:NEAREST]:
            sim = (float(sims[j]) - floor) / (1.0 - floor)
            if sim <= 0.0:
                break
            entry = self.entries[j]
            if rights and self.rights[j] and not rights & self.rights[j]:
                continue  # 专利申请被驳回 is not 商标被驳回, however alike the rest
            if not entry.clauses and self.asking[j] == asked:
                for doc in entry.documents:
                    found.refused[doc] = max(found.refused.get(doc, 0.0), sim)
            for clause_id in entry.clauses:
                found.answered[clause_id] = max(found.answered.get(clause_id, 0.0), sim)
        return found
