"""Candidates for a question: the clauses BM25 and the dense index rank highest (reciprocal rank fusion), with
those a question brings in beside them (a document it names, a dated line, a service item), each carrying the
named features the ranker scores (rank.RANK_FEATURES): lexical, dense, word-vector, coverage of the question's
weighted words. Nothing here is fitted; `rank.Ranking` orders what this produces. Its constants (how many
candidates, the fusion's k, …) are the ranking file's `rank.Retrieval`, chosen by evals/tune.py."""
from __future__ import annotations

import math
import re
from datetime import date
from difflib import SequenceMatcher
from dataclasses import dataclass, field

import numpy as np

from bot.models import NATIONAL_REGION, Clause, Document
from bot.retrieve.index import IndexVersion
from bot.retrieve.kinds import asking_text
from bot.retrieve.precedents import Near, Precedents
from bot.retrieve.query import Fact, Query, QueryUnderstanding
from bot.retrieve.rank import Retrieval
from bot.retrieve.semantic import (ZIPF_SCALE, SoftMatcher, information, names_a_thing, sif_vector, synonyms,
                                   without_common)
from bot.store.flat import FlatIndex
from bot.text import clause_sentences, place_units
from ingest.links import base_title


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
    offices_unnamed: list[str] = field(default_factory=list)  # offices asked that neither it nor its document names
    refused_precedent: float = 0.0  # the nearest past question about its document that the documents did not answer
    asked_about: float = 0.0  # 1 when past questions are about its document (precedents)


def _bare_number(text: str) -> str:
    """A 文号 (or a text holding one) without its brackets and spaces: 沪知局2024 32号 says 沪知局〔2024〕32号."""
    return re.sub(r"[\s〔〕\[\]［］﹝﹞〖〗（）()【】]", "", text)


class Misconfigured(Exception):
    """A setting names something the index cannot resolve (HOTLINE_HOME_REGION=火星)."""


