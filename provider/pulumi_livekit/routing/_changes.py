"""What a change to trunks and rules does to calls: the server's decision for the same calls,
before and after.

The calls probed are every pair of a calling number and a called number that any trunk or rule,
before or after, names, plus a caller and a called number that none names (`ANYONE`,
`ANY_OTHER_NUMBER`). Calls carry no PIN and no source address: a PIN rule answers "asks for a PIN",
and every `allowed_addresses` lets them through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from livekit.protocol import sip as sip_pb

from ._evaluate import CALLER, REQUEST_PIN, Call, Decision, evaluate, room_pattern
from ._objects import RuleLike, TrunkLike, as_rules, as_trunks

# Written as numbers no trunk or rule can name: the model matches them against nothing, and a room
# name built from them reads as a pattern.
ANYONE = CALLER
ANY_OTHER_NUMBER = "{called}"
REFUSED = "REFUSED"  # a route's result when the server would answer the call with an error


@dataclass(frozen=True)
class CallRoute:
    """Where one call goes, as a reviewer compares it: the parts of the decision a change can move."""

    result: str  # ACCEPT, REQUEST_PIN, DROP or REFUSED
    trunk_id: str = ""
    rule_id: str = ""
    room: str = ""  # a room_pattern
    agents: tuple[str, ...] = ()
    error: str = ""

    @property
    def pin_required(self) -> bool:
        return self.result == REQUEST_PIN


@dataclass(frozen=True)
class CallChange:
    call: Call
    before: CallRoute
    after: CallRoute

    @property
    def changed(self) -> bool:
        return self.before != self.after


def route_of(decision: Decision, call: Call) -> CallRoute:
    if decision.error is not None:
        return CallRoute(REFUSED, error=decision.error.message)
    rule = decision.rule
    if rule is None:
        return CallRoute(decision.result, decision.trunk_id)
    # As a pattern in the calling number, so calls that differ only in it compare equal. For a PIN rule:
    # the room the call joins once the PIN is right.
    room = room_pattern(rule, call.to_number)
    agents = tuple(a.agent_name or "(default agent)" for a in rule.room_config.agents)
    return CallRoute(decision.result, decision.trunk_id, decision.rule_id, room, agents)


def probe_calls(*projects: tuple[list[sip_pb.SIPInboundTrunkInfo], list[sip_pb.SIPDispatchRuleInfo]]) -> list[Call]:
    callers, called = [ANYONE], []
    for trunks, rules in projects:
        for trunk in trunks:
            called += trunk.numbers
            callers += trunk.allowed_numbers
        for rule in rules:
            called += rule.numbers
            callers += rule.inbound_numbers
    called.append(ANY_OTHER_NUMBER)
    return [Call(from_number=caller, to_number=number)
            for number in dict.fromkeys(called) for caller in dict.fromkeys(callers)]


def route_changes(before: tuple[Iterable[TrunkLike], Iterable[RuleLike]],
                  after: tuple[Iterable[TrunkLike], Iterable[RuleLike]],
                  calls: Optional[Iterable[Call]] = None) -> list[CallChange]:
    """The route of each call (by default `probe_calls` of both sides) before and after."""
    old = (as_trunks(before[0]), as_rules(before[1]))
    new = (as_trunks(after[0]), as_rules(after[1]))
    calls = probe_calls(old, new) if calls is None else list(calls)
    return [CallChange(call, route_of(evaluate(*old, call), call), route_of(evaluate(*new, call), call))
            for call in calls]
