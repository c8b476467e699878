"""Where an inbound call goes: the decision livekit-server's `EvaluateSIPDispatchRules` takes.

Written from LiveKit's documented behaviour and settled case by case against a real server
(tests/server/test_routing_oracle.py asks it through the routing oracle). Notable observed facts:

- Trunks compare numbers loosely (as written, or with formatting stripped and a "+" added);
  a rule's `numbers` and `inbound_numbers` compare exactly as written.
- A call that names a trunk (`trunk_id`, from the SIP authentication step) is checked against
  that trunk alone when it exists; if it does not serve the call, no trunk is matched.
- Without a matching trunk only rules with no `trunk_ids` can take the call.
- A call without a calling number (an anonymous caller) is routed like any other, but ends the
  server's process when it lands on a rule that hides the number.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Union

from google.protobuf import json_format
from livekit.protocol import room as room_pb
from livekit.protocol import sip as sip_pb

from .._model.secrets import SECRET_MARK, replace_credentials
from ._conflicts import first_rule_conflict
from ._numbers import same_number
from ._objects import (
    CALLEE,
    DIRECT,
    INDIVIDUAL,
    RuleLike,
    TrunkLike,
    as_rules,
    as_trunks,
    precedence,
    rule_kind,
    rule_pin,
    rule_room,
    server_order,
)

RANDOM = "{random}"  # where the server puts a fresh random suffix in a room name
# The calling number in a room name pattern: in full, or its last 4 digits when the rule hides it.
CALLER, CALLER_LAST_4 = "{caller}", "{caller-last-4}"

ACCEPT, REQUEST_PIN, DROP = "ACCEPT", "REQUEST_PIN", "DROP"
# livekit-server v1.13.5 takes the last digits of a hidden number without checking there are any: a call
# with no calling number that lands on such a rule (its PIN asked or not) ends the server's process.
HIDDEN_ANONYMOUS_CALLER = ("the call has no calling number and the rule hides the number (hide_phone_number): "
                           "livekit-server fails on such a call, its process ends and the call gets no answer")
DISABLE = sip_pb.SIPMediaEncryption.SIP_MEDIA_ENCRYPT_DISABLE  # media encryption's zero value


@dataclass(frozen=True)
class Call:
    """An inbound call as LiveKit's SIP bridge describes it to the server."""

    from_number: str
    to_number: str
    from_host: str = ""
    to_host: str = ""
    src_address: str = ""
    trunk_id: str = ""  # the trunk the SIP authentication step chose, if any
    pin: str = ""
    no_pin: bool = False  # the caller declined to enter a PIN
    extra_attributes: Mapping[str, str] = field(default_factory=dict)
    call_id: str = ""


@dataclass(frozen=True)
class RoutingError:
    code: str  # the server's error code: invalid_argument, failed_precondition, ...
    message: str


