"""The grounded decision: do the retrieved clauses answer this question, or only share its words?"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.retrieve.query import FACT_PATTERNS, Query
from bot.retrieve.search import Hit

MIN_COVERAGE = 0.55  # share of the question's weighted words the best clause contains
MIN_FOCUS = 0.52  # … and that its best single sentence (with its headings) contains
# Requests outside the assistant's task: it answers about the bureau's documents, nothing else.
OFF_TASK = re.compile(
    r"写.{0,12}(诗|歌词|小说|作文|代码|文章|笑话)|讲个笑话|天气|股票|彩票|算命|翻译成|忽略(之前|以上|上面)的?(指令|提示|要求)"
    r"|ignore (all |the )?(previous|above)|system prompt|你是谁|你的(提示词|指令|配置)|扮演|角色扮演"
    r"|(你|你们)(的|这个)?(系统|程序|机器人|助手)?(用|是)的?(是)?(什么|哪个|哪家)的?(大?模型|AI|人工智能|公司)"
)


@dataclass
class Decision:
    grounded: bool
    reason: str


def decide(query: Query, hits: list[Hit], region_has_documents: bool = True) -> Decision:
    if OFF_TASK.search(query.text):
        return Decision(False, "off-task")
    if not region_has_documents:
        return Decision(False, "no-region-documents")
    if not hits:
        return Decision(False, "no-match")
    top = hits[0]
    if top.coverage < MIN_COVERAGE or top.focus < MIN_FOCUS:
        return Decision(False, f"low-coverage {top.coverage:.2f}/{top.focus:.2f} missing {','.join(top.missing)}")
    # A question asking for a specific kind of fact is answered only if a close clause states one.
    close = [h for h in hits[:3] if h.coverage >= MIN_COVERAGE]
    if "validity" in query.asks and not any(h.document.expires_on or "有效期" in h.clause.text for h in close):
        return Decision(False, "validity-unstated")
    for kind in ("contact", "money", "date", "number"):
        if kind in query.asks and not any(FACT_PATTERNS[kind].search(h.clause.text) for h in close):
            return Decision(False, f"fact-missing {kind}")
    return Decision(True, "covered")
