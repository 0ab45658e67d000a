"""The pages people open: the demo page with the widget (/), the hotline console, and widget.js itself."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

WEB = Path(__file__).resolve().parent.parent.parent / "web"
router = APIRouter(tags=["pages"], include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def demo() -> FileResponse:
    return FileResponse(WEB / "index.html", media_type="text/html; charset=utf-8")


@router.get("/console", response_class=HTMLResponse)
def console() -> FileResponse:
    return FileResponse(WEB / "console.html", media_type="text/html; charset=utf-8")


@router.get("/widget.js")
def widget() -> FileResponse:
    # Sites embed this from another origin; it is public and safe to cache briefly.
    return FileResponse(WEB / "widget.js", media_type="application/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"})


@router.get("/console.js")
def console_js() -> FileResponse:
    return FileResponse(WEB / "console.js", media_type="application/javascript; charset=utf-8")
