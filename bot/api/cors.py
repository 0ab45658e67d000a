"""Which sites may call the API from a browser: a site not in HOTLINE_ALLOWED_ORIGINS is told so plainly
(the widget shows it), and the log names the site and the setting to change, once per site."""
from __future__ import annotations

import json
import logging

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from bot.config import Settings

log = logging.getLogger("hotline.origins")
BLOCKED = "本网站（{origin}）尚未获准使用在线咨询助手，请联系网站管理员开通；您也可以拨打12345咨询。"
_logged: set[str] = set()


def refused(origin: str) -> None:
    """Log a site the widget was embedded on but that may not call the API (once per site and process)."""
    if origin in _logged or len(_logged) > 1000:
        return
    _logged.add(origin)
    log.warning("网站 %s 嵌入了咨询小部件，但不在 HOTLINE_ALLOWED_ORIGINS 中，浏览器会拦截它的请求；"
                "如应允许，请把 %s 加入 HOTLINE_ALLOWED_ORIGINS（逗号分隔）后重启服务。", origin, origin,
                extra={"origin": origin, "setting": "HOTLINE_ALLOWED_ORIGINS"})


def allowed(settings: Settings, origin: str, own: str) -> bool:
    """An origin may call the API: one of the bureau's sites, or the assistant's own pages."""
    return not origin or origin.rstrip("/") in settings.origins or origin.rstrip("/") == own


class OriginGuard:
    """Answers a browser's preflight from a site not allowed with a 403 that says why (it was a bare 405 or a
    plain-text 400), and logs it; preflights of allowed sites go on to Starlette's CORS middleware."""

    def __init__(self, app, settings: Settings):
        self.app, self.settings = app, settings

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            headers = dict(scope["headers"])
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            own = f"{scope.get('scheme', 'http')}://{host}"
            if origin and b"access-control-request-method" in headers and not allowed(self.settings, origin, own):
                refused(origin)
                body = json.dumps({"error": {"code": "origin_not_allowed", "message": BLOCKED.format(origin=origin)}},
                                  ensure_ascii=False).encode()
                await send({"type": "http.response.start", "status": 403,
                            "headers": [(b"content-type", b"application/json"), (b"vary", b"Origin"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def install(app: FastAPI, settings: Settings) -> None:
    if settings.origins:
        # Only the bureau's own sites may call the API from a browser (the widget on another origin).
        app.add_middleware(CORSMiddleware, allow_origins=settings.origins, allow_methods=["GET", "POST"],
                           # authorization: a chat UI in the browser (LobeChat…) sends its API key itself
                           allow_headers=["content-type", "x-request-id", "authorization"],
                           expose_headers=["x-request-id"],
                           allow_credentials=False, max_age=600)
    app.add_middleware(OriginGuard, settings=settings)