class Candidates:
    """The question side of one index version: its words weighed, and the clauses that may answer it."""

    def __init__(self, index: IndexVersion, mode: str = "hybrid", home_region: str = "",
                 retrieval: Retrieval | None = None, precedents: Precedents | None = None):
        if mode not in ("hybrid", "lexical", "dense"):
            raise ValueError(f"未知的检索方式 {mode!r}：应为 hybrid、lexical 或 dense")
        self.index = index
        self.mode = mode
        self.retrieval = retrieval or Retrieval.shipped()
        self.understanding = QueryUnderstanding(index.lexicon, index.tokenizer, index.df, index.faq_words,
                                                index.places(), index.writes)
        # a document's name as callers say it: its title without the state's or a region's name (商标法 for
        # 中华人民共和国商标法); the longest one a question holds names that document (商标法实施条例, not 商标法)
        self.short_titles = {d.id: short for d in index.records.documents.values()
                             if len(short := self.short_title(d.title)) >= 3}
        # a document's 文号 names it as exactly as its title (甬市监知〔2026〕15号有效期到什么时候), brackets as typed
        self.numbers = {d.id: _bare_number(d.doc_number) for d in index.records.documents.values()
                        if d.doc_number and len(_bare_number(d.doc_number)) >= 6}
        self.home_region = self.resolve_region(home_region) if home_region else None
        self.precedents = precedents or Precedents([], self.parse)
        self._weights: dict[str, float] = {}
        self._concepts_of: dict[str, list[Concept]] = {}  # a question's text → its concepts (search and answer share)
        self.soft = SoftMatcher(synonyms(), [w for w in index.df if len(w) >= 2 and not w.isascii()],
                                self.retrieval.soft_min_similarity, self.retrieval.soft_neighbours)
        # (clause id, read with what it cites) → its word-vector average, made on first need
        self._sif: dict[tuple[str, bool], np.ndarray | None] = {}

    def resolve_region(self, name: str) -> str:
        """A region as the settings name it (上海, 上海市) in the documents' own form."""
        found = self.understanding.regions_in(name) or [r for r in self.index.docs_by_region if r.startswith(name)]
        if len(found) != 1:
            raise Misconfigured(f"无法识别本局所在地区 HOTLINE_HOME_REGION={name!r}：请写成文件中的地区名，如 上海市 或 江苏省")
        return found[0]

    def short_title(self, title: str) -> str:
        title = base_title(title)
        for name in ("中华人民共和国", *(n for n, _, _ in self.understanding.region_names)):
            if title.startswith(name):
                return title[len(name):]
        return title

    def titled(self, text: str) -> set[str]:
        """The documents whose short title the question says, the longest ones only."""
        found = {d: t for d, t in self.short_titles.items() if t in text}
        return {d for d, t in found.items() if not any(t != u and t in u for u in found.values())}

    def numbered(self, text: str) -> list[str]:
        """The documents whose 文号 the text says."""
        bare = _bare_number(text)
        return [d for d, number in self.numbers.items() if number in bare]

    def named_documents(self, concepts: list[Concept]) -> list[str]:
        """Documents a question names by a word that only their titles hold (at most `title_route_max`)."""
        named: list[str] = []
        for concept in concepts:
            docs = {d for alt in concept.alternatives for d in self.index.title_docs.get(alt, ())}
            if 0 < len(docs) <= self.retrieval.title_route_max:
                named += sorted(docs)
        return list(dict.fromkeys(named))

    def binds_elsewhere(self, document: Document, query: Query, place: str | None = None,
                        locality: str | None = None) -> int:
        """How many of the places a document binds the question is not about: its city or district when the
        question does not name it, and (with a home region set) its region when it is another and the question
        names none. `place`, `locality`: the clause's own region and city where they differ from its document's
        (an item of a several-place catalogue: 泉州's centre, for a question that names 厦门 or no city). A
        bureau's own region's city comes before another region's city, as both come after what binds no city."""
        locality = locality or document.locality
        place = place or document.region
        return int(bool(locality and not query.names_locality(locality))) + \
            int(bool(self.home_region and not query.regions and place
                     and place not in (self.home_region, NATIONAL_REGION)))

    # -- query side ------------------------------------------------------------------------------

    def parse(self, question: str, region: str | None = None, as_of: date | None = None) -> Query:
        return self.understanding.parse(question, region, as_of or date.today())

    @staticmethod
    def lent(near: Near, clause: Clause, document: Document, query: Query, titled: set[str]) -> float:
        """What the past questions lend a clause, unless the question says something they did not: a patent
        question is not answered from the 商标法 article a trademark question was (other_rights), nor one naming a
        document from another's. (A place it names has already kept other places' clauses out.)"""
        lent = near.answered.get(clause.id, 0.0)
        if lent and (query.other_rights(clause, document, matter=True) or (titled and clause.doc_id not in titled)):
            return 0.0
        return lent

    def weight(self, text: str) -> float:
        """How much a word tells: its information in general Chinese (9 − wordfreq's Zipf value: 的 weighs 1,
        专利 4.6, a rare term 7 or more; a mis-cut string, 上能 of 手机上能, no more than its most specific piece)
        times its IDF over the knowledge base's clauses. A word no clause holds weighs 0 here: it cannot tell
        clauses apart, and whether it means the documents miss the question is `missing_specific`'s part."""
        cached = self._weights.get(text)
        if cached is None:
            df = self.index.df_of(text)
            cached = self.information(text) * math.log((self.index.n + 1) / (df + 0.5)) if df else 0.0
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

    def keys_said(self, text: str) -> tuple[list[str], str]:
        """The lexicon's keys a text says, longest first, each taking its characters (处罚 leaves no 罚 of its own),
        and the text with them blanked out."""
        said = []
        for key in self.understanding.synonym_keys:
            if key in text:
                said.append(key)
                text = text.replace(key, " ")
        return said, text

    def _concepts(self, query: Query) -> list[Concept]:
        concepts: list[Concept] = []
        keys, rest = self.keys_said(query.text)
        for key in keys:
            alternatives = {key, *self.index.lexicon.synonyms[key]}
            present = [self.weight(w) for w in alternatives if self.index.df_of(w)]
            concepts.append(Concept(key, alternatives, min(present) if present else 0.0,
                                    soft=dict(self.soft.neighbours(key)), specificity=self.information(key)))
        rest = self.understanding.without_places(rest)
        tokens = list(dict.fromkeys(self.index.tokenizer.tokens(rest, self.index.df)))
        surfaces = [c.surface for c in concepts]
        for token in tokens:
            if any(token != other and token in other for other in tokens + surfaces):
                continue  # a sub-word of a compound (cut_for_search yields both): the compound counts
            parts = tuple(t for t in tokens if t != token and t in token)
            soft = dict(self.soft.neighbours(token))
            weight = self.weight(token)
            if not weight and soft:  # a caller's word the documents say otherwise (拿到 → 获得)
                weight = self.information(token) * max(
                    math.log((self.index.n + 1) / (self.index.df_of(w) + 0.5)) for w in soft)
            if not weight and parts:
                weight = sum(self.weight(p) for p in parts) / len(parts)
            concepts.append(Concept(token, {token}, weight, parts, soft, self.information(token)))
        return concepts

    def said_in(self, text: str, concepts: list[Concept]) -> list[bool]:
        """Which of a question's concepts a part of it says, read as _concepts reads the question (keys_said, then the
        rest lower-cased, as its tokens are: PCT)."""
        keys, rest = self.keys_said(text)
        rest = rest.lower()
        synonyms = self.index.lexicon.synonyms
        return [c.surface in keys if c.surface in synonyms else c.surface in rest for c in concepts]

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

    @staticmethod
    def labelled_as_asked(clause: Clause, query: Query) -> bool:
        """Whether the clause's own label says it states a kind of fact or a service field the question asks for (申报时间
        for a date, 收费标准 for a fee, 申报条件 for who may apply: question_kinds.yaml's `headings`): the words of a
        notice's answer to 什么时候截止 are in its label, not in 2026年3月16日至4月30日."""
        if not (query.asks or query.fields):
            return False
        label = clause.own_label
        if not label:
            return False
        kinds = query.kinds
        return any(kinds.asks[k].headings.name(label) for k in query.asks if k in kinds.asks) or \
            any(kinds.fields[f].headings.name(label) for f in query.fields if f in kinds.fields)

    def unknown_specific(self, query: Query) -> float:
        """Specificity / 9 of the most specific thing the question names that no clause holds, even as a
        synonym: a rare one (植物新品种) says the documents do not cover the question; a common one says little."""
        return max((c.specificity for c in self.concepts(query) if not c.weight and names_a_thing(c.surface)),
                   default=0.0) / ZIPF_SCALE

    def word_vector_similarity(self, question: np.ndarray | None, clause_id: str, cited: bool = False) -> float:
        """Cosine of the question's and the clause's SIF word-vector averages, their common direction removed (0 where
        either has none, or below 0); `cited`: the clause read with the articles it sanctions the violation of."""
        if question is None:
            return 0.0
        key = (clause_id, cited and clause_id in self.index.cited)  # a clause citing nothing has one text only
        if key not in self._sif:
            self._sif[key] = self.meaning(self.index.meaning_words(clause_id, key[1]))
        vector = self._sif[key]
        return 0.0 if vector is None else max(0.0, float(vector @ question))

    def meaning(self, words: list[str]) -> np.ndarray | None:
        """A text's SIF average of word vectors without the knowledge base's common direction (unit length; None
        without vectors): the `word_vectors` feature is the cosine of the question's and the clause's."""
        return without_common(sif_vector(words, self.soft.resource), self.index.common_direction)

    def focus(self, clause: Clause, concepts: list[Concept], facts: list[Fact] = (),
              with_cited: bool = False) -> tuple[float, float]:
        """Soft coverage by the best single sentence: words scattered over unrelated sentences of one clause
        (版权 in one, 登记 in another) do not answer a question about 版权登记. And the same by the best sentence
        that states the fact asked (`facts`; 0 when none does): a period stated of something else in the clause
        (其他期限 beside 延迟审查) says little of the one asked. There the words stating the fact are not also the
        subject it is stated of: 三个工作日 states a length and does not cover the 工作日 of 几个工作日能拿到证明.
        `with_cited`: a sentence sanctioning a violation is read with the parts of the articles it cites."""
        total = sum(c.weight for c in concepts) or 1.0
        frame = self.index.frames[clause.id]
        cited = self.index.cited_sentences.get(clause.id, {}) if with_cited else {}
        best = stating = 0.0
        for position, sentence in enumerate(clause_sentences(clause.text.lower()) or [""]):
            # 违反本法第十四条第五款规定的，…处十万元罚款 is read with what it cites (which states no fact of its own)
            context = f"{frame} {cited[position]}" if position in cited else frame
            covered = self._covered(context + " " + sentence, concepts)
            best = max(best, covered)
            if any(p.search(sentence) for p in facts):
                subject = sentence
                for p in facts:
                    subject = p.pattern.sub(" ", subject)
                stating = max(stating, self._covered(context + " " + subject, concepts))
        return best / total, stating / total

    def offices_unnamed(self, asked: list[Concept], covered: list[Concept], document: Document,
                        named_in: dict[str, bool], text: str, places: list[str] = (),
                        locality: str | None = None, clause_id: str | None = None) -> list[str]:
        """The offices asked, when the clause names none of them (`covered`: the concepts it holds, with its headings,
        title and frame; `text`: those, lower-cased, where each office's alternatives are looked for literally too, as
        an office no concept holds is found only so), nor its document anywhere (a guide's office line, a notice's
        opening sentence; a catalogue only in the item itself: its other items are other services'), literally or by
        a synonym, unless the clause names another body (`_another_body`); [] when one is named. `named_in`: the
        question's answers by document so far, as many candidates share one. `places`: the cities and counties whose
        office the question asks of (Query.places_asked): when the clause is bound to none of them (`locality`, its city
        or district), and neither it nor (but for a catalogue's item) its document names an office of any, those places
        are unnamed (南陵县市场监管局的电话 is not 芜湖市's office's number; 杭州代办处和福州代办处的电话 is answered by either's)."""
        if places and not any(self._places_office(p, document, locality, clause_id) for p in places):
            return list(places)
        if not asked or any(c in covered or any(alt.lower() in text for alt in c.alternatives) for c in asked):
            return []
        if document.kind != "catalogue":
            if document.id not in named_in:
                named_in[document.id] = self.index.document_names(document.id,
                                                                  [alt for c in asked for alt in c.alternatives])
            if named_in[document.id] and not self._another_body(clause_id, document.id, asked):
                return []
        return [c.surface for c in asked]

    def _another_body(self, clause_id: str | None, doc_id: str, asked: list[Concept]) -> bool:
        """Whether a clause names bodies and none of them is one asked (IndexVersion.bodies_named;
        QuestionKinds.same_body: 市场监管局 is 市场监督管理局, and 知识产权局 too where the document writes
        市场监督管理局（知识产权局）): its number is another body's (a joint notice names 区财政局 in its opening; its
        contact line, 区市场监管局知识产权科 张敏 0551-…, is not 区财政局's), though the document names the one asked.
        A name's level is not compared: 国家知识产权局 and 省知识产权局 are alike."""
        bodies = self.index.bodies_named(clause_id) if clause_id else ()
        if not bodies:
            return False
        same, aliases = self.index.lexicon.kinds.same_body, self.index.body_aliases(doc_id)
        names = [alt for c in asked for alt in c.alternatives]
        return not any(same(body, name, aliases) for pair in bodies for body in pair for name in names)

    def _places_office(self, place: str, document: Document, locality: str | None, clause_id: str | None) -> bool:
        """Whether a clause may give the office of `place`: it binds that city or district (the most local unit of
        its locality: 武进区's notice is not 常州市's office), or it or its document names an office of it."""
        if locality and place in place_units(locality)[-1]:
            return True
        if clause_id is not None and self.index.names_office_of(document.id, place, clause_id):
            return True
        return document.kind != "catalogue" and self.index.names_office_of(document.id, place)

    def _covered(self, text: str, concepts: list[Concept]) -> float:
        return sum(c.weight * self.credit(text, c, soft=True) for c in concepts)

    @staticmethod
    def heading_similarity(question: str, heading: str) -> float:
        """The longest run of characters the question shares with the clause's own heading."""
        if not heading:
            return 0.0
        match = SequenceMatcher(None, question, heading, autojunk=False).find_longest_match()
        return match.size / max(4, min(len(question), len(heading)))

    # -- candidates ------------------------------------------------------------------------------

    def collect(self, query: Query) -> tuple[list[Hit], list[Concept]]:
        """The candidates for `query`, each with its features and policy factor (score 0: the ranker's part),
        in fusion order, and the question's concepts."""
        allowed = self.index.allowed_docs(query.regions)
        if allowed is not None and not allowed:
            return [], self.concepts(query)  # a region the knowledge base has no documents for
        lexical = self.index.lexical.scores(query.tokens) if self.mode != "dense" else np.zeros(0)
        vector = self.index.embedder.embed_query(query.search_text) if self.mode != "lexical" else None
        r = self.retrieval
        rankings = [self.index.ranked(vector, lexical, query.regions, r.candidates)]
        if self.home_region and not query.regions:
            # A question that names no place is about the bureau's own region: its documents are searched on
            # their own as well, so that thousands of other regions' clauses cannot crowd them out.
            rankings.append(self.index.ranked(vector, lexical, [self.home_region], r.candidates))
        fused: dict[str, float] = {}
        lex_score: dict[str, float] = {}
        dense_score: dict[str, float] = {}
        for lex_rank, dense_rank in rankings:
            for ranks, scores in ((lex_rank, lex_score), (dense_rank, dense_score)):
                for clause_id, (rank, score) in ranks.items():
                    fused[clause_id] = fused.get(clause_id, 0.0) + 1.0 / (r.rrf_k + rank + 1)
                    scores[clause_id] = score
        candidates = sorted(fused, key=fused.get, reverse=True)[:r.candidates]
        ordered = dict.fromkeys(candidates)  # in order, with those brought in beside the ranked lists (no repeats)
        concepts = self.concepts(query)
        kinds = query.kinds
        # the offices it asks a phone, an address… of (保护中心, 促进科): a clause neither it nor its document names is
        # another office's (decide.office_unstated)
        # (the search's words too: a name the corpus's statistics cut, 商标 + 局, is still the office 商标局; it is then
        # looked for literally, with the lexicon's synonyms)
        # (and a name the segmenter cut before its ending, 运用促进|处, when the knowledge base says it)
        words = self.index.tokenizer.words(query.text)
        offices = kinds.offices_asked(query.text, list(dict.fromkeys(
            [c.surface for c in concepts] + query.tokens + kinds.split_offices(words, self.index.says)))) \
            if kinds.office_kinds & query.asks else frozenset()
        synonyms = self.index.lexicon.synonyms
        # (offices_asked keeps only words said literally: the search's expansions are never an office asked)
        offices_asked = [c for c in concepts if c.surface in offices] + \
            [Concept(o, {o, *synonyms.get(o, ()), *(k for k, v in synonyms.items() if o in v)}, 0.0)
             for o in sorted(offices - {c.surface for c in concepts})]  # a short name and the full one, either way
        office_places = query.places_asked if kinds.office_kinds & query.asks else []
        named_in: dict[str, bool] = {}  # whether a document names them, as many candidates share one
        numbered = self.numbered(query.text)  # a 文号 said names its document as its title would
        named = list(dict.fromkeys([*self.named_documents(concepts), *numbered]))
        for doc_id in named:  # their clauses rank on what they say, title included
            if allowed is None or doc_id in allowed:
                ordered.update(dict.fromkeys(c.id for c in self.index.records.clauses_of(doc_id)))
        # what a violation brings is asked: a clause sanctioning the violation of one found competes beside it, read with
        # what it cites (违反本法第十四条第五款规定的，…处十万元罚款 with what 第十四条 forbids)
        penalty = "penalty" in query.asks
        if penalty:
            ordered.update(dict.fromkeys(c for clause_id in list(ordered)
                                         for c in self.index.sanctioned_by.get(clause_id, ())))
        if query.about_a_document:
            # when a document was issued or takes effect is said by its dated cover or closing, which share
            # few words with the question: those of the documents the best candidates come from compete too
            for doc_id in dict.fromkeys(self.index.records.clauses[c].doc_id for c in list(ordered)[:r.dated_from]):
                ordered.update(dict.fromkeys(self.index.dated.get(doc_id, ())))
        if query.service_like:
            # the bureau's service catalogue answers where and how a service is had: its items always compete
            ordered.update(dict.fromkeys(self.index.catalogue_items(allowed)))
        # the clauses that answered the past questions nearest to this one compete, whatever words they share with it
        near = self.precedents.near(query, r.precedent_floor)
        ordered.update(dict.fromkeys(c for c in near.answered
                                     if allowed is None or self.index.records.clauses[c].doc_id in allowed))
        candidates = list(ordered)
        if not candidates:
            return [], concepts
        # a candidate neither list ranked (a named document's clause, a dated line, an item) is scored on
        # what BM25 and the dense index give it all the same (the dense part from the exact index only: chroma's
        # HNSW graph cannot score a passage it did not return)
        late = [c for c in candidates if c not in fused]
        if late and lexical.size:
            lex_score.update({c: float(lexical[self.index.clause_rows.get(c, [])].max(initial=0.0)) for c in late})
        if late and vector is not None and isinstance(self.index.dense, FlatIndex):
            dense_score.update({c: float(self.index.dense.similarities(vector, rows).max())
                                for c in late if (rows := self.index.clause_rows.get(c))})
        top_lex = max(lex_score.values(), default=1.0) or 1.0
        max_fused = max(fused.values(), default=1.0)
        total = sum(c.weight for c in concepts) or 1.0
        # the words of the parts that ask, apart from the caller's story before them (a question of one part: all)
        asked = self.said_in(asking_text(query.text), concepts)
        asked_total = sum(c.weight for c, a in zip(concepts, asked) if a)
        facts = query.facts()
        question_vector = self.meaning(words)
        titled = self.titled(query.text) | set(numbered)
        hits = []
        within = {*query.regions, NATIONAL_REGION} if query.regions else None
        for clause_id in candidates:
            clause = self.index.records.clauses[clause_id]
            document = self.index.document_on(clause.doc_id, query.as_of)
            # a service item of a several-place catalogue is of the place its office is in: the region filter
            # that keeps other regions' documents out keeps it out too
            item = self.index.records.items.get(clause_id)
            place = (item.region if item else None) or document.region
            if within is not None and item is not None and item.region and item.region not in within:
                continue
            # and a clause that binds one city is not another city's answer: a caller who names 厦门 (and not 泉州)
            # is not answered from 泉州's centre, nor from a 泉州 document
            locality = (item.locality if item else None) or document.locality
            if locality and query.cities and not query.names_locality(locality):
                continue
            text = self.index.text(clause_id, penalty)
            credits = [self.credit(text, c) for c in concepts]
            soft = [max(credit, self.credit(text, c, soft=True)) if credit < 1.0 else credit
                    for c, credit in zip(concepts, credits)]
            soft_coverage = sum(c.weight * credit for c, credit in zip(concepts, soft)) / total
            covered = [c for c, credit in zip(concepts, credits) if credit >= 1.0]
            is_item = document.kind == "catalogue"
            focus, fact_focus = self.focus(clause, concepts, facts, penalty)
            stated = [fact.in_clause(clause) for fact in facts]  # each kind of fact asked
            features = {
                "bm25": lex_score.get(clause_id, 0.0) / top_lex,
                "dense": max(0.0, dense_score.get(clause_id, 0.0)),
                "word_vectors": self.word_vector_similarity(question_vector, clause_id, penalty),
                "rrf": fused.get(clause_id, 0.0) / max_fused,
                "coverage": sum(c.weight * credit for c, credit in zip(concepts, credits)) / total,
                "soft_coverage": soft_coverage,
                "ask_coverage": (sum(c.weight * credit for c, credit, a in zip(concepts, soft, asked) if a) / asked_total
                                 if asked_total else soft_coverage),
                "focus": focus,
                "fact_focus": fact_focus,
                "heading": 0.0 if is_item else self.heading_similarity(query.text, clause.heading),
                "item_name": self.heading_similarity(query.text, self.index.name_of(clause)) if is_item else 0.0,
                "heading_words": sum(c.weight for c in concepts if any(alt in self.index.frames[clause_id]
                                                                     for alt in c.alternatives)) / total,
                "names_document": float(clause.doc_id in titled),
                "precedent": self.lent(near, clause, document, query, titled),
                "asked_about": float(self.precedents.asked_about(document.id)),
                # named in the question only: a widget's data-region or a bureau's home region says where the caller
                # is, not that a national law answers less well (national-law questions asked with data-region 上海
                # lost 7 of 48 right answers when it counted)
                "region": float(place not in (None, "", NATIONAL_REGION) and place in query.named_regions),
                "states_fact": float(any(stated)),
                # (a label promising what the clause then does not state, 申报时间：另行通知, or one kind of two asked,
                # 有效期 for 哪天起施行，试行期几年, draws the question to a clause the fact rule refuses)
                "heading_kind": float(all(stated) and self.labelled_as_asked(clause, query)),
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
                policy *= r.not_in_force_damping
            policy *= r.elsewhere_damping ** self.binds_elsewhere(document, query, place, locality)
            if query.other_rights(clause, document, matter=True):  # about another kind of right than the one asked
                policy *= r.other_right_damping
            unmatched = [c.specificity for c, credit in zip(concepts, soft) if credit <= 0.0 and c.weight > 0]
            hits.append(Hit(clause=clause, document=document,
                            score=0.0,
                            coverage=features["coverage"], focus=features["focus"], lexical=features["bm25"],
                            dense=features["dense"], covered=[c.surface for c in covered],
                            missing=[c.surface for c in concepts if c not in covered], features=features,
                            missing_specific=max(unmatched, default=0.0) / ZIPF_SCALE, policy=policy,
                            refused_precedent=near.refused.get(document.id, 0.0),
                            asked_about=features["asked_about"],
                            offices_unnamed=self.offices_unnamed(offices_asked, covered, document, named_in,
                                                                 self.index.clause_texts[clause.id], office_places,
                                                                 locality, clause.id)))
        return hits, concepts