@dataclass(frozen=True)
class Decision:
    """The server's answer. `error` is set instead of `result` when it would answer an error."""

    result: str = ""
    trunk_id: str = ""
    rule_id: str = ""
    room_name: str = ""
    participant_identity: str = ""
    participant_name: str = ""
    participant_metadata: str = ""
    participant_attributes: Mapping[str, str] = field(default_factory=dict)
    room_config: Mapping[str, Any] = field(default_factory=dict)
    error: Optional[RoutingError] = None
    media: Optional[sip_pb.SIPMediaConfig] = field(default=None, compare=False, repr=False)
    trunk: Optional[sip_pb.SIPInboundTrunkInfo] = field(default=None, compare=False, repr=False)
    rule: Optional[sip_pb.SIPDispatchRuleInfo] = field(default=None, compare=False, repr=False)

    @property
    def media_encryption(self) -> str:
        """The call's media encryption as the server names it, "" for DISABLE (the server's answer leaves it
        out) or when no rule took the call."""
        if self.media is None or self.media.encryption == DISABLE:
            return ""
        return sip_pb.SIPMediaEncryption.Name(self.media.encryption)

    def to_json(self) -> dict[str, Any]:
        """The fields of `EvaluateSIPDispatchRulesResponse` under their protobuf JSON names, unset ones
        left out (as protobuf JSON does), plus `error` when the server would answer an error. Unlike the
        server's, it is printed: a credential in `roomConfig` (an egress's upload keys) reads `[secret]`."""
        if self.error is not None:
            return {"error": {"code": self.error.code, "message": self.error.message}}
        named = {
            "result": self.result, "sipTrunkId": self.trunk_id, "sipDispatchRuleId": self.rule_id,
            "roomName": self.room_name, "participantIdentity": self.participant_identity,
            "participantName": self.participant_name, "participantMetadata": self.participant_metadata,
            "participantAttributes": dict(self.participant_attributes),
        }
        answer = {k: v for k, v in named.items() if v}
        if self.result == REQUEST_PIN:
            answer["requestPin"] = True
        if self.media is not None:  # an empty message is still written, as `{}`
            answer["media"] = json_format.MessageToDict(self.media)
        if self.media_encryption:
            answer["mediaEncryption"] = self.media_encryption
        if self.result != ACCEPT:
            return answer
        if self.rule is not None and self.rule.HasField("room_config"):
            answer["roomConfig"] = replace_credentials(room_pb.RoomConfiguration.DESCRIPTOR, self.room_config,
                                                       lambda _path, _credential: SECRET_MARK)
        if self.rule is not None and self.rule.room_preset:
            answer["roomPreset"] = self.rule.room_preset
        if self.trunk is not None:  # what the trunk hands the call, under the same JSON names
            trunk = json_format.MessageToDict(self.trunk)
            answer.update({k: trunk[k] for k in _FROM_TRUNK if k in trunk})
        if any(o is not None and o.krisp_enabled for o in (self.trunk, self.rule)):
            answer["enabledFeatures"] = ["KRISP_ENABLED"]
        return answer


# The inbound trunk's fields an accepted call's answer carries, as LiveKit's EvaluateSIPDispatchRules fills them.
_FROM_TRUNK = ("headers", "headersToAttributes", "attributesToHeaders", "includeHeaders", "ringingTimeout",
               "maxCallDuration")


def call_media(trunk: Optional[sip_pb.SIPInboundTrunkInfo], rule: sip_pb.SIPDispatchRuleInfo) -> sip_pb.SIPMediaConfig:
    """The media settings the server gives a call the rule takes on the trunk (None: no trunk matched):
    the rule's over the trunk's, field by field. A rule's DISABLE encryption yields to the trunk's; a rule
    without codecs takes the trunk's codecs and `only_listed_codecs` both."""
    media = _with_legacy_encryption(rule)
    if trunk is None:
        return media
    base = _with_legacy_encryption(trunk)
    if base.HasField("encryption") and (not media.HasField("encryption") or media.encryption == DISABLE):
        media.encryption = base.encryption
    if not media.HasField("media_timeout") and base.HasField("media_timeout"):
        media.media_timeout.CopyFrom(base.media_timeout)
    if not media.codecs:
        media.only_listed_codecs = base.only_listed_codecs
        media.codecs.extend(base.codecs)
    return media


def _with_legacy_encryption(settings: Union[sip_pb.SIPInboundTrunkInfo, sip_pb.SIPDispatchRuleInfo]
                            ) -> sip_pb.SIPMediaConfig:
    """A trunk's or rule's `media`, with its deprecated `media_encryption` when `media` sets none."""
    media = sip_pb.SIPMediaConfig()
    media.CopyFrom(settings.media)
    if not media.HasField("encryption") and settings.media_encryption != DISABLE:
        media.encryption = settings.media_encryption
    return media


def match_trunk(trunks: Iterable[TrunkLike], call: Call) -> tuple[Optional[sip_pb.SIPInboundTrunkInfo], Optional[RoutingError]]:
    """The inbound trunk that takes the call, or None; an error when several would."""
    trunks = as_trunks(trunks)
    if call.trunk_id:
        named = [t for t in trunks if t.sip_trunk_id == call.trunk_id]
        if named:
            return _match_trunk(named, call)
    return _match_trunk(server_order(trunks, "sip_trunk_id"), call)


