"""`make worker AGENT=NAME`: a test agent worker registered under NAME, in the foreground until Ctrl-C.

It serves the LiveKit that LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET name, or else the local
LiveKit of `make demo` (started if it is not running). It prints one line once the server has registered
it, then one per job: the room, the job's dispatch metadata and the caller. Its log and the jobs it
recorded are kept in the demo's state folder (DEMO_STATE_DIR, default .state), under agent-worker/.
"""

from __future__ import annotations

import os
import signal
import sys
import time

from local_livekit import STATE_DIR, env as local_env, up as local_up

from pulumi_livekit._core.connection import resolve_connection
from pulumi_livekit._exceptions import ConfigurationError
from pulumi_livekit.testing import AgentWorker, Credentials

USAGE = "usage: make worker AGENT=NAME   (NAME: the agent_name a dispatch rule's room_config dispatches)"


def credentials() -> Credentials:
    if not os.environ.get("LIVEKIT_URL"):
        local_up()
        environ = local_env()
    else:
        environ = os.environ
    endpoint = resolve_connection({}, lambda _key: None, environ)
    return Credentials(endpoint.url, endpoint.api_key, endpoint.api_secret)


def job_line(job: dict) -> str:
    caller = job["participant"]
    return (f"job       room {job['room']}, metadata {job['job_metadata']!r}, caller {caller['identity']} "
            f"({caller['name']})")


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].strip():
        print(USAGE, file=sys.stderr)
        return 2
    agent = argv[0].strip()
    try:
        server = credentials()
    except ConfigurationError as error:
        print(f"make worker: {error}", file=sys.stderr)
        return 2
    # Ctrl-C, or the end of a job control session: leave through the `with`, which stops the worker.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    worker = AgentWorker(server, agent, STATE_DIR / "agent-worker")
    try:
        with worker:
            print(f"agent     {agent}: registered with {server.url} as worker {worker.worker_id}; "
                  f"Ctrl-C stops it (log: {worker.log_path})", flush=True)
            shown = 0
            while True:
                jobs = worker.jobs()
                for job in jobs[shown:]:
                    print(job_line(job), flush=True)
                shown = len(jobs)
                time.sleep(0.2)
    except KeyboardInterrupt:
        print(f"agent     {agent}: stopped", flush=True)
    except (RuntimeError, FileNotFoundError) as error:
        print(f"make worker: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
