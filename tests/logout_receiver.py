"""A real HTTP receiver for back-channel logout tokens, on a free loopback port: it answers what the test
says (200, 503, 400), can be stopped (the app unreachable) and started again on the same port, and keeps
every token posted to it with the status it answered."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from .live import free_port


@dataclass
class Receiver:
    """The app's back-channel logout endpoint: its URI, what it answers, and what it got."""

    port: int = field(default_factory=free_port)
    status: int = 200
    # (status answered, logout_token) for every POST, in order
    posts: list[tuple[int, str]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}/backchannel-logout"

    @property
    def accepted(self) -> list[str]:
        """The tokens it answered 2xx to."""
        return [token for status, token in self.posts if 200 <= status < 300]

    def start(self) -> None:
        """Listen (again) on the port."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                status = receiver.status
                receiver.posts.append((status, form.get("logout_token", [""])[0]))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening: the app is unreachable."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None


@contextmanager
def logout_receiver() -> Iterator[Receiver]:
    """A receiver listening until the block ends."""
    receiver = Receiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
