"""Shared request dependencies: the assistant, and the staff bearer token for /v1/admin/*."""
from __future__ import annotations

import hmac

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.service import Assistant

_bearer = HTTPBearer(auto_error=False)


class AdminDenied(Exception):
    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message


class TooManySessions(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after


def assistant(request: Request) -> Assistant:
    return request.app.state.assistant


def require_admin(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
    """Staff only: `Authorization: Bearer $HOTLINE_ADMIN_TOKEN`, compared in constant time."""
    token = request.app.state.settings.admin_token.get_secret_value()
    if not token:
        raise AdminDenied(403, "admin_disabled", "管理接口未启用：请设置 HOTLINE_ADMIN_TOKEN 后重启服务。")
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise AdminDenied(401, "unauthorized", "需要有效的管理令牌（Authorization: Bearer …）。")
