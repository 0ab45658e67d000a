"""`hotline eval`: run an evaluation set through the real retriever and assistant and print the metrics.

A set is JSONL, one question a line: {"id", "question", "category", "gold": [clause ids], "must_mention":
[facts], "region", "answerable"}. A question is a hit at k when any of its gold clauses is among the first k
retrieved clauses.
"""
from __future__ import annotations

import json
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from bot.service import Assistant
from bot.text import normalise_text

DEFAULT_SET = Path(__file__).parent / "sets" / "core.jsonl"


@dataclass
class Result:
    item: dict
    ranked: list[str]
    grounded: bool
    answer: str
    seconds: float

    @property
    def rank(self) -> int | None:
        for i, clause_id in enumerate(self.ranked[:5], start=1):
            if clause_id in self.item["gold"]:
                return i
        return None

    @property
    def mentioned(self) -> float:
        must = self.item.get("must_mention") or []
        if not must:
            return 1.0
        answer = normalise_text(self.answer)
        return sum(normalise_text(m) in answer for m in must) / len(must)


@dataclass
class Report:
    metrics: dict
    by_category: dict
    misses: list[dict] = field(default_factory=list)


def load_set(path: Path) -> list[dict]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: 不是有效的 JSON：{exc}") from exc
    return items


def evaluate(settings: Settings, items: list[dict]) -> Report:
    assistant = Assistant(settings)
    retriever = assistant.retriever()
    assistant.ask("预热")  # first call loads lazily-built structures; keep it out of the latency figures
    results = []
    for item in items:
        started = time.perf_counter()
        answer = assistant.ask(item["question"], region=item.get("region"))
        seconds = time.perf_counter() - started
        hits = retriever.search(retriever.parse(item["question"], item.get("region")), k=5)
        results.append(Result(item, [h.clause.id for h in hits], answer.grounded, answer.answer, seconds))

    answerable = [r for r in results if r.item["answerable"]]
    unanswerable = [r for r in results if not r.item["answerable"]]

    def share(values) -> float:
        values = list(values)
        return round(sum(values) / len(values), 3) if values else 0.0

    latencies = sorted(r.seconds * 1000 for r in results)
    metrics = {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit@1": share(r.rank == 1 for r in answerable),
        "hit@5": share(r.rank is not None for r in answerable),
        "mrr@5": share((1 / r.rank if r.rank else 0.0) for r in answerable),
        "must_mention": share(r.mentioned if r.grounded else 0.0 for r in answerable),
        "refusal_accuracy": share(not r.grounded for r in unanswerable),
        "false_refusal_rate": share(not r.grounded for r in answerable),
        "latency_ms_median": round(statistics.median(latencies), 1) if latencies else 0.0,
        "latency_ms_p95": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1)
        if latencies else 0.0,
    }
    groups = defaultdict(list)
    for r in results:
        groups[r.item.get("category", "other")].append(r)
    by_category = {}
    for name, rs in sorted(groups.items()):
        answerable_rs = [r for r in rs if r.item["answerable"]]
        by_category[name] = {
            "n": len(rs),
            "hit@1": share(r.rank == 1 for r in answerable_rs) if answerable_rs else None,
            "grounded": share(r.grounded for r in rs),
        }
    misses = [
        {"id": r.item["id"], "question": r.item["question"], "rank": r.rank, "grounded": r.grounded,
         "top": r.ranked[:3], "gold": r.item["gold"], "mentioned": round(r.mentioned, 2)}
        for r in results
        if (r.item["answerable"] and (r.rank != 1 or not r.grounded or r.mentioned < 1))
        or (not r.item["answerable"] and r.grounded)
    ]
    return Report(metrics, by_category, misses)


def main(settings: Settings, set_path: Path | None = None, as_json: bool = False, verbose: bool = False) -> int:
    items = load_set(set_path or DEFAULT_SET)
    report = evaluate(settings, items)
    if as_json:
        print(json.dumps({"metrics": report.metrics, "by_category": report.by_category,
                          "misses": report.misses if verbose else len(report.misses)}, ensure_ascii=False, indent=2))
        return 0
    m = report.metrics
    print(f"评测集：{set_path or DEFAULT_SET}（{m['questions']} 题，可回答 {m['answerable']}，不可回答 {m['unanswerable']}）")
    for key in ("hit@1", "hit@5", "mrr@5", "must_mention", "refusal_accuracy", "false_refusal_rate"):
        print(f"  {key:20s} {m[key]:.3f}")
    print(f"  {'latency_ms_median':20s} {m['latency_ms_median']:.1f}")
    print(f"  {'latency_ms_p95':20s} {m['latency_ms_p95']:.1f}")
    print("按类别：")
    for name, values in report.by_category.items():
        hit = "-" if values["hit@1"] is None else f"{values['hit@1']:.2f}"
        print(f"  {name:14s} n={values['n']:3d} hit@1={hit} grounded={values['grounded']:.2f}")
    if verbose:
        for miss in report.misses:
            print(json.dumps(miss, ensure_ascii=False))
    return 0
