"""Hybrid retrieval at clause level: BM25 and dense results fused (reciprocal rank fusion), then a rerank
on how much of the question each clause actually covers."""
from __future__ import annotations

import json
import math
import re
from datetime import date
from difflib import SequenceMatcher
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.embed import Embedder, load_from_index
from bot.models import UNKNOWN_REGION, Clause, Document
from bot.retrieve.lexicon import Lexicon
from bot.safety import OffTaskList, SensitiveList, default_offtask
from bot.retrieve.query import Query, QueryUnderstanding
from ingest.links import base_title
from bot.retrieve.rank import CLOSE_SHARE, Ranking
from bot.retrieve.semantic import ZIPF_SCALE, SoftMatcher, information, names_a_thing, sif_vector, synonyms
from bot.store import VectorIndex
from bot.store.chroma import store_for
from bot.store.flat import FlatIndex
from bot.store.lexical import LexicalIndex
from bot.store.records import Records
from bot.text import Tokenizer, place_short_name, split_sentences

RRF_K = 20
CANDIDATES = 60
NATIONAL = "全国"
NOT_IN_FORCE_DAMPING = 0.6
TITLE_ROUTE_MAX = 2  # a question word found in at most this many titles names those documents (蓝天行动)
ELSEWHERE_DAMPING = 0.8  # a document that binds another place than the one the question is about
NO_ROWS = np.zeros(0, dtype=np.int64)  # a region none of whose documents has a passage
STATING_WINDOW = 8  # a clause stating the fact asked for is looked for among this many best hits
STATING_SLACK = 0.1  # … that covers nearly as much of the question as the best one (at most this less)
DATED_FROM = 10  # a date question: the dated lines of the documents of this many best candidates compete
DATE_LINE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
SOFT_MIN_SIMILARITY = 0.6  # word vectors below this are related (合同 for 到期), not the same thing
SOFT_NEIGHBOURS = 8


@dataclass
class Concept:
    """One thing the question is about: a word, with the documents' words that mean the same."""

    surface: str
    alternatives: set[str]
    weight: float
    parts: tuple[str, ...] = ()  # the sub-words of a compound, for partial credit
    soft: dict[str, float] = field(default_factory=dict)  # the knowledge base's near-synonyms, with similarity
    specificity: float = 0.0  # information in general Chinese (0 … 9), whether or not the documents use it


@dataclass
class Hit:
    clause: Clause
    document: Document
    score: float
    coverage: float = 0.0
    focus: float = 0.0  # the best coverage by one sentence (with the clause's headings and title)
    lexical: float = 0.0
    dense: float = 0.0
    covered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)  # the ranker's view of it (rank.RANK_FEATURES)
    missing_specific: float = 0.0  # specificity / 9 of the most specific question word it does not match at all
    policy: float = 1.0  # validity and place: the factor its fitted score was multiplied by


class SearchResult(list):
    """The ranked hits (a list), with what the search worked out about the question on the way: its weighted
    words, and whether the answer differs by region (no region named, several answer about equally well). The
    query itself is left as parsed."""

    def __init__(self, hits: list[Hit], concepts: list[Concept], per_region: bool = False):
        super().__init__(hits)
        self.concepts = concepts
        self.per_region = per_region


class IndexNotFound(Exception):
    """No index has been built in the data directory yet."""


class Misconfigured(Exception):
    """A setting names something the index cannot resolve (HOTLINE_HOME_REGION=火星)."""


