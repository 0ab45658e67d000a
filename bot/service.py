"""The assistant: one question in, one grounded Answer out. Shared by the CLI and every channel."""
from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

from bot.answer.decide import decide
from bot.answer.extractive import compose_grounded, compose_refusal
from bot.config import Settings
from bot.models import Answer
from bot.retrieve.search import Retriever

log = logging.getLogger("hotline")

MAX_QUESTION_CHARS = 500


class InvalidQuestion(ValueError):
    """The question cannot be answered as given (empty, too long); the message is for the end user."""


class Assistant:
    """Loads the index once and reloads it when `hotline ingest` has rebuilt it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._retriever: Retriever | None = None
        self._version: float | None = None

    @property
    def manifest(self) -> Path:
        return self.settings.index_dir / "manifest.json"

    def retriever(self) -> Retriever:
        version = self.manifest.stat().st_mtime if self.manifest.exists() else None
        if self._retriever is None or version != self._version:
            with self._lock:
                if self._retriever is None or version != self._version:
                    self._retriever = Retriever(self.settings.index_dir, self.settings.retrieval)
                    self._version = version
        return self._retriever

    def ask(self, question: str, region: str | None = None, session_id: str | None = None) -> Answer:
        question = (question or "").strip()
        if not question:
            raise InvalidQuestion("问题不能为空，请输入您想咨询的问题。")
        if len(question) > MAX_QUESTION_CHARS:
            raise InvalidQuestion(f"问题太长（{len(question)} 字），请精简到 {MAX_QUESTION_CHARS} 字以内。")
        retriever = self.retriever()
        query = retriever.parse(question, region)
        hits = retriever.search(query, k=5)
        allowed = retriever.allowed_docs(query.regions)
        decision = decide(query, hits, region_has_documents=allowed is None or bool(allowed))
        if decision.grounded:
            text, citations = compose_grounded(query, hits, retriever.concepts(query), retriever.tokenizer)
        else:
            text, citations = compose_refusal(query, hits, decision.reason)
        log.debug("ask grounded=%s reason=%s corrections=%s", decision.grounded, decision.reason,
                  query.corrections)
        return Answer(answer=text, grounded=decision.grounded, citations=citations,
                      session_id=session_id or uuid.uuid4().hex)
