"""Errors as JSON `{"error": {"code", "message"}}`, in Chinese for end users; 4xx for the caller's mistakes.

The tree: InvalidQuestion → 400 invalid_question (InvalidRegion → 400 invalid_region); request validation →
422 invalid_request; UnknownSession (and ForeignSession, another client's) → 404 session_not_found;
UnknownAnswer → 404 answer_not_found; AdminDenied → 401/403 (admin and operator tokens); FaqRefused →
404/409/422; IndexNotFound → 503 index_not_ready; Misconfigured (and KnowledgeFileError, a malformed word list of
knowledge/) → 503 misconfigured, naming the file; anything else → 500 internal_error (always a bug, logged with
the request id).
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.api.deps import AdminDenied, TooManySessions
from bot.retrieve.search import IndexNotFound, Misconfigured
from bot.store.versions import BuildBusy
from bot.yamlfile import KnowledgeFileError
from ingest.manage import DocumentNotFound, UploadRejected
from bot.service import FaqRefused, InvalidQuestion, InvalidRegion, UnknownAnswer, UnknownSession, too_long_message

log = logging.getLogger("hotline.api")


def error(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


PARSE_ERROR = "There was an error parsing the body"
_HTTP_MESSAGES = {
    404: ("not_found", "没有找到请求的内容。"),
    405: ("method_not_allowed", "不支持该请求方法。"),
    413: ("too_large", "请求内容太大。"),
}


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "请求体"


NOT_JSON = "请求体不是有效的 JSON。"


def _is_json(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def _too_long_question(errors: list) -> JSONResponse | None:
    """A question over the limit gets the same friendly message however long it is (the service's own)."""
    for e in errors:
        if e.get("type") == "string_too_long" and tuple(e.get("loc", ())) == ("body", "question"):
            return error(400, "invalid_question", too_long_message(len(e.get("input") or "")))
    return None


def misconfigured_message(exc: Exception) -> str:
    """What a caller is told of a configuration error: the knowledge file at fault by its name, no more."""
    file = getattr(exc, "file", "")
    where = f"（知识库文件 {file} 有误）" if file else ""
    return f"服务配置有误{where}，暂时无法回答，请拨打12345咨询。"


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if not _is_json(request.headers.get("content-type", "")) and any(
                tuple(e.get("loc", ())) == ("body",) and e.get("type") != "missing" for e in errors):
            # a form, plain text or an unlabelled body sent to an endpoint that reads JSON
            return error(415, "unsupported_media_type", "请求体须为 JSON（Content-Type: application/json）。")
        if any(e.get("type") == "json_invalid" for e in errors):
            return error(422, "invalid_request", NOT_JSON)
        too_long = _too_long_question(errors)
        if too_long is not None:
            return too_long
        fields = "、".join(dict.fromkeys(_field(e.get("loc", ())) for e in errors))
        return error(422, "invalid_request", f"请求格式不正确，请检查字段：{fields}。")

    @app.exception_handler(InvalidQuestion)
    async def _question(request: Request, exc: InvalidQuestion) -> JSONResponse:
        return error(400, "invalid_question", str(exc))

    def plain(status: int, code: str):
        async def handler(request: Request, exc: Exception) -> JSONResponse:
            return error(status, code, str(exc))
        return handler

    app.add_exception_handler(InvalidRegion, plain(400, "invalid_region"))

    @app.exception_handler(UnknownSession)
    async def _session(request: Request, exc: UnknownSession) -> JSONResponse:
        return error(404, "session_not_found", str(exc))

    @app.exception_handler(UnknownAnswer)
    async def _answer(request: Request, exc: UnknownAnswer) -> JSONResponse:
        return error(404, "answer_not_found", str(exc))

    @app.exception_handler(AdminDenied)
    async def _admin(request: Request, exc: AdminDenied) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if exc.retry_after is not None:
            headers = {"Retry-After": str(exc.retry_after)}
        return error(exc.status, exc.code, exc.message, headers)

    @app.exception_handler(FaqRefused)
    async def _faq(request: Request, exc: FaqRefused) -> JSONResponse:
        return error(exc.status, exc.code, str(exc))

    @app.exception_handler(TooManySessions)
    async def _sessions(request: Request, exc: TooManySessions) -> JSONResponse:
        return error(429, "too_many_sessions", f"新开会话过多，请继续使用现有会话，或 {exc.retry_after} 秒后再试。",
                     {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(UploadRejected)
    async def _upload(request: Request, exc: UploadRejected) -> JSONResponse:
        return error(exc.status, exc.code, str(exc))  # upload_rejected, name_clash or would_drop

    @app.exception_handler(DocumentNotFound)
    async def _no_document(request: Request, exc: DocumentNotFound) -> JSONResponse:
        return error(404, "document_not_found", str(exc))

    @app.exception_handler(BuildBusy)
    async def _busy(request: Request, exc: BuildBusy) -> JSONResponse:
        return error(409, "build_in_progress", str(exc), {"Retry-After": "10"})

    @app.exception_handler(IndexNotFound)
    async def _no_index(request: Request, exc: IndexNotFound) -> JSONResponse:
        log.error("%s", exc)
        return error(503, "index_not_ready", "知识库正在准备中，请稍后再试，或拨打12345咨询。")

    @app.exception_handler(Misconfigured)
    @app.exception_handler(KnowledgeFileError)  # a build (an upload) that found a malformed word list
    async def _misconfigured(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s", exc)  # the detail is for the operator; the caller is told where else to ask
        return error(503, "misconfigured", misconfigured_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.detail == PARSE_ERROR:  # FastAPI's English words for a body it could not read (nested too deep…)
            return error(422, "invalid_request", NOT_JSON)
        code, message = _HTTP_MESSAGES.get(exc.status_code, ("http_error", str(exc.detail)))
        if isinstance(exc.detail, str) and exc.detail not in ("Not Found", "Method Not Allowed"):
            message = exc.detail
        return error(exc.status_code, code, message)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error request_id=%s", getattr(request.state, "request_id", "-"))
        return error(500, "internal_error", "服务出现内部错误，已记录，请稍后再试或拨打12345。")
