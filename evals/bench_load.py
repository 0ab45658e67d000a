"""Load: N concurrent clients on POST /v1/ask for S seconds; optionally while the index is rebuilt again and again.

    .venv/bin/python -m evals.bench_load [--clients 50] [--seconds 60] [--reindex]

Starts `hotline serve` on 127.0.0.1 with rate limits off (against HOTLINE_DATA_DIR, default var/, which
`make run` or `hotline ingest` has built), or uses --url. Prints requests served, errors, p50/p95/p99 latency,
and with --reindex the index versions that answered, each of which must be a complete, published build.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx

from bot.config import Settings
from bot.store.versions import IndexVersions
from evals.run import DEFAULT_SET, load_set
from evals.server import percentile, serving


async def client_loop(url: str, questions: list[str], until: float, results: list, seed: int) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        while time.monotonic() < until:
            question = rng.choice(questions)
            started = time.perf_counter()
            try:
                response = await client.post("/v1/ask", json={"question": question})
                ok = response.status_code == 200 and "answer" in response.json()
                results.append((time.perf_counter() - started, ok, response.status_code,
                                response.headers.get("x-index-version", "")))
            except (httpx.HTTPError, ValueError) as exc:
                results.append((time.perf_counter() - started, False, type(exc).__name__, ""))


def load(url: str, questions: list[str], clients: int, seconds: float, results: list) -> float:
    """`clients` concurrent clients asking for `seconds`; results gain (seconds, ok, status, version) per
    request; returns the time the run took."""
    until = time.monotonic() + seconds

    async def run() -> None:
        await asyncio.gather(*(client_loop(url, questions, until, results, seed) for seed in range(clients)))

    started = time.monotonic()
    asyncio.run(run())
    return time.monotonic() - started


def rebuild_forever(stop: threading.Event, builds: list, published: set[str]) -> None:
    """Full rebuilds one after another (each publishes a new version) until told to stop; `published` gets the
    name of each version made live (builds delete all but the last two, so a folder cannot tell afterwards)."""
    versions = IndexVersions(Settings().index_dir)
    published.add(versions.current_name())
    while not stop.is_set():
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "bot.cli", "admin", "reindex", "--force"],
                              capture_output=True, text=True, env={**os.environ, "HOTLINE_LOG_LEVEL": "WARNING"})
        builds.append((done.returncode, time.monotonic() - started))
        published.add(versions.current_name())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--reindex", action="store_true", help="rebuild the index continuously during the run")
    parser.add_argument("--url", help="an already running server (its rate limits must be off)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes of the server started here")
    args = parser.parse_args()

    questions = [item["question"] for item in load_set(DEFAULT_SET)]
    results: list = []
    builds: list = []
    stop = threading.Event()
    published: set[str] = set()
    builder = threading.Thread(target=rebuild_forever, args=(stop, builds, published),
                               daemon=True) if args.reindex else None
    with serving(args.url, env={"HOTLINE_LOG_LEVEL": "WARNING"}, workers=args.workers) as url:
        try:
            if builder:
                builder.start()
            elapsed = load(url, questions, args.clients, args.seconds, results)
        finally:
            stop.set()
            if builder:
                builder.join(timeout=120)

    latencies = [r[0] * 1000 for r in results]
    errors = [r for r in results if not r[1]]
    print(f"POST /v1/ask：{args.clients} 个并发客户端，{args.seconds:.0f} 秒，{args.workers} 个工作进程"
          + ("，期间持续重建索引" if args.reindex else ""))
    print(f"  请求 {len(results)}（{len(results) / elapsed:.1f} 次/秒），错误 {len(errors)} {dict(Counter(r[2] for r in errors))}")
    print(f"  延迟 p50 {percentile(latencies, 0.5):.0f} ms  p95 {percentile(latencies, 0.95):.0f} ms  "
          f"p99 {percentile(latencies, 0.99):.0f} ms")
    if args.reindex:
        root = IndexVersions(Settings().index_dir).root
        seen = Counter(r[3] for r in results if r[1])
        half = [v for v in seen if v not in published and not (root / v / "manifest.json").exists()]
        print(f"  重建 {len(builds)} 次（失败 {sum(1 for code, _ in builds if code != 0)}），"
              f"答复来自 {len(seen)} 个索引版本：{dict(seen)}")
        print(f"  来自不完整索引的答复：{sum(seen[v] for v in half)}")
        if half:
            return 1
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
