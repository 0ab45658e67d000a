"""Bad inputs: schemathesis against the app's own OpenAPI spec, counting every request from the server's own
access log (JSON lines) and every 5xx among them.

    .venv/bin/python -m evals.fuzz_api [--seconds 150]          (needs: pip install schemathesis)

Runs on a copy of the knowledge base in a temporary directory, with an admin token so the staff endpoints are
fuzzed too (except rebuilds and uploads, which take seconds each and are covered by the tests).
"""
from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from evals.server import running_server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=150)
    args = parser.parse_args()
    if shutil.which("schemathesis", path=str(Path(sys.executable).parent)) is None:
        print("需要 schemathesis：.venv/bin/pip install schemathesis", file=sys.stderr)
        return 2
    token = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory() as tmp:
        knowledge = Path(tmp) / "knowledge"
        shutil.copytree(Path("knowledge"), knowledge)
        env = {"HOTLINE_DATA_DIR": f"{tmp}/var", "HOTLINE_KNOWLEDGE_DIR": str(knowledge), "HOTLINE_ADMIN_TOKEN": token,
               "HOTLINE_LOG_LEVEL": "INFO", "HOTLINE_ADMIN_DOCS": "true"}  # the staff endpoints are in the spec
        subprocess.run([sys.executable, "-m", "bot.cli", "ingest", "--quiet"], env={**__import__("os").environ, **env},
                       check=True, capture_output=True)
        log = Path(tmp) / "serve.log"
        with running_server(env=env, log=log) as url:
            run = subprocess.run(
                [str(Path(sys.executable).parent / "schemathesis"), "run", f"{url}/openapi.json",
                 "--checks", "not_a_server_error", "--max-time", str(args.seconds), "--workers", "2",
                 "--phases", "examples,coverage,fuzzing", "--exclude-path-regex", "/v1/admin/(reindex|documents)",
                 "-H", f"Authorization: Bearer {token}", "--suppress-health-check", "all"],
                capture_output=True, text=True)
        lines, unreadable = [], []
        for line in log.read_text(encoding="utf-8").splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                unreadable.append(line)
    access = [line for line in lines if line.get("logger") == "hotline.access" and line.get("path") != "/openapi.json"]
    statuses = Counter(line["status"] for line in access)
    by_path = Counter("/documents/{id}" if line["path"].startswith("/documents/") else
                      "/".join(line["path"].split("/")[:3]) for line in access)
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    print(f"schemathesis：{args.seconds} 秒，服务端记录的请求 {len(access)} 个，5xx {server_errors} 个")
    print(f"  状态码：{dict(sorted(statuses.items()))}；非 JSON 日志行 {len(unreadable)}")
    for line in unreadable[:5]:
        print(f"    {line[:200]}")
    print(f"  接口：{dict(by_path.most_common())}")
    out = run.stdout
    print("  schemathesis：" + " / ".join([line for line in out.splitlines() if line.strip()][-4:]))
    if "FAILURES" in out:
        print(out[out.index("FAILURES"):][:3000])
    return 0 if server_errors == 0 and len(access) >= 2000 else 1


if __name__ == "__main__":
    sys.exit(main())
