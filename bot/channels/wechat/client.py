"""WeChat's server API: the access token (fetched once, cached until it expires) and customer-service messages."""
from __future__ import annotations

import json
import logging
import threading
import time

import httpx

log = logging.getLogger("hotline.wechat")
TOKEN_ERRORS = {40001, 40014, 42001}  # invalid, malformed or expired access token: fetch a new one once
MARGIN = 300  # refresh this many seconds before WeChat says the token expires


class WeChatAPIError(Exception):
    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"errcode={errcode} errmsg={errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


class WeChatAPI:
    def __init__(self, base: str, appid: str, secret: str, timeout: float = 5.0):
        self.base = base.rstrip("/")
        self.appid, self.secret = appid, secret
        self.http = httpx.Client(timeout=timeout)
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def access_token(self, force: bool = False) -> str:
        with self._lock:
            if force or not self._token or time.monotonic() >= self._expires:
                response = self.http.get(f"{self.base}/cgi-bin/token",
                                         params={"grant_type": "client_credential", "appid": self.appid,
                                                 "secret": self.secret})
                data = response.json()
                if "access_token" not in data:
                    raise WeChatAPIError(int(data.get("errcode", -1)), str(data.get("errmsg", "no token")))
                self._token = data["access_token"]
                self._expires = time.monotonic() + max(60, int(data.get("expires_in", 7200)) - MARGIN)
                log.info("WeChat access token fetched (expires in %ss)", data.get("expires_in"))
            return self._token

    def send_text(self, openid: str, content: str) -> None:
        """cgi-bin/message/custom/send; a rejected token is replaced once."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        for attempt in range(2):
            token = self.access_token(force=attempt > 0)
            response = self.http.post(f"{self.base}/cgi-bin/message/custom/send", params={"access_token": token},
                                      content=_json(body), headers={"Content-Type": "application/json"})
            data = response.json()
            errcode = int(data.get("errcode", 0))
            if errcode == 0:
                return
            if errcode in TOKEN_ERRORS and attempt == 0:
                continue
            raise WeChatAPIError(errcode, str(data.get("errmsg", "")))


def _json(body: dict) -> bytes:
    # WeChat shows \uXXXX escapes literally in some clients: send UTF-8 as is.
    return json.dumps(body, ensure_ascii=False).encode()
