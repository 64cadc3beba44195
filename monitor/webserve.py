"""Serving the review page from the daemon or the demo, in a background thread."""

from __future__ import annotations

import logging
import threading

import uvicorn

from monitor.runtime import Runtime

log = logging.getLogger(__name__)


def build_app(rt: Runtime):  # type: ignore[no-untyped-def]
    from monitor.web.app import create_app

    return create_app(rt.engine, rt.config, connector_factory=rt.connector_factory)


def serve_in_thread(rt: Runtime, *, host: str = "127.0.0.1", port: int = 8000) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(build_app(rt), host=host, port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, name="web", daemon=True)
    thread.start()
    return server
