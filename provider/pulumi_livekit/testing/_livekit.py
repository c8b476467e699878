"""A real livekit-server with Redis on free loopback ports, for tests, benchmarks and the demo."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import httpx

from .._model.kinds import DISPATCH_RULE
from ._tools import tool_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Credentials:
    url: str
    api_key: str
    api_secret: str

    def env(self) -> dict[str, str]:
        return {"LIVEKIT_URL": self.url, "LIVEKIT_API_KEY": self.api_key, "LIVEKIT_API_SECRET": self.api_secret}


class _Process:
    """A child in its own process group, so stopping it leaves nothing behind."""

    def __init__(self, argv: list[str], log_path: Path, env: Optional[dict[str, str]] = None) -> None:
        self.argv = argv
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self.popen = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
                                      env=env)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        if self.alive():
            try:
                os.killpg(self.popen.pid, sig)
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
            except ProcessLookupError:
                pass
        self._log.close()


class LocalLiveKit:
    """Redis + livekit-server. `stop()`/`start()` can be called repeatedly (fault tests restart them)."""

    def __init__(self, workdir: Optional[Path] = None, *, http_port: Optional[int] = None,
                 redis_port: Optional[int] = None, api_key: Optional[str] = None,
                 api_secret: Optional[str] = None, persist: bool = False) -> None:
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="livekit-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.http_port = http_port or free_port()
        self.redis_port = redis_port or free_port()
        self.credentials = Credentials(
            url=f"http://127.0.0.1:{self.http_port}",
            api_key=api_key or "API" + secrets.token_hex(6),
            api_secret=api_secret or secrets.token_urlsafe(36),
        )
        # Tests want a clean slate each time; the demo keeps its rules across restarts.
        self.persist = persist
        self.redis: Optional[_Process] = None
        self.server: Optional[_Process] = None

    def config_yaml(self) -> str:
        # Loopback only: `bind_addresses` covers the API port alone. WebRTC over TCP would listen on every
        # interface (0 turns it off), and the UDP port is opened on each address of the interfaces it may use.
        return "\n".join([
            f"port: {self.http_port}",
            "bind_addresses: [127.0.0.1]",
            "rtc:",
            "  tcp_port: 0",
            f"  udp_port: {free_port()}",
            "  interfaces:",
            "    includes: [lo]",
            "  enable_loopback_candidate: true",
            "  use_external_ip: false",
            "  node_ip: 127.0.0.1",
            "redis:",
            f"  address: 127.0.0.1:{self.redis_port}",
            "keys:",
            f'  "{self.credentials.api_key}": "{self.credentials.api_secret}"',
            "logging:",
            "  level: warn",
            "",
        ])

    def start(self, timeout: float = 60.0) -> "LocalLiveKit":
        self.start_redis()
        self.start_server(timeout)
        return self

    def start_redis(self) -> None:
        self.redis = _Process(
            [tool_path("redis-server"), "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "yes" if self.persist else "no", "--dir", str(self.workdir)],
            self.workdir / "redis.log",
        )
        _wait_for_port(self.redis_port, self.redis, timeout=20)

    def start_server(self, timeout: float = 60.0) -> None:
        config = self.workdir / "livekit.yaml"
        config.write_text(self.config_yaml())
        config.chmod(0o600)  # it holds the API secret
        self.server = _Process([tool_path("livekit-server"), "--config", str(config)], self.workdir / "livekit.log")
        self.wait_until_ready(timeout)

    def wait_until_ready(self, timeout: float) -> None:
        """Until the SIP API answers an authenticated List (it needs Redis, unlike the health check)."""
        from .._api.client import RetryPolicy, SIPClient
        from .._api.endpoint import Endpoint

        deadline = time.monotonic() + timeout
        creds = self.credentials
        with SIPClient(Endpoint(creds.url, creds.api_key, creds.api_secret),
                       retry=RetryPolicy(attempts=1), timeout=httpx.Timeout(2.0)) as client:
            while True:
                if self.server is not None and not self.server.alive():
                    raise RuntimeError(f"livekit-server exited; see {self.server.log_path}:\n{self.log_tail()}")
                try:
                    client.list(DISPATCH_RULE)
                    return
                except Exception:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"livekit-server SIP API not ready after {timeout}s:\n{self.log_tail()}")
                    time.sleep(0.2)

    def log_tail(self, lines: int = 30) -> str:
        path = self.workdir / "livekit.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def pids(self) -> list[int]:
        return [p.popen.pid for p in (self.server, self.redis) if p is not None and p.alive()]

    def stop_server(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM lets the server say goodbye; SIGKILL is a crash."""
        if self.server is not None:
            self.server.stop(sig)
            self.server = None

    def stop_redis(self) -> None:
        if self.redis is not None:
            self.redis.stop()
            self.redis = None

    def stop(self) -> None:
        self.stop_server()
        self.stop_redis()

    def flush(self) -> None:
        """Forget every rule and trunk (SIP objects live only in Redis)."""
        subprocess.run([shutil.which("redis-cli") or "redis-cli", "-p", str(self.redis_port), "FLUSHALL"],
                       check=True, capture_output=True)

    def __enter__(self) -> "LocalLiveKit":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _wait_for_port(port: int, process: _Process, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.argv[0]} exited; see {process.log_path}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{process.argv[0]} did not listen on {port} within {timeout}s")
