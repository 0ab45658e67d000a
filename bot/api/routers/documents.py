"""Documents: metadata and clause trees (JSON); the pages are in pages.py."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel

from bot.api.deps import assistant
from bot.models import Clause, Document
from bot.service import Assistant

router = APIRouter(tags=["documents"])


class DocumentSummary(Document):
    clauses: int


class ClauseNode(BaseModel):
    """A heading of the clause tree; `clause` is set where a clause sits at that place."""

    title: str
    clause: Clause | None = None
    children: list["ClauseNode"] = []


class DocumentDetail(BaseModel):
    document: Document
    tree: list[ClauseNode]


def clause_tree(clauses: list[Clause]) -> list[ClauseNode]:
    roots: list[ClauseNode] = []
    index: dict[tuple[str, ...], ClauseNode] = {}
    for clause in clauses:
        siblings = roots
        for depth in range(1, len(clause.path) + 1):
            key = tuple(clause.path[:depth])
            node = index.get(key)
            if node is None:
                node = ClauseNode(title=clause.path[depth - 1])
                index[key] = node
                siblings.append(node)
            siblings = node.children
        index[tuple(clause.path)].clause = clause
    return roots


def _get(bot: Assistant, doc_id: str):
    records = bot.retriever().records
    document = records.documents.get(doc_id)
    if document is None:
        raise HTTPException(404, "没有找到这份文档。")
    return document, records.clauses_of(doc_id)


@router.get("/v1/documents", response_model=list[DocumentSummary], summary="知识库中的文档及其元数据")
def list_documents(bot: Assistant = Depends(assistant)) -> list[DocumentSummary]:
    records = bot.retriever().records
    counts: dict[str, int] = {}
    for clause in records.clauses.values():
        counts[clause.doc_id] = counts.get(clause.doc_id, 0) + 1
    return [DocumentSummary(**{**d.model_dump(), "source": bot.settings.shown_path(d.source)},
                            clauses=counts.get(d.id, 0))
            for d in sorted(records.documents.values(),
                            key=lambda d: (d.kind != "policy", -(d.issued_on or d.effective_from or date.min).toordinal()))]


@router.get("/v1/documents/{doc_id}", response_model=DocumentDetail, summary="一份文档的元数据和条款树")
def get_document(doc_id: str, bot: Assistant = Depends(assistant)) -> DocumentDetail:
    document, clauses = _get(bot, doc_id)
    shown = document.model_copy(update={"source": bot.settings.shown_path(document.source)})
    return DocumentDetail(document=shown, tree=clause_tree(clauses))
