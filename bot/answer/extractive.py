"""The extractive answer (the default, with no LLM): the sentences of the cited clauses that answer the
question, each marked [n], then the citations with title, 文号, label and status."""
from __future__ import annotations

import re

from bot.answer.decide import unstated_kind
from bot.answer.draft import AnswerDraft, DraftSentence
from bot.answer.render import citation_line
from bot.config import DisplaySettings
from bot.models import CatalogueItem, Citation, Clause, Document
from bot.retrieve.query import Query
from bot.safety import OffTaskList
from bot.retrieve.search import Concept, Hit, SearchResult
from bot.retrieve.sentences import Sentences, lead_order, quotable, repeats_heading, unnumbered

ASKED_SHARE = 0.5  # … and, for another region the question names or a field it cannot tell apart, at least this share


_PIECE = re.compile(r"[^，。；！？\n]{1,16}[，。；！？\n]?|[，。；！？\n]")


def pieces(text: str) -> list[str]:
    """The answer in short pieces, as a stream delivers them (a citation marker stays whole)."""
    out: list[str] = []
    for piece in _PIECE.findall(text):
        if out and re.fullmatch(r"\[\d+\][，。；]?", piece):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def citation(n: int, hit: Hit) -> Citation:
    return make_citation(n, hit.clause, hit.document, hit.score)


def make_citation(n: int, clause: Clause, document: Document, score: float) -> Citation:
    return Citation(
        n=n, clause_id=clause.id, doc_title=document.title, doc_number=document.doc_number,
        issuer=document.issuer, region=document.region, clause=clause.label, heading=clause.heading,
        text=clause.text, kind=document.kind, status=document.status, score=round(score, 4),
        url=f"/documents/{document.id}#{clause.anchor}",
    )


def reference_line(c: Citation) -> str:
    return citation_line(c, "full")


def pick_citations(query: Query, hits: SearchResult, concepts: list[Concept]) -> list[Hit]:
    """The clauses the answer rests on: the best one, plus those that answer other parts of the question
    (another region asked about, or concepts the best one does not cover)."""
    chosen = [hits[0]]
    covered = set(hits[0].covered)
    weights = {c.surface: c.weight for c in concepts}
    total = sum(weights.values()) or 1.0
    regions_seen = {hits[0].document.region}
    for hit in hits[1:4]:
        if len(chosen) >= 3:
            break
        asked = len(query.regions) > 1 and hit.document.region in query.regions
        other_region = (asked or hits.per_region) and hit.document.region not in regions_seen
        adds = sum(weights.get(surface, 0.0) for surface in set(hit.covered) - covered) / total
        # the scores are the fitted ranker's probabilities: "about as good as the best" is a share of its score
        strong = hit.score >= hits.close_share * hits[0].score
        if other_region and hit.score >= ASKED_SHARE * hits[0].score or (strong and adds >= 0.3) or \
                (strong and query.about_a_document and hit.document.id not in {h.document.id for h in chosen}):
            chosen.append(hit)
            covered |= set(hit.covered)
            regions_seen.add(hit.document.region)
    # then, in the places left, the best clause's guide's other fields stating the fact asked as well, beside the
    # clauses of their own document (not between another region's) and in the guide's order (its 联系电话 first)
    alike = [hit for hit in hits[1:4] if hit not in chosen and hit.score >= ASKED_SHARE * hits[0].score
             and _states_alike(hit, hits[0])][:3 - len(chosen)]
    if alike:
        at = max(n + 1 for n, h in enumerate(chosen) if h.document.id == hits[0].document.id)
        chosen[at:at] = alike
        fields = [n for n, h in enumerate(chosen) if h.document.id == hits[0].document.id and h.clause.is_guide_field]
        for n, hit in zip(fields, sorted((chosen[n] for n in fields), key=lambda h: h.clause.order)):
            chosen[n] = hit
    return chosen


def _states_alike(hit: Hit, best: Hit) -> bool:
    """Whether `hit` is another field of the best clause's guide stating the fact asked as well: the question does not
    tell them apart (杭州代办处电话多少: 联系电话, 咨询电话 and 投诉电话 are fields of one guide), so each is given
    under its own name rather than one picked by a hair of similarity: it holds the question's words as fully
    (literally, softly, and in the sentence stating the fact), whatever other words beside them weigh. Only a
    guide's fields are alike so: two articles of a law that both state a period (著作权保护期多久) state different
    rules, and a short question is covered as fully by either."""
    return hit.clause.is_guide_field and best.clause.is_guide_field and hit.document.id == best.document.id \
        and bool(best.features.get("states_fact")) \
        and bool(hit.features.get("states_fact")) \
        and all(hit.features.get(name, 0.0) >= best.features.get(name, 0.0)
                for name in ("coverage", "soft_coverage", "fact_focus"))


