"""A model of LiveKit's call routing: which trunk and dispatch rule take an inbound call, and
where it lands. Pure: no network, no Pulumi; trunks and rules are `livekit.protocol.sip`
messages or dicts of their fields.

    from pulumi_livekit.routing import Call, evaluate
    decision = evaluate(trunks, rules, Call(from_number="+15550001111", to_number="+15559990000"))
    decision.result, decision.room_name   # "ACCEPT", "call-_+15550001111_{random}"
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers see; `_HOMES` below names the same (tests/unit/test_typing.py)
    from ._changes import (
        ANY_OTHER_NUMBER as ANY_OTHER_NUMBER,
        ANYONE as ANYONE,
        REFUSED as REFUSED,
        CallChange as CallChange,
        CallRoute as CallRoute,
        probe_calls as probe_calls,
        route_changes as route_changes,
        route_of as route_of,
    )
    from ._conflicts import (
        Conflict as Conflict,
        rule_claims as rule_claims,
        rule_conflicts as rule_conflicts,
        trunk_conflicts as trunk_conflicts,
    )
    from ._evaluate import (
        ACCEPT as ACCEPT,
        CALLER as CALLER,
        CALLER_LAST_4 as CALLER_LAST_4,
        DROP as DROP,
        RANDOM as RANDOM,
        REQUEST_PIN as REQUEST_PIN,
        Call as Call,
        Decision as Decision,
        RoutingError as RoutingError,
        call_media as call_media,
        evaluate as evaluate,
        match_trunk as match_trunk,
        room_name as room_name,
        room_pattern as room_pattern,
        select_rule as select_rule,
    )
    from ._numbers import (
        normalize_number as normalize_number,
        same_number as same_number,
    )
    from ._objects import (
        rule_priority as rule_priority,
    )
    from ._table import (
        ABOUT_ONE_OBJECT as ABOUT_ONE_OBJECT,
        ANY as ANY,
        NUMBER_FORMAT as NUMBER_FORMAT,
        OPEN_RULE as OPEN_RULE,
        TRUNK_WITHOUT_RULE as TRUNK_WITHOUT_RULE,
        UNREACHABLE_RULE as UNREACHABLE_RULE,
        UNSERVED_NUMBER as UNSERVED_NUMBER,
        WARNING_CODES as WARNING_CODES,
        Route as Route,
        RoutingWarning as RoutingWarning,
        Row as Row,
        Table as Table,
        routing_table as routing_table,
        rule_alone_warnings as rule_alone_warnings,
    )

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


if not TYPE_CHECKING:  # a module `__getattr__` would make every name a type checker does not know `Any`

    def __getattr__(name: str) -> Any:
        module = _HOME_OF.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
