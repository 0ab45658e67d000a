"""Feedback on any answer (every channel): thumbs up/down, a comment, an operator's corrected answer."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from bot.api.deps import assistant
from bot.models import FeedbackRequest, FeedbackResponse
from bot.service import Assistant

router = APIRouter(tags=["feedback"])


@router.post("/v1/feedback", response_model=FeedbackResponse, status_code=201,
             summary="对回答的评价；修改后的答案成为待审核的常见问答")
async def feedback(body: FeedbackRequest, bot: Assistant = Depends(assistant)) -> FeedbackResponse:
    feedback_id, candidate = await run_in_threadpool(bot.feedback, body.answer_id, body.rating, body.comment,
                                                     body.corrected_answer)
    return FeedbackResponse(id=feedback_id, faq_candidate_id=candidate)
