"""The grounded decision: do the retrieved clauses answer this question, or only share its words?"""
from __future__ import annotations

from dataclasses import dataclass

from bot.retrieve.query import Query
from bot.retrieve.search import Hit
from bot.safety import OffTaskList, is_injection

MIN_COVERAGE = 0.55  # share of the question's weighted words the best clause contains
MIN_FOCUS = 0.52  # … and that its best single sentence (with its headings) contains


@dataclass
class Decision:
    grounded: bool
    reason: str


def decide(query: Query, hits: list[Hit], region_has_documents: bool = True,
           offtask: OffTaskList | None = None) -> Decision:
    if is_injection(query.text, offtask) or is_injection(query.raw, offtask):
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
        if kind in query.asks and not any(query.fact(kind).search(h.clause.text) for h in close):
            return Decision(False, f"fact-missing {kind}")
    return Decision(True, "covered")
