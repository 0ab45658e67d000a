"""`hotline eval`: run an evaluation set through the real retriever and assistant and print the metrics.

A set is JSONL, one question a line: {"id", "question", "category", "gold": [clause ids], "must_mention":
[facts], "region", "answerable"}. A question is a hit at k when any of its gold clauses is among the first k
retrieved clauses; a service item counts with the clauses it rests on (its answer cites them).
"""
from __future__ import annotations

import json
import re
import statistics
import sys
from datetime import date
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bot.answer.generative import verify
from bot.config import Settings
from bot.retrieve.precedents import Quotes
from bot.service import Assistant
from bot.text import normalise_text

DEFAULT_SET = Path(__file__).parent / "sets" / "core.jsonl"

# The evaluation's own judge of whether an answer states the kind of fact a question asks (the set's `asks`
# label, written with the question). Deliberately independent of the assistant's knowledge/question_kinds.yaml,
# which decides what the assistant answers: an answer must not be judged by the rules that made it. Broad on
# purpose — it flags an answer that states no such fact at all (a fee question, "保护中心那个专利预审要收钱吗",
# answered by a preamble that names no fee), not one that states the wrong one. Citation marks ([1]) and the
# status notes (注意：…) are not what the answer states.
_NUM = r"[0-9０-９一二三四五六七八九十百千万两]+"
STATES_FACT = {
    "date": re.compile(rf"{_NUM}\s*(年|月|日|号)|之日|届满|期限|以前|之前|以后|之后|起|每(年|月|周|季度)|星期[一二三四五六日天]"),
    "period": re.compile(rf"{_NUM}\s*(个)?(工作日|自然日|日|天|月|年|周|小时)|之日|届满|期限|期间|时限"),
    "fee": re.compile(rf"{_NUM}\s*(元|万元|块)|[0-9.]+\s*[%％]|百分之|免.{{0,4}}费|免收|不收|无需缴|不需缴|无偿|减缴|"
                      r"(?:收取|缴纳|交纳).{0,8}费"),
    "number": re.compile(rf"{_NUM}\s*(个|名|家|件|项|人|次|种|类|部|批|所|户|位|份|倍|万|亿|元|%|％|天|日|月|年|周|小时|"
                         r"学时|分|场|岁|条|期|届|轮|篇|张|台)"),
    "place": re.compile(r"地址|[路街道巷]\S{0,6}号|号楼|室|大厦|大楼|中心|窗口|大厅|网站|网址|平台|系统|http|www|办事处|"
                        r"所在地|行为地|住所地|向\S{1,20}(局|部门|中心|机构|法院|委员会)|"
                        r"(局|部门|厅|委员会|中心)\S{0,4}(负责|主管|管理|查处|处理)|[\u4e00-\u9fff]{2,4}[市区县]、"),
    "contact": re.compile(r"\d{5,}|\d{3,4}-\d{7,8}|电话|热线|邮箱|@|网站|网址|http|www|窗口"),
    "hours": re.compile(r"\d{1,2}[:：]\d{2}|(?<!第)\d{1,2}\s*[点时](?!间)|[上下]午\s*\S|周[一二三四五六日]\s*[至到—~～-]|"
                        r"(?<![\d个一二三四五六七八九十两])工作日|24小时(?!内)|全天(?!候)"),
}
_MARKS = re.compile(r"\[\d+\]")


@dataclass
class Result:
    item: dict
    ranked: list[set[str]]  # per rank: the clause, or a service item with the clauses it rests on
    grounded: bool
    answer: str
    seconds: float
    composer: str = "extractive"
    trace: dict = field(default_factory=dict)
    final_unsupported: int = 0

    @property
    def rank(self) -> int | None:
        for i, cited in enumerate(self.ranked[:5], start=1):
            if cited & set(self.item["gold"]):
                return i
        return None

    @property
    def states_asked_fact(self) -> bool | None:
        """Whether the answer's text (before its citations) states a fact of the kind asked; None when the question
        asks no such kind or was refused."""
        pattern = STATES_FACT.get(self.item.get("asks") or "")
        if pattern is None or not self.grounded:
            return None
        said = [line for line in self.answer.split("\n\n依据")[0].splitlines() if not line.startswith("注意")]
        return pattern.search(_MARKS.sub("", "\n".join(said))) is not None

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
    results: list[Result] = field(default_factory=list)
    refusals: dict = field(default_factory=dict)  # refusal_breakdown's


