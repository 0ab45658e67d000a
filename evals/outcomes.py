"""Each question's outcome of an evaluation, kept in a file, and what a change did to each between two runs.

    python -m evals.bank --data-dir /tmp/before --outcomes before.json          # the code before a change
    python -m evals.bank --data-dir /tmp/after --outcomes after.json            # after it (a fresh data dir)
    python -m evals.outcomes before.json after.json --private bank-dev33 notices-dev23

Figures hide what moved: a change that fixes two questions and breaks two others leaves them as they were. The
comparison lists every question whose place of the right clause (in the first five), answer or refusal, or share of
must-mention facts changed, and counts them by kind. It prints a changed question's text for development sets only:
never for the frozen test split (FROZEN), nor for the sets named `--private` (a session's judges), whose questions
those judged by them must not read. Both files must be of the same view (`--unasked` or not).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

FROZEN = ("bank-test", "notices-test", "places-test")


def outcomes(results: list) -> dict[str, dict]:
    """A set's outcomes by question id, from evals.run's Results."""
    return {r.item["id"]: {"rank": r.rank, "grounded": r.grounded, "mentioned": round(r.mentioned, 3),
                           "answerable": bool(r.item.get("answerable")), "question": r.item.get("question", "")}
            for r in results}


def kept(path: Path, unasked: bool = False) -> dict:
    """The file's outcomes so far (none when it does not exist yet); ValueError when it is not such a file or keeps the
    other view, said before a run that would write into it."""
    data = load(path) if path.exists() else {"unasked": unasked, "sets": {}}
    if data["unasked"] != unasked:
        raise ValueError(f"{path} 记录的是{_view(data['unasked'])}的结果，不能再写入{_view(unasked)}的结果：请换一个文件")
    return data


def save(path: Path, name: str, results: list, unasked: bool = False) -> None:
    """Add (or replace) set `name`'s outcomes in the file, which keeps every set run into it in one view."""
    data = kept(path, unasked)
    data["sets"][name] = outcomes(results)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"无法读取逐题结果文件 {path}：{exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("sets"), dict) or "unasked" not in data:
        raise ValueError(f"{path} 不是逐题结果文件（应由 python -m evals.bank --outcomes 写出）")
    return data


def _view(unasked: bool) -> str:
    return "未问过视角（--unasked）" if unasked else "普通视角"


def change(before: dict, after: dict) -> str:
    """What happened to one question, in a word or two; "" when nothing did."""
    if (before["rank"], before["grounded"], before["mentioned"]) == (after["rank"], after["grounded"],
                                                                     after["mentioned"]):
        return ""
    if not after["answerable"]:
        if before["grounded"] != after["grounded"]:
            return "now refused" if not after["grounded"] else "now answered"
        return "same decision"
    if before["grounded"] != after["grounded"]:
        return "now refused" if not after["grounded"] else "now answered"
    first = (before["rank"] == 1, after["rank"] == 1)
    if first != (False, False) and first[0] != first[1]:
        return "first gained" if first[1] else "first lost"
    if before["rank"] != after["rank"]:
        better = (after["rank"] or 6) < (before["rank"] or 6)
        return "rank better" if better else "rank worse"
    return "mentions " + ("more" if after["mentioned"] > before["mentioned"] else "fewer")


def compare(before: dict, after: dict, private: tuple[str, ...] = ()) -> tuple[list[str], Counter]:
    """The lines naming each question that changed (its text only for a development set) and the counts by set and
    kind of change. ValueError when the two files are of different views."""
    if before["unasked"] != after["unasked"]:
        raise ValueError(f"两个文件的视角不同（{_view(before['unasked'])}、{_view(after['unasked'])}），不能逐题比较")
    hidden = set(FROZEN) | set(private)
    lines, counts = [], Counter()
    for name in sorted(set(before["sets"]) & set(after["sets"])):
        old, new = before["sets"][name], after["sets"][name]
        if set(old) != set(new):
            lines.append(f"{name}：两次运行的题目不同（{len(set(old) ^ set(new))} 题只在一边），只比较共有的题")
        for qid in sorted(set(old) & set(new)):
            what = change(old[qid], new[qid])
            if not what:
                continue
            counts[(name, what)] += 1
            a, b = old[qid], new[qid]
            text = "（冻结或保密的集，不显示题目）" if name in hidden else a["question"][:60]
            lines.append(f"{name} {qid} {'可回答' if b['answerable'] else '不可回答'} {what}: "
                         f"[{a['rank']}, {'答' if a['grounded'] else '拒'}, {a['mentioned']}] → "
                         f"[{b['rank']}, {'答' if b['grounded'] else '拒'}, {b['mentioned']}] {text}")
    return lines, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.outcomes", description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--private", nargs="*", default=[],
                        help="不显示题目的集（本次会话的评审集），冻结测试集总不显示")
    args = parser.parse_args(argv)
    try:
        lines, counts = compare(load(args.before), load(args.after), tuple(args.private))
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    by_set: dict[str, list[str]] = {}
    for (name, what), n in sorted(counts.items()):
        by_set.setdefault(name, []).append(f"{what} {n}")
    for name, parts in by_set.items():
        print(f"{name}: " + ", ".join(parts))
    print(f"共 {sum(counts.values())} 题改变")
    return 0


if __name__ == "__main__":
    sys.exit(main())
