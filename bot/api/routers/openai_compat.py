"""The OpenAI-compatible channel: `POST /v1/chat/completions` and `GET /v1/models` answer `model: "hotline"`.

Any OpenAI client or chat UI works against it unchanged (base URL `…/v1`, a key of `HOTLINE_API_KEYS`). What
the OpenAI format has no room for travels in extra fields: `citations` (the same objects as `/v1/ask`),
`grounded`, `confidence` and `answer_id` (for `/v1/feedback`), on the response and on the last chunk of a
stream; the content itself ends with the numbered references, each with the link to its clause (the whole clause
is behind it, never pasted). The whole message list is the conversation:
the earlier user messages are replayed (`Assistant.replay`) so that a follow-up is understood as in a session.

A stream sends the answer only once it is final: an OpenAI stream cannot take text back, and an LLM draft
that fails verification would otherwise already be on the caller's screen. Errors use OpenAI's shape
(`{"error": {"message", "type", "param", "code"}}`, the message in Chinese), which the OpenAI clients read.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from bot.answer.extractive import pieces, reference_line
from bot.answer.render import render_web
from bot.api.api_keys import ApiKeyDenied
from bot.api.deps import assistant, public_base
from bot.models import Answer, Citation
from bot.retrieve.search import IndexNotFound, Misconfigured
from bot.service import Assistant, InvalidQuestion, InvalidRegion

log = logging.getLogger("hotline.api")

MODEL = "hotline"
MODEL_CREATED = 1764633600  # 2025-12-02: when the model id was first served (OpenAI lists a creation time)


class OpenAIError(Exception):
    def __init__(self, status: int, code: str, message: str, param: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.param, self.headers = status, code, message, param, headers


_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
          404: "invalid_request_error", 429: "rate_limit_error"}


def openai_error(status: int, code: str, message: str, param: str | None = None,
                 headers: dict[str, str] | None = None) -> JSONResponse:
    """OpenAI's error object; `code` and `message` are also the project's own error fields."""
    kind = _TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return JSONResponse({"error": {"message": message, "type": kind, "param": param, "code": code}},
                        status_code=status, headers=headers)


def _field(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p != "body") or "请求体"


class OpenAIRoute(APIRoute):
    """Every error of these endpoints in OpenAI's shape (the app's own handlers use the project's shape)."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def route(request: Request):
            try:
                return await handler(request)
            except OpenAIError as exc:
                return openai_error(exc.status, exc.code, exc.message, exc.param, exc.headers)
            except ApiKeyDenied as exc:
                return openai_error(exc.status, exc.code, exc.message, headers=exc.headers)
            except RequestValidationError as exc:
                errors = exc.errors()
                if any(e.get("type") == "json_invalid" for e in errors):
                    return openai_error(400, "invalid_request", "请求体不是有效的 JSON。")
                fields = list(dict.fromkeys(_field(e.get("loc", ())) for e in errors))
                return openai_error(400, "invalid_request", f"请求格式不正确，请检查字段：{'、'.join(fields)}。",
                                    fields[0])
            except InvalidRegion as exc:
                return openai_error(400, "invalid_region", str(exc), "region")
            except InvalidQuestion as exc:
                return openai_error(400, "invalid_question", str(exc), "messages")
            except IndexNotFound as exc:
                log.error("%s", exc)
                return openai_error(503, "index_not_ready", "知识库正在准备中，请稍后再试，或拨打12345咨询。")
            except Misconfigured as exc:
                log.error("%s", exc)  # the detail is for the operator
                return openai_error(503, "misconfigured", "服务配置有误，暂时无法回答，请拨打12345咨询。")

        return route


def require_key(request: Request) -> str:
    return request.app.state.api_keys.check(request.headers.get("authorization"), request.scope)


router = APIRouter(tags=["openai"], route_class=OpenAIRoute, dependencies=[Depends(require_key)])


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """OpenAI's request; sampling options (temperature, max_tokens …) are accepted and change nothing: the
    answer is the grounded one."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(..., description="固定为 hotline")
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=200,
                                        description="完整的对话；最后一条须为用户的问题，之前的用户消息用于理解追问")
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(1, ge=1, le=1, description="只支持 1")
    region: str | None = Field(None, max_length=20, description="扩展字段：优先使用的地区，如 上海 / 江苏")


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    """Counted in characters: the assistant has no tokenizer of an LLM to count with."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = MODEL
    choices: list[Choice]
    usage: Usage
    citations: list[Citation] = Field(description="扩展字段：回答所依据的条款（与 /v1/ask 相同），编号与正文中的 [n] 对应")
    grounded: bool = Field(description="扩展字段：false 表示文件没有回答这个问题（正文会说明并指向12345）")
    confidence: float
    answer_id: str = Field(description="扩展字段：用于 POST /v1/feedback")
    rewritten_question: str | None = Field(None, description="扩展字段：结合前文改写后的问题（追问时）")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


