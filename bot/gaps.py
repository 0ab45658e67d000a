"""Unanswered and low-confidence questions, grouped by similar wording (rapidfuzz), most frequent first."""
from __future__ import annotations

import re

from pydantic import BaseModel
from rapidfuzz import fuzz

from bot.text import normalise_text

SAME_WORDING = 75


class GapGroup(BaseModel):
    question: str
    count: int
    variants: list[str]
    reasons: dict[str, int]
    last_asked: float


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
                     "last": 0.0}
            groups.append(group)
        group["count"] += 1
        if gap["question"] not in group["variants"] and len(group["variants"]) < 10:
            group["variants"].append(gap["question"])
        group["reasons"][gap["reason"]] = group["reasons"].get(gap["reason"], 0) + 1
        group["last"] = max(group["last"], gap["created"])
    groups.sort(key=lambda g: (-g["count"], -g["last"]))
    return [GapGroup(question=g["question"], count=g["count"], variants=g["variants"], reasons=g["reasons"],
                     last_asked=g["last"]) for g in groups]
