"""Storage behind small Protocols: the vector store (chroma, embedded or server), the lexical index, and
the records (documents, clauses, passages) an index is made of."""
from __future__ import annotations

from typing import Protocol

import numpy as np


class VectorIndex(Protocol):
    """What a search needs of dense vectors: the k nearest passages to a vector, optionally within regions."""

    def query(self, vector: np.ndarray, k: int, regions: list[str] | None = None) -> list[tuple[str, float]]: ...

    def count(self) -> int: ...


class VectorStore(VectorIndex, Protocol):
    """Passages with their vectors; queried by a vector, optionally filtered by metadata."""

    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict]) -> None: ...

    def delete_docs(self, doc_ids: list[str]) -> None: ...

    def reset(self) -> None: ...
