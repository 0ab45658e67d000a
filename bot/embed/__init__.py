"""Embedders behind one Protocol: the corpus-fitted default and sentence-transformers models."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from bot.config import Settings
from bot.text import Tokenizer

log = logging.getLogger("hotline.embed")


class EmbedderUnavailable(Exception):
    """The configured embedder cannot be loaded; the message says how to fix it."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; `spec` is saved with the index to load it again."""

    name: str

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def spec(self) -> dict: ...


def choose_for_ingest(settings: Settings, tokenizer: Tokenizer) -> Embedder | None:
    """The neural embedder named in the settings, or None when the fitted default is to be used.

    With `embedder=auto`, a model that does not load (no hub, no local copy) falls back to the fitted
    default, and the log says so once. With `embedder=sentence-transformers` it is an error.
    """
    if settings.embedder == "fitted":
        return None
    from bot.embed.sentence import SentenceEmbedder, available_offline

    if settings.embedder == "auto" and not settings.embedding_allow_download \
            and not available_offline(settings.embedding_model):
        # Nothing to load and nothing to download: importing torch and asking the hub's cache would cost
        # seconds of every ingest and print the hub's English warnings, for a model that is not here.
        log.info("向量模型 %s 不在本机（未配置本地文件夹或缓存）；使用按知识库拟合的默认向量器（TF-IDF + SVD）。",
                 settings.embedding_model)
        return None

    try:
        return SentenceEmbedder.load(settings.embedding_model, allow_download=settings.embedding_allow_download)
    except EmbedderUnavailable as exc:
        if settings.embedder == "sentence-transformers":
            raise
        log.warning("未能加载向量模型 %s（%s）；使用按知识库拟合的默认向量器（TF-IDF + SVD）。",
                    settings.embedding_model, exc)
        return None


def load_from_index(index_dir: Path, tokenizer: Tokenizer) -> Embedder:
    """The embedder that built the index in `index_dir`, as its saved spec says."""
    spec = json.loads((index_dir / "embedder.json").read_text(encoding="utf-8"))
    if spec["type"] == "fitted":
        from bot.embed.fitted import FittedEmbedder

        embedder = FittedEmbedder.load(index_dir / "embedder", tokenizer)
    elif spec["type"] == "sentence-transformers":
        from bot.embed.sentence import SentenceEmbedder

        embedder = SentenceEmbedder.load(spec["model"], allow_download=False)
    else:
        raise EmbedderUnavailable(f"索引使用了未知的向量器类型 {spec['type']!r}；请重新运行 hotline ingest")
    log.info("向量器：%s", embedder.name)
    return embedder


def save_spec(index_dir: Path, embedder: Embedder) -> None:
    (index_dir / "embedder.json").write_text(json.dumps(embedder.spec(), ensure_ascii=False), encoding="utf-8")
