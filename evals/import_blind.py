"""Turn the blind writers' question files into the bank's two sets, split by document as SPLIT.md fixed.

The writers (helper sessions that saw only `../shared/corpus/`) wrote JSON lines of
{doc, question, voice, answerable, asks, evidence, article, must_mention, why_unanswerable}. Gold clauses are
not stored: `hotline eval` finds them from `evidence` (a verbatim quote) in the index it runs on, so a change in
how documents are cut into clauses cannot silently invalidate the bank.

    python -m evals.import_blind /tmp/blind/h*.jsonl
    python -m evals.import_blind --frozen notices-test.jsonl /tmp/blind-notices/questions.jsonl   # all test
    python -m evals.import_blind --dev notices-dev.jsonl /tmp/blind-notices2/questions.jsonl      # all dev
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

SETS = Path(__file__).parent / "sets"
# the bureau's four documents as the shared corpus names them, and as knowledge/policies/ does
POLICY_IDS = {
    "000_fbb6176ca56cc393": "sh-2024-32-service-industry",
    "001_3163216eec660b60": "sh-2022-13-public-service",
    "002_0f3d12866a94bb90": "sh-2024-13-lantian-action",
    "004_b4d5a8dd76e23e50": "js-2025-service-industry",
}
TEST_DOCS = ("sh-2022-13-public-service", "zhuanlifa_2020", "x01_", "c02_", "x07_")


def doc_id(name: str) -> str:
    stem = Path(name).stem
    return POLICY_IDS.get(stem, stem)


def is_test(doc: str) -> bool:
    return any(doc == t or (t.endswith("_") and doc.startswith(t)) for t in TEST_DOCS)


def convert(paths: list[Path], prefix: str = "b") -> tuple[list[dict], list[dict]]:
    train, test = [], []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            raw = json.loads(line)
            doc = doc_id(raw["doc"])
            item = {
                "id": f"{prefix}-{path.stem}-{n:03d}", "question": raw["question"].strip(), "category": raw["voice"],
                "doc": doc, "answerable": bool(raw["answerable"]), "asks": raw.get("asks"), "region": None,
                "evidence": raw.get("evidence") if raw["answerable"] else None,
                "article": raw.get("article"),
                "must_mention": list(raw.get("must_mention") or []) if raw["answerable"] else [],
                "why_unanswerable": raw.get("why_unanswerable"),
            }
            (test if is_test(doc) else train).append(item)
    return train, test


def main(argv: list[str]) -> int:
    # one set of all the file's questions: --frozen (all test: nothing is designed or fitted on any of it) or
    # --dev (all development: what rules may be designed on)
    usage = (__doc__ or "").split("\n\n")[-1].rstrip()  # the usage lines
    if argv[:1] in (["-h"], ["--help"]):
        print(usage)
        return 0
    if not argv or (argv[0] in ("--frozen", "--dev") and len(argv) < 3):
        print(usage, file=sys.stderr)
        return 2
    if argv[:1] in (["--frozen"], ["--dev"]):
        name, paths = argv[1], [Path(p) for p in argv[2:]]
        # notices-test.jsonl's ids begin notices-…; a dev set's carry its whole name, so no two sets share an id
        prefix = Path(name).stem.split("-")[0] if argv[0] == "--frozen" else Path(name).stem
        train, test = convert(paths, prefix=prefix)
        outputs = ((name, train + test),)
    else:
        train, test = convert([Path(p) for p in argv])
        outputs = (("bank-train.jsonl", train), ("bank-test.jsonl", test))
    for name, items in outputs:
        (SETS / name).write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
        print(f"{name}: {len(items)} 题（不可回答 {sum(not i['answerable'] for i in items)}），"
              f"{len({i['doc'] for i in items})} 份文档")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
