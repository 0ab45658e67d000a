"""Faults: kill -9 a full rebuild at a random moment, N times; each time the service must still answer from a
complete index and the next build must succeed with the right clause count.

    .venv/bin/python -m evals.bench_faults [--runs 20]

Works in a temporary data directory (the knowledge base is HOTLINE_KNOWLEDGE_DIR, default knowledge/).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.config import Settings
from bot.service import Assistant
from bot.store.versions import IndexVersions

QUESTION = "企业遇到侵权纠纷，上海有没有公益的维权援助？"


def build(env: dict, force: bool = True) -> subprocess.Popen:
    command = [sys.executable, "-m", "bot.cli", "ingest", "--quiet"] + (["--force"] if force else [])
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HOTLINE_DATA_DIR": tmp, "HOTLINE_LOG_LEVEL": "WARNING"}
        settings = Settings(data_dir=Path(tmp))
        versions = IndexVersions(settings.index_dir)
        started = time.monotonic()
        assert build(env).wait() == 0, "the first build failed"
        duration = time.monotonic() - started
        expected = json.loads((versions.current() / "manifest.json").read_text(encoding="utf-8"))["clauses"]
        print(f"完整重建用时 {duration:.1f} 秒，条款 {expected} 条；在其间随机时刻 kill -9，共 {args.runs} 次")
        failures = 0
        for run in range(1, args.runs + 1):
            process = build(env)
            delay = rng.uniform(0.05, duration * 1.1)
            time.sleep(delay)
            finished = process.poll() is not None
            if not finished:
                process.send_signal(signal.SIGKILL)
            process.wait()
            live = versions.current()
            answered = False
            if live is not None:
                answer = Assistant(settings).ask(QUESTION)
                answered = answer.grounded and answer.citations[0].clause == "二、（三）2."
            completed = build(env).wait() == 0
            clauses = json.loads((versions.current() / "manifest.json").read_text(encoding="utf-8"))["clauses"]
            # the index live right after the kill is a complete one (the previous, or a build that finished)
            complete = live is not None and (live / "manifest.json").exists()
            ok = complete and answered and completed and clauses == expected
            failures += not ok
            print(f"  #{run:2d} kill at {delay:4.1f}s{'（已完成）' if finished else ''}: live={live.name if live else None} "
                  f"answers={'yes' if answered else 'NO'} next-build={'ok' if completed else 'FAILED'} "
                  f"clauses={clauses}{'' if clauses == expected else ' WRONG'}")
        print(f"结果：{args.runs - failures}/{args.runs} 次服务照常答复、下一次重建成功且条款数正确")
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
