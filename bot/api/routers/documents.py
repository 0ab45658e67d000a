"""GET /documents/{id}: the document as an HTML page, each clause anchored, so a citation url opens it."""
from __future__ import annotations

from html import escape

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["documents"])

_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font:16px/1.7 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}}
section{{padding:.4rem .6rem;border-left:3px solid transparent;scroll-margin-top:1rem}}
section:target{{background:#fff7d6;border-left-color:#e0a800}}
.label{{font-weight:600;margin-right:.4rem}} .meta{{color:#555;font-size:.9rem}} p{{margin:.3rem 0}}</style>
</head><body><h1>{title}</h1><p class="meta">{meta}</p>{sections}</body></html>"""


@router.get("/documents/{doc_id}", response_class=HTMLResponse, summary="文档页面（条款带锚点）")
def document_page(doc_id: str, request: Request) -> HTMLResponse:
    records = request.app.state.assistant.retriever().records
    document = records.documents.get(doc_id)
    if document is None:
        raise HTTPException(404, "没有找到这份文档。")
    meta = " · ".join(escape(x) for x in (document.doc_number, document.issuer,
                                          str(document.issued_on or ""), f"状态：{document.status}") if x)
    sections = []
    for clause in records.clauses_of(doc_id):
        paragraphs = "".join(f"<p>{escape(line)}</p>" for line in clause.text.split("\n"))
        heading = f"<strong>{escape(clause.heading)}</strong>" if clause.heading else ""
        sections.append(f'<section id="{escape(clause.anchor)}"><span class="label">{escape(clause.label)}</span>'
                        f"{heading}{paragraphs}</section>")
    return HTMLResponse(_PAGE.format(title=escape(document.title), meta=meta, sections="".join(sections)))