def best_sentences(query: Query, hit: Hit, concepts: list[Concept], selector: Sentences, budget: int,
                   offtask: OffTaskList | None = None) -> list[str]:
    """The sentences (or numbered items) of the clause that answer the question, the best first, scored by the
    fitted sentence model (`rank.SENTENCE_FEATURES`).

    A question asking for a fact (a date, a number, a fee) leads with the sentence that states it whenever the
    clause has one (the fact asked is a hard constraint), then one stating another kind of fact asked if any; every
    answer goes on with the next best sentences within `budget` characters (the condition or the exception of
    the fact: 逾期视为放弃, 宽展期).
    """
    rows = quotable(selector.features(query, concepts, hit.clause), hit.clause.heading, offtask)
    scores = [selector.score(f) for _, f in rows]
    ranked = [(scores[i], *rows[i]) for i in lead_order(scores, [bool(f["states_fact"]) for _, f in rows])]
    if not ranked:
        return []
    facts = query.facts()
    stating = [r for r in ranked if r[2]["states_fact"]]  # the lead first, when one states the fact asked
    if stating:
        best = stating[0]
        stated = [p for p in facts if p.search(best[1].text)]
        # a second sentence stating the same as well (施行 and 落款 dates of a closing), or a kind asked it does not
        # (of those stating another kind, the one holding the most of the question's words: 发明专利…4000元 rather than
        # 实用新型专利…1500元 for a question on an invention)
        more = next((r for r in stating[1:] if stated and r[2]["coverage"] == best[2]["coverage"]
                     and all(p.search(r[1].text) for p in stated)), None) or \
            max((r for r in stating[1:] if any(p.search(r[1].text) for p in facts if p not in stated)),
                key=lambda r: r[2]["coverage"], default=None)
        if more is not None:
            return [best[1].text, more[1].text]
    # else the lead goes on with the next best, as for any question, but not with a lead-in that only repeats the
    # heading (备案条件： under 预审备案条件): after the lead it says nothing (one stating a fact or a condition stays)
    picked = [ranked[0][1].text]
    used = len(picked[0])
    for _, unit, _ in ranked[1:]:
        if not repeats_heading(unit.text, hit.clause) and used + len(unit.text) <= budget:
            picked.append(unit.text)
            used += len(unit.text)
    return picked


def gist(sentence: str, query: Query, concepts: list[Concept], limit: int, whole: int) -> str:
    """The clauses of a sentence that say what was asked (the fact asked for first, else the question's words),
    at most `limit` characters: what is read aloud first ("延续专利代理师资格考试免报考费政策"). A sentence of at
    most `whole` characters is its own gist."""
    pieces = [p for p in re.split(r"[，；]", sentence.rstrip("。；！？")) if p.strip()]
    if len(pieces) < 2 or len(sentence) <= whole:
        return sentence
    # the part saying the time is read, the one saying it with the act asked (拨付) before another's time
    facts, of_act = query.facts(of_act=False), query.facts() if query.act else []

    def score(piece: str) -> float:
        covered = sum(c.weight for c in concepts if any(alt in piece for alt in c.alternatives))
        return covered + (100.0 if any(p.search(piece) for p in facts) else 0.0) \
            + (50.0 if any(p.search(piece) for p in of_act) else 0.0)

    scores = [score(p) for p in pieces]
    best = max(range(len(pieces)), key=lambda i: (scores[i], -i))
    if scores[best] <= 0:  # the question's words are in the heading: the sentence's opening clauses
        lead = ""
        for piece in pieces:
            if lead and len(lead) + len(piece) + 1 > limit:
                break
            lead = f"{lead}，{piece}" if lead else piece
        return lead + "。"
    chosen = {best}
    for i in sorted(range(len(pieces)), key=lambda i: -scores[i]):
        if scores[i] >= 0.75 * scores[best] and sum(len(pieces[j]) + 1 for j in chosen | {i}) <= limit:
            chosen.add(i)
    if len(chosen) == len(pieces):
        return sentence
    return "，".join(pieces[i] for i in sorted(chosen)) + "。"


