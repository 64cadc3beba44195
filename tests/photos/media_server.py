"""A real HTTP server on 127.0.0.1 that serves test images (and misbehaves on request).

Routes are registered per path: bytes with a (possibly lying) content type, a redirect,
or a slow answer. The fake platforms (connectors/fakes) put media URLs in their posts but
do not serve files; the photo tests point items' media at this server, whose origin is
the one allow-listed "test origin" of the fetcher.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "image/jpeg"
    status: int = 200
    location: str | None = None
    delay: float = 0.0


class MediaServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[str] = []
        self._httpd: ThreadingHTTPServer | None = None

    def add(self, path: str, body: bytes = b"", **kw: object) -> str:
        self.routes[path] = Route(body=body, **kw)  # type: ignore[arg-type]
        return self.url + path

    def start(self) -> Self:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                server.hits.append(self.path)
                r = server.routes.get(self.path.split("?")[0])
                if r is None:
                    self.send_response(404)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                if r.delay:
                    time.sleep(r.delay)
                self.send_response(r.status)
                if r.location:
                    self.send_header("location", r.location)
                self.send_header("content-type", r.content_type)
                self.send_header("content-length", str(len(r.body)))
                self.end_headers()
                try:
                    self.wfile.write(r.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
