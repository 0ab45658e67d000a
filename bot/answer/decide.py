"""The grounded decision: do the retrieved clauses answer this question, or only share its words?

One fitted model decides (rank.Answerability, see evals/fit.py): the probability that the best candidates
answer, from their features and margins; below the fitted threshold the answer is a refusal. Five things are
not a matter of degree and stay rules: an off-task or injected question, a region with no documents, a
leading clause about another kind of right than the one asked (专利 for a question on 商标), a leading clause of a
document of another year than the one asked about (2022年's list for 2023年又认定了哪些), and a
question asking for a kind of fact (a date, a length of time, a number, a fee, a contact, how to apply) that the
leading clause does not state. (A leading clause that only says by whom its rules are made answers only who makes them,
and a phone or an address is only that of the office the clause names.)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.retrieve.kinds import DocumentYears
from bot.retrieve.query import Query
from bot.retrieve.rank import Ranking, answer_features
from bot.retrieve.search import Hit
from bot.safety import OffTaskList, is_injection


@dataclass
class Decision:
    grounded: bool
    reason: str
    probability: float = 0.0  # the answerability model's, for the answer's `confidence`


def unstated_kind(reason: str) -> str:
    """The kind of fact a decision's rule found unstated by the leading clause (validity, date, address…), or ""
    when it refused for another reason (or did not)."""
    if reason == "validity-unstated":
        return "validity"
    return reason.removeprefix("fact-missing ") if reason.startswith("fact-missing ") else ""


def office_unstated(query: Query, top: Hit) -> str:
    """The office a contact question asks about (商标评审委员会的咨询电话: QuestionKinds.offices_asked) that neither the
    leading clause, with its headings, title and frame, nor its document anywhere names, literally or by a synonym
    (Hit.offices_unnamed; its document only when the clause names no other body: Candidates.offices_unnamed); ""
    when there is none, or the question asks no office's fact (question_kinds.yaml `offices`)."""
    if not query.kinds.office_kinds & query.asks:
        return ""
    return top.offices_unnamed[0] if top.offices_unnamed else ""


def refusal_rule(query: Query, hits: list[Hit], region_has_documents: bool = True,
                 offtask: OffTaskList | None = None,
                 years_of: Callable[[str], DocumentYears | None] | None = None) -> str | None:
    """The reason one of the rules refuses (off-task or injected, no documents for the region, not one word
    matched, a leading clause about another kind of right, a leading clause of a document of another year,
    a leading clause that only says by whom its rules are made, validity or the fact asked not stated by the leading
    clause), or None when the fitted model is to
    decide. `years_of`: the years a document speaks of (IndexVersion.years_of; None: not checked). The fit
    (evals/fit.py) applies it too, so that the threshold's false refusals count the rules' own."""
    if is_injection(query.text, offtask) or is_injection(query.raw, offtask):
        return "off-task"
    if not region_has_documents:
        return "no-region-documents"
    if not hits or not hits[0].features.get("soft_coverage"):
        return "no-match"  # not one word of the question (？？？, 😀) is in the best clause
    top = hits[0]
    # a clause about another kind of right says nothing of the one asked (the search has put one about it first
    # when there is one)
    if query.other_rights(top.clause, top.document):
        return "other-right"
    # another year's document is no answer to a question about this one (2023年又认定了哪些网点: 2022年's list, nor a
    # measure of 2024); a law may be asked about any year (2022年注册的商标有效期是几年)
    spoken = years_of(top.document.id) if query.years and years_of is not None else None
    if spoken is not None and not spoken.speaks_of(query.years):
        return "year-unstated"
    # a phone, an address… is an office's own: a clause that does not name the office asked states another's
    if office_unstated(query, top):
        return "office-unstated"
    # a clause that only says by whom its rules are made (…由国务院另行规定) states none of them
    if query.wants_rules and query.kinds.delegation.only_delegates(top.clause.text):
        return "delegated"
    # The fact asked for is a hard constraint: only a clause that states that kind of fact answers, and the
    # search has put such a clause first when a close one exists.

    def states(kind: str) -> bool:  # a bureau's question_kinds.yaml may give a kind no answer pattern
        if kind == "date" and not query.about_a_document and top.clause.anchor in ("cover", "closing"):
            return False  # a notice's own date is no answer to when something it announces happens
        return kind in query.kinds.states and query.fact(kind).in_clause(top.clause)

    if "validity" in query.asks and not (top.document.expires_on or "有效期" in top.clause.text or states("validity")):
        return "validity-unstated"
    for kind in query.kinds.states:  # question_kinds.yaml's order: the first kind unstated is the one named
        if kind != "validity" and kind in query.asks and not states(kind):
            return f"fact-missing {kind}"
    return None


def decide(query: Query, hits: list[Hit], ranking: Ranking, unknown_specific: float = 0.0,
           region_has_documents: bool = True, offtask: OffTaskList | None = None,
           years_of: Callable[[str], DocumentYears | None] | None = None) -> Decision:
    rule = refusal_rule(query, hits, region_has_documents, offtask, years_of)
    p = ranking.answerability.probability(answer_features(hits, ranking.asks_fact(query), unknown_specific)) \
        if hits else 0.0
    if rule is not None:
        return Decision(False, rule, p if rule not in ("off-task", "no-region-documents", "no-match") else 0.0)
    if p < ranking.threshold:
        return Decision(False, f"unanswerable p={p:.2f} missing {','.join(hits[0].missing)}", p)
    return Decision(True, "answerable", p)
