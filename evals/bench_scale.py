"""Scale: the bureau's documents buried among N generated ones.

    .venv/bin/python -m evals.bench_scale --docs 1000 [--neural]

Prints ingest throughput (clauses per second) and the ingest's peak memory, query latency p50/p95 of
POST /v1/ask over HTTP, the evaluation set's hit@1 against the four-document baseline, and the peak memory of
the serving worker. With --neural, the same ingest with a sentence-transformers model (a tiny random BERT,
as no Chinese model can be downloaded here) and the share of the time spent outside its encode calls.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bot.config import Settings
from bot.store.versions import IndexVersions
from evals.generate_corpus import generate
from evals.run import DEFAULT_SET, evaluate, load_set
from evals.server import percentile, running_server

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def ingest_subprocess(env: dict) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of `hotline ingest` in its own process."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "ingest", "--quiet"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    while process.poll() is None:
        try:
            peak = max(peak, peak_rss_mb(process.pid))
        except OSError:
            pass
        time.sleep(0.2)
    if process.returncode:
        raise RuntimeError("ingest failed")
    return time.monotonic() - started, peak


def neural_share(knowledge: Path, data: Path) -> tuple[float, float]:
    """Ingest with a neural model; returns (seconds in total, seconds inside the model's encode)."""
    from bot.embed import sentence
    from evals.tiny_model import build_tiny_model
    from ingest.build import ingest

    texts = [p.read_text(encoding="utf-8") for p in list((knowledge / "policies").glob("*.txt"))[:300]]
    model = build_tiny_model(data / "tiny", texts)
    inside = [0.0]
    original = sentence.SentenceEmbedder.embed_documents

    def timed(self, batch):
        started = time.perf_counter()
        try:
            return original(self, batch)
        finally:
            inside[0] += time.perf_counter() - started

    sentence.SentenceEmbedder.embed_documents = timed
    try:
        settings = Settings(data_dir=data / "neural", knowledge_dir=knowledge, embedder="sentence-transformers",
                            embedding_model=str(model), _env_file=None)
        started = time.perf_counter()
        ingest([knowledge], settings, progress=False)
        return time.perf_counter() - started, inside[0]
    finally:
        sentence.SentenceEmbedder.embed_documents = original


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--neural", action="store_true")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    items = load_set(DEFAULT_SET)
    with tempfile.TemporaryDirectory() as tmp:
        knowledge, data = Path(tmp) / "knowledge", Path(tmp) / "var"
        count = generate(knowledge, args.docs, seed=1, with_real=True)
        env = {**os.environ, "HOTLINE_KNOWLEDGE_DIR": str(knowledge), "HOTLINE_DATA_DIR": str(data),
               "HOTLINE_EMBEDDER": "fitted", "HOTLINE_LOG_LEVEL": "WARNING"}
        seconds, ingest_peak = ingest_subprocess(env)
        manifest = json.loads((IndexVersions(data / "index").current() / "manifest.json").read_text())
        clauses = manifest["clauses"]
        print(f"文档 {count} 份（生成 {args.docs} + 真实文件），条款 {clauses} 条")
        print(f"  入库 {seconds:.1f} 秒，{clauses / seconds:.0f} 条款/秒，峰值内存 {ingest_peak:.0f} MB")

        scaled = Settings(data_dir=data, knowledge_dir=knowledge, _env_file=None, rate_limit="off")
        baseline = Settings(_env_file=None, rate_limit="off")
        hit_scaled = evaluate(scaled, items).metrics
        hit_base = evaluate(baseline, items).metrics
        print(f"  评测集 hit@1：{hit_scaled['hit@1']:.3f}（只有本局文件时 {hit_base['hit@1']:.3f}，"
              f"下降 {hit_base['hit@1'] - hit_scaled['hit@1']:.3f}）；拒答正确率 {hit_scaled['refusal_accuracy']:.3f}"
              f"，误拒率 {hit_scaled['false_refusal_rate']:.3f}")

        with running_server(env={"HOTLINE_KNOWLEDGE_DIR": str(knowledge), "HOTLINE_DATA_DIR": str(data),
                                 "HOTLINE_LOG_LEVEL": "WARNING"}) as url:
            pid = running_server.pid
            with httpx.Client(base_url=url, timeout=60) as client:
                client.post("/v1/ask", json={"question": items[0]["question"]})
                latencies = []
                for _ in range(args.rounds):
                    for item in items:
                        started = time.perf_counter()
                        client.post("/v1/ask", json={"question": item["question"], "region": item.get("region")})
                        latencies.append((time.perf_counter() - started) * 1000)
            print(f"  POST /v1/ask × {len(latencies)}：p50 {percentile(latencies, 0.5):.1f} ms，"
                  f"p95 {percentile(latencies, 0.95):.1f} ms；服务进程峰值内存 {peak_rss_mb(pid):.0f} MB")
        if args.neural:
            total, inside = neural_share(knowledge, Path(tmp))
            print(f"  神经向量模型入库 {total:.1f} 秒，其中模型编码 {inside:.1f} 秒，"
                  f"编码之外的时间占 {(total - inside) / total:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
