"""One index version, loaded: its records, lexical index, dense store and embedder, and the per-clause texts
and lookups built from them once. It answers "which clauses do BM25 and the dense index rank highest", and
nothing about the question beyond its words and regions (that is `candidates.Candidates`)."""
from __future__ import annotations

import functools
import json
import math
import re
from datetime import date
from pathlib import Path

import numpy as np

from bot.embed import Embedder, load_from_index
from bot.models import NATIONAL_REGION, UNKNOWN_REGION, Clause, Document
from bot.retrieve.kinds import DocumentYears, QuestionKinds, Words
from bot.retrieve.lexicon import Lexicon
from bot.retrieve.references import citations
from bot.retrieve.semantic import common_direction, sif_vector, synonyms
from bot.safety import OffTaskList, SensitiveList, default_offtask
from bot.store import VectorIndex
from bot.store.chroma import store_for
from bot.store.flat import FlatIndex
from bot.store.lexical import LexicalIndex
from bot.store.records import Records
from bot.text import CJK, CJK_FIRST, CJK_LAST, Tokenizer, place_names, place_units, unit_names
from ingest.metadata import NAME_FIELDS, OFFICE_FIELDS

NO_ROWS = np.zeros(0, dtype=np.int64)  # a region none of whose documents has a passage
DATE_LINE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
GUIDE_IDENTITY_FIELDS = frozenset(OFFICE_FIELDS + NAME_FIELDS)


class IndexNotFound(Exception):
    """No index has been built in the data directory yet."""


