"""The assistant: one question in, one grounded Answer out. Shared by the CLI and every channel.

It keeps the conversation (SQLite), rewrites follow-ups from the previous turn, records what it could not
answer (masked), and gives hotline operators short suggestions from a whole call transcript.
"""
from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TypeVar

from rapidfuzz import fuzz

from bot.answer import followups
from bot.answer.basis import unsupported_facts
from bot.answer.decide import Decision, decide, unstated_kind
from bot.answer.draft import AnswerDraft, DraftSentence
from bot.answer.extractive import (citation, compose_grounded, compose_refusal, compose_service, make_citation,
                                   pieces, validity_notes)
from bot.answer.claims import ClaimWords, claim_words, coverage_for
from bot.answer.generative import SentenceChecker, Verification, build_messages, verify
from bot.answer.hotline import Speech, read_call
from bot.answer.render import render_spoken, render_web
from bot.config import Settings
from bot.llm import LLMError
from bot.llm import from_settings as llm_from_settings
from bot.models import Answer, Citation, FaqMatch, FaqPair, Suggestion, SuggestResponse
from bot.retrieve.followup import FollowUpWords, rewrite
from bot.retrieve.query import Query, fuzzy_pinyin
from bot.retrieve.rank import Ranking, asks_fact
from bot.retrieve.search import Hit, IndexNotFound, Misconfigured, Retriever
from bot.store.versions import IndexVersions
from bot.store.conversations import FaqCandidateExists, Turn, open_store
from bot.store.shared import shared_state
from bot.privacy import mask, topic_only
from bot.text import normalise_text
from bot.yamlfile import KnowledgeFileError

log = logging.getLogger("hotline")

MAX_QUESTION_CHARS = 500
LOW_CONFIDENCE = 0.7  # grounded answers below this are recorded as gaps too
FAQ_MIN_SCORE = 72  # offered to an operator beside the suggestions
FAQ_ANSWER_SCORE = 86  # answered with the curated answer instead of a composed one
def _faq_key(text: str) -> str:
    """A question without punctuation, openers and final particles, for comparing wordings."""
    text = re.sub(r"[^\w]", "", normalise_text(text))
    text = re.sub(r"^(请问一下|请问|我想问一下|我想问|想问一下|问一下)", "", text)
    return re.sub(r"(吗|呢|啊|呀|吧)+$", "", text)
LLM_SOURCES = 3
RELOAD_AFTER = 30  # seconds before a version that failed to load is tried again
T = TypeVar("T")
REPLAYED_TURNS = 3  # of a conversation the client keeps itself: as many turns as a session's history holds


@dataclass
class _Prepared:
    retriever: Retriever
    query: Query
    hits: list[Hit]
    decision: Decision
    question: str
    rewritten: str | None
    session_id: str | None


def _answer(draft: AnswerDraft, **fields) -> Answer:
    """The Answer of a draft: its web text, citations and where its lead came from, the draft kept for the
    other channels."""
    answer = Answer(answer=render_web(draft), citations=draft.citations, lead_from=draft.lead_from(), **fields)
    answer._draft = draft
    return answer


def too_long_message(length: int) -> str:
    return f"问题太长（{length} 字），请精简到 {MAX_QUESTION_CHARS} 字以内。"


class InvalidQuestion(ValueError):
    """The question cannot be answered as given (empty, too long); the message is for the end user."""


class UnknownSession(LookupError):
    """A session id that does not exist or has expired."""


class ForeignSession(UnknownSession):
    """A session id sent by a client other than the one that started the session: not found for this client
    (a 404, so the widget and the mini-program start a new session by themselves, and a guess learns nothing)."""


class InvalidRegion(InvalidQuestion):
    """A region the knowledge base does not know (a phone number, a typo)."""


