"""Hybrid retrieval at clause level: BM25 and dense results fused (reciprocal rank fusion), then a rerank
on how much of the question each clause actually covers."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.embed import Embedder, load_from_index
from bot.models import Clause, Document
from bot.retrieve.lexicon import Lexicon
from bot.retrieve.query import Query, QueryUnderstanding
from bot.store.chroma import ChromaStore
from bot.store.lexical import LexicalIndex
from bot.store.records import Records
from bot.text import Tokenizer

RRF_K = 20
CANDIDATES = 30
NATIONAL = "全国"


@dataclass
class Concept:
    """One thing the question is about: a word, with the documents' words that mean the same."""

    surface: str
    alternatives: set[str]
    weight: float


@dataclass
class Hit:
    clause: Clause
    document: Document
    score: float
    coverage: float = 0.0
    lexical: float = 0.0
    dense: float = 0.0
    covered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


class IndexNotFound(Exception):
    """No index has been built in the data directory yet."""


class Retriever:
    """Everything a question needs, loaded once from an index folder."""

    def __init__(self, index_dir: Path):
        if not Records.exists(index_dir) or not (index_dir / "embedder.json").exists():
            raise IndexNotFound(f"在 {index_dir} 中没有找到索引；请先运行 hotline ingest")
        self.index_dir = index_dir
        self.records = Records.load(index_dir)
        self.lexicon = Lexicon.from_json((index_dir / "lexicon.json").read_text(encoding="utf-8"))
        self.tokenizer = Tokenizer(self.records.terms)
        self.embedder: Embedder = load_from_index(index_dir, self.tokenizer)
        self.store = ChromaStore(path=index_dir / "chroma")
        self.lexical = LexicalIndex.load(index_dir / "lexical")
        self.passages = self.records.passages
        corpus = "\n".join(c.heading + "\n" + c.text for c in self.records.clauses.values())
        self.understanding = QueryUnderstanding(self.lexicon, self.tokenizer, corpus)
        # token sets per clause (text, heading and document title) and the IDF of each token over clauses
        self.clause_tokens: dict[str, set[str]] = {}
        df: dict[str, int] = {}
        for clause in self.records.clauses.values():
            document = self.records.documents[clause.doc_id]
            tokens = set(self.tokenizer.tokens(f"{clause.heading} {clause.text} {clause.label}"))
            tokens |= set(self.tokenizer.tokens(document.title))
            self.clause_tokens[clause.id] = tokens
            for t in tokens:
                df[t] = df.get(t, 0) + 1
        n = max(1, len(self.records.clauses))
        self.idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}
        self.unknown_idf = math.log((n + 1) / 0.5)

    # -- query side ------------------------------------------------------------------------------

    def parse(self, question: str, region: str | None = None) -> Query:
        return self.understanding.parse(question, region)

    def concepts(self, query: Query) -> list[Concept]:
        """The question's content words, each with its synonyms from the lexicon as alternatives."""
        concepts: list[Concept] = []
        rest = query.text
        for key in self.understanding.synonym_keys:
            if key in rest:
                alternatives = set(self.tokenizer.tokens(key))
                for word in self.lexicon.synonyms[key]:
                    alternatives |= set(self.tokenizer.tokens(word)) | {word}
                weight = max((self.idf.get(t, 0.0) for t in alternatives), default=0.0) or 1.0
                concepts.append(Concept(key, alternatives, weight))
                rest = rest.replace(key, " ")
        for name, _ in self.understanding.region_names:
            rest = rest.replace(name, " ")
        seen = {c.surface for c in concepts}
        for token in self.tokenizer.tokens(rest):
            if token in seen or any(token != other and token in other for other in seen):
                continue  # a sub-word of a word already counted (cut_for_search yields both)
            seen.add(token)
            concepts.append(Concept(token, {token}, self.idf.get(token, self.unknown_idf)))
        return concepts

    # -- search ----------------------------------------------------------------------------------

    def allowed_docs(self, regions: list[str]) -> set[str] | None:
        if not regions:
            return None
        allowed = {d.id for d in self.records.documents.values() if d.region in regions or d.region == NATIONAL}
        return allowed or None

    def search(self, query: Query, k: int = 5) -> list[Hit]:
        allowed = self.allowed_docs(query.regions)
        lexical = self.lexical.scores(query.tokens)
        lex_rank: dict[str, tuple[int, float]] = {}
        if lexical.size:
            order = np.argsort(-lexical)
            for pos in order[: CANDIDATES * 3]:
                if lexical[pos] <= 0:
                    break
                passage = self.passages[pos]
                if allowed is not None and passage.doc_id not in allowed:
                    continue
                if passage.clause_id not in lex_rank:
                    lex_rank[passage.clause_id] = (len(lex_rank), float(lexical[pos]))
        dense_rank: dict[str, tuple[int, float]] = {}
        vector = self.embedder.embed_query(query.search_text)
        regions = sorted({self.records.documents[d].region or "未知" for d in allowed}) if allowed else None
        for pid, similarity in self.store.query(vector, CANDIDATES * 2, regions):
            clause_id = pid.rsplit("@", 1)[0]
            if clause_id not in dense_rank:
                dense_rank[clause_id] = (len(dense_rank), similarity)

        fused: dict[str, float] = {}
        for ranks in (lex_rank, dense_rank):
            for clause_id, (rank, _) in ranks.items():
                fused[clause_id] = fused.get(clause_id, 0.0) + 1.0 / (RRF_K + rank + 1)
        candidates = sorted(fused, key=fused.get, reverse=True)[:CANDIDATES]
        if not candidates:
            return []
        top_lex = max((s for _, s in lex_rank.values()), default=1.0) or 1.0
        max_fused = max(fused.values())
        concepts = self.concepts(query)
        total = sum(c.weight for c in concepts) or 1.0
        hits = []
        for clause_id in candidates:
            clause = self.records.clauses[clause_id]
            tokens = self.clause_tokens[clause_id]
            covered = [c for c in concepts if c.alternatives & tokens]
            coverage = sum(c.weight for c in covered) / total
            lexical_score = lex_rank.get(clause_id, (0, 0.0))[1] / top_lex
            dense_score = dense_rank.get(clause_id, (0, 0.0))[1]
            heading_tokens = set(self.tokenizer.tokens(clause.heading))
            heading_bonus = 0.1 * (sum(c.weight for c in concepts if c.alternatives & heading_tokens) / total)
            score = (0.45 * coverage + 0.25 * (fused[clause_id] / max_fused) + 0.15 * lexical_score
                     + 0.15 * max(0.0, dense_score) + heading_bonus)
            hits.append(Hit(clause=clause, document=self.records.documents[clause.doc_id], score=score,
                            coverage=coverage, lexical=lexical_score, dense=dense_score,
                            covered=[c.surface for c in covered],
                            missing=[c.surface for c in concepts if c not in covered]))
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]
