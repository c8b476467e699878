"""A LiveKit cluster on loopback: livekit-server nodes sharing one Redis, behind a TCP load balancer.

That is how LiveKit is deployed for real (and what LiveKit Cloud is): any node answers any SIP API
call, since the objects live in Redis. The balancer hands each new connection to the next node in
turn and skips a node that refuses it, as a balancer's health check takes a dead node out; it copies
bytes and knows nothing of HTTP, so a request in flight on a node that dies is cut off as it would
be in production, its answer lost.
"""

from __future__ import annotations

import itertools
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

from ._livekit import Credentials, LocalLiveKit

_CHUNK = 65536


class TCPBalancer:
    """Round-robin over `ports` on 127.0.0.1, connection by connection, skipping those that refuse.

    With `latency`, every chunk waits that many seconds before it is passed on, either way."""

    def __init__(self, ports: Sequence[int], *, latency: float = 0.0) -> None:
        self.ports = list(ports)
        self.latency = latency
        self._turn = itertools.cycle(range(len(self.ports)))
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self.connections = {port: 0 for port in self.ports}  # connections handed to each node
        self.cut = {port: 0 for port in self.ports}  # connections a node closed with a request unanswered
        self.in_flight = {port: 0 for port in self.ports}  # requests awaiting their answer, per node
        self._changed = threading.Condition(self._lock)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for sock in list(self._open):
                _close(sock)
            self._open.clear()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def wait_for_request_in_flight(self, port: int, timeout: float) -> bool:
        """Until a request to the node on `port` awaits its answer (False if none within `timeout`)."""
        with self._changed:
            return self._changed.wait_for(lambda: self.in_flight[port] > 0, timeout)

    def _serve(self, client: socket.socket) -> None:
        picked = self._connect()
        if picked is None:  # every node down: the client sees its connection closed
            _close(client)
            return
        port, upstream = picked
        with self._lock:
            self._open.update((client, upstream))
        awaiting = [False]  # bytes went to the node and none came back yet: a request in flight

        def sent() -> None:
            with self._changed:
                if not awaiting[0]:
                    awaiting[0] = True
                    self.in_flight[port] += 1
                    self._changed.notify_all()

        def answered() -> None:
            with self._changed:
                if awaiting[0]:
                    awaiting[0] = False
                    self.in_flight[port] -= 1

        def answers() -> None:
            self._copy(upstream, client, answered)
            with self._lock:
                self.cut[port] += awaiting[0]
            answered()

        threading.Thread(target=answers, daemon=True).start()
        self._copy(client, upstream, sent)

    def _connect(self) -> Optional[tuple[int, socket.socket]]:
        for _ in self.ports:
            with self._lock:
                port = self.ports[next(self._turn)]
            try:
                upstream = socket.create_connection(("127.0.0.1", port), timeout=2)
            except OSError:
                continue
            upstream.settimeout(None)
            with self._lock:
                self.connections[port] += 1
            return port, upstream
        return None

    def _copy(self, source: socket.socket, target: socket.socket, on_data: Callable[[], None]) -> None:
        """Until either side ends: then both are closed, so the other direction ends too."""
        try:
            while data := source.recv(_CHUNK):
                on_data()
                if self.latency:
                    time.sleep(self.latency)
                target.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.difference_update((source, target))
            _close(source)
            _close(target)

    def __enter__(self) -> "TCPBalancer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class LocalLiveKitCluster:
    """`nodes` livekit-servers on the first one's Redis, one API key, behind a `TCPBalancer`.

    `credentials.url` is the balancer's. `kill(i)` ends node i at once (SIGKILL: no goodbye to Redis or
    to its clients); `restart(i)` starts it again on the same port. With `redis_latency`, the nodes but
    the first reach Redis through a link that slow (each of their API calls then takes several times
    that): a node with requests in flight when it is killed, whose answers are lost whether or not
    it stored what they asked."""

    def __init__(self, workdir: Path, nodes: int = 2, *, redis_latency: float = 0.0) -> None:
        first = LocalLiveKit(workdir / "node-0")
        self._redis_link = TCPBalancer([first.redis_port], latency=redis_latency) if redis_latency else None
        redis_port = self._redis_link.port if self._redis_link else first.redis_port
        self.nodes = [first] + [
            LocalLiveKit(workdir / f"node-{i}", redis_port=redis_port, api_key=first.credentials.api_key,
                         api_secret=first.credentials.api_secret)
            for i in range(1, nodes)]
        self.balancer: Optional[TCPBalancer] = None
        self.credentials: Optional[Credentials] = None

    def start(self) -> "LocalLiveKitCluster":
        self.nodes[0].start()
        for node in self.nodes[1:]:
            node.start_server()
        self.balancer = TCPBalancer([node.http_port for node in self.nodes])
        first = self.nodes[0].credentials
        self.credentials = Credentials(self.balancer.url, first.api_key, first.api_secret)
        return self

    def kill(self, index: int) -> None:
        self.nodes[index].stop_server(signal.SIGKILL)

    def restart(self, index: int) -> None:
        self.nodes[index].start_server()

    def flush(self) -> None:
        self.nodes[0].flush()

    def stop(self) -> None:
        if self.balancer is not None:
            self.balancer.close()
        for node in reversed(self.nodes):  # the first holds Redis: last
            node.stop()
        if self._redis_link is not None:
            self._redis_link.close()

    def __enter__(self) -> "LocalLiveKitCluster":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
