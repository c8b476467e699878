"""The routing oracle: asks a running livekit-server how it routes described inbound calls.

Wraps the `routing-oracle` tool that `scripts/bootstrap` builds (source in tools/routing-oracle).
It speaks to the server over the same message bus (psrpc on Redis) as LiveKit's SIP bridge, so
the answers are the server's own `EvaluateSIPDispatchRules` / `GetSIPTrunkAuthentication`
decisions, with no SIP stack involved. One process answers a whole batch.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any, Iterable, Mapping

from ._tools import tool_path


def call_request(call: Any, *, op: str = "evaluate") -> dict[str, Any]:
    """The oracle's JSON line for a `pulumi_livekit.routing.Call` (or a dict already in that shape)."""
    if isinstance(call, Mapping):
        return {"op": op, **call}
    return {
        "op": op, "callId": call.call_id, "from": call.from_number, "fromHost": call.from_host,
        "to": call.to_number, "toHost": call.to_host, "srcAddress": call.src_address,
        "trunkId": call.trunk_id, "pin": call.pin, "noPin": call.no_pin,
        "extraAttributes": dict(call.extra_attributes),
    }


class RoutingOracleError(RuntimeError):
    pass


class RoutingOracle:
    """`evaluate(calls)` → one answer per call: {"response": {...}} or {"error": {"code", "message"}}.

    Each batch runs the tool once; inside `with oracle:` one process answers every batch, which
    saves its start (and its first connection to the bus) per batch."""

    def __init__(self, redis_address: str, *, timeout: float = 5.0) -> None:
        self.redis_address = redis_address
        self.timeout = timeout
        self._process: subprocess.Popen | None = None

    def _argv(self) -> list[str]:
        return [tool_path("routing-oracle"), "-redis", self.redis_address, "-timeout", f"{self.timeout}s"]

    def __enter__(self) -> "RoutingOracle":
        self._process = subprocess.Popen(self._argv(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True, bufsize=1)
        return self

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.stdin.close()
            process.wait(timeout=30)
            process.stdout.close()
            process.stderr.close()

    def ask(self, calls: Iterable[Any], *, op: str = "evaluate") -> list[dict[str, Any]]:
        lines = [json.dumps(call_request(call, op=op)) for call in calls]
        if not lines:
            return []
        if self._process is not None:
            return self._converse(self._process, lines)
        proc = subprocess.run(self._argv(), input="\n".join(lines) + "\n", capture_output=True, text=True,
                              timeout=30 + self.timeout * len(lines))
        answers = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
        if proc.returncode != 0 or len(answers) != len(lines):
            raise RoutingOracleError(f"routing-oracle exited {proc.returncode} after {len(answers)} of "
                                     f"{len(lines)} answers:\n{proc.stderr[-3000:]}")
        return answers

    @staticmethod
    def _converse(process: subprocess.Popen, lines: list[str]) -> list[dict[str, Any]]:
        answers = []
        for line in lines:  # one at a time: the tool answers each line before reading the next
            process.stdin.write(line + "\n")
            process.stdin.flush()
            answer = process.stdout.readline()
            if not answer:
                raise RoutingOracleError(f"routing-oracle exited {process.poll()}:\n{process.stderr.read()[-3000:]}")
            answers.append(json.loads(answer))
        return answers

    def evaluate(self, calls: Iterable[Any]) -> list[dict[str, Any]]:
        return self.ask(calls, op="evaluate")

    def evaluate_one(self, call: Any) -> dict[str, Any]:
        return self.evaluate([call])[0]

    def authenticate(self, calls: Iterable[Any]) -> list[dict[str, Any]]:
        return self.ask(calls, op="auth")

