"""Random declarations of LiveKit's SIP objects, made from livekit-protocol's descriptors, for differential tests.

`Declarations(seed)` makes declarations of a dispatch rule, an inbound trunk or an outbound trunk in LiveKit's
JSON shape (camelCase, as a Pulumi YAML program, `lk` or the dashboard spell them):

- `valid(kind)`: any field of the message may appear, at any depth: nested messages, `oneof` choices (an empty
  one too), maps, enums, durations (in either spelling), lists; strings that look like numbers ("+15550100",
  "0042"), SIP users for numbers, text beyond ASCII. Every value is one LiveKit takes and means.
- `changed(kind, declaration)`: the next declaration of the same object: fields added, changed and removed (a
  whole message too), or a new declaration altogether.
- `invalid(kind, declaration)`: the declaration with one value every check must refuse, and the field it is at:
  a value of another type at any field it holds, or one against a rule (LiveKit's, or this package's).

The same seed gives the same declarations.
"""

from __future__ import annotations

import copy
import random
import string
from typing import Any, Callable, Optional

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from livekit.protocol import sip as sip_pb

from .._model import kinds as _kinds
from .._model.descriptors import is_choice, is_map, is_repeated
from .._model.stored import OUTPUT_ONLY

KINDS = tuple(kind.name for kind in _kinds.KINDS)
MESSAGES = {kind.name: kind.message for kind in _kinds.KINDS}

_DEEPEST = 7  # room_config.egress.room.file.s3.proxy.url is 7 deep
_NUMBER_FIELDS = {"numbers", "inbound_numbers", "allowed_numbers"}
_HEADER_NAMES = ("X-Org", "X-Account-Id", "X-Call.Ref", "P-Region", "X_Tenant", "x-lower", "X-A!%*+`'~")
_TEXT = string.ascii_letters + string.digits + " -_.:/@+#=,'\"éü中👋"
# Fields LiveKit refuses an object without (a codec's name; a direct rule's room, see `_livekit_takes`).
_REQUIRED = frozenset({"livekit.SIPCodec.name"})
_DURATION_SPAN = {"livekit.SIPMediaConfig.media_timeout": 600, "livekit.SIPInboundTrunkInfo.ringing_timeout": 300}


