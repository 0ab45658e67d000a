"""Shared request dependencies: the assistant, the staff bearer token for /v1/admin/*, and the operators'
tokens for /v1/hotline/* and corrected answers."""
from __future__ import annotations

import hmac
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from bot.api.limits import client_key, forwarded_scheme
from bot.config import Settings
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


def public_base(request: Request) -> str:
    """The address links in a message are made under: HOTLINE_PUBLIC_URL, else the one this request came to, in
    the scheme a trusted proxy says the client used (X-Forwarded-Proto: https behind a proxy that ends TLS)."""
    settings = request.app.state.settings
    if settings.public_url:
        return settings.public_url.rstrip("/")
    scheme = forwarded_scheme(request.scope, settings)
    return str(request.base_url.replace(scheme=scheme) if scheme else request.base_url).rstrip("/")


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


@dataclass(frozen=True)
class Operator:
    """A hotline operator or team, by the name given to its token in HOTLINE_OPERATOR_TOKENS."""

    name: str

    @property
    def source(self) -> str:
        """How an FAQ candidate this operator wrote is marked for the reviewer."""
        return f"operator:{self.name}"


def operator_for(settings: Settings, authorization: str | None) -> Operator:
    """The operator an `Authorization` header value (`Bearer <token>`) names. Every token is compared, in
    constant time; unset tokens close the operator functions (403). For HTTP routes and WebSockets alike."""
    operators = settings.operators
    if not operators:
        raise AdminDenied(403, "operator_disabled",
                          "话务员功能未启用：请设置 HOTLINE_OPERATOR_TOKENS（逗号分隔的话务员令牌）后重启服务。")
    scheme, _, given = (authorization or "").strip().partition(" ")
    given = given.strip() if scheme.lower() == "bearer" else ""
    found = None
    for name, token in operators:  # no early exit: the time taken does not tell which token came close
        if hmac.compare_digest(given.encode(), token.encode()) and found is None:
            found = Operator(name)
    if found is None:
        raise AdminDenied(401, "unauthorized", "需要有效的话务员令牌（Authorization: Bearer …）。")
    return found


def require_operator(connection: HTTPConnection) -> Operator:
    """Operators only: the dependency of every /v1/hotline/* route (HTTP or WebSocket)."""
    return operator_for(connection.app.state.settings, connection.headers.get("authorization"))
