"""State that every worker and machine must agree on: "seen once" claims (WeChat MsgIds and nonces), small
values with an expiry (the WeChat access token), locks, and the storage of the rate limits.

In process by default (one worker's memory: each worker counts and remembers on its own), or Redis with
`HOTLINE_REDIS_URL` (shared by every worker of every machine).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

log = logging.getLogger("hotline")
PREFIX = "hotline:"


class SharedState(Protocol):
    """What the channels need of shared state; keys are namespaced by the caller ("wechat:msg:…")."""

    def claim(self, key: str, ttl: float) -> bool:
        """True the first time `key` is claimed within `ttl` seconds, False after (everywhere)."""
        ...

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, ttl: float) -> None: ...

    def lock(self, name: str, timeout: float) -> "contextmanager[None]":
        """Held by one holder at a time (across machines for Redis); given up after `timeout` seconds."""
        ...

    def limits_storage(self):
        """The `limits` library storage the rate limiters count in."""
        ...


class MemoryState:
    """One process: a dict with expiries and thread locks."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[str, float]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._storage = None

    def _live(self, key: str, now: float) -> str | None:
        item = self._values.get(key)
        if item is None or item[1] <= now:
            self._values.pop(key, None)
            return None
        return item[0]

    def claim(self, key: str, ttl: float) -> bool:
        now = time.monotonic()
        with self._guard:
            if self._live(key, now) is not None:
                return False
            self._values[key] = ("1", now + ttl)
            if len(self._values) > 100_000:  # forget what has expired rather than grow for ever
                for k in [k for k, (_, expires) in self._values.items() if expires <= now]:
                    del self._values[k]
            return True

    def get(self, key: str) -> str | None:
        with self._guard:
            return self._live(key, time.monotonic())

    def set(self, key: str, value: str, ttl: float) -> None:
        with self._guard:
            self._values[key] = (value, time.monotonic() + ttl)

    @contextmanager
    def lock(self, name: str, timeout: float) -> Iterator[None]:
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        if not lock.acquire(timeout=timeout):
            raise TimeoutError(f"lock {name} not acquired in {timeout}s")
        try:
            yield
        finally:
            lock.release()

    def limits_storage(self):
        from limits.storage import MemoryStorage

        with self._guard:
            if self._storage is None:
                self._storage = MemoryStorage()
            return self._storage


class RedisState:
    """Redis: SET NX EX for claims, values with an expiry, redis-py's Lock (a token that expires)."""

    def __init__(self, url: str):
        import redis

        self.url = url
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2, decode_responses=True)
        self._storage = None

    def claim(self, key: str, ttl: float) -> bool:
        return bool(self.redis.set(PREFIX + key, "1", nx=True, px=max(1, int(ttl * 1000))))

    def get(self, key: str) -> str | None:
        return self.redis.get(PREFIX + key)

    def set(self, key: str, value: str, ttl: float) -> None:
        self.redis.set(PREFIX + key, value, px=max(1, int(ttl * 1000)))

    @contextmanager
    def lock(self, name: str, timeout: float) -> Iterator[None]:
        # the lock expires by itself after `timeout`: a holder that dies cannot block the others for ever
        lock = self.redis.lock(PREFIX + "lock:" + name, timeout=timeout, blocking_timeout=timeout)
        if not lock.acquire():
            raise TimeoutError(f"lock {name} not acquired in {timeout}s")
        try:
            yield
        finally:
            try:
                lock.release()
            except Exception:  # expired meanwhile (LockNotOwnedError): another holder may have it now
                pass

    def limits_storage(self):
        from limits.storage import RedisStorage

        if self._storage is None:
            self._storage = RedisStorage(self.url, socket_timeout=2, socket_connect_timeout=2)
        return self._storage


def shared_state(redis_url: str = "") -> SharedState:
    """Redis when a URL is given, else memory of this process (a new one: each app or client its own)."""
    return RedisState(redis_url) if redis_url else MemoryState()
