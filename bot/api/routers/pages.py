"""The pages people open: the demo page with the widget (/), the hotline console, the staff screen (/admin),
widget.js, and the documents and FAQ as pages (Jinja2 templates in bot/web/templates, autoescaped)."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.api.deps import assistant
from bot.api.routers.documents import _get, clause_tree
from bot.models import Clause
from bot.service import Assistant

WEB = Path(__file__).resolve().parent.parent.parent / "web"
router = APIRouter(tags=["pages"], include_in_schema=False)
templates = Environment(loader=FileSystemLoader(WEB / "templates"), autoescape=select_autoescape(default=True),
                        trim_blocks=True, lstrip_blocks=True)

# A catalogue item's field line (办理时限：文件未载明) and a rendered table row (名称，2025年：15。)
FIELD_LINE = re.compile(r"^([^：，。]{1,8})：(.+)$")
TABLE_CELL = re.compile(r"^([^：]{1,20})：(.+)$")


def _page(template: str, **context) -> HTMLResponse:
    return HTMLResponse(templates.get_template(template).render(**context))


def blocks(clause: Clause, kind: str) -> list[dict]:
    """The clause's text as paragraphs and tables: a service item's fields and a 附表's rows are tables.
    widget.js renders citations by the same rules (its `blocks`)."""
    lines = [line for line in clause.text.split("\n") if line.strip()]
    if kind == "catalogue" and len(lines) > 1:
        fields = [FIELD_LINE.match(line) for line in lines[1:]]
        if all(fields):
            return [{"text": lines[0]},
                    {"table": True, "row_headers": True, "rows": [[m.group(1), m.group(2)] for m in fields]}]
    if clause.label.endswith("附表"):
        caption = lines.pop(0) if lines and lines[0] == clause.heading else ""
        rows = [line.rstrip("。").split("，") for line in lines]
        cells = [[TABLE_CELL.match(cell) for cell in row[1:]] for row in rows]
        if rows and all(len(row) > 1 for row in rows) and all(all(c) for c in cells):
            header = ["项目", *[m.group(1) for m in cells[0]]]
            if all([m.group(1) for m in c] == header[1:] for c in cells):
                return [{"table": True, "row_headers": True, "caption": caption, "header": header,
                         "rows": [[row[0], *[m.group(2) for m in c]] for row, c in zip(rows, cells)]}]
    return [{"text": line} for line in lines]


def _toc(doc_clauses: list[Clause]) -> list[dict]:
    """The first two levels of the clause tree, each linked to the first clause under it."""
    def first_anchor(node) -> str | None:
        if node.clause is not None:
            return node.clause.anchor
        return next((a for child in node.children if (a := first_anchor(child))), None)

    entries = []
    for node in clause_tree(doc_clauses):
        children = [{"title": c.title, "anchor": first_anchor(c)} for c in node.children if first_anchor(c)]
        entries.append({"title": node.title, "anchor": first_anchor(node),
                        "children": children if len(children) > 1 else []})
    return entries if len(entries) > 1 else []


def _heading(clause: Clause) -> str:
    """The bold lead-in, unless it only repeats the label (印发通知 印发通知, 前言 前言)."""
    return "" if not clause.heading or clause.heading == clause.label else clause.heading


@router.get("/", response_class=HTMLResponse)
def demo() -> FileResponse:
    return FileResponse(WEB / "index.html", media_type="text/html; charset=utf-8")


@router.get("/console", response_class=HTMLResponse)
def console() -> FileResponse:
    return FileResponse(WEB / "console.html", media_type="text/html; charset=utf-8")


@router.get("/admin", response_class=HTMLResponse)
def admin_page() -> FileResponse:
    # the page itself holds nothing: everything it shows comes from /v1/admin/* with the token
    return FileResponse(WEB / "admin.html", media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store"})  # framing and CSP: SecurityMiddleware


@router.get("/admin.js")
def admin_js() -> FileResponse:
    return FileResponse(WEB / "admin.js", media_type="application/javascript; charset=utf-8")


@router.get("/widget.js")
def widget() -> FileResponse:
    # Sites embed this from another origin; it is public and safe to cache briefly.
    return FileResponse(WEB / "widget.js", media_type="application/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"})


@router.get("/console.js")
def console_js() -> FileResponse:
    return FileResponse(WEB / "console.js", media_type="application/javascript; charset=utf-8")


@router.get("/documents", response_class=HTMLResponse)
def documents_page(bot: Assistant = Depends(assistant)) -> HTMLResponse:
    records = bot.retriever().records
    documents = sorted(records.documents.values(), key=lambda d: (d.kind != "policy", -(
        d.issued_on or d.effective_from or date.min).toordinal()))
    return _page("documents.html", title="政策文件", documents=documents)


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(doc_id: str, bot: Assistant = Depends(assistant)) -> HTMLResponse:
    document, doc_clauses = _get(bot, doc_id)
    meta = [str(x) for x in (document.doc_number, document.issuer, document.issued_on) if x]
    sections = [{"anchor": c.anchor, "label": c.label, "heading": _heading(c), "path": " › ".join(c.path[:-1]),
                 "blocks": blocks(c, document.kind)} for c in doc_clauses]
    return _page("document.html", title=document.title, document=document, meta=meta, toc=_toc(doc_clauses),
                 sections=sections)


@router.get("/faq", response_class=HTMLResponse)
def faq_page(bot: Assistant = Depends(assistant)) -> HTMLResponse:
    records = bot.retriever().records
    pairs = []
    for pair in bot.faq_pairs():
        basis = []
        for clause_id in pair.basis:
            clause = records.clauses.get(clause_id)
            document = records.documents.get(clause.doc_id) if clause else None
            if clause and document:
                basis.append({"url": f"/documents/{document.id}#{clause.anchor}", "title": document.title,
                               "number": document.doc_number, "label": clause.label})
        pairs.append({"id": pair.id, "question": pair.questions[0], "answer": pair.answer, "basis": basis})
    return _page("faq.html", title="常见问答", pairs=pairs)
