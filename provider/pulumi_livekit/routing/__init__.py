"""A model of LiveKit's call routing: which trunk and dispatch rule take an inbound call, and
where it lands. Pure: no network, no Pulumi; trunks and rules are `livekit.protocol.sip`
messages or dicts of their fields.

    from pulumi_livekit.routing import Call, evaluate
    decision = evaluate(trunks, rules, Call(from_number="+15550001111", to_number="+15559990000"))
    decision.result, decision.room_name   # "ACCEPT", "call-_+15550001111_{random}"
"""

from ._changes import ANY_OTHER_NUMBER, ANYONE, REFUSED, CallChange, CallRoute, probe_calls, route_changes, route_of
from ._conflicts import Conflict, rule_claims, rule_conflicts, trunk_conflicts
from ._evaluate import (
    ACCEPT, CALLER, CALLER_LAST_4, DROP, RANDOM, REQUEST_PIN, Call, Decision, RoutingError, evaluate, match_trunk,
    room_name, room_pattern, select_rule,
)
from ._numbers import normalize_number, same_number
from ._objects import rule_priority
from ._table import (
    ANY, NUMBER_FORMAT, OPEN_RULE, TRUNK_WITHOUT_RULE, UNREACHABLE_RULE, UNSERVED_NUMBER, WARNING_CODES, Route,
    RoutingWarning, Row, Table, routing_table,
)

__all__ = [
    "ACCEPT", "ANY", "ANY_OTHER_NUMBER", "ANYONE", "CALLER", "CALLER_LAST_4", "DROP", "NUMBER_FORMAT", "OPEN_RULE",
    "RANDOM", "REFUSED", "REQUEST_PIN", "TRUNK_WITHOUT_RULE", "UNREACHABLE_RULE", "UNSERVED_NUMBER", "WARNING_CODES",
    "Call", "CallChange", "CallRoute", "Conflict", "Decision", "Route", "RoutingError", "RoutingWarning", "Row", "Table",
    "evaluate", "match_trunk", "probe_calls", "normalize_number", "room_name", "room_pattern", "rule_claims", "rule_conflicts",
    "rule_priority",
    "route_changes", "route_of", "routing_table",
    "same_number", "select_rule", "trunk_conflicts",
]
