"""A loopback HTTP proxy in front of livekit-server that counts requests and injects faults.

Faults are queued per Twirp method (or for any method) and consumed one request at a time:

    proxy.inject("CreateSIPDispatchRule", Fault.status_code(503), times=2)
    proxy.inject("CreateSIPDispatchRule", Fault.drop_after_forward())   # applied, answer lost
    proxy.inject(None, Fault.delay(5.0))

`count(method)` and `requests(method)` tell what arrived, faults included, and `bodies(method)`
what each carried. `rewrite_answers(method, rewrite)` changes the server's answers as a newer
LiveKit would send them, e.g. with a field the installed stubs do not know (`with_unknown_field`).
With `path_prefix` the proxy serves LiveKit under a sub-path, as a reverse proxy mounting it there does.

With `tls` (a server-side `ssl.SSLContext` holding a certificate) it is a TLS endpoint, as every LiveKit
Cloud project is: its URL is `https://localhost:PORT` (listening on 127.0.0.1 alone), and
`tls_connections` counts the connections that came to it, `tls_refused` those whose handshake failed
(a client that refused the certificate).
"""

from __future__ import annotations

import collections
import http.server
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional

import httpx
from google.protobuf.message import Message


@dataclass(frozen=True)
class Fault:
    kind: str
    status: int = 0
    seconds: float = 0.0

    @staticmethod
    def status_code(code: int) -> "Fault":
        """Answer `code` with a Twirp error body; the server never sees the request."""
        return Fault("status", status=code)

    @staticmethod
    def drop_after_forward() -> "Fault":
        """Forward to the server (which applies the request), then close the connection unanswered."""
        return Fault("drop_after_forward")

    @staticmethod
    def drop_before_forward() -> "Fault":
        """Close the connection without forwarding."""
        return Fault("drop_before_forward")

    @staticmethod
    def delay(seconds: float) -> "Fault":
        """Wait, then forward and answer normally."""
        return Fault("delay", seconds=seconds)


