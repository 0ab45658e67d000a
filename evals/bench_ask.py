"""Latency of POST /v1/ask over HTTP: starts `hotline serve` on 127.0.0.1 (or uses --url, which should have
its rate limits off), asks every question
of the evaluation set several times, one at a time, and prints the median, p95 and p99 in milliseconds.

    .venv/bin/python -m evals.bench_ask [--rounds 5] [--url http://127.0.0.1:8000]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import httpx

from evals.run import DEFAULT_SET, load_set
from evals.server import percentile, serving


def sequential(client: httpx.Client, payloads: list[dict], rounds: int,
               path: str = "/v1/ask") -> tuple[list[float], int]:
    """Post every payload `rounds` times, one at a time, after one warm-up request: the latencies in
    milliseconds and the number of answers that were not 200."""
    client.post(path, json=payloads[0])
    latencies, errors = [], 0
    for _ in range(rounds):
        for payload in payloads:
            started = time.perf_counter()
            response = client.post(path, json=payload)
            latencies.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200
    return latencies, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running server; default: start one on a free port")
    parser.add_argument("--rounds", type=int, default=5, help="times each question is asked")
    args = parser.parse_args()

    with serving(args.url) as url, httpx.Client(base_url=url, timeout=30) as client:
        questions = [item["question"] for item in load_set(DEFAULT_SET)]
        started = time.perf_counter()
        latencies, errors = sequential(client, [{"question": q} for q in questions], args.rounds)
        elapsed = time.perf_counter() - started
    print(f"POST /v1/ask × {len(latencies)}（{len(questions)} 个问题 × {args.rounds} 轮，顺序请求）")
    print(f"  错误 {errors}")
    print(f"  median {statistics.median(latencies):.1f} ms  p95 {percentile(latencies, 0.95):.1f} ms  "
          f"p99 {percentile(latencies, 0.99):.1f} ms  ({len(latencies) / elapsed:.0f} 次/秒)")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
