"""The vector store on chromadb: an embedded PersistentClient on disk (default) or a chroma server."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

COLLECTION = "clauses"
_BATCH = 2000
OVERSAMPLE = 8  # a region query looks at this many times k nearest passages of every region


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
        self._count: int | None = None

    def _open(self):
        return self.client.get_or_create_collection(self.name, metadata={"hnsw:space": "cosine"},
                                                    embedding_function=None)

    def add(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict]) -> None:
        self._count = None
        for i in range(0, len(ids), _BATCH):
            self.collection.add(ids=ids[i:i + _BATCH], embeddings=vectors[i:i + _BATCH],
                                metadatas=metadatas[i:i + _BATCH])

    def delete_docs(self, doc_ids: list[str]) -> None:
        if doc_ids:
            self._count = None
            self.collection.delete(where={"doc_id": {"$in": list(doc_ids)}})

    def query(self, vector: np.ndarray, k: int, regions: list[str] | None = None) -> list[tuple[str, float]]:
        """The k passages nearest to `vector`, within `regions` when given.

        A region is answered from the nearest OVERSAMPLE × k passages of all regions, filtered here: chroma's
        own metadata filter reads every matching row from SQLite first, 80 ms a question at 180 000 passages
        against 10 ms for this. When fewer than half of k are left after filtering (a small region far from
        the question), the exact filtered query is made after all."""
        total = self.count()
        if total == 0:
            return []
        if regions:
            wanted = set(regions)
            nearest, metadatas = self._query(vector, min(k * OVERSAMPLE, total), None, ["distances", "metadatas"])
            kept = [(pid, s) for (pid, s), meta in zip(nearest, metadatas) if (meta or {}).get("region") in wanted]
            if len(kept) >= max(1, min(k, total) // 2) or k * OVERSAMPLE >= total:
                return kept[:k]
        where = {"region": {"$in": list(regions)}} if regions else None
        return self._query(vector, min(k, total), where, ["distances"])[0]

    def _query(self, vector: np.ndarray, n: int, where: dict | None,
               include: list[str]) -> tuple[list[tuple[str, float]], list[dict | None]]:
        result = self.collection.query(query_embeddings=[vector], n_results=n, where=where, include=include)
        pairs = [(pid, 1.0 - float(d)) for pid, d in zip(result["ids"][0], result["distances"][0])]
        return pairs, (result.get("metadatas") or [[]])[0]

    def count(self) -> int:
        """Entries in the collection (remembered: a published version is never written to again)."""
        if self._count is None:
            self._count = self.collection.count()
        return self._count

    def close(self) -> None:
        """Release the client's files and threads (each open client held a dozen descriptors and ~4 MB)."""
        close = getattr(self.client, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> "ChromaStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def reset(self) -> None:
        try:
            self.client.delete_collection(self.name)
        except Exception:  # chromadb raises NotFoundError (or ValueError in older versions) when absent
            pass
        self.collection = self._open()
        self._count = None


SPEC = "store.json"  # which store a version's vectors are in


def _spec(version: Path) -> dict:
    path = version / SPEC
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"type": "embedded"}


def store_for(version: Path, url: str | None = None) -> ChromaStore:
    """The vector store of an index version: embedded in its folder, or its own collection on a server.

    Which one is recorded in the version (store.json), so readers need no configuration of their own."""
    if url is not None:  # a build decides
        spec = {"type": "server", "url": url, "collection": f"clauses-{version.name}"} if url else {"type": "embedded"}
        (version / SPEC).write_text(json.dumps(spec), encoding="utf-8")
    else:
        spec = _spec(version)
    if spec["type"] == "server":
        return ChromaStore(url=spec["url"], collection=spec["collection"])
    return ChromaStore(path=version / "chroma")


def drop_store(version: Path) -> None:
    """Delete a version's server collection (an embedded store goes with the folder)."""
    spec = _spec(version)
    if spec["type"] == "server":
        try:
            with ChromaStore(url=spec["url"], collection=spec["collection"]) as store:
                store.client.delete_collection(spec["collection"])
        except Exception:  # the server is down or the collection is gone: nothing left to free
            pass


def copy_store(source: ChromaStore, target: ChromaStore, batch: int = _BATCH) -> None:
    """Copy every vector with its metadata (a new version starts from the live one's store)."""
    total = source.count()
    for offset in range(0, total, batch):
        part = source.collection.get(limit=batch, offset=offset, include=["embeddings", "metadatas"])
        target.add(part["ids"], np.asarray(part["embeddings"], dtype=np.float32), part["metadatas"])
