"""Staff endpoints behind the bearer token: unanswered questions (gaps) and FAQ candidates to review."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from pydantic import BaseModel, Field

from bot.api.deps import assistant, require_admin
from bot.gaps import GapGroup, group_gaps
from ingest import manage
from ingest.manage import UploadRejected
from bot.service import Assistant

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)])


class Review(BaseModel):
    status: Literal["approved", "rejected"]


class ChangeResult(BaseModel):
    path: str | None = Field(None, description="the file changed, relative to the knowledge folder",
                             examples=["policies/措施.docx"])
    document_id: str | None = Field(None, description="the id of the document uploaded or deleted",
                                    examples=["措施"])
    replaced: list[str] = Field([], description="files the upload replaced (replace=true)")
    index_version: str = Field(description="the index version now live; answers come from it from now on")
    documents: int
    clauses: int
    skipped: list[tuple[str, str]] = Field(description="files and items left out, with the reason")
    warnings: list[str] = Field([], description="what ingest noticed, e.g. instruction-like sentences")


async def _result(request: Request, summary, change: manage.Change | None = None) -> ChangeResult:
    """The change's outcome, once this worker answers from the new index; paths relative to knowledge/."""
    settings = request.app.state.settings
    await run_in_threadpool(request.app.state.assistant.load_live)
    return ChangeResult(path=change.path if change else None, document_id=change.document_id if change else None,
                        replaced=change.replaced if change else [], index_version=summary.version,
                        documents=summary.documents, clauses=summary.clauses,
                        skipped=[(_shown(settings, where), why) for where, why in summary.skipped],
                        warnings=summary.warnings)


def _shown(settings, where: str) -> str:
    path, _, item = where.partition("#")
    return settings.shown_path(path) + (f"#{item}" if item else "")


async def _form_file(request: Request, limit: int) -> tuple[str, bytes]:
    """The one file of a multipart form (field `file`) and its name."""
    from starlette.formparsers import MultiPartException, MultiPartParser

    raw = await _body(request, limit + FORM_OVERHEAD)

    async def stream():
        yield raw

    try:
        form = await MultiPartParser(request.headers, stream(), max_files=1, max_fields=10).parse()
    except MultiPartException as exc:
        raise UploadRejected(f"表单格式不正确：{exc.message}") from exc
    part = form.get("file")
    if not isinstance(part, UploadFile):
        raise UploadRejected("表单中没有文件：请把文件放在字段 file 中上传。")
    named = form.get("filename")  # a name given as a field of its own wins over the file's
    try:
        return (named if isinstance(named, str) else "") or part.filename or "", await part.read()
    finally:
        await form.close()


