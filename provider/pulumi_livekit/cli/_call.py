"""`livekit-routes call`: a test call that proves a rule brings the caller and its agents into one room.

No SIP is involved. The routing model takes the decision LiveKit's SIP service would take for the call
(from the project's trunks and rules, read from the server); the room is then made as that service
makes it: its name, the rule's room configuration and the agents it dispatches, which makes
livekit-server hand each agent's job to a worker registered under that agent name. A participant
joins as the caller would — same identity, name, metadata, attributes, and participant kind SIP —
through LiveKit's real-time SDK (the optional extra `pulumi-livekit[call]`). The command waits for
each dispatched agent to join, reports how long each took, and deletes the room, which it made
itself (it refuses a room that exists already: that one is someone else's).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import secrets
import string
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Optional, TextIO

from google.protobuf import json_format
from livekit.protocol import room as room_pb

from .._api.auth import access_token
from .._api.endpoint import Endpoint
from .._api.rooms import RoomClient
from .._exceptions import ValidationError
from ..routing import ACCEPT, DROP, RANDOM, REQUEST_PIN, Call, Decision, evaluate
from . import _sources

INSTALL_HINT = "pip install 'pulumi-livekit[call]'"
# The attribute agent workers (livekit-agents) join with: the agent name their job was dispatched to.
AGENT_NAME_ATTRIBUTE = "lk.agent.name"
# What LiveKit's SIP service sets on a caller once the call is answered; agents commonly wait for it.
CALL_STATUS_ATTRIBUTE, CALL_ACTIVE = "sip.callStatus", "active"
# The caller's token outlives any wait this command allows.
CALLER_TOKEN_TTL_SECONDS = 3600
_ALPHANUMERIC = string.ascii_letters + string.digits


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=30.0, metavar="S",
                        help="seconds to wait for the agents to join (default 30)")
    parser.add_argument("--keep", action="store_true",
                        help="leave the room for a person to join instead of deleting it")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")


@dataclass
class AgentArrival:
    """One agent the rule dispatches, and whether (and when) it joined the call's room."""

    agent_name: str
    metadata: str
    identity: str = ""
    seconds: Optional[float] = None  # from the room's creation to the agent's joining it, by the server's clock

    @property
    def joined(self) -> bool:
        return self.seconds is not None


@dataclass
class CallOutcome:
    call: Call
    decision: Decision
    room_name: str = ""
    room_made: bool = False  # this call made the room (only then may it delete it)
    room_kept: bool = False
    problem: str = ""  # why the call did not reach its agents, when it was not for a missing agent
    agents: list[AgentArrival] = field(default_factory=list)
    timeout: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problem and self.decision.result == ACCEPT and all(a.joined for a in self.agents)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "decision": self.decision.to_json(), "room": self.room_name,
                "roomMade": self.room_made, "roomKept": self.room_kept, "problem": self.problem,
                "agents": [{"agentName": a.agent_name, "metadata": a.metadata, "joined": a.joined,
                            "identity": a.identity, "seconds": a.seconds} for a in self.agents],
                "timeoutSeconds": self.timeout}


def check_arguments(args: argparse.Namespace) -> None:
    """Before any API call: a ValueError naming what is wrong."""
    if not args.timeout > 0:
        raise ValueError(f"--timeout must be a positive number of seconds, got {args.timeout:g}")
    realtime_sdk()


def place(args: argparse.Namespace, call: Call, environ, stdout: TextIO) -> bool:
    """Place the test call, print its outcome; True when every dispatched agent joined."""
    rtc = realtime_sdk()
    endpoint = _sources.server_endpoint(args.url, args.api_key, args.api_secret, environ)
    trunks, rules = _sources.read_server(endpoint)
    call = dataclasses.replace(call, call_id=call.call_id or "SCL_" + _random_text(12))
    outcome = CallOutcome(call, evaluate(trunks, rules, call), timeout=args.timeout)
    if outcome.decision.result == ACCEPT:
        _connect(rtc, endpoint, outcome, keep=args.keep)
    stdout.write(json.dumps(outcome.to_json(), indent=2) + "\n" if args.json else format_outcome(outcome))
    return outcome.ok


