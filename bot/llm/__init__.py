"""LLM backends behind one Protocol. With none configured, answers stay extractive and nothing changes."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from bot.config import Settings


class LLMError(Exception):
    """The LLM endpoint failed (timeout, connection, 429, 5xx, bad response); the caller falls back."""


class ChatModel(Protocol):
    name: str

    def complete(self, messages: list[tuple[str, str]], timeout: float) -> str: ...

    def stream(self, messages: list[tuple[str, str]], timeout: float) -> Iterator[str]: ...


def from_settings(settings: Settings) -> ChatModel | None:
    if not settings.llm_base_url:
        return None
    from bot.llm.openai_compat import OpenAICompatible

    return OpenAICompatible(settings)