def _match_trunk(trunks: list[sip_pb.SIPInboundTrunkInfo], call: Call):
    specific: Optional[sip_pb.SIPInboundTrunkInfo] = None
    defaults: list[sip_pb.SIPInboundTrunkInfo] = []
    for trunk in trunks:
        if not caller_allowed(trunk, call.from_number) or not source_allowed(trunk, call.src_address, call.from_host):
            continue
        if not trunk.numbers:
            defaults.append(trunk)
        elif any(same_number(n, call.to_number) for n in trunk.numbers):
            if specific is not None:
                return None, RoutingError("failed_precondition", f"Multiple SIP Trunks matched for {_quote(call.to_number)}")
            specific = trunk
    if specific is not None:
        return specific, None
    if len(defaults) > 1:
        return None, RoutingError("failed_precondition", f"Multiple default SIP Trunks matched for {_quote(call.to_number)}")
    return (defaults[0] if defaults else None), None


def caller_allowed(trunk: sip_pb.SIPInboundTrunkInfo, from_number: str) -> bool:
    return not trunk.allowed_numbers or any(same_number(from_number, n) for n in trunk.allowed_numbers)


_NOT_AN_ADDRESS = tuple("()+*;, \t\n\r")


def source_allowed(trunk: sip_pb.SIPInboundTrunkInfo, src_address: str, from_host: str) -> bool:
    """Whether `allowed_addresses` admits the source. Entries that cannot be an address, host or
    network are ignored; a source that is not an IP address (or none at all) passes."""
    source = _parse_ip(src_address)
    if source is None:
        return True
    masks = [m for m in trunk.allowed_addresses if not any(c in m for c in _NOT_AN_ADDRESS) and "://" not in m]
    return not masks or any(mask == from_host or _in_mask(source, mask) for mask in masks)


def _parse_ip(text: str):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _in_mask(source, mask: str) -> bool:
    try:
        if "/" in mask:
            return source in ipaddress.ip_network(mask, strict=False)
        return source == ipaddress.ip_address(mask)
    except ValueError:
        return False


def select_rule(trunk: Optional[sip_pb.SIPInboundTrunkInfo], rules: Iterable[RuleLike], call: Call) -> tuple[Optional[sip_pb.SIPDispatchRuleInfo], Optional[RoutingError]]:
    """The dispatch rule that takes the call on `trunk` (None: no trunk matched), or None."""
    trunk_id = trunk.sip_trunk_id if trunk is not None else ""
    candidates = [r for r in server_order(as_rules(rules), "sip_dispatch_rule_id")
                  if not r.trunk_ids or (trunk_id and trunk_id in r.trunk_ids)]
    conflict = first_rule_conflict(candidates)
    if conflict is not None:
        first = conflict.first
        return None, RoutingError(
            "invalid_argument",
            "Dispatch rule for the same trunk, inbound number, number, and PIN combination already exists in "
            f"dispatch rule {_quote(first.sip_dispatch_rule_id or '<new>')} {_quote(first.name or '<blank name>')}")
    specific: Optional[sip_pb.SIPDispatchRuleInfo] = None
    wildcard: Optional[sip_pb.SIPDispatchRuleInfo] = None
    for rule in candidates:
        if not rule_accepts(rule, call):
            continue
        if not rule.trunk_ids:
            wildcard = rule if wildcard is None or precedence(rule) < precedence(wildcard) else wildcard
        else:
            specific = rule if specific is None or precedence(rule) < precedence(specific) else specific
    return specific or wildcard, None


def rule_accepts(rule: sip_pb.SIPDispatchRuleInfo, call: Call) -> bool:
    """Whether the rule's filters and PIN let the call through (its trunks aside)."""
    if rule.inbound_numbers and call.from_number not in rule.inbound_numbers:
        return False
    if rule.numbers and call.to_number not in rule.numbers:
        return False
    if not rule_kind(rule):
        return False
    pin = rule_pin(rule)
    if call.no_pin:
        return not pin
    if call.pin:
        # A caller who entered a PIN is never sent to an open rule.
        return pin == call.pin
    return True


