"""Lookups from a Python program: `get_inbound_trunk(number=...)` and the rest, for objects the stack does not manage.

Each function returns an Output of what it found (`InboundTrunkInfo`, ... of `found`; the list forms a list of
them), known at preview: the program itself asks LiveKit (`_core.lookups`: one List request, shared by every
identical lookup of the run), reaching the project the resources reach (an explicit `connection=`, else stack config
`livekit:*`, else `LIVEKIT_*`). A secret the object holds (a trunk's `auth_password`, a rule's `pin`, a
`room_config` holding an egress credential) is a secret Output inside the result, so it stays secret wherever it
goes and nothing else does. A lookup that finds none, or several where one is expected, fails the program naming
what it searched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Generic, Optional, Protocol, TypeVar

import pulumi

from .._core.connection import resolve_connection
from .._core.lookups import KEYS, Query, find, query_problems
from .._core.providers import PROVIDERS
from .._core.state import client_for, current, redact, register_secrets
from .._exceptions import LiveKitError
from .._model.kinds import DISPATCH_RULE, INBOUND_TRUNK, OUTBOUND_TRUNK, Kind
from .conversion import as_input, holds_outputs
from .found import DispatchRuleInfo, InboundTrunkInfo, OutboundTrunkInfo
from .inputs import Connection
from .routing_review import declare_lookup

__all__ = ["get_dispatch_rule", "get_dispatch_rules", "get_inbound_trunk", "get_inbound_trunks", "get_outbound_trunk",
           "get_outbound_trunks"]

Info = TypeVar("Info", InboundTrunkInfo, OutboundTrunkInfo, DispatchRuleInfo)
INFO_CLASSES: dict[Kind, type] = {INBOUND_TRUNK: InboundTrunkInfo, OUTBOUND_TRUNK: OutboundTrunkInfo,
                                  DISPATCH_RULE: DispatchRuleInfo}

KeyInput = pulumi.Input[Optional[str]]


class GetOne(Protocol[Info]):
    def __call__(self, *, id: KeyInput = None, name: KeyInput = None, number: KeyInput = None,
                 connection: Optional[Connection] = None) -> pulumi.Output[Info]: ...


class GetAll(Protocol[Info]):
    def __call__(self, *, id: KeyInput = None, name: KeyInput = None, number: KeyInput = None,
                 connection: Optional[Connection] = None) -> pulumi.Output[list[Info]]: ...


class _Lookup(Generic[Info]):
    """One lookup function: of `kind`, for one object or for every match (`one`)."""

    def __init__(self, kind: Kind, one: bool, function: str) -> None:
        self.kind, self.one, self.function = kind, one, function
        self.__name__ = self.__qualname__ = function
        what = f"the {kind.noun}" if one else f"every {kind.noun}"
        self.__doc__ = (f"{what.capitalize()} matching every key given: `id`, `name`, or `number` (one it serves, as "
                        f"LiveKit compares numbers){'' if one else '; with none, every one'}. An Output, known at "
                        f"preview; secrets in it are secret Outputs. " + (
                            f"Fails the program when no {kind.noun} matches, or several do." if one else ""))

    def __repr__(self) -> str:
        return f"<function pulumi_livekit.{self.function}>"

    def __call__(self, *, id: KeyInput = None, name: KeyInput = None, number: KeyInput = None,
                 connection: Optional[Connection] = None) -> pulumi.Output[Any]:
        keys = {"id": id, "name": name, "number": number}
        known = {key: value for key, value in keys.items() if not holds_outputs(value)}
        self._check(known, complete=len(known) == len(keys))  # at once, where the program can point at it
        reach = as_input(connection) if connection is not None else None
        # The API secret is never part of what is found: the results are not secret for being found with it.
        known_reach = pulumi.Output.unsecret(pulumi.Output.from_input(reach or {}))
        found = pulumi.Output.all(pulumi.Output.from_input(keys), known_reach).apply(
            lambda both: pulumi.Output.from_input(asyncio.ensure_future(self._found(*both))))
        declare_lookup(self.kind, reach, found)
        return found

    def _check(self, keys: Mapping[str, Any], *, complete: bool) -> None:
        problems = query_problems(keys, one=self.one and complete)
        if problems:
            raise pulumi.RunError(f"{self.function}: " + "; ".join(
                f"{key} {problem}" if key else problem for key, problem in problems))

    async def _found(self, keys: Mapping[str, Any], connection: Mapping[str, Any]) -> Any:
        self._check(keys, complete=True)
        query = Query(self.kind, **{key: keys[key] for key in KEYS if keys.get(key) is not None})
        try:
            endpoint = resolve_connection(connection, pulumi.runtime.get_config)
            register_secrets([endpoint.api_secret])  # scrubbed from whatever a failure says
            found = await asyncio.to_thread(find, query, client_for(endpoint), current().lookups)
            matches = [found.the_one()] if self.one else found.matches
        except LiveKitError as error:
            raise pulumi.RunError(f"{self.function}: {redact(str(error))}") from None
        infos = [_info(self.kind, match) for match in matches]
        return infos[0] if self.one else infos


def _info(kind: Kind, message: Any) -> Any:
    """What a lookup returns for an object: its state as the resource's outputs hold it, secrets as secret Outputs."""
    provider = PROVIDERS[kind]
    state = provider.state_of(message)
    for key in (*kind.secret_keys, *provider.credential_holders(state)):
        if state.get(key) is not None:
            state[key] = pulumi.Output.secret(state[key])
    return INFO_CLASSES[kind](**{kind.id_field: getattr(message, kind.id_field)}, **state)


get_inbound_trunk: GetOne[InboundTrunkInfo] = _Lookup(INBOUND_TRUNK, True, "get_inbound_trunk")
get_inbound_trunks: GetAll[InboundTrunkInfo] = _Lookup(INBOUND_TRUNK, False, "get_inbound_trunks")
get_outbound_trunk: GetOne[OutboundTrunkInfo] = _Lookup(OUTBOUND_TRUNK, True, "get_outbound_trunk")
get_outbound_trunks: GetAll[OutboundTrunkInfo] = _Lookup(OUTBOUND_TRUNK, False, "get_outbound_trunks")
get_dispatch_rule: GetOne[DispatchRuleInfo] = _Lookup(DISPATCH_RULE, True, "get_dispatch_rule")
get_dispatch_rules: GetAll[DispatchRuleInfo] = _Lookup(DISPATCH_RULE, False, "get_dispatch_rules")
