"""One settings object, read from HOTLINE_* environment variables and an optional .env file."""
from __future__ import annotations

import logging
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger("hotline")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    knowledge_dir: Path = Field(Path("knowledge"), description="what `hotline ingest` reads with no path")
    data_dir: Path = Field(Path("var"), description="index, sessions and logs")
    embedder: str = Field(
        "auto",
        description="auto (a sentence-transformers model if one loads, else the fitted default), "
        "fitted, or sentence-transformers",
    )
    embedding_model: str = "BAAI/bge-small-zh-v1.5"
    # Refuse to wait on a model hub that cannot be reached: only local folders and the local cache load
    # unless downloads are allowed explicitly.
    embedding_allow_download: bool = False
    retrieval: str = Field("hybrid", description="hybrid (default), lexical or dense: for evaluation")
    llm_base_url: str = Field("", description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8001/v1; empty: no LLM")
    llm_model: str = "qwen2.5-7b-instruct"
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(8.0, gt=0, description="seconds the LLM may take per question, retries included")
    llm_max_tokens: int = Field(400, gt=0)
    llm_max_retries: int = Field(1, ge=0, le=3)
    session_ttl_minutes: int = Field(120, ge=1, description="a conversation expires after this long unused")
    allowed_origins: str = Field("", description="comma-separated site origins allowed to embed the widget")
    admin_token: str = Field("", description="bearer token for /v1/admin/*; empty closes the admin endpoints")
    today: date | None = Field(None, description="override today's date (validity of documents)")
    log_level: str = "INFO"

    @property
    def origins(self) -> list[str]:
        return [o.strip().rstrip("/") for o in self.allowed_origins.split(",") if o.strip()]

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    def current_date(self) -> date:
        return self.today or date.today()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    for noisy in ("bm25s", "sentence_transformers", "httpx", "chromadb", "jieba", "urllib3", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
