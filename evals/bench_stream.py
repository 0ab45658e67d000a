"""The delay from the end of a caller's question to its suggestion, over /v1/hotline/stream (target ≤ 1.5 s).

Each call of a transcript set is replayed line by line as a streaming ASR emits it: partial results growing at
`--pace` characters a second, then the final result of the utterance. The delay of a card is the time from
sending the final result that ended its question to receiving the card.

    python -m evals.bench_stream                                   # starts hotline serve on HOTLINE_DATA_DIR
    HOTLINE_DATA_DIR=var/eval-transcripts python -m evals.bench_stream --pace 5
    python -m evals.bench_stream --url http://127.0.0.1:8000 --set evals/sets/transcripts-dev.jsonl
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

from websockets.sync.client import connect

from evals.run import load_set
from evals.server import percentile, serving

DEFAULT_SET = Path(__file__).parent / "sets" / "transcripts-dev.jsonl"
TARGET_SECONDS = 1.5
SETTLE = 3.0  # how long to wait for the cards of a final result before the call goes on


def replay(url: str, transcript: str, pace: float, token: str) -> list[float]:
    """Seconds from each question's final result to its card, for one call."""
    delays = []
    with connect(url.replace("http://", "ws://") + "/v1/hotline/stream",
                 additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        json.loads(ws.recv(timeout=10))  # ready
        for line in (l.strip() for l in transcript.split("\n")):
            if not line:
                continue
            step = 4
            for end in range(step, len(line), step):
                ws.send(json.dumps({"text": line[:end], "is_final": False}))
                time.sleep(step / pace)
                _drain(ws, 0)
            ws.send(json.dumps({"text": line, "is_final": True}))
            ended = time.perf_counter()
            for event in _drain(ws, SETTLE):
                if event["type"] == "suggestion":
                    delays.append(event["_at"] - ended)
        ws.send(json.dumps({"type": "end"}))
    return delays


def _drain(ws, wait: float) -> list[dict]:
    """Events already sent, and those arriving within `wait` seconds after the final result's line."""
    out = []
    deadline = time.perf_counter() + wait
    while True:
        try:
            raw = ws.recv(timeout=max(0.0, deadline - time.perf_counter()) if wait else 0)
        except TimeoutError:
            return out
        event = json.loads(raw)
        event["_at"] = time.perf_counter()
        out.append(event)
        if wait and event["type"] == "transcript" and event.get("is_final"):
            deadline = time.perf_counter() + min(wait, 1.6)  # its cards follow it at once, or not at all


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running server; default: start one on a free port")
    parser.add_argument("--set", default=str(DEFAULT_SET), help="a transcript set (JSONL)")
    parser.add_argument("--token", default=os.environ.get("HOTLINE_OPERATOR_TOKEN"),
                        help="an operator token of the server at --url (default: $HOTLINE_OPERATOR_TOKEN; a server started here gets its own)")
    parser.add_argument("--pace", type=float, default=20.0, help="characters a second of partial results (speech: 4–5)")
    args = parser.parse_args()
    delays: list[float] = []
    token = args.token or secrets.token_urlsafe(24)
    with serving(args.url, env={"HOTLINE_OPERATOR_TOKENS": f"bench:{token}"}) as url:
        replay(url, "来电人：专利代理师考试要报名费吗？", args.pace, token)  # what loads on first use, outside the figures
        for item in load_set(Path(args.set)):
            delays += replay(url, item["transcript"], args.pace, token)
    if not delays:
        print("没有收到任何建议答案")
        return 1
    ms = [d * 1000 for d in delays]
    within = sum(d <= TARGET_SECONDS for d in delays) / len(delays)
    print(f"/v1/hotline/stream：{len(delays)} 张卡片（{args.set}，{args.pace:g} 字/秒）")
    print(f"  问题结束到建议答案：median {statistics.median(ms):.0f} ms  p95 {percentile(ms, 0.95):.0f} ms  "
          f"max {max(ms):.0f} ms；≤ {TARGET_SECONDS} s 的比例 {within:.2f}")
    return 0 if percentile(delays, 0.95) <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
