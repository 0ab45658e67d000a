"""The data model shared by every layer: Document, Clause, Citation, Answer (see DESIGN.md)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["有效", "已失效", "未生效", "未知"]
Kind = Literal["policy", "catalogue", "faq"]


class Document(BaseModel):
    """One source document with the metadata read from its text."""

    id: str
    title: str
    doc_number: str | None = None
    issuer: str | None = None
    region: str | None = None
    issued_on: date | None = None
    effective_from: date | None = None
    expires_on: date | None = None
    status: Status = "未知"
    status_basis: str = ""
    kind: Kind = "policy"
    source: str = ""
    sha256: str = ""

    def status_on(self, today: date) -> Status:
        """Validity on a given day, from the dates the text states."""
        if self.effective_from and today < self.effective_from:
            return "未生效"
        if self.expires_on and today > self.expires_on:
            return "已失效"
        if self.issued_on and today < self.issued_on:
            return "未生效"
        return "有效" if (self.issued_on or self.effective_from) else "未知"


class Clause(BaseModel):
    """The unit of retrieval and citation: one numbered item (or cover letter, table, closing lines)."""

    id: str
    doc_id: str
    path: list[str] = Field(default_factory=list)
    label: str
    heading: str = ""
    text: str
    start: int = 0
    end: int = 0
    order: int = 0

    @property
    def anchor(self) -> str:
        return self.id.split(":", 1)[1]


class Citation(BaseModel):
    n: int
    clause_id: str
    doc_title: str
    doc_number: str | None
    issuer: str | None
    region: str | None
    clause: str
    heading: str
    text: str
    kind: Kind
    status: Status
    score: float
    url: str


class Answer(BaseModel):
    """What `/v1/ask` and `hotline ask --json` return."""

    answer: str
    grounded: bool
    citations: list[Citation]
    session_id: str | None = None


class AskRequest(BaseModel):
    question: str = Field(..., description="用户的问题")
    region: str | None = Field(None, description="优先使用的地区，如 上海 / 江苏")
    session_id: str | None = None


class Passage(BaseModel):
    """A piece of a clause short enough to embed well; it keeps its clause id for citation."""

    id: str
    clause_id: str
    doc_id: str
    text: str