class IndexVersion:
    """Everything one index folder holds, loaded once."""

    COMMON_SAMPLE = 2000  # at most this many clauses, evenly over the knowledge base, give the common direction

    def __init__(self, index_dir: Path, dense_search: str = "exact"):
        if not all((index_dir / name).exists() for name in ("manifest.json", "embedder.json", "stats.json")):
            raise IndexNotFound(f"在 {index_dir} 中没有找到索引；请先运行 hotline ingest")
        self.index_dir = index_dir
        self.version = index_dir.name
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
        self._said: dict[str, bool] = {}  # names looked for in them (`says`)
        self._bodies: dict[str, tuple[tuple[str, str], ...]] = {}  # clause → the bodies it names (`bodies_named`)
        self._aliases: dict[str, tuple[tuple[str, str], ...]] = {}  # document → one body's two names (`body_aliases`)
        self.frames: dict[str, str] = {}  # what frames every sentence of a clause: title, path, heading
        # a document's clauses that carry its date (cover, closing) or state its validity
        self.dated: dict[str, list[str]] = {}
        # A service guide names its office and its service in fields of their own (受理机构：…杭州代办处, 事项名称：…):
        # its other fields (办理时间, 联系电话, 办理地点) are about them, as a clause's sentences are about its heading
        identity: dict[str, list[str]] = {}
        for clause in self.records.clauses.values():
            if clause.is_guide_field and clause.heading in GUIDE_IDENTITY_FIELDS:
                identity.setdefault(clause.doc_id, []).append(clause.text)
        # a penalty article (违反本法第十四条第五款规定的，…处十万元罚款) is about the conduct the parts it cites describe:
        # for a question asking what a violation brings, its sentence is read with them, and it competes wherever the
        # article it cites does (`Candidates.collect`)
        sanction = self.lexicon.kinds.states.get("penalty")
        self.cited_sentences: dict[str, dict[int, str]] = {}  # clause → its sanctioning sentences' cited text
        self.cited: dict[str, str] = {}  # clause → all the text it cites, lower-cased as clause_texts
        self.sanctioned_by: dict[str, list[str]] = {}  # article → the clauses sanctioning its violation
        for clause_id, by_sentence in citations(self.records.clauses, sanction.pattern if sanction else None).items():
            self.cited_sentences[clause_id] = {i: "\n".join(part for _, part in cited).lower()
                                               for i, cited in by_sentence.items()}
            parts = dict.fromkeys(part for cited in by_sentence.values() for _, part in cited)
            self.cited[clause_id] = "\n".join(parts).lower()
            for target in dict.fromkeys(t for cited in by_sentence.values() for t, _ in cited):
                self.sanctioned_by.setdefault(target, []).append(clause_id)
        for clause in self.records.clauses.values():
            document = self.records.documents[clause.doc_id]
            # (its 文号 with its title: a question naming the document by either is about any of its clauses)
            frame = f"{document.title} {document.doc_number or ''}\n{' '.join(clause.path)}\n{clause.heading}"
            if clause.is_guide_field and clause.heading not in GUIDE_IDENTITY_FIELDS:
                frame += "".join(f"\n{text}" for text in identity.get(clause.doc_id, ()))
            if clause.anchor in ("cover", "closing") and DATE_LINE.search(clause.text):
                frame += "\n印发 发布 发文 签发"  # the unit that carries the document's date answers "哪天发的"
                self.dated.setdefault(document.id, []).append(clause.id)
            elif any(len(part) >= 6 and part in clause.text for part in (document.status_basis or "").split("，")):
                # the sentence its validity was read from (本通知自印发之日起施行，有效期至…), where it is no closing
                # line (contact lines or attachments follow it): it answers "有效期到什么时候" as the closing would
                self.dated.setdefault(document.id, []).append(clause.id)
            self.frames[clause.id] = frame.lower()
            self.clause_texts[clause.id] = f"{frame}\n{clause.text}".lower()
        self._years: dict[str, DocumentYears | None] = {}  # IndexVersion.years_of's, by document
        self._office_places: dict[tuple[str, str], bool] = {}  # names_office_of's, by document and place
        # which documents' titles hold each word: a question that names a document by a word of its title
        # (蓝天行动的工作目标) is answered from that document even where its clauses do not repeat the word
        self.title_docs: dict[str, list[str]] = {}
        for document in self.records.documents.values():
            for word in set(self.tokenizer.tokens(document.title)):
                self.title_docs.setdefault(word, []).append(document.id)
        self.df: dict[str, int] = json.loads((index_dir / "stats.json").read_text(encoding="utf-8"))["df"]
        # the bureau's FAQ asks in callers' words (包过): a word there is not a typo for a rare clause word
        self.faq_words = frozenset(w for pair in self.records.faq for q in pair.questions
                                   for w in self.tokenizer.tokens(q))
        self.n = max(1, len(self.records.clauses))
        self._written = _character_pairs(self.clause_texts.values())

    def text(self, clause_id: str, cited: bool = False) -> str:
        """What a clause says with its frame (lower-cased); `cited`: and the parts of articles it sanctions the
        violation of, for a question asking what a violation brings."""
        text = self.clause_texts[clause_id]
        return f"{text}\n{self.cited[clause_id]}" if cited and clause_id in self.cited else text

    def meaning_words(self, clause_id: str, cited: bool = False) -> list[str]:
        """The words a clause's meaning is averaged over: its `text`, without its document's 文号 (a number's pieces
        are no meaning: with them every clause of a numbered document moved, losing a core question at 10 000
        documents)."""
        text = self.text(clause_id, cited)
        number = self.records.documents[self.records.clauses[clause_id].doc_id].doc_number
        return self.tokenizer.words(text.replace(number.lower(), " ", 1) if number else text)

    @functools.cached_property
    def common_direction(self) -> np.ndarray | None:
        """The direction this knowledge base's clause averages share (semantic.common_direction), from at most
        COMMON_SAMPLE of them: one direction of 200 dimensions needs no more. Worked out once per index version (its
        warm-up search does), whatever ranking file reads it."""
        resource = synonyms()
        if resource is None:
            return None
        ids = sorted(self.records.clauses)
        sample = ids[::max(1, math.ceil(len(ids) / self.COMMON_SAMPLE))]
        return common_direction([v for clause_id in sample
                                 if (v := sif_vector(self.meaning_words(clause_id), resource)) is not None])

    def places(self) -> dict[str, tuple[str, str]]:
        """The cities and districts the documents and the service items of several-place catalogues bind, by the
        names a caller uses (松江区 and 松江, 泉州, 武进 of 常州市武进区), each with its region ("" when the
        knowledge base cannot tell it: a county of its own, 崇岭县, is still named by 崇岭). A district's city
        (常州) names it only where no document of the city itself is bound."""
        places: dict[str, tuple[str, str]] = {}
        bound = [*((d.locality, d.region) for d in self.records.documents.values()),
                 *((i.locality, i.region) for i in self.records.items.values())]
        bound = [(locality, region or "") for locality, region in bound if locality]
        for locality, region in bound:
            for name in place_names(locality):
                places.setdefault(name, (locality, region))
        for locality, region in bound:
            for city in place_units(locality)[:-1]:
                for name in unit_names(city):
                    places.setdefault(name, (locality, region))
        return places

    def years_of(self, doc_id: str) -> DocumentYears | None:
        """The years a document speaks of; None for a rule that any year may be asked of (QuestionKinds.document_years).
        Read on first use: a question seldom names a year, and an index may hold 10 000 documents."""
        if doc_id not in self._years:
            document = self.records.documents[doc_id]
            self._years[doc_id] = self.lexicon.kinds.document_years(
                document.title, document.issued_on.year if document.issued_on else None,
                lambda: "\n".join([document.doc_number or "",
                                   *(c.text for c in self.records.clauses_of(doc_id))]))
        return self._years[doc_id]

    def document_names(self, doc_id: str, words: list[str]) -> bool:
        """Whether a document says one of `words` anywhere: its title, its issuer, a clause or the headings it is read
        with (a guide's office line, a notice's opening sentence name the office whose phone it gives). Read from the
        clauses' lower-cased texts kept for search, only for a question naming an office."""
        document = self.records.documents[doc_id]
        texts = [document.title.lower(), (document.issuer or "").lower(),
                 *(self.clause_texts[c.id] for c in self.records.clauses_of(doc_id))]
        return any(word.lower() in text for text in texts for word in words)  # as Candidates.offices_unnamed reads

    def says(self, text: str) -> bool:
        """Whether any clause (read with its headings and title) holds `text`, lower-cased: a name the segmenter cut
        in two is looked for so, only for a question asking an office's phone or address."""
        text = text.lower()
        said = self._said.get(text)
        if said is None:
            if len(self._said) > 10_000:  # names callers typed: bounded, whatever they type
                self._said.clear()
            # two Chinese characters never written side by side rule it out without reading every clause
            said = all(self.writes(run[i:i + 2]) for run in re.findall(f"[{CJK}]+", text)
                       for i in range(len(run) - 1)) and any(text in clause for clause in self.clause_texts.values())
            self._said[text] = said
        return said

    def bodies_named(self, clause_id: str) -> tuple[tuple[str, str], ...]:
        """The bodies a clause's own text names (QuestionKinds.names_body: 市场监管局 of 区市场监管局知识产权科 张敏; not
        a unit alone, 局办公室 刘婷, nor a place, 政务服务中心), each as the segmenter cut it (管理局 of 市场监督管理局)
        and as written with what runs before it (`_named_in_full`: 海口市市场监督管理局), read on first use."""
        if clause_id not in self._bodies:
            kinds = self.lexicon.kinds
            text = self.records.clauses[clause_id].text
            words = self.tokenizer.words(text)
            names = dict.fromkeys(w for w in [*words, *kinds.split_offices(words, lambda name: True)]
                                  if kinds.names_body(w))
            self._bodies[clause_id] = tuple(
                (name, full) for name in names
                for full in [self._named_in_full(text, name)] if full is not None)
        return self._bodies[clause_id]

    def _named_in_full(self, text: str, name: str) -> str | None:
        """A body's name with the Chinese characters written right before it, back to a punctuation mark or another
        body's name (区财政局|区市场监督管理局), at most 12 of them: the segmenter cuts a long name short. None when
        every time it is named it follows a street's address (…路65号武侯区市场监督管理局一楼): a building there."""
        kinds = self.lexicon.kinds
        full = None
        for m in re.finditer(re.escape(name), text):
            reach = m.start()
            while reach > 0 and m.start() - reach < 12 and CJK_FIRST <= ord(text[reach - 1]) <= CJK_LAST:
                reach -= 1
            start = _body_start(text, reach, m.start(), kinds.body_endings)
            before = text[:start].rstrip("0123456789０１２３４５６７８９-－")
            if before != text[:start] and before.endswith(kinds.office_streets):
                continue  # 65号|武侯区…: after a house number of a street, a building
            full = full or text[start:m.end()]
        return full

    def body_aliases(self, doc_id: str) -> tuple[tuple[str, str], ...]:
        """The pairs of names a document writes as one body's (市场监督管理局（知识产权局）, 区市场监督管理局（区知识产权局，
        以下简称区局）), in its title, its issuer and its clauses, read on first use; a name runs back no further than
        another body's (区财政局区市场监督管理局（区知识产权局）: 区市场监督管理局)."""
        if doc_id not in self._aliases:
            kinds = self.lexicon.kinds
            endings = "|".join(map(re.escape, sorted(kinds.body_endings, key=len, reverse=True)))
            pairs: tuple[tuple[str, str], ...] = ()
            if endings:
                name = rf"[^\s，。、；：:（）()“”]{{2,16}}?(?:{endings})"
                alias = re.compile(rf"({name})\s*[（(]({name})(?:[，,][^（）()]*)?[)）]")
                document = self.records.documents[doc_id]
                texts = [document.title, document.issuer or "", *(c.text for c in self.records.clauses_of(doc_id))]
                pairs = tuple(dict.fromkeys((name[_body_start(name, 0, len(name) - 1, kinds.body_endings):], m.group(2))
                                            for text in texts for m in alias.finditer(text) for name in [m.group(1)]))
            self._aliases[doc_id] = pairs
        return self._aliases[doc_id]

    def names_office_of(self, doc_id: str, place: str, clause_id: str | None = None) -> bool:
        """Whether a document (or only one of its clauses, read with its headings, title and frame) names an office
        of `place`, read as a question's is (QuestionKinds.office_after): 福建's guide names the 专利局福州代办处 in
        its 主办处室 line; a list of places (芜湖市、南陵县的企业均可申报, 所辖余姚市、慈溪市) names none."""
        key = (clause_id or doc_id, place)
        if key not in self._office_places:
            if clause_id is not None:
                texts = [self.clause_texts[clause_id]]
            else:
                document = self.records.documents[doc_id]
                texts = [document.title, document.issuer or "", *(c.text for c in self.records.clauses_of(doc_id))]
            self._office_places[key] = any(_names_office_of(self.lexicon.kinds, text, place)
                                           for text in texts if place in text)
        return self._office_places[key]

    def writes(self, pair: str) -> bool:
        """Whether the documents write these two characters side by side somewhere, however their words were cut
        (在先 of 在先权利, which jieba cuts 在|先|权利): such a pair is the documents' own writing, never a caller's typo."""
        if len(pair) != 2:
            return False
        key = (ord(pair[0]) << 21) | ord(pair[1])
        at = int(np.searchsorted(self._written, key))
        return at < len(self._written) and int(self._written[at]) == key

    def df_of(self, text: str) -> int:
        """Clauses containing a word; for a phrase that is not one word (a synonym like 内部快速授权渠道),
        at most as many as contain its rarest word."""
        df = self.df.get(text)
        if df is not None:
            return df
        parts = [t for t in self.tokenizer.tokens(text) if t != text]
        return min((self.df.get(t, 0) for t in parts), default=0)

    def name_of(self, clause: Clause) -> str:
        """What a clause is called: a service item by its name (专利导航), a clause by its heading."""
        return clause.label if clause.id in self.records.items else clause.heading

    def document_on(self, doc_id: str, day: date | None) -> Document:
        """The document with its validity as of `day` (statuses in the records are as of ingest)."""
        document = self.records.documents[doc_id]
        status = document.status_on(day) if day else document.status
        return document if status == document.status else document.model_copy(update={"status": status})

    def allowed_regions(self, regions: list[str]) -> list[str]:
        """The regions of the knowledge base a question naming `regions` may be answered from (with 全国, and the
        documents whose region could not be read: a catalogue gathered from several places may hold the one asked)."""
        return sorted(r for r in self.docs_by_region if r in regions or r in (NATIONAL_REGION, UNKNOWN_REGION))

    def catalogue_items(self, allowed: set[str] | None) -> list[str]:
        """The service items of the catalogues among `allowed` documents (all when None)."""
        return [c.id for d in self.catalogues if allowed is None or d in allowed for c in self.records.clauses_of(d)
                if c.id in self.records.items]

    def allowed_docs(self, regions: list[str]) -> set[str] | None:
        if not regions:
            return None
        return {d for region in self.allowed_regions(regions) for d in self.docs_by_region[region]}

    def ranked(self, vector: np.ndarray | None, lexical: np.ndarray, regions: list[str],
               limit: int) -> tuple[dict[str, tuple[int, float]], ...]:
        """The clauses BM25 and the dense index rank highest within `regions` (with 全国; all when empty):
        clause id → (rank, score), for BM25 (from its best 3 × `limit` passages) and for the dense index
        (2 × `limit`)."""
        within = self.allowed_regions(regions) if regions else None
        lex_rank: dict[str, tuple[int, float]] = {}
        if lexical.size:
            # within regions: their passages' rows; everywhere: all of them, without copying the scores
            rows = np.concatenate([self.rows_by_region.get(r, NO_ROWS) for r in within]) if within else None
            scores = lexical if rows is None else lexical[rows]
            top = min(scores.size, limit * 3)
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
            for pid, similarity in self.dense.query(vector, limit * 2, within):
                clause_id = pid.rsplit("@", 1)[0]
                if clause_id not in dense_rank:
                    dense_rank[clause_id] = (len(dense_rank), similarity)
        return lex_rank, dense_rank


