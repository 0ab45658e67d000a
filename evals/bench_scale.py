"""Scale: the bureau's documents buried among N generated ones.

    .venv/bin/python -m evals.bench_scale --docs 1000 [--neural] [--workdir DIR [--reuse]] [--seed N]
                                          [--quality-only] [--measures S] [--province-share P] [--home-region R]

Prints, for the embedded default store:
- ingest throughput (clauses per second), the ingest's peak memory and where its time went;
- hit@1 of the core and held-out sets against the four-document baseline, also with HOTLINE_HOME_REGION set;
- POST /v1/ask latency p50/p95 over HTTP (one question at a time) and the serving worker's peak memory, served
  with HOTLINE_HOME_REGION set as a bureau runs it (--home-region; empty: without);
- answers per second of one worker and of two under concurrent clients.
With --neural, the share of a neural ingest spent outside the model's encode calls, for two random BERTs
built here (no Chinese model can be downloaded on this machine): a tiny one (2 layers, width 32), which shows
the pipeline's own cost, and one with bge-small-zh-v1.5's architecture (4 layers, width 512, 8 heads), whose
encode costs what the real model's does, whatever its weights.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bot.config import Settings
from bot.store.records import Records
from bot.store.versions import IndexVersions
from evals.bench_ask import sequential
from evals.bench_load import load
from evals.generate_corpus import PROVINCE_SHARE, generate
from evals.run import DEFAULT_SET, evaluate, load_set
from evals.server import percentile, running_server

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "evals" / "sets" / "heldout.jsonl"


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def ingest_subprocess(env: dict) -> tuple[float, float, str]:
    """Seconds, peak RSS (MB) and the summary of `hotline ingest` in its own process."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "ingest", "--quiet", "--force"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = 0.0
    while process.poll() is None:
        try:
            peak = max(peak, peak_rss_mb(process.pid))
        except OSError:
            pass
        time.sleep(0.2)
    output = process.stdout.read()
    if process.returncode:
        raise RuntimeError(f"ingest failed: {output[-500:]}")
    return time.monotonic() - started, peak, output


