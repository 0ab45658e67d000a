"""The clause tree: paragraphs → clauses with a stable id, a label (二、（三）1. / 第十二条) and a heading.

Two shapes of document reach a bureau (DESIGN.md):
- policy notices (通知/意见/措施/方案): 一、 › （一） › 1. › （1）, bold or first-sentence lead-ins;
- regulations (条例/办法/规定/细则): 第一章 › 第一节 › 第一条, with 款 (paragraphs) and 项 （一） inside
  the article.
Besides the numbered units, the cover letter, a preamble, tables and the closing lines (施行、落款、印发)
are units of their own, so everything in a document can be retrieved and cited.

A third shape comes from copied web pages: a service guide written as "字段：内容" lines (联系电话：…,
办理时间：…, 申报条件： and its list). Where the body's unnumbered opening run is mostly such field lines,
each field is a clause of its own (anchor f1, f2, …; label and heading the field name), holding the list
lines under it; see _guide_units.

A notice's attachments after its signature (附件2 on a line of its own, or 附件2：title) are parts of their own,
read in their own shape under anchors annex2-… (see _attachments), and each question of a questions-and-answers
list (问题1：… / 答：…) is a clause headed by its question.

No body line is dropped: a numbered item that is all heading ("3.分案申请；") is a clause whose text is its
line, two units that would share an anchor get distinct ones (i1, i1-2), and build_clauses warns about any
body line that still ends up in no clause (uncovered_lines).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from bot.models import Clause
from bot.text import cn_to_int, split_sentences
from ingest.metadata import ISSUER_LINE, _EFFECTIVE, _EXPIRES, _STANDALONE_DATE, Header
from ingest.normalise import ATTACHMENT, MARKER, QA_LINE, Paragraph, attachment_title

log = logging.getLogger("hotline.ingest")

_L1 = re.compile(r"^([一二三四五六七八九十]+)、\s*")
_L2 = re.compile(r"^（([一二三四五六七八九十]+)）\s*")
_L3 = re.compile(r"^(\d{1,2})[.、．](?!\d)\s*")
_L4 = re.compile(r"^（(\d{1,2})）\s*")
_CHAPTER = re.compile(r"^第([一二三四五六七八九十百零〇]+)章\s*")
_SECTION = re.compile(r"^第([一二三四五六七八九十百零〇]+)节\s*")
_ARTICLE = re.compile(r"^第([一二三四五六七八九十百零〇]+)条\s*")
_CLOSING = re.compile(r"^(抄送|抄报|印发|主送|（此件|此件|特此通知)")
# the 版记's last line (GB/T 9704): the office that printed it and the date, on one line (XX办公室　　2026年1月12日印发),
# between the rules that frame it when a copy glued them on
_RULE_CHARS = r"[─━—\-_=＿－]"
_PRINTED = re.compile(rf"^{_RULE_CHARS}*\s*[\u4e00-\u9fff（）]{{2,30}}\s*\d{{4}}年\d{{1,2}}月\d{{1,2}}日印发\s*{_RULE_CHARS}*$")
# what may end a document after its last attachment: its signature, date and 版记 (特此通知 or 主送 there are a
# sample notice's own)
_AFTER_ATTACHMENTS = re.compile(r"^(抄送|抄报|印发|（此件|此件)")
_VALIDITY_SENTENCE = re.compile(r"^本(措施|办法|方案|意见|规定|条例|细则|通知|决定|实施方案)")
MAX_HEADING = 40
# A guide's field line: a name of 2–8 CJK characters, a colon, then its content (which may be empty when a
# list follows: 申报条件：). A longer name before a colon (质押登记后许可备案流程：…) only names a paragraph.
_FIELD = re.compile(r"^([\u4e00-\u9fff]{2,8})[：:]\s*(.*)$")
_NAMED = re.compile(r"^([\u4e00-\u9fff]{2,20})[：:]")
# the line that lists a notice's attachments, 附件：1. 申请表 or 附件： alone (the list may go on on the lines below)
_ATTACHMENT_LIST = re.compile(r"^附件[：:]")
# who signs: an issuing office's line, or its other name on a line of its own below it (（天津市滨海新区知识产权局）)
_SIGNER = re.compile(rf"{ISSUER_LINE.pattern}|^（[\u4e00-\u9fff]{{2,30}}）$")
# the 版记's first line, and a line of one that goes on below it (抄送：…，/ 市政协办公室。)
_COPIED_TO = re.compile(r"^(抄送|抄报)[：:]")
_RULE = re.compile(rf"^{_RULE_CHARS}{{3,}}$")
MIN_FIELDS = 3  # fewer field lines than this are a notice's contact lines, not a guide


@dataclass
class _Unit:
    anchor: str
    label: str
    path: list[str]
    heading: str = ""
    paras: list[Paragraph] = field(default_factory=list)
    text: str = ""  # set where the clause text is not just its paragraphs (a table, rendered)
    line: Paragraph | None = None  # a numbered item's own line, after its marker


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


def _closing_start(paragraphs: list[Paragraph], start: int, closing: re.Pattern = _CLOSING,
                   version_only: bool = False) -> int:
    """Index of the first closing paragraph (signature, date, 抄送, 印发, the rules framing them) at the end of the
    document; a 抄送 that runs on to a second line (抄送：…，/ 市政协办公室。) is taken whole. `closing`: the other
    lines that may end it; `version_only`: only the 版记's (抄送, 印发 and the rules), not a signature or a date."""
    i = len(paragraphs)
    while True:
        while i > start and (_in_version(paragraphs, i - 1) if version_only
                             else _ends_document(paragraphs[i - 1].text, closing)):
            i -= 1
        # the lines a 抄送 ran on to are no numbered item, attachment or sentence of their own: a few short lines
        copied = next((j for j in range(i - 1, max(start, i - 3) - 1, -1)
                       if _COPIED_TO.match(paragraphs[j].text)), None)
        if copied is None or i == len(paragraphs) or not all(
                not MARKER.match(p.text) and not ATTACHMENT.match(p.text) and len(p.text) <= 60
                for p in paragraphs[copied + 1:i]):
            return i
        i = copied


