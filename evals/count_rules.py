"""How many hand-written rules the retrieval and answer code holds: regex alternatives and module-level numeric
constants, per file, now or at any git revision (issue 15: "halved, and none names a word taken from a single
evaluation question").

    python -m evals.count_rules                    # the working tree
    python -m evals.count_rules --rev 01f6c15      # the code before issue 15's work, for comparison
    python -m evals.count_rules --words            # also: pattern words found in exactly one evaluation question

What counts (read from the syntax tree, so comments and docstrings never do):
- a regex alternative: each branch of a pattern written in the code and handed to `re.compile`, `re.search`, …
  (one plus its `|` outside character classes); a module-level string the call names is followed; a
  `"|".join(WORDS)` of a literal list in the code counts one per word. Patterns read from knowledge/ are data.
- a numeric constant: a number in the value of a module-level assignment made only of literals
  (`ZIPF_SCALE = 9`, `WEIGHTS = {"a": 0.5}`; not `np.zeros(0)`).
The --words check reads the training and regression sets only (never the frozen test split).
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("bot/retrieve", "bot/answer")
RE_CALLS = {"compile", "search", "match", "fullmatch", "sub", "subn", "findall", "finditer", "split"}
# the sets a rule may have been written for; bank-test.jsonl is the frozen split and is never read
QUESTION_SETS = ("core.jsonl", "heldout.jsonl", "bank-train.jsonl", "transcripts-dev.jsonl")


@dataclass
class FileRules:
    path: str
    alternatives: int = 0
    constants: int = 0
    words: list[str] = field(default_factory=list)  # the literal CJK branches of its patterns


def _branches(pattern: str) -> list[str]:
    """The top-level and nested branches of a regex: split at `|` outside character classes, escapes kept."""
    out, current, depth_class, i = [], "", False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            current += pattern[i:i + 2]
            i += 2
            continue
        if ch == "[":
            depth_class = True
        elif ch == "]":
            depth_class = False
        if ch == "|" and not depth_class:
            out.append(current)
            current = ""
        else:
            current += ch
        i += 1
    return out + [current]


def _words(branches: list[str]) -> list[str]:
    """The branches that are a plain Chinese word (免报考费), with groups and anchors stripped."""
    found = []
    for branch in branches:
        plain = re.sub(r"^[(?:^]+|[)$]+$", "", branch)
        if re.fullmatch(r"[\u4e00-\u9fff]{2,}", plain):
            found.append(plain)
    return found


class _Counter(ast.NodeVisitor):
    def __init__(self, tree: ast.Module):
        self.module: dict[str, ast.expr] = {}
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, ast.AnnAssign) and node.value is not None else []
            for target in targets:
                if isinstance(target, ast.Name):
                    self.module[target.id] = node.value
        self.seen: set[int] = set()  # a literal counted once, however many calls use it
        self.alternatives = 0
        self.words: list[str] = []

    def _text(self, node: ast.expr, follow: int = 3) -> tuple[str, bool] | None:
        """A pattern written in the code (literals, f-strings, `+`, module-level names), and whether any of its
        literals is counted for the first time; None for what is not written here (data, a variable)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            parts = [(node.value, node)]
        elif isinstance(node, ast.JoinedStr):
            parts = [("".join(v.value if isinstance(v, ast.Constant) else "\x00" for v in node.values), node)]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self._text(node.left, follow), self._text(node.right, follow)
            if left is None or right is None:
                return left or right
            return left[0] + right[0], left[1] or right[1]
        elif isinstance(node, ast.Name) and follow and node.id in self.module:
            return self._text(self.module[node.id], follow - 1)
        else:
            return None
        new = any(id(n) not in self.seen for _, n in parts)
        self.seen.update(id(n) for _, n in parts)
        return "".join(t for t, _ in parts), new

    def _pattern(self, node: ast.expr) -> None:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join" \
                and isinstance(node.func.value, ast.Constant) and node.func.value.value == "|" and node.args:
            items = node.args[0]
            if isinstance(items, ast.Name) and items.id in self.module:
                items = self.module[items.id]
            if isinstance(items, (ast.List, ast.Tuple, ast.Set)) and id(items) not in self.seen:
                self.seen.add(id(items))
                literal = [e.value for e in items.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                self.alternatives += len(literal)
                self.words += [w for w in literal if re.fullmatch(r"[\u4e00-\u9fff]{2,}", w)]
            return
        found = self._text(node)
        if found is not None and found[1]:
            branches = _branches(found[0])
            self.alternatives += len(branches)
            self.words += _words(branches)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in RE_CALLS and isinstance(func.value, ast.Name) \
                and func.value.id == "re" and node.args:
            self._pattern(node.args[0])
        self.generic_visit(node)


def _numbers(value: ast.expr) -> int:
    if any(isinstance(n, (ast.Call, ast.Lambda, ast.comprehension, ast.Name, ast.Attribute)) for n in ast.walk(value)):
        return 0
    return sum(isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool)
               for n in ast.walk(value))


def count(path: str, source: str) -> FileRules:
    tree = ast.parse(source)
    counter = _Counter(tree)
    counter.visit(tree)
    constants = sum(_numbers(node.value) for node in tree.body
                    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None)
    return FileRules(path, counter.alternatives, constants, counter.words)


def sources(rev: str | None) -> dict[str, str]:
    """The .py files of FOLDERS, from the working tree or from revision `rev`."""
    if rev is None:
        return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
                for folder in FOLDERS for p in sorted((ROOT / folder).glob("*.py"))}
    git = ["git", "-C", str(ROOT)]
    names = subprocess.run(git + ["ls-tree", "--name-only", rev, *(f + "/" for f in FOLDERS)],
                           check=True, capture_output=True, text=True).stdout.split()
    return {n: subprocess.run(git + ["show", f"{rev}:{n}"], check=True, capture_output=True, text=True).stdout
            for n in names if n.endswith(".py")}


def questions() -> list[str]:
    found = []
    for name in QUESTION_SETS:
        path = ROOT / "evals" / "sets" / name
        if path.exists():
            items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            found += [item.get("question") or item.get("transcript", "") for item in items]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.count_rules", description=__doc__.splitlines()[0])
    parser.add_argument("--rev", help="a git revision instead of the working tree (e.g. 01f6c15)")
    parser.add_argument("--words", action="store_true", help="list pattern words that occur in exactly one question")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rules = [count(path, text) for path, text in sources(args.rev).items()]
    totals = {"alternatives": sum(r.alternatives for r in rules), "constants": sum(r.constants for r in rules)}
    if args.json:
        print(json.dumps({"files": {r.path: {"alternatives": r.alternatives, "constants": r.constants}
                                    for r in rules}, "total": totals}, ensure_ascii=False, indent=1))
    else:
        print(f"{'file':32s} {'regex alternatives':>18s} {'numeric constants':>18s}")
        for r in rules:
            if r.alternatives or r.constants:
                print(f"{r.path:32s} {r.alternatives:18d} {r.constants:18d}")
        print(f"{'total':32s} {totals['alternatives']:18d} {totals['constants']:18d}")
    if args.words:
        asked = questions()
        for r in rules:
            for word in dict.fromkeys(r.words):
                hits = [q for q in asked if word in q]
                if len(hits) == 1:
                    where = hits[0][:60].replace("\n", " ")
                    print(f"  {r.path}: {word!r} occurs in one evaluation question only: {where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
