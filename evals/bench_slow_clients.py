"""Slow clients: many connections that send their headers or their body a byte at a time, against a fresh
`hotline serve`; how many the server still holds after a while, and how fast an ordinary request is meanwhile.

    .venv/bin/python -m evals.bench_slow_clients [--headers 300] [--bodies 800] [--seconds 30]

Needs an index in HOTLINE_DATA_DIR (hotline ingest). The deadlines are the server's own settings
(HOTLINE_HEADER_TIMEOUT, HOTLINE_BODY_TIMEOUT); a buffering proxy in front is still the production set-up.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

import httpx

from evals.server import running_server

BODY_HEAD = (b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: 100000\r\n\r\n")
HEADER_HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"


async def slow(port: int, head: bytes, trickle: bytes, seconds: float, interval: float) -> float | None:
    """Seconds until the server closed the connection, or None if it was still open at the end."""
    started = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return 0.0
    try:
        writer.write(head)
        await writer.drain()
        while time.monotonic() - started < seconds:
            try:
                data = await asyncio.wait_for(reader.read(65536), interval)
                if not data:
                    return time.monotonic() - started
                continue  # a response (408): read on until the server closes
            except asyncio.TimeoutError:
                pass
            writer.write(trickle)
            await writer.drain()
        return None
    except OSError:
        return time.monotonic() - started
    finally:
        writer.close()


async def probe(url: str, seconds: float) -> list[float]:
    times = []
    async with httpx.AsyncClient(timeout=30) as client:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t = time.perf_counter()
            await client.get(f"{url}/healthz")
            times.append((time.perf_counter() - t) * 1000)
            await asyncio.sleep(0.5)
    return times


async def run(url: str, headers: int, bodies: int, seconds: float) -> int:
    port = int(url.rsplit(":", 1)[1])
    tasks = [slow(port, HEADER_HEAD, b"X", seconds, 2.0) for _ in range(headers)]
    tasks += [slow(port, BODY_HEAD, b"x", seconds, 2.0) for _ in range(bodies)]
    *closed, latencies = await asyncio.gather(*tasks, probe(url, seconds))
    header_closed, body_closed = closed[:headers], closed[headers:]

    def summary(results: list) -> str:
        done = [r for r in results if r is not None]
        held = len(results) - len(done)
        median = f"，中位 {statistics.median(done):.1f} 秒后断开" if done else ""
        return f"{len(results)} 个连接，{seconds:.0f} 秒后仍被占用 {held} 个{median}"

    print(f"慢速发送请求头：{summary(header_closed)}")
    print(f"慢速发送请求体：{summary(body_closed)}")
    if latencies:
        print(f"同时 GET /healthz：{len(latencies)} 次，中位 {statistics.median(latencies):.0f} ms，"
              f"最慢 {max(latencies):.0f} ms")
    return 0 if all(r is not None for r in closed) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--headers", type=int, default=300)
    parser.add_argument("--bodies", type=int, default=800)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    with running_server() as url:
        return asyncio.run(run(url, args.headers, args.bodies, args.seconds))


if __name__ == "__main__":
    sys.exit(main())
