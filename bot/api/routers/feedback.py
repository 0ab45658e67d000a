"""Feedback on any answer (every channel): thumbs up/down and a comment from anyone; a corrected answer, which
becomes an FAQ candidate for staff to review, from operators only."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from bot.api.deps import AdminDenied, assistant, operator_for
from bot.models import FeedbackRequest, FeedbackResponse
from bot.service import Assistant

router = APIRouter(tags=["feedback"])


@router.post("/v1/feedback", response_model=FeedbackResponse, status_code=201,
             summary="对回答的评价；话务员修改后的答案成为待审核的常见问答（需话务员令牌）")
async def feedback(body: FeedbackRequest, request: Request, bot: Assistant = Depends(assistant)) -> FeedbackResponse:
    source = "web"
    if body.corrected_answer and body.corrected_answer.strip():
        authorization = request.headers.get("authorization")
        if not authorization:  # the public widget: it may rate an answer, not write one
            raise AdminDenied(403, "operator_required",
                              "只有话务员可以提交修改后的答案（corrected_answer）；您可以评价（rating）并留言（comment）。")
        source = operator_for(request.app.state.settings, authorization).source
    feedback_id, candidate = await run_in_threadpool(bot.feedback, body.answer_id, body.rating, body.comment,
                                                     body.corrected_answer, source)
    return FeedbackResponse(id=feedback_id, faq_candidate_id=candidate)
