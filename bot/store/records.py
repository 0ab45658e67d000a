"""The records of an index: documents, clauses and passages, kept as JSON beside the vector store."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.models import CatalogueItem, Clause, Document, FaqPair, Passage


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that a reader sees the old or the new content, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@dataclass
class Records:
    documents: dict[str, Document] = field(default_factory=dict)
    clauses: dict[str, Clause] = field(default_factory=dict)
    passages: list[Passage] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    items: dict[str, CatalogueItem] = field(default_factory=dict)  # clause id → its service item
    faq: list[FaqPair] = field(default_factory=list)

    def clauses_of(self, doc_id: str) -> list[Clause]:
        """A document's clauses in order (an index by document is built on first use and kept while the
        set of clauses stays the same)."""
        if getattr(self, "_by_doc_size", -1) != len(self.clauses):
            by_doc: dict[str, list[Clause]] = {}
            for clause in self.clauses.values():
                by_doc.setdefault(clause.doc_id, []).append(clause)
            self._by_doc = {d: sorted(cs, key=lambda c: c.order) for d, cs in by_doc.items()}
            self._by_doc_size = len(self.clauses)
        return [self.clauses[c.id] for c in self._by_doc.get(doc_id, []) if c.id in self.clauses]

    def save(self, folder: Path) -> None:
        write_atomic(folder / "documents.json", json.dumps(
            [d.model_dump(mode="json") for d in self.documents.values()], ensure_ascii=False, indent=1))
        write_atomic(folder / "clauses.jsonl", "\n".join(
            c.model_dump_json() for c in self.clauses.values()))
        write_atomic(folder / "passages.jsonl", "\n".join(p.model_dump_json() for p in self.passages))
        write_atomic(folder / "terms.txt", "\n".join(self.terms))
        write_atomic(folder / "items.json", json.dumps({k: v.model_dump() for k, v in self.items.items()},
                                                       ensure_ascii=False, indent=1))
        write_atomic(folder / "faq.json", json.dumps([p.model_dump() for p in self.faq], ensure_ascii=False, indent=1))

    @classmethod
    def load(cls, folder: Path) -> "Records":
        documents = [Document.model_validate(d)
                     for d in json.loads((folder / "documents.json").read_text(encoding="utf-8"))]
        clauses = [Clause.model_validate_json(line)
                   for line in (folder / "clauses.jsonl").read_text(encoding="utf-8").splitlines() if line]
        passages = [Passage.model_validate_json(line)
                    for line in (folder / "passages.jsonl").read_text(encoding="utf-8").splitlines() if line]
        terms = [t for t in (folder / "terms.txt").read_text(encoding="utf-8").splitlines() if t]
        items, faq = {}, []
        if (folder / "items.json").exists():
            items = {k: CatalogueItem.model_validate(v)
                     for k, v in json.loads((folder / "items.json").read_text(encoding="utf-8")).items()}
        if (folder / "faq.json").exists():
            faq = [FaqPair.model_validate(p) for p in json.loads((folder / "faq.json").read_text(encoding="utf-8"))]
        return cls({d.id: d for d in documents}, {c.id: c for c in clauses}, passages, terms, items, faq)

    @staticmethod
    def exists(folder: Path) -> bool:
        return (folder / "documents.json").exists() and (folder / "passages.jsonl").exists()