def _in_attachment_list(text: str) -> bool:
    """A line a list of attachments goes on with: 2. 汇总表, 二、合作协议, 附件2：…, or a note on it in brackets
    (（附件请在门户网站下载）)."""
    if text.startswith(("（", "(")) and text.endswith(("）", ")")):
        return len(text) <= 80
    return len(text) <= 60 and "。" not in text and bool(MARKER.match(text) or ATTACHMENT.match(text))


def _in_version(paragraphs: list[Paragraph], i: int) -> bool:
    """Whether line i is one of the 版记's: 抄送, 抄报, 印发, the printed line (its office and its date may be two lines:
    XX办公室 / 2026年5月15日印发), a rule."""
    def printed_on(line: str) -> bool:  # 2026年5月15日印发
        return bool(_STANDALONE_DATE.match(line)) and line.endswith("印发")

    text = paragraphs[i].text
    if _COPIED_TO.match(text) or text.startswith("印发") or _PRINTED.match(text) or _RULE.match(text):
        return True
    if _STANDALONE_DATE.match(text):
        return printed_on(text)
    return bool(ISSUER_LINE.match(text) and i + 1 < len(paragraphs) and printed_on(paragraphs[i + 1].text))


def _ends_document(text: str, closing: re.Pattern) -> bool:
    return bool(ISSUER_LINE.match(text) or _STANDALONE_DATE.match(text) or closing.match(text)
                or _PRINTED.match(text) or _RULE.match(text))


