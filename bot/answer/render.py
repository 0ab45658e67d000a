"""An AnswerDraft rendered per channel: the web's text (also /v1/ask's `answer`), the read-aloud text for a
hotline operator, and WeChat's plain message. `citation_line` is the one way a citation is written; outside the
widget (which unfolds it in place), a clause's whole text is behind its `clause_link`, never pasted."""
from __future__ import annotations

import re
from typing import Literal

from bot.answer.draft import AnswerDraft, DraftSentence
from bot.models import GENERIC_HEADINGS, Citation

HUMAN_CHANNEL = "如需进一步咨询，请拨打12345市民服务热线，由人工为您解答。"
_MARKER = re.compile(r"\[\d+\]")
_END = "。！？"

Style = Literal["full", "short", "spoken"]


def source_of(c: Citation) -> str:
    """（文号）, or（issuer）for a document that has none, so the reader always knows whose it is."""
    if c.doc_number:
        return f"（{c.doc_number}）"
    return f"（{c.issuer}）" if c.issuer else ""


def citation_line(c: Citation, style: Style = "full") -> str:
    """A citation as written everywhere: `full` in the web's 依据 list, `short` in WeChat (its page is linked),
    `spoken` as the basis an operator names. A curated answer is named by its question, never its id."""
    if c.kind == "faq":
        return "常见问答" if style == "spoken" else f"[{c.n}]常见问答：{c.heading}"
    if style == "spoken":  # 一、 is said with its heading: 一、工作目标
        return f"《{c.doc_title}》{c.clause}" + (c.heading if c.clause.endswith("、") and c.heading else "")
    if style == "short":
        return f"[{c.n}]《{c.doc_title}》{c.clause}" + (f"（{c.status}）" if c.status != "有效" else "")
    heading = f" {c.heading}" if c.heading and c.heading not in GENERIC_HEADINGS else ""
    return f"[{c.n}]《{c.doc_title}》{source_of(c)}{c.clause}{heading}（{c.status}）"


def clause_link(c: Citation, base: str) -> str:
    """The page of a citation's clause: under `base` (the public address), else the path on the assistant."""
    return f"{base.rstrip('/')}{c.url}" if base else c.url


def _marks(refs: tuple[int, ...]) -> str:
    return "".join(f"[{n}]" for n in refs)


def _sentence(s: DraftSentence) -> str:
    text = s.text + _marks(s.refs) + "。"
    return f"{s.label}：{text}" if s.label else text


def body(draft: AnswerDraft) -> str:
    """The answer without its list of citations: what every written channel shows first."""
    if draft.kind == "message":
        return draft.statement
    if draft.kind == "llm":
        return draft.statement
    if draft.kind == "refusal":
        text = draft.statement
        if draft.nearest and draft.citations:
            c = draft.citations[0]
            text += f"\n最接近的规定是《{c.doc_title}》{source_of(c)}{c.clause}：“{draft.nearest}”[1]"
        return text
    if draft.kind == "service":
        lines = [f"关于「{draft.statement}」，现有文件没有写明{'、'.join(draft.missing_fields)}。文件中关于这项服务的内容如下："
                 if draft.missing_fields else f"「{draft.statement}」"]
        lines += [_sentence(s) for s in draft.sentences]
        lines.append("办事要点[1]：")
        lines += [f"· {name}：{value}" for name, value in draft.checklist]
        if draft.checklist_note:
            lines.append(draft.checklist_note)
        return "\n".join(lines)
    lead = [_sentence(s) for s in draft.sentences]
    text = (draft.asks_which + "\n" if draft.asks_which else "") + ("\n".join(lead) if draft.one_per_line else "".join(lead))
    return text + "".join("\n" + note for note in draft.notes)


