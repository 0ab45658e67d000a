"""Staff endpoints behind the bearer token: unanswered questions (gaps) and FAQ candidates to review."""
from __future__ import annotations

import re
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from rapidfuzz import fuzz

from bot.api.deps import assistant, require_admin
from bot.service import Assistant
from bot.text import normalise_text

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)])
SAME_WORDING = 75


class GapGroup(BaseModel):
    question: str
    count: int
    variants: list[str]
    reasons: dict[str, int]
    last_asked: float


class Review(BaseModel):
    status: Literal["approved", "rejected"]


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


@router.get("/gaps", response_model=list[GapGroup], summary="未能回答和低置信度的问题，按相似措辞分组")
def gaps(bot: Assistant = Depends(assistant)) -> list[GapGroup]:
    return group_gaps(bot.store.gaps())


@router.get("/faq", summary="常见问答（含待审核的话务员修改答案）")
def faq(status: Literal["candidate", "approved", "rejected"] | None = None,
        bot: Assistant = Depends(assistant)) -> list[dict]:
    return bot.store.faq(status)


@router.post("/faq/{faq_id}/review", summary="审核一条常见问答")
def review(faq_id: int, body: Review, bot: Assistant = Depends(assistant)) -> dict:
    if not bot.store.review_faq(faq_id, body.status):
        raise HTTPException(404, "没有找到这条常见问答。")
    return {"id": faq_id, "status": body.status}
