"""A test agent worker: registers with a LiveKit server under an agent name and records every job it gets.

Runs in its own virtualenv (scripts/build-agent-worker), never imported by the package:

    worker.py --agent-name NAME --port PORT --record FILE     # LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET

FILE gets one JSON object per line: `{"event": "registered", ...}` once the server has accepted the worker,
then `{"event": "job", ...}` for each job, after the agent has joined the room and seen the first
participant that is not an agent (the caller): the room, the job's agent name and metadata, and that
participant's identity, name, kind, metadata and attributes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import threading
import time

from livekit import rtc
from livekit.agents import AgentServer, AutoSubscribe, JobContext, JobExecutorType

_record_lock = threading.Lock()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agent-name", required=True)
    parser.add_argument("--port", type=int, required=True,
                        help="the worker's HTTP health port (the framework's default, 8081, may be taken)")
    parser.add_argument("--record", required=True, help="file the worker appends its events to")
    args = parser.parse_args()

    def record(event: str, **fields) -> None:
        line = json.dumps({"event": event, "at": time.time(), **fields}) + "\n"
        with _record_lock, open(args.record, "a", encoding="utf-8") as f:
            f.write(line)

    server = AgentServer(
        # Jobs run as threads of this process: a test waits for the agent, not for a process pool to warm up.
        job_executor_type=JobExecutorType.THREAD,
        num_idle_processes=0,
        # The test machine's CPU load must not make the worker refuse jobs.
        load_fnc=lambda: 0.0,
        host="127.0.0.1",
        port=args.port,
    )

    @server.rtc_session(agent_name=args.agent_name)
    async def entrypoint(ctx: JobContext) -> None:
        await ctx.connect(auto_subscribe=AutoSubscribe.SUBSCRIBE_NONE)
        caller = await ctx.wait_for_participant()
        record("job", agent_name=ctx.job.agent_name, room=ctx.room.name, job_metadata=ctx.job.metadata,
               agent_identity=ctx.room.local_participant.identity,
               participant={"identity": caller.identity, "name": caller.name, "metadata": caller.metadata,
                            "kind": rtc.ParticipantKind.Name(caller.kind),
                            "attributes": dict(caller.attributes)})

    server.on("worker_registered", lambda worker_id, _info: record("registered", worker_id=worker_id,
                                                                   agent_name=args.agent_name))

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(server.aclose()))
        await server.run(devmode=False)

    asyncio.run(serve())


if __name__ == "__main__":
    main()
