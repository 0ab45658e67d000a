"""What the MCP server and the LangChain retriever share: ranked clauses, one clause, the documents.

A clause comes out as a `ClauseRecord`: its id, the document's title, 文号, issuer and region, the clause's
label, heading, heading chain and whole text, the document's validity today and a link to the clause on the
document page (absolute when `HOTLINE_PUBLIC_URL` is set).
"""
from __future__ import annotations

from pydantic import BaseModel, Field

from bot.models import Clause, Document, Kind, Status
from bot.service import MAX_QUESTION_CHARS, Assistant, InvalidQuestion

MAX_K = 20


class ClauseRecord(BaseModel):
    clause_id: str = Field(description="条款 ID（文档 ID:条款路径），可用于 get_clause")
    doc_id: str
    doc_title: str
    doc_number: str | None = Field(description="文号")
    issuer: str | None
    region: str | None
    clause: str = Field(description="条款编号，如 二、10. 或 第十二条")
    heading: str
    path: list[str] = Field(description="标题链")
    text: str = Field(description="条款全文")
    kind: Kind
    status: Status = Field(description="文件今天是否有效")
    url: str
    score: float | None = Field(None, description="检索得分（search_clauses）")


class DocumentRecord(Document):
    clauses: int = Field(description="条款数")
    url: str


class ClauseIndex:
    """The live index of an Assistant, read for other programs (it follows re-ingests as the Assistant does)."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant

    def link(self, path: str) -> str:
        base = self.assistant.settings.public_url.rstrip("/")
        return f"{base}{path}" if base else path

    def _record(self, clause: Clause, document: Document, score: float | None = None) -> ClauseRecord:
        return ClauseRecord(
            clause_id=clause.id, doc_id=document.id, doc_title=document.title, doc_number=document.doc_number,
            issuer=document.issuer, region=document.region, clause=clause.label, heading=clause.heading,
            path=clause.path, text=clause.text, kind=document.kind, status=document.status,
            url=self.link(f"/documents/{document.id}#{clause.anchor}"),
            score=None if score is None else round(score, 4))

    def search(self, query: str, region: str | None = None, k: int = 5) -> list[ClauseRecord]:
        """The k best clauses for a question, as the assistant ranks them before answering."""
        query = (query or "").strip()
        if not query:
            raise InvalidQuestion("检索内容不能为空。")
        if len(query) > MAX_QUESTION_CHARS:
            raise InvalidQuestion(f"检索内容太长（{len(query)} 字），请精简到 {MAX_QUESTION_CHARS} 字以内。")
        if not 1 <= k <= MAX_K:
            raise InvalidQuestion(f"k 应在 1 到 {MAX_K} 之间。")
        retriever = self.assistant.retriever()
        parsed = retriever.parse(query, region, self.assistant.settings.current_date())
        return [self._record(hit.clause, hit.document, hit.score) for hit in retriever.search(parsed, k=k)[:k]]

    def clause(self, clause_id: str) -> ClauseRecord | None:
        retriever = self.assistant.retriever()
        clause = retriever.records.clauses.get(clause_id)
        if clause is None:
            return None
        return self._record(clause, retriever.document_on(clause.doc_id, self.assistant.settings.current_date()))

    def documents(self) -> list[DocumentRecord]:
        retriever = self.assistant.retriever()
        today = self.assistant.settings.current_date()
        return [DocumentRecord(**retriever.document_on(d.id, today).model_dump(),
                               clauses=len(retriever.records.clauses_of(d.id)), url=self.link(f"/documents/{d.id}"))
                for d in retriever.records.documents.values()]

    def document(self, doc_id: str) -> tuple[DocumentRecord, list[ClauseRecord]] | None:
        retriever = self.assistant.retriever()
        if doc_id not in retriever.records.documents:
            return None
        document = retriever.document_on(doc_id, self.assistant.settings.current_date())
        clauses = retriever.records.clauses_of(doc_id)
        return (DocumentRecord(**document.model_dump(), clauses=len(clauses), url=self.link(f"/documents/{doc_id}")),
                [self._record(c, document) for c in clauses])
