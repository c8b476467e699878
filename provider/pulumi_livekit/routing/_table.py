"""The routing table of a project: per trunk and number, the rules in the order the server tries
them, and what looks wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional

from livekit.protocol import sip as sip_pb

from ._evaluate import room_pattern
from ._numbers import formatted, normalize_number, same_number
from ._objects import (
    KIND_NAMES,
    RuleLike,
    TrunkLike,
    as_rules,
    as_trunks,
    precedence,
    rule_kind,
    rule_pin,
    server_order,
)

ANY = "*"


@dataclass(frozen=True)
class Route:
    rule_id: str
    name: str
    kind: str  # direct, individual or callee
    room: str  # room name pattern: {caller}, {called} and {random} stand for the parts filled per call
    pin_required: bool
    callers: tuple[str, ...]  # inbound_numbers; empty: anyone
    agents: tuple[str, ...]
    scope: str  # "trunk" (the rule names this trunk) or "any trunk"
    reachable: bool  # False when a rule tried earlier takes every call it would
    shadowed_by: str = ""  # then the ID of the open catch-all, tried earlier, that takes its calls


@dataclass(frozen=True)
class Row:
    trunk_id: str  # "" for calls no trunk takes
    trunk_name: str
    number: str  # the called number, ANY for a trunk without numbers
    routes: tuple[Route, ...]


# What each warning is about, by the name that silences it (README, "Routing warnings").
UNREACHABLE_RULE = "unreachable-rule"  # another rule always takes its calls, or the trunks it names do not exist
OPEN_RULE = "open-rule"  # takes calls from any source without a PIN
UNSERVED_NUMBER = "unserved-number"  # a rule's number that no trunk serves
TRUNK_WITHOUT_RULE = "trunk-without-rule"  # an inbound trunk whose calls no rule takes
NUMBER_FORMAT = "number-format"  # a rule's number written so that calls will not match it
WARNING_CODES = (UNREACHABLE_RULE, OPEN_RULE, UNSERVED_NUMBER, TRUNK_WITHOUT_RULE, NUMBER_FORMAT)
# The codes a warning about one object alone can have; the others need the project's every trunk and rule.
ABOUT_ONE_OBJECT = frozenset({OPEN_RULE, NUMBER_FORMAT})


@dataclass(frozen=True)
class RoutingWarning:
    code: str  # one of WARNING_CODES
    kind: str  # what it is about: "rule" or "trunk"
    about: str  # the ID of that rule or trunk
    text: str
    field: str = ""  # the field of that rule at fault (numbers, inbound_numbers, trunk_ids), "" for the whole object
    # What it concerns besides: the number, the trunks (IDs, or ANY for any trunk), or the rules that take its calls.
    concerning: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)
    warnings: list[RoutingWarning] = field(default_factory=list)


def routing_table(trunks: Iterable[TrunkLike], rules: Iterable[RuleLike]) -> Table:
    trunks = server_order(as_trunks(trunks), "sip_trunk_id")
    rules = server_order(as_rules(rules), "sip_dispatch_rule_id")
    wildcard = _by_precedence([r for r in rules if not r.trunk_ids])
    table = Table()
    for trunk in trunks:
        scoped = _by_precedence([r for r in rules if trunk.sip_trunk_id in r.trunk_ids])
        for number in list(trunk.numbers) or [ANY]:
            table.rows.append(_row(trunk, number, scoped, wildcard))
    no_trunk = _row(None, ANY, [], [rule for rule in wildcard if _reaches_no_trunk(rule, trunks)])
    if no_trunk.routes:
        table.rows.append(no_trunk)
    table.warnings = _warnings(trunks, rules, table)
    return table


def rule_alone_warnings(rule: RuleLike) -> list[RoutingWarning]:
    """The warnings about `rule` that hold whatever other trunks and rules its project has: those of the
    table of the rule alone, of the codes in ABOUT_ONE_OBJECT. Without a trunk in the table, `number-format`
    is given only for a number with spaces, dashes or parentheses (not for one spelled otherwise than a
    trunk's), and `open-rule` only for a rule of any trunk (one naming trunks is open or not by them)."""
    return [warning for warning in routing_table([], [rule]).warnings if warning.code in ABOUT_ONE_OBJECT]


def _by_precedence(rules: list[sip_pb.SIPDispatchRuleInfo]) -> list[sip_pb.SIPDispatchRuleInfo]:
    return sorted(rules, key=precedence)  # stable: among equals the server's tie-break holds, the earlier ID wins


def _row(trunk: Optional[sip_pb.SIPInboundTrunkInfo], number: str, scoped, wildcard) -> Row:
    routes = []
    blocker = ""  # an open catch-all for the trunk takes every call the rules after it could
    for rule, scope in [(r, "trunk") for r in scoped] + [(r, "any trunk") for r in wildcard]:
        if rule.numbers and number != ANY and not any(same_number(n, number) for n in rule.numbers):
            continue
        routes.append(_route(rule, scope, reachable=not blocker and bool(rule_kind(rule)), shadowed_by=blocker))
        if scope == "trunk" and not blocker and _open_catch_all(rule):
            blocker = rule.sip_dispatch_rule_id
    return Row(trunk.sip_trunk_id if trunk else "", trunk.name if trunk else "", number, tuple(routes))


def _reaches_no_trunk(rule: sip_pb.SIPDispatchRuleInfo, trunks: list[sip_pb.SIPInboundTrunkInfo]) -> bool:
    """Whether some call the rule accepts matches no trunk: one to a number that no trunk open to every
    caller and address serves."""
    open_trunks = [t for t in trunks if not t.allowed_numbers and not t.allowed_addresses]
    if any(not t.numbers for t in open_trunks):
        return False  # an open trunk without numbers takes every call the others do not
    served = [n for t in open_trunks for n in t.numbers]
    return not rule.numbers or any(not any(same_number(n, s) for s in served) for n in rule.numbers)


def _open_catch_all(rule: sip_pb.SIPDispatchRuleInfo) -> bool:
    return bool(rule_kind(rule)) and not rule_pin(rule) and not rule.inbound_numbers and not rule.numbers


def _route(rule: sip_pb.SIPDispatchRuleInfo, scope: str, reachable: bool, shadowed_by: str) -> Route:
    kind = rule_kind(rule)
    return Route(
        rule_id=rule.sip_dispatch_rule_id, name=rule.name, kind=KIND_NAMES.get(kind, "(none)"),
        room=room_pattern(rule, "{called}") if kind else "",
        pin_required=bool(rule_pin(rule)), callers=tuple(rule.inbound_numbers),
        agents=tuple(a.agent_name or "(default agent)" for a in rule.room_config.agents),
        scope=scope, reachable=reachable, shadowed_by=shadowed_by,
    )


def _warnings(trunks, rules, table: Table) -> list[RoutingWarning]:
    warnings = []
    trunk_ids = {t.sip_trunk_id for t in trunks}
    served = [n for t in trunks for n in t.numbers]
    has_default_trunk = any(not t.numbers for t in trunks)
    routes = [route for row in table.rows for route in row.routes]
    reachable_ids = {route.rule_id for route in routes if route.reachable}
    for rule in rules:
        label = _label(rule.sip_dispatch_rule_id, rule.name)

        def warn(code: str, text: str, field: str = "", concerning: Iterable[str] = ()) -> None:
            warnings.append(RoutingWarning(code, "rule", rule.sip_dispatch_rule_id, f"rule {label} {text}", field,
                                           tuple(concerning)))

        unknown = [t for t in rule.trunk_ids if t not in trunk_ids]
        spellings = {n: [s for s in served if same_number(n, s)] for n in rule.numbers}
        unserved = [] if has_default_trunk else [n for n in rule.numbers if not spellings[n]]
        if rule.trunk_ids and len(unknown) == len(rule.trunk_ids):
            warn(UNREACHABLE_RULE, f"can never match: no trunk {', '.join(unknown)} exists", "trunk_ids", unknown)
        elif rule.sip_dispatch_rule_id not in reachable_ids and not (rule.numbers and unserved == list(rule.numbers)):
            shadowing = dict.fromkeys(r.shadowed_by for r in routes
                                      if r.rule_id == rule.sip_dispatch_rule_id and r.shadowed_by)
            warn(UNREACHABLE_RULE, "can never match: a rule tried before it takes every call it would",
                 concerning=shadowing)
        for number in rule.numbers:
            if number in unserved:
                warn(UNSERVED_NUMBER, f"has number {number}, which no trunk serves", "numbers", [number])
            elif spellings[number] and number not in spellings[number]:
                warn(NUMBER_FORMAT, f"has number {number}, which matches a call only when the carrier sends it exactly "
                                    f"so (rules compare numbers as written; the trunk has it as {spellings[number][0]})",
                     "numbers", [number])
        for field_name in ("numbers", "inbound_numbers"):
            for number in getattr(rule, field_name):
                if formatted(number):
                    warn(NUMBER_FORMAT, f"has {number} in {field_name}, which no call matches: rules compare numbers "
                                        f"as written, and calls carry none with spaces, dashes or parentheses (write "
                                        f"it as {normalize_number(number)})", field_name, [number])
        open_through = _open_to_anyone_through(rule, trunks)
        if open_through:
            warn(OPEN_RULE, "accepts calls from any source without a PIN", "rule", open_through)
    for trunk in trunks:
        routed = any(row.routes for row in table.rows if row.trunk_id == trunk.sip_trunk_id)
        if not routed:
            warnings.append(RoutingWarning(TRUNK_WITHOUT_RULE, "trunk", trunk.sip_trunk_id, f"trunk "
                                           f"{_label(trunk.sip_trunk_id, trunk.name)} has no rule: its calls are dropped",
                                           concerning=tuple(trunk.numbers) or (ANY,)))
    return warnings


def _open_to_anyone_through(rule, trunks) -> list[str]:
    """The trunks through which the rule takes calls from any source without a PIN: ANY for a rule of any trunk
    (it also takes calls that match no trunk at all), else those it names that restrict nobody; [] for none."""
    if rule_pin(rule) or rule.inbound_numbers or not rule_kind(rule):
        return []
    if not rule.trunk_ids:
        return [ANY]
    return [t.sip_trunk_id for t in trunks if t.sip_trunk_id in rule.trunk_ids
            and not (t.allowed_addresses or t.allowed_numbers or t.auth_username)]


def _label(object_id: str, name: str) -> str:
    return f"{object_id} ({name})" if name else object_id

