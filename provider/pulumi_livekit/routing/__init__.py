"""A model of LiveKit's call routing: which trunk and dispatch rule take an inbound call, and
where it lands. Pure: no network, no Pulumi; trunks and rules are `livekit.protocol.sip`
messages or dicts of their fields.

    from pulumi_livekit.routing import Call, evaluate
    decision = evaluate(trunks, rules, Call(from_number="+15550001111", to_number="+15559990000"))
    decision.result, decision.room_name   # "ACCEPT", "call-_+15550001111_{random}"
"""

import importlib
from typing import Any

# Where each public name lives. A module is loaded when one of its names is first used: the provider
# plugin, started by every Pulumi command, needs only the claims and number normalisation.
_HOMES = {
    "_changes": ("ANY_OTHER_NUMBER", "ANYONE", "REFUSED", "CallChange", "CallRoute", "probe_calls", "route_changes",
                 "route_of"),
    "_conflicts": ("Conflict", "rule_claims", "rule_conflicts", "trunk_conflicts"),
    "_evaluate": ("ACCEPT", "CALLER", "CALLER_LAST_4", "DROP", "RANDOM", "REQUEST_PIN", "Call", "Decision",
                  "RoutingError", "call_media", "evaluate", "match_trunk", "room_name", "room_pattern", "select_rule"),
    "_numbers": ("normalize_number", "same_number"),
    "_objects": ("rule_priority",),
    "_table": ("ABOUT_ONE_OBJECT", "ANY", "NUMBER_FORMAT", "OPEN_RULE", "TRUNK_WITHOUT_RULE", "UNREACHABLE_RULE", "UNSERVED_NUMBER",
               "WARNING_CODES", "Route", "RoutingWarning", "Row", "Table", "routing_table",
               "rule_alone_warnings"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = sorted(_HOME_OF)


def __getattr__(name: str) -> Any:
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
