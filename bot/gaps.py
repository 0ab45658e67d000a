"""Unanswered and low-confidence questions, grouped by similar wording (rapidfuzz), most frequent first."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from pydantic import BaseModel, PrivateAttr
from rapidfuzz import fuzz

from bot.text import normalise_text

SAME_WORDING = 75
SHOWN_CHARS = 120  # a hotline gap can be a whole call transcript (16 000 characters): staff read its start


class GapGroup(BaseModel):
    question: str
    count: int
    variants: list[str]
    reasons: dict[str, int]
    last_asked: float
    first_asked: float = 0.0
    weeks: dict[str, int] = {}
    resolved: bool | None = None  # set by the admin API, which asks the live index
    _asked: str = PrivateAttr("")  # the representative question in full (`question` may be shortened)


def shorten(text: str, limit: int = SHOWN_CHARS) -> str:
    """The text cut at `limit` characters, saying how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}…（共 {len(text)} 字）"


def week_of(timestamp: float) -> str:
    """The ISO week a moment falls in, as 2026-W49 (UTC: the same on every worker)."""
    year, week, _ = datetime.fromtimestamp(timestamp, timezone.utc).isocalendar()
    return f"{year}-W{week:02d}"


def similar(a: str, b: str) -> bool:
    """Same wording: close as a whole, or one contained almost verbatim in the other (extra words around)."""
    if fuzz.ratio(a, b) >= SAME_WORDING:
        return True
    return min(len(a), len(b)) >= 6 and fuzz.partial_ratio(a, b) >= 90


def group_gaps(gaps: list[dict]) -> list[GapGroup]:
    """Questions grouped by similar wording (rapidfuzz), most frequent first."""
    groups: list[dict] = []
    for gap in gaps:
        text = re.sub(r"[^\w]|\[[^\]]*\]", "", normalise_text(gap["question"]))  # no punctuation, no [手机号]
        for group in groups:
            if similar(text, group["key"]):
                break
        else:
            group = {"key": text, "question": gap["question"], "variants": [], "reasons": {}, "count": 0,
                     "last": 0.0, "first": gap["created"], "weeks": {}}
            groups.append(group)
        group["count"] += 1
        shown = shorten(gap["question"])
        if shown not in group["variants"] and len(group["variants"]) < 10:
            group["variants"].append(shown)
        group["reasons"][gap["reason"]] = group["reasons"].get(gap["reason"], 0) + 1
        group["last"] = max(group["last"], gap["created"])
        group["first"] = min(group["first"], gap["created"])
        week = week_of(gap["created"])
        group["weeks"][week] = group["weeks"].get(week, 0) + 1
    groups.sort(key=lambda g: (-g["count"], -g["last"]))
    out = []
    for g in groups:
        group = GapGroup(question=shorten(g["question"]), count=g["count"], variants=g["variants"],
                         reasons=g["reasons"], last_asked=g["last"], first_asked=g["first"],
                         weeks=dict(sorted(g["weeks"].items())))
        group._asked = g["question"]
        out.append(group)
    return out
