"""The lexical index: BM25 (bm25s) over Chinese words from jieba with the corpus's own terms."""
from __future__ import annotations

from pathlib import Path

import logging

import bm25s
import numpy as np

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG on its own


class LexicalIndex:
    def __init__(self, retriever: bm25s.BM25 | None, size: int):
        self.retriever = retriever
        self.size = size

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> "LexicalIndex":
        if not token_lists:
            return cls(None, 0)
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        # bm25s cannot index an empty document: give it a placeholder that no query produces
        retriever.index([tokens or ["\u0000"] for tokens in token_lists], show_progress=False)
        return cls(retriever, len(token_lists))

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every passage for the query tokens (zeros where nothing matches)."""
        if self.retriever is None:
            return np.zeros(0, dtype=np.float32)
        # each distinct word once: a word repeated by synonym expansion must not outweigh the rarer ones
        known = [t for t in dict.fromkeys(tokens) if t in self.retriever.vocab_dict]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(known), dtype=np.float32)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.retriever is not None:
            self.retriever.save(str(folder))
        (folder / "size").write_text(str(self.size))

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        size = int((folder / "size").read_text())
        retriever = bm25s.BM25.load(str(folder)) if size else None
        return cls(retriever, size)
