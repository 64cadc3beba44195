"""The HTTP side of the daemon: the review page plus the machine endpoints.

Why an outer app? Platform webhooks and Slack's interactivity callback are POSTs from
other servers, authenticated by their own signatures; they must not pass through the
review page's session and CSRF machinery (which would refuse them), and the review page
must not be reachable through their routes. So the machine endpoints are routes of a
small outer app, and the review page is mounted below it with its own middleware.
"""

from __future__ import annotations

import logging
import threading
import time

import uvicorn
from fastapi import FastAPI

from monitor.alerts_web import alerts_router
from monitor.metrics import metrics_router
from monitor.web import WebOptions
from monitor.runtime import Runtime
from monitor.webhooks import webhook_router

log = logging.getLogger(__name__)


def build_app(rt: Runtime, *, session_secret: str | None = None,
              options: WebOptions | None = None) -> FastAPI:
    """The review page mounted under the machine endpoints (webhooks, Slack, email acks).

    The session secret defaults to one derived from the encryption key, so sessions
    survive a restart and a deployment has one secret to manage.
    """
    from monitor.web.app import create_app
    from monitor.web.cli import session_secret as derived_secret

    outer = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    outer.include_router(webhook_router(rt.engine, rt.config, rt.connector_factory))
    outer.include_router(alerts_router(rt.engine, rt.config))  # Slack button, email ack links
    outer.include_router(metrics_router())  # counts only, no content
    outer.mount("/", create_app(rt.engine, rt.config, connector_factory=rt.connector_factory,
                                session_secret=session_secret or derived_secret(),
                                options=options))
    return outer


def serve_in_thread(rt: Runtime, *, host: str = "127.0.0.1", port: int = 8000,
                    session_secret: str | None = None) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(build_app(rt, session_secret=session_secret), host=host,
                                           port=port, log_level="warning", lifespan="off",
                                           server_header=False))
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()
    for _ in range(100):  # wait until it listens, so callers can print a working URL
        if server.started:
            break
        time.sleep(0.05)
    return server
