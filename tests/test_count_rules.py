"""evals/count_rules.py counts what issue 15 asks to halve: regex branches and module-level numbers."""
from evals.count_rules import count, sources

SOURCE = r'''
import re
import numpy as np

LIMIT = 8
WEIGHTS = {"a": 0.5, "b": -2}
ROWS = np.zeros(0)
WORDS = ["补贴", "奖励"]
ASKED = re.compile(r"多少钱|[交|收]费|(?:免费|不收费)")
PART = r"甲|乙"


def f(text):
    n = 3  # a local number is not a module constant
    return re.search(PART + r"|丙", text), re.compile("|".join(WORDS)), re.sub(r"\s+", " ", text)
'''


def test_branches_and_constants_are_counted_from_the_syntax_tree():
    rules = count("x.py", SOURCE)
    # ASKED: 多少钱, [交|收]费 (a | in a class is no branch), 免费, 不收费; PART + 丙: 3; WORDS: 2; \s+: 1
    assert rules.alternatives == 4 + 3 + 2 + 1
    assert rules.constants == 3  # LIMIT, 0.5, -2; not np.zeros(0) nor the local n
    assert "多少钱" in rules.words and "不收费" in rules.words and "补贴" in rules.words


def test_a_past_revision_is_read_from_git():
    before = sources("01f6c15")
    assert "bot/retrieve/search.py" in before and "bot/retrieve/candidates.py" not in before
