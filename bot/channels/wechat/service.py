"""Answering WeChat users: the same grounded answers as the web, rendered for WeChat, within WeChat's 5 s.

A message is answered passively when the answer is ready within the deadline; otherwise WeChat gets
"success" at once and the answer goes out through the customer-service API when ready. A message WeChat
retries (same MsgId) is answered once, never twice, even across workers (the claim is a SQLite row).
"""
from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor, TimeoutError as FutureTimeout

from bot.channels.wechat.client import WeChatAPI, WeChatAPIError
from bot.channels.wechat.messages import Incoming
from bot.answer.render import render_wechat
from bot.models import Answer
from bot.service import Assistant, InvalidQuestion, UnknownSession

log = logging.getLogger("hotline.wechat")
MAX_BYTES = 2048  # WeChat's limit for a text message
WELCOME = ("您好，这里是知识产权政策咨询。请直接发送文字问题，我会依据政策文件原文回答并注明出处。例如：\n"
           "· 企业遇到侵权纠纷，上海有没有公益的维权援助？\n· 代理机构收了钱不办事去哪里投诉？\n· 江苏的若干措施有效期到哪天？\n"
           "如需人工服务，请拨打12345。")
TEXT_ONLY = "目前只能回答文字消息，请用文字描述您的问题。如需人工服务，请拨打12345。"
FAILED = "抱歉，暂时无法回答，请稍后再试，或拨打12345咨询。"


def fit(text: str, limit: int = MAX_BYTES) -> str:
    """Cut to WeChat's byte limit at a line break, keeping whole characters."""
    if len(text.encode()) <= limit:
        return text
    cut = text.encode()[: limit - 6].decode(errors="ignore")
    if "\n" in cut[len(cut) // 2:]:
        cut = cut[: cut.rfind("\n")]
    return cut + "\n……"


def render(answer: Answer, public_url: str) -> str:
    """Plain text from the answer's draft: the answer, then each citation once as a short label (《…》二、10.)
    and its clause page; a curated answer is named by its question, never by its internal id."""
    return fit(render_wechat(answer._draft, answer.follow_ups, public_url))


class WeChatChannel:
    def __init__(self, assistant: Assistant, api: WeChatAPI | None, public_url: str, deadline: float):
        self.assistant = assistant
        self.api = api
        self.public_url = public_url
        self.deadline = deadline
        self.pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="wechat")

    def reply_for(self, incoming: Incoming, passive: bool, links: str = "") -> str | None:
        """The text to reply passively now, or None for "success" (answered later through the API, or
        not at all for a retry). Clause links go under HOTLINE_PUBLIC_URL, else under `links` (the address
        WeChat sent the message to): a message without them would leave the whole clause out of reach."""
        store = self.assistant.store
        if not store.claim_message(incoming.key):
            log.info("wechat retry ignored key=%s", incoming.key)
            return None
        future = self.pool.submit(self._text_for, incoming, self.public_url or links)
        if passive:
            try:
                return future.result(timeout=self.deadline)
            except FutureTimeout:
                log.info("wechat answer slower than %.1fs: sent through the API later", self.deadline)
        future.add_done_callback(lambda f: self._send_later(incoming, f))
        return None

    def _text_for(self, incoming: Incoming, links: str) -> str:
        if incoming.msg_type == "event":
            return WELCOME if incoming.event in ("subscribe", "user_enter_tempsession", "scan") else ""
        question = incoming.content if incoming.msg_type == "text" else incoming.recognition
        if not question.strip():
            return TEXT_ONLY
        store = self.assistant.store
        session = store.wechat_session(incoming.from_user)
        try:
            try:
                answer = self.assistant.ask(question, session_id=session, channel="wechat")
            except UnknownSession:
                answer = self.assistant.ask(question, channel="wechat")
        except InvalidQuestion as exc:
            return str(exc)
        store.set_wechat_session(incoming.from_user, answer.session_id)
        return render(answer, links)

    def _send_later(self, incoming: Incoming, future: Future) -> None:
        try:
            text = future.result()
        except Exception:  # the answer failed: tell the user rather than stay silent
            log.exception("wechat answer failed key=%s", incoming.key)
            text = FAILED
        if not text:
            return
        if self.api is None:
            log.error("WECHAT_APPID/WECHAT_SECRET 未配置，无法通过客服消息接口发送答复")
            return
        try:
            self.api.send_text(incoming.from_user, text)
        except (WeChatAPIError, OSError, ValueError) as exc:
            log.error("wechat custom send failed: %s", exc)
