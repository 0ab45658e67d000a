"""POST /v1/ask: one question, one grounded answer with its citations."""
from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from bot.models import Answer, AskRequest

router = APIRouter(tags=["ask"])


@router.post("/v1/ask", response_model=Answer, summary="回答一个问题，并给出所依据的条款")
async def ask(body: AskRequest, request: Request) -> Answer:
    assistant = request.app.state.assistant
    return await run_in_threadpool(assistant.ask, body.question, body.region, body.session_id)
