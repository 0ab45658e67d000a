"""The extractive answer (the default, with no LLM): the sentences of the cited clauses that answer the
question, each marked [n], then the citations with title, 文号, label and status."""
from __future__ import annotations

import re

from bot.models import CatalogueItem, Citation, Clause, Document
from bot.retrieve.query import Query
from bot.safety import OffTaskList, is_injection
from bot.retrieve.rank import CLOSE_SHARE
from bot.retrieve.search import Concept, Hit, SearchResult
from bot.text import Tokenizer, split_sentences

HUMAN_CHANNEL = "如需进一步咨询，请拨打12345市民服务热线，由人工为您解答。"
MAX_LEAD_CHARS = 260
RELATED = 3  # a refusal lists this many nearest clauses
ASKED_SHARE = 0.5  # … and, for another region the question names, at least this share


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


def source_of(c: Citation) -> str:
    """（文号）, or（issuer）for a document that has none, so the reader always knows whose it is."""
    if c.doc_number:
        return f"（{c.doc_number}）"
    return f"（{c.issuer}）" if c.issuer else ""


def reference_line(c: Citation) -> str:
    number = source_of(c)
    heading = f" {c.heading}" if c.heading and c.heading not in ("前言", "落款", "印发通知") else ""
    return f"[{c.n}]《{c.doc_title}》{number}{c.clause}{heading}（{c.status}）"


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
        strong = hit.score >= CLOSE_SHARE * hits[0].score
        if other_region and hit.score >= ASKED_SHARE * hits[0].score or (strong and adds >= 0.3) or \
                (strong and query.about_a_document and hit.document.id not in {h.document.id for h in chosen}):
            chosen.append(hit)
            covered |= set(hit.covered)
            regions_seen.add(hit.document.region)
    return chosen


def best_sentences(query: Query, hit: Hit, concepts: list[Concept], tokenizer: Tokenizer,
                   budget: int = MAX_LEAD_CHARS, offtask: OffTaskList | None = None) -> list[str]:
    """The sentences of the clause that answer the question, the best first.

    A question asking for a fact (a date, a number, a fee) gets the sentence that states it; a question
    asking how or what gets the clause's sentences that carry the question, within `budget` characters.
    """
    lines = [line for line in hit.clause.text.split("\n") if line.strip()]
    sentences: list[str] = []
    for n, line in enumerate(lines):
        for sentence in split_sentences(line):
            # a bare date or signature line means little alone: keep the line before it with it
            if len(sentence) < 16 and sentences and n > 0 and sentence == line:
                sentences[-1] = sentences[-1].rstrip("。") + "，" + sentence
            else:
                sentences.append(sentence)
    if not sentences:
        return []
    total = sum(c.weight for c in concepts) or 1.0
    facts = query.facts()
    scored = []
    for i, sentence in enumerate(sentences):
        covered = {c.surface for c in concepts if any(alt in sentence for alt in c.alternatives)}
        score = sum(c.weight for c in concepts if c.surface in covered) / total
        if any(p.search(sentence) for p in facts):
            score += 1.0
        if hit.clause.heading and sentence.rstrip("。") == hit.clause.heading and len(sentences) > 1:
            continue  # the lead-in alone says little; the sentences after it say what is done
        if is_injection(sentence, offtask):
            continue  # an instruction planted in a document is data, never something the assistant says
        scored.append((score, i, sentence))
    if not scored:
        return []
    ranked = sorted(scored, key=lambda x: (-x[0], x[1]))
    best = ranked[0]
    if facts:
        return [best[2]]
    picked = [best]
    used = len(best[2])
    for candidate in ranked[1:]:
        if used + len(candidate[2]) > budget:
            continue
        picked.append(candidate)
        used += len(candidate[2])
    rest = sorted(picked[1:], key=lambda x: x[1])
    return [best[2]] + [p[2] for p in rest]


def compose_grounded(query: Query, hits: SearchResult, concepts: list[Concept], tokenizer: Tokenizer,
                     offtask: OffTaskList | None = None) -> tuple[str, list[Citation]]:
    chosen = pick_citations(query, hits, concepts)
    citations = [citation(n, hit) for n, hit in enumerate(chosen, start=1)]
    lead = []
    multi_region = len({h.document.region for h in chosen}) > 1
    several = query.about_a_document and len({h.document.id for h in chosen}) > 1
    budget = MAX_LEAD_CHARS if len(chosen) == 1 else MAX_LEAD_CHARS // 2
    for c, hit in zip(citations, chosen):
        text = "".join(best_sentences(query, hit, concepts, tokenizer, budget, offtask)).rstrip("。；") + f"[{c.n}]。"
        if multi_region and hit.document.region:
            text = f"{hit.document.region.rstrip('市省')}：{text}"
        elif several:
            text = f"《{hit.document.title}》：{text}"
        lead.append(text)
    intro = _intro(citations[0]) if len(citations) == 1 else ""
    if several:
        intro = f"有多份文件与您的描述相符，以下是最相近的{len(chosen)}份，请问您指的是哪一份？\n"
    body = intro + ("\n".join(lead) if multi_region or several else "".join(lead))
    notes = "".join(validity_note(c, hit.document) for c, hit in zip(citations, chosen))
    answer = body + notes + "\n\n依据：\n" + "\n".join(reference_line(c) for c in citations)
    return answer, citations