def compose_grounded(query: Query, hits: SearchResult, concepts: list[Concept], selector: Sentences,
                     display: DisplaySettings, offtask: OffTaskList | None = None) -> AnswerDraft:
    """The answer from the clauses picked: of each, the sentences that answer (as many as `display` allows) and
    the gist said aloud."""
    chosen = pick_citations(query, hits, concepts)
    citations = [citation(n, hit) for n, hit in enumerate(chosen, start=1)]
    multi_region = len({h.document.region for h in chosen}) > 1
    several = query.about_a_document and len({h.document.id for h in chosen}) > 1
    budget = display.lead_chars if len(chosen) == 1 else display.lead_chars // 2
    sentences = []
    for c, hit in zip(citations, chosen):
        parts = best_sentences(query, hit, concepts, selector, budget, offtask)[:display.lead_sentences]
        label = hit.document.region.rstrip("市省") if multi_region and hit.document.region else \
            f"《{hit.document.title}》" if several else ""
        # read aloud without an item's number: 属于新材料…, not （2）属于新材料…
        said = gist(unnumbered(parts[0]), query, concepts, display.gist_chars, display.whole_sentence_chars) \
            if parts else ""
        sentences.append(DraftSentence(tuple(parts), (c.n,), label, said))
    return AnswerDraft(
        "grounded", citations, sentences,
        notes=validity_notes([(c, hit.document) for c, hit in zip(citations, chosen)]),
        one_per_line=multi_region or several,
        asks_which=f"有多份文件与您的描述相符，以下是最相近的{len(chosen)}份，请问您指的是哪一份？" if several else "")


def validity_notes(cited: list[tuple[Citation, Document]]) -> list[str]:
    """One note for each cited document that is not in force, naming all its citations ([1][2]): it is history,
    not the current rule."""
    numbers: dict[str, list[int]] = {}
    for c, document in cited:
        numbers.setdefault(document.id, []).append(c.n)
    notes = []
    for c, document in cited:
        if c.n == numbers[document.id][0] and (note := validity_note(c, document, numbers[document.id])):
            notes.append(note)
    return notes


def validity_note(c: Citation, document: Document, numbers: list[int] | None = None) -> str:
    """Said whenever a cited document is not in force: it is history, not the current rule."""
    if c.status == "有效":
        return ""
    marks = "".join(f"[{n}]" for n in numbers or [c.n])
    if c.status == "未生效" and document.effective_from:
        return f"注意：{marks}所在文件自{document.effective_from:%Y年%-m月%-d日}起施行，目前尚未生效。"
    if document.replaced_by and document.replaced_on:
        return (f"注意：{marks}所在文件已被新文件取代，自{document.replaced_on:%Y年%-m月%-d日}起失效，"
                "请以现行文件为准。")
    if document.expires_on:
        return f"注意：{marks}所在文件有效期至{document.expires_on:%Y年%-m月%-d日}，已经失效，请以现行规定为准。"
    return f"注意：{marks}所在文件状态为“{c.status}”，请以现行规定为准。"


