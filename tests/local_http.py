"""The HTTP plumbing the local fake servers share (tests/fal_server.py, tests/stripe_server.py, tests/creem_server.py).

A fake subclasses `LocalHttpServer` and implements `handle(received) -> Reply`; the base class serves it on
127.0.0.1 from a daemon thread (the stdlib threading server, quiet about dropped connections and in its logs),
reads each request into a `Received`, and writes the `Reply` back. `start(port=0)` / `stop()` or `with` run it
(`serve_until_interrupted()` after `start` for a run by hand); `url` is "http://127.0.0.1:<port>" once started.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, parse_qsl, urlsplit


@dataclass(frozen=True)
class Received:
    """One HTTP request as the server received it."""

    method: str
    path: str  # the path without the query, as sent (still percent-encoded)
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased; lookups work in any case
    body: bytes
    target: str = ""  # the raw request target: path and query as sent

    @property
    def json(self) -> object:
        """The body parsed as JSON, or None if it is empty or not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @property
    def form(self) -> dict[str, str]:
        """The body parsed as a form, as flat bracket keys, e.g. {"line_items[0][quantity]": "1"} (last one wins)."""
        return dict(parse_qsl(self.body.decode("utf-8", errors="replace"), keep_blank_values=True)) if self.body else {}


@dataclass
class Reply:
    """An HTTP answer."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class Headers(dict[str, str]):
    """Header names stored lower-case; lookups work in any case."""

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


def json_reply(status: int, body: object, headers: dict[str, str] | None = None) -> Reply:
    """A JSON answer."""
    return Reply(status, json.dumps(body).encode(), headers=dict(headers or {}))


def html_reply(status: int, page: str) -> Reply:
    """An HTML answer."""
    return Reply(status, page.encode(), "text/html; charset=utf-8")


class LocalHttpServer(ABC):
    """A fake server on 127.0.0.1: subclasses answer requests in `handle`; this class runs the HTTP server.

    Subclasses call `super().__init__()`, may set `thread_name`, and may extend `stop()` (calling the base's).
    """

    thread_name = "local-http-server"

    def __init__(self) -> None:
        self._http: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    @abstractmethod
    def handle(self, received: Received) -> Reply:
        """Answer one request (called from the server's request threads)."""

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(self, port: int = 0) -> Self:
        """Serve on 127.0.0.1 (a free port unless one is given) from a daemon thread."""
        self._http = _HttpServer(("127.0.0.1", port), _Handler)
        self._http.owner = self
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, name=self.thread_name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_until_interrupted(self) -> None:
        """Block until Ctrl-C, then stop: for running a started server by hand."""
        try:
            threading.Event().wait()  # nothing sets it: only Ctrl-C ends the wait
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()


class _HttpServer(ThreadingHTTPServer):
    """The stdlib server, knowing its LocalHttpServer and quiet about dropped connections."""

    daemon_threads = True
    owner: LocalHttpServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client hanging up is not worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    """Reads each request, hands it to the owning LocalHttpServer's handle and writes the answer."""

    server: _HttpServer

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = Headers()
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        parts = urlsplit(self.path)
        received = Received(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=headers,
            body=body,
            target=self.path,
        )
        reply = self.server.owner.handle(received)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""
