"""sentence-transformers models: a hub name (downloaded once, or from the local cache) or a local folder."""
from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np

from bot.embed import EmbedderUnavailable

log = logging.getLogger("hotline.embed")

# BGE's Chinese models retrieve better with this instruction in front of the query (model card).
BGE_ZH_QUERY_PREFIX = "为这个句子生成表示以用于检索相关文章："


def hub_cache() -> Path:
    """Where huggingface_hub keeps downloaded models (its own environment variables, in its order)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    home = os.environ.get("HF_HOME") or Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")) / "huggingface"
    return Path(home).expanduser() / "hub"


def available_offline(model_name: str) -> bool:
    """A local folder, or a hub name with a snapshot in the local cache: checked without importing torch."""
    if Path(model_name).expanduser().exists():
        return True
    snapshots = hub_cache() / f"models--{model_name.replace('/', '--')}" / "snapshots"
    return snapshots.is_dir() and any(snapshots.iterdir())


class SentenceEmbedder:
    def __init__(self, model, model_name: str):
        self.model = model
        self.model_name = model_name
        self.name = f"sentence-transformers ({model_name})"
        lowered = model_name.lower()
        self.query_prefix = BGE_ZH_QUERY_PREFIX if "bge" in lowered and "zh" in lowered else ""

    @classmethod
    def load(cls, model_name: str, allow_download: bool = False) -> "SentenceEmbedder":
        local = Path(model_name).expanduser()
        if not local.exists() and not allow_download:
            # Only the local cache: without it, do not wait on a hub this machine may not reach.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(str(local) if local.exists() else model_name, device="cpu",
                                        local_files_only=not allow_download and not local.exists())
        except Exception as exc:  # the library raises OSError, ValueError, HF errors… for a missing model
            raise EmbedderUnavailable(
                f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}；把模型放到本地文件夹并设置 "
                f"HOTLINE_EMBEDDING_MODEL=/path/to/model，或设置 HOTLINE_EMBEDDING_ALLOW_DOWNLOAD=true 允许下载"
            ) from exc
        return cls(model, str(local) if local.exists() else model_name)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.encode(texts, batch_size=32, normalize_embeddings=True,
                                            show_progress_bar=False), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([self.query_prefix + text])[0]

    def spec(self) -> dict:
        # renamed in sentence-transformers 6; older releases only have the long name
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return {"type": "sentence-transformers", "model": self.model_name, "dim": int(dimension())}
