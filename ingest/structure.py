"""The clause tree: paragraphs → clauses with a stable id, a label (二、（三）1. / 第十二条) and a heading.

Two shapes of document reach a bureau (DESIGN.md):
- policy notices (通知/意见/措施/方案): 一、 › （一） › 1. › （1）, bold or first-sentence lead-ins;
- regulations (条例/办法/规定/细则): 第一章 › 第一节 › 第一条, with 款 (paragraphs) and 项 （一） inside
  the article.
Besides the numbered units, the cover letter, a preamble, tables and the closing lines (施行、落款、印发)
are units of their own, so everything in a document can be retrieved and cited.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.models import Clause
from bot.text import cn_to_int, split_sentences
from ingest.metadata import _EFFECTIVE, _EXPIRES, _ISSUER_LINE, _STANDALONE_DATE, Header
from ingest.normalise import Paragraph

_L1 = re.compile(r"^([一二三四五六七八九十]+)、\s*")
_L2 = re.compile(r"^（([一二三四五六七八九十]+)）\s*")
_L3 = re.compile(r"^(\d{1,2})[.、．](?!\d)\s*")
_L4 = re.compile(r"^（(\d{1,2})）\s*")
_CHAPTER = re.compile(r"^第([一二三四五六七八九十百零〇]+)章\s*")
_SECTION = re.compile(r"^第([一二三四五六七八九十百零〇]+)节\s*")
_ARTICLE = re.compile(r"^第([一二三四五六七八九十百零〇]+)条\s*")
_CLOSING = re.compile(r"^(抄送|抄报|印发|主送|（此件|此件|特此通知)")
_VALIDITY_SENTENCE = re.compile(r"^本(措施|办法|方案|意见|规定|条例|细则|通知|决定|实施方案)")
MAX_HEADING = 40


@dataclass
class _Unit:
    anchor: str
    label: str
    path: list[str]
    heading: str = ""
    paras: list[Paragraph] = field(default_factory=list)
    text: str = ""  # set where the clause text is not just its paragraphs (a table, rendered)


def _heading_of(para: Paragraph, rest: str) -> str:
    """The lead-in of a numbered item: its bold part, or a short first sentence, or the whole line."""
    if para.bold_lead:
        lead = para.bold_lead
        for pattern in (_L1, _L2, _L3, _L4):
            lead = pattern.sub("", lead, count=1)
        return lead.rstrip("。：").strip()
    if "。" not in rest and len(rest) <= MAX_HEADING:
        return rest.strip()
    first = rest.split("。", 1)[0]
    if len(first) <= MAX_HEADING and "，" not in first:
        return first.strip()
    return ""


def _table_text(rows: list[str]) -> str:
    """Table rows as readable sentences: `目标（家），2025年：15`."""
    cells = [r.split("\t") for r in rows]
    header = cells[0]
    lines = []
    if header and header[0] in ("序号", "编号"):
        for row in cells[1:]:
            pairs = [f"{h}：{v}" for h, v in zip(header[2:], row[2:]) if v]
            name = row[1] if len(row) > 1 else ""
            lines.append(f"{name}，" + "，".join(pairs) + "。")
    else:
        lines = ["，".join(c for c in row if c) + "。" for row in cells]
    return "\n".join(lines)


def _closing_start(paragraphs: list[Paragraph], start: int) -> int:
    """Index of the first closing paragraph (signature, date, 抄送, 印发) at the end of the document."""
    i = len(paragraphs)
    while i > start:
        t = paragraphs[i - 1].text
        if _ISSUER_LINE.match(t) or _STANDALONE_DATE.match(t) or _CLOSING.match(t):
            i -= 1
        else:
            break
    return i


def build_clauses(doc_id: str, text: str, paragraphs: list[Paragraph], header: Header) -> list[Clause]:
    units: list[_Unit] = []
    title_index = header.title_index
    body = paragraphs[header.body_start:]
    regulation = any(_ARTICLE.match(p.text) for p in body)
    # a copied web page's provenance lines (来源, 说明) are no clause at all: see metadata.Header
    if title_index is not None and title_index > header.provenance_end:
        # before the title: a notice's cover letter, or a regulation's source and adoption notes
        label = "题注" if regulation else "印发通知"
        units.append(_Unit("cover", label, [label], heading=label,
                           paras=paragraphs[header.provenance_end:title_index]))
    closing_at = _closing_start(body, 0)
    body, closing = body[:closing_at], body[closing_at:]

    # The validity statement that ends the last item ("本措施自…施行，有效期至…") belongs to the closing.
    validity: Paragraph | None = None
    if body:
        last = body[-1]
        sentences = split_sentences(last.text)
        tail = []
        while sentences and _VALIDITY_SENTENCE.match(sentences[-1]) and (
            _EFFECTIVE.search(sentences[-1]) or _EXPIRES.search(sentences[-1]) or "施行" in sentences[-1]
        ):
            tail.insert(0, sentences.pop())
        if tail and sentences:
            kept = "".join(sentences)
            body[-1] = Paragraph(text=kept, md_level=last.md_level, bold_lead=last.bold_lead,
                                 start=last.start, end=last.start + len(kept))
            validity = Paragraph(text="".join(tail), start=last.start + len(kept), end=last.end)

    units.extend(_regulation_units(body) if regulation else _policy_units(body))

    if closing or validity:
        units.append(_Unit("closing", "落款", ["落款"], heading="施行日期与落款" if validity else "落款",
                           paras=([validity] if validity else []) + closing))

    clauses = []
    for order, unit in enumerate(units):
        body_text = (unit.text or "\n".join(p.text for p in unit.paras)).strip()
        if not body_text:
            continue
        start = min((p.start for p in unit.paras), default=0)
        end = max((p.end for p in unit.paras), default=0)
        clauses.append(Clause(
            id=f"{doc_id}:{unit.anchor}", doc_id=doc_id, path=unit.path, label=unit.label,
            heading=unit.heading, text=body_text, start=start, end=end, order=order,
        ))
    return clauses


def _policy_units(body: list[Paragraph]) -> list[_Unit]:
    units: list[_Unit] = []
    # the open heading at each level: (anchor part, label part, path part)
    levels: list[tuple[str, str, str] | None] = [None, None, None]
    current: _Unit | None = None
    i = 0
    while i < len(body):
        para = body[i]
        t = para.text
        match = None
        for level, (pattern, anchor_prefix) in enumerate(((_L1, "s"), (_L2, "p"), (_L3, "i"))):
            match = pattern.match(t)
            if match:
                break
        caption_of_table = (not match and "。" not in t and i + 1 < len(body) and "\t" in body[i + 1].text)
        if "\t" in t or caption_of_table:
            caption = "" if "\t" in t else t
            j = i if "\t" in t else i + 1
            rows = []
            while j < len(body) and "\t" in body[j].text:
                rows.append(body[j].text)
                j += 1
            base = current.anchor if current else "body"
            units.append(_Unit(f"{base}-table", (current.label if current else "") + "附表",
                               (current.path if current else []) + [caption or "附表"], heading=caption,
                               paras=body[i:j], text=(caption + "\n" if caption else "") + _table_text(rows)))
            i = j
            continue
        if match is None:
            if current is None:
                current = _Unit("preamble", "前言", ["前言"], heading="前言")
                units.append(current)
            current.paras.append(para)
            i += 1
            continue
        number = match.group(1)
        n = int(number) if number.isdigit() else cn_to_int(number)
        label_part = f"{n}." if level == 2 else (f"{number}、" if level == 0 else f"（{number}）")
        rest = t[match.end():]
        heading = _heading_of(para, rest)
        levels[level] = (f"{anchor_prefix}{n}", label_part, f"{label_part}{heading or ''}".strip())
        for deeper in range(level + 1, 3):
            levels[deeper] = None
        open_levels = [x for x in levels[: level + 1] if x]
        paras = [] if heading == rest.strip() else [
            Paragraph(text=rest, start=para.start + match.end(), end=para.end)]
        current = _Unit("-".join(x[0] for x in open_levels), "".join(x[1] for x in open_levels),
                        [x[2] for x in open_levels], heading=heading, paras=paras)
        units.append(current)
        i += 1
    # containers whose only content was their heading line are not units of their own
    return [u for u in units if u.paras or u.text]


def _regulation_units(body: list[Paragraph]) -> list[_Unit]:
    units: list[_Unit] = []
    chapter = section = None
    current: _Unit | None = None
    for para in body:
        t = para.text
        mc, ms, ma = _CHAPTER.match(t), _SECTION.match(t), _ARTICLE.match(t)
        if mc and len(t) <= MAX_HEADING:
            chapter, section = f"第{mc.group(1)}章 {t[mc.end():].replace(' ', '')}".strip(), None
            current = None
        elif ms and len(t) <= MAX_HEADING:
            section = f"第{ms.group(1)}节 {t[ms.end():].replace(' ', '')}".strip()
            current = None
        elif ma:
            n = cn_to_int(ma.group(1))
            label = f"第{ma.group(1)}条"
            path = [x for x in (chapter, section) if x] + [label]
            current = _Unit(f"a{n}", label, path,
                            paras=[Paragraph(text=t[ma.end():], start=para.start + ma.end(), end=para.end)])
            units.append(current)
        else:
            if current is None:
                if units and units[-1].anchor != "preamble":
                    units[-1].paras.append(para)
                    continue
                current = _Unit("preamble", "前言", ["前言"], heading="前言")
                units.append(current)
            current.paras.append(para)
    return units