def realtime_sdk():
    """LiveKit's real-time SDK (`livekit.rtc`), an optional dependency of this package."""
    try:
        import livekit.rtc as rtc
    except ImportError as exc:
        raise ValueError(f"`livekit-routes call` joins the room through LiveKit's real-time SDK, which is not "
                         f"installed: {INSTALL_HINT}") from exc
    return rtc


def realtime_sdk_loaded() -> bool:
    return "livekit.rtc" in sys.modules


def _connect(rtc, endpoint: Endpoint, outcome: CallOutcome, *, keep: bool) -> None:
    """Make the decision's room, join it as the caller and wait for its agents; then remove the room."""
    rule = outcome.decision.rule
    outcome.agents = [AgentArrival(a.agent_name, a.metadata) for a in rule.room_config.agents]
    outcome.room_name = outcome.decision.room_name.replace(RANDOM, _random_text(12))
    request = _room_request(outcome.room_name, rule)
    with RoomClient(endpoint) as rooms:
        if rooms.find_room(outcome.room_name) is not None:
            outcome.problem = (f"room {outcome.room_name!r} exists already (a call in progress?): a call would join "
                               "it and dispatch no agent anew; it was left untouched")
            return
        started = time.monotonic()
        created = rooms.create_room(request)
        outcome.room_made = True
        try:
            asyncio.run(_join_and_wait(rtc, endpoint, outcome, started, created.creation_time_ms))
        finally:
            if keep:
                outcome.room_kept = True
            else:
                rooms.delete_room(outcome.room_name)


def _room_request(name: str, rule) -> room_pb.CreateRoomRequest:
    """The room as the SIP service has it made: the rule's room preset and configuration under the call's
    room name. The configuration's fields are CreateRoom's, under the same names."""
    fields = json_format.MessageToDict(rule.room_config)
    fields.pop("name", None)
    try:
        request = json_format.ParseDict(fields, room_pb.CreateRoomRequest())
    except json_format.ParseError as exc:
        raise ValidationError("room_config", f"cannot be given to a room through CreateRoom: {exc}") from exc
    request.name, request.room_preset = name, rule.room_preset
    return request


async def _join_and_wait(rtc, endpoint: Endpoint, outcome: CallOutcome, started: float, created_ms: int) -> None:
    """`started`: when the room was asked for (this machine's monotonic clock), `created_ms`: when the server
    made it (its clock), against which an agent's joining time counts: the server tells the caller about a
    participant that publishes nothing only every few seconds (a test agent publishes nothing)."""
    room = rtc.Room()
    settled = asyncio.Event()
    leaving = False

    def arrived(participant) -> None:
        if participant.kind != rtc.ParticipantKind.PARTICIPANT_KIND_AGENT:
            return
        if any(a.identity == participant.identity for a in outcome.agents):
            return
        name = participant.attributes.get(AGENT_NAME_ATTRIBUTE, "")
        waiting = next((a for a in outcome.agents if not a.joined and a.agent_name == name), None)
        if waiting is not None:
            waiting.identity, waiting.seconds = participant.identity, _joined_after(participant, created_ms, started)
        if all(a.joined for a in outcome.agents):
            settled.set()

    def disconnected(reason) -> None:
        if not leaving:
            outcome.problem = f"the call was dropped: the server disconnected the caller ({_reason_name(rtc, reason)})"
            settled.set()

    room.on("participant_connected", arrived)
    # An agent's name may reach the room after the agent does.
    room.on("participant_attributes_changed", lambda _changed, participant: arrived(participant))
    room.on("disconnected", disconnected)
    try:
        # The SDK retries a join for long: the call's timeout bounds it too.
        await asyncio.wait_for(room.connect(_realtime_url(endpoint), _caller_token(endpoint, outcome),
                                            rtc.RoomOptions(auto_subscribe=False)), _left(started, outcome))
    except (rtc.ConnectError, asyncio.TimeoutError) as exc:
        outcome.problem = f"the caller could not join the room within {outcome.timeout:g} s: {exc or 'no answer'}"
        await room.disconnect()
        return
    try:
        for participant in list(room.remote_participants.values()):
            arrived(participant)
        if all(a.joined for a in outcome.agents):
            settled.set()
        try:
            await asyncio.wait_for(settled.wait(), _left(started, outcome))
        except asyncio.TimeoutError:
            pass
    finally:
        leaving = True
        await room.disconnect()


