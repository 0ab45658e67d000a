"""LangChain: the assistant's clause search as a retriever, and its grounded answer as a runnable.

    from bot.integrations.langchain import HotlineAnswerChain, HotlineRetriever

    retriever = HotlineRetriever.from_settings(k=3)          # the index of HOTLINE_DATA_DIR
    docs = retriever.invoke("代理机构收了钱不办事怎么办")        # clause Documents, metadata: clause_id, doc_title …
    chain = HotlineAnswerChain.from_settings() | (lambda a: a["answer"])
    chain.invoke({"question": "那江苏呢？", "chat_history": ["上海怎么提升知识产权代理服务质量"]})

Only `langchain-core` is needed (`BaseRetriever`, `Runnable`, `Document`): the `langchain` package adds chains
and agents built on these, which the assistant does not use.
"""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.messages import BaseMessage
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from pydantic import ConfigDict, Field

from bot.config import Settings, get_settings
from bot.integrations.clauses import ClauseIndex, ClauseRecord
from bot.service import Assistant

METADATA = ("clause_id", "doc_id", "doc_title", "doc_number", "issuer", "region", "clause", "heading", "status",
            "kind", "url", "score")


def as_document(record: ClauseRecord) -> Document:
    """A clause as a LangChain Document: its whole text, and where it comes from in metadata."""
    return Document(page_content=record.text, id=record.clause_id,
                    metadata={name: getattr(record, name) for name in METADATA})


class HotlineRetriever(BaseRetriever):
    """The k clauses the assistant ranks best for a question (region first, if given), as Documents."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Assistant
    k: int = Field(5, ge=1, le=20)
    region: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **fields: Any) -> "HotlineRetriever":
        return cls(assistant=Assistant(settings or get_settings()), **fields)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [as_document(r) for r in ClauseIndex(self.assistant).search(query, self.region, self.k)]


class HotlineAnswerChain(RunnableSerializable[str | dict, dict]):
    """The assistant's grounded answer as a Runnable.

    Input: a question, or `{"question", "region"?, "chat_history"?}` where the history is the earlier user
    questions (strings or messages; other messages are skipped) for follow-ups. Output: `answer` (ending with
    its numbered references), `grounded`, `citations` (as in /v1/ask), `documents` (the cited clauses as
    Documents, in citation order), `confidence`, `answer_id`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    assistant: Assistant
    region: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **fields: Any) -> "HotlineAnswerChain":
        return cls(assistant=Assistant(settings or get_settings()), **fields)

    def invoke(self, input: str | dict, config: RunnableConfig | None = None, **kwargs: Any) -> dict:
        return self._call_with_config(self._answer, input, config, run_type="chain")

    def _answer(self, input: str | dict) -> dict:
        request = {"question": input} if isinstance(input, str) else dict(input)
        if not isinstance(request.get("question"), str):
            raise ValueError("HotlineAnswerChain 的输入应为问题字符串，或含 question 的字典")
        region = request.get("region", self.region)
        earlier = [m.content if isinstance(m, BaseMessage) else m for m in request.get("chat_history") or []
                   if not isinstance(m, BaseMessage) or m.type == "human"]
        history = self.assistant.replay([e for e in earlier if isinstance(e, str)], region) if earlier else None
        answer = self.assistant.ask(request["question"], region, channel="langchain", history=history)
        index = ClauseIndex(self.assistant)
        documents = [as_document(r) for r in (index.clause(c.clause_id) for c in answer.citations) if r is not None]
        return {"answer": answer.answer, "grounded": answer.grounded,
                "citations": [c.model_dump(mode="json") for c in answer.citations], "documents": documents,
                "confidence": answer.confidence, "answer_id": answer.answer_id}
