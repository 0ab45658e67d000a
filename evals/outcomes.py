"""Each question's outcome of an evaluation, kept in a file, and what a change did to each between two runs.

    python -m evals.bank --data-dir /tmp/before --outcomes before.json          # the code before a change
    python -m evals.bank --data-dir /tmp/before-dev5 --notices dev5 --outcomes before.json   # more sets, same file
    python -m evals.bank --data-dir /tmp/after --outcomes after.json            # after it (fresh data dirs)
    python -m evals.outcomes before.json after.json --private bank-dev33 notices-dev23

Figures hide what moved: a change that fixes two questions and breaks two others leaves them as they were. The
comparison lists every question of a development set whose place of the right clause (in the first five), answer or
refusal, or share of must-mention facts changed, and counts the changes by set and kind (a question answered from the
right clause before and refused now counts as "now refused" and as "first lost"). For the frozen test split (FROZEN)
and the sets named `--private` (a session's judges) it gives the counts only: their questions are not looked at one by
one. The file keeps no question's text; a development set's is read from evals/sets/ when printed. Both files must be
of the same view (`--unasked` or not). `python -m evals.bank` runs the bank's and the notices' sets; core, held-out,
places and transcripts are run by `hotline eval` and not kept here.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

from evals.run import load_set

SETS = Path(__file__).parent / "sets"
FROZEN = ("bank-test", "notices-test", "places-test", "transcripts-test")
_FIELDS = {"rank": (int, type(None)), "grounded": (bool,), "mentioned": (int, float), "answerable": (bool,)}
_REMAKE = "请用 python -m evals.bank --outcomes 重新生成"


class OutcomesError(ValueError):
    """An outcomes file or a comparison's arguments are unusable; the message says how to fix it."""


def set_name(path: str | Path) -> str:
    """The name a set is kept and compared under: its file's stem (bank-dev33 for evals/sets/bank-dev33.jsonl)."""
    return Path(path).name.removesuffix(".jsonl")


def outcomes(results: list) -> dict[str, dict]:
    """A set's outcomes by question id, from evals.run's Results (no question's text)."""
    return {r.item["id"]: {"rank": r.rank, "grounded": r.grounded, "mentioned": round(r.mentioned, 3),
                           "answerable": bool(r.item.get("answerable"))} for r in results}


def kept(path: Path, unasked: bool = False) -> dict:
    """The file's outcomes so far (none when it does not exist yet); OutcomesError when it is not such a file, keeps
    the other view, or cannot be written: said before a run that would write into it."""
    if not path.parent.is_dir() or not os.access(path.parent, os.W_OK):
        raise OutcomesError(f"无法在 {path.parent} 写入逐题结果文件：请先建好该目录或换一个路径")
    data = load(path) if path.exists() else {"unasked": unasked, "sets": {}}
    if data["unasked"] != unasked:
        raise OutcomesError(f"{path} 记录的是{_view(data['unasked'])}的结果，不能再写入{_view(unasked)}的结果：请换一个文件")
    return data


def save(path: Path, name: str, results: list, unasked: bool = False) -> None:
    """Add (or replace) set `name`'s outcomes in the file, which keeps every set run into it in one view; written
    whole to a temporary file first, so that a run stopped while writing loses nothing already kept."""
    data = kept(path, unasked)
    data["sets"][name] = outcomes(results)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, path)


