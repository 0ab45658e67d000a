"""What a penalty article sanctions: 违反本法第十四条第五款规定的，…处十万元罚款 is about what that paragraph forbids.

A law's (or a regulation's) penalty articles name the conduct they punish by the number of the rule it breaks; a
caller describes the conduct (在包装上印"驰名商标"会不会被罚), never the number. So in a sentence that imposes a
sanction (the `penalty` kind's statement in question_kinds.yaml: 罚款, 警告, 责令…), the articles cited right after
违反 — of the same document (违反本法, 违反本条例, or a bare number) — are read with it: the paragraphs (款), items
(项) or whole articles cited (`IndexVersion.cited`).

Not read so: grounds listed without a sanction (认为违反本法第十三条…规定的，可以提出异议), a rule applied (依照本法第六十条
处罚), what is not violated (不违反, 未违反), and another document's articles (违反商标法第十条, 违反《巴黎公约》第六条): an
implementing regulation's grounds are its law's own articles to answer, which the search finds on their own (every
citation of any document was tried first, 2026-12-04: 条例 articles took the law's words and answered before them).
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from bot.models import Clause
from bot.text import clause_sentences, cn_to_int

_N = r"[一二三四五六七八九十百零〇\d]+"
_ITEM_NUMBER = rf"(?:{_N}|[（(]{_N}[）)])"
_AND = r"(?:[、和及与]|以及|或者)"


def _one(named: bool) -> str:
    """One article cited: 第十三条, 第十三条第二款和第三款, 第三条第二项、第三项, 第十条至第十二条 (not 第十条之一)."""
    group = (lambda name: f"?P<{name}>") if named else (lambda name: "?:")
    return (rf"第({group('article')}{_N})条(?!之)(?:至第({group('last')}{_N})条)?"
            rf"({group('parts')}(?:第{_N}款)?(?:第{_ITEM_NUMBER}项)?(?:{_AND}第{_ITEM_NUMBER}[款项])*)")


_ARTICLE = re.compile(_one(named=True))
# 违反 right before the numbers, with at most the document's own name between (本法, 本条例…)
_VIOLATION = re.compile(rf"(?<![不未])违反(?:本(?:法|条例|实施细则|细则|办法|规定|规则))?"
                        rf"(?P<cited>{_one(named=False)}(?:{_AND}{_one(named=False)})*)")
_PART = re.compile(rf"第{_ITEM_NUMBER}[款项]")
_ITEM = re.compile(rf"^\s*[（(]({_N})[）)]")


def _number(text: str) -> int | None:
    return cn_to_int(text.strip("（）()"))


def _paragraphs(text: str) -> list[list[str]]:
    """An article's paragraphs (款), each as its lines: a numbered item (（一）…) belongs to the paragraph it follows."""
    paragraphs: list[list[str]] = []
    for line in (l for l in text.split("\n") if l.strip()):
        if _ITEM.match(line) and paragraphs:
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
    return paragraphs


def _parts(text: str, parts: str) -> list[str]:
    """The parts of an article's text a citation names (第二款和第三款, 第二项、第三项, 第五款第（二）项): each paragraph,
    or each item (of the paragraph named, else of the article); the whole text when it names none, [] when it names
    one the article does not have."""
    paragraphs = _paragraphs(text)
    lines, found = text.split("\n"), []
    for m in _PART.finditer(parts):
        n = _number(m.group(0)[1:-1])
        if m.group(0).endswith("款"):
            if not n or n > len(paragraphs):
                return []
            lines = paragraphs[n - 1]
            found.append("\n".join(lines))
        else:
            item = next((line for line in lines if (i := _ITEM.match(line)) and cn_to_int(i.group(1)) == n), None)
            if item is None:
                return []
            if found and found[-1] == "\n".join(lines):
                found.pop()  # 第五款第（二）项: the item, not its whole paragraph
            found.append(item)
    return found or [text]


Cited = dict[int, list[tuple[str, str]]]  # a sentence's position → the articles it cites, each with the part cited


def citations(clauses: Mapping[str, Clause], sanction: re.Pattern | None) -> dict[str, Cited]:
    """Each clause with a sentence that sanctions violating articles of its own document: by the sentence's position
    (`bot.text.clause_sentences`), the articles it cites, each with the text of the part cited. `sanction` states a
    sanction (the `penalty` kind's; None, for a question_kinds.yaml without that kind: no citation is read)."""
    found: dict[str, Cited] = {}
    if sanction is None:
        return found
    for clause in clauses.values():
        if "违反" not in clause.text:
            continue
        lead_in = ""
        for position, sentence in enumerate(clause_sentences(clause.text)):
            # an item (（三）违反本法第十九条第三款、第四款规定的) is sanctioned by its list's lead-in (有下列行为之一的，
            # 由…责令限期改正，给予警告，处…罚款)
            if not _ITEM.match(sentence):
                lead_in = sentence
            if not (sanction.search(sentence) or (_ITEM.match(sentence) and sanction.search(lead_in))):
                continue
            cited: list[tuple[str, str]] = []
            for violation in _VIOLATION.finditer(sentence):
                for m in _ARTICLE.finditer(violation.group("cited")):
                    first = cn_to_int(m.group("article")) or 0
                    last = cn_to_int(m.group("last") or "") or first
                    # (第十条至第十二条; a document has fewer articles than the knowledge base has clauses, whatever
                    # a misread number says)
                    for number in range(first, min(last, first + len(clauses)) + 1):
                        target = clauses.get(f"{clause.doc_id}:a{number}")
                        if target is not None and target.id != clause.id:
                            cited += [(target.id, part) for part in _parts(target.text, m.group("parts"))
                                      if (target.id, part) not in cited]
            if cited:
                found.setdefault(clause.id, {})[position] = cited
    return found
