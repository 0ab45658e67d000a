"""Hotline transcripts: find the caller's questions in spoken, typo-ridden text, and say answers briefly."""
from __future__ import annotations

import re

from bot.models import Answer
from bot.text import normalise_text

SPOKEN_LIMIT = 120
# Filler that speech recognition writes down; removed before looking for questions.
_FILLER = re.compile(
    r"喂+|嗯+|呃+|额+|啊+(?=[，。,\s])|哦+|唉+|是这样的|就是说|然后呢|对对对?|好的好的|好的|谢谢你?|您好|你好"
    r"|我想(问|咨询)一下|我(问|咨询)一下|请问一下|麻烦问一下|那个(?=[^\u4e00-\u9fff]|[我你他这那])"
)
_SPLIT = re.compile(r"[。！？?!；;\n]+|还有一个问题|另外一个问题|第二个问题|还有就是|另外就是|另外|还有(?=[\u4e00-\u9fff]{4})")
_QUESTION = re.compile(r"吗|呢|怎么|什么|多少|哪|有没有|能不能|是不是|可不可以|如何|几|要不要|会不会|行不行")
_SELF = re.compile(r"^(我们|我|本人|咱们|我司|我公司|我们公司|我们单位|我这边)")
_AFTER_PARTICLE = re.compile(r"(?<=[吗呢])(?=[\u4e00-\u9fff]{6})")


def questions_in(transcript: str, limit: int = 5) -> tuple[list[str], list[str]]:
    """The caller's questions in the order asked, and the other things they said. Context ("我们是上海的一家
    小企业") is kept apart: its words would dilute a question; the region it names applies to all of them."""
    text = normalise_text(transcript.replace("\r", "\n"))
    text = _FILLER.sub("，", text)
    pieces = []
    for part in _SPLIT.split(text):
        pieces.extend(_AFTER_PARTICLE.split(part))
    questions, statements = [], []
    for piece in pieces:
        piece = re.sub(r"^[，,、\s]+|[，,、\s]+$", "", re.sub(r"[，,]{2,}", "，", piece))
        # the caller introducing themselves ("我们是上海的一家小企业，…") is not part of the question
        clauses = piece.split("，")
        while len(clauses) > 1 and _SELF.match(clauses[0]) and not _QUESTION.search(clauses[0]):
            statements.append(clauses.pop(0))
        piece = "，".join(clauses)
        if len(re.findall(r"[\u4e00-\u9fff]", piece)) < 4:
            continue
        (questions if _QUESTION.search(piece) else statements).append(piece)
    if not questions:
        questions = statements[-1:]  # "我公司被侵权了" alone is still what the caller wants help with
    return list(dict.fromkeys(questions))[:limit], statements


def _cut(sentence: str, limit: int) -> str:
    """Shorten at a comma or semicolon so what is read aloud stays a sentence."""
    sentence = sentence.strip().rstrip("。")
    if len(sentence) + 1 <= limit:
        return sentence + "。"
    cut = max(sentence.rfind(mark, 0, limit - 1) for mark in "，；、")
    if cut < limit // 3:
        cut = limit - 2
    return sentence[:cut] + "。"


def speakable(answer: Answer, limit: int = SPOKEN_LIMIT) -> str:
    """A version of the answer an operator can read out: one source, the answering sentence, ≤ limit."""
    lead = answer.answer.split("\n\n依据")[0]
    lines = [line for line in lead.split("\n") if line.strip()]
    if answer.citations and answer.citations[0].kind == "catalogue":
        # a service: what the documents leave open, or the service and the point asked about first
        if lines[0].startswith("关于「"):
            return _cut(lines[0].split("。")[0] + "，请拨打12345或向办理窗口确认", limit)
        summary = re.split(r"\[\d+\]", lines[1] if len(lines) > 1 else lines[0])[0]
        point = next((line.lstrip("· ") for line in lines if line.startswith("· ") and "文件未载明" not in line), "")
        return _cut(f"{summary}；{point}" if point else summary, limit)
    if not answer.grounded or not answer.citations:
        return "现有政策文件里没有找到这方面的规定，建议记录问题后转相关部门答复，或请来电人拨打12345咨询。"
    c = answer.citations[0]
    source = f"根据{c.doc_number or '《' + c.doc_title + '》'}{c.clause}，"
    if len(source) > limit // 2:
        source = f"根据{c.clause}，"
    first_line = re.sub(r"^根据《[^》]+》(（[^）]+）)?[^：]*：", "", lines[0])
    first_line = re.sub(r"^[\u4e00-\u9fff]{2}：", "", first_line)  # "上海：" of a per-region answer
    first = re.split(r"\[\d+\]", first_line)[0]
    return source + _cut(first, limit - len(source))
