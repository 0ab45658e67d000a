"""The sentences of a clause as the answer's lead chooses among them: units cut from the clause's text (a numbered
list item is one unit, whatever punctuation it holds), each with named features (`rank.SENTENCE_FEATURES`) that one
fitted weight table scores (`rank.Ranking.sentences`, fitted by `hotline eval --fit`, see evals/fit.py). The
features reuse the clause ranker's matching (candidates.Candidates.credit: synonyms, 词林, word vectors; SIF
averages; the index's document frequencies), so a sentence that says 产业 answers a question about 行业."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bot.models import Clause
from bot.retrieve.candidates import Candidates, Concept
from bot.retrieve.query import Query
from bot.retrieve.semantic import sif_vector
from bot.safety import OffTaskList, is_injection
from bot.text import split_sentences
from ingest.metadata import ISSUER_LINE

BM25_K1, BM25_B = 1.2, 0.75  # Robertson's usual saturation and length normalisation
# a numbered item opens a line or follows a colon, 。 or ；: （4） (4) 4. 4、 ① 第四项 (a 4.5 or 第4条 inside text is not one)
_ITEM = re.compile(r"(?:^|(?<=[：:。；;]))\s*(?:[（(][一二三四五六七八九十\d]{1,3}[）)]|\d{1,2}[.．、](?!\d)"
                   r"|[①-⑳]|第[一二三四五六七八九十]{1,3}项)")
_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日(印发|发布|施行)?")
_ISSUER = re.compile(r"(局|厅|委员会|政府|办公室|办公厅|中心|研究院)$")
_ASIDE = re.compile(r"[（(][^）)]{1,12}[）)]。?")
UNITS_CACHED = 2_000  # clauses whose sentences are kept cut (with a vector each: a few MB)
BARE_LINE = 16  # a line this short that is no item means little alone (a signature, a date, an aside)


def unnumbered(text: str) -> str:
    """A unit without its item number, as it is read aloud (（2）属于新材料… → 属于新材料…)."""
    marker = _ITEM.match(text)
    return text[marker.end():].lstrip() if marker and marker.end() < len(text) else text


@dataclass(frozen=True)
class Unit:
    """One sentence, or one numbered item, of a clause."""

    text: str
    index: int
    context: str = ""  # the lead-in of the list the item belongs to
    item: bool = False
    signature: bool = False  # the closing's date and issuer, said as one sentence


def _pieces(line: str, lists: bool) -> list[tuple[str, bool]]:
    """A line cut into sentences, a numbered item whole (when the clause holds a list): (text, is an item)."""
    starts = [m.start() for m in _ITEM.finditer(line)] if lists else []
    if not starts:
        return [(s, False) for s in split_sentences(line)]
    out = [(s, False) for s in split_sentences(line[:starts[0]])]
    for start, end in zip(starts, starts[1:] + [len(line)]):
        piece = line[start:end].strip()
        if piece:
            out.append((piece, True))
    return out


def units(clause: Clause) -> list[Unit]:
    """The clause's sentences and items in order, the closing lines (issuer and date) said as one sentence,
    a bare short line kept with the one before it, an aside ((此件主动公开)) dropped."""
    raw: list[list] = []  # [text, item, context]
    signature: list[str] = []
    context = ""
    lines = [line for line in clause.text.split("\n") if line.strip()]
    lists = sum(len(_ITEM.findall(line)) for line in lines) > 1  # one number alone is the clause's own label
    # a closing that opens with the offices signing it: each line of theirs signs, however long (two offices on one
    # line, one with its other name in brackets), as ingest reads an issuer's line; after a sentence or a 抄送 line
    # only a bare short line does, as in any clause
    closing = clause.anchor == "closing"
    for n, line in enumerate(lines):
        for text, item in _pieces(line, lists):
            bare = not item and len(text) < BARE_LINE and raw and n > 0 and text == line
            signs = closing and not raw and not item and text == line
            plain = text.rstrip("。")
            if (bare or signs) and (_DATE.fullmatch(plain) or (bare and _ISSUER.search(plain))
                                    or (signs and ISSUER_LINE.match(plain))):
                signature.append(plain)
            elif (bare or signs) and _ASIDE.fullmatch(text):
                continue
            elif bare and not raw[-1][1]:  # a bare line means little alone: keep the line before it with it
                raw[-1][0] = raw[-1][0].rstrip("。") + "，" + text
            else:
                raw.append([text, item, context if item else ""])
            if text.rstrip().endswith(("：", ":")):
                context = text  # the items after it are its list
            elif not item:
                context = ""
    out = [Unit(text, i, ctx, item) for i, (text, item, ctx) in enumerate(raw)]
    if signature:
        # said as a date, not glued onto the sentence before it ("…有效期至2030年11月9日，江苏省知识产权局，…")
        dates = [s for s in signature if _DATE.fullmatch(s)]
        others = [s for s in signature if s not in dates]
        if dates:  # (offices alone, their date printed elsewhere, are said as they are)
            said = f"落款日期为{dates[-1]}" if dates[-1].endswith("日") else dates[-1]
            text = said + (f"（{'，'.join(others)}）" if others else "") + "。"
        else:
            text = "，".join(signature) + "。"
        out.append(Unit(text, len(out), signature=True))
    return out


Row = tuple[Unit, dict[str, float]]


def repeats_heading(text: str, clause: Clause) -> bool:
    """A list's lead-in that only says the clause's own heading again (备案条件： under 预审备案条件): after the
    answer's lead it says nothing. One that says more (申请人应当具备下列条件：) does not."""
    key = unnumbered(text).rstrip("：:。 ")
    return text.rstrip().endswith(("：", ":")) and len(key) >= 2 and \
        any(unnumbered(name).rstrip("。").endswith(key) for name in [clause.heading, *clause.path[-1:]] if name)


