"""The FastAPI app that `hotline serve` and `make run` start: one router per channel."""
from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from bot.api import errors
from bot.api.middleware import RequestIdMiddleware
from bot.api.routers import admin, documents, feedback, hotline, pages, web
from bot.config import Settings, get_settings
from bot.service import Assistant


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="知识产权政策咨询助手", version="0.2.0",
                  description="基于知识产权局政策文件、逐条引用依据的咨询与热线助手。")
    app.state.settings = settings
    app.state.assistant = Assistant(settings)
    errors.install(app)
    for router in (web.router, hotline.router, feedback.router, documents.router, admin.router, pages.router):
        app.include_router(router)
    if settings.origins:
        # Only the bureau's own sites may call the API from a browser (the widget on another origin).
        app.add_middleware(CORSMiddleware, allow_origins=settings.origins, allow_methods=["GET", "POST"],
                           allow_headers=["content-type", "x-request-id"], expose_headers=["x-request-id"],
                           allow_credentials=False, max_age=600)
    app.add_middleware(RequestIdMiddleware)

    @app.get("/healthz", tags=["ops"], summary="健康检查")
    def healthz() -> dict:
        ready = app.state.assistant.manifest.exists()
        return {"status": "ok" if ready else "no-index"}

    return app
