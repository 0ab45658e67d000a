"""The FastAPI app that `hotline serve` and `make run` start: one router per channel."""
from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI
from threadpoolctl import threadpool_limits

from bot.api import cors, errors, openapi
from bot.api.api_keys import ApiKeys
from bot.api.limits import LimitsMiddleware, LoginFailures, RateLimiter
from bot.api.middleware import BodyDeadlineMiddleware, RequestIdMiddleware, SecurityMiddleware
from bot.api.routers import admin, documents, feedback, hotline, openai_compat, pages, web, wechat, widget
from bot.config import Settings, get_settings
from bot.integrations import mcp
from bot.privacy import private_files
from bot.retrieve.search import Misconfigured
from bot.service import Assistant

log = logging.getLogger("hotline")


def _warm_up(assistant: Assistant) -> None:
    try:
        assistant.retriever()
    except Misconfigured as exc:  # said at start-up; every question then gets a 503 misconfigured
        log.error("%s", exc)


def _wechat_channel(settings: Settings, assistant: Assistant):
    """The WeChat channel, when WECHAT_TOKEN is set (with WECHAT_APPID/SECRET for the customer-service API)."""
    if not settings.wechat.enabled:
        return None
    from bot.channels.wechat.client import WeChatAPI
    from bot.channels.wechat.service import WeChatChannel

    w = settings.wechat
    api = (WeChatAPI(w.api_base, w.appid, w.secret.get_secret_value(), state=assistant.shared)
           if w.appid and w.secret else None)
    return WeChatChannel(assistant, api, settings.public_url, w.reply_deadline)


def _follower(settings: Settings, assistant: Assistant):
    """With HOTLINE_SHARED_INDEX_DIR: follow the index version every machine serves (README "Scaling")."""
    if settings.shared_index_dir is None:
        return None
    from bot.store.shared_index import Follower, shared_index

    def load() -> None:  # load a followed version now rather than at the next question
        if assistant.index_version():
            _warm_up(assistant)

    return Follower(shared_index(settings, assistant.versions), settings.index_poll_seconds, load).start()


STAFF_PATHS = ("/v1/admin", "/admin")


def _public_schema(app: FastAPI, settings: Settings) -> None:
    """/docs and /openapi.json list the staff endpoints only with HOTLINE_ADMIN_DOCS=true (whichever router adds
    them): their names and shapes are a map for whoever tries the admin token."""
    if settings.admin_docs:
        return

    complete = app.openapi  # the document openapi.install completes

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = complete()
            schema["paths"] = {p: v for p, v in schema["paths"].items() if not p.startswith(STAFF_PATHS)}
        return app.openapi_schema

    app.openapi = openapi


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    private_files()
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Concurrent requests are this worker's parallelism: a BLAS that also splits each request's matrix
        # product over every core makes them fight (at 178 000 passages, 8 threads answered 23 exact searches
        # a second with OpenBLAS on 2 threads and 108 on 1).
        app.state.blas_limit = threadpool_limits(limits=1, user_api="blas")
        for problem in app.state.assistant.knowledge_problems():  # said now, not first found by a caller
            log.error("%s", problem)
        # load the index before the first question rather than during it
        if app.state.assistant.index_version():
            threading.Thread(target=_warm_up, args=(app.state.assistant,), daemon=True, name="index-warmup").start()
        app.state.follower = _follower(settings, app.state.assistant)
        async with app.state.mcp.session_manager.run():  # MCP's streamable HTTP at /mcp
            yield
        if app.state.follower is not None:
            app.state.follower.stop()

    # redirect_slashes off: Starlette builds that redirect from the request's Host header (Host: evil.example
    # sent /v1/documents/ there); a trailing slash is a 404 instead.
    app = FastAPI(title="知识产权政策咨询助手", version="0.2.0", lifespan=lifespan, redirect_slashes=False,
                  docs_url=None, redoc_url=None,
                  description="基于知识产权局政策文件、逐条引用依据的咨询与热线助手。")
    openapi.install(app)  # /docs from local files: the page must work on a network without a CDN
    app.state.settings = settings
    app.state.assistant = Assistant(settings)
    errors.install(app)
    app.state.wechat = _wechat_channel(settings, app.state.assistant)
    for router in (web.router, hotline.router, feedback.router, documents.router, admin.router, wechat.router,
                   widget.router, pages.router, openai_compat.router):
        app.include_router(router)
    app.state.api_keys = ApiKeys(settings, app.state.assistant.shared)  # the OpenAI-compatible API and /mcp
    app.state.mcp = mcp.install(app, app.state.assistant, app.state.api_keys)
    cors.install(app, settings)  # the bureau's own sites may call the API; another is told why not
    app.add_middleware(LimitsMiddleware, settings=settings, state=app.state.assistant.shared)
    app.add_middleware(BodyDeadlineMiddleware, seconds=settings.body_timeout)
    app.add_middleware(SecurityMiddleware, allowed_hosts=settings.hosts)
    app.add_middleware(RequestIdMiddleware)
    _public_schema(app, settings)
    app.state.session_limiter = RateLimiter(settings.sessions_per_client, app.state.assistant.shared, "sessions")
    app.state.admin_failures = LoginFailures(settings.admin_login_failures, app.state.assistant.shared)

    @app.get("/healthz", tags=["ops"], summary="健康检查", response_model=openapi.Health)
    def healthz() -> openapi.Health:
        assistant = app.state.assistant
        version = assistant.serving_version()
        health = openapi.Health(status="ok" if version else "no-index", index_version=version or None)
        follower = getattr(app.state, "follower", None)
        problem = assistant.load_problem or (follower.problem if follower is not None else None)
        if problem:  # still answering from `index_version`; the live one could not be loaded here
            health.status, health.index_problem = "degraded", problem
        return health

    return app
