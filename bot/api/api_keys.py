"""Bearer keys for the integrations other programs use (the OpenAI-compatible API and MCP over HTTP).

`HOTLINE_API_KEYS` holds several keys (one per client: the 12345 gateway, a chat UI, a contractor's app); with
none set the integrations are closed. Each key has its own rate limit (`HOTLINE_API_RATE_LIMIT`): a gateway
passes on many callers from one address, so a limit per address would be the wrong one.
"""
from __future__ import annotations

import hashlib
import hmac
import math

from bot.api.limits import RateLimiter, client_key
from bot.config import Settings


class ApiKeyDenied(Exception):
    """The request may not go on; `message` says why, in Chinese, and what to do."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after

    @property
    def headers(self) -> dict[str, str] | None:
        if self.retry_after:
            return {"Retry-After": str(self.retry_after)}
        return {"WWW-Authenticate": "Bearer"} if self.status == 401 else None


class ApiKeys:
    def __init__(self, settings: Settings):
        self._keys = [k.encode() for k in settings.api_key_list]
        self._settings = settings  # who the client is (behind trusted proxies)
        self._spec = settings.api_rate_limit
        self.limiter = RateLimiter(settings.api_rate_limit)
        # wrong keys are limited per address like any public request, so that keys cannot be guessed quickly
        self._wrong = RateLimiter(settings.rate_limit)

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    def check(self, authorization: str | None, scope) -> str:
        """The key's label (a digest, never the key itself) if the request may go on; else ApiKeyDenied."""
        if not self._keys:
            raise ApiKeyDenied(403, "api_disabled", "该接口未启用：请在服务端设置 HOTLINE_API_KEYS（一个或多个以逗号分隔的"
                                                    "密钥）后重启服务，再以 Authorization: Bearer <密钥> 调用。")
        scheme, _, given = (authorization or "").partition(" ")
        token = given.strip().encode() if scheme.lower() == "bearer" else b""
        # every key is compared (no early exit), each in constant time
        if not any([hmac.compare_digest(token, key) for key in self._keys]):
            wait = self._wrong.hit(f"api-key-wrong|{client_key(scope, self._settings)}")
            if wait is not None:
                raise ApiKeyDenied(429, "rate_limited", f"密钥错误次数过多，请 {math.ceil(wait)} 秒后再试。",
                                   math.ceil(wait))
            raise ApiKeyDenied(401, "invalid_api_key", "需要有效的 API 密钥：请求头 Authorization: Bearer <密钥>"
                                                       "（HOTLINE_API_KEYS 中的一个）。")
        label = hashlib.sha256(token).hexdigest()[:16]  # the limiter's store never sees the key
        wait = self.limiter.hit(f"api-key|{label}")
        if wait is not None:
            raise ApiKeyDenied(429, "rate_limited", f"该密钥的请求过于频繁（上限 {self._spec}），请 "
                                                    f"{math.ceil(wait)} 秒后再试。", math.ceil(wait))
        return label
