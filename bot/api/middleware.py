"""Request ids and access logs (a pure ASGI middleware, so streaming and disconnects pass through untouched)."""
from __future__ import annotations

import asyncio
import contextvars
import json
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


class BodyDeadlineMiddleware:
    """A request's body must arrive within `seconds` of its headers: past that the client gets 408 (JSON) and the
    connection is closed, instead of holding a worker's connection slot for as long as it trickles bytes."""

    def __init__(self, app, seconds: float):
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        state = {"complete": False, "started": False, "timed_out": False}

        async def timed_receive():
            if state["timed_out"]:
                return {"type": "http.disconnect"}
            if state["complete"]:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0))
            except asyncio.TimeoutError:
                state["timed_out"] = True
                if not state["started"]:
                    body = json.dumps({"error": {"code": "request_timeout", "message": "请求内容发送超时，请重试。"}},
                                      ensure_ascii=False).encode()
                    await send({"type": "http.response.start", "status": 408, "headers": [
                        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close")]})
                    await send({"type": "http.response.body", "body": body})
                return {"type": "http.disconnect"}  # the app stops reading: the client is as good as gone
            if message["type"] != "http.request" or not message.get("more_body", False):
                state["complete"] = True
            return message

        async def tracking_send(message):
            if state["timed_out"]:
                return  # the 408 is out: whatever the app says after it is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, timed_receive, tracking_send)
        except Exception:
            if not state["timed_out"]:
                raise


# Our pages load their scripts from this server only; inline styles stay (the pages and the widget's shadow root
# use them). The API docs (/docs, /redoc) load Swagger from a CDN with an inline script: they only get the
# frame-ancestors part.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'self'")
DOCS_CSP = "frame-ancestors 'self'"
DOCS_PATHS = ("/docs", "/redoc")


def host_allowed(host: str, allowed: list[str]) -> bool:
    """Host (without its port) is one of `allowed`; "*.example.gov.cn" allows its subdomains."""
    name = host.strip().lower()
    if name.startswith("["):  # [::1]:8000
        name = name[1:name.find("]")] if "]" in name else name
    elif name.count(":") == 1:
        name = name.rsplit(":", 1)[0]
    name = name.rstrip(".")
    return bool(name) and any(name == a or (a.startswith("*.") and name.endswith(a[1:])) for a in allowed)


class SecurityMiddleware:
    """Refuses a Host header outside HOTLINE_ALLOWED_HOSTS (when set), and adds nosniff to every response and a
    Content-Security-Policy with frame-ancestors (and X-Frame-Options for old browsers) to every HTML page."""

    def __init__(self, app, allowed_hosts: list[str]):
        self.app = app
        self.allowed_hosts = [h.lower().rstrip(".") for h in allowed_hosts]

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        if self.allowed_hosts:
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if not host_allowed(host, self.allowed_hosts):
                if scope["type"] == "websocket":
                    return await send({"type": "websocket.close", "code": 1008})
                body = json.dumps({"error": {"code": "invalid_host", "message": "请求的主机名不在允许范围内。"}},
                                  ensure_ascii=False).encode()
                await send({"type": "http.response.start", "status": 400, "headers": [
                    (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
                return await send({"type": "http.response.body", "body": body})
        docs = scope["path"].startswith(DOCS_PATHS)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                if b"x-content-type-options" not in names:
                    headers.append((b"x-content-type-options", b"nosniff"))
                content_type = dict((n.lower(), v) for n, v in headers).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and b"content-security-policy" not in names:
                    headers += [(b"content-security-policy", (DOCS_CSP if docs else PAGE_CSP).encode()),
                                (b"x-frame-options", b"SAMEORIGIN"), (b"referrer-policy", b"same-origin")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