def render_web(draft: AnswerDraft, links: str | None = None) -> str:
    """The answer as /v1/ask, the widget and the CLI give it: the sentences that answer, then 依据. With `links`
    (the address to link under; "" for paths on the assistant) each reference ends with its clause's page, for
    readers that get the text alone (OpenAI-compatible clients, MCP)."""
    references = "\n".join(citation_line(c) + ("" if links is None else f" {clause_link(c, links)}")
                           for c in draft.citations)
    if draft.kind == "message":
        return draft.statement
    if draft.kind == "refusal":
        text = body(draft)
        if draft.citations:
            text += "\n以下条款与您的问题相关，供参考：\n" + references
        return text + "\n" + HUMAN_CHANNEL
    return body(draft) + "\n\n依据：\n" + references


def render_wechat(draft: AnswerDraft, follow_ups: list[str], public_url: str) -> str:
    """Plain text: the answer, then each citation once, as a short label and its clause's page."""
    lines = [body(draft)]
    if draft.citations:
        lines += ["", "依据：" if draft.kind != "refusal" else "相关条款："]
        for c in draft.citations:
            lines.append(citation_line(c, "short"))
            if public_url:
                lines.append(clause_link(c, public_url))
    grounded = draft.kind in ("grounded", "service", "faq", "llm") and not draft.missing_fields
    if grounded and follow_ups:
        lines += ["", "您还可以问：" + "；".join(follow_ups[:2])]
    text = "\n".join(lines)
    if not grounded and "12345" not in text:
        text += "\n" + HUMAN_CHANNEL
    return re.sub(r"\n{3,}", "\n\n", text)


# -- read aloud ----------------------------------------------------------------------------------------

def _spoken(text: str) -> str:
    """A sentence as said: no markers, no line breaks, ending with a full stop."""
    text = _MARKER.sub("", text).replace("\n", "，").strip(" ，,；;：:")
    return text if text.endswith(tuple(_END)) else text + "。"


def _said(pieces: list[str], tail: str, limit: int) -> tuple[int, str]:
    """How many of the leading pieces (each a sentence or clause ending in 。) fit before `tail`, the first that does
    not ending them, and the text they make."""
    out, n = "", 0
    for piece in pieces:
        if len(out + piece + tail) > limit:
            break
        out += piece
        n += 1
    return n, (out + tail if out else "")


def _fit(pieces: list[str], tail: str, limit: int) -> str:
    """Whole pieces (each a sentence or clause ending in 。) while they fit before `tail`."""
    return _said(pieces, tail, limit)[1]


def _clauses(sentence: str) -> list[str]:
    """A long sentence in its comma-separated clauses, each said as a sentence of its own."""
    parts = [p for p in re.split(r"[，；]", sentence.rstrip(_END)) if p.strip()]
    return [_spoken(p) for p in parts]


def _bases(draft: AnswerDraft, room: int, named: bool = False) -> list[str]:
    """The ways of saying the basis of the first policy citation (else the first citation) that fit in `room`, fullest
    first: 依据《title》label。, 依据文号label。 (when it has a 文号), 依据label。; with `named`, only those that name the
    document (a label alone, 落款 or 二、8., tells a caller nothing of which)."""
    c = next((c for c in draft.citations if c.kind == "policy"), draft.citations[0] if draft.citations else None)
    if c is None:
        return []
    found = []
    for basis in (f"依据{citation_line(c, 'spoken')}", f"依据{c.doc_number}{c.clause}" if c.doc_number else "",
                  f"依据{c.clause}" if c.kind == "policy" and not named else ""):
        basis = basis if basis.endswith(".") else basis + "。"  # 三、14. ends the sentence already
        if len(basis) > 1 and len(basis) <= room and basis not in found:
            found.append(basis)
    return found


def _basis(draft: AnswerDraft, room: int) -> str:
    """The fullest way of saying the basis that fits in `room` (_bases), or ""."""
    return next(iter(_bases(draft, room)), "")


