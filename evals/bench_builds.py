"""What repeated in-server builds cost the serving process, and how long hostile uploads hold the server.

Starts `hotline serve` (python -m bot.cli serve) on a copy of knowledge/ in a temporary folder, then through the
admin API: N forced reindexes, N uploads each followed by its delete, a PDF of 50 000 page references and an HTML
page nested 16 000 levels. After each step it reads the server's open file descriptors and resident memory
(/proc), and counts the index versions on disk and their size. Prints one JSON object.

    python -m evals.bench_builds [--builds 20] [--uploads 5]
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
POLICY = ("某市知识产权局文件\n\n某知局〔2026〕{n}号\n\n关于印发《某市商标品牌培育办法》的通知\n\n某市商标品牌培育办法\n\n"
          "1. 培育对象。对获得驰名商标认定的企业给予一次性奖励{n}万元。\n\n某市知识产权局\n\n2026年3月1日\n")


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _process(pid: int) -> dict:
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
               if line.startswith("VmRSS:"))
    return {"fds": fds, "rss_mb": round(rss / 1024)}


def _versions(index: Path) -> dict:
    folders = [p for p in index.glob("v*") if p.is_dir()]
    size = sum(f.stat().st_size for p in folders for f in p.rglob("*") if f.is_file())
    return {"versions": len(folders), "index_mb": round(size / 2**20, 1)}


def _hostile_pdf(pages: int = 50_000) -> bytes:
    from tests.test_uploads import page_pdf

    return page_pdf(pages)


def _nested_html(levels: int = 16_000) -> bytes:
    from tests.test_uploads import nested_html

    return nested_html(levels)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builds", type=int, default=20)
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--hostile-timeout", type=float, default=600, help="seconds to wait for a hostile upload")
    args = parser.parse_args(argv)
    token = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory() as tmp:
        knowledge = Path(tmp) / "knowledge"
        shutil.copytree(ROOT / "knowledge", knowledge)
        data = Path(tmp) / "var"
        env = {**os.environ, "HOTLINE_KNOWLEDGE_DIR": str(knowledge), "HOTLINE_DATA_DIR": str(data),
               "HOTLINE_ADMIN_TOKEN": token, "HOTLINE_EMBEDDER": "fitted", "HOTLINE_ADMIN_RATE_LIMIT": "off",
               "HOTLINE_RATE_LIMIT": "off", "HOTLINE_LOG_LEVEL": "WARNING"}
        subprocess.run([sys.executable, "-m", "bot.cli", "ingest", "--quiet"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        port = _port()
        server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        result: dict = {}
        try:
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600,
                                  headers={"Authorization": f"Bearer {token}"})
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start")
                time.sleep(0.3)
            client.post("/v1/ask", json={"question": "蓝天行动的工作目标是什么"})  # the index loaded
            result["start"] = {**_process(server.pid), **_versions(data / "index")}
            for _ in range(args.builds):
                assert client.post("/v1/admin/reindex", json={"force": True}).status_code == 200
            result[f"after_{args.builds}_forced_reindexes"] = {**_process(server.pid), **_versions(data / "index")}
            for n in range(args.uploads):
                up = client.post("/v1/admin/documents", params={"filename": f"bench-{n}.txt"},
                                 content=POLICY.format(n=n + 10).encode())
                assert up.status_code == 201, up.text
                assert client.delete(f"/v1/admin/documents/bench-{n}").status_code == 200
            result[f"after_{args.uploads}_uploads_and_deletes"] = {**_process(server.pid), **_versions(data / "index")}
            for name, body in (("pages.pdf", _hostile_pdf()), ("deep.html", _nested_html())):
                started = time.perf_counter()
                try:
                    response = client.post("/v1/admin/documents", params={"filename": name}, content=body,
                                           timeout=args.hostile_timeout)
                except httpx.ReadTimeout:
                    result[name] = {"bytes": len(body), "status": f"no answer within {args.hostile_timeout:g} s"}
                    break  # the server is still parsing it, holding the build lock
                result[name] = {"bytes": len(body), "status": response.status_code,
                                "seconds": round(time.perf_counter() - started, 2),
                                "message": response.json().get("error", {}).get("message", "")[:80]}
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # busy in a parse that ignores the signal until it ends
                server.kill()
                server.wait()
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return result


if __name__ == "__main__":
    main()
