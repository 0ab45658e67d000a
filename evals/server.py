"""Start `hotline serve` in a subprocess for a benchmark, wait until it answers, stop it afterwards."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

NO_LIMITS = {"HOTLINE_RATE_LIMIT": "off", "HOTLINE_HOTLINE_RATE_LIMIT": "off", "HOTLINE_ADMIN_RATE_LIMIT": "off",
             "HOTLINE_SESSIONS_PER_CLIENT": "off", "HOTLINE_WECHAT_RATE_LIMIT": "off",
             "HOTLINE_ADMIN_LOGIN_FAILURES": "off"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


@contextmanager
def serving(url: str | None, **options):
    """The server at `url` if one is given (its rate limits should be off), else a fresh one started here."""
    if url:
        yield url
    else:
        with running_server(**options) as started:
            yield started


@contextmanager
def running_server(env: dict | None = None, log: Path | None = None, timeout: float = 90, workers: int = 1):
    """Yields the base URL of a fresh `hotline serve` on 127.0.0.1 (rate limits off unless `env` says)."""
    port = free_port()
    out = open(log, "w") if log else subprocess.DEVNULL
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port),
                                "--workers", str(workers)],
                               env={**os.environ, **NO_LIMITS, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).json().get("status") == "ok":
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("服务未能启动；请先运行 hotline ingest")
            time.sleep(0.2)
        running_server.pid = process.pid
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        if log:
            out.close()