EXAMPLES = {
    "question": {"summary": "一个问题", "value": {
        "model": "hotline", "messages": [{"role": "user", "content": "上海的企业遇到侵权纠纷，有没有公益的维权援助？"}]}},
    "follow-up, streamed": {"summary": "追问（整段对话），流式返回", "value": {
        "model": "hotline", "stream": True, "messages": [
            {"role": "user", "content": "上海怎么提升知识产权代理服务质量"},
            {"role": "assistant", "content": "……（上一轮的回答）"},
            {"role": "user", "content": "那江苏呢？"}]}},
}


def text_of(message: ChatMessage) -> str:
    """A message's text: a string, or the text parts of a list (an image or a file is refused)."""
    if message.content is None or isinstance(message.content, str):
        return message.content or ""
    texts = []
    for part in message.content:
        if part.get("type") != "text" or not isinstance(part.get("text"), str):
            raise OpenAIError(400, "unsupported_content", "只支持文字消息（content 为字符串，或 type 为 text 的片段）。",
                              "messages")
        texts.append(part["text"])
    return "".join(texts)


def content_of(answer: Answer, links: str = "") -> str:
    """The answer with its numbered references at the end, each with its clause's page under `links` (the whole
    clause is behind that link, never pasted). An answer with no draft to render keeps its own text, and a
    citation left out of its list is appended, so the references always travel with the text."""
    if answer._draft is not None:
        return render_web(answer._draft, links)
    missing = [reference_line(c) for c in answer.citations if f"\n[{c.n}]" not in answer.answer]
    if not missing:
        return answer.answer
    return answer.answer.rstrip() + ("\n\n依据：\n" if answer.grounded else "\n\n相关条款：\n") + "\n".join(missing)


def _unknown_model(name: str) -> OpenAIError:
    return OpenAIError(404, "model_not_found", f"没有名为 {name!r} 的模型：请使用 model=\"hotline\"。", "model")


def _conversation(body: ChatCompletionRequest) -> tuple[str, list[str]]:
    if body.model != MODEL:
        raise _unknown_model(body.model)
    if body.messages[-1].role != "user":
        raise OpenAIError(400, "invalid_request", "最后一条消息须为用户的问题（role 为 user）。", "messages")
    questions = [text_of(m) for m in body.messages if m.role == "user"]
    return questions[-1], questions[:-1]


def _chunk(base: dict, delta: dict, finish: str | None = None, **extra) -> str:
    data = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post("/v1/chat/completions", response_model=ChatCompletion,
             summary="OpenAI 兼容的对话接口（model: hotline）：有依据的回答，正文末尾附编号引用，citations 字段给出条款",
             response_description="非流式：chat.completion；stream: true 时为 text/event-stream 的 chat.completion.chunk，"
                                  "最后一块带 citations 与 grounded，以 data: [DONE] 结束")
async def chat_completions(body: Annotated[ChatCompletionRequest, Body(openapi_examples=EXAMPLES)], request: Request,
                           bot: Assistant = Depends(assistant)):
    question, earlier = _conversation(body)

    def answer() -> Answer:
        history = bot.replay(earlier, body.region) if earlier else None
        return bot.ask(question, body.region, channel="openai", history=history)

    result = await run_in_threadpool(answer)
    content = content_of(result, public_base(request))
    prompt = sum(len(text_of(m)) for m in body.messages)
    usage = Usage(prompt_tokens=prompt, completion_tokens=len(content), total_tokens=prompt + len(content))
    extra = {"citations": [c.model_dump(mode="json") for c in result.citations], "grounded": result.grounded,
             "confidence": result.confidence, "answer_id": result.answer_id,
             "rewritten_question": result.rewritten_question}
    base = {"id": f"chatcmpl-{result.answer_id}", "created": int(time.time()), "model": MODEL}
    if not body.stream:
        return ChatCompletion(**base, choices=[Choice(message=AssistantMessage(content=content))], usage=usage,
                              **extra)

    async def stream() -> AsyncIterator[str]:
        chunk = {**base, "object": "chat.completion.chunk"}
        yield _chunk(chunk, {"role": "assistant", "content": ""})
        for piece in pieces(content):
            yield _chunk(chunk, {"content": piece})
        yield _chunk(chunk, {}, "stop", **extra)
        if body.stream_options and body.stream_options.include_usage:
            yield f"data: {json.dumps({**chunk, 'choices': [], 'usage': usage.model_dump()})}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


CARD = ModelCard(id=MODEL, created=MODEL_CREATED, owned_by="ip-hotline")


@router.get("/v1/models", response_model=ModelList, summary="OpenAI 兼容：可用的模型（只有 hotline）")
def models() -> ModelList:
    return ModelList(data=[CARD])


@router.get("/v1/models/{model}", response_model=ModelCard, summary="OpenAI 兼容：一个模型")
def model(model: str) -> ModelCard:
    if model != MODEL:
        raise _unknown_model(model)
    return CARD
