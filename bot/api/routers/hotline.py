"""The hotline channel: suggested answers for an operator from a call transcript (operators' tokens only)."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from bot.api.deps import assistant, require_operator
from bot.models import SuggestRequest, SuggestResponse
from bot.service import Assistant

router = APIRouter(tags=["hotline"], dependencies=[Depends(require_operator)])


@router.post("/v1/hotline/suggest", response_model=SuggestResponse,
             summary="从通话转写中找出来电人的问题，给出最多 3 条可直接念出的建议答案")
async def suggest(body: SuggestRequest, bot: Assistant = Depends(assistant)) -> SuggestResponse:
    return await run_in_threadpool(bot.suggest, body.transcript, body.region)
