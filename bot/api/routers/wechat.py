"""The WeChat channel: GET /wechat (server URL check) and POST /wechat (message push), plain and 安全模式,
XML (公众号) and JSON (小程序客服消息), exactly as WeChat's servers speak it."""
from __future__ import annotations

import logging
import secrets
import time

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from bot.api.deps import public_base
from bot.api.errors import error
from bot.channels.wechat.crypto import CryptoError, MessageCrypto, check_signature
from bot.channels.wechat.messages import (MalformedMessage, encrypted_reply_xml, parse_envelope, text_reply_xml,
                                          to_incoming)
from bot.config import WeChatSettings

router = APIRouter(tags=["wechat"])
log = logging.getLogger("hotline.wechat")
MAX_BODY = 64 * 1024


def wechat(request: Request):
    channel = request.app.state.wechat
    if channel is None:
        return None
    return channel


def _denied(reason: str, status: int = 401) -> Response:
    log.warning("wechat request refused: %s", reason)  # never the message content
    return error(status, "wechat_refused", reason)


def _fresh(settings: WeChatSettings, timestamp: str) -> bool:
    try:
        return abs(time.time() - int(timestamp)) <= settings.timestamp_window
    except ValueError:
        return False


@router.get("/wechat", response_class=PlainTextResponse, summary="微信服务器地址校验（回显 echostr）")
def verify_url(request: Request, signature: str = Query(""), timestamp: str = Query(""), nonce: str = Query(""),
               echostr: str = Query("")):
    settings: WeChatSettings = request.app.state.settings.wechat
    if not settings.enabled:
        return error(404, "wechat_disabled", "未配置微信接入（WECHAT_TOKEN）。")
    token = settings.token.get_secret_value()
    if not check_signature(signature, token, timestamp, nonce):
        return _denied("签名不正确")
    if not _fresh(settings, timestamp):
        return _denied("时间戳无效或超出允许范围（疑似重放）")
    return PlainTextResponse(echostr)


@router.post("/wechat", summary="微信消息推送（明文与安全模式；XML 与 JSON）")
async def receive(request: Request, signature: str = Query(""), timestamp: str = Query(""), nonce: str = Query(""),
                  encrypt_type: str = Query(""), msg_signature: str = Query(""), channel=Depends(wechat)) -> Response:
    settings: WeChatSettings = request.app.state.settings.wechat
    if channel is None:
        return error(404, "wechat_disabled", "未配置微信接入（WECHAT_TOKEN）。")
    token = settings.token.get_secret_value()
    # Who sent it before anything is read: WeChat signs token, timestamp and nonce in every mode, and a body
    # that nobody signed is never parsed (a deeply nested one would cost a traceback at least).
    if not check_signature(signature, token, timestamp, nonce):
        return _denied("签名不正确")
    if not _fresh(settings, timestamp):
        return _denied("时间戳无效或超出允许范围（疑似重放）")
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return _denied("消息体过大", 413)
    # The signature does not cover the body: each signed (timestamp, nonce) carries one message, once.
    # The claim is the store's, so several workers (and a shared store) agree on it.
    if not await run_in_threadpool(channel.assistant.store.claim_message, f"nonce:{timestamp}:{nonce}"):
        return _denied("该签名已使用过（疑似重放）")
    body = await request.body()
    if len(body) > MAX_BODY:
        return _denied("消息体过大", 413)
    fmt = "json" if body.lstrip().startswith(b"{") else "xml"
    try:
        envelope = parse_envelope(body, fmt)
        crypto = None
        if settings.safe_mode:
            encrypted = envelope.get("Encrypt", "")
            if encrypt_type != "aes" or not encrypted:
                return _denied("安全模式下只接受加密消息", 400)
            if not check_signature(msg_signature, token, timestamp, nonce, encrypted):
                return _denied("消息签名不正确")
            crypto = MessageCrypto(token, settings.aes_key.get_secret_value(), settings.appid)
            fields = parse_envelope(crypto.decrypt(encrypted).encode(), fmt)
        elif encrypt_type == "aes" or "Encrypt" in envelope:
            return _denied("收到加密消息，但未配置 WECHAT_AES_KEY", 400)
        else:
            fields = envelope
        incoming = to_incoming(fields, fmt)
    except CryptoError as exc:
        return _denied(f"解密失败：{exc}", 400)
    except MalformedMessage as exc:
        return _denied(f"消息格式不正确：{exc}", 400)

    # Mini-program customer service is answered through the API; official accounts passively if in time.
    text = await run_in_threadpool(channel.reply_for, incoming, fmt == "xml", public_base(request))
    if text is None or fmt == "json":
        return PlainTextResponse("success")
    reply = text_reply_xml(incoming, text)
    if crypto is None:
        return Response(reply, media_type="application/xml")
    reply_ts, reply_nonce = str(int(time.time())), secrets.token_hex(8)
    encrypted = crypto.encrypt(reply)
    signature_out = crypto.msg_signature(reply_ts, reply_nonce, encrypted)
    return Response(encrypted_reply_xml(encrypted, signature_out, reply_ts, reply_nonce), media_type="application/xml")
