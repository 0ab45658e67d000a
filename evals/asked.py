"""Write the past questions file (knowledge/asked.jsonl, read by bot/retrieve/precedents.py) from evaluation sets.

    python -m evals.asked [--out knowledge/asked.jsonl] [--sets a.jsonl,b.jsonl]

The shipped file holds the question bank's train split, bank-dev to bank-dev10 and the core set: every question
written blind about a document of the bank's train split, answered or not. Never a question about a document of the
frozen test split, nor any of the sets kept out to judge it (bank-dev11, bank-dev12, later blind sets, laws-dev,
held-out, notices, places, transcripts): `hotline eval` on a set in the file holds that set out, but a set held out
here is one no past question of the same writer can help. Each line carries the document's title beside its id, so
that an index that names a document otherwise (a law dropped into knowledge/ under another file name) still finds it.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from evals import bank
from evals.import_blind import is_test
from evals.run import documents_of, load_set

SETS = Path(__file__).parent / "sets"
SHIPPED = ["bank-train", "bank-dev", *(f"bank-dev{i}" for i in range(2, 11)), "core"]


def lines(set_paths: list[Path], records) -> list[dict]:
    """One line a question, documents named by id and title; questions about a frozen test document left out."""
    out = []
    for path in set_paths:
        for item in load_set(path):
            docs = documents_of(item)
            if not docs or any(is_test(d) for d in docs):
                continue
            row = {"id": item["id"], "set": path.stem, "question": item["question"],
                   "answerable": bool(item["answerable"])}
            if item["answerable"] and item.get("gold"):
                row["gold"] = item["gold"]
            elif item["answerable"]:
                row.update(doc=item["doc"], title=records.documents[item["doc"]].title, evidence=item["evidence"])
            else:
                doc = next(iter(docs))
                row.update(doc=doc, title=records.documents[doc].title if doc in records.documents else "")
            out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=bank.ROOT / "knowledge" / "asked.jsonl")
    parser.add_argument("--sets", default=",".join(f"{n}.jsonl" for n in SHIPPED))
    parser.add_argument("--data-dir", type=Path, default=bank.ROOT / "var" / "eval-bank")
    args = parser.parse_args(argv)
    from bot.store.records import Records
    from bot.store.versions import IndexVersions
    settings = bank.build(args.data_dir)
    records = Records.load(IndexVersions(settings.index_dir).current())
    paths = [p if p.exists() else SETS / p.name for p in (Path(s) for s in args.sets.split(","))]
    rows = lines(paths, records)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"写入 {args.out}：{len(rows)} 题（可回答 {sum(r['answerable'] for r in rows)}），来自 {len(paths)} 个题集",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
