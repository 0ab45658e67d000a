"""The naive baseline the issue measures against: BM25 (bm25s, words cut by jieba) over 250-character chunks of
every document of the bank's knowledge base, nothing else. A question is a hit at 5 when one of the first five
chunks holds its evidence quote (or its first 12 characters). Compared with the assistant's hit@5 on the same
questions, per set and for the netizen voice on national laws.

    python -m evals.baseline_bm25 [--sets evals/sets/bank-test.jsonl ...]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.text import Tokenizer, normalise_text
from evals import bank
from evals.run import evaluate, load_set

CHUNK = 250
LAWS = ("zhuanlifa_2020", "shangbiaofa_2019", "shangbiaofa_shishi_tiaoli_2014", "zhuzuoquanfa_2020",
        "x05_zhuanlifa_shishi_xize_2023")


def chunks() -> list[tuple[str, str]]:
    out = []
    for path in bank.corpus_paths():
        files = sorted(path.rglob("*.txt")) if path.is_dir() else [path]
        for f in files:
            text = "".join(normalise_text(f.read_text(encoding="utf-8")).split())
            out += [(f.stem, text[i:i + CHUNK]) for i in range(0, len(text), CHUNK)]
    return out


def naive_hits(items: list[dict], k: int = 5) -> dict[str, bool]:
    import bm25s

    pieces = chunks()
    tokenizer = Tokenizer()
    retriever = bm25s.BM25()
    retriever.index([tokenizer.words(t) for _, t in pieces], show_progress=False)
    found = {}
    for item in items:
        if not item.get("answerable") or not item.get("evidence"):
            continue
        quote = "".join(normalise_text(item["evidence"]).split())
        docs, _ = retriever.retrieve([tokenizer.words(item["question"])], k=k, show_progress=False)
        found[item["id"]] = any(quote[:12] in pieces[i][1] for i in docs[0])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.baseline_bm25")
    parser.add_argument("--sets", nargs="*", default=[str(p) for p in bank.BANK_SETS])
    args = parser.parse_args(argv)
    settings = bank.build(bank.ROOT / "var" / "eval-bank")
    for path in args.sets:
        items = load_set(Path(path))
        report = evaluate(settings, items)  # resolves gold; per-item ranks are in report.results
        ours = {r.item["id"]: r.rank is not None for r in report.results if r.item["answerable"]}
        naive = naive_hits(items)
        groups = {"all answerable": lambda i: True,
                  "national laws": lambda i: i["doc"] in LAWS,
                  "netizen, national laws": lambda i: i["doc"] in LAWS and i["category"] == "netizen"}
        for name, keep in groups.items():
            ids = [i["id"] for i in items if i["id"] in naive and keep(i)]
            if not ids:
                continue
            a = sum(ours[i] for i in ids) / len(ids)
            b = sum(naive[i] for i in ids) / len(ids)
            print(f"{Path(path).name:18s} {name:24s} n={len(ids):3d}  hit@5 assistant {a:.3f}  naive BM25 {b:.3f}"
                  f"  ratio {a / b if b else float('inf'):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
