"""Rate limits per client (IP, or the right-most untrusted X-Forwarded-For hop behind a trusted proxy) and body-size
limits, as a pure ASGI middleware: 429 with Retry-After, 413 for a body over the limit, both as JSON.

The counting is the `limits` library's moving window, in this process's memory or, with HOTLINE_REDIS_URL,
in Redis shared by every worker and machine."""
from __future__ import annotations

import functools
import ipaddress
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
    networks = _proxy_networks(scope, settings)
    if networks is None:
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


def _proxy_networks(scope, settings) -> tuple | None:
    """The trusted proxies' networks when HOTLINE_TRUST_PROXY is on and the connecting peer is one of them (its
    X-Forwarded-* headers may be read), else None."""
    trust = settings if isinstance(settings, bool) else settings.trust_proxy
    if not trust:
        return None
    networks = trusted_networks(DEFAULT_TRUSTED_PROXIES if isinstance(settings, bool) else settings.trusted_proxies)
    client = scope.get("client")
    return networks if _trusted(_address(client[0] if client else "unknown"), networks) else None


def forwarded_scheme(scope, settings) -> str | None:
    """The scheme the client used, as a trusted proxy says (X-Forwarded-Proto: behind a proxy that ends TLS the
    request reaching us is http); None when the header is absent, not http(s) or not from a trusted proxy. The
    right-most value is the one the proxy next to us wrote, as with X-Forwarded-For."""
    if _proxy_networks(scope, settings) is None:
        return None
    values = [v.strip().lower() for name, value in scope["headers"] if name == b"x-forwarded-proto"
              for v in value.decode("latin-1").split(",")]
    return values[-1] if values and values[-1] in ("http", "https") else None


class LoginFailures:
    """Failed logins per client: a client that has used up its allowance of failures (a RateLimiter spec,
    HOTLINE_ADMIN_LOGIN_FAILURES) is locked out, even with the right token, until it may fail again."""

    def __init__(self, spec: str, state: SharedState | None = None):
        self.limiter = RateLimiter(spec, state, "login-failures")  # counted on every machine with Redis
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

    def __init__(self, app, settings, state: SharedState | None = None):
        self.app = app
        self.settings = settings
        self.max_body = settings.max_body_kb * 1024
        self.limiters = [
            ("/v1/admin", RateLimiter(settings.admin_rate_limit, state, "admin")),
            ("/v1/hotline", RateLimiter(settings.hotline_rate_limit, state, "hotline")),
            # limited per API key instead (bot/api/api_keys.py): a gateway brings many callers from one address
            ("/v1/chat/completions", RateLimiter("off")),
            ("/v1/models", RateLimiter("off")),
            ("/v1/", RateLimiter(settings.rate_limit, state, "public")),
            ("/wechat", RateLimiter(settings.wechat_rate_limit, state, "wechat")),
        ]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        limiter = next((lim for prefix, lim in self.limiters if path.startswith(prefix)), None)
        if limiter is not None and scope["method"] != "OPTIONS":
            wait = limiter.hit(client_key(scope, self.settings))  # each limiter counts under its own name
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
