"""Follow-up questions understood against the previous turn: rewrite the question before retrieval.

- 那江苏呢？              → the previous question with its region replaced (or added);
- 这个什么时候失效？        → the pronoun replaced by the document the previous answer cited;
- 那需要什么条件？ (short)  → the new question about the previous one's subject (its words before what it
                            asked: 知识产权质押登记在上海怎么办 → 知识产权质押登记在上海需要什么条件), never the old
                            question with the new one glued on.
"""
from __future__ import annotations

import re

from bot.answer.hotline import default_speech
from bot.retrieve.kinds import Words
from bot.retrieve.query import QueryUnderstanding
from bot.store.conversations import Turn
from bot.text import normalise_text

_OPENER = re.compile(r"^(那么|那要是|那|还有|另外|再问一下|再问|如果是|换成|要是)")
_PRONOUN = re.compile(r"这个文件|这份文件|该文件|这个措施|该措施|这个政策|这个方案|这个意见|这份|这个|它|该|上述|刚才那个"
                      r"|文件里面?|这里面|里面|里头|其中|上面")
_FILLER = {"那", "那么", "呢", "吗", "呀", "啊", "还有", "另外", "的", "是", "怎么样", "情况", "如何"}


def rewrite(question: str, history: list[Turn], understanding: QueryUnderstanding) -> str | None:
    """The question to retrieve with, or None when it stands on its own."""
    if not history:
        return None
    previous = history[-1]
    before = previous.rewritten or previous.question
    text = normalise_text(question)
    regions = understanding.regions_in(text)
    rest = text
    for name, _ in understanding.region_names:
        rest = rest.replace(name, " ")
    content = [w for w in understanding.tokenizer.tokens(_OPENER.sub("", rest.strip())) if w not in _FILLER]

    if regions and not content:
        # 那江苏呢？ — the same question about another region
        replaced, found = before, False
        for name, _ in understanding.region_names:
            if name in replaced:
                replaced = replaced.replace(name, "\u0000")
                found = True
        new = regions[0].rstrip("省市")
        return replaced.replace("\u0000", new, 1).replace("\u0000", "") if found else new + before

    if _PRONOUN.search(text) and previous.citations:
        title = previous.citations[0].get("doc_title")
        if title:
            return _PRONOUN.sub(f"《{title}》", text, count=1)

    if _OPENER.match(text) or len("".join(content)) <= 4:
        return subject_of(before, understanding) + _OPENER.sub("", text)
    return None


def subject_of(question: str, understanding: QueryUnderstanding) -> str:
    """What a question is about, without what it asks: its words before the first question word or word of the
    kind of fact asked (江苏的若干措施什么时候失效 → 江苏的若干措施); when that leaves too little (上海怎么提升…),
    the whole question without those words."""
    text = normalise_text(question).rstrip("？?。！!")
    kinds = understanding.lexicon.kinds
    words = Words(text)
    asked = [t for kind in kinds.asks.values() if kind.holds(words) for rule in kind.rules for t in rule.triggers]
    asked += [t for kind in kinds.fields.values() if kind.holds(words) for rule in kind.rules for t in rule.triggers]
    spans = [span for t in asked for span in words.spans(t)]
    spans += [(m.start(), m.end()) for m in re.finditer("|".join(map(re.escape, default_speech().markers)), text)]
    spans += [(m.start(), m.end()) for m in re.finditer(r"(.)[不没]\1", text)]
    if not spans:
        return text + "，"
    start = min(s for s, _ in spans)
    head = text[:start].rstrip("的，, ")
    if len(re.findall(r"[\u4e00-\u9fff]", head)) >= 4:
        return head
    out, pos = [], 0
    for s, e in sorted(spans):
        if s >= pos:
            out.append(text[pos:s])
        pos = max(pos, e)
    out.append(text[pos:])
    return "".join(out).strip("，, ") or text
