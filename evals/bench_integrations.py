"""Latency of the OpenAI-compatible API against POST /v1/ask, over HTTP: starts `hotline serve` on 127.0.0.1
with a key (or uses --url and --key; its limits should be off), asks every question of the evaluation set,
one at a time, as a first question and as the third turn of a conversation (the two earlier user messages
are replayed), and prints the median and p95 in milliseconds.

    .venv/bin/python -m evals.bench_integrations [--rounds 2] [--url http://127.0.0.1:8000 --key …]
"""
from __future__ import annotations

import argparse
import secrets
import statistics
import sys

import httpx

from evals.bench_ask import sequential
from evals.run import DEFAULT_SET, load_set
from evals.server import percentile, serving


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running server; default: start one on a free port")
    parser.add_argument("--key", help="a key of its HOTLINE_API_KEYS (with --url)")
    parser.add_argument("--rounds", type=int, default=2, help="times each question is asked")
    args = parser.parse_args()
    key = args.key or secrets.token_urlsafe(32)
    env = {"HOTLINE_API_KEYS": key, "HOTLINE_API_RATE_LIMIT": "off"}

    questions = [item["question"] for item in load_set(DEFAULT_SET)]
    earlier = [{"role": "user", "content": "上海怎么提升知识产权代理服务质量"}, {"role": "assistant", "content": "……"},
               {"role": "user", "content": "那江苏呢？"}, {"role": "assistant", "content": "……"}]
    cases = [
        ("POST /v1/ask", "/v1/ask", [{"question": q} for q in questions]),
        ("POST /v1/chat/completions（第一问）", "/v1/chat/completions",
         [{"model": "hotline", "messages": [{"role": "user", "content": q}]} for q in questions]),
        ("POST /v1/chat/completions（第三轮，重放前两问）", "/v1/chat/completions",
         [{"model": "hotline", "messages": earlier + [{"role": "user", "content": q}]} for q in questions]),
    ]
    failed = 0
    with serving(args.url, env=env) as url, httpx.Client(base_url=url, timeout=30,
                                                        headers={"Authorization": f"Bearer {key}"}) as client:
        for name, path, payloads in cases:
            latencies, errors = sequential(client, payloads, args.rounds, path)
            failed += errors
            print(f"{name} × {len(latencies)}：median {statistics.median(latencies):.1f} ms  "
                  f"p95 {percentile(latencies, 0.95):.1f} ms  错误 {errors}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
