"""The website channel: POST /v1/ask (one answer) and POST /v1/chat (the same, streamed as SSE)."""
from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from bot.api.deps import assistant
from bot.models import Answer, AskRequest
from bot.service import Assistant

router = APIRouter(tags=["web"])
_PIECE = re.compile(r"[^，。；！？\n]{1,16}[，。；！？\n]?|[，。；！？\n]")


@router.post("/v1/ask", response_model=Answer, summary="回答一个问题，并给出所依据的条款")
async def ask(body: AskRequest, bot: Assistant = Depends(assistant)) -> Answer:
    return await run_in_threadpool(bot.ask, body.question, body.region, body.session_id, "web")


def _event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def pieces(text: str) -> list[str]:
    """The answer in short pieces, as a stream delivers them (a citation marker stays whole)."""
    out = []
    for piece in _PIECE.findall(text):
        if out and re.fullmatch(r"\[\d+\][，。；]?", piece):
            out[-1] += piece
        else:
            out.append(piece)
    return out


@router.post("/v1/chat", summary="与 /v1/ask 相同，但以 Server-Sent Events 流式返回",
             response_description="事件：meta、delta（多次）、citations、done")
async def chat(body: AskRequest, request: Request, bot: Assistant = Depends(assistant)) -> StreamingResponse:
    # The answer (and any 4xx for bad input) is settled before the stream opens.
    answer = await run_in_threadpool(bot.ask, body.question, body.region, body.session_id, "web")

    async def stream() -> AsyncIterator[str]:
        yield _event("meta", {"session_id": answer.session_id, "answer_id": answer.answer_id,
                              "rewritten_question": answer.rewritten_question})
        for piece in pieces(answer.answer):
            if await request.is_disconnected():
                return  # the client left: nothing more is produced or sent
            yield _event("delta", {"text": piece})
        yield _event("citations", {"citations": [c.model_dump(mode="json") for c in answer.citations]})
        yield _event("done", answer.model_dump(mode="json"))

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