def validity_note(c: Citation, document: Document) -> str:
    """Said whenever a cited document is not in force: it is history, not the current rule."""
    if c.status == "有效":
        return ""
    if c.status == "未生效" and document.effective_from:
        return f"\n注意：[{c.n}]所在文件自{document.effective_from:%Y年%-m月%-d日}起施行，目前尚未生效。"
    if document.replaced_by and document.replaced_on:
        return (f"\n注意：[{c.n}]所在文件已被新文件取代，自{document.replaced_on:%Y年%-m月%-d日}起失效，"
                "请以现行文件为准。")
    if document.expires_on:
        return f"\n注意：[{c.n}]所在文件有效期至{document.expires_on:%Y年%-m月%-d日}，已经失效，请以现行规定为准。"
    return f"\n注意：[{c.n}]所在文件状态为“{c.status}”，请以现行规定为准。"


def _intro(c: Citation) -> str:
    return f"根据《{c.doc_title}》{source_of(c)}{c.clause}：" if c.doc_title else ""


FACT_NAMES = {"validity": "有效期", "date": "日期或期限", "number": "具体数字", "money": "费用或金额",
              "contact": "联系方式（电话、地址或网址）"}


def compose_refusal(query: Query, hits: list[Hit], reason: str, concepts: list[Concept] | None = None,
                    tokenizer: Tokenizer | None = None) -> tuple[str, list[Citation]]:
    """Says that the documents do not answer, and why; quotes the nearest clause's most relevant sentence (as
    the nearest, not as the answer) and lists the related clauses, unless the question is off-task."""
    related = [h for h in hits[:RELATED] if h.features.get("soft_coverage", h.coverage) > 0] \
        if reason not in ("off-task", "no-region-documents") else []
    citations = [citation(n, hit) for n, hit in enumerate(related, start=1)]
    kind = "validity" if reason == "validity-unstated" else reason.removeprefix("fact-missing ")
    if reason == "off-task":
        text = "抱歉，我是知识产权政策咨询助手，只能解答知识产权相关政策文件中的问题。"
    elif reason == "no-region-documents":
        text = f"抱歉，知识库中暂时没有{'、'.join(query.regions)}的政策文件，无法据此作答。"
    elif kind in FACT_NAMES:
        text = f"抱歉，相关文件没有写明您问的{FACT_NAMES[kind]}，我不能替文件作出答复。"
    else:
        text = "抱歉，现有政策文件中没有找到能直接回答这个问题的规定，我不能替文件作出答复。"
    if citations:
        nearest = best_sentences(query, related[0], concepts, tokenizer, budget=120) if concepts and tokenizer else []
        if nearest:
            text += f"\n最接近的规定是{_intro(citations[0]).rstrip('：')}：“{nearest[0]}”[1]"
        text += "\n以下条款与您的问题相关，供参考：\n" + "\n".join(reference_line(c) for c in citations)
    return text + "\n" + HUMAN_CHANNEL, citations


FIELD_NAMES = {"conditions": "办理条件", "materials": "所需材料", "time_limit": "办理时限", "fee": "收费",
               "channel": "办理渠道", "contact": "联系方式"}
UNKNOWN = "文件未载明"


def _value(item: CatalogueItem, field: str) -> str:
    value = getattr(item, field)
    if not value:
        return UNKNOWN
    return "；".join(value) if isinstance(value, list) else value


def compose_service(query: Query, hit: Hit, item: CatalogueItem, basis: list[Citation]) -> tuple[str, list[Citation], bool]:
    """A service item as a short checklist (the fields asked about first), with the clauses it rests on.

    Not grounded when a field the question asks about is one the documents leave open: the answer says so
    rather than filling it in.
    """
    citations = [citation(1, hit)] + [b.model_copy(update={"n": n}) for n, b in enumerate(basis, start=2)]
    missing = [f for f in query.fields if not getattr(item, f)]
    lines = []
    if missing:
        lines.append(f"关于「{item.name}」，现有文件没有写明{'、'.join(FIELD_NAMES[f] for f in missing)}。"
                     "文件中关于这项服务的内容如下：")
    else:
        lines.append(f"「{item.name}」")
    if item.summary:
        marks = "".join(f"[{c.n}]" for c in citations[1:]) or "[1]"
        lines.append(item.summary.rstrip("。") + marks + "。")
    order = [f for f in query.fields] + [f for f in FIELD_NAMES if f not in query.fields]
    lines.append("办事要点[1]：")
    lines.extend(f"· {FIELD_NAMES[f]}：{_value(item, f)}" for f in order)
    if any(not getattr(item, f) for f in FIELD_NAMES):
        lines.append(f"“{UNKNOWN}”的事项，请拨打12345或向办理窗口确认。")
    text = "\n".join(lines) + "\n\n依据：\n" + "\n".join(reference_line(c) for c in citations)
    return text, citations, not missing