def neural_share(knowledge: Path, work: Path, size: str) -> tuple[float, float, int]:
    """Ingest with a random BERT of `size`; returns (seconds in all, seconds inside its encode calls, passages)."""
    from bot.embed import sentence
    from evals.tiny_model import build_tiny_model
    from ingest.build import ingest

    texts = [p.read_text(encoding="utf-8") for p in list((knowledge / "policies").glob("*.txt"))[:300]]
    model = build_tiny_model(work / f"model-{size}", texts, size=size)
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
        settings = Settings(data_dir=work / f"neural-{size}", knowledge_dir=knowledge, embedder="sentence-transformers",
                            embedding_model=str(model), _env_file=None)
        started = time.perf_counter()
        summary = ingest([knowledge], settings, progress=False)
        return time.perf_counter() - started, inside[0], summary.passages
    finally:
        sentence.SentenceEmbedder.embed_documents = original


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000, help="generated documents (the real ones are added)")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the core set for the latency figures")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients for the throughput figures")
    parser.add_argument("--seconds", type=float, default=15, help="length of each throughput run")
    parser.add_argument("--neural", action="store_true", help="also measure a neural ingest's share outside encode")
    parser.add_argument("--neural-docs", type=int, default=100, help="generated documents for the neural ingest")
    parser.add_argument("--workdir", type=Path, help="keep the corpus and index here (default: a temporary folder)")
    parser.add_argument("--measures", type=float,
                        help="share of measures among the generated documents (default 0.3; 1: measures only)")
    parser.add_argument("--province-share", type=float, default=PROVINCE_SHARE,
                        help=f"share of documents from a province's own bureau (default {PROVINCE_SHARE})")
    parser.add_argument("--home-region", default="上海市",
                        help="also evaluate with HOTLINE_HOME_REGION set to this (the evaluation sets' questions "
                             "that name no region are about 上海; empty: skip)")
    parser.add_argument("--seed", type=int, default=1, help="the generator's seed (another seed: another corpus)")
    parser.add_argument("--quality-only", action="store_true",
                        help="ingest and evaluate only (no latency, throughput or neural figures)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the index already in --workdir instead of generating and ingesting again")
    args = parser.parse_args()
    core, heldout = load_set(DEFAULT_SET), load_set(HELDOUT)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        knowledge, data = work / "knowledge", work / "var"
        reuse = args.reuse and IndexVersions(data / "index").current() is not None
        if not reuse:
            generate(knowledge, args.docs, seed=args.seed, with_real=True, measures=args.measures,
                     province_share=args.province_share)
            env = {**os.environ, "HOTLINE_KNOWLEDGE_DIR": str(knowledge), "HOTLINE_DATA_DIR": str(data),
                   "HOTLINE_EMBEDDER": "fitted", "HOTLINE_LOG_LEVEL": "WARNING"}
            seconds, ingest_peak, report = ingest_subprocess(env)
        records = Records.load(IndexVersions(data / "index").current())
        clauses = len(records.clauses)
        print(f"文档 {len(records.documents)} 份（{'沿用已有索引' if reuse else f'生成 {args.docs} + 真实文件'}），"
              f"条款 {clauses} 条，检索片段 {len(records.passages)} 个")
        if not reuse:
            print(f"  入库（进程启动到退出）{seconds:.1f} 秒，{clauses / seconds:.0f} 条款/秒，峰值内存 {ingest_peak:.0f} MB")
            phases = re.search(r"用时 [^\n]*", report)
            print(f"  {phases.group(0) if phases else report.strip()}")

        for home in dict.fromkeys(["", args.home_region]):
            scaled = Settings(data_dir=data, knowledge_dir=knowledge, _env_file=None, rate_limit="off", home_region=home)
            baseline = Settings(_env_file=None, rate_limit="off", home_region=home)
            for name, items in (("核心集", core), ("留出集", heldout)):
                at_scale, alone = evaluate(scaled, items).metrics, evaluate(baseline, items).metrics
                print(f"  {name}{f'（本局地区 {home}）' if home else ''} hit@1：{at_scale['hit@1']:.3f}"
                      f"（只有本局文件时 {alone['hit@1']:.3f}，下降 {alone['hit@1'] - at_scale['hit@1']:.3f}）；"
                      f"拒答正确率 {at_scale['refusal_accuracy']:.3f}，误拒率 {at_scale['false_refusal_rate']:.3f}")

        if args.quality_only:
            return 0
        # served as a bureau runs it: with its home region, whose documents are searched a second time
        server_env = {"HOTLINE_KNOWLEDGE_DIR": str(knowledge), "HOTLINE_DATA_DIR": str(data),
                      "HOTLINE_LOG_LEVEL": "WARNING", "HOTLINE_HOME_REGION": args.home_region}
        served = f"（本局地区 {args.home_region}）" if args.home_region else ""
        questions = [item["question"] for item in core]
        for workers in (1, 2):
            with running_server(env=server_env, workers=workers) as url:
                pid = running_server.pid
                if workers == 1:
                    with httpx.Client(base_url=url, timeout=60) as client:
                        latencies, errors = sequential(client, [{"question": i["question"], "region": i.get("region")}
                                                                for i in core], args.rounds)
                    print(f"  POST /v1/ask{served} × {len(latencies)}（逐个提问）：p50 {percentile(latencies, 0.5):.1f} ms，"
                          f"p95 {percentile(latencies, 0.95):.1f} ms，错误 {errors}")
                load(url, questions, args.clients, 3, [])  # every worker has answered once before the count
                results: list = []
                elapsed = load(url, questions, args.clients, args.seconds, results)
                ok = sum(1 for r in results if r[1])
                print(f"  {workers} 个工作进程{served}，{args.clients} 个并发客户端 {args.seconds:.0f} 秒："
                      f"{ok / elapsed:.1f} 次/秒，错误 {len(results) - ok}"
                      + (f"；工作进程峰值内存 {peak_rss_mb(pid):.0f} MB" if workers == 1 else ""))
        if args.neural:
            small = work / "neural-knowledge"
            generate(small, args.neural_docs, seed=2, with_real=True)
            for size in ("tiny", "bge-small"):
                total, inside, passages = neural_share(small, work, size)
                print(f"  神经向量模型（随机 BERT，{size} 结构）入库 {passages} 个片段 {total:.1f} 秒，"
                      f"其中模型编码 {inside:.1f} 秒，编码之外的时间占 {(total - inside) / total:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