def refused_by(result: Result) -> str | None:
    """What refused an answer: the answerability model (below its threshold), a rule (a fact asked and not stated,
    another kind of right, off-task…), or a service item leaving the field asked open; None when it was answered."""
    if result.grounded:
        return None
    reason = result.trace.get("reason", "")
    if reason.startswith("unanswerable"):
        return "model"
    return "service item" if reason == "answerable" else "rule"


def refusal_breakdown(results: list[Result]) -> dict:
    """Refusal accuracy and false refusals apart for the questions the assistant reads as asking a kind of fact its
    question kinds state (a date, a fee, a phone…: the fact-missing rule may refuse them; the rules' notion, wider than
    the model's `asks_fact` feature, which leaves some kinds out) and those it reads as asking none (whether something
    is allowed, what a term covers: only the model and the rules about the question as a whole — off-task, another
    kind of right, another year — can), with what refused each. A rule here is any of decide.refusal_rule's, the
    gatekeeping ones (off-task, no documents for the region, not one word matched, sensitive) included."""
    def refused(group: list[Result]) -> float | None:
        return round(sum(not r.grounded for r in group) / len(group), 3) if group else None

    out = {}
    for name, asks in (("asks_fact", True), ("asks_no_fact", False)):
        rs = [r for r in results if bool(r.trace.get("asks_fact")) == asks]
        answerable = [r for r in rs if r.item["answerable"]]
        unanswerable = [r for r in rs if not r.item["answerable"]]
        out[name] = {
            "answerable": len(answerable), "unanswerable": len(unanswerable),
            "false_refusal_rate": refused(answerable), "refusal_accuracy": refused(unanswerable),
            "refused_by": {
                side: dict(sorted(Counter(refused_by(r) for r in group if not r.grounded).items()))
                for side, group in (("answerable", answerable), ("unanswerable", unanswerable))},
        }
    return out


def figure(value: float | None, digits: int = 3) -> str:
    """A share as printed: "-" when there was nothing to count."""
    return "-" if value is None else f"{value:.{digits}f}"


def documents_of(item: dict) -> set[str]:
    """The documents a set's question is about: its `doc`, else those of its gold clauses."""
    return {item["doc"]} if item.get("doc") else {g.split(":")[0] for g in item.get("gold") or []}


def load_set(path: Path) -> list[dict]:
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: 不是有效的 JSON：{exc}") from exc
    return items


class GoldNotFound(ValueError):
    """A question's evidence quote is in no clause of its document in the index evaluated."""


def resolve_gold(items: list[dict], records) -> list[str]:
    """Give each answerable item without `gold` the clauses of its document that contain its `evidence` (a
    verbatim quote written with the question), so that the bank does not depend on how documents are cut; a
    quote of a heading (（一）基础服务（免费）) names the clauses under it. A quote no clause holds is text the index
    lost: the item keeps no gold (a miss) and is named in the result; a document missing from the index is an
    error."""
    missing, lost = [], []
    quotes = Quotes(records)
    for item in items:
        if item.get("gold") or not item.get("answerable") or not item.get("evidence"):
            item.setdefault("gold", [])
            continue
        if item["doc"] not in records.documents:
            missing.append(f"{item['id']}：索引中没有文档 {item['doc']}（请先用 python -m evals.bank 建立评测索引）")
            continue
        item["gold"] = quotes.clauses(item["doc"], item["evidence"])
        if not item["gold"]:
            lost.append(f"{item['id']}：文档 {item['doc']} 的条款中找不到引文「{item['evidence']}」")
    if missing:
        raise GoldNotFound("\n".join(missing))
    return lost


def _asked(assistant: Assistant, retriever, settings: Settings, items: list[dict],
           unasked: bool = False) -> list[Result]:
    """Each question asked through the assistant, with the clauses the search ranks first; `unasked`: with no past
    question about its own documents lending anything, as a document just added is searched."""
    results = []
    for item in items:
        with retriever.precedents.holding_out(documents=_new_documents(retriever, item) if unasked else ()):
            results.append(_ask_one(assistant, retriever, settings, item))
    return results


