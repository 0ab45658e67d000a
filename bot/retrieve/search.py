"""Hybrid retrieval at clause level, in three pieces: an index version loaded (index.IndexVersion), the
candidates a question gets from it with their features (candidates.Candidates: BM25 and dense results fused by
reciprocal rank, coverage of the question's words), and the fitted ranker that orders them (rank.Ranking).
`Retriever` puts them together for one version; `search` returns a SearchResult and leaves the query as parsed."""
from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

from bot.models import Clause, Document
from bot.retrieve.candidates import Candidates, Concept, Hit, Misconfigured
from bot.retrieve.index import IndexNotFound, IndexVersion
from bot.retrieve.precedents import Precedents, PrecedentsInvalid
from bot.retrieve.query import Query
from bot.retrieve.rank import Ranking, stating_first
from bot.retrieve.sentences import Sentences

__all__ = ["Concept", "Hit", "IndexNotFound", "Misconfigured", "Retriever", "SearchResult"]


class SearchResult(list):
    """The ranked hits (a list), with what the search worked out about the question on the way: its weighted
    words, and whether the answer differs by region (no region named, several answer about equally well). The
    query itself is left as parsed."""

    def __init__(self, hits: list[Hit], concepts: list[Concept], per_region: bool = False, close_share: float = 1.0):
        super().__init__(hits)
        self.concepts = concepts
        self.per_region = per_region
        self.close_share = close_share  # a hit scored at least this share of the best one answers about as well


class Retriever:
    """Everything a question needs, loaded once from an index folder: the version, its candidates, the ranker.
    The version's and the candidates' parts that callers use are exposed here under their own names."""

    def __init__(self, index_dir: Path, mode: str = "hybrid", dense_search: str = "exact", home_region: str = "",
                 ranking: Ranking | None = None, asked: Path | None = None):
        """`asked`: the questions file of past questions and the clauses that answered them (precedents)."""
        self.index = IndexVersion(index_dir, dense_search)
        self.ranking = ranking or Ranking.load()
        self.candidates = Candidates(self.index, mode, home_region, self.ranking.retrieval)
        try:
            self.precedents = self.candidates.precedents = Precedents.load(asked, self.index.records,
                                                                           self.candidates.parse)
        except PrecedentsInvalid as exc:  # a 503 naming the line, as for the other files of the knowledge folder
            raise Misconfigured(f"配置错误：{exc}") from exc
        self.sentences = Sentences(self.candidates, self.ranking.sentences)  # the answer's lead, scored
        index, candidates = self.index, self.candidates
        self.index_dir, self.version, self.mode, self.home_region = index.index_dir, index.version, mode, \
            candidates.home_region
        self.records, self.lexicon, self.tokenizer, self.df = index.records, index.lexicon, index.tokenizer, index.df
        self.sensitive, self.offtask = index.sensitive, index.offtask
        self.embedder, self.lexical, self.dense, self.passages = index.embedder, index.lexical, index.dense, \
            index.passages
        self.understanding, self.soft = candidates.understanding, candidates.soft
        # One question now, so that what loads lazily (chroma's HNSW graph, wordfreq's table) is loaded
        # before this index answers anyone: a second at 10 000 documents that the first caller would wait.
        self.index.common_direction  # (a warm-up search that finds no candidate would leave it to the first caller)
        warm = self.parse("知识产权质押融资")
        self.search(warm)
        self.unknown_specific(warm)  # loads jieba's part-of-speech table

    def with_ranking(self, ranking: Ranking) -> "Retriever":
        """This loaded index version with another ranking file's models and retrieval constants (evals/tune.py
        tries many settings on one index without loading it again)."""
        other = copy.copy(self)
        other.ranking = ranking
        other.candidates = Candidates(self.index, self.mode, self.home_region or "", ranking.retrieval,
                                      self.precedents)
        other.understanding, other.soft = other.candidates.understanding, other.candidates.soft
        other.sentences = Sentences(other.candidates, ranking.sentences)
        return other

    # -- the pieces' parts callers use -----------------------------------------------------------

    def parse(self, question: str, region: str | None = None, as_of: date | None = None) -> Query:
        return self.candidates.parse(question, region, as_of)

    def concepts(self, query: Query) -> list[Concept]:
        return self.candidates.concepts(query)

    def unknown_specific(self, query: Query) -> float:
        return self.candidates.unknown_specific(query)

    def credit(self, text: str, concept: Concept, soft: bool = False) -> float:
        return self.candidates.credit(text, concept, soft)

    def weight(self, text: str) -> float:
        return self.candidates.weight(text)

    information = staticmethod(Candidates.information)
    def stating_first(self, hits: list[Hit], facts: list) -> list[Hit]:
        return stating_first(hits, facts, self.ranking.retrieval)

    def named_documents(self, concepts: list[Concept]) -> list[str]:
        return self.candidates.named_documents(concepts)

    def name_of(self, clause: Clause) -> str:
        return self.index.name_of(clause)

    def document_on(self, doc_id: str, day: date | None) -> Document:
        return self.index.document_on(doc_id, day)

    def allowed_docs(self, regions: list[str]) -> set[str] | None:
        return self.index.allowed_docs(regions)

    def region_has_documents(self, query: Query) -> bool:
        """Whether the knowledge base holds documents the question may be answered from, for the regions it names
        (the decision's no-region-documents rule reads it, in service and in the fit)."""
        allowed = self.allowed_docs(query.regions)
        return allowed is None or bool(allowed)

    def is_sensitive(self, query: Query, question: str) -> bool:
        """A question a person handles (the hand-off list), read as parsed and as asked."""
        return bool(self.sensitive.match(query.text) or self.sensitive.match(question))

    # -- search ----------------------------------------------------------------------------------

    def search(self, query: Query, k: int | None = 5) -> SearchResult:
        """The best `k` clauses for `query` (all candidates when k is None), best first."""
        candidates, concepts = self.candidates.collect(query)
        if not candidates:
            return SearchResult([], concepts)
        hits = self.ranking.order(candidates, query.facts())
        close_share = self.ranking.retrieval.close_share
        regions, per_region = query.regions, False
        if not regions and hits and not (self.home_region and hits[0].document.region == self.home_region):
            # No region named: if clauses of several regions answer about equally well, the answer differs by
            # region and is given per region, side by side, rather than mixed (unless the bureau's own region
            # answers: a question that names no place is then about it).
            strong = [h for h in hits if h.score >= close_share * hits[0].score
                      and h.document.region and h.document.kind == "policy"]
            regions = list(dict.fromkeys(h.document.region for h in strong))
            per_region = len(regions) > 1
        if len(regions) > 1:
            # 上海和江苏分别…: the best clause of each region comes first
            firsts = [best for region in regions
                      if (best := next((h for h in hits if h.document.region == region), None)) is not None]
            firsts.sort(key=hits.index)  # in the order above (a clause that states the fact asked comes first)
            hits = firsts + [h for h in hits if h not in firsts]
        return SearchResult(hits[:k] if k else hits, concepts, per_region, close_share)
