"""The hotline channel: suggested answers for an operator, from a pasted transcript or a live call's ASR
(operators' tokens only)."""
from __future__ import annotations

import asyncio
import json
import logging

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from bot.api.deps import AdminDenied, assistant, operator_for, require_operator
from bot.api.errors import misconfigured_message
from bot.channels.hotline_stream import Calls, StreamError, hear, parse_result
from bot.config import Settings
from bot.models import SuggestRequest, SuggestResponse
from bot.retrieve.search import Misconfigured
from bot.service import Assistant

router = APIRouter(tags=["hotline"])
log = logging.getLogger("hotline.stream")


@router.post("/v1/hotline/suggest", response_model=SuggestResponse, dependencies=[Depends(require_operator)],
             summary="从通话转写中找出来电人的问题，按提问顺序各给出一条可直接念出的建议答案")
async def suggest(body: SuggestRequest, bot: Assistant = Depends(assistant)) -> SuggestResponse:
    return await run_in_threadpool(bot.suggest, body.transcript, body.region)


def operator_allowed(settings: Settings, authorization: str | None) -> bool:
    """The stream's use of the one operator check (bot.api.deps.operator_for) on an `Authorization` value: a
    WebSocket cannot answer with a JSON 401, so it gets a yes or no and closes with an error message."""
    try:
        operator_for(settings, authorization)
    except AdminDenied:
        return False
    return True


async def _error(ws: WebSocket, code: str, message: str) -> None:
    await ws.send_json({"type": "error", "error": {"code": code, "message": message}})


@router.websocket("/v1/hotline/stream")
async def stream(ws: WebSocket, call: str | None = None, region: str | None = None, listen: bool = False) -> None:
    """Streaming ASR results in ({"text", "is_final", "speaker"?}), suggestions out as each question ends.

    The token comes in the `Authorization: Bearer` header, or as the first message {"token": "…"}. `?call=ID`
    names the call (a new id otherwise, sent back in `ready`); `?listen=true` only listens to that call (a
    console showing the live transcript and cards)."""
    await ws.accept()
    settings, bot = ws.app.state.settings, ws.app.state.assistant
    calls = _calls(ws)
    authorization = ws.headers.get("authorization")
    try:
        if not operator_allowed(settings, authorization):
            # a client that cannot set headers (a browser, the console listening) sends {"token": …} first: never in the URL, which logs keep
            first = await _receive(ws)
            token = first.get("token") if isinstance(first, dict) else None
            authorization = f"Bearer {token}" if token else None
        if not operator_allowed(settings, authorization):
            await _error(ws, "unauthorized", "需要有效的话务员令牌（Authorization: Bearer …，或首条消息 {\"token\": …}）。")
            await ws.close(code=1008)
            return
        if listen:
            await _listen(ws, calls, call)
            return
        current = calls.open(call, region)
        await ws.send_json({"type": "ready", "call": current.id})
        try:
            while True:
                message = await _receive(ws)
                try:
                    if not isinstance(message, dict):
                        raise StreamError("invalid_message", '每条消息应为 JSON 对象：{"text": …, "is_final": …}。')
                    if message.get("type") == "end":
                        break
                    text, is_final, speaker = parse_result(message)
                except StreamError as exc:
                    await _error(ws, exc.code, str(exc))
                    continue
                try:
                    events = await hear(bot, current, text, is_final, speaker)
                except Misconfigured as exc:  # a malformed transcripts.yaml: said on the socket, the call goes on
                    log.error("%s", exc)
                    await _error(ws, "misconfigured", misconfigured_message(exc))
                    continue
                for event in events:
                    await ws.send_json(event)
        finally:
            calls.close(current)
        await ws.close()
    except WebSocketDisconnect:
        return


def _calls(ws: WebSocket) -> Calls:
    """The live calls of this worker (made on the first stream)."""
    if getattr(ws.app.state, "calls", None) is None:
        ws.app.state.calls = Calls()
    return ws.app.state.calls


async def _receive(ws: WebSocket):
    raw = await ws.receive_text()
    try:
        return json.loads(raw)
    except ValueError:
        return raw  # not JSON: answered with an error, the call goes on


async def _listen(ws: WebSocket, calls: Calls, call_id: str | None) -> None:
    if not call_id:
        await _error(ws, "call_required", "请用 ?call=通话编号 指定要接入的通话。")
        await ws.close(code=1008)
        return
    current = calls.open(call_id, None)
    queue: asyncio.Queue = asyncio.Queue()
    current.listeners.add(queue)
    await ws.send_json({"type": "ready", "call": current.id, "listening": True})
    closed = asyncio.ensure_future(ws.receive())  # a console closing its socket
    try:
        while True:
            got = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({got, closed}, return_when=asyncio.FIRST_COMPLETED)
            if closed in done:
                got.cancel()
                return
            await ws.send_json(got.result())
    finally:
        current.listeners.discard(queue)
        calls.close(current)