def load(path: Path) -> dict:
    """An outcomes file, its structure checked (OutcomesError naming what is wrong)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OutcomesError(f"无法读取逐题结果文件 {path}（{exc}）：{_REMAKE}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("sets"), dict) or \
            not isinstance(data.get("unasked"), bool):
        raise OutcomesError(f"{path} 不是逐题结果文件：{_REMAKE}")
    for name, questions in data["sets"].items():
        if not isinstance(questions, dict):
            raise OutcomesError(f"{path} 中的集 {name} 格式不对：{_REMAKE}")
        for qid, q in questions.items():
            if not isinstance(q, dict) or any(not isinstance(q.get(k), t) for k, t in _FIELDS.items()):
                raise OutcomesError(f"{path} 中 {name} 的题 {qid} 缺少或写错了 rank、grounded、mentioned、answerable：{_REMAKE}")
    return data


def _view(unasked: bool) -> str:
    return "未问过视角（--unasked）" if unasked else "普通视角"


def changes(before: dict, after: dict) -> list[str]:
    """What happened to one question: whether it is answered, where the right clause is, how many of the facts it
    must mention the answer holds; [] when nothing changed."""
    out = []
    if before["grounded"] != after["grounded"]:
        out.append("now answered" if after["grounded"] else "now refused")
    if before["rank"] != after["rank"]:
        if (before["rank"] == 1) != (after["rank"] == 1):
            out.append("first gained" if after["rank"] == 1 else "first lost")
        else:
            out.append("rank better" if (after["rank"] or 6) < (before["rank"] or 6) else "rank worse")
    if before["mentioned"] != after["mentioned"]:
        out.append("mentions more" if after["mentioned"] > before["mentioned"] else "mentions fewer")
    return out


def _resolve(private: tuple[str, ...], names: set[str]) -> set[str]:
    """The sets `--private` names (a file name, a path or --notices' dev23 for notices-dev23); OutcomesError for a
    name that is none of the files' sets, since a mistyped judge would otherwise be shown question by question."""
    found = set()
    for given in private:
        name = set_name(given)
        match = name if name in names else f"notices-{name}" if f"notices-{name}" in names else None
        if match is None:
            raise OutcomesError(f"--private 的 {given} 不是两个文件中的任何一个集（有：{'、'.join(sorted(names))}）："
                                f"请写集名，如 bank-dev33")
        found.add(match)
    return found


def _texts(name: str) -> dict[str, str]:
    path = SETS / f"{name}.jsonl"
    return {item["id"]: item.get("question", "") for item in load_set(path)} if path.exists() else {}


def compare(before: dict, after: dict, private: tuple[str, ...] = ()) -> tuple[list[str], Counter]:
    """The lines naming each development set's question that changed (with its text from evals/sets/), notes on sets
    only one file has, and the counts by set and kind of change. OutcomesError when the files are of different views,
    share no set, or `private` names a set neither has."""
    if before["unasked"] != after["unasked"]:
        raise OutcomesError(f"两个文件的视角不同（{_view(before['unasked'])}、{_view(after['unasked'])}），不能逐题比较")
    names = set(before["sets"]) | set(after["sets"])
    hidden = set(FROZEN) | _resolve(private, names)
    common = set(before["sets"]) & set(after["sets"])
    if not common:
        raise OutcomesError("两个文件没有共同的集：请对同样的集各运行一次 python -m evals.bank --outcomes")
    lines = [f"{name}：只在{'前' if name in before['sets'] else '后'}一个文件中，未比较" for name in sorted(names - common)]
    counts: Counter = Counter()
    for name in sorted(common):
        old, new = before["sets"][name], after["sets"][name]
        if set(old) != set(new):
            lines.append(f"{name}：两次运行的题目不同（{len(set(old) ^ set(new))} 题只在一边），只比较共有的题")
        texts = {} if name in hidden else _texts(name)
        for qid in sorted(set(old) & set(new)):
            what = changes(old[qid], new[qid])
            counts.update((name, w) for w in what)
            if what and name not in hidden:
                a, b = old[qid], new[qid]
                lines.append(f"{name} {qid} {'可回答' if b['answerable'] else '不可回答'} {', '.join(what)}: "
                             f"[{a['rank']}, {'答' if a['grounded'] else '拒'}, {a['mentioned']}] → "
                             f"[{b['rank']}, {'答' if b['grounded'] else '拒'}, {b['mentioned']}] {texts.get(qid, '')[:60]}")
        if name in hidden and any(n == name for n, _ in counts):
            lines.append(f"{name}：冻结或保密的集，只给计数")
    return lines, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.outcomes", description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--private", nargs="*", default=[],
                        help="只给计数、不逐题列出的集（本次会话的评审集）；冻结测试集总是如此")
    args = parser.parse_args(argv)
    try:
        lines, counts = compare(load(args.before), load(args.after), tuple(args.private))
    except OutcomesError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    by_set: dict[str, list[str]] = {}
    for (name, what), n in sorted(counts.items()):
        by_set.setdefault(name, []).append(f"{what} {n}")
    for name, parts in by_set.items():
        print(f"{name}: " + ", ".join(parts))
    print(f"共 {sum(counts.values())} 项改变")
    return 0


if __name__ == "__main__":
    sys.exit(main())
