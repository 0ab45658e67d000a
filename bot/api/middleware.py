"""Request ids and access logs (a pure ASGI middleware, so streaming and disconnects pass through untouched)."""
from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid

log = logging.getLogger("hotline.access")
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def current_request_id() -> str:
    return _request_id.get()
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Takes the caller's X-Request-ID (if sane) or makes one; returns it and logs one line per request."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        token = _request_id.set(request_id)
        started = time.perf_counter()
        status = {"code": 0}

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            status["code"] = status["code"] or 500  # answered by the server-error handler outside this one
            raise
        finally:
            # the path only: query strings can carry personal data (a WeChat openid) and signatures
            log.info("%s %s %s", scope["method"], scope["path"], status["code"],
                     extra={"status": status["code"], "path": scope["path"], "method": scope["method"],
                            "ms": round((time.perf_counter() - started) * 1000, 1)})
            _request_id.reset(token)