def build_clauses(doc_id: str, text: str, paragraphs: list[Paragraph], header: Header) -> list[Clause]:
    units: list[_Unit] = []
    title_index = header.title_index
    # a cover letter signed and dated before the text it issues (关于印发《…办法》的通知): that text's attachments
    # may follow it without a signature of their own
    cover = paragraphs[header.provenance_end:title_index] if title_index is not None else []
    cover_signed = any(_STANDALONE_DATE.match(p.text) and any(_SIGNER.match(q.text) for q in cover[max(0, k - 2):k])
                       for k, p in enumerate(cover))
    body, annexes = _attachments(paragraphs[header.body_start:], cover_signed)
    regulation = any(_ARTICLE.match(p.text) for p in body)
    # a copied web page's provenance lines (来源, 说明) are no clause at all: see metadata.Header
    if title_index is not None and title_index > header.provenance_end:
        # before the title: a notice's cover letter, or a regulation's source and adoption notes
        label = "题注" if regulation else "印发通知"
        units.append(_Unit("cover", label, [label], heading=label,
                           paras=paragraphs[header.provenance_end:title_index]))
    closing_at = _closing_start(body, 0)
    body, closing = body[:closing_at], body[closing_at:]
    if annexes:
        # what ends the whole document after its attachments is the closing's, not the last attachment's: the 版记
        # (抄送, 印发) always, a signature and date only when the document has none before them (a sample letter's
        # own signature and date, a list of offices, stay the sample's; a form's blank 年 月 日 is no date)
        number, title, heading_line, paras = annexes[-1]
        signed = cover_signed or any(_STANDALONE_DATE.match(p.text) for p in body + closing)
        end = _closing_start(paras, 0, _AFTER_ATTACHMENTS, version_only=signed)
        annexes[-1] = (number, title, heading_line, paras[:end])
        closing += paras[end:]

    # the list of the attachments (附件：1. …申报表 / 2. …汇总表) that ends the body is a unit of its own: its lines are
    # no items of the last section (2. 汇总表 was a second item of 六、), nor its text the last item's
    listed = next((i for i, p in enumerate(body) if _ATTACHMENT_LIST.match(p.text)), None)
    attachment_list: list[Paragraph] = []
    if listed is not None and all(_in_attachment_list(p.text) for p in body[listed + 1:]):
        body, attachment_list = body[:listed], body[listed:]

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

    if regulation:
        units.extend(_regulation_units(body))
    else:
        guide_end = _guide_run_end(body)
        units.extend(_guide_units(body[:guide_end]))
        units.extend(_policy_units(body[guide_end:]))
    if attachment_list:
        units.append(_Unit("annexes", "附件", ["附件"], heading="附件", paras=attachment_list))

    if closing or validity:
        units.append(_Unit("closing", "落款", ["落款"], heading="施行日期与落款" if validity else "落款",
                           paras=([validity] if validity else []) + closing))
    for number, title, heading_line, paras in annexes:
        units.extend(_attachment_units(number, title, heading_line, paras))

    clauses = []
    taken: set[str] = set()
    for order, unit in enumerate(units):
        body_text = (unit.text or "\n".join(p.text for p in unit.paras)).strip()
        if not body_text:
            continue
        # two lists numbered 1. 2. outside any 一、, a second 第一条 in an annex, two tables under one item:
        # the same anchor twice would make one clause overwrite the other in the index
        anchor, k = unit.anchor, 1
        while anchor in taken:
            k += 1
            anchor = f"{unit.anchor}-{k}"
        taken.add(anchor)
        start = min((p.start for p in unit.paras), default=0)
        end = max((p.end for p in unit.paras), default=0)
        clauses.append(Clause(
            id=f"{doc_id}:{anchor}", doc_id=doc_id, path=unit.path, label=unit.label,
            heading=unit.heading, text=body_text, start=start, end=end, order=order,
        ))
    lost = uncovered_lines(paragraphs[header.body_start:], clauses)
    if lost:
        log.warning("%s：%d 行正文未进入任何条款，例如“%s”", doc_id, len(lost), lost[0][:40])
    return clauses


def _attachments(body: list[Paragraph], cover_signed: bool = False
                 ) -> tuple[list[Paragraph], list[tuple[str, str, Paragraph, list[Paragraph]]]]:
    """The body before its first attachment heading (附件2, 附件二, 附件1-1 or a bare 附件 on a line of its own:
    normalise.ATTACHMENT), and each attachment: its number, its title (on the heading line, or the short line after a
    bare 附件2: normalise.attachment_title), the heading line and the rest of its paragraphs.

    Attachments begin after the signature's date, or after the body's own list of them (附件：1. …申请表) when the
    document is signed somewhere (a notice may put its signature after its attachments), or in the text a signed
    cover letter issues once that text's own numbering has ended (附件1：申报书 under 第三条 is the article's, when 第四条
    follows). Before that, 附件1：申报书 lines list them and a body line may open with one; a document signed nowhere
    has none, and a file to download (附件2：合同.doc) is no attachment. A list written 附件1：…/附件2：… whose numbers
    come again is no attachment either, and once they have begun, a number that comes again is the text of an
    attachment (a checklist's 附件1：申报书), not a new one; attachments may come in any order (附件4, 附件6, 附件2)."""
    dated = next((i for i, p in enumerate(body) if _STANDALONE_DATE.match(p.text)), None)
    listed = next((i for i, p in enumerate(body) if _ATTACHMENT_LIST.match(p.text)), None)
    if cover_signed:
        after = _numbering_ends(body)
    elif dated is None:
        return body, []
    else:
        after = min(dated, listed if listed is not None else dated)
    headings = [(i, _attachment_number(m.group(1)), m) for i, p in enumerate(body)
                if i > after and (m := ATTACHMENT.match(p.text)) and not _FILE.search(p.text)]
    lines = {i for i, _, _ in headings}
    listing = {i for k, (i, number, _) in enumerate(headings)  # adjacent lines whose numbers come again: a list
               if (i + 1 in lines or i - 1 in lines) and any(n2 == number and i2 > i + 1 for i2, n2, _ in headings[k + 1:])}
    run, seen = [], set()
    for i, number, m in headings:
        if i not in listing and number not in seen:
            run.append((i, number, m))
            seen.add(number)
    starts = [i for i, _, _ in run]
    parts = []
    for k, (at, number, m) in enumerate(run):
        paras = body[at + 1:starts[k + 1] if k + 1 < len(starts) else len(body)]
        title = (m.group(2) or "").strip()
        if paras and attachment_title(body[at].text, paras[0].text):
            title, paras = paras[0].text, paras[1:]
        parts.append((number, title, body[at], paras))
    return (body[:starts[0]] if starts else body), parts


