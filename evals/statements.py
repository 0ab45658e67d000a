"""How often the clause that answers a question states the kind of fact the question is read as asking, by the
pattern the decision applies (question_kinds.yaml `states`): the fact asked is a hard constraint (decide.refusal_rule),
so a clause that answers but does not state it by that pattern is a false refusal, or a wrong first answer, waiting
to happen. For each answerable question of the sets: the kinds its words are read as asking that have a statement,
and whether one of its gold clauses states each (a service item's clauses are not read; the decision's special cases,
a notice's own date and an office's phone, are not applied). A kind's figure is the share of its questions whose gold
states it. The thirty-seventh session found materials at 0.62 on the new notices with this (README).

    python -m evals.statements                             # the bank's development sets, on the bank's index
    python -m evals.statements --notices dev17 -v          # a notices set on its own index, listing the misses
    python -m evals.statements --sets evals/sets/bank-train.jsonl
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from evals import bank
from evals.run import load_set, resolve_gold


@dataclass
class Reading:
    """One answerable question read as asking one kind: whether a gold clause states it, and the first gold clause."""
    question: str
    kind: str
    stated: bool
    clause_id: str
    clause_text: str


def readings(retriever, items: list[dict]) -> list[Reading]:
    """Every (answerable question, kind it asks that has a statement) with whether a gold clause states the kind."""
    out = []
    for item in items:
        golds = [retriever.records.clauses[g] for g in item.get("gold") or [] if g in retriever.records.clauses]
        if not item.get("answerable") or not golds:
            continue
        query = retriever.parse(item["question"], item.get("region"))
        for kind in sorted(k for k in query.asks if k in query.kinds.states):
            fact = query.fact(kind)  # as the decision reads it: the clause's text, or its place under a heading
            stated = next((c for c in golds if fact.in_clause(c)), None)
            first = stated or golds[0]
            out.append(Reading(item["question"], kind, stated is not None, first.id, first.text))
    return out


def shares(found: list[Reading]) -> dict[str, tuple[int, int]]:
    """Per kind: (questions whose gold states it, questions read as asking it)."""
    counts: dict[str, list[int]] = {}
    for r in found:
        pair = counts.setdefault(r.kind, [0, 0])
        pair[0] += r.stated
        pair[1] += 1
    return {kind: (stated, total) for kind, (stated, total) in sorted(counts.items())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", type=Path, help="问题集（默认：题库的开发集 bank-dev*.jsonl）")
    parser.add_argument("--notices", choices=sorted(n for n in bank.NOTICES if n != "test"),
                        help="新通知开发集：knowledge/ 加 evals/notices-<名称>/，问题为 notices-<名称>.jsonl")
    parser.add_argument("--data-dir", type=Path, help="索引目录（默认 var/eval-bank 或 var/eval-notices-<名称>）")
    parser.add_argument("-v", "--verbose", action="store_true", help="列出答案条款未写明所问事实的问题")
    args = parser.parse_args(argv)
    from bot.service import Assistant

    retriever = Assistant(bank.built(args.notices, args.data_dir)).retriever()
    sets = args.sets or (bank.NOTICE_SETS[args.notices] if args.notices else sorted(bank.SETS.glob("bank-dev*.jsonl")))
    found: list[Reading] = []
    for path in sets:
        items = load_set(path)
        for line in resolve_gold(items, retriever.records):
            print(f"注意：{line}", file=sys.stderr)
        found += readings(retriever, items)
    for kind, (stated, total) in shares(found).items():
        print(f"{kind:12s} {stated:5d} / {total:<5d} {stated / total:.2f}")
    if args.verbose:
        for r in found:
            if not r.stated:
                print(f"- [{r.kind}] {r.question} ‖ {r.clause_id}: {' '.join(r.clause_text.split())[:80]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
