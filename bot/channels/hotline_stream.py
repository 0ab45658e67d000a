"""A live call: streaming ASR results in, a suggestion out as soon as each of the caller's questions ends.

An ASR (FunASR, a cloud recogniser, the telephony platform's bridge) sends what it hears as it hears it:
partial results ({"text", "is_final": false}) that grow and are replaced, then a final one per utterance. Each
final utterance is added to the call's transcript, the transcript is read again (knowledge/transcripts.yaml),
and every question not answered yet gets its card at once. A question answered before the operator's confirming
rephrase arrived is answered again when it does, the new card naming the one it replaces.

Operators' consoles may listen to a call by its id: they get the live transcript and the cards as they come.
Calls live in this process (one worker); a deployment with several workers routes a call to one of them.
"""
from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

from bot.answer.hotline import read_call
from bot.answer.render import render_spoken
from bot.service import Assistant

MAX_TEXT = 2000  # one ASR result; a whole utterance is far shorter
MAX_CALL = 20000  # the transcript kept of a call, as /v1/hotline/suggest takes at most
SPEAKER_LABELS = {"caller": "来电人", "operator": "坐席"}  # an ASR that knows its channels says whose voice


class StreamError(ValueError):
    """A message the stream cannot take; `code` and the Chinese message go back to the sender."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class Call:
    """One call's transcript so far, the cards given, and the consoles listening."""
    id: str
    region: str | None = None
    lines: list[str] = field(default_factory=list)
    answered: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # question → (rephrase, answer id)
    listeners: set[asyncio.Queue] = field(default_factory=set)

    async def publish(self, event: dict) -> None:
        for queue in list(self.listeners):
            queue.put_nowait(event)


class Calls:
    """The calls of this process, by id."""

    def __init__(self):
        self._calls: dict[str, Call] = {}

    def open(self, call_id: str | None, region: str | None) -> Call:
        call_id = call_id or uuid.uuid4().hex[:12]
        call = self._calls.get(call_id)
        if call is None:
            call = self._calls[call_id] = Call(call_id, region)
        return call

    def get(self, call_id: str) -> Call | None:
        return self._calls.get(call_id)

    def close(self, call: Call) -> None:
        if not call.listeners:
            self._calls.pop(call.id, None)


def parse_result(message: dict) -> tuple[str, bool, str | None]:
    """An ASR result: its text, whether it is final, and whose voice (caller/operator/a label) if known."""
    text = message.get("text")
    if not isinstance(text, str) or not isinstance(message.get("is_final", False), bool):
        raise StreamError("invalid_message", '每条消息应为 {"text": "识别文本", "is_final": true/false}。')
    if len(text) > MAX_TEXT:
        raise StreamError("text_too_long", f"单条识别结果过长（{len(text)} 字），请不超过 {MAX_TEXT} 字。")
    speaker = message.get("speaker")
    return text, message.get("is_final", False), speaker if isinstance(speaker, str) and speaker else None


async def hear(assistant: Assistant, call: Call, text: str, is_final: bool, speaker: str | None) -> list[dict]:
    """Take one ASR result; the events it gives (the transcript line, then any new cards)."""
    label = SPEAKER_LABELS.get(speaker or "", speaker)
    event = {"type": "transcript", "text": text, "is_final": is_final, "speaker": speaker}
    await call.publish(event)
    if not is_final or not text.strip():
        return [event]
    call.lines.append(f"{label}：{text}" if label else text)
    while sum(map(len, call.lines)) > MAX_CALL and len(call.lines) > 1:
        call.lines.pop(0)  # a call read again on every utterance stays as long as a pasted transcript may be
    cards = await run_in_threadpool(_new_cards, assistant, call)
    for card in cards:
        await call.publish(card)
    return [event, *cards]


def _new_cards(assistant: Assistant, call: Call) -> list[dict]:
    retriever = assistant.retriever()
    reading = read_call("\n".join(call.lines), assistant.speech(),
                        lambda text: retriever.understanding.correct(text)[0])
    regions = retriever.understanding.regions_in("，".join(reading.context))
    region = call.region or (regions[0] if len(regions) == 1 else None)
    cards = []
    for heard in reading.questions:
        before = call.answered.get(heard.text)
        if before is not None and before[0] == heard.rephrase:
            continue  # answered, and nothing new was said about it
        answer = assistant.suggestion_for(heard.text, heard.rephrase, region, retriever, heard.topic)
        call.answered[heard.text] = (heard.rephrase, answer.answer_id)
        said = render_spoken(answer._draft, assistant.settings.display.spoken_limit)
        cards.append({"type": "suggestion", "question": heard.text, "answer": said,
                      "grounded": answer.grounded, "confidence": answer.confidence,
                      "citations": [c.model_dump(mode="json") for c in answer.citations[:2]],
                      "answer_id": answer.answer_id, "replaces": before[1] if before else None})
    return cards
