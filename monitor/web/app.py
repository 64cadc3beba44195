"""The review page's application factory.

``create_app(engine, config)`` gives a FastAPI app serving the server-rendered review
page (Jinja2 templates, plain forms, no JavaScript at all) and the JSON API under
``/api`` (OpenAPI at ``/api/openapi.json``). Everything a request needs comes from the
arguments, so tests build an app per database and clock.

Why no Swagger UI? It loads scripts from a CDN and runs inline script, which the strict
Content-Security-Policy forbids; the OpenAPI document itself is served.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import Response

from monitor.clock import utcnow
from monitor.config import Config
from monitor.web.context import ConnectorFactory, WebContext, WebOptions
from monitor.web.deps import NotAuthenticated, csrf_protect
from monitor.web.render import make_templates, page
from monitor.web.routes import api, api_admin, audit, auth, cases, health, queue, users
from monitor.web.security import SecurityHeadersMiddleware

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def create_app(engine: Engine, config: Config, *, connector_factory: ConnectorFactory | None = None,
               clock: Callable[[], datetime] | None = None, session_secret: str | None = None,
               options: WebOptions | None = None) -> FastAPI:
    """Build the app. ``session_secret`` signs the session cookie; without one a random
    key is used, so sessions end when the process restarts (fine for tests and demos)."""
    opts = options or WebOptions()
    if session_secret is None:
        log.warning("no session secret given: using a random one; sessions end on restart")
        session_secret = secrets.token_urlsafe(32)
    app = FastAPI(title="Safeguard Monitor review API", version="1",
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
                  dependencies=[Depends(csrf_protect)])
    app.state.web = WebContext(engine=engine, config=config, clock=clock or utcnow,
                               connector_factory=connector_factory, options=opts)
    app.state.templates = make_templates(config.timezone)

    app.add_middleware(SessionMiddleware, secret_key=session_secret, session_cookie="sg_session",
                       max_age=opts.session_hours * 3600, same_site=opts.same_site,  # type: ignore[arg-type]
                       https_only=opts.secure_cookies)
    app.add_middleware(SecurityHeadersMiddleware, hsts=opts.secure_cookies)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, queue, cases, audit, users, health, api, api_admin):
        app.include_router(module.router)
    from monitor.records.web import router as records_router  # complaints, packs, reports

    app.include_router(records_router)
    from monitor.web_consent import router as consent_router  # check a post, photo consent

    app.include_router(consent_router)

    @app.exception_handler(NotAuthenticated)
    async def _login_first(request: Request, exc: NotAuthenticated) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        if request.method == "GET":
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        return page(request, "error.html", status_code=exc.status_code,
                    status=exc.status_code, detail=str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _bad_input(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": jsonable_errors(exc)}, status_code=422)
        return page(request, "error.html", status_code=422, status=422,
                    detail="Some of the form was missing or not valid; go back and check it.")

    return app


def jsonable_errors(exc: RequestValidationError) -> list[dict[str, object]]:
    """Validation errors without echoing the submitted input back."""
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