def _left(started: float, outcome: CallOutcome) -> float:
    return max(0.0, started + outcome.timeout - time.monotonic())


def _joined_after(participant, created_ms: int, started: float) -> float:
    joined = participant.joined_at
    if joined is None or not created_ms:  # a server that does not stamp them: when the caller heard of it
        return round(time.monotonic() - started, 3)
    return round(max(0.0, joined.timestamp() - created_ms / 1000), 3)


def _caller_token(endpoint: Endpoint, outcome: CallOutcome) -> str:
    """The token LiveKit's SIP service gives the caller's participant."""
    decision = outcome.decision
    return access_token(endpoint.api_key, endpoint.api_secret, {
        "sub": decision.participant_identity,
        "name": decision.participant_name,
        "metadata": decision.participant_metadata,
        "attributes": {**decision.participant_attributes, CALL_STATUS_ATTRIBUTE: CALL_ACTIVE},
        "kind": "sip",
        "video": {"roomJoin": True, "room": outcome.room_name, "canPublish": True, "canSubscribe": True,
                  "canPublishData": True, "canUpdateOwnMetadata": True},
    }, ttl=CALLER_TOKEN_TTL_SECONDS)


def _realtime_url(endpoint: Endpoint) -> str:
    scheme, sep, rest = endpoint.url.strip().partition("://")
    return {"http": "ws", "https": "wss"}.get(scheme.lower(), scheme.lower()) + sep + rest


def _reason_name(rtc, reason) -> str:
    try:
        return rtc.DisconnectReason.Name(reason)
    except (AttributeError, ValueError):
        return str(reason)


def _random_text(length: int) -> str:
    return "".join(secrets.choice(_ALPHANUMERIC) for _ in range(length))


# ---- human output ------------------------------------------------------------------------

def format_outcome(outcome: CallOutcome) -> str:
    decision, call = outcome.decision, outcome.call
    lines = [f"call      {call.from_number} -> {call.to_number}"]
    if decision.error is not None:
        lines.append(f"refused   by the server ({decision.error.code}): {decision.error.message}; no room made")
        return "\n".join(lines) + "\n"
    lines.append(f"trunk     {decision.trunk_id or '(none matched)'}")
    rule_name = f" ({decision.rule.name})" if decision.rule is not None and decision.rule.name else ""
    lines.append(f"rule      {decision.rule_id or '(none matched)'}{rule_name}")
    if decision.result == DROP:
        lines.append("result    DROPPED: no dispatch rule takes this call; no room made")
    elif decision.result == REQUEST_PIN:
        lines.append("result    PIN REQUIRED: the rule asks the caller for a PIN (pass --pin); no room made")
    else:
        lines.append(f"room      {outcome.room_name or decision.room_name}" + _room_fate(outcome))
        lines.append(f"caller    {decision.participant_identity} ({decision.participant_name})")
        if not outcome.agents and not outcome.problem:
            lines.append("agents    the rule dispatches none")
        for agent in outcome.agents:
            fate = (f"joined after {agent.seconds:.2f} s" if agent.joined
                    else f"NOT JOINED within {outcome.timeout:g} s (is a worker registered as {agent.agent_name!r}?)")
            lines.append(f"agent     {agent.agent_name or '(default agent)'}: {fate}")
        if outcome.problem:
            lines.append(f"problem   {outcome.problem}")
    return "\n".join(lines) + "\n"


def _room_fate(outcome: CallOutcome) -> str:
    if not outcome.room_made:
        return ""
    return " (made by this call; kept)" if outcome.room_kept else " (made by this call; deleted)"
