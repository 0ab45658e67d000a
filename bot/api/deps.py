"""Shared request dependencies: the assistant, and the staff bearer token for /v1/admin/*."""
from __future__ import annotations

import hmac

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.api.limits import client_key
from bot.service import Assistant

_bearer = HTTPBearer(auto_error=False)


class AdminDenied(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


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
    failures, client = request.app.state.admin_failures, client_key(request.scope, request.app.state.settings)
    locked = failures.locked(client)
    if locked is not None:
        raise _locked_out(locked)
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), token.encode()):
        locked = failures.failed(client)
        if locked is not None:
            raise _locked_out(locked)
        raise AdminDenied(401, "unauthorized", "需要有效的管理令牌（Authorization: Bearer …）。")


def _locked_out(seconds: int) -> AdminDenied:
    return AdminDenied(429, "login_locked", f"管理令牌错误次数过多，请 {seconds} 秒后再试。", retry_after=seconds)
