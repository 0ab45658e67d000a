"""Several machines: two `hotline serve` processes with data directories of their own share one PostgreSQL,
one Redis, one chroma server and one shared index folder, all started here on 127.0.0.1.

    .venv/bin/python -m evals.bench_machines [--docs 1000] [--clients 8] [--seconds 20] [--limit 10]
                                             [--workdir DIR]

Prints what must hold across machines (a conversation started on one continues on the other; a limit of
N/minute holds across both; a WeChat message delivered to both is answered once; an operator's correction
on one is listed on the other; identical citations on the evaluation set), then throughput and p95 with one
and two machines, and what the shared stores cost per request (against SQLite and in-process memory).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx

from evals.backing import Chroma, Postgres, Redis
from evals.bench_ask import sequential
from evals.bench_load import load
from evals.bench_scale import ingest_subprocess
from evals.generate_corpus import generate
from evals.run import DEFAULT_SET, load_set
from evals.server import percentile, running_server

ADMIN_TOKEN = "bench-admin-token-0123456789abcdefXYZ"
OPERATOR_TOKEN = "bench-operator-token-0123456789abcdefXYZ"
WECHAT_TOKEN = "Hb4nW8qT2xZ6mK9rV3cP7sL1yD5gF0jA"
FOLLOW_UP = ("上海怎么提升知识产权代理服务质量", "那江苏呢", "江苏怎么提升知识产权代理服务质量")


def machines_env(work: Path, pg_url: str, redis_url: str, chroma_url: str, limit: int) -> dict:
    return {"HOTLINE_KNOWLEDGE_DIR": str(work / "knowledge"), "HOTLINE_DATABASE_URL": pg_url,
            "HOTLINE_REDIS_URL": redis_url, "HOTLINE_CHROMA_URL": chroma_url,
            "HOTLINE_SHARED_INDEX_DIR": str(work / "shared"), "HOTLINE_EMBEDDER": "fitted",
            "HOTLINE_LOG_LEVEL": "WARNING", "HOTLINE_ADMIN_TOKEN": ADMIN_TOKEN,
            "HOTLINE_OPERATOR_TOKENS": OPERATOR_TOKEN, "HOTLINE_ADMIN_RATE_LIMIT": f"{limit}/minute",
            "WECHAT_TOKEN": WECHAT_TOKEN, "WECHAT_REPLY_DEADLINE": "4.9",
            # the limit check comes from a client of its own, through the "proxy" (this benchmark)
            "HOTLINE_TRUST_PROXY": "true", "HOTLINE_TRUSTED_PROXIES": "127.0.0.1"}


def conversation(a: httpx.Client, b: httpx.Client) -> str:
    first = a.post("/v1/ask", json={"question": FOLLOW_UP[0]}).json()
    follow = b.post("/v1/ask", json={"question": FOLLOW_UP[1], "session_id": first["session_id"]})
    ok = follow.status_code == 200 and follow.json().get("rewritten_question") == FOLLOW_UP[2]
    return f"{'是' if ok else '否'}（第二台机器：{follow.status_code} {follow.json().get('rewritten_question')}）"


def limit_across(a: httpx.Client, b: httpx.Client, limit: int) -> list[int]:
    """limit + 1 requests to a limited endpoint, alternating between the machines: the status codes."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "X-Forwarded-For": "203.0.113.77"}
    return [(a, b)[i % 2].get("/v1/admin/gaps", headers=headers).status_code for i in range(limit + 1)]


def wechat_once(a: httpx.Client, b: httpx.Client) -> list[str]:
    """One message (one MsgId) delivered to both machines at the same moment, as WeChat's retry to another
    machine would be: the replies (an XML answer, or "success" for a message already taken)."""
    from bot.channels.wechat.crypto import sign

    def message(msg_id: int) -> str:
        return ("<xml><ToUserName><![CDATA[gh_bureau]]></ToUserName><FromUserName><![CDATA[oBench]]></FromUserName>"
                f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[{FOLLOW_UP[0]}]]></Content><MsgId>{msg_id}</MsgId></xml>")

    def deliver(args):
        client, msg_id, nonce = args
        ts = str(int(time.time()))
        params = {"signature": sign(WECHAT_TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "openid": "oBench"}
        return client.post("/wechat", params=params, content=message(msg_id).encode()).text

    msg_id = int(time.time() * 1000)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(deliver, [(a, msg_id, f"{msg_id}1"), (b, msg_id + 1, f"{msg_id}2")]))  # each answers once
        return list(pool.map(deliver, [(a, msg_id + 2, f"{msg_id}3"), (b, msg_id + 2, f"{msg_id}4")]))