def evaluate(trunks: Iterable[TrunkLike], rules: Iterable[RuleLike], call: Call) -> Decision:
    """The server's decision for `call`, given every inbound trunk and dispatch rule of the project."""
    if call.src_address and _parse_ip(call.src_address) is None:
        return Decision(error=RoutingError("invalid_argument", f"source address {call.src_address!r} is not an IP address"))
    trunk, error = match_trunk(trunks, call)
    if error is not None:
        return Decision(error=error)
    rule, error = select_rule(trunk, rules, call)
    if error is not None:
        return Decision(error=error)
    trunk_id = trunk.sip_trunk_id if trunk is not None else ""
    if rule is None:
        return Decision(result=DROP, trunk_id=trunk_id, trunk=trunk)
    if rule.hide_phone_number and not call.from_number:
        return Decision(error=RoutingError("internal", HIDDEN_ANONYMOUS_CALLER))
    if rule_pin(rule) and not call.pin:
        return Decision(result=REQUEST_PIN, trunk_id=trunk_id, rule_id=rule.sip_dispatch_rule_id,
                        media=call_media(trunk, rule), trunk=trunk, rule=rule)
    identity, name, shown_number = _participant(rule, call.from_number)
    attributes = {**rule.attributes, **call.extra_attributes,
                  "sip.callID": call.call_id,
                  # The trunk the call named, when none matched.
                  "sip.trunkID": trunk_id or call.trunk_id}
    if not rule.hide_phone_number:
        attributes.update({"sip.phoneNumber": call.from_number, "sip.hostname": call.from_host,
                           "sip.trunkPhoneNumber": call.to_number})
    attributes["sip.ruleID"] = rule.sip_dispatch_rule_id
    return Decision(
        result=ACCEPT, trunk_id=trunk_id, rule_id=rule.sip_dispatch_rule_id,
        room_name=room_name(rule, shown_number, call.to_number),
        participant_identity=identity, participant_name=name, participant_metadata=rule.metadata,
        participant_attributes=attributes,
        room_config=json_format.MessageToDict(rule.room_config),
        media=call_media(trunk, rule), trunk=trunk, rule=rule,
    )


def _participant(rule: sip_pb.SIPDispatchRuleInfo, from_number: str) -> tuple[str, str, str]:
    """(identity, name, number as shown) of the caller; a hidden number shows its last digits only."""
    if not rule.hide_phone_number:
        return f"sip_{from_number}", f"Phone {from_number}", from_number
    raw = from_number.encode()
    digest = hashlib.sha256(raw).hexdigest()[:16]
    shown = raw[-(4 if len(raw) > 4 else 1):].decode(errors="replace")
    return f"sip_{digest}", f"Phone {shown}", shown


def room_pattern(rule: sip_pb.SIPDispatchRuleInfo, to_number: str) -> str:
    """The room a rule puts any caller in, the calling number written `{caller}` (or `{caller-last-4}`)."""
    return room_name(rule, CALLER_LAST_4 if rule.hide_phone_number else CALLER, to_number)


def room_name(rule: sip_pb.SIPDispatchRuleInfo, from_number: str, to_number: str) -> str:
    """The room a rule puts the call in, the server's random suffix written as `{random}`."""
    kind = rule_kind(rule)
    if kind == DIRECT:
        return rule.rule.dispatch_rule_direct.room_name
    prefix = rule_room(rule)
    number = from_number if kind == INDIVIDUAL else to_number
    name = f"{prefix}_{number}" if prefix else number
    randomized = (not rule.rule.dispatch_rule_individual.no_randomness if kind == INDIVIDUAL
                  else kind == CALLEE and rule.rule.dispatch_rule_callee.randomize)
    return f"{name}_{RANDOM}" if randomized else name


def _quote(text: str) -> str:
    """Go's %q for the plain text of phone numbers and IDs."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