def compose_refusal(query: Query, hits: list[Hit], reason: str, related_clauses: int,
                    concepts: list[Concept] | None = None, selector: Sentences | None = None) -> AnswerDraft:
    """Says that the documents do not answer, and why; quotes the nearest clause's most relevant sentence (as
    the nearest, not as the answer) and lists up to `related_clauses` related clauses, unless the question is
    off-task."""
    related = [h for h in hits[:related_clauses] if h.features.get("soft_coverage", h.coverage) > 0] \
        if reason not in ("off-task", "no-region-documents") else []
    citations = [citation(n, hit) for n, hit in enumerate(related, start=1)]
    kind = unstated_kind(reason)
    label = query.label(kind) if kind else ""
    if reason == "off-task":
        text = "抱歉，我是知识产权政策咨询助手，只能解答知识产权相关政策文件中的问题。"
    elif reason == "no-region-documents":
        text = f"抱歉，知识库中暂时没有{'、'.join(query.regions)}的政策文件，无法据此作答。"
    elif reason == "other-right" and hits:
        order = list(query.kinds.rights)
        asked, found = (sorted(r, key=order.index) for r in (query.rights, query.other_rights(hits[0].clause,
                                                                                             hits[0].document)))
        text = (f"抱歉，找到的最接近的条款针对的是{'、'.join(found)}，没有明确适用于您问的{'、'.join(asked)}，"
                "我不能据此作答。")
    elif reason == "office-unstated":
        asked = next((query.kinds.label(kind) for kind in query.kinds.states
                      if kind in query.asks & query.kinds.office_kinds), "联系方式")
        text = f"抱歉，找到的相关条款没有写明您问的这个机构的{asked}，我不能用其他机构的{asked}代为答复。"
    elif reason == "delegated":
        text = "抱歉，找到的条款只说明这方面的具体规定由有关部门另行制定，收录的文件中没有这些具体规定，我不能替文件作出答复。"
    elif reason == "year-unstated":
        asked = "、".join(sorted(query.years))
        text = (f"抱歉，找到的相关文件没有写到您问的{asked}年（{asked}年的规定可能尚未发布或未收录），"
                "我不能用其他年份的文件代为答复。")
    elif label:
        text = f"抱歉，相关文件没有写明您问的{label}，我不能替文件作出答复。"
    else:
        text = "抱歉，现有政策文件中没有找到能直接回答这个问题的规定，我不能替文件作出答复。"
    # a clause about another right or another office is not quoted as the nearest answer: its period or phone is not
    # the one asked
    nearest = best_sentences(query, related[0], concepts, selector, budget=120) \
        if citations and concepts and selector and reason not in ("other-right", "office-unstated") else []
    return AnswerDraft("refusal", citations, statement=text, nearest=nearest[0] if nearest else "",
                       asked_fact=label)


FIELD_NAMES = {"conditions": "办理条件", "materials": "所需材料", "time_limit": "办理时限", "fee": "收费",
               "channel": "办理渠道", "contact": "联系方式"}
UNKNOWN = "文件未载明"


def _value(item: CatalogueItem, field: str) -> str:
    value = getattr(item, field)
    if not value:
        return UNKNOWN
    return "；".join(value) if isinstance(value, list) else value


# the kinds of fact a field holds (联系方式: a number to call or an address to go to)
FIELD_FACTS = {"fee": ("money",), "time_limit": ("period",), "contact": ("contact", "address")}


def _stated_in_summary(query: Query, item: CatalogueItem, field: str) -> bool:
    """A field the catalogue leaves empty whose fact its summary states (新增专利文件副本证明费，每份30元)."""
    return bool(item.summary) and any(kind in query.kinds.states and query.fact(kind).search(item.summary)
                                      for kind in FIELD_FACTS.get(field, ()))


def compose_service(query: Query, hit: Hit, item: CatalogueItem, basis: list[Citation],
                    unstated: str = "") -> AnswerDraft:
    """A service item as a short checklist (the fields asked about first), with the clauses it rests on.

    Not grounded when a field the question asks about is one the documents leave open, or when the item states
    no fact of the kind asked (`unstated`: its label, 地址或办理地点, from the decision's fact-missing rule): the
    answer says so rather than filling it in.
    """
    citations = [citation(1, hit)] + [b.model_copy(update={"n": n}) for n, b in enumerate(basis, start=2)]
    missing = [f for f in query.fields if not getattr(item, f) and not _stated_in_summary(query, item, f)]
    # the fields that state an office's fact asked (在哪？ or 地址在哪: 办理渠道's 办理地点, not 联系方式's phones, though
    # 地址 names that field), then those asked by name, then the rest
    office_facts = query.asks & query.kinds.office_kinds & set(query.kinds.states)
    stating = [f for f in FIELD_NAMES if getattr(item, f)
               and any(query.fact(kind).search(_value(item, f)) for kind in office_facts)]
    order = list(dict.fromkeys([*stating, *query.fields, *FIELD_NAMES]))
    summary = [DraftSentence((item.summary,), tuple(c.n for c in citations[1:]) or (1,))] if item.summary else []
    return AnswerDraft(
        "service", citations, summary, statement=item.name,
        checklist=[(FIELD_NAMES[f], _value(item, f)) for f in order],
        checklist_note=f"“{UNKNOWN}”的事项，请拨打12345或向办理窗口确认。"
        if any(not getattr(item, f) for f in FIELD_NAMES) else "",
        # a kind of fact and a field may share a label (所需材料): the answer names it once
        missing_fields=list(dict.fromkeys([FIELD_NAMES[f] for f in missing] + ([unstated] if unstated else []))))