def _new_documents(retriever, item: dict) -> set[str]:
    """The documents an item is about, taken as nobody's asked about them (`unasked`): its own, or, for a question the
    documents do not answer that names none (core's unanswerable ones), the one its best clause is of, whose past
    questions would otherwise tell the refusal features about it."""
    documents = documents_of(item)
    if not documents:
        hits = retriever.search(retriever.parse(item["question"], item.get("region")), k=1)
        documents = {hits[0].clause.doc_id} if hits else set()
    return documents


def _ask_one(assistant: Assistant, retriever, settings: Settings, item: dict) -> Result:
    """One question asked through the assistant, with the clauses the search ranks first."""
    trace: dict = {}
    started = time.perf_counter()
    as_of = date.fromisoformat(item["as_of"]) if item.get("as_of") else None
    answer = assistant.ask(item["question"], region=item.get("region"), trace=trace, as_of=as_of)
    seconds = time.perf_counter() - started
    hits = retriever.search(retriever.parse(item["question"], item.get("region"), as_of), k=5)
    final = verify(answer.answer.split("\n\n依据")[0], answer.citations,
                   closing_chars=settings.display.llm_closing_chars) if answer.composer != "extractive" else None
    ranked = [{h.clause.id, *(retriever.records.items[h.clause.id].basis_list
                              if h.clause.id in retriever.records.items else [])} for h in hits]
    if answer.composer == "faq":  # a curated answer: what it cites comes first
        ranked = [{c.clause_id} for c in answer.citations if c.kind != "faq"] + ranked
    return Result(item, ranked, answer.grounded, answer.answer, seconds,
                  answer.composer, trace, final.unsupported_facts if final else 0)


def evaluate(settings: Settings, items: list[dict], unasked: bool = False) -> Report:
    """The set's questions asked through the assistant, and its figures. `unasked`: each question as if nobody had
    asked about its documents before (their past questions in knowledge/asked.jsonl lend nothing), which is how
    the documents of the frozen test split, and any document a bureau has just added, are searched."""
    assistant = Assistant(settings)
    retriever = assistant.retriever()
    for line in resolve_gold(items, retriever.records):
        print(f"注意：{line}", file=sys.stderr)
    assistant.ask("预热")  # first call loads lazily-built structures; keep it out of the latency figures
    with retriever.precedents.holding_out(items):  # a set's own questions lend it nothing
        results = _asked(assistant, retriever, settings, items, unasked)

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
        # of the answers to questions asking a date, period, fee, number, place, contact or hours: those stating none
        "fact_unstated": share(not s for s in (r.states_asked_fact for r in results) if s is not None),
        "latency_ms_median": round(statistics.median(latencies), 1) if latencies else 0.0,
        "latency_ms_p95": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1)
        if latencies else 0.0,
    }
    if assistant.llm is not None:
        metrics.update(llm_metrics([r for r in results if r.grounded]))
    groups = defaultdict(list)
    for r in results:
        groups[r.item.get("category", "other")].append(r)
    by_category = {}
    for name, rs in sorted(groups.items()):
        answerable_rs = [r for r in rs if r.item["answerable"]]
        by_category[name] = {
            "n": len(rs),
            "hit@1": share(r.rank == 1 for r in answerable_rs) if answerable_rs else None,
            "must_mention": share(r.mentioned if r.grounded else 0.0 for r in answerable_rs) if answerable_rs else None,
            "grounded": share(r.grounded for r in rs),
            "correct_refusals": share(not r.grounded for r in rs if not r.item["answerable"])
            if any(not r.item["answerable"] for r in rs) else None,
        }
    misses = [
        {"id": r.item["id"], "question": r.item["question"], "rank": r.rank, "grounded": r.grounded,
         "top": [sorted(c)[0] if len(c) == 1 else sorted(c) for c in r.ranked[:3]], "gold": r.item["gold"],
         "mentioned": round(r.mentioned, 2), **({"fact_unstated": r.item["asks"]} if r.states_asked_fact is False else {})}
        for r in results
        if (r.item["answerable"] and (r.rank != 1 or not r.grounded or r.mentioned < 1))
        or (not r.item["answerable"] and r.grounded) or r.states_asked_fact is False
    ]
    return Report(metrics, by_category, misses, results, refusal_breakdown(results))


