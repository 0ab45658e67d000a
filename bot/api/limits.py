"""Rate limits per client (IP, or the first X-Forwarded-For address behind a trusted proxy) and body-size
limits, as a pure ASGI middleware: 429 with Retry-After, 413 for a body over the limit, both as JSON.

The counting is the `limits` library's moving window, in this process's memory or, with HOTLINE_REDIS_URL,
in Redis shared by every worker and machine."""
from __future__ import annotations

import json
import logging
import math
import re
import threading
import time

from bot.store.shared import SharedState

log = logging.getLogger("hotline")
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")
FALLBACK_SECONDS = 10  # after the shared store failed, count in memory this long before trying it again


class LimitSpecError(ValueError):
    pass


class RateLimiter:
    """`n` requests per period and key in any moving window of that period. "off" disables it.

    `state` says where the counts are kept (memory of this limiter when None); `name` keeps the keys of
    limiters with the same setting apart in a shared store."""

    def __init__(self, spec: str, state: SharedState | None = None, name: str = ""):
        self.spec = spec.strip().lower()
        if self.spec in ("off", "none", "0", ""):
            self.capacity = 0
            return
        m = _SPEC.match(self.spec)
        if not m:
            raise LimitSpecError(f"无法识别的限流设置 {spec!r}：应为 30/minute、1000/hour 或 off")
        from limits import RateLimitItemPerDay, RateLimitItemPerHour, RateLimitItemPerMinute, RateLimitItemPerSecond

        self.capacity = int(m.group(1))
        item = {"second": RateLimitItemPerSecond, "minute": RateLimitItemPerMinute, "hour": RateLimitItemPerHour,
                "day": RateLimitItemPerDay}[m.group(2)]
        self.item = item(self.capacity, namespace=f"hotline:{name}" if name else "hotline")
        self.state, self.name = state, name
        self._limiter = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.capacity > 0

    def _strategy(self):
        # made on first use: a limiter built to check a setting (bot/config.py) never opens a store
        with self._lock:
            if self._limiter is None:
                from limits.storage import MemoryStorage
                from limits.strategies import MovingWindowRateLimiter

                storage = self.state.limits_storage() if self.state is not None else MemoryStorage()
                self._limiter = MovingWindowRateLimiter(storage)
                self._fallback = (None if isinstance(storage, MemoryStorage)
                                  else MovingWindowRateLimiter(MemoryStorage()))
                self._down_until = 0.0
            return self._limiter

    def hit(self, key: str) -> float | None:
        """None if allowed; else the seconds to wait before the next request will be."""
        if not self.enabled:
            return None
        limiter = self._strategy()
        if self._fallback is not None and time.monotonic() < self._down_until:
            limiter = self._fallback
        try:
            return self._hit(limiter, key)
        except Exception as exc:
            # The shared store is unreachable: count in this process for a while rather than refuse everyone
            # or let everyone through; said in the log.
            log.warning("rate limit store unavailable (%s): counted in this process for %ss",
                        type(exc).__name__, FALLBACK_SECONDS)
            self._down_until = time.monotonic() + FALLBACK_SECONDS
            return self._hit(self._fallback, key)

    def _hit(self, limiter, key: str) -> float | None:
        if limiter.hit(self.item, key):
            return None
        return max(0.001, limiter.get_window_stats(self.item, key).reset_time - time.time())


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

    def __init__(self, app, settings, state: SharedState | None = None):
        self.app = app
        self.trust_proxy = settings.trust_proxy
        self.max_body = settings.max_body_kb * 1024
        self.limiters = [
            ("/v1/admin", RateLimiter(settings.admin_rate_limit, state, "admin")),
            ("/v1/hotline", RateLimiter(settings.hotline_rate_limit, state, "hotline")),
            ("/v1/", RateLimiter(settings.rate_limit, state, "public")),
        ]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        limiter = next((lim for prefix, lim in self.limiters if path.startswith(prefix)), None)
        if limiter is not None and scope["method"] != "OPTIONS":
            wait = limiter.hit(client_key(scope, self.trust_proxy))
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