def correction_seen(a: httpx.Client, b: httpx.Client) -> bool:
    answer = a.post("/v1/ask", json={"question": "蓝天行动的工作目标是什么"}).json()
    a.post("/v1/feedback", headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"},
           json={"answer_id": answer["answer_id"], "rating": "down", "corrected_answer": "更正：以文件原文为准。"})
    listed = b.get("/v1/admin/faq", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                   params={"status": "candidate"}).json()
    items = listed.get("items", []) if isinstance(listed, dict) else listed  # paginated, or a plain list
    return any(item.get("source_answer_id") == answer["answer_id"] for item in items)


def same_citations(a: httpx.Client, b: httpx.Client, items: list[dict]) -> tuple[int, int]:
    same = 0
    for item in items:
        payload = {"question": item["question"], "region": item.get("region")}
        one, two = a.post("/v1/ask", json=payload).json(), b.post("/v1/ask", json=payload).json()
        same += [c["clause_id"] for c in one["citations"]] == [c["clause_id"] for c in two["citations"]]
    return same, len(items)


def throughput(urls: list[str], questions: list[str], clients: int, seconds: float) -> tuple[float, float, int]:
    """`clients` concurrent clients spread over the machines: answers per second, p95 (ms), errors."""
    load(urls[0], questions, 2, 2, [])  # warm
    results: list = []
    share = [clients // len(urls) + (i < clients % len(urls)) for i in range(len(urls))]
    threads = [threading.Thread(target=load, args=(url, questions, n, seconds, results)) for url, n in zip(urls, share)]
    started = time.monotonic()
    [t.start() for t in threads]
    [t.join() for t in threads]
    elapsed = time.monotonic() - started
    ok = [r[0] * 1000 for r in results if r[1]]
    return len(ok) / elapsed, percentile(ok, 0.95), len(results) - len(ok)


def store_cost(pg_url: str, redis_url: str, work: Path, rounds: int) -> dict[str, float]:
    """Milliseconds of what one question does to the stores (a new session, the answer saved, a follow-up's
    session check and history) and of one rate-limit count, for each store."""
    from bot.api.limits import RateLimiter
    from bot.store.conversations import ConversationStore
    from bot.store.shared import MemoryState, RedisState

    def per_question(store) -> float:
        started = time.perf_counter()
        for i in range(rounds):
            session = store.new_session(None)
            store.save_answer(f"bench-{i}-{time.time_ns()}", session, "api", "蓝天行动的工作目标是什么", None, "……",
                              True, 0.9, [{"clause_id": "x"}])
            store.session_exists(session)
            store.history(session)
        return (time.perf_counter() - started) * 1000 / rounds

    def per_hit(state) -> float:
        limiter = RateLimiter("1000000/minute", state, "bench")
        started = time.perf_counter()
        for i in range(rounds):
            limiter.hit(f"client-{i % 50}")
        return (time.perf_counter() - started) * 1000 / rounds

    return {"SQLite": per_question(open_store(None, work / "cost")), "PostgreSQL": per_question(open_store(pg_url, work)),
            "内存限流": per_hit(MemoryState()), "Redis 限流": per_hit(RedisState(redis_url))}


def open_store(url: str | None, data_dir: Path):
    from bot.config import Settings
    from bot.store.conversations import open_store as open_conversations

    return open_conversations(Settings(_env_file=None, data_dir=data_dir, database_url=url or ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000, help="generated documents (the real ones are added)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for the throughput figures")
    parser.add_argument("--seconds", type=float, default=20, help="length of each throughput run")
    parser.add_argument("--limit", type=int, default=10, help="N of the N/minute limit checked across machines")
    parser.add_argument("--rounds", type=int, default=200, help="repetitions of the store cost figures")
    parser.add_argument("--workdir", type=Path, help="keep the corpus and the indexes here (default: temporary)")
    args = parser.parse_args()
    core = load_set(DEFAULT_SET)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        pg, redis = Postgres(), Redis()
        stack.callback(pg.close)
        stack.callback(redis.close)
        chroma = Chroma(work / "chroma")
        stack.callback(chroma.close)
        pg_url = pg.create_database("hotline")
        env = machines_env(work, pg_url, redis.url, chroma.url, args.limit)
        generate(work / "knowledge", args.docs, seed=1, with_real=True)
        seconds, _, _ = ingest_subprocess({**os.environ, **env, "HOTLINE_DATA_DIR": str(work / "indexer")})
        print(f"入库 {args.docs} 份生成文件 + 真实文件：{seconds:.0f} 秒（向量在 chroma 服务器，版本发布到共享目录，"
              f"指针在 PostgreSQL）")
        urls = [stack.enter_context(running_server(env={**env, "HOTLINE_DATA_DIR": str(work / name)}, timeout=300))
                for name in ("machine-a", "machine-b")]
        a, b = (stack.enter_context(httpx.Client(base_url=url, timeout=60)) for url in urls)
        print(f"- 在 A 开始的会话在 B 继续：{conversation(a, b)}")
        print(f"- A 上的操作员更正在 B 的待审列表中：{'是' if correction_seen(a, b) else '否'}")
        codes = limit_across(a, b, args.limit)
        print(f"- {args.limit}/分钟 的限流，{args.limit + 1} 个请求交替发往两台：429 共 {codes.count(429)} 个 {codes}")
        replies = wechat_once(a, b)
        answered = sum(r.strip() not in ("success", "") for r in replies)
        print(f"- 同一条微信消息同时送到两台：答复 {answered} 次（{['答复' if r.strip() != 'success' else 'success' for r in replies]}）")
        same, total = same_citations(a, b, core)
        print(f"- 核心集 {total} 个问题，两台的引用完全相同：{same}/{total}")
        questions = [item["question"] for item in core]
        # alternated, twice: the machine is shared, and its load drifts between runs
        for run in (1, 2):
            for machines in (1, 2):
                rate, p95, errors = throughput(urls[:machines], questions, args.clients, args.seconds)
                print(f"- 第 {run} 轮，{machines} 台机器，{args.clients} 个并发客户端 {args.seconds:.0f} 秒："
                      f"{rate:.1f} 次/秒，p95 {p95:.0f} ms，错误 {errors}")
        local_env = {**env, "HOTLINE_DATA_DIR": str(work / "machine-c"), "HOTLINE_DATABASE_URL": "",
                     "HOTLINE_REDIS_URL": ""}
        with running_server(env=local_env, timeout=300) as url_c, httpx.Client(base_url=url_c, timeout=60) as c:
            payloads = [{"question": i["question"], "region": i.get("region")} for i in core]
            shared_ms, local_ms = [], []
            for _ in range(2):  # alternated too
                shared_ms += sequential(a, payloads, 1)[0]
                local_ms += sequential(c, payloads, 1)[0]
        print(f"- 逐个提问 /v1/ask 的 p50 / p95：共享存储（PostgreSQL + Redis）{statistics.median(shared_ms):.1f} / "
              f"{percentile(shared_ms, 0.95):.1f} ms，本机存储（SQLite + 进程内存）{statistics.median(local_ms):.1f} / "
              f"{percentile(local_ms, 0.95):.1f} ms")
        cost = store_cost(pg_url, redis.url, work, args.rounds)
        print("- 每个问题的存储操作（新会话、保存回答、会话检查、历史）：" +
              f"SQLite {cost['SQLite']:.2f} ms，PostgreSQL {cost['PostgreSQL']:.2f} ms；每次限流计数：" +
              f"内存 {cost['内存限流']:.3f} ms，Redis {cost['Redis 限流']:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
