"""The question bank's knowledge base: the bureau's knowledge/ plus the public texts of `../shared/corpus`
(extra/ and laws/), read from there and never copied into the repository.

    python -m evals.bank            # build (or update) var/eval-bank/ and evaluate every set on it
    python -m evals.bank --sets evals/sets/bank-test.jsonl
    python -m evals.bank --notices  # new notices as staff upload them: knowledge/ + evals/notices/ (frozen test set)
    python -m evals.bank --notices dev  # five other notices, written blind later: the set rules may be designed on
    python -m evals.bank --notices dev2 # five more, written blind on 2026-12-03 (sixth session): development too
    python -m evals.bank --notices dev3 # five more, written blind in the seventh session: development too

`hotline eval --data-dir var/eval-bank --set evals/sets/bank-test.jsonl` gives the same figures for one set;
`--outcomes FILE` keeps each question's outcome for `python -m evals.outcomes BEFORE AFTER`.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "corpus"
SETS = Path(__file__).parent / "sets"
BANK_SETS = [SETS / "bank-train.jsonl", SETS / "bank-test.jsonl"]
# new notices written blind (fictional): the frozen six (never seen by the code's authors before frozen), and the
# development sets of five, one more each session that judged its changes on documents nobody had asked about: each
# folder evals/notices-dev<N>/ is one, named dev<N> (dev, dev2, dev3 … in the order they were written)
NOTICES = {"test": Path(__file__).parent / "notices",
           **{folder.name.removeprefix("notices-"): folder
              for folder in sorted((p for p in Path(__file__).parent.glob("notices-dev*") if p.is_dir()),
                                   key=lambda p: int(p.name.removeprefix("notices-dev") or 1))}}
NOTICE_SETS = {name: [SETS / f"notices-{name}.jsonl"] for name in NOTICES}


def corpus_paths(shared: Path = SHARED) -> list[Path]:
    """What the bank's questions are about: the bureau's knowledge and the shared public texts."""
    if not shared.is_dir():
        raise FileNotFoundError(f"找不到共享语料 {shared}：评测题库需要 ../shared/corpus（extra/ 与 laws/）")
    return [ROOT / "knowledge", *sorted((shared / "extra").glob("*.txt")), *sorted((shared / "laws").glob("*.txt"))]


def notice_paths(which: str = "test") -> list[Path]:
    """The bureau's knowledge with the new notices added, as staff would upload them."""
    return [ROOT / "knowledge", *sorted(NOTICES[which].glob("*.txt"))]


def build(data_dir: Path, quiet: bool = True, paths: list[Path] | None = None) -> Settings:
    """Ingest the bank's knowledge base (or `paths`) into `data_dir` (unchanged files cost nothing) and return its
    settings."""
    from ingest.build import ingest

    settings = Settings(data_dir=data_dir, knowledge_dir=ROOT / "knowledge")
    ingest(paths or corpus_paths(), settings, progress=not quiet)
    return settings


def built(notices: str | None = None, data_dir: Path | str | None = None) -> Settings:
    """The bank's index, or with `notices` the knowledge base plus those new notices (`notice_paths`), in `data_dir`
    (default var/eval-bank or var/eval-notices-<name>), built as `build` builds it."""
    data_dir = Path(data_dir or ROOT / "var" / (f"eval-notices-{notices}" if notices else "eval-bank"))
    return build(data_dir, paths=notice_paths(notices) if notices else None)


def main(argv: list[str] | None = None) -> int:
    from evals import outcomes
    from evals.run import evaluate, figure, load_set

    parser = argparse.ArgumentParser(prog="python -m evals.bank", description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir")
    parser.add_argument("--sets", nargs="*")
    parser.add_argument("--notices", nargs="?", const="test", choices=sorted(NOTICES),
                        help="新通知集：knowledge/ 加 evals/notices/（test，冻结），"
                             f"或开发集 evals/notices-<名称>/（{'、'.join(n for n in NOTICES if n != 'test')}）")
    parser.add_argument("-v", "--verbose", action="store_true", help="列出未命中的问题")
    parser.add_argument("--unasked", action="store_true",
                        help="每题都当作其文档从未被问过（冻结测试集的文档、新上传的文件即如此）")
    parser.add_argument("--outcomes", type=Path,
                        help="把每题的结果写入此文件，供 python -m evals.outcomes 比较改动前后")
    args = parser.parse_args(argv)
    paths = args.sets or [str(p) for p in (NOTICE_SETS[args.notices] if args.notices else BANK_SETS)]
    if args.outcomes:
        named = [outcomes.set_name(p) for p in paths]
        try:
            outcomes.kept(args.outcomes, args.unasked)
            if len(set(named)) < len(named):
                raise outcomes.OutcomesError(f"--sets 中有同名的集（{'、'.join(sorted({n for n in named if named.count(n) > 1}))}），"
                                             "逐题结果会互相覆盖：请分开运行")
        except outcomes.OutcomesError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
    settings = built(args.notices, args.data_dir)
    for path in paths:
        report = evaluate(settings, load_set(Path(path)), args.unasked)
        if args.outcomes:
            outcomes.save(args.outcomes, outcomes.set_name(path), report.results, args.unasked)
        m = report.metrics
        print(f"{Path(path).name:20s} n={m['questions']:3d} hit@1={m['hit@1']:.3f} hit@5={m['hit@5']:.3f} "
              f"must={m['must_mention']:.3f} refusal_acc={m['refusal_accuracy']:.3f} "
              f"false_refusals={m['false_refusal_rate']:.3f} fact_unstated={m['fact_unstated']:.3f} p95={m['latency_ms_p95']:.0f}ms")
        print("  " + "  ".join(f"{name}: refusal_acc={figure(v['refusal_accuracy'])} false_refusals="
                               f"{figure(v['false_refusal_rate'])} refused_by={v['refused_by']}"
                               for name, v in report.refusals.items()))
        if args.verbose:
            for miss in report.misses:
                print("  " + json.dumps(miss, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
