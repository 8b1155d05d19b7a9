"""A small gateway in front of the sandbox, for faults the sandbox cannot make on its own.

It forwards every request to the sandbox unless ``rule(method, path)`` says otherwise: answer
with a status and body of its own (a 401 mid-apply, a load balancer's HTML page), or forward and
then hang up without answering (the write is made, its answer lost).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

#: None: forward. ``"lose"``: forward, then close without an answer. ``(status, type, body)``.
Action = None | str | tuple[int, str, bytes]
Rule = Callable[[str, str], Action]


@contextmanager
def gateway(upstream: str, rule: Rule) -> Iterator[str]:
    """Serve on a free local port; yields the base URL to use instead of ``upstream``."""
    origin = httpx.URL(upstream)
    client = httpx.Client(base_url=f"{origin.scheme}://{origin.netloc.decode()}")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            action = rule(self.command, self.path.split("?")[0])
            if isinstance(action, tuple):
                status, content_type, page = action
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            answer = client.request(self.command, self.path, headers=headers, content=body)
            if action == "lose":
                self.close_connection = True
                return
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{origin.path}"
    finally:
        server.shutdown()
        server.server_close()
        client.close()
