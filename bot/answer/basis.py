"""Whether an FAQ answer rests on its basis: every number, date, 文号, URL and phone number it states must
appear in the clauses it names. One check for knowledge/faq at ingest and for staff approving an operator's
correction (the same fact matching as the LLM verifier's)."""
from __future__ import annotations

from bot.answer.generative import _facts, _supported
from bot.store.records import Records


def reference(records: Records, basis: str) -> str:
    """《title》（文号）label for a clause id; free text (an outside document) as it is."""
    clause = records.clauses.get(basis)
    if clause is None:
        return basis
    document = records.documents[clause.doc_id]
    number = f"（{document.doc_number}）" if document.doc_number else ""
    return f"《{document.title}》{number}{clause.label}"


def unsupported_facts(answer: str, basis: list[str], records: Records) -> list[str]:
    """The facts of `answer` that none of its basis clauses (those in the index) states."""
    text = " ".join(reference(records, b) + records.clauses[b].text for b in basis if b in records.clauses)
    return [fact for fact in _facts(answer) if not _supported(fact, text)]
