"""Storage behind small Protocols: the vector store (chroma, embedded or server), the lexical index, and
the records (documents, clauses, passages) an index is made of."""
from __future__ import annotations

from typing import Protocol

import numpy as np


class VectorStore(Protocol):
    """Passages with their vectors; queried by a vector, optionally filtered by metadata."""

    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict]) -> None: ...

    def delete_docs(self, doc_ids: list[str]) -> None: ...

    def query(self, vector: np.ndarray, k: int, regions: list[str] | None = None) -> list[tuple[str, float]]: ...

    def count(self) -> int: ...

    def reset(self) -> None: ...
