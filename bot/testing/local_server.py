"""A small threaded HTTP server on 127.0.0.1 with an ephemeral port, and helpers shared by the fakes."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MAX_BODY = 1 << 20


@dataclass
class Request:
    """One request as the fakes see it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    json: Any = None


@dataclass
class Reply:
    """What a fake answers."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"

    @classmethod
    def of_json(cls, status: int, payload: Any) -> Reply:
        return cls(status, json.dumps(payload).encode("utf-8"))


Handler = Callable[[Request], Reply]


def _parse(method: str, target: str, headers: dict[str, str], body: bytes) -> Request:
    parts = urlsplit(target)
    request = Request(method, parts.path, dict(parse_qsl(parts.query)), headers, body)
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        request.form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif kind == "application/json" and body:
        request.json = json.loads(body)
    return request


class LocalServer:
    """Serves `handler` on http://127.0.0.1:<port> (ephemeral by default) from a background thread."""

    def __init__(self, handler: Handler, port: int = 0) -> None:
        self._handler = handler
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> None:
        handler = self._handler

        class _RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self._send(Reply.of_json(413, {"error": "body too large"}))
                    return
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    reply = handler(_parse(self.command, self.path, headers, body))
                except Exception as exc:  # a fake's bug must be visible, not a hung client
                    reply = Reply.of_json(500, {"error": f"fake server error: {type(exc).__name__}: {exc}"})
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read the records
                return

        httpd = ThreadingHTTPServer(("127.0.0.1", self._port), _RequestHandler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-api", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
