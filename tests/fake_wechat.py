"""A real HTTP server on 127.0.0.1 standing in for WeChat's API (api.weixin.qq.com) in the tests.

It hands out access tokens (and counts the fetches), checks the token of every customer-service message,
records the messages, and can be told to expire the current token or to answer with an error code.
"""
from __future__ import annotations

import itertools

from fastapi import FastAPI, Request

APPID, SECRET = "wx1234567890abcdef", "s3cr3t-app-secret-0123456789abcd"


def make_app() -> FastAPI:
    app = FastAPI()
    state = app.state
    state.fetches, state.messages, state.valid, state.fail_with = 0, [], set(), None
    counter = itertools.count(1)

    @app.get("/cgi-bin/token")
    def token(grant_type: str = "", appid: str = "", secret: str = ""):
        if grant_type != "client_credential" or appid != APPID or secret != SECRET:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        state.fetches += 1
        value = f"ACCESS_TOKEN_{next(counter)}"
        state.valid = {value}
        return {"access_token": value, "expires_in": 7200}

    @app.post("/cgi-bin/message/custom/send")
    async def send(request: Request, access_token: str = ""):
        if access_token not in state.valid:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if state.fail_with:
            return {"errcode": state.fail_with, "errmsg": "refused by the test"}
        body = await request.json()
        state.messages.append(body)
        return {"errcode": 0, "errmsg": "ok"}

    @app.post("/control/expire")
    def expire():
        state.valid = set()
        return {"ok": True}

    return app
