"""WeChat's server API: the access token (fetched once, cached until it expires) and customer-service messages."""
from __future__ import annotations

import json
import logging
import httpx

from bot.store.shared import MemoryState, SharedState

log = logging.getLogger("hotline.wechat")
TOKEN_ERRORS = {40001, 40014, 42001}  # invalid, malformed or expired access token: fetch a new one once
MARGIN = 300  # refresh this many seconds before WeChat says the token expires
LOCK_SECONDS = 10  # one fetch of a token takes at most the HTTP timeout; then the lock is given up


class WeChatAPIError(Exception):
    def __init__(self, errcode: int, errmsg: str):
        super().__init__(f"errcode={errcode} errmsg={errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


class WeChatAPI:
    """The access token is kept in the shared state (Redis: one token for every worker and machine, fetched
    by the one holding the lock; memory: this process's own) until MARGIN seconds before it expires."""

    def __init__(self, base: str, appid: str, secret: str, timeout: float = 5.0, state: SharedState | None = None):
        self.base = base.rstrip("/")
        self.appid, self.secret = appid, secret
        self.http = httpx.Client(timeout=timeout)
        self.state = state if state is not None else MemoryState()
        self._key = f"wechat:token:{appid}"

    def access_token(self, rejected: str | None = None) -> str:
        """The cached token, or a new one when there is none or it is `rejected` (WeChat refused it)."""
        token = self.state.get(self._key)
        if token and token != rejected:
            return token
        with self.state.lock(self._key, timeout=LOCK_SECONDS):
            token = self.state.get(self._key)  # another holder of the lock may have fetched it meanwhile
            if token and token != rejected:
                return token
            response = self.http.get(f"{self.base}/cgi-bin/token",
                                     params={"grant_type": "client_credential", "appid": self.appid,
                                             "secret": self.secret})
            data = response.json()
            if "access_token" not in data:
                raise WeChatAPIError(int(data.get("errcode", -1)), str(data.get("errmsg", "no token")))
            token = data["access_token"]
            self.state.set(self._key, token, max(60, int(data.get("expires_in", 7200)) - MARGIN))
            log.info("WeChat access token fetched (expires in %ss)", data.get("expires_in"))
            return token

    def send_text(self, openid: str, content: str) -> None:
        """cgi-bin/message/custom/send; a rejected token is replaced once."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        token = None
        for attempt in range(2):
            token = self.access_token(rejected=token)
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
