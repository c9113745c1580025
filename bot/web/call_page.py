"""The browser phone page (拨打报案热线): GET /call and the static files it loads.

Kept apart from app.py so the page and its assets can change without touching the server's routes.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).resolve().parent / "static"
CALL_HTML = STATIC_DIR / "call.html"


async def call_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(CALL_HTML, headers={"Cache-Control": "no-cache"})


def add_call_page_routes(app: web.Application) -> None:
    """Registers GET /call and /static/ (call.js, mic-worklet.js, call.css) on the web app."""
    app.router.add_get("/call", call_page)
    app.router.add_static("/static", STATIC_DIR)