def release_memory() -> None:
    """Give what a build and the replaced index freed back to the system: glibc keeps freed memory in each
    thread's arena otherwise (20 in-server rebuilds grew a worker by 180 MB)."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        pass


RETIRE_SECONDS = 60  # a replaced index's vector-store client is closed this long after the swap


class UnknownAnswer(LookupError):
    """An answer id that was never given."""


class FaqRefused(Exception):
    """A change to an FAQ pair that staff cannot make as asked (not found, not supported, already decided)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code = status, code


class MisconfiguredFile(Misconfigured):
    """A word list of the knowledge folder (transcripts.yaml …) is malformed: what needs it answers 503 naming
    `file`, the rest goes on."""

    def __init__(self, error: KnowledgeFileError):
        super().__init__(f"配置错误：{error}")
        self.file = error.file


class Assistant:
    """Loads the index once and reloads it when `hotline ingest` has rebuilt it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._retriever: Retriever | None = None
        self._loading = False
        self.load_problem: dict | None = None  # the live version this worker could not load, and why
        self.versions = IndexVersions(settings.index_dir)
        self.shared = shared_state(settings.redis_url.get_secret_value())  # Redis, or this process's memory
        # the WeChat claims go to Redis when there is one, else to the database
        self.store = open_store(settings, claims=self.shared if settings.redis_url.get_secret_value() else None)
        self.llm = llm_from_settings(settings)
        self._speech: Speech | None = None
        self._followups: FollowUpWords | None = None
        if self.llm is not None:
            log.info("LLM：%s（每个问题最多 %.0f 秒，超时或出错时使用摘录式回答）", self.llm.name, settings.llm_timeout)

    def index_version(self) -> str | None:
        return self.versions.current_name()

    def retriever(self) -> Retriever:
        """The live index. When a build publishes a new version, it is loaded in the background while the
        old one goes on answering, then swapped in: no request waits for it or sees half of it."""
        current = self.versions.current()
        if current is None:
            raise IndexNotFound(f"在 {self.settings.index_dir} 中没有找到索引；请先运行 hotline ingest")
        if self._retriever is None:
            with self._lock:
                if self._retriever is None:
                    self._retriever = self._new_retriever(current)
        elif current.name != self._retriever.version and not self._loading and not self._failed(current.name):
            with self._lock:
                if not self._loading:
                    self._loading = True
                    threading.Thread(target=self._load, args=(current,), daemon=True, name="index-load").start()
        return self._retriever

    def _new_retriever(self, version: Path) -> Retriever:
        s = self.settings
        if s.asked_file and not Path(s.asked_file).is_file():
            raise Misconfigured(f"配置错误：HOTLINE_ASKED_FILE={s.asked_file} 不存在；请写历史问题文件（JSON Lines）的路径，"
                                f"或不设置（使用知识库目录下的 asked.jsonl）")
        return Retriever(version, s.retrieval, s.dense_search, s.home_region,
                         Ranking.load(s.ranking_file) if s.ranking_file else None,
                         s.asked_file or Path(s.knowledge_dir) / "asked.jsonl")

    def load_live(self) -> str | None:
        """Load the live version now, not in the background: after a build in this worker (an upload), the next
        answer comes from the new index. Returns its name."""
        current = self.versions.current()
        if current is None:
            return None
        if self._retriever is None or self._retriever.version != current.name:
            self._swap(self._new_retriever(current))
            release_memory()
        return current.name

    def _swap(self, retriever: Retriever) -> None:
        with self._lock:  # never back to an older version a slower load has finished meanwhile
            if self._retriever is not None and retriever.version != self.versions.current_name():
                return
            previous, self._retriever = self._retriever, retriever
        close = getattr(previous.dense, "close", None) if previous is not None else None
        if close is not None:  # a chroma client (dense_search=hnsw): freed once its last questions are answered
            timer = threading.Timer(RETIRE_SECONDS, close)
            timer.daemon = True
            timer.start()

    def _load(self, version: Path) -> None:
        try:
            retriever = self._new_retriever(version)
            # cleared before the swap: /healthz must never show the new version still "degraded" by an older one's
            # problem (it did, for a moment, between the two)
            self.load_problem = None
            self._swap(retriever)
            log.info("index version %s loaded", version.name)
        except Exception as exc:  # a version deleted meanwhile, or unreadable: keep serving the old one
            log.exception("could not load index version %s", version.name)
            self.load_problem = {"version": version.name, "error": f"{type(exc).__name__}: {exc}",
                                 "since": time.time()}
        finally:
            self._loading = False

    def _failed(self, name: str) -> bool:
        """This version failed to load a moment ago (not tried again at every question)."""
        problem = self.load_problem
        return problem is not None and problem["version"] == name and time.time() - problem["since"] < RELOAD_AFTER

    def serving_version(self) -> str | None:
        """The version answering in this worker (the live one until a first question loads it)."""
        retriever = self._retriever
        return retriever.version if retriever is not None else self.versions.current_name()

    def _prepare(self, question: str, region: str | None, session_id: str | None,
                 as_of: date | None = None, client: str | None = None,
                 history: list[Turn] | None = None) -> "_Prepared":
        """Checks the input and the session (it must be `client`'s, the caller's client key), masks the
        personal data of the question before anything else sees it, and retrieves. `history` (from `replay`)
        stands for a session's earlier turns when the client keeps the conversation itself."""
        question = (question or "").strip()
        if not question:
            raise InvalidQuestion("问题不能为空，请输入您想咨询的问题。")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidQuestion(too_long_message(len(question)))
        if session_id is not None and not self.store.session_exists(session_id):
            raise UnknownSession("会话不存在或已过期，请不带 session_id 重新提问，开始新的会话。")
        if session_id is not None and not self.store.session_client_matches(session_id, client):
            raise ForeignSession("这个会话不是在本设备上开始的，无法继续；请不带 session_id 重新提问，开始新的会话。")
        # from here on (search, LLM, store, logs, later turns' rewritten_question) only the topic, masked
        question = topic_only(mask(question))
        if not question:
            raise InvalidQuestion("请输入您想咨询的问题；不必提供电话、证件号等个人信息。")
        retriever = self.retriever()
        region = self._region(region, retriever)
        rewritten = None
        if session_id is not None:
            rewritten = rewrite(question, self.store.history(session_id), retriever.understanding, self.followups())
        else:
            rewritten = rewrite(question, history, retriever.understanding, self.followups()) if history else None
            session_id = self.store.new_session(region, client)
        return self._retrieve(question, rewritten, region, session_id, retriever, as_of)

    @staticmethod
    def _region(region: str | None, retriever: Retriever) -> str | None:
        """The caller's region when it names one the knowledge base knows; anything else is refused rather
        than searched for (and echoed into the answer)."""
        region = (region or "").strip()
        if not region:
            return None
        if retriever.understanding.regions_in(normalise_text(region)) or region in retriever.index.docs_by_region:
            return region
        raise InvalidRegion("无法识别的地区：请填写省市名称，如“上海”“江苏”，或不填。")

    def _retrieve(self, question: str, rewritten: str | None, region: str | None, session_id: str | None,
                  retriever: Retriever, as_of: date | None = None) -> "_Prepared":
        effective = rewritten or question
        query = retriever.parse(effective, region, as_of or self.settings.current_date())
        if retriever.is_sensitive(query, question):
            return _Prepared(retriever, query, [], Decision(False, "sensitive"), question, rewritten, session_id)
        hits = retriever.search(query, k=5)
        decision = decide(query, hits, retriever.ranking, retriever.unknown_specific(query),
                          region_has_documents=retriever.region_has_documents(query), offtask=retriever.offtask,
                          years_of=retriever.index.years_of)
        log.debug("ask grounded=%s reason=%s corrections=%s", decision.grounded, decision.reason,
                  query.corrections)
        return _Prepared(retriever, query, hits, decision, question, rewritten, session_id)

    def answerable(self, question: str) -> bool:
        """Whether the live index (or an approved FAQ pair) answers the question now; nothing is recorded.
        A transcript is judged by its first MAX_QUESTION_CHARS characters, as a question would be."""
        retriever = self.retriever()
        p = self._retrieve(question.strip()[:MAX_QUESTION_CHARS], None, None, None, retriever)
        if p.decision.grounded:
            return True
        if p.decision.reason in ("off-task", "no-region-documents", "sensitive"):
            return False
        return self.faq_match(p.query.text, p.query.regions) is not None

    def _extractive(self, p: "_Prepared") -> Answer:
        grounded = p.decision.grounded
        item = self._service_item(p)
        if item is not None:
            records = p.retriever.records
            basis = [make_citation(0, records.clauses[b], p.retriever.document_on(records.clauses[b].doc_id, p.query.as_of),
                                   p.hits[0].score) for b in item.basis_list if b in records.clauses]
            # the fact asked is a hard constraint for an item too: 在哪里 is not answered by its phone number
            kind = unstated_kind(p.decision.reason)
            draft = compose_service(p.query, p.hits[0], item, basis, p.query.label(kind) if kind else "")
            grounded = not draft.missing_fields
        elif grounded:
            draft = compose_grounded(p.query, p.hits, p.retriever.concepts(p.query), p.retriever.sentences,
                                     self.settings.display, offtask=p.retriever.offtask)
        elif p.decision.reason == "sensitive":
            # a person handles it: no retrieval, no quoting
            draft = AnswerDraft("message", [], statement=p.retriever.sensitive.message)
        else:
            draft = compose_refusal(p.query, p.hits, p.decision.reason, self.settings.display.related_clauses,
                                    p.retriever.concepts(p.query), p.retriever.sentences)
        return _answer(draft, grounded=grounded, answer_id=uuid.uuid4().hex,
                       confidence=round(p.decision.probability, 3), session_id=p.session_id,
                       rewritten_question=p.rewritten, composer="extractive",
                       follow_ups=followups.suggest(p.hits, {c.clause_id for c in draft.citations}, grounded))

    def _first_answer(self, p: "_Prepared") -> Answer:
        """A curated FAQ answer when the question reads like one; else the extractive answer."""
        answer = None
        if p.decision.reason not in ("off-task", "no-region-documents", "sensitive"):
            match = self.faq_match(p.query.text, p.query.regions)
            if match is not None:
                answer = self._faq_answer(p, *match)
        answer = answer or self._extractive(p)
        answer._index_version = p.retriever.version
        return answer

    @staticmethod
    def _service_item(p: "_Prepared"):
        """The service item the question is about, when the best match is one (its checklist is the answer)."""
        if not p.hits or p.hits[0].document.kind != "catalogue":
            return None
        if not (p.decision.grounded or p.decision.reason.startswith("fact-missing")):
            return None
        return p.retriever.records.items.get(p.hits[0].clause.id)

    def _sources(self, p: "_Prepared") -> list[Citation]:
        """What the LLM may cite: the best clause and the close ones after it."""
        share = p.retriever.ranking.retrieval.close_share
        close = [h for h in p.hits[:LLM_SOURCES] if h.score >= share * p.hits[0].score]
        return [citation(n, hit) for n, hit in enumerate(close, start=1)]

    def _messages(self, p: "_Prepared", sources: list[Citation]) -> list[tuple[str, str]]:
        return build_messages(p.query.text, sources, self.settings.display.llm_closing_chars)

    def _with_llm(self, p: "_Prepared", verified: Verification) -> Answer:
        """The verified LLM answer, or the extractive one when nothing of it held."""
        answer = self._extractive(p)
        if verified.composer == "extractive":
            return answer
        draft = AnswerDraft("llm", verified.citations, DraftSentence.from_marked(verified.text),
                            statement=verified.text)
        kept = answer.model_dump(exclude={"answer", "citations", "lead_from", "composer"})
        updated = _answer(draft, **kept, composer=verified.composer)
        updated._index_version = p.retriever.version
        return updated

    def ask(self, question: str, region: str | None = None, session_id: str | None = None,
            channel: str = "api", trace: dict | None = None, as_of: date | None = None,
            client: str | None = None, history: list[Turn] | None = None) -> Answer:
        """One answer, judging validity as of `as_of` (default today), in a session of `client` (the caller's
        client key; None for the CLI and channels that keep their own mapping). `trace`, if given, receives
        the decision's reason, whether the question asks a kind of fact its question kinds state, and the LLM's raw
        verification (for `hotline eval`). `history` (from `replay`) stands for a session's earlier turns when the
        client keeps the conversation itself."""
        p = self._prepare(question, region, session_id, as_of, client, history)
        answer = self._first_answer(p)
        if trace is not None:
            trace["reason"] = p.decision.reason
            trace["asks_fact"] = asks_fact(p.query)
        if self.llm is not None and answer.composer == "extractive" and answer.grounded and self._service_item(p) is None:
            sources = self._sources(p)
            try:
                raw = self.llm.complete(self._messages(p, sources), self.settings.llm_timeout)
                verified = verify(raw, sources, coverage_for(p.retriever), self.claim_words(),
                                  closing_chars=self.settings.display.llm_closing_chars)
                answer = self._with_llm(p, verified)
                if trace is not None:
                    trace["verification"] = verified
            except LLMError as exc:
                log.warning("LLM unavailable (%s): extractive answer", exc)
                if trace is not None:
                    trace["error"] = str(exc)
        self._remember(answer, p.question, p.rewritten, p.session_id, channel, p.decision.reason)
        return answer

    def ask_stream(self, question: str, region: str | None = None, session_id: str | None = None,
                   channel: str = "api", as_of: date | None = None,
                   client: str | None = None) -> Iterator[tuple[str, dict]]:
        """Events for /v1/chat: meta, delta…, [replace], citations, done. Bad input raises before the first."""
        p = self._prepare(question, region, session_id, as_of, client)
        if self.llm is not None:
            self.claim_words()  # a malformed claims.yaml is a 503 before the stream starts, not a stream cut short
        return self._stream(p, self._first_answer(p), channel)

    def replay(self, questions: list[str], region: str | None = None, as_of: date | None = None) -> list[Turn]:
        """The earlier turns of a conversation a client keeps itself (an OpenAI-style message list), as a
        session would hold them: each question rewritten against the turns before it and answered again,
        without recording anything (it was recorded when first asked)."""
        retriever = self.retriever()
        region = self._region(region, retriever)
        turns: list[Turn] = []
        for question in questions[-REPLAYED_TURNS:]:
            question = topic_only(mask(question.strip()[:MAX_QUESTION_CHARS]))  # as _prepare does
            if not question:
                continue
            rewritten = rewrite(question, turns, retriever.understanding, self.followups())
            answer = self._first_answer(self._retrieve(question, rewritten, region, None, retriever, as_of))
            turns.append(Turn(question, rewritten, answer.grounded,
                              [c.model_dump(mode="json") for c in answer.citations]))
        return turns

    def _stream(self, p: "_Prepared", answer: Answer, channel: str) -> Iterator[tuple[str, dict]]:
        yield "meta", {"session_id": answer.session_id, "answer_id": answer.answer_id,
                       "rewritten_question": answer.rewritten_question}
        if self.llm is not None and answer.composer == "extractive" and answer.grounded and self._service_item(p) is None:
            sources = self._sources(p)
            checker = SentenceChecker(sources, coverage_for(p.retriever), words=self.claim_words(),
                                      closing_chars=self.settings.display.llm_closing_chars)
            shown, shown_is_final = False, False
            try:
                # each sentence is checked before it is sent: one the clauses do not support is never shown
                for sentence in checker.checked(self.llm.stream(self._messages(p, sources),
                                                                 self.settings.llm_timeout)):
                    shown = True
                    yield "delta", {"text": sentence}
                verified = checker.result()
                answer = self._with_llm(p, verified)
                shown_is_final = verified.composer != "extractive"
            except LLMError as exc:
                log.warning("LLM stream failed (%s): extractive answer", exc)
            if shown and not shown_is_final:
                yield "replace", {"text": answer.answer}  # checked sentences of a failed stream give way
            elif not shown:
                for piece in pieces(answer.answer):
                    yield "delta", {"text": piece}
        else:
            for piece in pieces(answer.answer):
                yield "delta", {"text": piece}
        self._remember(answer, p.question, p.rewritten, p.session_id, channel, p.decision.reason)
        yield "citations", {"citations": [c.model_dump(mode="json") for c in answer.citations]}
        yield "done", answer.model_dump(mode="json")

    def _remember(self, answer: Answer, question: str, rewritten: str | None, session_id: str | None,
                  channel: str, reason: str = "") -> None:
        self.store.save_answer(answer.answer_id, session_id, channel, question, rewritten, answer.answer,
                               answer.grounded, answer.confidence,
                               [c.model_dump(mode="json") for c in answer.citations])
        if not answer.grounded or answer.confidence < LOW_CONFIDENCE:
            kind = reason if reason in ("sensitive", "off-task") else (
                "unanswered" if not answer.grounded else "low-confidence")
            self.store.record_gap(rewritten or question, kind, answer.confidence, channel)

    # -- hotline -------------------------------------------------------------------------------------

    def _words(self, load: Callable[[Path], T]) -> T:
        """A word list of the knowledge folder; a malformed one is a MisconfiguredFile (a 503), not a bug."""
        try:
            return load(self.settings.knowledge_dir)
        except KnowledgeFileError as exc:
            raise MisconfiguredFile(exc) from exc

    def followups(self) -> FollowUpWords:
        """How follow-up questions are read: the bureau's knowledge/followups.yaml over the shipped one."""
        if self._followups is None:
            self._followups = self._words(FollowUpWords.for_knowledge)
        return self._followups

    def speech(self) -> Speech:
        """How transcripts are read: the bureau's knowledge/transcripts.yaml over the shipped one."""
        if self._speech is None:
            self._speech = self._words(Speech.for_knowledge)
        return self._speech

    def claim_words(self) -> ClaimWords:
        """What an LLM sentence may claim: the bureau's knowledge/claims.yaml over the shipped one."""
        return self._words(claim_words)

    def knowledge_problems(self) -> list[str]:
        """What is wrong with the knowledge folder's word lists, each naming the file, the key and the fix (said at
        start-up: a question that needs a broken list is a 503 until it is fixed)."""
        problems = []
        for load in (self.speech, self.followups, self.claim_words):
            try:
                load()
            except MisconfiguredFile as exc:
                problems.append(str(exc))
        return problems

    def suggest(self, transcript: str, region: str | None = None, limit: int = 6) -> SuggestResponse:
        """Extractive on purpose: an operator needs the suggestion within a second, and short. One card per
        question the caller asked, in the caller's order."""
        if not (transcript or "").strip():
            raise InvalidQuestion("通话内容不能为空。")
        retriever = self.retriever()
        region = self._region(region, retriever)
        reading = read_call(mask(transcript), self.speech(), lambda text: retriever.understanding.correct(text)[0])
        if not reading.questions:
            raise InvalidQuestion("没有从通话内容中识别出问题，请补充来电人的问题。")
        # the caller's own context ("我们是上海的企业") sets the region for every question that names none
        context_regions = retriever.understanding.regions_in(normalise_text("，".join(reading.context)))
        default_region = region or (context_regions[0] if len(context_regions) == 1 else None)
        suggestions = []
        for heard in reading.questions[:limit]:
            answer = self.suggestion_for(heard.text, heard.rephrase, default_region, retriever, heard.topic)
            suggestions.append(Suggestion(question=heard.text,
                                          answer=render_spoken(answer._draft, self.settings.display.spoken_limit),
                                          grounded=answer.grounded, confidence=answer.confidence,
                                          citations=answer.citations[:2], answer_id=answer.answer_id))
        return SuggestResponse(suggestions=suggestions, faq=self.faq_matches(reading.texts), questions=reading.texts)

    def suggestion_for(self, question: str, rephrase: str | None, region: str | None,
                       retriever: Retriever | None = None, topic: str = "") -> Answer:
        """The answer to one question heard on a call. An operator's confirming rephrase (often in the documents'
        own words) is searched too, and so is the question with what the call was about just before it (它几点上班
        after 专利局杭州代办处); the likelier answer is kept."""
        retriever = retriever or self.retriever()
        best = None
        texts = [question]
        if rephrase and self.speech().asks(rephrase):
            texts.append(rephrase)  # 您是问专利代理师资格考试的报考费是吧
        for about in dict.fromkeys(t for t in (rephrase, topic) if t and t not in question and not self.speech().asks(t)):
            texts.append(f"{about}，{question}")  # 它几点上班 after 您是说专利局杭州代办处是吧
        for text in texts:
            prepared = self._retrieve(text[:MAX_QUESTION_CHARS], None, region, None, retriever)
            if best is None or (prepared.decision.grounded, prepared.decision.probability) > \
                    (best.decision.grounded, best.decision.probability):
                best = prepared
        answer = self._extractive(best)
        self._remember(answer, question, best.question if best.question != question else None, None, "hotline",
                       best.decision.reason)
        return answer

    def faq_matches(self, questions: list[str], limit: int = 3) -> list[FaqMatch]:
        """FAQ pairs (curated and staff-approved) whose question reads like one of these."""
        matches: dict[str, FaqMatch] = {}
        for pair in self.faq_pairs():
            score = max((fuzz.WRatio(_faq_key(q), _faq_key(v)) for q in questions for v in pair.questions), default=0)
            if score >= FAQ_MIN_SCORE:
                matches[pair.id] = FaqMatch(id=pair.id, question=pair.questions[0], answer=pair.answer,
                                            basis=pair.basis, score=round(score / 100, 3))
        return sorted(matches.values(), key=lambda m: m.score, reverse=True)[:limit]

    # -- FAQ ---------------------------------------------------------------------------------------------

    def faq_pairs(self) -> list[FaqPair]:
        """The curated pairs of knowledge/faq and the operator corrections staff approved."""
        pairs = list(self.retriever().records.faq)
        for row in self.store.faq("approved"):
            pairs.append(FaqPair(id=f"op-{row['id']}", questions=[row["question"]], answer=row["answer"],
                                 basis=row["basis"] or ["-"], source="operator"))
        return pairs

    def faq_match(self, question: str, regions: list[str]) -> tuple[FaqPair, float] | None:
        """The FAQ pair whose wording (or sound, in pinyin) is closest, if close enough."""
        text = _faq_key(question)
        if len(text) < 4:
            return None
        best, best_score = None, 0.0
        for pair in self.faq_pairs():
            if regions and pair.region and pair.region not in regions:
                continue
            for variant in pair.questions:
                key = _faq_key(variant)
                score = max(fuzz.ratio(text, key), fuzz.ratio(fuzzy_pinyin(text), fuzzy_pinyin(key)))
                if score > best_score:
                    best, best_score = pair, score
        return (best, best_score) if best is not None and best_score >= FAQ_ANSWER_SCORE else None

    def _faq_answer(self, p: "_Prepared", pair: FaqPair, score: float) -> Answer:
        records = p.retriever.records
        basis = [records.clauses[b] for b in pair.basis if b in records.clauses]
        citations = [make_citation(n, c, p.retriever.document_on(c.doc_id, p.query.as_of), score / 100)
                     for n, c in enumerate(basis, 1)]
        faq_citation = Citation(
            n=len(citations) + 1, clause_id=f"faq:{pair.id}", doc_title="常见问答", doc_number=None,
            issuer=None, region=pair.region, clause="", heading=pair.questions[0], text=pair.answer,
            kind="faq", status="有效", score=round(score / 100, 4), url=f"/faq#{pair.id}")
        citations.append(faq_citation)
        notes = validity_notes([(c, p.retriever.document_on(b.doc_id, p.query.as_of)) for c, b in zip(citations, basis)])
        draft = AnswerDraft("faq", citations, [DraftSentence((pair.answer,), tuple(c.n for c in citations[:-1]))],
                            notes=notes)
        return _answer(draft, grounded=True, answer_id=uuid.uuid4().hex, confidence=round(score / 100, 3),
                       session_id=p.session_id, rewritten_question=p.rewritten, composer="faq")

    # -- feedback ------------------------------------------------------------------------------------

    def feedback(self, answer_id: str, rating: str, comment: str | None, corrected: str | None,
                 source: str = "web") -> tuple[int, int | None]:
        """Records a rating; a corrected answer also becomes the answer's one FAQ candidate, marked with its
        source ("operator:<name>"). Raises FaqCandidateExists when the answer already has one."""
        stored = self.store.get_answer(answer_id)
        if stored is None:
            raise UnknownAnswer("没有找到这条回答，无法记录反馈。")
        candidate = None
        if corrected and corrected.strip():
            basis = [c["clause_id"] for c in stored.citations]
            try:
                candidate = self.store.add_faq_candidate(stored.question, corrected.strip(), basis, answer_id, source)
            except FaqCandidateExists as exc:
                raise FaqRefused(409, "faq_candidate_exists", f"这条回答已有一条待审核的修改答案（编号 {exc.faq_id}），"
                                 "请由审核人员在后台修改，不再重复提交。") from None
        return self.store.add_feedback(answer_id, rating, comment, corrected), candidate

    def faq_item(self, faq_id: int) -> dict:
        row = self.store.faq_item(faq_id)
        if row is None:
            raise FaqRefused(404, "faq_not_found", "没有找到这条常见问答。")
        return row

    def edit_faq(self, faq_id: int, question: str | None = None, answer: str | None = None,
                 basis: list[str] | None = None) -> dict:
        """A reviewer's changes to a candidate before it is approved; the basis must name clauses of the index."""
        if self.faq_item(faq_id)["status"] != "candidate":
            raise FaqRefused(409, "faq_already_reviewed", "这条常见问答已审核，不能再修改；如需更正请提交新的修改答案。")
        if basis is not None:
            unknown = [b for b in basis if b not in self.retriever().records.clauses]
            if unknown or not basis:
                raise FaqRefused(422, "faq_unknown_basis", "依据条款不存在：" + ("、".join(unknown) or "至少需要一条依据条款"))
        self.store.edit_faq(faq_id, question, answer, basis)
        return self.faq_item(faq_id)

    def review_faq(self, faq_id: int, status: str) -> dict:
        """Approve or reject a pair. An approved answer passes the check knowledge/faq gets: every number, date,
        文号, URL and phone number it states appears in its basis clauses."""
        row = self.faq_item(faq_id)
        if status == "approved":
            records = self.retriever().records
            if not any(b in records.clauses for b in row["basis"]):
                raise FaqRefused(422, "faq_unsupported", "这条答案没有可核对的依据条款，请先补充依据条款（basis）再批准。")
            missing = unsupported_facts(row["answer"], row["basis"], records)
            if missing:
                raise FaqRefused(422, "faq_unsupported", f"答案中的 {'、'.join(missing)} 不见于依据条款，"
                                 "请修改答案或依据条款后再批准。")
        self.store.review_faq(faq_id, status)
        return {**row, "status": status}
