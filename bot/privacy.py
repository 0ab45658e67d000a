"""Masking of personal data before anything is stored, logged or sent to an LLM.

Phone numbers (mobile and landline), ID-card numbers (18 and 15 digits), bank cards (16–19 digits),
passport and permit numbers, QQ numbers and e-mail addresses, as people type them: in full-width characters
(what Chinese input methods give), in Chinese numerals (一三八… 幺 两 壹), grouped by spaces, dots or dashes.
Matching runs on a same-length view of the text (widths folded, Chinese digits as digits), so the text
around a match keeps the characters it was typed in. Numbers of documents (文号, 专利号, dates, amounts,
第十二条) are not personal data and stay.
"""
from __future__ import annotations

import os
import re
from datetime import date

# full-width ASCII (U+FF01–FF5E) and the ideographic space, folded to their half-width forms
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: ord(" ")}
_CHINESE_DIGITS = {ord(c): str(n) for digits in ("〇一二三四五六七八九", "零幺两叁肆伍陆柒捌玖")
                   for n, c in enumerate(digits)} | {ord("壹"): "1", ord("贰"): "2"}
_VIEW = str.maketrans({**{k: chr(v) for k, v in _WIDTH.items()}, **_CHINESE_DIGITS})

# tried only where a local part starts: from every position of a long run it would be quadratic
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Chinese passports (E, EA…, G, D, S, P) and the permits for Hong Kong, Macao and Taiwan (C, H, M)
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])(?:[EGDSP][A-Z]?\d{7,8}|[CHM]\d{8}(?:\d{2})?)(?![A-Za-z0-9])", re.I)
_QQ = re.compile(r"(?:QQ|扣扣|企鹅)(?:号码|号)?\s*[:：]?\s*([1-9]\d{4,10})(?!\d)", re.I)
# a run of digits in groups of one separator (a number read out in pieces), or an area code in brackets
_RUN = re.compile(r"(?<![\dA-Za-z])(?:\(0\d{2,3}\)\s?)?\+?\d(?:[ .\-]?\d)*(?:[ .\-]?[Xx])?(?![\dA-Za-z])")
_GROUP = re.compile(r"\(0\d{2,3}\)|\d+[Xx]?|[Xx]")


MAX_GROUPS = 6  # +86 138 1234 5678 is 4; 1101 0119 9003 0712 34 is 5


def _birth_date(digits: str) -> bool:
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return 1900 <= int(digits[:4]) <= 2099


def _even_groups(sizes: list[int]) -> bool:
    """Read out in fours (6222 0212 3456 7890 123), the last group shorter."""
    return all(s == 4 for s in sizes[:-1]) and 1 <= sizes[-1] <= 4


def _kind(groups: list[str]) -> str | None:
    """What a number written as these groups is, if it is personal data."""
    sizes = [len(g.strip("()")) for g in groups]
    digits = "".join(g.strip("()") for g in groups)
    single = len(groups) == 1
    if digits[:-1].isdigit() and digits[-1] in "0123456789Xx":
        if len(digits) == 18 and _birth_date(digits[6:14]) and (single or sizes == [6, 8, 4] or _even_groups(sizes)):
            return "[身份证号]"
        if (len(digits) == 15 and digits.isdigit() and _birth_date("19" + digits[6:12])
                and (single or sizes == [6, 6, 3])):
            return "[身份证号]"
    if not digits.isdigit():
        return None
    mobile = digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    if re.fullmatch(r"1[3-9]\d{9}", mobile) and (single or sizes[-3:] == [3, 4, 4] or
                                                 (sizes[0] == 2 and sizes[1:] in ([11], [3, 4, 4]))):
        return "[手机号]"
    if digits[0] == "0" and 3 <= sizes[0] <= 4 and (
            (single and 10 <= len(digits) <= 12) or sizes[1:] in ([7], [8], [3, 4], [4, 4])):
        return "[电话]"
    if 16 <= len(digits) <= 19 and digits[0] in "3456789" and (single or _even_groups(sizes)):
        return "[银行卡号]"
    return None


def _numbers(view: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Personal numbers in one run: the longest stretch of whole groups that is one, from left to right."""
    groups = [(m.start() + start, m.end() + start, m.group(0)) for m in _GROUP.finditer(view[start:end])]
    found, i = [], 0
    while i < len(groups):
        # no number is read out in more than MAX_GROUPS pieces: a long run costs linear time, not quadratic
        for j in range(min(len(groups), i + MAX_GROUPS), i, -1):
            kind = _kind([g for _, _, g in groups[i:j]])
            if kind:
                # a +86 before the number goes with it
                begin = groups[i][0] - (1 if groups[i][0] > 0 and view[groups[i][0] - 1] == "+" else 0)
                found.append((begin, groups[j - 1][1], kind))
                i = j
                break
        else:
            i += 1
    return found


def spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, placeholder) of each piece of personal data in `text`, in order, not overlapping."""
    view = text.translate(_VIEW)
    found: list[tuple[int, int, str]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e, _ in found)

    for m in _EMAIL.finditer(view):
        found.append((m.start(), m.end(), "[邮箱]"))
    for m in _PASSPORT.finditer(view):
        if free(*m.span()):
            found.append((*m.span(), "[护照号]"))
    for m in _QQ.finditer(view):
        if free(*m.span(1)):
            found.append((*m.span(1), "[QQ号]"))
    for m in _RUN.finditer(view):
        found.extend(s for s in _numbers(view, *m.span()) if free(s[0], s[1]))
    return sorted(found)


def mask(text: str) -> str:
    """Replace personal data by placeholders: 13812345678 → [手机号], 110101199003071234 → [身份证号]."""
    out, last = [], 0
    for start, end, placeholder in spans(text):
        out.append(text[last:start] + placeholder)
        last = end
    return "".join(out) + text[last:]


_PLACEHOLDER = re.compile(r"\[(?:手机号|电话|身份证号|银行卡号|护照号|QQ号|邮箱)\]")
_SELF = re.compile(r"^\s*(?:我|本人)(?:叫|姓|名叫|的名字是|名字叫|的(?:手机|电话|身份证|卡号|银行卡|护照|QQ|邮箱))", re.I)
_PIECES = re.compile(r"(?<=[，,。；;！!？?])")


def topic_only(question: str) -> str:
    """A masked question without its pieces about the asker (我叫张三，卡号[银行卡号]，…): what is searched for,
    kept and built on in later turns is the topic, nothing personal (and "银行卡号" does not skew the search).
    When every piece is about the asker, the whole question without its placeholders."""
    kept = "".join(p for p in _PIECES.split(question) if not _PLACEHOLDER.search(p) and not _SELF.match(p))
    text = (kept if kept.strip() else _PLACEHOLDER.sub("", question)).strip("，,；; \n")
    return text if re.search(r"\w", text) else ""  # nothing but personal data and punctuation: no question


def private_files() -> None:
    """From now on this process creates its files owner-only (0600, folders 0700): conversations, index
    versions and logs under the data dir hold questions, which are personal even masked."""
    os.umask(0o077)
