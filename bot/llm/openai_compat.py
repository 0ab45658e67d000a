"""Any OpenAI-compatible chat endpoint (vLLM, Ollama, Xinference, DashScope, DeepSeek…) through langchain-openai.

Retries are ours, not the client's, so that every attempt fits in what is left of the request's budget.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from bot.config import Settings
from bot.llm import LLMError

log = logging.getLogger("hotline.llm")


class OpenAICompatible:
    def __init__(self, settings: Settings):
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.name = f"{settings.llm_model} @ {settings.llm_base_url}"
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
        # One client for the process (building one costs ~15 ms); each call passes its own timeout.
        self.model = ChatOpenAI(
            model=settings.llm_model, base_url=settings.llm_base_url, api_key=key, temperature=0,
            timeout=settings.llm_timeout, max_retries=0, use_responses_api=False,
            # ChatOpenAI would send max_completion_tokens, which Ollama and older vLLM ignore; every
            # OpenAI-compatible server reads max_tokens.
            extra_body={"max_tokens": settings.llm_max_tokens},
        )

    def _attempts(self, timeout: float):
        """Yield (attempt, per-attempt timeout) while the budget lasts, at most 1 + llm_max_retries times."""
        deadline = time.monotonic() + timeout
        for attempt in range(1 + self.settings.llm_max_retries):
            left = deadline - time.monotonic()
            if left < 0.2:
                return
            yield attempt, left

    @staticmethod
    def _retryable(exc: Exception) -> bool:
        import openai

        if isinstance(exc, (openai.RateLimitError, openai.APIConnectionError)):
            return not isinstance(exc, openai.APITimeoutError)  # a timeout has used the budget up
        return isinstance(exc, openai.APIStatusError) and exc.status_code >= 500

    def complete(self, messages: list[tuple[str, str]], timeout: float) -> str:
        last: Exception | None = None
        for attempt, left in self._attempts(timeout):
            try:
                return str(self.model.invoke(messages, timeout=left).content)
            except Exception as exc:  # openai and httpx errors alike end in the extractive fallback
                last = exc
                log.warning("LLM attempt %d failed: %s", attempt + 1, type(exc).__name__)
                if not self._retryable(exc):
                    break
        raise LLMError(type(last).__name__ if last else "budget exhausted") from last

    def stream(self, messages: list[tuple[str, str]], timeout: float) -> Iterator[str]:
        """Tokens as they come. Retried only before the first token (a half-sent answer is not retried)."""
        last: Exception | None = None
        for attempt, left in self._attempts(timeout):
            started = False
            try:
                for chunk in self.model.stream(messages, timeout=left):
                    if chunk.content:
                        started = True
                        yield str(chunk.content)
                return
            except GeneratorExit:
                raise
            except Exception as exc:
                last = exc
                log.warning("LLM stream attempt %d failed: %s", attempt + 1, type(exc).__name__)
                if started or not self._retryable(exc):
                    break
        raise LLMError(type(last).__name__ if last else "budget exhausted") from last
