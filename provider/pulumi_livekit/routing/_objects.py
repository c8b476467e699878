"""Trunks and dispatch rules as the model reads them: protobuf messages, from messages or canonical dicts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Iterable, Union

from google.protobuf import json_format
from google.protobuf.message import Message
from livekit.protocol import sip as sip_pb

from .._model.kinds import CALLEE, DIRECT, INDIVIDUAL

TrunkLike = Union[sip_pb.SIPInboundTrunkInfo, Mapping[str, Any]]
RuleLike = Union[sip_pb.SIPDispatchRuleInfo, Mapping[str, Any]]

KIND_NAMES = {DIRECT: "direct", INDIVIDUAL: "individual", CALLEE: "callee"}


def _as_message(value: Any, message_type: type[Message]) -> Message:
    if isinstance(value, message_type):
        return value
    if isinstance(value, Mapping):
        return json_format.ParseDict(value, message_type())
    raise TypeError(f"expected a {message_type.DESCRIPTOR.name} or a dict, got {type(value).__name__}")


def as_trunks(trunks: Iterable[TrunkLike]) -> list[sip_pb.SIPInboundTrunkInfo]:
    return [_as_message(t, sip_pb.SIPInboundTrunkInfo) for t in trunks]


def as_rules(rules: Iterable[RuleLike]) -> list[sip_pb.SIPDispatchRuleInfo]:
    return [_as_message(r, sip_pb.SIPDispatchRuleInfo) for r in rules]


def rule_kind(rule: sip_pb.SIPDispatchRuleInfo) -> str:
    """`dispatch_rule_direct`, `dispatch_rule_individual`, `dispatch_rule_callee`, or "" when unset."""
    return rule.rule.WhichOneof("rule") or ""


def rule_pin(rule: sip_pb.SIPDispatchRuleInfo) -> str:
    kind = rule_kind(rule)
    return getattr(rule.rule, kind).pin if kind else ""


def rule_room(rule: sip_pb.SIPDispatchRuleInfo) -> str:
    """The room name of a direct rule, the room prefix of the others."""
    kind = rule_kind(rule)
    if not kind:
        return ""
    body = getattr(rule.rule, kind)
    return body.room_name if kind == DIRECT else body.room_prefix


# Lower runs first. PIN-protected rules before open ones, then direct, individual, callee; a rule
# without `inbound_numbers` and one without `numbers` each fall behind by a thousand.
_KIND_RANK = {DIRECT: 0, INDIVIDUAL: 1, CALLEE: 2}
UNRANKED = 2**31 - 1


def rule_priority(rule: sip_pb.SIPDispatchRuleInfo) -> int:
    kind = rule_kind(rule)
    if not kind:
        return UNRANKED
    priority = _KIND_RANK[kind] + (0 if rule_pin(rule) else 100)
    priority += 0 if rule.inbound_numbers else 1000
    priority += 0 if rule.numbers else 1000
    return priority


def precedence(rule: sip_pb.SIPDispatchRuleInfo) -> tuple[int, str]:
    """The server prefers the rule with the lower precedence: priority, then room name or prefix; between
    equals, the one it saw first."""
    return rule_priority(rule), rule_room(rule)


def server_order(items: list, id_field: str) -> list:
    """LiveKit lists (and so tries) objects by ID; objects not created yet come last, as given."""
    return sorted(items, key=lambda item: (not getattr(item, id_field), getattr(item, id_field)))
