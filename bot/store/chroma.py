"""The vector store on chromadb: an embedded PersistentClient on disk (default) or a chroma server."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import numpy as np

COLLECTION = "clauses"
_BATCH = 2000


def _client(path: Path | None, url: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if url:
        parsed = urlparse(url)
        return chromadb.HttpClient(host=parsed.hostname or "127.0.0.1", port=parsed.port or 8000,
                                   ssl=parsed.scheme == "https", settings=settings)
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


class ChromaStore:
    """Vectors are always given by us (never chroma's default embedding function, which downloads one)."""

    def __init__(self, path: Path | None = None, url: str | None = None, collection: str = COLLECTION):
        self.client = _client(path, url)
        self.name = collection
        self.collection = self._open()

    def _open(self):
        return self.client.get_or_create_collection(self.name, metadata={"hnsw:space": "cosine"},
                                                    embedding_function=None)

    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict]) -> None:
        for i in range(0, len(ids), _BATCH):
            self.collection.add(ids=ids[i:i + _BATCH], embeddings=vectors[i:i + _BATCH],
                                metadatas=metadatas[i:i + _BATCH])

    def delete_docs(self, doc_ids: list[str]) -> None:
        if doc_ids:
            self.collection.delete(where={"doc_id": {"$in": list(doc_ids)}})

    def query(self, vector: np.ndarray, k: int, regions: list[str] | None = None) -> list[tuple[str, float]]:
        total = self.collection.count()
        if total == 0:
            return []
        where = {"region": {"$in": regions}} if regions else None
        result = self.collection.query(query_embeddings=[vector], n_results=min(k, total), where=where,
                                       include=["distances"])
        return [(pid, 1.0 - float(d)) for pid, d in zip(result["ids"][0], result["distances"][0])]

    def count(self) -> int:
        return self.collection.count()

    def reset(self) -> None:
        try:
            self.client.delete_collection(self.name)
        except Exception:  # chromadb raises NotFoundError (or ValueError in older versions) when absent
            pass
        self.collection = self._open()