def llm_metrics(grounded: list[Result]) -> dict:
    """What the LLM wrote before verification, and what verification let through."""
    raws = [r.trace["verification"] for r in grounded if "verification" in r.trace]
    markers = sum(v.markers for v in raws)
    facts = sum(v.facts for v in raws)
    n = len(grounded) or 1
    llm_latencies = sorted(r.seconds * 1000 for r in grounded)
    return {
        "llm_citation_validity": round(sum(v.valid_markers for v in raws) / markers, 3) if markers else 0.0,
        "llm_unsupported_fact_rate": round(sum(v.unsupported_facts for v in raws) / facts, 3) if facts else 0.0,
        "final_unsupported_facts": sum(r.final_unsupported for r in grounded),
        "composer_llm": round(sum(r.composer == "llm" for r in grounded) / n, 3),
        "composer_llm_repaired": round(sum(r.composer == "llm-repaired" for r in grounded) / n, 3),
        "fallback_rate": round(sum(r.composer == "extractive" for r in grounded) / n, 3),
        "llm_errors": sum("error" in r.trace for r in grounded),
        "grounded_latency_ms_median": round(statistics.median(llm_latencies), 1) if llm_latencies else 0.0,
        "grounded_latency_ms_p95": round(llm_latencies[min(len(llm_latencies) - 1, int(0.95 * len(llm_latencies)))],
                                         1) if llm_latencies else 0.0,
    }


def main(settings: Settings, set_path: Path | None = None, as_json: bool = False, verbose: bool = False,
         unasked: bool = False) -> int:
    items = load_set(set_path or DEFAULT_SET)
    from evals import transcripts

    if transcripts.is_transcript_set(items):  # call transcripts: questions found, cards, refusals
        if unasked:
            print("--unasked 只适用于问题集：通话记录集（transcripts）按原样评测，请去掉 --unasked", file=sys.stderr)
            return 2
        return transcripts.report(settings, items, set_path, as_json, verbose)
    report = evaluate(settings, items, unasked)
    if as_json:
        print(json.dumps({"metrics": report.metrics, "by_category": report.by_category, "refusals": report.refusals,
                          "misses": report.misses if verbose else len(report.misses)}, ensure_ascii=False, indent=2))
        return 0
    m = report.metrics
    print(f"评测集：{set_path or DEFAULT_SET}（{m['questions']} 题，可回答 {m['answerable']}，不可回答 {m['unanswerable']}）")
    for key in ("hit@1", "hit@5", "mrr@5", "must_mention", "refusal_accuracy", "false_refusal_rate", "fact_unstated"):
        print(f"  {key:20s} {m[key]:.3f}")
    print(f"  {'latency_ms_median':20s} {m['latency_ms_median']:.1f}")
    print(f"  {'latency_ms_p95':20s} {m['latency_ms_p95']:.1f}")
    if "fallback_rate" in m:
        print("LLM（已回答的问题）：")
        for key in ("llm_citation_validity", "llm_unsupported_fact_rate", "final_unsupported_facts", "composer_llm",
                    "composer_llm_repaired", "fallback_rate", "llm_errors", "grounded_latency_ms_median",
                    "grounded_latency_ms_p95"):
            print(f"  {key:28s} {m[key]}")
    print("拒答（问具体事实的 / 不问的；拒答来源：model 模型，rule 规则，service item 服务事项未写明）：")
    for name, label in (("asks_fact", "问具体事实"), ("asks_no_fact", "不问具体事实")):
        values = report.refusals[name]
        print(f"  {label:8s} 可回答 {values['answerable']:3d} 误拒 {figure(values['false_refusal_rate'])} "
              f"{values['refused_by']['answerable']}；不可回答 {values['unanswerable']:3d} "
              f"拒答正确 {figure(values['refusal_accuracy'])} {values['refused_by']['unanswerable']}")
    print("按类别：")
    for name, values in report.by_category.items():
        print(f"  {name:14s} n={values['n']:3d} hit@1={figure(values['hit@1'], 2)} "
              f"must={figure(values['must_mention'], 2)} "
              f"grounded={values['grounded']:.2f} refused-correctly={figure(values['correct_refusals'], 2)}")
    if verbose:
        for miss in report.misses:
            print(json.dumps(miss, ensure_ascii=False))
    return 0