_FILE = re.compile(r"\.(?:docx?|xlsx?|pdf|wps|et|zip|rar)\s*$", re.IGNORECASE)


def _numbering_ends(body: list[Paragraph]) -> int:
    """Where the text a cover letter issues has its last numbered unit at the top level (第X条 of a 办法, X、 of a
    方案): the end of the run that counts up from its first (an attachment's own 一、 or 第一条 starts again), after
    which attachments may begin."""
    tops = [[(i, cn_to_int(m.group(1))) for i, p in enumerate(body) if (m := pattern.match(p.text))]
            for pattern in (_ARTICLE, _L1)]
    tops = [top for top in tops if top]
    if not tops:
        return -1
    top = min(tops, key=lambda t: t[0][0])  # the text's own kind of unit comes first (第一条 may be an attachment's)
    end = top[0][0]
    for (_, before), (i, number) in zip(top, top[1:]):
        if before is None or number != before + 1:
            break
        end = i
    return end


def _attachment_number(numeral: str | None) -> str:
    """附件2 → "2", 附件二 → "2", 附件1-1 → "1-1", a bare 附件 (the only one) → "1"."""
    if numeral is None:
        return "1"
    if numeral[0].isdigit():
        return numeral.replace("－", "-")
    return str(cn_to_int(numeral) or 1)


def _attachment_units(number: str, title: str, heading_line: Paragraph, paras: list[Paragraph]) -> list[_Unit]:
    """An attachment's units, read in its own shape (its 一、 or 第一条 start again), each under the attachment's name:
    anchor annex2-…, label 附件2…, path [附件2 申报书, …]. An attachment that is only its heading (a form the system
    generates) is one unit of its heading line."""
    name = f"附件{number}"
    # (the heading as written: 附件二 银行合作协议 is found by its own words)
    part = heading_line.text if title and title in heading_line.text else f"{heading_line.text} {title}".strip()
    if any(_ARTICLE.match(p.text) for p in paras):
        inner = _regulation_units(paras)
    else:
        guide_end = _guide_run_end(paras)
        inner = _guide_units(paras[:guide_end]) + _policy_units(paras[guide_end:])
    if not inner:
        return [_Unit(f"annex{number}", name, [part], heading=title or name, paras=[heading_line])]
    for unit in inner:
        opening = unit.anchor == "preamble"  # what comes before its first numbered item: the attachment itself
        unit.anchor = f"annex{number}" if opening else f"annex{number}-{unit.anchor}"
        unit.label = name if opening else name + unit.label
        unit.path = [part] if opening else [part, *unit.path]
        if opening:
            unit.heading = title or name
    return inner


def uncovered_lines(body: list[Paragraph], clauses: list[Clause]) -> list[str]:
    """The body lines whose words are in no clause (its text, heading or path): lines the tree lost.

    A numbered line is looked for without its marker (一、总则 lives on as the path 一、总则 of its items); a
    table row cell by cell (a table's clause renders its rows); a line split between two clauses (the
    validity sentence that ends the last item goes to the closing) sentence by sentence."""
    blob = "\n".join(part for c in clauses for part in (c.text, c.heading, *c.path))
    lost = []
    for para in body:
        t = para.text.strip()
        marker = MARKER.match(t)
        content = t[marker.end():].strip() if marker else t
        if not content:
            content = t  # a bare marker (（三）): the line itself
        if "\t" in content:
            pieces = [cell.strip() for cell in content.split("\t") if cell.strip()]
            if pieces and pieces[0] in ("序号", "编号"):
                continue  # a numbered table's header row: its rows are rendered by name (_table_text)
        elif content in blob:
            continue
        else:
            pieces = split_sentences(content)
        if not all(piece in blob for piece in pieces):
            lost.append(t)
    return lost