class Declarations:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    # ---- valid ------------------------------------------------------------------------------------------

    def valid(self, kind: str) -> dict[str, Any]:
        declaration = self._message(MESSAGES[kind].DESCRIPTOR, depth=0, top=True)
        return self._livekit_takes(kind, declaration)

    def changed(self, kind: str, declaration: dict[str, Any]) -> dict[str, Any]:
        if self.random.random() < 0.25:
            return self.valid(kind)
        fresh = self._message(MESSAGES[kind].DESCRIPTOR, depth=0, top=True)
        changed = copy.deepcopy(declaration)
        fields = [f for f in MESSAGES[kind].DESCRIPTOR.fields if f.name not in OUTPUT_ONLY]
        for field in self.random.sample(fields, self.random.randint(1, 3)):
            if field.json_name in changed and field.name != "rule" and self.random.random() < 0.4:
                del changed[field.json_name]  # removed: a whole message, a list, a value
            else:
                value = fresh.get(field.json_name)
                changed[field.json_name] = value if value is not None else self._value(field, depth=1)
        return self._livekit_takes(kind, changed)

    def _message(self, descriptor: Descriptor, depth: int, top: bool = False) -> dict[str, Any]:
        chance = 0.5 if top else 0.45
        result: dict[str, Any] = {}
        for oneof in descriptor.oneofs:
            members = [f for f in oneof.fields if is_choice(f)]
            if members and self.random.random() < (1.0 if descriptor is sip_pb.SIPDispatchRule.DESCRIPTOR else 0.5):
                chosen = self.random.choice(members)
                result[chosen.json_name] = self._value(chosen, depth + 1)
        for field in descriptor.fields:
            if field.name in OUTPUT_ONLY or is_choice(field) or field.json_name in result:
                continue
            if field.name == "rule" or field.full_name in _REQUIRED or self.random.random() < chance:
                result[field.json_name] = self._value(field, depth + 1)
        return result

    def _value(self, field: FieldDescriptor, depth: int) -> Any:
        if is_map(field):
            value_field = field.message_type.fields_by_name["value"]
            return {self._map_key(field): self._scalar(value_field) for _ in range(self.random.randint(1, 3))}
        if is_repeated(field):
            return [self._single(field, depth) for _ in range(self.random.randint(1, 3 if depth < 3 else 2))]
        return self._single(field, depth)

    def _single(self, field: FieldDescriptor, depth: int) -> Any:
        message = field.message_type
        if message is not None and message.full_name == "google.protobuf.Duration":
            seconds = self.random.randint(0, _DURATION_SPAN.get(field.full_name, 7200))
            return self.random.choice([seconds, f"{seconds}s", f"{seconds}.5s" if seconds < 600 else "0s"])
        if message is not None:
            return {} if depth >= _DEEPEST else self._message(message, depth)
        if (field.type == FieldDescriptor.TYPE_STRING and not is_repeated(field) and field.full_name not in _REQUIRED
                and self.random.random() < 0.1):
            return ""  # the same as not given
        return self._scalar(field)

    def _scalar(self, field: FieldDescriptor) -> Any:
        if field.enum_type is not None:
            return self.random.choice(field.enum_type.values).name
        if field.type == FieldDescriptor.TYPE_BOOL:
            return self.random.random() < 0.7
        if field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            return round(self.random.uniform(0, 10), 2)
        if field.type == FieldDescriptor.TYPE_UINT32:
            return self.random.choice([0, 1, 30, 300, self.random.randint(0, 2**32 - 1)])
        if field.type == FieldDescriptor.TYPE_INT32:
            return self.random.choice([0, 720, 1080, self.random.randint(-2**31, 2**31 - 1)])
        if field.type != FieldDescriptor.TYPE_STRING:
            raise AssertionError(f"no generator for {field.full_name}")
        return self._string(field)

    def _string(self, field: FieldDescriptor) -> str:
        name = field.name
        pick = self.random.choice
        if name in _NUMBER_FIELDS:
            digits = "".join(pick(string.digits) for _ in range(7))
            return pick([f"+1555{digits}", f"1555{digits}", f"+44{digits}", pick(["agent", "alice", "reception"])])
        if name == "pin":
            return "".join(pick(string.digits) for _ in range(self.random.randint(4, 8)))
        if name == "trunk_ids":
            return "ST_" + "".join(pick(string.ascii_letters) for _ in range(12))
        if name == "allowed_addresses":
            return pick(["203.0.113.7", "198.51.100.0/24", "pbx.example.com", "2001:db8::/32",
                         f"10.{self.random.randint(0, 255)}.0.0/16"])
        if name in ("address", "from_host"):
            return pick(["sip.example.com", "sip.carrier.example:5061", "198.51.100.9", "pbx.example.com:5080"])
        if name == "destination_country":
            return pick(["US", "DE", "FR", "IN"])
        if field.containing_type.full_name == "livekit.SIPCodec":
            return pick(["PCMU", "PCMA", "opus", "G722", "telephone-event"])
        if field.containing_type.full_name.endswith("AttributesToHeadersEntry"):
            return pick(_HEADER_NAMES)
        if name == "room_name":
            return "room-" + "".join(pick(string.ascii_lowercase) for _ in range(5))
        return self._text()

    def _text(self) -> str:
        pick = self.random.choice
        return pick([
            "".join(pick(_TEXT) for _ in range(self.random.randint(1, 24))),
            f"+1555{self.random.randint(0, 9999999):07d}", "0042", "4821", "true", "null", "1e3", "  padded  ",
        ])

    def _map_key(self, field: FieldDescriptor) -> str:
        if field.name in ("headers", "headers_to_attributes"):
            return self.random.choice(_HEADER_NAMES)
        return self.random.choice(["tier", "team.name", "x-id", "région", "cost-centre", "0042", "a b"])

    def _livekit_takes(self, kind: str, declaration: dict[str, Any]) -> dict[str, Any]:
        """The declaration made one LiveKit takes and means (see `livekit_rules`), whatever was drawn."""
        d = declaration
        for key in ("numbers", "inboundNumbers", "allowedNumbers", "allowedAddresses", "trunkIds"):
            if isinstance(d.get(key), list):
                d[key] = list(dict.fromkeys(d[key]))  # no repeats
        if kind == "DispatchRule":
            for key in ("numbers", "inboundNumbers"):  # the rule compares them normalized: no repeats that way
                if isinstance(d.get(key), list):
                    d[key] = list({_normalized(n): n for n in d[key]}.values())
            direct = d["rule"].get("dispatchRuleDirect")
            if isinstance(direct, dict) and not direct.get("roomName"):
                direct["roomName"] = "lobby"
        if kind == "InboundTrunk" and not any(d.get(k) for k in ("numbers", "allowedAddresses", "authUsername")):
            d["numbers"] = [f"+1555{self.random.randint(0, 9999999):07d}"]
        if kind == "OutboundTrunk":
            d.setdefault("address", "sip.example.com")
            d["address"] = d["address"] or "sip.example.com"
            if not d.get("numbers"):
                d["numbers"] = [f"+1555{self.random.randint(0, 9999999):07d}"]
        if kind != "DispatchRule":  # digest authentication takes both halves
            if d.get("authUsername") and not d.get("authPassword"):
                d["authPassword"] = "Pa55-" + "".join(self.random.choice(string.ascii_letters) for _ in range(10))
            if d.get("authPassword") and not d.get("authUsername"):
                d["authUsername"] = "pbx-user"
        media = d.get("media")
        if isinstance(media, dict) and "encryption" in media and "mediaEncryption" in d:
            d["mediaEncryption"] = media["encryption"]  # given two ways, alike
        return d

    # ---- invalid ----------------------------------------------------------------------------------------

    def invalid(self, kind: str, declaration: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """The declaration with one value the checks refuse, and the JSON path of the field it is at: a value of
        the wrong type at any field it holds, or one against a rule of LiveKit's or of this package's."""
        bad = copy.deepcopy(declaration)
        if self.random.random() < 0.5:
            return bad, self._wrong_type(MESSAGES[kind].DESCRIPTOR, bad)
        mutations = [m for m in _MUTATIONS if m.applies(kind, bad)]
        return bad, self.random.choice(mutations).apply(self.random, bad)

    def _wrong_type(self, descriptor: Descriptor, declaration: dict[str, Any]) -> str:
        """Replaces the value of one field the declaration holds, at any depth, with one of another type."""
        places = list(_fields_held(descriptor, declaration, ""))
        path, holder, key, field = self.random.choice(places)
        holder[key] = self.random.choice(_WRONG_TYPES[_shape(field)])
        return path


def _fields_held(descriptor: Descriptor, value: dict[str, Any], path: str):
    """(path, the dict holding it, its key, its field) of every field a declaration holds, at any depth."""
    fields = {f.json_name: f for f in descriptor.fields}
    for key, item in value.items():
        field = fields.get(key)
        if field is None:
            continue
        where = f"{path}.{key}" if path else key
        yield where, value, key, field
        nested = field.message_type
        if nested is None or is_map(field) or nested.full_name.startswith("google.protobuf."):
            continue
        for index, each in enumerate(item if is_repeated(field) else [item]):
            if isinstance(each, dict):
                yield from _fields_held(nested, each, f"{where}[{index}]" if is_repeated(field) else where)


def _shape(field: FieldDescriptor) -> str:
    if is_map(field):
        return "map"
    if is_repeated(field):
        return "list"
    if field.message_type is not None:
        return "duration" if field.message_type.full_name == "google.protobuf.Duration" else "object"
    if field.enum_type is not None:
        return "enum"
    if field.type == FieldDescriptor.TYPE_STRING:
        # A PIN is the one text the plugin takes from a whole number (Pulumi YAML config hands it one).
        return "pin" if field.name == "pin" else "text"
    return {FieldDescriptor.TYPE_BOOL: "bool", FieldDescriptor.TYPE_DOUBLE: "number",
            FieldDescriptor.TYPE_FLOAT: "number"}.get(field.type, "whole number")


# Values of another type than each shape of field holds.
_WRONG_TYPES = {
    "map": [["a", "b"], "tier=gold", 7],
    "list": ["+15550100", {"0": "a"}, 7],
    "object": ["text", ["a"], 7, True],
    "duration": ["soon", "-5s", True, {"seconds": 5}],
    "enum": ["NOT_A_VALUE", 999, True],
    "pin": [12.5, True, ["1234"], {"digits": "1234"}],
    "text": [15550002222, 7.5, True, ["a"], {"a": "b"}],
    "bool": ["yes", 1, "true"],
    "number": ["fast", True, [1.5]],
    "whole number": ["ten", 1.5, True, 2**64],
}


class _Mutation:
    def __init__(self, kinds: tuple[str, ...], apply: Callable[[random.Random, dict], str],
                 applies: Optional[Callable[[dict], bool]] = None) -> None:
        self.kinds, self.apply, self._applies = kinds, apply, applies

    def applies(self, kind: str, declaration: dict) -> bool:
        return kind in self.kinds and (self._applies is None or self._applies(declaration))


def _set(path: str, value: Any) -> Callable[[random.Random, dict], str]:
    """A mutation setting `path` (dots between JSON names, the last one created) to `value`."""

    def apply(_random: random.Random, declaration: dict) -> str:
        *parents, last = path.split(".")
        target = declaration
        for key in parents:
            target = target.setdefault(key, {})
            if not isinstance(target, dict):
                raise AssertionError(path)
        target[last] = value(_random) if callable(value) else value
        return path

    return apply


def _list_item(key: str, item: Any) -> Callable[[random.Random, dict], str]:
    def apply(_random: random.Random, declaration: dict) -> str:
        listed = declaration.setdefault(key, [])
        listed.append(item if item != "repeat" else (listed[0] if listed else "+15550100"))
        if item == "repeat" and len(listed) < 2:
            listed.append(listed[0])
        return f"{key}[{len(listed) - 1}]"

    return apply


def _normalized(number: str) -> str:
    stripped = number.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
    return stripped if not stripped.lstrip("+").isdigit() or stripped.startswith("+") else "+" + stripped


def _encryption_two_ways(_random: random.Random, declaration: dict) -> str:
    declaration["mediaEncryption"] = "SIP_MEDIA_ENCRYPT_ALLOW"
    return _set("media.encryption", "SIP_MEDIA_ENCRYPT_REQUIRE")(_random, declaration)


def _half_of_digest(_random: random.Random, declaration: dict) -> str:
    declaration.pop("authPassword", None)
    return _set("authUsername", "pbx")(_random, declaration)


def _without(*keys: str) -> Callable[[random.Random, dict], str]:
    """A mutation removing what LiveKit requires (one of `keys`), the first named as the path."""

    def apply(_random: random.Random, declaration: dict) -> str:
        for key in keys:
            declaration.pop(key, None)
        return keys[0]

    return apply


def _only_kind(*kinds: str) -> Callable[[dict], bool]:
    return lambda declaration: set(declaration["rule"]) <= set(kinds)


ALL = ("DispatchRule", "InboundTrunk", "OutboundTrunk")
TRUNKS = ("InboundTrunk", "OutboundTrunk")
_MUTATIONS = [
    # the wrong type, at each kind of field
    _Mutation(ALL, _set("name", 15550002222)),
    _Mutation(ALL, _list_item("numbers", 15550002222)),  # the '+' a config value lost
    _Mutation(ALL, _set("metadata", True)),
    _Mutation(ALL, _set("krispEnabled", "yes")),
    _Mutation(ALL, _set("numbers", "+15550100")),  # a string where a list belongs
    _Mutation(ALL, _set("mediaEncryption", "SIP_MEDIA_ENCRYPT_MAYBE")),
    _Mutation(ALL, _set("media", "none")),
    _Mutation(ALL, _set("media.mediaTimeout", "soon")),
    _Mutation(("DispatchRule",), _set("attributes", ["tier"])),
    _Mutation(("DispatchRule",), _set("roomConfig.maxParticipants", "ten")),
    _Mutation(("DispatchRule",), _set("roomConfig.agents", [{"agentName": 7}])),
    # values out of range, or against LiveKit's own rules
    _Mutation(("InboundTrunk",), _set("ringingTimeout", "-5s")),
    _Mutation(("InboundTrunk",), _set("maxCallDuration", -30)),
    _Mutation(ALL, _set("media.mediaTimeout", "601s")),
    _Mutation(("DispatchRule",), _set("roomConfig.emptyTimeout", -1)),
    _Mutation(("DispatchRule",), _set("roomConfig.maxParticipants", 2**32)),
    _Mutation(ALL, _set("media.codecs", [{"name": "PCMU/8000"}])),
    _Mutation(ALL, _set("media.codecs", [{"rate": 8000}])),
    _Mutation(ALL, _encryption_two_ways),
    _Mutation(TRUNKS, _set("headers.Contact", "<sip:pbx@example.com>")),
    _Mutation(TRUNKS, _set("headers.X-Org", "two\r\nlines")),
    _Mutation(TRUNKS, _set("headersToAttributes.Bad Header", "attr")),
    _Mutation(("InboundTrunk",), _set("allowedAddresses", ["203.0.113.1, 203.0.113.2"])),
    _Mutation(("OutboundTrunk",), _set("address", "sip:carrier@sip.example.com")),
    _Mutation(("OutboundTrunk",), _set("fromHost", "pbx.example.com;transport=tcp")),
    _Mutation(TRUNKS, _half_of_digest),
    _Mutation(("InboundTrunk",), _without("numbers", "allowedAddresses", "authUsername", "authPassword")),
    _Mutation(("OutboundTrunk",), _without("address")),
    # empty, repeated, unknown, two choices
    _Mutation(ALL, _list_item("numbers", "")),
    _Mutation(ALL, _list_item("numbers", None)),
    _Mutation(TRUNKS, _list_item("numbers", "repeat")),
    _Mutation(("DispatchRule",), _list_item("trunkIds", "repeat")),
    _Mutation(("DispatchRule",), _set("attributes.tier", "")),
    _Mutation(ALL, _set("nmae", "typo")),
    _Mutation(("DispatchRule",), _set("rule.dispatchRuleCallee", {"roomPrefix": "second-"}),
              lambda d: "dispatchRuleCallee" not in d["rule"]),
    _Mutation(("DispatchRule",), _set("rule.dispatchRuleDirect", {"roomName": "", "pin": "1234"}),
              _only_kind("dispatchRuleDirect")),
    _Mutation(("DispatchRule",), _set("rule.dispatchRuleIndividual", {"pin": "12ab"}),
              _only_kind("dispatchRuleIndividual")),
]