def quotable(rows: list[Row], heading: str | None, offtask: OffTaskList | None = None) -> list[Row]:
    """The units an answer may quote, in order: never an instruction planted in a document (it is data, never
    something the assistant says), nor the clause's heading alone while anything else is left (the citation names
    it; what follows says more), unless the heading alone states the fact asked (集中整治阶段（2026年4月1日至9月30日）
    over a stage's tasks: asked when the stage runs, the answer says it). The answer and the fit (evals/fit.py) both
    choose among these only."""
    rows = [r for r in rows if not is_injection(r[0].text, offtask)]
    heading = (heading or "").rstrip("。")
    if heading and len(rows) > 1:
        rest = [r for r in rows if r[0].text.rstrip("。") != heading]
        if rest and (any(r[1].get("states_fact") for r in rest) or not any(r[1].get("states_fact") for r in rows)):
            rows = rest
    return rows


def lead_order(scores: list[float], states_fact: list[bool]) -> list[int]:
    """The quotable units' positions as an answer takes them: by the fitted score, ties to the earlier, the best
    one stating the fact asked moved first when any does (the fact asked is a hard constraint). The first is the
    lead; `evals/fit.py` judges and fits exactly this choice."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    stating = next((i for i in order if states_fact[i]), None)
    return order if stating is None else [stating] + [i for i in order if i != stating]


class Sentences:
    """Features of a clause's sentences for one question, and their fitted score."""

    def __init__(self, candidates: Candidates, model=None):
        self.candidates = candidates
        self.model = model  # rank.LinearModel over SENTENCE_FEATURES
        self._units: dict[str, tuple[list[Unit], list[list[str]], list]] = {}  # clause id → units, tokens, vectors
        self._question: tuple[str, object] = ("", None)

    def units(self, clause: Clause) -> tuple[list[Unit], list[list[str]], list]:
        """A clause's units with their search tokens and SIF vectors (worked out once per clause)."""
        found = self._units.get(clause.id)
        if found is None:
            index = self.candidates.index
            cut = units(clause)
            tokens = [index.tokenizer.tokens(u.text) for u in cut]
            vectors = [sif_vector(index.tokenizer.words(u.text), self.candidates.soft.resource) for u in cut]
            if len(self._units) > UNITS_CACHED:
                self._units.clear()
            found = self._units[clause.id] = (cut, tokens, vectors)
        return found

    def features(self, query: Query, concepts: list[Concept], clause: Clause) -> list[tuple[Unit, dict[str, float]]]:
        """Each unit of the clause with its features for `query`."""
        cut, tokens, vectors = self.units(clause)
        if not cut:
            return []
        c = self.candidates
        total = sum(k.weight for k in concepts) or 1.0
        facts = query.facts()
        question = self._question_vector(query.text)
        bm25 = self._bm25(query.tokens, tokens)
        top_bm25 = max(bm25) or 1.0
        longest = max(len(u.text) for u in cut)
        heading = (clause.heading or "").rstrip("。：:")
        # what the heading already says is the clause's topic, shared by all its sentences: the rest tells them apart
        frame = c.index.frames.get(clause.id, "")
        beyond = [k.weight * (1.0 - c.credit(frame, k, soft=True)) for k in concepts]
        beyond_total = sum(beyond) or 1.0
        # one soft credit per sentence and word (a literal match credits 1), and per list lead-in
        credits = [[c.credit(u.text.lower(), k, soft=True) for k in concepts] for u in cut]
        leads = {u.context: [c.credit(u.context.lower(), k, soft=True) for k in concepts] for u in cut if u.context}
        rows = []
        for u, vector, score, credit in zip(cut, vectors, bm25, credits):
            context = leads.get(u.context, credit)
            rows.append((u, {
                "coverage": sum(k.weight for k, x in zip(concepts, credit) if x >= 1.0) / total,
                "soft_coverage": sum(k.weight * x for k, x in zip(concepts, credit)) / total,
                "context_coverage": sum(k.weight * max(x, y) for k, x, y in zip(concepts, credit, context)) / total,
                "beyond_heading": sum(b * x for b, x in zip(beyond, credit)) / beyond_total,
                "bm25": score / top_bm25,
                "word_vectors": max(0.0, float(vector @ question)) if vector is not None and question is not None
                else 0.0,
                "states_fact": float(any(p.search(u.text) for p in facts)),
                "early": 1.0 - u.index / max(1, len(cut) - 1),
                "length": len(u.text) / longest,
                "lead_in": float(u.text.rstrip().endswith(("：", ":")) or u.text.rstrip("。：: ") == heading),
            }))
        on_topic = 1.0 - max(f["beyond_heading"] for _, f in rows)
        for _, f in rows:
            f["early_on_topic"] = f["early"] * on_topic
        if cut[-1].signature and len(rows) > 1:
            # the closing's date signs what comes before it: it is about what the best of that is about
            for name in ("coverage", "soft_coverage", "context_coverage", "beyond_heading"):
                rows[-1][1][name] = max(f[name] for _, f in rows[:-1])
        return rows

    def _question_vector(self, text: str):
        """The question's SIF average, made once for the one to three clauses an answer quotes."""
        cached = self._question  # read once: another thread may replace it meanwhile
        if cached[0] != text:
            c = self.candidates
            cached = self._question = (text, sif_vector(c.index.tokenizer.words(text), c.soft.resource))
        return cached[1]

    def _bm25(self, question: list[str], units: list[list[str]]) -> list[float]:
        index = self.candidates.index
        average = sum(len(t) for t in units) / len(units) or 1.0
        words = set(question)
        scores = []
        for toks in units:
            norm = BM25_K1 * (1 - BM25_B + BM25_B * len(toks) / average)
            score = 0.0
            for w in words:
                tf = toks.count(w)
                if tf:
                    score += math.log((index.n + 1) / (index.df_of(w) + 0.5)) * tf * (BM25_K1 + 1) / (tf + norm)
            scores.append(score)
        return scores

    def score(self, features: dict[str, float]) -> float:
        return self.model.logit(features) if self.model is not None else 0.0
