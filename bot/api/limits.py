"""Rate limits per client (IP, or the first X-Forwarded-For address behind a trusted proxy) and body-size
limits, as a pure ASGI middleware: 429 with Retry-After, 413 for a body over the limit, both as JSON."""
from __future__ import annotations

import json
import math
import re
import threading
import time

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")
_PERIOD = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


class LimitSpecError(ValueError):
    pass


class RateLimiter:
    """A token bucket per key: `n` requests per period, refilled evenly. "off" disables it."""

    def __init__(self, spec: str):
        self.spec = spec.strip().lower()
        if self.spec in ("off", "none", "0", ""):
            self.capacity = 0
            return
        m = _SPEC.match(self.spec)
        if not m:
            raise LimitSpecError(f"无法识别的限流设置 {spec!r}：应为 30/minute、1000/hour 或 off")
        self.capacity = int(m.group(1))
        self.rate = self.capacity / _PERIOD[m.group(2)]
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._pruned = time.monotonic()

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def hit(self, key: str) -> float | None:
        """None if allowed; else the seconds to wait before the next request will be."""
        if not self.enabled:
            return None
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (float(self.capacity), now))
            tokens = min(self.capacity, tokens + (now - stamp) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return (1 - tokens) / self.rate
            self._buckets[key] = (tokens - 1, now)
            if now - self._pruned > 300:
                full = [k for k, (t, s) in self._buckets.items() if t + (now - s) * self.rate >= self.capacity]
                for k in full:
                    del self._buckets[k]
                self._pruned = now
        return None


def client_key(scope, trust_proxy: bool) -> str:
    if trust_proxy:
        forwarded = dict(scope["headers"]).get(b"x-forwarded-for", b"").decode("latin-1")
        if forwarded:
            return forwarded.split(",")[0].strip()
    client = scope.get("client")
    return client[0] if client else "unknown"


async def _json(send, status: int, code: str, message: str, headers: list | None = None) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class LimitsMiddleware:
    """Public endpoints, the hotline and the admin endpoints each have their own limit."""

    def __init__(self, app, settings):
        self.app = app
        self.trust_proxy = settings.trust_proxy
        self.max_body = settings.max_body_kb * 1024
        self.limiters = [
            ("/v1/admin", RateLimiter(settings.admin_rate_limit)),
            ("/v1/hotline", RateLimiter(settings.hotline_rate_limit)),
            # limited per API key instead (bot/api/api_keys.py): a gateway brings many callers from one address
            ("/v1/chat/completions", RateLimiter("off")),
            ("/v1/models", RateLimiter("off")),
            ("/v1/", RateLimiter(settings.rate_limit)),
        ]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        limiter = next((lim for prefix, lim in self.limiters if path.startswith(prefix)), None)
        if limiter is not None and scope["method"] != "OPTIONS":
            wait = limiter.hit(f"{client_key(scope, self.trust_proxy)}|{id(limiter)}")
            if wait is not None:
                return await _json(send, 429, "rate_limited", f"请求过于频繁，请 {math.ceil(wait)} 秒后再试。",
                                   [(b"retry-after", str(math.ceil(wait)).encode())])
        limit = None if path == "/v1/admin/documents" else self.max_body  # uploads have their own limit
        declared = dict(scope["headers"]).get(b"content-length")
        if limit is not None and declared and declared.isdigit() and int(declared) > limit:
            return await _json(send, 413, "too_large", f"请求内容超过 {limit // 1024} KB 的上限。")
        if limit is None:
            return await self.app(scope, receive, send)
        received = 0
        started = replied = False

        async def counted_receive():
            # Over the limit: answer 413 now, and tell the app the client is gone (it would otherwise turn
            # the interruption into a 400 of its own).
            nonlocal received, replied
            if replied:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started:
                        replied = True
                        await _json(send, 413, "too_large", f"请求内容超过 {limit // 1024} KB 的上限。")
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message):
            nonlocal started
            if replied:
                return  # the 413 has been sent: whatever the app says after it is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracking_send)
        except Exception:
            if not replied:
                raise