def _lead(draft: AnswerDraft, sentences: list[DraftSentence], limit: int) -> str:
    """The answer's gist first (the clause stating the fact, when one sentence is too long), then the basis. When
    the fullest basis leaves a sentence out that a shorter one naming the document (the 文号 for the title) lets in,
    each region's sentence under its label, the shorter one is said: a region's answer matters more than the title."""
    said = []
    for s in sentences:
        gist = s.gist or (s.parts[0] if s.parts else "")
        said.append(f"{s.label}：{_spoken(gist)}" if s.label else _spoken(gist))
    fullest = _basis(draft, limit // 2)
    n, text = _said(said, fullest, limit)
    if n:  # (none said at all: the fallback below cuts the first sentence, as a single long answer is)
        more = max((_said(said, basis, limit) for basis in _bases(draft, limit // 2, named=True)[1:]),
                   key=lambda fit: fit[0], default=(0, ""))
        if more[0] > n:
            text = more[1]
    if text:
        return text
    first = sentences[0] if sentences else None
    if first is not None:  # one long sentence: its clauses, the best one first
        text = _fit(_clauses(first.gist or first.parts[0]), fullest, limit)
    return text


def render_spoken(draft: AnswerDraft, limit: int) -> str:
    """What an operator reads out to the caller: ≤ limit characters (HOTLINE_SPOKEN_LIMIT), whole sentences, the
    fact first, then the basis (依据《…》三、14.); worded to the caller (您)."""
    if draft.kind in ("grounded", "faq", "llm") and draft.sentences:
        return _lead(draft, draft.sentences, limit) or _too_long(draft, limit)
    if draft.kind == "service" and not draft.missing_fields:
        return _service_spoken(draft, limit) or _too_long(draft, limit)
    return _refusal_spoken(draft, limit)


def _too_long(draft: AnswerDraft, limit: int) -> str:
    """An answer none of whose pieces fits a short limit: said to be in the documents, with where, never as a
    refusal (the operator reads the clause from the card)."""
    said = "文件对此有规定，内容较长，我给您念一下原文。"
    return said + _basis(draft, limit - len(said))


def _service_spoken(draft: AnswerDraft, limit: int) -> str:
    """「service」, then the point asked about first (in its own whole pieces), then what the service is."""
    said: list[str] = []
    for name, value in draft.checklist:  # the fields asked about come first
        if value == "文件未载明":
            continue
        pieces = [p for p in re.split(r"[；;。]", value) if p.strip()]
        said += [_spoken((f"{name}：" if i == 0 else "") + p) for i, p in enumerate(pieces)]
        break
    said += [_spoken(s.gist or s.text) for s in draft.sentences]
    basis = _basis(draft, limit // 2)
    head = f"「{draft.statement}」，"
    text = head
    for piece in said:  # whole pieces only: one too long is left out, a shorter one after it may still fit
        if len(text + piece + basis) <= limit:
            text += piece
    return text + basis if text != head else ""


def _refusal_spoken(draft: AnswerDraft, limit: int) -> str:
    if draft.kind == "message":
        said = _fit([_spoken(s) for s in re.split(r"(?<=[。！？])", draft.statement) if s.strip()], "", limit)
        return said or "这个问题需要人工为您处理，请您拨打12345。"
    if draft.missing_fields:
        what = f"「{draft.statement}」的{'、'.join(draft.missing_fields)}"
    elif draft.asked_fact:
        what = f"您问的{draft.asked_fact}"
    else:
        what = "这方面的规定"
    related = [c for c in draft.citations if c.kind != "faq"]
    near = f"相关的规定见{citation_line(related[0], 'spoken')}，" if related else ""
    for text in (f"现有政策文件里没有写明{what}，{near}建议您拨打12345咨询。",
                 f"现有政策文件里没有写明{what}，建议您拨打12345咨询。", "现有政策文件里没有这方面的规定，建议您拨打12345咨询。"):
        if len(text) <= limit:
            return text
    return "建议您拨打12345咨询。"
