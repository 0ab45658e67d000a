"""Rate limits per client (IP, or the right-most untrusted X-Forwarded-For hop behind a trusted proxy) and body-size
limits, as a pure ASGI middleware: 429 with Retry-After, 413 for a body over the limit, both as JSON."""
from __future__ import annotations

import functools
import ipaddress
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


DEFAULT_TRUSTED_PROXIES = "127.0.0.1,::1"


@functools.lru_cache(maxsize=16)
def trusted_networks(spec: str) -> tuple:
    """HOTLINE_TRUSTED_PROXIES (comma-separated addresses and CIDRs) as networks; a malformed entry raises."""
    networks = []
    for entry in (e.strip() for e in spec.split(",")):
        if entry:
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError as exc:
                raise LimitSpecError(f"无法识别的代理地址 {entry!r}：应为 IP 地址或网段，如 10.0.0.0/8") from exc
    return tuple(networks)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address, networks: tuple) -> bool:
    return address is not None and any(address.version == n.version and address in n for n in networks)


def client_key(scope, settings) -> str:
    """The client's address, the one key every per-client limit and lock-out uses.

    The connecting peer's address, unless HOTLINE_TRUST_PROXY is on and the peer is one of
    HOTLINE_TRUSTED_PROXIES: then the right-most X-Forwarded-For hop that is not a trusted proxy (each proxy
    appends the address it saw; whatever stands left of that was written by the client and proves nothing).
    `settings` is the Settings object (a bare True is read as trust with the default proxies)."""
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    trust = settings if isinstance(settings, bool) else settings.trust_proxy
    if not trust:
        return peer
    networks = trusted_networks(DEFAULT_TRUSTED_PROXIES if isinstance(settings, bool) else settings.trusted_proxies)
    if not _trusted(_address(peer), networks):
        return peer
    hops = [hop for name, value in scope["headers"] if name == b"x-forwarded-for"
            for hop in value.decode("latin-1").split(",")]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return peer  # a trusted proxy would not have written this: do not guess
        if not _trusted(address, networks):
            return str(address)
    return peer


class LoginFailures:
    """Failed logins per client: a client that has used up its allowance of failures (a RateLimiter spec,
    HOTLINE_ADMIN_LOGIN_FAILURES) is locked out, even with the right token, until it may fail again."""

    def __init__(self, spec: str):
        self.limiter = RateLimiter(spec)
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def locked(self, key: str) -> int | None:
        """Seconds the client is still locked out, or None."""
        now = time.monotonic()
        with self._lock:
            until = self._until.get(key)
            if until is not None and until <= now:
                del self._until[key]
                until = None
        return None if until is None else max(1, math.ceil(until - now))

    def failed(self, key: str) -> int | None:
        """Count a failure; the seconds of the lock-out it starts, or None while the allowance lasts."""
        wait = self.limiter.hit(key)
        if wait is None:
            return None
        now = time.monotonic()
        with self._lock:
            if len(self._until) > 10_000:  # bounded: forget the lock-outs that are over
                self._until = {k: u for k, u in self._until.items() if u > now}
            self._until[key] = now + wait
        return max(1, math.ceil(wait))


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
        self.settings = settings
        self.max_body = settings.max_body_kb * 1024
        self.limiters = [
            ("/v1/admin", RateLimiter(settings.admin_rate_limit)),
            ("/v1/hotline", RateLimiter(settings.hotline_rate_limit)),
            ("/v1/", RateLimiter(settings.rate_limit)),
            ("/wechat", RateLimiter(settings.wechat_rate_limit)),
        ]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        limiter = next((lim for prefix, lim in self.limiters if path.startswith(prefix)), None)
        if limiter is not None and scope["method"] != "OPTIONS":
            wait = limiter.hit(f"{client_key(scope, self.settings)}|{id(limiter)}")
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
