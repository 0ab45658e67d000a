"""Whether an FAQ answer rests on its basis: every number, date and 文号 it states (the LLM verifier's fact
matching), and every URL, phone number, organisation and status claim (its claim check), must appear in the
clauses it names. One check for knowledge/faq at ingest and for staff approving an operator's correction."""
from __future__ import annotations

from bot.answer.claims import Evidence, unsupported_claims
from bot.answer.generative import _facts, _supported
from bot.store.records import Records
from bot.text import normalise_text


def reference(records: Records, basis: str) -> str:
    """《title》（文号）label for a clause id; free text (an outside document) as it is."""
    clause = records.clauses.get(basis)
    if clause is None:
        return basis
    document = records.documents[clause.doc_id]
    number = f"（{document.doc_number}）" if document.doc_number else ""
    return f"《{document.title}》{number}{clause.label}"


def unsupported_facts(answer: str, basis: list[str], records: Records) -> list[str]:
    """The facts and claims of `answer` that none of its basis clauses (those in the index) states."""
    known = [b for b in basis if b in records.clauses]
    text = " ".join(reference(records, b) + records.clauses[b].text for b in known)
    missing = [fact for fact in _facts(answer) if not _supported(fact, text)]
    evidence = Evidence(normalise_text(text).lower(),
                        frozenset(records.documents[records.clauses[b].doc_id].status for b in known))
    return missing + [claim for claim in unsupported_claims(normalise_text(answer), evidence) if claim not in missing]
