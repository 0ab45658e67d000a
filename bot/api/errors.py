"""Errors as JSON `{"error": {"code", "message"}}`, in Chinese for end users; 4xx for the caller's mistakes."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.retrieve.search import IndexNotFound
from bot.service import InvalidQuestion

log = logging.getLogger("hotline.api")


def error(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


_HTTP_MESSAGES = {
    404: ("not_found", "没有找到请求的内容。"),
    405: ("method_not_allowed", "不支持该请求方法。"),
    413: ("too_large", "请求内容太大。"),
}


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = "、".join(".".join(str(p) for p in e.get("loc", ()) if p != "body") or "请求体" for e in exc.errors())
        return error(422, "invalid_request", f"请求格式不正确，请检查字段：{fields}。")

    @app.exception_handler(InvalidQuestion)
    async def _question(request: Request, exc: InvalidQuestion) -> JSONResponse:
        return error(400, "invalid_question", str(exc))

    @app.exception_handler(IndexNotFound)
    async def _no_index(request: Request, exc: IndexNotFound) -> JSONResponse:
        log.error("%s", exc)
        return error(503, "index_not_ready", "知识库正在准备中，请稍后再试，或拨打12345咨询。")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_MESSAGES.get(exc.status_code, ("http_error", str(exc.detail)))
        if exc.status_code == 404 and isinstance(exc.detail, str) and exc.detail != "Not Found":
            message = exc.detail
        return error(exc.status_code, code, message)
