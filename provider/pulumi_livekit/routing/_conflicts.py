"""Objects LiveKit refuses to store side by side: conflicts found at create."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Union

from livekit.protocol import sip as sip_pb

from ._numbers import normalize_number
from ._objects import RuleLike, TrunkLike, as_rules, as_trunks, rule_pin


@dataclass(frozen=True)
class Conflict:
    """`second` cannot be created while `first` exists (or the other way round): both claim `key`."""

    kind: str  # "inbound_trunk" or "dispatch_rule"
    first: Union[sip_pb.SIPInboundTrunkInfo, sip_pb.SIPDispatchRuleInfo]
    second: Union[sip_pb.SIPInboundTrunkInfo, sip_pb.SIPDispatchRuleInfo]
    reason: str


def _trunk_keys(trunk: sip_pb.SIPInboundTrunkInfo) -> Iterator[tuple[tuple[str, str], str]]:
    """(called number, calling number) pairs the trunk claims; "" stands for any."""
    called = sorted({normalize_number(n) for n in trunk.numbers}) or [""]
    calling = sorted({normalize_number(n) for n in trunk.allowed_numbers}) or [""]
    for number in called:
        for caller in calling:
            served = f"number {number}" if number else "any number"
            source = f"calls from {caller}" if caller else "calls from anyone (no allowed_numbers)"
            yield (number, caller), f"both serve {served} for {source}"


def rule_claims(rule: sip_pb.SIPDispatchRuleInfo) -> Iterator[tuple[tuple[str, str, str, str], str]]:
    """What the rule claims, as the server's conflict check sees it: (PIN, trunk, calling number,
    called number) keys, "" standing for any, each with how two rules claiming it read in a message.
    Two rules that claim a key in common cannot be stored side by side."""
    pin = rule_pin(rule)
    # Not deduplicated: LiveKit refuses a rule that names the same trunk or number twice (even as
    # "+1555..." and "1555..."), as a conflict with itself.
    for trunk in list(rule.trunk_ids) or [""]:
        for caller in [normalize_number(n) for n in rule.inbound_numbers] or [""]:
            for called in [normalize_number(n) for n in rule.numbers] or [""]:
                reason = (f"both take calls on {('trunk ' + trunk) if trunk else 'any trunk'}"
                          f" from {caller or 'anyone'} to {called or 'any number'}"
                          f" {'with the same PIN' if pin else 'without a PIN'}")
                yield (pin, trunk, caller, called), reason


def trunk_conflicts(trunks: Iterable[TrunkLike]) -> list[Conflict]:
    return _conflicts("inbound_trunk", as_trunks(trunks), _trunk_keys, "sip_trunk_id")


def rule_conflicts(rules: Iterable[RuleLike]) -> list[Conflict]:
    return _conflicts("dispatch_rule", as_rules(rules), rule_claims, "sip_dispatch_rule_id")


def first_rule_conflict(rules: list[sip_pb.SIPDispatchRuleInfo]) -> Optional[Conflict]:
    found = _conflicts("dispatch_rule", rules, rule_claims, "sip_dispatch_rule_id", stop_at_first=True)
    return found[0] if found else None


def _conflicts(kind, items, keys, id_field, stop_at_first=False) -> list[Conflict]:
    claimed: dict = {}
    found: list[Conflict] = []
    for item in items:
        reported: set[int] = set()
        own_keys: set = set()
        for key, reason in keys(item):
            holder = claimed.setdefault(key, item)
            if holder is item and key not in own_keys:
                own_keys.add(key)
                continue
            # Another version of the same object (an update) does not conflict with itself.
            if holder is not item and getattr(item, id_field) and getattr(holder, id_field) == getattr(item, id_field):
                continue
            if id(holder) not in reported:  # one conflict per pair, however many keys they share
                reported.add(id(holder))
                found.append(Conflict(kind, holder, item, reason))
                if stop_at_first:
                    return found
    return found
