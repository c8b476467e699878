"""A test agent worker (tools/agent-worker/worker.py, on livekit-agents) registered with a LiveKit server.

The worker runs in its own virtualenv, which `scripts/build-agent-worker` makes and links as
`.tools/agent-worker`; it records the jobs it gets to a file this class reads:

    with AgentWorker(livekit.credentials, "support-agent", tmp_path) as worker:
        ...                                   # a call whose rule dispatches "support-agent"
        job = worker.wait_for_job(room="support_+15550001111_...")
        job["job_metadata"], job["participant"]["attributes"]
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Optional

from ._livekit import Credentials, _Process, free_port
from ._tools import REPO_ROOT, TOOLS_BIN

WORKER_SCRIPT = REPO_ROOT / "tools" / "agent-worker" / "worker.py"
WORKER_VIRTUALENV = TOOLS_BIN.parent / "agent-worker"


class AgentWorker:
    """One worker process serving one agent name; `start()` returns once the server has registered it."""

    def __init__(self, credentials: Credentials, agent_name: str, workdir: Path) -> None:
        self.credentials = credentials
        self.agent_name = agent_name
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.record_path = self.workdir / f"agent-{agent_name}.jsonl"
        self.log_path = self.workdir / f"agent-{agent_name}.log"
        # Its own port: the framework's default (8081) may be taken, by another worker of this test bed too.
        self.port = free_port()
        self.worker_id = ""
        self._process: Optional[_Process] = None

    def start(self, timeout: float = 60.0) -> "AgentWorker":
        python = WORKER_VIRTUALENV / "bin" / "python"
        if not python.exists():
            raise FileNotFoundError(f"the test agent worker's virtualenv is missing ({python}): run `make bootstrap` "
                                    "(scripts/build-agent-worker)")
        self.record_path.write_text("")
        env = {**os.environ, **self.credentials.env()}
        env.pop("PYTHONPATH", None)  # the worker's virtualenv, not this process's packages
        self._process = _Process([str(python), str(WORKER_SCRIPT), "--agent-name", self.agent_name,
                                  "--port", str(self.port), "--record", str(self.record_path)],
                                 self.log_path, env=env)
        deadline = time.monotonic() + timeout
        while not (registered := self._events("registered")):
            if not self._process.alive():
                raise RuntimeError(f"the test agent worker exited; see {self.log_path}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the test agent worker did not register within {timeout:g} s:\n{self.log_tail()}")
            time.sleep(0.1)
        self.worker_id = registered[0]["worker_id"]
        return self

    def jobs(self) -> list[dict[str, Any]]:
        """Every job the worker got so far: room, agent_name, job_metadata, agent_identity and the caller's
        participant (identity, name, kind, metadata, attributes)."""
        return self._events("job")

    def wait_for_job(self, *, room: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            found = [job for job in self.jobs() if job["room"] == room]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"agent {self.agent_name!r} got no job for room {room!r} within {timeout:g} s; "
                                     f"its jobs: {self.jobs()}")
            time.sleep(0.1)

    def _events(self, event: str) -> list[dict[str, Any]]:
        lines = self.record_path.read_text(encoding="utf-8").splitlines() if self.record_path.exists() else []
        # A line is written whole, but may be read while it is being written.
        return [record for record in map(_parse, lines) if record is not None and record["event"] == event]

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None

    def __enter__(self) -> "AgentWorker":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _parse(line: str) -> Optional[dict[str, Any]]:
    try:
        return json.loads(line)
    except ValueError:
        return None
