"""Links between documents: a document that repeals or revises another ("原…同时废止", "…予以废止", a later
revision of the same title) makes the other 已失效 from its own effective date, and answers cite the one in force."""
from __future__ import annotations

import re

from bot.models import Document
from bot.store.records import Records
from bot.text import split_sentences

_TITLE = re.compile(r"《([^》]{4,60})》")
_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}〔\d{4}〕\d{1,4}号")
_REPEAL = re.compile(r"废止|不再执行|停止执行|同时失效")
_REVISION = re.compile(r"[（(]\d{4}年?修[订正]版?[）)]|[（(]修[订正]版?[）)]|\d{4}年?修订版?")


def base_title(title: str) -> str:
    return _REVISION.sub("", title).strip()


def _start(document: Document):
    return document.effective_from or document.issued_on


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
            for sentence in split_sentences(clause.text.replace("\n", "。")):
                if not _REPEAL.search(sentence):
                    continue
                targets = [by_title.get(base_title(t)) for t in _TITLE.findall(sentence)]
                targets += [by_number.get(n) for n in _NUMBER.findall(sentence)]
                for old in targets:
                    if old is not None and old.id != new.id:
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