def _names_office_of(kinds: QuestionKinds, text: str, place: str) -> bool:
    """Whether an office's name runs on from one of the places where `text` names `place` (the text cut once)."""
    words = Words(text)
    return any(kinds.office_after(text, m.end(), words=words) for m in re.finditer(re.escape(place), text))


def _body_start(text: str, start: int, end: int, endings: tuple[str, ...]) -> int:
    """Where a body's name begins that runs back from `end` no further than `start`: just after the last body's name
    ending in between (区财政局|区市场监督管理局), else at `start`. Both name walks read a name so: a document's A（B）
    (`body_aliases`) and a clause's name with what is written before it (`_named_in_full`)."""
    return max((i for i in range(start, end + 1) if text.endswith(endings, 0, i)), default=start)


def _character_pairs(texts, batch: int = 1 << 20) -> np.ndarray:
    """Every two Chinese characters (the range a question's runs are read in) written side by side in one of `texts`,
    as sorted unique keys (first << 21 | second: every code point is below 2**21): a few megabytes at 10 000 documents,
    looked up by bisection. Read a million characters at a time, each batch's pairs kept unique: 30 million characters
    of the corpus took 26 MB at the most, as many drawn at random from its characters 150 MB."""
    found, chunk, size = [np.zeros(0, np.int64)], [], 0

    def read() -> None:
        codes = np.frombuffer("\n".join(chunk).encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        chinese = (codes >= CJK_FIRST) & (codes <= CJK_LAST)
        both = chinese[:-1] & chinese[1:]
        found.append(np.unique((codes[:-1][both] << 21) | codes[1:][both]))
        chunk.clear()

    for text in texts:
        chunk.append(text)
        size += len(text)
        if size >= batch:
            read()
            size = 0
    if chunk:
        read()
    return np.unique(np.concatenate(found))
