"""Documents: metadata and clause trees (JSON), and each document as a page with every clause anchored."""
from __future__ import annotations

from datetime import date
from html import escape

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import HTMLResponse
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


_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font:16px/1.7 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:46rem;margin:2rem auto;
padding:0 1rem;color:#222}} h1{{font-size:1.4rem}} section{{padding:.4rem .6rem;border-left:3px solid transparent;
scroll-margin-top:1rem}} section:target{{background:#fff3c4;border-left-color:#d48806}}
.label{{font-weight:600;margin-right:.4rem}} .meta{{color:#555;font-size:.9rem}} p{{margin:.3rem 0}}
.path{{color:#777;font-size:.85rem}}</style>
</head><body><h1>{title}</h1><p class="meta">{meta}</p>{sections}</body></html>"""


@router.get("/documents/{doc_id}", response_class=HTMLResponse, summary="文档页面（条款带锚点，被引用的条款高亮）")
def document_page(doc_id: str, bot: Assistant = Depends(assistant)) -> HTMLResponse:
    document, clauses = _get(bot, doc_id)
    meta = " · ".join(escape(str(x)) for x in (document.doc_number, document.issuer, document.issued_on,
                                               f"状态：{document.status}") if x)
    sections = []
    for clause in clauses:
        paragraphs = "".join(f"<p>{escape(line)}</p>" for line in clause.text.split("\n"))
        path = " › ".join(clause.path[:-1])
        sections.append(
            f'<section id="{escape(clause.anchor)}"><div class="path">{escape(path)}</div>'
            f'<span class="label">{escape(clause.label)}</span><strong>{escape(clause.heading)}</strong>'
            f"{paragraphs}</section>")
    return HTMLResponse(_PAGE.format(title=escape(document.title), meta=meta, sections="".join(sections)))


@router.get("/faq", response_class=HTMLResponse, summary="常见问答页面（每条带锚点）")
def faq_page(bot: Assistant = Depends(assistant)) -> HTMLResponse:
    records = bot.retriever().records
    sections = []
    for pair in bot.faq_pairs():
        basis = "；".join(f'<a href="/documents/{escape(b.split(":")[0])}#{escape(b.split(":", 1)[1])}">'
                         f"{escape(records.clauses[b].label)}</a>" for b in pair.basis if b in records.clauses)
        sections.append(f'<section id="{escape(pair.id)}"><strong>{escape(pair.questions[0])}</strong>'
                        f"<p>{escape(pair.answer)}</p><p class=\"path\">依据：{basis}</p></section>")
    return HTMLResponse(_PAGE.format(title="常见问答", meta="经审核的固定答案", sections="".join(sections)))
