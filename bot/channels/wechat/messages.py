"""WeChat message bodies: XML (official accounts) and JSON (mini-program customer service), in and out.

XML is parsed with defusedxml: no entity expansion, no external entities, no DTDs.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException


class MalformedMessage(ValueError):
    """The body is not a WeChat message this endpoint understands."""


@dataclass
class Incoming:
    fmt: str  # "xml" (official account) or "json" (mini-program)
    to_user: str
    from_user: str
    create_time: int
    msg_type: str
    content: str = ""
    msg_id: str = ""
    event: str = ""
    recognition: str = ""  # speech recognised by WeChat for a voice message, when enabled

    @property
    def key(self) -> str:
        """What identifies a message across WeChat's retries."""
        return self.msg_id or f"{self.from_user}:{self.create_time}:{self.event or self.msg_type}"


def parse_envelope(body: bytes, fmt: str) -> dict:
    """The top-level fields of a body, as strings."""
    if fmt == "json":
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested too deep
            raise MalformedMessage("不是有效的 JSON") from exc
        if not isinstance(data, dict):
            raise MalformedMessage("JSON 消息应为对象")
        return {k: str(v) for k, v in data.items() if isinstance(v, (str, int, float))}
    try:
        root: Element = SafeET.fromstring(body, forbid_dtd=True)
    except (SafeET.ParseError, DefusedXmlException, ValueError, RecursionError) as exc:
        raise MalformedMessage("不是有效的 XML") from exc
    if root.tag != "xml":
        raise MalformedMessage("XML 根元素应为 <xml>")
    return {child.tag: (child.text or "").strip() for child in root}


def to_incoming(fields: dict, fmt: str) -> Incoming:
    try:
        return Incoming(
            fmt=fmt, to_user=fields["ToUserName"], from_user=fields["FromUserName"],
            create_time=int(fields.get("CreateTime") or 0), msg_type=fields["MsgType"].lower(),
            content=fields.get("Content", ""), msg_id=fields.get("MsgId", ""),
            event=fields.get("Event", "").lower(), recognition=fields.get("Recognition", ""),
        )
    except (KeyError, ValueError) as exc:
        raise MalformedMessage("缺少必需字段（ToUserName、FromUserName、MsgType）") from exc


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply_xml(incoming: Incoming, content: str) -> str:
    return (f"<xml><ToUserName>{_cdata(incoming.from_user)}</ToUserName>"
            f"<FromUserName>{_cdata(incoming.to_user)}</FromUserName><CreateTime>{int(time.time())}</CreateTime>"
            f"<MsgType>{_cdata('text')}</MsgType><Content>{_cdata(content)}</Content></xml>")


def encrypted_reply_xml(encrypted: str, signature: str, timestamp: str, nonce: str) -> str:
    return (f"<xml><Encrypt>{_cdata(encrypted)}</Encrypt><MsgSignature>{_cdata(signature)}</MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{_cdata(nonce)}</Nonce></xml>")
