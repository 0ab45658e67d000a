"""Suggested follow-up questions: only ones the knowledge base can answer."""
from __future__ import annotations

from bot.models import GENERIC_HEADINGS
from bot.retrieve.search import Hit


def suggest(hits: list[Hit], cited: set[str], grounded: bool, limit: int = 3) -> list[str]:
    if not hits:
        return []
    out: list[str] = []
    first = hits[0].document
    if grounded and first.expires_on:
        out.append("这个文件什么时候失效？")
    for hit in hits[1:]:
        heading = hit.clause.heading
        if hit.clause.id in cited or not heading or heading in GENERIC_HEADINGS or len(heading) > 24:
            continue
        question = f"关于“{heading}”有什么措施？"
        if question not in out:
            out.append(question)
        if len(out) >= limit:
            break
    return out[:limit]
