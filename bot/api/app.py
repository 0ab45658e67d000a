"""The FastAPI app that `hotline serve` and `make run` start."""
from __future__ import annotations

from fastapi import FastAPI

from bot.api import errors
from bot.api.routers import ask, documents
from bot.config import Settings, get_settings
from bot.service import Assistant


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="知识产权政策咨询助手", version="0.1.0",
                  description="基于知识产权局政策文件、逐条引用依据的咨询与热线助手。")
    app.state.settings = settings
    app.state.assistant = Assistant(settings)
    errors.install(app)
    app.include_router(ask.router)
    app.include_router(documents.router)

    @app.get("/healthz", tags=["ops"], summary="健康检查")
    def healthz() -> dict:
        ready = app.state.assistant.manifest.exists()
        return {"status": "ok" if ready else "no-index"}

    return app
