"""Call transcripts evaluated as an operator meets them: were the caller's questions found (in order), can each
card be read out, and were answerable questions answered and unanswerable ones refused?

A set is JSONL, one call a line: {"id", "style", "transcript", "questions": [{"ask", "meaning", "answerable",
"doc", "evidence", "must_mention", "why_unanswerable"}]} with the questions in the order the caller asked them.
The documents are named as ../shared/corpus names them; gold clauses are found from each verbatim `evidence`
quote in the index evaluated. The calls also ask about the shared public-service catalogue, which is not part of
knowledge/: build the index they are about with

    python -m evals.transcripts                       # var/eval-transcripts/ (knowledge/ + the catalogue), dev set
    python -m evals.transcripts --sets evals/sets/transcripts-test.jsonl
    hotline --data-dir var/eval-transcripts eval --set evals/sets/transcripts-dev.jsonl -v
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz

from bot.config import Settings
from bot.text import normalise_text

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
SETS = Path(__file__).parent / "sets"
MATCH_SCORE = 60  # a question found is the caller's question when their sounds agree this well (0–100)
_LEAD_INS = ("根据", "依据", "以下", "关于", "抱歉")


def is_transcript_set(items: list[dict]) -> bool:
    return bool(items) and "transcript" in items[0]


def readable(text: str, limit: int) -> bool:
    """A card an operator can read out: said whole, short (at most `limit`, HOTLINE_SPOKEN_LIMIT), to the caller."""
    text = text.strip()
    return (0 < len(text) <= limit and text[-1] in "。！？." and "…" not in text
            and not re.search(r"[：，、；]。?$|如下。?$|供参考", text) and not re.search(r"\[\d+\]", text)
            and "来电人" not in text and "话务员" not in text and len(re.findall(r"[\u4e00-\u9fff]", text)) >= 8)


def leads_with_fact(text: str) -> bool:
    """An answer read out starts with what answers, not with its source or a preamble."""
    return not text.startswith(_LEAD_INS)


def _sound(text: str) -> str:
    """A question as heard: its syllables (ASR's 知识产全 and the corrected 知识产权 agree), no spaces or marks."""
    text = re.sub(r"[^\w]", "", normalise_text(text))
    return " ".join(lazy_pinyin(text))


def match_questions(asked: list[str], found: list[str]) -> list[int | None]:
    """For each question the caller asked (in order), the index of the question found for it, matching in
    order: a found question is used once, and after the one matched before it."""
    out: list[int | None] = []
    start = 0
    for ask in asked:
        scores = [(fuzz.partial_ratio(_sound(ask), _sound(f)), i) for i, f in enumerate(found) if i >= start]
        best = max(scores, default=(0, None))
        if best[1] is not None and best[0] >= MATCH_SCORE:
            out.append(best[1])
            start = best[1] + 1
        else:
            out.append(None)
    return out


@dataclass
class CallResult:
    item: dict
    found: list[str]
    cards: dict[str, dict]  # question found → its suggestion
    matched: list[int | None]
    seconds: float
    golds: list[list[str]] = field(default_factory=list)


def resolve(items: list[dict], records) -> list[str]:
    """Each answerable question's gold clauses: those holding its evidence quote (in its document when the index
    has it, else anywhere). Returns the quotes no clause holds."""
    from evals.import_blind import doc_id

    lost = []
    for item in items:
        item["_gold"] = []
        for q in item["questions"]:
            quote = "".join(normalise_text(q.get("evidence") or "").split())
            if not q.get("answerable") or not quote:
                item["_gold"].append([])
                continue
            doc = doc_id(q.get("doc") or "")
            clauses = records.clauses_of(doc) if doc in records.documents else records.clauses.values()
            gold = [c.id for c in clauses if quote in "".join(normalise_text(c.text).split())]
            item["_gold"].append(gold)
            if not gold:
                lost.append(f"{item['id']}：找不到引文「{q['evidence']}」")
    return lost


def evaluate(settings: Settings, items: list[dict]) -> tuple[dict, list[dict]]:
    from bot.service import Assistant, InvalidQuestion

    assistant = Assistant(settings)
    for line in resolve(items, assistant.retriever().records):
        print(f"注意：{line}", file=sys.stderr)
    assistant.suggest("来电人：专利代理师考试要报名费吗？")  # loads what loads lazily, outside the timings
    results = []
    for item in items:
        started = time.perf_counter()
        try:
            response = assistant.suggest(item["transcript"]).model_dump(mode="json")
        except InvalidQuestion:
            response = {"questions": [], "suggestions": []}
        seconds = time.perf_counter() - started
        found = response["questions"]
        cards = {s["question"]: s for s in response["suggestions"]}
        matched = match_questions([q["ask"] for q in item["questions"]], found)
        results.append(CallResult(item, found, cards, matched, seconds, item["_gold"]))
    limit = settings.display.spoken_limit
    return metrics(results, limit), misses(results, limit)


def _share(values) -> float:
    values = list(values)
    return round(sum(values) / len(values), 3) if values else 0.0


def metrics(results: list[CallResult], spoken_limit: int) -> dict:
    asked = [(r, q, i) for r in results for i, q in enumerate(r.item["questions"])]
    matched = [(r, q, r.cards.get(r.found[r.matched[i]])) for r, q, i in asked if r.matched[i] is not None]
    matched = [(r, q, card) for r, q, card in matched if card is not None]
    answerable = [(r, q, c) for r, q, c in matched if q["answerable"]]
    unanswerable = [(r, q, c) for r, q, c in matched if not q["answerable"]]
    cards = [c for r in results for c in r.cards.values()]
    found = sum(len(r.found) for r in results)
    spurious = sum(len(r.found) - len({m for m in r.matched if m is not None}) for r in results)
    gold_of = {id(q): r.golds[i] for r in results for i, q in enumerate(r.item["questions"])}
    with_gold = [(q, c) for _, q, c in answerable if gold_of[id(q)]]
    seconds = sorted(r.seconds * 1000 for r in results)
    return {
        "calls": len(results), "questions": len(asked),
        "answerable": sum(q["answerable"] for _, q, _ in asked),
        "question_recall": _share(r.matched[i] is not None for r, _, i in asked),
        "questions_found": found,
        "spurious_questions": spurious,
        "cards": len(cards),
        "readable": _share(readable(c["answer"], spoken_limit) for c in cards),
        "leads_with_fact": _share(leads_with_fact(c["answer"]) for _, _, c in answerable if c["grounded"]),
        "false_refusal_rate": _share(not c["grounded"] for _, _, c in answerable),
        "refusal_accuracy": _share(not c["grounded"] for _, _, c in unanswerable),
        "card_hit": _share(bool({x["clause_id"] for x in c["citations"]} & set(gold_of[id(q)])) for q, c in with_gold),
        "must_mention": _share(
            _mentioned(q, c) for _, q, c in answerable if q.get("must_mention")),
        "latency_ms_median": round(statistics.median(seconds), 1) if seconds else 0.0,
        "latency_ms_p95": round(seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))], 1) if seconds else 0.0,
    }


