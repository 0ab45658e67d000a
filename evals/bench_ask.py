"""Latency of POST /v1/ask over HTTP: starts `hotline serve` on 127.0.0.1 (or uses --url), asks every question
of the evaluation set several times, one at a time, and prints the median, p95 and p99 in milliseconds.

    .venv/bin/python -m evals.bench_ask [--rounds 5] [--url http://127.0.0.1:8000]
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

import httpx

from evals.run import DEFAULT_SET, load_set


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running server; default: start one on a free port")
    parser.add_argument("--rounds", type=int, default=5, help="times each question is asked")
    args = parser.parse_args()

    server = None
    url = args.url
    if not url:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
                                  env={**os.environ, "HOTLINE_LOG_LEVEL": "WARNING"})
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/healthz").json()["status"] == "ok":
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    print("服务未能启动；请先运行 hotline ingest", file=sys.stderr)
                    return 1
                time.sleep(0.2)
            questions = [item["question"] for item in load_set(DEFAULT_SET)]
            client.post("/v1/ask", json={"question": questions[0]})  # warm-up
            latencies, errors = [], 0
            started = time.perf_counter()
            for _ in range(args.rounds):
                for question in questions:
                    t0 = time.perf_counter()
                    response = client.post("/v1/ask", json={"question": question})
                    latencies.append((time.perf_counter() - t0) * 1000)
                    errors += response.status_code != 200
            elapsed = time.perf_counter() - started
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
    print(f"POST /v1/ask × {len(latencies)}（{len(questions)} 个问题 × {args.rounds} 轮，顺序请求）")
    print(f"  错误 {errors}")
    print(f"  median {statistics.median(latencies):.1f} ms  p95 {_percentile(latencies, 0.95):.1f} ms  "
          f"p99 {_percentile(latencies, 0.99):.1f} ms  ({len(latencies) / elapsed:.0f} 次/秒)")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
