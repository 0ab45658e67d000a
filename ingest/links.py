"""Links between documents: a document that repeals or revises another ("原…同时废止", "…予以废止", a later
revision of the same title) makes the other 已失效 from its own effective date, and answers cite the one in force."""
from __future__ import annotations

import re

from bot.models import Document
from bot.store.records import Records
from bot.text import clause_sentences

_TITLE = re.compile(r"《([^》]{4,60})》")
_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}〔\d{4}〕\d{1,4}号")
_REPEAL = re.compile(r"废止|不再执行|停止执行|同时失效")
_GROUND = re.compile(r"根据|依据|依照|按照|按")
_REVISION = re.compile(r"[（(]\d{4}年?修[订正]版?[）)]|[（(]修[订正]版?[）)]|\d{4}年?修订版?")


def base_title(title: str) -> str:
    return _REVISION.sub("", title).strip()


def _start(document: Document):
    return document.effective_from or document.issued_on


def _later(old: Document, new: Document) -> bool:
    """Is `old` newer than the document that names it as repealed? Then the name is an earlier text's: the
    2023 专利法实施细则 repeals "《中华人民共和国专利法实施细则》" of 1992, and a law's original text
    ("本法自1983年3月1日起施行…同时废止") cannot repeal its own later revision or a later document."""
    return bool(_start(old) and _start(new) and _start(old) > _start(new))


def link_replacements(records: Records) -> list[tuple[str, str]]:
    """Set replaced_by / replaces / replaced_on on the policy documents; returns (old, new) pairs."""
    policies = [d for d in records.documents.values() if d.kind == "policy"]
    for d in policies:
        d.replaces, d.replaced_by, d.replaced_on = [], None, None
    by_title = {base_title(d.title): d for d in policies}
    by_number = {d.doc_number: d for d in policies if d.doc_number}
    links: list[tuple[Document, Document]] = []

    for new in policies:
        for clause in records.clauses_of(new.id):
            for sentence in clause_sentences(clause.text):
                # the repeal is said outside the quoted titles: "根据《国务院关于废止…的决定》修订" repeals nothing
                if not _REPEAL.search(_TITLE.sub("", sentence)):
                    continue
                # a title cited as the ground ("依照《…》") is not the one repealed
                targets = [by_title.get(base_title(m.group(1))) for m in _TITLE.finditer(sentence)
                           if not _GROUND.search(sentence[max(0, m.start() - 4):m.start()])]
                targets += [by_number.get(n) for n in _NUMBER.findall(sentence)]
                for old in targets:
                    if old is not None and old.id != new.id and not _later(old, new):
                        links.append((old, new))

    groups: dict[str, list[Document]] = {}
    for d in policies:
        groups.setdefault(base_title(d.title), []).append(d)
    for same in groups.values():
        dated = sorted((d for d in same if _start(d)), key=_start)
        for old, new in zip(dated, dated[1:]):
            links.append((old, new))  # a later revision of the same title replaces the earlier one

    for old, new in links:
        if old.replaced_by and old.replaced_on and _start(new) and old.replaced_on <= _start(new):
            continue  # keep the earliest replacement
        old.replaced_by, old.replaced_on = new.id, _start(new)
        if old.id not in new.replaces:
            new.replaces.append(old.id)
        number = f"（{new.doc_number}）" if new.doc_number else ""
        old.status_basis = f"已被《{new.title}》{number}废止或修订" + (f"，自{old.replaced_on:%Y年%m月%d日}起失效"
                                                                      if old.replaced_on else "")
    return [(old.id, new.id) for old, new in links]