class FaultProxy:
    def __init__(self, target: str, *, path_prefix: str = "", tls: Optional[ssl.SSLContext] = None) -> None:
        self.target = target.rstrip("/")
        # Stripped before forwarding; a request outside it gets 404 and is not counted.
        self.path_prefix = "/" + path_prefix.strip("/") if path_prefix.strip("/") else ""
        self._faults: dict[Optional[str], collections.deque] = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a request arrived or was done with
        self._in_flight = 0
        self.counts: collections.Counter = collections.Counter()
        self._requests: list[tuple[str, dict[str, str], bytes]] = []
        self._rewrites: dict[str, Callable[[bytes], bytes]] = {}
        self._upstream = httpx.Client(timeout=60)
        self.tls_connections = 0
        self.tls_refused = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                proxy._handle(self)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def finish_request(self, request, client_address) -> None:
                if tls is None:
                    super().finish_request(request, client_address)
                    return
                # The handshake in the connection's own thread: a client that never finishes it holds up no other.
                with proxy._lock:
                    proxy.tls_connections += 1
                try:
                    secured = tls.wrap_socket(request, server_side=True)
                except (ssl.SSLError, OSError):
                    with proxy._lock:
                        proxy.tls_refused += 1
                    return
                with secured:
                    super().finish_request(secured, client_address)

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        host = "localhost" if tls is not None else "127.0.0.1"  # the name a certificate names
        self.url = f"{'https' if tls is not None else 'http'}://{host}:{self.port}{self.path_prefix}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def inject(self, method: Optional[str], fault: Fault, times: int = 1) -> None:
        with self._lock:
            self._faults[method].extend([fault] * times)

    def rewrite_answers(self, method: str, rewrite: Callable[[bytes], bytes]) -> None:
        """Every successful answer to `method` from now on goes through `rewrite` (its protobuf body in and out)."""
        with self._lock:
            self._rewrites[method] = rewrite

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._rewrites.clear()
            self.counts.clear()
            self._requests.clear()
            self.tls_connections = self.tls_refused = 0

    def count(self, method: Optional[str] = None) -> int:
        with self._lock:
            return self._count(method)

    def wait_for(self, method: Optional[str], count: int, timeout: float) -> int:
        """Until `count` requests for `method` (or any) have arrived, or `timeout` seconds; returns the count."""
        with self._changed:
            self._changed.wait_for(lambda: self._count(method) >= count, timeout)
            return self._count(method)

    def wait_idle(self, timeout: float) -> None:
        """Until every request that arrived has been answered or dropped, the delayed ones included."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._in_flight == 0, timeout):
                raise TimeoutError(f"{self._in_flight} requests still in the proxy after {timeout}s")

    def _count(self, method: Optional[str]) -> int:
        return sum(self.counts.values()) if method is None else self.counts[method]

    def requests(self, method: Optional[str] = None) -> list[dict[str, str]]:
        """The headers (names lower-cased) of each request that arrived for `method`, or any, in order."""
        with self._lock:
            return [dict(headers) for m, headers, _ in self._requests if method is None or m == method]

    def bodies(self, method: Optional[str] = None) -> list[bytes]:
        """The body of each request that arrived for `method`, or any, in order."""
        with self._lock:
            return [body for m, _, body in self._requests if method is None or m == method]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._upstream.close()

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next_fault(self, method: str, headers: dict[str, str], body: bytes) -> Optional[Fault]:
        with self._changed:
            self.counts[method] += 1
            self._requests.append((method, headers, body))
            self._changed.notify_all()
            for key in (method, None):
                if self._faults.get(key):
                    return self._faults[key].popleft()
        return None

    def _handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._in_flight += 1
        try:
            self._forward(handler)
        finally:
            with self._changed:
                self._in_flight -= 1
                self._changed.notify_all()

    def _forward(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        path = handler.path
        if self.path_prefix:
            if not path.startswith(self.path_prefix + "/"):
                self._answer(handler, 404, b"404 page not found", "text/plain; charset=utf-8")
                return
            path = path[len(self.path_prefix):]
        method = path.rsplit("/", 1)[-1]
        fault = self._next_fault(method, {k.lower(): v for k, v in handler.headers.items()}, body)
        if fault is not None and fault.kind == "status":
            code = "resource_exhausted" if fault.status == 429 else "unavailable"
            self._answer(handler, fault.status, f'{{"code":"{code}","msg":"injected by FaultProxy"}}'.encode(),
                         "application/json")
            return
        if fault is not None and fault.kind == "drop_before_forward":
            self._drop(handler)
            return
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.seconds)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in ("host", "content-length", "connection")}
        try:
            upstream = self._upstream.post(self.target + path, content=body, headers=headers)
        except httpx.HTTPError:
            self._answer(handler, 502, b'{"code":"unavailable","msg":"upstream unreachable"}', "application/json")
            return
        if fault is not None and fault.kind == "drop_after_forward":
            self._drop(handler)
            return
        content = upstream.content
        with self._lock:
            rewrite = self._rewrites.get(method)
        if rewrite is not None and upstream.status_code == 200:
            content = rewrite(content)
        self._answer(handler, upstream.status_code, content,
                     upstream.headers.get("content-type", "application/octet-stream"))

    @staticmethod
    def _answer(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes, content_type: str) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    @staticmethod
    def _drop(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        try:
            handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def unknown_field(number: int, value: bytes) -> bytes:
    """Field `number` holding `value` (length-delimited, as a string or message is) in protobuf's wire format."""
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def with_unknown_field(answer_type: type[Message], extra: bytes) -> Callable[[bytes], bytes]:
    """An answer rewrite for `rewrite_answers`: each SIP object the answer carries (the answer itself, or each of
    its `items`) ends with `extra` (see `unknown_field`), as a field of a newer LiveKit would."""

    def with_extra(item: Message) -> Message:
        return type(item).FromString(item.SerializeToString() + extra)

    def rewrite(body: bytes) -> bytes:
        answer = answer_type.FromString(body)
        fields = answer.DESCRIPTOR.fields_by_name
        if "items" in fields:
            items = [with_extra(item) for item in answer.items]
            del answer.items[:]
            answer.items.extend(items)
        else:
            answer = with_extra(answer)
        return answer.SerializeToString()

    return rewrite


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)
