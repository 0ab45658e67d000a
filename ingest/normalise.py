"""Normalisation: raw text → clean paragraphs, repairing what the bureau's files really contain.

- sentences broken across page breaks and blank lines (`经营、` / `质量、信用…`) are joined again;
- markdown headings and bold lead-ins are removed from the text but remembered (the bold lead-in
  becomes the clause heading);
- full-width digits and letters are folded, brackets made consistent, stray spaces inside numbers and
  between CJK characters (`2024 年 5 月 14 日`, `服务业 高质量`) removed, and a date in Chinese numerals
  (二〇二六年四月二日) written in digits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import MARKER, cn_digits, cn_to_int, normalise_doc_number, normalise_text

_TERMINAL = tuple("。！？；：”）」』")
# The words a document's title ends with; metadata finds the title by them, and a title ends its line: the kinds
# of official document (党政机关公文处理工作条例 第八条: 决议 决定 公报 公告 通告 意见 通知 通报 报告 请示 批复 函 纪要; the
# last four as …的报告, …的函, which a body line rarely ends with) and of rules and plans (办法, 细则, 方案, 指南…).
TITLE_ENDINGS = ("通知|意见|措施|方案|办法|条例|规定|细则|决定|规划|指引|指南|清单|目录|公告|通告|通报|公报|决议|纪要|规则|要点"
                 "|的报告|的请示|的批复|的函")
# A law's title (中华人民共和国专利法): only CJK characters up to 法. A bare 法 is no title ending, since
# 方法/做法 end many a broken body line; a line with no punctuation at all is a title, not a fragment.
LAW_TITLE = re.compile(r"^[\u4e00-\u9fff]{2,40}法$")
# Provenance lines of a copy of a web page (来源: URL, 说明: how it was copied): about the copy, not its text.
PROVENANCE = re.compile(r"^(?:来源|说明|原文链接|原文地址|原始链接|转载自|采集时间|抓取时间|存档时间)\s*[:：]")
# Lines of a document's header and footer: they never continue on the next line.
_HEADER_END = re.compile(rf"(文件|号|局|日|{TITLE_ENDINGS}|办公室|印发|目标|公开|纲要|通过|修订|修正|公布|施行)）?$")
_DATE_LINE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日(印发)?$")
# A "字段：内容" line of a copied guide (联系电话：…, 监督和投诉电话：…, 个人办事主题分类：…), or a field with
# nothing after its colon (备注：, 申报条件： before its list): it is a line of its own, never a continuation.
_FIELD_LINE = re.compile(r"^[\u4e00-\u9fff]{2,8}[:：](?:\S|$)")
# An attachment's heading line (附件2, 附件3：申报书; not 附件：1. … listing them, nor 附件2、附件3可在…下载): the
# attachments after a notice's signature are parts of their own (structure.build_clauses)
# (附件一 and 附件1-1 too, and a bare 附件 when there is one; a title does not end in a colon: 附件2《…指标》主要内容如下：
# introduces the attachment's contents in the body)
ATTACHMENT = re.compile(r"^附件\s*(?:(\d{1,2}(?:[-－]\d{1,2})?|[一二三四五六七八九十]{1,3})(?![\d.、．])\s*[：:]?\s*"
                        r"([^，。；！？]{0,40}))?(?<![：:])$")
# A question or an answer of a notice's questions and answers (问题1：…, 问：…, 答：…): each opens a line of its own
QA_LINE = re.compile(r"^(?:问题?\s*\d{0,2}|答)\s*[：:]")
_BOLD_LEAD = re.compile(r"^\*\*(.+?)\*\*")
_MD_HEADING = re.compile(r"^(#{1,6})\s*")


@dataclass
class Paragraph:
    text: str
    md_level: int = 0  # markdown heading level, 0 if none
    bold_lead: str = ""  # the bold lead-in, if the line opened with **…**
    start: int = 0
    end: int = 0

    @property
    def is_heading_line(self) -> bool:
        """A short numbered line with no full stop: a heading such as `1. 加强实体平台建设`."""
        return bool(MARKER.match(self.text)) and "。" not in self.text and len(self.text) <= 40


def _continues(prev: Paragraph, cur: Paragraph) -> bool:
    """Is `cur` the rest of a sentence that a page break or blank line cut off from `prev`?"""
    if prev.md_level or cur.md_level or "\t" in prev.text or "\t" in cur.text:
        return False
    if MARKER.match(cur.text) or prev.is_heading_line:
        return False
    if ATTACHMENT.match(prev.text) or ATTACHMENT.match(cur.text) or QA_LINE.match(cur.text):
        return False
    if prev.text.endswith(_TERMINAL) or _HEADER_END.search(prev.text) or LAW_TITLE.match(prev.text):
        return False
    if PROVENANCE.match(prev.text) or PROVENANCE.match(cur.text):
        return False
    if _DATE_LINE.match(cur.text):  # 泉州市知识产权保护中心 / 2025年11月17日: a signature, then its date
        return False
    if _FIELD_LINE.match(prev.text) or _FIELD_LINE.match(cur.text) or "http" in prev.text:
        return False  # 来源: https://…, 发布机构：… — a metadata line, not a broken sentence
    return True


def attachment_title(heading: str, line: str) -> bool:
    """Whether `line` is the title of an attachment that a bare 附件N line `heading` opens: a short line, no sentence,
    numbered item, question or answer (专利产业化项目实施方案（编写提纲）). It ends its line, and names the attachment
    (structure._attachments)."""
    opens = ATTACHMENT.match(heading)
    return bool(opens) and not opens.group(2) and len(line) <= 40 and "。" not in line \
        and not MARKER.match(line) and not QA_LINE.match(line)


def _clean_line(line: str) -> Paragraph | None:
    line = line.strip()
    if not line:
        return None
    md_level = 0
    m = _MD_HEADING.match(line)
    if m:
        md_level = len(m.group(1))
        line = line[m.end():]
    bold_lead = ""
    m = _BOLD_LEAD.match(line)
    if m and len(m.group(1)) < len(line) - 4:  # a bold lead-in, not a whole bold line
        bold_lead = normalise_text(m.group(1))
    line = line.replace("**", "").replace("__", "")
    if "\t" in line:  # table row: keep the cells apart
        text = "\t".join(normalise_text(c) for c in line.split("\t"))
    else:
        text = normalise_text(line)
    text = _arabic_dates(normalise_doc_number(text))
    if not text.strip():
        return None
    return Paragraph(text=text, md_level=md_level, bold_lead=normalise_doc_number(bold_lead))


_CN_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")


def _arabic_dates(text: str) -> str:
    """A date in Chinese numerals (二〇二六年四月二日, as older documents sign) in digits (2026年4月2日), as every date
    is read: a signature, an issue date, a deadline."""
    def arabic(m: re.Match) -> str:
        month, day = cn_to_int(m.group(2)), cn_to_int(m.group(3))
        if not (month and day and 1 <= month <= 12 and 1 <= day <= 31):
            return m.group(0)
        return f"{cn_digits(m.group(1))}年{month}月{day}日"
    return _CN_DATE.sub(arabic, text)


def normalise(raw: str) -> tuple[str, list[Paragraph]]:
    """Return the normalised document text (one paragraph a line) and its paragraphs with offsets."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    paragraphs: list[Paragraph] = []
    for line in raw.split("\n"):
        para = _clean_line(line)
        if para is None:
            continue
        if paragraphs and _continues(paragraphs[-1], para) and \
                not (len(paragraphs) > 1 and attachment_title(paragraphs[-2].text, paragraphs[-1].text)):
            paragraphs[-1].text += para.text
            continue
        paragraphs.append(para)
    offset = 0
    for para in paragraphs:
        para.start = offset
        para.end = offset + len(para.text)
        offset = para.end + 1
    return "\n".join(p.text for p in paragraphs), paragraphs