def _mentioned(q: dict, card: dict) -> float:
    said = "".join(normalise_text(card["answer"]).split()) if card["grounded"] else ""
    return sum("".join(normalise_text(m).split()) in said for m in q["must_mention"]) / len(q["must_mention"])


def misses(results: list[CallResult], spoken_limit: int) -> list[dict]:
    out = []
    for r in results:
        for i, q in enumerate(r.item["questions"]):
            m = r.matched[i]
            card = r.cards.get(r.found[m]) if m is not None else None
            problem = ("not found" if card is None else
                       "refused" if q["answerable"] and not card["grounded"] else
                       "answered" if not q["answerable"] and card["grounded"] else
                       "unreadable" if not readable(card["answer"], spoken_limit) else "")
            if problem:
                out.append({"id": r.item["id"], "ask": q["ask"], "problem": problem, "found": r.found,
                            "card": card["answer"] if card else None})
        extra = [f for j, f in enumerate(r.found) if j not in set(r.matched)]
        if extra:
            out.append({"id": r.item["id"], "problem": "spurious", "found": extra})
    return out


def report(settings: Settings, items: list[dict], set_path: Path, as_json: bool, verbose: bool) -> int:
    m, missed = evaluate(settings, items)
    if as_json:
        print(json.dumps({"metrics": m, "misses": missed if verbose else len(missed)}, ensure_ascii=False, indent=2))
        return 0
    print(f"通话转写评测集：{set_path}（{m['calls']} 通电话，{m['questions']} 个问题，可回答 {m['answerable']}）")
    for key, value in m.items():
        if key not in ("calls", "questions", "answerable"):
            print(f"  {key:20s} {value}")
    if verbose:
        for miss in missed:
            print(json.dumps(miss, ensure_ascii=False))
    return 0


def build(data_dir: Path, quiet: bool = True) -> Settings:
    """knowledge/ and the shared public-service catalogue the calls ask about, read from ../shared/corpus (never
    copied into the repository), ingested into `data_dir`."""
    from ingest.build import ingest

    catalogue = SHARED / "catalogue"
    if not catalogue.is_dir():
        raise FileNotFoundError(f"找不到共享语料 {catalogue}")
    settings = Settings(data_dir=data_dir, knowledge_dir=ROOT / "knowledge")
    ingest([ROOT / "knowledge", *sorted(catalogue.glob("*.yaml"))], settings, progress=not quiet)
    return settings


def main(argv: list[str] | None = None) -> int:
    from evals.run import load_set

    parser = argparse.ArgumentParser(prog="python -m evals.transcripts", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(ROOT / "var" / "eval-transcripts"),
                        help="在此建立评测索引（knowledge/ 加共享服务目录）：不要指向别的评测或服务的数据目录")
    parser.add_argument("--sets", nargs="*", default=[str(SETS / "transcripts-dev.jsonl")])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    settings = build(Path(args.data_dir))
    for path in args.sets:
        report(settings, load_set(Path(path)), Path(path), args.json, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
