"""A model of LiveKit's call routing: which trunk and dispatch rule take an inbound call, and
where it lands. Pure: no network, no Pulumi; trunks and rules are `livekit.protocol.sip`
messages or dicts of their fields.

    from pulumi_livekit.routing import Call, evaluate
    decision = evaluate(trunks, rules, Call(from_number="+15550001111", to_number="+15559990000"))
    decision.result, decision.room_name   # "ACCEPT", "call-_+15550001111_{random}"
"""

from ._conflicts import Conflict, rule_conflicts, trunk_conflicts
from ._evaluate import (
    ACCEPT, DROP, RANDOM, REQUEST_PIN, Call, Decision, RoutingError, evaluate, match_trunk, room_name,
    select_rule,
)
from ._numbers import normalize_number, same_number
from ._objects import rule_priority
from ._table import ANY, Route, Row, Table, routing_table

__all__ = [
    "ACCEPT", "ANY", "DROP", "RANDOM", "REQUEST_PIN",
    "Call", "Conflict", "Decision", "Route", "RoutingError", "Row", "Table",
    "evaluate", "match_trunk", "normalize_number", "room_name", "rule_conflicts", "rule_priority",
    "routing_table",
    "same_number", "select_rule", "trunk_conflicts",
]
