"""The website channel: POST /v1/ask (one answer) and POST /v1/chat (the same, streamed as SSE)."""
from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from bot.api.deps import TooManySessions, assistant
from bot.api.limits import client_key
from bot.models import Answer, AskRequest
from bot.service import Assistant

router = APIRouter(tags=["web"])


def _client(request: Request, body: AskRequest) -> str:
    """The caller's client key, which its sessions are bound to. A client may start only so many
    conversations (HOTLINE_SESSIONS_PER_CLIENT)."""
    client = client_key(request.scope, request.app.state.settings)
    if body.session_id is None:
        wait = request.app.state.session_limiter.hit(client)
        if wait is not None:
            raise TooManySessions(math.ceil(wait))
    return client


@router.post("/v1/ask", response_model=Answer, summary="回答一个问题，并给出所依据的条款")
async def ask(body: AskRequest, request: Request, response: Response, bot: Assistant = Depends(assistant)) -> Answer:
    client = _client(request, body)
    answer = await run_in_threadpool(lambda: bot.ask(body.question, body.region, body.session_id, "web",
                                                     as_of=body.as_of, client=client))
    response.headers["X-Index-Version"] = answer._index_version
    return answer


def _event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post("/v1/chat", summary="与 /v1/ask 相同，但以 Server-Sent Events 流式返回",
             response_description="事件：meta、delta（多次）、citations、done")
async def chat(body: AskRequest, request: Request, bot: Assistant = Depends(assistant)) -> StreamingResponse:
    client = _client(request, body)
    # Retrieval (and any 4xx for bad input) is settled before the stream opens.
    events = await run_in_threadpool(lambda: bot.ask_stream(body.question, body.region, body.session_id, "web",
                                                            as_of=body.as_of, client=client))

    async def stream() -> AsyncIterator[str]:
        try:
            while True:
                item = await run_in_threadpool(next, events, None)
                if item is None:
                    return
                if await request.is_disconnected():
                    return  # the client left: the generator is closed, an LLM stream with it
                yield _event(*item)
        finally:
            await run_in_threadpool(events.close)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
