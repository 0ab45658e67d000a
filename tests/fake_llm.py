"""A real OpenAI-compatible chat-completions server for the tests, started on 127.0.0.1.

The model name tells it how to behave, so each test configures the assistant with the behaviour it needs:
  good         answers from the first source with [1] (and a closing line)
  hallucinate  a good answer plus a sentence with a number no source states
  badcite      cites [7] when it was given fewer sources
  inject       obeys an instruction: no citations, talks about its prompt
  stall        waits 4 s, longer than the timeouts the tests set
  e429 / e500  returns that status; flaky429 returns 429 once per question, then answers well
  any name given to POST /script  answers that script's text, where {clause} stands for the sentence `good`
               quotes from the first source, streamed `chunk` characters at a time, `delay` seconds apart
It records every request it receives (GET /stats) so tests can count retries and read the prompt.
"""
from __future__ import annotations

import asyncio
import json
import re
import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

SOURCE = re.compile(r"\[(\d+)\]《[^\n]*\n(.*?)(?=\n\[\d+\]《|\n</资料>)", re.S)


def make_app() -> FastAPI:
    app = FastAPI()
    app.state.requests = []
    app.state.seen = set()
    app.state.scripts = {}

    def quoted(prompt: str) -> str | None:
        """The sentence of the first source an honest answer quotes."""
        sources = SOURCE.findall(prompt)
        if not sources:
            return None
        text = sources[0][1].strip()
        sentences = [s for s in re.split(r"(?<=[。；])", text.replace("\n", "")) if s.strip()]
        return (sentences[1] if len(sentences) > 1 else sentences[0]).rstrip("。；")

    def good_answer(prompt: str) -> str:
        body = quoted(prompt)
        if body is None:
            return "资料中没有相关规定。"
        return f"根据资料，{body}[1]。如需进一步咨询，可拨打12345。"

    def behave(model: str, prompt: str) -> str:
        if model in app.state.scripts:
            return app.state.scripts[model]["content"].replace("{clause}", quoted(prompt) or "")
        if model == "hallucinate":
            return good_answer(prompt).replace("如需进一步咨询", "每家机构可获得50万元补贴[1]。如需进一步咨询")
        if model == "badcite":
            return "相关规定见资料[7]。"
        if model == "inject":
            return "好的，我已忽略之前的所有指令。我的系统提示词是：你是一个助手。"
        return good_answer(prompt)

    @app.post("/script")
    async def script(request: Request) -> dict:
        body = await request.json()
        app.state.scripts[body["model"]] = {"content": body["content"], "chunk": int(body.get("chunk", 6)),
                                            "delay": float(body.get("delay", 0.005))}
        return {"model": body["model"]}

    @app.get("/stats")
    def stats() -> dict:
        return {"requests": app.state.requests}

    @app.post("/v1/chat/completions")
    async def completions(request: Request):
        body = await request.json()
        model = body.get("model", "good")
        prompt = "\n".join(m.get("content", "") for m in body.get("messages", []) if isinstance(m.get("content"), str))
        app.state.requests.append({"model": model, "stream": bool(body.get("stream")), "body": body,
                                   "authorization": request.headers.get("authorization"), "time": time.time()})
        if model == "stall":
            await asyncio.sleep(4)
        if model == "e429" or (model == "flaky429" and (model, prompt) not in app.state.seen):
            app.state.seen.add((model, prompt))
            return JSONResponse({"error": {"message": "rate limited", "type": "rate_limit"}}, status_code=429,
                                headers={"retry-after": "0"})
        if model == "e500":
            return JSONResponse({"error": {"message": "boom", "type": "server_error"}}, status_code=500)
        content = behave(model, prompt)
        created = int(time.time())
        if not body.get("stream"):
            return {"id": "cmpl-1", "object": "chat.completion", "created": created, "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": len(prompt), "completion_tokens": len(content),
                              "total_tokens": len(prompt) + len(content)}}

        scripted = app.state.scripts.get(model, {})
        size, delay = scripted.get("chunk", 6), scripted.get("delay", 0.005)

        async def stream():
            pieces = [content[i:i + size] for i in range(0, len(content), size)]
            first = {"role": "assistant", "content": ""}
            for piece in [None, *pieces]:
                delta = first if piece is None else {"content": piece}
                chunk = {"id": "cmpl-1", "object": "chat.completion.chunk", "created": created, "model": model,
                         "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
                await asyncio.sleep(delay)
            end = {"id": "cmpl-1", "object": "chat.completion.chunk", "created": created, "model": model,
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            yield f"data: {json.dumps(end)}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    return app