async def _body(request: Request, limit: int) -> bytes:
    """The upload, read up to `limit` bytes (a larger one is refused without being read whole)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise UploadRejected(f"文件超过 {limit // (1024 * 1024)} MB 的上限。", 413)
        chunks.append(chunk)
    return b"".join(chunks)


FORM_OVERHEAD = 64 * 1024  # a multipart form's boundaries and headers around the file
REPLACE = Query(False, description="replace a document of the same name (otherwise 409 name_clash)")
ALLOW_DROPS = Query(False, description="go ahead even if service items or FAQ pairs lose their basis "
                                       "(otherwise 409 would_drop)")


@router.post("/documents", response_model=ChangeResult, status_code=201,
             summary="上传文档（请求体为文件内容，或 multipart 表单的 file 字段），检查、解析无误后入库并重建索引；"
                     "新索引生效后才返回",
             openapi_extra={"requestBody": {"content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                 "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                     "file": {"type": "string", "format": "binary"}}}}}, "required": True}})
async def upload_document(request: Request,
                          filename: str | None = Query(None, min_length=1, max_length=255,
                                                       description="the file's name, percent-encoded "
                                                                   "(curl --url-query); a form's own name otherwise"),
                          folder: Literal["policies", "catalogue", "faq"] = "policies",
                          replace: bool = REPLACE, allow_drops: bool = ALLOW_DROPS) -> ChangeResult:
    settings = request.app.state.settings
    limit = settings.upload_max_mb * 1024 * 1024
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        named, data = await _form_file(request, limit)
        filename = filename or named
    else:
        data = await _body(request, limit)
    if not filename:
        raise UploadRejected("缺少文件名：请用参数 filename 给出（中文按 URL 编码，如 curl --url-query），"
                             "或用 multipart 表单上传。")
    change = await run_in_threadpool(manage.upload, settings, filename, data, folder, False, replace, allow_drops)
    return await _result(request, change.summary, change)


@router.delete("/documents/{doc_id}", response_model=ChangeResult, summary="删除文档并重建索引；新索引生效后才返回")
async def delete_document(doc_id: str, request: Request, allow_drops: bool = ALLOW_DROPS) -> ChangeResult:
    change = await run_in_threadpool(manage.delete, request.app.state.settings, doc_id, False, allow_drops)
    return await _result(request, change.summary, change)


class ReindexRequest(BaseModel):
    force: bool = False


@router.post("/reindex", response_model=ChangeResult, summary="重建索引（新索引建好后原子切换，期间照常答复）")
async def reindex(request: Request, body: ReindexRequest | None = None) -> ChangeResult:
    summary = await run_in_threadpool(manage.reindex, request.app.state.settings, bool(body and body.force))
    return await _result(request, summary)


GAPS_CHECKED = 100  # the most frequent groups are asked again of the live index; the rest stay unknown


@router.get("/gaps", response_model=list[GapGroup],
            summary="未能回答和低置信度的问题，按相似措辞分组，含每周次数，以及现在的知识库能否回答")
def gaps(bot: Assistant = Depends(assistant)) -> list[GapGroup]:
    groups = group_gaps(bot.store.gaps())
    for group in groups[:GAPS_CHECKED]:
        group.resolved = bot.answerable(group._asked)
    return groups


FAQ_PAGE_MAX = 200


class FaqItem(BaseModel):
    id: int
    question: str
    answer: str
    basis: list[str]
    status: str
    source_answer_id: str | None
    created: float
    source: str | None = Field(None, description="谁提交的：operator:<话务员或班组名>；旧数据为空")


class FaqPage(BaseModel):
    items: list[FaqItem]
    total: int
    limit: int
    offset: int


class FaqEdit(BaseModel):
    """A reviewer's changes before approving: only the fields given change."""

    question: str | None = Field(None, min_length=1, max_length=500)
    answer: str | None = Field(None, min_length=1, max_length=2000)
    basis: list[str] | None = Field(None, min_length=1, max_length=20, description="依据条款的 clause_id")


FaqId = Path(..., ge=1, le=2**63 - 1)


@router.get("/faq", response_model=FaqPage, summary="常见问答（含待审核的话务员修改答案），分页")
def faq(status: Literal["candidate", "approved", "rejected"] | None = None,
        limit: int = Query(50, ge=1, le=FAQ_PAGE_MAX), offset: int = Query(0, ge=0, le=2**62),
        bot: Assistant = Depends(assistant)) -> FaqPage:
    return FaqPage(items=bot.store.faq(status, limit, offset), total=bot.store.count_faq(status), limit=limit,
                   offset=offset)


@router.get("/faq/{faq_id}", response_model=FaqItem, summary="一条常见问答")
def faq_item(faq_id: int = FaqId, bot: Assistant = Depends(assistant)) -> FaqItem:
    return bot.faq_item(faq_id)


@router.patch("/faq/{faq_id}", response_model=FaqItem, summary="审核前修改待审核答案的问题、答案或依据条款")
async def edit_faq(body: FaqEdit, faq_id: int = FaqId, bot: Assistant = Depends(assistant)) -> FaqItem:
    return await run_in_threadpool(bot.edit_faq, faq_id, body.question, body.answer, body.basis)


@router.post("/faq/{faq_id}/review", response_model=FaqItem,
             summary="审核一条常见问答；批准前核对答案中的数字、日期、文号、网址、电话均见于依据条款")
async def review(body: Review, faq_id: int = FaqId, bot: Assistant = Depends(assistant)) -> FaqItem:
    return await run_in_threadpool(bot.review_faq, faq_id, body.status)