def _guide_run_end(body: list[Paragraph]) -> int:
    """How many opening paragraphs of the body are a guide's field lines (0 if they are not a guide).

    The run is the body up to its first 一、/（一） or table; it is a guide when it holds at least MIN_FIELDS
    field lines, they are at least half of its lines that are no list item, and no list item comes before the
    first field (a notice numbered 1. 2. 3. that ends with 联系人：/联系电话： is no guide)."""
    end = len(body)
    for i, para in enumerate(body):
        if _L1.match(para.text) or _L2.match(para.text) or "\t" in para.text:
            end = i
            break
    if 0 < end < len(body) and "\t" in body[end].text and "。" not in body[end - 1].text:
        end -= 1  # the table's caption stays with the table
    run = body[:end]
    fields = [i for i, p in enumerate(run) if _FIELD.match(p.text)]
    plain = [p for p in run if not MARKER.match(p.text)]
    if len(fields) < MIN_FIELDS or 2 * len(fields) < len(plain):
        return 0
    if any(MARKER.match(p.text) for p in run[:fields[0]]):
        return 0
    return end


def _guide_units(run: list[Paragraph]) -> list[_Unit]:
    """A guide's field lines as clauses: each field line opens one, labelled by its name.

    The lines after a field with no name of their own belong to it when the field opens a list (申报条件：
    and nothing else, or ending in a colon) or when they are list items ((1)…, 1.…); a plain paragraph after
    a field that has said all it has to say (办理地点：…A座) is a clause of its own, named by what stands
    before its colon if anything does (质押登记后许可备案流程：…), else 说明."""
    units: list[_Unit] = []
    current: _Unit | None = None
    takes_all = False  # does the open unit take every following line (it introduced a list)?
    field_no = free_no = 0
    for para in run:
        t = para.text
        field_match = _FIELD.match(t)
        if field_match:
            field_no, free_no = field_no + 1, 0
            name, content = field_match.group(1), field_match.group(2).strip()
            current = _Unit(f"f{field_no}", name, [name], heading=name, paras=[para])
            takes_all = not content or content.endswith(("：", ":"))
            units.append(current)
        elif current is None:  # the lines before the first field
            current = _Unit("preamble", "前言", ["前言"], heading="前言", paras=[para])
            takes_all = True
            units.append(current)
        elif takes_all or MARKER.match(t):
            current.paras.append(para)
        else:
            free_no += 1
            named = _NAMED.match(t)
            label = named.group(1) if named else "说明"
            current = _Unit(f"f{field_no}-t{free_no}", label, [label], heading=label if named else "",
                            paras=[para])
            takes_all = t.endswith(("：", ":"))
            units.append(current)
    return units


def _policy_units(body: list[Paragraph]) -> list[_Unit]:
    units: list[_Unit] = []
    # the open heading at each level: (anchor part, label part, path part)
    levels: list[tuple[str, str, str] | None] = [None, None, None]
    current: _Unit | None = None
    asked_count = 0
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
        question = QA_LINE.match(t) if match is None and not t.startswith("答") else None
        if question:
            # one question and its answer of a notice's 常见问题解答: a unit of its own, headed by the question
            asked = t[question.end():].strip()
            open_levels = [x for x in levels if x]
            asked_count += 1
            current = _Unit("-".join([*(x[0] for x in open_levels), f"q{asked_count}"]),
                            "".join(x[1] for x in open_levels), [*(x[2] for x in open_levels), asked[:MAX_HEADING]],
                            heading=asked if len(asked) <= MAX_HEADING else "", paras=[para])
            units.append(current)
            i += 1
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
                        [x[2] for x in open_levels], heading=heading, paras=paras,
                        line=Paragraph(text=rest.strip() or t, start=para.start + (match.end() if rest.strip() else 0),
                                       end=para.end))
        units.append(current)
        i += 1
    # A container whose only content was its heading line is no unit of its own: its heading lives on in the
    # path of the items under it. An item with nothing under it that is all heading ("3.分案申请；", a bare
    # "（三）" where a copy breaks off) is a unit, and its line is its text.
    kept = []
    for n, unit in enumerate(units):
        if not unit.paras and not unit.text:
            following = units[n + 1] if n + 1 < len(units) else None
            if following is not None and following.anchor.startswith(unit.anchor + "-"):
                continue
            if unit.line is not None:
                unit.paras = [unit.line]
        kept.append(unit)
    return kept


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