class Retriever:
    """Everything a question needs, loaded once from an index folder."""

    def __init__(self, index_dir: Path, mode: str = "hybrid", dense_search: str = "exact", home_region: str = "",
                 ranking: Ranking | None = None):
        if not all((index_dir / name).exists() for name in ("manifest.json", "embedder.json", "stats.json")):
            raise IndexNotFound(f"在 {index_dir} 中没有找到索引；请先运行 hotline ingest")
        self.index_dir = index_dir
        self.version = index_dir.name
        if mode not in ("hybrid", "lexical", "dense"):
            raise ValueError(f"未知的检索方式 {mode!r}：应为 hybrid、lexical 或 dense")
        self.mode = mode
        self.records = Records.load(index_dir)
        self.lexicon = Lexicon.from_json((index_dir / "lexicon.json").read_text(encoding="utf-8"))
        sensitive = json.loads((index_dir / "sensitive.json").read_text(encoding="utf-8")) \
            if (index_dir / "sensitive.json").exists() else {}
        self.sensitive = SensitiveList(**sensitive) if sensitive else SensitiveList()
        # the injection list the index was built with (an index from before it existed: the shipped one)
        self.offtask = OffTaskList.from_dict(json.loads((index_dir / "offtask.json").read_text(encoding="utf-8"))) \
            if (index_dir / "offtask.json").exists() else default_offtask()
        self.tokenizer = Tokenizer(self.records.terms)
        self.embedder: Embedder = load_from_index(index_dir, self.tokenizer)
        self.lexical = LexicalIndex.load(index_dir / "lexical")
        self.passages = self.records.passages
        self.catalogues = [d.id for d in self.records.documents.values() if d.kind == "catalogue"]
        self.docs_by_region: dict[str, list[str]] = {}
        for document in self.records.documents.values():
            self.docs_by_region.setdefault(document.filed_under, []).append(document.id)
        rows: dict[str, list[int]] = {}  # each region's passages, by their row in the lexical index
        self.clause_rows: dict[str, list[int]] = {}  # and each clause's
        for row, passage in enumerate(self.passages):
            rows.setdefault(self.records.documents[passage.doc_id].filed_under, []).append(row)
            self.clause_rows.setdefault(passage.clause_id, []).append(row)
        self.rows_by_region = {region: np.array(found, dtype=np.int64) for region, found in rows.items()}
        if dense_search not in ("exact", "hnsw"):
            raise ValueError(f"未知的向量检索方式 {dense_search!r}：应为 exact 或 hnsw")
        # exact search over the version's matrix by default; chroma's own (approximate) index on request, or
        # for a version built before the matrix existed
        exact = FlatIndex.load(
            index_dir, [p.id for p in self.passages],
            [self.records.documents[p.doc_id].filed_under for p in self.passages],
        ) if dense_search == "exact" else None
        self.dense: VectorIndex = exact if exact is not None else store_for(index_dir)
        # what each clause says, with its heading, path and document title: a question's word is covered
        # when it occurs here; the document frequencies of words (computed at ingest) give their weights
        self.clause_texts: dict[str, str] = {}
        self.frames: dict[str, str] = {}  # what frames every sentence of a clause: title, path, heading
        self.dated: dict[str, list[str]] = {}  # a document's clauses that carry its date (cover, closing)
        for clause in self.records.clauses.values():
            document = self.records.documents[clause.doc_id]
            frame = f"{document.title}\n{' '.join(clause.path)}\n{clause.heading}"
            if clause.anchor in ("cover", "closing") and DATE_LINE.search(clause.text):
                frame += "\n印发 发布 发文 签发"  # the unit that carries the document's date answers "哪天发的"
                self.dated.setdefault(document.id, []).append(clause.id)
            self.frames[clause.id] = frame.lower()
            self.clause_texts[clause.id] = f"{frame}\n{clause.text}".lower()
        # which documents' titles hold each word: a question that names a document by a word of its title
        # (蓝天行动的工作目标) is answered from that document even where its clauses do not repeat the word
        self.title_docs: dict[str, list[str]] = {}
        for document in self.records.documents.values():
            for word in set(self.tokenizer.tokens(document.title)):
                self.title_docs.setdefault(word, []).append(document.id)
        self.df: dict[str, int] = json.loads((index_dir / "stats.json").read_text(encoding="utf-8"))["df"]
        # the bureau's FAQ asks in callers' words (包过): a word there is not a typo for a rare clause word
        faq_words = frozenset(w for pair in self.records.faq for q in pair.questions for w in self.tokenizer.tokens(q))
        self.understanding = QueryUnderstanding(self.lexicon, self.tokenizer, self.df, faq_words, self.places())
        # a document's name as callers say it: its title without the state's or a region's name (商标法 for
        # 中华人民共和国商标法); the longest one a question holds names that document (商标法实施条例, not 商标法)
        self.short_titles = {d.id: short for d in self.records.documents.values()
                             if len(short := self.short_title(d.title)) >= 3}
        self.home_region = self.resolve_region(home_region) if home_region else None
        self.n = max(1, len(self.records.clauses))
        self._weights: dict[str, float] = {}
        self._concepts_of: dict[str, list[Concept]] = {}  # a question's text → its concepts (search and answer share)
        self.ranking = ranking or Ranking.load()
        self.soft = SoftMatcher(synonyms(), [w for w in self.df if len(w) >= 2 and not w.isascii()],
                                SOFT_MIN_SIMILARITY, SOFT_NEIGHBOURS)
        self._sif: dict[str, np.ndarray | None] = {}  # clause id → its word-vector average, made on first need
        # One question now, so that what loads lazily (chroma's HNSW graph, wordfreq's table) is loaded
        # before this index answers anyone: a second at 10 000 documents that the first caller would wait.
        warm = self.parse("知识产权质押融资")
        self.search(warm)
        self.unknown_specific(warm)  # loads jieba's part-of-speech table

    def places(self) -> dict[str, tuple[str, str]]:
        """The cities and districts the documents bind, by the names a caller uses: 松江区 and 松江."""
        places: dict[str, tuple[str, str]] = {}
        for document in self.records.documents.values():
            if document.locality and document.region:
                for name in {document.locality, place_short_name(document.locality)}:
                    if len(name) >= 2:
                        places.setdefault(name, (document.locality, document.region))
        return places

    def resolve_region(self, name: str) -> str:
        """A region as the settings name it (上海, 上海市) in the documents' own form."""
        found = self.understanding.regions_in(name) or [r for r in self.docs_by_region if r.startswith(name)]
        if len(found) != 1:
            raise Misconfigured(f"无法识别本局所在地区 HOTLINE_HOME_REGION={name!r}：请写成文件中的地区名，如 上海市 或 江苏省")
        return found[0]

    def short_title(self, title: str) -> str:
        title = base_title(title)
        for name in ("中华人民共和国", *(n for n, _ in self.understanding.region_names)):
            if title.startswith(name):
                return title[len(name):]
        return title

    def titled(self, text: str) -> set[str]:
        """The documents whose short title the question says, the longest ones only."""
        found = {d: t for d, t in self.short_titles.items() if t in text}
        return {d for d, t in found.items() if not any(t != u and t in u for u in found.values())}

    def named_documents(self, concepts: list[Concept]) -> list[str]:
        """Documents a question names by a word that only their titles hold (at most TITLE_ROUTE_MAX)."""
        named: list[str] = []
        for concept in concepts:
            docs = {d for alt in concept.alternatives for d in self.title_docs.get(alt, ())}
            if 0 < len(docs) <= TITLE_ROUTE_MAX:
                named += sorted(docs)
        return list(dict.fromkeys(named))

    def binds_elsewhere(self, document: Document, query: Query) -> bool:
        """A city's or district's document for a question that does not name that place, or (with a home
        region set) another region's document for a question that names no region at all."""
        if document.locality and document.locality not in query.localities:
            return True
        return bool(self.home_region and not query.regions and document.region
                    and document.region not in (self.home_region, NATIONAL))

    # -- query side ------------------------------------------------------------------------------

    def parse(self, question: str, region: str | None = None, as_of: date | None = None) -> Query:
        return self.understanding.parse(question, region, as_of or date.today())

    def weight(self, text: str) -> float:
        """How much a word tells: its information in general Chinese (9 − wordfreq's Zipf value: 的 weighs 1,
        专利 4.6, a rare term 7 or more; a mis-cut string, 上能 of 手机上能, no more than its most specific piece)
        times its IDF over the knowledge base's clauses. A word no clause holds weighs 0 here: it cannot tell
        clauses apart, and whether it means the documents miss the question is `missing_specific`'s part."""
        cached = self._weights.get(text)
        if cached is None:
            df = self.df_of(text)
            cached = self.information(text) * math.log((self.n + 1) / (df + 0.5)) if df else 0.0
            if len(self._weights) > 200_000:  # words callers typed: bounded, whatever they type
                self._weights.clear()
            self._weights[text] = cached
        return cached

    @staticmethod
    def information(text: str) -> float:
        """A word's specificity in general Chinese, 0 (的) … 9 (unknown to wordfreq); see semantic.information."""
        return information(text)

    def concepts(self, query: Query) -> list[Concept]:
        """The question's content words, each with its synonyms from the lexicon as alternatives (worked out
        once per question: the search and the answer both use them)."""
        found = self._concepts_of.get(query.text)
        if found is None:
            if len(self._concepts_of) > 10_000:  # questions callers typed: bounded
                self._concepts_of.clear()
            found = self._concepts_of[query.text] = self._concepts(query)
        return found

    def _concepts(self, query: Query) -> list[Concept]:
        concepts: list[Concept] = []
        rest = query.text
        for key in self.understanding.synonym_keys:
            if key in rest:
                alternatives = {key, *self.lexicon.synonyms[key]}
                present = [self.weight(w) for w in alternatives if self.df_of(w)]
                concepts.append(Concept(key, alternatives, min(present) if present else 0.0,
                                        soft=dict(self.soft.neighbours(key)), specificity=self.information(key)))
                rest = rest.replace(key, " ")
        for name, _ in self.understanding.region_names:
            rest = rest.replace(name, " ")
        tokens = list(dict.fromkeys(self.tokenizer.tokens(rest)))
        surfaces = [c.surface for c in concepts]
        for token in tokens:
            if any(token != other and token in other for other in tokens + surfaces):
                continue  # a sub-word of a compound (cut_for_search yields both): the compound counts
            parts = tuple(t for t in tokens if t != token and t in token)
            soft = dict(self.soft.neighbours(token))
            weight = self.weight(token)
            if not weight and soft:  # a caller's word the documents say otherwise (拿到 → 获得)
                weight = self.information(token) * max(
                    math.log((self.n + 1) / (self.df_of(w) + 0.5)) for w in soft)
            if not weight and parts:
                weight = sum(self.weight(p) for p in parts) / len(parts)
            concepts.append(Concept(token, {token}, weight, parts, soft, self.information(token)))
        return concepts

    def credit(self, text: str, concept: Concept, soft: bool = False) -> float:
        """1 when the clause says the concept; half the share of its parts when it says only some of them
        (知识产权代理机构 for 专利代理机构); with `soft`, at least the similarity of the closest synonym it says."""
        if any(alt in text for alt in concept.alternatives):
            return 1.0
        partial = 0.0
        if concept.parts:
            weights = [(self.weight(p), p in text) for p in concept.parts]
            total = sum(w for w, _ in weights) or 1.0
            partial = 0.5 * sum(w for w, present in weights if present) / total
        if soft and concept.soft:
            partial = max(partial, max((sim for word, sim in concept.soft.items() if word in text), default=0.0))
        return partial

    def unknown_specific(self, query: Query) -> float:
        """Specificity / 9 of the most specific thing the question names that no clause holds, even as a
        synonym: a rare one (植物新品种) says the documents do not cover the question; a common one says little."""
        return max((c.specificity for c in self.concepts(query) if not c.weight and names_a_thing(c.surface)),
                   default=0.0) / ZIPF_SCALE

    def word_vector_similarity(self, question: np.ndarray | None, clause_id: str) -> float:
        """Cosine of the question's and the clause's SIF word-vector averages (0 where either has none)."""
        if question is None:
            return 0.0
        if clause_id not in self._sif:
            self._sif[clause_id] = sif_vector(self.tokenizer.words(self.clause_texts[clause_id]), self.soft.resource)
        vector = self._sif[clause_id]
        return 0.0 if vector is None else max(0.0, float(vector @ question))

    def df_of(self, text: str) -> int:
        """Clauses containing a word; for a phrase that is not one word (a synonym like 内部快速授权渠道),
        at most as many as contain its rarest word."""
        df = self.df.get(text)
        if df is not None:
            return df
        parts = [t for t in self.tokenizer.tokens(text) if t != text]
        return min((self.df.get(t, 0) for t in parts), default=0)

    def focus(self, clause: Clause, concepts: list[Concept]) -> float:
        """Soft coverage by the best single sentence: words scattered over unrelated sentences of one clause
        (版权 in one, 登记 in another) do not answer a question about 版权登记."""
        total = sum(c.weight for c in concepts) or 1.0
        frame = self.frames[clause.id]
        best = 0.0
        for sentence in split_sentences(clause.text.replace("\n", "。").lower()) or [""]:
            text = frame + " " + sentence
            best = max(best, sum(c.weight * self.credit(text, c, soft=True) for c in concepts))
        return best / total

    def name_of(self, clause: Clause) -> str:
        """What a clause is called: a service item by its name (专利导航), a clause by its heading."""
        return clause.label if clause.id in self.records.items else clause.heading

    @staticmethod
    def heading_similarity(question: str, heading: str) -> float:
        """The longest run of characters the question shares with the clause's own heading."""
        if not heading:
            return 0.0
        match = SequenceMatcher(None, question, heading, autojunk=False).find_longest_match()
        return match.size / max(4, min(len(question), len(heading)))

    def document_on(self, doc_id: str, day: date | None) -> Document:
        """The document with its validity as of `day` (statuses in the records are as of ingest)."""
        document = self.records.documents[doc_id]
        status = document.status_on(day) if day else document.status
        return document if status == document.status else document.model_copy(update={"status": status})

    # -- search ----------------------------------------------------------------------------------

    def allowed_regions(self, regions: list[str]) -> list[str]:
        """The regions of the knowledge base a question naming `regions` may be answered from (with 全国, and the
        documents whose region could not be read: a catalogue gathered from several places may hold the one asked)."""
        return sorted(r for r in self.docs_by_region if r in regions or r in (NATIONAL, UNKNOWN_REGION))

    def catalogue_items(self, allowed: set[str] | None) -> list[str]:
        """The service items of the catalogues among `allowed` documents (all when None)."""
        return [c.id for d in self.catalogues if allowed is None or d in allowed for c in self.records.clauses_of(d)
                if c.id in self.records.items]

    def allowed_docs(self, regions: list[str]) -> set[str] | None:
        if not regions:
            return None
        return {d for region in self.allowed_regions(regions) for d in self.docs_by_region[region]}

    def ranked(self, vector: np.ndarray | None, lexical: np.ndarray,
               regions: list[str]) -> tuple[dict[str, tuple[int, float]], ...]:
        """The clauses BM25 and the dense index rank highest within `regions` (with 全国; all when empty):
        clause id → (rank, score), for BM25 and for the dense index."""
        within = self.allowed_regions(regions) if regions else None
        lex_rank: dict[str, tuple[int, float]] = {}
        if lexical.size:
            # within regions: their passages' rows; everywhere: all of them, without copying the scores
            rows = np.concatenate([self.rows_by_region.get(r, NO_ROWS) for r in within]) if within else None
            scores = lexical if rows is None else lexical[rows]
            top = min(scores.size, CANDIDATES * 3)
            # the best few of a large index without sorting all of it
            best = np.argpartition(-scores, top - 1)[:top] if top < scores.size else np.arange(scores.size)
            best = best[np.argsort(-scores[best], kind="stable")]
            for pos in (best if rows is None else rows[best]):
                if lexical[pos] <= 0:
                    break
                passage = self.passages[pos]
                if passage.clause_id not in lex_rank:
                    lex_rank[passage.clause_id] = (len(lex_rank), float(lexical[pos]))
        dense_rank: dict[str, tuple[int, float]] = {}
        if vector is not None:
            for pid, similarity in self.dense.query(vector, CANDIDATES * 2, within):
                clause_id = pid.rsplit("@", 1)[0]
                if clause_id not in dense_rank:
                    dense_rank[clause_id] = (len(dense_rank), similarity)
        return lex_rank, dense_rank

    @staticmethod
    def stating_first(hits: list[Hit], facts: list[re.Pattern]) -> list[Hit]:
        """A question asking for a date or a number is answered by a close clause that states one: when the
        first hit does not, the one that covers most of the question among those of its own document (the
        closing line, for a cover that names no date) and the next few, covering nearly as much, comes first.
        (Without "nearly as much" the answerability model, fitted on the ranker's order, judges clauses it was
        not fitted on: refusal accuracy fell from 0.58 to 0.40 on the train split, 0.80 to 0.55 on core.)"""
        if not facts or not hits or any(p.search(hits[0].clause.text) for p in facts):
            return hits
        def states(h: Hit) -> bool:
            return h.coverage >= hits[0].coverage - STATING_SLACK and any(p.search(h.clause.text) for p in facts)

        same = [h for h in hits[1:] if h.document.id == hits[0].document.id]
        stating = max((h for h in same + hits[1:STATING_WINDOW] if states(h)), key=lambda h: h.coverage, default=None)
        return hits if stating is None else [stating] + [h for h in hits if h is not stating]

    def search(self, query: Query, k: int | None = 5) -> SearchResult:
        allowed = self.allowed_docs(query.regions)
        if allowed is not None and not allowed:
            return SearchResult([], self.concepts(query))  # a region the knowledge base has no documents for
        lexical = self.lexical.scores(query.tokens) if self.mode != "dense" else np.zeros(0)
        vector = self.embedder.embed_query(query.search_text) if self.mode != "lexical" else None
        rankings = [self.ranked(vector, lexical, query.regions)]
        if self.home_region and not query.regions:
            # A question that names no place is about the bureau's own region: its documents are searched on
            # their own as well, so that thousands of other regions' clauses cannot crowd them out.
            rankings.append(self.ranked(vector, lexical, [self.home_region]))
        fused: dict[str, float] = {}
        lex_score: dict[str, float] = {}
        dense_score: dict[str, float] = {}
        for lex_rank, dense_rank in rankings:
            for ranks, scores in ((lex_rank, lex_score), (dense_rank, dense_score)):
                for clause_id, (rank, score) in ranks.items():
                    fused[clause_id] = fused.get(clause_id, 0.0) + 1.0 / (RRF_K + rank + 1)
                    scores[clause_id] = score
        candidates = sorted(fused, key=fused.get, reverse=True)[:CANDIDATES]
        ordered = dict.fromkeys(candidates)  # in order, with those brought in beside the ranked lists (no repeats)
        concepts = self.concepts(query)
        named = self.named_documents(concepts)
        for doc_id in named:  # their clauses rank on what they say, title included
            if allowed is None or doc_id in allowed:
                ordered.update(dict.fromkeys(c.id for c in self.records.clauses_of(doc_id)))
        if query.about_a_document:
            # when a document was issued or takes effect is said by its dated cover or closing, which share
            # few words with the question: those of the documents the best candidates come from compete too
            for doc_id in dict.fromkeys(self.records.clauses[c].doc_id for c in list(ordered)[:DATED_FROM]):
                ordered.update(dict.fromkeys(self.dated.get(doc_id, ())))
        if query.service_like:
            # the bureau's service catalogue answers where and how a service is had: its items always compete
            ordered.update(dict.fromkeys(self.catalogue_items(allowed)))
        candidates = list(ordered)
        if not candidates:
            return SearchResult([], concepts)
        # a candidate neither list ranked (a named document's clause, a dated line, an item) is scored on
        # what BM25 and the dense index give it all the same (the dense part from the exact index only: chroma's
        # HNSW graph cannot score a passage it did not return)
        late = [c for c in candidates if c not in fused]
        if late and lexical.size:
            lex_score.update({c: float(lexical[self.clause_rows.get(c, [])].max(initial=0.0)) for c in late})
        if late and vector is not None and isinstance(self.dense, FlatIndex):
            dense_score.update({c: float(self.dense.similarities(vector, rows).max())
                                for c in late if (rows := self.clause_rows.get(c))})
        top_lex = max(lex_score.values(), default=1.0) or 1.0
        max_fused = max(fused.values(), default=1.0)
        total = sum(c.weight for c in concepts) or 1.0
        facts = query.facts()
        question_vector = sif_vector(self.tokenizer.words(query.text), self.soft.resource)
        titled = self.titled(query.text)
        hits = []
        for clause_id in candidates:
            clause = self.records.clauses[clause_id]
            document = self.document_on(clause.doc_id, query.as_of)
            text = self.clause_texts[clause_id]
            credits = [self.credit(text, c) for c in concepts]
            soft = [max(credit, self.credit(text, c, soft=True)) if credit < 1.0 else credit
                    for c, credit in zip(concepts, credits)]
            covered = [c for c, credit in zip(concepts, credits) if credit >= 1.0]
            is_item = document.kind == "catalogue"
            features = {
                "bm25": lex_score.get(clause_id, 0.0) / top_lex,
                "dense": max(0.0, dense_score.get(clause_id, 0.0)),
                "word_vectors": self.word_vector_similarity(question_vector, clause_id),
                "rrf": fused.get(clause_id, 0.0) / max_fused,
                "coverage": sum(c.weight * credit for c, credit in zip(concepts, credits)) / total,
                "soft_coverage": sum(c.weight * credit for c, credit in zip(concepts, soft)) / total,
                "focus": self.focus(clause, concepts),
                "heading": 0.0 if is_item else self.heading_similarity(query.text, clause.heading),
                "item_name": self.heading_similarity(query.text, self.name_of(clause)) if is_item else 0.0,
                "heading_words": sum(c.weight for c in concepts if any(alt in self.frames[clause_id]
                                                                     for alt in c.alternatives)) / total,
                "names_document": float(clause.doc_id in titled),
                "states_fact": float(bool(facts) and any(p.search(clause.text) for p in facts)),
                "service_item": float(is_item and query.service_like),
                "off_service_item": float(is_item and not query.service_like),
            }
            # Validity and place are the bureau's policy, not relevance: a document not in force is cited only
            # when nothing in force answers (unless the question is about the past, or about when a document
            # takes effect); a document that binds another place comes after. (A document the question names
            # is the ranker's title and names_document features; its clauses are all candidates.)
            policy = 1.0
            if (document.status == "已失效" and not query.history) or \
                    (document.status == "未生效" and not query.about_a_document):
                policy *= NOT_IN_FORCE_DAMPING
            if self.binds_elsewhere(document, query):
                policy *= ELSEWHERE_DAMPING
            unmatched = [c.specificity for c, credit in zip(concepts, soft) if credit <= 0.0 and c.weight > 0]
            hits.append(Hit(clause=clause, document=document,
                            score=self.ranking.ranker.probability(features) * policy,
                            coverage=features["coverage"], focus=features["focus"], lexical=features["bm25"],
                            dense=features["dense"], covered=[c.surface for c in covered],
                            missing=[c.surface for c in concepts if c not in covered], features=features,
                            missing_specific=max(unmatched, default=0.0) / ZIPF_SCALE, policy=policy))
        hits.sort(key=lambda h: h.score, reverse=True)
        hits = self.stating_first(hits, facts)
        regions, per_region = query.regions, False
        if not regions and hits and not (self.home_region and hits[0].document.region == self.home_region):
            # No region named: if clauses of several regions answer about equally well, the answer differs by
            # region and is given per region, side by side, rather than mixed (unless the bureau's own region
            # answers: a question that names no place is then about it).
            strong = [h for h in hits if h.score >= CLOSE_SHARE * hits[0].score
                      and h.document.region and h.document.kind == "policy"]
            regions = list(dict.fromkeys(h.document.region for h in strong))
            per_region = len(regions) > 1
        if len(regions) > 1:
            # 上海和江苏分别…: the best clause of each region comes first
            firsts = [best for region in regions
                      if (best := next((h for h in hits if h.document.region == region), None)) is not None]
            firsts.sort(key=hits.index)  # in the order above (a clause that states the fact asked comes first)
            hits = firsts + [h for h in hits if h not in firsts]
        return SearchResult(hits[:k] if k else hits, concepts, per_region)
