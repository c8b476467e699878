"""Routing warnings in `pulumi preview` (and `up`): what the program's inbound trunks and dispatch
rules do to calls, reviewed with the routing model once the program has declared them all.

A Pulumi program's body runs without yielding to the event loop, so a task started at the first
declaration runs once every trunk and rule of the body is declared (those declared later, inside an
`apply`, are not reviewed). It reads the inputs as the program gives them, unknowns included: a rule
names a trunk of the same program through that trunk's `id` or `sip_trunk_id`, which is recognised
even before the trunk exists. It sends no request of its own. The objects the program reads without
managing them, a lookup's (`get_inbound_trunk(...)`) and a `get`'s (`InboundTrunk.get(...)`), count as
known, with what LiveKit holds for them: a rule is judged against the trunk it will really use. They are
never warned about: another stack manages them. Any other trunk ID is a trunk managed elsewhere, whose
numbers the review cannot see, so warnings that depend on it are not given.

Each warning is attached to its resource and names the entry of the stack setting
`livekit:ignoreRoutingWarnings` that silences it: a warning code (everywhere), `<code>:<resource
name>` (for one resource) or `*` (the review is off).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
from google.protobuf import json_format

from .._core.sdk import known_value, output_awaiting, warn_now
from .._core.silencing import IGNORE_SETTING, Silenced, shown, silenced
from .._core.state import current
from .._model.canonical import any_leaf, to_message
from .._model.kinds import DISPATCH_RULE, INBOUND_TRUNK, Kind
from .._model.secrets import join_pin
from ..routing import ABOUT_ONE_OBJECT, RoutingWarning, routing_table
from .conversion import holds_outputs


@dataclass
class _Declared:
    name: str  # the resource name
    resource: Optional[pulumi.CustomResource]  # None: an object a lookup found
    kind: Kind
    inputs: Mapping[str, Any]  # for an object the program reads: what LiveKit holds
    connection: Any
    managed: bool = True  # False: read, not managed (a `get`, a lookup): known, but never warned about


@dataclass
class _Lookup:
    kind: Kind
    connection: Any
    found: pulumi.Output  # an `*Info` of `_dynamic.lookups`, or a list of them


class _Review:
    def __init__(self) -> None:
        self._declared: list[_Declared] = []
        self._lookups: list[_Lookup] = []
        self._started = False

    def declare(self, item: _Declared) -> None:
        if item.kind not in _REVIEWED:
            return
        self._declared.append(item)
        if not self._started:
            self._started = True
            # An Output, so that the program waits for the review before it ends.
            output_awaiting(self._review())

    def look_up(self, lookup: _Lookup) -> None:
        if lookup.kind in _REVIEWED:
            self._lookups.append(lookup)

    async def _review(self) -> None:
        declared, self._declared = self._declared, []
        lookups, self._lookups = self._lookups, []
        ignored = _ignored()
        if ignored.everything:
            return
        projects: dict[Any, list[_Declared]] = {}
        try:
            for lookup in lookups:
                declared += await _found(lookup)
            for item in declared:
                projects.setdefault(_project_of(await _resolved(item.connection)), []).append(item)
            for items in projects.values():
                for warning, item in await _review_project(items):
                    if not ignored.covers(warning.code, item.name):
                        await _warn(item.resource, shown(warning, item.name))
        except Exception as problem:  # noqa: BLE001 - a registration failed: the engine reports that, not the review
            pulumi.log.debug(f"pulumi_livekit: routing review stopped: {problem!r}")


_REVIEWED = (INBOUND_TRUNK, DISPATCH_RULE)


def declare_for_review(name: str, resource: pulumi.CustomResource, kind: Kind, inputs: Mapping[str, Any],
                       connection: Any, *, managed: bool = True) -> None:
    """Called by each resource the program declares, with its inputs as the program gave them (a resource the
    program reads, not `managed`: its outputs)."""
    _current_review().declare(_Declared(name, resource, kind, inputs, connection, managed))


def declare_lookup(kind: Kind, connection: Any, found: pulumi.Output) -> None:
    """Called by each lookup the program makes, with what it finds."""
    _current_review().look_up(_Lookup(kind, connection, found))


def _current_review() -> _Review:
    state = current()
    if state.review is None:
        state.review = _Review()
    return state.review


async def _found(lookup: _Lookup) -> list[_Declared]:
    """The objects a lookup found, as the review reads them; none while it is not known (at preview)."""
    known, found = await known_value(lookup.found)
    infos = (found if isinstance(found, list) else [found]) if known else []
    return [_Declared(f"{lookup.kind.noun} found by a lookup", None, lookup.kind,
                      {field.name: getattr(info, field.name) for field in dataclasses.fields(info)},
                      lookup.connection, managed=False)
            for info in infos]


async def _review_project(items: list[_Declared]) -> list[tuple[RoutingWarning, _Declared]]:
    """The warnings of one LiveKit project. Those about several objects only when the review sees them all:
    every trunk and rule known, and every trunk a rule names declared, read or looked up by the program."""
    # The program's own first: an object it also reads, or finds more than once, is reviewed once.
    trunks, rules = ([item for item in sorted(items, key=lambda item: not item.managed) if item.kind is kind]
                     for kind in (INBOUND_TRUNK, DISPATCH_RULE))
    seen: set[tuple[Kind, str]] = set()
    review_ids: dict[int, str] = {}  # id() of a trunk resource's ID outputs -> the trunk's ID in the review
    known_trunks: set[str] = set()  # the IDs in the review of every trunk it sees
    by_id: dict[tuple[str, str], _Declared] = {}  # ("rule" or "trunk", ID in the review) -> its resource
    messages: dict[Kind, list[Any]] = {INBOUND_TRUNK: [], DISPATCH_RULE: []}
    complete = bool(trunks)
    for item in trunks + rules:  # trunks first: the rules' trunk_ids name them
        known_id = await _resolved(item.inputs[item.kind.id_field] if item.resource is None else item.resource.id)
        review_id = known_id if isinstance(known_id, str) and known_id else item.name
        if (item.kind, review_id) in seen:
            continue
        seen.add((item.kind, review_id))
        if item.kind is INBOUND_TRUNK:
            known_trunks.add(review_id)
            if item.resource is not None:
                review_ids.update({id(item.resource.id): review_id,
                                   id(getattr(item.resource, item.kind.id_field)): review_id})
        message = await _message(item, review_id, review_ids)
        if message is None:
            complete = False
            continue
        if item.kind is DISPATCH_RULE and not set(message.trunk_ids) <= known_trunks:
            complete = False  # it names a trunk managed elsewhere, whose numbers the review cannot see
        messages[item.kind].append(message)
        if item.managed:
            by_id["trunk" if item.kind is INBOUND_TRUNK else "rule", review_id] = item
    table = routing_table(messages[INBOUND_TRUNK], messages[DISPATCH_RULE])
    return [(warning, by_id[warning.kind, warning.about]) for warning in table.warnings
            if (warning.kind, warning.about) in by_id and (complete or warning.code in ABOUT_ONE_OBJECT)]


async def _message(item: _Declared, review_id: str, review_ids: Mapping[int, str]) -> Optional[Any]:
    """The object as the routing model reads it, or None while a field it reads is unknown (or invalid:
    the provider's check says what is wrong)."""
    inputs = {k: v for k, v in item.inputs.items() if k in _ROUTING_FIELDS}
    if isinstance(inputs.get("trunk_ids"), (list, tuple)):  # each may be the ID output of a trunk declared here
        inputs["trunk_ids"] = [review_ids.get(id(t), t) for t in inputs["trunk_ids"]]
    values = await _resolved(inputs)
    if not item.managed:  # read, and known by its ID: what a preview does not know of it, LiveKit does not hold
        values = {key: value for key, value in values.items() if value is not _UNKNOWN}
    if any_leaf(values, lambda leaf: leaf is _UNKNOWN):
        return None
    values = {k: v for k, v in join_pin(values).items() if v is not None}
    try:
        message = to_message(item.kind.message, values)
    except (json_format.ParseError, TypeError, ValueError):
        return None
    setattr(message, item.kind.id_field, review_id)
    return message


_ROUTING_FIELDS = {"name", "rule", "pin", "trunk_ids", "numbers", "inbound_numbers", "allowed_addresses",
                   "allowed_numbers", "auth_username"}
_UNKNOWN = object()


async def _resolved(value: Any) -> Any:
    """The value with every Output in it awaited; `_UNKNOWN` where one is not known yet (at preview)."""
    if not holds_outputs(value):  # the usual case: plain values, and nothing to wait for
        return value
    if isinstance(value, pulumi.Output):
        known, resolved = await known_value(value)
        return await _resolved(resolved) if known else _UNKNOWN
    if isinstance(value, Mapping):
        return {k: await _resolved(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [await _resolved(v) for v in value]
    return value


def _project_of(connection: Any) -> Any:
    if not isinstance(connection, Mapping):
        return None  # the stack's own settings
    return connection.get("url"), connection.get("api_key")


def _ignored() -> Silenced:
    ignored, problems = silenced(pulumi.Config("livekit").get(IGNORE_SETTING))
    for problem in problems:
        pulumi.log.warn(problem)
    return ignored


async def _warn(resource: pulumi.Resource, text: str) -> None:
    # Sent now, not from a task of its own (as pulumi.log.warn does for a resource): the program may end first.
    warn_now(resource, await resource.urn.future(), text)
